//! Helpers of the stand-in's tests. Most are mcp-fa's integration-test helpers, included by path
//! so that one file serves both test suites; this crate's tests use some of each.

#[allow(dead_code)]
#[path = "../../../../it/support/browser.rs"]
pub mod browser;
pub mod containers;
#[allow(dead_code)]
#[path = "../../../../it/support/docker.rs"]
pub mod docker;
#[path = "../../../../it/support/standin.rs"]
mod standin;
#[path = "../../../../it/support/tenants.rs"]
pub mod tenants;

pub use standin::*;
