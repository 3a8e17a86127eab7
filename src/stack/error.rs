//! What the stack's operations fail with: one variant per situation a user can act on, each
//! message saying what happened and what to do next, each with a stable code and exit code.

use super::kickstart_log::KickstartFailure;
use crate::docker::DockerError;
use crate::fusionauth::FusionAuthError;
use crate::project::ProjectName;
use crate::redact::Redactor;
use crate::state::StateError;

/// Everything `up`, `down`, `status`, `logs` and `doctor` can fail with. Each variant's message
/// says what happened and what to do next; [`StackError::code`] is the stable name scripts see in
/// `--json` output.
#[derive(Debug, thiserror::Error)]
pub enum StackError {
    #[error("{0}")]
    DockerUnavailable(DockerError),

    #[error(
        "port {port} ({purpose}) is already in use by {holder}; stop it, or choose another port \
         with {flag} <PORT>"
    )]
    PortInUse {
        port: u16,
        purpose: &'static str,
        holder: String,
        flag: &'static str,
    },

    #[error("{}", describe_missing(.images))]
    ImagePull { images: Vec<MissingImage> },

    #[error(
        "port {port} ({purpose}) is a privileged port: only root may listen below 1024. Choose \
         a port from 1024 up with {flag} <PORT>"
    )]
    PortPrivileged {
        port: u16,
        purpose: &'static str,
        flag: &'static str,
    },

    #[error(
        "project `{project}` keeps its data from when it was created, and its {setting} cannot \
         change under that data: it is {kept}, this run asks for {asked}. Either keep {kept} \
         (leave out {flag}, or put it back in mcp-fa.yaml), or start afresh with `mcp-fa \
         down{} --volumes` (this deletes the project's data: users, clients, keys), then `mcp-fa \
         up{}` again",
        .project.flag(), .project.flag()
    )]
    KeptDataSetting {
        project: ProjectName,
        setting: &'static str,
        kept: String,
        asked: String,
        flag: &'static str,
    },

    #[error(
        "{container} was not ready after {} s (still waiting for: {waiting_for}).{}\n\
         Next: `mcp-fa logs {service}{project_flag}` to see more, `mcp-fa up --timeout <SECS>` to \
         wait longer, or `mcp-fa down{project_flag} --volumes` to start afresh",
        .timeout_secs, last_lines(.lines)
    )]
    StartupTimeout {
        waiting_for: &'static str,
        timeout_secs: u64,
        container: String,
        service: &'static str,
        lines: Vec<String>,
        /// ` --project <name>`, or empty for the default project.
        project_flag: String,
    },

    #[error(
        "{failure}{}\nNext: fix the kickstart (see `kickstart/`) or the license id, then run \
         `mcp-fa up` again",
        last_lines(.lines)
    )]
    KickstartFailed {
        failure: KickstartFailure,
        lines: Vec<String>,
    },

    #[error(
        "{container} exited with code {code} while starting.{}{}\nNext: check the image \
         (--fusionauth-image / --postgres-image), then `mcp-fa up` again; \
         `mcp-fa down{project_flag} --volumes` starts from an empty database",
        meaning.as_ref().map(|m| format!(" {m}")).unwrap_or_default(), last_lines(.lines)
    )]
    ContainerExited {
        container: String,
        code: i64,
        meaning: Option<String>,
        lines: Vec<String>,
        project_flag: String,
    },

    #[error(
        "{container} failed its health check: {check}.{}\nNext: check the image \
         (--postgres-image must be a PostgreSQL 16 image with pg_isready), then `mcp-fa up` again",
        last_lines(.lines)
    )]
    Unhealthy {
        container: String,
        check: String,
        lines: Vec<String>,
    },

    /// ENOSPC anywhere on the way: from a Docker API call (network, volume or container
    /// create, start, file copy, pull) or in a container's log (the database failing to write).
    #[error(
        "Docker is out of disk space: {said}\nNext: free space for Docker, then run the command \
         again. `docker system df` shows what uses it; `docker system prune` removes stopped \
         containers, unused networks, dangling images and the build cache (`--volumes` also \
         unused volumes). Docker Desktop: Settings > Resources > Disk usage limit; colima: \
         `colima stop` then `colima start --disk <GiB>` with a larger size"
    )]
    DiskFull {
        /// What failed, with Docker's message or the container's log line quoted verbatim.
        said: String,
    },

    #[error(
        "a {kind} named `{name}` exists but was not created by mcp-fa (it lacks the \
         dev.mcp-fa.project={project} label); mcp-fa never touches it. Remove or rename it \
         yourself, or use another --project"
    )]
    NameTaken {
        kind: &'static str,
        name: String,
        project: String,
    },

    #[error(
        "project `{project}` has a database volume ({volume}) but no state file ({state_file}), so \
         its API key is unknown and FusionAuth will not run kickstart again on that database.\n\
         Next: `mcp-fa down{} --volumes` to delete that data and start afresh",
        .project.flag()
    )]
    StateMissing {
        project: ProjectName,
        volume: String,
        state_file: String,
    },

    #[error("the kickstart template {path} cannot be used: {reason}")]
    KickstartTemplate { path: String, reason: String },

    #[error("project `{project}` is not running; start it with `mcp-fa up{}`", .project.flag())]
    NotRunning { project: ProjectName },

    #[error(
        "no MCP server log for project `{project}` ({log_file} does not exist): only a server \
         started with `mcp-fa up --detach` writes one; a foreground `mcp-fa up` or `mcp-fa serve` \
         prints its log in its own terminal"
    )]
    NoMcpLogs { project: String, log_file: String },

    #[error(
        "the MCP server of project `{project}` already runs: {owner} (pid {pid}). Stop it first \
         (Ctrl-C in its terminal, or `mcp-fa down{}` to stop the whole stack), then run this \
         again",
        .project.flag()
    )]
    ServerRunning {
        project: ProjectName,
        pid: u32,
        owner: &'static str,
    },

    #[error(
        "the MCP server did not start: {reason}.{}\nIts log: {log_file}. The stack itself is up; \
         `mcp-fa serve` runs the server in the foreground, `mcp-fa down` stops the stack",
        last_lines(.lines)
    )]
    McpServerStart {
        reason: String,
        log_file: String,
        lines: Vec<String>,
    },

    #[error("interrupted; removed what this run had created{}", removed_list(.removed))]
    Interrupted { removed: Vec<String> },

    #[error("doctor found {failures} problem(s); see the lines marked FAIL above")]
    DoctorFailed { failures: usize },

    #[error("could not write to standard output: {0}")]
    Output(std::io::Error),

    #[error("could not generate random values: {0}")]
    Random(String),

    #[error(transparent)]
    Docker(DockerError),

    #[error(transparent)]
    State(#[from] StateError),

    #[error(transparent)]
    FusionAuth(#[from] FusionAuthError),
}

impl From<DockerError> for StackError {
    fn from(error: DockerError) -> Self {
        match error {
            DockerError::Unavailable { .. } => Self::DockerUnavailable(error),
            other if other.is_disk_full() => Self::DiskFull {
                said: other.to_string(),
            },
            other => Self::Docker(other),
        }
    }
}

impl StackError {
    /// Stable, machine-readable: scripts and `--json` consumers match on these.
    pub fn code(&self) -> &'static str {
        match self {
            Self::DockerUnavailable(_) => "DOCKER_UNAVAILABLE",
            Self::PortInUse { .. } => "PORT_IN_USE",
            Self::ImagePull { .. } => "IMAGE_PULL_FAILED",
            Self::PortPrivileged { .. } => "PORT_PRIVILEGED",
            Self::KeptDataSetting { .. } => "KEPT_DATA_CONFLICT",
            Self::StartupTimeout { .. } => "STARTUP_TIMEOUT",
            Self::KickstartFailed { .. } => "KICKSTART_FAILED",
            Self::ContainerExited { .. } => "CONTAINER_EXITED",
            Self::Unhealthy { .. } => "CONTAINER_UNHEALTHY",
            Self::DiskFull { .. } => "DISK_FULL",
            Self::NameTaken { .. } => "NAME_CONFLICT",
            Self::StateMissing { .. } => "STATE_MISSING",
            Self::KickstartTemplate { .. } => "KICKSTART_TEMPLATE_INVALID",
            Self::NotRunning { .. } => "NOT_RUNNING",
            Self::NoMcpLogs { .. } => "NO_MCP_LOGS",
            Self::McpServerStart { .. } => "MCP_SERVER_FAILED",
            Self::ServerRunning { .. } => "SERVER_RUNNING",
            Self::Interrupted { .. } => "INTERRUPTED",
            Self::DoctorFailed { .. } => "DOCTOR_FAILED",
            Self::Random(_) => "RANDOM_UNAVAILABLE",
            Self::Output(_) => "OUTPUT_FAILED",
            Self::Docker(_) => "DOCKER_ERROR",
            Self::State(error) => error.code(),
            Self::FusionAuth(_) => "FUSIONAUTH_ERROR",
        }
    }

    /// Distinct exit codes for the failures a script may want to tell apart; 1 otherwise.
    /// 130 for an interrupt, as shells report SIGINT.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::DockerUnavailable(_) => 3,
            Self::PortInUse { .. } => 4,
            Self::ImagePull { .. } => 5,
            Self::StartupTimeout { .. } => 6,
            Self::KickstartFailed { .. } => 7,
            Self::ContainerExited { .. } => 8,
            Self::DiskFull { .. } => 9,
            Self::Interrupted { .. } => 130,
            _ => 1,
        }
    }
}

