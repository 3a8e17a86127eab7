//! `/oauth2/authorize`: FusionAuth's hosted login page. The GET validates the request and shows a
//! form whose fields are `loginId` and `password`, with every OAuth parameter carried as a hidden
//! field; the browser posts it back to `/oauth2/authorize`, where everything is validated again
//! (hidden fields are user input). ThirdParty applications then get a consent page. Errors that
//! concern the client itself (unknown client, unregistered redirect URI) are shown as a page and
//! never redirected: redirecting them would hand a code-less error to whoever listens there.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use uuid::Uuid;

use super::{ClientSettings, Params, STANDARD_SCOPES};
use crate::Sim;
use crate::state::{AuthCode, AuthRequest, LoginRecord};
use crate::tokens;

/// How long an authorization code can be exchanged.
const CODE_TTL_MILLIS: i64 = 60_000;

/// The OAuth parameters that travel through the login form as hidden fields.
const CARRIED: &[&str] = &[
    "client_id",
    "redirect_uri",
    "response_type",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
    "resource",
    "nonce",
    "prompt",
    "login_hint",
    "tenantId",
];

enum Refusal {
    /// Shown to the user; nothing is sent to the redirect URI.
    Page(StatusCode, String),
    /// Sent back to the (validated) redirect URI as `error=...`.
    Redirect {
        redirect_uri: String,
        state: Option<String>,
        error: &'static str,
        reason: &'static str,
        description: String,
    },
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Refusal::Page(status, message) => (
                status,
                Html(page(
                    "Error",
                    &format!(
                        "<div class=\"alert error\" id=\"error\">{}</div>",
                        escape(&message)
                    ),
                )),
            )
                .into_response(),
            Refusal::Redirect {
                redirect_uri,
                state,
                error,
                reason,
                description,
            } => {
                let mut pairs = vec![
                    ("error", error.to_string()),
                    ("error_description", description),
                    ("error_reason", reason.to_string()),
                ];
                if let Some(state) = state {
                    pairs.push(("state", state));
                }
                redirect(&redirect_uri, &pairs)
            }
        }
    }
}

fn redirect(uri: &str, pairs: &[(&str, String)]) -> Response {
    let query: String = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs.iter().map(|(k, v)| (*k, v.as_str())))
        .finish();
    let sep = if uri.contains('?') { '&' } else { '?' };
    (
        StatusCode::FOUND,
        [(header::LOCATION, format!("{uri}{sep}{query}"))],
    )
        .into_response()
}

/// Validates a request as FusionAuth does, in its order: client, redirect URI (page errors),
/// then grant, response type, PKCE, resource, scopes (redirected errors).
fn validate(sim: &Sim, p: &Params) -> Result<(AuthRequest, ClientSettings), Refusal> {
    let state = sim.model();
    let client_id = p.get("client_id").ok_or_else(|| {
        Refusal::Page(
            StatusCode::BAD_REQUEST,
            "The request is missing the client_id parameter.".into(),
        )
    })?;
    let client = ClientSettings::load(&state, client_id)
        .filter(|c| c.active)
        .ok_or_else(|| {
            Refusal::Page(
                StatusCode::BAD_REQUEST,
                format!("Invalid client_id [{client_id}]: no active application has this id."),
            )
        })?;
    let redirect_uri = p.get("redirect_uri").ok_or_else(|| {
        Refusal::Page(
            StatusCode::BAD_REQUEST,
            "The request is missing the redirect_uri parameter.".into(),
        )
    })?;
    if !client.redirect_allowed(redirect_uri) {
        return Err(Refusal::Page(
            StatusCode::BAD_REQUEST,
            format!(
                "Invalid redirect_uri [{redirect_uri}]: it is not one of the authorized redirect URLs of this application."
            ),
        ));
    }
    let refuse = |error, reason, description: String| Refusal::Redirect {
        redirect_uri: redirect_uri.to_string(),
        state: p.get("state").map(str::to_string),
        error,
        reason,
        description,
    };
    if !client.grant_enabled("authorization_code") {
        return Err(refuse(
            "unauthorized_client",
            "grant_type_disabled",
            "The authorization_code grant is not enabled for this application.".into(),
        ));
    }
    match p.get("response_type") {
        Some("code") => {}
        None => {
            return Err(refuse(
                "invalid_request",
                "missing_response_type",
                "The response_type parameter is required.".into(),
            ));
        }
        Some(other) => {
            return Err(refuse(
                "unsupported_response_type",
                "invalid_response_type",
                format!("The response_type [{other}] is not supported here; use [code]."),
            ));
        }
    }
    let challenge = p.get("code_challenge").map(str::to_string);
    let method = p.get("code_challenge_method").map(str::to_string);
    // NotRequiredWhenUsingClientAuthentication is settled at the token endpoint.
    if challenge.is_none() && client.pkce == "Required" {
        return Err(refuse(
            "invalid_request",
            "missing_code_challenge",
            "The code_challenge parameter is required: this application requires PKCE.".into(),
        ));
    }
    if challenge.is_some() && method.as_deref() != Some("S256") {
        return Err(refuse(
            "invalid_request",
            "invalid_pkce_code_challenge_method",
            "The code_challenge_method must be [S256].".into(),
        ));
    }
    // RFC 8707 is enforced only for applications that list resources; otherwise ignored.
    let requested = p.all("resource");
    let resources = if client.resource_uris.is_empty() {
        Vec::new()
    } else {
        for resource in &requested {
            if !client.resource_uris.contains(resource) {
                return Err(refuse(
                    "invalid_target",
                    "unknown",
                    format!(
                        "The resource [{resource}] is not an authorized resource of this application."
                    ),
                ));
            }
        }
        requested
    };
    let scopes = resolve_scopes(&client, p.get("scope")).map_err(|scope| {
        refuse(
            "invalid_scope",
            "unknown_scope",
            format!("The scope [{scope}] is not valid for this application."),
        )
    })?;
    Ok((
        AuthRequest {
            client_id: client.id,
            redirect_uri: redirect_uri.to_string(),
            state: p.get("state").map(str::to_string),
            scopes,
            resources,
            code_challenge: challenge,
            code_challenge_method: method,
            nonce: p.get("nonce").map(str::to_string),
            user_id: None,
            login_id: None,
            auth_time: None,
            sid: None,
        },
        client,
    ))
}

