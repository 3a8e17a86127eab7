//! The gate in front of `/mcp`: Origin check, bearer token from the `Authorization` header only,
//! verification, per-tool scopes, and the exact challenges MCP clients act on. It also writes the
//! one log line per request.
//!
//! Challenges (RFC 6750 §3, RFC 9728 §5.1, MCP authorization; their text is `challenge`'s):
//! - no token: `401`, `Bearer resource_metadata="…", scope="…"`
//! - bad token: `401`, `Bearer error="invalid_token", resource_metadata="…", scope="…"`
//! - missing scope: `403`, `Bearer error="insufficient_scope", scope="<every scope the call
//!   needs>", resource_metadata="…"`
//!
//! The scope check must happen here, before rmcp, because only an HTTP 403 makes clients step
//! up; so the JSON-RPC body is read (bounded) to find `tools/call` and its tool name.
//!
//! Protection can be switched off and on at runtime (the tutorial starts unprotected): while
//! off, requests pass without a token and carry the [`Unprotected`] marker, so the tools answer
//! anonymously. Every decision is written once to the log and once to the [`CallLog`].

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use axum::body::{Body, Bytes, to_bytes};
use axum::extract::{Request, State};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, ORIGIN, WWW_AUTHENTICATE};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::calls::{CallLog, CallOutcome, NewCall};
use super::challenge::BearerChallenge;
use super::config::PublicUrls;
use super::rpc_summary::RpcSummary;
use super::scopes::ScopeMode;
use super::verified_token::VerifiedToken;
use super::verifier::{Rejection, TokenVerifier, printable};

/// Largest JSON-RPC body accepted on `/mcp`; the tools take no arguments, so this is generous.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// What the gate needs, shared by every request.
pub struct Gate {
    /// `None` with `--no-auth`.
    pub verifier: Option<TokenVerifier>,
    pub scopes: ScopeMode,
    pub urls: PublicUrls,
    pub origins: OriginPolicy,
    pub calls: CallLog,
    /// Whether `/mcp` asks for a token; never true without a verifier.
    protected: AtomicBool,
    /// What never changes in a 401: written once here, not for every refused request.
    challenges: Challenges,
}

/// The 401 answers' fixed parts, for this server's metadata URL and scopes.
struct Challenges {
    /// `None` only if the header could not be written (it then is left out, as before).
    token_required: Option<HeaderValue>,
    token_required_body: Bytes,
    invalid_token: Option<HeaderValue>,
}

impl Challenges {
    fn new(urls: &PublicUrls, scopes: ScopeMode) -> Self {
        let scope = scopes.requested().join(" ");
        let header =
            |challenge: BearerChallenge| HeaderValue::from_str(&challenge.to_string()).ok();
        let body = json!({
            "error": "invalid_request",
            "error_description": "This MCP server requires a FusionAuth access token \
                (Authorization: Bearer …)."
        });
        Self {
            token_required: header(BearerChallenge::token_required(&urls.metadata, &scope)),
            token_required_body: Bytes::from(body.to_string()),
            invalid_token: header(BearerChallenge::invalid_token(&urls.metadata, &scope)),
        }
    }
}

/// Put in a request's extensions when the gate let it through without a token (protection off
/// or `--no-auth`): the tools then answer anonymously instead of looking for a caller.
#[derive(Debug, Clone, Copy)]
pub struct Unprotected;

impl Gate {
    pub fn new(
        verifier: Option<TokenVerifier>,
        scopes: ScopeMode,
        urls: PublicUrls,
        origins: OriginPolicy,
        start_unprotected: bool,
    ) -> Self {
        let protected = verifier.is_some() && !start_unprotected;
        Self {
            challenges: Challenges::new(&urls, scopes),
            verifier,
            scopes,
            urls,
            origins,
            calls: CallLog::new(),
            protected: AtomicBool::new(protected),
        }
    }

    pub fn is_protected(&self) -> bool {
        self.protected.load(Ordering::SeqCst)
    }

    /// Switches protection; returns whether the switch took effect (it cannot be turned on
    /// without a verifier, i.e. with `--no-auth`).
    pub fn set_protected(&self, protected: bool) -> bool {
        if protected && self.verifier.is_none() {
            return false;
        }
        self.protected.store(protected, Ordering::SeqCst);
        true
    }
}

/// Browser origins allowed to call `/mcp` (DNS-rebinding protection): the public URL's origin,
/// loopback origins (a page on this machine; rebinding needs a foreign host name), and any added
/// with `--allowed-origin`. Requests without `Origin` (non-browser clients) pass.
#[derive(Debug, Clone)]
pub struct OriginPolicy {
    allowed: Vec<String>,
}

