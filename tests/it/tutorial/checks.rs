//! The tutorial's checks (`verify:` names) against real things: the Docker daemon, a stack
//! `mcp-fa up` started from the test images (stand-in or real), and an in-process stand-in with a state file
//! and clients registered by the real `mcp-fa clients add`. Each check must pass in the situation
//! it verifies and fail in the ones it claims to detect, explaining what a reader acts on: the
//! command (with `--project`), the redirect URI, the folder to delete.
//!
//! Checks that read the process environment (`DOCKER_HOST`, `HOME`) run in a child process of
//! this test binary with that environment, so no test changes the environment of the others.
//! Docker tests print "skipping" and pass without Docker, except under `CI=true`.

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
fn no_server<'a>(project: &'a ProjectName, store: &'a StateStore, mode: Mode) -> CheckContext<'a> {
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
async fn expect(
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

/// Runs `check` in a child process of this test binary (the test `test` again, which hands over
/// to [`child_runs_check`]) with `env` added to its environment.
async fn in_child(
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
    let test = &format!(
        "{}::{test}",
        module_path!().split_once("::").map_or("", |m| m.1)
    );
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

/// Against a stack `mcp-fa up` really started: kickstart_configured passes, then fails once the
/// tenant signs with HS256 again; stack_removed fails while its containers exist and passes
/// after `mcp-fa down`.
#[tokio::test]
async fn kickstart_and_removal_against_a_stack_started_by_up() {
    if !docker_available() {
        return;
    }
    let project = TestProject::new("tchk");
    project.up(&["--no-tutorial"]).assert_ok();
    let store = StateStore::at(project.state_dir.path());
    let name: ProjectName = project.name.parse().expect("valid");
    let state = store.load(&name).expect("state").expect("state file");
    let flag = format!("--project {}", project.name);
    let ctx = no_server(&name, &store, Mode::Interactive);
    let mut checker = Checker::new();
    let verdict = expect(
        &mut checker,
        "kickstart_configured",
        &ctx,
        Outcome::Passed,
        &[
            &format!("Issuer: http://localhost:{}", project.fusionauth_port),
            "RS256",
            "jwks.json",
            "test@example.com",
        ],
    )
    .await;
    assert_no_secret(&verdict, &[state.api_key.expose()]);

    expect(
        &mut checker,
        "stack_removed",
        &ctx,
        Outcome::Failed,
        &[
            "container(s) of the project",
            &project.name,
            &format!("`mcp-fa down {flag}`"),
            "--volumes",
        ],
    )
    .await;
    let headless = no_server(&name, &store, Mode::Headless);
    assert_eq!(
        checker.run(&Verify::StackRemoved, &headless).await.outcome,
        Outcome::Manual
    );

    // Switch the tenant's access-token key back to FusionAuth's HMAC default, through the API.
    let api = Api::new(
        &format!("http://127.0.0.1:{}", project.fusionauth_port),
        state.api_key.expose(),
    );
    support::wait_for_key(&api).await;
    let (_, keys) = api.get("/api/key").await;
    let hmac = keys["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .find(|k| k["algorithm"] == "HS256")
        .expect("the default HMAC key")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let tenant = use_access_token_key(&api, &hmac).await;
    expect(
        &mut checker,
        "kickstart_configured",
        &ctx,
        Outcome::Failed,
        &[
            "HS256",
            "not an RSA key",
            "JWKS",
            "Tenants → Edit → JWT",
            &state.signing_key_id,
            &format!("/api/tenant/{tenant}"),
        ],
    )
    .await;

    let down = project.run(&["down"]);
    down.assert_ok();
    expect(
        &mut checker,
        "stack_removed",
        &ctx,
        Outcome::Passed,
        &[
            "is removed",
            "volume",
            &format!("`mcp-fa down --volumes {flag}`"),
        ],
    )
    .await;
    expect(
        &mut checker,
        "kickstart_configured",
        &ctx,
        Outcome::Failed,
        &["does not answer", &format!("`mcp-fa up {flag}`")],
    )
    .await;
    checker.finish(&ctx).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unprotected_and_protected_checks_tell_the_servers_mode() {
    let fx = Fixture::new().await;
    let flag = fx.flag();
    let headless = fx.ctx(Mode::Headless, None, 0);
    let mut checker = Checker::new();

    // Step 4: the walkthrough's server starts unprotected.
    let server = fx.server(false).await;
    let since = server.calls().last_seq();
    let walk = fx.ctx(Mode::Interactive, Some(&server), since);
    expect(
        &mut checker,
        "unprotected_call_answers",
        &walk,
        Outcome::Passed,
        &[
            "get_name answered without any token",
            "Hello!",
            "No call of yours",
        ],
    )
    .await;
    // Checking again: the check's own earlier call is not taken for the reader's.
    expect(
        &mut checker,
        "unprotected_call_answers",
        &walk,
        Outcome::Passed,
        &["No call of yours"],
    )
    .await;
    // After the reader's own call (the tutorial's curl), the check says it saw it.
    assert_eq!(anonymous_call(&server, "get_name").await, 200);
    expect(
        &mut checker,
        "unprotected_call_answers",
        &walk,
        Outcome::Passed,
        &["Your own get_name call reached the server too"],
    )
    .await;
    expect(
        &mut checker,
        "protected_call_challenged",
        &walk,
        Outcome::Failed,
        &[
            "was not refused with 401",
            "protection is off",
            &format!("`mcp-fa tutorial --step 5 {flag}`"),
        ],
    )
    .await;

    // Step 5: protection on.
    server.set_protected(true);
    let resource = server.resource().to_owned();
    expect(
        &mut checker,
        "protected_call_challenged",
        &walk,
        Outcome::Passed,
        &[
            "401, WWW-Authenticate: Bearer resource_metadata=",
            &format!("resource {resource}"),
            &format!("authorization server {}", fx.stack.sim.url()),
            "/oauth2/authorize",
            "/oauth2/token",
            "PKCE S256",
        ],
    )
    .await;
    expect(
        &mut checker,
        "unprotected_call_answers",
        &walk,
        Outcome::Failed,
        &[
            "it is protected",
            "401",
            &format!("`mcp-fa tutorial --step 4 {flag}`"),
        ],
    )
    .await;
    server.shutdown().await.expect("shutdown");

    // Without the walkthrough's server the reader is told how to get it back.
    expect(
        &mut checker,
        "protected_call_challenged",
        &fx.ctx(Mode::Interactive, None, 0),
        Outcome::Failed,
        &["not running", &format!("`mcp-fa up {flag}`")],
    )
    .await;

    // Unattended, each check starts a temporary server of the right kind itself.
    expect(
        &mut checker,
        "unprotected_call_answers",
        &headless,
        Outcome::Passed,
        &["Hello!"],
    )
    .await;
    let stack_resource = format!("http://localhost:{}/mcp", fx.state().mcp_port);
    expect(
        &mut checker,
        "protected_call_challenged",
        &headless,
        Outcome::Passed,
        &[&format!("resource {stack_resource}"), "PKCE S256"],
    )
    .await;
    checker.finish(&headless).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_registered_finds_missing_deleted_and_misregistered_clients() {
    let fx = Fixture::new().await;
    let flag = fx.flag();
    let interactive = fx.ctx(Mode::Interactive, None, 0);
    let headless = fx.ctx(Mode::Headless, None, 0);
    let mut checker = Checker::new();

    expect(
        &mut checker,
        "client_registered",
        &interactive,
        Outcome::Failed,
        &[
            "no MCP client is registered",
            &format!("`mcp-fa clients add --kind mcp-remote {flag}`"),
            "claude-code",
        ],
    )
    .await;

    // Unattended with no client of the user's: the self-test client stands in, and is gone
    // after finish().
    expect(
        &mut checker,
        "client_registered",
        &headless,
        Outcome::Passed,
        &[
            "the self-test client",
            "http://127.0.0.1:9/mcp-fa-self-test/callback",
        ],
    )
    .await;
    assert!(fx.self_test_client_registered().await);
    checker.finish(&headless).await;
    assert!(
        !fx.self_test_client_registered().await,
        "finish removes the self-test client"
    );

    let mut checker = Checker::new();
    let client_id = fx.add_client("mcp-remote", &[]).await;
    expect(
        &mut checker,
        "client_registered",
        &interactive,
        Outcome::Passed,
        &[
            "mcp-remote (mcp-remote)",
            &client_id,
            "http://localhost:3334/oauth/callback",
        ],
    )
    .await;

    // The redirect URI replaced behind our back (in the admin UI, say).
    let api = fx.api();
    let (_, app) = api.get(&format!("/api/application/{client_id}")).await;
    let mut app = app["application"].clone();
    app["oauthConfiguration"]["authorizedRedirectURLs"] = json!(["http://localhost:9999/callback"]);
    let (status, _, _) = api
        .call(
            "PUT",
            &format!("/api/application/{client_id}"),
            Some(json!({"application": app})),
        )
        .await;
    assert_eq!(status, 200);
    expect(
        &mut checker,
        "client_registered",
        &interactive,
        Outcome::Failed,
        &[
            "lacks the redirect URI http://localhost:3334/oauth/callback",
            "invalid redirect_uri",
            "http://localhost:9999/callback",
            &format!("`mcp-fa clients remove mcp-remote --yes {flag}`"),
            "~/.mcp-auth",
        ],
    )
    .await;

    // The application deleted behind our back.
    let (status, _) = api
        .delete(&format!("/api/application/{client_id}?hardDelete=true"))
        .await;
    assert_eq!(status, 200);
    let verdict = expect(
        &mut checker,
        "client_registered",
        &interactive,
        Outcome::Failed,
        &[
            "was deleted from FusionAuth",
            &client_id,
            &format!("`mcp-fa clients add --kind mcp-remote --name mcp-remote {flag}`"),
            "rm -rf ~/.mcp-auth",
        ],
    )
    .await;
    assert_no_secret(&verdict, &[&fx.stack.api_key]);
    checker.finish(&interactive).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_configured_reads_the_file_clients_add_wrote() {
    if child_runs_check().await {
        return;
    }
    const TEST: &str = "client_configured_reads_the_file_clients_add_wrote";
    let fx = Fixture::new().await;
    let flag = fx.flag();
    let home = fx.home.path().display().to_string();
    let child = |mode: &'static str| {
        let home = home.clone();
        let fx = &fx;
        async move {
            in_child(
                TEST,
                "client_configured",
                mode,
                fx.project.as_str(),
                fx.state_dir.path(),
                &[("HOME", &home)],
            )
            .await
        }
    };

    // Unattended, another program's configuration is for the reader to check.
    assert_eq!(child("headless").await.outcome, Outcome::Manual);

    // `clients add --write-config` writes Cursor's file under HOME: the check finds the entry.
    let cursor_id = fx.add_client("cursor", &["--write-config"]).await;
    let file = fx.home.path().join(".cursor/mcp.json");
    let written = std::fs::read_to_string(&file).expect("the written file");
    assert!(written.contains(&cursor_id), "{written}");
    let verdict = child("interactive").await;
    assert_verdict(
        &verdict,
        Outcome::Passed,
        &[&file.display().to_string(), "has the entry"],
    );

    // The same file without the entry: the check names the file and the command that writes it.
    std::fs::write(
        &file,
        r#"{"mcpServers": {"other": {"url": "http://localhost:1234/mcp"}}}"#,
    )
    .expect("write");
    let verdict = child("interactive").await;
    assert_verdict(
        &verdict,
        Outcome::Failed,
        &[
            &file.display().to_string(),
            "has no entry for",
            "entries: other",
            &format!("`mcp-fa clients config cursor {flag} --write-config`"),
        ],
    );
    // An entry for the server, but with another registration's client id.
    let resource = format!("http://localhost:{}/mcp", fx.state().mcp_port);
    std::fs::write(
        &file,
        json!({"mcpServers": {"mcp-fa": {"url": resource, "auth": {"CLIENT_ID": "an-old-id"}}}})
            .to_string(),
    )
    .expect("write");
    let verdict = child("interactive").await;
    assert_verdict(
        &verdict,
        Outcome::Failed,
        &["not with the client id", &cursor_id],
    );

    // A client configured by a command: what to check by hand, alongside the broken file.
    fx.add_client("claude-code", &[]).await;
    let verdict = child("interactive").await;
    assert_verdict(
        &verdict,
        Outcome::Manual,
        &[
            "claude mcp list",
            "claude mcp add --transport http",
            "not with the client id",
        ],
    );
    // Written again by `clients config --write-config`: configured.
    fx.mcp_fa(&["clients", "config", "cursor", "--write-config"])
        .await;
    let verdict = child("interactive").await;
    assert_verdict(
        &verdict,
        Outcome::Passed,
        &["has the entry", "claude mcp list"],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_seen_pass_after_a_real_login_and_explain_what_went_wrong() {
    let fx = Fixture::new().await;
    let flag = fx.flag();
    let client_id = fx.add_client("mcp-remote", &[]).await;
    let server = fx.server(true).await;
    let resource = server.resource().to_owned();
    let mut checker = Checker::new();

    // Nothing at all yet.
    let since = server.calls().last_seq();
    let walk = fx.ctx(Mode::Interactive, Some(&server), since);
    expect(
        &mut checker,
        "authenticated_get_name_seen",
        &walk,
        Outcome::Failed,
        &[
            "no call reached the server",
            &resource,
            "restart the client",
        ],
    )
    .await;

    // Only calls without a token: the login never finished.
    assert_eq!(anonymous_call(&server, "get_name").await, 401);
    expect(
        &mut checker,
        "authenticated_get_name_seen",
        &walk,
        Outcome::Failed,
        &[
            "never sent a token",
            "1 × 401 without a token",
            "invalid redirect_uri",
            "http://localhost:3334/oauth/callback",
            "rm -rf ~/.mcp-auth",
            "--show-secrets",
            &flag,
        ],
    )
    .await;

    // A token without the resource parameter: its audience is not this server.
    let since = server.calls().last_seq();
    let walk = fx.ctx(Mode::Interactive, Some(&server), since);
    let foreign = login(&fx, &client_id, "openid profile", None).await;
    assert!(
        call_with_token(&server, &foreign, "get_name")
            .await
            .is_none(),
        "refused"
    );
    let verdict = expect(
        &mut checker,
        "authenticated_get_name_seen",
        &walk,
        Outcome::Failed,
        &[
            "401 invalid_token",
            "audience",
            "resource parameter",
            &resource,
            "~/.mcp-auth",
        ],
    )
    .await;
    assert_no_secret(&verdict, &[&foreign]);

    // The real thing: the registered client's redirect URI, the resource, get_name.
    let since = server.calls().last_seq();
    let walk = fx.ctx(Mode::Interactive, Some(&server), since);
    let token = login(&fx, &client_id, "openid profile", Some(&resource)).await;
    expect(
        &mut checker,
        "token_inspected",
        &walk,
        Outcome::Failed,
        &["no call reached the server"],
    )
    .await;
    assert_eq!(
        call_with_token(&server, &token, "get_name")
            .await
            .as_deref(),
        Some("Hello, Test User!")
    );
    let verdict = expect(
        &mut checker,
        "authenticated_get_name_seen",
        &walk,
        Outcome::Passed,
        &[
            "the server answered get_name for mcp-remote",
            &client_id,
            &fx.stack.user_id,
        ],
    )
    .await;
    assert_no_secret(&verdict, &[&token]);

    // Step 9: whoami not called yet, then called.
    expect(
        &mut checker,
        "token_inspected",
        &walk,
        Outcome::Failed,
        &["no whoami call yet", "mcp-fa token inspect", "press s"],
    )
    .await;
    assert!(call_with_token(&server, &token, "whoami").await.is_some());
    expect(
        &mut checker,
        "token_inspected",
        &walk,
        Outcome::Passed,
        &["whoami", "audience"],
    )
    .await;

    // A token that lacks get_name's scope.
    let since = server.calls().last_seq();
    let walk = fx.ctx(Mode::Interactive, Some(&server), since);
    let narrow = login(&fx, &client_id, "openid", Some(&resource)).await;
    let _ = call_with_token(&server, &narrow, "get_name").await;
    expect(
        &mut checker,
        "authenticated_get_name_seen",
        &walk,
        Outcome::Failed,
        &["lacks the scopes", "profile", "403 insufficient_scope"],
    )
    .await;

    // Step 10: the check steps up itself, and says whether the reader's client met the 403.
    expect(
        &mut checker,
        "insufficient_scope_seen",
        &walk,
        Outcome::Passed,
        &[
            "403 insufficient_scope",
            "scope=\"openid profile\"",
            "Your client",
            "step-up",
        ],
    )
    .await;
    server.set_protected(false);
    expect(
        &mut checker,
        "insufficient_scope_seen",
        &walk,
        Outcome::Failed,
        &[
            "protection switched off",
            &format!("`mcp-fa tutorial --step 10 {flag}`"),
        ],
    )
    .await;
    server.shutdown().await.expect("shutdown");

    checker.finish(&fx.ctx(Mode::Interactive, None, 0)).await;
    assert!(!fx.self_test_client_registered().await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unattended_the_self_test_client_logs_in_and_proves_each_step() {
    let fx = Fixture::new().await;
    let ctx = fx.ctx(Mode::Headless, None, 0);
    let resource = format!("http://localhost:{}/mcp", fx.state().mcp_port);
    let mut checker = Checker::new();

    expect(
        &mut checker,
        "kickstart_configured",
        &ctx,
        Outcome::Passed,
        &["RS256", DEMO_EMAIL],
    )
    .await;
    expect(
        &mut checker,
        "authenticated_get_name_seen",
        &ctx,
        Outcome::Passed,
        &["get_name answered \"Hello, Test User!\"", "openid profile"],
    )
    .await;
    expect(
        &mut checker,
        "token_inspected",
        &ctx,
        Outcome::Passed,
        &[
            &format!("aud {resource}"),
            "scopes openid profile",
            "expires in",
        ],
    )
    .await;
    let verdict = expect(
        &mut checker,
        "insufficient_scope_seen",
        &ctx,
        Outcome::Passed,
        &["403 insufficient_scope", "scope=\"openid profile\""],
    )
    .await;
    assert_no_secret(&verdict, &[&fx.stack.api_key]);
    assert!(fx.self_test_client_registered().await);
    checker.finish(&ctx).await;
    assert!(!fx.self_test_client_registered().await);

    // The password in the state file no longer matches FusionAuth's (changed in the admin UI):
    // the login check says what to do.
    let mut state = fx.state();
    state.users[0].password = Secret::new("not-the-password-anymore");
    fx.store.save(&state).expect("save");
    let mut checker = Checker::new();
    expect(
        &mut checker,
        "authenticated_get_name_seen",
        &ctx,
        Outcome::Failed,
        &[
            "could not log in",
            "login form again",
            &format!("`mcp-fa status {} --show-secrets`", fx.flag()),
        ],
    )
    .await;
    checker.finish(&ctx).await;
}
