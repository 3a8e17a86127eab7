//! `authenticated_get_name_seen` (get_name) and `token_inspected` (whoami). In the walkthrough:
//! whether the reader's client called the tool with a token the server accepted, read from the
//! server's record of calls, or else what that record says went wrong. Unattended: the self-test
//! client logs in, calls the tool through an MCP client, and its answer is judged.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::context::{
    CheckContext, Mode, Verdict, ago, clip, forget_login, no_walkthrough_server, or_none,
    or_verdict, string_array, users_clients,
};
use super::session::{Answer, Footprint, Session};
use crate::check::scrub;
use crate::server::{CallOutcome, CallRecord};
use crate::state;
use crate::state::now_secs;

/// `authenticated_get_name_seen` (`get_name`) and `token_inspected` (`whoami`): interactive,
/// whether the reader's client called `tool`; unattended, the self-test client logs in and
/// calls it on a temporary server, and its answer is judged.
pub(super) async fn tool_answered(
    ctx: &CheckContext<'_>,
    own: &mut Footprint,
    tool: &str,
) -> Verdict {
    if ctx.mode == Mode::Interactive {
        return tool_call_seen(ctx, own, tool);
    }
    let session = or_verdict!(own.headless_session(ctx).await);
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
fn tool_call_seen(ctx: &CheckContext<'_>, own: &Footprint, tool: &str) -> Verdict {
    let Some(server) = ctx.server else {
        return no_walkthrough_server(ctx);
    };
    let state = ctx.store.load(ctx.project).ok().flatten();
    let mine = users_clients(state.as_ref());
    let self_test_id = own.self_test.as_ref().map(|c| c.client_id.as_str());
    let records: Vec<CallRecord> = server
        .calls()
        .since(ctx.calls_since)
        .into_iter()
        .filter(|r| !own.calls.contains(r.seq))
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
        project_flag: &ctx.project.flag(),
        demo_email: demo.as_deref(),
    })
}

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

/// Unattended `authenticated_get_name_seen`: get_name greeted the demo user.
fn judge_get_name(session: &Session, answer: &Answer) -> Verdict {
    let token = session.tokens.access_token.expose();
    let name = session
        .state
        .user("demo")
        .map(|u| u.full_name.clone())
        .unwrap_or_default();
    let text = answer.text();
    let logged_in = format!(
        "The self-test client ({}) logged the demo user in through FusionAuth's login form \
         asking for `{}`, then called get_name with the token.",
        session.client.client_id,
        session.scopes.join(" ")
    );
    if let Answer::Tool(tool) = answer
        && !tool.is_error
        && text.starts_with("Hello, ")
    {
        let mut details = vec![logged_in];
        if !name.is_empty() && text != format!("Hello, {name}!") {
            details.push(format!(
                "The demo user is {name} in the state file; FusionAuth's profile now says otherwise."
            ));
        }
        return Verdict::passed(format!("get_name answered \"{text}\""), details);
    }
    let got = match answer {
        Answer::Tool(_) => format!("200, but the tool answered: {}", clip(text)),
        Answer::Refused(refusal) => format!(
            "HTTP {}, WWW-Authenticate: {}",
            refusal.status, refusal.challenge
        ),
    };
    Verdict::failed(
        format!(
            "get_name with the demo user's token did not greet them (got {})",
            answer.status()
        ),
        vec![
            logged_in,
            scrub(&got, token),
            format!(
                "Fix: `mcp-fa check{}` walks the same path hop by hop and names the failing one.",
                session.state.project.flag()
            ),
        ],
    )
}

/// Unattended `token_inspected`: whoami shows a token bound to this server, with the scopes
/// asked for, not yet expired.
fn judge_whoami(session: &Session, answer: &Answer) -> Verdict {
    let token = session.tokens.access_token.expose();
    let claims: Value = serde_json::from_str(answer.text()).unwrap_or(Value::Null);
    let resource = session.server.resource();
    if answer.status() != 200 || claims["authenticated"] != json!(true) {
        return Verdict::failed(
            format!(
                "whoami did not answer for the demo user's token (HTTP {})",
                answer.status()
            ),
            vec![scrub(&clip(&answer.describe()), token)],
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
