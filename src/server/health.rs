//! Whether the server is up, for whoever runs it: `GET /healthz` (no token, no Host check, so a
//! load balancer or Kubernetes probe can ask from any address), and [`probe`], the client side
//! the container image's health check runs (`mcp-fa healthcheck`: the image has no curl).
//!
//! It must not say anything a caller could use: no issuer, no keys, no counts.

use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use super::auth::Gate;
use super::error::ServerError;

/// The path of the liveness and readiness endpoint.
pub const HEALTH_PATH: &str = "/healthz";

/// Always 200 once the server listens: `start` returns only after the issuer's keys are
/// loaded, so a listening server is a ready one; afterwards it verifies with the keys it holds
/// even while FusionAuth is away, so there is nothing to become unready about.
pub(super) async fn health(State(gate): State<Arc<Gate>>) -> Json<Value> {
    Json(json!({"status": "ok", "protected": gate.is_protected()}))
}

/// `GET url` within a few seconds: `Ok` on 200, else why not. No redirects followed: a health
/// endpoint that redirects is not the one asked for.
pub async fn probe(url: &str) -> Result<(), ServerError> {
    let unhealthy = |reason: String| ServerError::Unhealthy {
        url: url.to_owned(),
        reason,
    };
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(3))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| unhealthy(e.to_string()))?;
    let response = client
        .get(url)
        .send()
        .await
        .map_err(|e| unhealthy(e.without_url().to_string()))?;
    if response.status() == reqwest::StatusCode::OK {
        Ok(())
    } else {
        Err(unhealthy(format!("HTTP {}", response.status())))
    }
}
