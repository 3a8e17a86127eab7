//! `mcp-fa check`: the headless end-to-end self-test of a running stack, and the self-test client
//! the tutorial's checks share with it.
//!
//! It registers (or reuses) one FusionAuth application of its own, named
//! [`SELF_TEST_CLIENT_NAME`], logs the stack's demo user in through FusionAuth's hosted login form
//! (authorization code + PKCE, as a browser would), and calls the MCP server's tools with the
//! token through rmcp's MCP client, timing each hop. When nothing answers on the stack's MCP port
//! it serves the stack in-process for the duration.
//!
//! The self-test client is mcp-fa's own, not the user's: this module never adds it to the state
//! file's `clients`. It is told apart everywhere by its reserved name (see
//! [`is_self_test_client`]): `clients list` shows it only while it exists (`check --keep-client`,
//! or a run that was killed), and `check` removes it at the end. Its redirect URI,
//! [`SELF_TEST_REDIRECT_URI`], points at the discard port of this machine: nothing needs to listen
//! there because the login reads the code from FusionAuth's redirect and never follows it.
//!
//! It must not print a token, a password, the API key or a client secret, write the state file,
//! or stop anything it did not start.

use std::future::Future;
use std::io::Write;
use std::time::{Duration, Instant};

use reqwest::header::{ACCEPT, CONTENT_TYPE, WWW_AUTHENTICATE};
use rmcp::ServiceExt;
use rmcp::model::{CallToolRequestParams, ClientConfig};
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use serde_json::{Value, json};

use crate::clients::{
    ClientKind, ClientName, ClientRegistrar, RedirectUri, RegisteredClient, RegistrationError,
    RegistrationRequest,
};
use crate::fusionauth::{
    FusionAuthClient, FusionAuthError, LoginError, LoginRequest, Timeouts, Tokens,
};
use crate::server::{ServeConfig, ServerHandle};
use crate::state::{StackState, StateError, StateStore};

/// The reserved name of the self-test client (the FusionAuth application is named
/// "mcp-fa-self-test (MCP client)").
pub const SELF_TEST_CLIENT_NAME: &str = "mcp-fa-self-test";

/// Where FusionAuth is told to send the self-test's codes. Port 9 is the discard service: nothing
/// of ours listens there and nothing needs to, as the code is read from FusionAuth's redirect.
pub const SELF_TEST_REDIRECT_URI: &str = "http://127.0.0.1:9/mcp-fa-self-test/callback";

/// How long one MCP hop may take before it counts as failed.
const MCP_TIMEOUT: Duration = Duration::from_secs(20);

/// Whether a registered client is the self-test's own rather than one the user registered.
pub fn is_self_test_client(name: &str) -> bool {
    name == SELF_TEST_CLIENT_NAME
}

#[derive(Debug, thiserror::Error)]
pub enum SelfTestError {
    #[error(
        "no stack named '{project}' is known here; start one with `mcp-fa up{}`",
        project_flag(.project)
    )]
    NoStack { project: String },
    #[error(transparent)]
    State(#[from] StateError),
    #[error(
        "the stack '{project}' has no demo user in its state file, so nobody can log in; \
         recreate it with `mcp-fa down --volumes{flag}` and `mcp-fa up{flag}`",
        flag = project_flag(.project)
    )]
    NoDemoUser { project: String },
    #[error("the stack's FusionAuth URL `{0}` in the state file is not a URL")]
    BadFusionAuthUrl(String),
    #[error(transparent)]
    FusionAuth(#[from] FusionAuthError),
    #[error("could not register the self-test client: {0}")]
    Registration(#[from] RegistrationError),
    #[error(
        "the self-test client {client_id} has no redirect URI to log in with; remove it \
         (`mcp-fa clients remove {SELF_TEST_CLIENT_NAME}`) and run `mcp-fa check` again"
    )]
    NoRedirectUri { client_id: String },
    #[error("the demo user's login failed: {0}")]
    Login(#[from] LoginError),
    #[error("the self-test stopped at \"{hop}\": {got}")]
    HopFailed {
        hop: String,
        /// The failing hop's own code (e.g. `LOGIN_REJECTED`), also in `--json` output.
        cause: &'static str,
        got: String,
    },
    #[error("could not write to standard output: {0}")]
    Output(#[from] std::io::Error),
}

impl SelfTestError {
    pub fn code(&self) -> &'static str {
        match self {
            SelfTestError::NoStack { .. } => "NOT_RUNNING",
            SelfTestError::State(error) => error.code(),
            SelfTestError::NoDemoUser { .. } => "SELF_TEST_NO_DEMO_USER",
            SelfTestError::BadFusionAuthUrl(_) => "STATE_CORRUPT",
            SelfTestError::FusionAuth(_) => "FUSIONAUTH_ERROR",
            SelfTestError::Registration(RegistrationError::NameTaken { .. }) => "CLIENT_NAME_TAKEN",
            SelfTestError::Registration(_) => "FUSIONAUTH_ERROR",
            SelfTestError::NoRedirectUri { .. } => "SELF_TEST_CLIENT_BROKEN",
            SelfTestError::Login(error) => error.code(),
            SelfTestError::HopFailed { .. } => "CHECK_FAILED",
            SelfTestError::Output(_) => "OUTPUT_FAILED",
        }
    }
}