/// Strict applications reject (or drop, or keep, per `unknownScopePolicy`) scopes they do not
/// know; Compatibility applications take anything.
fn resolve_scopes(client: &ClientSettings, scope: Option<&str>) -> Result<Vec<String>, String> {
    let mut scopes = Vec::new();
    for s in scope.unwrap_or_default().split_whitespace() {
        let known = STANDARD_SCOPES.contains(&s) || client.custom_scopes.iter().any(|c| c == s);
        if !known && client.strict {
            match client.unknown_scope_policy.as_str() {
                "Allow" => {}
                "Remove" => continue,
                _ => return Err(s.to_string()),
            }
        }
        if !scopes.iter().any(|x: &String| x == s) {
            scopes.push(s.to_string());
        }
    }
    Ok(scopes)
}

pub async fn show_login(State(sim): State<Arc<Sim>>, RawQuery(query): RawQuery) -> Response {
    let p = Params::parse(query.unwrap_or_default().as_bytes());
    match validate(&sim, &p) {
        Ok(_) => Html(login_page(&p, None, p.get("login_hint"))).into_response(),
        Err(refusal) => refusal.into_response(),
    }
}

pub async fn submit_login(
    State(sim): State<Arc<Sim>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    body: Bytes,
) -> Response {
    let p = Params::parse(&body);
    let (mut request, client) = match validate(&sim, &p) {
        Ok(v) => v,
        Err(refusal) => return refusal.into_response(),
    };
    let login_id = p.get("loginId").unwrap_or_default().trim().to_string();
    let password = p.get("password").unwrap_or_default();
    let user = {
        let state = sim.model();
        state
            .user_in_tenant(&state.tenant_id_of_application(&client.id), &login_id)
            .filter(|u| u.user["active"].as_bool().unwrap_or(true))
            .filter(|u| tokens::verify_password(&u.password_salt, &u.password_hash, password))
            .map(|u| u.user["id"].as_str().and_then(|s| s.parse::<Uuid>().ok()))
    };
    let Some(Some(user_id)) = user else {
        return Html(login_page(
            &p,
            Some("Invalid login credentials."),
            Some(&login_id),
        ))
        .into_response();
    };
    let now = sim.clock.now_millis();
    {
        let mut state = sim.model();
        state.login_records.push(LoginRecord {
            application_id: Some(client.id),
            application_name: Some(client.name.clone()),
            instant: now,
            ip_address: peer.ip().to_string(),
            login_id: login_id.clone(),
            user_id,
        });
        if let Some(u) = state.users.get_mut(&user_id) {
            u.user["lastLoginInstant"] = serde_json::json!(now);
        }
        state.touch();
    }
    sim.log(
        "DEBUG",
        "io.fusionauth.app.action.oauth2.AuthorizeAction",
        format!(
            "Login succeeded for [{login_id}] on application [{}]",
            client.id
        ),
    );
    request.user_id = Some(user_id);
    request.login_id = Some(login_id);
    request.auth_time = Some(now / 1000);
    request.sid = Some(Uuid::new_v4().to_string());
    if client.third_party {
        let ticket = tokens::random_b64(24);
        let scopes = request.scopes.clone();
        sim.state
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .consent_tickets
            .insert(ticket.clone(), request);
        return Html(consent_page(&client.name, &scopes, &ticket)).into_response();
    }
    issue_code(&sim, request)
}

