//! Clients that register themselves (Dynamic Client Registration, RFC 7591): what a registration
//! request may ask for, and the FusionAuth application it becomes. FusionAuth has no registration
//! endpoint (its issue 1125), so the MCP server's registration bridge turns each request into a
//! FusionAuth application through the API; FusionAuth still does every login and issues every
//! token.
//!
//! What a request can never get, whatever it says: a client secret (every client is public, PKCE
//! required; a confidential method asked for is answered with `none`), a grant other than
//! `authorization_code` and `refresh_token`, a scope beyond the MCP server's own (plus
//! `offline_access`), a resource other than the MCP server, or a redirect URI outside
//! [`super::dynamic_redirect`]'s rules. Metadata with equal content gives the same client
//! (idempotent), so a client retrying after a lost answer does not pile up applications.
//!
//! It talks to FusionAuth only through `crate::fusionauth`, and never logs or prints.

use aws_lc_rs::digest;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use super::confidential::License;
use super::dynamic_redirect::{self, AcceptedRedirect, RedirectRefusal};
use super::kind::ClientKind;
use super::registration::{
    RegisteredClient, SelfRegistered, client_application, create_client_application, describe,
    equip, marker,
};
use crate::fusionauth::{AuthorizedUrlValidationPolicy, FusionAuthClient, FusionAuthError};

/// At most this many redirect URIs per registration (VS Code sends four).
pub const MAX_REDIRECT_URIS: usize = 10;
/// Free-text fields (`client_name`, `software_id`, `software_version`) longer than this are
/// refused: they end up on FusionAuth's consent screen and in its admin UI.
pub const MAX_TEXT_LENGTH: usize = 100;
/// Added to every self-registered client's name on FusionAuth's consent screen, so a client
/// calling itself "Claude Code" is still shown as one nobody vouched for.
pub const NAME_SUFFIX: &str = "self-registered";

/// The grants a self-registered client gets, whatever it asks for.
const GRANTS: [&str; 2] = ["authorization_code", "refresh_token"];

/// RFC 7591 §2 client metadata as received. Unknown members are ignored (RFC 7591 §3.1);
/// `logo_uri`, `client_uri` and the like are never stored, so FusionAuth's pages cannot show
/// what a stranger chose.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ClientMetadata {
    pub redirect_uris: Option<Vec<String>>,
    pub token_endpoint_auth_method: Option<String>,
    pub grant_types: Option<Vec<String>>,
    pub response_types: Option<Vec<String>>,
    pub client_name: Option<String>,
    pub scope: Option<String>,
    pub software_id: Option<String>,
    pub software_version: Option<String>,
    pub application_type: Option<String>,
}

/// What this MCP server lets a registration have.
#[derive(Debug, Clone)]
pub struct RegistrationPolicy {
    /// The MCP server's canonical URL: the only resource its clients' tokens are for.
    pub resource: String,
    /// The scopes the server asks for; with `offline_access`, all a registration may name.
    pub scopes: Vec<String>,
}

impl RegistrationPolicy {
    /// The scopes a registration may name: the server's own and `offline_access`.
    pub fn allowed_scopes(&self) -> Vec<String> {
        let mut allowed = self.scopes.clone();
        if !allowed.iter().any(|s| s == "offline_access") {
            allowed.push("offline_access".to_owned());
        }
        allowed
    }
}

/// A registration request the bridge will carry out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelfRegistration {
    pub client_name: String,
    pub software_id: Option<String>,
    pub software_version: Option<String>,
    pub redirects: Vec<AcceptedRedirect>,
    /// Granted: the requested scopes the server allows, or the server's own when none asked.
    pub scope: Vec<String>,
    pub application_type: Option<String>,
    /// A confidential method the client asked for and was answered `none` instead.
    pub replaced_auth_method: Option<String>,
    pub fingerprint: String,
}

/// Why a registration is refused: RFC 7591 §3.2.2's `error` and a description for people.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{error}: {description}")]
pub struct RegistrationRefusal {
    /// `invalid_redirect_uri` or `invalid_client_metadata`.
    pub error: &'static str,
    pub description: String,
}

impl RegistrationRefusal {
    fn metadata(description: impl Into<String>) -> Self {
        Self {
            error: "invalid_client_metadata",
            description: description.into(),
        }
    }
}

impl From<RedirectRefusal> for RegistrationRefusal {
    fn from(refusal: RedirectRefusal) -> Self {
        Self {
            error: "invalid_redirect_uri",
            description: refusal.to_string(),
        }
    }
}

