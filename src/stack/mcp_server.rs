//! The project's MCP server as a process, whoever runs it: `mcp-fa up` in its terminal, the
//! background `mcp-fa serve` that `up --detach` starts, `mcp-fa serve`, or the walkthrough.
//! Each of them claims the project's server record ([`ServerClaim`]) when it starts answering,
//! so there is one truth about what runs: `status` reports it, `down` stops it, and a second
//! server for the same project is refused with the first one's pid.
//!
//! A recorded pid is only ever signalled while it is still the process that wrote the record
//! (same start time, Linux; same program name elsewhere): a pid reused by another program is
//! left alone.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use serde::Serialize;

use super::error::StackError;
use crate::project::ProjectName;
use crate::state::{ServerOwner, ServerRecord, StackState, StateStore, StopReason};

/// How long a detached server gets to answer before `up` gives up on it.
const START_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a server gets after SIGTERM before SIGKILL.
const STOP_GRACE: Duration = Duration::from_secs(5);

/// What `up` and `status` say about the MCP server.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct McpServerReport {
    /// `foreground` (an `mcp-fa up` in a terminal), `detached` (a background process), `serve`
    /// (`mcp-fa serve`), `walkthrough` (`mcp-fa tutorial`), `external` (an MCP server mcp-fa
    /// did not start answers on the port), or `none`.
    pub mode: &'static str,
    pub running: bool,
    pub endpoint: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pid: Option<u32>,
    /// Whether it requires a token (known for servers mcp-fa runs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protected: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_file: Option<String>,
    /// It was already running before this `up`: nothing was started.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub already_running: bool,
}

impl McpServerReport {
    /// The report for a recorded server.
    pub fn recorded(record: &ServerRecord, already_running: bool) -> Self {
        Self {
            mode: owner_mode(record.owner),
            running: true,
            endpoint: record.endpoint.clone(),
            pid: Some(record.pid),
            protected: Some(record.protected),
            log_file: record
                .log_file
                .as_ref()
                .map(|path| path.display().to_string()),
            already_running,
        }
    }
}

fn owner_mode(owner: ServerOwner) -> &'static str {
    match owner {
        ServerOwner::Foreground => "foreground",
        ServerOwner::Detached => "detached",
        ServerOwner::Serve => "serve",
        ServerOwner::Walkthrough => "walkthrough",
    }
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

/// The project's running MCP server, if its record names a process that still runs. A record
/// whose process is gone (killed, machine restarted) is removed.
pub fn current(store: &StateStore, project: &ProjectName) -> Option<ServerRecord> {
    let record = store.load_server_record(project)?;
    if is_alive(&record) {
        Some(record)
    } else {
        store.remove_server_record(project, record.pid);
        None
    }
}

/// The right to serve the project's MCP port, held while this process serves it: the record
/// says who serves; dropping the claim removes it.
#[derive(Debug)]
pub struct ServerClaim {
    store: StateStore,
    project: ProjectName,
    record: ServerRecord,
}

impl ServerClaim {
    /// Claims the project's server record for this process. Refused while another process
    /// serves the project (named with its pid).
    pub fn claim(
        store: &StateStore,
        project: &ProjectName,
        owner: ServerOwner,
        port: u16,
        protected: bool,
        registration: bool,
        log_file: Option<PathBuf>,
    ) -> Result<Self, StackError> {
        let pid = std::process::id();
        if let Some(other) = current(store, project)
            && other.pid != pid
        {
            return Err(StackError::ServerRunning {
                project: project.clone(),
                pid: other.pid,
                owner: other.owner.describe(),
            });
        }
        let record = ServerRecord {
            pid,
            process_start: process_start(pid),
            owner,
            port,
            endpoint: format!("http://localhost:{port}/mcp"),
            protected,
            registration,
            started_at: crate::state::now_secs(),
            log_file,
            stopping: None,
        };
        store.save_server_record(project, &record)?;
        Ok(Self {
            store: store.clone(),
            project: project.clone(),
            record,
        })
    }

