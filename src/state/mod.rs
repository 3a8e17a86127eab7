//! What `up` must remember about a stack between runs, one file per project: the ports and images
//! it was started with, the API key kickstart created, the users and their passwords, the clients
//! registered, and a hash of the configuration.
//!
//! FusionAuth's kickstart runs only on an empty database, so a kept database volume is only
//! usable with this file: it is the one place the API key lives. The file holds secrets, so it is
//! written with mode 0600 (directory 0700), atomically (a temporary file renamed over the old
//! one, so a crash never leaves half a file), and `Debug` never shows a secret.
//!
//! Location: `$MCP_FA_STATE_DIR`, else `$XDG_STATE_HOME/mcp-fa`, else `~/.local/state/mcp-fa`.
//! Nothing outside this module reads or writes the file.

mod files;
mod server_record;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::fusionauth::{FusionAuthClient, FusionAuthError, Secret, Timeouts};
use crate::project::{ProjectName, ScopeChoice};

use files::create_private_dir;
pub use files::{private_file, write_private_json};
pub use server_record::{ServerOwner, ServerRecord, StopReason};

/// Bumped when the file's meaning changes; older files are refused with a clear message.
const FORMAT_VERSION: u32 = 1;

/// One project's saved state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StackState {
    pub format_version: u32,
    pub project: ProjectName,
    /// The public FusionAuth URL, also the tenant's issuer (`http://localhost:<port>`).
    pub fusionauth_url: String,
    pub fusionauth_port: u16,
    pub mcp_port: u16,
    pub fusionauth_image: String,
    pub postgres_image: String,
    /// The global API key kickstart created.
    pub api_key: Secret,
    /// PostgreSQL's superuser password, which FusionAuth also uses to create its schema.
    pub database_password: Secret,
    pub tenant_id: Option<String>,
    /// The RS256 key that signs access and id tokens.
    pub signing_key_id: String,
    pub users: Vec<UserCredentials>,
    #[serde(default)]
    pub license_id: Option<Secret>,
    /// Which scope guards `get_name`, as the project was set up; absent: custom with a
    /// license, else standard.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scopes: Option<ScopeChoice>,
    /// MCP clients registered as FusionAuth applications (written by client registration).
    #[serde(default)]
    pub clients: Vec<RegisteredClient>,
    /// The kickstart this stack was created with, kept from the moment FusionAuth is started
    /// until it is ready. If `up` dies in between (killed, machine off), the next `up` hands
    /// the same file to FusionAuth again: FusionAuth runs it on a still-empty database and
    /// skips it otherwise, and either way the key saved here is the one that works.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_kickstart: Option<PendingKickstart>,
    /// Hash of the settings the containers were created with; see `stack::plan`.
    pub config_hash: String,
    /// Unix seconds when kickstart ran for this database.
    pub created_at: u64,
}

/// A kickstart file handed to FusionAuth whose run has not been seen to finish.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PendingKickstart {
    /// The rendered file (it holds the API key and passwords).
    pub contents: Secret,
    /// Readable with the API key once the kickstart's last request has taken effect.
    pub finished_probe: String,
}

impl std::fmt::Debug for PendingKickstart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingKickstart")
            .field("contents", &"[redacted]")
            .field("finished_probe", &self.finished_probe)
            .finish()
    }
}

/// A user kickstart created, with the password the user logs in with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserCredentials {
    pub id: String,
    pub email: String,
    pub full_name: String,
    pub password: Secret,
    /// What the user is for: `demo` (logs in to MCP clients) or `admin` (the admin UI).
    pub role: String,
}

/// An MCP client registered as a FusionAuth application.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegisteredClient {
    pub name: String,
    pub client_id: String,
    #[serde(default)]
    pub redirect_uris: Vec<String>,
    /// `claude-code`, `cursor`, ...; absent in files written before it was kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

/// How long an admin client keeps retrying the stack's API key when FusionAuth answers 401.
/// FusionAuth refuses a freshly created key (kickstart's included) for a moment, usually well
/// under a second; 10 s covers a stack that has only just become ready without leaving a
/// really wrong key waiting long. One value, so every command behaves alike.
pub const NEW_API_KEY_GRACE: Duration = Duration::from_secs(10);

impl StackState {
    pub fn user(&self, role: &str) -> Option<&UserCredentials> {
        self.users.iter().find(|user| user.role == role)
    }