impl OriginPolicy {
    pub fn new(public_origin: &str, extra: &[String]) -> Self {
        let mut allowed = vec![public_origin.to_owned()];
        allowed.extend(extra.iter().cloned());
        Self { allowed }
    }

    pub fn allows(&self, origin: &HeaderValue) -> bool {
        let Ok(origin) = origin.to_str() else {
            return false;
        };
        if self.allowed.iter().any(|allowed| allowed == origin) {
            return true;
        }
        let Ok(url) = url::Url::parse(origin) else {
            return false;
        };
        let loopback = match url.host() {
            Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            None => false,
        };
        loopback && matches!(url.scheme(), "http" | "https") && url.path() == "/"
    }
}

/// axum middleware for `/mcp`.
pub async fn protect(State(gate): State<Arc<Gate>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let http_method = request.method().clone();
    let (mut parts, body) = request.into_parts();

    if let Some(origin) = parts.headers.get(ORIGIN)
        && !gate.origins.allows(origin)
    {
        let origin = origin.to_str().unwrap_or("(not text)").to_owned();
        tracing::warn!(
            target: "mcp_fa::server::request",
            %http_method, outcome = "forbidden origin", %origin,
            latency_ms = started.elapsed().as_millis() as u64,
            "refused a request from a foreign origin (DNS-rebinding protection)"
        );
        gate.calls.record(NewCall {
            client_id: None,
            subject: None,
            method: http_method.as_str(),
            tools: &[],
            outcome: CallOutcome::ForbiddenOrigin,
            status: StatusCode::FORBIDDEN.as_u16(),
        });
        return (
            StatusCode::FORBIDDEN,
            axum::Json(json!({
                "error": "forbidden_origin",
                "error_description": "Requests from this Origin are not allowed."
            })),
        )
            .into_response();
    }

    let bytes = match to_bytes(body, MAX_BODY_BYTES).await {
        Ok(bytes) => bytes,
        Err(_) => return StatusCode::PAYLOAD_TOO_LARGE.into_response(),
    };
    let rpc = RpcSummary::read(&bytes);
    let method = rpc
        .method
        .as_deref()
        .unwrap_or(http_method.as_str())
        .to_owned();
    // Raw names decide the scope check; the log gets them without control characters.
    let tool = printable(&rpc.tools.join(","), 200);
    // One log line and one call record per request, written together.
    let log_at = |outcome: CallOutcome,
                  token: Option<&VerifiedToken>,
                  status: StatusCode,
                  why: &str,
                  warn: bool| {
        let label = match &outcome {
            CallOutcome::ServedUnprotected if gate.verifier.is_none() => "served (no auth)",
            CallOutcome::ServedUnprotected => "served (unprotected)",
            CallOutcome::Served => "served",
            CallOutcome::NoToken => "no token",
            CallOutcome::InvalidToken { .. } => "invalid token",
            CallOutcome::InsufficientScope { .. } => "insufficient scope",
            CallOutcome::ForbiddenOrigin => "forbidden origin",
        };
        let client_id = token.and_then(|t| t.client_id.as_deref()).unwrap_or("-");
        let subject = token.map_or("-", |t| t.subject.as_str());
        let latency_ms = started.elapsed().as_millis() as u64;
        // A server-side misconfiguration (HMAC-signed tokens) is worth a warning, not a shrug.
        if warn {
            tracing::warn!(
                target: "mcp_fa::server::request",
                client_id, subject, method = %method, tool = %tool, outcome = label,
                status = status.as_u16(), latency_ms, "{why}"
            );
        } else {
            tracing::info!(
                target: "mcp_fa::server::request",
                client_id, subject, method = %method, tool = %tool, outcome = label,
                status = status.as_u16(), latency_ms, "{why}"
            );
        }
        gate.calls.record(NewCall {
            client_id: token.and_then(|t| t.client_id.as_deref()),
            subject: token.map(|t| t.subject.as_str()),
            method: &method,
            tools: &rpc.tools,
            outcome,
            status: status.as_u16(),
        });
    };
    let log = |outcome: CallOutcome,
               token: Option<&VerifiedToken>,
               status: StatusCode,
               why: &str| { log_at(outcome, token, status, why, false) };

    let verifier = match &gate.verifier {
        Some(verifier) if gate.is_protected() => verifier,
        _ => {
            parts.extensions.insert(Unprotected);
            let response = next
                .run(Request::from_parts(parts, Body::from(bytes)))
                .await;
            let why = if gate.verifier.is_some() {
                "protection is switched off: answered without a token"
            } else {
                ""
            };
            log(CallOutcome::ServedUnprotected, None, response.status(), why);
            return response;
        }
    };

    let Some(token) = bearer(&parts.headers) else {
        log(CallOutcome::NoToken, None, StatusCode::UNAUTHORIZED, "");
        return challenge(&gate, None);
    };
    let verified = match verifier.verify(token).await {
        Ok(verified) => verified,
        Err(rejection) => {
            let misconfigured = matches!(rejection, Rejection::SymmetricAlgorithm { .. });
            let reason = rejection.to_string();
            log_at(
                CallOutcome::InvalidToken {
                    reason: reason.clone(),
                },
                None,
                StatusCode::UNAUTHORIZED,
                &reason,
                misconfigured,
            );
            return challenge(&gate, Some(&rejection));
        }
    };

    for tool in &rpc.tools {
        let missing = gate.scopes.missing(tool, &verified.scopes);
        if !missing.is_empty() {
            let why = format!("`{tool}` needs the scopes {missing:?}");
            log(
                CallOutcome::InsufficientScope {
                    missing: missing.iter().map(|s| (*s).to_owned()).collect(),
                },
                Some(&*verified),
                StatusCode::FORBIDDEN,
                &why,
            );
            return insufficient_scope(&gate, gate.scopes.required_for(tool));
        }
    }

    parts.extensions.insert(verified.clone());
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    log(CallOutcome::Served, Some(&*verified), response.status(), "");
    response
}