fn project_flag(project: impl AsRef<str>) -> String {
    let project = project.as_ref();
    if project == "default" {
        String::new()
    } else {
        format!(" --project {project}")
    }
}

/// A FusionAuth client for a stack, with its API key (and the grace FusionAuth needs before a
/// fresh key is accepted), the way the `clients` commands build one.
pub fn fusionauth_for(state: &StackState) -> Result<FusionAuthClient, SelfTestError> {
    let url = url::Url::parse(&state.fusionauth_url)
        .map_err(|_| SelfTestError::BadFusionAuthUrl(state.fusionauth_url.clone()))?;
    Ok(FusionAuthClient::new(url, Timeouts::default())?
        .with_api_key(state.api_key.clone())
        .with_new_key_grace(Duration::from_secs(10)))
}

/// The resource URI the stack's MCP server answers for (what `clients add` registers).
pub fn stack_resource(state: &StackState) -> String {
    format!("http://localhost:{}/mcp", state.mcp_port)
}

/// Registers the self-test client for this stack, or reuses it. A leftover registration that no
/// longer fits this stack (another resource, no self-test redirect URI) is replaced.
pub async fn ensure_self_test_client(
    fusionauth: &FusionAuthClient,
    state: &StackState,
) -> Result<RegisteredClient, SelfTestError> {
    let registrar = ClientRegistrar::new(fusionauth);
    let resource = stack_resource(state);
    let leftover = registrar
        .list()
        .await?
        .into_iter()
        .find(|client| is_self_test_client(&client.name));
    if let Some(existing) = leftover
        && (existing.kind != ClientKind::Custom
            || !existing.resources.contains(&resource)
            || !existing
                .redirect_uris
                .iter()
                .any(|uri| uri == SELF_TEST_REDIRECT_URI))
    {
        registrar.remove(&existing.client_id).await?;
    }
    let request = RegistrationRequest {
        name: ClientName::parse(SELF_TEST_CLIENT_NAME).expect("the reserved name is valid"),
        kind: ClientKind::Custom,
        port: None,
        extra_redirect_uris: vec![
            RedirectUri::parse(SELF_TEST_REDIRECT_URI).expect("the self-test URI is valid"),
        ],
        resource,
        user_id: state.user("demo").map(|user| user.id.clone()),
    };
    Ok(registrar.add(&request).await?)
}

/// Removes the self-test client; nothing to do when it is not registered.
pub async fn remove_self_test_client(
    fusionauth: &FusionAuthClient,
    _state: &StackState,
) -> Result<(), SelfTestError> {
    match ClientRegistrar::new(fusionauth)
        .remove(SELF_TEST_CLIENT_NAME)
        .await
    {
        Ok(_) | Err(RegistrationError::NotFound(_)) => Ok(()),
        Err(error) => Err(error.into()),
    }
}

/// Logs the stack's demo user in with that client, asking for `scopes`, for `resource`.
pub async fn demo_login(
    fusionauth: &FusionAuthClient,
    state: &StackState,
    client: &RegisteredClient,
    resource: &str,
    scopes: &[&str],
) -> Result<Tokens, SelfTestError> {
    let demo = state
        .user("demo")
        .ok_or_else(|| SelfTestError::NoDemoUser {
            project: state.project.to_string(),
        })?;
    let redirect_uri = client
        .redirect_uris
        .iter()
        .find(|uri| *uri == SELF_TEST_REDIRECT_URI)
        .or_else(|| client.redirect_uris.first())
        .ok_or_else(|| SelfTestError::NoRedirectUri {
            client_id: client.client_id.clone(),
        })?;
    Ok(fusionauth
        .log_in_with_form(&LoginRequest {
            client_id: &client.client_id,
            redirect_uri,
            scopes,
            resource,
            login_id: &demo.email,
            password: &demo.password,
        })
        .await?)
}

// ---- `mcp-fa check` ----

const HOP_FUSIONAUTH: &str = "FusionAuth ready";
const HOP_CHALLENGE: &str = "MCP server answers, challenge 401";
const HOP_METADATA: &str = "protected resource metadata";
const HOP_CLIENT: &str = "self-test client";
const HOP_LOGIN: &str = "demo user logged in (authorize+PKCE)";
const HOP_TOOLS: &str = "MCP initialize + tools/list";
const HOP_WHOAMI: &str = "whoami";
const HOP_GET_NAME: &str = "get_name";
const HOP_REMOVED: &str = "self-test client removed";
const HOP_KEPT: &str = "self-test client kept (--keep-client)";

