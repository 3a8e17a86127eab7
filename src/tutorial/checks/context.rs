//! What every check shares: what it may look at ([`CheckContext`]), what it answers
//! ([`Verdict`]), its time limits, and the small helpers that turn a missing stack, an
//! unreachable FusionAuth or a missing walkthrough server into the verdict that says so.
//!
//! It imports nothing else of the checks.

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
pub(super) use or_verdict;

use std::future::Future;
use std::time::{Duration, SystemTime};

use serde_json::Value;

use crate::check::client::stack_resource;
use crate::check::is_self_test_client;
use crate::check::mcp::{RawAnswer, call_without_token};
// ` --project X` for the commands a verdict tells the reader to run.
use crate::clients::ClientKind;
use crate::fusionauth::{FusionAuthClient, Timeouts};
use crate::project::ProjectName;
use crate::server::{ScopeMode, ServerHandle};
use crate::state::{self, StackState, StateStore};

/// One HTTP request (FusionAuth's API, the MCP server, discovery documents).
pub(super) const REQUEST_TIMEOUT: Duration = Duration::from_secs(8);
pub(super) const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// A login through the hosted form is several requests in a row.
pub(super) const LOGIN_TIMEOUT: Duration = Duration::from_secs(25);
/// Starting a temporary server discovers the issuer's keys first.
pub(super) const SERVER_START_TIMEOUT: Duration = Duration::from_secs(15);
/// Docker tries each endpoint it finds, a few seconds each.
pub(super) const DOCKER_TIMEOUT: Duration = Duration::from_secs(20);
/// Nothing a check does may take longer than this, whatever hangs.
pub(super) const CHECK_TIMEOUT: Duration = Duration::from_secs(90);

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
    pub(super) fn passed(summary: impl Into<String>, details: Vec<String>) -> Self {
        Self {
            outcome: Outcome::Passed,
            summary: summary.into(),
            details,
        }
    }

    pub(super) fn failed(summary: impl Into<String>, details: Vec<String>) -> Self {
        Self {
            outcome: Outcome::Failed,
            summary: summary.into(),
            details,
        }
    }

    pub(super) fn manual(summary: impl Into<String>, details: Vec<String>) -> Self {
        Self {
            outcome: Outcome::Manual,
            summary: summary.into(),
            details,
        }
    }
}

/// The clients the user registered for the stack, the self-test client left out.
pub(super) fn users_clients(state: Option<&StackState>) -> Vec<state::RegisteredClient> {
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

pub(super) fn load_state(ctx: &CheckContext<'_>) -> Result<StackState, Verdict> {
    let project_flag = ctx.project.flag();
    match ctx.store.load(ctx.project) {
        Ok(Some(state)) => Ok(state),
        Ok(None) => Err(Verdict::failed(
            format!("no stack named \"{}\" is known here", ctx.project),
            vec![
                format!(
                    "There is no state file at {}: `mcp-fa up{}` writes it once FusionAuth is \
                     configured, and nothing else knows where FusionAuth is or its API key.",
                    ctx.store.path(ctx.project).display(),
                    ctx.project.flag()
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
pub(super) fn fusionauth(state: &StackState) -> Result<FusionAuthClient, Verdict> {
    state
        .admin_client(Timeouts {
            connect: CONNECT_TIMEOUT,
            request: REQUEST_TIMEOUT,
        })
        .map_err(|error| {
            Verdict::failed(
                "cannot talk to FusionAuth",
                vec![format!(
                    "{error}. Fix: recreate the stack with `mcp-fa down{flag}` and `mcp-fa \
                     up{flag}`.",
                    flag = state.project.flag()
                )],
            )
        })
}

pub(super) fn http_client() -> Result<reqwest::Client, Verdict> {
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
pub(super) async fn bounded<T>(
    limit: Duration,
    work: impl Future<Output = T>,
) -> Result<T, String> {
    tokio::time::timeout(limit, work)
        .await
        .map_err(|_| format!("no answer within {} s", limit.as_secs()))
}

/// The resource URI the stack's clients are registered for: the walkthrough's server's, else
/// the one `mcp-fa clients add` registers.
pub(super) fn resource_for(ctx: &CheckContext<'_>, state: &StackState) -> String {
    match (ctx.mode, ctx.server) {
        (Mode::Interactive, Some(server)) => server.resource().to_owned(),
        _ => stack_resource(state),
    }
}

pub(super) fn scope_mode(state: &StackState) -> ScopeMode {
    if state.license_id.is_some() {
        ScopeMode::Custom
    } else {
        ScopeMode::Standard
    }
}

pub(super) fn kinds_list() -> String {
    ClientKind::ALL
        .iter()
        .map(|k| k.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The strings in a JSON array; nothing when `value` is not an array.
pub(super) fn string_array(value: &Value) -> Vec<String> {
    value
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect()
}

pub(super) fn or_none(text: &str) -> &str {
    if text.is_empty() { "(none)" } else { text }
}

/// How to make a client of `kind` forget the login (tokens, client id) it keeps between runs.
pub(super) fn forget_login(kind: &str) -> &'static str {
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

pub(super) fn fusionauth_failed(what: &str, error: &str, state: &StackState) -> Verdict {
    let project_flag = state.project.flag();
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

pub(super) fn no_walkthrough_server(ctx: &CheckContext<'_>) -> Verdict {
    let project_flag = ctx.project.flag();
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
pub(super) fn ago(at: SystemTime) -> String {
    match SystemTime::now().duration_since(at) {
        Ok(elapsed) if elapsed.as_secs() >= 1 => format!("{} s ago", elapsed.as_secs()),
        _ => "just now".into(),
    }
}

/// An MCP request without a token to `server` (`tools/list`, or `tools/call` of `tool`); the
/// error names the endpoint.
pub(super) async fn ask_without_token(
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
pub(super) fn clip(text: &str) -> String {
    crate::check::clip(text, 240)
}
