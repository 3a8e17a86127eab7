//! The interactive walkthrough as a person meets it: `mcp-fa tutorial` (and `mcp-fa up`, which
//! hands over to it) run in a real pseudo-terminal against a stack `up` started, driven by typing
//! keys, while the test does in other "terminals" what each step asks: the curl-equivalent
//! requests, `mcp-fa clients add`, logging in through the hosted login form, calling the tools
//! with the token, `mcp-fa down`. It asserts what the person reads: step headers, ✓ and ✗ lines,
//! explanations and hints, the final summary, and that progress survives a restart.
//! Real Docker, the test images (stand-in or real); without Docker these tests print "skipping"
//! and pass, except under `CI=true`.

#![cfg(target_os = "linux")]

use std::time::Duration;

use serde_json::Value;

use crate::support::block;
use crate::support::browser::{Authorize, Pkce, login_and_exchange};
use crate::support::project::TestProject;
use crate::support::pty::{Terminal, user_env};
use crate::support::server::post_stateless;

/// A POST to `/mcp` as the 2026-07-28 protocol sends it: (status, WWW-Authenticate, body).
fn mcp_post(
    port: u16,
    token: Option<&str>,
    method: &str,
    tool: Option<&str>,
) -> (u16, String, String) {
    let url = format!("http://127.0.0.1:{port}/mcp");
    let answer = block(post_stateless(&url, token, method, tool));
    let body = match answer.body {
        Value::String(text) => text,
        json => json.to_string(),
    };
    (answer.status, answer.challenge.unwrap_or_default(), body)
}

fn get_json(url: &str) -> (u16, Value) {
    block(crate::support::server::get_json(url))
}

fn tutorial_in_pty(project: &TestProject) -> Terminal {
    Terminal::spawn(project.command(&["tutorial"], &[]))
}