/// The hops before cleaning up, in order.
const HOPS: [&str; 8] = [
    HOP_FUSIONAUTH,
    HOP_CHALLENGE,
    HOP_METADATA,
    HOP_CLIENT,
    HOP_LOGIN,
    HOP_TOOLS,
    HOP_WHOAMI,
    HOP_GET_NAME,
];

/// Why a hop failed: what it expected, what came back, what to do.
struct Failure {
    code: &'static str,
    expected: String,
    got: String,
    fix: String,
}

impl Failure {
    fn new(
        code: &'static str,
        expected: impl Into<String>,
        got: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Self {
            code,
            expected: expected.into(),
            got: got.into(),
            fix: fix.into(),
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Status {
    Ok,
    Fail,
    Skip,
}

struct HopRecord {
    name: &'static str,
    status: Status,
    ms: Option<u128>,
    detail: String,
    failure: Option<Failure>,
}

/// Prints each hop as it ends (text), or collects them for one document (`--json`).
struct Reporter {
    json: bool,
    started: Instant,
    hops: Vec<HopRecord>,
}

impl Reporter {
    fn line(&self, text: &str) -> std::io::Result<()> {
        let mut out = std::io::stdout().lock();
        writeln!(out, "{text}")?;
        out.flush()
    }

    /// Runs one hop, timing it. `None` when it failed (already reported).
    async fn hop<T>(
        &mut self,
        name: &'static str,
        work: impl Future<Output = Result<(T, String), Failure>>,
    ) -> std::io::Result<Option<T>> {
        let started = Instant::now();
        let result = work.await;
        let ms = started.elapsed().as_millis();
        let (value, record) = match result {
            Ok((value, detail)) => (
                Some(value),
                HopRecord {
                    name,
                    status: Status::Ok,
                    ms: Some(ms),
                    detail,
                    failure: None,
                },
            ),
            Err(failure) => (
                None,
                HopRecord {
                    name,
                    status: Status::Fail,
                    ms: Some(ms),
                    detail: failure.got.clone(),
                    failure: Some(failure),
                },
            ),
        };
        self.push(record)?;
        Ok(value)
    }

    fn skip(&mut self, name: &'static str) -> std::io::Result<()> {
        self.push(HopRecord {
            name,
            status: Status::Skip,
            ms: None,
            detail: String::new(),
            failure: None,
        })
    }

    fn push(&mut self, record: HopRecord) -> std::io::Result<()> {
        if !self.json {
            let label = match record.status {
                Status::Ok => "ok",
                Status::Fail => "FAIL",
                Status::Skip => "skip",
            };
            let detail = if record.status == Status::Fail {
                ""
            } else {
                record.detail.as_str()
            };
            let ms = record
                .ms
                .map(|ms| format!("{ms:>5} ms"))
                .unwrap_or_default();
            self.line(format!("  {label:<4} {:<38} {detail:<32} {ms}", record.name).trim_end())?;
            if let Some(failure) = &record.failure {
                self.line(&format!("         expected: {}", failure.expected))?;
                self.line(&format!("         got:      {}", failure.got))?;
                self.line(&format!("         fix:      {}", failure.fix))?;
            }
        }
        self.hops.push(record);
        Ok(())
    }

    fn failed(&self) -> Option<&HopRecord> {
        self.hops.iter().find(|hop| hop.status == Status::Fail)
    }

    fn document(&self, project: &str, error: Option<&SelfTestError>) -> Value {
        let hops: Vec<Value> = self
            .hops
            .iter()
            .map(|hop| {
                let mut doc = json!({
                    "name": hop.name,
                    "ok": hop.status == Status::Ok,
                    "status": match hop.status {
                        Status::Ok => "ok",
                        Status::Fail => "fail",
                        Status::Skip => "skip",
                    },
                    "ms": hop.ms.map(|ms| u64::try_from(ms).unwrap_or(u64::MAX)),
                    "detail": hop.detail,
                });
                if let Some(failure) = &hop.failure {
                    doc["code"] = json!(failure.code);
                    doc["expected"] = json!(failure.expected);
                    doc["got"] = json!(failure.got);
                    doc["fix"] = json!(failure.fix);
                }
                doc
            })
            .collect();
        let mut doc = json!({
            "ok": error.is_none(),
            "project": project,
            "ms": u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX),
            "hops": hops,
        });
        if let Some(error) = error {
            doc["error"] = json!({"code": error.code(), "message": error.to_string()});
        }
        doc
    }
}

/// What the hops learn and hand on.
struct Run<'a> {
    state: &'a StackState,
    fusionauth: FusionAuthClient,
    http: reqwest::Client,
    /// The server this run started because nothing answered on the stack's port.
    started_server: Option<ServerHandle>,
    endpoint: String,
    resource: String,
    scopes: Vec<String>,
    client: Option<RegisteredClient>,
    client_hop_ran: bool,
}

/// `mcp-fa check`.
pub async fn check_command(args: &crate::cli::CheckArgs) -> Result<(), SelfTestError> {
    let project = &args.project.project.clone().unwrap_or_default();
    let result = check(project, args).await;
    if args.json
        && let Err(error) = &result
        && !matches!(error, SelfTestError::HopFailed { .. })
    {
        // Failures before the first hop still answer with one document.
        let doc = json!({
            "ok": false,
            "project": project,
            "hops": [],
            "error": {"code": error.code(), "message": error.to_string()},
        });
        println!("{doc:#}");
    }
    result
}

async fn check(
    project: &crate::project::ProjectName,
    args: &crate::cli::CheckArgs,
) -> Result<(), SelfTestError> {
    let store = StateStore::from_env()?;
    let state = store.load(project)?.ok_or_else(|| SelfTestError::NoStack {
        project: project.to_string(),
    })?;
    if state.user("demo").is_none() {
        return Err(SelfTestError::NoDemoUser {
            project: project.to_string(),
        });
    }
    let mut reporter = Reporter {
        json: args.json,
        started: Instant::now(),
        hops: Vec::new(),
    };
    if !args.json {
        reporter.line(&format!("mcp-fa check: the stack \"{project}\" end to end"))?;
    }
    let http = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(3))
        .timeout(Duration::from_secs(15))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(FusionAuthError::Client)?;
    let mut run = Run {
        state: &state,
        fusionauth: fusionauth_for(&state)?,
        http,
        started_server: None,
        endpoint: format!("http://127.0.0.1:{}/mcp", state.mcp_port),
        resource: stack_resource(&state),
        scopes: Vec::new(),
        client: None,
        client_hop_ran: false,
    };

