//! `mcp-fa serve` as a user runs it: against the stand-in, answering with the challenge, logging
//! each request, and stopping cleanly on SIGTERM.

use std::process::{Command, Stdio};
use std::time::Duration;

use crate::support::project::free_port;
use crate::support::server::{PUBLIC_URL, initialize, post};
use crate::support::{Options, stack, stderr_of, stop};

#[cfg(unix)]
#[tokio::test]
async fn serve_answers_with_the_challenge_and_stops_cleanly_on_sigterm() {
    let stack = stack(Options::default()).await;
    let port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_mcp-fa"))
        .args([
            "serve",
            "--issuer",
            &stack.sim.url(),
            "--bind",
            &format!("127.0.0.1:{port}"),
            "--public-url",
            PUBLIC_URL,
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("mcp-fa starts");

    let endpoint = format!("http://127.0.0.1:{port}/mcp");
    let prm = format!("http://127.0.0.1:{port}/.well-known/oauth-protected-resource");
    let mut ready = false;
    for _ in 0..100 {
        if reqwest::get(&prm).await.is_ok_and(|r| r.status() == 200) {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(ready, "serve never answered on {prm}");
    post(&endpoint, None, &initialize(), &[])
        .await
        .assert_no_token("openid profile");

    let status = stop(&mut child, "TERM");
    assert!(status.success(), "{status}");
    let stderr = stderr_of(&mut child);
    assert!(
        stderr.contains("MCP server ready at http://localhost:8000/mcp"),
        "{stderr}"
    );
    assert!(stderr.contains("`profile` guards get_name"), "{stderr}");
    assert!(stderr.contains("outcome=\"no token\""), "{stderr}");
    assert!(stderr.contains("stopping"), "{stderr}");
}

/// `mcp-fa serve ARGS` with no issuer in its environment and `state_dir` as the state
/// directory: it must fail with exit code 1; what it said on stderr.
fn serve_refused(args: &[&str], state_dir: &std::path::Path) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_mcp-fa"))
        .arg("serve")
        .args(args)
        .env("MCP_FA_STATE_DIR", state_dir)
        .env_remove("MCP_FA_ISSUER")
        .env_remove("MCP_FA_FUSIONAUTH_URL")
        .output()
        .expect("mcp-fa runs");
    assert_eq!(output.status.code(), Some(1));
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn serve_without_an_issuer_says_which_flag_is_missing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let stderr = serve_refused(&[], dir.path());
    assert!(stderr.contains("--issuer"), "{stderr}");
}

#[test]
fn serve_without_a_stack_or_issuer_says_how_to_get_one() {
    let dir = tempfile::tempdir().expect("temp dir");
    let stderr = serve_refused(&["--project", "nothing-here"], dir.path());
    assert!(
        stderr.contains("start one with `mcp-fa up --project nothing-here` or pass --issuer"),
        "{stderr}"
    );
}
