//! What one `mcp-fa check` run carries from hop to hop, and the hops' names.
//!
//! Kept apart from the hops themselves so that every hop file reads from here and nothing here
//! reads from a hop: the run is data, the hops are what is done with it.

use crate::clients::RegisteredClient;
use crate::fusionauth::{FusionAuthClient, Secret};
use crate::server::ServerHandle;
use crate::site::Site;

pub(super) const HOP_FUSIONAUTH: &str = "FusionAuth ready";
pub(super) const HOP_CHALLENGE: &str = "MCP server answers, challenge 401";
pub(super) const HOP_METADATA: &str = "protected resource metadata";
pub(super) const HOP_CLIENT: &str = "self-test client";
pub(super) const HOP_LOGIN: &str = "demo user logged in (authorize+PKCE)";
pub(super) const HOP_TEMPORARY_LOGIN: &str = "temporary user logged in (authorize+PKCE)";
pub(super) const HOP_TOOLS: &str = "MCP initialize + tools/list";
pub(super) const HOP_WHOAMI: &str = "whoami";
pub(super) const HOP_GET_NAME: &str = "get_name";
pub(super) const HOP_REMOVED: &str = "self-test client removed";
pub(super) const HOP_KEPT: &str = "self-test client kept (--keep-client)";

/// Who logs in: the stack's demo user, or the temporary user this run made.
#[derive(Debug, Clone)]
pub(super) struct Login {
    pub(super) email: String,
    pub(super) password: Secret,
    pub(super) full_name: String,
    /// The temporary user's id, to delete at the end.
    pub(super) temporary: Option<String>,
}

/// What the hops learn and hand on.
pub(super) struct Run {
    /// The site, its tenant named once hop 1 knows it.
    pub(super) site: Site,
    pub(super) fusionauth: FusionAuthClient,
    pub(super) http: reqwest::Client,
    /// The server this run started because nothing answered on this machine.
    pub(super) started_server: Option<ServerHandle>,
    pub(super) endpoint: String,
    pub(super) resource: String,
    /// The issuer tokens carry: a stack's URL, or the remote tenant's (learnt in hop 1).
    pub(super) issuer: String,
    pub(super) scopes: Vec<String>,
    pub(super) client: Option<RegisteredClient>,
    pub(super) client_hop_ran: bool,
    pub(super) login: Option<Login>,
}
