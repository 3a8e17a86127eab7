//! The tutorial's checks (`verify:` names) against real things: the Docker daemon, a stack
//! `mcp-fa up` started from the test images (stand-in or real), and an in-process stand-in with a state file
//! and clients registered by the real `mcp-fa clients add`. Each check must pass in the situation
//! it verifies and fail in the ones it claims to detect, explaining what a reader acts on: the
//! command (with `--project`), the redirect URI, the folder to delete.
//!
//! Checks that read the process environment (`DOCKER_HOST`, `HOME`) run in a child process of
//! this test binary with that environment, so no test changes the environment of the others.
//! Docker tests print "skipping" and pass without Docker, except under `CI=true`.

//!
//! The fixtures and the two checks that need no stack are here; `servers` holds the checks
//! against a stack and a running MCP server, `clients` those of registration and configuration,
//! `calls` those that read the server's log of real calls.

mod calls;
mod clients;
mod servers;

use std::process::Command;

use crate::support;
use crate::support::docker::docker_available;
use crate::support::project::{TestProject, free_port};
use crate::support::server::{call_tool, login_with, use_access_token_key};
use crate::support::state::StateFixture;
use crate::support::{Api, DEMO_EMAIL, Options};
use mcp_fa::fusionauth::Secret;
use mcp_fa::project::ProjectName;
use mcp_fa::server::{ServeConfig, ServerHandle};
use mcp_fa::state::{StackState, StateStore};
use mcp_fa::tutorial::{CheckContext, Checker, Mode, Outcome, Verdict, Verify};
use rmcp::ServiceExt;
use rmcp::model::{CallToolRequestParams, ClientConfig};
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use serde_json::{Value, json};

/// Set in a child process of this binary: which check to run, how, against which state.
const CHILD: &str = "MCP_FA_TEST_CHECK_CHILD";
const VERDICT_LINE: &str = "CHECK-VERDICT ";

// ---- fixtures ----

/// An in-process stand-in, kickstarted as `mcp-fa up` does, with a state file for it (written
/// through the state store) in a temporary directory, and a temporary home directory.
struct Fixture {
    stack: support::Stack,
    store: StateStore,
    state_dir: tempfile::TempDir,
    home: tempfile::TempDir,
    project: ProjectName,
}

impl Fixture {
    async fn new() -> Fixture {
        let stack = support::stack(Options::default()).await;
        let api = Api::of(&stack);
        support::wait_for_key(&api).await;
        let (_, tenants) = api.get("/api/tenant").await;
        let tenant_id = tenants["tenants"][0]["id"].as_str().map(str::to_owned);
        let project: ProjectName = format!(
            "t-checks-{}",
            &uuid::Uuid::new_v4().simple().to_string()[..8]
        )
        .parse()
        .expect("a valid project name");
        let state_dir = tempfile::tempdir().expect("temp dir");
        let store = StateStore::at(state_dir.path());
        StateFixture::new(project.as_str(), &stack)
            .mcp_port(free_port())
            .tenant_id(tenant_id)
            .write(state_dir.path());
        Fixture {
            stack,
            store,
            state_dir,
            home: tempfile::tempdir().expect("temp home"),
            project,
        }
    }

    fn state(&self) -> StackState {
        self.store
            .load(&self.project)
            .expect("state")
            .expect("a state file")
    }

    fn api(&self) -> Api {
        Api::of(&self.stack)
    }

    /// `mcp-fa ARGS --project P` as the user runs it, with this fixture's state and home.
    async fn mcp_fa(&self, args: &[&str]) -> Value {
        let mut command = Command::new(env!("CARGO_BIN_EXE_mcp-fa"));
        command
            .args(args)
            .args(["--project", self.project.as_str()])
            .env("MCP_FA_STATE_DIR", self.state_dir.path())
            .env("HOME", self.home.path())
            .current_dir(self.home.path())
            .stdin(std::process::Stdio::null());
        // The stand-in runs on this test's runtime: wait off it.
        let out = tokio::task::spawn_blocking(move || command.output().expect("run mcp-fa"))
            .await
            .expect("join");
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "mcp-fa {args:?} failed:\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_str(&stdout).unwrap_or(Value::Null)
    }

