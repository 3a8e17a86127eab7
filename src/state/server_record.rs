//! The one record of a project's running MCP server, whatever started it: `<project>.server.json`
//! beside the state file. The process that serves writes it when it starts answering and
//! removes it when it stops, so `status` can say what runs, `down` can stop it, and a second
//! server for the project is refused with the first one's pid.
//!
//! It is a file of its own, not part of the state file: a server must be found and stopped
//! even when the state file is damaged or gone. It holds no secret. Whether the process it
//! names still runs is for the caller to check (`crate::stack::mcp_server`).

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::{StateError, StateStore, write_private_json};
use crate::project::ProjectName;

/// Who runs the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ServerOwner {
    /// `mcp-fa up` serving in its terminal (with or without the walkthrough).
    Foreground,
    /// The background process `mcp-fa up --detach` started.
    Detached,
    /// `mcp-fa serve` in a terminal.
    Serve,
    /// `mcp-fa tutorial`, serving while the walkthrough runs.
    Walkthrough,
}

impl ServerOwner {
    /// How `status` and messages name it.
    pub fn describe(self) -> &'static str {
        match self {
            ServerOwner::Foreground => "`mcp-fa up` in a terminal",
            ServerOwner::Detached => "the background server of `mcp-fa up --detach`",
            ServerOwner::Serve => "`mcp-fa serve` in a terminal",
            ServerOwner::Walkthrough => "`mcp-fa tutorial` in a terminal",
        }
    }
}

/// Why a server was asked to stop by another command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StopReason {
    /// `mcp-fa down` is removing the stack.
    Down,
    /// `mcp-fa tutorial` serves the port itself for a while.
    Walkthrough,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerRecord {
    pub pid: u32,
    /// When the process started, as the operating system counts it (Linux: clock ticks since
    /// boot), so a pid the system has reused for another program is never taken for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub process_start: Option<u64>,
    pub owner: ServerOwner,
    pub port: u16,
    /// `http://localhost:<port>/mcp`.
    pub endpoint: String,
    /// Whether `/mcp` requires a token now (the walkthrough switches it).
    pub protected: bool,
    /// Whether it lets clients register themselves (`/register`); off with `--no-registration`.
    #[serde(default = "registration_default")]
    pub registration: bool,
    /// Unix seconds.
    pub started_at: u64,
    /// Where its output goes, when it is not a terminal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_file: Option<PathBuf>,
    /// Set by the command that asked it to stop, just before asking.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopping: Option<StopReason>,
}

/// Records written before the field: those servers offered the bridge whenever the stack did.
fn registration_default() -> bool {
    true
}

impl StateStore {
    /// `<dir>/<project>.server.json`.
    pub fn server_record_path(&self, project: &ProjectName) -> PathBuf {
        self.dir().join(format!("{project}.server.json"))
    }

    /// The recorded server, if any. A record that cannot be read is treated as none: it holds
    /// nothing that cannot be found again, and it must never stand in the way of `down`.
    pub fn load_server_record(&self, project: &ProjectName) -> Option<ServerRecord> {
        let text = std::fs::read_to_string(self.server_record_path(project)).ok()?;
        serde_json::from_str(&text).ok()
    }

    pub fn save_server_record(
        &self,
        project: &ProjectName,
        record: &ServerRecord,
    ) -> Result<(), StateError> {
        write_private_json(self.dir(), &self.server_record_path(project), record)
    }

    /// Removes the record, but only while it still names `pid` (another server may have
    /// replaced it since).
    pub fn remove_server_record(&self, project: &ProjectName, pid: u32) {
        if self
            .load_server_record(project)
            .is_some_and(|record| record.pid == pid)
        {
            let _ = std::fs::remove_file(self.server_record_path(project));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_is_removed_only_by_the_server_it_names() {
        let dir = tempfile::tempdir().expect("dir");
        let store = StateStore::at(dir.path());
        let project = ProjectName::parse("rec").expect("valid");
        assert_eq!(store.load_server_record(&project), None);
        let record = ServerRecord {
            pid: 42,
            process_start: Some(7),
            owner: ServerOwner::Walkthrough,
            port: 8123,
            endpoint: "http://localhost:8123/mcp".into(),
            protected: false,
            registration: true,
            started_at: 1,
            log_file: None,
            stopping: None,
        };
        store.save_server_record(&project, &record).expect("save");
        assert_eq!(store.load_server_record(&project), Some(record.clone()));
        store.remove_server_record(&project, 43);
        assert!(store.load_server_record(&project).is_some(), "not its own");
        store.remove_server_record(&project, 42);
        assert_eq!(store.load_server_record(&project), None);
        std::fs::write(store.server_record_path(&project), "{").expect("write");
        assert_eq!(store.load_server_record(&project), None, "unreadable: none");
    }
}