    /// Records a protection switch (the walkthrough's steps), so `status` tells the truth.
    pub fn set_protected(&mut self, protected: bool) {
        if self.record.protected != protected {
            self.record.protected = protected;
            let _ = self.store.save_server_record(&self.project, &self.record);
        }
    }

    /// Why another command asked this server to stop, if one did (read when the stop signal
    /// arrives, to say what really happened).
    pub fn stop_reason(&self) -> Option<StopReason> {
        self.store
            .load_server_record(&self.project)
            .filter(|record| record.pid == self.record.pid)
            .and_then(|record| record.stopping)
    }
}

impl Drop for ServerClaim {
    fn drop(&mut self) {
        self.store
            .remove_server_record(&self.project, self.record.pid);
    }
}

/// Stops the project's MCP server, whoever runs it: the record is marked with `reason`, the
/// process gets SIGTERM, then SIGKILL after a few seconds. Without a record, a background
/// `mcp-fa serve --project <p>` found among the processes is stopped all the same, so `down`
/// never leaves one holding the port. Returns the pids stopped.
pub async fn stop(
    store: &StateStore,
    project: &ProjectName,
    reason: StopReason,
) -> Result<Vec<u32>, StackError> {
    let mut pids = Vec::new();
    if let Some(mut record) = current(store, project)
        && record.pid != std::process::id()
    {
        record.stopping = Some(reason);
        let _ = store.save_server_record(project, &record);
        let pid = record.pid;
        // Done when the process is gone, or when it has stopped serving and released the
        // record (the walkthrough stops its server for `down` and goes on to its last step).
        let serving = || {
            is_alive(&record)
                && store
                    .load_server_record(project)
                    .is_some_and(|current| current.pid == pid)
        };
        terminate(pid, serving).await;
        store.remove_server_record(project, pid);
        pids.push(pid);
    } else {
        for pid in unrecorded_servers(project) {
            terminate(pid, || process_start(pid).is_some()).await;
            pids.push(pid);
        }
    }
    Ok(pids)
}

