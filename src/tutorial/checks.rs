//! The checks a tutorial step's `verify` names: each probes the real thing (Docker, FusionAuth's
//! API, the walkthrough's MCP server and its record of calls, HTTP requests to a server) and
//! returns a [`Verdict`] saying what it saw and, when it failed, what usually causes that and the
//! exact fix.
//!
//! It owns the meaning of every name in [`VERIFY_NAMES`] and the self-test client the checks
//! register (removed by [`Checker::finish`]). It must not print (the runner renders verdicts),
//! panic, put a secret (API key, password, token) into a verdict, write the state file, stop a
//! server it did not start, or wait on the network without a bound: every request has a few
//! seconds, every check a minute at most.

use std::collections::BTreeMap;
use std::future::Future;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, WWW_AUTHENTICATE};
use serde_json::{Value, json};

use super::self_test::{
    SELF_TEST_CLIENT_NAME, demo_login, ensure_self_test_client, is_self_test_client,
    remove_self_test_client, stack_resource,
};
use crate::clients::{ClientKind, ClientRegistrar, RegisteredClient, snippet_for_stack};
use crate::docker::{Docker, DockerError, Environment};
use crate::fusionauth::{
    FusionAuthClient, FusionAuthError, KeyAlgorithm, LoginError, Timeouts, Tokens,
};
use crate::project::ProjectName;
use crate::server::{CallOutcome, CallRecord, ScopeMode, ServeConfig, ServerHandle};
use crate::state::{self, StackState, StateStore};

/// Every name a step's `verify` may use.
pub const VERIFY_NAMES: &[&str] = &[
    "none",
    "docker_reachable",
    "kickstart_configured",
    "unprotected_call_answers",
    "protected_call_challenged",
    "client_registered",
    "client_configured",
    "authenticated_get_name_seen",
    "token_inspected",
    "insufficient_scope_seen",
    "stack_removed",
];

/// One HTTP request (FusionAuth's API, the MCP server, discovery documents).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(8);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// A login through the hosted form is several requests in a row.
const LOGIN_TIMEOUT: Duration = Duration::from_secs(25);
/// Starting a temporary server discovers the issuer's keys first.
const SERVER_START_TIMEOUT: Duration = Duration::from_secs(15);
/// Docker tries each endpoint it finds, a few seconds each.
const DOCKER_TIMEOUT: Duration = Duration::from_secs(20);
/// Nothing a check does may take longer than this, whatever hangs.
const CHECK_TIMEOUT: Duration = Duration::from_secs(90);

/// The MCP protocol version of the self-contained requests the checks send: no `initialize` and
/// no session, one HTTP request per call.
const STATELESS_PROTOCOL: &str = "2026-07-28";

/// The checks' `?`: the `Ok` value, or return the `Err` verdict from the check. A check answers
/// with a [`Verdict`] whatever went wrong, so `?` itself does not fit its return type.
macro_rules! or_verdict {
    ($result:expr) => {
        match $result {
            Ok(value) => value,
            Err(verdict) => return verdict,
        }
    };
}

/// Whether a person walks through the steps with the in-process server, or everything runs
/// unattended (`tutorial --check`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Interactive,
    Headless,
}

/// What a check may look at.
pub struct CheckContext<'a> {
    pub project: &'a ProjectName,
    pub store: &'a StateStore,
    pub mode: Mode,
    /// The walkthrough's in-process server (interactive mode).
    pub server: Option<&'a ServerHandle>,
    /// Only calls recorded after this sequence number count (the step's start).
    pub calls_since: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Passed,
    Failed,
    /// Cannot be checked from here; the verdict says what to look at by hand.
    Manual,
}

/// A check's answer. `summary`: one line of what was seen; `details`: what it saw, what usually
/// causes it, the exact fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub outcome: Outcome,
    pub summary: String,
    pub details: Vec<String>,
}

impl Verdict {
    fn passed(summary: impl Into<String>, details: Vec<String>) -> Self {
        Self {
            outcome: Outcome::Passed,
            summary: summary.into(),
            details,
        }
    }

    fn failed(summary: impl Into<String>, details: Vec<String>) -> Self {
        Self {
            outcome: Outcome::Failed,
            summary: summary.into(),
            details,
        }
    }

    fn manual(summary: impl Into<String>, details: Vec<String>) -> Self {
        Self {
            outcome: Outcome::Manual,
            summary: summary.into(),
            details,
        }
    }
}

/// Runs checks, remembering what they set up (the self-test client) so [`Checker::finish`] can
/// remove it.
#[derive(Debug, Default)]
pub struct Checker {
    /// The self-test client a check registered or reused, and the project it belongs to.
    self_test: Option<SelfTestClient>,
    /// The calls the checks themselves made to the walkthrough's server, so they are never
    /// taken for the reader's.
    own_calls: OwnCalls,
}

/// Ranges `(before, after]` of call sequence numbers the checks made.
#[derive(Debug, Default)]
struct OwnCalls(Vec<(u64, u64)>);

impl OwnCalls {
    /// Counts every call recorded since `before` as the checks' own.
    fn mark(&mut self, server: &ServerHandle, before: u64) {
        let after = server.calls().last_seq();
        if after > before {
            self.0.push((before, after));
        }
    }

    fn contains(&self, seq: u64) -> bool {
        self.0
            .iter()
            .any(|(before, after)| seq > *before && seq <= *after)
    }
}

#[derive(Debug, Clone)]
struct SelfTestClient {
    project: ProjectName,
    client_id: String,
}

impl Checker {
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs the check `verify` names; an unknown name fails, saying so.
    pub async fn run(&mut self, verify: &str, ctx: &CheckContext<'_>) -> Verdict {
        let check = async {
            match verify {
                "none" => Verdict::passed("nothing to check in this step", Vec::new()),
                "docker_reachable" => docker_reachable().await,
                "kickstart_configured" => kickstart_configured(ctx).await,
                "unprotected_call_answers" => {
                    unprotected_call_answers(ctx, &mut self.own_calls).await
                }
                "protected_call_challenged" => {
                    protected_call_challenged(ctx, &mut self.own_calls).await
                }
                "client_registered" => self.client_registered(ctx).await,
                "client_configured" => client_configured(ctx).await,
                "authenticated_get_name_seen" => self.tool_answered(ctx, "get_name").await,
                "token_inspected" => self.tool_answered(ctx, "whoami").await,
                "insufficient_scope_seen" => self.insufficient_scope_seen(ctx).await,
                "stack_removed" => stack_removed(ctx).await,
                other => Verdict::failed(
                    format!("no check is named \"{other}\""),
                    vec![
                        format!(
                            "The step names the check \"{other}\", which this version of mcp-fa \
                             does not know. Known checks: {}.",
                            VERIFY_NAMES.join(", ")
                        ),
                        "Fix: correct the step's `verify:` line, or skip the step.".into(),
                    ],
                ),
            }
        };
        match tokio::time::timeout(CHECK_TIMEOUT, check).await {
            Ok(verdict) => verdict,
            Err(_) => Verdict::failed(
                format!(
                    "the check {verify} gave up after {} s",
                    CHECK_TIMEOUT.as_secs()
                ),
                vec![
                    "Something it waited for never answered (FusionAuth or the MCP server hung)."
                        .into(),
                    format!(
                        "Fix: `mcp-fa doctor{}` shows what is wrong with the stack; then retry.",
                        flag(ctx.project)
                    ),
                ],
            ),
        }
    }

    /// Removes the self-test client if a check registered one. Best effort and bounded: a stack
    /// already taken down has nothing left to remove.
    pub async fn finish(self, ctx: &CheckContext<'_>) {
        let Some(client) = self.self_test else {
            return;
        };
        let Ok(Some(state)) = ctx.store.load(&client.project) else {
            return;
        };
        let Ok(fusionauth) = fusionauth(&state) else {
            return;
        };
        let _ = tokio::time::timeout(
            REQUEST_TIMEOUT * 2,
            remove_self_test_client(&fusionauth, &state),
        )
        .await;
    }

    // ---- client_registered ----

    async fn client_registered(&mut self, ctx: &CheckContext<'_>) -> Verdict {
        let state = or_verdict!(load_state(ctx));
        let fusionauth = or_verdict!(fusionauth(&state));
        let project_flag = flag(ctx.project);
        let resource = resource_for(ctx, &state);
        let registrar = ClientRegistrar::new(&fusionauth);
        let registered = match bounded(REQUEST_TIMEOUT * 2, registrar.list()).await {
            Ok(Ok(list)) => list,
            Ok(Err(error)) => {
                return fusionauth_failed(
                    "list the registered clients",
                    &error.to_string(),
                    &state,
                );
            }
            Err(late) => return fusionauth_failed("list the registered clients", &late, &state),
        };
        let mut mine: Vec<&state::RegisteredClient> = state
            .clients
            .iter()
            .filter(|c| !is_self_test_client(&c.name))
            .collect();
        // Registered in this FusionAuth by mcp-fa but missing from the state file (another copy
        // of the state, or a file restored from a backup): still the user's.
        let extra: Vec<state::RegisteredClient> = registered
            .iter()
            .filter(|c| !is_self_test_client(&c.name))
            .filter(|c| !mine.iter().any(|m| m.client_id == c.client_id))
            .map(|c| state::RegisteredClient {
                name: c.name.clone(),
                client_id: c.client_id.clone(),
                redirect_uris: c.redirect_uris.clone(),
                kind: Some(c.kind.as_str().to_owned()),
            })
            .collect();
        mine.extend(extra.iter());

        if mine.is_empty() {
            if ctx.mode == Mode::Headless {
                return self
                    .self_test_registered(&fusionauth, &state, &resource)
                    .await;
            }
            return Verdict::failed(
                format!(
                    "no MCP client is registered for the stack \"{}\" yet",
                    ctx.project
                ),
                vec![
                    "FusionAuth has no Dynamic Client Registration, so every MCP client needs an \
                     application of its own before it can log in."
                        .into(),
                    format!(
                        "Fix: register yours, e.g. `mcp-fa clients add --kind mcp-remote{project_flag}`; \
                         kinds: {}. Add `--write-config` for clients with a configuration file \
                         (claude-desktop, cursor, vscode).",
                        kinds_list()
                    ),
                ],
            );
        }

        let mut good = Vec::new();
        let mut problems = Vec::new();
        for client in &mine {
            let found = registered.iter().find(|r| r.client_id == client.client_id);
            match found {
                Some(found) => match client_problems(found, &resource) {
                    None => good.push(found),
                    Some(problem) => {
                        problems.extend(problem_details(found, &problem, &project_flag))
                    }
                },
                None => {
                    let why = match bounded(
                        REQUEST_TIMEOUT,
                        fusionauth.get_application(&client.client_id),
                    )
                    .await
                    {
                        Ok(Ok(app)) if app.active == Some(false) => "is deactivated in FusionAuth",
                        Ok(Ok(_)) => "exists in FusionAuth but no longer carries mcp-fa's marker",
                        Ok(Err(error)) if error.is_not_found() => {
                            "was deleted from FusionAuth (its application is gone)"
                        }
                        _ => "could not be found in FusionAuth",
                    };
                    let kind = client.kind.as_deref().unwrap_or("custom");
                    problems.push(format!(
                        "{} (client id {}) {why}: logins with this client id fail with \"invalid \
                         client_id\", so its MCP client can never get a token.",
                        client.name, client.client_id
                    ));
                    problems.push(format!(
                        "Fix: register it again with `mcp-fa clients add --kind {kind} --name {}{project_flag}` \
                         (a new client id), then configure the client with the new id (step 7: \
                         `mcp-fa clients config {}{project_flag}`). {}",
                        client.name,
                        client.name,
                        forget_login(kind)
                    ));
                }
            }
        }
        if !problems.is_empty() {
            let summary = if good.is_empty() {
                "your MCP client's registration in FusionAuth is not usable".to_owned()
            } else {
                format!(
                    "{} client(s) are fine, but another registration is not usable",
                    good.len()
                )
            };
            return Verdict::failed(summary, problems);
        }
        let names: Vec<String> = good
            .iter()
            .map(|c| format!("{} ({})", c.name, c.kind))
            .collect();
        let details = good
            .iter()
            .map(|c| {
                format!(
                    "{}: client id {}, redirect URIs {}, resource {}.",
                    c.name,
                    c.client_id,
                    c.redirect_uris.join(", "),
                    resource
                )
            })
            .collect();
        Verdict::passed(
            format!("registered in FusionAuth: {}", names.join(", ")),
            details,
        )
    }

