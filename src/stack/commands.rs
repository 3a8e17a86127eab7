//! The stack commands as the command line runs them: options from `cli`, the work from this
//! module, the report printed as text or as one JSON document (`{"ok": true, ...}` or
//! `{"ok": false, "error": {"code", "message"}}` with a stable code).

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
    let foreground = json_errors(args.json, after_ready(&mut ready, args).await)?;
    let report = &ready.report;
    if args.json {
        print_json(report)?;
    } else {
        print_text(&report.pretty())?;
    }
    drop(lock);
    let Some(handle) = foreground else {
        return Ok(());
    };
    let flag = project_flag(&ready.state.project);
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

/// The steps after readiness: register the `--client`s, start the MCP server (in-process, or in
/// a background process with `--detach`, unless `--no-server`), and point at what comes next.
/// Returns the in-process server for the foreground case, already answering.
async fn after_ready(
    ready: &mut ReadyStack,
    args: &UpArgs,
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
        crate::server::init_logging();
        let handle = crate::server::start(crate::server::ServeConfig::for_stack(state)?).await?;
        crate::server::log_notes(&handle);
        foreground = Some(handle);
        report("foreground", true, None, None, false)
    };
    ready.report.mcp_server = Some(server);
    ready.report.clients = clients;
    if let Some(step) = tutorial_seam(args, &ready.report, &flag) {
        ready.report.next_steps.insert(0, step);
    }
    Ok(foreground)
}

/// SEAM for the tutorial (issue 6): once it exists, `up` without `--no-tutorial` hands over to
/// it here (after the server is ready, before `up` serves in the foreground). Until then there is
/// nothing to hand over to, with or without `--no-tutorial`: this only names the next step.
fn tutorial_seam(_args: &UpArgs, report: &UpReport, flag: &str) -> Option<String> {
    Some(match report.clients.first() {
        None => format!(
            "mcp-fa clients add{flag} --kind claude-code   # register an MCP client (or cursor, \
             vscode, mcp-remote, inspector, claude-desktop) and get its configuration"
        ),
        Some(setup) => format!(
            "connect {} with the configuration above, log in as the demo user, and call the \
             `get_name` tool",
            setup.client.kind.display_name()
        ),
    })
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