    // Ctrl-C ends the hops, not the run: the self-test client is still cleaned up below.
    let interrupted = tokio::select! {
        result = hops(&mut reporter, &mut run) => result.map(|()| false)?,
        _ = tokio::signal::ctrl_c() => true,
    };
    if interrupted {
        let name = HOPS
            .get(reporter.hops.len())
            .copied()
            .unwrap_or(HOP_GET_NAME);
        reporter.push(HopRecord {
            name,
            status: Status::Fail,
            ms: None,
            detail: "interrupted".to_owned(),
            failure: Some(Failure::new(
                "INTERRUPTED",
                "the hop to finish",
                "interrupted (Ctrl-C)",
                "run `mcp-fa check` again",
            )),
        })?;
    }
    let completed = reporter
        .hops
        .iter()
        .take_while(|hop| hop.status == Status::Ok)
        .count();
    // The hop at `completed` failed (when there is one); the rest did not run.
    for name in HOPS.iter().skip(completed + 1) {
        reporter.skip(name)?;
    }

    // Clean up whatever this run may have registered, failure or not.
    if run.client_hop_ran {
        if args.keep_client {
            let detail = run
                .client
                .as_ref()
                .map(|c| format!("client id {}", c.client_id))
                .unwrap_or_default();
            reporter.hop(HOP_KEPT, async { Ok(((), detail)) }).await?;
        } else {
            let fusionauth = run.fusionauth.clone();
            reporter
                .hop(HOP_REMOVED, async {
                    remove_self_test_client(&fusionauth, &state)
                        .await
                        .map(|()| ((), String::new()))
                        .map_err(|error| {
                            Failure::new(
                                error.code(),
                                "the self-test application deleted from FusionAuth",
                                error.to_string(),
                                format!(
                                    "remove it by hand: `mcp-fa clients remove {SELF_TEST_CLIENT_NAME}{}`",
                                    project_flag(project)
                                ),
                            )
                        })
                })
                .await?;
        }
    } else {
        reporter.skip(if args.keep_client {
            HOP_KEPT
        } else {
            HOP_REMOVED
        })?;
    }
    if let Some(server) = run.started_server.take() {
        // It was ours for the duration only.
        let _ = server.shutdown().await;
    }

    let total = reporter.started.elapsed();
    let error = reporter.failed().map(|hop| {
        let failure = hop.failure.as_ref().expect("a failed hop has its failure");
        SelfTestError::HopFailed {
            hop: hop.name.to_owned(),
            cause: failure.code,
            got: failure.got.clone(),
        }
    });
    if args.json {
        let doc = reporter.document(project.as_str(), error.as_ref());
        reporter.line(&format!("{doc:#}"))?;
    } else {
        let passed = reporter
            .hops
            .iter()
            .filter(|hop| hop.status == Status::Ok)
            .count();
        let summary = match reporter.failed() {
            None => format!("all {passed} hops passed in {}", seconds(total)),
            Some(hop) => format!(
                "FAILED at \"{}\" after {} ({passed} of {} hops passed)",
                hop.name,
                seconds(total),
                reporter.hops.len()
            ),
        };
        reporter.line(&summary)?;
    }
    match error {
        Some(error) => Err(error),
        None => Ok(()),
    }
}

