//! The command layer: one file per command. Only this layer (with `cli`) knows clap's types,
//! asks questions and prints. Each command turns its arguments into the plain options of the
//! feature module that does the work (`stack`, `clients`, `server`, `tutorial`, `check`), and
//! shows what comes back.
//!
//! Every failure ends here, in [`run`]: one line on standard error, the exit code from
//! [`Error::exit_code`], and, for a command asked for JSON, one document on standard output
//! carrying [`Error::code`]. Nothing below this layer prints an error.

mod check;
mod clients;
mod completions;
mod doctor;
mod down;
mod export;
mod init;
mod logs;
mod output;
mod progress;
mod serve;
mod settings;
mod status;
mod terminal;
mod token;
mod tutorial;
mod up;

use std::process::ExitCode;

use crate::cli::{Cli, ClientsCommand, Command, OutputFormat, StatusFormat, TokenCommand};
use crate::error::Error;

/// Runs one parsed command line and says how the process should exit.
pub async fn run(cli: Cli) -> ExitCode {
    let json = wants_json(&cli.command);
    match dispatch(cli.command).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("mcp-fa: {error}");
            if json == Json::Envelope {
                output::print_failure(&error);
            }
            error.exit_code()
        }
    }
}

async fn dispatch(command: Command) -> Result<(), Error> {
    match command {
        Command::Serve(args) => serve::run(&args).await,
        Command::Init(args) => init::run(&args),
        Command::Up(args) => up::run(&args).await,
        Command::Down(args) => down::run(&args).await,
        Command::Status(args) => status::run(&args).await,
        Command::Logs(args) => logs::run(&args).await,
        Command::Doctor(args) => doctor::run(&args).await,
        Command::Clients(args) => clients::run(&args).await,
        Command::Tutorial(args) => tutorial::run(&args).await,
        Command::Check(args) => check::run(&args).await,
        Command::Token(args) => match &args.command {
            TokenCommand::Inspect(inspect) => token::inspect(inspect).await,
        },
        Command::Export(args) => export::run(&args).await,
        Command::Healthcheck(args) => serve::healthcheck(&args).await,
        Command::Completions { shell } => completions::run(shell),
    }
}

/// What a failed command prints on standard output besides the line on standard error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Json {
    /// Text output: nothing.
    No,
    /// Asked for JSON: the `{"ok": false, "error": {...}}` envelope.
    Envelope,
    /// The command's own report carries the outcome, failures included (`check --json`,
    /// `token inspect --json`): nothing more.
    OwnReport,
}

fn wants_json(command: &Command) -> Json {
    let asked = match command {
        Command::Up(args) => args.json,
        Command::Down(args) => args.json,
        Command::Status(args) => args.output == StatusFormat::Json,
        Command::Doctor(args) => args.json,
        Command::Export(args) => args.json,
        Command::Clients(args) => match &args.command {
            ClientsCommand::Add(add) => add.json,
            ClientsCommand::List(list) => list.output == OutputFormat::Json,
            _ => false,
        },
        Command::Check(args) if args.json => return Json::OwnReport,
        Command::Token(args) => match &args.command {
            TokenCommand::Inspect(inspect) if inspect.json => return Json::OwnReport,
            TokenCommand::Inspect(_) => false,
        },
        _ => false,
    };
    if asked { Json::Envelope } else { Json::No }
}
