//! `fusionauth-sim`: the FusionAuth stand-in as a process. Three roles in one binary, so one
//! locally built image serves both containers of a stack:
//! - `fusionauth-sim [--listen ADDR]`: FusionAuth (port 9011 by default), configured by
//!   FusionAuth's own environment variables.
//! - `fusionauth-sim db [--listen ADDR] [--data-dir DIR]`: the database it keeps its state in.
//! - invoked as `pg_isready`: the database health check.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use fusionauth_sim::{RunningSim, SimConfig};

const USAGE: &str = "usage: fusionauth-sim [--listen ADDR]\n       fusionauth-sim db [--listen ADDR] [--data-dir DIR]\n       pg_isready [-h HOST] [-p PORT]\n\nA FusionAuth stand-in for mcp-fa's tests. It is not FusionAuth.";

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().collect();
    let program = args.remove(0);
    let invoked_as = std::path::Path::new(&program)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_string();
    if invoked_as == "pg_isready" {
        return ExitCode::from(fusionauth_sim::database::pg_isready(&args) as u8);
    }
    if args.iter().any(|a| a == "--help" || a == "-h") {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    let database_role = args.first().is_some_and(|a| a == "db");
    if database_role || args.first().is_some_and(|a| a == "app") {
        args.remove(0);
    }
    let mut listen: Option<SocketAddr> = None;
    let mut data_dir = std::env::var_os("PGDATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/lib/postgresql/data"));
    let mut it = args.into_iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--listen" => match it.next().and_then(|v| v.parse().ok()) {
                Some(addr) => listen = Some(addr),
                None => return usage_error("--listen needs an address like 127.0.0.1:9011"),
            },
            "--data-dir" => match it.next() {
                Some(dir) => data_dir = PathBuf::from(dir),
                None => return usage_error("--data-dir needs a directory"),
            },
            other => return usage_error(&format!("unknown argument {other}")),
        }
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("fusionauth-sim: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        if database_role {
            let listen = listen.unwrap_or_else(|| SocketAddr::from(([0, 0, 0, 0], 5432)));
            let role = fusionauth_sim::database::DatabaseRole::from_env(listen, data_dir);
            let served = match role.bind().await {
                Ok(bound) => bound.serve(fusionauth_sim::shutdown_signal()).await,
                Err(e) => Err(e),
            };
            return match served {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("{e}");
                    ExitCode::FAILURE
                }
            };
        }
        let mut config = SimConfig::from_env();
        if let Some(addr) = listen {
            config.listen = addr;
        }
        match RunningSim::start(config).await {
            Ok(sim) => {
                sim.serve_until_signal().await;
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("fusionauth-sim: cannot start: {e}");
                ExitCode::FAILURE
            }
        }
    })
}

fn usage_error(message: &str) -> ExitCode {
    eprintln!("fusionauth-sim: {message}\n{USAGE}");
    ExitCode::from(2)
}
