//! `/oauth2/token` (form-encoded): the authorization_code and refresh_token grants, with client
//! authentication per `clientAuthenticationPolicy`, PKCE verification, and RFC 8707 `resource`
//! rules: a resource sent on authorize must be sent again here, and may not grow.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::issue::{Grant, token_response};
use super::{ClientSettings, Params};
use crate::Sim;
use crate::errors::OAuthError;
use crate::tokens;

/// The client credentials presented: HTTP Basic first, then the form fields.
pub struct Presented {
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
}

pub fn presented_credentials(
    headers: &HeaderMap,
    form_id: Option<&str>,
    form_secret: Option<&str>,
) -> Presented {
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| STANDARD.decode(b.trim()).ok())
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| {
            let (id, secret) = s.split_once(':')?;
            let decode = |x: &str| {
                url::form_urlencoded::parse(format!("x={x}").as_bytes())
                    .next()
                    .map(|(_, v)| v.into_owned())
                    .unwrap_or_default()
            };
            Some((decode(id), decode(secret)))
        });
    match basic {
        Some((id, secret)) => Presented {
            client_id: Some(id),
            client_secret: Some(secret),
        },
        None => Presented {
            client_id: form_id.map(str::to_string),
            client_secret: form_secret.map(str::to_string),
        },
    }
}

pub async fn token(State(sim): State<Arc<Sim>>, headers: HeaderMap, body: Bytes) -> Response {
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return OAuthError::new(
            "invalid_request",
            "unknown",
            "The request must be application/x-www-form-urlencoded.",
        )
        .into_response();
    }
    let form = Params::parse(&body);
    if let Err(refused) = super::client_auth::single_method(&headers, &form) {
        return refused.into_response();
    }
    let presented =
        presented_credentials(&headers, form.get("client_id"), form.get("client_secret"));
    let result = match form.get("grant_type") {
        Some("authorization_code") => authorization_code(&sim, &presented, &form),
        Some("refresh_token") => refresh_token(&sim, &presented, &form),
        Some(other) => Err(OAuthError::new(
            "unsupported_grant_type",
            "invalid_grant_type",
            format!("The grant_type [{other}] is not supported here."),
        )),
        None => Err(OAuthError::missing("grant_type")),
    };
    match result {
        Ok(body) => {
            let mut response = axum::Json(body).into_response();
            response.headers_mut().insert(
                header::CACHE_CONTROL,
                header::HeaderValue::from_static("no-store"),
            );
            response
        }
        Err(e) => e.into_response(),
    }
}

/// Settles client authentication for this request. `used_pkce` is whether a code verifier
/// protected the grant (for refresh tokens: whether the original grant did).
fn authenticate(
    client: &ClientSettings,
    presented: &Presented,
    used_pkce: bool,
) -> Result<(), OAuthError> {
    let secret_ok = presented
        .client_secret
        .as_deref()
        .is_some_and(|s| s == client.secret);
    if presented.client_secret.is_some() && !secret_ok {
        return Err(OAuthError::new(
            "invalid_client",
            "invalid_client_authentication",
            "Invalid client authentication.",
        ));
    }
    let required = match client.client_auth.as_str() {
        "NotRequired" => false,
        "NotRequiredWhenUsingPKCE" => !used_pkce,
        _ => true,
    };
    if required && !secret_ok {
        return Err(OAuthError::new(
            "invalid_client",
            "missing_client_secret",
            "Client authentication is required for this application.",
        ));
    }
    if client.pkce == "NotRequiredWhenUsingClientAuthentication" && !used_pkce && !secret_ok {
        return Err(OAuthError::new(
            "invalid_request",
            "missing_code_verifier",
            "PKCE or client authentication is required for this application.",
        ));
    }
    Ok(())
}

fn required_client_id(presented: &Presented) -> Result<String, OAuthError> {
    presented
        .client_id
        .clone()
        .ok_or_else(|| OAuthError::missing("client_id"))
}

/// The active application `client_id` names, if it may use `grant`.
fn client_for_grant(
    state: &crate::state::State,
    client_id: &str,
    grant: &str,
) -> Result<ClientSettings, OAuthError> {
    let client = ClientSettings::load(state, client_id)
        .filter(|c| c.active)
        .ok_or_else(|| {
            OAuthError::new(
                "invalid_client",
                "invalid_client_id",
                "The client is unknown or inactive.",
            )
        })?;
    if !client.grant_enabled(grant) {
        return Err(OAuthError::new(
            "unauthorized_client",
            "grant_type_disabled",
            format!("The {grant} grant is not enabled for this application."),
        ));
    }
    Ok(client)
}

