//! `/api/application`: one application per OAuth client. The `oauthConfiguration` is validated
//! as FusionAuth binds it (an unknown enum value is `[invalidJSON]`), paid features are refused
//! without a license, and deletion is soft unless `hardDelete=true`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Extension, Path, Query, State};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::{Change, DeleteQuery, Reply, Shared, get_by_id, json_body, path_uuid, request_object};
use crate::Sim;
use crate::errors::{ApiError, Validation};
use crate::state::State as Model;
use crate::tenancy::RequestTenant;
use crate::tokens;

pub const GRANTS: &[&str] = &[
    "authorization_code",
    "client_credentials",
    "implicit",
    "password",
    "refresh_token",
    "urn:ietf:params:oauth:grant-type:device_code",
];

/// Each enum-valued property of `oauthConfiguration` with the values FusionAuth accepts.
const ENUMS: &[(&str, &[&str])] = &[
    (
        "authorizedURLValidationPolicy",
        &["AllowWildcards", "ExactMatch"],
    ),
    (
        "clientAuthenticationPolicy",
        &["Required", "NotRequired", "NotRequiredWhenUsingPKCE"],
    ),
    (
        "proofKeyForCodeExchangePolicy",
        &[
            "Required",
            "NotRequired",
            "NotRequiredWhenUsingClientAuthentication",
        ],
    ),
    ("scopeHandlingPolicy", &["Compatibility", "Strict"]),
    ("unknownScopePolicy", &["Allow", "Remove", "Reject"]),
    ("relationship", &["FirstParty", "ThirdParty"]),
    ("logoutBehavior", &["RedirectOnly", "AllApplications"]),
    (
        "consentMode",
        &["AlwaysPrompt", "RememberDecision", "NeverPrompt"],
    ),
];

/// FusionAuth's defaults for what a create request leaves out. Grants default to none: an
/// application created through the API cannot do the authorization code flow until asked to.
pub fn apply_defaults(app: &mut Value, now: i64) {
    let id = app["id"].clone();
    set_default(app, "active", json!(true));
    set_default(app, "roles", json!([]));
    set_default(app, "scopes", json!([]));
    set_default(app, "insertInstant", json!(now));
    app["lastUpdateInstant"] = json!(now);
    if !app["oauthConfiguration"].is_object() {
        app["oauthConfiguration"] = json!({});
    }
    let oauth = &mut app["oauthConfiguration"];
    oauth["clientId"] = id;
    if super::blank(&oauth["clientSecret"]) {
        oauth["clientSecret"] = json!(tokens::random_b64(32));
    }
    for (field, value) in [
        ("authorizedRedirectURLs", json!([])),
        ("authorizedOriginURLs", json!([])),
        ("authorizedURLValidationPolicy", json!("ExactMatch")),
        ("clientAuthenticationPolicy", json!("Required")),
        ("proofKeyForCodeExchangePolicy", json!("NotRequired")),
        ("enabledGrants", json!([])),
        ("generateRefreshTokens", json!(false)),
        ("requireRegistration", json!(false)),
        ("scopeHandlingPolicy", json!("Strict")),
        ("unknownScopePolicy", json!("Reject")),
        ("relationship", json!("FirstParty")),
        ("consentMode", json!("AlwaysPrompt")),
    ] {
        set_default(oauth, field, value);
    }
}

fn set_default(object: &mut Value, field: &str, value: Value) {
    if object.get(field).is_none_or(Value::is_null) {
        object[field] = value;
    }
}

