//! `/oauth2/introspect`. FusionAuth answers only the client a token was issued to (issue 3010):
//! without client credentials the call is refused, and for another client's token it says
//! `{"active": false}`. A resource server therefore cannot introspect its callers' tokens.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::token::presented_credentials;
use super::{ClientSettings, Params};
use crate::errors::OAuthError;
use crate::{Sim, tokens};

pub async fn introspect(State(sim): State<Arc<Sim>>, headers: HeaderMap, body: Bytes) -> Response {
    let form = Params::parse(&body);
    let get = |name: &str| form.get(name);
    let presented = presented_credentials(&headers, get("client_id"), get("client_secret"));
    let Some(client_id) = presented.client_id.clone() else {
        return OAuthError::new(
            "invalid_client",
            "missing_client_id",
            "Client authentication is required.",
        )
        .into_response();
    };
    let state = sim.model();
    let Some(client) = ClientSettings::load(&state, &client_id) else {
        return OAuthError::new(
            "invalid_client",
            "invalid_client_id",
            "The client is unknown.",
        )
        .into_response();
    };
    let needs_secret = client.client_auth != "NotRequired";
    let secret_ok = presented.client_secret.as_deref() == Some(client.secret.as_str());
    if (needs_secret || presented.client_secret.is_some()) && !secret_ok {
        return OAuthError::new(
            "invalid_client",
            "invalid_client_authentication",
            "Invalid client authentication.",
        )
        .into_response();
    }
    let Some(token) = get("token") else {
        return OAuthError::missing("token").into_response();
    };
    let inactive = || axum::Json(json!({"active": false})).into_response();
    let Ok(claims) = tokens::verify(&state, token, sim.clock.now_secs()) else {
        return inactive();
    };
    let first_aud = match &claims["aud"] {
        Value::Array(list) => list.first().and_then(Value::as_str).map(str::to_string),
        Value::String(s) => Some(s.clone()),
        _ => None,
    };
    if first_aud.as_deref() != Some(client_id.as_str()) {
        return inactive();
    }
    let mut body = claims;
    body["active"] = json!(true);
    axum::Json(body).into_response()
}
