//! Talking to FusionAuth's HTTP API, typed: the requests mcp-fa makes, the objects it reads and
//! writes (spelled exactly as FusionAuth spells them), and FusionAuth's answers turned into
//! [`FusionAuthError`]s a caller can act on.
//!
//! This module must not print, touch Docker, or know about MCP clients: callers above it decide
//! what an application is for and what the user is told. It never puts an API key, a token or a
//! license id into an error or `Debug` output.

mod admin;
mod client;
mod error;
mod login;
mod models;
mod readiness;
mod secret;

pub use admin::Access;
pub use client::{FusionAuthClient, Timeouts};
pub use error::{ApiError, ApiErrors, FusionAuthError, TransportKind};
pub use login::{LoginError, LoginRequest, Tokens, html};
pub use models::{
    Application, ApplicationOAuthScope, ApplicationRole, Audience, AuthorizedUrlValidationPolicy,
    ClientAuthenticationPolicy, GrantType, Jwk, Jwks, JwtClaims, JwtConfiguration, Key,
    KeyAlgorithm, KeyType, LoginRecord, LoginRecordSearchCriteria, LoginRecordSearchResponse,
    OAuthApplicationRelationship, OAuthConfiguration, OAuthScopeConsentMode,
    OAuthScopeHandlingPolicy, ObjectState, OpenIdConfiguration, ProofKeyForCodeExchangePolicy,
    ReactorFeatureStatus, ReactorStatus, Tenant, TokenResponse, UnknownScopePolicy, User, UserInfo,
    UserRegistration,
};
pub use readiness::Readiness;
pub use secret::Secret;