/// Runs the hops up to and including `get_name`, stopping at the first failure (each hop
/// records itself in `reporter`).
async fn hops(reporter: &mut Reporter, run: &mut Run<'_>) -> std::io::Result<()> {
    let project_flag = project_flag(&run.state.project);

    // 1. FusionAuth answers ready.
    let fusionauth = run.fusionauth.clone();
    let url = run.state.fusionauth_url.clone();
    let ready = reporter
        .hop(HOP_FUSIONAUTH, async {
            match fusionauth.status().await {
                Ok(readiness) if readiness.is_ready() => Ok(((), url)),
                Ok(readiness) => Err(Failure::new(
                    "FUSIONAUTH_NOT_READY",
                    format!("{url}/api/status answering 200 with JSON"),
                    readiness.to_string(),
                    format!(
                        "wait for it to finish starting, or see `mcp-fa status{project_flag}` and `mcp-fa logs fusionauth{project_flag}`"
                    ),
                )),
                Err(error) => Err(Failure::new(
                    "FUSIONAUTH_UNREACHABLE",
                    format!("FusionAuth answering at {url}"),
                    error.to_string(),
                    format!("start the stack again with `mcp-fa up{project_flag}`"),
                )),
            }
        })
        .await?;
    if ready.is_none() {
        return Ok(());
    }

    // 2. Something answers on the MCP port, with the spec's 401 challenge.
    let metadata_url = match probe_or_start(reporter, run).await? {
        Some(url) => url,
        None => return Ok(()),
    };

    // 3. The Protected Resource Metadata names this server and this stack's FusionAuth.
    let http = run.http.clone();
    let issuer = run.state.fusionauth_url.clone();
    let resource = run.resource.clone();
    let port = run.state.mcp_port;
    let scopes = reporter
        .hop(HOP_METADATA, async {
            let fetched = async {
                let response = http.get(&metadata_url).send().await.map_err(|e| e.without_url().to_string())?;
                let status = response.status();
                if !status.is_success() {
                    return Err(format!("HTTP {status}"));
                }
                response.json::<Value>().await.map_err(|e| format!("not JSON: {}", e.without_url()))
            };
            let doc = fetched.await.map_err(|got| {
                Failure::new(
                    "METADATA_UNREADABLE",
                    format!("the Protected Resource Metadata at {metadata_url}"),
                    got,
                    format!("the server on port {port} is not mcp-fa's; stop it, then run `mcp-fa check{project_flag}` again"),
                )
            })?;
            let servers: Vec<&str> = doc["authorization_servers"]
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let issuers_match = servers
                .iter()
                .any(|s| s.trim_end_matches('/') == issuer.trim_end_matches('/'));
            if !issuers_match {
                return Err(Failure::new(
                    "FOREIGN_SERVER",
                    format!("authorization_servers [{issuer}] (this stack's FusionAuth)"),
                    format!("authorization_servers {servers:?}"),
                    format!(
                        "the MCP server on port {port} is protected by another FusionAuth (another \
                         project's server?); stop it, then run `mcp-fa check{project_flag}` again"
                    ),
                ));
            }
            if doc["resource"].as_str() != Some(resource.as_str()) {
                return Err(Failure::new(
                    "FOREIGN_SERVER",
                    format!("resource {resource}"),
                    format!("resource {}", doc["resource"]),
                    format!(
                        "the server on port {port} was started with another public URL; tokens \
                         for this stack's clients name {resource}. Restart it with `mcp-fa serve{project_flag}`"
                    ),
                ));
            }
            let scopes: Vec<String> = doc["scopes_supported"]
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect())
                .filter(|s: &Vec<String>| !s.is_empty())
                .unwrap_or_else(|| vec!["openid".into(), "profile".into()]);
            Ok((scopes, format!("issuer {issuer}")))
        })
        .await?;
    let Some(scopes) = scopes else { return Ok(()) };
    run.scopes = scopes;

    // 4. The self-test client, registered or reused.
    run.client_hop_ran = true;
    let fusionauth = run.fusionauth.clone();
    let state = run.state;
    let client = reporter
        .hop(HOP_CLIENT, async {
            let client = ensure_self_test_client(&fusionauth, state)
                .await
                .map_err(|error| {
                    Failure::new(
                        error.code(),
                        "the self-test application registered in FusionAuth",
                        error.to_string(),
                        format!(
                            "check the API key and FusionAuth with `mcp-fa doctor{project_flag}`"
                        ),
                    )
                })?;
            let detail = format!(
                "{} {}…",
                if client.created {
                    "registered"
                } else {
                    "reused"
                },
                client.client_id.chars().take(8).collect::<String>()
            );
            Ok((client, detail))
        })
        .await?;
    let Some(client) = client else { return Ok(()) };
    run.client = Some(client.clone());

    // 5. The demo user logs in through the hosted login form.
    let scopes: Vec<&str> = run.scopes.iter().map(String::as_str).collect();
    let resource = run.resource.clone();
    let demo_email = state
        .user("demo")
        .map(|u| u.email.clone())
        .unwrap_or_default();
    let tokens = reporter
        .hop(HOP_LOGIN, async {
            let tokens = demo_login(&fusionauth, state, &client, &resource, &scopes)
                .await
                .map_err(|error| login_failure(&error, &demo_email, &project_flag))?;
            let granted = tokens.scope.clone().unwrap_or_else(|| scopes.join(" "));
            Ok((tokens, format!("scopes {granted}")))
        })
        .await?;
    let Some(tokens) = tokens else { return Ok(()) };

    // 6. An MCP client connects with the token and lists the tools.
    let endpoint = run.endpoint.clone();
    let token = tokens.access_token.expose().to_owned();
    let mcp = reporter
        .hop(HOP_TOOLS, async {
            let transport = StreamableHttpClientTransport::from_config(
                StreamableHttpClientTransportConfig::with_uri(endpoint.clone())
                    .auth_header(token.clone()),
            );
            let client = tokio::time::timeout(MCP_TIMEOUT, ClientConfig::default().serve(transport))
                .await
                .map_err(|_| mcp_failure("initialize", "no answer within 20 s".into()))?
                .map_err(|e| mcp_failure("initialize", scrub(&e.to_string(), &token)))?;
            let tools = tokio::time::timeout(MCP_TIMEOUT, client.list_all_tools())
                .await
                .map_err(|_| mcp_failure("tools/list", "no answer within 20 s".into()))?
                .map_err(|e| mcp_failure("tools/list", scrub(&e.to_string(), &token)))?;
            let mut names: Vec<String> = tools.iter().map(|t| t.name.to_string()).collect();
            names.sort();
            for needed in ["get_name", "whoami"] {
                if !names.iter().any(|n| n == needed) {
                    return Err(Failure::new(
                        "MCP_TOOLS_MISSING",
                        "tools/list naming get_name and whoami",
                        format!("tools: {}", names.join(", ")),
                        "the server on the stack's port is not mcp-fa's; stop it and run `mcp-fa serve`",
                    ));
                }
            }
            Ok((client, names.join(", ")))
        })
        .await?;
    let Some(mcp) = mcp else { return Ok(()) };

    let result = mcp_tools(
        reporter,
        run,
        &mcp,
        &state
            .user("demo")
            .map(|u| u.full_name.clone())
            .unwrap_or_default(),
    )
    .await;
    let _ = mcp.cancel().await;
    result
}

