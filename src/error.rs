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
}

impl Error {
    /// A stable, machine-readable code for `--json` output and scripts.
    pub fn code(&self) -> &'static str {
        match self {
            Error::FusionAuth(_) => "FUSIONAUTH_ERROR",
            Error::Output(_) => "OUTPUT_FAILED",
        }
    }

    /// 1 for failures of the work itself; clap uses 2 for usage errors.
    pub fn exit_code(&self) -> ExitCode {
        ExitCode::FAILURE
    }
}