#[test]
fn the_walkthrough_goes_from_step_one_to_the_end_against_the_stack() {
    let Some(mut project) = TestProject::with_docker("tutorial") else {
        return;
    };
    project.up(&[]).assert_ok();
    let home = tempfile::tempdir().expect("home");
    project.env.extend(user_env(home.path()));
    let port = project.mcp_port;
    let resource = format!("http://localhost:{port}/mcp");
    let fusionauth = format!("http://127.0.0.1:{}", project.fusionauth_port);

    let mut term = tutorial_in_pty(&project);

    let first = term.pass_step(1, "What you will build");
    assert!(
        first.contains(&resource),
        "step 1 names this project's MCP URL:\n{first}"
    );
    term.pass_step(2, "Prerequisites");
    term.pass_step(3, "FusionAuth is running");

    // Step 4: the unprotected server answers a call without any token, as its curl shows.
    let shown = term.expect(
        "Step 4/12 · The unprotected server",
        Duration::from_secs(30),
    );
    let shown = shown + &term.prompt();
    // Shown verbatim for this port: its continuation lines are never re-wrapped, so it pastes
    // into a shell as one command.
    assert!(
        shown.contains(&format!("curl -s -X POST {resource} \\\n")),
        "the command is shown for this port, lines kept as written:\n{shown}"
    );
    assert!(
        shown.contains("-H 'MCP-Protocol-Version: 2026-07-28' -H 'Mcp-Method: tools/call'"),
        "{shown}"
    );
    let (status, _, body) = mcp_post(port, None, "tools/call", Some("get_name"));
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("Hello"), "{body}");
    term.press_enter();
    let verdict = term.expect_verdict();
    assert!(verdict.contains('✓'), "{verdict}");

    // Step 5: protection switches on; the same kind of call is challenged.
    let shown = term.expect("Step 5/12 · Turn protection on", Duration::from_secs(30));
    let shown = shown + &term.prompt();
    assert!(shown.contains("Protection is ON"), "{}", term.transcript());
    let (status, challenge, _) = mcp_post(port, None, "tools/list", None);
    assert_eq!(status, 401);
    let metadata_url = format!("http://localhost:{port}/.well-known/oauth-protected-resource/mcp");
    assert!(challenge.contains(&metadata_url), "{challenge}");
    let (status, metadata) = get_json(&metadata_url.replace("localhost", "127.0.0.1"));
    assert_eq!(status, 200);
    assert_eq!(metadata["resource"], resource.as_str());
    let (status, discovery) = get_json(&format!("{fusionauth}/.well-known/openid-configuration"));
    assert_eq!(status, 200, "{discovery}");
    term.press_enter();
    let verdict = term.expect_verdict();
    assert!(verdict.contains('✓'), "{verdict}\n{}", term.transcript());

    // Step 6: checking before registering fails, explains, and shows the hint.
    term.expect(
        "Step 6/12 · Register your MCP client",
        Duration::from_secs(30),
    );
    term.prompt();
    term.press_enter();
    let verdict = term.expect_verdict();
    assert!(
        verdict.contains('✗'),
        "no client yet, so the check fails:\n{verdict}"
    );
    let explained = term.expect("[Enter] retry", Duration::from_secs(10));
    let (explanation, hint) = explained
        .split_once("Hint:")
        .unwrap_or_else(|| panic!("the hint follows the failure:\n{explained}"));
    assert!(
        format!("{verdict}{explanation}").contains("mcp-fa clients add"),
        "the failure itself says what to run:\n{explained}"
    );
    assert!(hint.contains("mcp-fa clients list"), "{hint}");
    term.expect("q] quit >", Duration::from_secs(5));
    let added = project.run(&[
        "clients",
        "add",
        "--kind",
        "cursor",
        "--write-config",
        "--json",
    ]);
    added.assert_ok();
    let added = added.json();
    let client_id = added["client"]["clientId"]
        .as_str()
        .unwrap_or_else(|| panic!("client id in {added:#}"))
        .to_owned();
    term.press_enter();
    let verdict = term.expect_verdict();
    assert!(verdict.contains('✓'), "{verdict}\n{}", term.transcript());

    // Step 7: `--write-config` merged the entry into Cursor's file in this home.
    assert!(home.path().join(".cursor/mcp.json").exists());
    term.pass_step(7, "Configure the client");

    // Step 8: log in as the client would, and call get_name with the token.
    term.expect(
        "Step 8/12 · Log in and call get_name",
        Duration::from_secs(30),
    );
    term.prompt();
    let demo = project.demo_user();
    let pkce = Pkce::new();
    let redirect_uri = "cursor://anysphere.cursor-mcp/oauth/callback";
    let (status, tokens) = block(login_and_exchange(
        &fusionauth,
        &Authorize {
            client_id: &client_id,
            redirect_uri,
            scope: "openid profile",
            state: "tutorial",
            challenge: Some(&pkce.challenge),
            resources: vec![resource.as_str()],
        },
        &pkce.verifier,
        demo["email"].as_str().expect("email"),
        demo["password"].as_str().expect("password"),
    ));
    assert_eq!(status, 200, "{tokens:#}");
    let token = tokens["access_token"]
        .as_str()
        .expect("access token")
        .to_owned();
    let (status, _, body) = mcp_post(port, Some(&token), "tools/call", Some("get_name"));
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("Hello, Test User!"), "{body}");
    term.press_enter();
    let verdict = term.expect_verdict();
    assert!(verdict.contains('✓'), "{verdict}\n{}", term.transcript());

    // Step 9: whoami with the same token.
    term.expect("Step 9/12 · Look inside the token", Duration::from_secs(30));
    term.prompt();
    let (status, _, body) = mcp_post(port, Some(&token), "tools/call", Some("whoami"));
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(&client_id), "{body}");
    term.press_enter();
    let verdict = term.expect_verdict();
    assert!(verdict.contains('✓'), "{verdict}\n{}", term.transcript());

    term.pass_step(10, "Step-up: a token without the tool's scope");
    term.pass_step(11, "Before production");

    // Step 12: the user takes the stack down in another terminal.
    term.expect("Step 12/12 · Clean up", Duration::from_secs(30));
    term.prompt();
    project.run(&["down"]).assert_ok();
    term.press_enter();
    let verdict = term.expect_verdict();
    assert!(verdict.contains('✓'), "{verdict}\n{}", term.transcript());

    let summary = term.expect("What next:", Duration::from_secs(10));
    assert!(
        summary.contains("Walkthrough finished: 12 passed, 0 skipped."),
        "{summary}"
    );
    term.assert_exits_cleanly(Duration::from_secs(20));
    assert!(
        !term
            .transcript()
            .contains(demo["password"].as_str().expect("password")),
        "the demo password is never shown"
    );
    assert!(
        !term.transcript().contains(&token),
        "the token is never shown"
    );
}

