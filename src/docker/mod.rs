//! Docker, in domain words: find the daemon, pull or build an image, create a network, a volume
//! or a container, copy a file in, start it, read its logs, remove what carries a label.
//!
//! This is the only module that imports bollard (testcontainers-rs style): `stack` asks for "the
//! database container" and never sees a bollard type. It must not print or know what FusionAuth
//! is.

mod archive;
mod build;
mod client;
mod endpoint;
mod error;

pub use client::{
    Connection, ContainerInfo, ContainerSpec, Docker, Health, HealthCheck, LogChunk, LogStream,
    PublishedPort, PullEvent, RunState,
};
pub use endpoint::{Candidate, Discovery, Environment, Runtime, Source, discover};
pub use error::{DockerError, mentions_disk_full};
