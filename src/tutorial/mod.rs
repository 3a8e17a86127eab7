//! The walkthrough of "protect an MCP server with FusionAuth": the steps (`tutorial/*.md`,
//! embedded in the binary), the checks their `verify` names, the interactive runner with saved
//! progress, `tutorial --check`, and `mcp-fa check`, the headless end-to-end self-test.
//!
//! It owns: step loading and rendering, the progress file, the checks and what a failure
//! explains, the self-test. It must not: talk to Docker except through [`crate::docker`] and
//! [`crate::stack`], to FusionAuth except through [`crate::fusionauth`], or print a secret. It
//! starts the MCP server through [`crate::server`] and reads what the server saw from it.
//!
//! The walkthrough: [`steps`] reads the embedded step files and fills in their placeholders,
//! `render` turns them into terminal text, `progress` keeps where each project got to, `runner`
//! holds the conversation (and the in-process server's protection switch). The command layer
//! runs `mcp-fa tutorial`, and `mcp-fa up` hands over to [`Walkthrough`] when a person is at a
//! terminal.

mod checks;
mod error;
mod keys;
mod progress;
mod render;
mod runner;
mod self_test;
pub mod steps;

pub use checks::{CheckContext, Checker, Mode, Outcome, VERIFY_NAMES, Verdict};
pub use error::TutorialError;
pub use progress::{ProgressFile, StepStatus};
pub use runner::{Ended, Walkthrough, WalkthroughServer};
pub use self_test::{SelfTestError, check_command};
pub use steps::ServerMode;