    /// Which scope guards `get_name`: as chosen, else custom when the stack has a license.
    pub fn scope_choice(&self) -> ScopeChoice {
        self.scopes.unwrap_or(if self.license_id.is_some() {
            ScopeChoice::Custom
        } else {
            ScopeChoice::Standard
        })
    }

    /// `http://localhost:<MCP port>/mcp`: the stack's MCP endpoint, and the resource (RFC 8707)
    /// tokens for it are issued for.
    pub fn mcp_endpoint(&self) -> String {
        format!("http://localhost:{}/mcp", self.mcp_port)
    }

    /// FusionAuth's API as the stack's administrator: its public URL, the API key kickstart
    /// created, and [`NEW_API_KEY_GRACE`] for a key that is still new.
    pub fn admin_client(&self, timeouts: Timeouts) -> Result<FusionAuthClient, FusionAuthError> {
        let url =
            url::Url::parse(&self.fusionauth_url).map_err(|_| FusionAuthError::InvalidBaseUrl {
                url: self.fusionauth_url.clone(),
                reason: "the state file's FusionAuth URL is not a URL",
            })?;
        Ok(FusionAuthClient::new(url, timeouts)?
            .with_api_key(self.api_key.clone())
            .with_new_key_grace(NEW_API_KEY_GRACE))
    }
}

/// Seconds since the Unix epoch, as the state and progress files record times.
pub fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("could not {action} {}: {source}", .path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "the state file {} is unreadable ({reason}); move it away to keep a copy, then run \
         `mcp-fa down --volumes{}` (it removes the project's containers, data and files) and \
         `mcp-fa up{}` to start afresh",
        .path.display(), .project.flag(), .project.flag()
    )]
    Corrupt {
        path: PathBuf,
        reason: String,
        project: ProjectName,
    },
    #[error(
        "no state directory: set MCP_FA_STATE_DIR (or HOME or XDG_STATE_HOME) to where mcp-fa may \
         keep its files"
    )]
    NoDirectory,
    #[error(
        "another mcp-fa command is changing project '{project}' ({holder}); wait for it to \
         finish, or stop it, then run this again"
    )]
    Locked { project: String, holder: String },
}

impl StateError {
    /// A stable code for `--json` output.
    pub fn code(&self) -> &'static str {
        match self {
            StateError::Locked { .. } => "PROJECT_LOCKED",
            StateError::Corrupt { .. } => "STATE_CORRUPT",
            StateError::Io { .. } | StateError::NoDirectory => "STATE_ERROR",
        }
    }
}

/// Held while one command changes a project: `up`, `down` and `clients` take it, so two of them
/// never interleave their Docker work and state-file writes. An OS file lock, so it is released
/// however the process ends (even killed); dropping the value releases it too.
#[derive(Debug)]
pub struct ProjectLock {
    _file: std::fs::File,
    lock_path: PathBuf,
    state_path: PathBuf,
}

impl Drop for ProjectLock {
    /// A project with no state file has nothing left to protect (a command that found no
    /// stack, or `down --volumes`): its lock file goes, so they do not pile up.
    fn drop(&mut self) {
        if !self.state_path.exists() {
            let _ = std::fs::remove_file(&self.lock_path);
        }
    }
}

/// How long a command waits for another one to finish before saying who holds the project.
pub const LOCK_WAIT: Duration = Duration::from_secs(5);

/// Where state files live.
#[derive(Debug, Clone)]
pub struct StateStore {
    dir: PathBuf,
}

impl StateStore {
    /// From `MCP_FA_STATE_DIR`, `XDG_STATE_HOME` or `HOME`, in that order.
    pub fn from_env() -> Result<Self, StateError> {
        let var = |name: &str| {
            std::env::var_os(name)
                .filter(|value| !value.is_empty())
                .map(PathBuf::from)
        };
        let dir = var("MCP_FA_STATE_DIR")
            .or_else(|| var("XDG_STATE_HOME").map(|dir| dir.join("mcp-fa")))
            .or_else(|| var("HOME").map(|home| home.join(".local/state/mcp-fa")))
            .ok_or(StateError::NoDirectory)?;
        Ok(Self { dir })
    }

