//! The stack commands as the command line runs them: options from `cli`, the work from this
//! module, the report printed as text or as one JSON document (`{"ok": true, ...}` or
//! `{"ok": false, "error": {"code", "message"}}` with a stable code).

use std::io::Write;
use std::time::Duration;

use serde::Serialize;

use super::error::StackError;
use super::logs::Service;
use super::plan::UpOptions;
use super::up::ReadyStack;
use crate::cli::{DoctorArgs, DownArgs, LogService, LogsArgs, StatusArgs, StatusFormat, UpArgs};
use crate::fusionauth::Secret;

pub async fn up_command(args: &UpArgs) -> Result<(), StackError> {
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
    let ready = json_errors(args.json, super::up(options).await)?;
    let mut report = ready.report.clone();
    report.notes.push(after_ready(&ready, args));
    if args.json {
        print_json(&report)
    } else {
        print_text(&report.pretty())
    }
}

/// SEAM for the steps after readiness, owned by other issues: register MCP clients as FusionAuth
/// applications (writing `ready.state.clients` through `ready.store`), start the MCP server
/// in-process (`crate::server::start`, with `ready.state.fusionauth_url` as the issuer and
/// `ready.state.mcp_port`), honour `--detach` (leave it running in a background process that
/// `down` stops) and hand over to the tutorial unless `--no-tutorial`. None of that exists in
/// `up` yet; this returns the note that says so, rather than pretending.
fn after_ready(ready: &ReadyStack, _args: &UpArgs) -> String {
    format!(
        "The MCP server is not started by `up` yet; run it with `mcp-fa serve --issuer {} --bind \
         127.0.0.1:{}`.",
        ready.state.fusionauth_url, ready.state.mcp_port
    )
}

pub async fn down_command(args: &DownArgs) -> Result<(), StackError> {
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
