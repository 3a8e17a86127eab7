//! FusionAuth's JSON objects, spelled exactly as its API spells them.
//!
//! Rules every type here follows, because FusionAuth and our contract tests depend on them:
//! - Field names are FusionAuth's (`camelCase`, with its own capitalisation such as
//!   `authorizedRedirectURLs`); OpenID Connect documents keep their `snake_case`.
//! - Entity types are used both to read and to write (FusionAuth has one schema for both), so
//!   every field is optional and absent fields are never sent (`#[skip_serializing_none]` on every
//!   type with optional fields): a `null` in a PATCH would erase the value, and FusionAuth itself
//!   omits empty values from its answers.
//! - Only properties the OpenAPI schema declares for that object are modelled, so nothing
//!   undeclared can ever be sent.
//! - Instants are FusionAuth's epoch milliseconds (`i64`); JWT claims are epoch seconds.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use serde_with::skip_serializing_none;

use super::secret::Secret;

/// Declares a FusionAuth string enum with its exact wire spellings.
///
/// Each gets an `Unrecognized` catch-all: a newer FusionAuth may add values, and one unknown policy
/// on one application must not make a whole listing unreadable. `Unrecognized` cannot be
/// serialized, so a value we do not understand is never sent back.
macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$variant_meta:meta])* $variant:ident = $wire:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name {
            $( $(#[$variant_meta])* #[serde(rename = $wire)] $variant, )+
            /// A value this version of mcp-fa does not know. Never sent back to FusionAuth.
            #[serde(other, skip_serializing)]
            Unrecognized,
        }

        impl $name {
            /// FusionAuth's spelling, or `None` for [`Self::Unrecognized`].
            pub const fn as_str(self) -> Option<&'static str> {
                match self {
                    $( Self::$variant => Some($wire), )+
                    Self::Unrecognized => None,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str().unwrap_or("(unrecognized)"))
            }
        }
    };
}

wire_enum! {
    /// `Oauth2AuthorizedURLValidationPolicy`.
    pub enum AuthorizedUrlValidationPolicy {
        AllowWildcards = "AllowWildcards",
        /// What MCP clients get: with wildcards, anything listening on a local port could catch a
        /// code meant for another client.
        ExactMatch = "ExactMatch",
    }
}

wire_enum! {
    pub enum ClientAuthenticationPolicy {
        Required = "Required",
        NotRequired = "NotRequired",
        /// Public clients (MCP clients on a laptop keep no secret) may skip the secret only when
        /// they prove possession with PKCE.
        NotRequiredWhenUsingPkce = "NotRequiredWhenUsingPKCE",
    }
}

wire_enum! {
    pub enum ProofKeyForCodeExchangePolicy {
        Required = "Required",
        NotRequired = "NotRequired",
        NotRequiredWhenUsingClientAuthentication = "NotRequiredWhenUsingClientAuthentication",
    }
}

wire_enum! {
    /// `ThirdParty` shows a consent screen and needs a paid plan; without one FusionAuth refuses it
    /// with `[notLicensedFor]`, and `FirstParty` is the fallback.
    pub enum OAuthApplicationRelationship {
        FirstParty = "FirstParty",
        ThirdParty = "ThirdParty",
    }
}

wire_enum! {
    /// `Strict` is what makes `/oauth2/userinfo` demand the `openid` scope and keeps undeclared
    /// scopes out of tokens.
    pub enum OAuthScopeHandlingPolicy {
        Compatibility = "Compatibility",
        Strict = "Strict",
    }
}

wire_enum! {
    pub enum UnknownScopePolicy {
        Allow = "Allow",
        Remove = "Remove",
        Reject = "Reject",
    }
}

wire_enum! {
    pub enum OAuthScopeConsentMode {
        AlwaysPrompt = "AlwaysPrompt",
        RememberDecision = "RememberDecision",
        NeverPrompt = "NeverPrompt",
    }
}

wire_enum! {
    pub enum GrantType {
        AuthorizationCode = "authorization_code",
        Implicit = "implicit",
        Password = "password",
        ClientCredentials = "client_credentials",
        RefreshToken = "refresh_token",
        DeviceCode = "device_code",
        /// FusionAuth's own `unknown` grant, distinct from [`GrantType::Unrecognized`].
        Unknown = "unknown",
    }
}

wire_enum! {
    pub enum ObjectState {
        Active = "Active",
        Inactive = "Inactive",
        PendingDelete = "PendingDelete",
    }
}