    /// Headless `client_registered` without a client of the user's: the self-test client goes
    /// through the same registration and is verified instead.
    async fn self_test_registered(
        &mut self,
        fusionauth: &FusionAuthClient,
        state: &StackState,
        resource: &str,
    ) -> Verdict {
        let client = or_verdict!(self.self_test_client(fusionauth, state).await);
        if let Some(problem) = client_problems(&client, resource) {
            return Verdict::failed(
                "the self-test client's registration is not usable",
                problem_details(&client, &problem, &flag(&state.project)),
            );
        }
        Verdict::passed(
            format!(
                "no client of yours is registered; the self-test client ({}) was registered and checked instead",
                client.client_id
            ),
            vec![format!(
                "It has the redirect URI {} and the resource {resource}, as `mcp-fa clients add` \
                 registers them.",
                client.redirect_uris.join(", ")
            )],
        )
    }

    /// Registers (or reuses) the self-test client, remembering it for [`Checker::finish`].
    async fn self_test_client(
        &mut self,
        fusionauth: &FusionAuthClient,
        state: &StackState,
    ) -> Result<RegisteredClient, Verdict> {
        let client = match bounded(
            REQUEST_TIMEOUT * 3,
            ensure_self_test_client(fusionauth, state),
        )
        .await
        {
            Ok(Ok(client)) => client,
            Ok(Err(error)) => {
                return Err(Verdict::failed(
                    "could not register the self-test client",
                    vec![
                        error.to_string(),
                        format!(
                            "Fix: `mcp-fa doctor{}` checks FusionAuth and the API key.",
                            flag(&state.project)
                        ),
                    ],
                ));
            }
            Err(late) => {
                return Err(fusionauth_failed(
                    "register the self-test client",
                    &late,
                    state,
                ));
            }
        };
        self.self_test = Some(SelfTestClient {
            project: state.project.clone(),
            client_id: client.client_id.clone(),
        });
        Ok(client)
    }

    /// The self-test client and a token of the demo user's for `resource`, asking for `scopes`.
    async fn self_test_login(
        &mut self,
        fusionauth: &FusionAuthClient,
        state: &StackState,
        resource: &str,
        scopes: &[&str],
    ) -> Result<(RegisteredClient, Tokens), Verdict> {
        let client = self.self_test_client(fusionauth, state).await?;
        match bounded(
            LOGIN_TIMEOUT,
            demo_login(fusionauth, state, &client, resource, scopes),
        )
        .await
        {
            Ok(Ok(tokens)) => Ok((client, tokens)),
            Ok(Err(error)) => Err(login_failed(&error, state, scopes)),
            Err(late) => Err(Verdict::failed(
                "the demo user's login did not finish",
                vec![
                    late,
                    format!(
                        "FusionAuth is slow or stuck; `mcp-fa logs fusionauth{}` shows why.",
                        flag(&state.project)
                    ),
                ],
            )),
        }
    }

    // ---- authenticated_get_name_seen and token_inspected ----

    /// `authenticated_get_name_seen` (`get_name`) and `token_inspected` (`whoami`): interactive,
    /// whether the reader's client called `tool`; unattended, the self-test client logs in and
    /// calls it on a temporary server, and its answer is judged.
    async fn tool_answered(&mut self, ctx: &CheckContext<'_>, tool: &str) -> Verdict {
        if ctx.mode == Mode::Interactive {
            return self.tool_call_seen(ctx, tool);
        }
        let session = or_verdict!(self.headless_session(ctx).await);
        let verdict = match session.call(tool).await {
            Err(verdict) => verdict,
            Ok(answer) if tool == "whoami" => judge_whoami(&session, &answer),
            Ok(answer) => judge_get_name(&session, &answer),
        };
        session.server.shutdown().await.ok();
        verdict
    }

    /// Interactive: whether the user's client called `tool` with a token the server accepted,
    /// after the step began; otherwise what the record of calls says went wrong.
    fn tool_call_seen(&self, ctx: &CheckContext<'_>, tool: &str) -> Verdict {
        let Some(server) = ctx.server else {
            return no_walkthrough_server(ctx);
        };
        let state = ctx.store.load(ctx.project).ok().flatten();
        let mine = users_clients(state.as_ref());
        let self_test_id = self.self_test.as_ref().map(|c| c.client_id.as_str());
        let records: Vec<CallRecord> = server
            .calls()
            .since(ctx.calls_since)
            .into_iter()
            .filter(|r| !self.own_calls.contains(r.seq))
            .filter(|r| r.client_id.is_none() || r.client_id.as_deref() != self_test_id)
            .collect();
        let demo = state
            .as_ref()
            .and_then(|s| s.user("demo"))
            .map(|u| u.email.clone());
        diagnose_calls(&CallsSeen {
            records: &records,
            tool,
            mine: &mine,
            resource: server.resource(),
            project_flag: &flag(ctx.project),
            demo_email: demo.as_deref(),
        })
    }

    // ---- insufficient_scope_seen ----

    async fn insufficient_scope_seen(&mut self, ctx: &CheckContext<'_>) -> Verdict {
        let state = or_verdict!(load_state(ctx));
        let fusionauth = or_verdict!(fusionauth(&state));
        let http = or_verdict!(http_client());
        let temporary = match (ctx.mode, ctx.server) {
            (Mode::Interactive, Some(server)) => {
                if !server.is_protected() {
                    return Verdict::failed(
                        "the walkthrough's server has its protection switched off",
                        vec![
                            "Without protection every call is answered, so no token can be too \
                             narrow."
                                .into(),
                            format!(
                                "Fix: the walkthrough switches protection on from step 5 on; \
                                 restart it at this step with `mcp-fa tutorial --step 10{}`.",
                                flag(ctx.project)
                            ),
                        ],
                    );
                }
                None
            }
            (Mode::Interactive, None) => return no_walkthrough_server(ctx),
            (Mode::Headless, _) => match temporary_protected_server(&state).await {
                Ok(server) => Some(server),
                Err(verdict) => return verdict,
            },
        };
        let server_ref: &ServerHandle = match (&temporary, ctx.server) {
            (Some(temp), _) => temp,
            (None, Some(server)) => server,
            (None, None) => return no_walkthrough_server(ctx),
        };
        let verdict = self
            .step_up(ctx, &state, &fusionauth, &http, server_ref)
            .await;
        if let Some(temp) = temporary {
            temp.shutdown().await.ok();
        }
        verdict
    }

    async fn step_up(
        &mut self,
        ctx: &CheckContext<'_>,
        state: &StackState,
        fusionauth: &FusionAuthClient,
        http: &reqwest::Client,
        server: &ServerHandle,
    ) -> Verdict {
        let resource = server.resource().to_owned();
        let (client, tokens) = or_verdict!(
            self.self_test_login(fusionauth, state, &resource, &["openid"])
                .await
        );
        let token = tokens.access_token.expose().to_owned();
        let before = server.calls().last_seq();
        let answer = call_with_token(http, server, &token, "get_name").await;
        self.own_calls.mark(server, before);
        let answer = or_verdict!(answer);
        let challenge = answer.challenge.clone().unwrap_or_default();
        let error = auth_param(&challenge, "error");
        let scope = auth_param(&challenge, "scope");
        if answer.status != 403 || error.as_deref() != Some("insufficient_scope") {
            let got = match answer.status {
                200 => {
                    "200: get_name was answered although the token carries only `openid`".to_owned()
                }
                status => format!(
                    "HTTP {status} with WWW-Authenticate: {}",
                    or_none(&challenge)
                ),
            };
            return Verdict::failed(
                "a token without get_name's scopes was not refused with 403 insufficient_scope",
                vec![
                    format!(
                        "The self-test client ({}) logged the demo user in asking for `openid` \
                         only and called get_name: {got}.",
                        client.client_id
                    ),
                    "This server does not check the tool's scopes; it is not the one mcp-fa \
                     serves, or it runs an old mcp-fa."
                        .into(),
                    format!(
                        "Fix: serve the stack with this mcp-fa (`mcp-fa serve{}`).",
                        flag(ctx.project)
                    ),
                ],
            );
        }
        let needed: Vec<String> = scope
            .as_deref()
            .unwrap_or_default()
            .split_whitespace()
            .map(str::to_owned)
            .collect();
        let expected = scope_mode(state).required_for("get_name");
        let lacking: Vec<&str> = expected
            .iter()
            .copied()
            .filter(|s| !needed.iter().any(|n| n == s))
            .collect();
        if !lacking.is_empty() {
            return Verdict::failed(
                "the 403 does not name every scope get_name needs",
                vec![
                    format!(
                        "The challenge was: {challenge}. get_name needs {}; `scope=` lacks {}.",
                        expected.join(" "),
                        lacking.join(" ")
                    ),
                    "A client steps up by asking for exactly the scopes in `scope=`, so it would \
                     log in again and still be refused."
                        .into(),
                ],
            );
        }
        let mut details = vec![
            format!(
                "The self-test client logged the demo user in asking for `openid` only, then \
                 called get_name: 403 with WWW-Authenticate: {challenge}."
            ),
            format!(
                "A client seeing this logs the user in again asking for `{}` (step-up), and the \
                 call then succeeds.",
                needed.join(" ")
            ),
        ];
        if ctx.mode == Mode::Interactive
            && let Some(walkthrough) = ctx.server
        {
            details.push(users_step_up(ctx, walkthrough, &self.own_calls));
        }
        Verdict::passed(
            format!(
                "a token with only `openid` gets 403 insufficient_scope, scope=\"{}\"",
                needed.join(" ")
            ),
            details,
        )
    }

