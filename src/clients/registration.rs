//! Registering MCP clients as FusionAuth applications: one application per client, with exactly
//! the redirect URIs that client uses, bound to this MCP server as a resource (RFC 8707), PKCE
//! required and no secret for loopback and native clients (a confidential client, claude.ai's
//! connector, gets a secret instead; see `confidential.rs`). Registering is idempotent by name.
//! Paid features (consent screens, custom scopes) are used when the license allows them and
//! left out otherwise, so the same command works on a free instance.

use std::fmt;

use serde_json::{Map, Value, json};

use super::confidential::{License, client_policies};
use super::kind::ClientKind;
use super::redirect::RedirectUri;
use crate::fusionauth::{
    Application, ApplicationOAuthScope, AuthorizedUrlValidationPolicy, FusionAuthClient,
    FusionAuthError, GrantType, LoginRecordSearchCriteria, OAuthApplicationRelationship,
    OAuthConfiguration, OAuthScopeHandlingPolicy, Secret, UnknownScopePolicy, UserRegistration,
};

/// The custom scope that guards the `get_name` tool on licensed instances.
pub const GET_NAME_SCOPE: &str = "get_name";

/// Where our marker lives in `application.data`: it tells our applications from the user's own.
const DATA_KEY: &str = "mcpFa";

/// A client's name: what the user calls it and what `clients remove` takes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ClientName(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "'{0}' is not a usable client name: use 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit (e.g. cursor-work)"
)]
pub struct ClientNameError(String);

impl ClientName {
    pub fn parse(raw: &str) -> Result<ClientName, ClientNameError> {
        let ok = (1..=64).contains(&raw.len())
            && raw
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphanumeric())
            && raw
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
        if ok {
            Ok(ClientName(raw.to_string()))
        } else {
            Err(ClientNameError(raw.to_string()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ClientName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What to register.
#[derive(Debug, Clone)]
pub struct RegistrationRequest {
    pub name: ClientName,
    pub kind: ClientKind,
    /// The callback port for kinds that take one; `None` uses the kind's pinned default.
    pub port: Option<u16>,
    /// Extra redirect URIs (for `custom`, the only ones).
    pub extra_redirect_uris: Vec<RedirectUri>,
    /// The MCP server's canonical URL: the resource tokens must be issued for.
    pub resource: String,
    /// The user to register to the application, so their tokens carry `applicationId`.
    pub user_id: Option<String>,
}

/// A client as registered in FusionAuth.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RegisteredClient {
    pub name: String,
    pub kind: ClientKind,
    pub client_id: String,
    pub redirect_uris: Vec<String>,
    pub resources: Vec<String>,
    /// ThirdParty (consent screen) on licensed instances, FirstParty otherwise.
    pub third_party: bool,
    pub scopes: Vec<String>,
    pub port: Option<u16>,
    /// False when the name was already registered and nothing was created.
    pub created: bool,
    /// Epoch milliseconds of the newest login, when asked for.
    pub last_login: Option<i64>,
    pub created_at: Option<i64>,
    /// A confidential client's secret: only right after it was created, or when asked for
    /// (`clients config --show-secrets`). Never serialized with the rest: whoever shows it
    /// does so on purpose.
    #[serde(skip)]
    pub client_secret: Option<Secret>,
}

impl serde::Serialize for ClientKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RegistrationError {
    #[error(transparent)]
    FusionAuth(#[from] FusionAuthError),
    #[error(
        "a client named '{name}' is already registered as {existing}; pick another --name or remove it first with `mcp-fa clients remove {name}`"
    )]
    NameTaken { name: String, existing: ClientKind },
    #[error(
        "no MCP client named or with the id '{0}' is registered; `mcp-fa clients list` shows them"
    )]
    NotFound(String),
    #[error("a custom client needs at least one --redirect-uri (the exact callback URL it uses)")]
    NoRedirectUris,
    #[error("{kind} does not take --port: its redirect URIs are fixed by the client")]
    PortNotApplicable { kind: ClientKind },
    #[error(
        "claude.ai's connector reaches the MCP server from Anthropic's cloud, not from this \
         machine, so the server must be at a public https:// URL, and {resource} is not one. \
         Serve it behind HTTPS where the internet reaches it (e.g. `mcp-fa serve --issuer \
         ISSUER --public-url https://mcp.example.com` behind a TLS proxy), then register the \
         connector with that URL: --public-url https://mcp.example.com (or mcp.public-url in \
         mcp-fa.yaml)"
    )]
    ConnectorNeedsHttps { resource: String },
}

/// Registers, lists and removes MCP clients in one FusionAuth.
pub struct ClientRegistrar<'a> {
    fusionauth: &'a FusionAuthClient,
}

impl<'a> ClientRegistrar<'a> {
    pub fn new(fusionauth: &'a FusionAuthClient) -> Self {
        ClientRegistrar { fusionauth }
    }

