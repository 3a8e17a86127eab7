//! `/api/user` and `/api/user/registration`: users, their passwords (never returned) and their
//! registrations to applications, which decide whether tokens carry `applicationId` and `roles`.
//! Every user belongs to one tenant: login ids are unique within it, and a user registers only
//! to applications of the same tenant.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Extension, Path, Query, State};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::{DeleteQuery, Reply, Shared, get_by_id, json_body, path_uuid, request_object};
use crate::Sim;
use crate::errors::{ApiError, Validation};
use crate::state::{State as Model, StoredUser};
use crate::tenancy::RequestTenant;
use crate::tokens;

/// FusionAuth's default password rule.
const MIN_PASSWORD_LENGTH: usize = 8;

pub async fn create(
    State(sim): Shared,
    Extension(tenant): Extension<RequestTenant>,
    body: Bytes,
) -> Reply {
    let body = json_body(&body)?;
    create_user(&sim, tenant, Uuid::new_v4(), &body, false)
}

pub async fn create_with_id(
    State(sim): Shared,
    Extension(tenant): Extension<RequestTenant>,
    Path(id): Path<String>,
    body: Bytes,
) -> Reply {
    let id = path_uuid(&id)?;
    let body = json_body(&body)?;
    create_user(&sim, tenant, id, &body, false)
}

/// `POST /api/user/registration`: a new user and their first registration in one call.
pub async fn create_with_registration(
    State(sim): Shared,
    Extension(tenant): Extension<RequestTenant>,
    body: Bytes,
) -> Reply {
    let body = json_body(&body)?;
    let id = body["user"]["id"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(Uuid::new_v4);
    create_user(&sim, tenant, id, &body, true)
}

fn create_user(
    sim: &Sim,
    tenant: RequestTenant,
    id: Uuid,
    body: &Value,
    with_registration: bool,
) -> Reply {
    let mut user = request_object(body, "user")?;
    let registration = if with_registration {
        Some(request_object(body, "registration")?)
    } else {
        None
    };
    let password = user["password"].as_str().unwrap_or_default().to_string();
    let mut state = sim.model();
    let tenant_id = tenant.resolve(&state)?;
    let mut v = Validation::default();
    let email = user["email"]
        .as_str()
        .map(str::trim)
        .unwrap_or_default()
        .to_string();
    let username = user["username"]
        .as_str()
        .map(str::trim)
        .unwrap_or_default()
        .to_string();
    if email.is_empty() && username.is_empty() {
        v.add(
            "user.email",
            "[blank]user.email",
            "You must specify either the [user.email] or [user.username] property.",
        );
    }
    if !email.is_empty() {
        if !email.contains('@') {
            v.add(
                "user.email",
                "[notEmail]user.email",
                "The [user.email] property is not a valid email address.",
            );
        } else if state.user_in_tenant(&tenant_id, &email).is_some() {
            v.add(
                "user.email",
                "[duplicate]user.email",
                "A user with this email already exists.",
            );
        }
    }
    if !username.is_empty() && state.user_in_tenant(&tenant_id, &username).is_some() {
        v.add(
            "user.username",
            "[duplicate]user.username",
            "A user with this username already exists.",
        );
    }
    if password.is_empty() {
        v.add(
            "user.password",
            "[blank]user.password",
            "You must specify the [user.password] property.",
        );
    } else if password.chars().count() < MIN_PASSWORD_LENGTH {
        v.add(
            "user.password",
            "[tooShort]user.password",
            format!("The [user.password] property is shorter than the minimum of [{MIN_PASSWORD_LENGTH}] characters."),
        );
    }
    if state.users.contains_key(&id) {
        v.add(
            "user.id",
            "[duplicate]user.id",
            "A user with this id already exists.",
        );
    }
    if let Some(reg) = &registration {
        check_registration(&state, &tenant_id, reg, &mut v, None);
    }
    v.finish()?;
    let now = sim.clock.now_millis();
    if let Some(o) = user.as_object_mut() {
        o.remove("password");
    }
    user["id"] = json!(id);
    user["tenantId"] = json!(tenant_id);
    user["active"] = json!(true);
    user["verified"] = json!(true);
    user["passwordChangeRequired"] = json!(false);
    user["insertInstant"] = json!(now);
    user["lastUpdateInstant"] = json!(now);
    user["registrations"] = json!([]);
    let registration = registration.map(|r| new_registration(r, now));
    if let Some(reg) = &registration {
        user["registrations"] = json!([reg]);
    }
    let salt = tokens::random_hex(16);
    let hash = tokens::hash_password(&salt, &password);
    state.users.insert(
        id,
        StoredUser {
            user: user.clone(),
            password_salt: salt,
            password_hash: hash,
        },
    );
    state.touch();
    let mut answer = json!({"user": user});
    if let Some(reg) = registration {
        answer["registration"] = reg;
    }
    Ok(Json(answer))
}

/// An application of another tenant is, for the user, one that does not exist (*inferred*).
fn check_registration(
    state: &Model,
    tenant_id: &Uuid,
    reg: &Value,
    v: &mut Validation,
    user: Option<&Uuid>,
) {
    let app = reg["applicationId"]
        .as_str()
        .and_then(|s| s.parse::<Uuid>().ok())
        .filter(|id| state.tenant_id_of_application(id) == *tenant_id)
        .and_then(|id| state.applications.get(&id).map(|a| (id, a)));
    let Some((app_id, app)) = app else {
        v.add(
            "registration.applicationId",
            "[invalid]registration.applicationId",
            "The [registration.applicationId] property does not reference an application that exists.",
        );
        return;
    };
    if let Some(user) = user
        && state.registration(user, &app_id).is_some()
    {
        v.add(
            "registration.applicationId",
            "[duplicate]registration.applicationId",
            "The user is already registered for this application.",
        );
    }
    let roles: Vec<&str> = app["roles"]
        .as_array()
        .map(|l| l.iter().filter_map(|r| r["name"].as_str()).collect())
        .unwrap_or_default();
    for role in reg["roles"].as_array().into_iter().flatten() {
        if !role.as_str().is_some_and(|r| roles.contains(&r)) {
            v.add(
                "registration.roles",
                "[invalid]registration.roles",
                format!("The role {role} does not exist for this application."),
            );
        }
    }
}

fn new_registration(mut reg: Value, now: i64) -> Value {
    reg["id"] = json!(Uuid::new_v4());
    reg["insertInstant"] = json!(now);
    reg["lastUpdateInstant"] = json!(now);
    reg["verified"] = json!(true);
    reg["usernameStatus"] = json!("ACTIVE");
    if reg["roles"].is_null() {
        reg["roles"] = json!([]);
    }
    reg
}

pub async fn register(
    State(sim): Shared,
    Extension(tenant): Extension<RequestTenant>,
    Path(user_id): Path<String>,
    body: Bytes,
) -> Reply {
    let user_id = path_uuid(&user_id)?;
    let body = json_body(&body)?;
    // With a `user` object this is the combined call: create that user and register it.
    if body.get("user").is_some_and(Value::is_object) {
        return create_user(&sim, tenant, user_id, &body, true);
    }
    let reg = request_object(&body, "registration")?;
    let mut state = sim.model();
    let Some(user_tenant) = visible(&state, tenant, &user_id).map(|u| tenant_of(&u.user, &state))
    else {
        return Err(ApiError::field(
            "userId",
            "[invalid]userId",
            "The [userId] does not reference a user that exists.",
        ));
    };
    let mut v = Validation::default();
    check_registration(&state, &user_tenant, &reg, &mut v, Some(&user_id));
    v.finish()?;
    let reg = new_registration(reg, sim.clock.now_millis());
    let stored = state.users.get_mut(&user_id).ok_or(ApiError::NotFound)?;
    match stored.user["registrations"].as_array_mut() {
        Some(list) => list.push(reg.clone()),
        None => stored.user["registrations"] = json!([reg.clone()]),
    }
    let user = stored.user.clone();
    state.touch();
    Ok(Json(json!({"registration": reg, "user": user})))
}

pub async fn get_registration(
    State(sim): Shared,
    Extension(tenant): Extension<RequestTenant>,
    Path((user_id, app_id)): Path<(String, String)>,
) -> Reply {
    let (user_id, app_id) = (path_uuid(&user_id)?, path_uuid(&app_id)?);
    let state = sim.model();
    visible(&state, tenant, &user_id).ok_or(ApiError::NotFound)?;
    let reg = state
        .registration(&user_id, &app_id)
        .ok_or(ApiError::NotFound)?;
    Ok(Json(json!({"registration": reg})))
}

pub async fn get_one(
    State(sim): Shared,
    Extension(tenant): Extension<RequestTenant>,
    Path(id): Path<String>,
) -> Reply {
    get_by_id(&sim, &id, "user", |state, id| {
        visible(state, tenant, id).map(|user| user.user.clone())
    })
}

/// The user, when the request's tenant may see it.
fn visible<'a>(state: &'a Model, tenant: RequestTenant, id: &Uuid) -> Option<&'a StoredUser> {
    state
        .users
        .get(id)
        .filter(|user| tenant.sees(&user.user["tenantId"]))
}

