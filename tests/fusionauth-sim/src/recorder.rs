//! Keeps every JSON (and form) body that crosses the stand-in, request and response, so the
//! contract test can hold both sides against FusionAuth's OpenAPI file.

use std::sync::Arc;

use axum::body::{Body, Bytes, to_bytes};
use axum::extract::{MatchedPath, Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::middleware::Next;
use axum::response::Response;
use serde_json::{Map, Value};

use crate::Sim;

/// One request and its answer, bodies decoded.
#[derive(Clone, Debug)]
pub struct Exchange {
    pub method: String,
    /// The path as requested, without the query.
    pub path: String,
    /// The route that answered, e.g. `/api/application/{id}`; `None` when no route matched.
    pub route: Option<String>,
    pub query: Option<String>,
    /// JSON bodies as sent; form bodies (`/oauth2/token`) as an object of their fields.
    pub request_body: Option<Value>,
    pub status: u16,
    pub response_content_type: Option<String>,
    pub response_body: Option<Value>,
}

const LIMIT: usize = 8 * 1024 * 1024;

pub async fn record(State(sim): State<Arc<Sim>>, req: Request, next: Next) -> Response {
    if !sim.config.record_exchanges {
        return next.run(req).await;
    }
    let method = req.method().to_string();
    let path = req.uri().path().to_string();
    let query = req.uri().query().map(str::to_string);
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string());
    let content_type = header(req.headers().get(CONTENT_TYPE));
    let (parts, body) = req.into_parts();
    let bytes = to_bytes(body, LIMIT).await.unwrap_or_default();
    let request_body = decode(content_type.as_deref(), &bytes);
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    let status = response.status().as_u16();
    let response_content_type = header(response.headers().get(CONTENT_TYPE));
    let (parts, body) = response.into_parts();
    let bytes = to_bytes(body, LIMIT).await.unwrap_or_default();
    let response_body = decode(response_content_type.as_deref(), &bytes);
    sim.exchanges
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(Exchange {
            method,
            path,
            route,
            query,
            request_body,
            status,
            response_content_type,
            response_body,
        });
    Response::from_parts(parts, Body::from(bytes))
}

fn header(value: Option<&axum::http::HeaderValue>) -> Option<String> {
    value.and_then(|v| v.to_str().ok()).map(str::to_string)
}

fn decode(content_type: Option<&str>, bytes: &Bytes) -> Option<Value> {
    if bytes.is_empty() {
        return None;
    }
    let content_type = content_type.unwrap_or_default();
    if content_type.starts_with("application/x-www-form-urlencoded") {
        let mut fields = Map::new();
        for (k, v) in url::form_urlencoded::parse(bytes) {
            fields.insert(k.into_owned(), Value::String(v.into_owned()));
        }
        return Some(Value::Object(fields));
    }
    if content_type.contains("json") {
        return serde_json::from_slice(bytes).ok();
    }
    None
}
