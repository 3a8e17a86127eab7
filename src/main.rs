//! Thin on purpose: parse the command line, run it, exit with the code it says. All behaviour
//! lives in the library, where it is tested; every failure is reported by
//! `mcp_fa::commands::run`.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = mcp_fa::cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("mcp-fa: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(mcp_fa::commands::run(cli))
}