    /// Registers a client of `kind` with `mcp-fa clients add`; returns its client id.
    async fn add_client(&self, kind: &str, extra: &[&str]) -> String {
        let mut args = vec!["clients", "add", "--kind", kind, "--json"];
        args.extend_from_slice(extra);
        let doc = self.mcp_fa(&args).await;
        doc["client"]["clientId"]
            .as_str()
            .or_else(|| doc["client"]["client_id"].as_str())
            .unwrap_or_else(|| panic!("a client id in {doc:#}"))
            .to_owned()
    }

    /// The walkthrough's server for this stack, as the runner starts it.
    async fn server(&self, protected: bool) -> ServerHandle {
        let mut config = ServeConfig::for_stack(&self.state()).expect("config");
        config.start_unprotected = !protected;
        mcp_fa::server::start(config)
            .await
            .expect("the server starts")
    }

    fn ctx<'a>(
        &'a self,
        mode: Mode,
        server: Option<&'a ServerHandle>,
        since: u64,
    ) -> CheckContext<'a> {
        CheckContext {
            server,
            calls_since: since,
            ..no_server(&self.project, &self.store, mode)
        }
    }

    /// The project flag the verdicts must put in every command.
    fn flag(&self) -> String {
        format!("--project {}", self.project)
    }

    /// Whether the checks' self-test client is registered in FusionAuth right now.
    async fn self_test_client_registered(&self) -> bool {
        let (_, apps) = self.api().get("/api/application").await;
        apps["applications"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|a| a["name"].as_str())
            .any(|name| name.starts_with("mcp-fa-self-test"))
    }
}

/// What a check sees without the walkthrough's server: `project` in `store`, run `mode`.
pub(super) fn no_server<'a>(
    project: &'a ProjectName,
    store: &'a StateStore,
    mode: Mode,
) -> CheckContext<'a> {
    CheckContext {
        project,
        store,
        mode,
        server: None,
        calls_since: 0,
    }
}

#[track_caller]
fn assert_verdict(verdict: &Verdict, outcome: Outcome, words: &[&str]) {
    // What the reader would see, for `--nocapture` runs.
    eprintln!("[{:?}] {}", verdict.outcome, verdict.summary);
    for detail in &verdict.details {
        eprintln!("    {detail}");
    }
    assert_eq!(verdict.outcome, outcome, "{verdict:#?}");
    let text = format!("{}\n{}", verdict.summary, verdict.details.join("\n"));
    for word in words {
        assert!(text.contains(word), "expected {word:?} in:\n{text}");
    }
    // Access tokens are JWTs, whose base64url JSON headers start with "eyJ".
    assert!(!text.contains("eyJ"), "a token in a verdict:\n{text}");
}

/// The check a step file names `name`.
#[track_caller]
fn verify(name: &str) -> Verify {
    name.parse()
        .unwrap_or_else(|e| panic!("{name} is not a check: {e}"))
}

/// Runs `check` and asserts its verdict as [`assert_verdict`] does; returns it for more asserts.
pub(super) async fn expect(
    checker: &mut Checker,
    check: &str,
    ctx: &CheckContext<'_>,
    outcome: Outcome,
    words: &[&str],
) -> Verdict {
    let verdict = checker.run(&verify(check), ctx).await;
    eprintln!("{check}:");
    assert_verdict(&verdict, outcome, words);
    verdict
}

#[track_caller]
fn assert_no_secret(verdict: &Verdict, secrets: &[&str]) {
    let text = format!("{}\n{}", verdict.summary, verdict.details.join("\n"));
    for secret in secrets {
        assert!(!text.contains(secret), "a secret in a verdict:\n{text}");
    }
}

