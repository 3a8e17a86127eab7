//! `mcp-fa token inspect` as a user runs it: the real binary, a stack's state file pointing at the
//! FusionAuth stand-in, and tokens from the real login flow. The verdict is the stack's server's
//! own, the exit status follows it, and the token never shows up in what is printed.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use crate::support::server::login;
use crate::support::state::StateFixture;
use crate::support::{Options, RESOURCE, stack};
use serde_json::{Value, json};

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", self.stdout, self.stderr))
    }

    fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }

    /// The text output says each of `parts` (all of it shown when one is missing).
    #[track_caller]
    fn assert_says(&self, parts: &[&str]) {
        for part in parts {
            assert!(
                self.stdout.contains(part),
                "no `{part}` in:\n{}",
                self.stdout
            );
        }
    }

    /// Neither the token nor its signature appears anywhere in what was printed.
    fn assert_token_absent(&self, token: &str) {
        let signature = token.rsplit('.').next().expect("a signature");
        let all = self.all();
        assert!(!all.contains(token), "the token was printed:\n{all}");
        assert!(
            !all.contains(signature),
            "the signature was printed:\n{all}"
        );
    }
}

/// Runs `mcp-fa <args>` with `stdin` piped in, off the runtime (the stand-in runs on it).
async fn mcp_fa(state_dir: &Path, args: &[&str], stdin: &str) -> Run {
    let state_dir: PathBuf = state_dir.to_path_buf();
    let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    let stdin = stdin.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut child = Command::new(env!("CARGO_BIN_EXE_mcp-fa"))
            .args(&args)
            .env("MCP_FA_STATE_DIR", &state_dir)
            .env_remove("MCP_FA_PROJECT")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("mcp-fa runs");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(stdin.as_bytes())
            .expect("write stdin");
        let output: Output = child.wait_with_output().expect("mcp-fa ends");
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    })
    .await
    .expect("joined")
}

#[tokio::test]
async fn a_token_from_the_login_flow_is_accepted_with_its_audience_and_scopes() {
    let stack = stack(Options::default()).await;
    let state = tempfile::tempdir().expect("dir");
    StateFixture::new("default", &stack).write(state.path());
    let token = login(&stack, "openid profile", Some(RESOURCE)).await;

    // From stdin, with the whitespace a copy and paste brings along.
    let run = mcp_fa(
        state.path(),
        &["token", "inspect", "--json"],
        &format!("  {token}\n\n"),
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.all());
    run.assert_token_absent(&token);
    let report = run.json();
    assert_eq!(report["verdict"]["status"], "accepted", "{report}");
    assert_eq!(report["verdict"]["resource"], RESOURCE);
    assert_eq!(report["header"]["alg"], "RS256");
    // FusionAuth's `kid` is the key's own short id, not the key's UUID.
    assert!(
        report["header"]["kid"]
            .as_str()
            .is_some_and(|kid| !kid.is_empty()),
        "{report}"
    );
    assert_eq!(report["claims"]["issuer"], stack.sim.url());
    assert_eq!(report["claims"]["subject"], stack.user_id.as_str());
    assert_eq!(report["claims"]["client_id"], stack.client_id.as_str());
    let audience = report["claims"]["audience"].as_array().expect("audience");
    assert!(audience.contains(&json!(RESOURCE)), "{report}");
    let scopes = report["claims"]["scopes"].as_array().expect("scopes");
    assert!(scopes.contains(&json!("openid")), "{report}");
    assert!(scopes.contains(&json!("profile")), "{report}");
    assert!(report["claims"]["expires_in_secs"].as_i64().expect("exp") > 0);
    assert!(
        report["tools"]
            .as_array()
            .expect("tools")
            .iter()
            .all(|tool| tool["sufficient"] == true),
        "{report}"
    );
    assert_eq!(report["audience_note"], Value::Null);

    // As text, with the token as the argument.
    let run = mcp_fa(state.path(), &["token", "inspect", &token], "").await;
    assert_eq!(run.code, 0, "{}", run.all());
    run.assert_token_absent(&token);
    run.assert_says(&[
        &format!("accepted by {RESOURCE}"),
        "expires in",
        " UTC",
        &format!("client id   {}", stack.client_id),
        "scopes suffice",
    ]);
}