    /// Headless: the stack's state, the self-test client logged in with the scopes the server
    /// asks for, and a temporary protected server on 127.0.0.1:0 for the stack.
    async fn headless_session(&mut self, ctx: &CheckContext<'_>) -> Result<Session, Verdict> {
        let state = load_state(ctx)?;
        let fusionauth = fusionauth(&state)?;
        let http = http_client()?;
        let server = temporary_protected_server(&state).await?;
        // The scopes the server's own challenge asks for, as an MCP client would.
        let asked: Vec<String> = challenge_scopes(&http, &server.local_endpoint())
            .await
            .unwrap_or_else(|| {
                scope_mode(&state)
                    .requested()
                    .iter()
                    .map(|s| (*s).to_owned())
                    .collect()
            });
        let asked_refs: Vec<&str> = asked.iter().map(String::as_str).collect();
        let resource = server.resource().to_owned();
        let (client, tokens) = match self
            .self_test_login(&fusionauth, &state, &resource, &asked_refs)
            .await
        {
            Ok(found) => found,
            Err(verdict) => {
                server.shutdown().await.ok();
                return Err(verdict);
            }
        };
        Ok(Session {
            state,
            http,
            server,
            client,
            tokens,
            scopes: asked,
        })
    }
}

/// What a headless check logged in with.
struct Session {
    state: StackState,
    http: reqwest::Client,
    server: ServerHandle,
    client: RegisteredClient,
    tokens: Tokens,
    scopes: Vec<String>,
}

impl Session {
    /// Calls `tool` on the temporary server with the session's token; no answer at all is a
    /// failed verdict (with the token scrubbed from the error).
    async fn call(&self, tool: &str) -> Result<McpAnswer, Verdict> {
        call_with_token(
            &self.http,
            &self.server,
            self.tokens.access_token.expose(),
            tool,
        )
        .await
    }
}

/// Calls `tool` on `server` with `token`, mapping a transport error to a failed verdict.
async fn call_with_token(
    http: &reqwest::Client,
    server: &ServerHandle,
    token: &str,
    tool: &str,
) -> Result<McpAnswer, Verdict> {
    mcp_call(
        http,
        &server.local_endpoint(),
        Some(token),
        "tools/call",
        Some(tool),
    )
    .await
    .map_err(|error| {
        Verdict::failed(
            format!("the MCP server did not answer {tool}"),
            vec![scrub(&error, token)],
        )
    })
}

// ---- shared pieces ----

/// ` --project X` for commands the user is told to run, nothing for the default project.
fn flag(project: impl AsRef<str>) -> String {
    let project = project.as_ref();
    if project == crate::project::DEFAULT_PROJECT {
        String::new()
    } else {
        format!(" --project {project}")
    }
}

/// The clients the user registered for the stack, the self-test client left out.
fn users_clients(state: Option<&StackState>) -> Vec<state::RegisteredClient> {
    state
        .map(|s| {
            s.clients
                .iter()
                .filter(|c| !is_self_test_client(&c.name))
                .cloned()
                .collect()
        })
        .unwrap_or_default()
}

fn load_state(ctx: &CheckContext<'_>) -> Result<StackState, Verdict> {
    let project_flag = flag(ctx.project);
    match ctx.store.load(ctx.project) {
        Ok(Some(state)) => Ok(state),
        Ok(None) => Err(Verdict::failed(
            format!("no stack named \"{}\" is known here", ctx.project),
            vec![
                format!(
                    "There is no state file at {}: `mcp-fa up` writes it once FusionAuth is \
                     configured, and nothing else knows where FusionAuth is or its API key.",
                    ctx.store.path(ctx.project).display()
                ),
                format!(
                    "Fix: start the stack with `mcp-fa up{project_flag}` (pass the same --project \
                     you started it with, if any)."
                ),
            ],
        )),
        Err(error) => Err(Verdict::failed(
            "the stack's state file cannot be read",
            vec![
                error.to_string(),
                format!("Fix: `mcp-fa doctor{project_flag}` says more about the state file."),
            ],
        )),
    }
}

/// A FusionAuth client for the stack with short timeouts (the CLI's are generous).
fn fusionauth(state: &StackState) -> Result<FusionAuthClient, Verdict> {
    let url = url::Url::parse(&state.fusionauth_url).map_err(|_| {
        Verdict::failed(
            "the state file's FusionAuth URL is not a URL",
            vec![format!(
                "It holds `{}`. Fix: recreate the stack with `mcp-fa down{flag}` and `mcp-fa up{flag}`.",
                state.fusionauth_url,
                flag = flag(&state.project)
            )],
        )
    })?;
    let client = FusionAuthClient::new(
        url,
        Timeouts {
            connect: CONNECT_TIMEOUT,
            request: REQUEST_TIMEOUT,
        },
    )
    .map_err(|error| Verdict::failed("cannot talk to FusionAuth", vec![error.to_string()]))?;
    // A key kickstart created moments ago is refused for a little while.
    Ok(client
        .with_api_key(state.api_key.clone())
        .with_new_key_grace(Duration::from_secs(5)))
}

fn http_client() -> Result<reqwest::Client, Verdict> {
    reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(REQUEST_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|error| {
            Verdict::failed(
                "cannot set up an HTTP client",
                vec![error.without_url().to_string()],
            )
        })
}

/// `work`, or a sentence saying it did not finish within `limit`.
async fn bounded<T>(limit: Duration, work: impl Future<Output = T>) -> Result<T, String> {
    tokio::time::timeout(limit, work)
        .await
        .map_err(|_| format!("no answer within {} s", limit.as_secs()))
}

/// The resource URI the stack's clients are registered for: the walkthrough's server's, else
/// the one `mcp-fa clients add` registers.
fn resource_for(ctx: &CheckContext<'_>, state: &StackState) -> String {
    match (ctx.mode, ctx.server) {
        (Mode::Interactive, Some(server)) => server.resource().to_owned(),
        _ => stack_resource(state),
    }
}

fn scope_mode(state: &StackState) -> ScopeMode {
    if state.license_id.is_some() {
        ScopeMode::Custom
    } else {
        ScopeMode::Standard
    }
}

fn kinds_list() -> String {
    ClientKind::ALL
        .iter()
        .map(|k| k.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The strings in a JSON array; nothing when `value` is not an array.
fn string_array(value: &Value) -> Vec<String> {
    value
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect()
}

fn or_none(text: &str) -> &str {
    if text.is_empty() { "(none)" } else { text }
}

/// Takes a token out of an error text, should one ever quote a header.
fn scrub(text: &str, token: &str) -> String {
    if token.is_empty() {
        text.to_owned()
    } else {
        text.replace(token, "[token]")
    }
}

fn clip(text: &str) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() > 240 {
        line.chars().take(240).collect::<String>() + "…"
    } else {
        line
    }
}

/// How to make a client of `kind` forget the login (tokens, client id) it keeps between runs.
fn forget_login(kind: &str) -> &'static str {
    match kind {
        "mcp-remote" | "claude-desktop" => {
            "mcp-remote keeps tokens and client details in ~/.mcp-auth: delete that folder \
             (`rm -rf ~/.mcp-auth`) and restart the client."
        }
        "claude-code" => {
            "In Claude Code, `/mcp` → the server → \"Clear authentication\", then connect again."
        }
        _ => {
            "Make the client forget its stored login for this server (sign out of it in the \
              client's MCP settings) and restart it."
        }
    }
}

fn fusionauth_failed(what: &str, error: &str, state: &StackState) -> Verdict {
    let project_flag = flag(&state.project);
    Verdict::failed(
        format!("could not {what} in FusionAuth"),
        vec![
            format!("FusionAuth at {}: {error}", state.fusionauth_url),
            "Usually FusionAuth is stopped (Docker restarted, `mcp-fa down`) or still starting."
                .into(),
            format!(
                "Fix: `mcp-fa status{project_flag}` shows the containers; `mcp-fa up{project_flag}` starts them again."
            ),
        ],
    )
}

fn no_walkthrough_server(ctx: &CheckContext<'_>) -> Verdict {
    let project_flag = flag(ctx.project);
    Verdict::failed(
        "the walkthrough's MCP server is not running",
        vec![
            "The walkthrough serves the MCP server itself once the stack is up; it could not \
             start it (FusionAuth not running, or the MCP port taken)."
                .into(),
            format!(
                "Fix: `mcp-fa up{project_flag}` brings the stack up; then `mcp-fa tutorial{project_flag}` \
                 resumes at this step."
            ),
        ],
    )
}

/// What is wrong with a client's application, for the stack's server.
struct Problem {
    missing_uris: Vec<String>,
    missing_resource: Option<String>,
    no_uris: bool,
}

fn client_problems(client: &RegisteredClient, resource: &str) -> Option<Problem> {
    let missing_uris: Vec<String> = client
        .kind
        .redirect_uris(client.port)
        .iter()
        .map(|u| u.to_string())
        .filter(|u| !client.redirect_uris.contains(u))
        .collect();
    let missing_resource =
        (!client.resources.iter().any(|r| r == resource)).then(|| resource.to_owned());
    let no_uris = client.redirect_uris.is_empty();
    (!missing_uris.is_empty() || missing_resource.is_some() || no_uris).then_some(Problem {
        missing_uris,
        missing_resource,
        no_uris,
    })
}

fn problem_details(
    client: &RegisteredClient,
    problem: &Problem,
    project_flag: &str,
) -> Vec<String> {
    let mut details = Vec::new();
    let who = format!(
        "{} ({}, client id {})",
        client.name, client.kind, client.client_id
    );
    if !problem.missing_uris.is_empty() {
        details.push(format!(
            "{who} lacks the redirect URI {}. {} sends the browser back to exactly that address \
             after the login, and FusionAuth refuses an address it does not list (the browser \
             shows \"invalid redirect_uri\"). Registered now: {}.",
            problem.missing_uris.join(", "),
            client.kind.display_name(),
            or_none(&client.redirect_uris.join(", "))
        ));
    } else if problem.no_uris {
        details.push(format!(
            "{who} has no redirect URI at all, so no login can come back to the client."
        ));
    }
    if let Some(resource) = &problem.missing_resource {
        details.push(format!(
            "{who} does not list {resource} among its authorized resources (it lists: {}). \
             FusionAuth then leaves this server out of the token's audience, and the server \
             refuses every call with 401 invalid_token.",
            or_none(&client.resources.join(", "))
        ));
    }
    let port = client
        .port
        .filter(|p| client.kind.default_port() != Some(*p))
        .map(|p| format!(" --port {p}"))
        .unwrap_or_default();
    let uris = if client.kind == ClientKind::Custom {
        client
            .redirect_uris
            .iter()
            .chain(problem.missing_uris.iter())
            .map(|u| format!(" --redirect-uri {u}"))
            .collect::<String>()
    } else {
        String::new()
    };
    details.push(format!(
        "Fix: register it afresh: `mcp-fa clients remove {name} --yes{project_flag}`, then `mcp-fa \
         clients add --kind {kind} --name {name}{port}{uris}{project_flag}`, and configure the client \
         with the new client id (`mcp-fa clients config {name}{project_flag}`); {} Or add what is \
         missing in FusionAuth's admin UI: Applications → \"{name} (MCP client)\" → OAuth.",
        forget_login(client.kind.as_str()),
        name = client.name,
        kind = client.kind,
    ));
    details
}