/// The redirect URI `mcp-fa clients add --kind mcp-remote` registers.
const MCP_REMOTE_CALLBACK: &str = "http://localhost:3334/oauth/callback";

/// Logs the demo user in through the stand-in's hosted pages with the mcp-remote client
/// `client_id`, as mcp-remote would; `resource: None` leaves out RFC 8707's parameter.
async fn login(fx: &Fixture, client_id: &str, scope: &str, resource: Option<&str>) -> String {
    login_with(&fx.stack, client_id, MCP_REMOTE_CALLBACK, scope, resource).await
}

/// An MCP client session with `token`: initialize, then `tool`; returns the tool's text.
async fn call_with_token(server: &ServerHandle, token: &str, tool: &str) -> Option<String> {
    let transport = StreamableHttpClientTransport::from_config(
        StreamableHttpClientTransportConfig::with_uri(server.local_endpoint())
            .auth_header(token.to_owned()),
    );
    let client = ClientConfig::default().serve(transport).await.ok()?;
    let result = client
        .call_tool(CallToolRequestParams::new(tool.to_owned()))
        .await
        .ok();
    let _ = client.cancel().await;
    let doc = serde_json::to_value(result?).ok()?;
    doc["content"][0]["text"].as_str().map(str::to_owned)
}

/// A tools/call without a token, as the tutorial's curl command sends it; returns the status.
async fn anonymous_call(server: &ServerHandle, tool: &str) -> u16 {
    call_tool(&server.local_endpoint(), None, tool).await.status
}

// ---- checks that read the environment run in a child process ----

/// In a child process started by [`in_child`]: runs the check described by `CHILD` and prints
/// its verdict. Returns false in the parent.
async fn child_runs_check() -> bool {
    let Ok(spec) = std::env::var(CHILD) else {
        return false;
    };
    let spec: Value = serde_json::from_str(&spec).expect("child spec");
    let store = StateStore::at(spec["state_dir"].as_str().expect("state dir"));
    let mode = if spec["mode"] == "headless" {
        Mode::Headless
    } else {
        Mode::Interactive
    };
    let project: ProjectName = spec["project"]
        .as_str()
        .expect("project")
        .parse()
        .expect("a project name");
    let ctx = no_server(&project, &store, mode);
    let mut checker = Checker::new();
    let verdict = checker
        .run(&verify(spec["check"].as_str().expect("check")), &ctx)
        .await;
    checker.finish(&ctx).await;
    let outcome = match verdict.outcome {
        Outcome::Passed => "passed",
        Outcome::Failed => "failed",
        Outcome::Manual => "manual",
    };
    println!(
        "{VERDICT_LINE}{}",
        json!({"outcome": outcome, "summary": verdict.summary, "details": verdict.details})
    );
    true
}

