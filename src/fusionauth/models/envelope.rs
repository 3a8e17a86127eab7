//! Request and response envelopes: FusionAuth wraps every object in a property named after it.
//! Each mirrors the spec's `*Request` / `*Response` schema, restricted to what mcp-fa sends or
//! reads.
//!
//! Only `FusionAuthClient` uses them: callers see the objects, never the wrappers.

use serde::{Deserialize, Serialize};

use super::{
    Application, ApplicationOAuthScope, JwtClaims, Key, ReactorStatus, Tenant, User,
    UserRegistration,
};

/// `ApplicationRequest`.
#[derive(Serialize)]
pub struct ApplicationRequest<'a> {
    pub application: &'a Application,
}

/// `ApplicationResponse` for one application.
#[derive(Deserialize)]
pub struct ApplicationResponse {
    pub application: Application,
}

/// `ApplicationResponse` for a listing. FusionAuth omits empty arrays, so none may mean zero.
#[derive(Deserialize)]
pub struct ApplicationsResponse {
    #[serde(default)]
    pub applications: Vec<Application>,
}

/// `ApplicationOAuthScopeRequest`.
#[derive(Serialize)]
pub struct ApplicationOAuthScopeRequest<'a> {
    pub scope: &'a ApplicationOAuthScope,
}

/// `ApplicationOAuthScopeResponse`.
#[derive(Deserialize)]
pub struct ApplicationOAuthScopeResponse {
    pub scope: ApplicationOAuthScope,
}

/// `KeyRequest`.
#[derive(Serialize)]
pub struct KeyRequest<'a> {
    pub key: &'a Key,
}

/// `KeyResponse`.
#[derive(Deserialize)]
pub struct KeyResponse {
    pub key: Key,
}

/// `TenantRequest`, sent as a JSON merge patch: only the fields set change.
#[derive(Serialize)]
pub struct TenantRequest<'a> {
    pub tenant: &'a Tenant,
}

/// `TenantResponse` for one tenant.
#[derive(Deserialize)]
pub struct TenantResponse {
    pub tenant: Tenant,
}

/// `TenantResponse` for a listing.
#[derive(Deserialize)]
pub struct TenantsResponse {
    #[serde(default)]
    pub tenants: Vec<Tenant>,
}

/// `UserRequest` creating a user: the password travels only here, never in [`User`].
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserRequest<'a> {
    pub user: UserWithPassword<'a>,
    /// Marks the e-mail verified, so a tenant that gates unverified users still lets this one
    /// log in.
    pub skip_verification: bool,
}

/// A [`User`] with the password it is created with.
#[derive(Serialize)]
pub struct UserWithPassword<'a> {
    #[serde(flatten)]
    pub user: &'a User,
    pub password: &'a str,
}

/// `VersionResponse`.
#[derive(Deserialize)]
pub struct VersionResponse {
    pub version: String,
}

/// `UserResponse`. Its `token` (issued for some flows) is deliberately not read.
#[derive(Deserialize)]
pub struct UserResponse {
    pub user: User,
}

/// `RegistrationRequest` for an existing user.
#[derive(Serialize)]
pub struct RegistrationRequest<'a> {
    pub registration: &'a UserRegistration,
}

/// `RegistrationResponse`. Its `token` and `refreshToken` are deliberately not read.
#[derive(Deserialize)]
pub struct RegistrationResponse {
    pub registration: UserRegistration,
}

/// `ReactorResponse`.
#[derive(Deserialize)]
pub struct ReactorResponse {
    pub status: ReactorStatus,
}

/// `ValidateResponse`. The spec models `jwt` as an object with `otherClaims`; FusionAuth
/// actually sends the claims flat, as they are in the token.
#[derive(Deserialize)]
pub struct ValidateResponse {
    pub jwt: JwtClaims,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::fusionauth::models::{
        AuthorizedUrlValidationPolicy, ClientAuthenticationPolicy, GrantType,
        LoginRecordSearchResponse, OAuthApplicationRelationship, OAuthConfiguration,
        OAuthScopeHandlingPolicy, ProofKeyForCodeExchangePolicy, UnknownScopePolicy,
    };