fn login_failed(error: &super::SelfTestError, state: &StackState, scopes: &[&str]) -> Verdict {
    let project_flag = flag(&state.project);
    let email = state
        .user("demo")
        .map(|u| u.email.clone())
        .unwrap_or_else(|| "the demo user".into());
    let fresh_client = format!(
        "Fix: remove the self-test client (`mcp-fa clients remove {SELF_TEST_CLIENT_NAME} --yes{project_flag}`) \
         so the next check registers it afresh."
    );
    let (cause, fix) = match error {
        super::SelfTestError::Login(LoginError::WrongCredentials { message, .. }) => (
            format!(
                "FusionAuth showed its login form again{}: the demo user's password in the state \
                 file no longer works (changed in the admin UI?), or the user was deactivated.",
                message
                    .as_deref()
                    .map(|m| format!(", saying \"{m}\""))
                    .unwrap_or_default()
            ),
            format!(
                "Fix: `mcp-fa status{project_flag} --show-secrets` shows the password mcp-fa \
                 expects; set it back in the admin UI (Users → {email}), or recreate the stack \
                 with `mcp-fa down --volumes{project_flag}` and `mcp-fa up{project_flag}`."
            ),
        ),
        super::SelfTestError::Login(
            LoginError::RedirectUriNotRegistered { .. }
            | LoginError::UnknownClient { .. }
            | LoginError::Authorization { .. },
        ) => (error.to_string(), fresh_client),
        super::SelfTestError::NoDemoUser { .. } => (
            error.to_string(),
            format!(
                "Fix: recreate the stack with `mcp-fa down --volumes{project_flag}` and `mcp-fa up{project_flag}`."
            ),
        ),
        other => (
            other.to_string(),
            format!("Fix: `mcp-fa doctor{project_flag}` checks FusionAuth and the stack."),
        ),
    };
    Verdict::failed(
        format!("the demo user {email} could not log in through FusionAuth"),
        vec![
            format!(
                "The self-test client logged {email} in through FusionAuth's hosted login form \
                 (authorization code + PKCE), asking for `{}`.",
                scopes.join(" ")
            ),
            cause,
            fix,
        ],
    )
}

/// A protected server for the stack on 127.0.0.1:0, public (and so its resource) as the stack's
/// own MCP URL, so tokens issued for the stack's clients are valid on it.
async fn temporary_protected_server(state: &StackState) -> Result<ServerHandle, Verdict> {
    let project_flag = flag(&state.project);
    let mut config = ServeConfig::for_stack(state).map_err(|error| {
        Verdict::failed(
            "cannot configure an MCP server for the stack",
            vec![error.to_string()],
        )
    })?;
    config.bind = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    config.public_url = url::Url::parse(&format!("http://localhost:{}", state.mcp_port)).ok();
    start_temporary(config, &project_flag).await
}

async fn start_temporary(config: ServeConfig, project_flag: &str) -> Result<ServerHandle, Verdict> {
    match bounded(SERVER_START_TIMEOUT, crate::server::start(config)).await {
        Ok(Ok(server)) => Ok(server),
        Ok(Err(error)) => Err(Verdict::failed(
            "could not start a temporary MCP server to check against",
            vec![
                error.to_string(),
                format!(
                    "It needs the stack's FusionAuth for its keys: `mcp-fa status{project_flag}` \
                     shows whether it runs, `mcp-fa up{project_flag}` starts it."
                ),
            ],
        )),
        Err(late) => Err(Verdict::failed(
            "could not start a temporary MCP server to check against",
            vec![format!("FusionAuth's discovery document or keys: {late}")],
        )),
    }
}

/// A URL the server advertises under its public origin, rewritten to where it really listens.
fn local_url(server: &ServerHandle, url: &str) -> String {
    match url.strip_prefix(server.urls().origin.as_str()) {
        Some(rest) => format!("http://{}{rest}", server.local_addr()),
        None => url.to_owned(),
    }
}

/// One answer from `/mcp`.
struct McpAnswer {
    status: u16,
    challenge: Option<String>,
    /// The JSON-RPC message (from JSON or the first server-sent event carrying one).
    message: Option<Value>,
    body: String,
}

impl McpAnswer {
    fn tool_text(&self) -> Option<String> {
        self.message
            .as_ref()?
            .pointer("/result/content/0/text")
            .and_then(Value::as_str)
            .map(str::to_owned)
    }

    fn is_tool_error(&self) -> bool {
        self.message
            .as_ref()
            .and_then(|m| m.pointer("/result/isError"))
            .and_then(Value::as_bool)
            .unwrap_or(false)
    }
}

/// A self-contained MCP request (the stateless protocol: no `initialize`, no session).
async fn mcp_call(
    http: &reqwest::Client,
    endpoint: &str,
    token: Option<&str>,
    method: &str,
    tool: Option<&str>,
) -> Result<McpAnswer, String> {
    let meta = json!({
        "io.modelcontextprotocol/protocolVersion": STATELESS_PROTOCOL,
        "io.modelcontextprotocol/clientCapabilities": {},
    });
    let params = match tool {
        Some(name) => json!({"name": name, "arguments": {}, "_meta": meta}),
        None => json!({"_meta": meta}),
    };
    let mut request = http
        .post(endpoint)
        .header(ACCEPT, "application/json, text/event-stream")
        .header(CONTENT_TYPE, "application/json")
        .header("mcp-protocol-version", STATELESS_PROTOCOL)
        .header("mcp-method", method)
        .body(json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).to_string());
    if let Some(name) = tool {
        request = request.header("mcp-name", name);
    }
    if let Some(token) = token {
        request = request.header(AUTHORIZATION, format!("Bearer {token}"));
    }
    let response = request
        .send()
        .await
        .map_err(|e| format!("{endpoint}: {}", e.without_url()))?;
    let status = response.status().as_u16();
    let challenge = response
        .headers()
        .get(WWW_AUTHENTICATE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = response
        .text()
        .await
        .map_err(|e| format!("{endpoint}: {}", e.without_url()))?;
    let message = serde_json::from_str::<Value>(&body).ok().or_else(|| {
        body.lines()
            .filter_map(|line| line.strip_prefix("data:"))
            .filter_map(|data| serde_json::from_str::<Value>(data.trim()).ok())
            .find(|m| m.get("result").is_some() || m.get("error").is_some())
    });
    Ok(McpAnswer {
        status,
        challenge,
        message,
        body,
    })
}

/// A parameter of a `WWW-Authenticate: Bearer …` challenge (quoted or not).
fn auth_param(challenge: &str, name: &str) -> Option<String> {
    let trimmed = challenge.trim_start();
    let mut rest = trimmed.strip_prefix("Bearer").unwrap_or(trimmed);
    loop {
        rest = rest.trim_start_matches(|c: char| c == ',' || c.is_whitespace());
        if rest.is_empty() {
            return None;
        }
        let eq = rest.find('=')?;
        let key = rest[..eq].trim();
        let after = &rest[eq + 1..];
        let (value, next) = match after.strip_prefix('"') {
            Some(quoted) => {
                let end = quoted.find('"')?;
                (&quoted[..end], &quoted[end + 1..])
            }
            None => {
                let end = after.find(',').unwrap_or(after.len());
                (after[..end].trim(), &after[end..])
            }
        };
        if key.eq_ignore_ascii_case(name) {
            return Some(value.to_owned());
        }
        rest = next;
    }
}

/// The scopes a server's 401 challenge asks for.
async fn challenge_scopes(http: &reqwest::Client, endpoint: &str) -> Option<Vec<String>> {
    let answer = bounded(
        REQUEST_TIMEOUT,
        mcp_call(http, endpoint, None, "tools/list", None),
    )
    .await
    .ok()?
    .ok()?;
    let scope = auth_param(answer.challenge.as_deref()?, "scope")?;
    let scopes: Vec<String> = scope.split_whitespace().map(str::to_owned).collect();
    (!scopes.is_empty()).then_some(scopes)
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

fn ago(at: SystemTime) -> String {
    match SystemTime::now().duration_since(at) {
        Ok(elapsed) if elapsed.as_secs() >= 1 => format!("{} s ago", elapsed.as_secs()),
        _ => "just now".into(),
    }
}

// ---- docker_reachable ----

async fn docker_reachable() -> Verdict {
    let environment = Environment::from_process();
    let node = node_note();
    match bounded(DOCKER_TIMEOUT, Docker::connect(&environment)).await {
        Ok(Ok(docker)) => {
            let connection = &docker.connection;
            Verdict::passed(
                format!(
                    "Docker answers at {} (version {})",
                    connection.endpoint.host, connection.server_version
                ),
                vec![
                    format!(
                        "Chosen because: {}. Docker {} on {}/{}.",
                        connection.endpoint.source,
                        connection.server_version,
                        connection.os,
                        connection.arch
                    ),
                    node,
                ],
            )
        }
        Ok(Err(DockerError::Unavailable {
            explicit,
            tried,
            installed,
            notes,
        })) => {
            let mut details = Vec::new();
            if tried.is_empty() {
                details.push(
                    "No Docker socket was found and DOCKER_HOST is not set, so there was nothing \
                     to try."
                        .to_owned(),
                );
            }
            for (host, why) in &tried {
                details.push(format!("Tried {host}: {why}."));
            }
            details.extend(notes.iter().map(|note| format!("Note: {note}.")));
            if let Some(variable) = &explicit {
                details.push(format!(
                    "{variable} chose this endpoint, so nothing else was tried. Usually it points \
                     at a daemon that is stopped, or was left over from another setup. Fix: start \
                     the daemon it points at, or `unset {variable}` to let mcp-fa find the local \
                     Docker."
                ));
            }
            if installed.is_empty() {
                details.push(
                    "Fix: install and start a Docker runtime (Docker Desktop, colima, OrbStack, \
                     podman or Docker Engine), or point DOCKER_HOST at a running daemon."
                        .into(),
                );
            } else {
                details.push(format!(
                    "Fix: start Docker: {}.",
                    DockerError::start_hints(&installed).join("; ")
                ));
            }
            details.push("`mcp-fa doctor` lists every endpoint it looked at.".into());
            Verdict::failed("no Docker daemon answered", details)
        }
        Ok(Err(other)) => Verdict::failed(
            "Docker answered, but not as expected",
            vec![
                other.to_string(),
                "Fix: `mcp-fa doctor` shows the endpoint and versions.".into(),
            ],
        ),
        Err(late) => Verdict::failed(
            "no Docker daemon answered in time",
            vec![
                format!("Docker: {late}."),
                "Fix: restart the Docker runtime; `mcp-fa doctor` lists the endpoints tried."
                    .into(),
            ],
        ),
    }
}

/// Whether `npx` is on PATH: mcp-remote (and Claude Desktop through it) needs Node.js. A note
/// only, never a failure: other clients do without it.
fn node_note() -> String {
    let found = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|dir| dir.join("npx"))
            .find(|candidate| candidate.is_file())
    });
    match found {
        Some(path) => format!(
            "Node.js: npx found at {} (mcp-remote and the MCP Inspector run through it).",
            path.display()
        ),
        None => "Node.js: npx is not on PATH. mcp-remote, Claude Desktop (through mcp-remote) \
                 and the MCP Inspector need Node.js 20 or newer; Claude Code, Cursor and VS Code \
                 do not."
            .into(),
    }
}

// ---- kickstart_configured ----

