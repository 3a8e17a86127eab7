//! `/api/api-key`: API keys created through the API, the way a tenant-limited key or a key for
//! only some endpoints comes to exist. Only a key manager may call it, and a key limited to a
//! tenant creates keys for that tenant only (FusionAuth's API docs). A new key answers 401 for
//! a moment, as every fresh key does.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Extension, Path, State};
use serde_json::json;
use uuid::Uuid;

use super::{Reply, Shared, json_body, path_uuid, request_object};
use crate::Sim;
use crate::errors::ApiError;
use crate::state::ApiKey;
use crate::tenancy::{Permissions, RequestTenant};
use crate::tokens;

pub async fn create(
    State(sim): Shared,
    Extension(caller): Extension<CallerKey>,
    Extension(scope): Extension<RequestTenant>,
    body: Bytes,
) -> Reply {
    insert(&sim, caller, scope, Uuid::new_v4(), &body)
}

pub async fn create_with_id(
    State(sim): Shared,
    Extension(caller): Extension<CallerKey>,
    Extension(scope): Extension<RequestTenant>,
    Path(id): Path<String>,
    body: Bytes,
) -> Reply {
    insert(&sim, caller, scope, path_uuid(&id)?, &body)
}

/// Which key made the request, for the endpoints that care (key managers only).
#[derive(Clone, Copy, Debug)]
pub struct CallerKey {
    pub key_manager: bool,
}

fn insert(sim: &Sim, caller: CallerKey, scope: RequestTenant, id: Uuid, body: &Bytes) -> Reply {
    if !caller.key_manager {
        return Err(ApiError::Unauthorized);
    }
    let incoming = request_object(&json_body(body)?, "apiKey")?;
    let mut state = sim.model();
    let tenant_id = match incoming["tenantId"].as_str() {
        None => None,
        Some(raw) => Some(
            raw.parse::<Uuid>()
                .ok()
                .filter(|t| state.tenants.contains_key(t))
                .ok_or_else(|| {
                    ApiError::field(
                        "apiKey.tenantId",
                        "[invalid]apiKey.tenantId",
                        "The [tenantId] property does not reference a tenant that exists.",
                    )
                })?,
        ),
    };
    // A key limited to a tenant creates keys for that tenant only.
    if scope.0.is_some() && tenant_id != scope.0 {
        return Err(ApiError::Unauthorized);
    }
    let key = incoming["key"]
        .as_str()
        .filter(|k| !k.trim().is_empty())
        .map_or_else(|| tokens::random_b64(48), str::to_string);
    if state.api_keys.iter().any(|k| k.key == key || k.id == id) {
        return Err(ApiError::field(
            "apiKey.key",
            "[duplicate]apiKey.key",
            "An API key with this value or id already exists.",
        ));
    }
    let now = sim.clock.now_millis();
    let stored = ApiKey {
        id,
        key: key.clone(),
        tenant_id,
        description: incoming["metaData"]["attributes"]["description"]
            .as_str()
            .map(str::to_string),
        insert_instant: now,
        permissions: Permissions::from_json(&incoming["permissions"]),
        key_manager: false,
    };
    let mut answer = json!({
        "id": id,
        "key": key,
        "keyManager": false,
        "insertInstant": now,
        "lastUpdateInstant": now,
        "permissions": {"endpoints": stored.permissions.endpoints},
    });
    if let Some(tenant) = tenant_id {
        answer["tenantId"] = json!(tenant);
    }
    state.api_keys.push(stored);
    state.touch();
    Ok(Json(json!({ "apiKey": answer })))
}