impl SelfRegistration {
    /// Checks `metadata` against the rules above; narrows what it may narrow (scopes, the
    /// authentication method) and refuses the rest.
    pub fn check(
        metadata: &ClientMetadata,
        policy: &RegistrationPolicy,
    ) -> Result<SelfRegistration, RegistrationRefusal> {
        let uris = metadata
            .redirect_uris
            .as_deref()
            .filter(|uris| !uris.is_empty())
            .ok_or_else(|| RegistrationRefusal {
                error: "invalid_redirect_uri",
                description: "redirect_uris is required: the URIs your client receives the \
                              login result at"
                    .into(),
            })?;
        if uris.len() > MAX_REDIRECT_URIS {
            return Err(RegistrationRefusal {
                error: "invalid_redirect_uri",
                description: format!(
                    "{} redirect URIs were sent; at most {MAX_REDIRECT_URIS} are accepted",
                    uris.len()
                ),
            });
        }
        let mut redirects: Vec<AcceptedRedirect> = Vec::new();
        for uri in uris {
            let accepted = dynamic_redirect::accept(uri)?;
            if !redirects.iter().any(|r| r.requested == accepted.requested) {
                redirects.push(accepted);
            }
        }
        let grants = metadata
            .grant_types
            .clone()
            .unwrap_or_else(|| vec!["authorization_code".into()]);
        if let Some(other) = grants.iter().find(|g| !GRANTS.contains(&g.as_str())) {
            return Err(RegistrationRefusal::metadata(format!(
                "grant type '{other}' is not offered; clients of this server use \
                 authorization_code (with PKCE) and refresh_token"
            )));
        }
        if !grants.iter().any(|g| g == "authorization_code") {
            return Err(RegistrationRefusal::metadata(
                "grant_types must include authorization_code: it is the only way to log in here",
            ));
        }
        if let Some(types) = &metadata.response_types
            && types.iter().any(|t| t != "code")
        {
            return Err(RegistrationRefusal::metadata(
                "response_types may only be [\"code\"] (authorization code with PKCE)",
            ));
        }
        let replaced_auth_method = metadata
            .token_endpoint_auth_method
            .clone()
            .filter(|method| method != "none");
        let client_name = text_field("client_name", metadata.client_name.as_deref())?
            .unwrap_or_else(|| "an MCP client".to_owned());
        let software_id = text_field("software_id", metadata.software_id.as_deref())?;
        let software_version =
            text_field("software_version", metadata.software_version.as_deref())?;
        let allowed = policy.allowed_scopes();
        let scope: Vec<String> = match metadata.scope.as_deref().map(str::split_whitespace) {
            Some(requested) => {
                let mut granted: Vec<String> = Vec::new();
                for s in requested {
                    if allowed.iter().any(|a| a == s) && !granted.iter().any(|g| g == s) {
                        granted.push(s.to_owned());
                    }
                }
                granted
            }
            None => policy.scopes.clone(),
        };
        let application_type = metadata
            .application_type
            .clone()
            .filter(|t| t == "native" || t == "web");
        let fingerprint = fingerprint(&[
            &client_name,
            software_id.as_deref().unwrap_or(""),
            software_version.as_deref().unwrap_or(""),
            &sorted_joined(redirects.iter().map(|r| r.requested.as_str())),
            &sorted_joined(scope.iter().map(String::as_str)),
            &policy.resource,
        ]);
        Ok(SelfRegistration {
            client_name,
            software_id,
            software_version,
            redirects,
            scope,
            application_type,
            replaced_auth_method,
            fingerprint,
        })
    }

    /// The redirect URLs FusionAuth's application lists.
    pub fn registered_urls(&self) -> Vec<String> {
        let mut urls: Vec<String> = Vec::new();
        for url in self.redirects.iter().flat_map(|r| r.registered.iter()) {
            if !urls.contains(url) {
                urls.push(url.clone());
            }
        }
        urls
    }

    /// The application's name, which FusionAuth's consent screen shows: the name the client
    /// gave, marked as unverified, and where the login result goes, so a stranger calling itself
    /// "Claude" that sends codes to `this computer` is plain to see.
    pub fn application_name(&self) -> String {
        let mut destinations: Vec<&str> = Vec::new();
        for redirect in &self.redirects {
            if !destinations.contains(&redirect.destination.as_str()) {
                destinations.push(&redirect.destination);
            }
        }
        format!(
            "{} ({NAME_SUFFIX}, signs in to {})",
            self.client_name,
            destinations.join(", ")
        )
    }
}

