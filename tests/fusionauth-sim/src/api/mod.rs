//! FusionAuth's `/api` routes: the JSON API that kickstart, the admin UI and mcp-fa use.

pub mod api_keys;
pub mod applications;
pub mod jwt;
pub mod keys;
pub mod login_records;
pub mod reactor;
pub mod scopes;
pub mod status;
pub mod tenant;
pub mod users;

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Request, State};
use axum::http::{HeaderMap, Method};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::Sim;
use crate::errors::ApiError;
use crate::state::State as Model;

/// What every handler here is given: the instance.
pub type Shared = State<Arc<Sim>>;

/// What most handlers answer: a JSON document, or FusionAuth's error for the request.
pub type Reply = Result<Json<Value>, ApiError>;

/// `GET /api/<kind>/{id}`: `{"<wrapper>": object}`, or FusionAuth's empty 404 for an unknown
/// or malformed id.
pub fn get_by_id(
    sim: &Sim,
    raw_id: &str,
    wrapper: &str,
    find: impl FnOnce(&Model, &Uuid) -> Option<Value>,
) -> Reply {
    let id = path_uuid(raw_id)?;
    let found = find(&sim.model(), &id).ok_or(ApiError::NotFound)?;
    Ok(Json(json!({ wrapper: found })))
}

/// Parses a request body as FusionAuth does: an empty body is "no request object", and a body
/// that is not JSON is `[invalidJSON]`.
pub fn json_body(bytes: &Bytes) -> Result<Value, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Null);
    }
    serde_json::from_slice(bytes).map_err(|e| ApiError::invalid_json("request", e.to_string()))
}

/// The object under `key` (`{"application": {...}}`), or FusionAuth's missing-object error.
pub fn request_object(body: &Value, key: &str) -> Result<Value, ApiError> {
    match body.get(key) {
        Some(Value::Object(o)) => Ok(Value::Object(o.clone())),
        Some(Value::Null) | None => Err(ApiError::field(
            key,
            &format!("[missing]{key}"),
            format!("Your request is missing the {key} object."),
        )),
        Some(_) => Err(ApiError::invalid_json(key, "expected an object")),
    }
}

/// Path ids must be UUIDs; FusionAuth answers anything else as an unknown resource.
pub fn path_uuid(raw: &str) -> Result<Uuid, ApiError> {
    raw.parse().map_err(|_| ApiError::NotFound)
}

/// A PUT or PATCH of `/api/<kind>/{id}`: which object, how the body applies (`None`: PUT, the
/// body replaces the object), and the body.
pub struct Change {
    pub id: String,
    pub style: Option<PatchStyle>,
    pub body: Bytes,
}

impl<S: Send + Sync> FromRequest<S> for Change {
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Change, Response> {
        let (mut parts, body) = request.into_parts();
        let Path(id) = Path::<String>::from_request_parts(&mut parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let style = PatchStyle::of_request(&parts.method, &parts.headers);
        let body = Bytes::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(IntoResponse::into_response)?;
        Ok(Change { id, style, body })
    }
}

/// How a PATCH body is applied, chosen by its content type.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum PatchStyle {
    /// `application/merge-patch+json` (RFC 7396): arrays are replaced, `null` removes.
    MergePatch,
    /// Plain `application/json`, FusionAuth's older PATCH: objects merge and arrays are
    /// appended to, so an entry can never be removed this way.
    Legacy,
}

impl PatchStyle {
    /// How a PUT (`None`: the body replaces the object) or a PATCH changes an object.
    pub fn of_request(method: &Method, headers: &HeaderMap) -> Option<PatchStyle> {
        (method == Method::PATCH).then(|| PatchStyle::of(headers))
    }

    pub fn of(headers: &HeaderMap) -> PatchStyle {
        let merge = headers
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/merge-patch+json"));
        if merge {
            PatchStyle::MergePatch
        } else {
            PatchStyle::Legacy
        }
    }
}

/// The object a PUT (`style: None`) or PATCH makes of `current`: the same id and creation time
/// whatever the body says.
pub fn updated(current: &Value, incoming: Value, style: Option<PatchStyle>, id: Uuid) -> Value {
    let mut next = match style {
        Some(style) => {
            let mut merged = current.clone();
            merge_patch(&mut merged, &incoming, style);
            merged
        }
        None => incoming,
    };
    next["id"] = serde_json::json!(id);
    next["insertInstant"] = current["insertInstant"].clone();
    next
}

/// Applies a PATCH body to a stored object.
pub fn merge_patch(target: &mut Value, patch: &Value, style: PatchStyle) {
    match (target, patch) {
        (Value::Object(t), Value::Object(p)) => {
            for (k, v) in p {
                if v.is_null() && style == PatchStyle::MergePatch {
                    t.remove(k);
                } else {
                    merge_patch(t.entry(k.clone()).or_insert(Value::Null), v, style);
                }
            }
        }
        (Value::Array(t), Value::Array(p)) if style == PatchStyle::Legacy => {
            for item in p {
                if !t.contains(item) {
                    t.push(item.clone());
                }
            }
        }
        (t, p) => *t = p.clone(),
    }
}

/// `?hardDelete=true`: FusionAuth's DELETE removes for good only when asked; otherwise it
/// deactivates.
#[derive(serde::Deserialize)]
pub struct DeleteQuery {
    #[serde(rename = "hardDelete")]
    pub hard_delete: Option<bool>,
}

/// A string field that is absent or blank.
pub fn blank(value: &Value) -> bool {
    value.as_str().is_none_or(|s| s.trim().is_empty())
}
