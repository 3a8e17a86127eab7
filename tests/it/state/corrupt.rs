//! A damaged state file is reported with the way out, never a panic, and never overwritten:
//! it may hold the only copy of the API key for a database volume that still exists.

use crate::support::project::TestProject;

#[test]
fn garbage_or_truncated_state_gives_a_clear_error_and_is_left_as_it_was() {
    let Some(project) = TestProject::with_docker("corrupt") else {
        return;
    };
    project.up(&[]).assert_ok();
    let good = std::fs::read_to_string(project.state_file()).expect("state");
    let truncated = &good[..good.len() / 2];
    for damaged in [truncated, "not json at all", ""] {
        std::fs::write(project.state_file(), damaged).expect("damage the state file");
        for args in [vec!["status", "-o", "json"], vec!["clients", "list"]] {
            let run = project.run(&args);
            assert_ne!(run.code, 0, "{args:?} must fail on a damaged state file");
            let text = format!("{}{}", run.stdout, run.stderr);
            assert!(!text.contains("panicked"), "{text}");
            assert!(text.contains("unreadable"), "{args:?}: {text}");
            assert!(
                text.contains("down --volumes"),
                "says how to recover: {text}"
            );
        }
        let message = project.up(&[]).assert_error("STATE_CORRUPT");
        assert!(
            message.contains(&project.state_file().display().to_string()),
            "{message}"
        );
        assert_eq!(
            std::fs::read_to_string(project.state_file()).expect("state"),
            damaged,
            "the damaged file is kept for the user to inspect or repair"
        );
    }
    std::fs::write(project.state_file(), &good).expect("restore");
    project.run(&["down", "--volumes", "--json"]).assert_ok();
}
