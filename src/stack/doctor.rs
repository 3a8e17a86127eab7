//! `mcp-fa doctor`: every fact `up` depends on, one line each with a verdict — which Docker
//! endpoint was chosen and why, the daemon and API versions, the ports, the images, the state
//! file, and FusionAuth's own answer and license when a stack is running.

use serde::Serialize;

use super::error::StackError;
use super::plan::{
    DEFAULT_FUSIONAUTH_IMAGE, DEFAULT_FUSIONAUTH_PORT, DEFAULT_MCP_PORT, DEFAULT_POSTGRES_IMAGE,
};
use super::ports::{self, PortCheck};
use super::project::Project;
use crate::docker::{Docker, Environment, discover};
use crate::fusionauth::Timeouts;
use crate::project::ProjectName;
use crate::state::StateStore;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Ok,
    Info,
    Warn,
    Fail,
}

#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub name: String,
    pub verdict: Verdict,
    pub detail: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct DoctorReport {
    pub project: String,
    pub checks: Vec<Check>,
}

impl DoctorReport {
    pub fn failures(&self) -> usize {
        self.checks
            .iter()
            .filter(|c| c.verdict == Verdict::Fail)
            .count()
    }
}

pub async fn doctor(project: &ProjectName) -> Result<DoctorReport, StackError> {
    let project = Project::new(project.clone());
    let mut checks = Vec::new();
    let mut add = |name: &str, verdict, detail: String| {
        checks.push(Check {
            name: name.to_owned(),
            verdict,
            detail,
        });
    };

    let environment = Environment::from_process();
    let discovery = discover(&environment);
    for note in &discovery.notes {
        add("Docker configuration", Verdict::Warn, note.clone());
    }

    let store = StateStore::from_env();
    let state = match &store {
        Ok(store) => {
            let path = store.path(project.project_name());
            match store.load(project.project_name()) {
                Ok(Some(state)) => {
                    add(
                        "State file",
                        file_mode_verdict(&path),
                        format!("{} ({})", path.display(), mode_text(&path)),
                    );
                    Some(state)
                }
                Ok(None) => {
                    add(
                        "State file",
                        Verdict::Info,
                        format!(
                            "none yet at {} (written by `mcp-fa up{}`)",
                            path.display(),
                            project.flag()
                        ),
                    );
                    None
                }
                Err(error) => {
                    add("State file", Verdict::Fail, error.to_string());
                    None
                }
            }
        }
        Err(error) => {
            add("State file", Verdict::Fail, error.to_string());
            None
        }
    };

    let docker = match Docker::connect(&environment).await {
        Ok(docker) => docker,
        Err(error) => {
            add("Docker", Verdict::Fail, error.to_string());
            return Ok(DoctorReport {
                project: project.name().to_owned(),
                checks,
            });
        }
    };
    let connection = &docker.connection;
    add(
        "Docker endpoint",
        Verdict::Ok,
        format!(
            "{} (chosen: {})",
            connection.endpoint.host, connection.endpoint.source
        ),
    );
    for (host, why) in &connection.skipped {
        add(
            "Docker endpoint skipped",
            Verdict::Info,
            format!("{host}: {why}"),
        );
    }
    add(
        "Docker daemon",
        Verdict::Ok,
        format!(
            "version {} on {}/{}, API {} (using {})",
            connection.server_version,
            connection.os,
            connection.arch,
            connection.server_api_version,
            connection.api_version
        ),
    );

    let (fusionauth_port, mcp_port) = state
        .as_ref()
        .map_or((DEFAULT_FUSIONAUTH_PORT, DEFAULT_MCP_PORT), |s| {
            (s.fusionauth_port, s.mcp_port)
        });
    for (port, purpose) in [(fusionauth_port, "FusionAuth"), (mcp_port, "MCP server")] {
        let name = format!("Port {port} ({purpose})");
        if port == mcp_port
            && let Some(_) = &state
        {
            if let Some(server) = store
                .as_ref()
                .ok()
                .and_then(|store| super::mcp_server::current(store, project.project_name()))
            {
                add(
                    &name,
                    Verdict::Ok,
                    format!(
                        "our MCP server listens: {} (pid {})",
                        server.owner.describe(),
                        server.pid
                    ),
                );
                continue;
            }
            if super::mcp_server::answers(port).await {
                add(
                    &name,
                    Verdict::Ok,
                    "an MCP server answers (a foreground `up` or `serve`)".into(),
                );
                continue;
            }
        }
        match ports::check(&docker, &project, port).await {
            Ok(PortCheck::Free) => add(&name, Verdict::Ok, "free".into()),
            Ok(PortCheck::Ours) => add(
                &name,
                Verdict::Ok,
                format!("published by project {}", project),
            ),
            Ok(PortCheck::Privileged) => add(
                &name,
                Verdict::Fail,
                "a privileged port (below 1024): only root may listen there; choose another".into(),
            ),
            Ok(PortCheck::Taken(holder)) => {
                add(&name, Verdict::Fail, format!("in use by {holder}"))
            }
            Err(error) => add(&name, Verdict::Warn, error.to_string()),
        }
    }

    let images = state.as_ref().map_or(
        [
            DEFAULT_FUSIONAUTH_IMAGE.to_owned(),
            DEFAULT_POSTGRES_IMAGE.to_owned(),
        ],
        |s| [s.fusionauth_image.clone(), s.postgres_image.clone()],
    );
    for image in images {
        match docker.image_present(&image).await {
            Ok(true) => add("Image", Verdict::Ok, format!("{image} is present")),
            Ok(false) => add(
                "Image",
                Verdict::Info,
                format!("{image} is not present; `up` will pull it"),
            ),
            Err(error) => add("Image", Verdict::Warn, error.to_string()),
        }
    }

    if let Some(state) = &state {
        let client = state.admin_client(Timeouts::PROBE)?;
        match client.status().await {
            Ok(readiness) if readiness.is_ready() => {
                add(
                    "FusionAuth",
                    Verdict::Ok,
                    format!(
                        "{} answers (image {})",
                        state.fusionauth_url, state.fusionauth_image
                    ),
                );
                match client.reactor_status().await {
                    Ok(reactor) if reactor.licensed => add("License", Verdict::Ok, "licensed".into()),
                    Ok(_) => add("License", Verdict::Info, "no license (community plan: custom scopes and consent screens need a paid plan)".into()),
                    Err(error) => add("License", Verdict::Warn, error.to_string()),
                }
            }
            Ok(readiness) => add("FusionAuth", Verdict::Warn, readiness.to_string()),
            Err(error) => add(
                "FusionAuth",
                Verdict::Info,
                format!(
                    "not running ({error}); start it with `mcp-fa up{}`",
                    project.flag()
                ),
            ),
        }
    }
    Ok(DoctorReport {
        project: project.name().to_owned(),
        checks,
    })
}

#[cfg(unix)]
fn mode_text(path: &std::path::Path) -> String {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .map(|m| format!("mode {:o}", m.permissions().mode() & 0o777))
        .unwrap_or_else(|e| e.to_string())
}

#[cfg(not(unix))]
fn mode_text(_path: &std::path::Path) -> String {
    String::new()
}

#[cfg(unix)]
fn file_mode_verdict(path: &std::path::Path) -> Verdict {
    use std::os::unix::fs::PermissionsExt;
    match std::fs::metadata(path) {
        Ok(meta) if meta.permissions().mode() & 0o077 == 0 => Verdict::Ok,
        _ => Verdict::Warn,
    }
}

#[cfg(not(unix))]
fn file_mode_verdict(_path: &std::path::Path) -> Verdict {
    Verdict::Ok
}