fn tenant_of(user: &Value, state: &Model) -> Uuid {
    user["tenantId"]
        .as_str()
        .and_then(|t| t.parse().ok())
        .unwrap_or(state.default_tenant_id)
}

/// `DELETE /api/user/{id}`: deactivates the user, or with `hardDelete=true` removes it with its
/// registrations and refresh tokens.
pub async fn delete(
    State(sim): Shared,
    Extension(tenant): Extension<RequestTenant>,
    Path(id): Path<String>,
    Query(q): Query<DeleteQuery>,
) -> Result<axum::http::StatusCode, ApiError> {
    let id = path_uuid(&id)?;
    let mut state = sim.model();
    visible(&state, tenant, &id).ok_or(ApiError::NotFound)?;
    if q.hard_delete.unwrap_or(false) {
        state.users.remove(&id);
        state.refresh_tokens.retain(|_, grant| grant.user_id != id);
    } else if let Some(user) = state.users.get_mut(&id) {
        user.user["active"] = json!(false);
    }
    state.touch();
    Ok(axum::http::StatusCode::OK)
}

#[derive(Deserialize)]
pub struct ByEmail {
    email: Option<String>,
    username: Option<String>,
}

/// A login id names one user per tenant, so with several tenants the request must say which.
pub async fn get_by_email(
    State(sim): Shared,
    Extension(tenant): Extension<RequestTenant>,
    Query(q): Query<ByEmail>,
) -> Reply {
    let login_id = q.email.or(q.username).ok_or(ApiError::NotFound)?;
    let state = sim.model();
    let tenant_id = tenant.resolve(&state)?;
    let user = state
        .user_in_tenant(&tenant_id, &login_id)
        .ok_or(ApiError::NotFound)?;
    Ok(Json(json!({"user": user.user})))
}
