//! The authorization-server face this MCP server shows when it is its tokens' issuer (the
//! tenant's issuer is this server's origin, as `mcp-fa up` sets it): RFC 8414 metadata and OIDC
//! discovery naming FusionAuth's own endpoints, and, with the registration bridge on, `POST
//! /register` (RFC 7591) turning a client's registration into a FusionAuth application.
//!
//! The bridge never sees a password or a token: authorize and token stay FusionAuth's, and the
//! metadata sends clients straight there. What it holds is a FusionAuth API key restricted to
//! creating applications, which it never logs. Every request is bounded: body size, redirect
//! URIs, registrations per minute and in total, and browser origins (the same as `/mcp`'s).
//!
//! While protection is off (the walkthrough's first steps) every route here answers 404, like
//! the Protected Resource Metadata: nothing should start a login the server does not ask for.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use tower_http::cors::{AllowHeaders, AllowOrigin, Any, CorsLayer};

use super::auth::{Gate, OriginPolicy};
use super::config::RegistrationSettings;
use crate::clients::{
    ClientMetadata, RegistrationPolicy, RegistrationRefusal, SelfRegistrar, SelfRegistration,
    SelfRegistrationError,
};
use crate::fusionauth::{FusionAuthClient, OpenIdConfiguration};
use crate::state::NEW_API_KEY_GRACE;

/// Registration requests larger than this are refused: real ones are well under 2 KiB.
pub const MAX_REGISTRATION_BYTES: usize = 16 * 1024;

/// Where the bridge answers, under the server's origin.
pub const REGISTRATION_PATH: &str = "/register";

/// The metadata document and, when on, the bridge.
pub struct AuthorizationServer {
    metadata: Value,
    bridge: Option<Bridge>,
    gate: Arc<Gate>,
}

struct Bridge {
    registrar: SelfRegistrar,
    policy: RegistrationPolicy,
    /// One registration at a time: two equal requests racing each other make one client.
    serial: tokio::sync::Mutex<()>,
    rate: PerMinute,
    origins: OriginPolicy,
}

/// At most `limit` events in any 60 s, all callers together (clients on one machine share an
/// address, so a per-address limit would be no tighter).
struct PerMinute {
    limit: usize,
    times: Mutex<VecDeque<Instant>>,
}

impl PerMinute {
    fn new(limit: usize) -> Self {
        Self {
            limit,
            times: Mutex::new(VecDeque::new()),
        }
    }

    /// Counts an event at `now`; `Some(wait)` (and not counted) when the last 60 s already had
    /// `limit` of them.
    fn admit(&self, now: Instant) -> Option<Duration> {
        let minute = Duration::from_secs(60);
        let mut times = self.times.lock().unwrap_or_else(|e| e.into_inner());
        while times
            .front()
            .is_some_and(|at| now.duration_since(*at) >= minute)
        {
            times.pop_front();
        }
        if times.len() >= self.limit {
            let oldest = *times.front()?;
            return Some(minute.saturating_sub(now.duration_since(oldest)));
        }
        times.push_back(now);
        None
    }
}

impl AuthorizationServer {
    /// The metadata for `issuer` (this server's origin) from FusionAuth's discovery document,
    /// with the bridge when `registration` is given.
    pub fn new(
        issuer: &str,
        discovery: &OpenIdConfiguration,
        policy: RegistrationPolicy,
        registration: Option<(RegistrationSettings, FusionAuthClient)>,
        gate: Arc<Gate>,
    ) -> Self {
        let registration_endpoint = registration
            .as_ref()
            .map(|_| format!("{}{REGISTRATION_PATH}", gate.urls.origin));
        let metadata = metadata(
            issuer,
            discovery,
            &policy.allowed_scopes(),
            registration_endpoint.as_deref(),
        );
        let bridge = registration.map(|(settings, fusionauth)| Bridge {
            registrar: SelfRegistrar::new(
                fusionauth
                    .with_api_key(settings.api_key)
                    .with_new_key_grace(NEW_API_KEY_GRACE),
                policy.resource.clone(),
                settings.user_id,
                settings.total,
            ),
            policy,
            serial: tokio::sync::Mutex::new(()),
            rate: PerMinute::new(settings.per_minute),
            origins: gate.origins.clone(),
        });
        Self {
            metadata,
            bridge,
            gate,
        }
    }

    /// `<origin>/register` when the bridge is on.
    pub fn registration_endpoint(&self) -> Option<&str> {
        self.metadata["registration_endpoint"].as_str()
    }
}

