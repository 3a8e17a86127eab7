//! `mcp-fa tutorial [--step ID|N] [--reset] [--list] [--check]`: the interactive walkthrough
//! ([`crate::tutorial::Walkthrough`]), the listing of the steps, or every check without
//! questions.
//!
//! A remote project (an existing FusionAuth: `--fusionauth-url`, or the project file's) walks
//! the remote track, with no stack and no server of the walkthrough's own.
//!
//! It must not take the project's lock while the walkthrough runs: the user runs `mcp-fa
//! clients add` (which takes it) in another terminal meanwhile.

use super::output::print_text;
use super::settings::ProjectContext;
use crate::cli::TutorialArgs;
use crate::error::Error;
use crate::project::ProjectName;
use crate::site::{RemoteSettings, Site};
use crate::state::StateStore;
use crate::tutorial::steps::Step;
use crate::tutorial::{
    CheckContext, Checker, Ended, Mode, Outcome, ProgressFile, StepStatus, TutorialError,
    Walkthrough, remote_steps, steps,
};

pub async fn run(args: &TutorialArgs) -> Result<(), Error> {
    let ctx = ProjectContext::load(args.project.project.as_ref())?;
    let project = &ctx.name;
    let remote = ctx.remote(&args.remote)?;
    let track = track(remote.as_ref())?;
    let store = StateStore::from_env()?;
    // A bad `--step` is refused before anything else happens, terminal or not.
    if let Some(wanted) = &args.step {
        steps::find(&track, wanted)?;
    }
    let file = ProgressFile::new(&store, project);
    if args.reset {
        let had = file.remove()?;
        print_text(if had {
            "Forgot the walkthrough's progress: it starts again at step 1.\n"
        } else {
            "There was no saved progress to forget: the walkthrough starts at step 1.\n"
        })?;
    }
    if args.list {
        return list(&store, project, &track);
    }
    // The remote track's checks talk to FusionAuth with the project's API key.
    let site = remote.as_ref().map(Site::remote).transpose()?;
    if args.check {
        return check_all(&store, project, &track, site, args.step.as_deref()).await;
    }
    if !super::terminal::interactive() {
        if args.reset {
            return Ok(());
        }
        return Err(TutorialError::NotATerminal.into());
    }
    let mut walk = match site {
        Some(site) => Walkthrough::remote(site, &store, args.step.as_deref())?,
        None => Walkthrough::new(project, &store, args.step.as_deref(), None, true)?,
    };
    let ended = walk.run().await;
    if let Some(server) = walk.server.take() {
        server.handle.shutdown().await?;
        drop(server.claim);
    }
    // The background server the walkthrough stopped to serve the port itself comes back, unless
    // the walkthrough took the stack down.
    let stack_removed = matches!(
        ended,
        Ok(Ended::Finished {
            stack_removed: true
        })
    );
    if walk.stopped_detached
        && !stack_removed
        && let Some(state) = store.load(project)?
    {
        let flag = project.flag();
        print_text(
            &match crate::stack::mcp_server::spawn_detached(&store, &state).await {
                Ok(record) => format!(
                    "Started this project's background MCP server again (pid {}).\n",
                    record.pid
                ),
                Err(error) => format!(
                    "The background MCP server the walkthrough stopped could not start again \
                     ({error}); `mcp-fa up --detach{flag}` starts it.\n"
                ),
            },
        )?;
    }
    ended?;
    Ok(())
}

/// The steps of the project's track: the remote one for a remote project.
fn track(remote: Option<&RemoteSettings>) -> Result<Vec<Step>, Error> {
    Ok(match remote {
        Some(_) => remote_steps::all()?,
        None => steps::all()?,
    })
}

/// `--list`: every step with its state.
fn list(store: &StateStore, project: &ProjectName, steps: &[Step]) -> Result<(), Error> {
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
    let flag = project.flag();
    out.push_str(&format!(
        "`mcp-fa tutorial{flag}` continues at the marked step; `--step N` jumps, `--reset` \
         starts over.\n"
    ));
    print_text(&out)
}

/// `--check`: every step's check without a person, one line each, stopping at the first
/// failure with what it saw.
async fn check_all(
    store: &StateStore,
    project: &ProjectName,
    steps: &[Step],
    site: Option<Site>,
    from: Option<&str>,
) -> Result<(), Error> {
    let start = match from {
        Some(wanted) => steps::find(steps, wanted)?.number - 1,
        None => 0,
    };
    let ctx = CheckContext {
        project,
        store,
        mode: Mode::Headless,
        server: None,
        calls_since: 0,
    };
    let mut checker = Checker::for_site(site);
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
        print_text(&text)?;
        if failure.is_some() {
            break;
        }
    }
    checker.finish(&ctx).await;
    if let Some(failure) = failure {
        return Err(failure.into());
    }
    print_text(&format!(
        "Every check ran: {ok} ok, {manual} that only a person can confirm (`mcp-fa tutorial{}` \
         walks through them).\n",
        project.flag()
    ))
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
}
