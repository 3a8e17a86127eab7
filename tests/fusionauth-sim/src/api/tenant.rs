//! `/api/tenant`: tenants, whose `issuer` and `jwtConfiguration` decide what their tokens say
//! and how they are signed. A request scoped to one tenant (the header, or a tenant-limited key)
//! sees only that tenant.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Extension, Path, State};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{Change, Reply, Shared, get_by_id, json_body, path_uuid, request_object};
use crate::Sim;
use crate::errors::{ApiError, Validation};
use crate::state::State as Model;
use crate::tenancy::RequestTenant;

pub async fn list(State(sim): Shared, Extension(tenant): Extension<RequestTenant>) -> Json<Value> {
    let state = sim.model();
    let tenants: Vec<&Value> = state
        .tenants
        .values()
        .filter(|t| tenant.sees(&t["id"]))
        .collect();
    Json(json!({ "tenants": tenants }))
}

pub async fn get_one(
    State(sim): Shared,
    Extension(tenant): Extension<RequestTenant>,
    Path(id): Path<String>,
) -> Reply {
    get_by_id(&sim, &id, "tenant", |state, id| {
        state
            .tenants
            .get(id)
            .filter(|t| tenant.sees(&t["id"]))
            .cloned()
    })
}

pub async fn create(
    State(sim): Shared,
    Extension(tenant): Extension<RequestTenant>,
    body: Bytes,
) -> Reply {
    insert(&sim, tenant, Uuid::new_v4(), &body)
}

pub async fn create_with_id(
    State(sim): Shared,
    Extension(tenant): Extension<RequestTenant>,
    Path(id): Path<String>,
    body: Bytes,
) -> Reply {
    insert(&sim, tenant, path_uuid(&id)?, &body)
}

/// A new tenant: `acme.com` as its issuer and the instance's HMAC default key for its tokens
/// unless the request says otherwise (*inferred*: FusionAuth's defaults for the default tenant).
/// A request scoped to a tenant cannot create another (*inferred*).
fn insert(sim: &Sim, scope: RequestTenant, id: Uuid, body: &Bytes) -> Reply {
    if scope.0.is_some() {
        return Err(ApiError::Unauthorized);
    }
    let incoming = request_object(&json_body(body)?, "tenant")?;
    let mut state = sim.model();
    if state.tenants.contains_key(&id) {
        return Err(ApiError::field(
            "tenant.id",
            "[duplicate]tenant.id",
            "A tenant with this id already exists.",
        ));
    }
    let now = sim.clock.now_millis();
    let default_key = state.default_signing_key_id;
    let mut tenant = json!({
        "issuer": "acme.com",
        "state": "Active",
        "jwtConfiguration": {
            "enabled": true,
            "accessTokenKeyId": default_key,
            "idTokenKeyId": default_key,
            "timeToLiveInSeconds": 3600,
            "refreshTokenTimeToLiveInMinutes": 43200,
            "refreshTokenExpirationPolicy": "Fixed",
            "refreshTokenUsagePolicy": "Reusable"
        },
    });
    super::merge_patch(&mut tenant, &incoming, super::PatchStyle::MergePatch);
    tenant["id"] = json!(id);
    tenant["insertInstant"] = json!(now);
    tenant["lastUpdateInstant"] = json!(now);
    validate(&state, &tenant)?;
    if state.tenants.values().any(|t| t["name"] == tenant["name"]) {
        return Err(ApiError::field(
            "tenant.name",
            "[duplicate]tenant.name",
            "A tenant with this name already exists.",
        ));
    }
    state.tenants.insert(id, tenant.clone());
    state.touch();
    Ok(Json(json!({ "tenant": tenant })))
}

/// PUT replaces the tenant, PATCH merges into it.
pub async fn change(
    State(sim): Shared,
    Extension(tenant): Extension<RequestTenant>,
    change: Change,
) -> Reply {
    update(&sim, tenant, change)
}

fn update(sim: &Sim, scope: RequestTenant, change: Change) -> Reply {
    let (id, merge) = (path_uuid(&change.id)?, change.style);
    let incoming = request_object(&json_body(&change.body)?, "tenant")?;
    let mut state = sim.model();
    let current = state
        .tenants
        .get(&id)
        .filter(|t| scope.sees(&t["id"]))
        .ok_or(ApiError::NotFound)?
        .clone();
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