#[test]
fn up_hands_over_and_progress_survives_a_quit_and_a_restart() {
    let Some(mut project) = TestProject::with_docker("tutorial-up") else {
        return;
    };
    let home = tempfile::tempdir().expect("home");
    project.env.extend(user_env(home.path()));
    let mut term = up_in_pty(&project);

    // `up` first: real FusionAuth (real-image mode) takes minutes where the stand-in takes seconds.
    let up_takes = Duration::from_secs(crate::support::docker::startup_timeout_secs() + 60);
    let report = term.expect("Step 1/12 · What you will build", up_takes);
    assert!(report.contains("FusionAuth is up."), "{report}");
    assert!(report.contains("the walkthrough starts below"), "{report}");
    term.prompt();
    // The early steps run with protection off.
    let (status, _, body) = mcp_post(project.mcp_port, None, "tools/call", Some("get_name"));
    assert_eq!(status, 200, "{body}");
    term.press_enter();
    assert!(term.expect_verdict().contains('✓'));
    term.pass_step(2, "Prerequisites");
    term.expect("Step 3/12 · FusionAuth is running", Duration::from_secs(30));
    term.prompt();
    term.press('h');
    let hint = term.expect("q] quit >", Duration::from_secs(5));
    assert!(
        hint.contains("Hint:") && hint.contains("mcp-fa logs fusionauth"),
        "{hint}"
    );
    term.press('q');
    let saved = term.expect("picks up from there.", Duration::from_secs(10));
    assert!(saved.contains("Progress saved at step 3"), "{saved}");
    // The walkthrough is over; `up` switches protection on and keeps serving.
    term.expect("Protection is on.", Duration::from_secs(10));
    term.expect("until Ctrl-C", Duration::from_secs(10));
    let (status, challenge, _) = mcp_post(project.mcp_port, None, "tools/list", None);
    assert_eq!(status, 401, "protected after the walkthrough: {challenge}");
    term.ctrl_c();
    term.expect("The MCP server stopped.", Duration::from_secs(20));
    term.assert_exits_cleanly(Duration::from_secs(20));

    // The stack's background server holds the port until the walkthrough takes it over.
    project.up_serving(&["--detach"]).assert_ok();

    // A new `mcp-fa tutorial` resumes at step 3, serving the port itself.
    let mut again = tutorial_in_pty(&project);
    let resumed = again.expect("q] quit >", Duration::from_secs(60));
    assert!(
        resumed.contains("Stopped this project's background MCP server (pid")
            && resumed.contains("starts the background one again when it ends"),
        "says it stopped the background server and that it comes back:\n{resumed}"
    );
    // Meanwhile the walkthrough is the project's server, as `status` tells.
    let status = project.run(&["status", "-o", "json"]).json();
    assert_eq!(status["mcpServer"]["mode"], "walkthrough", "{status:#}");
    assert_eq!(status["mcpServer"]["protected"], false, "{status:#}");
    assert!(
        resumed.contains("Step 3/12 · FusionAuth is running"),
        "resumed at the saved step:\n{resumed}"
    );
    assert!(!resumed.contains("Step 1/12"), "{resumed}");
    // Step 3 runs unprotected: the walkthrough's own server answers without a token.
    let (status, _, body) = mcp_post(project.mcp_port, None, "tools/call", Some("get_name"));
    assert_eq!(status, 200, "{body}");
    // ^C while it waits: saved, clean exit, the port released.
    again.ctrl_c();
    let saved = again.expect("picks up from there.", Duration::from_secs(10));
    assert!(saved.contains("Progress saved at step 3"), "{saved}");
    // The background server it stopped is back when it ends.
    let back = again.expect("background MCP server again (pid", Duration::from_secs(40));
    assert!(back.contains("Started"), "{back}");
    again.assert_exits_cleanly(Duration::from_secs(20));
    let record = project
        .server_record()
        .expect("the background server's record");
    assert_eq!(record["owner"], "detached", "{record:#}");
    let (status, _, _) = mcp_post(project.mcp_port, None, "tools/list", None);
    assert_eq!(
        status, 401,
        "the background server answers again, protected"
    );

    let listed = project.run(&["tutorial", "--list"]);
    listed.assert_ok();
    let marked: Vec<&str> = listed
        .stdout
        .lines()
        .filter(|l| l.starts_with('>'))
        .collect();
    assert_eq!(marked.len(), 1, "{}", listed.stdout);
    assert!(
        marked[0].contains("fusionauth-running"),
        "{}",
        listed.stdout
    );
    assert!(
        listed
            .stdout
            .lines()
            .any(|l| l.contains("prerequisites") && l.contains("passed")),
        "{}",
        listed.stdout
    );

    // `--step` jumps; a bad value lists the valid ones.
    let bad = project.run(&["tutorial", "--step", "99"]);
    assert_eq!(bad.code, 2, "a usage error");
    assert!(bad.stderr.contains("12 clean-up"), "{}", bad.stderr);

    project.run(&["down"]).assert_ok();
}

