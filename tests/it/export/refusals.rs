//! `mcp-fa export` refusing what it cannot do, clearly and before writing anything: a format it
//! does not know, a folder that already holds files (without `--force`), `--public` where it
//! means nothing. No Docker needed: each refusal comes before the image.

use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn export(dir: &std::path::Path, args: &[&str]) -> Output {
    let state = tempfile::tempdir().expect("state dir");
    Command::new(env!("CARGO_BIN_EXE_mcp-fa"))
        .arg("export")
        .args(args)
        .current_dir(dir)
        .env("MCP_FA_STATE_DIR", state.path())
        .env_remove("MCP_FA_PROJECT")
        .stdin(Stdio::null())
        .output()
        .expect("run mcp-fa")
}

#[test]
fn an_unknown_format_is_a_usage_error_naming_the_formats() {
    let work = tempfile::tempdir().expect("dir");
    let out = export(work.path(), &["helm", "-o", "out"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("'helm'"), "{stderr}");
    assert!(
        stderr.contains("compose") && stderr.contains("kubernetes"),
        "{stderr}"
    );
    assert!(!work.path().join("out").exists(), "nothing written");
}

#[test]
fn a_folder_with_files_is_refused_and_left_as_it_was_unless_forced() {
    let work = tempfile::tempdir().expect("dir");
    let dir = work.path().join("out");
    std::fs::create_dir(&dir).expect("dir");
    std::fs::write(dir.join("compose.yaml"), "# mine\n").expect("write");
    std::fs::write(dir.join("secrets.env"), "MINE=1\n").expect("write");
    for format in ["compose", "kubernetes"] {
        let out = export(work.path(), &[format, "--json", "-o", "out"]);
        assert_eq!(out.status.code(), Some(2), "{format}");
        let doc: Value = serde_json::from_slice(&out.stdout).expect("JSON");
        assert_eq!(doc["error"]["code"], "EXPORT_DIR_NOT_EMPTY", "{doc:#}");
        let message = doc["error"]["message"].as_str().expect("message");
        assert!(
            message.contains("--force") && message.contains("compose.yaml"),
            "{message}"
        );
        assert_eq!(
            std::fs::read_to_string(dir.join("compose.yaml")).expect("read"),
            "# mine\n"
        );
        assert_eq!(
            std::fs::read_dir(&dir).expect("list").count(),
            2,
            "nothing added"
        );
    }
    // Forced, the export's files are replaced, but a secrets file is kept: its values may
    // already be in a cluster's Secret.
    let out = export(
        work.path(),
        &["kubernetes", "--json", "--force", "-o", "out"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert!(
        doc["kept"][0]
            .as_str()
            .expect("kept")
            .ends_with("secrets.env"),
        "{doc:#}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("secrets.env")).expect("read"),
        "MINE=1\n"
    );
    assert!(dir.join("mcp-server.yaml").is_file());
}

#[test]
fn public_ports_are_for_compose_only() {
    let work = tempfile::tempdir().expect("dir");
    let out = export(
        work.path(),
        &["kubernetes", "--public", "--json", "-o", "out"],
    );
    assert_eq!(out.status.code(), Some(2));
    let doc: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(doc["error"]["code"], "INVALID_INPUT");
    assert!(!work.path().join("out").exists());
}
