//! State files as `mcp-fa up` leaves them, for tests that run the real binary against an
//! in-process stand-in without running `up`: built as mcp-fa's own [`StackState`] and written
//! through its [`StateStore`], so the file is exactly what the product writes (field names,
//! format version, mode 0600), and a change to the format reaches these tests by itself.

use std::path::Path;

use mcp_fa::fusionauth::Secret;
use mcp_fa::state::{StackState, StateStore, UserCredentials};

use super::standin::{DEMO_EMAIL, DEMO_PASSWORD, Stack};

/// One project's state file, pointing at a kickstarted stand-in.
pub struct StateFixture {
    state: StackState,
}

impl StateFixture {
    /// The state of `project` whose FusionAuth is `stack`: its URL and port, API key, signing
    /// key and demo user, no clients yet, and the MCP server on port 8000 (so its resource is
    /// the one the kickstarted application accepts, `support::RESOURCE`). Images, database
    /// password and hash are placeholders: nothing reads them without Docker.
    pub fn new(project: &str, stack: &Stack) -> StateFixture {
        StateFixture {
            state: StackState {
                format_version: 1,
                project: project.parse().expect("a valid project name"),
                fusionauth_url: stack.sim.url(),
                fusionauth_port: stack.sim.addr().port(),
                mcp_port: 8000,
                fusionauth_image: "test".into(),
                postgres_image: "test".into(),
                api_key: Secret::new(stack.api_key.clone()),
                database_password: Secret::new("unused"),
                tenant_id: None,
                signing_key_id: stack.rsa_key_id.clone(),
                users: vec![UserCredentials {
                    id: stack.user_id.clone(),
                    email: DEMO_EMAIL.into(),
                    full_name: "Test User".into(),
                    password: Secret::new(DEMO_PASSWORD),
                    role: "demo".into(),
                }],
                license_id: None,
                scopes: None,
                clients: Vec::new(),
                pending_kickstart: None,
                config_hash: "test".into(),
                created_at: 0,
            },
        }
    }

    /// The MCP server on `port` instead of 8000.
    pub fn mcp_port(mut self, port: u16) -> StateFixture {
        self.state.mcp_port = port;
        self
    }

    /// The tenant's id, as `up` records it.
    pub fn tenant_id(mut self, tenant_id: Option<String>) -> StateFixture {
        self.state.tenant_id = tenant_id;
        self
    }

    /// Writes `<dir>/<project>.json`.
    pub fn write(self, dir: &Path) {
        StateStore::at(dir)
            .save(&self.state)
            .expect("write the state file");
    }
}
