//! The local FusionAuth stack: FusionAuth and PostgreSQL in Docker, brought up, inspected and
//! taken down by `mcp-fa up/status/logs/doctor/down`.
//!
//! It speaks of "the database", "FusionAuth" and "the kickstart"; Docker itself is behind
//! `crate::docker` (no bollard here). It owns the project's objects, which all carry
//! `dev.mcp-fa.project=<project>`, and never touches an object without that label, and the
//! background MCP server process `up --detach` leaves running. It must not print or prompt:
//! progress goes to the [`Progress`] the caller hands in, and reports are returned as data for
//! the command layer to show.

mod creation_guard;
mod doctor;
mod down;
mod error;
mod kickstart;
mod kickstart_log;
mod log_buffer;
mod logs;
pub mod mcp_server;
mod plan;
mod ports;
mod progress;
mod project;
mod secrets;
mod status;
mod up;
mod wait;

pub use doctor::{Check, DoctorReport, Verdict, doctor};
pub use down::{DownReport, down};
pub use error::{MissingImage, StackError};
pub use kickstart::{
    DEMO_PASSWORD, KickstartValues, RenderedKickstart, TEMPLATE as KICKSTART_TEMPLATE,
    render as render_kickstart,
};
pub use logs::{Service, logs};
pub use mcp_server::McpServerReport;
pub use plan::{
    DEFAULT_FUSIONAUTH_IMAGE, DEFAULT_FUSIONAUTH_PORT, DEFAULT_MCP_PORT, DEFAULT_POSTGRES_IMAGE,
    DEFAULT_TIMEOUT, PASSTHROUGH_PREFIX, UpOptions,
};
pub use progress::{Progress, PullProgress, Silent};
pub use project::PROJECT_LABEL;
pub use secrets::{token as random_token, uuid as random_uuid};
pub use status::{StatusReport, status};
pub use up::{ReadyStack, ReportedUser, UpReport, up};