    pub fn at(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// `<dir>/<project>.json`.
    pub fn path(&self, project: &ProjectName) -> PathBuf {
        self.dir.join(format!("{project}.json"))
    }

    pub fn load(&self, project: &ProjectName) -> Result<Option<StackState>, StateError> {
        let path = self.path(project);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => {
                return Err(StateError::Io {
                    action: "read",
                    path,
                    source,
                });
            }
        };
        let state: StackState =
            serde_json::from_str(&text).map_err(|error| StateError::Corrupt {
                path: path.clone(),
                reason: error.to_string(),
                project: project.clone(),
            })?;
        if state.format_version != FORMAT_VERSION {
            return Err(StateError::Corrupt {
                path,
                project: project.clone(),
                reason: format!(
                    "format {} is not the {FORMAT_VERSION} this mcp-fa reads",
                    state.format_version
                ),
            });
        }
        Ok(Some(state))
    }

    /// Writes `state` atomically with mode 0600.
    pub fn save(&self, state: &StackState) -> Result<(), StateError> {
        let mut state = state.clone();
        state.format_version = FORMAT_VERSION;
        write_private_json(&self.dir, &self.path(&state.project), &state)
    }

    /// `<dir>/<project>.tutorial.json`: where the walkthrough got to.
    pub fn progress_path(&self, project: &ProjectName) -> PathBuf {
        self.dir.join(format!("{project}.tutorial.json"))
    }

    /// `<dir>/<project>.lock`: held while a command changes the project.
    fn lock_path(&self, project: &ProjectName) -> PathBuf {
        self.dir.join(format!("{project}.lock"))
    }

    /// Forgets what belonged to the project's data once the data is gone: the walkthrough's
    /// progress and the MCP server's log, and with `everything` the state file and the lock
    /// file too (`down --volumes`). Absent files are fine; returns the files removed.
    pub fn forget(
        &self,
        project: &ProjectName,
        everything: bool,
    ) -> Result<Vec<PathBuf>, StateError> {
        let mut paths = vec![self.progress_path(project), self.mcp_log_path(project)];
        if everything {
            paths.push(self.path(project));
            // Last, and while the caller holds it: a command waiting for the lock then finds
            // a project with nothing left to wait for.
            paths.push(self.lock_path(project));
        }
        let mut removed = Vec::new();
        for path in paths {
            match std::fs::remove_file(&path) {
                Ok(()) => removed.push(path),
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
                Err(source) => {
                    return Err(StateError::Io {
                        action: "remove",
                        path,
                        source,
                    });
                }
            }
        }
        Ok(removed)
    }

    /// `<dir>/<project>.mcp.log`: the output of the project's detached MCP server.
    pub fn mcp_log_path(&self, project: &ProjectName) -> PathBuf {
        self.dir.join(format!("{project}.mcp.log"))
    }

    /// The project's MCP log, started afresh (0600): where an in-process server whose terminal
    /// the walkthrough uses writes its request lines, for `mcp-fa logs mcp -f` to follow.
    pub fn fresh_mcp_log(&self, project: &ProjectName) -> Result<std::fs::File, StateError> {
        self.ensure_dir()?;
        let path = self.mcp_log_path(project);
        private_file(&path).map_err(|source| StateError::Io {
            action: "create",
            path,
            source,
        })
    }

    /// Creates the directory (mode 0700) if needed.
    pub fn ensure_dir(&self) -> Result<(), StateError> {
        create_private_dir(&self.dir).map_err(|source| StateError::Io {
            action: "create",
            path: self.dir.clone(),
            source,
        })
    }

    /// Takes the project's lock, waiting up to `wait` for another command to release it. The
    /// holder writes its pid and command line into the lock file, so the waiter can name it.
    /// Waiting sleeps on the runtime's timer, never blocking the thread other tasks run on.
    pub async fn lock(
        &self,
        project: &ProjectName,
        wait: Duration,
    ) -> Result<ProjectLock, StateError> {
        self.ensure_dir()?;
        let path = self.lock_path(project);
        let io = |action: &'static str, source| StateError::Io {
            action,
            path: path.clone(),
            source,
        };
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|source| io("open", source))?;
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            match file.try_lock() {
                Ok(()) => break,
                Err(std::fs::TryLockError::WouldBlock)
                    if tokio::time::Instant::now() < deadline =>
                {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(std::fs::TryLockError::WouldBlock) => {
                    let holder = std::fs::read_to_string(&path)
                        .ok()
                        .map(|text| text.trim().replace('\n', ": "))
                        .filter(|text| !text.is_empty())
                        .unwrap_or_else(|| "a process that did not say who it is".to_owned());
                    return Err(StateError::Locked {
                        project: project.to_string(),
                        holder,
                    });
                }
                Err(std::fs::TryLockError::Error(source)) => return Err(io("lock", source)),
            }
        }
        let command: Vec<String> = std::env::args().collect();
        let holder = format!("pid {}\n{}", std::process::id(), command.join(" "));
        file.set_len(0).map_err(|source| io("write", source))?;
        file.write_all(holder.as_bytes())
            .map_err(|source| io("write", source))?;
        Ok(ProjectLock {
            _file: file,
            lock_path: path,
            state_path: self.path(project),
        })
    }

    /// Removes the project's file; absent is fine.
    pub fn remove(&self, project: &ProjectName) -> Result<bool, StateError> {
        let path = self.path(project);
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(true),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(source) => Err(StateError::Io {
                action: "remove",
                path,
                source,
            }),
        }
    }
}

