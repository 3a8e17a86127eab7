//! What the checks set up and do themselves ([`Footprint`]): the self-test client (registered
//! through [`crate::check`], removed by [`Footprint::finish`]) and the demo user logged in with
//! it, their own calls to the walkthrough's server, the temporary protected server an unattended
//! check starts for the stack on 127.0.0.1:0, and a call with the token through rmcp's MCP client.
//!
//! It must not leave a temporary server running (every path that started one stops it or hands
//! it back) or put the token into a verdict.

use super::context::{
    CheckContext, LOGIN_TIMEOUT, REQUEST_TIMEOUT, SERVER_START_TIMEOUT, Verdict, ask_without_token,
    bounded, fusionauth, fusionauth_failed, http_client, load_state, scope_mode,
};
use crate::check::client::{ensure_self_test_client, remove_self_test_client};
use crate::check::login::demo_login;
use crate::check::mcp::{McpError, Refusal, ToolText, call_once};
use crate::check::{SELF_TEST_CLIENT_NAME, SelfTestError};
use crate::clients::RegisteredClient;
use crate::fusionauth::{FusionAuthClient, LoginError, Tokens};
use crate::project::ProjectName;
use crate::server::{ServeConfig, ServerHandle};
use crate::state::StackState;

/// What the checks set up and did themselves: the self-test client they registered or reused
/// (removed by [`Footprint::finish`]), and their own calls to the walkthrough's server, so
/// neither is ever taken for the reader's.
#[derive(Debug, Default)]
pub(super) struct Footprint {
    pub(super) self_test: Option<SelfTestClient>,
    pub(super) calls: OwnCalls,
}

/// Ranges `(before, after]` of call sequence numbers the checks made.
#[derive(Debug, Default)]
pub(super) struct OwnCalls(Vec<(u64, u64)>);

impl OwnCalls {
    /// Counts every call recorded since `before` as the checks' own.
    pub(super) fn mark(&mut self, server: &ServerHandle, before: u64) {
        let after = server.calls().last_seq();
        if after > before {
            self.0.push((before, after));
        }
    }

    pub(super) fn contains(&self, seq: u64) -> bool {
        self.0
            .iter()
            .any(|(before, after)| seq > *before && seq <= *after)
    }
}

#[derive(Debug, Clone)]
pub(super) struct SelfTestClient {
    pub(super) project: ProjectName,
    pub(super) client_id: String,
}

impl Footprint {
    /// Removes the self-test client if a check registered one (best effort, bounded).
    pub(super) async fn finish(self, ctx: &CheckContext<'_>) {
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

    /// Registers (or reuses) the self-test client, remembering it for [`Footprint::finish`].
    pub(super) async fn self_test_client(
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
                            state.project.flag()
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
    pub(super) async fn self_test_login(
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
                        state.project.flag()
                    ),
                ],
            )),
        }
    }

    /// Headless: the stack's state, the self-test client logged in with the scopes the server
    /// asks for, and a temporary protected server on 127.0.0.1:0 for the stack.
    pub(super) async fn headless_session(
        &mut self,
        ctx: &CheckContext<'_>,
    ) -> Result<Session, Verdict> {
        let state = load_state(ctx)?;
        let fusionauth = fusionauth(&state)?;
        let http = http_client()?;
        let server = temporary_protected_server(&state).await?;
        // The scopes the server's own challenge asks for, as an MCP client would.
        let asked: Vec<String> = challenge_scopes(&http, &server).await.unwrap_or_else(|| {
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
            server,
            client,
            tokens,
            scopes: asked,
        })
    }
}

/// What a headless check logged in with.
pub(super) struct Session {
    pub(super) state: StackState,
    pub(super) server: ServerHandle,
    pub(super) client: RegisteredClient,
    pub(super) tokens: Tokens,
    pub(super) scopes: Vec<String>,
}

impl Session {
    /// Calls `tool` on the temporary server with the session's token.
    pub(super) async fn call(&self, tool: &str) -> Result<Answer, Verdict> {
        call_with_token(&self.server, self.tokens.access_token.expose(), tool).await
    }
}

/// What a call with a token got: the tool's answer, or the server's refusal.
pub(super) enum Answer {
    Tool(ToolText),
    Refused(Refusal),
}

impl Answer {
    pub(super) fn status(&self) -> u16 {
        match self {
            Answer::Tool(_) => 200,
            Answer::Refused(refusal) => refusal.status,
        }
    }

    /// The tool's text; nothing when the call was refused.
    pub(super) fn text(&self) -> &str {
        match self {
            Answer::Tool(tool) => &tool.text,
            Answer::Refused(_) => "",
        }
    }

    /// What came back, for a verdict: the tool's text, or the refusal's challenge.
    pub(super) fn describe(&self) -> String {
        match self {
            Answer::Tool(tool) => tool.text.clone(),
            Answer::Refused(refusal) => format!("WWW-Authenticate: {}", refusal.challenge),
        }
    }
}

/// Calls `tool` on `server` with `token` through an MCP client; no answer at all is a failed
/// verdict.
pub(super) async fn call_with_token(
    server: &ServerHandle,
    token: &str,
    tool: &str,
) -> Result<Answer, Verdict> {
    match call_once(&server.local_endpoint(), token, tool).await {
        Ok(text) => Ok(Answer::Tool(text)),
        Err(McpError::Refused { refusal, .. }) => Ok(Answer::Refused(refusal)),
        Err(error) => Err(Verdict::failed(
            format!("the MCP server did not answer {tool}"),
            vec![error.to_string()],
        )),
    }
}

/// The scopes a server's 401 challenge asks for.
async fn challenge_scopes(http: &reqwest::Client, server: &ServerHandle) -> Option<Vec<String>> {
    let answer = bounded(
        REQUEST_TIMEOUT,
        ask_without_token(http, server, "tools/list", None),
    )
    .await
    .ok()?
    .ok()?;
    let scopes: Vec<String> = answer
        .bearer()
        .scopes()
        .into_iter()
        .map(str::to_owned)
        .collect();
    (!scopes.is_empty()).then_some(scopes)
}

fn login_failed(error: &SelfTestError, state: &StackState, scopes: &[&str]) -> Verdict {
    let project_flag = state.project.flag();
    let email = state
        .user("demo")
        .map(|u| u.email.clone())
        .unwrap_or_else(|| "the demo user".into());
    let fresh_client = format!(
        "Fix: remove the self-test client (`mcp-fa clients remove {SELF_TEST_CLIENT_NAME} --yes{project_flag}`) \
         so the next check registers it afresh."
    );
    let (cause, fix) = match error {
        SelfTestError::Login(LoginError::WrongCredentials { message, .. }) => (
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
        SelfTestError::Login(
            LoginError::RedirectUriNotRegistered { .. }
            | LoginError::UnknownClient { .. }
            | LoginError::Authorization { .. },
        ) => (error.to_string(), fresh_client),
        SelfTestError::NoDemoUser { .. } => (
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
pub(super) async fn temporary_protected_server(
    state: &StackState,
) -> Result<ServerHandle, Verdict> {
    let project_flag = state.project.flag();
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

pub(super) async fn start_temporary(
    config: ServeConfig,
    project_flag: &str,
) -> Result<ServerHandle, Verdict> {
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
