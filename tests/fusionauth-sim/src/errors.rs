//! FusionAuth's error answers. API errors are 400 with `{"fieldErrors":{...},"generalErrors":[...]}`
//! (an object keyed by field, not the array the OpenAPI file shows); 401 and 404 have empty bodies.
//! OAuth endpoints answer RFC 6749 JSON (`error`, `error_description`, plus FusionAuth's
//! `error_reason`).

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

#[derive(Debug)]
pub enum ApiError {
    /// 400 with FusionAuth's error document.
    Invalid {
        fields: Vec<(String, String, String)>,
        general: Vec<(String, String)>,
    },
    /// 401 with an empty body (missing or unknown API key).
    Unauthorized,
    /// 404 with an empty body.
    NotFound,
    /// 500 with an empty body (the database went away mid-request).
    Internal,
}

impl ApiError {
    /// A field error: `code` is FusionAuth's full code, e.g. `[blank]application.name`.
    pub fn field(field: &str, code: &str, message: impl Into<String>) -> Self {
        ApiError::Invalid {
            fields: vec![(field.to_string(), code.to_string(), message.into())],
            general: vec![],
        }
    }

    /// `[duplicate]<field>`: the object would take an id or name another one has.
    pub fn duplicate(field: &str, message: &str) -> Self {
        ApiError::field(field, &format!("[duplicate]{field}"), message)
    }

    pub fn general(code: &str, message: impl Into<String>) -> Self {
        ApiError::Invalid {
            fields: vec![],
            general: vec![(code.to_string(), message.into())],
        }
    }

    /// Jackson's answer to a body it cannot bind (unknown enum value, wrong type, bad JSON).
    pub fn invalid_json(property: &str, detail: impl AsRef<str>) -> Self {
        ApiError::general(
            "[invalidJSON]",
            format!(
                "Invalid JSON in the request body. The property was [{property}]. The error was [Possible conversion error]. The detailed exception was [{}].",
                detail.as_ref()
            ),
        )
    }

    pub fn not_licensed(feature: &str) -> Self {
        ApiError::general(
            "[notLicensed]",
            format!(
                "Your license does not include [{feature}]. Activate a paid plan license to use it."
            ),
        )
    }
}

/// Collects several field errors before answering, as FusionAuth validates a whole object at once.
#[derive(Default)]
pub struct Validation {
    fields: Vec<(String, String, String)>,
}

impl Validation {
    pub fn add(&mut self, field: &str, code: &str, message: impl Into<String>) {
        self.fields
            .push((field.to_string(), code.to_string(), message.into()));
    }

    pub fn finish(self) -> Result<(), ApiError> {
        if self.fields.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Invalid {
                fields: self.fields,
                general: vec![],
            })
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::Invalid { fields, general } => {
                let mut body = Map::new();
                if !fields.is_empty() {
                    let mut by_field: Map<String, Value> = Map::new();
                    for (field, code, message) in fields {
                        let entry = by_field.entry(field).or_insert_with(|| json!([]));
                        if let Value::Array(list) = entry {
                            list.push(json!({"code": code, "message": message}));
                        }
                    }
                    body.insert("fieldErrors".into(), Value::Object(by_field));
                }
                if !general.is_empty() {
                    body.insert(
                        "generalErrors".into(),
                        Value::Array(
                            general
                                .into_iter()
                                .map(|(code, message)| json!({"code": code, "message": message}))
                                .collect(),
                        ),
                    );
                }
                (StatusCode::BAD_REQUEST, axum::Json(Value::Object(body))).into_response()
            }
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED.into_response(),
            ApiError::NotFound => StatusCode::NOT_FOUND.into_response(),
            ApiError::Internal => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        }
    }
}

/// An OAuth 2.0 error answer from `/oauth2/token`, `/oauth2/userinfo` or `/oauth2/introspect`.
pub struct OAuthError {
    pub status: StatusCode,
    pub error: &'static str,
    pub reason: std::borrow::Cow<'static, str>,
    pub description: String,
}

impl OAuthError {
    pub fn new(error: &'static str, reason: &'static str, description: impl Into<String>) -> Self {
        let status = match error {
            "invalid_client" | "invalid_token" => StatusCode::UNAUTHORIZED,
            _ => StatusCode::BAD_REQUEST,
        };
        OAuthError {
            status,
            error,
            reason: reason.into(),
            description: description.into(),
        }
    }

    /// A required parameter that is absent, worded as FusionAuth words it.
    pub fn missing(parameter: &str) -> Self {
        OAuthError {
            status: StatusCode::BAD_REQUEST,
            error: "invalid_request",
            reason: format!("missing_{parameter}").into(),
            description: format!("The {parameter} parameter is required."),
        }
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let mut response = (
            self.status,
            axum::Json(json!({
                "error": self.error,
                "error_description": self.description,
                "error_reason": self.reason,
            })),
        )
            .into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer realm=\"FusionAuth\""),
            );
        }
        response
    }
}