    /// Registers a client, or returns the existing registration of that name unchanged.
    pub async fn add(
        &self,
        request: &RegistrationRequest,
    ) -> Result<RegisteredClient, RegistrationError> {
        if request.port.is_some() && !request.kind.takes_port() {
            return Err(RegistrationError::PortNotApplicable { kind: request.kind });
        }
        if request.kind == ClientKind::ClaudeConnector && !request.resource.starts_with("https://")
        {
            return Err(RegistrationError::ConnectorNeedsHttps {
                resource: request.resource.clone(),
            });
        }
        let mut redirect_uris: Vec<String> = request
            .kind
            .redirect_uris(request.port)
            .into_iter()
            .chain(request.extra_redirect_uris.iter().cloned())
            .map(|u| u.to_string())
            .collect();
        redirect_uris.dedup();
        if redirect_uris.is_empty() {
            return Err(RegistrationError::NoRedirectUris);
        }
        if let Some(existing) = self.find(request.name.as_str()).await? {
            if existing.kind != request.kind {
                return Err(RegistrationError::NameTaken {
                    name: request.name.to_string(),
                    existing: existing.kind,
                });
            }
            return Ok(existing);
        }
        let license = License::read(self.fusionauth).await?;
        let port = request.port.or(request.kind.default_port());
        let mut application = client_application(
            request.name.as_str(),
            request.kind,
            port,
            redirect_uris,
            &request.resource,
            license.third_party(),
        );
        let created = match self.fusionauth.create_application(None, &application).await {
            // A license nobody could read (a tenant-limited key) turned out not to allow
            // consent screens: the same client without one.
            Err(error) if license.refused(&error) => {
                if let Some(oauth) = application.oauth_configuration.as_mut() {
                    oauth.relationship = Some(OAuthApplicationRelationship::FirstParty);
                }
                self.fusionauth
                    .create_application(None, &application)
                    .await?
            }
            created => created?,
        };
        let client_id = created.id.clone().unwrap_or_default();
        let client_secret = created
            .oauth_configuration
            .as_ref()
            .and_then(|oauth| oauth.client_secret.clone())
            .filter(|_| request.kind.is_confidential());
        if license.custom_scopes() {
            match self
                .fusionauth
                .create_scope(&client_id, None, &get_name_scope())
                .await
            {
                Err(error) if license.refused(&error) => {}
                created => {
                    created?;
                }
            }
        }
        if let Some(user_id) = &request.user_id {
            let registration = UserRegistration {
                application_id: Some(client_id.clone()),
                ..UserRegistration::default()
            };
            match self.fusionauth.register_user(user_id, &registration).await {
                Ok(_) => {}
                Err(e) if e.has_code_prefix("[duplicate]") => {}
                Err(e) => return Err(e.into()),
            }
        }
        let mut client = describe(&self.fusionauth.get_application(&client_id).await?)
            .ok_or(RegistrationError::NotFound(client_id))?;
        client.created = true;
        client.client_secret = client_secret;
        Ok(client)
    }

    /// A confidential client's secret, as FusionAuth keeps it (API-key calls may read it);
    /// `None` for public clients.
    pub async fn secret_of(
        &self,
        client: &RegisteredClient,
    ) -> Result<Option<Secret>, RegistrationError> {
        if !client.kind.is_confidential() {
            return Ok(None);
        }
        let application = self.fusionauth.get_application(&client.client_id).await?;
        Ok(application
            .oauth_configuration
            .and_then(|oauth| oauth.client_secret))
    }

    /// Every MCP client mcp-fa registered (active ones), oldest first.
    pub async fn list(&self) -> Result<Vec<RegisteredClient>, RegistrationError> {
        let mut clients: Vec<RegisteredClient> = self
            .fusionauth
            .list_applications(false)
            .await?
            .iter()
            .filter_map(describe)
            .collect();
        clients.sort_by_key(|c| c.created_at);
        Ok(clients)
    }

    /// The same, each with the time of its newest login (one login-record search per client).
    pub async fn list_with_last_login(&self) -> Result<Vec<RegisteredClient>, RegistrationError> {
        let mut clients = self.list().await?;
        for client in &mut clients {
            client.last_login = self.last_login(&client.client_id, None).await?;
        }
        Ok(clients)
    }

    async fn last_login(
        &self,
        client_id: &str,
        since: Option<i64>,
    ) -> Result<Option<i64>, RegistrationError> {
        let found = self
            .fusionauth
            .search_login_records(&LoginRecordSearchCriteria {
                application_id: Some(client_id.to_string()),
                start: since,
                number_of_results: Some(1),
                ..LoginRecordSearchCriteria::default()
            })
            .await?;
        Ok(found.logins.iter().map(|l| l.instant).max())
    }

    /// A client by name or client id.
    pub async fn find(
        &self,
        name_or_id: &str,
    ) -> Result<Option<RegisteredClient>, RegistrationError> {
        Ok(self
            .list()
            .await?
            .into_iter()
            .find(|c| c.name == name_or_id || c.client_id == name_or_id))
    }