    fn mcp_client_application() -> Application {
        Application {
            name: Some("Claude Code".into()),
            oauth_configuration: Some(OAuthConfiguration {
                authorized_redirect_urls: Some(vec!["http://localhost:33418/callback".into()]),
                authorized_url_validation_policy: Some(AuthorizedUrlValidationPolicy::ExactMatch),
                authorized_resource_uris: Some(vec!["http://localhost:3000/mcp".into()]),
                client_authentication_policy: Some(
                    ClientAuthenticationPolicy::NotRequiredWhenUsingPkce,
                ),
                proof_key_for_code_exchange_policy: Some(ProofKeyForCodeExchangePolicy::Required),
                enabled_grants: Some(vec![GrantType::AuthorizationCode, GrantType::RefreshToken]),
                generate_refresh_tokens: Some(true),
                scope_handling_policy: Some(OAuthScopeHandlingPolicy::Strict),
                unknown_scope_policy: Some(UnknownScopePolicy::Reject),
                relationship: Some(OAuthApplicationRelationship::ThirdParty),
                require_registration: Some(true),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    #[test]
    fn application_request_uses_fusionauths_spelling_and_sends_no_nulls() {
        let application = mcp_client_application();
        let body = serde_json::to_value(ApplicationRequest {
            application: &application,
        })
        .expect("serializes");
        assert_eq!(
            body,
            json!({"application": {
                "name": "Claude Code",
                "oauthConfiguration": {
                    "authorizedRedirectURLs": ["http://localhost:33418/callback"],
                    "authorizedURLValidationPolicy": "ExactMatch",
                    "authorizedResourceUris": ["http://localhost:3000/mcp"],
                    "clientAuthenticationPolicy": "NotRequiredWhenUsingPKCE",
                    "proofKeyForCodeExchangePolicy": "Required",
                    "enabledGrants": ["authorization_code", "refresh_token"],
                    "generateRefreshTokens": true,
                    "scopeHandlingPolicy": "Strict",
                    "unknownScopePolicy": "Reject",
                    "relationship": "ThirdParty",
                    "requireRegistration": true
                }
            }})
        );
    }

    #[test]
    fn an_object_without_fields_is_sent_empty() {
        let body = serde_json::to_string(&ApplicationRequest {
            application: &Application::default(),
        })
        .expect("serializes");
        assert_eq!(body, r#"{"application":{}}"#);
    }

    #[test]
    fn validated_claims_are_read_flat_as_fusionauth_sends_them() {
        let response: ValidateResponse = serde_json::from_value(json!({"jwt": {
            "aud": ["client-1", "http://localhost:3000/mcp"], "exp": 1_700_000_000,
            "iss": "http://localhost:9011", "sub": "user-1", "scope": "openid mcp:tools",
            "applicationId": "client-1", "roles": [], "auth_time": 1_699_999_000
        }}))
        .expect("decodes");
        let claims = response.jwt;
        let audience = claims.aud.as_ref().expect("aud");
        assert_eq!(
            audience.iter().collect::<Vec<_>>(),
            ["client-1", "http://localhost:3000/mcp"]
        );
        assert_eq!(claims.scopes().collect::<Vec<_>>(), ["openid", "mcp:tools"]);
        assert_eq!(claims.extra.get("auth_time"), Some(&json!(1_699_999_000)));
    }

    #[test]
    fn listings_without_items_are_empty_not_errors() {
        let empty: ApplicationsResponse = serde_json::from_str("{}").expect("decodes");
        assert!(empty.applications.is_empty());
        let logins: LoginRecordSearchResponse = serde_json::from_str("{}").expect("decodes");
        assert!(logins.logins.is_empty());
    }
}
