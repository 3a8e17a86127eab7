//! The MCP server `up` leaves running with `--detach`: a background `mcp-fa serve --project <p>`
//! process in its own process group, its output in `<state dir>/<project>.mcp.log`, its pid in
//! the state file. `down` stops it, `logs mcp` shows its log, `status` reports it.
//!
//! A recorded pid is only ever signalled while `/proc/<pid>/cmdline` (or `ps` where there is no
//! `/proc`) still shows `serve` and `--project <p>`: a pid reused by another program is left
//! alone.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use serde::Serialize;

use super::error::StackError;
use crate::project::ProjectName;
use crate::state::{McpServerProcess, StackState, StateStore};

/// How long a detached server gets to answer before `up` gives up on it.
const START_TIMEOUT: Duration = Duration::from_secs(30);
/// How long `down` waits after SIGTERM before SIGKILL.
const STOP_GRACE: Duration = Duration::from_secs(5);

/// What `up` and `status` say about the MCP server.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct McpServerReport {
    /// `foreground` (in the `up` process), `detached` (a background process), `external` (an
    /// MCP server mcp-fa did not start answers on the port), or `none`.
    pub mode: &'static str,
    pub running: bool,
    pub endpoint: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pid: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_file: Option<String>,
    /// It was already running before this `up`: nothing was started.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub already_running: bool,
}

/// `http://localhost:<port>/mcp`, the resource tokens are issued for.
pub fn endpoint(state: &StackState) -> String {
    state.mcp_endpoint()
}

/// The Protected Resource Metadata URL, which answers 200 once the server is ready.
pub fn metadata_url(port: u16) -> String {
    format!("http://127.0.0.1:{port}/.well-known/oauth-protected-resource")
}

/// True when an MCP server answers its metadata on `port`.
pub async fn answers(port: u16) -> bool {
    let Ok(client) = reqwest::Client::builder()
        .timeout(Duration::from_secs(2))
        .build()
    else {
        return false;
    };
    client
        .get(metadata_url(port))
        .send()
        .await
        .is_ok_and(|response| response.status() == reqwest::StatusCode::OK)
}

/// The recorded detached server, if that process is still the project's `serve`.
pub fn running(state: &StackState) -> Option<&McpServerProcess> {
    state
        .mcp_server
        .as_ref()
        .filter(|server| is_our_server(server.pid, state.project.as_str()))
}

/// True while `pid` runs `mcp-fa serve --project <project>` (a zombie or another program: false).
pub fn is_our_server(pid: u32, project: &str) -> bool {
    let args: Vec<String> = match std::fs::read(format!("/proc/{pid}/cmdline")) {
        Ok(raw) => raw
            .split(|b| *b == 0)
            .filter(|arg| !arg.is_empty())
            .map(|arg| String::from_utf8_lossy(arg).into_owned())
            .collect(),
        Err(_) if Path::new("/proc/self/cmdline").exists() => return false,
        // No /proc (macOS, the BSDs): ask ps. Arguments are space-separated there.
        Err(_) => match Command::new("ps")
            .args(["-p", &pid.to_string(), "-o", "command="])
            .stderr(Stdio::null())
            .output()
        {
            Ok(out) if out.status.success() => String::from_utf8_lossy(&out.stdout)
                .split_whitespace()
                .map(str::to_owned)
                .collect(),
            _ => return false,
        },
    };
    args.iter().any(|arg| arg == "serve")
        && args
            .windows(2)
            .any(|pair| pair[0] == "--project" && pair[1] == project)
}

