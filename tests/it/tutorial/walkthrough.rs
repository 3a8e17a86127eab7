//! The interactive walkthrough as a person meets it: `mcp-fa tutorial` (and `mcp-fa up`, which
//! hands over to it) run in a real pseudo-terminal against the stand-in stack, driven by typing
//! lines, while the test does in other "terminals" what each step asks: the curl-equivalent
//! requests, `mcp-fa clients add`, logging in through the hosted login form, calling the tools
//! with the token, `mcp-fa down`. It asserts what the person reads: step headers, ✓ and ✗ lines,
//! explanations and hints, the final summary, and that progress survives a restart.
//! Real Docker, stand-in images; without Docker these tests print "skipping" and pass, except
//! under `CI=true`.

#![cfg(target_os = "linux")]

mod stack_support;
mod support;

use std::io::{Read, Write};
use std::os::fd::FromRawFd;
use std::os::unix::fs::OpenOptionsExt;
use std::process::{Child, Command};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use stack_support::TestProject;
use support::browser::{Authorize, Pkce, login_and_exchange};
use support::docker::docker_available;

/// A program running on the slave side of a pseudo-terminal, as its controlling terminal; the
/// test reads what it prints from the master side and types into it.
struct Terminal {
    master: std::fs::File,
    output: Arc<Mutex<Vec<u8>>>,
    /// How far `expect` has consumed the transcript.
    seen: usize,
    child: Child,
}