/// An image `up` could neither find locally nor pull.
#[derive(Debug, Clone)]
pub struct MissingImage {
    pub image: String,
    pub reason: String,
    /// The flag that picks another.
    pub flag: &'static str,
}

fn describe_missing(images: &[MissingImage]) -> String {
    let mut text = match images {
        [one] => format!("could not get image `{}`: {}", one.image, one.reason),
        _ => {
            let mut text = String::from("could not get these images:");
            for missing in images {
                text.push_str(&format!("\n  `{}`: {}", missing.image, missing.reason));
            }
            text
        }
    };
    let pulls: Vec<String> = images
        .iter()
        .map(|missing| format!("`docker pull {}`", missing.image))
        .collect();
    let flags: Vec<&str> = images.iter().map(|missing| missing.flag).collect();
    text.push_str(&format!(
        "\nCheck the names and your network (a local image is used when present: {} or \
         `docker load`), or pick others with {}",
        pulls.join(", "),
        flags.join(" / ")
    ));
    text
}

impl StackError {
    /// The same error with the stack's secrets blanked out of every log line it quotes:
    /// FusionAuth logs a failed kickstart request as it was sent, passwords included.
    pub fn redacted(self, redactor: &Redactor) -> Self {
        match self {
            Self::StartupTimeout {
                waiting_for,
                timeout_secs,
                container,
                service,
                lines,
                project_flag,
            } => Self::StartupTimeout {
                waiting_for,
                timeout_secs,
                container,
                service,
                lines: redactor.lines(&lines),
                project_flag,
            },
            Self::KickstartFailed { failure, lines } => Self::KickstartFailed {
                failure: failure.redacted(redactor),
                lines: redactor.lines(&lines),
            },
            Self::ContainerExited {
                container,
                code,
                meaning,
                lines,
                project_flag,
            } => Self::ContainerExited {
                container,
                code,
                meaning,
                lines: redactor.lines(&lines),
                project_flag,
            },
            Self::Unhealthy {
                container,
                check,
                lines,
            } => Self::Unhealthy {
                container,
                check,
                lines: redactor.lines(&lines),
            },
            Self::McpServerStart {
                reason,
                log_file,
                lines,
            } => Self::McpServerStart {
                reason,
                log_file,
                lines: redactor.lines(&lines),
            },
            Self::DiskFull { said } => Self::DiskFull {
                said: redactor.text(&said),
            },
            other => other,
        }
    }
}

