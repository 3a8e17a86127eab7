//! `mcp-fa doctor`: every fact `up` depends on, one line each with a verdict (see
//! [`crate::stack::doctor`]); for a remote project (an existing FusionAuth) the preflight of
//! [`crate::preflight`] instead, each problem with what to change, and the one fix it can make
//! (an RSA signing key for a tenant that signs with HMAC) made with `--yes` or a yes on a
//! terminal. Fails when any line says FAIL.

use super::output::{print_document, print_report, print_text};
use super::settings::ProjectContext;
use super::terminal::{ask_line, interactive};
use crate::cli::DoctorArgs;
use crate::error::Error;
use crate::preflight::{Fix, Preflight};
use crate::site::Site;
use crate::stack::{DoctorReport, StackError, Verdict};

pub async fn run(args: &DoctorArgs) -> Result<(), Error> {
    let ctx = ProjectContext::load(args.project.project.as_ref())?;
    if let Some(remote) = ctx.remote(&args.remote)? {
        return remote_doctor(&Site::remote(&remote)?, args).await;
    }
    let report = crate::stack::doctor(&ctx.name).await?;
    if args.json {
        print_report(&report)?;
    } else {
        print_text(&render(&report))?;
    }
    match report.failures() {
        0 => Ok(()),
        failures => Err(StackError::DoctorFailed { failures }.into()),
    }
}

fn render(report: &DoctorReport) -> String {
    report
        .checks
        .iter()
        .map(|check| line(check.verdict, &check.name, &check.detail))
        .collect()
}

fn line(verdict: Verdict, name: &str, detail: &str) -> String {
    let verdict = match verdict {
        Verdict::Ok => "ok  ",
        Verdict::Info => "info",
        Verdict::Warn => "WARN",
        Verdict::Fail => "FAIL",
    };
    format!("[{verdict}] {name}: {detail}\n")
}

async fn remote_doctor(site: &Site, args: &DoctorArgs) -> Result<(), Error> {
    let mut report = crate::preflight::preflight(site).await;
    let mut fixed = Vec::new();
    if let Some(Fix::SigningKey { tenant_id }) = report.fixes.first().cloned()
        && wants_fix(args)?
    {
        fixed.push(
            crate::preflight::fix_signing_key(site, &tenant_id)
                .await
                .map_err(crate::clients::ClientsError::FusionAuth)?,
        );
        // Checked again, so the report says what is true now.
        report = crate::preflight::preflight(site).await;
    }
    if args.json {
        let mut document = serde_json::to_value(&report).expect("reports serialise");
        document["ok"] = serde_json::json!(report.failures() == 0);
        if !fixed.is_empty() {
            document["fixed"] = serde_json::json!(fixed);
        }
        print_document(&document)?;
    } else {
        print_text(&render_remote(&report, &fixed))?;
    }
    match report.failures() {
        0 => Ok(()),
        failures => Err(StackError::DoctorFailed { failures }.into()),
    }
}

/// `--yes`, or a yes on a terminal; no terminal and no `--yes`: no (the finding says how).
fn wants_fix(args: &DoctorArgs) -> Result<bool, Error> {
    if args.yes {
        return Ok(true);
    }
    if !interactive() || args.json {
        return Ok(false);
    }
    let answer = ask_line(
        "The tenant signs tokens with an HMAC key no MCP server can verify. Generate an RSA key \
         and make it the tenant's token signing key? [y/N] ",
    )?;
    Ok(matches!(answer.as_deref(), Some("y" | "Y" | "yes")))
}

fn render_remote(report: &Preflight, fixed: &[String]) -> String {
    let mut text = format!(
        "mcp-fa doctor: FusionAuth at {}{}, MCP server at {}\n",
        report.fusionauth_url,
        report
            .tenant_id
            .as_deref()
            .map(|tenant| format!(" (tenant {tenant})"))
            .unwrap_or_default(),
        report.resource
    );
    for done in fixed {
        text.push_str(&format!("Fixed: {done}\n"));
    }
    for check in &report.checks {
        text.push_str(&line(check.verdict, &check.name, &check.detail));
        if let Some(fix) = &check.fix {
            text.push_str(&format!("       fix: {fix}\n"));
        }
    }
    text
}
