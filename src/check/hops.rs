//! The hops of `mcp-fa check`, in order: FusionAuth ready → the MCP server's 401 challenge →
//! Protected Resource Metadata → the self-test client → the demo user's login → an MCP client
//! with the token (tools/list, whoami, get_name) → the self-test client removed (or kept).
//!
//! Each hop is timed and recorded; the first failure stops the rest (recorded as skipped), and
//! the self-test client is cleaned up whatever happened, Ctrl-C included.

use std::time::Duration;

use serde_json::{Value, json};

use super::client::SELF_TEST_CLIENT_NAME;
use super::client::stack_resource;
use super::client::{ensure_self_test_client, fusionauth_for, remove_self_test_client};
use super::error::SelfTestError;
use super::login::demo_login;
use super::mcp::{McpClient, McpError, RawAnswer, call_without_token};
use super::report::{Hop, HopFailure, HopStatus, Recorder, Report};
use super::shared::{clip, get_json};
use crate::clients::RegisteredClient;
use crate::fusionauth::{FusionAuthClient, FusionAuthError, LoginError};
use crate::project::ProjectName;
use crate::server::{BearerChallenge, ServeConfig, ServerHandle};
use crate::state::now_secs;
use crate::state::{StackState, StateStore};

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

/// A self-test of one stack, ready to run: the stack is known and has a demo user.
pub struct SelfTest {
    state: StackState,
    keep_client: bool,
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

impl SelfTest {
    /// Finds the stack `project` in `store`; `keep_client` leaves the self-test client
    /// registered afterwards.
    pub fn prepare(
        store: &StateStore,
        project: &ProjectName,
        keep_client: bool,
    ) -> Result<Self, SelfTestError> {
        let state = store.load(project)?.ok_or_else(|| SelfTestError::NoStack {
            project: project.to_owned(),
        })?;
        if state.user("demo").is_none() {
            return Err(SelfTestError::NoDemoUser {
                project: project.to_owned(),
            });
        }
        Ok(Self { state, keep_client })
    }

    /// Runs every hop, handing each to `on_hop` as it ends. A failed hop is in the report, not
    /// an error; an error means the run could not start.
    pub async fn run(self, mut on_hop: impl FnMut(&Hop) + Send) -> Result<Report, SelfTestError> {
        let state = &self.state;
        let project = &state.project;
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(3))
            .timeout(Duration::from_secs(15))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(FusionAuthError::Client)?;
        let mut run = Run {
            state,
            fusionauth: fusionauth_for(state)?,
            http,
            started_server: None,
            endpoint: format!("http://127.0.0.1:{}/mcp", state.mcp_port),
            resource: stack_resource(state),
            scopes: Vec::new(),
            client: None,
            client_hop_ran: false,
        };
        let mut recorder = Recorder::new(&mut on_hop);

        // Ctrl-C ends the hops, not the run: the self-test client is still cleaned up below.
        let interrupted = tokio::select! {
            () = hops(&mut recorder, &mut run) => false,
            _ = tokio::signal::ctrl_c() => true,
        };
        if interrupted {
            let name = HOPS
                .get(recorder.hops.len())
                .copied()
                .unwrap_or(HOP_GET_NAME);
            recorder.push(Hop {
                name,
                status: HopStatus::Fail,
                elapsed: None,
                detail: "interrupted".to_owned(),
                failure: Some(HopFailure::new(
                    "INTERRUPTED",
                    "the hop to finish",
                    "interrupted (Ctrl-C)",
                    "run `mcp-fa check` again",
                )),
            });
        }
        let completed = recorder
            .hops
            .iter()
            .take_while(|hop| hop.status == HopStatus::Ok)
            .count();
        // The hop at `completed` failed (when there is one); the rest did not run.
        for name in HOPS.iter().skip(completed + 1) {
            recorder.skip(name);
        }

        // Clean up whatever this run may have registered, failure or not.
        if !run.client_hop_ran {
            recorder.skip(if self.keep_client {
                HOP_KEPT
            } else {
                HOP_REMOVED
            });
        } else if self.keep_client {
            let detail = run
                .client
                .as_ref()
                .map(|c| format!("client id {}", c.client_id))
                .unwrap_or_default();
            recorder.hop(HOP_KEPT, async { Ok(((), detail)) }).await;
        } else {
            let fusionauth = run.fusionauth.clone();
            recorder
                .hop(HOP_REMOVED, async {
                    remove_self_test_client(&fusionauth)
                        .await
                        .map(|()| ((), String::new()))
                        .map_err(|error| {
                            HopFailure::new(
                                error.code(),
                                "the self-test application deleted from FusionAuth",
                                error.to_string(),
                                format!(
                                    "remove it by hand: `mcp-fa clients remove {SELF_TEST_CLIENT_NAME}{}`",
                                    project.flag()
                                ),
                            )
                        })
                })
                .await;
        }
        if let Some(server) = run.started_server.take() {
            // It was ours for the duration only.
            let _ = server.shutdown().await;
        }
        Ok(recorder.finish(project))
    }
}