impl Terminal {
    fn spawn(mut command: Command) -> Terminal {
        // posix_openpt/grantpt/unlockpt/ptsname_r: the pty calls in libc itself (no libutil).
        let master_fd = unsafe { libc::posix_openpt(libc::O_RDWR | libc::O_NOCTTY) };
        assert!(
            master_fd >= 0,
            "posix_openpt: {}",
            std::io::Error::last_os_error()
        );
        let master = unsafe { std::fs::File::from_raw_fd(master_fd) };
        let mut name = [0 as libc::c_char; 128];
        unsafe {
            assert_eq!(libc::grantpt(master_fd), 0, "grantpt");
            assert_eq!(libc::unlockpt(master_fd), 0, "unlockpt");
            assert_eq!(
                libc::ptsname_r(master_fd, name.as_mut_ptr(), name.len()),
                0,
                "ptsname_r"
            );
        }
        let size = libc::winsize {
            ws_row: 50,
            ws_col: 100,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        unsafe { libc::ioctl(master_fd, libc::TIOCSWINSZ, &size) };
        let slave_path = unsafe { std::ffi::CStr::from_ptr(name.as_ptr()) }
            .to_string_lossy()
            .into_owned();
        let slave = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(libc::O_NOCTTY)
            .open(&slave_path)
            .expect("open the pty's slave side");
        command
            .stdin(slave.try_clone().expect("dup"))
            .stdout(slave.try_clone().expect("dup"))
            .stderr(slave);
        unsafe {
            use std::os::unix::process::CommandExt;
            // A session of its own with the pty as controlling terminal, so ^C typed into it is
            // a SIGINT for the program, as in a real terminal.
            command.pre_exec(|| {
                if libc::setsid() < 0 || libc::ioctl(0, libc::TIOCSCTTY, 0) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = command.spawn().expect("start mcp-fa in the pty");
        drop(command);
        let output = Arc::new(Mutex::new(Vec::new()));
        let mut reader = master.try_clone().expect("dup master");
        let sink = output.clone();
        std::thread::spawn(move || {
            let mut buffer = [0u8; 4096];
            // EIO once the program and its children have closed the terminal.
            while let Ok(n) = reader.read(&mut buffer) {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .expect("transcript")
                    .extend_from_slice(&buffer[..n]);
            }
        });
        Terminal {
            master,
            output,
            seen: 0,
            child,
        }
    }

    fn transcript(&self) -> String {
        String::from_utf8_lossy(&self.output.lock().expect("transcript")).replace('\r', "")
    }

    /// Waits until `needle` appears after what was already consumed; returns the text up to and
    /// including it, and consumes it.
    #[track_caller]
    fn expect(&mut self, needle: &str, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let text = self.transcript();
            let rest = &text[self.seen.min(text.len())..];
            if let Some(at) = rest.find(needle) {
                let found = rest[..at + needle.len()].to_owned();
                self.seen += at + needle.len();
                return found;
            }
            if Instant::now() >= deadline {
                panic!(
                    "the terminal never showed {needle:?} within {timeout:?}; it shows:\n{}",
                    &text[self.seen.min(text.len())..]
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits for the prompt (the step's text and what came with it before).
    #[track_caller]
    fn prompt(&mut self) -> String {
        self.expect("q] quit >", Duration::from_secs(60))
    }

    /// Types a line and presses Enter.
    fn type_line(&mut self, line: &str) {
        self.master
            .write_all(format!("{line}\r").as_bytes())
            .expect("type into the terminal");
    }

    fn ctrl_c(&mut self) {
        self.master.write_all(&[0x03]).expect("type ^C");
    }

    /// Waits for the program to exit; its exit code.
    #[track_caller]
    fn wait(&mut self, timeout: Duration) -> i32 {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status.code().unwrap_or(-1);
            }
            if Instant::now() >= deadline {
                let _ = self.child.kill();
                panic!("still running after {timeout:?}:\n{}", self.transcript());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// One step: wait for its header and prompt, press Enter, expect a ✓. Returns what the step
    /// showed.
    #[track_caller]
    fn pass_step(&mut self, number: usize, title: &str) -> String {
        let header = format!("Step {number}/12 · {title}");
        let shown = self.expect(&header, Duration::from_secs(60));
        let shown = shown + &self.prompt();
        self.type_line("");
        let verdict = self.expect("\n", Duration::from_secs(5));
        let verdict = verdict + &self.expect_verdict();
        assert!(
            verdict.contains('✓'),
            "step {number} did not pass:\n{verdict}\n--- transcript ---\n{}",
            self.transcript()
        );
        shown
    }

    /// Everything up to the end of the next verdict line (✓, ✗ or ?).
    #[track_caller]
    fn expect_verdict(&mut self) -> String {
        let deadline = Instant::now() + Duration::from_secs(90);
        loop {
            let text = self.transcript();
            let rest = &text[self.seen.min(text.len())..];
            let found = rest.lines().position(|line| {
                let line = line.trim_start();
                line.starts_with('✓') || line.starts_with('✗') || line.starts_with("? ")
            });
            if let Some(index) = found {
                // Up to the end of that line, details are read by the next expect.
                let upto: usize = rest.lines().take(index + 1).map(|l| l.len() + 1).sum();
                let upto = upto.min(rest.len());
                let found = rest[..upto].to_owned();
                self.seen += upto;
                return found;
            }
            if Instant::now() >= deadline {
                panic!("no verdict; the terminal shows:\n{rest}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn block<T>(future: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(future)
}

/// A POST to `/mcp` as the 2026-07-28 protocol sends it: (status, WWW-Authenticate, body).
fn mcp_post(
    port: u16,
    token: Option<&str>,
    method: &str,
    tool: Option<&str>,
) -> (u16, String, String) {
    let mut params = json!({"_meta": {
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
    }});
    if let Some(tool) = tool {
        params["name"] = json!(tool);
        params["arguments"] = json!({});
    }
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
    let url = format!("http://127.0.0.1:{port}/mcp");
    let token = token.map(str::to_owned);
    let method = method.to_owned();
    let tool = tool.map(str::to_owned);
    block(async move {
        let mut request = reqwest::Client::new()
            .post(url)
            .header("accept", "application/json, text/event-stream")
            .header("mcp-protocol-version", "2026-07-28")
            .header("mcp-method", method)
            .json(&body);
        if let Some(tool) = tool {
            request = request.header("mcp-name", tool);
        }
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("the MCP server answers");
        let status = response.status().as_u16();
        let challenge = response
            .headers()
            .get("www-authenticate")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        (status, challenge, response.text().await.unwrap_or_default())
    })
}

fn get_json(url: &str) -> (u16, Value) {
    let url = url.to_owned();
    block(async move {
        let response = reqwest::get(url).await.expect("answers");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    })
}

/// The environment every `mcp-fa` of a test shares: no colours (plain assertions), and a home
/// of its own, where `clients add --write-config` writes Cursor's configuration.
fn user_env(home: &std::path::Path) -> Vec<(String, String)> {
    vec![
        ("NO_COLOR".into(), "1".into()),
        ("HOME".into(), home.display().to_string()),
        ("TERM".into(), "xterm".into()),
    ]
}

fn tutorial_in_pty(project: &TestProject, home: &std::path::Path, extra: &[&str]) -> Terminal {
    let env = user_env(home);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let mut args = vec!["tutorial"];
    args.extend_from_slice(extra);
    Terminal::spawn(project.command(&args, &env))
}

#[test]
fn the_walkthrough_goes_from_step_one_to_the_end_against_the_stack() {
    if !docker_available() {
        return;
    }
    let project = TestProject::new("tutorial");
    project.up(&[]).assert_ok();
    let home = tempfile::tempdir().expect("home");
    let env = user_env(home.path());
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let state: Value =
        serde_json::from_str(&std::fs::read_to_string(project.state_file()).expect("state file"))
            .expect("state JSON");
    let port = project.mcp_port;
    let resource = format!("http://localhost:{port}/mcp");
    let fusionauth = format!("http://127.0.0.1:{}", project.fusionauth_port);

    let mut term = tutorial_in_pty(&project, home.path(), &[]);

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
    term.type_line("");
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
    term.type_line("");
    let verdict = term.expect_verdict();
    assert!(verdict.contains('✓'), "{verdict}\n{}", term.transcript());

    // Step 6: checking before registering fails, explains, and shows the hint.
    term.expect(
        "Step 6/12 · Register your MCP client",
        Duration::from_secs(30),
    );
    term.prompt();
    term.type_line("");
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
    let added = project.run_with(
        &[
            "clients",
            "add",
            "--kind",
            "cursor",
            "--write-config",
            "--json",
        ],
        &env,
    );
    added.assert_ok();
    let added = added.json();
    let client_id = added["client"]["clientId"]
        .as_str()
        .unwrap_or_else(|| panic!("client id in {added:#}"))
        .to_owned();
    term.type_line("");
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
    let demo = state["users"]
        .as_array()
        .expect("users")
        .iter()
        .find(|u| u["role"] == "demo")
        .expect("demo user")
        .clone();
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
    term.type_line("");
    let verdict = term.expect_verdict();
    assert!(verdict.contains('✓'), "{verdict}\n{}", term.transcript());

    // Step 9: whoami with the same token.
    term.expect("Step 9/12 · Look inside the token", Duration::from_secs(30));
    term.prompt();
    let (status, _, body) = mcp_post(port, Some(&token), "tools/call", Some("whoami"));
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(&client_id), "{body}");
    term.type_line("");
    let verdict = term.expect_verdict();
    assert!(verdict.contains('✓'), "{verdict}\n{}", term.transcript());

    term.pass_step(10, "Step-up: a token without the tool's scope");
    term.pass_step(11, "Before production");

    // Step 12: the user takes the stack down in another terminal.
    term.expect("Step 12/12 · Clean up", Duration::from_secs(30));
    term.prompt();
    project.run_with(&["down"], &env).assert_ok();
    term.type_line("");
    let verdict = term.expect_verdict();
    assert!(verdict.contains('✓'), "{verdict}\n{}", term.transcript());

    let summary = term.expect("What next:", Duration::from_secs(10));
    assert!(
        summary.contains("Walkthrough finished: 12 passed, 0 skipped."),
        "{summary}"
    );
    assert_eq!(
        term.wait(Duration::from_secs(20)),
        0,
        "{}",
        term.transcript()
    );
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
    if !docker_available() {
        return;
    }
    let project = TestProject::new("tutorial-up");
    let home = tempfile::tempdir().expect("home");
    let env = user_env(home.path());
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    // `up` as a person types it: no --json, no --no-server, no --no-tutorial.
    let args: Vec<String> = project
        .up_args(&[])
        .into_iter()
        .filter(|arg| arg != "--json" && arg != "--no-server")
        .collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut term = Terminal::spawn(project.command(&args, &env));

    let report = term.expect("Step 1/12 · What you will build", Duration::from_secs(120));
    assert!(report.contains("FusionAuth is up."), "{report}");
    assert!(report.contains("the walkthrough starts below"), "{report}");
    term.prompt();
    // The early steps run with protection off.
    let (status, _, body) = mcp_post(project.mcp_port, None, "tools/call", Some("get_name"));
    assert_eq!(status, 200, "{body}");
    term.type_line("");
    assert!(term.expect_verdict().contains('✓'));
    term.pass_step(2, "Prerequisites");
    term.expect("Step 3/12 · FusionAuth is running", Duration::from_secs(30));
    term.prompt();
    term.type_line("h");
    let hint = term.expect("q] quit >", Duration::from_secs(5));
    assert!(
        hint.contains("Hint:") && hint.contains("mcp-fa logs fusionauth"),
        "{hint}"
    );
    term.type_line("q");
    let saved = term.expect("picks up from there.", Duration::from_secs(10));
    assert!(saved.contains("Progress saved at step 3"), "{saved}");
    // The walkthrough is over; `up` switches protection on and keeps serving.
    term.expect("Protection is on.", Duration::from_secs(10));
    term.expect("until Ctrl-C", Duration::from_secs(10));
    let (status, challenge, _) = mcp_post(project.mcp_port, None, "tools/list", None);
    assert_eq!(status, 401, "protected after the walkthrough: {challenge}");
    term.ctrl_c();
    term.expect("The MCP server stopped.", Duration::from_secs(20));
    assert_eq!(
        term.wait(Duration::from_secs(20)),
        0,
        "{}",
        term.transcript()
    );

    // The stack's background server holds the port until the walkthrough takes it over.
    let detach: Vec<String> = project
        .up_args(&["--detach"])
        .into_iter()
        .filter(|arg| arg != "--no-server")
        .collect();
    let detach: Vec<&str> = detach.iter().map(String::as_str).collect();
    project.run_with(&detach, &env).assert_ok();

    // A new `mcp-fa tutorial` resumes at step 3, serving the port itself.
    let mut again = tutorial_in_pty(&project, home.path(), &[]);
    let resumed = again.expect("q] quit >", Duration::from_secs(60));
    assert!(
        resumed.contains("Stopped this project's background MCP server (pid")
            && resumed.contains("mcp-fa up --detach"),
        "says it stopped the background server and how to get it back:\n{resumed}"
    );
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
    assert_eq!(
        again.wait(Duration::from_secs(20)),
        0,
        "{}",
        again.transcript()
    );

    let listed = project.run_with(&["tutorial", "--list"], &env);
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
    let bad = project.run_with(&["tutorial", "--step", "99"], &env);
    assert_ne!(bad.code, 0);
    assert!(bad.stderr.contains("12 clean-up"), "{}", bad.stderr);

    project.run_with(&["down"], &env).assert_ok();
}

#[test]
fn tutorial_check_runs_without_a_terminal_and_stops_at_the_first_failure() {
    if !docker_available() {
        return;
    }
    let project = TestProject::new("tutorial-check");
    let home = tempfile::tempdir().expect("home");
    let env = user_env(home.path());
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();

    // No stack yet: the first steps pass, the one needing FusionAuth fails and says `mcp-fa up`.
    let run = project.run_with(&["tutorial", "--check"], &env);
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
    let run = project.run_with(&["tutorial", "--check"], &env);
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

/// `mcp-fa ARGS` with its own state directory and home, without a stack (no Docker needed).
fn bare_command(state_dir: &std::path::Path, home: &std::path::Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_mcp-fa"));
    command
        .args(args)
        .env("MCP_FA_STATE_DIR", state_dir)
        .env_remove("MCP_FA_PROJECT")
        .stdin(std::process::Stdio::null());
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
    term.type_line("");
    assert!(term.expect_verdict().contains('✓'));
    // Step 2 checks Docker, which this test does not need: skip it, as a user may.
    term.expect("Step 2/12 · Prerequisites", Duration::from_secs(10));
    term.prompt();
    term.type_line("s");
    let step3 = term.expect("Step 3/12 · FusionAuth is running", Duration::from_secs(10));
    assert!(step3.contains("Skipped step 2."), "{step3}");
    let step3 = term.prompt();
    assert!(
        step3.contains("This step needs the stack, which is not up.")
            && step3.contains("mcp-fa up --project nostack"),
        "the step that needs the stack says how to get it:\n{step3}"
    );
    // An answer it does not know is explained, and the question asked again.
    term.type_line("what");
    let again = term.prompt();
    assert!(again.contains("`what` is not an answer here"), "{again}");
    term.type_line("");
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
    term.type_line("b");
    term.expect("Step 2/12 · Prerequisites", Duration::from_secs(10));
    term.prompt();
    term.type_line("q");
    let saved = term.expect("picks up from there.", Duration::from_secs(10));
    assert!(
        saved.contains("Progress saved at step 2 (Prerequisites)"),
        "{saved}"
    );
    assert_eq!(
        term.wait(Duration::from_secs(10)),
        0,
        "{}",
        term.transcript()
    );

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

    let bad_step = run(&["--step", "nope"]);
    assert_eq!(bad_step.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&bad_step.stderr);
    assert!(
        stderr.contains("there is no step `nope`") && stderr.contains("5 turn-protection-on"),
        "{stderr}"
    );
}
