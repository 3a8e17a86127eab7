//! `mcp-fa check`: the headless end-to-end self-test of a running stack, or of an existing
//! FusionAuth and the MCP server at a remote project's public URL (see
//! [`crate::check::SelfTest`]); prints each hop as it ends (text) or one document at the end
//! (`--json`, which carries the failure too), and fails when a hop did. The report holds no
//! secret, so nothing printed here can.

use std::time::Duration;

use serde_json::{Value, json};

use super::output::{error_json, print_document, print_text};
use super::settings::ProjectContext;
use crate::check::{Hop, HopStatus, Report, SelfTest, SelfTestError};
use crate::cli::CheckArgs;
use crate::error::Error;
use crate::site::Site;
use crate::state::StateStore;

pub async fn run(args: &CheckArgs) -> Result<(), Error> {
    let ctx = ProjectContext::load(args.project.project.as_ref())?;
    let project = ctx.name.clone();
    let result = check(&ctx, args).await;
    if args.json
        && let Err(error) = &result
        && !matches!(error, Error::Check(SelfTestError::HopFailed { .. }))
    {
        // Failures before the first hop still answer with one document.
        let _ = print_document(&json!({
            "ok": false,
            "project": project,
            "hops": [],
            "error": error_json(error),
        }));
    }
    result
}

async fn check(ctx: &ProjectContext, args: &CheckArgs) -> Result<(), Error> {
    let project = &ctx.name;
    let (self_test, title) = match ctx.remote(&args.remote)? {
        Some(remote) => {
            let site = Site::remote(&remote)?;
            let title = format!(
                "mcp-fa check: FusionAuth at {}{} and the MCP server at {}, end to end",
                site.fusionauth_url.as_str().trim_end_matches('/'),
                site.tenant_id
                    .as_deref()
                    .map(|tenant| format!(" (tenant {tenant})"))
                    .unwrap_or_default(),
                site.resource()
            );
            (SelfTest::for_site(site, args.keep_client), title)
        }
        None => {
            let store = StateStore::from_env()?;
            (
                SelfTest::prepare(&store, project, args.keep_client)?,
                format!("mcp-fa check: the stack \"{project}\" end to end"),
            )
        }
    };
    if !args.json {
        line(&title)?;
    }
    // A write that fails does not stop the run (the self-test client is still cleaned up); the
    // first such failure is the command's error.
    let mut written = Ok(());
    let report = self_test
        .run(|hop| {
            if !args.json && written.is_ok() {
                written = hop_lines(hop);
            }
        })
        .await?;
    written?;
    let error = report.error().map(Error::from);
    if args.json {
        print_document(&document(&report, error.as_ref()))?;
    } else {
        line(&summary(&report))?;
    }
    match error {
        Some(error) => Err(error),
        None => Ok(()),
    }
}

fn line(text: &str) -> Result<(), Error> {
    print_text(&format!("{text}\n"))
}

/// `  ok   <hop>   <detail>   <ms>`, and under a failed hop what it expected, got, and the fix.
fn hop_lines(hop: &Hop) -> Result<(), Error> {
    let label = match hop.status {
        HopStatus::Ok => "ok",
        HopStatus::Fail => "FAIL",
        HopStatus::Skip => "skip",
    };
    let detail = if hop.status == HopStatus::Fail {
        ""
    } else {
        hop.detail.as_str()
    };
    let ms = hop
        .elapsed
        .map(|elapsed| format!("{:>5} ms", elapsed.as_millis()))
        .unwrap_or_default();
    line(format!("  {label:<4} {:<38} {detail:<32} {ms}", hop.name).trim_end())?;
    if let Some(failure) = &hop.failure {
        line(&format!("         expected: {}", failure.expected))?;
        line(&format!("         got:      {}", failure.got))?;
        line(&format!("         fix:      {}", failure.fix))?;
    }
    Ok(())
}

fn summary(report: &Report) -> String {
    let passed = report.passed();
    match report.failed() {
        None => format!("all {passed} hops passed in {}", seconds(report.elapsed)),
        Some(hop) => format!(
            "FAILED at \"{}\" after {} ({passed} of {} hops passed)",
            hop.name,
            seconds(report.elapsed),
            report.hops.len()
        ),
    }
}

/// The `--json` document.
fn document(report: &Report, error: Option<&Error>) -> Value {
    let hops: Vec<Value> = report
        .hops
        .iter()
        .map(|hop| {
            let mut doc = json!({
                "name": hop.name,
                "ok": hop.status == HopStatus::Ok,
                "status": match hop.status {
                    HopStatus::Ok => "ok",
                    HopStatus::Fail => "fail",
                    HopStatus::Skip => "skip",
                },
                "ms": hop.elapsed.map(millis),
                "detail": hop.detail,
            });
            if let Some(failure) = &hop.failure {
                doc["code"] = json!(failure.code);
                doc["expected"] = json!(failure.expected);
                doc["got"] = json!(failure.got);
                doc["fix"] = json!(failure.fix);
            }
            doc
        })
        .collect();
    let mut doc = json!({
        "ok": error.is_none(),
        "project": report.project,
        "ms": millis(report.elapsed),
        "hops": hops,
    });
    if let Some(error) = error {
        doc["error"] = error_json(error);
    }
    doc
}

fn millis(elapsed: Duration) -> u64 {
    u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX)
}

/// "0.21 s", or "1.4 s" from a second on.
fn seconds(elapsed: Duration) -> String {
    let secs = elapsed.as_secs_f64();
    if secs < 1.0 {
        format!("{secs:.2} s")
    } else {
        format!("{secs:.1} s")
    }
}
