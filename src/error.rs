//! The one error type a command ends with: each feature module's own error, plus what only the
//! command layer can run into (standard output closed, a question nobody can answer). It knows
//! the stable code scripts see in `--json` output and the exit code; the command layer prints it,
//! in one place.

use std::process::ExitCode;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Server(#[from] crate::server::ServerError),
    #[error(transparent)]
    Stack(#[from] crate::stack::StackError),
    #[error(transparent)]
    Clients(#[from] crate::clients::ClientsError),
    #[error(transparent)]
    Tutorial(#[from] crate::tutorial::TutorialError),
    #[error(transparent)]
    Check(#[from] crate::check::SelfTestError),
    #[error(transparent)]
    State(#[from] crate::state::StateError),
    #[error(transparent)]
    ProjectFile(#[from] crate::project::ProjectFileError),
    #[error(transparent)]
    Export(#[from] crate::export::ExportError),
    #[error(transparent)]
    Site(#[from] crate::site::SiteError),
    #[error("could not write to standard output: {0}")]
    Output(#[source] std::io::Error),
    /// A command needs something it was not given and cannot ask for (no terminal).
    #[error("{0}")]
    InputNeeded(String),
    /// A destructive command needs a yes and cannot ask (no terminal).
    #[error("{action} asks for confirmation; pass --yes to {action} without asking")]
    ConfirmationNeeded { action: &'static str },
    #[error("cancelled; nothing was changed")]
    Cancelled,
    #[error("could not read your answer: {0}")]
    Prompt(#[source] std::io::Error),
}

impl Error {
    /// A stable, machine-readable code for `--json` output and scripts.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Server(error) => error.code(),
            Error::Stack(error) => error.code(),
            Error::Clients(error) => error.code(),
            Error::Tutorial(error) => error.code(),
            Error::Check(error) => error.code(),
            Error::State(error) => error.code(),
            Error::ProjectFile(error) => error.code(),
            Error::Export(error) => error.code(),
            Error::Site(error) => error.code(),
            Error::Output(_) | Error::Prompt(_) => "OUTPUT_FAILED",
            Error::InputNeeded(_) => "INVALID_INPUT",
            Error::ConfirmationNeeded { .. } | Error::Cancelled => "NOT_CONFIRMED",
        }
    }

    /// 1 for failures of the work itself; 2 for usage errors, as clap reports its own (a value
    /// no flag accepts, a step that does not exist, a question without a terminal to ask it
    /// on). Stack failures a script may want to tell apart have their own codes: 3 Docker
    /// unavailable, 4 port in use, 5 image pull failed, 6 startup timeout, 7 kickstart failed,
    /// 8 container exited, 9 Docker out of disk space, 130 interrupted.
    pub fn exit_code(&self) -> ExitCode {
        match self {
            Error::Stack(error) | Error::Export(crate::export::ExportError::Stack(error)) => {
                ExitCode::from(error.exit_code())
            }
            error if error.is_usage() => ExitCode::from(2),
            _ => ExitCode::FAILURE,
        }
    }

    /// The command line asked for something that cannot be: fix the command, not the system.
    fn is_usage(&self) -> bool {
        use crate::clients::ClientsError;
        use crate::tutorial::TutorialError;
        match self {
            Error::Site(error) | Error::Clients(ClientsError::Site(error)) => error.is_usage(),
            Error::Export(error) => error.is_usage(),
            _ => matches!(
                self,
                Error::InputNeeded(_)
                    | Error::ConfirmationNeeded { .. }
                    | Error::Tutorial(TutorialError::UnknownStep { .. })
                    | Error::Clients(ClientsError::Name(_) | ClientsError::RedirectUri(_))
            ),
        }
    }
}
