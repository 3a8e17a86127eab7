//! Two mcp-fa commands never change one project at once: the second waits briefly, then says
//! which process holds the project.

use std::process::Command;
use std::time::{Duration, Instant};

use mcp_fa::project::ProjectName;
use mcp_fa::state::StateStore;

fn mcp_fa(state_dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_mcp-fa"))
        .args(args)
        .env("MCP_FA_STATE_DIR", state_dir)
        .env_remove("MCP_FA_PROJECT")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("mcp-fa runs")
}

#[test]
fn a_second_command_waits_then_names_the_holder_and_goes_ahead_once_released() {
    let dir = tempfile::tempdir().expect("dir");
    let store = StateStore::at(dir.path());
    let busy = ProjectName::parse("busy").expect("valid");
    let held = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("runtime")
        .block_on(store.lock(&busy, Duration::ZERO))
        .expect("the first lock");

    let started = Instant::now();
    let out = mcp_fa(dir.path(), &["down", "--project", "busy", "--json"]);
    let waited = started.elapsed();
    assert!(!out.status.success());
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON document");
    assert_eq!(doc["error"]["code"], "PROJECT_LOCKED");
    let message = doc["error"]["message"].as_str().expect("message");
    assert!(
        message.contains(&format!("pid {}", std::process::id())),
        "names the holder: {message}"
    );
    assert!(
        waited >= Duration::from_secs(4),
        "it waited before giving up: {waited:?}"
    );

    // Another project is not blocked.
    let other = mcp_fa(dir.path(), &["clients", "list", "--project", "other"]);
    assert!(!String::from_utf8_lossy(&other.stderr).contains("another mcp-fa command"));

    drop(held);
    let after = mcp_fa(dir.path(), &["clients", "list", "--project", "busy"]);
    let text = String::from_utf8_lossy(&after.stderr);
    assert!(!text.contains("another mcp-fa command"), "{text}");
    assert!(text.contains("no stack named 'busy'"), "{text}");
}

#[test]
fn a_project_name_cannot_reach_outside_the_state_directory() {
    let parent = tempfile::tempdir().expect("dir");
    let dir = parent.path().join("state");
    let out = mcp_fa(&dir, &["clients", "--project", "../escape", "list"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a project name"));
    assert!(!parent.path().join("escape.lock").exists());
}