pub async fn submit_consent(State(sim): State<Arc<Sim>>, body: Bytes) -> Response {
    let p = Params::parse(&body);
    let request = p.get("consent_ticket").and_then(|t| {
        sim.state
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .consent_tickets
            .remove(t)
    });
    let Some(request) = request else {
        return Refusal::Page(
            StatusCode::BAD_REQUEST,
            "This consent request has expired or was already answered. Start the login again."
                .into(),
        )
        .into_response();
    };
    if p.get("action") != Some("allow") {
        return Refusal::Redirect {
            redirect_uri: request.redirect_uri,
            state: request.state,
            error: "access_denied",
            reason: "consent_canceled",
            description: "The user did not consent to the requested scopes.".into(),
        }
        .into_response();
    }
    issue_code(&sim, request)
}

/// Redirects with a fresh code, FusionAuth's extra `locale` and `userState` parameters, and
/// (since 1.69.0) `iss` per RFC 9207.
fn issue_code(sim: &Sim, request: AuthRequest) -> Response {
    let code = tokens::random_b64(32);
    let mut state = sim.model();
    let issuer = state.issuer_of(&state.tenant_id_of_application(&request.client_id));
    let redirect_uri = request.redirect_uri.clone();
    let mut pairs = vec![("code", code.clone()), ("locale", "en".to_string())];
    if let Some(s) = &request.state {
        pairs.push(("state", s.clone()));
    }
    pairs.push(("userState", "Authenticated".to_string()));
    pairs.push(("iss", issuer));
    state.codes.insert(
        code,
        AuthCode {
            request,
            expires_millis: sim.clock.now_millis() + CODE_TTL_MILLIS,
        },
    );
    state.touch();
    drop(state);
    redirect(&redirect_uri, &pairs)
}

fn login_page(p: &Params, error: Option<&str>, login_id: Option<&str>) -> String {
    let mut hidden = String::new();
    for (name, value) in &p.fields {
        if CARRIED.contains(&name.as_str()) {
            hidden.push_str(&format!(
                "<input type=\"hidden\" name=\"{}\" value=\"{}\">\n",
                escape(name),
                escape(value)
            ));
        }
    }
    let error = error
        .map(|e| {
            format!(
                "<div class=\"alert error\" id=\"error\">{}</div>\n",
                escape(e)
            )
        })
        .unwrap_or_default();
    page(
        "Login",
        &format!(
            "{error}<form id=\"login-form\" action=\"/oauth2/authorize\" method=\"POST\">\n{hidden}\
             <label for=\"loginId\">Email</label>\n\
             <input id=\"loginId\" name=\"loginId\" type=\"text\" autocomplete=\"username\" value=\"{}\">\n\
             <label for=\"password\">Password</label>\n\
             <input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\">\n\
             <button type=\"submit\" id=\"submit\">Submit</button>\n</form>",
            escape(login_id.unwrap_or_default())
        ),
    )
}

fn consent_page(app_name: &str, scopes: &[String], ticket: &str) -> String {
    let items: String = scopes
        .iter()
        .map(|s| format!("<li class=\"scope\">{}</li>\n", escape(s)))
        .collect();
    page(
        "Consent",
        &format!(
            "<p>{} is requesting access to your account.</p>\n<ul>\n{items}</ul>\n\
             <form id=\"consent-form\" action=\"/oauth2/consent\" method=\"POST\">\n\
             <input type=\"hidden\" name=\"consent_ticket\" value=\"{}\">\n\
             <button type=\"submit\" name=\"action\" value=\"allow\" id=\"allow\">Allow</button>\n\
             <button type=\"submit\" name=\"action\" value=\"deny\" id=\"deny\">Cancel</button>\n</form>",
            escape(app_name),
            escape(ticket)
        ),
    )
}

fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{title} | FusionAuth stand-in</title></head>\n<body>\n<main>\n{body}\n</main>\n</body></html>\n"
    )
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}
