//! What talking to Docker can fail with, in words a user can act on: no daemon answering (with
//! what was tried and how to start the runtimes found), a pull that failed, an API error.

use super::endpoint::Runtime;

/// What went wrong talking to Docker, in words the stack can act on. bollard's error stays
/// inside as the source, so nothing above `docker` needs to know bollard.
#[derive(Debug, thiserror::Error)]
pub enum DockerError {
    /// No candidate answered a ping.
    #[error("{}", describe_unavailable(.tried, .installed, .notes, .explicit))]
    Unavailable {
        /// `DOCKER_HOST` or `DOCKER_CONTEXT` chose the endpoint, so nothing else was tried.
        explicit: Option<String>,
        /// Each address tried and why it failed.
        tried: Vec<(String, String)>,
        /// Runtimes that look installed (socket files or programs found).
        installed: Vec<Runtime>,
        /// Discovery notes: a broken `config.json`, a context without an endpoint.
        notes: Vec<String>,
    },

    /// The image is not present locally and could not be pulled.
    #[error("could not pull image `{image}`: {reason}")]
    Pull { image: String, reason: String },

    /// The daemon refused or failed a request.
    #[error("Docker could not {action}: {message}")]
    Api {
        action: String,
        status: Option<u16>,
        message: String,
    },
}

impl DockerError {
    pub(super) fn api(action: impl Into<String>, error: bollard::errors::Error) -> Self {
        let (status, message) = match error {
            bollard::errors::Error::DockerResponseServerError {
                status_code,
                message,
            } => (Some(status_code), message),
            other => (None, other.to_string()),
        };
        Self::Api {
            action: action.into(),
            status,
            message,
        }
    }

    /// 404 from the daemon: no such container, image, network or volume.
    pub fn is_not_found(&self) -> bool {
        matches!(
            self,
            Self::Api {
                status: Some(404),
                ..
            }
        )
    }

    /// 409: the name is taken, or the object is in use.
    pub fn is_conflict(&self) -> bool {
        matches!(
            self,
            Self::Api {
                status: Some(409),
                ..
            }
        )
    }

    /// The daemon (or a pull) failed because its disk is full: the message carries the
    /// kernel's ENOSPC text, which Docker passes on unchanged.
    pub fn is_disk_full(&self) -> bool {
        match self {
            Self::Api { message, .. } => mentions_disk_full(message),
            Self::Pull { reason, .. } => mentions_disk_full(reason),
            Self::Unavailable { .. } => false,
        }
    }

    /// The commands that would start Docker, for the runtimes that look installed.
    pub fn start_hints(installed: &[Runtime]) -> Vec<String> {
        installed
            .iter()
            .map(|runtime| format!("{}: `{}`", runtime.name(), runtime.start_command()))
            .collect()
    }
}

/// Whether `text` (a Docker message or a container's log line) reports ENOSPC. strerror(28) is
/// "No space left on device" in glibc, musl and Go; Docker lowercases it in its own errors.
pub fn mentions_disk_full(text: &str) -> bool {
    text.to_ascii_lowercase()
        .contains("no space left on device")
}

fn describe_unavailable(
    tried: &[(String, String)],
    installed: &[Runtime],
    notes: &[String],
    explicit: &Option<String>,
) -> String {
    let mut text = String::from("no Docker daemon answered");
    if tried.is_empty() {
        text.push_str(" (no Docker socket was found and DOCKER_HOST is not set)");
    } else {
        text.push_str(". Tried:");
        for (host, why) in tried {
            text.push_str(&format!("\n  - {host}: {why}"));
        }
    }
    for note in notes {
        text.push_str(&format!("\n  note: {note}"));
    }
    if let Some(variable) = explicit {
        text.push_str(&format!(
            "\n{variable} chose this endpoint, so no other was tried: start the daemon it points \
             at, or unset {variable} to let mcp-fa look for a local Docker."
        ));
    }
    let refused: Vec<&str> = tried
        .iter()
        .filter(|(_, why)| why.to_ascii_lowercase().contains("permission denied"))
        .map(|(host, _)| host.as_str())
        .collect();
    if !refused.is_empty() {
        // The daemon runs; this user may not talk to it. Starting it again would not help.
        text.push_str(&format!(
            "\nDocker refused this user access to {}: the daemon is there, but its socket \
             belongs to root and the `docker` group. Add yourself to that group (`sudo usermod \
             -aG docker $USER`, then log out and back in, or run `newgrp docker`), or use a \
             rootless Docker, Docker Desktop, colima or podman, whose socket is your own.",
            refused.join(", ")
        ));
    } else if installed.is_empty() {
        text.push_str(
            "\nInstall and start a Docker runtime (Docker Desktop, colima, OrbStack, podman or \
             Docker Engine), or point DOCKER_HOST at a running daemon.",
        );
    } else {
        text.push_str("\nStart Docker with:");
        for hint in DockerError::start_hints(installed) {
            text.push_str(&format!("\n  {hint}"));
        }
    }
    text.push_str("\nThen run `mcp-fa doctor` to check.");
    text
}

/// A ping that failed, for a one-line list: the error and its root cause (bollard's own
/// message is often just "client error (Connect)").
pub(super) fn short_reason(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut root = error.source();
    let mut deepest = None;
    while let Some(cause) = root {
        deepest = Some(cause);
        root = cause.source();
    }
    if let Some(cause) = deepest {
        let cause = cause.to_string();
        if !text.contains(&cause) {
            text = format!("{text}: {cause}");
        }
    }
    match text.char_indices().nth(160) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_socket_that_refuses_this_user_asks_for_the_docker_group_not_a_restart() {
        let text = describe_unavailable(
            &[(
                "unix:///var/run/docker.sock".into(),
                "error trying to connect: Permission denied (os error 13)".into(),
            )],
            &[Runtime::DockerEngine],
            &[],
            &None,
        );
        assert!(text.contains("usermod -aG docker"), "{text}");
        assert!(!text.contains("Start Docker with"), "{text}");
    }

    #[test]
    fn enospc_is_recognised_in_dockers_words_and_in_container_logs() {
        for text in [
            "failed to update bridge store for object type *bridge.networkConfiguration: write \
             /var/lib/docker/network/files/local-kv.db: no space left on device",
            "ERROR:  could not extend file \"base/16384/2619\": No space left on device",
            "ERROR:  could not write the data file: No space left on device (os error 28)",
        ] {
            assert!(mentions_disk_full(text), "{text}");
        }
        assert!(!mentions_disk_full("connection refused"));
        let api = DockerError::Api {
            action: "create container x".into(),
            status: Some(500),
            message: "write /d/containers/x/.tmp-config.v2.json1: no space left on device".into(),
        };
        assert!(api.is_disk_full());
        let pull = DockerError::Pull {
            image: "postgres:16".into(),
            reason: "write /d/tmp/GetImageBlob1: no space left on device".into(),
        };
        assert!(pull.is_disk_full());
        let refused = DockerError::Api {
            action: "start container x".into(),
            status: Some(500),
            message: "port is already allocated".into(),
        };
        assert!(!refused.is_disk_full());
    }
}
