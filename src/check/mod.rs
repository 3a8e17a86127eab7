//! `mcp-fa check`: the headless end-to-end self-test of a running stack (or of an existing
//! FusionAuth and the MCP server at a remote project's public URL), and the pieces the
//! tutorial's checks share with it (the self-test client, the demo user's login, MCP calls).
//!
//! It registers (or reuses) one FusionAuth application of its own, the self-test client
//! (`client`), logs the stack's demo user in through FusionAuth's hosted login form
//! (`login`), and calls the MCP server's tools with the token through rmcp's MCP client
//! (`mcp`), timing each hop (`hops`, reported as a [`Report`] and hop by hop as each ends).
//! When nothing answers on the stack's MCP port it serves the stack in-process for the duration.
//! The command layer runs it and prints what it reports.
//!
//! On an existing FusionAuth nobody of ours can log in, so a temporary user (`temporary_user`)
//! is made for the run and deleted afterwards. Hops 2 and 3 live in `server_hops`, what hops 5
//! to 8 say in `tool_hops`.
//!
//! The engine must not print, import the tutorial (the tutorial imports it), write the state
//! file, put a token, a password, the API key or a client secret into anything it returns, or
//! stop anything it did not start.

pub(crate) mod client;
mod error;
mod hops;
pub(crate) mod login;
pub(crate) mod mcp;
mod report;
mod server_hops;
mod shared;
mod temporary_user;
mod tool_hops;

pub use client::{SELF_TEST_CLIENT_NAME, SELF_TEST_REDIRECT_URI, is_self_test_client};
pub use error::SelfTestError;
pub use hops::SelfTest;
pub use report::{Hop, HopFailure, HopStatus, Report};
pub(crate) use shared::{clip, get_json, scrub};