async fn kickstart_configured(ctx: &CheckContext<'_>) -> Verdict {
    let state = or_verdict!(load_state(ctx));
    let fusionauth = or_verdict!(fusionauth(&state));
    let project_flag = flag(ctx.project);
    let url = state.fusionauth_url.clone();
    let recreate = format!(
        "recreate the stack with `mcp-fa down --volumes{project_flag}` and `mcp-fa up{project_flag}` \
         (this deletes its users and clients)"
    );

    match bounded(REQUEST_TIMEOUT, fusionauth.status()).await {
        Ok(Ok(readiness)) if readiness.is_ready() => {}
        Ok(Ok(readiness)) => {
            return Verdict::failed(
                format!("FusionAuth at {url} is not ready: {readiness}"),
                vec![
                    "FusionAuth answers, but not yet (or no longer) with 200: it is still \
                     starting, or its database is unwell."
                        .into(),
                    format!(
                        "Fix: wait a few seconds and check again; `mcp-fa logs fusionauth{project_flag}` \
                         shows what it is doing."
                    ),
                ],
            );
        }
        Ok(Err(error)) => {
            return Verdict::failed(
                format!("FusionAuth does not answer at {url}"),
                vec![
                    error.to_string(),
                    "Usually its container is stopped (Docker restarted, `mcp-fa down`) or the \
                     port changed."
                        .into(),
                    format!(
                        "Fix: `mcp-fa status{project_flag}` shows the containers; `mcp-fa up{project_flag}` starts them again."
                    ),
                ],
            );
        }
        Err(late) => {
            return Verdict::failed(
                format!("FusionAuth at {url} did not answer in time"),
                vec![
                    format!("GET {url}/api/status: {late}."),
                    format!("Fix: `mcp-fa logs fusionauth{project_flag}` shows why it hangs."),
                ],
            );
        }
    }

    let tenant = match &state.tenant_id {
        Some(id) => bounded(REQUEST_TIMEOUT, fusionauth.get_tenant(id))
            .await
            .map(|r| r.map(Some)),
        None => bounded(REQUEST_TIMEOUT, fusionauth.list_tenants())
            .await
            .map(|r| r.map(|tenants| tenants.into_iter().next())),
    };
    let tenant = match tenant {
        Ok(Ok(Some(tenant))) => tenant,
        Ok(Ok(None)) => {
            return Verdict::failed(
                "FusionAuth has no tenant",
                vec![format!("Fix: {recreate}.")],
            );
        }
        Ok(Err(error)) => return api_failed(&error, &state, "read the tenant"),
        Err(late) => return fusionauth_failed("read the tenant", &late, &state),
    };

    let expected_issuer = state.fusionauth_url.trim_end_matches('/');
    let issuer = tenant.issuer.clone().unwrap_or_default();
    if issuer.trim_end_matches('/') != expected_issuer {
        return Verdict::failed(
            format!("the tenant's issuer is \"{issuer}\", not {expected_issuer}"),
            vec![
                "Every token's `iss` is the tenant's issuer; MCP clients and the server compare it \
                 with the URL they fetched the discovery document from, so a different issuer makes \
                 them refuse every token (FusionAuth's default is acme.com)."
                    .into(),
                format!(
                    "Fix: in FusionAuth's admin UI, Tenants → Edit → General → Issuer: set \
                     {expected_issuer}. Or {recreate}."
                ),
            ],
        );
    }

    let key_id = tenant
        .jwt_configuration
        .as_ref()
        .and_then(|jwt| jwt.access_token_key_id.clone());
    let Some(key_id) = key_id else {
        return Verdict::failed(
            "the tenant names no access-token signing key",
            vec![format!(
                "Fix: in the admin UI, Tenants → Edit → JWT → Access token signing key: choose \
                 the RSA key {}. Or {recreate}.",
                state.signing_key_id
            )],
        );
    };
    let key = match bounded(REQUEST_TIMEOUT, fusionauth.get_key(&key_id)).await {
        Ok(Ok(key)) => key,
        Ok(Err(error)) => return api_failed(&error, &state, "read the signing key"),
        Err(late) => return fusionauth_failed("read the signing key", &late, &state),
    };
    let algorithm = key.algorithm.unwrap_or(KeyAlgorithm::Unrecognized);
    let key_name = key.name.clone().unwrap_or_else(|| key_id.clone());
    if !matches!(
        algorithm,
        KeyAlgorithm::Rs256 | KeyAlgorithm::Rs384 | KeyAlgorithm::Rs512
    ) {
        return Verdict::failed(
            format!(
                "access tokens are signed with \"{key_name}\", an {algorithm} key, not an RSA key"
            ),
            vec![
                format!(
                    "The tenant's access-token key is {key_id} ({algorithm}). An HMAC key (HS256, \
                     FusionAuth's default) signs with a shared secret, which FusionAuth never \
                     publishes: the MCP server can only verify tokens with the public keys in \
                     FusionAuth's JWKS, so it would refuse every token."
                ),
                format!(
                    "Usually the key was switched back in the admin UI or through the API. Fix: \
                     Tenants → Edit → JWT → Access token signing key (and Id token signing key): \
                     choose the RSA key kickstart created, id {}; through the API: PATCH \
                     /api/tenant/{} with {{\"tenant\": {{\"jwtConfiguration\": \
                     {{\"accessTokenKeyId\": \"{}\"}}}}}}.",
                    state.signing_key_id,
                    tenant.id.as_deref().unwrap_or("<tenant id>"),
                    state.signing_key_id
                ),
            ],
        );
    }
    let kid = key.kid.clone().unwrap_or_default();
    let jwks = match bounded(REQUEST_TIMEOUT, fusionauth.jwks()).await {
        Ok(Ok(jwks)) => jwks,
        Ok(Err(error)) => return api_failed(&error, &state, "read the JWKS"),
        Err(late) => return fusionauth_failed("read the JWKS", &late, &state),
    };
    if !jwks
        .keys
        .iter()
        .any(|k| k.kid.as_deref() == Some(kid.as_str()))
    {
        let published: Vec<String> = jwks.keys.iter().filter_map(|k| k.kid.clone()).collect();
        return Verdict::failed(
            format!("the signing key {kid} is not in FusionAuth's JWKS"),
            vec![
                format!(
                    "{url}/.well-known/jwks.json publishes: {}. The server looks a token's `kid` \
                     up there, so tokens signed with {kid} would be refused.",
                    or_none(&published.join(", "))
                ),
                format!("Fix: {recreate}."),
            ],
        );
    }

    let Some(demo) = state.user("demo") else {
        return Verdict::failed(
            "the state file names no demo user",
            vec![format!(
                "Nobody could log in to an MCP client. Fix: {recreate}."
            )],
        );
    };
    match bounded(REQUEST_TIMEOUT, fusionauth.get_user(&demo.id)).await {
        Ok(Ok(user)) if user.active != Some(false) => {}
        Ok(Ok(_)) => {
            return Verdict::failed(
                format!("the demo user {} is deactivated", demo.email),
                vec![format!(
                    "Fix: reactivate it in the admin UI (Users → {} → Action → Reactivate), or {recreate}.",
                    demo.email
                )],
            );
        }
        Ok(Err(error)) if error.is_not_found() => {
            return Verdict::failed(
                format!(
                    "the demo user {} no longer exists in FusionAuth",
                    demo.email
                ),
                vec![
                    "It was deleted (or the database was replaced), so nobody can log in with the \
                     credentials mcp-fa printed."
                        .into(),
                    format!("Fix: {recreate}."),
                ],
            );
        }
        Ok(Err(error)) => return api_failed(&error, &state, "read the demo user"),
        Err(late) => return fusionauth_failed("read the demo user", &late, &state),
    }

    Verdict::passed(
        format!("FusionAuth is ready at {url} and configured as the tutorial needs"),
        vec![
            format!("Issuer: {issuer} (every token's `iss`)."),
            format!(
                "Access tokens are signed with the {algorithm} key \"{key_name}\" (kid {kid}), \
                 published in {url}/.well-known/jwks.json for the server to verify with."
            ),
            format!(
                "Demo user: {} (`mcp-fa status{project_flag} --show-secrets` shows its password).",
                demo.email
            ),
            "API key: accepted (it is kept in the state file, never printed).".into(),
        ],
    )
}

/// FusionAuth refused or failed an API call.
fn api_failed(error: &FusionAuthError, state: &StackState, what: &str) -> Verdict {
    let project_flag = flag(&state.project);
    if error.is_unauthorized() {
        return Verdict::failed(
            "FusionAuth does not accept the stack's API key",
            vec![
                format!("Trying to {what}: {error}."),
                "The key in the state file was created by kickstart on an empty database; a \
                 database created some other way (another state file, a restored volume) never \
                 got it, or the key was deleted in the admin UI."
                    .into(),
                format!(
                    "Fix: recreate the stack with `mcp-fa down --volumes{project_flag}` and `mcp-fa up{project_flag}`."
                ),
            ],
        );
    }
    if error.is_unreachable() {
        return fusionauth_failed(what, &error.to_string(), state);
    }
    Verdict::failed(
        format!("could not {what} in FusionAuth"),
        vec![
            error.to_string(),
            format!("Fix: `mcp-fa doctor{project_flag}` checks FusionAuth and the stack."),
        ],
    )
}

// ---- unprotected_call_answers ----

async fn unprotected_call_answers(ctx: &CheckContext<'_>, own: &mut OwnCalls) -> Verdict {
    let http = or_verdict!(http_client());
    let project_flag = flag(ctx.project);
    match (ctx.mode, ctx.server) {
        (Mode::Interactive, None) => no_walkthrough_server(ctx),
        (Mode::Interactive, Some(server)) => {
            let before = server.calls().last_seq();
            let mut verdict = get_name_without_token(&http, server, &project_flag, true).await;
            own.mark(server, before);
            let yours: Vec<CallRecord> = server
                .calls()
                .since(ctx.calls_since)
                .into_iter()
                .filter(|r| !own.contains(r.seq))
                .collect();
            let note = match yours
                .iter()
                .rev()
                .find(|r| r.tools.iter().any(|t| t == "get_name"))
            {
                Some(call) => format!(
                    "Your own get_name call reached the server too ({}, answered {}).",
                    ago(call.at),
                    call.status
                ),
                None if yours.is_empty() => format!(
                    "No call of yours has reached the server since this step began: run the \
                     command shown above (it posts to {}) to see the answer yourself.",
                    server.resource()
                ),
                None => format!(
                    "The server saw {} request(s) of yours since this step began, none calling \
                     get_name.",
                    yours.len()
                ),
            };
            verdict.details.push(note);
            verdict
        }
        (Mode::Headless, _) => {
            let mut config = ServeConfig::unprotected();
            config.bind = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
            let server = or_verdict!(start_temporary(config, &project_flag).await);
            let verdict = get_name_without_token(&http, &server, &project_flag, false).await;
            server.shutdown().await.ok();
            verdict
        }
    }
}