/// Hops 7 and 8: `whoami` and `get_name` over the connected MCP client.
async fn mcp_tools(
    reporter: &mut Reporter,
    run: &Run<'_>,
    mcp: &rmcp::service::RunningService<rmcp::RoleClient, ClientConfig>,
    full_name: &str,
) -> std::io::Result<()> {
    let resource = run.resource.clone();
    let whoami = reporter
        .hop(HOP_WHOAMI, async {
            let text = call_text(mcp, "whoami").await?;
            let claims: Value = serde_json::from_str(&text).map_err(|_| {
                mcp_failure("whoami", format!("an answer that is not JSON: {}", clip(&text)))
            })?;
            if claims["authenticated"] != json!(true) {
                return Err(Failure::new(
                    "MCP_NOT_AUTHENTICATED",
                    "whoami answering for the demo user's token",
                    clip(&claims.to_string()),
                    "the server's protection is off; restart it with `mcp-fa serve`",
                ));
            }
            let audience: Vec<String> = match &claims["audience"] {
                Value::Array(values) => values.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
                Value::String(one) => vec![one.clone()],
                _ => Vec::new(),
            };
            if !audience.contains(&resource) {
                return Err(Failure::new(
                    "MCP_WRONG_AUDIENCE",
                    format!("aud containing {resource}"),
                    format!("aud {audience:?}"),
                    "the token was not issued for this server; the self-test client must list it as an authorized resource",
                ));
            }
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or_default();
            if claims["expires_at"].as_u64().is_some_and(|exp| exp <= now) {
                return Err(Failure::new(
                    "MCP_TOKEN_EXPIRED",
                    "an expiry in the future",
                    format!("expires_at {}", claims["expires_at"]),
                    "check this machine's clock and FusionAuth's (the container's) clock",
                ));
            }
            Ok(((), format!("aud {resource}")))
        })
        .await?;
    if whoami.is_none() {
        return Ok(());
    }
    let expected = format!("Hello, {full_name}!");
    reporter
        .hop(HOP_GET_NAME, async {
            let text = call_text(mcp, "get_name").await?;
            if !text.starts_with("Hello, ") || text.contains("anonymous") {
                return Err(Failure::new(
                    "MCP_GET_NAME_UNEXPECTED",
                    format!("a greeting such as \"{expected}\""),
                    clip(&text),
                    "see the server's log (`mcp-fa logs mcp`) for the userinfo call it made",
                ));
            }
            Ok(((), text))
        })
        .await?;
    Ok(())
}