fn last_lines(lines: &[String]) -> String {
    if lines.is_empty() {
        return String::new();
    }
    let mut text = String::from("\nLast log lines:");
    for line in lines {
        text.push_str("\n  | ");
        text.push_str(line);
    }
    text
}

fn removed_list(removed: &[String]) -> String {
    if removed.is_empty() {
        String::from(" (nothing yet)")
    } else {
        format!(": {}", removed.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_log_lines_lose_the_stacks_secrets() {
        let key = crate::fusionauth::Secret::new("ApiKeyApiKeyApiKeyApiKey");
        let redactor = Redactor::new([&key]);
        let timeout = StackError::StartupTimeout {
            waiting_for: "FusionAuth to answer /api/status",
            timeout_secs: 1,
            container: "c".into(),
            service: "fusionauth",
            lines: vec!["key ApiKeyApiKeyApiKeyApiKey used".into()],
            project_flag: String::new(),
        }
        .redacted(&redactor);
        let text = timeout.to_string();
        assert!(text.contains("key [redacted] used"), "{text}");
        let full = StackError::DiskFull {
            said: "db logged: ApiKeyApiKeyApiKeyApiKey".into(),
        }
        .redacted(&redactor);
        assert!(!full.to_string().contains("ApiKey"), "{full}");
    }

    #[test]
    fn a_full_disk_from_docker_is_disk_full_with_the_message_verbatim_and_a_hint() {
        let message =
            "write /var/lib/docker/containers/abc/.tmp-config.v2.json1: no space left on device";
        let error = StackError::from(DockerError::Api {
            action: "create container mcp-fa-db".into(),
            status: Some(500),
            message: message.into(),
        });
        assert_eq!(error.code(), "DISK_FULL");
        assert_eq!(error.exit_code(), 9);
        let text = error.to_string();
        assert!(text.contains(message), "{text}");
        assert!(text.contains("docker system prune"), "{text}");
        let other = StackError::from(DockerError::Api {
            action: "create container mcp-fa-db".into(),
            status: Some(500),
            message: "something else".into(),
        });
        assert_eq!(other.code(), "DOCKER_ERROR");
    }
}