wire_enum! {
    pub enum KeyAlgorithm {
        Es256 = "ES256",
        Es384 = "ES384",
        Es512 = "ES512",
        /// The algorithm of every tenant's default signing key: its tokens cannot be verified
        /// through JWKS, which is why mcp-fa generates an RSA key.
        Hs256 = "HS256",
        Hs384 = "HS384",
        Hs512 = "HS512",
        Rs256 = "RS256",
        Rs384 = "RS384",
        Rs512 = "RS512",
        Ed25519 = "Ed25519",
        None = "None",
    }
}

wire_enum! {
    pub enum KeyType {
        Ec = "EC",
        Rsa = "RSA",
        Hmac = "HMAC",
        Okp = "OKP",
        Secret = "Secret",
    }
}

wire_enum! {
    pub enum ReactorFeatureStatus {
        Active = "ACTIVE",
        Disconnected = "DISCONNECTED",
        Pending = "PENDING",
        Disabled = "DISABLED",
        Unknown = "UNKNOWN",
    }
}

/// `Tenant` (the parts mcp-fa reads).
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Tenant {
    pub id: Option<String>,
    pub name: Option<String>,
    /// Becomes every token's `iss`. FusionAuth's default is `acme.com`, which no OIDC client will
    /// accept for a server at `http://localhost:9011`: it has to be set to the public URL.
    pub issuer: Option<String>,
    pub jwt_configuration: Option<JwtConfiguration>,
    pub state: Option<ObjectState>,
    pub insert_instant: Option<i64>,
    pub last_update_instant: Option<i64>,
}

/// `JWTConfiguration`, shared by tenants and applications.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JwtConfiguration {
    /// Only meaningful on an application: whether it overrides the tenant's settings.
    pub enabled: Option<bool>,
    /// The key that signs access tokens. Unless it is asymmetric, resource servers cannot verify
    /// tokens through JWKS.
    pub access_token_key_id: Option<String>,
    pub id_token_key_id: Option<String>,
    pub time_to_live_in_seconds: Option<u64>,
    pub refresh_token_time_to_live_in_minutes: Option<u64>,
}

/// `Key`: a signing key in FusionAuth's key master.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Key {
    pub id: Option<String>,
    pub algorithm: Option<KeyAlgorithm>,
    pub name: Option<String>,
    /// Bits; required by FusionAuth when generating RSA keys (2048 or more).
    pub length: Option<u32>,
    /// The `kid` FusionAuth puts in token headers and in JWKS.
    pub kid: Option<String>,
    #[serde(rename = "type")]
    pub key_type: Option<KeyType>,
    /// PEM.
    pub public_key: Option<String>,
    pub certificate: Option<String>,
    pub issuer: Option<String>,
    pub has_private_key: Option<bool>,
    /// FusionAuth returns the private half of asymmetric keys to API-key calls.
    pub private_key: Option<Secret>,
    /// The HMAC secret of symmetric keys.
    pub secret: Option<Secret>,
    pub insert_instant: Option<i64>,
    pub expiration_instant: Option<i64>,
}

/// `Application`. For mcp-fa, one per MCP client: FusionAuth has no dynamic client registration,
/// and the application id is the OAuth `client_id`.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Application {
    pub id: Option<String>,
    pub name: Option<String>,
    /// `false` after a soft delete.
    pub active: Option<bool>,
    pub tenant_id: Option<String>,
    pub state: Option<ObjectState>,
    pub oauth_configuration: Option<OAuthConfiguration>,
    pub jwt_configuration: Option<JwtConfiguration>,
    /// Custom OAuth scopes (returned on read; created one by one through the scope API).
    pub scopes: Option<Vec<ApplicationOAuthScope>>,
    pub roles: Option<Vec<ApplicationRole>>,
    /// Free-form; FusionAuth stores and returns it untouched.
    pub data: Option<Map<String, Value>>,
    pub insert_instant: Option<i64>,
    pub last_update_instant: Option<i64>,
}

