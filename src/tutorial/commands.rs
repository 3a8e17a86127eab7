//! `mcp-fa tutorial [--step ID|N] [--reset] [--list] [--check]` as the command line runs it.
//!
//! It owns the choice between the interactive walkthrough, the listing and the headless checks,
//! and their output. It must not take the project's lock while the walkthrough runs: the user
//! runs `mcp-fa clients add` (which takes it) in another terminal meanwhile.

use std::io::Write;

use super::checks::{CheckContext, Checker, Mode, Outcome};
use super::error::TutorialError;
use super::progress::{ProgressFile, StepStatus};
use super::runner::{self, Walkthrough};
use super::steps;
use crate::cli::TutorialArgs;
use crate::state::{StateError, StateStore};

/// `mcp-fa tutorial`.
pub async fn tutorial_command(args: &TutorialArgs) -> Result<(), TutorialError> {
    let project = args.project.project.as_str();
    check_project_name(project)?;
    let store = StateStore::from_env()?;
    // A bad `--step` is refused before anything else happens, terminal or not.
    if let Some(wanted) = &args.step {
        steps::find(&steps::all()?, wanted)?;
    }
    let file = ProgressFile::new(&store, project);
    if args.reset {
        let had = file.remove()?;
        println!(
            "{}",
            if had {
                "Forgot the walkthrough's progress: it starts again at step 1."
            } else {
                "There was no saved progress to forget: the walkthrough starts at step 1."
            }
        );
    }
    if args.list {
        return list(&store, project);
    }
    if args.check {
        return check_all(&store, project, args.step.as_deref()).await;
    }
    if !runner::on_a_terminal() {
        if args.reset {
            return Ok(());
        }
        return Err(TutorialError::NotATerminal);
    }
    let mut walk = Walkthrough::new(project, &store, args.step.as_deref(), None, true)?;
    let ended = walk.run().await;
    if let Some(server) = walk.server.take() {
        server.shutdown().await?;
    }
    ended.map(|_| ())
}

/// Project names become file names: the same rule the state directory's lock applies.
fn check_project_name(project: &str) -> Result<(), TutorialError> {
    if crate::state::is_plain_project_name(project) {
        Ok(())
    } else {
        Err(StateError::InvalidProject(project.to_owned()).into())
    }
}

/// `--list`: every step with its state.
fn list(store: &StateStore, project: &str) -> Result<(), TutorialError> {
    let steps = steps::all()?;
    let progress = ProgressFile::new(store, project).load()?;
    let ids: Vec<&str> = steps.iter().map(|s| s.id.as_str()).collect();
    let current = (progress.current.is_some()
        || steps.iter().any(|s| progress.status(&s.id).is_none()))
    .then(|| progress.resume_index(&ids));
    let id_width = steps.iter().map(|s| s.id.len()).max().unwrap_or(0);
    let mut out = String::new();
    for (index, step) in steps.iter().enumerate() {
        let marker = if current == Some(index) { ">" } else { " " };
        let state = match progress.steps.get(&step.id) {
            Some(record) => format!(
                "{} {}",
                match record.status {
                    StepStatus::Passed => "passed ",
                    StepStatus::Skipped => "skipped",
                },
                utc(record.at)
            ),
            None if current == Some(index) => "current".to_owned(),
            None => "-".to_owned(),
        };
        let state = if current == Some(index) && progress.steps.contains_key(&step.id) {
            format!("{state} (current)")
        } else {
            state
        };
        out.push_str(&format!(
            "{marker} {:>2}  {:<id_width$}  {:<42} {state}\n",
            step.number, step.id, step.title
        ));
    }
    let flag = if project == crate::stack::DEFAULT_PROJECT {
        String::new()
    } else {
        format!(" --project {project}")
    };
    out.push_str(&format!(
        "`mcp-fa tutorial{flag}` continues at the marked step; `--step N` jumps, `--reset` \
         starts over.\n"
    ));
    print(&out)
}

/// `--check`: every step's check without a person, one line each, stopping at the first
/// failure with what it saw.
async fn check_all(
    store: &StateStore,
    project: &str,
    from: Option<&str>,
) -> Result<(), TutorialError> {
    let steps = steps::all()?;
    let start = match from {
        Some(wanted) => steps::find(&steps, wanted)?.number - 1,
        None => 0,
    };
    let ctx = CheckContext {
        project,
        store,
        mode: Mode::Headless,
        server: None,
        calls_since: 0,
    };
    let mut checker = Checker::new();
    let (mut ok, mut manual) = (0, 0);
    let mut failure = None;
    for step in &steps[start..] {
        let verdict = checker.run(&step.verify, &ctx).await;
        let word = match verdict.outcome {
            Outcome::Passed => {
                ok += 1;
                "ok"
            }
            Outcome::Manual => {
                manual += 1;
                "manual"
            }
            Outcome::Failed => "FAIL",
        };
        let mut text = format!(
            "{word:<6} {:>2} {}: {}\n",
            step.number, step.id, verdict.summary
        );
        if matches!(verdict.outcome, Outcome::Failed) {
            for detail in &verdict.details {
                text.push_str(&format!("         {detail}\n"));
            }
            failure = Some(TutorialError::CheckFailed {
                number: step.number,
                id: step.id.clone(),
                summary: verdict.summary.clone(),
            });
        }
        print(&text)?;
        if failure.is_some() {
            break;
        }
    }
    checker.finish(&ctx).await;
    if let Some(failure) = failure {
        return Err(failure);
    }
    print(&format!(
        "Every check ran: {ok} ok, {manual} that only a person can confirm (`mcp-fa tutorial` \
         walks through them).\n"
    ))
}

fn print(text: &str) -> Result<(), TutorialError> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(TutorialError::Terminal)
}

/// `YYYY-MM-DD HH:MM UTC` from Unix seconds (civil-from-days; no time zone database needed).
fn utc(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02} UTC",
        rem / 3600,
        (rem % 3600) / 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_dates_are_right() {
        assert_eq!(utc(0), "1970-01-01 00:00 UTC");
        assert_eq!(utc(951_827_696), "2000-02-29 12:34 UTC");
        assert_eq!(utc(1_795_000_000), "2026-11-18 11:06 UTC");
    }

    #[test]
    fn project_names_that_are_not_file_names_are_refused() {
        assert!(check_project_name("default").is_ok());
        let error = check_project_name("../x").expect_err("not a name");
        assert_eq!(error.code(), "INVALID_PROJECT");
    }
}
