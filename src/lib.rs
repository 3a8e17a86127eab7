//! mcp-fa: brings up FusionAuth and PostgreSQL in Docker, registers MCP clients, serves an
//! OAuth-protected MCP server, and walks through FusionAuth's "Protecting MCP Servers" tutorial.
//!
//! Data flows one way: `cli` → the feature modules → `fusionauth` (and later `docker`) → the
//! outside world. Nothing below calls upward, and only `main` prints errors.

pub mod cli;
pub mod clients;
pub mod error;
pub mod fusionauth;

pub use error::Error;

use clap::CommandFactory;

/// Runs one parsed command line.
pub async fn run(cli: cli::Cli) -> Result<(), Error> {
    match cli.command {
        cli::Command::Completions { shell } => {
            let mut command = cli::Cli::command();
            let mut out = std::io::stdout();
            clap_complete::generate(shell, &mut command, "mcp-fa", &mut out);
            Ok(())
        }
    }
}