/// Runs the hops up to and including `get_name`, stopping at the first failure (each hop
/// records itself).
async fn hops(recorder: &mut Recorder<'_>, run: &mut Run<'_>) {
    let project_flag = run.state.project.flag();

    // 1. FusionAuth answers ready.
    let fusionauth = run.fusionauth.clone();
    let url = run.state.fusionauth_url.clone();
    let ready = recorder
        .hop(HOP_FUSIONAUTH, async {
            match fusionauth.status().await {
                Ok(readiness) if readiness.is_ready() => Ok(((), url)),
                Ok(readiness) => Err(HopFailure::new(
                    "FUSIONAUTH_NOT_READY",
                    format!("{url}/api/status answering 200 with JSON"),
                    readiness.to_string(),
                    format!(
                        "wait for it to finish starting, or see `mcp-fa status{project_flag}` and `mcp-fa logs fusionauth{project_flag}`"
                    ),
                )),
                Err(error) => Err(HopFailure::new(
                    "FUSIONAUTH_UNREACHABLE",
                    format!("FusionAuth answering at {url}"),
                    error.to_string(),
                    format!("start the stack again with `mcp-fa up{project_flag}`"),
                )),
            }
        })
        .await;
    if ready.is_none() {
        return;
    }

    // 2. Something answers on the MCP port, with the spec's 401 challenge.
    let Some(metadata_url) = probe_or_start(recorder, run).await else {
        return;
    };

    // 3. The Protected Resource Metadata names this server and this stack's FusionAuth.
    let Some(scopes) = metadata(recorder, run, &metadata_url).await else {
        return;
    };
    run.scopes = scopes;

    // 4. The self-test client, registered or reused.
    run.client_hop_ran = true;
    let fusionauth = run.fusionauth.clone();
    let state = run.state;
    let client = recorder
        .hop(HOP_CLIENT, async {
            let client = ensure_self_test_client(&fusionauth, state)
                .await
                .map_err(|error| {
                    HopFailure::new(
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
        .await;
    let Some(client) = client else { return };
    run.client = Some(client.clone());

    // 5. The demo user logs in through the hosted login form.
    let scopes: Vec<&str> = run.scopes.iter().map(String::as_str).collect();
    let resource = run.resource.clone();
    let demo_email = state
        .user("demo")
        .map(|u| u.email.clone())
        .unwrap_or_default();
    let tokens = recorder
        .hop(HOP_LOGIN, async {
            let tokens = demo_login(&fusionauth, state, &client, &resource, &scopes)
                .await
                .map_err(|error| login_failure(&error, &demo_email, &project_flag))?;
            let granted = tokens.scope.clone().unwrap_or_else(|| scopes.join(" "));
            Ok((tokens, format!("scopes {granted}")))
        })
        .await;
    let Some(tokens) = tokens else { return };

    // 6. An MCP client connects with the token and lists the tools.
    let endpoint = run.endpoint.clone();
    let token = tokens.access_token.expose();
    let mcp = recorder
        .hop(HOP_TOOLS, async {
            let client = McpClient::connect(&endpoint, token)
                .await
                .map_err(|e| mcp_failure("initialize", &e))?;
            let names = match client.tool_names().await {
                Ok(names) => names,
                Err(error) => {
                    client.close().await;
                    return Err(mcp_failure("tools/list", &error));
                }
            };
            for needed in ["get_name", "whoami"] {
                if !names.iter().any(|n| n == needed) {
                    client.close().await;
                    return Err(HopFailure::new(
                        "MCP_TOOLS_MISSING",
                        "tools/list naming get_name and whoami",
                        format!("tools: {}", names.join(", ")),
                        "the server on the stack's port is not mcp-fa's; stop it and run `mcp-fa serve`",
                    ));
                }
            }
            Ok((client, names.join(", ")))
        })
        .await;
    let Some(mcp) = mcp else { return };

    let full_name = state
        .user("demo")
        .map(|u| u.full_name.clone())
        .unwrap_or_default();
    mcp_tools(recorder, &run.resource, &mcp, &full_name).await;
    mcp.close().await;
}

/// Hop 2: the stack's MCP port answers with a 401 challenge naming its metadata, or nothing
/// answers and this run serves the stack itself. Returns the metadata URL.
async fn probe_or_start(recorder: &mut Recorder<'_>, run: &mut Run<'_>) -> Option<String> {
    let port = run.state.mcp_port;
    let project_flag = run.state.project.flag();
    let http = run.http.clone();
    let endpoint = run.endpoint.clone();
    let state = run.state;
    let (metadata, server) = recorder
        .hop(HOP_CHALLENGE, async {
            let probe = || call_without_token(&http, &endpoint, "tools/list", None);
            let (answer, server) = match probe().await {
                Ok(answer) => (answer, None),
                Err(error) if error.is_connect() => {
                    let config = ServeConfig::for_stack(state).map_err(|e| {
                        HopFailure::new(
                            e.code(),
                            "a configuration to serve the stack",
                            e.to_string(),
                            "check the state file",
                        )
                    })?;
                    let server = crate::server::start(config).await.map_err(|e| {
                        HopFailure::new(
                            e.code(),
                            format!("the MCP server serving on port {port}"),
                            format!("nothing answered, and starting one failed: {e}"),
                            format!(
                                "start it with `mcp-fa serve{project_flag}` and see what it says"
                            ),
                        )
                    })?;
                    match probe().await {
                        Ok(answer) => (answer, Some(server)),
                        Err(e) => {
                            let _ = server.shutdown().await;
                            return Err(HopFailure::new(
                                "MCP_UNREACHABLE",
                                format!("the in-process server answering on port {port}"),
                                e.without_url().to_string(),
                                format!("run `mcp-fa serve{project_flag}` and see what it says"),
                            ));
                        }
                    }
                }
                Err(error) => {
                    return Err(HopFailure::new(
                        "MCP_UNREACHABLE",
                        format!("an MCP server on port {port}"),
                        error.without_url().to_string(),
                        format!("`mcp-fa status{project_flag}` shows whether the server runs"),
                    ));
                }
            };
            let metadata = match metadata_url(&answer, port, &project_flag) {
                Ok(url) => url,
                Err(failure) => {
                    if let Some(server) = server {
                        let _ = server.shutdown().await;
                    }
                    return Err(failure);
                }
            };
            let detail = if server.is_some() {
                format!("{endpoint}, started in-process")
            } else {
                endpoint.clone()
            };
            Ok(((metadata, server), detail))
        })
        .await?;
    if let Some(server) = &server {
        run.endpoint = server.local_endpoint();
    }
    run.started_server = server;
    Some(metadata)
}

/// The metadata URL of a 401's challenge, or why there is none (`port`, `project_flag`: for
/// the fix).
fn metadata_url(answer: &RawAnswer, port: u16, project_flag: &str) -> Result<String, HopFailure> {
    let status = answer.status;
    let found = answer
        .challenge
        .as_deref()
        .filter(|_| status == 401)
        .and_then(|header| {
            BearerChallenge::parse(header)
                .resource_metadata()
                .map(str::to_owned)
        });
    if let Some(url) = found {
        return Ok(url);
    }
    let got = match (status, &answer.challenge) {
        (200..=299, _) => {
            format!("HTTP {status} without a token: the server on port {port} is not protected")
        }
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
    Err(HopFailure::new(
        "FOREIGN_SERVER",
        "401 with WWW-Authenticate: Bearer resource_metadata=\"…\"",
        got,
        fix,
    ))
}

/// Hop 3: the metadata names this server and this stack's issuer. Returns the scopes to ask
/// for.
async fn metadata(
    recorder: &mut Recorder<'_>,
    run: &Run<'_>,
    metadata_url: &str,
) -> Option<Vec<String>> {
    let project_flag = run.state.project.flag();
    let issuer = run.state.issuer();
    let resource = run.resource.as_str();
    let port = run.state.mcp_port;
    recorder
        .hop(HOP_METADATA, async {
            let doc = get_json(&run.http, metadata_url).await.map_err(|got| {
                HopFailure::new(
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
                return Err(HopFailure::new(
                    "FOREIGN_SERVER",
                    format!("authorization_servers [{issuer}] (this stack's issuer)"),
                    format!("authorization_servers {servers:?}"),
                    format!(
                        "the MCP server on port {port} is protected by another FusionAuth (another \
                         project's server?); stop it, then run `mcp-fa check{project_flag}` again"
                    ),
                ));
            }
            if doc["resource"].as_str() != Some(resource) {
                return Err(HopFailure::new(
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
        .await
}

/// Hops 7 and 8: `whoami` and `get_name` over the connected MCP client.
async fn mcp_tools(recorder: &mut Recorder<'_>, resource: &str, mcp: &McpClient, full_name: &str) {
    let whoami = recorder
        .hop(HOP_WHOAMI, async {
            let text = call_text(mcp, "whoami").await?;
            let claims: Value = serde_json::from_str(&text).map_err(|_| {
                HopFailure::new(
                    "MCP_CALL_FAILED",
                    "whoami answered over MCP with the demo user's token",
                    format!("an answer that is not JSON: {}", clip(&text, 200)),
                    MCP_LOG_FIX,
                )
            })?;
            if claims["authenticated"] != json!(true) {
                return Err(HopFailure::new(
                    "MCP_NOT_AUTHENTICATED",
                    "whoami answering for the demo user's token",
                    clip(&claims.to_string(), 200),
                    "the server's protection is off; restart it with `mcp-fa serve`",
                ));
            }
            let audience: Vec<String> = match &claims["audience"] {
                Value::Array(values) => values.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
                Value::String(one) => vec![one.clone()],
                _ => Vec::new(),
            };
            if !audience.iter().any(|a| a == resource) {
                return Err(HopFailure::new(
                    "MCP_WRONG_AUDIENCE",
                    format!("aud containing {resource}"),
                    format!("aud {audience:?}"),
                    "the token was not issued for this server; the self-test client must list it as an authorized resource",
                ));
            }
            if claims["expires_at"].as_u64().is_some_and(|exp| exp <= now_secs()) {
                return Err(HopFailure::new(
                    "MCP_TOKEN_EXPIRED",
                    "an expiry in the future",
                    format!("expires_at {}", claims["expires_at"]),
                    "check this machine's clock and FusionAuth's (the container's) clock",
                ));
            }
            Ok(((), format!("aud {resource}")))
        })
        .await;
    if whoami.is_none() {
        return;
    }
    let expected = format!("Hello, {full_name}!");
    recorder
        .hop(HOP_GET_NAME, async {
            let text = call_text(mcp, "get_name").await?;
            if !text.starts_with("Hello, ") || text.contains("anonymous") {
                return Err(HopFailure::new(
                    "MCP_GET_NAME_UNEXPECTED",
                    format!("a greeting such as \"{expected}\""),
                    clip(&text, 200),
                    "see the server's log (`mcp-fa logs mcp`) for the userinfo call it made",
                ));
            }
            Ok(((), text))
        })
        .await;
}

const MCP_LOG_FIX: &str = "see the server's log (`mcp-fa logs mcp`) for the request's outcome";

async fn call_text(mcp: &McpClient, tool: &'static str) -> Result<String, HopFailure> {
    let answer = mcp.call(tool).await.map_err(|e| mcp_failure(tool, &e))?;
    if answer.is_error {
        return Err(HopFailure::new(
            "MCP_TOOL_ERROR",
            format!("{tool} answering without an error"),
            clip(&answer.text, 200),
            "see the server's log (`mcp-fa logs mcp`)",
        ));
    }
    Ok(answer.text)
}

fn mcp_failure(what: &str, error: &McpError) -> HopFailure {
    HopFailure::new(
        "MCP_CALL_FAILED",
        format!("{what} answered over MCP with the demo user's token"),
        error.to_string(),
        MCP_LOG_FIX,
    )
}

fn login_failure(error: &SelfTestError, email: &str, project_flag: &str) -> HopFailure {
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
    HopFailure::new(
        error.code(),
        format!("{email} logged in through FusionAuth's login page, a code exchanged for a token"),
        got,
        fix,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, challenge: Option<&str>) -> RawAnswer {
        RawAnswer {
            status,
            challenge: challenge.map(str::to_owned),
            message: None,
            body: String::new(),
        }
    }

    #[test]
    fn the_metadata_url_is_read_from_a_401_challenge_only() {
        let metadata = "http://localhost:8000/.well-known/oauth-protected-resource/mcp";
        let challenge =
            format!("Bearer resource_metadata=\"{metadata}\", scope=\"openid profile\"");
        assert_eq!(
            metadata_url(&answer(401, Some(&challenge)), 8000, "")
                .ok()
                .as_deref(),
            Some(metadata)
        );
        let unprotected = metadata_url(&answer(200, None), 8000, "").expect_err("no challenge");
        assert_eq!(unprotected.code, "FOREIGN_SERVER");
        assert!(
            unprotected.got.contains("is not protected"),
            "{}",
            unprotected.got
        );
        let bare = metadata_url(
            &answer(401, Some("Bearer realm=\"x\"")),
            8000,
            " --project work",
        )
        .expect_err("no metadata");
        assert!(
            bare.got.contains("lacking resource_metadata"),
            "{}",
            bare.got
        );
        assert!(bare.fix.contains("lsof -i :8000"), "{}", bare.fix);
    }

    #[test]
    fn a_token_never_reaches_a_hop_failure() {
        let error = McpError::Failed(crate::check::shared::scrub(
            "Bearer abc.def rejected",
            "abc.def",
        ));
        let failure = mcp_failure("initialize", &error);
        assert!(!failure.got.contains("abc.def"), "{}", failure.got);
    }
}
