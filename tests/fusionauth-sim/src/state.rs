//! The model of one FusionAuth instance, serialisable as a whole so the database role can keep
//! it. Objects that clients read back (tenants, applications, users) are kept as the JSON they
//! were given plus FusionAuth's defaults, so a round trip returns every field a client sent.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::clock::Clock;
use crate::tokens;

/// FusionAuth's own admin application has this fixed id on every instance.
pub const ADMIN_APPLICATION_ID: &str = "3c219e58-ed0e-4b18-ad48-f4f92793ae32";

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct State {
    /// Bumped by every change; the persistence layer saves when it moves.
    pub revision: u64,
    pub default_tenant_id: Uuid,
    pub default_signing_key_id: Uuid,
    pub tenants: BTreeMap<Uuid, Value>,
    pub keys: BTreeMap<Uuid, StoredKey>,
    pub applications: BTreeMap<Uuid, Value>,
    pub users: BTreeMap<Uuid, StoredUser>,
    pub api_keys: Vec<ApiKey>,
    pub license_id: Option<String>,
    pub login_records: Vec<LoginRecord>,
    pub codes: BTreeMap<String, AuthCode>,
    pub refresh_tokens: BTreeMap<String, RefreshGrant>,
    /// SSO sessions by the value of their `fusionauth.sso` cookie: who logged in, so that the
    /// consent step (a request of its own) knows the user.
    #[serde(default)]
    pub sessions: BTreeMap<String, SsoSession>,
    /// Set once kickstart has run (successfully or not): it never runs again on this database.
    pub kickstart_ran: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StoredKey {
    pub id: Uuid,
    pub algorithm: String,
    pub name: String,
    pub length: u32,
    pub kid: String,
    /// `RSA` or `HMAC`.
    pub key_type: String,
    pub secret: Option<String>,
    pub private_pem: Option<String>,
    pub public_pem: Option<String>,
    /// Base64url modulus and exponent, for the JWKS.
    pub n: Option<String>,
    pub e: Option<String>,
    pub insert_instant: i64,
}

impl StoredKey {
    /// What the Key API returns: never the private key or the HMAC secret.
    pub fn to_json(&self) -> Value {
        let mut key = json!({
            "id": self.id,
            "algorithm": self.algorithm,
            "name": self.name,
            "kid": self.kid,
            "type": self.key_type,
            "insertInstant": self.insert_instant,
            "lastUpdateInstant": self.insert_instant,
            "hasPrivateKey": self.private_pem.is_some() || self.secret.is_some(),
        });
        if self.key_type == "RSA" {
            key["length"] = json!(self.length);
        }
        if let Some(public) = &self.public_pem {
            key["publicKey"] = json!(public);
        }
        key
    }

    pub fn is_asymmetric(&self) -> bool {
        self.key_type != "HMAC"
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StoredUser {
    /// The user as FusionAuth returns it (no password), with `registrations`.
    pub user: Value,
    pub password_salt: String,
    pub password_hash: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ApiKey {
    pub id: Uuid,
    pub key: String,
    pub tenant_id: Option<Uuid>,
    pub description: Option<String>,
    pub insert_instant: i64,
    /// Which endpoints the key may call; empty: all of them.
    #[serde(default)]
    pub permissions: crate::tenancy::Permissions,
    /// May create other API keys (`/api/api-key`).
    #[serde(default)]
    pub key_manager: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LoginRecord {
    pub application_id: Option<Uuid>,
    pub application_name: Option<String>,
    pub instant: i64,
    pub ip_address: String,
    pub login_id: String,
    pub user_id: Uuid,
}

/// The validated parameters of one authorization request (read again from every form post, as
/// FusionAuth carries them in hidden fields), with the user once known, up to the code.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AuthRequest {
    pub client_id: Uuid,
    pub redirect_uri: String,
    pub state: Option<String>,
    pub scopes: Vec<String>,
    pub resources: Vec<String>,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
    pub nonce: Option<String>,
    pub user_id: Option<Uuid>,
    pub login_id: Option<String>,
    pub auth_time: Option<i64>,
    pub sid: Option<String>,
}

/// A login, remembered by the browser's `fusionauth.sso` cookie.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SsoSession {
    pub user_id: Uuid,
    pub login_id: String,
    /// Unix seconds.
    pub auth_time: i64,
    /// The session's id, the `sid` of id tokens.
    pub sid: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AuthCode {
    pub request: AuthRequest,
    pub expires_millis: i64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RefreshGrant {
    pub id: Uuid,
    pub client_id: Uuid,
    pub user_id: Uuid,
    pub scopes: Vec<String>,
    pub resources: Vec<String>,
    pub sid: String,
    pub auth_time: i64,
    #[serde(default)]
    pub used_pkce: bool,
    pub expires_millis: i64,
}

impl State {
    /// A brand-new instance: the default tenant, its HMAC "Default signing key", and the
    /// FusionAuth admin application. No API keys and no users, so kickstart may run.
    pub fn fresh(clock: &Clock) -> State {
        let now = clock.now_millis();
        let tenant_id = Uuid::new_v4();
        let key_id = Uuid::new_v4();
        let admin_id: Uuid = ADMIN_APPLICATION_ID.parse().expect("constant uuid");
        let mut keys = BTreeMap::new();
        keys.insert(
            key_id,
            tokens::new_hmac_key(key_id, "Default signing key", now),
        );
        let mut tenants = BTreeMap::new();
        tenants.insert(
            tenant_id,
            json!({
                "id": tenant_id,
                "name": "Default",
                "issuer": "acme.com",
                "state": "Active",
                "insertInstant": now,
                "lastUpdateInstant": now,
                "jwtConfiguration": {
                    "enabled": true,
                    "accessTokenKeyId": key_id,
                    "idTokenKeyId": key_id,
                    "timeToLiveInSeconds": 3600,
                    "refreshTokenTimeToLiveInMinutes": 43200,
                    "refreshTokenExpirationPolicy": "Fixed",
                    "refreshTokenUsagePolicy": "Reusable"
                },
            }),
        );
        let mut applications = BTreeMap::new();
        let mut admin = json!({
            "id": admin_id,
            "name": "FusionAuth",
            "tenantId": tenant_id,
            "active": true,
            "roles": [
                {"id": Uuid::new_v4(), "name": "admin", "isDefault": false, "isSuperRole": true},
                {"id": Uuid::new_v4(), "name": "user_manager", "isDefault": false, "isSuperRole": false}
            ],
            "oauthConfiguration": {
                "authorizedRedirectURLs": ["/admin/login"],
                "enabledGrants": ["authorization_code", "refresh_token"],
            },
        });
        crate::api::applications::apply_defaults(&mut admin, now);
        applications.insert(admin_id, admin);
        State {
            revision: 0,
            default_tenant_id: tenant_id,
            default_signing_key_id: key_id,
            tenants,
            keys,
            applications,
            users: BTreeMap::new(),
            api_keys: Vec::new(),
            license_id: None,
            login_records: Vec::new(),
            codes: BTreeMap::new(),
            refresh_tokens: BTreeMap::new(),
            sessions: BTreeMap::new(),
            kickstart_ran: false,
        }
    }

    /// FusionAuth runs kickstart only on an untouched database: no API keys, no users, no
    /// applications or tenants beyond the ones it creates itself.
    pub fn is_untouched(&self) -> bool {
        !self.kickstart_ran
            && self.api_keys.is_empty()
            && self.users.is_empty()
            && self.tenants.len() == 1
            && self.applications.len() == 1
    }

    pub fn touch(&mut self) {
        self.revision += 1;
    }

    pub fn licensed(&self) -> bool {
        self.license_id.is_some()
    }

    pub fn tenant(&self) -> &Value {
        self.tenants
            .get(&self.default_tenant_id)
            .expect("the default tenant always exists")
    }

    pub fn registration<'a>(&'a self, user_id: &Uuid, app_id: &Uuid) -> Option<&'a Value> {
        let app = app_id.to_string();
        self.users.get(user_id)?.user["registrations"]
            .as_array()?
            .iter()
            .find(|r| r["applicationId"].as_str() == Some(app.as_str()))
    }
}
