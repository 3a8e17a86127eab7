//! `mcp-fa doctor`: every fact `up` depends on, one line each with a verdict — which Docker
//! endpoint was chosen and why, the daemon and API versions, the ports, the images, the state
//! file, FusionAuth's own answer and license when a stack is running, and the containers: one
//! that stopped, or a kickstart FusionAuth logged as failed, with what their logs said (the
//! stack's secrets blanked out).

use serde::Serialize;

use super::error::StackError;
use super::kickstart_log::KickstartLog;
use super::plan::{
    DEFAULT_FUSIONAUTH_IMAGE, DEFAULT_FUSIONAUTH_PORT, DEFAULT_MCP_PORT, DEFAULT_POSTGRES_IMAGE,
};
use super::ports::{self, PortCheck};
use super::project::Project;
use crate::docker::RunState;
use crate::docker::{Docker, Environment, discover};
use crate::fusionauth::Timeouts;
use crate::project::ProjectName;
use crate::redact::Redactor;
use crate::state::{StackState, StateStore};

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
        checks.extend(containers(&docker, &project, state).await);
    }
    Ok(DoctorReport {
        project: project.name().to_owned(),
        checks,
    })
}

/// Lines of a container's log read to find a kickstart failure, and shown with a stopped one.
const LOG_LINES_READ: usize = 400;
const LOG_LINES_SHOWN: usize = 8;

/// The project's two containers: one that stopped, with its last lines, and a kickstart failure
/// FusionAuth logged. Log lines go through the stack's [`Redactor`]: FusionAuth logs a failed
/// kickstart request with the generated passwords in it.
async fn containers(docker: &Docker, project: &Project, state: &StackState) -> Vec<Check> {
    let redactor = Redactor::for_state(state);
    let mut checks = Vec::new();
    for (container, service) in [
        (project.fusionauth_container(), "fusionauth"),
        (project.database_container(), "db"),
    ] {
        let info = match docker.inspect(&container).await {
            Ok(Some(info)) => info,
            Ok(None) => continue,
            Err(error) => {
                checks.push(check("Container", Verdict::Warn, error.to_string()));
                continue;
            }
        };
        let lines = super::wait::last_logged(docker, &container, LOG_LINES_READ).await;
        checks.extend(log_checks(
            &container,
            service,
            &info.state,
            &lines,
            &redactor,
            &project.flag(),
        ));
    }
    checks
}

/// What one container's state and log say: a kickstart failure (FusionAuth's log only), and a
/// stopped container with its last lines, every line redacted.
fn log_checks(
    container: &str,
    service: &str,
    state: &RunState,
    lines: &[String],
    redactor: &Redactor,
    flag: &str,
) -> Vec<Check> {
    let mut checks = Vec::new();
    if service == "fusionauth" {
        let mut kickstart = KickstartLog::default();
        lines.iter().for_each(|line| kickstart.feed(line));
        if let Some(failure) = kickstart.failure(std::time::Duration::ZERO) {
            checks.push(check(
                "Kickstart",
                Verdict::Fail,
                format!(
                    "{}\n`mcp-fa down{flag} --volumes` and `mcp-fa up{flag}` start afresh",
                    failure.redacted(redactor)
                ),
            ));
        }
    }
    if let RunState::Exited { code } = state {
        let shown = lines.len().saturating_sub(LOG_LINES_SHOWN);
        let mut detail = format!(
            "{container} exited with code {code}; `mcp-fa up{flag}` starts it again. Its last \
             lines (all of them: `mcp-fa logs {service}{flag}`):"
        );
        for line in redactor.lines(&lines[shown..]) {
            detail.push_str("\n  | ");
            detail.push_str(&line);
        }
        checks.push(check("Container", Verdict::Fail, detail));
    }
    checks
}

fn check(name: &str, verdict: Verdict, detail: String) -> Check {
    Check {
        name: name.to_owned(),
        verdict,
        detail,
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fusionauth::Secret;

    #[test]
    fn a_failed_kickstart_and_a_stopped_container_are_shown_without_the_stacks_secrets() {
        let password = Secret::new("GeneratedPassw0rd1234");
        let redactor = Redactor::new([&password]);
        let lines: Vec<String> = [
            "2026-10-01 10:00:00.000 AM ERROR KickstartRunner - Failed to execute request to \
             [POST][/api/user/1] Status [400]",
            "Request body:",
            "{ \"user\" : { \"password\" : \"GeneratedPassw0rd1234\" } }",
            "2026-10-01 10:00:00.001 AM ERROR KickstartRunner - Error response:",
            "{ \"generalErrors\" : [ { \"code\" : \"[x]GeneratedPassw0rd1234\", \"message\" : \"m\" } ] }",
        ]
        .map(str::to_owned)
        .to_vec();
        let state = RunState::Exited { code: 1 };
        let checks = log_checks(
            "fa",
            "fusionauth",
            &state,
            &lines,
            &redactor,
            " --project p",
        );
        let names: Vec<&str> = checks.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["Kickstart", "Container"]);
        for check in &checks {
            assert_eq!(check.verdict, Verdict::Fail);
            assert!(
                !check.detail.contains("GeneratedPassw0rd1234"),
                "{}",
                check.detail
            );
            assert!(check.detail.contains("[redacted]"), "{}", check.detail);
        }
        assert!(
            checks[0].detail.contains("Status [400]"),
            "{}",
            checks[0].detail
        );
        assert!(
            checks[1]
                .detail
                .contains("mcp-fa logs fusionauth --project p")
        );
        // A running database with a quiet log: nothing to say.
        let quiet = log_checks("db", "db", &RunState::Running, &lines, &redactor, "");
        assert!(quiet.is_empty());
    }
}
