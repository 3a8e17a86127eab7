//! The HTTP surface: FusionAuth's routes, and the layers every request passes through (API-key
//! authentication for `/api`, persistence after changes, recording for the contract test).

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use crate::errors::ApiError;
use crate::{Sim, api, oauth, recorder};

pub fn router(sim: Arc<Sim>) -> Router {
    let api = Router::new()
        .route(
            "/api/tenant",
            get(api::tenant::list).post(api::tenant::create),
        )
        .route(
            "/api/tenant/{id}",
            get(api::tenant::get_one)
                .post(api::tenant::create_with_id)
                .patch(api::tenant::change)
                .put(api::tenant::change),
        )
        .route("/api/api-key", post(api::api_keys::create))
        .route("/api/api-key/{id}", post(api::api_keys::create_with_id))
        .route("/api/key", get(api::keys::list))
        .route("/api/key/{id}", get(api::keys::get_one))
        .route("/api/key/generate", post(api::keys::generate))
        .route("/api/key/generate/{id}", post(api::keys::generate_with_id))
        .route(
            "/api/application",
            get(api::applications::list).post(api::applications::create),
        )
        .route(
            "/api/application/search",
            get(api::applications::search_get).post(api::applications::search_post),
        )
        .route(
            "/api/application/{id}",
            get(api::applications::get_one)
                .post(api::applications::create_with_id)
                .put(api::applications::change)
                .patch(api::applications::change)
                .delete(api::applications::delete),
        )
        .route("/api/application/{id}/scope", post(api::scopes::create))
        .route(
            "/api/application/{id}/scope/{scope_id}",
            get(api::scopes::get_one)
                .post(api::scopes::create_with_id)
                .delete(api::scopes::delete),
        )
        .route(
            "/api/user",
            get(api::users::get_by_email).post(api::users::create),
        )
        .route(
            "/api/user/{id}",
            get(api::users::get_one)
                .post(api::users::create_with_id)
                .delete(api::users::delete),
        )
        .route(
            "/api/user/registration",
            post(api::users::create_with_registration),
        )
        .route(
            "/api/user/registration/{user_id}",
            post(api::users::register),
        )
        .route(
            "/api/user/registration/{user_id}/{application_id}",
            get(api::users::get_registration),
        )
        .route(
            "/api/reactor",
            get(api::reactor::status).post(api::reactor::activate),
        )
        .route(
            "/api/system/login-record/search",
            get(api::login_records::search),
        )
        .route("/api/system/version", get(api::status::version))
        .route_layer(middleware::from_fn_with_state(sim.clone(), require_api_key));

    Router::new()
        .merge(api)
        .route("/api/status", get(api::status::status))
        .route("/api/jwt/validate", get(api::jwt::validate))
        .route(
            "/.well-known/openid-configuration",
            get(oauth::discovery::openid_configuration),
        )
        .route(
            "/{tenant_id}/.well-known/openid-configuration",
            get(oauth::discovery::tenant_openid_configuration),
        )
        .route(
            "/.well-known/openid-configuration/{tenant_id}",
            get(oauth::discovery::tenant_openid_configuration),
        )
        .route("/.well-known/jwks.json", get(oauth::discovery::jwks))
        .route(
            "/oauth2/authorize",
            get(oauth::authorize::show_login).post(oauth::authorize::submit_login),
        )
        .route(
            "/oauth2/consent",
            get(oauth::consent::show_consent).post(oauth::consent::submit_consent),
        )
        .route("/oauth2/token", post(oauth::token::token))
        .route(
            "/oauth2/userinfo",
            get(oauth::userinfo::userinfo).post(oauth::userinfo::userinfo),
        )
        .route("/oauth2/introspect", post(oauth::introspect::introspect))
        .fallback(|| async { StatusCode::NOT_FOUND })
        .layer(middleware::from_fn_with_state(sim.clone(), persist_changes))
        .layer(middleware::from_fn_with_state(
            sim.clone(),
            recorder::record,
        ))
        .layer(middleware::from_fn_with_state(
            sim.clone(),
            not_before_ready,
        ))
        .with_state(sim)
}

/// Until the instance is ready, FusionAuth answers nothing but `/api/status` usefully.
async fn not_before_ready(State(sim): State<Arc<Sim>>, req: Request, next: Next) -> Response {
    if sim.phase() != crate::Phase::Ready && req.uri().path() != "/api/status" {
        return match sim.phase() {
            crate::Phase::DatabaseUnreachable => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
            _ => api::status::maintenance_page(),
        };
    }
    next.run(req).await
}

/// `Authorization: <raw API key>`. Unknown keys, missing keys, and keys created less than the
/// activation delay ago all get 401 with an empty body, as FusionAuth answers; so do keys
/// without the permission for the endpoint, or limited to another tenant (see `tenancy`). The
/// tenant the request acts in goes to the handler as a [`crate::tenancy::RequestTenant`].
async fn require_api_key(State(sim): State<Arc<Sim>>, mut req: Request, next: Next) -> Response {
    let presented = req
        .headers()
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let header_tenant = req
        .headers()
        .get(crate::tenancy::TENANT_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let internal = req.extensions().get::<InternalCall>().is_some();
    let decided = match presented {
        None => Err(ApiError::Unauthorized),
        Some(key) => {
            let state = sim.model();
            let delay = sim.config.api_key_delay.as_millis() as i64;
            let now = sim.clock.now_millis();
            match state
                .api_keys
                .iter()
                .find(|k| k.key == key && (internal || k.insert_instant + delay <= now))
            {
                None => Err(ApiError::Unauthorized),
                Some(found) => crate::tenancy::authorize(
                    &state,
                    found,
                    req.method(),
                    req.uri().path(),
                    header_tenant.as_deref(),
                )
                .map(|tenant| {
                    let caller = api::api_keys::CallerKey {
                        key_manager: found.key_manager,
                    };
                    (tenant, caller)
                }),
            }
        }
    };
    match decided {
        Ok((tenant, caller)) => {
            req.extensions_mut().insert(tenant);
            req.extensions_mut().insert(caller);
            next.run(req).await
        }
        Err(error) => error.into_response(),
    }
}

/// Marks a request that kickstart sends through the instance's own API: its key is trusted
/// at once, because kickstart created it in the same transaction.
#[derive(Clone, Copy)]
pub struct InternalCall;

/// FusionAuth keeps everything in its database: a change is acknowledged only once it is
/// stored. If the database has gone away, the answer is a 500 and the change is lost.
async fn persist_changes(State(sim): State<Arc<Sim>>, req: Request, next: Next) -> Response {
    let before = sim.model().revision;
    let response = next.run(req).await;
    let Some(db) = &sim.database else {
        return response;
    };
    let snapshot = {
        let state = sim.model();
        if state.revision == before {
            return response;
        }
        state.clone()
    };
    match db.save(&snapshot).await {
        Ok(()) => response,
        Err(e) => {
            let _ = sim.phase.send_replace(crate::Phase::DatabaseUnreachable);
            sim.log(
                "ERROR",
                "io.fusionauth.api.service.DatabaseService",
                format!("Unable to write to the database: {e}"),
            );
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
