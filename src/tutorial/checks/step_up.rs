//! `insufficient_scope_seen`: a token without get_name's scopes is refused with 403
//! `insufficient_scope` naming every scope the call needs, so a client can step up. The check
//! logs the self-test client in asking for `openid` only and calls get_name itself (through an
//! MCP client); in the walkthrough it also says whether the reader's own client met the 403.

use super::context::{
    CheckContext, Mode, Verdict, ago, fusionauth, load_state, no_walkthrough_server, or_none,
    or_verdict, scope_mode, users_clients,
};
use super::session::{Answer, Footprint, OwnCalls, call_with_token, temporary_protected_server};
use crate::fusionauth::FusionAuthClient;
use crate::server::{BearerChallenge, CallOutcome, CallRecord, ServerHandle};
use crate::state::StackState;

pub(super) async fn insufficient_scope_seen(
    ctx: &CheckContext<'_>,
    own: &mut Footprint,
) -> Verdict {
    let state = or_verdict!(load_state(ctx));
    let fusionauth = or_verdict!(fusionauth(&state));
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
                            ctx.project.flag()
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
    let verdict = step_up(ctx, own, &state, &fusionauth, server_ref).await;
    if let Some(temp) = temporary {
        temp.shutdown().await.ok();
    }
    verdict
}

async fn step_up(
    ctx: &CheckContext<'_>,
    own: &mut Footprint,
    state: &StackState,
    fusionauth: &FusionAuthClient,
    server: &ServerHandle,
) -> Verdict {
    let resource = server.resource().to_owned();
    let (client, tokens) = or_verdict!(
        own.self_test_login(fusionauth, state, &resource, &["openid"])
            .await
    );
    let token = tokens.access_token.expose().to_owned();
    let before = server.calls().last_seq();
    let answer = call_with_token(server, &token, "get_name").await;
    // After the session ended: every request it made is the check's own.
    own.calls.mark(server, before);
    let answer = or_verdict!(answer);
    let challenge = match &answer {
        Answer::Refused(refusal) => refusal.challenge.clone(),
        Answer::Tool(_) => String::new(),
    };
    let bearer = BearerChallenge::parse(&challenge);
    if answer.status() != 403 || bearer.error() != Some("insufficient_scope") {
        let got = match answer.status() {
            200 => "200: get_name was answered although the token carries only `openid`".to_owned(),
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
                    ctx.project.flag()
                ),
            ],
        );
    }
    let needed = bearer.scopes();
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
        details.push(users_step_up(ctx, walkthrough, &own.calls));
    }
    Verdict::passed(
        format!(
            "a token with only `openid` gets 403 insufficient_scope, scope=\"{}\"",
            needed.join(" ")
        ),
        details,
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
