//! `mcp-fa check` as a user runs it: the real binary against a stack `mcp-fa up` started from the
//! test images (the stand-in's, or real ones in real-image mode), with the MCP server detached in the background or not running at all (then
//! `check` serves the stack itself for the duration). It must pass hop by hop, clean up its
//! client (or keep it with `--keep-client` and reuse it next time), stop with a clear FAIL line,
//! skipped hops and a non-zero exit when the demo user cannot log in or a foreign server holds
//! the port, and never print a secret from the state file. Real Docker; without it these tests
//! print "skipping" and pass, except under `CI=true`.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::Command;

use crate::support;
use crate::support::docker::docker_available;
use crate::support::project::{Run, TestProject};
use serde_json::Value;

const ALL_HOPS: [&str; 9] = [
    "FusionAuth ready",
    "MCP server answers, challenge 401",
    "protected resource metadata",
    "self-test client",
    "demo user logged in (authorize+PKCE)",
    "MCP initialize + tools/list",
    "whoami",
    "get_name",
    "self-test client removed",
];

fn state(project: &TestProject) -> Value {
    serde_json::from_str(&std::fs::read_to_string(project.state_file()).expect("state file"))
        .expect("state JSON")
}

/// Every secret the state file holds: API key, database password, user passwords.
fn secrets(project: &TestProject) -> Vec<String> {
    let saved = state(project);
    let mut found = vec![
        saved["apiKey"].as_str().expect("API key").to_owned(),
        saved["databasePassword"]
            .as_str()
            .expect("database password")
            .to_owned(),
    ];
    if let Some(license) = saved["licenseId"].as_str() {
        found.push(license.to_owned());
    }
    for user in saved["users"].as_array().expect("users") {
        found.push(user["password"].as_str().expect("password").to_owned());
    }
    found
}

#[track_caller]
fn assert_no_secret(project: &TestProject, run: &Run) {
    for secret in secrets(project) {
        assert!(
            !run.stdout.contains(&secret) && !run.stderr.contains(&secret),
            "a secret from the state file was printed:\n{}\n{}",
            run.stdout,
            run.stderr
        );
    }
    // Access tokens are JWTs: base64url JSON headers start with "eyJ".
    assert!(
        !run.stdout.contains("eyJ") && !run.stderr.contains("eyJ"),
        "a token was printed:\n{}\n{}",
        run.stdout,
        run.stderr
    );
}

/// The line of `hop` in text output.
#[track_caller]
fn hop_line<'a>(run: &'a Run, hop: &str) -> &'a str {
    run.stdout
        .lines()
        .find(|line| line.get(7..).is_some_and(|rest| rest.starts_with(hop)))
        .unwrap_or_else(|| panic!("no line for hop {hop:?}:\n{}", run.stdout))
}

#[track_caller]
fn assert_hop(run: &Run, hop: &str, status: &str) {
    let line = hop_line(run, hop);
    assert!(
        line.trim_start().starts_with(status),
        "hop {hop:?} should be {status}: {line}\n{}",
        run.stdout
    );
}

/// The self-test client's names as `clients list` shows them.
fn listed_clients(project: &TestProject) -> Vec<String> {
    let list = project.run(&["clients", "list", "--output", "json"]);
    list.assert_ok();
    list.json()["clients"]
        .as_array()
        .expect("clients")
        .iter()
        .map(|c| c["name"].as_str().expect("name").to_owned())
        .collect()
}

/// Runs `mcp-fa down` when dropped, so a failed test leaves no detached server behind.
struct DownOnDrop<'a>(&'a TestProject);

impl Drop for DownOnDrop<'_> {
    fn drop(&mut self) {
        let _ = self.0.run(&["down"]);
    }
}

fn up(project: &TestProject, detach: bool) {
    up_with(project, detach, &[]);
}

fn up_with(project: &TestProject, detach: bool, extra: &[&str]) {
    let mut args = project.up_args(extra);
    if detach {
        args.retain(|arg| arg != "--no-server");
        args.push("--detach".into());
    }
    args.push("--no-tutorial".into());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = project.run(&args);
    run.assert_ok();
}