async fn call_text(
    mcp: &rmcp::service::RunningService<rmcp::RoleClient, ClientConfig>,
    tool: &'static str,
) -> Result<String, Failure> {
    let result = tokio::time::timeout(MCP_TIMEOUT, mcp.call_tool(CallToolRequestParams::new(tool)))
        .await
        .map_err(|_| mcp_failure(tool, "no answer within 20 s".into()))?
        .map_err(|e| mcp_failure(tool, e.to_string()))?;
    let doc = serde_json::to_value(&result).unwrap_or_default();
    let text = doc["content"][0]["text"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    if result.is_error == Some(true) {
        return Err(Failure::new(
            "MCP_TOOL_ERROR",
            format!("{tool} answering without an error"),
            clip(&text),
            "see the server's log (`mcp-fa logs mcp`)",
        ));
    }
    Ok(text)
}

fn mcp_failure(what: &str, got: String) -> Failure {
    Failure::new(
        "MCP_CALL_FAILED",
        format!("{what} answered over MCP with the demo user's token"),
        got,
        "see the server's log (`mcp-fa logs mcp`) for the request's outcome",
    )
}

/// Hop 2: the stack's MCP port answers with a 401 challenge naming its metadata, or nothing
/// answers and this run serves the stack itself. Returns the metadata URL.
async fn probe_or_start(
    reporter: &mut Reporter,
    run: &mut Run<'_>,
) -> std::io::Result<Option<String>> {
    let port = run.state.mcp_port;
    let project_flag = project_flag(&run.state.project);
    let http = run.http.clone();
    let endpoint = run.endpoint.clone();
    let state = run.state;
    let (metadata, server) = match reporter
        .hop(HOP_CHALLENGE, async {
            let (answer, server, started) = match challenge(&http, &endpoint).await {
                Ok(answer) => (answer, None, false),
                Err(error) if error.is_connect() => {
                    let config = ServeConfig::for_stack(state).map_err(|e| {
                        Failure::new(e.code(), "a configuration to serve the stack", e.to_string(), "check the state file")
                    })?;
                    let server = crate::server::start(config).await.map_err(|e| {
                        Failure::new(
                            e.code(),
                            format!("the MCP server serving on port {port}"),
                            format!("nothing answered, and starting one failed: {e}"),
                            format!("start it with `mcp-fa serve{project_flag}` and see what it says"),
                        )
                    })?;
                    let answer = challenge(&http, &endpoint).await.map_err(|e| {
                        Failure::new(
                            "MCP_UNREACHABLE",
                            format!("the in-process server answering on port {port}"),
                            e.without_url().to_string(),
                            format!("run `mcp-fa serve{project_flag}` and see what it says"),
                        )
                    })?;
                    (answer, Some(server), true)
                }
                Err(error) => {
                    return Err(Failure::new(
                        "MCP_UNREACHABLE",
                        format!("an MCP server on port {port}"),
                        error.without_url().to_string(),
                        format!("`mcp-fa status{project_flag}` shows whether the server runs"),
                    ));
                }
            };
            let (status, www_authenticate) = answer;
            let metadata = www_authenticate
                .as_deref()
                .filter(|_| status == 401)
                .and_then(resource_metadata_url);
            let Some(metadata) = metadata else {
                let got = match (status, &www_authenticate) {
                    (200..=299, _) => format!(
                        "HTTP {status} without a token: the server on port {port} is not protected"
                    ),
                    (401, Some(challenge)) => {
                        format!("401 with a challenge lacking resource_metadata: {challenge}")
                    }
                    (_, _) => format!("HTTP {status}"),
                };
                let fix = if (200..=299).contains(&status) {
                    format!(
                        "stop that server (`mcp-fa serve --no-auth`, or the walkthrough's server with protection off) and run `mcp-fa up --detach{project_flag}` or `mcp-fa serve{project_flag}`"
                    )
                } else {
                    format!(
                        "something other than this stack's MCP server answers on port {port}; stop it (`lsof -i :{port}` names it)"
                    )
                };
                if let Some(server) = server {
                    let _ = server.shutdown().await;
                }
                return Err(Failure::new(
                    "FOREIGN_SERVER",
                    "401 with WWW-Authenticate: Bearer resource_metadata=\"…\"",
                    got,
                    fix,
                ));
            };
            let detail = if started {
                format!("{endpoint}, started in-process")
            } else {
                endpoint.clone()
            };
            Ok(((metadata, server), detail))
        })
        .await?
    {
        Some(found) => found,
        None => return Ok(None),
    };
    run.started_server = server;
    if run.started_server.is_some() {
        run.endpoint = run
            .started_server
            .as_ref()
            .map(ServerHandle::local_endpoint)
            .unwrap_or_else(|| run.endpoint.clone());
    }
    Ok(Some(metadata))
}

/// POSTs an `initialize` without a token: (status, `WWW-Authenticate`).
async fn challenge(
    http: &reqwest::Client,
    endpoint: &str,
) -> Result<(u16, Option<String>), reqwest::Error> {
    let response = http
        .post(endpoint)
        .header(ACCEPT, "application/json, text/event-stream")
        .header(CONTENT_TYPE, "application/json")
        .body(
            json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
                "protocolVersion": "2025-06-18", "capabilities": {},
                "clientInfo": {"name": "mcp-fa-check", "version": env!("CARGO_PKG_VERSION")}}})
            .to_string(),
        )
        .send()
        .await?;
    let challenge = response
        .headers()
        .get(WWW_AUTHENTICATE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    Ok((response.status().as_u16(), challenge))
}

