//! `/oauth2/userinfo`. With Strict scope handling the token must carry `openid`, and claims are
//! released per scope. The first `aud` must be an active application. `name` is the user's
//! `fullName` and nothing else: FusionAuth never composes it from first and last name.

use std::sync::Arc;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::ClientSettings;
use crate::api::jwt::bearer;
use crate::errors::OAuthError;
use crate::{Sim, tokens};

pub async fn userinfo(State(sim): State<Arc<Sim>>, headers: HeaderMap) -> Response {
    match answer(&sim, &headers) {
        Ok(v) => axum::Json(v).into_response(),
        Err(e) => e.into_response(),
    }
}

fn answer(sim: &Sim, headers: &HeaderMap) -> Result<Value, OAuthError> {
    let invalid = |reason, d: &str| OAuthError::new("invalid_token", reason, d);
    let token = bearer(headers)
        .ok_or_else(|| invalid("access_token_required", "An access token is required."))?;
    let state = sim.model();
    let claims = tokens::verify(&state, token, sim.clock.now_secs()).map_err(|_| {
        invalid(
            "access_token_invalid",
            "The access token is invalid or expired.",
        )
    })?;
    let first_aud = match &claims["aud"] {
        Value::Array(list) => list.first().and_then(Value::as_str).map(str::to_string),
        Value::String(s) => Some(s.clone()),
        _ => None,
    }
    .unwrap_or_default();
    let client = ClientSettings::load(&state, &first_aud)
        .filter(|c| c.active)
        .ok_or_else(|| {
            invalid(
                "invalid_client_id",
                "The token's audience is not an active application.",
            )
        })?;
    let scopes: Vec<String> = claims["scope"]
        .as_str()
        .unwrap_or_default()
        .split_whitespace()
        .map(str::to_string)
        .collect();
    if client.strict && !scopes.iter().any(|s| s == "openid") {
        return Err(OAuthError {
            status: axum::http::StatusCode::FORBIDDEN,
            error: "invalid_scope",
            reason: "missing_required_scope".into(),
            description: "The access token does not carry the openid scope.".into(),
        });
    }
    let user_id = claims["sub"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .and_then(|id| state.users.get(&id))
        .ok_or_else(|| invalid("user_not_found", "The token's subject no longer exists."))?;
    Ok(claims_for(&user_id.user, &scopes, client.strict))
}

/// The identity claims released for `scopes` (all of them in Compatibility mode).
pub fn claims_for(user: &Value, scopes: &[String], strict: bool) -> Value {
    let has = |s: &str| !strict || scopes.iter().any(|x| x == s);
    let mut out = Map::new();
    out.insert("sub".into(), user["id"].clone());
    if has("email")
        && let Some(email) = user["email"].as_str()
    {
        out.insert("email".into(), json!(email));
        out.insert(
            "email_verified".into(),
            json!(user["verified"].as_bool().unwrap_or(false)),
        );
    }
    if has("profile") {
        for (claim, field) in [
            ("given_name", "firstName"),
            ("family_name", "lastName"),
            ("middle_name", "middleName"),
            ("name", "fullName"),
            ("preferred_username", "username"),
            ("birthdate", "birthDate"),
            ("picture", "imageUrl"),
        ] {
            if let Some(v) = user[field].as_str() {
                out.insert(claim.into(), json!(v));
            }
        }
    }
    if has("phone")
        && let Some(v) = user["mobilePhone"].as_str()
    {
        out.insert("phone_number".into(), json!(v));
    }
    Value::Object(out)
}