/// Calls get_name on `server` without a token and judges the answer: a greeting passes, a
/// challenge means the server is protected. `walkthrough`: the walkthrough's own server, which
/// the reader can restart at step 4.
async fn get_name_without_token(
    http: &reqwest::Client,
    server: &ServerHandle,
    project_flag: &str,
    walkthrough: bool,
) -> Verdict {
    let resource = server.resource();
    let answer = mcp_call(
        http,
        &server.local_endpoint(),
        None,
        "tools/call",
        Some("get_name"),
    )
    .await;
    let answer = match answer {
        Ok(answer) => answer,
        Err(error) => {
            return Verdict::failed(
                "the MCP server did not answer",
                vec![
                    error,
                    format!("Fix: restart the walkthrough with `mcp-fa tutorial{project_flag}`."),
                ],
            );
        }
    };
    let text = answer.tool_text().unwrap_or_default();
    match answer.status {
        200 if text.starts_with("Hello") && !answer.is_tool_error() => Verdict::passed(
            format!("get_name answered without any token: \"{text}\""),
            vec![format!(
                "POST {resource} with tools/call get_name and no Authorization header got 200. \
                 Anyone who can reach this port can call every tool: that is what the next steps \
                 change."
            )],
        ),
        401 | 403 => {
            let mut details = vec![format!(
                "POST {resource} with tools/call get_name and no token got {} with \
                 WWW-Authenticate: {}: the server's protection is already on.",
                answer.status,
                or_none(answer.challenge.as_deref().unwrap_or_default())
            )];
            if walkthrough {
                details.push(format!(
                    "This step shows the server before protection; the walkthrough serves it \
                     unprotected until step 5. Fix: restart the walkthrough at this step with \
                     `mcp-fa tutorial --step 4{project_flag}`."
                ));
            }
            Verdict::failed("the server asked for a token: it is protected", details)
        }
        status => Verdict::failed(
            format!("get_name without a token got HTTP {status}, not a greeting"),
            vec![
                format!(
                    "The answer was: {}",
                    clip(if text.is_empty() { &answer.body } else { &text })
                ),
                format!("Fix: restart the walkthrough with `mcp-fa tutorial{project_flag}`."),
            ],
        ),
    }
}

// ---- protected_call_challenged ----

async fn protected_call_challenged(ctx: &CheckContext<'_>, own: &mut OwnCalls) -> Verdict {
    let http = or_verdict!(http_client());
    match (ctx.mode, ctx.server) {
        (Mode::Interactive, None) => no_walkthrough_server(ctx),
        (Mode::Interactive, Some(server)) => {
            let before = server.calls().last_seq();
            let verdict = challenge_chain(ctx, &http, server).await;
            own.mark(server, before);
            verdict
        }
        (Mode::Headless, _) => {
            let state = or_verdict!(load_state(ctx));
            let server = or_verdict!(temporary_protected_server(&state).await);
            let verdict = challenge_chain(ctx, &http, &server).await;
            server.shutdown().await.ok();
            verdict
        }
    }
}

/// 401 challenge → Protected Resource Metadata → the issuer's discovery document: what an MCP
/// client follows before it can log in.
async fn challenge_chain(
    ctx: &CheckContext<'_>,
    http: &reqwest::Client,
    server: &ServerHandle,
) -> Verdict {
    let project_flag = flag(ctx.project);
    let resource = server.resource().to_owned();
    let restart = if ctx.mode == Mode::Interactive {
        format!(
            "Fix: the walkthrough switches protection on at this step; restart it here with \
             `mcp-fa tutorial --step 5{project_flag}`."
        )
    } else {
        format!("Fix: serve the stack with this mcp-fa (`mcp-fa serve{project_flag}`).")
    };
    let answer = match mcp_call(http, &server.local_endpoint(), None, "tools/list", None).await {
        Ok(answer) => answer,
        Err(error) => {
            return Verdict::failed("the MCP server did not answer", vec![error, restart]);
        }
    };
    let challenge = answer.challenge.clone().unwrap_or_default();
    if answer.status != 401 {
        let seen = if answer.status == 200 {
            "200: it answered without a token, so its protection is off".to_owned()
        } else {
            format!("HTTP {}", answer.status)
        };
        return Verdict::failed(
            format!(
                "tools/list without a token was not refused with 401 (got {})",
                answer.status
            ),
            vec![
                format!("POST {resource} with tools/list and no Authorization header got {seen}."),
                restart,
            ],
        );
    }
    let Some(metadata_url) = auth_param(&challenge, "resource_metadata") else {
        return Verdict::failed(
            "the 401 does not say where the server's metadata is",
            vec![
                format!("WWW-Authenticate: {}", or_none(&challenge)),
                "MCP clients need `resource_metadata=\"…\"` in the Bearer challenge to find the \
                 authorization server (RFC 9728); without it they cannot start a login."
                    .into(),
                restart,
            ],
        );
    };
    let metadata = match bounded(
        REQUEST_TIMEOUT,
        get_json(http, &local_url(server, &metadata_url)),
    )
    .await
    {
        Ok(Ok(doc)) => doc,
        Ok(Err(error)) | Err(error) => {
            return Verdict::failed(
                "the Protected Resource Metadata cannot be read",
                vec![format!("GET {metadata_url}: {error}"), restart],
            );
        }
    };
    let servers = string_array(&metadata["authorization_servers"]);
    let issuer = server.issuer().unwrap_or_default().to_owned();
    if metadata["resource"].as_str() != Some(resource.as_str())
        || servers.len() != 1
        || servers[0].trim_end_matches('/') != issuer.trim_end_matches('/')
    {
        return Verdict::failed(
            "the Protected Resource Metadata names another resource or authorization server",
            vec![
                format!(
                    "{metadata_url} says resource {} and authorization_servers {servers:?}; \
                     expected {resource} and [\"{issuer}\"].",
                    metadata["resource"]
                ),
                "A client would ask the wrong server for a token, or for the wrong audience."
                    .into(),
                restart,
            ],
        );
    }
    let Ok(issuer_url) = url::Url::parse(&issuer) else {
        return Verdict::failed(
            "the server's issuer is not a URL",
            vec![format!("issuer: {issuer}")],
        );
    };
    let discovery = FusionAuthClient::new(
        issuer_url,
        Timeouts {
            connect: CONNECT_TIMEOUT,
            request: REQUEST_TIMEOUT,
        },
    );
    let discovered = match discovery {
        Ok(client) => {
            bounded(REQUEST_TIMEOUT, async move {
                client.openid_configuration().await
            })
            .await
        }
        Err(error) => Ok(Err(error)),
    };
    let document = match discovered {
        Ok(Ok(document)) => document,
        Ok(Err(error)) => {
            return Verdict::failed(
                "FusionAuth's discovery document cannot be read",
                vec![
                    format!("GET {issuer}/.well-known/openid-configuration: {error}"),
                    format!("Fix: `mcp-fa status{project_flag}` shows whether FusionAuth runs."),
                ],
            );
        }
        Err(late) => {
            return Verdict::failed(
                "FusionAuth's discovery document cannot be read",
                vec![format!(
                    "GET {issuer}/.well-known/openid-configuration: {late}"
                )],
            );
        }
    };
    if !document
        .code_challenge_methods_supported
        .iter()
        .any(|m| m == "S256")
    {
        return Verdict::failed(
            "FusionAuth's discovery document does not list PKCE S256",
            vec![
                format!(
                    "code_challenge_methods_supported: {:?}. MCP clients refuse an authorization \
                     server that does not advertise S256 (FusionAuth lists it from 1.64.0 on).",
                    document.code_challenge_methods_supported
                ),
                "Fix: run FusionAuth 1.64.0 or newer (`mcp-fa up --fusionauth-image …`).".into(),
            ],
        );
    }
    if document.issuer.trim_end_matches('/') != issuer.trim_end_matches('/') {
        return Verdict::failed(
            "FusionAuth's discovery document names another issuer",
            vec![format!(
                "It says {}; the metadata says {issuer}. Clients refuse a mismatch.",
                document.issuer
            )],
        );
    }
    let scope = auth_param(&challenge, "scope").unwrap_or_default();
    Verdict::passed(
        "401 with the Bearer challenge, metadata and discovery all point the client to FusionAuth",
        vec![
            format!("POST {resource} without a token: 401, WWW-Authenticate: {challenge}"),
            format!(
                "{metadata_url}: resource {resource}, authorization server {issuer}{}.",
                if scope.is_empty() {
                    String::new()
                } else {
                    format!(", scopes to ask for: {scope}")
                }
            ),
            format!(
                "{issuer}/.well-known/openid-configuration: authorize at {}, tokens at {}, PKCE S256.",
                document.authorization_endpoint, document.token_endpoint
            ),
        ],
    )
}

async fn get_json(http: &reqwest::Client, url: &str) -> Result<Value, String> {
    let response = http
        .get(url)
        .send()
        .await
        .map_err(|e| e.without_url().to_string())?;
    let status = response.status();
    if !status.is_success() {
        return Err(format!("HTTP {status}"));
    }
    response
        .json::<Value>()
        .await
        .map_err(|e| format!("not JSON ({})", e.without_url()))
}

// ---- client_configured ----

async fn client_configured(ctx: &CheckContext<'_>) -> Verdict {
    let project_flag = flag(ctx.project);
    if ctx.mode == Mode::Headless {
        return Verdict::manual(
            "a client's own configuration cannot be checked unattended",
            vec![format!(
                "`mcp-fa clients config <name>{project_flag}` prints what each client needs."
            )],
        );
    }
    let state = or_verdict!(load_state(ctx));
    let resource = resource_for(ctx, &state);
    let mine: Vec<&state::RegisteredClient> = state
        .clients
        .iter()
        .filter(|c| !is_self_test_client(&c.name))
        .collect();
    if mine.is_empty() {
        return Verdict::failed(
            "no MCP client is registered yet, so none can be configured",
            vec![format!(
                "Fix: register one first (the previous step): `mcp-fa clients add --kind <kind> \
                 --write-config{project_flag}`; kinds: {}.",
                kinds_list()
            )],
        );
    }
    // FusionAuth knows each client's callback port; without it the kind's default is assumed.
    let registered = match fusionauth(&state) {
        Ok(client) => match bounded(REQUEST_TIMEOUT, ClientRegistrar::new(&client).list()).await {
            Ok(Ok(list)) => list,
            _ => Vec::new(),
        },
        Err(_) => Vec::new(),
    };
    let mut configured = Vec::new();
    let mut failed = Vec::new();
    let mut by_hand = Vec::new();
    for saved in mine {
        let kind: ClientKind = saved
            .kind
            .as_deref()
            .and_then(|k| k.parse().ok())
            .unwrap_or(ClientKind::Custom);
        let client = registered
            .iter()
            .find(|c| c.client_id == saved.client_id)
            .cloned()
            .unwrap_or_else(|| RegisteredClient {
                name: saved.name.clone(),
                kind,
                client_id: saved.client_id.clone(),
                redirect_uris: saved.redirect_uris.clone(),
                resources: vec![resource.clone()],
                third_party: false,
                scopes: Vec::new(),
                port: kind.default_port(),
                created: false,
                last_login: None,
                created_at: None,
            });
        let snippet = snippet_for_stack(&state, &client);
        match (&snippet.config_path, snippet.container_key) {
            (Some(path), Some(key)) => {
                match config_entry(path, key, &resource, &client.client_id, kind) {
                    Ok(name) => configured.push(format!(
                        "{} ({}): {} has the entry \"{name}\" for {resource}.",
                        client.name,
                        kind,
                        path.display()
                    )),
                    Err(why) => {
                        failed.push(format!("{} ({}): {why}", client.name, kind));
                        failed.push(format!(
                        "Fix: `mcp-fa clients config {}{project_flag} --write-config` adds the entry \
                         (keeping the rest of the file, with a backup){}.",
                        client.name,
                        match kind {
                            ClientKind::ClaudeDesktop => ", then quit and restart Claude Desktop",
                            ClientKind::Cursor => ", then enable the server in Cursor's MCP settings",
                            ClientKind::VsCode => {
                                "; run it from the folder VS Code has open: VS Code reads that \
                                 folder's .vscode/mcp.json"
                            }
                            _ => "",
                        }
                    ));
                    }
                }
            }
            _ => by_hand.push(by_hand_note(
                &client,
                &snippet.text,
                &resource,
                &project_flag,
            )),
        }
    }
    if !configured.is_empty() {
        let mut details = configured;
        details.extend(by_hand);
        return Verdict::passed(
            "your client's configuration points at the MCP server",
            details,
        );
    }
    if !by_hand.is_empty() {
        let mut details = by_hand;
        details.extend(failed);
        return Verdict::manual(
            "your client is configured outside any file mcp-fa knows: check it by hand",
            details,
        );
    }
    Verdict::failed(
        "your client's configuration does not point at the MCP server",
        failed,
    )
}