/// The `resource_metadata="…"` parameter of a Bearer challenge.
fn resource_metadata_url(challenge: &str) -> Option<String> {
    let start = challenge.find("resource_metadata=\"")? + "resource_metadata=\"".len();
    let end = start + challenge[start..].find('"')?;
    Some(challenge[start..end].to_owned())
}

fn login_failure(error: &SelfTestError, email: &str, project_flag: &str) -> Failure {
    let fix = match error {
        SelfTestError::Login(LoginError::WrongCredentials { .. }) => format!(
            "the demo user {email} must be active with the password in the state file (`mcp-fa \
             status{project_flag} --show-secrets` shows it); if it was changed or the user \
             deactivated in FusionAuth, set it back in the admin UI, or recreate the stack with \
             `mcp-fa down --volumes{project_flag}` and `mcp-fa up{project_flag}`"
        ),
        SelfTestError::Login(LoginError::RedirectUriNotRegistered { .. }) => format!(
            "remove the self-test client (`mcp-fa clients remove {SELF_TEST_CLIENT_NAME}{project_flag}`) \
             so the next run registers it afresh"
        ),
        SelfTestError::Login(LoginError::Authorization { .. })
        | SelfTestError::Login(LoginError::TokenRefused { .. }) => format!(
            "remove the self-test client (`mcp-fa clients remove {SELF_TEST_CLIENT_NAME}{project_flag}`) \
             and run `mcp-fa check{project_flag}` again; if it persists, `mcp-fa doctor{project_flag}`"
        ),
        _ => format!("`mcp-fa doctor{project_flag}` checks FusionAuth and the stack"),
    };
    // The fix says what to do, so the login error's own advice is not repeated.
    let got = match error {
        SelfTestError::Login(LoginError::WrongCredentials { message, .. }) => format!(
            "FusionAuth showed its login form again{}",
            message
                .as_deref()
                .map(|m| format!(", saying \"{m}\""))
                .unwrap_or_default()
        ),
        other => other.to_string(),
    };
    Failure::new(
        error.code(),
        format!("{email} logged in through FusionAuth's login page, a code exchanged for a token"),
        got,
        fix,
    )
}

/// "0.21 s", or "1.4 s" from a second on.
fn seconds(elapsed: Duration) -> String {
    let secs = elapsed.as_secs_f64();
    if secs < 1.0 {
        format!("{secs:.2} s")
    } else {
        format!("{secs:.1} s")
    }
}

/// One line of at most 200 characters.
fn clip(text: &str) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() > 200 {
        line.chars().take(200).collect::<String>() + "…"
    } else {
        line
    }
}

/// Takes the token out of an error text, should a transport error ever quote a header.
fn scrub(text: &str, token: &str) -> String {
    if token.is_empty() {
        text.to_owned()
    } else {
        text.replace(token, "[redacted]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_metadata_url_is_read_from_the_challenge() {
        assert_eq!(
            resource_metadata_url(
                "Bearer resource_metadata=\"http://localhost:8000/.well-known/oauth-protected-resource/mcp\", scope=\"openid profile\""
            )
            .as_deref(),
            Some("http://localhost:8000/.well-known/oauth-protected-resource/mcp")
        );
        assert_eq!(resource_metadata_url("Bearer realm=\"x\""), None);
    }

    #[test]
    fn the_self_test_client_is_told_apart_by_its_name() {
        assert!(is_self_test_client(SELF_TEST_CLIENT_NAME));
        assert!(!is_self_test_client("cursor"));
        assert!(ClientName::parse(SELF_TEST_CLIENT_NAME).is_ok());
        assert!(RedirectUri::parse(SELF_TEST_REDIRECT_URI).is_ok());
    }

    #[test]
    fn errors_name_the_command_to_run() {
        let error = SelfTestError::NoStack {
            project: "default".into(),
        };
        assert!(error.to_string().contains("`mcp-fa up`"), "{error}");
        assert_eq!(error.code(), "NOT_RUNNING");
        let error = SelfTestError::NoStack {
            project: "work".into(),
        };
        assert!(
            error.to_string().contains("`mcp-fa up --project work`"),
            "{error}"
        );
    }
}