/// Starts `mcp-fa serve --project <p>` in the background and waits until it answers.
pub async fn spawn_detached(
    store: &StateStore,
    state: &StackState,
) -> Result<McpServerProcess, StackError> {
    let start_failed = |reason: String, log_file: &Path| StackError::McpServerStart {
        reason,
        log_file: log_file.display().to_string(),
        lines: last_lines(log_file, 20),
    };
    store.ensure_dir()?;
    let log_file = store.mcp_log_path(&state.project);
    let log = crate::state::private_file(&log_file)
        .map_err(|e| start_failed(e.to_string(), &log_file))?;
    let log_err = log
        .try_clone()
        .map_err(|e| start_failed(e.to_string(), &log_file))?;
    let exe = std::env::current_exe().map_err(|e| start_failed(e.to_string(), &log_file))?;
    let mut command = Command::new(exe);
    command
        .args(["serve", "--project", state.project.as_str()])
        // The stack's state decides issuer, port and scopes, not the caller's environment.
        .env_remove("MCP_FA_ISSUER")
        .env_remove("MCP_FA_FUSIONAUTH_URL")
        .env("MCP_FA_STATE_DIR", store.dir())
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(log_err);
    #[cfg(unix)]
    {
        // Its own process group: Ctrl-C in the terminal that ran `up` does not reach it.
        use std::os::unix::process::CommandExt;
        command.process_group(0);
    }
    let mut child = command
        .spawn()
        .map_err(|e| start_failed(e.to_string(), &log_file))?;
    let pid = child.id();
    let deadline = tokio::time::Instant::now() + START_TIMEOUT;
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return Err(start_failed(
                format!("`mcp-fa serve` exited ({status})"),
                &log_file,
            ));
        }
        if answers(state.mcp_port).await {
            break;
        }
        if tokio::time::Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(start_failed(
                format!(
                    "it did not answer {} within {} s",
                    metadata_url(state.mcp_port),
                    START_TIMEOUT.as_secs()
                ),
                &log_file,
            ));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(McpServerProcess {
        pid,
        log_file,
        endpoint: endpoint(state),
        started_at: crate::state::now_secs(),
    })
}

/// Stops the recorded server: SIGTERM, then SIGKILL after a few seconds. Returns whether there
/// was one to stop (false when the pid is gone or is no longer our server).
pub async fn stop(server: &McpServerProcess, project: &str) -> Result<bool, StackError> {
    if !is_our_server(server.pid, project) {
        return Ok(false);
    }
    signal(server.pid, "TERM");
    let deadline = tokio::time::Instant::now() + STOP_GRACE;
    while is_our_server(server.pid, project) {
        if tokio::time::Instant::now() >= deadline {
            signal(server.pid, "KILL");
            tokio::time::sleep(Duration::from_millis(200)).await;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(true)
}

fn signal(pid: u32, name: &str) {
    let _ = Command::new("kill")
        .args([format!("-{name}"), pid.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// Stops the project's background MCP server (`up --detach`), if one runs, and forgets it in
/// the state file; returns its pid. For `mcp-fa tutorial`, which serves the port itself.
pub async fn stop_detached(
    store: &StateStore,
    project: &ProjectName,
) -> Result<Option<u32>, StackError> {
    let _lock = store.lock(project, crate::state::LOCK_WAIT).await?;
    let Some(mut state) = store.load(project)? else {
        return Ok(None);
    };
    let Some(server) = state.mcp_server.take() else {
        return Ok(None);
    };
    let stopped = stop(&server, project.as_str()).await?;
    store.save(&state)?;
    Ok(stopped.then_some(server.pid))
}

/// The last `n` lines of a log file (none when it cannot be read).
pub fn last_lines(path: &Path, n: usize) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..]
        .iter()
        .map(|line| (*line).to_owned())
        .collect()
}

/// Where the project's detached server writes its log: the recorded file, else the default.
pub fn log_path(store: &StateStore, state: Option<&StackState>, project: &ProjectName) -> PathBuf {
    state
        .and_then(|s| s.mcp_server.as_ref())
        .map(|server| server.log_file.clone())
        .unwrap_or_else(|| store.mcp_log_path(project))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pid_that_is_not_our_server_is_never_ours() {
        // This test process runs, but it is not `mcp-fa serve --project x`.
        assert!(!is_our_server(std::process::id(), "x"));
        assert!(!is_our_server(u32::MAX - 1, "x"));
    }

    #[test]
    fn last_lines_keeps_the_end() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("log");
        std::fs::write(&path, "a\nb\nc\n").expect("write");
        assert_eq!(last_lines(&path, 2), ["b", "c"]);
        assert!(last_lines(&dir.path().join("missing"), 2).is_empty());
    }
}
