//! How a confidential client may present its secret at the token endpoint: HTTP Basic
//! (`client_secret_basic`) or the `client_id` and `client_secret` form fields
//! (`client_secret_post`, as claude.ai's connector sends it), both of which discovery announces
//! and `token.rs` reads. Never both in one request: RFC 6749 §2.3 forbids a client more than one
//! authentication method per request.

use axum::http::{HeaderMap, header};

use super::Params;
use crate::errors::OAuthError;

/// Refuses a request that authenticates twice: Basic credentials and a `client_secret` field
/// (*inferred*: RFC 6749 §2.3 forbids it; FusionAuth's own wording is not known), or Basic
/// credentials for one client and a `client_id` field naming another.
pub fn single_method(headers: &HeaderMap, form: &Params) -> Result<(), OAuthError> {
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("Basic "));
    if !basic {
        return Ok(());
    }
    if form.get("client_secret").is_some() {
        return Err(OAuthError::new(
            "invalid_request",
            "invalid_client_authentication",
            "Use one client authentication method: HTTP Basic or the client_secret parameter, not both.",
        ));
    }
    let presented = super::token::presented_credentials(headers, None, None);
    if let (Some(form_id), Some(basic_id)) = (form.get("client_id"), presented.client_id)
        && form_id != basic_id
    {
        return Err(OAuthError::new(
            "invalid_request",
            "invalid_client_id",
            "The client_id parameter names another client than the Authorization header.",
        ));
    }
    Ok(())
}