fn validate(state: &Model, app: &Value) -> Result<(), ApiError> {
    let oauth = &app["oauthConfiguration"];
    for (field, allowed) in ENUMS {
        if let Some(value) = oauth.get(*field).filter(|v| !v.is_null())
            && !value.as_str().is_some_and(|s| allowed.contains(&s))
        {
            return Err(ApiError::invalid_json(
                &format!("application.oauthConfiguration.{field}"),
                format!(
                    "{value} is not one of the values accepted for Enum class: [{}]",
                    allowed.join(", ")
                ),
            ));
        }
    }
    for field in [
        "enabledGrants",
        "authorizedRedirectURLs",
        "authorizedResourceUris",
        "authorizedOriginURLs",
    ] {
        if let Some(value) = oauth.get(field).filter(|v| !v.is_null()) {
            let Some(items) = value.as_array() else {
                return Err(ApiError::invalid_json(
                    &format!("application.oauthConfiguration.{field}"),
                    "expected an array",
                ));
            };
            if field == "enabledGrants" {
                for grant in items {
                    if !grant.as_str().is_some_and(|g| GRANTS.contains(&g)) {
                        return Err(ApiError::invalid_json(
                            "application.oauthConfiguration.enabledGrants",
                            format!(
                                "{grant} is not one of the values accepted for Enum class: [{}]",
                                GRANTS.join(", ")
                            ),
                        ));
                    }
                }
            }
        }
    }
    let mut v = Validation::default();
    if super::blank(&app["name"]) {
        v.add(
            "application.name",
            "[blank]application.name",
            "You must specify the [name] property.",
        );
    }
    if let Some(uris) = oauth["authorizedResourceUris"].as_array() {
        for uri in uris {
            let ok = uri
                .as_str()
                .and_then(|s| url::Url::parse(s).ok())
                .is_some_and(|u| u.fragment().is_none() && u.has_host());
            if !ok {
                v.add(
                    "application.oauthConfiguration.authorizedResourceUris",
                    "[invalid]application.oauthConfiguration.authorizedResourceUris",
                    format!(
                        "The resource URI [{}] must be an absolute URI without a fragment.",
                        uri.as_str().unwrap_or_default()
                    ),
                );
            }
        }
    }
    if let Some(urls) = oauth["authorizedRedirectURLs"].as_array() {
        let exact = oauth["authorizedURLValidationPolicy"].as_str() != Some("AllowWildcards");
        for url in urls {
            let s = url.as_str().unwrap_or_default();
            if exact && s.contains('*') {
                v.add(
                    "application.oauthConfiguration.authorizedRedirectURLs",
                    "[invalid]application.oauthConfiguration.authorizedRedirectURLs",
                    format!("The URL [{s}] contains a wildcard, which the ExactMatch policy does not allow."),
                );
            }
        }
    }
    if oauth["relationship"].as_str() == Some("ThirdParty") && !state.licensed() {
        v.add(
            "application.oauthConfiguration.relationship",
            "[notLicensed]application.oauthConfiguration.relationship",
            "Third-party applications require a paid FusionAuth license.",
        );
    }
    if let Some(tenant) = app["tenantId"].as_str()
        && !tenant
            .parse()
            .is_ok_and(|t: Uuid| state.tenants.contains_key(&t))
    {
        v.add(
            "application.tenantId",
            "[invalid]application.tenantId",
            "The [tenantId] property does not reference a tenant that exists.",
        );
    }
    v.finish()
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
    let id = path_uuid(&id)?;
    insert(&sim, tenant, id, &body)
}

fn insert(sim: &Sim, tenant: RequestTenant, id: Uuid, body: &Bytes) -> Reply {
    let mut app = request_object(&json_body(body)?, "application")?;
    let mut state = sim.model();
    if state.applications.contains_key(&id) {
        return Err(ApiError::field(
            "application.id",
            "[duplicate]application.id",
            "An application with this id already exists.",
        ));
    }
    app["id"] = json!(id);
    // The request's tenant (header or tenant-limited key) decides; without one, the body's,
    // else the only tenant ([TenantIdRequired] with several).
    if tenant.0.is_some() || app["tenantId"].is_null() {
        app["tenantId"] = json!(tenant.resolve(&state)?);
    }
    // Scopes are created through their own API, never inline.
    if let Some(o) = app.as_object_mut() {
        o.remove("scopes");
    }
    save(sim, &mut state, id, app)
}

#[derive(Deserialize)]
pub struct ListQuery {
    inactive: Option<bool>,
}

/// Active applications, or with `?inactive=true` the soft-deleted ones, of the request's tenant.
pub async fn list(
    State(sim): Shared,
    Extension(tenant): Extension<RequestTenant>,
    Query(q): Query<ListQuery>,
) -> Json<Value> {
    let want_active = !q.inactive.unwrap_or(false);
    let state = sim.model();
    let apps: Vec<&Value> = state
        .applications
        .values()
        .filter(|a| a["active"].as_bool().unwrap_or(true) == want_active)
        .filter(|a| tenant.sees(&a["tenantId"]))
        .collect();
    Json(json!({"applications": apps}))
}

pub async fn get_one(
    State(sim): Shared,
    Extension(tenant): Extension<RequestTenant>,
    Path(id): Path<String>,
) -> Reply {
    get_by_id(&sim, &id, "application", |state, id| {
        visible(state, tenant, id).cloned()
    })
}

/// The application, when the request's tenant may see it.
fn visible<'a>(state: &'a Model, tenant: RequestTenant, id: &Uuid) -> Option<&'a Value> {
    state
        .applications
        .get(id)
        .filter(|app| tenant.sees(&app["tenantId"]))
}

/// PUT replaces the application, PATCH merges into it.
pub async fn change(
    State(sim): Shared,
    Extension(tenant): Extension<RequestTenant>,
    change: Change,
) -> Reply {
    update(&sim, tenant, change)
}