/// The name of the entry in `path` under `key` that points at `resource` (with this client id,
/// where the entry carries one).
fn config_entry(
    path: &std::path::Path,
    key: &str,
    resource: &str,
    client_id: &str,
    kind: ClientKind,
) -> Result<String, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return Err(format!("{} does not exist yet.", path.display()));
        }
        Err(error) => return Err(format!("{} cannot be read: {error}.", path.display())),
    };
    let doc: Value = serde_json::from_str(&text).map_err(|e| {
        format!(
            "{} is not valid JSON ({e}); the client cannot read it either.",
            path.display()
        )
    })?;
    let Some(entries) = doc.get(key).and_then(Value::as_object) else {
        return Err(format!(
            "{} has no \"{key}\" object, so no server is configured in it.",
            path.display()
        ));
    };
    let pointing: Vec<(&String, &Value)> = entries
        .iter()
        .filter(|(_, entry)| entry.to_string().contains(resource))
        .collect();
    if pointing.is_empty() {
        let names: Vec<&str> = entries.keys().map(String::as_str).collect();
        return Err(format!(
            "{} has no entry for {resource} under \"{key}\" (entries: {}).",
            path.display(),
            or_none(&names.join(", "))
        ));
    }
    // VS Code asks for the client id at the first login; the others carry it in the entry.
    if kind != ClientKind::VsCode {
        match pointing
            .iter()
            .find(|(_, entry)| entry.to_string().contains(client_id))
        {
            Some((name, _)) => return Ok((*name).clone()),
            None => {
                return Err(format!(
                    "{} has an entry for {resource} (\"{}\"), but not with the client id {client_id}: \
                     it names another registration, which FusionAuth refuses (\"invalid client_id\") \
                     once that one is removed.",
                    path.display(),
                    pointing[0].0
                ));
            }
        }
    }
    Ok(pointing[0].0.clone())
}

fn by_hand_note(
    client: &RegisteredClient,
    text: &str,
    resource: &str,
    project_flag: &str,
) -> String {
    let what = match client.kind {
        ClientKind::ClaudeCode => format!(
            "Claude Code keeps its servers itself: `claude mcp list` should show {resource}. If not, run: {text}"
        ),
        ClientKind::McpRemote => {
            format!("mcp-remote is configured by its command line: run {text}")
        }
        ClientKind::Inspector => format!(
            "In the MCP Inspector choose transport Streamable HTTP, URL {resource}, and under \
             Authentication the client id {}.",
            client.client_id
        ),
        _ => format!(
            "Your client needs: server URL {resource}, client id {}, one of the redirect URIs {}, \
             PKCE S256 and the resource parameter.",
            client.client_id,
            client.redirect_uris.join(", ")
        ),
    };
    format!(
        "{} ({}): {what} (`mcp-fa clients config {}{project_flag}` prints this again.)",
        client.name, client.kind, client.name
    )
}

// ---- stack_removed ----

async fn stack_removed(ctx: &CheckContext<'_>) -> Verdict {
    let project_flag = flag(ctx.project);
    if ctx.mode == Mode::Headless {
        return Verdict::manual(
            "not checked unattended: checking it would mean removing the stack",
            vec![format!(
                "`mcp-fa down{project_flag}` removes the containers (`--volumes`: the data too); \
                 `mcp-fa status{project_flag}` then shows them missing."
            )],
        );
    }
    let docker = match bounded(
        DOCKER_TIMEOUT,
        Docker::connect(&Environment::from_process()),
    )
    .await
    {
        Ok(Ok(docker)) => docker,
        Ok(Err(error)) => {
            return Verdict::failed(
                "cannot tell: Docker does not answer",
                vec![clip(&error.to_string())],
            );
        }
        Err(late) => return Verdict::failed("cannot tell: Docker does not answer", vec![late]),
    };
    let label = crate::stack::PROJECT_LABEL;
    let containers = match bounded(
        REQUEST_TIMEOUT,
        docker.containers_labelled(label, ctx.project.as_str()),
    )
    .await
    {
        Ok(Ok(names)) => names,
        Ok(Err(error)) => {
            return Verdict::failed("cannot list the containers", vec![error.to_string()]);
        }
        Err(late) => return Verdict::failed("cannot list the containers", vec![late]),
    };
    if !containers.is_empty() {
        return Verdict::failed(
            format!(
                "{} container(s) of the project \"{}\" remain: {}",
                containers.len(),
                ctx.project,
                containers.join(", ")
            ),
            vec![format!(
                "Fix: `mcp-fa down{project_flag}` stops and removes them; add `--volumes` to \
                 delete FusionAuth's database too (its users and registered clients)."
            )],
        );
    }
    let volumes = bounded(
        REQUEST_TIMEOUT,
        docker.volumes_labelled(label, ctx.project.as_str()),
    )
    .await
    .ok()
    .and_then(Result::ok)
    .unwrap_or_default();
    let mut details = vec![format!(
        "No container labelled {label}={} remains.",
        ctx.project
    )];
    if volumes.is_empty() {
        details.push("No volume remains either: the next `mcp-fa up` starts from scratch.".into());
    } else {
        details.push(format!(
            "The data volume(s) {} are kept, so the next `mcp-fa up{project_flag}` comes back \
             with the same users and clients; `mcp-fa down --volumes{project_flag}` deletes them.",
            volumes.join(", ")
        ));
    }
    Verdict::passed(format!("the stack \"{}\" is removed", ctx.project), details)
}

// ---- what the record of calls says ----

struct CallsSeen<'a> {
    records: &'a [CallRecord],
    tool: &'a str,
    /// The clients the user registered (the self-test client left out).
    mine: &'a [state::RegisteredClient],
    resource: &'a str,
    project_flag: &'a str,
    demo_email: Option<&'a str>,
}

impl CallsSeen<'_> {
    fn client(&self, id: Option<&str>) -> Option<&state::RegisteredClient> {
        self.mine.iter().find(|c| Some(c.client_id.as_str()) == id)
    }

    fn describe(&self, record: &CallRecord) -> String {
        match self.client(record.client_id.as_deref()) {
            Some(client) => format!("{} (client id {})", client.name, client.client_id),
            None => format!("client id {}", record.client_id.as_deref().unwrap_or("?")),
        }
    }
}

