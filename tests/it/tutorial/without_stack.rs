//! The walkthrough before `mcp-fa up`, and its saved progress: the first steps run without a
//! stack, the step that needs one says `mcp-fa up`, and a damaged progress file is named with
//! the way out. No Docker needed.

#![cfg(target_os = "linux")]

use std::process::Command;
use std::time::Duration;

use serde_json::Value;

use crate::support::pty::{Terminal, user_env};

/// `mcp-fa ARGS` with its own state directory and home, without a stack (no Docker needed).
fn bare_command(state_dir: &std::path::Path, home: &std::path::Path, args: &[&str]) -> Command {
    let mut command = crate::support::mcp_fa(state_dir, args);
    for (key, value) in user_env(home) {
        command.env(key, value);
    }
    command
}

#[test]
fn without_a_stack_the_first_steps_run_and_the_stack_step_says_mcp_fa_up() {
    let state_dir = tempfile::tempdir().expect("state dir");
    let home = tempfile::tempdir().expect("home");
    let mut term = Terminal::spawn(bare_command(
        state_dir.path(),
        home.path(),
        &["tutorial", "--project", "nostack"],
    ));
    let first = term.expect("Step 1/12 · What you will build", Duration::from_secs(30));
    assert!(
        !first.contains("MCP server answers at"),
        "no server without a stack:\n{first}"
    );
    let first = term.prompt();
    // Before `up`, the text shows the ports `up` would use, and this project's flag.
    assert!(first.contains("http://localhost:8000/mcp"), "{first}");
    assert!(
        first.contains("mcp-fa tutorial --project nostack"),
        "{first}"
    );
    term.press_enter();
    assert!(term.expect_verdict().contains('✓'));
    // Step 2 checks Docker, which this test does not need: skip it, as a user may.
    term.expect("Step 2/12 · Prerequisites", Duration::from_secs(10));
    term.prompt();
    term.press('s');
    let step3 = term.expect("Step 3/12 · FusionAuth is running", Duration::from_secs(10));
    assert!(step3.contains("Skipped step 2."), "{step3}");
    let step3 = term.prompt();
    assert!(
        step3.contains("This step needs the stack, which is not up.")
            && step3.contains("mcp-fa up --project nostack"),
        "the step that needs the stack says how to get it:\n{step3}"
    );
    // An answer it does not know is explained, and the question asked again.
    term.press('w');
    let again = term.prompt();
    assert!(again.contains("`w` is not an answer here"), "{again}");
    term.press_enter();
    let verdict = term.expect_verdict();
    assert!(
        verdict.contains('✗'),
        "no stack, so the check fails:\n{verdict}"
    );
    let explained = term.prompt();
    let (explanation, hint) = explained
        .split_once("Hint:")
        .unwrap_or_else(|| panic!("the hint follows a failure:\n{explained}"));
    assert!(
        format!("{verdict}{explanation}").contains("mcp-fa up"),
        "the failure itself says to bring the stack up:\n{explained}"
    );
    assert!(
        hint.contains("mcp-fa logs fusionauth --project nostack"),
        "{hint}"
    );
    // Back to step 2, then quit: saved there.
    term.press('b');
    term.expect("Step 2/12 · Prerequisites", Duration::from_secs(10));
    term.prompt();
    term.press('q');
    let saved = term.expect("picks up from there.", Duration::from_secs(10));
    assert!(
        saved.contains("Progress saved at step 2 (Prerequisites)"),
        "{saved}"
    );
    term.assert_exits_cleanly(Duration::from_secs(10));

    let progress_file = state_dir.path().join("nostack.tutorial.json");
    let progress: Value =
        serde_json::from_str(&std::fs::read_to_string(&progress_file).expect("saved"))
            .expect("JSON");
    assert_eq!(progress["current"], "prerequisites");
    assert_eq!(progress["steps"]["what-you-will-build"]["status"], "passed");
    assert_eq!(progress["steps"]["prerequisites"]["status"], "skipped");
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&progress_file)
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(
            mode & 0o777,
            0o600,
            "only its owner reads the progress file"
        );
    }
}

#[test]
fn a_corrupt_progress_file_is_named_with_the_way_out_and_reset_clears_it() {
    let state_dir = tempfile::tempdir().expect("state dir");
    let home = tempfile::tempdir().expect("home");
    let progress_file = state_dir.path().join("broken.tutorial.json");
    std::fs::write(&progress_file, "{\"current\": \"prereq").expect("write");
    let run = |args: &[&str]| {
        let mut full = vec!["tutorial", "--project", "broken"];
        full.extend_from_slice(args);
        bare_command(state_dir.path(), home.path(), &full)
            .output()
            .expect("run mcp-fa")
    };

    let listed = run(&["--list"]);
    assert_eq!(listed.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&listed.stderr);
    assert!(
        stderr.contains(&progress_file.display().to_string()),
        "{stderr}"
    );
    assert!(
        stderr.contains("mcp-fa tutorial --reset --project broken"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(progress_file.exists(), "never silently discarded");

    // Without a terminal the walkthrough says what to use instead of waiting for input.
    let no_terminal = run(&[]);
    assert_eq!(no_terminal.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&no_terminal.stderr);
    assert!(
        stderr.contains("needs a terminal") && stderr.contains("--check"),
        "{stderr}"
    );

    let reset = run(&["--reset"]);
    assert_eq!(
        reset.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&reset.stderr)
    );
    assert!(!progress_file.exists());
    let listed = run(&["--list"]);
    assert_eq!(listed.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&listed.stdout);
    assert_eq!(
        stdout.lines().count(),
        13,
        "twelve steps and a line of help:\n{stdout}"
    );
    assert!(
        stdout
            .lines()
            .next()
            .is_some_and(|l| l.starts_with('>') && l.contains("what-you-will-build")),
        "after a reset the first step is current:\n{stdout}"
    );

    // A step that does not exist is a usage error: exit 2, as the README says.
    let bad_step = run(&["--step", "nope"]);
    assert_eq!(bad_step.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&bad_step.stderr);
    assert!(
        stderr.contains("there is no step `nope`") && stderr.contains("5 turn-protection-on"),
        "{stderr}"
    );
}