/// `OAuth2Configuration` of an application.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OAuthConfiguration {
    /// Compared exactly (with [`AuthorizedUrlValidationPolicy::ExactMatch`]), port included.
    #[serde(rename = "authorizedRedirectURLs")]
    pub authorized_redirect_urls: Option<Vec<String>>,
    #[serde(rename = "authorizedOriginURLs")]
    pub authorized_origin_urls: Option<Vec<String>>,
    #[serde(rename = "authorizedURLValidationPolicy")]
    pub authorized_url_validation_policy: Option<AuthorizedUrlValidationPolicy>,
    /// RFC 8707 resources (FusionAuth 1.67.0+). Only when this is set does FusionAuth honour the
    /// `resource` parameter and put it in `aud`; otherwise it silently ignores it.
    pub authorized_resource_uris: Option<Vec<String>>,
    pub client_authentication_policy: Option<ClientAuthenticationPolicy>,
    /// Always the application id.
    pub client_id: Option<String>,
    /// Generated by FusionAuth when left out; returned only to API-key calls.
    pub client_secret: Option<Secret>,
    pub consent_mode: Option<OAuthScopeConsentMode>,
    pub debug: Option<bool>,
    pub enabled_grants: Option<Vec<GrantType>>,
    pub generate_refresh_tokens: Option<bool>,
    #[serde(rename = "logoutURL")]
    pub logout_url: Option<String>,
    pub proof_key_for_code_exchange_policy: Option<ProofKeyForCodeExchangePolicy>,
    pub relationship: Option<OAuthApplicationRelationship>,
    pub require_client_authentication: Option<bool>,
    /// Whether a user must be registered to the application to log in to it.
    pub require_registration: Option<bool>,
    pub scope_handling_policy: Option<OAuthScopeHandlingPolicy>,
    pub unknown_scope_policy: Option<UnknownScopePolicy>,
}

/// `ApplicationOAuthScope`: a custom scope (paid plans only). The names `openid`, `offline_access`,
/// `profile`, `email`, `address` and `phone` are reserved and refused with `[invalid]scope.name`.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationOAuthScope {
    pub id: Option<String>,
    pub application_id: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    /// A required scope cannot be unticked on the consent screen.
    pub required: Option<bool>,
    pub default_consent_message: Option<String>,
    pub default_consent_detail: Option<String>,
    pub data: Option<Map<String, Value>>,
    pub insert_instant: Option<i64>,
    pub last_update_instant: Option<i64>,
}

/// `ApplicationRole`.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationRole {
    pub id: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub is_default: Option<bool>,
    pub is_super_role: Option<bool>,
}

/// `User`. The password is not a field: FusionAuth never returns it, and mcp-fa never sends one
/// (the demo user is created by kickstart).
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub id: Option<String>,
    pub tenant_id: Option<String>,
    pub email: Option<String>,
    pub username: Option<String>,
    /// Becomes `given_name` in userinfo (with the `profile` scope).
    pub first_name: Option<String>,
    /// Becomes `family_name` in userinfo (with the `profile` scope).
    pub last_name: Option<String>,
    /// Userinfo's `name` is this field only; FusionAuth never composes it from first and last
    /// name, so set it explicitly.
    pub full_name: Option<String>,
    pub active: Option<bool>,
    pub verified: Option<bool>,
    pub password_change_required: Option<bool>,
    pub registrations: Option<Vec<UserRegistration>>,
    pub data: Option<Map<String, Value>>,
    pub insert_instant: Option<i64>,
    pub last_login_instant: Option<i64>,
    pub last_update_instant: Option<i64>,
}

/// `UserRegistration`: a user's membership of an application. Tokens carry `applicationId` and
/// `roles` only for registered users.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserRegistration {
    pub id: Option<String>,
    pub application_id: Option<String>,
    pub roles: Option<Vec<String>>,
    pub username: Option<String>,
    pub verified: Option<bool>,
    pub data: Option<Map<String, Value>>,
    pub insert_instant: Option<i64>,
    pub last_login_instant: Option<i64>,
}

/// Which login records to fetch. Every criterion is optional; FusionAuth pages the results
/// (`numberOfResults`, default 25).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoginRecordSearchCriteria {
    pub application_id: Option<String>,
    pub user_id: Option<String>,
    /// Epoch milliseconds, inclusive.
    pub start: Option<i64>,
    /// Epoch milliseconds, inclusive.
    pub end: Option<i64>,
    pub number_of_results: Option<u32>,
    pub start_row: Option<u32>,
}

/// `LoginRecordSearchResponse`.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LoginRecordSearchResponse {
    #[serde(default)]
    pub logins: Vec<LoginRecord>,
    /// All matching records, not only this page.
    pub total: Option<u64>,
}

/// `DisplayableRawLogin`: one successful login.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoginRecord {
    pub application_id: Option<String>,
    pub application_name: Option<String>,
    /// Epoch milliseconds.
    pub instant: i64,
    pub ip_address: Option<String>,
    /// The e-mail or username typed at login.
    pub login_id: Option<String>,
    pub user_id: Option<String>,
}

/// `ReactorStatus`: what the instance's license allows (only what mcp-fa decides on).
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReactorStatus {
    #[serde(default)]
    pub licensed: bool,
    /// Custom OAuth scopes (Essentials plan and up).
    #[serde(rename = "advancedOAuthScopesCustomScopes")]
    pub advanced_oauth_scopes_custom_scopes: Option<ReactorFeatureStatus>,
    /// `relationship: ThirdParty`, i.e. the consent screen.
    #[serde(rename = "advancedOAuthScopesThirdPartyApplications")]
    pub advanced_oauth_scopes_third_party_applications: Option<ReactorFeatureStatus>,
    /// `YYYY-MM-DD`.
    pub expiration: Option<String>,
}

