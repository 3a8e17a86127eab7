//! `/api/application/{id}/scope`: custom OAuth scopes, a paid feature. Without a license every
//! call is `[notLicensed]`; the OIDC scope names are reserved.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Extension, Path, State};
use axum::http::StatusCode;
use serde_json::json;
use uuid::Uuid;

use super::{Reply, Shared, json_body, path_uuid, request_object};
use crate::Sim;
use crate::errors::{ApiError, Validation};
use crate::oauth::STANDARD_SCOPES;
use crate::tenancy::RequestTenant;

pub async fn create(
    State(sim): Shared,
    Extension(tenant): Extension<RequestTenant>,
    Path(app_id): Path<String>,
    body: Bytes,
) -> Reply {
    insert(&sim, tenant, &app_id, Uuid::new_v4(), &body)
}

pub async fn create_with_id(
    State(sim): Shared,
    Extension(tenant): Extension<RequestTenant>,
    Path((app_id, scope_id)): Path<(String, String)>,
    body: Bytes,
) -> Reply {
    let scope_id = path_uuid(&scope_id)?;
    insert(&sim, tenant, &app_id, scope_id, &body)
}

fn insert(sim: &Sim, tenant: RequestTenant, app_id: &str, scope_id: Uuid, body: &Bytes) -> Reply {
    let app_id = path_uuid(app_id)?;
    let mut scope = request_object(&json_body(body)?, "scope")?;
    let mut state = sim.model();
    if !state.licensed() {
        return Err(ApiError::not_licensed("advancedOAuthScopesCustomScopes"));
    }
    let app = state
        .applications
        .get(&app_id)
        .filter(|app| tenant.sees(&app["tenantId"]))
        .ok_or(ApiError::NotFound)?;
    let existing = app["scopes"].as_array().cloned().unwrap_or_default();
    let name = scope["name"]
        .as_str()
        .unwrap_or_default()
        .trim()
        .to_string();
    let mut v = Validation::default();
    if name.is_empty() {
        v.add(
            "scope.name",
            "[blank]scope.name",
            "You must specify the [name] property.",
        );
    } else if STANDARD_SCOPES.contains(&name.as_str()) {
        v.add(
            "scope.name",
            "[invalid]scope.name",
            format!("The scope name [{name}] is reserved."),
        );
    } else if name.chars().any(char::is_whitespace) {
        v.add(
            "scope.name",
            "[invalid]scope.name",
            "Scope names cannot contain spaces.",
        );
    } else if existing
        .iter()
        .any(|s| s["name"].as_str() == Some(name.as_str()))
    {
        v.add(
            "scope.name",
            "[duplicate]scope.name",
            format!("A scope named [{name}] already exists for this application."),
        );
    }
    if existing
        .iter()
        .any(|s| s["id"].as_str() == Some(scope_id.to_string().as_str()))
    {
        v.add(
            "scope.id",
            "[duplicate]scope.id",
            "A scope with this id already exists.",
        );
    }
    v.finish()?;
    let now = sim.clock.now_millis();
    scope["id"] = json!(scope_id);
    scope["name"] = json!(name);
    scope["applicationId"] = json!(app_id);
    scope["insertInstant"] = json!(now);
    scope["lastUpdateInstant"] = json!(now);
    if scope["required"].is_null() {
        scope["required"] = json!(false);
    }
    let app = state
        .applications
        .get_mut(&app_id)
        .ok_or(ApiError::NotFound)?;
    match app["scopes"].as_array_mut() {
        Some(list) => list.push(scope.clone()),
        None => app["scopes"] = json!([scope.clone()]),
    }
    state.touch();
    Ok(Json(json!({"scope": scope})))
}

pub async fn get_one(
    State(sim): Shared,
    Extension(tenant): Extension<RequestTenant>,
    Path((app_id, scope_id)): Path<(String, String)>,
) -> Reply {
    let (app_id, scope_id) = (path_uuid(&app_id)?, scope_id);
    let state = sim.model();
    let app = state
        .applications
        .get(&app_id)
        .filter(|app| tenant.sees(&app["tenantId"]))
        .ok_or(ApiError::NotFound)?;
    let scope = app["scopes"]
        .as_array()
        .and_then(|l| {
            l.iter()
                .find(|s| s["id"].as_str() == Some(scope_id.as_str()))
        })
        .ok_or(ApiError::NotFound)?;
    Ok(Json(json!({"scope": scope})))
}

pub async fn delete(
    State(sim): Shared,
    Extension(tenant): Extension<RequestTenant>,
    Path((app_id, scope_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let app_id = path_uuid(&app_id)?;
    let mut state = sim.model();
    if !state.licensed() {
        return Err(ApiError::not_licensed("advancedOAuthScopesCustomScopes"));
    }
    let app = state
        .applications
        .get_mut(&app_id)
        .filter(|app| tenant.sees(&app["tenantId"]))
        .ok_or(ApiError::NotFound)?;
    let list = app["scopes"].as_array_mut().ok_or(ApiError::NotFound)?;
    let before = list.len();
    list.retain(|s| s["id"].as_str() != Some(scope_id.as_str()));
    if list.len() == before {
        return Err(ApiError::NotFound);
    }
    state.touch();
    Ok(StatusCode::OK)
}
