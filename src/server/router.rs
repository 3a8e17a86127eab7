//! The HTTP surface: `/mcp` (rmcp's Streamable HTTP service behind the auth gate), the
//! Protected Resource Metadata at both well-known paths, each with the CORS browser clients need,
//! the health endpoint (`super::health`), outside the auth gate, and, when this server is the
//! issuer, the authorization server's routes (`registration`).
//! While protection is switched off the metadata routes answer 404: a client that found them
//! would start an OAuth login the server does not ask for.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderName, Method, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use serde_json::json;
use tokio_util::sync::CancellationToken;
use tower_http::cors::{AllowHeaders, AllowOrigin, Any, CorsLayer};

use super::auth::{self, Gate, MAX_BODY_BYTES};
use super::registration::{self, AuthorizationServer};
use super::tools;
use crate::fusionauth::FusionAuthClient;

/// RFC 9728 metadata, as served at both paths.
#[derive(Debug, Clone)]
pub struct ResourceMetadata {
    pub resource: String,
    pub issuer: String,
    pub scopes: Vec<String>,
}

pub fn build(
    gate: Arc<Gate>,
    fusionauth: Option<FusionAuthClient>,
    metadata: Option<ResourceMetadata>,
    authorization: Option<Arc<AuthorizationServer>>,
    cancel: CancellationToken,
) -> Router {
    let mut hosts = vec![
        "localhost".to_owned(),
        "127.0.0.1".to_owned(),
        "::1".to_owned(),
    ];
    if !hosts.contains(&gate.urls.host) {
        hosts.push(gate.urls.host.clone());
    }
    let mcp = StreamableHttpService::new(
        tools::factory(fusionauth, gate.scopes),
        Arc::new(LocalSessionManager::default()),
        // A stateless (2026-07-28) request whose answer is one message gets it as plain JSON in one
        // write, instead of a one-event SSE stream (headers, the event, the end of the stream).
        // The protocol lets the server choose and clients accept both. Answers that send
        // progress or a server request first still stream, and session (pre-2026) clients are
        // answered exactly as before.
        StreamableHttpServerConfig::default()
            .with_json_response(true)
            .with_allowed_hosts(hosts)
            .with_cancellation_token(cancel)
            .with_max_request_body_bytes(MAX_BODY_BYTES),
    );

    let origins = gate.origins.clone();
    let mcp_cors = CorsLayer::new()
        .allow_origin(AllowOrigin::predicate(move |origin, _| {
            origins.allows(origin)
        }))
        .allow_methods([Method::GET, Method::POST, Method::DELETE])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::ACCEPT,
            HeaderName::from_static("mcp-session-id"),
            HeaderName::from_static("mcp-protocol-version"),
            HeaderName::from_static("last-event-id"),
        ])
        .expose_headers([
            header::WWW_AUTHENTICATE,
            HeaderName::from_static("mcp-session-id"),
            HeaderName::from_static("mcp-protocol-version"),
        ])
        .max_age(Duration::from_secs(600));

    let gate_for_metadata = gate.clone();
    let health = Router::new()
        .route(super::health::HEALTH_PATH, get(super::health::health))
        .with_state(gate.clone());
    let mcp_routes = Router::new()
        .route_service("/mcp", mcp)
        .layer(axum::middleware::from_fn_with_state(gate, auth::protect))
        .layer(mcp_cors)
        .merge(health);

    let Some(metadata) = metadata else {
        return mcp_routes;
    };
    let served = Arc::new(ServedMetadata {
        metadata,
        gate: gate_for_metadata,
    });
    // Public documents: any origin may read them (no credentials involved).
    let prm_cors = CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::GET])
        // Mirrored rather than `*`: clients send `MCP-Protocol-Version` on discovery.
        .allow_headers(AllowHeaders::mirror_request())
        .max_age(Duration::from_secs(600));
    let prm = Router::new()
        .route(
            "/.well-known/oauth-protected-resource",
            get(metadata_document),
        )
        .route(
            "/.well-known/oauth-protected-resource/mcp",
            get(metadata_document),
        )
        .with_state(served)
        .layer(prm_cors);
    let routes = mcp_routes.merge(prm);
    match authorization {
        Some(authorization) => routes.merge(registration::routes(authorization)),
        None => routes,
    }
}

struct ServedMetadata {
    metadata: ResourceMetadata,
    /// Asked on every request: the document exists only while protection is on.
    gate: Arc<Gate>,
}

async fn metadata_document(State(served): State<Arc<ServedMetadata>>) -> axum::response::Response {
    if !served.gate.is_protected() {
        return StatusCode::NOT_FOUND.into_response();
    }
    let metadata = &served.metadata;
    axum::Json(json!({
        "resource": metadata.resource,
        "authorization_servers": [metadata.issuer],
        "scopes_supported": metadata.scopes,
        "bearer_methods_supported": ["header"],
        "resource_name": "mcp-fa demo MCP server",
    }))
    .into_response()
}