impl ReactorStatus {
    pub fn allows_custom_scopes(&self) -> bool {
        self.licensed
            && self.advanced_oauth_scopes_custom_scopes == Some(ReactorFeatureStatus::Active)
    }

    pub fn allows_third_party_applications(&self) -> bool {
        self.licensed
            && self.advanced_oauth_scopes_third_party_applications
                == Some(ReactorFeatureStatus::Active)
    }
}

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

/// Request and response envelopes: FusionAuth wraps every object in a property named after it.
/// Each mirrors the spec's `*Request` / `*Response` schema, restricted to what mcp-fa sends or
/// reads.
pub(super) mod envelope {
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

    /// `KeyResponse`.
    #[derive(Deserialize)]
    pub struct KeyResponse {
        pub key: Key,
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
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::envelope::*;
    use super::*;

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

    fn spelled(value: impl Serialize) -> String {
        serde_json::to_string(&value).expect("serializes")
    }

    #[test]
    fn enum_spellings_match_the_spec() {
        assert_eq!(spelled(KeyAlgorithm::Rs256), "\"RS256\"");
        assert_eq!(spelled(KeyAlgorithm::Ed25519), "\"Ed25519\"");
        assert_eq!(spelled(KeyType::Hmac), "\"HMAC\"");
        assert_eq!(spelled(GrantType::DeviceCode), "\"device_code\"");
        assert_eq!(spelled(ReactorFeatureStatus::Active), "\"ACTIVE\"");
        assert_eq!(spelled(ObjectState::PendingDelete), "\"PendingDelete\"");
        assert_eq!(
            spelled(ProofKeyForCodeExchangePolicy::NotRequiredWhenUsingClientAuthentication),
            "\"NotRequiredWhenUsingClientAuthentication\""
        );
        assert_eq!(
            spelled(AuthorizedUrlValidationPolicy::AllowWildcards),
            "\"AllowWildcards\""
        );
        assert_eq!(
            spelled(OAuthScopeConsentMode::NeverPrompt),
            "\"NeverPrompt\""
        );
        assert_eq!(
            GrantType::AuthorizationCode.to_string(),
            "authorization_code"
        );
    }

    #[test]
    fn unknown_enum_values_are_read_but_never_written() {
        let application: Application = serde_json::from_value(json!({
            "id": "a", "oauthConfiguration": {"relationship": "FourthParty",
            "enabledGrants": ["authorization_code", "telepathy"]}
        }))
        .expect("a newer FusionAuth's values must not break reading");
        let oauth = application.oauth_configuration.expect("present");
        assert_eq!(
            oauth.relationship,
            Some(OAuthApplicationRelationship::Unrecognized)
        );
        assert_eq!(oauth.enabled_grants.as_deref().map(<[_]>::len), Some(2));
        assert!(serde_json::to_string(&OAuthApplicationRelationship::Unrecognized).is_err());
    }

    #[test]
    fn secrets_read_from_fusionauth_stay_out_of_debug_output() {
        let application: Application = serde_json::from_value(json!({
            "id": "a", "oauthConfiguration": {"clientId": "a", "clientSecret": "s3cr3t-client"}
        }))
        .expect("decodes");
        let key: Key = serde_json::from_value(json!({
            "id": "k", "algorithm": "HS256", "secret": "s3cr3t-hmac", "privateKey": "s3cr3t-pem"
        }))
        .expect("decodes");
        let token: TokenResponse = serde_json::from_value(json!({
            "access_token": "s3cr3t-at", "refresh_token": "s3cr3t-rt", "id_token": "s3cr3t-id",
            "token_type": "Bearer", "userId": "u"
        }))
        .expect("decodes");
        let shown = format!("{application:?} {key:?} {token:?}");
        assert!(!shown.contains("s3cr3t"), "{shown}");
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

    #[test]
    fn reactor_status_decides_paid_features() {
        let status: ReactorStatus = serde_json::from_value(json!({
            "licensed": true, "advancedOAuthScopesCustomScopes": "ACTIVE",
            "advancedOAuthScopesThirdPartyApplications": "DISABLED", "webAuthn": "ACTIVE"
        }))
        .expect("decodes");
        assert!(status.allows_custom_scopes());
        assert!(!status.allows_third_party_applications());
        assert!(!ReactorStatus::default().allows_custom_scopes());
    }

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
