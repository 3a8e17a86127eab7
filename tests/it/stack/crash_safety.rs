//! `up` killed at any moment: with SIGKILL nothing can clean up, so what matters is that the
//! state file is never half-written and the next `up` finishes the job with the same API key;
//! with SIGTERM (or Ctrl-C) `up` removes what it created and leaves no labelled object behind.

use std::process::Stdio;
use std::time::Duration;

use crate::support::docker::docker_available;
use crate::support::project::TestProject;
use serde_json::Value;

fn state(project: &TestProject) -> Option<Value> {
    let text = std::fs::read_to_string(project.state_file()).ok()?;
    Some(
        serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("the state file must never be half-written ({e}):\n{text}")),
    )
}

/// Starts `up` (FusionAuth only) and signals it after `delay`; returns its exit code, if it had
/// not finished by then.
fn interrupt_up(project: &TestProject, delay: Duration, signal: &str) -> Option<i32> {
    let args = project.up_args(&[]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut child = project
        .command(&args, &[])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("up starts");
    std::thread::sleep(delay);
    if child.try_wait().expect("wait").is_some() {
        return None;
    }
    let status = std::process::Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    Some(child.wait().expect("wait").code().unwrap_or(-1))
}

#[test]
fn up_killed_at_any_moment_is_finished_by_the_next_up() {
    if !docker_available() {
        return;
    }
    for delay in [100, 400, 800, 1200, 1700, 2300] {
        let project = TestProject::new("sigkill");
        let killed = interrupt_up(&project, Duration::from_millis(delay), "-KILL");
        let before = state(&project);
        let volume_kept = !project.labelled("volume").is_empty();
        let run = project.up(&[]);
        run.assert_ok();
        let after = state(&project).expect("a state file after up");
        // Once the database volume exists, FusionAuth may have run the kickstart: the key
        // saved before that must be the one the next up uses.
        if killed.is_some()
            && volume_kept
            && let Some(before) = before
        {
            assert_eq!(
                before["apiKey"], after["apiKey"],
                "killed after {delay} ms: the next up keeps the key the first one saved"
            );
        }
        assert!(after.get("pendingKickstart").is_none(), "{after:#}");
        // The demo user exists and the saved key reads it: the kickstart ran exactly once.
        let (key, demo) = project.key_and_demo_user();
        let status = project.fusionauth_get(&key, &demo);
        assert_eq!(status, Some(200), "killed after {delay} ms");
        project.run(&["down", "--volumes", "--json"]).assert_ok();
        assert!(project.all_labelled().is_empty());
    }
}

#[test]
fn sigterm_during_up_leaves_nothing_behind() {
    if !docker_available() {
        return;
    }
    for delay in [300, 900, 1500] {
        let project = TestProject::new("sigterm");
        match interrupt_up(&project, Duration::from_millis(delay), "-TERM") {
            None => {} // up was faster than the signal: nothing to check at this delay
            Some(code) => {
                assert_eq!(code, 130, "interrupted after {delay} ms");
                assert_eq!(
                    project.all_labelled(),
                    Vec::<String>::new(),
                    "interrupted after {delay} ms: everything this run created is gone"
                );
                assert!(
                    state(&project).is_none(),
                    "no state for a stack that does not exist"
                );
            }
        }
        project.run(&["down", "--volumes", "--json"]).assert_ok();
    }
}