    /// Hard-deletes the client's application: its id stops working at once.
    pub async fn remove(&self, name_or_id: &str) -> Result<RegisteredClient, RegistrationError> {
        let client = self
            .find(name_or_id)
            .await?
            .ok_or_else(|| RegistrationError::NotFound(name_or_id.to_string()))?;
        self.fusionauth
            .delete_application(&client.client_id, true)
            .await?;
        Ok(client)
    }

    /// Removes clients created before `now - unused_for_millis` that nobody has logged in with
    /// since then. Returns what was removed.
    pub async fn prune(
        &self,
        unused_for_millis: i64,
        now_millis: i64,
    ) -> Result<Vec<RegisteredClient>, RegistrationError> {
        let cutoff = now_millis - unused_for_millis;
        let mut removed = Vec::new();
        for client in self.list().await? {
            if client.created_at.is_some_and(|t| t > cutoff) {
                continue;
            }
            if self
                .last_login(&client.client_id, Some(cutoff))
                .await?
                .is_some()
            {
                continue;
            }
            self.fusionauth
                .delete_application(&client.client_id, true)
                .await?;
            removed.push(client);
        }
        Ok(removed)
    }
}

/// The application FusionAuth needs for one MCP client: exactly its redirect URIs, bound to
/// `resource` (RFC 8707), PKCE required and no secret, refresh tokens, strict scopes, and our
/// marker. What [`ClientRegistrar::add`] creates, and what an exported kickstart creates.
pub fn client_application(
    name: &str,
    kind: ClientKind,
    port: Option<u16>,
    redirect_uris: Vec<String>,
    resource: &str,
    third_party: bool,
) -> Application {
    let (client_authentication, pkce) = client_policies(kind);
    Application {
        name: Some(format!("{name} (MCP client)")),
        oauth_configuration: Some(OAuthConfiguration {
            authorized_redirect_urls: Some(redirect_uris),
            authorized_url_validation_policy: Some(AuthorizedUrlValidationPolicy::ExactMatch),
            authorized_resource_uris: Some(vec![resource.to_owned()]),
            client_authentication_policy: Some(client_authentication),
            proof_key_for_code_exchange_policy: Some(pkce),
            enabled_grants: Some(vec![GrantType::AuthorizationCode, GrantType::RefreshToken]),
            generate_refresh_tokens: Some(true),
            scope_handling_policy: Some(OAuthScopeHandlingPolicy::Strict),
            unknown_scope_policy: Some(UnknownScopePolicy::Reject),
            relationship: Some(if third_party {
                OAuthApplicationRelationship::ThirdParty
            } else {
                OAuthApplicationRelationship::FirstParty
            }),
            ..OAuthConfiguration::default()
        }),
        data: Some(marker(name, kind, port)),
        ..Application::default()
    }
}

/// The custom `get_name` scope a licensed instance puts on each client application.
pub fn get_name_scope() -> ApplicationOAuthScope {
    ApplicationOAuthScope {
        name: Some(GET_NAME_SCOPE.into()),
        description: Some("Lets the MCP server's get_name tool read your name".into()),
        default_consent_message: Some("Read your name".into()),
        default_consent_detail: Some(
            "The MCP server greets you by the name in your FusionAuth profile.".into(),
        ),
        required: Some(false),
        ..ApplicationOAuthScope::default()
    }
}

fn marker(name: &str, kind: ClientKind, port: Option<u16>) -> Map<String, Value> {
    let mut data = Map::new();
    let mut ours = json!({"clientName": name, "kind": kind.as_str()});
    if let Some(port) = port {
        ours["port"] = json!(port);
    }
    data.insert(DATA_KEY.into(), ours);
    data
}

/// Reads our marker back; `None` for applications mcp-fa did not create.
fn describe(app: &Application) -> Option<RegisteredClient> {
    let ours = app.data.as_ref()?.get(DATA_KEY)?;
    let kind: ClientKind = ours["kind"].as_str()?.parse().ok()?;
    let oauth = app.oauth_configuration.clone().unwrap_or_default();
    Some(RegisteredClient {
        name: ours["clientName"].as_str()?.to_string(),
        kind,
        client_id: app.id.clone()?,
        redirect_uris: oauth.authorized_redirect_urls.unwrap_or_default(),
        resources: oauth.authorized_resource_uris.unwrap_or_default(),
        third_party: oauth.relationship == Some(OAuthApplicationRelationship::ThirdParty),
        scopes: app
            .scopes
            .iter()
            .flatten()
            .filter_map(|s| s.name.clone())
            .collect(),
        port: ours["port"].as_u64().and_then(|p| u16::try_from(p).ok()),
        created: false,
        last_login: None,
        created_at: app.insert_instant,
        client_secret: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_short_and_plain() {
        assert!(ClientName::parse("cursor-work").is_ok());
        assert!(ClientName::parse("claude.code_2").is_ok());
        for bad in ["", "-x", "has space", "a/b", &"x".repeat(65)] {
            let err = ClientName::parse(bad).unwrap_err().to_string();
            assert!(err.contains("letters, digits"), "{err}");
        }
    }
}