/// A free-text field: trimmed, printable, bounded. `None` when absent or blank.
fn text_field(name: &str, value: Option<&str>) -> Result<Option<String>, RegistrationRefusal> {
    let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    if value.chars().count() > MAX_TEXT_LENGTH {
        return Err(RegistrationRefusal::metadata(format!(
            "{name} is longer than {MAX_TEXT_LENGTH} characters"
        )));
    }
    if value.chars().any(|c| c.is_control() || invisible(c)) {
        return Err(RegistrationRefusal::metadata(format!(
            "{name} contains control or invisible characters"
        )));
    }
    Ok(Some(value.to_owned()))
}

/// Characters that change how the text around them reads without showing themselves: bidi
/// overrides and isolates (a name that renders as another), zero-width ones, the BOM.
fn invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}')
}

fn sorted_joined<'a>(items: impl Iterator<Item = &'a str>) -> String {
    let mut items: Vec<&str> = items.collect();
    items.sort_unstable();
    items.join(" ")
}

/// SHA-256 of the fields, each length-prefixed so no two different lists hash alike.
fn fingerprint(fields: &[&str]) -> String {
    let mut input = Vec::new();
    for field in fields {
        input.extend_from_slice(&(field.len() as u64).to_be_bytes());
        input.extend_from_slice(field.as_bytes());
    }
    URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA256, &input))
}

/// RFC 7591 §3.2.1: what the client is told it registered. No `client_secret` ever.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RegistrationAnswer {
    pub client_id: String,
    /// Seconds since the epoch.
    pub client_id_issued_at: i64,
    pub client_name: String,
    pub redirect_uris: Vec<String>,
    pub grant_types: Vec<String>,
    pub response_types: Vec<String>,
    pub token_endpoint_auth_method: String,
    pub scope: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub software_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub software_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub application_type: Option<String>,
}

/// A registration carried out: the client, and whether this request created it.
#[derive(Debug, Clone)]
pub struct RegistrationOutcome {
    pub client: RegisteredClient,
    pub answer: RegistrationAnswer,
    pub created: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum SelfRegistrationError {
    #[error(transparent)]
    FusionAuth(#[from] FusionAuthError),
    #[error(
        "this server already holds {limit} self-registered clients, its limit; `mcp-fa clients \
         prune` removes the ones nobody has logged in with lately"
    )]
    LimitReached { limit: usize },
}

/// Creates the applications of self-registered clients in one FusionAuth, with an API key that
/// may read and create applications, create their scopes, and register users (nothing else is
/// needed; see the kickstart's restricted key).
pub struct SelfRegistrar {
    fusionauth: FusionAuthClient,
    resource: String,
    user_id: Option<String>,
    limit: usize,
}

impl SelfRegistrar {
    /// `user_id` is registered to every new application (the stack's demo user), so their tokens
    /// carry `applicationId`; `limit` bounds how many self-registered clients may exist.
    pub fn new(
        fusionauth: FusionAuthClient,
        resource: String,
        user_id: Option<String>,
        limit: usize,
    ) -> Self {
        Self {
            fusionauth,
            resource,
            user_id,
            limit,
        }
    }

