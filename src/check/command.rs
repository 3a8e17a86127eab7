//! `mcp-fa check` on the command line: reads [`CheckArgs`], runs the self-test engine, prints
//! each hop as it ends (text) or one document at the end (`--json`), and fails when a hop did.
//!
//! All of the command's printing is here, and nothing else of the engine knows about the
//! command line. It must not print a secret: the engine's report holds none.

use std::io::Write;
use std::time::Duration;

use serde_json::{Value, json};

use super::error::SelfTestError;
use super::hops::SelfTest;
use super::report::{Hop, HopStatus, Report};
use crate::cli::CheckArgs;
use crate::state::StateStore;

/// `mcp-fa check`.
pub async fn check_command(args: &CheckArgs) -> Result<(), SelfTestError> {
    let project = args.project.project.as_str();
    let result = check(project, args).await;
    if args.json
        && let Err(error) = &result
        && !matches!(error, SelfTestError::HopFailed { .. })
    {
        // Failures before the first hop still answer with one document.
        let doc = json!({
            "ok": false,
            "project": project,
            "hops": [],
            "error": {"code": error.code(), "message": error.to_string()},
        });
        println!("{doc:#}");
    }
    result
}

async fn check(project: &str, args: &CheckArgs) -> Result<(), SelfTestError> {
    let store = StateStore::from_env()?;
    let self_test = SelfTest::prepare(&store, project, args.keep_client)?;
    if !args.json {
        line(&format!("mcp-fa check: the stack \"{project}\" end to end"))?;
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
    let error = report.error();
    if args.json {
        line(&format!("{:#}", document(&report, error.as_ref())))?;
    } else {
        line(&summary(&report))?;
    }
    match error {
        Some(error) => Err(error),
        None => Ok(()),
    }
}

fn line(text: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{text}")?;
    out.flush()
}

/// `  ok   <hop>   <detail>   <ms>`, and under a failed hop what it expected, got, and the fix.
fn hop_lines(hop: &Hop) -> std::io::Result<()> {
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
fn document(report: &Report, error: Option<&SelfTestError>) -> Value {
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
        doc["error"] = json!({"code": error.code(), "message": error.to_string()});
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
