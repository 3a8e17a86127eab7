//! [`FusionAuthError`]: FusionAuth's answers read into what a caller can act on (unreachable,
//! unauthorized, not found, refused with FusionAuth's error document, ...), with whatever
//! FusionAuth echoed of the credentials we sent scrubbed out first.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

/// Everything that can go wrong talking to FusionAuth, in FusionAuth's terms.
///
/// No variant ever holds the API key, a token or a license id: FusionAuth's answers are scrubbed of
/// the credentials we sent before they are kept here, and transport errors drop the request URL's
/// query string (it can carry e-mail addresses).
#[derive(Debug, thiserror::Error)]
pub enum FusionAuthError {
    /// Nothing usable came back: connection refused, DNS failure, timeout, broken connection.
    #[error("could not talk to FusionAuth at {url}: {kind}")]
    Transport {
        url: String,
        kind: TransportKind,
        #[source]
        source: reqwest::Error,
    },

    /// 401 on an API-key request: the key is unknown, revoked, lacks permission for this endpoint,
    /// or (for a freshly created key) is not yet active. FusionAuth sends no body to say which.
    #[error("FusionAuth rejected the API key ({endpoint} answered 401)")]
    Unauthorized { endpoint: String },

    /// 404: the object does not exist (FusionAuth sends no body).
    #[error("FusionAuth has no such object ({endpoint} answered 404)")]
    NotFound { endpoint: String },

    /// 400 with FusionAuth's error document. Missing paid features land here too, as
    /// `[notLicensed]` (no license) or `[notLicensedFor]…` (a plan without the feature).
    #[error("FusionAuth refused the request: {0}")]
    Validation(ApiErrors),

    /// 401 on a request authenticated with a bearer token (`/api/jwt/validate`,
    /// `/oauth2/userinfo`).
    #[error(
        "FusionAuth did not accept the token: it is malformed, expired, revoked or signed by a key \
         FusionAuth does not hold"
    )]
    InvalidToken,

    /// An OAuth 2.0 error document (`{"error", "error_description"}`) from an `/oauth2/*` endpoint.
    #[error("FusionAuth answered {status} `{error}`{}", describe(.error_description))]
    OAuth {
        status: u16,
        error: String,
        error_description: Option<String>,
    },

    /// Any other status. `body` is truncated and scrubbed of the credentials we sent.
    #[error("{endpoint} answered HTTP {status}{}", body_suffix(.body))]
    Unexpected {
        endpoint: String,
        status: u16,
        body: String,
    },

    /// A 2xx answer without the shape this client expects (a FusionAuth version whose API
    /// changed, or something other than FusionAuth listening on that port).
    #[error("unexpected answer from {endpoint}: {source}")]
    Decode {
        endpoint: String,
        #[source]
        source: serde_json::Error,
    },

    /// A request body could not be encoded: it holds a value FusionAuth sent us that this version
    /// does not understand (an `Unrecognized` enum), which is never sent back.
    #[error("could not encode the request to {endpoint}: {source}")]
    Encode {
        endpoint: String,
        #[source]
        source: serde_json::Error,
    },

    /// An API-key endpoint was called on a client built without a key.
    #[error("no FusionAuth API key is configured for {endpoint}")]
    NoApiKey { endpoint: String },

    /// A credential or tenant id that cannot be sent as an HTTP header (control characters, …).
    #[error("the {what} contains characters that cannot be sent in an HTTP header")]
    InvalidHeader { what: &'static str },

    #[error("`{url}` cannot be used as FusionAuth's address: {reason}")]
    InvalidBaseUrl { url: String, reason: &'static str },

    /// The HTTP client itself could not be built (TLS backend initialisation).
    #[error("could not set up the HTTP client")]
    Client(#[source] reqwest::Error),
}

/// Why a request never got an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportKind {
    /// Nothing accepted the connection: FusionAuth is not (yet) listening, or the host is wrong.
    Connect,
    /// Connected, but no complete answer within the configured timeout.
    Timeout,
    /// The connection broke or the answer was not valid HTTP.
    Other,
}

impl fmt::Display for TransportKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Connect => "connection failed (is it running, and is the port right?)",
            Self::Timeout => "no answer before the timeout",
            Self::Other => "the request failed",
        })
    }
}

