//! `mcp-fa tutorial --check`: the walkthrough's checks without a terminal, as a script or CI runs
//! them, stopping at the first failure. Real Docker, the test images (stand-in or real); without
//! Docker this test prints "skipping" and passes, except under `CI=true`.

#![cfg(target_os = "linux")]

use crate::support::project::TestProject;
use crate::support::pty::user_env;

#[test]
fn tutorial_check_runs_without_a_terminal_and_stops_at_the_first_failure() {
    let Some(mut project) = TestProject::with_docker("tutorial-check") else {
        return;
    };
    let home = tempfile::tempdir().expect("home");
    project.env.extend(user_env(home.path()));

    // No stack yet: the first steps pass, the one needing FusionAuth fails and says `mcp-fa up`.
    let run = project.run(&["tutorial", "--check"]);
    assert_ne!(run.code, 0, "{}", run.stdout);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(
        lines[0].starts_with("ok") && lines[0].contains("what-you-will-build"),
        "{}",
        run.stdout
    );
    assert!(
        lines[1].starts_with("ok") && lines[1].contains("prerequisites"),
        "{}",
        run.stdout
    );
    assert!(
        lines[2].starts_with("FAIL") && lines[2].contains("fusionauth-running"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("mcp-fa up"), "{}", run.stdout);
    assert!(
        !run.stdout.contains("unprotected-server"),
        "stops at the first failure"
    );
    assert!(
        run.stderr.contains("step 3 (fusionauth-running) failed"),
        "{}",
        run.stderr
    );

    // With the stack up, every automatable step passes.
    project.up(&[]).assert_ok();
    let run = project.run(&["tutorial", "--check"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let steps: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.starts_with("ok") || l.starts_with("manual") || l.starts_with("FAIL"))
        .collect();
    assert_eq!(steps.len(), 12, "{}", run.stdout);
    assert!(!run.stdout.contains("FAIL"), "{}", run.stdout);
    // The self-test client the checks registered is gone again.
    let state = std::fs::read_to_string(project.state_file()).expect("state");
    assert!(!state.contains("mcp-fa-self-test"), "{state}");
}
