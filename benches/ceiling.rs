//! The ceiling `benches/run.sh` measures `mcp-fa serve` against: the least an HTTP server on this
//! machine can do for the same request, with the same load generator, in the same run. Nothing
//! here is shipped; it exists so every report can say "mcp-fa = X% of what the machine allows".
//!
//! One axum handler at `POST /mcp`, on axum's own `serve` with `TCP_NODELAY` (as mcp-fa sets it).
//! It reads the body, and then:
//! - with a bearer token: parses the body as JSON-RPC and answers a `tools/call` result of the
//!   same size and shape as mcp-fa's `whoami`, as `application/json`. The token is not verified:
//!   verification is part of what mcp-fa is measured doing.
//! - with `--validate-url URL`, first asks `URL/api/jwt/validate` about the token (one pooled
//!   HTTP call per request): the least `--validation fusionauth` can cost.
//! - without a token: answers mcp-fa's 401 (the same `WWW-Authenticate` challenge and JSON body).
//!
//! `ceiling --port PORT [--validate-url URL]`; built and run by `benches/run.sh`
//! (`cargo bench --bench ceiling --no-run`). Run by a plain `cargo bench`, it only says so.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::serve::ListenerExt as _;
use serde_json::{Value, json};

struct Ceiling {
    /// `…/api/jwt/validate`, when every token is to be validated there.
    validate_url: Option<String>,
    http: reqwest::Client,
    /// What mcp-fa's `whoami` answers for the benchmark's token, as the tool's text.
    whoami_text: String,
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // `cargo bench` runs every bench target with `--bench`: this one is a server, not a bench.
    if args.is_empty() || args.iter().any(|a| a == "--bench") {
        println!("ceiling: a server for benches/run.sh (ceiling --port PORT); nothing to run here");
        return;
    }
    let value = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let port: u16 = value("--port")
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| usage("--port PORT is required"));
    let whoami_text = json!({
        "authenticated": true,
        "subject": "00000000-0000-0000-0000-000000000111",
        "client_id": "e9fdb985-9173-4e01-9d73-ac2d60d1dc8e",
        "scopes": ["openid", "profile", "email"],
        "expires_at": 1_800_000_000,
        "issuer": "http://127.0.0.1:40000",
        "audience": ["e9fdb985-9173-4e01-9d73-ac2d60d1dc8e", "http://localhost:40001/mcp"],
    })
    .to_string();
    let state = Arc::new(Ceiling {
        validate_url: value("--validate-url")
            .map(|url| format!("{}/api/jwt/validate", url.trim_end_matches('/'))),
        http: reqwest::Client::new(),
        whoami_text,
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a Tokio runtime");
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .unwrap_or_else(|e| usage(&format!("cannot bind 127.0.0.1:{port}: {e}")))
            .tap_io(|tcp| {
                let _ = tcp.set_nodelay(true);
            });
        let app = Router::new().route("/mcp", post(mcp)).with_state(state);
        axum::serve(listener, app).await.expect("serve");
    });
}

fn usage(why: &str) -> ! {
    eprintln!("ceiling: {why}\nusage: ceiling --port PORT [--validate-url URL]");
    std::process::exit(2)
}

async fn mcp(State(ceiling): State<Arc<Ceiling>>, headers: HeaderMap, body: Bytes) -> Response {
    let token = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let Some(token) = token else {
        return unauthorized();
    };
    let Ok(request) = serde_json::from_slice::<Value>(&body) else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    if let Some(url) = &ceiling.validate_url {
        let validated = ceiling
            .http
            .get(url)
            .bearer_auth(token)
            .send()
            .await
            .is_ok_and(|r| r.status().is_success());
        if !validated {
            return unauthorized();
        }
    }
    let answer = json!({
        "jsonrpc": "2.0",
        "id": request.get("id").cloned().unwrap_or(Value::Null),
        "result": {
            "content": [{"type": "text", "text": ceiling.whoami_text}],
            "isError": false,
        },
    });
    (
        [(CONTENT_TYPE, HeaderValue::from_static("application/json"))],
        answer.to_string(),
    )
        .into_response()
}

/// mcp-fa's 401 for a request without a token: the same challenge and body, byte for byte in
/// size (the port in the URL aside).
fn unauthorized() -> Response {
    let challenge = HeaderValue::from_static(
        "Bearer resource_metadata=\"http://localhost:40001/.well-known/oauth-protected-resource/mcp\", scope=\"openid profile\"",
    );
    let body = json!({
        "error": "invalid_request",
        "error_description": "This MCP server requires a FusionAuth access token (Authorization: Bearer …).",
    });
    (
        StatusCode::UNAUTHORIZED,
        [
            (WWW_AUTHENTICATE, challenge),
            (CONTENT_TYPE, HeaderValue::from_static("application/json")),
        ],
        body.to_string(),
    )
        .into_response()
}
