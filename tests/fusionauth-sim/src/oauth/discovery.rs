//! OIDC discovery and the JWKS. FusionAuth has no RFC 8414 document and no registration
//! endpoint; the JWKS lists asymmetric keys only, so HS256 tokens cannot be verified from it.
//! Each tenant has its own discovery document (its issuer), at
//! `/.well-known/openid-configuration/{tenantId}` or with `?tenantId=`; without one, the default
//! tenant's (*inferred*). The JWKS is the instance's: every tenant's asymmetric keys.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use serde_json::{Value, json};

use crate::Sim;
use crate::errors::ApiError;

/// The base URL the caller used, as FusionAuth builds its endpoint URLs from the request.
pub fn base_url(headers: &HeaderMap) -> String {
    let host = headers
        .get("x-forwarded-host")
        .or_else(|| headers.get(axum::http::header::HOST))
        .and_then(|v| v.to_str().ok())
        .unwrap_or("localhost:9011");
    let scheme = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("http");
    format!("{scheme}://{host}")
}

fn document(sim: &Sim, headers: &HeaderMap, tenant_id: &uuid::Uuid) -> Value {
    let base = base_url(headers);
    let issuer = sim.model().issuer_of(tenant_id);
    json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{base}/oauth2/authorize"),
        "token_endpoint": format!("{base}/oauth2/token"),
        "userinfo_endpoint": format!("{base}/oauth2/userinfo"),
        "jwks_uri": format!("{base}/.well-known/jwks.json"),
        "end_session_endpoint": format!("{base}/oauth2/logout"),
        "device_authorization_endpoint": format!("{base}/oauth2/device_authorize"),
        "backchannel_logout_supported": false,
        "frontchannel_logout_supported": true,
        "claims_supported": ["applicationId", "at_hash", "aud", "authenticationType", "auth_time", "birthdate", "c_hash", "email", "email_verified", "exp", "family_name", "given_name", "iat", "iss", "jti", "middle_name", "name", "nbf", "nonce", "phone_number", "picture", "preferred_username", "roles", "scope", "sid", "sub", "tid"],
        "code_challenge_methods_supported": ["S256"],
        "grant_types_supported": ["authorization_code", "client_credentials", "implicit", "password", "refresh_token", "urn:ietf:params:oauth:grant-type:device_code"],
        "id_token_signing_alg_values_supported": ["ES256", "ES384", "ES512", "HS256", "HS384", "HS512", "RS256", "RS384", "RS512"],
        "response_modes_supported": ["form_post", "fragment", "query"],
        "response_types_supported": ["code", "code id_token", "code id_token token", "code token", "id_token", "id_token token", "token"],
        "scopes_supported": ["openid", "profile", "email", "address", "phone", "offline_access"],
        "subject_types_supported": ["public"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "userinfo_signing_alg_values_supported": ["ES256", "ES384", "ES512", "HS256", "HS384", "HS512", "RS256", "RS384", "RS512"],
    })
}

#[derive(serde::Deserialize)]
pub struct TenantQuery {
    #[serde(rename = "tenantId")]
    tenant_id: Option<String>,
}

pub async fn openid_configuration(
    State(sim): State<Arc<Sim>>,
    Query(q): Query<TenantQuery>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    match q.tenant_id {
        Some(tenant_id) => tenant_document(&sim, &tenant_id, &headers),
        None => {
            let default = sim.model().default_tenant_id;
            Ok(Json(document(&sim, &headers, &default)))
        }
    }
}

pub async fn tenant_openid_configuration(
    State(sim): State<Arc<Sim>>,
    Path(tenant_id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    tenant_document(&sim, &tenant_id, &headers)
}

/// A tenant's document; an id that names no tenant is an empty 404.
fn tenant_document(
    sim: &Sim,
    tenant_id: &str,
    headers: &HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let known = {
        let state = sim.model();
        tenant_id
            .parse()
            .ok()
            .filter(|id| state.tenants.contains_key(id))
    };
    let id = known.ok_or(ApiError::NotFound)?;
    Ok(Json(document(sim, headers, &id)))
}

pub async fn jwks(State(sim): State<Arc<Sim>>) -> Json<Value> {
    let state = sim.model();
    let keys: Vec<Value> = state
        .keys
        .values()
        .filter(|k| k.is_asymmetric())
        .map(|k| {
            json!({
                "alg": k.algorithm,
                "e": k.e,
                "kid": k.kid,
                "kty": "RSA",
                "n": k.n,
                "use": "sig",
            })
        })
        .collect();
    Json(json!({"keys": keys}))
}
