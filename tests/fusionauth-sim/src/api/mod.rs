//! FusionAuth's `/api` routes: the JSON API that kickstart, the admin UI and mcp-fa use.

pub mod applications;
pub mod jwt;
pub mod keys;
pub mod login_records;
pub mod reactor;
pub mod scopes;
pub mod status;
pub mod tenant;
pub mod users;

use axum::body::Bytes;
use serde_json::Value;
use uuid::Uuid;

use crate::errors::ApiError;

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

/// JSON merge of a PATCH body into an object: objects merge, everything else (arrays included)
/// replaces, `null` removes.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    match (target, patch) {
        (Value::Object(t), Value::Object(p)) => {
            for (k, v) in p {
                if v.is_null() {
                    t.remove(k);
                } else {
                    merge_patch(t.entry(k.clone()).or_insert(Value::Null), v);
                }
            }
        }
        (t, p) => *t = p.clone(),
    }
}

/// A string field that is absent or blank.
pub fn blank(value: &Value) -> bool {
    value.as_str().is_none_or(|s| s.trim().is_empty())
}
