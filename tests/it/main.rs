//! mcp-fa's integration tests, in one test binary: linking the whole crate once (instead of once
//! per file) is most of what a test run costs on a small machine, and one binary lets libtest
//! run every test of the suite side by side.
//!
//! Running side by side is a promise each test keeps: it never changes the process's
//! environment, current directory or global logger, and owns what it touches outside the
//! process (a project name, a state directory, ports and Docker objects of its own). What
//! cannot be shared is serialised in `support` (see `support::private_docker`) or run in a
//! process of its own (see `support::isolated`).
//!
//! The stand-in's own tests live with it, in `tests/fusionauth-sim/tests`.

mod support;

/// `mcp-fa check`: the whole chain, hop by hop, against a stack `up` started.
mod check;

/// MCP clients registered as FusionAuth applications, and their configuration files.
mod clients {
    mod cli;
    mod config_file;
    mod registration;
}

/// Finding the Docker daemon, and the daemon failing under a stack (stopped, out of disk, keeping
/// no logs).
mod docker {
    mod connect;
    mod disk_full;
    mod no_logs;
    mod restart;
}

/// `mcp-fa export`: the project on Compose and Kubernetes, and the MCP server's image.
mod export {
    mod compose;
    mod image;
    mod kubernetes;
    mod refusals;
}

/// The typed FusionAuth client, the login it drives, and the contract with FusionAuth's API.
mod fusionauth {
    mod client;
    mod contract;
    mod login;
}

/// A project's own settings: the project file, what it was created with, what goes with its
/// data, and the messages that name it.
mod project {
    mod file;
    mod messages;
    mod reset;
    mod settings;
}

/// An existing FusionAuth with several tenants (a stand-in started on its own, never through
/// `up`): clients, the claude.ai connector, `check`, `doctor`, `serve --registration` and the
/// walkthrough's remote track.
mod remote {
    mod setup;

    mod check;
    mod clients;
    mod connector;
    mod doctor;
    mod registration;
    mod walkthrough;
}

/// Secrets never reach normal output.
mod secrets;

/// The protected MCP server: tokens it refuses, the MCP protocol, logging, hostile input,
/// `mcp-fa serve` and the server `mcp-fa up` starts, clients that register themselves, and a
/// soak.
mod server {
    mod auth;
    mod calls;
    mod cli;
    mod hostile_input;
    mod logging;
    mod mcp;
    mod record;
    mod registration;
    mod soak;
    mod token_cache;
    mod with_stack;
}

/// `mcp-fa up`, `status`, `down`: the stack's life, its failures, and recovery.
mod stack {
    mod crash_safety;
    mod failures;
    mod lifecycle;
    mod tampered;
}

/// The state file: damaged files, and one command at a time per project.
mod state {
    mod corrupt;
    mod lock;
}

/// `mcp-fa token inspect`.
mod token;

/// The tutorial: its checks, and the walkthrough as a person meets it.
mod tutorial {
    mod bridge;
    mod checks;
    mod unattended;
    mod walkthrough;
    mod without_stack;
}
