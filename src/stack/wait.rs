//! Readiness as data: the chain `up` waits through is a list of [`WaitFor`]s under ONE deadline.
//! Between polls every wait also checks for the failures that make waiting pointless: a
//! container that exited, or FusionAuth logging a failed kickstart.
//!
//! Every error leaves through [`WaitContext::wait_for_all`], which blanks the stack's secrets out
//! of the log lines it quotes.

use std::time::Duration;

use tokio::time::Instant;

use super::error::StackError;
use super::log_buffer::LogBuffer;
use crate::docker::{Docker, Health, RunState, mentions_disk_full};
use crate::fusionauth::{FusionAuthClient, FusionAuthError};
use crate::redact::Redactor;

const POLL_INTERVAL: Duration = Duration::from_millis(200);
/// Lines of a container's log shown with a failure.
pub const LINES_SHOWN: usize = 20;

/// One condition of the readiness chain.
#[derive(Debug, Clone)]
pub enum WaitFor {
    /// Satisfied when the database container's health check (`pg_isready` over TCP) passes.
    DatabaseHealthy,
    /// Satisfied when `GET /api/status` answers 200 with a JSON body. Not before: while it
    /// boots, FusionAuth answers 503, or 200 with an HTML maintenance page.
    FusionAuthReady,
    /// Satisfied when `GET probe` with the kickstart's API key answers 200: `probe` is the object
    /// the kickstart's LAST request creates, so every request has run. 401 and 404 are retried
    /// (a new API key is refused for a moment; kickstart starts only after status is ready).
    KickstartFinished { probe: String },
    /// With a kept database kickstart does not run: satisfied when the saved API key reads
    /// `probe` (an object the first kickstart created).
    SavedApiKeyAccepted { probe: String },
}

