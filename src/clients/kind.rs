//! The MCP clients mcp-fa knows, and the redirect URIs each one really uses. These come from the
//! clients' behaviour, not from preference: registering anything else makes FusionAuth refuse the
//! login with an error page the user cannot act on.

use std::fmt;
use std::str::FromStr;

use super::redirect::RedirectUri;

/// Package versions pinned in every configuration we print or write, so a client that works
/// today keeps working when its package moves on.
pub const MCP_REMOTE_VERSION: &str = "0.15.1";
pub const INSPECTOR_VERSION: &str = "2.12.0";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClientKind {
    ClaudeCode,
    /// Claude Desktop through the mcp-remote bridge, which does the OAuth dance locally.
    ClaudeDesktop,
    Cursor,
    VsCode,
    McpRemote,
    Inspector,
    /// claude.ai's (and Claude Desktop's) "Settings → Connectors": Anthropic's cloud logs in
    /// and calls the server, so it is a confidential client with a secret, and the server must
    /// be at a public https URL.
    ClaudeConnector,
    /// Anything else, with the redirect URIs the user gives.
    Custom,
}

/// Where claude.ai's connectors (both of Anthropic's domains) receive the authorization code.
pub const CLAUDE_CONNECTOR_REDIRECT_URIS: [&str; 2] = [
    "https://claude.ai/api/mcp/auth_callback",
    "https://claude.com/api/mcp/auth_callback",
];

impl ClientKind {
    pub const ALL: [ClientKind; 8] = [
        ClientKind::ClaudeCode,
        ClientKind::ClaudeDesktop,
        ClientKind::Cursor,
        ClientKind::VsCode,
        ClientKind::McpRemote,
        ClientKind::Inspector,
        ClientKind::ClaudeConnector,
        ClientKind::Custom,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ClientKind::ClaudeCode => "claude-code",
            ClientKind::ClaudeDesktop => "claude-desktop",
            ClientKind::Cursor => "cursor",
            ClientKind::VsCode => "vscode",
            ClientKind::McpRemote => "mcp-remote",
            ClientKind::Inspector => "inspector",
            ClientKind::ClaudeConnector => "claude-connector",
            ClientKind::Custom => "custom",
        }
    }

    /// What a person calls it.
    pub fn display_name(self) -> &'static str {
        match self {
            ClientKind::ClaudeCode => "Claude Code",
            ClientKind::ClaudeDesktop => "Claude Desktop (via mcp-remote)",
            ClientKind::Cursor => "Cursor",
            ClientKind::VsCode => "VS Code",
            ClientKind::McpRemote => "mcp-remote",
            ClientKind::Inspector => "MCP Inspector",
            ClientKind::ClaudeConnector => "Claude connector (claude.ai, Claude Desktop)",
            ClientKind::Custom => "another MCP client",
        }
    }

    /// A client that keeps a secret (a server, not a program on a laptop): FusionAuth
    /// requires it at the token endpoint, and `clients add` shows it once.
    pub fn is_confidential(self) -> bool {
        self == ClientKind::ClaudeConnector
    }

    /// Whether `mcp-fa up --client` (and the project file's `clients:`) may register it: not
    /// a custom client (it needs redirect URIs) nor a connector (it needs a public https URL,
    /// which a local stack's server never has).
    pub fn registered_by_up(self) -> bool {
        !matches!(self, ClientKind::Custom | ClientKind::ClaudeConnector)
    }

    /// The callback port a client listens on when it lets us choose, pinned so the registered
    /// redirect URI stays valid across restarts. `None` when the client's URI has no port of
    /// ours (custom schemes, fixed ports).
    pub fn default_port(self) -> Option<u16> {
        match self {
            ClientKind::ClaudeCode => Some(3335),
            ClientKind::ClaudeDesktop | ClientKind::McpRemote => Some(3334),
            _ => None,
        }
    }

    /// Whether `--port` means anything for this kind.
    pub fn takes_port(self) -> bool {
        self.default_port().is_some()
    }

    /// The exact redirect URIs to register. Where a client may use either loopback spelling,
    /// both are registered: FusionAuth's ExactMatch treats `localhost` and `127.0.0.1` as
    /// different URLs.
    pub fn redirect_uris(self, port: Option<u16>) -> Vec<RedirectUri> {
        let port = port.or(self.default_port());
        let uris: Vec<String> = match (self, port) {
            (ClientKind::ClaudeCode, Some(p)) => vec![
                format!("http://localhost:{p}/callback"),
                format!("http://127.0.0.1:{p}/callback"),
            ],
            (ClientKind::ClaudeDesktop | ClientKind::McpRemote, Some(p)) => {
                vec![format!("http://localhost:{p}/oauth/callback")]
            }
            (ClientKind::Cursor, _) => vec!["cursor://anysphere.cursor-mcp/oauth/callback".into()],
            (ClientKind::VsCode, _) => vec![
                "http://127.0.0.1:33418/".into(),
                "http://localhost:33418/".into(),
                "https://vscode.dev/redirect".into(),
            ],
            (ClientKind::Inspector, _) => vec![
                "http://localhost:6274/oauth/callback".into(),
                "http://localhost:6274/oauth/callback/debug".into(),
                "http://127.0.0.1:6276/oauth/callback".into(),
            ],
            (ClientKind::ClaudeConnector, _) => CLAUDE_CONNECTOR_REDIRECT_URIS
                .iter()
                .map(|uri| (*uri).to_owned())
                .collect(),
            _ => vec![],
        };
        uris.into_iter()
            .map(|u| RedirectUri::parse(&u).expect("built-in redirect URIs are valid"))
            .collect()
    }
}

impl fmt::Display for ClientKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ClientKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ClientKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                let known: Vec<&str> = ClientKind::ALL.iter().map(|k| k.as_str()).collect();
                format!(
                    "unknown client kind '{s}'; use one of: {}",
                    known.join(", ")
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_round_trips_through_its_name() {
        for kind in ClientKind::ALL {
            assert_eq!(kind.as_str().parse::<ClientKind>(), Ok(kind));
        }
        assert!(
            "claude"
                .parse::<ClientKind>()
                .unwrap_err()
                .contains("claude-code")
        );
    }

    #[test]
    fn loopback_clients_get_both_spellings_where_they_use_either() {
        let uris: Vec<String> = ClientKind::ClaudeCode
            .redirect_uris(Some(4100))
            .iter()
            .map(|u| u.to_string())
            .collect();
        assert_eq!(
            uris,
            [
                "http://localhost:4100/callback",
                "http://127.0.0.1:4100/callback"
            ]
        );
        assert_eq!(
            ClientKind::McpRemote.redirect_uris(None)[0].to_string(),
            "http://localhost:3334/oauth/callback"
        );
        assert!(ClientKind::Custom.redirect_uris(None).is_empty());
    }
}
