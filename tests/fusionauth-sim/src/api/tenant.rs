//! `/api/tenant`: the default tenant, whose `issuer` and `jwtConfiguration` decide what every
//! token says and how it is signed.

use axum::Json;
use axum::extract::{Path, State};
use serde_json::{Value, json};

use super::{Change, Reply, Shared, get_by_id, json_body, path_uuid, request_object};
use crate::Sim;
use crate::errors::{ApiError, Validation};
use crate::state::State as Model;

pub async fn list(State(sim): Shared) -> Json<Value> {
    let state = sim.model();
    Json(json!({"tenants": state.tenants.values().collect::<Vec<_>>()}))
}

pub async fn get_one(State(sim): Shared, Path(id): Path<String>) -> Reply {
    get_by_id(&sim, &id, "tenant", |state, id| {
        state.tenants.get(id).cloned()
    })
}

/// PUT replaces the tenant, PATCH merges into it.
pub async fn change(State(sim): Shared, change: Change) -> Reply {
    update(&sim, change)
}

fn update(sim: &Sim, change: Change) -> Reply {
    let (id, merge) = (path_uuid(&change.id)?, change.style);
    let incoming = request_object(&json_body(&change.body)?, "tenant")?;
    let mut state = sim.model();
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
