//! `mcp-fa completions SHELL`: the shell completion script, generated from the clap definitions.

use clap::CommandFactory;

use crate::cli::Cli;
use crate::error::Error;

pub fn run(shell: clap_complete::Shell) -> Result<(), Error> {
    let mut command = Cli::command();
    let mut out = std::io::stdout();
    clap_complete::generate(shell, &mut command, "mcp-fa", &mut out);
    Ok(())
}
