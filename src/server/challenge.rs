//! `WWW-Authenticate: Bearer …` challenges (RFC 6750 §3, RFC 9728 §5.1): the gate writes them
//! here, and the tutorial's checks and `mcp-fa check` read them back here, so what the server
//! says and what the checks expect cannot drift apart.
//!
//! It owns the header's text, both ways. It must not decide when to challenge (the gate in
//! `auth` does) or what a client does with one.

use std::fmt;

/// The auth-params of a Bearer challenge, in the order they are written. MCP clients act on
/// `resource_metadata` (where to find the authorization server), `scope` (what to ask for) and
/// `error` (`invalid_token`: log in again; `insufficient_scope`: step up).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BearerChallenge {
    params: Vec<(String, String)>,
}

impl BearerChallenge {
    /// No token: where the metadata is, and the scopes a client should ask for.
    pub fn token_required(metadata: &str, scope: &str) -> Self {
        Self::with(&[("resource_metadata", metadata), ("scope", scope)])
    }

    /// A token the server refused; the client has to log in again.
    pub fn invalid_token(metadata: &str, scope: &str) -> Self {
        Self::with(&[
            ("error", "invalid_token"),
            ("resource_metadata", metadata),
            ("scope", scope),
        ])
    }

    /// A valid token without every scope the call needs: `scope` names all of them, so a
    /// client that logs in again asking for exactly these is let through.
    pub fn insufficient_scope(scope: &str, metadata: &str) -> Self {
        Self::with(&[
            ("error", "insufficient_scope"),
            ("scope", scope),
            ("resource_metadata", metadata),
        ])
    }

    fn with(params: &[(&str, &str)]) -> Self {
        Self {
            params: params
                .iter()
                .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
                .collect(),
        }
    }

    /// Reads a header value, quoted parameters or not. Reading stops at the first thing that is
    /// not `name=value`; what came before it is kept, so a challenge with an odd tail still says
    /// where its metadata is.
    pub fn parse(header: &str) -> Self {
        let trimmed = header.trim_start();
        let mut rest = trimmed.strip_prefix("Bearer").unwrap_or(trimmed);
        let mut params = Vec::new();
        loop {
            rest = rest.trim_start_matches(|c: char| c == ',' || c.is_whitespace());
            let Some(eq) = rest.find('=') else { break };
            let name = rest[..eq].trim();
            let after = &rest[eq + 1..];
            let (value, next) = match after.strip_prefix('"') {
                Some(quoted) => {
                    let Some(end) = quoted.find('"') else { break };
                    (&quoted[..end], &quoted[end + 1..])
                }
                None => {
                    let end = after.find(',').unwrap_or(after.len());
                    (after[..end].trim(), &after[end..])
                }
            };
            params.push((name.to_owned(), value.to_owned()));
            rest = next;
        }
        Self { params }
    }

    /// A parameter's value; names are compared without regard to case (RFC 9110 §11.2).
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(known, _)| known.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    pub fn error(&self) -> Option<&str> {
        self.param("error")
    }

    pub fn resource_metadata(&self) -> Option<&str> {
        self.param("resource_metadata")
    }

    /// The scopes of `scope=`, in order; none when it is missing or empty.
    pub fn scopes(&self) -> Vec<&str> {
        self.param("scope")
            .unwrap_or_default()
            .split_whitespace()
            .collect()
    }
}

/// The header value: `Bearer name="value", …`.
impl fmt::Display for BearerChallenge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Bearer")?;
        for (index, (name, value)) in self.params.iter().enumerate() {
            let separator = if index == 0 { " " } else { ", " };
            write!(f, "{separator}{name}=\"{value}\"")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenge_parameters_are_read_quoted_or_not() {
        let challenge = BearerChallenge::parse(
            "Bearer error=\"insufficient_scope\", scope=\"openid profile\", \
             resource_metadata=\"http://localhost:8000/.well-known/oauth-protected-resource/mcp\"",
        );
        assert_eq!(challenge.error(), Some("insufficient_scope"));
        assert_eq!(challenge.scopes(), ["openid", "profile"]);
        assert_eq!(
            challenge.resource_metadata(),
            Some("http://localhost:8000/.well-known/oauth-protected-resource/mcp")
        );
        assert_eq!(
            BearerChallenge::parse("Bearer realm=x, SCOPE=openid").param("scope"),
            Some("openid")
        );
        assert_eq!(
            BearerChallenge::parse("Bearer realm=\"x\"").param("scope"),
            None
        );
        assert_eq!(BearerChallenge::parse("").param("scope"), None);
        assert!(BearerChallenge::parse("Bearer").scopes().is_empty());
        // An unterminated quote ends the reading, keeping what came before it.
        let odd = BearerChallenge::parse("Bearer resource_metadata=\"http://m\", scope=\"openid");
        assert_eq!(odd.resource_metadata(), Some("http://m"));
        assert_eq!(odd.param("scope"), None);
    }

    #[test]
    fn the_gates_challenges_read_back_as_written() {
        let metadata = "http://localhost:8000/.well-known/oauth-protected-resource/mcp";
        let none = BearerChallenge::token_required(metadata, "openid profile");
        assert_eq!(
            none.to_string(),
            format!("Bearer resource_metadata=\"{metadata}\", scope=\"openid profile\"")
        );
        let invalid = BearerChallenge::invalid_token(metadata, "openid profile");
        assert_eq!(
            invalid.to_string(),
            format!(
                "Bearer error=\"invalid_token\", resource_metadata=\"{metadata}\", scope=\"openid profile\""
            )
        );
        let narrow = BearerChallenge::insufficient_scope("openid get_name", metadata);
        assert_eq!(
            narrow.to_string(),
            format!(
                "Bearer error=\"insufficient_scope\", scope=\"openid get_name\", resource_metadata=\"{metadata}\""
            )
        );
        for challenge in [none, invalid, narrow] {
            assert_eq!(BearerChallenge::parse(&challenge.to_string()), challenge);
        }
    }
}
