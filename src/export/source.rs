//! What an export reproduces: the project as it runs (its state: images, ports, scopes,
//! license, the registered MCP clients with their client ids), or, for a project never brought
//! up, its project file and mcp-fa's defaults. Secrets are not carried over: the exported setup
//! gets its own (see [`super::secrets`]), except the license id, which is the user's own.

use crate::clients::ClientKind;
use crate::fusionauth::Secret;
use crate::project::{ProjectName, ScopeChoice};
use crate::state::StackState;

/// The project to export, whichever record it came from.
#[derive(Debug, Clone)]
pub struct ExportedProject {
    pub project: ProjectName,
    pub fusionauth_image: String,
    pub postgres_image: String,
    pub fusionauth_port: u16,
    pub mcp_port: u16,
    pub scopes: ScopeChoice,
    pub license_id: Option<Secret>,
    pub clients: Vec<ExportedClient>,
}

/// An MCP client, recreated under the same client id, so every client configuration printed
/// for the laptop's project names a client the exported FusionAuth knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportedClient {
    pub name: String,
    pub client_id: String,
    pub kind: ClientKind,
    pub redirect_uris: Vec<String>,
    pub port: Option<u16>,
}

impl ExportedProject {
    /// The project as its state records it.
    pub fn from_state(state: &StackState) -> Self {
        let clients = state
            .clients
            .iter()
            .map(|client| {
                let kind = client
                    .kind
                    .as_deref()
                    .and_then(|kind| kind.parse().ok())
                    .unwrap_or(ClientKind::Custom);
                ExportedClient {
                    name: client.name.clone(),
                    client_id: client.client_id.clone(),
                    kind,
                    port: kind
                        .takes_port()
                        .then(|| loopback_port(&client.redirect_uris))
                        .flatten(),
                    redirect_uris: client.redirect_uris.clone(),
                }
            })
            .collect();
        Self {
            project: state.project.clone(),
            fusionauth_image: state.fusionauth_image.clone(),
            postgres_image: state.postgres_image.clone(),
            fusionauth_port: state.fusionauth_port,
            mcp_port: state.mcp_port,
            scopes: state.scope_choice(),
            license_id: state.license_id.clone(),
            clients,
        }
    }

    /// `http://localhost:<FusionAuth port>`: the issuer the running project uses.
    pub fn local_issuer(&self) -> String {
        format!("http://localhost:{}", self.fusionauth_port)
    }

    /// `http://localhost:<MCP port>`: the MCP server's public URL on the laptop.
    pub fn local_public_url(&self) -> String {
        format!("http://localhost:{}", self.mcp_port)
    }
}

/// The port of the first loopback redirect URI (`http://localhost:PORT/...` or 127.0.0.1).
fn loopback_port(uris: &[String]) -> Option<u16> {
    uris.iter().find_map(|uri| {
        let url = url::Url::parse(uri).ok()?;
        matches!(url.host_str()?, "localhost" | "127.0.0.1").then(|| url.port())?
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::RegisteredClient;

    #[test]
    fn the_state_supplies_ports_images_scopes_and_clients_with_their_ids() {
        let state = StackState {
            clients: vec![
                RegisteredClient {
                    name: "claude-code".into(),
                    client_id: "c-1".into(),
                    redirect_uris: vec!["http://localhost:33418/callback".into()],
                    kind: Some("claude-code".into()),
                },
                RegisteredClient {
                    name: "old".into(),
                    client_id: "c-2".into(),
                    redirect_uris: vec!["https://example.com/cb".into()],
                    kind: None,
                },
            ],
            ..StackState::sample()
        };
        let exported = ExportedProject::from_state(&state);
        assert_eq!(exported.fusionauth_port, 9011);
        assert_eq!(
            exported.scopes,
            ScopeChoice::Custom,
            "the sample has a license"
        );
        assert_eq!(exported.clients[0].client_id, "c-1");
        assert_eq!(exported.clients[0].port, Some(33418));
        assert_eq!(exported.clients[1].kind, ClientKind::Custom);
        assert_eq!(exported.clients[1].port, None);
        assert_eq!(exported.local_issuer(), "http://localhost:9011");
    }
}