async fn terminate(pid: u32, alive: impl Fn() -> bool) {
    signal(pid, "TERM");
    let deadline = tokio::time::Instant::now() + STOP_GRACE;
    while alive() {
        if tokio::time::Instant::now() >= deadline {
            signal(pid, "KILL");
            tokio::time::sleep(Duration::from_millis(200)).await;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Starts `mcp-fa serve --project <p>` in the background (it claims the record as the detached
/// server) and waits until it answers.
pub async fn spawn_detached(
    store: &StateStore,
    state: &StackState,
) -> Result<ServerRecord, StackError> {
    let start_failed = |reason: String, log_file: &Path| StackError::McpServerStart {
        reason,
        log_file: log_file.display().to_string(),
        lines: last_lines(log_file, 20),
    };
    let log_file = store.mcp_log_path(&state.project);
    let log = store
        .fresh_mcp_log(&state.project)
        .map_err(|e| start_failed(e.to_string(), &log_file))?;
    let log_err = log
        .try_clone()
        .map_err(|e| start_failed(e.to_string(), &log_file))?;
    let exe = std::env::current_exe().map_err(|e| start_failed(e.to_string(), &log_file))?;
    let mut command = Command::new(exe);
    command
        .args(["serve", "--detached", "--project", state.project.as_str()])
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
        if let Some(record) = current(store, &state.project).filter(|record| record.pid == pid)
            && answers(state.mcp_port).await
        {
            return Ok(record);
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
}

/// Whether the process a record names still runs: the same pid with the same start time
/// (Linux), or the same pid still running an mcp-fa program (elsewhere).
fn is_alive(record: &ServerRecord) -> bool {
    match (record.process_start, process_start(record.pid)) {
        (Some(recorded), Some(now)) => recorded == now,
        (None, Some(_)) => true,
        (_, None) if Path::new("/proc/self/stat").exists() => false,
        // No /proc (macOS, the BSDs): ask ps whether the pid still runs mcp-fa.
        (_, None) => Command::new("ps")
            .args(["-p", &record.pid.to_string(), "-o", "command="])
            .stderr(Stdio::null())
            .output()
            .is_ok_and(|out| {
                out.status.success() && String::from_utf8_lossy(&out.stdout).contains("mcp-fa")
            }),
    }
}

/// A live (not zombie) process's start time from `/proc/<pid>/stat`; `None` when there is no
/// such process or no `/proc`.
fn process_start(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may hold spaces and parentheses: count from its closing one.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    if fields.first() == Some(&"Z") {
        return None;
    }
    fields.get(19)?.parse().ok()
}

/// Background servers of the project found without a record: processes of this program
/// running `serve ... --project <p>` (Linux, from `/proc`).
fn unrecorded_servers(project: &ProjectName) -> Vec<u32> {
    let Ok(own) = std::env::current_exe() else {
        return Vec::new();
    };
    let Some(own_name) = own.file_name() else {
        return Vec::new();
    };
    let Ok(processes) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    processes
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| *pid != std::process::id())
        .filter(|pid| {
            let Ok(raw) = std::fs::read(format!("/proc/{pid}/cmdline")) else {
                return false;
            };
            let args: Vec<String> = raw
                .split(|b| *b == 0)
                .filter(|arg| !arg.is_empty())
                .map(|arg| String::from_utf8_lossy(arg).into_owned())
                .collect();
            args.first()
                .is_some_and(|exe| Path::new(exe).file_name() == Some(own_name))
                && args.get(1).is_some_and(|command| command == "serve")
                && args
                    .windows(2)
                    .any(|pair| pair[0] == "--project" && pair[1] == project.as_str())
                && process_start(*pid).is_some()
        })
        .collect()
}

fn signal(pid: u32, name: &str) {
    let _ = Command::new("kill")
        .args([format!("-{name}"), pid.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_naming_a_gone_or_reused_pid_is_not_alive() {
        let own = std::process::id();
        let mut record = ServerRecord {
            pid: own,
            process_start: process_start(own),
            owner: ServerOwner::Serve,
            port: 1,
            endpoint: String::new(),
            protected: true,
            registration: true,
            started_at: 0,
            log_file: None,
            stopping: None,
        };
        if Path::new("/proc/self/stat").exists() {
            assert!(is_alive(&record), "this very process runs");
            record.process_start = record.process_start.map(|start| start + 1);
            assert!(!is_alive(&record), "same pid, another process");
        }
        record.pid = u32::MAX - 1;
        record.process_start = None;
        assert!(!is_alive(&record));
    }

    #[test]
    fn a_second_server_for_the_project_is_refused_with_the_first_pid() {
        let dir = tempfile::tempdir().expect("dir");
        let store = StateStore::at(dir.path());
        let project = ProjectName::parse("claims").expect("valid");
        let mut first =
            ServerClaim::claim(&store, &project, ServerOwner::Serve, 1, true, true, None)
                .expect("first");
        first.set_protected(false);
        assert_eq!(current(&store, &project).map(|r| r.protected), Some(false));
        // Another process's live record: this one (pid 1 runs on every Unix, and is not us).
        let mut other = store.load_server_record(&project).expect("record");
        other.pid = 1;
        other.process_start = process_start(1);
        store.save_server_record(&project, &other).expect("save");
        if other.process_start.is_some() {
            let error = ServerClaim::claim(
                &store,
                &project,
                ServerOwner::Walkthrough,
                1,
                true,
                true,
                None,
            )
            .expect_err("refused");
            assert!(error.to_string().contains("(pid 1)"), "{error}");
        }
        drop(first);
        assert!(
            store.load_server_record(&project).is_some(),
            "not ours to remove"
        );
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