impl WaitFor {
    /// What is being waited for, in the words `up` prints.
    pub fn describe(&self) -> &'static str {
        match self {
            Self::DatabaseHealthy => "the database to accept connections",
            Self::FusionAuthReady => "FusionAuth to answer /api/status",
            Self::KickstartFinished { .. } => "FusionAuth's kickstart to finish",
            Self::SavedApiKeyAccepted { .. } => "FusionAuth to accept the saved API key",
        }
    }

    fn watched(&self) -> Watched {
        match self {
            Self::DatabaseHealthy => Watched::Database,
            _ => Watched::FusionAuth,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Watched {
    Database,
    FusionAuth,
}

/// A started container and its followed log.
#[derive(Clone)]
pub struct Watch {
    pub container: String,
    pub service: &'static str,
    pub log: LogBuffer,
}

/// What the waits look at.
pub struct WaitContext<'a> {
    pub docker: &'a Docker,
    pub database: Watch,
    /// `None` until FusionAuth has been started.
    pub fusionauth: Option<Watch>,
    pub client: FusionAuthClient,
    pub deadline: Instant,
    pub timeout: Duration,
    /// ` --project <name>` for the next steps in messages; empty for the default project.
    pub project_flag: String,
    /// The stack's secrets, blanked out of the log lines an error quotes.
    pub redactor: Redactor,
}

impl WaitContext<'_> {
    /// Waits for each condition in turn; `on_wait` is told which one starts.
    pub async fn wait_for_all(
        &self,
        waits: &[WaitFor],
        mut on_wait: impl FnMut(&WaitFor),
    ) -> Result<(), StackError> {
        for wait in waits {
            on_wait(wait);
            self.wait_for(wait)
                .await
                .map_err(|error| error.redacted(&self.redactor))?;
        }
        Ok(())
    }

    async fn wait_for(&self, wait: &WaitFor) -> Result<(), StackError> {
        loop {
            self.check_failures().await?;
            if self.satisfied(wait).await? {
                return Ok(());
            }
            if Instant::now() >= self.deadline {
                if let Some(full) = self.disk_full(true).await {
                    return Err(full);
                }
                let watch = match wait.watched() {
                    Watched::Database => &self.database,
                    Watched::FusionAuth => self.fusionauth.as_ref().unwrap_or(&self.database),
                };
                return Err(StackError::StartupTimeout {
                    waiting_for: wait.describe(),
                    timeout_secs: self.timeout.as_secs(),
                    container: watch.container.clone(),
                    service: watch.service,
                    lines: watch.log.last(LINES_SHOWN),
                    project_flag: self.project_flag.clone(),
                });
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    }

    async fn satisfied(&self, wait: &WaitFor) -> Result<bool, StackError> {
        match wait {
            WaitFor::DatabaseHealthy => {
                let info = self.docker.inspect(&self.database.container).await?;
                let health = info.and_then(|info| info.health);
                if health == Some(Health::Unhealthy) {
                    if let Some(full) = self.disk_full(true).await {
                        return Err(full);
                    }
                    return Err(StackError::Unhealthy {
                        container: self.database.container.clone(),
                        check: "pg_isready -h 127.0.0.1 kept failing".into(),
                        lines: self.database.log.last(LINES_SHOWN),
                    });
                }
                Ok(health == Some(Health::Healthy))
            }
            WaitFor::FusionAuthReady => match self.client.status().await {
                Ok(readiness) => Ok(readiness.is_ready()),
                Err(error) if error.is_unreachable() => Ok(false),
                Err(error) => Err(error.into()),
            },
            WaitFor::KickstartFinished { probe } | WaitFor::SavedApiKeyAccepted { probe } => {
                match self.client.get_user(user_id(probe)).await {
                    Ok(_) => Ok(true),
                    Err(
                        FusionAuthError::Unauthorized { .. }
                        | FusionAuthError::NotFound { .. }
                        | FusionAuthError::Transport { .. },
                    ) => Ok(false),
                    Err(error) => Err(error.into()),
                }
            }
        }
    }

    /// A container that stopped, or a kickstart request that failed, ends the wait at once.
    async fn check_failures(&self) -> Result<(), StackError> {
        if let Some(full) = self.disk_full(false).await {
            return Err(full);
        }
        let watches = std::iter::once(&self.database).chain(self.fusionauth.as_ref());
        for watch in watches {
            let Some(info) = self.docker.inspect(&watch.container).await? else {
                return Err(self.exited(watch, -1, Some("It was removed.".into())).await);
            };
            if let RunState::Exited { code } = info.state {
                let meaning = explain_exit(&watch.log.last(LINES_SHOWN));
                return Err(self.exited(watch, code, meaning).await);
            }
        }
        if let Some(fusionauth) = &self.fusionauth
            && let Some(failure) = fusionauth.log.kickstart_failure()
        {
            // A request that failed because the database could not write is a full disk, not
            // a wrong kickstart; the database's line may still be on its way through the log.
            if let Some(full) = self.disk_full(true).await {
                return Err(full);
            }
            return Err(StackError::KickstartFailed {
                failure,
                lines: fusionauth.log.last(LINES_SHOWN),
            });
        }
        Ok(())
    }

    async fn exited(&self, watch: &Watch, code: i64, meaning: Option<String>) -> StackError {
        // Its last lines, the ones that say why, may still be on their way to the buffer.
        watch.log.settled(EXIT_SETTLE).await;
        if let Some(full) = self.disk_full(true).await {
            return full;
        }
        // Once settled the buffer has all the container wrote; Docker's own tail only stands in
        // when nothing was read (its output could not be followed at all).
        let mut lines = watch.log.last(LINES_SHOWN);
        if lines.is_empty() {
            lines = tail(self.docker, &watch.container).await;
        }
        let meaning = meaning.or_else(|| explain_exit(&lines));
        StackError::ContainerExited {
            container: watch.container.clone(),
            code,
            meaning,
            lines,
            project_flag: self.project_flag.clone(),
        }
    }
}

impl WaitContext<'_> {
    /// A watched container that logged ENOSPC (PostgreSQL's "could not extend file ...: No space
    /// left on device"): that explains a failed kickstart request, a crash or a wait that never
    /// ends better than they explain themselves. The followed logs are checked on every poll;
    /// `ask_docker` also reads each container's tail from Docker, for the failure paths where
    /// the follower may lag.
    async fn disk_full(&self, ask_docker: bool) -> Option<StackError> {
        for watch in std::iter::once(&self.database).chain(self.fusionauth.as_ref()) {
            let mut lines = watch.log.last(LINES_SHOWN);
            if ask_docker && !lines.iter().any(|l| mentions_disk_full(l)) {
                lines = tail(self.docker, &watch.container).await;
            }
            if let Some(line) = lines.iter().find(|l| mentions_disk_full(l)) {
                return Some(StackError::DiskFull {
                    said: format!("{} logged:\n  | {}", watch.container, line.trim()),
                });
            }
        }
        None
    }
}

/// How long a container's last output is waited for once it has exited.
const EXIT_SETTLE: Duration = Duration::from_secs(1);

/// The last lines a (stopped) container wrote.
pub async fn tail(docker: &Docker, container: &str) -> Vec<String> {
    last_logged(docker, container, LINES_SHOWN).await
}

/// The last `count` lines `container` wrote, as it wrote them (secrets included).
pub async fn last_logged(docker: &Docker, container: &str, count: usize) -> Vec<String> {
    use futures_util::StreamExt;
    let mut text = String::new();
    let mut stream = Box::pin(docker.logs(container, false, Some(count)));
    while let Some(Ok(chunk)) = stream.next().await {
        text.push_str(&chunk.text);
    }
    text.lines().map(str::to_owned).collect()
}

/// What known log lines mean, for the message shown with a crash.
fn explain_exit(lines: &[String]) -> Option<String> {
    let all = lines.join("\n");
    let known = [
        (
            "superuser password is not specified",
            "This looks like a PostgreSQL image started without its settings: is the FusionAuth \
             image right?",
        ),
        (
            "password authentication failed",
            "The database refused FusionAuth's password: the data volume was made with another \
             one. `mcp-fa down --volumes` starts afresh.",
        ),
        (
            "Connection refused",
            "FusionAuth could not reach its database.",
        ),
        (
            "license",
            "FusionAuth could not activate the license (it needs outbound network access).",
        ),
    ];
    known
        .iter()
        .find(|(needle, _)| all.contains(needle))
        .map(|(_, meaning)| (*meaning).to_owned())
}

/// `/api/user/{id}` → `{id}`.
fn user_id(probe: &str) -> &str {
    probe.rsplit('/').next().unwrap_or(probe)
}