/// `up` as a person types it, in a terminal: no --json, no --no-server, no --no-tutorial.
fn up_in_pty(project: &TestProject) -> Terminal {
    let mut args = project.serving_up_args(&[]);
    args.retain(|arg| arg != "--json");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    Terminal::spawn(project.command(&args, &[]))
}

#[test]
fn after_down_volumes_the_walkthrough_starts_again_at_step_1() {
    let Some(mut project) = TestProject::with_docker("tutreset") else {
        return;
    };
    let home = tempfile::tempdir().expect("home");
    project.env.extend(user_env(home.path()));

    // Two steps done, quit at step 3.
    let mut term = up_in_pty(&project);
    term.expect("Step 1/12 · What you will build", Duration::from_secs(120));
    term.prompt();
    term.press_enter();
    assert!(term.expect_verdict().contains('✓'));
    term.pass_step(2, "Prerequisites");
    term.expect("Step 3/12 · FusionAuth is running", Duration::from_secs(30));
    term.prompt();
    term.press('q');
    term.expect("Progress saved at step 3", Duration::from_secs(10));
    term.expect("until Ctrl-C", Duration::from_secs(10));
    term.ctrl_c();
    term.assert_exits_cleanly(Duration::from_secs(20));

    // The data goes, and the progress with it: a new stack starts the story over.
    project.run(&["down", "--volumes", "--json"]).assert_ok();
    let mut again = up_in_pty(&project);
    let first = again.expect("q] quit >", Duration::from_secs(120));
    assert!(
        first.contains("Step 1/12 · What you will build") && !first.contains("Step 3/12"),
        "a fresh stack resumes at step 1:\n{first}"
    );
    again.press('q');
    again.expect("until Ctrl-C", Duration::from_secs(10));
    again.ctrl_c();
    again.assert_exits_cleanly(Duration::from_secs(20));
    project.run(&["down", "--volumes", "--json"]).assert_ok();
}
