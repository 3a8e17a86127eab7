//! The walkthrough of "protect an MCP server with FusionAuth": the steps (`tutorial/*.md`,
//! embedded in the binary), the checks their `verify` names, the interactive runner with saved
//! progress, and `tutorial --check`.
//!
//! It owns: step loading and rendering, the progress file, the checks and what a failure
//! explains. It must not: talk to Docker except through [`crate::docker`] and
//! [`crate::stack`], to FusionAuth except through [`crate::fusionauth`], or print a secret. It
//! starts the MCP server through [`crate::server`] and reads what the server saw from it; the
//! unattended checks log in and call the server with the pieces of [`crate::check`] (the
//! self-test client, the demo user's login, MCP calls).
//!
//! Two tracks: the local one (a stack `mcp-fa up` starts) and the remote one
//! ([`remote_steps`]: an existing FusionAuth, a deployed server, claude.ai's connector), which a
//! remote project walks.
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
pub mod remote_steps;
mod render;
mod runner;
pub mod steps;

pub use checks::{CheckContext, Checker, Mode, Outcome, Verdict, Verify};
pub use error::TutorialError;
pub use progress::{ProgressFile, StepStatus};
pub use runner::{Ended, Walkthrough, WalkthroughServer};
pub use steps::ServerMode;