/// RFC 8414 §2 (and the OIDC discovery fields): FusionAuth's endpoints under this issuer. Only
/// what FusionAuth really does is claimed; `client_id_metadata_document_supported` stays out
/// until Client ID Metadata Documents work.
fn metadata(
    issuer: &str,
    discovery: &OpenIdConfiguration,
    scopes: &[String],
    registration_endpoint: Option<&str>,
) -> Value {
    let mut auth_methods = discovery.token_endpoint_auth_methods_supported.clone();
    if !auth_methods.iter().any(|m| m == "none") {
        auth_methods.push("none".to_owned());
    }
    let or = |list: &[String], default: &[&str]| -> Vec<String> {
        if list.is_empty() {
            default.iter().map(|s| (*s).to_owned()).collect()
        } else {
            list.to_vec()
        }
    };
    let mut document = json!({
        "issuer": issuer,
        "authorization_endpoint": discovery.authorization_endpoint,
        "token_endpoint": discovery.token_endpoint,
        "jwks_uri": discovery.jwks_uri,
        "scopes_supported": scopes,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": auth_methods,
        "subject_types_supported": or(&discovery.subject_types_supported, &["public"]),
        "id_token_signing_alg_values_supported":
            or(&discovery.id_token_signing_alg_values_supported, &["RS256"]),
        "claims_supported": discovery.claims_supported,
    });
    for (name, value) in [
        ("userinfo_endpoint", &discovery.userinfo_endpoint),
        ("end_session_endpoint", &discovery.end_session_endpoint),
        ("revocation_endpoint", &discovery.revocation_endpoint),
    ] {
        if let Some(value) = value {
            document[name] = json!(value);
        }
    }
    if let Some(endpoint) = registration_endpoint {
        document["registration_endpoint"] = json!(endpoint);
    }
    document
}

/// The metadata at both well-known paths (public, any origin may read them) and, with the
/// bridge, `POST /register` (browser origins as for `/mcp`).
pub fn routes(server: Arc<AuthorizationServer>) -> Router {
    let public = CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::GET])
        .allow_headers(AllowHeaders::mirror_request())
        .max_age(Duration::from_secs(600));
    let documents = Router::new()
        .route("/.well-known/oauth-authorization-server", get(document))
        .route("/.well-known/openid-configuration", get(document))
        .with_state(server.clone())
        .layer(public);
    let Some(bridge) = &server.bridge else {
        return documents;
    };
    let origins = bridge.origins.clone();
    let register_cors = CorsLayer::new()
        .allow_origin(AllowOrigin::predicate(move |origin, _| {
            origins.allows(origin)
        }))
        .allow_methods([Method::POST])
        .allow_headers([
            header::CONTENT_TYPE,
            header::ACCEPT,
            header::HeaderName::from_static("mcp-protocol-version"),
        ])
        .max_age(Duration::from_secs(600));
    documents.merge(
        Router::new()
            .route(REGISTRATION_PATH, post(register))
            .with_state(server)
            .layer(register_cors),
    )
}

async fn document(State(server): State<Arc<AuthorizationServer>>) -> Response {
    if !server.gate.is_protected() {
        return StatusCode::NOT_FOUND.into_response();
    }
    axum::Json(server.metadata.clone()).into_response()
}

/// RFC 7591 §3.2.2 error answer, never cached.
fn refuse(status: StatusCode, error: &str, description: &str) -> Response {
    let mut response = (
        status,
        axum::Json(json!({"error": error, "error_description": description})),
    )
        .into_response();
    no_store(response.headers_mut());
    response
}

fn no_store(headers: &mut HeaderMap) {
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
}

