//! The checks a tutorial step's `verify` names ([`Verify`]): each probes the real thing (Docker,
//! FusionAuth's API, the walkthrough's MCP server and its record of calls, HTTP requests to a
//! server) and returns a [`Verdict`] saying what it saw and, when it failed, what usually causes
//! that and the exact fix.
//!
//! One file per family: `docker`, `kickstart`, `protection` (the unprotected answer; the 401
//! challenge → metadata → discovery chain), `clients` (registered, configured), `calls`
//! (get_name and whoami, from the server's record of calls or the self-test's own call),
//! `step_up` (insufficient_scope), `removal` (stack removed); `session` is the headless
//! self-test login and the temporary servers the unattended checks start. This file holds the
//! shared types and small helpers.
//!
//! It owns the meaning of every [`Verify`] name and the self-test client the checks register
//! (removed by [`Checker::finish`]). It must not print (the runner renders verdicts), panic, put
//! a secret (API key, password, token) into a verdict, write the state file, stop a server it did
//! not start, or wait on the network without a bound: every request has a few seconds, every
//! check a minute and a half at most.

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

mod calls;
mod clients;
mod docker;
mod kickstart;
mod protection;
mod removal;
mod session;
mod step_up;

use std::fmt;
use std::future::Future;
use std::str::FromStr;
use std::time::{Duration, SystemTime};

use serde::de::IntoDeserializer;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::check::client::remove_self_test_client;
use crate::check::mcp::{RawAnswer, call_without_token};
// ` --project X` for the commands a verdict tells the reader to run.
use crate::check::client::stack_resource;
use crate::check::is_self_test_client;
use crate::check::project_flag as flag;
use crate::clients::ClientKind;
use crate::fusionauth::{FusionAuthClient, Timeouts};
use crate::server::{ScopeMode, ServerHandle};
use crate::state::{self, StackState, StateStore};

/// The check a step's `verify:` names, spelt in the step files as the variant in snake_case
/// (`docker_reachable`). A name that is not here is refused when the step file is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verify {
    /// Nothing to check: the step only explains.
    None,
    DockerReachable,
    KickstartConfigured,
    UnprotectedCallAnswers,
    ProtectedCallChallenged,
    ClientRegistered,
    ClientConfigured,
    AuthenticatedGetNameSeen,
    TokenInspected,
    InsufficientScopeSeen,
    StackRemoved,
}

impl Verify {
    /// Whether the check needs the stack (FusionAuth, its state) to pass.
    pub fn needs_stack(self) -> bool {
        !matches!(self, Verify::None | Verify::DockerReachable)
    }
}

/// The name as a step file spells it.
impl fmt::Display for Verify {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.serialize(f)
    }
}

/// From the name as a step file spells it; an unknown name's error lists the known ones.
impl FromStr for Verify {
    type Err = serde::de::value::Error;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Self::deserialize(name.into_deserializer())
    }
}

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

/// Whether a person walks through the steps with the in-process server, or everything runs
/// unattended (`tutorial --check`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Interactive,
    Headless,
}

/// What a check may look at.
pub struct CheckContext<'a> {
    pub project: &'a str,
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
    project: String,
    client_id: String,
}

impl Checker {
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs the check `verify` names.
    pub async fn run(&mut self, verify: &Verify, ctx: &CheckContext<'_>) -> Verdict {
        let check = async {
            match verify {
                Verify::None => Verdict::passed("nothing to check in this step", Vec::new()),
                Verify::DockerReachable => docker::docker_reachable().await,
                Verify::KickstartConfigured => kickstart::kickstart_configured(ctx).await,
                Verify::UnprotectedCallAnswers => {
                    protection::unprotected_call_answers(ctx, &mut self.own_calls).await
                }
                Verify::ProtectedCallChallenged => {
                    protection::protected_call_challenged(ctx, &mut self.own_calls).await
                }
                Verify::ClientRegistered => self.client_registered(ctx).await,
                Verify::ClientConfigured => clients::client_configured(ctx).await,
                Verify::AuthenticatedGetNameSeen => self.tool_answered(ctx, "get_name").await,
                Verify::TokenInspected => self.tool_answered(ctx, "whoami").await,
                Verify::InsufficientScopeSeen => self.insufficient_scope_seen(ctx).await,
                Verify::StackRemoved => removal::stack_removed(ctx).await,
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
        let _ =
            tokio::time::timeout(REQUEST_TIMEOUT * 2, remove_self_test_client(&fusionauth)).await;
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

/// "12 s ago", or "just now".
fn ago(at: SystemTime) -> String {
    match SystemTime::now().duration_since(at) {
        Ok(elapsed) if elapsed.as_secs() >= 1 => format!("{} s ago", elapsed.as_secs()),
        _ => "just now".into(),
    }
}

/// An MCP request without a token to `server` (`tools/list`, or `tools/call` of `tool`); the
/// error names the endpoint.
async fn ask_without_token(
    http: &reqwest::Client,
    server: &ServerHandle,
    method: &str,
    tool: Option<&str>,
) -> Result<RawAnswer, String> {
    let endpoint = server.local_endpoint();
    call_without_token(http, &endpoint, method, tool)
        .await
        .map_err(|e| format!("{endpoint}: {}", e.without_url()))
}

/// `text` on one line, clipped for a verdict.
fn clip(text: &str) -> String {
    crate::check::clip(text, 240)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verify_names_read_and_print_as_the_step_files_spell_them() {
        assert_eq!(
            "authenticated_get_name_seen".parse::<Verify>().ok(),
            Some(Verify::AuthenticatedGetNameSeen)
        );
        assert_eq!(Verify::DockerReachable.to_string(), "docker_reachable");
        let unknown = "kickstart_ok".parse::<Verify>().expect_err("unknown");
        let message = unknown.to_string();
        assert!(message.contains("kickstart_ok"), "{message}");
        assert!(message.contains("kickstart_configured"), "{message}");
        assert!(!Verify::None.needs_stack() && !Verify::DockerReachable.needs_stack());
        assert!(Verify::KickstartConfigured.needs_stack());
    }
}