#[tokio::test]
async fn a_token_for_another_resource_is_refused_naming_its_audience() {
    let stack = stack(Options::default()).await;
    let state = tempfile::tempdir().expect("dir");
    StateFixture::new("default", &stack).write(state.path());
    // No RFC 8707 resource: the token is for the client application only.
    let token = login(&stack, "openid profile", None).await;

    let run = mcp_fa(state.path(), &["token", "inspect"], &token).await;
    assert_eq!(run.code, 1, "{}", run.all());
    run.assert_token_absent(&token);
    run.assert_says(&[
        &format!("refused by {RESOURCE}"),
        "audience",
        &stack.client_id,
        "token passthrough",
    ]);
    assert!(
        run.stderr.contains("would be refused"),
        "the exit status is explained: {}",
        run.stderr
    );

    let run = mcp_fa(state.path(), &["token", "inspect", "--json"], &token).await;
    assert_eq!(run.code, 1);
    let report = run.json();
    assert_eq!(report["verdict"]["status"], "refused");
    let reason = report["verdict"]["reason"].as_str().expect("a reason");
    assert!(reason.contains("audience"), "{reason}");
    assert!(reason.contains(&stack.client_id), "{reason}");
}

#[tokio::test]
async fn a_token_without_the_tool_scope_is_accepted_but_cannot_call_get_name() {
    let stack = stack(Options::default()).await;
    let state = tempfile::tempdir().expect("dir");
    StateFixture::new("default", &stack).write(state.path());
    let token = login(&stack, "openid", Some(RESOURCE)).await;
    let run = mcp_fa(state.path(), &["token", "inspect"], &token).await;
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(
        run.stdout
            .contains("get_name  needs openid profile: missing profile"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("whoami    needs a valid token: scopes suffice"),
        "{}",
        run.stdout
    );
}

#[tokio::test]
async fn without_a_stack_the_token_is_decoded_and_said_to_be_unverified() {
    let stack = stack(Options::default()).await;
    let empty = tempfile::tempdir().expect("dir");
    let token = login(&stack, "openid profile", Some(RESOURCE)).await;
    let run = mcp_fa(empty.path(), &["token", "inspect"], &token).await;
    assert_eq!(run.code, 1, "{}", run.all());
    run.assert_token_absent(&token);
    run.assert_says(&[&stack.user_id, "could not verify", "mcp-fa up"]);
}

#[tokio::test]
async fn garbage_and_empty_input_get_a_clear_error() {
    let state = tempfile::tempdir().expect("dir");
    let garbage = "this-is-not-a-token";
    let run = mcp_fa(state.path(), &["token", "inspect"], garbage).await;
    assert_eq!(run.code, 1);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    assert!(
        run.stderr.contains("not a JWT access token"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("three parts"), "{}", run.stderr);
    assert!(
        run.stderr.contains("eyJ"),
        "says what to pass: {}",
        run.stderr
    );
    assert!(!run.all().contains(garbage), "{}", run.all());

    let run = mcp_fa(state.path(), &["token", "inspect"], "  \n").await;
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("no token to inspect"), "{}", run.stderr);
    assert!(
        run.stderr.contains("| mcp-fa token inspect"),
        "says how to pass one: {}",
        run.stderr
    );
}

#[tokio::test]
async fn a_terminal_without_a_token_is_told_how_to_pass_one() {
    // `script` gives the command a terminal as standard input, as an interactive shell would.
    let has_script = Command::new("script")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_script {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "`script` (util-linux) is needed for this test under CI"
        );
        println!("skipped: `script` (util-linux) is not installed, so no terminal to test with");
        return;
    }
    let state = tempfile::tempdir().expect("dir");
    let command = format!("{} token inspect", env!("CARGO_BIN_EXE_mcp-fa"));
    let state_dir = state.path().to_path_buf();
    let output = tokio::task::spawn_blocking(move || {
        Command::new("script")
            .args(["-qec", &command, "/dev/null"])
            .env("MCP_FA_STATE_DIR", &state_dir)
            .stdin(Stdio::null())
            .output()
            .expect("script runs")
    })
    .await
    .expect("joined");
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(text.contains("standard input is a terminal"), "{text}");
    assert!(text.contains("| mcp-fa token inspect"), "{text}");
}
