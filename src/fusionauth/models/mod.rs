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
//!
//! One file per family of objects: `applications` (applications, their OAuth configuration and
//! scopes), `tenants` (tenants, signing keys, the license), `users` (users, registrations, login
//! records), `oauth` (discovery, keys, tokens, claims, userinfo) and `envelope` (the
//! `*Request`/`*Response` wrappers the client sends and reads).

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

mod applications;
pub(super) mod envelope;
mod oauth;
mod tenants;
mod users;

pub use applications::{
    Application, ApplicationOAuthScope, ApplicationRole, AuthorizedUrlValidationPolicy,
    ClientAuthenticationPolicy, GrantType, OAuthApplicationRelationship, OAuthConfiguration,
    OAuthScopeConsentMode, OAuthScopeHandlingPolicy, ProofKeyForCodeExchangePolicy,
    UnknownScopePolicy,
};
pub use oauth::{Audience, Jwk, Jwks, JwtClaims, OpenIdConfiguration, TokenResponse, UserInfo};
pub use tenants::{
    JwtConfiguration, Key, KeyAlgorithm, KeyType, ObjectState, ReactorFeatureStatus, ReactorStatus,
    Tenant,
};
pub use users::{
    LoginRecord, LoginRecordSearchCriteria, LoginRecordSearchResponse, User, UserRegistration,
};

#[cfg(test)]
mod tests {
    use serde::Serialize;
    use serde_json::json;

    use super::*;

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
}
