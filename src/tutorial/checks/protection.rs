//! Whether the server is protected, as the walkthrough switches it: `unprotected_call_answers`
//! (get_name answers without a token) and `protected_call_challenged` (the 401 challenge →
//! Protected Resource Metadata → the issuer's discovery document, what an MCP client follows
//! before it can log in). Both send their requests without a token, keeping the whole answer.

use super::context::{
    CONNECT_TIMEOUT, CheckContext, Mode, REQUEST_TIMEOUT, Verdict, ago, ask_without_token, bounded,
    clip, http_client, load_state, no_walkthrough_server, or_none, or_verdict, string_array,
};
use super::session::{OwnCalls, start_temporary, temporary_protected_server};
use crate::check::get_json;
use crate::fusionauth::{FusionAuthClient, Timeouts};
use crate::server::{CallRecord, ServeConfig, ServerHandle};

pub(super) async fn unprotected_call_answers(
    ctx: &CheckContext<'_>,
    own: &mut OwnCalls,
) -> Verdict {
    let http = or_verdict!(http_client());
    let project_flag = ctx.project.flag();
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
    let answer = match ask_without_token(http, server, "tools/call", Some("get_name")).await {
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

pub(super) async fn protected_call_challenged(
    ctx: &CheckContext<'_>,
    own: &mut OwnCalls,
) -> Verdict {
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
    let project_flag = ctx.project.flag();
    let resource = server.resource().to_owned();
    let restart = if ctx.mode == Mode::Interactive {
        format!(
            "Fix: the walkthrough switches protection on at this step; restart it here with \
             `mcp-fa tutorial --step 5{project_flag}`."
        )
    } else {
        format!("Fix: serve the stack with this mcp-fa (`mcp-fa serve{project_flag}`).")
    };
    let answer = match ask_without_token(http, server, "tools/list", None).await {
        Ok(answer) => answer,
        Err(error) => {
            return Verdict::failed("the MCP server did not answer", vec![error, restart]);
        }
    };
    let challenge = answer.challenge.clone().unwrap_or_default();
    let bearer = answer.bearer();
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
    let Some(metadata_url) = bearer.resource_metadata() else {
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
        get_json(http, &local_url(server, metadata_url)),
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
    // When the server is the issuer (stacks made for the registration bridge), the discovery
    // document is its own, read where it really listens.
    let Ok(issuer_url) = url::Url::parse(&local_url(server, &issuer)) else {
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
    let scope = bearer.scopes().join(" ");
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

/// A URL the server advertises under its public origin, rewritten to where it really listens.
fn local_url(server: &ServerHandle, url: &str) -> String {
    match url.strip_prefix(server.urls().origin.as_str()) {
        Some(rest) => format!("http://{}{rest}", server.local_addr()),
        None => url.to_owned(),
    }
}
