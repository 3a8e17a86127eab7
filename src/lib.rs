//! mcp-fa: brings up FusionAuth and PostgreSQL in Docker, registers MCP clients, serves an
//! OAuth-protected MCP server, and walks through FusionAuth's "Protecting MCP Servers" tutorial.
//!
//! Imports run one way, from the top floor down:
//! - `commands` (with `cli`, the clap definitions it alone reads): one file per command; the
//!   only place that asks questions, prints, and turns an [`Error`] into a message, an exit code
//!   and a `--json` document.
//! - the feature modules, which take plain options and return data: `tutorial` (the
//!   walkthrough and its checks), `stack` (FusionAuth and PostgreSQL in Docker), `clients` (MCP
//!   clients as FusionAuth applications), `server` (the protected MCP server), `check` (the
//!   end-to-end self-test), `preflight` (what an existing FusionAuth needs, checked), `export`
//!   (the project written out for Compose and Kubernetes, and the MCP server's image).
//! - the ground floor they stand on: `docker` (the only user of bollard), `fusionauth` (its
//!   HTTP API, typed), `state` (what is remembered per project), `project` (the name and the
//!   project file), `site` (where a FusionAuth is and how to reach it: a stack's, from its
//!   state, or an existing one, from a remote project) and `redact` (a stack's secrets blanked
//!   out of the log lines mcp-fa shows).
//!
//! Nothing imports a module above it.

pub mod check;
pub mod cli;
pub mod clients;
pub mod commands;
pub mod docker;
pub mod error;
pub mod export;
pub mod fusionauth;
pub mod preflight;
pub mod project;
pub mod redact;
pub mod server;
pub mod site;
pub mod stack;
pub mod state;
pub mod tutorial;

pub use error::Error;
