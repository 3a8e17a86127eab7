//! `mcp-fa check`: the headless end-to-end self-test of a running stack (see
//! [`crate::check::SelfTest`]); prints each hop as it ends (text) or one document at the end
//! (`--json`, which carries the failure too), and fails when a hop did. The report holds no
//! secret, so nothing printed here can.

use std::time::Duration;

use serde_json::{Value, json};

use super::output::{error_json, print_document, print_text};
use super::settings::project_name;
use crate::check::{Hop, HopStatus, Report, SelfTest, SelfTestError};
use crate::cli::CheckArgs;
use crate::error::Error;
use crate::project::ProjectName;
use crate::state::StateStore;

pub async fn run(args: &CheckArgs) -> Result<(), Error> {
    let project = project_name(args.project.project.as_ref())?;
    let result = check(&project, args).await;
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

async fn check(project: &ProjectName, args: &CheckArgs) -> Result<(), Error> {
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
