//! FusionAuth's OAuth 2.0 / OIDC endpoints: discovery, JWKS, the hosted login and consent pages,
//! token issuance, userinfo and introspection.

pub mod authorize;
pub mod client_auth;
pub mod consent;
pub mod discovery;
pub mod introspect;
pub mod issue;
mod pages;
pub mod token;
pub mod userinfo;

use serde_json::Value;
use uuid::Uuid;

use crate::state::State;

/// Form or query parameters as sent. OAuth parameters may repeat (`resource`), and an empty
/// value counts as absent.
#[derive(Default, Debug)]
pub struct Params {
    pub fields: Vec<(String, String)>,
}

impl Params {
    pub fn parse(raw: &[u8]) -> Params {
        Params {
            fields: url::form_urlencoded::parse(raw).into_owned().collect(),
        }
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }

    pub fn all(&self, name: &str) -> Vec<String> {
        self.fields
            .iter()
            .filter(|(k, v)| k == name && !v.is_empty())
            .map(|(_, v)| v.clone())
            .collect()
    }
}

/// The scopes every application knows without a license.
pub const STANDARD_SCOPES: &[&str] = &[
    "openid",
    "offline_access",
    "profile",
    "email",
    "address",
    "phone",
];

/// An application's OAuth settings, read from its stored JSON (defaults already applied).
pub struct ClientSettings {
    pub id: Uuid,
    pub name: String,
    pub active: bool,
    pub secret: String,
    pub redirect_urls: Vec<String>,
    pub exact_match: bool,
    pub resource_uris: Vec<String>,
    pub client_auth: String,
    pub pkce: String,
    pub grants: Vec<String>,
    pub generate_refresh_tokens: bool,
    pub strict: bool,
    pub unknown_scope_policy: String,
    pub third_party: bool,
    pub custom_scopes: Vec<String>,
}

impl ClientSettings {
    pub fn load(state: &State, client_id: &str) -> Option<ClientSettings> {
        let id: Uuid = client_id.parse().ok()?;
        let app = state.applications.get(&id)?;
        let oauth = &app["oauthConfiguration"];
        let strings = |v: &Value| -> Vec<String> {
            v.as_array()
                .map(|l| {
                    l.iter()
                        .filter_map(|s| s.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default()
        };
        let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
        Some(ClientSettings {
            id,
            name: text(&app["name"]),
            active: app["active"].as_bool().unwrap_or(true),
            secret: text(&oauth["clientSecret"]),
            redirect_urls: strings(&oauth["authorizedRedirectURLs"]),
            exact_match: oauth["authorizedURLValidationPolicy"].as_str() != Some("AllowWildcards"),
            resource_uris: strings(&oauth["authorizedResourceUris"]),
            client_auth: text(&oauth["clientAuthenticationPolicy"]),
            pkce: text(&oauth["proofKeyForCodeExchangePolicy"]),
            grants: strings(&oauth["enabledGrants"]),
            generate_refresh_tokens: oauth["generateRefreshTokens"].as_bool().unwrap_or(false),
            strict: oauth["scopeHandlingPolicy"].as_str() != Some("Compatibility"),
            unknown_scope_policy: text(&oauth["unknownScopePolicy"]),
            third_party: oauth["relationship"].as_str() == Some("ThirdParty"),
            custom_scopes: app["scopes"]
                .as_array()
                .map(|l| {
                    l.iter()
                        .filter_map(|s| s["name"].as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default(),
        })
    }

    /// ExactMatch compares the whole string; AllowWildcards lets `*` stand for any run.
    pub fn redirect_allowed(&self, uri: &str) -> bool {
        self.redirect_urls.iter().any(|allowed| {
            if self.exact_match || !allowed.contains('*') {
                allowed == uri
            } else {
                wildcard(allowed, uri)
            }
        })
    }

    pub fn grant_enabled(&self, grant: &str) -> bool {
        self.grants.iter().any(|g| g == grant)
    }
}

fn wildcard(pattern: &str, text: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or_default();
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    for (i, part) in parts.iter().enumerate() {
        if i == parts.len() - 1 {
            return rest.ends_with(part);
        }
        match rest.find(part) {
            Some(pos) => rest = &rest[pos + part.len()..],
            None => return false,
        }
    }
    rest.is_empty()
}
