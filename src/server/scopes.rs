//! Which scopes each tool needs, and what the server asks clients for.
//!
//! `get_name` calls FusionAuth's userinfo with the caller's token, which FusionAuth answers only
//! for tokens carrying `openid` (Strict scope handling), so `openid` is always part of its need.
//! The guard on top of it is the custom `get_name` scope when FusionAuth is licensed (custom
//! scopes are a paid feature), `profile` otherwise. `whoami` reads the verified token only and
//! needs nothing beyond a valid token for this server.
//!
//! `tools/list` shows every tool, each description stating the scopes it needs, rather than only
//! the tools the token may call: a client that never sees a tool can never step up to it, while
//! one that sees it, calls it and gets `403 insufficient_scope` re-authorizes with the union of
//! scopes, as the MCP specification intends.

use crate::project::ScopeChoice;

/// Which scope guards `get_name`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeMode {
    /// `profile`: works on every FusionAuth.
    Standard,
    /// The custom `get_name` scope: needs a FusionAuth license.
    Custom,
}

pub const GET_NAME: &str = "get_name";
pub const WHOAMI: &str = "whoami";

impl From<ScopeChoice> for ScopeMode {
    fn from(choice: ScopeChoice) -> Self {
        match choice {
            ScopeChoice::Standard => ScopeMode::Standard,
            ScopeChoice::Custom => ScopeMode::Custom,
        }
    }
}

impl ScopeMode {
    /// Every scope `tool` needs, in a stable order; empty for an unknown tool (rmcp answers it).
    pub fn required_for(self, tool: &str) -> &'static [&'static str] {
        match (tool, self) {
            (GET_NAME, Self::Standard) => &["openid", "profile"],
            (GET_NAME, Self::Custom) => &["openid", GET_NAME],
            _ => &[],
        }
    }

    /// What a client should ask for on its first login (the `scope` of a 401 challenge and the
    /// metadata's `scopes_supported`): enough to call every tool. With the custom scope, `profile`
    /// is asked for as well, so userinfo can return the user's names.
    pub fn requested(self) -> &'static [&'static str] {
        match self {
            Self::Standard => &["openid", "profile"],
            Self::Custom => &["openid", "profile", GET_NAME],
        }
    }

    /// The scopes `tool` needs that `granted` lacks.
    pub fn missing(self, tool: &str, granted: &[String]) -> Vec<&'static str> {
        self.required_for(tool)
            .iter()
            .copied()
            .filter(|scope| !granted.iter().any(|g| g == scope))
            .collect()
    }

    /// The line the server logs at start.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Standard => {
                "scopes: `profile` guards get_name (standard scopes; custom scopes need a FusionAuth \
                 license)"
            }
            Self::Custom => {
                "scopes: the custom `get_name` scope guards get_name (licensed FusionAuth)"
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn get_name_needs_openid_and_its_guard() {
        let granted = vec!["openid".to_string(), "email".to_string()];
        assert_eq!(ScopeMode::Standard.missing(GET_NAME, &granted), ["profile"]);
        assert_eq!(ScopeMode::Custom.missing(GET_NAME, &granted), [GET_NAME]);
        assert!(ScopeMode::Standard.missing(WHOAMI, &[]).is_empty());
    }
}