#[test]
fn check_passes_against_a_detached_server_and_keeps_or_removes_its_client() {
    if !docker_available() {
        return;
    }
    let project = TestProject::new("chk");
    up(&project, true);
    let _down = DownOnDrop(&project);

    let run = project.run(&["check"]);
    eprintln!("check took {:?}:\n{}", run.elapsed, run.stdout);
    run.assert_ok();
    assert!(
        run.stdout.starts_with(&format!(
            "mcp-fa check: the stack \"{}\" end to end",
            project.name
        )),
        "{}",
        run.stdout
    );
    for hop in ALL_HOPS {
        assert_hop(&run, hop, "ok");
    }
    assert!(
        run.stdout.contains("all 9 hops passed in"),
        "{}",
        run.stdout
    );
    let endpoint = format!("http://127.0.0.1:{}/mcp", project.mcp_port);
    let challenge = hop_line(&run, "MCP server answers, challenge 401");
    assert!(challenge.contains(&endpoint), "{challenge}");
    assert!(
        !challenge.contains("in-process"),
        "the detached server answered: {challenge}"
    );
    assert!(
        hop_line(&run, "protected resource metadata").contains(&format!(
            "issuer http://localhost:{}",
            project.fusionauth_port
        ))
    );
    assert!(hop_line(&run, "self-test client").contains("registered"));
    assert!(
        hop_line(&run, "demo user logged in (authorize+PKCE)").contains("scopes openid profile")
    );
    assert!(hop_line(&run, "MCP initialize + tools/list").contains("get_name, whoami"));
    assert!(
        hop_line(&run, "whoami")
            .contains(&format!("aud http://localhost:{}/mcp", project.mcp_port))
    );
    assert!(hop_line(&run, "get_name").contains("Hello, Test User!"));
    assert_no_secret(&project, &run);
    assert!(
        !listed_clients(&project).contains(&"mcp-fa-self-test".to_owned()),
        "the self-test client is gone afterwards"
    );

    // --keep-client leaves it registered, as JSON says hop by hop.
    let kept = project.run(&["check", "--keep-client", "--json"]);
    kept.assert_ok();
    let doc = kept.json();
    assert_eq!(doc["ok"], true, "{doc:#}");
    assert_eq!(doc["project"], project.name.as_str());
    let hops = doc["hops"].as_array().expect("hops");
    assert_eq!(hops.len(), 9, "{doc:#}");
    for hop in hops {
        assert_eq!(hop["ok"], true, "{hop}");
        assert!(hop["ms"].as_u64().is_some(), "{hop}");
        assert!(
            hop["name"].is_string() && hop["detail"].is_string(),
            "{hop}"
        );
    }
    assert_eq!(hops[8]["name"], "self-test client kept (--keep-client)");
    assert_eq!(hops[7]["detail"], "Hello, Test User!");
    assert_no_secret(&project, &kept);
    assert!(listed_clients(&project).contains(&"mcp-fa-self-test".to_owned()));
    // `check` itself never adds it to the state file's clients.
    let client_id = hops[8]["detail"]
        .as_str()
        .and_then(|d| d.strip_prefix("client id "))
        .expect("the kept client's id")
        .to_owned();

    // The next run reuses it, then removes it.
    let again = project.run(&["check"]);
    again.assert_ok();
    let reused = hop_line(&again, "self-test client");
    assert!(
        reused.contains(&format!("reused {}", &client_id[..8])),
        "{reused}"
    );
    assert_hop(&again, "self-test client removed", "ok");
    assert!(!listed_clients(&project).contains(&"mcp-fa-self-test".to_owned()));
}

#[test]
fn check_serves_the_stack_itself_and_fails_clearly_when_the_demo_user_cannot_log_in() {
    if !docker_available() {
        return;
    }
    let project = TestProject::new("chn");
    up(&project, false);
    let _down = DownOnDrop(&project);

    // Nothing listens on the MCP port: check starts the server in-process and says so.
    let run = project.run(&["check"]);
    eprintln!("check (no server) took {:?}:\n{}", run.elapsed, run.stdout);
    run.assert_ok();
    for hop in ALL_HOPS {
        assert_hop(&run, hop, "ok");
    }
    assert!(
        hop_line(&run, "MCP server answers, challenge 401").contains("started in-process"),
        "{}",
        run.stdout
    );
    assert!(
        TcpListener::bind(("127.0.0.1", project.mcp_port)).is_ok(),
        "the in-process server stopped with the check"
    );

    // The demo user's password in FusionAuth no longer matches the state file's (as after a
    // change in the admin UI): the login hop fails, the rest is skipped, the client removed.
    let path = project.state_file();
    let mut saved = state(&project);
    for user in saved["users"].as_array_mut().expect("users") {
        if user["role"] == "demo" {
            user["password"] = Value::String("changed-in-the-admin-ui-4711".into());
        }
    }
    std::fs::write(&path, serde_json::to_vec_pretty(&saved).expect("json")).expect("state");
    let failed = project.run(&["check"]);
    eprintln!("failing check:\n{}\n{}", failed.stdout, failed.stderr);
    assert_ne!(failed.code, 0);
    assert_hop(&failed, "demo user logged in (authorize+PKCE)", "FAIL");
    for hop in &ALL_HOPS[..4] {
        assert_hop(&failed, hop, "ok");
    }
    for hop in &ALL_HOPS[5..8] {
        assert_hop(&failed, hop, "skip");
    }
    assert_hop(&failed, "self-test client removed", "ok");
    assert!(
        failed.stdout.contains("Invalid login credentials")
            && failed.stdout.contains("expected:")
            && failed.stdout.contains("--show-secrets"),
        "says what came back and what to do:\n{}",
        failed.stdout
    );
    assert!(
        failed
            .stderr
            .contains("the self-test stopped at \"demo user logged in"),
        "{}",
        failed.stderr
    );
    assert!(!failed.stdout.contains("changed-in-the-admin-ui-4711"));
    assert_no_secret(&project, &failed);
    assert!(!listed_clients(&project).contains(&"mcp-fa-self-test".to_owned()));

    let json = project.run(&["check", "--json"]);
    assert_ne!(json.code, 0);
    let doc = json.json();
    assert_eq!(doc["ok"], false, "{doc:#}");
    assert_eq!(doc["error"]["code"], "CHECK_FAILED");
    let login = &doc["hops"][4];
    assert_eq!(login["status"], "fail", "{doc:#}");
    assert_eq!(login["code"], "LOGIN_REJECTED");
    assert!(
        login["fix"]
            .as_str()
            .is_some_and(|f| f.contains("--show-secrets"))
    );
    assert_eq!(doc["hops"][5]["status"], "skip");
    assert_eq!(doc["hops"][8]["status"], "ok");
    assert_no_secret(&project, &json);
}

