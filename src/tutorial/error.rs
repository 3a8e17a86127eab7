//! What can stop the walkthrough, with the code scripts see. Each message says what to do next.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum TutorialError {
    /// A step file is malformed (caught by the unit tests before it ships).
    #[error("the tutorial step {file} is malformed: {reason}")]
    BadStep { file: String, reason: String },
    #[error("there is no step `{given}`; give a step's number or id: {valid}")]
    UnknownStep { given: String, valid: String },
    #[error(
        "the tutorial progress file {} is unreadable ({reason}); run `mcp-fa tutorial --reset{project_flag}` to start the walkthrough afresh",
        .path.display()
    )]
    ProgressCorrupt {
        path: PathBuf,
        reason: String,
        project_flag: String,
    },
    #[error("could not {action} the tutorial progress file {}: {source}", .path.display())]
    ProgressIo {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    State(#[from] crate::state::StateError),
    #[error(
        "something that is not this project's MCP server already answers on port {port}; stop \
         it (a `mcp-fa serve` or `mcp-fa up` in another terminal? `lsof -i :{port}` names it), \
         then run `mcp-fa tutorial{project_flag}` again"
    )]
    PortTaken { port: u16, project_flag: String },
    #[error("could not stop this project's background MCP server: {0}")]
    StopDetached(String),
    /// Another process serves the project (named with its pid), or its record cannot be kept.
    #[error(transparent)]
    Stack(#[from] crate::stack::StackError),
    #[error("the walkthrough's MCP server could not start: {0}")]
    Server(#[from] crate::server::ServerError),
    #[error("could not talk to the terminal: {0}")]
    Terminal(#[source] std::io::Error),
    #[error(
        "the walkthrough asks questions and needs a terminal; run it in one, or use `mcp-fa \
         tutorial --check` (no questions) or `--list`"
    )]
    NotATerminal,
    #[error("step {number} ({id}) failed its check: {summary}")]
    CheckFailed {
        number: usize,
        id: String,
        summary: String,
    },
}

impl TutorialError {
    pub fn code(&self) -> &'static str {
        match self {
            TutorialError::BadStep { .. } => "TUTORIAL_BAD_STEP",
            TutorialError::UnknownStep { .. } => "TUTORIAL_UNKNOWN_STEP",
            TutorialError::ProgressCorrupt { .. } => "TUTORIAL_PROGRESS_CORRUPT",
            TutorialError::ProgressIo { .. } => "TUTORIAL_PROGRESS_ERROR",
            TutorialError::State(error) => error.code(),
            TutorialError::PortTaken { .. } => "TUTORIAL_PORT_TAKEN",
            TutorialError::StopDetached(_) => "TUTORIAL_STOP_SERVER_FAILED",
            TutorialError::Stack(error) => error.code(),
            TutorialError::Server(error) => error.code(),
            TutorialError::Terminal(_) => "TUTORIAL_TERMINAL_ERROR",
            TutorialError::NotATerminal => "TUTORIAL_NOT_A_TERMINAL",
            TutorialError::CheckFailed { .. } => "TUTORIAL_CHECK_FAILED",
        }
    }
}
