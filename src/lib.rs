//! mcp-fa: brings up FusionAuth and PostgreSQL in Docker, registers MCP clients, serves an
//! OAuth-protected MCP server, and walks through FusionAuth's "Protecting MCP Servers" tutorial.
//!
//! Data flows one way: `cli` → the feature modules → `fusionauth` and `docker` → the
//! outside world. Nothing below calls upward, and only `main` prints errors.

pub mod check;
pub mod cli;
pub mod clients;
pub mod docker;
pub mod error;
pub mod fusionauth;
pub mod server;
pub mod stack;
pub mod state;
pub mod tutorial;

pub use error::Error;

use clap::CommandFactory;

/// Runs one parsed command line.
pub async fn run(cli: cli::Cli) -> Result<(), Error> {
    match cli.command {
        cli::Command::Serve(args) => Ok(server::serve_command(&args).await?),
        cli::Command::Up(args) => Ok(stack::up_command(&args).await?),
        cli::Command::Down(args) => Ok(stack::down_command(&args).await?),
        cli::Command::Status(args) => Ok(stack::status_command(&args).await?),
        cli::Command::Logs(args) => Ok(stack::logs_command(&args).await?),
        cli::Command::Doctor(args) => Ok(stack::doctor_command(&args).await?),
        cli::Command::Clients(args) => Ok(clients::clients_command(&args).await?),
        cli::Command::Tutorial(args) => Ok(tutorial::tutorial_command(&args).await?),
        cli::Command::Check(args) => Ok(check::check_command(&args).await?),
        cli::Command::Token(args) => match &args.command {
            cli::TokenCommand::Inspect(inspect) => {
                Ok(server::token_inspect_command(inspect).await?)
            }
        },
        cli::Command::Completions { shell } => {
            let mut command = cli::Cli::command();
            let mut out = std::io::stdout();
            clap_complete::generate(shell, &mut command, "mcp-fa", &mut out);
            Ok(())
        }
    }
}
