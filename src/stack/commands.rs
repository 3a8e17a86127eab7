//! The stack commands as the command line runs them: options from `cli`, the work from this
//! module, the report printed as text or as one JSON document (`{"ok": true, ...}` or
//! `{"ok": false, "error": {"code", "message"}}` with a stable code). On a terminal, `up` hands
//! over to the walkthrough ([`crate::tutorial::Walkthrough`]) once the stack and its server are
//! ready, and serves protected in the foreground when the walkthrough ends.

use std::io::Write;
use std::time::Duration;

use serde::Serialize;

use super::error::StackError;
use super::logs::Service;
use super::mcp_server::{self, McpServerReport};
use super::plan::UpOptions;
use super::up::{ReadyStack, UpReport};
use crate::cli::{DoctorArgs, DownArgs, LogService, LogsArgs, StatusArgs, StatusFormat, UpArgs};
use crate::fusionauth::Secret;

pub async fn up_command(args: &UpArgs) -> Result<(), StackError> {
    // Held until the stack is ready and the server started; not while serving in the foreground.
    let lock = json_errors(args.json, project_lock(&args.project.project))?;
    let options = UpOptions {
        project: args.project.project.clone(),
        fusionauth_image: args.fusionauth_image.clone(),
        postgres_image: args.postgres_image.clone(),
        fusionauth_port: args.fusionauth_port,
        mcp_port: args.mcp_port,
        license_id: args
            .license_id
            .clone()
            .filter(|id| !id.trim().is_empty())
            .map(Secret::new),
        timeout: Duration::from_secs(args.timeout),
        demo_passwords: args.demo_passwords,
        quiet: args.json,
        kickstart_template: std::env::var_os("MCP_FA_KICKSTART_TEMPLATE")
            .filter(|path| !path.is_empty())
            .map(Into::into),
        passthrough_env: UpOptions::passthrough_from_process(),
    };
    let mut ready = json_errors(args.json, super::up(options).await)?;
    // The walkthrough is read before the server starts: the step it resumes at decides whether
    // the server starts protected. A walkthrough that cannot load (its progress file is
    // unreadable) is reported, and `up` goes on as without it.
    let mut walkthrough = if hands_over_to_tutorial(args) {
        match crate::tutorial::Walkthrough::new(
            &ready.state.project,
            &ready.store,
            None,
            None,
            false,
        ) {
            Ok(walkthrough) => Some(walkthrough),
            Err(error) => {
                ready.report.notes.push(format!(
                    "The walkthrough cannot start: {error} ({})",
                    error.code()
                ));
                None
            }
        }
    } else {
        None
    };
    let start_unprotected = walkthrough
        .as_ref()
        .is_some_and(|w| w.resume_mode() == crate::tutorial::ServerMode::Unprotected);
    let foreground = json_errors(
        args.json,
        after_ready(&mut ready, args, walkthrough.is_some(), start_unprotected).await,
    )?;
    let report = &ready.report;
    if args.json {
        print_json(report)?;
    } else {
        print_text(&report.pretty())?;
    }
    // Released before the walkthrough: its steps run `mcp-fa clients add` and `down`.
    drop(lock);
    let Some(mut handle) = foreground else {
        return Ok(());
    };
    let flag = project_flag(&ready.state.project);
    if let Some(mut walkthrough) = walkthrough.take() {
        walkthrough.server = Some(handle);
        let ended = walkthrough.run().await;
        // The walkthrough only borrows the server; it is always there to take back.
        let Some(back) = walkthrough.server.take() else {
            return Ok(());
        };
        handle = back;
        match ended {
            Ok(crate::tutorial::Ended::Interrupted) => {
                handle.shutdown().await?;
                eprintln!(
                    "The MCP server stopped. FusionAuth is still running: `mcp-fa up{flag}` \
                     serves again (and continues the walkthrough), `mcp-fa down{flag}` stops it."
                );
                return Ok(());
            }
            Ok(crate::tutorial::Ended::Finished {
                stack_removed: true,
            }) => {
                handle.shutdown().await?;
                eprintln!("The stack is removed, so the MCP server stopped too.");
                return Ok(());
            }
            Ok(_) => {}
            Err(error) => eprintln!(
                "mcp-fa: the walkthrough stopped: {error} ({})",
                error.code()
            ),
        }
        if !handle.is_protected() {
            handle.set_protected(true);
        }
        eprintln!("Protection is on.");
    }
    eprintln!(
        "Serving {} until Ctrl-C. FusionAuth keeps running after that; `mcp-fa down{flag}` stops \
         it.",
        handle.resource()
    );
    crate::server::serve_until_signal(handle).await?;
    eprintln!(
        "The MCP server stopped. FusionAuth is still running: `mcp-fa up{flag}` serves again, \
         `mcp-fa down{flag}` stops it."
    );
    Ok(())
}

