//! `/api/jwt/validate`: `Authorization: Bearer <jwt>`, no API key. Checks the signature against
//! this instance's keys and the expiry, and nothing else: not the audience, not the issuer.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::Shared;
use crate::tokens;

pub async fn validate(State(sim): Shared, headers: HeaderMap) -> Response {
    let Some(token) = bearer(&headers) else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let state = sim.model();
    match tokens::verify(&state, token, sim.clock.now_secs()) {
        Ok(claims) => axum::Json(json!({"jwt": claims})).into_response(),
        Err(_) => StatusCode::UNAUTHORIZED.into_response(),
    }
}

pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
}