fn update(sim: &Sim, tenant: RequestTenant, change: Change) -> Reply {
    let (id, merge) = (path_uuid(&change.id)?, change.style);
    let incoming = request_object(&json_body(&change.body)?, "application")?;
    let mut state = sim.model();
    let current = visible(&state, tenant, &id)
        .ok_or(ApiError::NotFound)?
        .clone();
    let mut app = super::updated(&current, incoming, merge, id);
    // Scopes belong to their own API; an update keeps them.
    app["scopes"] = current["scopes"].clone();
    if app["tenantId"].is_null() {
        app["tenantId"] = current["tenantId"].clone();
    }
    save(sim, &mut state, id, app)
}

/// Validates a created or changed application, fills in FusionAuth's defaults and stores it.
fn save(sim: &Sim, state: &mut Model, id: Uuid, mut app: Value) -> Reply {
    validate(state, &app)?;
    apply_defaults(&mut app, sim.clock.now_millis());
    state.applications.insert(id, app.clone());
    state.touch();
    Ok(Json(json!({"application": app})))
}

/// Soft delete deactivates (the application keeps its id and can be reactivated); hard delete
/// removes it with its registrations and refresh tokens.
pub async fn delete(
    State(sim): Shared,
    Extension(tenant): Extension<RequestTenant>,
    Path(id): Path<String>,
    Query(q): Query<DeleteQuery>,
) -> Result<axum::http::StatusCode, ApiError> {
    let id = path_uuid(&id)?;
    let mut state = sim.model();
    if id.to_string() == crate::state::ADMIN_APPLICATION_ID {
        return Err(ApiError::field(
            "applicationId",
            "[invalid]applicationId",
            "The FusionAuth application cannot be deleted.",
        ));
    }
    if visible(&state, tenant, &id).is_none() {
        return Err(ApiError::NotFound);
    }
    if q.hard_delete.unwrap_or(false) {
        state.applications.remove(&id);
        let app = id.to_string();
        for user in state.users.values_mut() {
            if let Some(regs) = user.user["registrations"].as_array_mut() {
                regs.retain(|r| r["applicationId"].as_str() != Some(app.as_str()));
            }
        }
        state.refresh_tokens.retain(|_, g| g.client_id != id);
    } else if let Some(app) = state.applications.get_mut(&id) {
        app["active"] = json!(false);
    }
    state.touch();
    Ok(axum::http::StatusCode::OK)
}

#[derive(Deserialize, Default)]
pub struct SearchQuery {
    name: Option<String>,
}

pub async fn search_get(
    State(sim): Shared,
    Extension(tenant): Extension<RequestTenant>,
    Query(q): Query<SearchQuery>,
) -> Json<Value> {
    Json(search(&sim, tenant, q.name.as_deref()))
}

pub async fn search_post(
    State(sim): Shared,
    Extension(tenant): Extension<RequestTenant>,
    body: Bytes,
) -> Reply {
    let body = json_body(&body)?;
    let criteria = request_object(&body, "search")?;
    Ok(Json(search(&sim, tenant, criteria["name"].as_str())))
}

/// FusionAuth's name search is case-insensitive and, without a `*`, matches anywhere in the
/// name: searching "cursor" also finds "cursor-2". Callers that want one exact name must filter.
fn search(sim: &Sim, tenant: RequestTenant, name: Option<&str>) -> Value {
    let state = sim.model();
    let pattern = name.map(|n| {
        let n = n.to_lowercase();
        if n.contains('*') { n } else { format!("*{n}*") }
    });
    let apps: Vec<&Value> = state
        .applications
        .values()
        .filter(|a| tenant.sees(&a["tenantId"]))
        .filter(|a| match &pattern {
            None => true,
            Some(p) => glob(p, &a["name"].as_str().unwrap_or_default().to_lowercase()),
        })
        .collect();
    json!({"applications": apps, "total": apps.len()})
}

fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    let mut rest = text;
    for (i, part) in parts.iter().enumerate() {
        if part.is_empty() {
            continue;
        }
        if i == 0 {
            let Some(r) = rest.strip_prefix(part) else {
                return false;
            };
            rest = r;
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            match rest.find(part) {
                Some(pos) => rest = &rest[pos + part.len()..],
                None => return false,
            }
        }
    }
    parts.last().is_none_or(|p| p.is_empty()) || parts.len() == 1 && rest.is_empty()
}

#[cfg(test)]
mod tests {
    use super::glob;

    #[test]
    fn glob_matches_like_fusionauth_search() {
        assert!(glob("*cursor*", "cursor-2"));
        assert!(glob("cursor", "cursor"));
        assert!(!glob("cursor", "cursor-2"));
        assert!(glob("cur*", "cursor"));
        assert!(glob("*sor", "cursor"));
        assert!(!glob("*sor", "cursors"));
        assert!(glob("c*r*s", "cursors"));
    }
}
