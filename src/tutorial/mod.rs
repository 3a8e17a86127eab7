//! The walkthrough of "protect an MCP server with FusionAuth": the steps (`tutorial/*.md`,
//! embedded in the binary), the checks their `verify` names, the interactive runner with saved
//! progress, `tutorial --check`, and `mcp-fa check`, the headless end-to-end self-test.
//!
//! It owns: step loading and rendering, the progress file, the checks and what a failure
//! explains, the self-test. It must not: talk to Docker except through [`crate::docker`] and
//! [`crate::stack`], to FusionAuth except through [`crate::fusionauth`], or print a secret. It
//! starts the MCP server through [`crate::server`] and reads what the server saw from it.

mod error;
mod self_test;

pub use error::TutorialError;
pub use self_test::{SelfTestError, check_command};

/// `mcp-fa tutorial`.
pub async fn tutorial_command(_args: &crate::cli::TutorialArgs) -> Result<(), TutorialError> {
    Err(TutorialError::NotBuilt)
}
