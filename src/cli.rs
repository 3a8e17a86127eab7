//! The command line, as clap definitions only: names, flags, environment variables and help.
//! Nothing here does work; `crate::run` dispatches each command to the module that owns it.

use clap::{Parser, Subcommand};

/// One command to learn, try and ship an OAuth-protected MCP server with FusionAuth.
#[derive(Debug, Parser)]
#[command(name = "mcp-fa", version, about, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions {
        /// The shell to generate completions for.
        shell: clap_complete::Shell,
    },
}