/// `up` hands over to the walkthrough when a person is there to follow it (standard input and
/// output are terminals) and nothing asked otherwise.
fn hands_over_to_tutorial(args: &UpArgs) -> bool {
    use std::io::IsTerminal;
    !(args.no_tutorial || args.detach || args.no_server || args.json)
        && std::io::stdin().is_terminal()
        && std::io::stdout().is_terminal()
}

/// Stops the project's background MCP server (`up --detach`), if one runs, and forgets it in
/// the state file; returns its pid. For `mcp-fa tutorial`, which serves the port itself.
pub async fn stop_detached_mcp_server(
    store: &crate::state::StateStore,
    project: &str,
) -> Result<Option<u32>, StackError> {
    let _lock = store.lock(project, crate::state::LOCK_WAIT)?;
    let Some(mut state) = store.load(project)? else {
        return Ok(None);
    };
    let Some(server) = state.mcp_server.take() else {
        return Ok(None);
    };
    let stopped = mcp_server::stop(&server, project).await?;
    store.save(&state)?;
    Ok(stopped.then_some(server.pid))
}

/// The steps after readiness: register the `--client`s, start the MCP server (in-process, or in
/// a background process with `--detach`, unless `--no-server`), and point at what comes next.
/// Returns the in-process server for the foreground case, already answering.
async fn after_ready(
    ready: &mut ReadyStack,
    args: &UpArgs,
    walkthrough: bool,
    start_unprotected: bool,
) -> Result<Option<crate::server::ServerHandle>, StackError> {
    let clients =
        crate::clients::register_for_stack(&ready.store, &mut ready.state, &args.clients).await?;
    let state = &ready.state;
    let endpoint = mcp_server::endpoint(state);
    let flag = project_flag(&state.project);
    let report =
        |mode, running, pid, log_file: Option<&std::path::Path>, already_running| McpServerReport {
            mode,
            running,
            endpoint: endpoint.clone(),
            pid,
            log_file: log_file.map(|path| path.display().to_string()),
            already_running,
        };
    let mut foreground = None;
    let server = if args.no_server {
        report("none", false, None, None, false)
    } else if let Some(running) = mcp_server::running(state) {
        // `up` on a stack whose detached server runs: a fast no-op for the server too.
        report(
            "detached",
            true,
            Some(running.pid),
            Some(&running.log_file),
            true,
        )
    } else if mcp_server::answers(state.mcp_port).await {
        ready.report.notes.push(format!(
            "An MCP server mcp-fa did not start (a foreground `mcp-fa up` or `mcp-fa serve`?) \
             already answers at {endpoint}; it was left alone."
        ));
        report("external", true, None, None, true)
    } else if args.detach {
        let process = mcp_server::spawn_detached(&ready.store, state).await?;
        let mut saved = state.clone();
        saved.mcp_server = Some(process.clone());
        ready.store.save(&saved)?;
        ready.state = saved;
        ready.report.next_steps.insert(
            0,
            format!("mcp-fa logs mcp{flag} -f   # the MCP server's requests"),
        );
        report(
            "detached",
            true,
            Some(process.pid),
            Some(&process.log_file),
            false,
        )
    } else {
        if walkthrough {
            // The walkthrough owns the terminal; request lines go where `logs mcp` reads them.
            match walkthrough_log(&ready.store, &state.project) {
                Ok(file) => crate::server::init_logging_to(file),
                Err(_) => crate::server::init_logging(),
            }
            ready.report.next_steps.push(format!(
                "mcp-fa logs mcp{flag} -f   # in another terminal: the MCP server's requests"
            ));
        } else {
            crate::server::init_logging();
        }
        let mut config = crate::server::ServeConfig::for_stack(state)?;
        // The walkthrough's early steps show the server before protection is switched on.
        config.start_unprotected = walkthrough && start_unprotected;
        let handle = crate::server::start(config).await?;
        crate::server::log_notes(&handle);
        foreground = Some(handle);
        report("foreground", true, None, None, false)
    };
    ready.report.mcp_server = Some(server);
    ready.report.clients = clients;
    let walks = walkthrough && foreground.is_some();
    for (index, step) in next_steps(&ready.report, &flag, walks)
        .into_iter()
        .enumerate()
    {
        ready.report.next_steps.insert(index, step);
    }
    Ok(foreground)
}

