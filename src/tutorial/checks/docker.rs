//! `docker_reachable`: whether a Docker daemon answers where mcp-fa would look for one, and
//! whether Node.js is there for the clients launched through `npx` (a note, never a failure).

use super::context::{DOCKER_TIMEOUT, Verdict, bounded};
use crate::docker::{Docker, DockerError, Environment};

pub(super) async fn docker_reachable() -> Verdict {
    let environment = Environment::from_process();
    let node = node_note();
    match bounded(DOCKER_TIMEOUT, Docker::connect(&environment)).await {
        Ok(Ok(docker)) => {
            let connection = &docker.connection;
            Verdict::passed(
                format!(
                    "Docker answers at {} (version {})",
                    connection.endpoint.host, connection.server_version
                ),
                vec![
                    format!(
                        "Chosen because: {}. Docker {} on {}/{}.",
                        connection.endpoint.source,
                        connection.server_version,
                        connection.os,
                        connection.arch
                    ),
                    node,
                ],
            )
        }
        Ok(Err(DockerError::Unavailable {
            explicit,
            tried,
            installed,
            notes,
        })) => {
            let mut details = Vec::new();
            if tried.is_empty() {
                details.push(
                    "No Docker socket was found and DOCKER_HOST is not set, so there was nothing \
                     to try."
                        .to_owned(),
                );
            }
            for (host, why) in &tried {
                details.push(format!("Tried {host}: {why}."));
            }
            details.extend(notes.iter().map(|note| format!("Note: {note}.")));
            if let Some(variable) = &explicit {
                details.push(format!(
                    "{variable} chose this endpoint, so nothing else was tried. Usually it points \
                     at a daemon that is stopped, or was left over from another setup. Fix: start \
                     the daemon it points at, or `unset {variable}` to let mcp-fa find the local \
                     Docker."
                ));
            }
            if installed.is_empty() {
                details.push(
                    "Fix: install and start a Docker runtime (Docker Desktop, colima, OrbStack, \
                     podman or Docker Engine), or point DOCKER_HOST at a running daemon."
                        .into(),
                );
            } else {
                details.push(format!(
                    "Fix: start Docker: {}.",
                    DockerError::start_hints(&installed).join("; ")
                ));
            }
            details.push("`mcp-fa doctor` lists every endpoint it looked at.".into());
            Verdict::failed("no Docker daemon answered", details)
        }
        Ok(Err(other)) => Verdict::failed(
            "Docker answered, but not as expected",
            vec![
                other.to_string(),
                "Fix: `mcp-fa doctor` shows the endpoint and versions.".into(),
            ],
        ),
        Err(late) => Verdict::failed(
            "no Docker daemon answered in time",
            vec![
                format!("Docker: {late}."),
                "Fix: restart the Docker runtime; `mcp-fa doctor` lists the endpoints tried."
                    .into(),
            ],
        ),
    }
}

/// Whether `npx` is on PATH: mcp-remote (and Claude Desktop through it) needs Node.js. A note
/// only, never a failure: other clients do without it.
fn node_note() -> String {
    let found = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|dir| dir.join("npx"))
            .find(|candidate| candidate.is_file())
    });
    match found {
        Some(path) => format!(
            "Node.js: npx found at {} (mcp-remote and the MCP Inspector run through it).",
            path.display()
        ),
        None => "Node.js: npx is not on PATH. mcp-remote, Claude Desktop (through mcp-remote) \
                 and the MCP Inspector need Node.js 20 or newer; Claude Code, Cursor and VS Code \
                 do not."
            .into(),
    }
}