async fn register(State(server): State<Arc<AuthorizationServer>>, request: Request) -> Response {
    let Some(bridge) = server
        .bridge
        .as_ref()
        .filter(|_| server.gate.is_protected())
    else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let started = Instant::now();
    if let Some(origin) = request.headers().get(header::ORIGIN)
        && !bridge.origins.allows(origin)
    {
        tracing::warn!(
            "registration refused: browser origin {origin:?} is not allowed (--allowed-origin)"
        );
        return refuse(
            StatusCode::FORBIDDEN,
            "access_denied",
            "registrations from this browser origin are not accepted",
        );
    }
    let json = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(';').next().unwrap_or("").trim() == "application/json");
    if !json {
        return refused(RegistrationRefusal {
            error: "invalid_client_metadata",
            description: "send the client metadata as JSON (Content-Type: application/json)".into(),
        });
    }
    let body = match axum::body::to_bytes(request.into_body(), MAX_REGISTRATION_BYTES).await {
        Ok(body) => body,
        Err(_) => {
            return refused(RegistrationRefusal {
                error: "invalid_client_metadata",
                description: format!(
                    "the registration request is larger than {MAX_REGISTRATION_BYTES} bytes"
                ),
            });
        }
    };
    let metadata: ClientMetadata = match serde_json::from_slice(&body) {
        Ok(metadata) => metadata,
        Err(error) => {
            return refused(RegistrationRefusal {
                error: "invalid_client_metadata",
                description: format!("the client metadata is not valid JSON of RFC 7591: {error}"),
            });
        }
    };
    let registration = match SelfRegistration::check(&metadata, &bridge.policy) {
        Ok(registration) => registration,
        Err(refusal) => return refused(refusal),
    };
    if let Some(wait) = bridge.rate.admit(Instant::now()) {
        let seconds = wait.as_secs().max(1);
        tracing::warn!(
            "registration refused: more than {} registrations in a minute",
            bridge.rate.limit
        );
        let mut response = refuse(
            StatusCode::TOO_MANY_REQUESTS,
            "temporarily_unavailable",
            &format!(
                "more than {} registrations in the last minute; try again in {seconds} s",
                bridge.rate.limit
            ),
        );
        response.headers_mut().insert(
            header::RETRY_AFTER,
            HeaderValue::from_str(&seconds.to_string()).expect("digits"),
        );
        return response;
    }
    let outcome = {
        let _one_at_a_time = bridge.serial.lock().await;
        bridge.registrar.register(&registration, now_millis()).await
    };
    match outcome {
        Ok(outcome) => {
            tracing::info!(
                "registration: {} client {} \"{}\"{}{} for {} ({} ms)",
                if outcome.created {
                    "created"
                } else {
                    "returned the existing"
                },
                outcome.client.client_id,
                registration.client_name,
                registration
                    .software_id
                    .as_deref()
                    .map(|id| format!(
                        " ({id} {})",
                        registration.software_version.as_deref().unwrap_or("")
                    ))
                    .unwrap_or_default(),
                registration
                    .replaced_auth_method
                    .as_deref()
                    .map(|m| format!(", asked for {m}, registered as a public client"))
                    .unwrap_or_default(),
                registration
                    .redirects
                    .iter()
                    .map(|r| r.requested.as_str())
                    .collect::<Vec<_>>()
                    .join(" "),
                started.elapsed().as_millis()
            );
            let mut response = (StatusCode::CREATED, axum::Json(outcome.answer)).into_response();
            no_store(response.headers_mut());
            response
        }
        Err(SelfRegistrationError::LimitReached { limit }) => {
            tracing::warn!("registration refused: {limit} self-registered clients exist");
            refuse(
                StatusCode::BAD_REQUEST,
                "access_denied",
                &SelfRegistrationError::LimitReached { limit }.to_string(),
            )
        }
        Err(SelfRegistrationError::FusionAuth(error)) => {
            tracing::error!("registration failed: FusionAuth: {error}");
            refuse(
                StatusCode::BAD_GATEWAY,
                "server_error",
                "FusionAuth did not create the client; the MCP server's log says why",
            )
        }
    }
}

fn refused(refusal: RegistrationRefusal) -> Response {
    tracing::warn!("registration refused: {refusal}");
    refuse(StatusCode::BAD_REQUEST, refusal.error, &refusal.description)
}

fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_most_the_limit_per_minute_then_how_long_to_wait() {
        let rate = PerMinute::new(2);
        let start = Instant::now();
        assert_eq!(rate.admit(start), None);
        assert_eq!(rate.admit(start + Duration::from_secs(10)), None);
        assert_eq!(
            rate.admit(start + Duration::from_secs(20)),
            Some(Duration::from_secs(40)),
            "the first one leaves the window in 40 s"
        );
        assert_eq!(rate.admit(start + Duration::from_secs(60)), None);
        assert!(rate.admit(start + Duration::from_secs(61)).is_some());
    }

    #[test]
    fn the_metadata_names_fusionauths_endpoints_under_this_issuer() {
        let discovery = OpenIdConfiguration {
            issuer: "http://localhost:8000".into(),
            authorization_endpoint: "http://localhost:9011/oauth2/authorize".into(),
            token_endpoint: "http://localhost:9011/oauth2/token".into(),
            jwks_uri: "http://localhost:9011/.well-known/jwks.json".into(),
            userinfo_endpoint: Some("http://localhost:9011/oauth2/userinfo".into()),
            token_endpoint_auth_methods_supported: vec![
                "client_secret_basic".into(),
                "client_secret_post".into(),
            ],
            ..OpenIdConfiguration::default()
        };
        let scopes = ["openid".to_owned(), "offline_access".to_owned()];
        let doc = metadata(
            "http://localhost:8000",
            &discovery,
            &scopes,
            Some("http://localhost:8000/register"),
        );
        assert_eq!(doc["issuer"], "http://localhost:8000");
        assert_eq!(
            doc["authorization_endpoint"],
            discovery.authorization_endpoint
        );
        assert_eq!(
            doc["userinfo_endpoint"],
            "http://localhost:9011/oauth2/userinfo"
        );
        assert_eq!(
            doc["registration_endpoint"],
            "http://localhost:8000/register"
        );
        assert_eq!(doc["code_challenge_methods_supported"], json!(["S256"]));
        assert!(
            doc["token_endpoint_auth_methods_supported"]
                .as_array()
                .expect("list")
                .contains(&json!("none"))
        );
        assert!(
            doc.get("revocation_endpoint").is_none(),
            "FusionAuth has none"
        );
        assert!(doc.get("client_id_metadata_document_supported").is_none());
        let without = metadata("http://localhost:8000", &discovery, &scopes, None);
        assert!(without.get("registration_endpoint").is_none());
    }
}