#[cfg(test)]
impl StackState {
    /// A complete state with recognisable secrets, for unit tests across the crate (each
    /// overrides what it is about with struct update syntax).
    pub(crate) fn sample() -> StackState {
        StackState {
            format_version: FORMAT_VERSION,
            project: ProjectName::parse("demo").expect("valid"),
            fusionauth_url: "http://localhost:9011".into(),
            fusionauth_port: 9011,
            mcp_port: 8000,
            fusionauth_image: "fusionauth/fusionauth-app:1.69.0".into(),
            postgres_image: "postgres:16.9-bookworm".into(),
            api_key: Secret::new("api-key-sentinel"),
            database_password: Secret::new("db-password-sentinel"),
            tenant_id: None,
            signing_key_id: "key".into(),
            users: vec![UserCredentials {
                id: "u".into(),
                email: "test@example.com".into(),
                full_name: "Test User".into(),
                password: Secret::new("user-password-sentinel"),
                role: "demo".into(),
            }],
            license_id: Some(Secret::new("license-sentinel")),
            scopes: None,
            clients: vec![],
            pending_kickstart: None,
            config_hash: "h".into(),
            created_at: 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> StackState {
        StackState::sample()
    }

    fn demo() -> ProjectName {
        ProjectName::parse("demo").expect("valid")
    }

    #[test]
    fn round_trips_with_private_permissions() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = StateStore::at(dir.path().join("nested/state"));
        assert_eq!(store.load(&demo()).expect("load"), None);
        store.save(&sample()).expect("save");
        store.save(&sample()).expect("overwrite");
        assert_eq!(store.load(&demo()).expect("load"), Some(sample()));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).expect("meta").permissions().mode() & 0o777;
            assert_eq!(mode(&store.path(&demo())), 0o600);
            assert_eq!(mode(store.dir()), 0o700);
        }
        let leftovers: Vec<_> = std::fs::read_dir(store.dir())
            .expect("list")
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(leftovers, [std::ffi::OsString::from("demo.json")]);
        assert!(store.remove(&demo()).expect("remove"));
        assert!(!store.remove(&demo()).expect("idempotent"));
    }

    #[test]
    fn files_written_by_earlier_versions_still_load() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = StateStore::at(dir.path());
        let mut old = serde_json::to_value(sample()).expect("json");
        // Before the server record had a file of its own, the detached server lived here.
        old["mcpServer"] =
            serde_json::json!({"pid": 1, "logFile": "/x", "endpoint": "e", "startedAt": 0});
        old["clients"] = serde_json::json!([{"name": "cursor", "clientId": "c1"}]);
        std::fs::write(store.path(&demo()), old.to_string()).expect("write");
        let loaded = store.load(&demo()).expect("load").expect("present");
        assert_eq!(loaded.scopes, None);
        assert_eq!(loaded.clients[0].kind, None);
        assert!(loaded.clients[0].redirect_uris.is_empty());
    }

    #[test]
    fn debug_never_shows_secrets() {
        let shown = format!("{:?}", sample());
        assert!(!shown.contains("sentinel"), "{shown}");
    }

    #[test]
    fn a_corrupt_file_is_explained() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = StateStore::at(dir.path());
        std::fs::write(store.path(&demo()), "{").expect("write");
        let error = store.load(&demo()).expect_err("corrupt");
        assert!(error.to_string().contains("down --volumes"), "{error}");
    }
}
