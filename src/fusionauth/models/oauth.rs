//! What FusionAuth publishes and issues as an OAuth 2.0 / OpenID Connect server: the discovery
//! document, the JSON Web Key Set, token endpoint answers, validated JWT claims and userinfo.
//! These keep the `snake_case` of their RFCs.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use serde_with::skip_serializing_none;

use crate::fusionauth::secret::Secret;

/// The OpenID Connect discovery document. FusionAuth publishes no RFC 8414
/// `oauth-authorization-server` document and no `registration_endpoint`: MCP clients fall back
/// to this one.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OpenIdConfiguration {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub jwks_uri: String,
    pub userinfo_endpoint: Option<String>,
    pub end_session_endpoint: Option<String>,
    /// RFC 7009. FusionAuth publishes none (its issue 201); kept for when it does.
    pub revocation_endpoint: Option<String>,
    pub device_authorization_endpoint: Option<String>,
    /// Present since FusionAuth 1.64.0; MCP clients refuse a server that does not list `S256`.
    #[serde(default)]
    pub code_challenge_methods_supported: Vec<String>,
    #[serde(default)]
    pub grant_types_supported: Vec<String>,
    #[serde(default)]
    pub response_types_supported: Vec<String>,
    #[serde(default)]
    pub response_modes_supported: Vec<String>,
    #[serde(default)]
    pub scopes_supported: Vec<String>,
    #[serde(default)]
    pub claims_supported: Vec<String>,
    #[serde(default)]
    pub subject_types_supported: Vec<String>,
    #[serde(default)]
    pub id_token_signing_alg_values_supported: Vec<String>,
    #[serde(default)]
    pub token_endpoint_auth_methods_supported: Vec<String>,
}

/// The JSON Web Key Set. FusionAuth publishes asymmetric keys only: tokens signed with the HMAC
/// default key have no entry here.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Jwks {
    #[serde(default)]
    pub keys: Vec<Jwk>,
}

/// One public key (RFC 7517). Values stay strings: they are handed to a JWT library as they are.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Jwk {
    pub kty: String,
    pub kid: Option<String>,
    pub alg: Option<String>,
    #[serde(rename = "use")]
    pub key_use: Option<String>,
    /// RSA modulus.
    pub n: Option<String>,
    /// RSA exponent.
    pub e: Option<String>,
    pub crv: Option<String>,
    pub x: Option<String>,
    pub y: Option<String>,
    pub x5c: Option<Vec<String>>,
    pub x5t: Option<String>,
    #[serde(rename = "x5t#S256")]
    pub x5t_s256: Option<String>,
}

/// The `/oauth2/userinfo` answer. Which claims appear depends on the token's scopes, and
/// FusionAuth adds its own (`applicationId`, `roles`, `tid`, …), kept in `extra`.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UserInfo {
    pub sub: String,
    pub email: Option<String>,
    pub email_verified: Option<bool>,
    /// The user's `fullName`, never composed from the other names.
    pub name: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub preferred_username: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The `/oauth2/token` answer (`AccessToken` in the spec).
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenResponse {
    pub access_token: Secret,
    /// `Bearer`, or `DPoP` for DPoP-bound tokens.
    pub token_type: String,
    pub expires_in: Option<u64>,
    pub id_token: Option<Secret>,
    pub refresh_token: Option<Secret>,
    pub refresh_token_id: Option<String>,
    /// Space separated.
    pub scope: Option<String>,
    /// FusionAuth's extension, camelCase unlike the rest of the document.
    #[serde(rename = "userId")]
    pub user_id: Option<String>,
}

/// A token's audience: one string, or (with RFC 8707 resources) an array whose first element is
/// the client id followed by the resources.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Audience {
    One(String),
    Many(Vec<String>),
}

impl Audience {
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        let all: &[String] = match self {
            Self::One(one) => std::slice::from_ref(one),
            Self::Many(many) => many,
        };
        all.iter().map(String::as_str)
    }
}

/// The claims `/api/jwt/validate` returns for a valid token. FusionAuth checks signature and
/// expiry only, NOT the audience: callers must check `aud` themselves.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct JwtClaims {
    pub iss: Option<String>,
    /// The user id.
    pub sub: Option<String>,
    pub aud: Option<Audience>,
    /// Epoch seconds.
    pub exp: Option<i64>,
    /// Epoch seconds.
    pub iat: Option<i64>,
    pub jti: Option<String>,
    /// Space separated.
    pub scope: Option<String>,
    /// The tenant id.
    pub tid: Option<String>,
    /// Present only when the user is registered to the application.
    #[serde(rename = "applicationId")]
    pub application_id: Option<String>,
    /// Present only when the user is registered to the application.
    pub roles: Option<Vec<String>>,
    /// `auth_time`, `sid`, `authenticationType`, `email`, lambda-added claims, …
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl JwtClaims {
    pub fn scopes(&self) -> impl Iterator<Item = &str> {
        self.scope.as_deref().unwrap_or_default().split_whitespace()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn userinfo_keeps_fusionauth_extras() {
        let info: UserInfo = serde_json::from_value(json!({
            "sub": "u", "email": "test@example.com", "name": "Test User", "tid": "t"
        }))
        .expect("decodes");
        assert_eq!(info.name.as_deref(), Some("Test User"));
        assert_eq!(info.extra.get("tid"), Some(&json!("t")));
    }
}
