//! What a token that passed every check carries: the caller, the client, the scopes and the token
//! itself for the one place it is sent on. Its own file because both the verifier (which makes
//! it) and the token cache (which keeps it) read it, and neither should read the other for it.

use crate::fusionauth::Secret;

/// A token that passed every check, with what the tools and the request log need.
#[derive(Debug, Clone)]
pub struct VerifiedToken {
    pub subject: String,
    /// FusionAuth's `aud[0]` (the application the token was issued to), else `applicationId`.
    pub client_id: Option<String>,
    pub scopes: Vec<String>,
    /// Epoch seconds.
    pub expires_at: Option<i64>,
    pub issuer: String,
    pub audience: Vec<String>,
    /// For FusionAuth's userinfo, the one place the token is sent to (its own issuer).
    pub token: Secret,
}
