//! What can stop `mcp-fa check` as a whole, each with the stable code scripts see. A hop that
//! fails is [`SelfTestError::HopFailed`]; the hop's own code says why.

use crate::clients::RegistrationError;
use crate::fusionauth::{FusionAuthError, LoginError};
use crate::state::StateError;

use super::shared::SELF_TEST_CLIENT_NAME;
use crate::project::ProjectName;

#[derive(Debug, thiserror::Error)]
pub enum SelfTestError {
    #[error(
        "no stack named '{project}' is known here; start one with `mcp-fa up{}`",
        .project.flag()
    )]
    NoStack { project: ProjectName },
    #[error(transparent)]
    State(#[from] StateError),
    #[error(
        "the stack '{project}' has no demo user in its state file, so nobody can log in; \
         recreate it with `mcp-fa down --volumes{flag}` and `mcp-fa up{flag}`",
        flag = .project.flag()
    )]
    NoDemoUser { project: ProjectName },
    #[error(transparent)]
    FusionAuth(#[from] FusionAuthError),
    #[error("could not register the self-test client: {0}")]
    Registration(#[from] RegistrationError),
    #[error(
        "the self-test client {client_id} has no redirect URI to log in with; remove it \
         (`mcp-fa clients remove {SELF_TEST_CLIENT_NAME}`) and run `mcp-fa check` again"
    )]
    NoRedirectUri { client_id: String },
    #[error("the login failed: {0}")]
    Login(#[from] LoginError),
    #[error("the self-test stopped at \"{hop}\": {got}")]
    HopFailed {
        hop: String,
        /// The failing hop's own code (e.g. `LOGIN_REJECTED`), also in `--json` output.
        cause: &'static str,
        got: String,
    },
    #[error("could not write to standard output: {0}")]
    Output(#[from] std::io::Error),
    #[error("no randomness for the temporary user's password: {0}")]
    Random(String),
    #[error("{0}")]
    Site(String),
}

impl SelfTestError {
    pub fn code(&self) -> &'static str {
        match self {
            SelfTestError::NoStack { .. } => "NOT_RUNNING",
            SelfTestError::State(error) => error.code(),
            SelfTestError::NoDemoUser { .. } => "SELF_TEST_NO_DEMO_USER",
            SelfTestError::FusionAuth(_) => "FUSIONAUTH_ERROR",
            SelfTestError::Registration(RegistrationError::NameTaken { .. }) => "CLIENT_NAME_TAKEN",
            SelfTestError::Registration(_) => "FUSIONAUTH_ERROR",
            SelfTestError::NoRedirectUri { .. } => "SELF_TEST_CLIENT_BROKEN",
            SelfTestError::Login(error) => error.code(),
            SelfTestError::HopFailed { .. } => "CHECK_FAILED",
            SelfTestError::Output(_) => "OUTPUT_FAILED",
            SelfTestError::Random(_) => "RANDOM_UNAVAILABLE",
            SelfTestError::Site(_) => "STATE_CORRUPT",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_the_command_to_run() {
        let error = SelfTestError::NoStack {
            project: ProjectName::default(),
        };
        assert!(error.to_string().contains("`mcp-fa up`"), "{error}");
        assert_eq!(error.code(), "NOT_RUNNING");
        let error = SelfTestError::NoStack {
            project: ProjectName::parse("work").expect("valid"),
        };
        assert!(
            error.to_string().contains("`mcp-fa up --project work`"),
            "{error}"
        );
    }
}