fn authorization_code(
    sim: &Sim,
    presented: &Presented,
    form: &Params,
) -> Result<serde_json::Value, OAuthError> {
    let code = form
        .get("code")
        .ok_or_else(|| OAuthError::missing("code"))?;
    let mut state = sim.model();
    // A code is good for one attempt, successful or not.
    let stored = state.codes.remove(code).ok_or_else(|| {
        OAuthError::new(
            "invalid_grant",
            "auth_code_not_found",
            "The authorization code is invalid, expired or already used.",
        )
    })?;
    state.touch();
    if stored.expires_millis < sim.clock.now_millis() {
        return Err(OAuthError::new(
            "invalid_grant",
            "auth_code_not_found",
            "The authorization code has expired.",
        ));
    }
    let request = stored.request;
    let client_id = required_client_id(presented)?;
    if client_id != request.client_id.to_string() {
        return Err(OAuthError::new(
            "invalid_grant",
            "client_id_mismatch",
            "The code was issued to another client.",
        ));
    }
    let client = client_for_grant(&state, &client_id, "authorization_code")?;
    if form.get("redirect_uri") != Some(request.redirect_uri.as_str()) {
        return Err(OAuthError::new(
            "invalid_request",
            "invalid_redirect_uri",
            "The redirect_uri does not match the one of the authorization request.",
        ));
    }
    let verifier = form.get("code_verifier");
    if let Some(challenge) = &request.code_challenge {
        let verifier = verifier.ok_or_else(|| OAuthError::missing("code_verifier"))?;
        if tokens::pkce_s256(verifier) != *challenge {
            return Err(OAuthError::new(
                "invalid_grant",
                "invalid_pkce_code_verifier",
                "The code_verifier does not match the code_challenge.",
            ));
        }
    } else if verifier.is_some() {
        return Err(OAuthError::new(
            "invalid_request",
            "invalid_pkce_code_verifier",
            "No code_challenge was sent on the authorization request.",
        ));
    }
    authenticate(&client, presented, request.code_challenge.is_some())?;
    let requested = form.all("resource");
    let resources = if client.resource_uris.is_empty() {
        Vec::new()
    } else if !request.resources.is_empty() {
        if requested.is_empty() {
            return Err(OAuthError::new(
                "invalid_target",
                "unknown",
                "The resource parameter sent on the authorization request must be sent again on the token request.",
            ));
        }
        for r in &requested {
            if !request.resources.contains(r) {
                return Err(OAuthError::new(
                    "invalid_target",
                    "unknown",
                    format!("The resource [{r}] was not part of the authorization request."),
                ));
            }
        }
        requested
    } else {
        for r in &requested {
            if !client.resource_uris.contains(r) {
                return Err(OAuthError::new(
                    "invalid_target",
                    "unknown",
                    format!(
                        "The resource [{r}] is not an authorized resource of this application."
                    ),
                ));
            }
        }
        requested
    };
    let (user_id, sid, auth_time) = (
        request.user_id.ok_or_else(|| {
            OAuthError::new(
                "invalid_grant",
                "auth_code_not_found",
                "The code has no user.",
            )
        })?,
        request.sid.clone().unwrap_or_default(),
        request.auth_time.unwrap_or_default(),
    );
    let grant = Grant {
        client: &client,
        user_id,
        scopes: &request.scopes,
        resources: &resources,
        sid: &sid,
        auth_time,
        nonce: request.nonce.as_deref(),
        authentication_type: "PASSWORD",
        used_pkce: request.code_challenge.is_some(),
    };
    token_response(sim, &mut state, &grant, None)
}

fn refresh_token(
    sim: &Sim,
    presented: &Presented,
    form: &Params,
) -> Result<serde_json::Value, OAuthError> {
    let token = form
        .get("refresh_token")
        .ok_or_else(|| OAuthError::missing("refresh_token"))?;
    let mut state = sim.model();
    let grant = state
        .refresh_tokens
        .get(token)
        .cloned()
        .filter(|g| g.expires_millis > sim.clock.now_millis())
        .ok_or_else(|| {
            OAuthError::new(
                "invalid_grant",
                "refresh_token_not_found",
                "The refresh token is invalid or expired.",
            )
        })?;
    let client_id = required_client_id(presented)?;
    if client_id != grant.client_id.to_string() {
        return Err(OAuthError::new(
            "invalid_grant",
            "client_id_mismatch",
            "The refresh token was issued to another client.",
        ));
    }
    let client = client_for_grant(&state, &client_id, "refresh_token")?;
    authenticate(&client, presented, grant.used_pkce)?;
    let requested = form.all("resource");
    for r in &requested {
        if !grant.resources.contains(r) {
            return Err(OAuthError::new(
                "invalid_target",
                "unknown",
                format!("The resource [{r}] was not part of the original grant."),
            ));
        }
    }
    let resources = if requested.is_empty() {
        grant.resources.clone()
    } else {
        requested
    };
    let scopes = match form.get("scope") {
        None => grant.scopes.clone(),
        Some(s) => {
            let asked: Vec<String> = s.split_whitespace().map(str::to_string).collect();
            if let Some(extra) = asked.iter().find(|a| !grant.scopes.contains(a)) {
                return Err(OAuthError::new(
                    "invalid_scope",
                    "unknown_scope",
                    format!("The scope [{extra}] was not part of the original grant."),
                ));
            }
            asked
        }
    };
    let issue = Grant {
        client: &client,
        user_id: grant.user_id,
        scopes: &scopes,
        resources: &resources,
        sid: &grant.sid,
        auth_time: grant.auth_time,
        nonce: None,
        authentication_type: "REFRESH_TOKEN",
        used_pkce: grant.used_pkce,
    };
    token_response(sim, &mut state, &issue, Some((token, grant.id)))
}
