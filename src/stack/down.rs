//! `mcp-fa down`: removes the project's containers and network, and with `--volumes` its data
//! and state file. Finds objects by label only, so a container that merely has our name is never
//! touched. Idempotent: a second `down` succeeds and says nothing was running.

use serde::Serialize;

use super::error::StackError;
use super::project::PROJECT_LABEL;
use crate::docker::{Docker, Environment};
use crate::project::ProjectName;
use crate::state::{StateStore, StopReason};

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DownReport {
    pub project: ProjectName,
    pub removed_containers: Vec<String>,
    pub removed_networks: Vec<String>,
    pub removed_volumes: Vec<String>,
    pub kept_volumes: Vec<String>,
    pub state_file_removed: bool,
    pub state_file: String,
    /// The pid of the detached MCP server `down` stopped, if one was running.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped_mcp_server: Option<u32>,
}

/// How long a container gets to stop on its stop signal before it is killed.
const STOP_GRACE: std::time::Duration = std::time::Duration::from_secs(10);

pub async fn down(project: &ProjectName, volumes: bool) -> Result<DownReport, StackError> {
    let store = StateStore::from_env()?;
    let name = project.as_str();
    // The MCP server first, whoever runs it: it must not outlive the FusionAuth it verifies
    // tokens for. Found by its own record, so a damaged or missing state file does not hide it.
    let stopped_mcp_server = super::mcp_server::stop(&store, project, StopReason::Down)
        .await?
        .first()
        .copied();
    let docker = Docker::connect(&Environment::from_process()).await?;

    let removed_containers = docker.containers_labelled(PROJECT_LABEL, name).await?;
    // Stopped first, so PostgreSQL shuts down cleanly rather than being killed.
    for container in &removed_containers {
        docker.stop(container, STOP_GRACE).await?;
        docker.remove_container(container).await?;
    }
    let removed_networks = docker.remove_networks_labelled(PROJECT_LABEL, name).await?;
    let labelled_volumes = docker.volumes_labelled(PROJECT_LABEL, name).await?;
    let (removed_volumes, kept_volumes) = if volumes {
        for volume in &labelled_volumes {
            docker.remove_volume(volume).await?;
        }
        (labelled_volumes, Vec::new())
    } else {
        (Vec::new(), labelled_volumes)
    };
    // The state file holds the only copy of the API key for a kept database: it goes with it,
    // and so does everything else that belonged to that data (the walkthrough's progress, the
    // server's log, the lock file).
    let state_file = store.path(project);
    let state_file_removed = volumes && store.forget(project, true)?.contains(&state_file);
    Ok(DownReport {
        project: project.clone(),
        removed_containers,
        removed_networks,
        removed_volumes,
        kept_volumes,
        state_file_removed,
        state_file: state_file.display().to_string(),
        stopped_mcp_server,
    })
}
