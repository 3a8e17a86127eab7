//! The tenant (its issuer and token signing settings), the signing keys in FusionAuth's key
//! master, and what the instance's license allows.

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

use crate::fusionauth::secret::Secret;

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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

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
}
