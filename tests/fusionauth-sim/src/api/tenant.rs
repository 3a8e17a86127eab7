//! `/api/tenant`: the default tenant, whose `issuer` and `jwtConfiguration` decide what every
//! token says and how it is signed.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use serde_json::{Value, json};

use super::{PatchStyle, json_body, path_uuid, request_object};
use crate::Sim;
use crate::errors::{ApiError, Validation};
use crate::state::State as Model;

pub async fn list(State(sim): State<Arc<Sim>>) -> Json<Value> {
    let state = sim.state.lock().unwrap_or_else(|e| e.into_inner());
    Json(json!({"tenants": state.tenants.values().collect::<Vec<_>>()}))
}

pub async fn get_one(
    State(sim): State<Arc<Sim>>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id = path_uuid(&id)?;
    let state = sim.state.lock().unwrap_or_else(|e| e.into_inner());
    let tenant = state.tenants.get(&id).ok_or(ApiError::NotFound)?;
    Ok(Json(json!({"tenant": tenant})))
}

pub async fn patch(
    State(sim): State<Arc<Sim>>,
    Path(id): Path<String>,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    update(&sim, &id, &body, Some(PatchStyle::of(&headers)))
}

pub async fn put(
    State(sim): State<Arc<Sim>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    update(&sim, &id, &body, None)
}

fn update(
    sim: &Sim,
    id: &str,
    body: &Bytes,
    merge: Option<PatchStyle>,
) -> Result<Json<Value>, ApiError> {
    let id = path_uuid(id)?;
    let incoming = request_object(&json_body(body)?, "tenant")?;
    let mut state = sim.state.lock().unwrap_or_else(|e| e.into_inner());
    let current = state.tenants.get(&id).ok_or(ApiError::NotFound)?.clone();
    let mut updated = super::updated(&current, incoming, merge, id);
    updated["lastUpdateInstant"] = json!(sim.clock.now_millis());
    validate(&state, &updated)?;
    state.tenants.insert(id, updated.clone());
    state.touch();
    Ok(Json(json!({"tenant": updated})))
}

fn validate(state: &Model, tenant: &Value) -> Result<(), ApiError> {
    let mut v = Validation::default();
    if super::blank(&tenant["name"]) {
        v.add(
            "tenant.name",
            "[blank]tenant.name",
            "You must specify the [name] property.",
        );
    }
    if super::blank(&tenant["issuer"]) {
        v.add(
            "tenant.issuer",
            "[blank]tenant.issuer",
            "You must specify the [issuer] property.",
        );
    }
    for field in ["accessTokenKeyId", "idTokenKeyId"] {
        let path = format!("tenant.jwtConfiguration.{field}");
        let value = &tenant["jwtConfiguration"][field];
        let known = value
            .as_str()
            .and_then(|s| s.parse().ok())
            .is_some_and(|key_id| state.keys.contains_key(&key_id));
        if !known {
            v.add(
                &path,
                &format!("[invalid]{path}"),
                format!("The [{path}] property does not reference a key that exists."),
            );
        }
    }
    v.finish()
}