/// What `up` points at first: the walkthrough (starting right below, or to run later), then the
/// client to connect.
fn next_steps(report: &UpReport, flag: &str, walks: bool) -> Vec<String> {
    let tutorial = if walks {
        "the walkthrough starts below: each step explained, run and verified (`--no-tutorial` \
         skips it)"
            .to_owned()
    } else {
        format!("mcp-fa tutorial{flag}   # walk through protecting this server, each step verified")
    };
    let client = match report.clients.first() {
        None => format!(
            "mcp-fa clients add{flag} --kind claude-code   # register an MCP client (or cursor, \
             vscode, mcp-remote, inspector, claude-desktop) and get its configuration"
        ),
        Some(setup) => format!(
            "connect {} with the configuration above, log in as the demo user, and call the \
             `get_name` tool",
            setup.client.kind.display_name()
        ),
    };
    vec![tutorial, client]
}

/// The project's MCP log file, started afresh, for an in-process server whose terminal the
/// walkthrough uses.
pub fn walkthrough_log(
    store: &crate::state::StateStore,
    project: &str,
) -> std::io::Result<std::fs::File> {
    store.ensure_dir().map_err(std::io::Error::other)?;
    crate::state::private_file(&store.mcp_log_path(project))
}

/// ` --project <name>`, or nothing for the default project.
fn project_flag(project: &str) -> String {
    if project == super::project::DEFAULT_PROJECT {
        String::new()
    } else {
        format!(" --project {project}")
    }
}

fn project_lock(project: &str) -> Result<crate::state::ProjectLock, StackError> {
    Ok(crate::state::StateStore::from_env()?.lock(project, crate::state::LOCK_WAIT)?)
}

pub async fn down_command(args: &DownArgs) -> Result<(), StackError> {
    let _lock = json_errors(args.json, project_lock(&args.project.project))?;
    let report = json_errors(
        args.json,
        super::down(&args.project.project, args.volumes).await,
    )?;
    if args.json {
        print_json(&report)
    } else {
        print_text(&report.pretty())
    }
}

pub async fn status_command(args: &StatusArgs) -> Result<(), StackError> {
    let json = args.output == StatusFormat::Json;
    let report = json_errors(
        json,
        super::status(&args.project.project, args.show_secrets).await,
    )?;
    match args.output {
        StatusFormat::Json => print_json(&report),
        StatusFormat::Env => print_text(&report.env()),
        StatusFormat::Pretty => print_text(&report.pretty()),
    }
}

pub async fn logs_command(args: &LogsArgs) -> Result<(), StackError> {
    let service = match args.service {
        LogService::Fusionauth => Service::Fusionauth,
        LogService::Db => Service::Db,
        LogService::Mcp => Service::Mcp,
    };
    let mut out = std::io::stdout();
    super::logs(
        &args.project.project,
        service,
        args.follow,
        args.tail,
        &mut out,
    )
    .await
}

pub async fn doctor_command(args: &DoctorArgs) -> Result<(), StackError> {
    let report = json_errors(args.json, super::doctor(&args.project.project).await)?;
    if args.json {
        print_json(&report)?;
    } else {
        print_text(&report.pretty())?;
    }
    match report.failures() {
        0 => Ok(()),
        failures => Err(StackError::DoctorFailed { failures }),
    }
}

/// With `--json`, a failure is also printed as a JSON document on standard output.
fn json_errors<T>(json: bool, result: Result<T, StackError>) -> Result<T, StackError> {
    if let (true, Err(error)) = (json, &result) {
        let document = serde_json::json!({
            "ok": false,
            "error": {"code": error.code(), "message": error.to_string()},
        });
        let _ = print_text(&format!("{document:#}\n"));
    }
    result
}

fn print_json(report: &impl Serialize) -> Result<(), StackError> {
    let mut value = serde_json::to_value(report).expect("reports serialise");
    if let Some(object) = value.as_object_mut() {
        object.insert("ok".into(), serde_json::Value::Bool(true));
    }
    print_text(&format!("{value:#}\n"))
}

fn print_text(text: &str) -> Result<(), StackError> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(StackError::Output)
}