impl FusionAuthError {
    /// Whether FusionAuth reported a code starting with `prefix`, e.g. `[duplicate]`.
    pub fn has_code_prefix(&self, prefix: &str) -> bool {
        matches!(self, Self::Validation(errors) if errors.has_code_prefix(prefix))
    }

    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::NotFound { .. })
    }

    pub fn is_unauthorized(&self) -> bool {
        matches!(self, Self::Unauthorized { .. })
    }

    /// Whether FusionAuth could not be reached at all; worth retrying while it starts.
    pub fn is_unreachable(&self) -> bool {
        matches!(self, Self::Transport { .. })
    }
}

/// FusionAuth's `Errors` document, sent with every 400.
///
/// Field codes carry the field after the bracket (`[blank]user.email`); general codes are bare
/// (`[notLicensed]`) or carry the thing they are about (`[invalid]scope.name`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiErrors {
    /// Keyed by field path (`application.oauthConfiguration.authorizedRedirectURLs`).
    #[serde(default, deserialize_with = "field_errors_in_either_shape")]
    pub field_errors: BTreeMap<String, Vec<ApiError>>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub general_errors: Vec<ApiError>,
}

/// One entry of [`ApiErrors`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ApiError {
    pub code: String,
    #[serde(default)]
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<serde_json::Value>,
}

impl ApiErrors {
    /// Every error, field errors first, in a stable order.
    pub fn iter(&self) -> impl Iterator<Item = &ApiError> {
        self.field_errors
            .values()
            .flatten()
            .chain(&self.general_errors)
    }

    pub fn is_empty(&self) -> bool {
        self.iter().next().is_none()
    }

    pub fn has_code_prefix(&self, prefix: &str) -> bool {
        self.iter().any(|error| error.code.starts_with(prefix))
    }
}

impl fmt::Display for ApiErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("no details given");
        }
        for (index, error) in self.iter().enumerate() {
            if index > 0 {
                f.write_str("; ")?;
            }
            f.write_str(&error.code)?;
            if !error.message.is_empty() {
                write!(f, " ({})", error.message)?;
            }
        }
        Ok(())
    }
}

/// FusionAuth sends `fieldErrors` as an object keyed by field, but its OpenAPI document declares an
/// array of `Error`. Accept both (and `null`), so a stand-in or a future FusionAuth following the
/// spec cannot turn a readable 400 into a decoding failure. In the array form the field is
/// recovered from the code (`[blank]user.email` → `user.email`).
fn field_errors_in_either_shape<'de, D>(
    deserializer: D,
) -> Result<BTreeMap<String, Vec<ApiError>>, D::Error>
where
    D: Deserializer<'de>,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Shape {
        ByField(BTreeMap<String, Vec<ApiError>>),
        List(Vec<ApiError>),
        Null(()),
    }

    Ok(match Shape::deserialize(deserializer)? {
        Shape::ByField(map) => map,
        Shape::List(list) => {
            let mut map: BTreeMap<String, Vec<ApiError>> = BTreeMap::new();
            for error in list {
                let field = field_named_by_code(&error.code).to_owned();
                map.entry(field).or_default().push(error);
            }
            map
        }
        Shape::Null(()) => BTreeMap::new(),
    })
}

fn null_as_empty<'de, D>(deserializer: D) -> Result<Vec<ApiError>, D::Error>
where
    D: Deserializer<'de>,
{
    Ok(Option::<Vec<ApiError>>::deserialize(deserializer)?.unwrap_or_default())
}

/// `[blank]user.email` → `user.email`; a code without a bracketed prefix names no field.
fn field_named_by_code(code: &str) -> &str {
    code.strip_prefix('[')
        .and_then(|rest| rest.split_once(']'))
        .map_or("", |(_, field)| field)
}

