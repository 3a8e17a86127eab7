//! `/oauth2/authorize`: FusionAuth's hosted login page. The GET validates the request and shows
//! the stock theme's form (`loginId`, `password`, the OAuth parameters as hidden fields; see
//! `pages`); the browser posts it back to `/oauth2/authorize`, where everything is validated
//! again (hidden fields are user input). A good login starts an SSO session (the `fusionauth.sso`
//! cookie); ThirdParty applications are then sent to the consent page (`consent`), others get
//! their code. Errors that concern the client itself (unknown client, unregistered redirect URI)
//! are shown as the OAuth error page and never redirected: redirecting them would hand a
//! code-less error to whoever listens there.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use uuid::Uuid;

use super::pages::{self, LoginPage};
use super::{ClientSettings, Params, STANDARD_SCOPES};
use crate::Sim;
use crate::state::{AuthCode, AuthRequest, LoginRecord, SsoSession};
use crate::tokens;

/// How long an authorization code can be exchanged when the tenant does not say
/// (`externalIdentifierConfiguration.authorizationGrantIdTimeToLiveInSeconds`).
const CODE_TTL_SECS: i64 = 30;
/// The SSO session cookie.
const SESSION_COOKIE: &str = "fusionauth.sso";
/// `[InvalidLogin]` in the stock theme's messages.
const INVALID_LOGIN: &str = "Invalid login credentials.";
/// Login form fields that are not OAuth parameters: never put into the consent page's URL.
const NOT_FORWARDED: &[&str] = &[
    "loginId",
    "password",
    "showPasswordField",
    "userVerifyingPlatformAuthenticatorAvailable",
    "rememberDevice",
    "__cb_rememberDevice",
];

pub(super) enum Refusal {
    /// The OAuth error page, its JSON document saying `invalid_request` with this reason and
    /// description; nothing is sent to the redirect URI.
    Page(&'static str, String),
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
            Refusal::Page(reason, description) => (
                StatusCode::BAD_REQUEST,
                Html(pages::error(&serde_json::json!({
                    "error": "invalid_request",
                    "error_description": description,
                    "error_reason": reason,
                }))),
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

pub(super) fn redirect(uri: &str, pairs: &[(&str, String)]) -> Response {
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
pub(super) fn validate(sim: &Sim, p: &Params) -> Result<(AuthRequest, ClientSettings), Refusal> {
    let state = sim.model();
    let client_id = p.get("client_id").ok_or_else(|| {
        Refusal::Page(
            "missing_client_id",
            "The request is missing the client_id parameter.".into(),
        )
    })?;
    let client = ClientSettings::load(&state, client_id)
        .filter(|c| c.active)
        .ok_or_else(|| {
            Refusal::Page(
                "invalid_client_id",
                format!("Invalid client_id [{client_id}]: no active application has this id."),
            )
        })?;
    let redirect_uri = p.get("redirect_uri").ok_or_else(|| {
        Refusal::Page(
            "missing_redirect_uri",
            "The request is missing the redirect_uri parameter.".into(),
        )
    })?;
    if !client.redirect_allowed(redirect_uri) {
        return Err(Refusal::Page(
            "invalid_redirect_uri",
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
        Ok(_) => login_page(
            &sim,
            &p,
            LoginPage {
                login_id: p.get("login_hint"),
                ..LoginPage::default()
            },
        ),
        Err(refusal) => refusal.into_response(),
    }
}

fn login_page(sim: &Sim, p: &Params, shown: LoginPage<'_>) -> Response {
    let tenant = sim.model().default_tenant_id.to_string();
    Html(pages::login(p, &tenant, &shown)).into_response()
}

pub async fn submit_login(
    State(sim): State<Arc<Sim>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    body: Bytes,
) -> Response {
    let p = Params::parse(&body);
    let (request, client) = match validate(&sim, &p) {
        Ok(v) => v,
        Err(refusal) => return refusal.into_response(),
    };
    let login_id = p.get("loginId").unwrap_or_default().trim().to_string();
    let password = p.get("password").unwrap_or_default();
    // Blank fields are field errors under their inputs; nothing is checked against the users.
    let blank: Vec<(&str, &str)> = [("loginId", login_id.as_str()), ("password", password)]
        .into_iter()
        .filter(|(_, value)| value.is_empty())
        .map(|(field, _)| (field, "Required"))
        .collect();
    if !blank.is_empty() {
        return login_page(
            &sim,
            &p,
            LoginPage {
                field_errors: blank,
                login_id: Some(&login_id),
                ..LoginPage::default()
            },
        );
    }
    let user = {
        let state = sim.model();
        state
            .user_in_tenant(&state.tenant_id_of_application(&client.id), &login_id)
            .filter(|u| u.user["active"].as_bool().unwrap_or(true))
            .filter(|u| tokens::verify_password(&u.password_salt, &u.password_hash, password))
            .map(|u| u.user["id"].as_str().and_then(|s| s.parse::<Uuid>().ok()))
    };
    let Some(Some(user_id)) = user else {
        return login_page(
            &sim,
            &p,
            LoginPage {
                alert: Some(INVALID_LOGIN),
                login_id: Some(&login_id),
                ..LoginPage::default()
            },
        );
    };
    let now = sim.clock.now_millis();
    let session = SsoSession {
        user_id,
        login_id: login_id.clone(),
        auth_time: now / 1000,
        sid: Uuid::new_v4().to_string(),
    };
    let cookie_value = tokens::random_b64(32);
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
        state.sessions.insert(cookie_value.clone(), session.clone());
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
    let cookie = format!("{SESSION_COOKIE}={cookie_value}; Path=/; HttpOnly; SameSite=Lax");
    let mut response = if client.third_party {
        // The consent page is a page of its own, with the request's parameters in its URL.
        let query: String = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(
                p.fields
                    .iter()
                    .filter(|(name, _)| !NOT_FORWARDED.contains(&name.as_str())),
            )
            .finish();
        (
            StatusCode::FOUND,
            [(header::LOCATION, format!("/oauth2/consent?{query}"))],
        )
            .into_response()
    } else {
        issue_code(&sim, request, &session)
    };
    if let Ok(value) = header::HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

/// Redirects with a fresh code for the logged-in `session`, FusionAuth's extra `locale` and
/// `userState` parameters, and (since 1.69.0) `iss` per RFC 9207.
pub(super) fn issue_code(sim: &Sim, mut request: AuthRequest, session: &SsoSession) -> Response {
    request.user_id = Some(session.user_id);
    request.login_id = Some(session.login_id.clone());
    request.auth_time = Some(session.auth_time);
    request.sid = Some(session.sid.clone());
    let code = tokens::random_b64(32);
    let mut state = sim.model();
    let tenant_id = state.tenant_id_of_application(&request.client_id);
    let issuer = state.issuer_of(&tenant_id);
    let ttl_secs = state.tenant_by_id(&tenant_id)["externalIdentifierConfiguration"]
        ["authorizationGrantIdTimeToLiveInSeconds"]
        .as_i64()
        .unwrap_or(CODE_TTL_SECS);
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
            expires_millis: sim.clock.now_millis() + ttl_secs * 1000,
        },
    );
    state.touch();
    drop(state);
    redirect(&redirect_uri, &pairs)
}

/// The SSO session the request's `fusionauth.sso` cookie names, if it still exists.
pub(super) fn session(sim: &Sim, headers: &HeaderMap) -> Option<SsoSession> {
    let value = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|h| h.to_str().ok())
        .flat_map(|h| h.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.to_owned())?;
    sim.model().sessions.get(&value).cloned()
}
