//! The one place where a failure becomes what the user reads and the exit code a script sees.
//! Modules return their own typed errors; this wraps them, and only `main` prints.

use std::process::ExitCode;

use crate::fusionauth::FusionAuthError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    FusionAuth(#[from] FusionAuthError),
    #[error("could not write to standard output: {0}")]
    Output(#[from] std::io::Error),
    #[error(transparent)]
    Server(#[from] crate::server::ServerError),
    #[error(transparent)]
    Stack(#[from] crate::stack::StackError),
    #[error(transparent)]
    Clients(#[from] crate::clients::ClientsError),
    #[error(transparent)]
    Tutorial(#[from] crate::tutorial::TutorialError),
    #[error(transparent)]
    SelfTest(#[from] crate::check::SelfTestError),
}

impl Error {
    /// A stable, machine-readable code for `--json` output and scripts.
    pub fn code(&self) -> &'static str {
        match self {
            Error::FusionAuth(_) => "FUSIONAUTH_ERROR",
            Error::Output(_) => "OUTPUT_FAILED",
            Error::Server(error) => error.code(),
            Error::Stack(error) => error.code(),
            Error::Clients(error) => error.code(),
            Error::Tutorial(error) => error.code(),
            Error::SelfTest(error) => error.code(),
        }
    }

    /// 1 for failures of the work itself; clap uses 2 for usage errors. Stack failures a
    /// script may want to tell apart have their own codes: 3 Docker unavailable, 4 port in use,
    /// 5 image pull failed, 6 startup timeout, 7 kickstart failed, 8 container exited,
    /// 9 Docker out of disk space, 130 interrupted.
    pub fn exit_code(&self) -> ExitCode {
        match self {
            Error::Stack(error) => ExitCode::from(error.exit_code()),
            _ => ExitCode::FAILURE,
        }
    }
}