fn describe(description: &Option<String>) -> String {
    description
        .as_deref()
        .map(|text| format!(": {text}"))
        .unwrap_or_default()
}

fn body_suffix(body: &str) -> String {
    if body.is_empty() {
        String::new()
    } else {
        format!(": {body}")
    }
}

/// What a request was authenticated with; it decides what a 401 means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Credential {
    ApiKey,
    BearerToken,
    None,
}

/// Longest response excerpt kept in [`FusionAuthError::Unexpected`]: enough to recognise an HTML
/// maintenance page or a proxy's error, short enough for a terminal.
const MAX_BODY_CHARS: usize = 300;

/// Maps a non-2xx answer to an error. `body` must already be scrubbed of the credentials we sent.
pub(super) fn error_for_status(
    endpoint: &str,
    credential: Credential,
    status: u16,
    body: &str,
) -> FusionAuthError {
    #[derive(Deserialize)]
    struct OAuthErrorBody {
        error: String,
        error_description: Option<String>,
    }

    if let Ok(oauth) = serde_json::from_str::<OAuthErrorBody>(body) {
        return FusionAuthError::OAuth {
            status,
            error: oauth.error,
            error_description: oauth.error_description,
        };
    }

    match (status, credential) {
        (401, Credential::ApiKey) => FusionAuthError::Unauthorized {
            endpoint: endpoint.to_owned(),
        },
        (401, Credential::BearerToken) => FusionAuthError::InvalidToken,
        (404, _) => FusionAuthError::NotFound {
            endpoint: endpoint.to_owned(),
        },
        (400, _) => match serde_json::from_str::<ApiErrors>(body) {
            Ok(errors) if !errors.is_empty() => FusionAuthError::Validation(errors),
            _ => unexpected(endpoint, status, body),
        },
        _ => unexpected(endpoint, status, body),
    }
}

fn unexpected(endpoint: &str, status: u16, body: &str) -> FusionAuthError {
    FusionAuthError::Unexpected {
        endpoint: endpoint.to_owned(),
        status,
        body: truncate(body.trim(), MAX_BODY_CHARS),
    }
}