    /// The existing client with the same metadata, or a new one. Callers serialise calls, so
    /// two equal requests racing each other still make one client.
    pub async fn register(
        &self,
        registration: &SelfRegistration,
        now_millis: i64,
    ) -> Result<RegistrationOutcome, SelfRegistrationError> {
        let ours: Vec<(RegisteredClient, SelfRegistered)> = self
            .fusionauth
            .list_applications(false)
            .await?
            .iter()
            .filter_map(describe)
            .filter_map(|c| c.self_registered.clone().map(|r| (c, r)))
            .collect();
        if let Some((client, kept)) = ours
            .iter()
            .find(|(_, r)| r.fingerprint == registration.fingerprint)
        {
            return Ok(RegistrationOutcome {
                answer: answer(&client.client_id, kept.registered_at, registration),
                client: client.clone(),
                created: false,
            });
        }
        if ours.len() >= self.limit {
            return Err(SelfRegistrationError::LimitReached { limit: self.limit });
        }
        let license = License::read(&self.fusionauth).await?;
        let urls = registration.registered_urls();
        let policy = if urls.iter().any(|u| u.contains('*')) {
            AuthorizedUrlValidationPolicy::AllowWildcards
        } else {
            AuthorizedUrlValidationPolicy::ExactMatch
        };
        let kept = SelfRegistered {
            client_name: registration.client_name.clone(),
            software_id: registration.software_id.clone(),
            software_version: registration.software_version.clone(),
            redirect_uris: registration
                .redirects
                .iter()
                .map(|r| r.requested.clone())
                .collect(),
            scope: registration.scope.join(" "),
            registered_at: now_millis,
            fingerprint: registration.fingerprint.clone(),
        };
        let name = slug(&registration.client_name);
        let mut application = client_application(
            &name,
            ClientKind::Custom,
            None,
            urls,
            &self.resource,
            license.third_party(),
        );
        application.name = Some(registration.application_name());
        if let Some(oauth) = application.oauth_configuration.as_mut() {
            oauth.authorized_url_validation_policy = Some(policy);
        }
        application.data = Some(marker(&name, ClientKind::Custom, None, Some(&kept)));
        let created = create_client_application(&self.fusionauth, &license, application).await?;
        let client = describe(&created).ok_or_else(|| FusionAuthError::NotFound {
            endpoint: "/api/application (the application just created has no mcp-fa marker)".into(),
        })?;
        equip(
            &self.fusionauth,
            &client.client_id,
            &license,
            self.user_id.as_deref(),
        )
        .await?;
        Ok(RegistrationOutcome {
            answer: answer(&client.client_id, now_millis, registration),
            client,
            created: true,
        })
    }
}

fn answer(
    client_id: &str,
    registered_at: i64,
    registration: &SelfRegistration,
) -> RegistrationAnswer {
    RegistrationAnswer {
        client_id: client_id.to_owned(),
        client_id_issued_at: registered_at / 1000,
        client_name: registration.client_name.clone(),
        redirect_uris: registration
            .redirects
            .iter()
            .map(|r| r.requested.clone())
            .collect(),
        grant_types: GRANTS.iter().map(|g| (*g).to_owned()).collect(),
        response_types: vec!["code".into()],
        token_endpoint_auth_method: "none".into(),
        scope: registration.scope.join(" "),
        software_id: registration.software_id.clone(),
        software_version: registration.software_version.clone(),
        application_type: registration.application_type.clone(),
    }
}