/// Passes on a served call of `tool` from one of the user's clients; otherwise explains the most
/// telling thing the record holds.
fn diagnose_calls(seen: &CallsSeen<'_>) -> Verdict {
    let tool = seen.tool;
    let flag = seen.project_flag;
    let records = seen.records;
    let calls_tool = |r: &&CallRecord| r.tools.iter().any(|t| t == tool);
    let is_mine = |r: &&CallRecord| seen.client(r.client_id.as_deref()).is_some();

    if let Some(hit) = records
        .iter()
        .rev()
        .filter(calls_tool)
        .filter(is_mine)
        .find(|r| r.outcome == CallOutcome::Served)
    {
        let mut details = vec![format!(
            "{} called {tool} {} with a token FusionAuth issued for {} (subject {}), and the \
             server answered it.",
            seen.describe(hit),
            ago(hit.at),
            seen.resource,
            hit.subject.as_deref().unwrap_or("?")
        )];
        if tool == "whoami" {
            details.push(
                "Its answer shows the token's audience (this server), scopes and expiry; the \
                 server refuses tokens for any other audience, so a token stolen from another \
                 service cannot be replayed here (no token passthrough)."
                    .into(),
            );
        }
        return Verdict::passed(
            format!("the server answered {tool} for {}", seen.describe(hit)),
            details,
        );
    }

    let mut details = vec![tally(records)];
    let registered: Vec<String> = seen
        .mine
        .iter()
        .map(|c| format!("{} (client id {})", c.name, c.client_id))
        .collect();
    // One sentence on forgetting a stored login, for the first of the user's clients (all
    // clients of one kind say the same).
    let forget = forget_login(
        seen.mine
            .iter()
            .find_map(|c| c.kind.as_deref())
            .unwrap_or("custom"),
    );

    if records.is_empty() {
        details.push(format!(
            "Nothing reached {} since this step began. Usually the client is not pointed at this \
             URL (see the previous step), or it has not been restarted since its configuration \
             changed (Claude Desktop and Cursor read it only at start; VS Code needs the server \
             started in its MCP view).",
            seen.resource
        ));
        details.push(format!(
            "Fix: restart the client, and check its configuration with `mcp-fa clients config \
             <name>{flag}`."
        ));
        return Verdict::failed("no call reached the server since this step began", details);
    }

    if let Some((narrow, missing)) = records.iter().rev().find_map(|r| match &r.outcome {
        CallOutcome::InsufficientScope { missing } => Some((r, missing)),
        _ => None,
    }) {
        details.push(format!(
            "{} called {} with a token lacking the scope(s) {}: 403 insufficient_scope.",
            seen.describe(narrow),
            missing.join(" "),
            or_none(&narrow.tools.join(", "))
        ));
        details.push(format!(
            "The client should log in again asking for them (the 403 names them). If it keeps \
             the old token instead: {forget} With a FusionAuth license the custom scope \
             get_name must exist on the client's application too (`mcp-fa clients add` creates \
             it)."
        ));
        return Verdict::failed(
            format!("the client's token lacks the scopes {tool} needs"),
            details,
        );
    }

    // Served, but not the tool: logged in, and only the tool call is missing.
    if let Some(served) = records
        .iter()
        .rev()
        .filter(is_mine)
        .find(|r| r.outcome == CallOutcome::Served)
    {
        details.push(format!(
            "{} is logged in (its requests are answered) but has not called {tool} yet.",
            seen.describe(served)
        ));
        details.push(format!(
            "Fix: ask the client to call the {tool} tool (e.g. \"call the {tool} tool of mcp-fa\"){}.",
            if tool == "whoami" {
                "; `mcp-fa token inspect` shows the same from the token itself, but outside the \
                 server, so this check cannot see it: press s to skip if you used it"
            } else {
                ""
            }
        ));
        return Verdict::failed(
            format!("no {tool} call yet from your logged-in client"),
            details,
        );
    }

    if let Some(reason) = records.iter().rev().find_map(|r| match &r.outcome {
        CallOutcome::InvalidToken { reason } => Some(reason),
        _ => None,
    }) {
        details.push(format!("The server refused the client's token: {reason}."));
        let lower = reason.to_lowercase();
        if lower.contains("audience") {
            details.push(format!(
                "The token was not issued for this server: the client did not send the \
                 resource parameter ({}) when it logged in, or its application does not list \
                 it as an authorized resource. Current clients send it; a token from an earlier \
                 login (another port, another project) does not have it.",
                seen.resource
            ));
            details.push(format!(
                "Fix: log in again from scratch. {forget} `mcp-fa clients list{flag}` shows \
                 the registrations."
            ));
        } else if lower.contains("expired") {
            details.push(format!(
                "Fix: the token expired; restart the client so it refreshes or logs in again. \
                 If it keeps sending the old one: {forget}"
            ));
        } else if lower.contains("issuer") || lower.contains("key") || lower.contains("signature") {
            details.push(format!(
                "The token comes from another FusionAuth (another project, or a stack recreated \
                 since the login). Fix: {forget}"
            ));
        } else {
            details.push(format!("Fix: make the client log in again. {forget}"));
        }
        return Verdict::failed(
            "the server refused the client's token (401 invalid_token)",
            details,
        );
    }

    if let Some(foreign) = records
        .iter()
        .rev()
        .find(|r| r.outcome == CallOutcome::Served && !is_mine(r))
    {
        details.push(format!(
            "A logged-in client called the server, but with the client id {}, which is not one \
             you registered for this stack ({}).",
            foreign.client_id.as_deref().unwrap_or("?"),
            or_none(&registered.join(", "))
        ));
        details.push(format!(
            "Usually the client is configured with an id from another project or an earlier \
             registration. Fix: configure it with the id `mcp-fa clients list{flag}` shows. {forget}"
        ));
        return Verdict::failed(
            format!("{tool} came from a client that is not yours"),
            details,
        );
    }

    if records.iter().any(|r| r.outcome == CallOutcome::NoToken) {
        details.push(
            "The client reached the server but never came back with a token: the login did not \
             finish."
                .into(),
        );
        for client in seen.mine {
            details.push(format!(
                "If the browser showed \"invalid redirect_uri\": FusionAuth accepts only these \
                 for {}: {}. A client listening on another callback port needs that exact URI \
                 registered (`mcp-fa clients add --kind {} --port <its port>{flag}`).",
                client.name,
                or_none(&client.redirect_uris.join(", ")),
                client.kind.as_deref().unwrap_or("custom")
            ));
        }
        if let Some(email) = seen.demo_email {
            details.push(format!(
                "If a login page is still open in your browser, finish it as {email} \
                 (`mcp-fa status{flag} --show-secrets` shows the password)."
            ));
        }
        details.push(format!(
            "A stored login from an earlier try (another client id or port) also stops it: {forget}"
        ));
        return Verdict::failed(
            "the client never sent a token: its login did not finish",
            details,
        );
    }

    if records
        .iter()
        .any(|r| r.outcome == CallOutcome::ForbiddenOrigin)
    {
        details.push(
            "Requests came from a browser page on another origin, which the server refuses \
             (DNS-rebinding protection)."
                .into(),
        );
        details.push(
            "Fix: use the client from this machine, or serve with `--allowed-origin <origin>`."
                .into(),
        );
        return Verdict::failed("the server refused a browser origin", details);
    }

    details.push("Every call was answered without a token: the server's protection is off.".into());
    details.push(format!(
        "Fix: the walkthrough turns it on from step 5; restart it with `mcp-fa tutorial{flag}`."
    ));
    Verdict::failed("the server is not protected", details)
}

/// "Since this step began the server saw 5 request(s): 2 answered, 3 × 401 without a token."
fn tally(records: &[CallRecord]) -> String {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for record in records {
        let label = match record.outcome {
            CallOutcome::Served => "answered with a valid token",
            CallOutcome::ServedUnprotected => "answered without a token (protection off)",
            CallOutcome::NoToken => "401 without a token",
            CallOutcome::InvalidToken { .. } => "401 invalid token",
            CallOutcome::InsufficientScope { .. } => "403 insufficient scope",
            CallOutcome::ForbiddenOrigin => "403 foreign origin",
        };
        *counts.entry(label).or_default() += 1;
    }
    let parts: Vec<String> = counts
        .iter()
        .map(|(label, n)| format!("{n} × {label}"))
        .collect();
    format!(
        "Since this step began the server saw {}{}.",
        match records.len() {
            0 => "no request".to_owned(),
            n => format!("{n} request(s)"),
        },
        if parts.is_empty() {
            String::new()
        } else {
            format!(": {}", parts.join(", "))
        }
    )
}

/// Interactive `insufficient_scope_seen`: whether the user's own client met the 403 too.
fn users_step_up(ctx: &CheckContext<'_>, server: &ServerHandle, own: &OwnCalls) -> String {
    let state = ctx.store.load(ctx.project).ok().flatten();
    let mine = users_clients(state.as_ref());
    let hits: Vec<CallRecord> = server
        .calls()
        .since(ctx.calls_since)
        .into_iter()
        .filter(|r| !own.contains(r.seq))
        .filter(|r| matches!(r.outcome, CallOutcome::InsufficientScope { .. }))
        .filter(|r| {
            mine.iter()
                .any(|c| Some(c.client_id.as_str()) == r.client_id.as_deref())
        })
        .collect();
    match hits.last() {
        Some(last) => format!(
            "Your client ({}) was refused with 403 insufficient_scope {} time(s) during this step, \
             most recently {}; it should then have asked you to log in again.",
            last.client_id.as_deref().unwrap_or("?"),
            hits.len(),
            ago(last.at)
        ),
        None => "Your own client has not hit a 403 during this step: its token already carries \
                 the scopes get_name needs, so it has nothing to step up to."
            .into(),
    }
}

// ---- headless logins ----

/// Unattended `authenticated_get_name_seen`: get_name greeted the demo user.
fn judge_get_name(session: &Session, answer: &McpAnswer) -> Verdict {
    let token = session.tokens.access_token.expose();
    let name = session
        .state
        .user("demo")
        .map(|u| u.full_name.clone())
        .unwrap_or_default();
    let text = answer.tool_text().unwrap_or_default();
    let logged_in = format!(
        "The self-test client ({}) logged the demo user in through FusionAuth's login form \
         asking for `{}`, then called get_name with the token.",
        session.client.client_id,
        session.scopes.join(" ")
    );
    if answer.status == 200 && !answer.is_tool_error() && text.starts_with("Hello, ") {
        let mut details = vec![logged_in];
        if !name.is_empty() && text != format!("Hello, {name}!") {
            details.push(format!(
                "The demo user is {name} in the state file; FusionAuth's profile now says otherwise."
            ));
        }
        return Verdict::passed(format!("get_name answered \"{text}\""), details);
    }
    let got = match answer.status {
        200 => format!("200, but the tool answered: {}", clip(&text)),
        status => format!(
            "HTTP {status}{}",
            answer
                .challenge
                .as_deref()
                .map(|c| format!(", WWW-Authenticate: {c}"))
                .unwrap_or_default()
        ),
    };
    Verdict::failed(
        format!(
            "get_name with the demo user's token did not greet them (got {})",
            answer.status
        ),
        vec![
            logged_in,
            scrub(&got, token),
            format!(
                "Fix: `mcp-fa check{}` walks the same path hop by hop and names the failing one.",
                flag(&session.state.project)
            ),
        ],
    )
}

/// Unattended `token_inspected`: whoami shows a token bound to this server, with the scopes
/// asked for, not yet expired.
fn judge_whoami(session: &Session, answer: &McpAnswer) -> Verdict {
    let token = session.tokens.access_token.expose();
    let text = answer.tool_text().unwrap_or_default();
    let claims: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    let resource = session.server.resource();
    if answer.status != 200 || claims["authenticated"] != json!(true) {
        return Verdict::failed(
            format!(
                "whoami did not answer for the demo user's token (HTTP {})",
                answer.status
            ),
            vec![scrub(
                &clip(if text.is_empty() { &answer.body } else { &text }),
                token,
            )],
        );
    }
    // `aud` may be one string or an array of them (RFC 7519).
    let audience = match &claims["audience"] {
        Value::String(one) => vec![one.clone()],
        many => string_array(many),
    };
    let scopes = string_array(&claims["scopes"]);
    let expires_at = claims["expires_at"].as_u64().unwrap_or_default();
    let now = now_secs();
    let mut problems = Vec::new();
    if !audience.iter().any(|a| a == resource) {
        problems.push(format!(
            "aud is {audience:?}, without {resource}: the token is not bound to this server \
             (the self-test client must list it as an authorized resource)."
        ));
    }
    let lacking: Vec<&String> = session
        .scopes
        .iter()
        .filter(|s| !scopes.contains(s))
        .collect();
    if !lacking.is_empty() {
        problems.push(format!(
            "the token lacks the scopes it asked for: {lacking:?} (it has {scopes:?})."
        ));
    }
    if expires_at <= now {
        problems.push(format!(
            "it expires at {expires_at}, not in the future (now {now}): check this machine's \
             clock and the FusionAuth container's."
        ));
    }
    if !problems.is_empty() {
        return Verdict::failed("the self-test token is not what the server needs", problems);
    }
    Verdict::passed(
        format!(
            "the self-test token: aud {resource}, scopes {}, expires in {} s",
            scopes.join(" "),
            expires_at - now
        ),
        vec![format!(
            "whoami answered for subject {} and client {}: audience {}, so the server accepts \
                 it, and another service's token (another audience) would be refused.",
            claims["subject"].as_str().unwrap_or("?"),
            claims["client_id"].as_str().unwrap_or("?"),
            audience.join(", ")
        )],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenge_parameters_are_read_quoted_or_not() {
        let challenge = "Bearer error=\"insufficient_scope\", scope=\"openid profile\", \
                         resource_metadata=\"http://localhost:8000/.well-known/oauth-protected-resource/mcp\"";
        assert_eq!(
            auth_param(challenge, "error").as_deref(),
            Some("insufficient_scope")
        );
        assert_eq!(
            auth_param(challenge, "scope").as_deref(),
            Some("openid profile")
        );
        assert_eq!(
            auth_param(challenge, "resource_metadata").as_deref(),
            Some("http://localhost:8000/.well-known/oauth-protected-resource/mcp")
        );
        assert_eq!(
            auth_param("Bearer realm=x, scope=openid", "scope").as_deref(),
            Some("openid")
        );
        assert_eq!(auth_param("Bearer realm=\"x\"", "scope"), None);
        assert_eq!(auth_param("", "scope"), None);
    }

    #[test]
    fn the_project_flag_is_left_out_for_the_default_project() {
        assert_eq!(flag("default"), "");
        assert_eq!(flag("work"), " --project work");
    }
}