fn truncate(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// Removes every occurrence of the credentials we sent from text FusionAuth sent back, so a server
/// that echoes a header or a request body cannot leak them into our errors.
pub(super) fn scrub(text: &str, secrets: &[&str]) -> String {
    secrets
        .iter()
        .filter(|secret| !secret.is_empty())
        .fold(text.to_owned(), |text, secret| {
            text.replace(secret, "[redacted]")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ENDPOINT: &str = "POST http://localhost:9011/api/application/1";

    fn validation(body: &str) -> ApiErrors {
        match error_for_status(ENDPOINT, Credential::ApiKey, 400, body) {
            FusionAuthError::Validation(errors) => errors,
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn field_errors_are_read_as_fusionauth_sends_them() {
        let errors = validation(
            r#"{"fieldErrors":{"scope.name":[{"code":"[invalid]scope.name","message":"reserved"}]},
                "generalErrors":[{"code":"[notLicensed]","message":"needs a plan"}]}"#,
        );
        assert_eq!(
            errors.field_errors["scope.name"][0].code,
            "[invalid]scope.name"
        );
        let codes: Vec<&str> = errors.iter().map(|e| e.code.as_str()).collect();
        assert_eq!(codes, ["[invalid]scope.name", "[notLicensed]"]);
    }

    #[test]
    fn field_errors_in_the_specs_array_shape_do_not_break_decoding() {
        let errors = validation(
            r#"{"fieldErrors":[{"code":"[blank]user.email","message":"Required"},
                               {"code":"oddball","message":"no bracket"}]}"#,
        );
        assert_eq!(errors.field_errors["user.email"].len(), 1);
        assert_eq!(errors.field_errors[""].len(), 1);
        assert!(errors.has_code_prefix("[blank]"));
    }

    #[test]
    fn null_error_lists_are_empty() {
        let errors: ApiErrors =
            serde_json::from_str(r#"{"fieldErrors":null,"generalErrors":null}"#).expect("decodes");
        assert!(errors.is_empty());
    }

    #[test]
    fn duplicate_and_license_codes_are_recognised() {
        let duplicate = error_for_status(
            ENDPOINT,
            Credential::ApiKey,
            400,
            r#"{"fieldErrors":{"scope.name":
                [{"code":"[duplicate]scope.name","message":"taken"}]}}"#,
        );
        assert!(duplicate.has_code_prefix("[duplicate]"));
        assert!(!duplicate.has_code_prefix("[notLicensed"));

        let feature = error_for_status(
            ENDPOINT,
            Credential::ApiKey,
            400,
            r#"{"fieldErrors":{"application.oauthConfiguration.relationship":
                [{"code":"[notLicensedFor]application.oauthConfiguration.relationship"}]}}"#,
        );
        assert!(feature.has_code_prefix("[notLicensedFor]"));
        let not_found = error_for_status(ENDPOINT, Credential::ApiKey, 404, "");
        assert!(
            !not_found.has_code_prefix(""),
            "only error documents carry codes"
        );
    }

    #[test]
    fn validation_display_lists_codes_and_messages() {
        let error = FusionAuthError::Validation(validation(
            r#"{"fieldErrors":{"user.email":[{"code":"[blank]user.email","message":"Required"}]},
                "generalErrors":[{"code":"[notLicensed]","message":"Buy a plan"}]}"#,
        ));
        assert_eq!(
            error.to_string(),
            "FusionAuth refused the request: \
             [blank]user.email (Required); [notLicensed] (Buy a plan)"
        );
    }

    #[test]
    fn empty_bodied_statuses_map_to_their_meaning() {
        assert!(error_for_status(ENDPOINT, Credential::ApiKey, 401, "").is_unauthorized());
        assert!(matches!(
            error_for_status(ENDPOINT, Credential::BearerToken, 401, ""),
            FusionAuthError::InvalidToken
        ));
        assert!(error_for_status(ENDPOINT, Credential::ApiKey, 404, "").is_not_found());
        assert!(matches!(
            error_for_status(ENDPOINT, Credential::ApiKey, 400, ""),
            FusionAuthError::Unexpected { status: 400, .. }
        ));
        assert!(matches!(
            error_for_status(ENDPOINT, Credential::ApiKey, 500, ""),
            FusionAuthError::Unexpected { status: 500, .. }
        ));
    }

    #[test]
    fn oauth_error_documents_are_kept_typed() {
        let error = error_for_status(
            "GET http://localhost:9011/oauth2/userinfo",
            Credential::BearerToken,
            401,
            r#"{"error":"invalid_token","error_description":"The access token has expired"}"#,
        );
        assert!(matches!(
            &error,
            FusionAuthError::OAuth { status: 401, error, .. } if error == "invalid_token"
        ));
        assert_eq!(
            error.to_string(),
            "FusionAuth answered 401 `invalid_token`: The access token has expired"
        );
    }

    #[test]
    fn unexpected_bodies_are_truncated() {
        let page = "<html>".repeat(200);
        let FusionAuthError::Unexpected { body, .. } =
            error_for_status(ENDPOINT, Credential::ApiKey, 502, &page)
        else {
            panic!("expected Unexpected");
        };
        assert_eq!(body.chars().count(), MAX_BODY_CHARS + 1);
        assert!(body.ends_with('…'));
    }

    #[test]
    fn scrubbing_removes_every_credential_we_sent() {
        let echoed = "bad key 5b3c-secret-key for token eyJhbGciOi.x.y";
        let scrubbed = scrub(echoed, &["5b3c-secret-key", "eyJhbGciOi.x.y", ""]);
        assert_eq!(scrubbed, "bad key [redacted] for token [redacted]");
    }
}
