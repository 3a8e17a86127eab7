//! What the integration tests share: the in-process stand-in and its API ([`standin`], whose
//! items are re-exported here), a scripted browser ([`browser`]), Docker and a private Docker
//! daemon ([`docker`], [`private_docker`]), projects run through the real binary ([`project`]),
//! the MCP server in-process ([`server`]), state files ([`state`]), a pseudo-terminal ([`pty`]),
//! FusionAuth's OpenAPI file ([`openapi`]) and a process of its own for a test ([`isolated`]).
//!
//! Nothing here changes process-wide settings (environment, current directory, logger): every
//! test of the binary runs beside the others.

// Shared with the stand-in's tests, which use parts this suite does not.
#[allow(dead_code)]
pub mod browser;
pub mod docker;
pub mod isolated;
pub mod openapi;
pub mod private_docker;
pub mod project;
pub mod pty;
pub mod server;
pub mod standin;
pub mod state;

pub use standin::*;

/// Runs `future` to completion on a runtime of its own, for synchronous tests that make an HTTP
/// call now and then.
pub fn block<T>(future: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(future)
}