#[test]
fn check_answers_the_consent_page_and_asks_for_the_custom_scope_on_a_licensed_stack() {
    if !docker_available() {
        return;
    }
    let Some(license) = support::docker::license_id(support::LICENSE_ID) else {
        return;
    };
    let project = TestProject::new("chl");
    up_with(&project, false, &["--license-id", &license]);
    let _down = DownOnDrop(&project);

    let run = project.run(&["check", "--keep-client"]);
    eprintln!("check (licensed) took {:?}:\n{}", run.elapsed, run.stdout);
    run.assert_ok();
    for hop in &ALL_HOPS[..8] {
        assert_hop(&run, hop, "ok");
    }
    let list = project.run(&["clients", "list", "--output", "json"]);
    list.assert_ok();
    let listed = list.json();
    let client = listed["clients"]
        .as_array()
        .expect("clients")
        .iter()
        .find(|c| c["name"] == "mcp-fa-self-test")
        .expect("kept with --keep-client");
    assert_eq!(client["thirdParty"], true, "{listed:#}");
    // The server asks for the custom get_name scope; the self-test client is ThirdParty, so
    // FusionAuth's consent page came and was answered.
    let login = hop_line(&run, "demo user logged in (authorize+PKCE)");
    assert!(login.contains("get_name"), "{login}");
    assert!(hop_line(&run, "get_name").contains("Hello, Test User!"));
    assert_no_secret(&project, &run);
    assert!(!run.stdout.contains(&license));
}

#[test]
fn check_names_a_foreign_server_on_the_mcp_port() {
    if !docker_available() {
        return;
    }
    let project = TestProject::new("chf");
    up(&project, false);
    let _down = DownOnDrop(&project);

    // Something that is not an MCP server protected by this stack answers on its port.
    let listener = TcpListener::bind(("127.0.0.1", project.mcp_port)).expect("bind the MCP port");
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut stream = stream;
            let mut buffer = [0u8; 4096];
            let _ = stream.read(&mut buffer);
            let _ = stream.write_all(
                b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}",
            );
        }
    });
    let run = project.run(&["check"]);
    eprintln!("{}\n{}", run.stdout, run.stderr);
    assert_ne!(run.code, 0);
    assert_hop(&run, "FusionAuth ready", "ok");
    assert_hop(&run, "MCP server answers, challenge 401", "FAIL");
    assert!(
        run.stdout.contains("is not protected"),
        "says the answer came without a token:\n{}",
        run.stdout
    );
    for hop in &ALL_HOPS[2..] {
        assert_hop(&run, hop, "skip");
    }
    assert_no_secret(&project, &run);
}

#[test]
fn check_without_a_stack_says_to_run_up() {
    let state_dir = tempfile::tempdir().expect("dir");
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_mcp-fa"))
            .args(args)
            .env("MCP_FA_STATE_DIR", state_dir.path())
            .env_remove("MCP_FA_PROJECT")
            .output()
            .expect("mcp-fa runs")
    };
    let out = run(&["check"]);
    assert_ne!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("`mcp-fa up`"), "{stderr}");

    let out = run(&["check", "--json", "--project", "work"]);
    assert_ne!(out.status.code(), Some(0));
    let doc: Value = serde_json::from_slice(&out.stdout).expect("one JSON document");
    assert_eq!(doc["ok"], false);
    assert_eq!(doc["error"]["code"], "NOT_RUNNING");
    assert!(
        doc["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("mcp-fa up --project work")),
        "{doc:#}"
    );
}
