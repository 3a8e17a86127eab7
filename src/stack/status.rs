//! `mcp-fa status`: what is running, where, and how to log in, as text, JSON or `.env` lines.
//! Secrets (the API key, passwords) appear only when asked for with `--show-secrets`.

use serde::Serialize;

use super::error::StackError;
use super::mcp_server::{self, McpServerReport};
use super::project::Project;
use crate::docker::{Docker, Environment, Health, RunState};
use crate::fusionauth::Timeouts;
use crate::project::ProjectName;
use crate::state::{ServerRecord, StackState, StateStore};

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusReport {
    pub project: ProjectName,
    /// Both containers run and FusionAuth answers `/api/status` with 200 + JSON.
    pub running: bool,
    pub containers: Vec<ContainerStatus>,
    /// FusionAuth's answer to `/api/status`, in words.
    pub fusionauth_status: Option<String>,
    pub fusionauth_url: Option<String>,
    pub issuer: Option<String>,
    pub mcp_server_url: Option<String>,
    /// Whether MCP clients can register themselves with the stack's MCP server.
    pub registration: Option<RegistrationStatus>,
    pub users: Vec<UserStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_key: Option<String>,
    /// The MCP server on the stack's port (absent without a state file).
    pub mcp_server: Option<McpServerReport>,
    pub clients: Vec<crate::state::RegisteredClient>,
    pub state_file: String,
    pub state_saved: bool,
    pub secrets_shown: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct ContainerStatus {
    pub service: &'static str,
    pub name: String,
    /// `running`, `exited (code N)`, `created`, `missing`, ...
    pub state: String,
    pub health: Option<String>,
}

/// The registration bridge of a stack: on, with where clients register, or off and why.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RegistrationStatus {
    pub enabled: bool,
    /// `<MCP origin>/register`, answered while the stack's MCP server runs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl RegistrationStatus {
    /// For the stack in `state`, and the MCP server serving it now, if any.
    pub fn of(state: &StackState, server: Option<&ServerRecord>) -> Self {
        let flag = state.project.flag();
        if let Some(server) = server.filter(|server| !server.registration) {
            return Self {
                enabled: false,
                endpoint: None,
                reason: Some(format!(
                    "the MCP server running now (pid {}) was started with --no-registration;                      start it again without that flag to let clients register themselves, or                      register them with `mcp-fa clients add{flag}`",
                    server.pid
                )),
            };
        }
        if state.registration_ready() {
            Self {
                enabled: true,
                endpoint: Some(format!("{}/register", state.mcp_origin())),
                reason: None,
            }
        } else {
            Self {
                enabled: false,
                endpoint: None,
                reason: Some(format!(
                    "this stack was created before the registration bridge: its tenant's \
                     issuer is {}, not the MCP server's origin. Register clients with `mcp-fa \
                     clients add{flag}`, or recreate the stack (`mcp-fa down{flag} --volumes`, \
                     then `mcp-fa up{flag}`) so clients can register themselves",
                    state.issuer()
                )),
            }
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct UserStatus {
    pub email: String,
    pub role: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
}

pub async fn status(project: &ProjectName, show_secrets: bool) -> Result<StatusReport, StackError> {
    let project = Project::new(project.clone());
    let store = StateStore::from_env()?;
    let state = store.load(project.project_name())?;
    let docker = Docker::connect(&Environment::from_process()).await?;

    let mut containers = Vec::new();
    let mut all_running = true;
    for (service, name) in [
        ("db", project.database_container()),
        ("fusionauth", project.fusionauth_container()),
    ] {
        let info = docker
            .inspect(&name)
            .await?
            .filter(|info| project.owns(&info.labels));
        let (state, health) = match info {
            None => ("missing".to_owned(), None),
            Some(info) => {
                let state = match info.state {
                    RunState::Running => "running".to_owned(),
                    RunState::Created => "created".to_owned(),
                    RunState::Restarting => "restarting".to_owned(),
                    RunState::Exited { code } => format!("exited (code {code})"),
                    RunState::Other(other) => other,
                };
                // Docker keeps the last health result of a stopped container ("unhealthy"
                // after a daemon restart): only a running container's health is current.
                let health = info
                    .health
                    .filter(|_| matches!(state.as_str(), "running" | "restarting"))
                    .map(|h| {
                        match h {
                            Health::Starting => "starting",
                            Health::Healthy => "healthy",
                            Health::Unhealthy => "unhealthy",
                        }
                        .to_owned()
                    });
                (state, health)
            }
        };
        all_running &= state == "running";
        containers.push(ContainerStatus {
            service,
            name,
            state,
            health,
        });
    }

    let mut fusionauth_status = None;
    if let (Some(saved), true) = (&state, all_running) {
        let client = saved.admin_client(Timeouts::PROBE)?;
        fusionauth_status = Some(match client.status().await {
            Ok(readiness) => readiness.to_string(),
            Err(error) => error.to_string(),
        });
    }
    let running = all_running && fusionauth_status.as_deref() == Some("ready");
    let server = mcp_server::current(&store, project.project_name());
    let mcp_server = mcp_server_status(server.as_ref(), state.as_ref()).await;

    Ok(StatusReport {
        project: project.project_name().clone(),
        running,
        containers,
        fusionauth_status,
        fusionauth_url: state
            .as_ref()
            .map(|s| format!("http://localhost:{}", s.fusionauth_port)),
        issuer: state.as_ref().map(|s| s.issuer().to_owned()),
        mcp_server_url: state
            .as_ref()
            .map(|s| format!("http://localhost:{}/mcp", s.mcp_port)),
        registration: state
            .as_ref()
            .map(|state| RegistrationStatus::of(state, server.as_ref())),
        users: state
            .iter()
            .flat_map(|s| &s.users)
            .map(|user| UserStatus {
                email: user.email.clone(),
                role: user.role.clone(),
                password: show_secrets.then(|| user.password.expose().to_owned()),
            })
            .collect(),
        api_key: state
            .as_ref()
            .filter(|_| show_secrets)
            .map(|s| s.api_key.expose().to_owned()),
        mcp_server,
        clients: state
            .as_ref()
            .map(|s| s.clients.clone())
            .unwrap_or_default(),
        state_file: store.path(project.project_name()).display().to_string(),
        state_saved: state.is_some(),
        secrets_shown: show_secrets,
    })
}

/// The project's MCP server: the one its record names (whoever runs it), else whether
/// something else answers on the stack's port. Absent with neither a record nor a state file.
async fn mcp_server_status(
    server: Option<&ServerRecord>,
    state: Option<&StackState>,
) -> Option<McpServerReport> {
    if let Some(record) = server {
        return Some(McpServerReport::recorded(record, false));
    }
    let state = state?;
    let running = mcp_server::answers(state.mcp_port).await;
    Some(McpServerReport {
        mode: if running { "external" } else { "none" },
        running,
        endpoint: state.mcp_endpoint(),
        pid: None,
        protected: None,
        log_file: None,
        already_running: false,
    })
}
