//! What belonged to a project's data goes with it: `down --volumes` forgets the walkthrough's
//! progress, the MCP server's log and record and the lock file, and a fresh kickstart always
//! starts the walkthrough at step 1.

use crate::support::docker::docker_output;
use crate::support::project::TestProject;

/// Writes walkthrough progress that stands at step 8 (as if steps 1-7 had passed).
fn progress_at_step_8(project: &TestProject) {
    let steps = [
        "what-you-will-build",
        "prerequisites",
        "fusionauth-running",
        "unprotected-server",
        "turn-protection-on",
        "register-your-client",
        "configure-the-client",
    ];
    let done: serde_json::Map<String, serde_json::Value> = steps
        .iter()
        .map(|id| {
            (
                (*id).to_owned(),
                serde_json::json!({"status": "passed", "at": 1}),
            )
        })
        .collect();
    let progress = serde_json::json!({
        "formatVersion": 1,
        "current": "log-in-and-call",
        "steps": done,
    });
    std::fs::write(progress_file(project), progress.to_string()).expect("write progress");
}

fn progress_file(project: &TestProject) -> std::path::PathBuf {
    project
        .state_dir
        .path()
        .join(format!("{}.tutorial.json", project.name))
}

/// The step `tutorial --list` marks as the one to continue at.
fn current_step(project: &TestProject) -> String {
    let listed = project.run(&["tutorial", "--list"]);
    listed
        .assert_ok()
        .stdout
        .lines()
        .find(|line| line.starts_with('>'))
        .unwrap_or_else(|| panic!("a current step:\n{}", listed.stdout))
        .to_owned()
}

#[test]
fn down_volumes_forgets_progress_log_record_and_lock() {
    let Some(project) = TestProject::with_docker("forget") else {
        return;
    };
    project.up_serving(&["--detach"]).assert_ok();
    progress_at_step_8(&project);
    assert!(current_step(&project).contains("log-in-and-call"));
    let dir = project.state_dir.path();
    let files = |suffix: &str| dir.join(format!("{}{suffix}", project.name));
    for kept in [".json", ".mcp.log", ".server.json", ".tutorial.json"] {
        assert!(files(kept).exists(), "{kept} before down");
    }

    project.run(&["down", "--volumes", "--json"]).assert_ok();
    let left: Vec<String> = std::fs::read_dir(dir)
        .expect("state dir")
        .flatten()
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with(&project.name))
        .collect();
    assert_eq!(left, Vec::<String>::new(), "nothing of the project is left");
    assert!(
        current_step(&project).contains("what-you-will-build"),
        "the walkthrough starts over"
    );
}

#[test]
fn a_fresh_kickstart_starts_the_walkthrough_at_step_1() {
    let Some(project) = TestProject::with_docker("freshks") else {
        return;
    };
    project.up(&[]).assert_ok();
    progress_at_step_8(&project);
    // The data goes behind mcp-fa's back: containers down, then the volume removed by hand.
    project.run(&["down", "--json"]).assert_ok();
    let volume = format!("mcp-fa-{}-db", project.name);
    assert!(docker_output(&["volume", "rm", &volume]).status.success());

    let up = project.up(&[]);
    let report = up.assert_ok().json();
    assert_eq!(report["kickstart"], "ran", "a new database: {report:#}");
    assert!(
        current_step(&project).contains("what-you-will-build"),
        "a new stack starts the walkthrough at step 1"
    );
    project.run(&["down", "--volumes", "--json"]).assert_ok();
}
