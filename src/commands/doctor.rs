//! `mcp-fa doctor`: every fact `up` depends on, one line each with a verdict (see
//! [`crate::stack::doctor`]); fails when any line says FAIL.

use super::output::{print_report, print_text};
use super::settings::project_name;
use crate::cli::DoctorArgs;
use crate::error::Error;
use crate::stack::{DoctorReport, StackError, Verdict};

pub async fn run(args: &DoctorArgs) -> Result<(), Error> {
    let report = crate::stack::doctor(&project_name(args.project.project.as_ref())?).await?;
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
        .map(|check| {
            let verdict = match check.verdict {
                Verdict::Ok => "ok  ",
                Verdict::Info => "info",
                Verdict::Warn => "WARN",
                Verdict::Fail => "FAIL",
            };
            format!("[{verdict}] {}: {}\n", check.name, check.detail)
        })
        .collect()
}