/// Runs `check` in a child process of this test binary (the test `test` of `module`, the
/// caller's `module_path!()`, again, which hands over to [`child_runs_check`]) with `env` added
/// to its environment.
async fn in_child(
    module: &str,
    test: &str,
    check: &str,
    mode: &str,
    project: &str,
    state_dir: &std::path::Path,
    env: &[(&str, &str)],
) -> Verdict {
    let spec = json!({"check": check, "mode": mode, "project": project,
                      "state_dir": state_dir.display().to_string()});
    // libtest names the test by its path inside the binary, without the crate's name.
    let test = &format!("{}::{test}", module.split_once("::").map_or("", |m| m.1));
    let mut command = Command::new(std::env::current_exe().expect("the test binary"));
    command
        .args([test, "--exact", "--nocapture", "--test-threads", "1"])
        .env(CHILD, spec.to_string());
    for (key, value) in env {
        command.env(key, value);
    }
    let out = tokio::task::spawn_blocking(move || command.output().expect("run the child"))
        .await
        .expect("join");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let line = stdout
        .lines()
        .find_map(|l| l.find(VERDICT_LINE).map(|at| &l[at + VERDICT_LINE.len()..]))
        .unwrap_or_else(|| {
            panic!(
                "no verdict from the child:\n{stdout}\n{}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
    let doc: Value = serde_json::from_str(line).expect("verdict JSON");
    Verdict {
        outcome: match doc["outcome"].as_str() {
            Some("passed") => Outcome::Passed,
            Some("failed") => Outcome::Failed,
            _ => Outcome::Manual,
        },
        summary: doc["summary"].as_str().unwrap_or_default().to_owned(),
        details: doc["details"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|d| d.as_str().map(str::to_owned))
            .collect(),
    }
}

// ---- tests ----

#[tokio::test]
async fn every_step_name_reaches_a_check_and_an_unknown_name_says_so() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = StateStore::at(dir.path());
    let project: ProjectName = "t-no-such-stack".parse().expect("valid");
    let ctx = no_server(&project, &store, Mode::Headless);
    let mut checker = Checker::new();
    // Every verdict says what it saw, and one that did not pass says why.
    for step in mcp_fa::tutorial::steps::all().expect("steps") {
        let name = step.verify;
        let verdict = checker.run(&name, &ctx).await;
        assert!(!verdict.summary.is_empty(), "{name}: {verdict:?}");
        if verdict.outcome != Outcome::Passed {
            assert!(!verdict.details.is_empty(), "{name} says why: {verdict:?}");
        }
    }
    expect(&mut checker, "none", &ctx, Outcome::Passed, &[]).await;
    // A misspelt name is refused, listing the names that exist.
    let unknown = "kickstart_ok".parse::<Verify>().expect_err("no such check");
    for word in ["kickstart_ok", "kickstart_configured"] {
        assert!(unknown.to_string().contains(word), "{word} in {unknown}");
    }
    // No stack: the checks that need one say how to start it, with the project.
    for name in [
        "kickstart_configured",
        "client_registered",
        "authenticated_get_name_seen",
        "protected_call_challenged",
    ] {
        expect(
            &mut checker,
            name,
            &ctx,
            Outcome::Failed,
            &[
                "no stack named \"t-no-such-stack\"",
                "`mcp-fa up --project t-no-such-stack`",
            ],
        )
        .await;
    }
    // Unattended, nothing is removed and nobody's files are read.
    assert_eq!(
        checker.run(&Verify::StackRemoved, &ctx).await.outcome,
        Outcome::Manual
    );
    assert_eq!(
        checker.run(&Verify::ClientConfigured, &ctx).await.outcome,
        Outcome::Manual
    );
    checker.finish(&ctx).await;
}

#[tokio::test]
async fn docker_reachable_passes_here_and_fails_with_docker_host_at_a_dead_socket() {
    if child_runs_check().await {
        return;
    }
    if !docker_available() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let store = StateStore::at(dir.path());
    let project = ProjectName::default();
    let ctx = no_server(&project, &store, Mode::Interactive);
    let verdict = Checker::new().run(&Verify::DockerReachable, &ctx).await;
    assert_verdict(&verdict, Outcome::Passed, &["Docker answers at", "Node.js"]);

    // A socket file nobody listens on any more: what a stopped daemon leaves behind.
    let socket = dir.path().join("dead.sock");
    drop(std::os::unix::net::UnixListener::bind(&socket).expect("bind a socket"));
    let host = format!("unix://{}", socket.display());
    let started = std::time::Instant::now();
    let verdict = in_child(
        module_path!(),
        "docker_reachable_passes_here_and_fails_with_docker_host_at_a_dead_socket",
        "docker_reachable",
        "interactive",
        "default",
        dir.path(),
        &[("DOCKER_HOST", &host)],
    )
    .await;
    assert_verdict(
        &verdict,
        Outcome::Failed,
        &[
            "no Docker daemon answered",
            &format!("Tried {host}"),
            "DOCKER_HOST chose this endpoint",
            "`unset DOCKER_HOST`",
        ],
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(30),
        "bounded: {:?}",
        started.elapsed()
    );
}