/// The token from `Authorization: Bearer …`; the query string is never looked at.
fn bearer(headers: &axum::http::HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// 401 for a missing (`None`) or rejected token.
fn challenge(gate: &Gate, rejection: Option<&Rejection>) -> Response {
    let challenges = &gate.challenges;
    let (header, body) = match rejection {
        None => (
            challenges.token_required.clone(),
            Body::from(challenges.token_required_body.clone()),
        ),
        Some(rejection) => (
            challenges.invalid_token.clone(),
            Body::from(
                json!({"error": "invalid_token", "error_description": rejection.description()})
                    .to_string(),
            ),
        ),
    };
    let mut response = (StatusCode::UNAUTHORIZED, body).into_response();
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    if let Some(header) = header {
        headers.insert(WWW_AUTHENTICATE, header);
    }
    response
}

/// 403 naming every scope the call needs, so the client can re-authorize with their union.
fn insufficient_scope(gate: &Gate, needed: &[&str]) -> Response {
    let scope = needed.join(" ");
    let header = BearerChallenge::insufficient_scope(&scope, &gate.urls.metadata);
    with_challenge(
        StatusCode::FORBIDDEN,
        &header,
        json!({
            "error": "insufficient_scope",
            "error_description": format!("This call needs the scopes: {scope}."),
            "scope": scope,
        }),
    )
}

fn with_challenge(status: StatusCode, header: &BearerChallenge, body: Value) -> Response {
    let mut response = (status, axum::Json(body)).into_response();
    if let Ok(value) = HeaderValue::from_str(&header.to_string()) {
        response.headers_mut().insert(WWW_AUTHENTICATE, value);
    }
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_bearer_scheme_in_the_authorization_header_counts() {
        let mut headers = axum::http::HeaderMap::new();
        assert_eq!(bearer(&headers), None);
        headers.insert(AUTHORIZATION, HeaderValue::from_static("Basic abc"));
        assert_eq!(bearer(&headers), None);
        headers.insert(
            AUTHORIZATION,
            HeaderValue::from_static("bearer abc.def.ghi"),
        );
        assert_eq!(bearer(&headers), Some("abc.def.ghi"));
        headers.insert(AUTHORIZATION, HeaderValue::from_static("Bearer "));
        assert_eq!(bearer(&headers), None);
    }

    #[test]
    fn loopback_and_public_origins_pass_foreign_ones_do_not() {
        let policy = OriginPolicy::new("https://mcp.example.com", &[]);
        let allows = |o: &'static str| policy.allows(&HeaderValue::from_static(o));
        assert!(allows("https://mcp.example.com"));
        assert!(allows("http://localhost:6274"));
        assert!(allows("http://127.0.0.1:3000"));
        assert!(allows("http://[::1]:3000"));
        assert!(!allows("http://evil.example:8000"));
        assert!(!allows("http://localhost.evil.example"));
        assert!(!allows("null"));
    }
}