/// A name `clients remove` can take: lowercase letters, digits and `-`, at most 40 characters.
fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
        if out.len() >= 40 {
            break;
        }
    }
    let out = out.trim_end_matches('-');
    if out.is_empty() {
        "client".to_owned()
    } else {
        out.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> RegistrationPolicy {
        RegistrationPolicy {
            resource: "http://localhost:8000/mcp".into(),
            scopes: vec!["openid".into(), "profile".into()],
        }
    }

    fn metadata(json: serde_json::Value) -> ClientMetadata {
        serde_json::from_value(json).expect("metadata")
    }

    fn check(json: serde_json::Value) -> Result<SelfRegistration, RegistrationRefusal> {
        SelfRegistration::check(&metadata(json), &policy())
    }

    #[test]
    fn a_typical_native_client_registers_as_a_public_pkce_client() {
        let registration = check(serde_json::json!({
            "client_name": "Claude Code (mcp-fa)",
            "redirect_uris": ["http://localhost:3335/callback", "http://127.0.0.1:3335/callback"],
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
            "token_endpoint_auth_method": "none",
            "scope": "openid profile",
            "software_id": "claude-code",
            "software_version": "2.1.0",
            "logo_uri": "https://evil.example/logo.png",
        }))
        .expect("accepted");
        assert_eq!(
            registration.registered_urls(),
            ["http://localhost:*/callback", "http://127.0.0.1:*/callback"]
        );
        assert_eq!(registration.scope, ["openid", "profile"]);
        assert_eq!(registration.replaced_auth_method, None);
        assert_eq!(
            registration.application_name(),
            "Claude Code (mcp-fa) (self-registered, signs in to this computer)"
        );
        let answer = answer("id", 1_700_000_000_123, &registration);
        assert_eq!(answer.client_id_issued_at, 1_700_000_000);
        assert_eq!(answer.token_endpoint_auth_method, "none");
        assert_eq!(answer.grant_types, ["authorization_code", "refresh_token"]);
        let json = serde_json::to_value(&answer).expect("json");
        assert!(json.get("client_secret").is_none(), "{json}");
        assert_eq!(json["redirect_uris"][1], "http://127.0.0.1:3335/callback");
    }

    #[test]
    fn what_cannot_be_widened_is_narrowed_or_refused() {
        // Scopes beyond the server's are dropped (RFC 7591 §2 lets the server replace them).
        let narrowed = check(serde_json::json!({
            "redirect_uris": ["http://localhost:1/cb"],
            "scope": "openid profile email admin offline_access profile",
        }))
        .expect("accepted");
        assert_eq!(narrowed.scope, ["openid", "profile", "offline_access"]);
        // A confidential method is answered with `none`: no secret is ever issued.
        let public = check(serde_json::json!({
            "redirect_uris": ["http://localhost:1/cb"],
            "token_endpoint_auth_method": "client_secret_post",
        }))
        .expect("accepted");
        assert_eq!(
            public.replaced_auth_method.as_deref(),
            Some("client_secret_post")
        );
        assert_eq!(answer("id", 0, &public).token_endpoint_auth_method, "none");
        // Without a scope, the server's own.
        let default = check(serde_json::json!({"redirect_uris": ["http://localhost:1/cb"]}))
            .expect("accepted");
        assert_eq!(default.scope, ["openid", "profile"]);
        assert_eq!(default.client_name, "an MCP client");

        for (json, error, words) in [
            (
                serde_json::json!({}),
                "invalid_redirect_uri",
                "redirect_uris is required",
            ),
            (
                serde_json::json!({"redirect_uris": []}),
                "invalid_redirect_uri",
                "redirect_uris is required",
            ),
            (
                serde_json::json!({"redirect_uris": ["http://evil.example/cb"]}),
                "invalid_redirect_uri",
                "plain http to another machine",
            ),
            (
                serde_json::json!({"redirect_uris": (0..11).map(|p| format!("http://localhost:{}/cb", p + 1)).collect::<Vec<_>>()}),
                "invalid_redirect_uri",
                "at most 10",
            ),
            (
                serde_json::json!({"redirect_uris": ["http://localhost:1/cb"], "grant_types": ["client_credentials"]}),
                "invalid_client_metadata",
                "'client_credentials' is not offered",
            ),
            (
                serde_json::json!({"redirect_uris": ["http://localhost:1/cb"], "grant_types": ["refresh_token"]}),
                "invalid_client_metadata",
                "must include authorization_code",
            ),
            (
                serde_json::json!({"redirect_uris": ["http://localhost:1/cb"], "response_types": ["token"]}),
                "invalid_client_metadata",
                "response_types",
            ),
            (
                serde_json::json!({"redirect_uris": ["http://localhost:1/cb"], "client_name": "x".repeat(101)}),
                "invalid_client_metadata",
                "longer than 100",
            ),
            (
                serde_json::json!({"redirect_uris": ["http://localhost:1/cb"], "client_name": "Claude\u{202e}edoC"}),
                "invalid_client_metadata",
                "control or invisible characters",
            ),
        ] {
            let refusal = check(json.clone()).expect_err(&json.to_string());
            assert_eq!(refusal.error, error, "{json}");
            assert!(refusal.description.contains(words), "{json}: {refusal}");
        }
    }

    #[test]
    fn equal_metadata_has_one_fingerprint_and_any_difference_another() {
        let base = serde_json::json!({
            "client_name": "x",
            "redirect_uris": ["http://localhost:1/cb", "cursor://anysphere.cursor-mcp/oauth/callback"],
        });
        let a = check(base.clone()).expect("a");
        let mut reordered = base.clone();
        reordered["redirect_uris"] = serde_json::json!([
            "cursor://anysphere.cursor-mcp/oauth/callback",
            "http://localhost:1/cb"
        ]);
        assert_eq!(a.fingerprint, check(reordered).expect("b").fingerprint);
        for (field, value) in [
            ("client_name", serde_json::json!("y")),
            ("software_version", serde_json::json!("2")),
            (
                "redirect_uris",
                serde_json::json!(["http://localhost:2/cb"]),
            ),
            ("scope", serde_json::json!("openid")),
        ] {
            let mut other = base.clone();
            other[field] = value;
            assert_ne!(
                a.fingerprint,
                check(other).expect("c").fingerprint,
                "{field}"
            );
        }
    }

    #[test]
    fn slugs_are_usable_client_names() {
        assert_eq!(slug("Claude Code (mcp-fa)"), "claude-code-mcp-fa");
        assert_eq!(slug("  ??  "), "client");
        assert_eq!(slug(&"ab".repeat(50)).len(), 40);
        assert!(super::super::ClientName::parse(&slug("Visual Studio Code")).is_ok());
    }
}
