//! Why an export could not be written. Each message says what to do; nothing is written when a
//! check fails before the first file.

use std::path::PathBuf;

use crate::stack::StackError;

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(
        "{} already holds files ({}); export into an empty or new folder (-o DIR), or pass \
         --force to replace the exported files there (an existing .env is kept: its secrets \
         belong to data that may already exist)",
        .dir.display(), .found.join(", ")
    )]
    OutputNotEmpty { dir: PathBuf, found: Vec<String> },

    #[error("{} exists and is not a folder; name a folder with -o DIR", .dir.display())]
    OutputNotADirectory { dir: PathBuf },

    #[error("could not {action} {}: {source}", .path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// The running executable cannot become a Linux image (another OS, not ELF, unreadable).
    #[error(
        "the MCP server image cannot be built from this mcp-fa ({reason}); build the \
         repository's Dockerfile and name the image with --image REF"
    )]
    ImageSource { reason: String },

    #[error(
        "the Docker daemon runs {daemon} containers but this mcp-fa is built for {host}, so an \
         image made from it would not start there; build the repository's Dockerfile on a \
         {daemon} machine and pass --image REF"
    )]
    ImageArchitecture { host: String, daemon: String },

    #[error("building the MCP server image {image} failed: {reason}")]
    ImageBuild { image: String, reason: String },

    /// Docker unreachable, the kickstart template unusable, random values unavailable: the
    /// stack's own errors, with its codes and exit codes.
    #[error(transparent)]
    Stack(#[from] StackError),
}

impl From<crate::docker::DockerError> for ExportError {
    fn from(error: crate::docker::DockerError) -> Self {
        Self::Stack(StackError::from(error))
    }
}

impl ExportError {
    /// A stable code for `--json` output and scripts.
    pub fn code(&self) -> &'static str {
        match self {
            Self::OutputNotEmpty { .. } => "EXPORT_DIR_NOT_EMPTY",
            Self::OutputNotADirectory { .. } => "EXPORT_DIR_INVALID",
            Self::Io { .. } => "EXPORT_WRITE_FAILED",
            Self::ImageSource { .. } | Self::ImageArchitecture { .. } => "EXPORT_IMAGE_UNAVAILABLE",
            Self::ImageBuild { .. } => "EXPORT_IMAGE_BUILD_FAILED",
            Self::Stack(error) => error.code(),
        }
    }

    /// The command line asked for something that cannot be (fix the command, not the system).
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            Self::OutputNotEmpty { .. } | Self::OutputNotADirectory { .. }
        )
    }
}
