//! The MCP clients of one site: registered in its FusionAuth (as its administrator), and
//! configured for this user. For a stack `mcp-fa up` started, every change to FusionAuth is
//! followed by the state file's list being brought in step with what FusionAuth holds; a remote
//! project keeps no list (its FusionAuth is the only record).
//!
//! It must not ask or print: the command layer decides what to confirm and shows the results.

use std::path::PathBuf;

use super::confidential::answers_from_here;
use super::config_file::{ConfigChange, ConfigFileError, merge_server_entry};
use super::kind::ClientKind;
use super::redirect::{RedirectUri, RedirectUriError};
use super::registration::{
    ClientName, ClientNameError, ClientRegistrar, RegisteredClient, RegistrationError,
    RegistrationRequest,
};
use super::snippet::{ConfigSnippet, SnippetContext};
use crate::fusionauth::{FusionAuthClient, FusionAuthError, Timeouts};
use crate::project::ProjectName;
use crate::site::{Origin, Site, SiteError};
use crate::state::{self, StackState, StateError, StateStore};

#[derive(Debug, thiserror::Error)]
pub enum ClientsError {
    #[error(
        "no stack named '{project}' is known here; start one with `mcp-fa up{}`",
        .project.flag()
    )]
    NoStack { project: ProjectName },
    #[error(transparent)]
    State(#[from] StateError),
    #[error(transparent)]
    Registration(#[from] RegistrationError),
    #[error(transparent)]
    FusionAuth(#[from] FusionAuthError),
    #[error(transparent)]
    ConfigFile(#[from] ConfigFileError),
    #[error(transparent)]
    Name(#[from] ClientNameError),
    #[error(transparent)]
    RedirectUri(#[from] RedirectUriError),
    #[error("{kind} has no configuration file to write; follow the printed instructions instead")]
    NothingToWrite { kind: ClientKind },
    #[error(transparent)]
    Site(#[from] SiteError),
    #[error(
        "FusionAuth does not answer at {url}: check the URL (--fusionauth-url, or fusionauth.url \
         in mcp-fa.yaml) and that it is reachable from here; `mcp-fa doctor` checks the whole setup"
    )]
    RemoteUnreachable { url: String },
    #[error(
        "FusionAuth at {url} refused the API key from ${var} ({endpoint} answered 401): a wrong \
         key, one limited to another tenant, or one without that permission. `mcp-fa doctor` \
         says which endpoints the key may call"
    )]
    KeyRefused {
        url: String,
        var: String,
        endpoint: String,
    },
    #[error(
        "FusionAuth at {url} has several tenants and this request names none: pass --tenant-id \
         (or set fusionauth.tenant-id in mcp-fa.yaml), or use an API key limited to that tenant"
    )]
    TenantRequired { url: String },
    #[error(
        "pruning needs FusionAuth's login records (GET /api/system/login-record/search), a \
         global endpoint this API key may not call (a key limited to a tenant never can): use a \
         global key with that permission, or remove clients by name with `mcp-fa clients remove`"
    )]
    LoginRecordsUnreadable,
    #[error(
        "the FusionAuth of project `{project}` does not answer at {url}: is the stack running? \
         `mcp-fa status{}` shows what runs, `mcp-fa up{}` starts it",
        .project.flag(), .project.flag()
    )]
    Unreachable { project: ProjectName, url: String },
    #[error(
        "no MCP client named or with the id '{name}' is registered in project `{project}`; \
         `mcp-fa clients list{}` shows them",
        .project.flag()
    )]
    NotFound { name: String, project: ProjectName },
    #[error(
        "a client named '{name}' is already registered as {existing}; pick another --name or \
         remove it first with `mcp-fa clients remove {name}{}`",
        .project.flag()
    )]
    NameTaken {
        name: String,
        existing: ClientKind,
        project: ProjectName,
    },
}

impl ClientsError {
    pub fn code(&self) -> &'static str {
        match self {
            ClientsError::NoStack { .. } => "NOT_RUNNING",
            ClientsError::State(error) => error.code(),
            ClientsError::Registration(RegistrationError::NotFound(_))
            | ClientsError::NotFound { .. } => "CLIENT_NOT_FOUND",
            ClientsError::Registration(RegistrationError::NameTaken { .. })
            | ClientsError::NameTaken { .. } => "CLIENT_NAME_TAKEN",
            ClientsError::Registration(RegistrationError::ConnectorNeedsHttps { .. }) => {
                "CONNECTOR_NEEDS_HTTPS"
            }
            ClientsError::Registration(_) | ClientsError::FusionAuth(_) => "FUSIONAUTH_ERROR",
            ClientsError::Unreachable { .. } => "NOT_RUNNING",
            ClientsError::Site(error) => error.code(),
            ClientsError::RemoteUnreachable { .. } => "FUSIONAUTH_UNREACHABLE",
            ClientsError::KeyRefused { .. } => "API_KEY_REFUSED",
            ClientsError::TenantRequired { .. } => "TENANT_REQUIRED",
            ClientsError::LoginRecordsUnreadable => "FUSIONAUTH_ERROR",
            ClientsError::ConfigFile(_) => "CONFIG_FILE_REFUSED",
            ClientsError::Name(_)
            | ClientsError::RedirectUri(_)
            | ClientsError::NothingToWrite { .. } => "INVALID_INPUT",
        }
    }
}

/// What `clients add` registers.
#[derive(Debug, Clone)]
pub struct AddClient {
    pub kind: ClientKind,
    pub name: ClientName,
    /// The callback port, for kinds that take one.
    pub port: Option<u16>,
    /// Exact redirect URIs (required for `custom`).
    pub redirect_uris: Vec<RedirectUri>,
}

/// A client registered, with the configuration it needs.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ClientSetup {
    pub client: RegisteredClient,
    pub config: ConfigSnippet,
}

/// One site's clients: its FusionAuth as administrator, and, for a stack, its state file.
pub struct StackClients {
    site: Site,
    /// A stack's state and where it is kept; a remote project keeps no list of its own.
    record: Option<(StateStore, StackState)>,
    fusionauth: FusionAuthClient,
    logins_unreadable: bool,
}

impl StackClients {
    /// The clients of the stack `project`, whose state file must exist.
    pub fn load(project: &ProjectName) -> Result<Self, ClientsError> {
        let store = StateStore::from_env()?;
        let state = store.load(project)?.ok_or_else(|| ClientsError::NoStack {
            project: project.clone(),
        })?;
        Self::new(store, state)
    }

    pub fn new(store: StateStore, state: StackState) -> Result<Self, ClientsError> {
        let site = Site::from_stack(&state)?;
        let fusionauth = state.admin_client(Timeouts::default())?;
        Ok(Self {
            site,
            record: Some((store, state)),
            fusionauth,
            logins_unreadable: false,
        })
    }

    /// The clients of any site; a stack's through [`Self::load`] keeps its state file in step,
    /// this one keeps nothing (for a remote project, FusionAuth is the only record).
    pub fn for_site(site: Site) -> Result<Self, ClientsError> {
        let fusionauth = site.admin_client(Timeouts::default())?;
        Ok(Self {
            site,
            record: None,
            fusionauth,
            logins_unreadable: false,
        })
    }

    pub fn site(&self) -> &Site {
        &self.site
    }

    /// Whether the last [`Self::list`] could not read login records (a key that may not call
    /// FusionAuth's global login-record search): the clients came without their last login.
    pub fn logins_unreadable(&self) -> bool {
        self.logins_unreadable
    }

    /// FusionAuth's answer, in the words of this site: unreachable means the stack is not
    /// running (or the remote URL is wrong), and names come with the project they were looked
    /// for in.
    fn explain(&self, error: impl Into<RegistrationError>) -> ClientsError {
        let project = self.site.project.clone();
        let url = self
            .site
            .fusionauth_url
            .as_str()
            .trim_end_matches('/')
            .to_owned();
        match (error.into(), &self.site.origin) {
            (RegistrationError::FusionAuth(error), Origin::Stack { .. })
                if error.is_unreachable() =>
            {
                ClientsError::Unreachable { project, url }
            }
            (RegistrationError::FusionAuth(error), Origin::Remote { api_key_env }) => match error {
                error if error.is_unreachable() => ClientsError::RemoteUnreachable { url },
                FusionAuthError::Unauthorized { endpoint } => ClientsError::KeyRefused {
                    url,
                    var: api_key_env.clone(),
                    endpoint,
                },
                error if error.has_code_prefix("[TenantIdRequired]") => {
                    ClientsError::TenantRequired { url }
                }
                error => ClientsError::FusionAuth(error),
            },
            (RegistrationError::NotFound(name), _) => ClientsError::NotFound { name, project },
            (RegistrationError::NameTaken { name, existing }, _) => ClientsError::NameTaken {
                name,
                existing,
                project,
            },
            (other, _) => other.into(),
        }
    }

    /// Registers a client (idempotent by name) bound to the site's MCP server, with the demo
    /// user (when the site has one) registered to it.
    pub async fn add(&mut self, add: &AddClient) -> Result<RegisteredClient, ClientsError> {
        let request = self.request(
            add.kind,
            add.name.clone(),
            add.port,
            add.redirect_uris.clone(),
        );
        let client = ClientRegistrar::new(&self.fusionauth)
            .add(&request)
            .await
            .map_err(|e| self.explain(e))?;
        self.refresh().await?;
        Ok(client)
    }

    /// Every registered client with its last login, as FusionAuth has them now. A remote key
    /// that may not read login records lists the clients without it
    /// ([`Self::logins_unreadable`]).
    pub async fn list(&mut self) -> Result<Vec<RegisteredClient>, ClientsError> {
        let registrar = ClientRegistrar::new(&self.fusionauth);
        let clients = match registrar.list_with_last_login().await {
            Ok(clients) => clients,
            Err(RegistrationError::FusionAuth(error))
                if error.is_unauthorized() && self.site.is_remote() =>
            {
                self.logins_unreadable = true;
                registrar.list().await.map_err(|e| self.explain(e))?
            }
            Err(error) => return Err(self.explain(error)),
        };
        self.remember(&clients)?;
        Ok(clients)
    }

    /// The client with this name or client id.
    pub async fn find(&self, name_or_id: &str) -> Result<RegisteredClient, ClientsError> {
        ClientRegistrar::new(&self.fusionauth)
            .find(name_or_id)
            .await
            .map_err(|e| self.explain(e))?
            .ok_or_else(|| self.explain(RegistrationError::NotFound(name_or_id.to_owned())))
    }

    /// The client with its secret (confidential clients only), for `clients config
    /// --show-secrets`.
    pub async fn with_secret(
        &self,
        mut client: RegisteredClient,
    ) -> Result<RegisteredClient, ClientsError> {
        client.client_secret = ClientRegistrar::new(&self.fusionauth)
            .secret_of(&client)
            .await
            .map_err(|e| self.explain(e))?;
        Ok(client)
    }

    /// Deletes a client's application: it stops working at once.
    pub async fn remove(&mut self, client: &RegisteredClient) -> Result<(), ClientsError> {
        ClientRegistrar::new(&self.fusionauth)
            .remove(&client.client_id)
            .await
            .map_err(|e| self.explain(e))?;
        self.refresh().await
    }

    /// Deletes the clients with no login for `unused_for_days` (and at least that old).
    pub async fn prune(
        &mut self,
        unused_for_days: u32,
        now_millis: i64,
    ) -> Result<Vec<RegisteredClient>, ClientsError> {
        let removed = match ClientRegistrar::new(&self.fusionauth)
            .prune(i64::from(unused_for_days) * 86_400_000, now_millis)
            .await
        {
            Ok(removed) => removed,
            Err(RegistrationError::FusionAuth(error))
                if error.is_unauthorized() && self.site.is_remote() =>
            {
                return Err(ClientsError::LoginRecordsUnreadable);
            }
            Err(error) => return Err(self.explain(error)),
        };
        self.refresh().await?;
        Ok(removed)
    }

    /// The configuration a client of this site needs.
    pub fn snippet(&self, client: &RegisteredClient) -> ConfigSnippet {
        snippet_for_site(&self.site, client)
    }

    /// A warning when the MCP server does not answer at its public URL from here, for the
    /// clients that reach it from elsewhere (claude.ai's connector connects from the internet).
    pub async fn reachability_warning(&self, kind: ClientKind) -> Option<String> {
        if kind != ClientKind::ClaudeConnector {
            return None;
        }
        let resource = self.site.resource();
        answers_from_here(&resource).await.err().map(|seen| {
            format!(
                "the MCP server does not answer at {resource} from here ({seen}). claude.ai \
                 connects to it from the internet: deploy it there (`mcp-fa serve --issuer \
                 ISSUER{} --public-url {}` behind HTTPS) before connecting",
                self.site.tenant_flag(),
                self.site.public_url.origin().ascii_serialization()
            )
        })
    }

    /// Merges the client's entry into its own configuration file (a backup is written first).
    pub fn write_config(
        &self,
        kind: ClientKind,
        snippet: &ConfigSnippet,
    ) -> Result<ConfigChange, ClientsError> {
        match (&snippet.config_path, snippet.container_key, &snippet.entry) {
            (Some(path), Some(key), Some(entry)) => Ok(merge_server_entry(
                path,
                key,
                &server_name_for(&self.site.project),
                entry,
            )?),
            _ => Err(ClientsError::NothingToWrite { kind }),
        }
    }

    fn request(
        &self,
        kind: ClientKind,
        name: ClientName,
        port: Option<u16>,
        extra_redirect_uris: Vec<RedirectUri>,
    ) -> RegistrationRequest {
        RegistrationRequest {
            name,
            kind,
            port,
            extra_redirect_uris,
            resource: self.site.resource(),
            user_id: self.site.demo_user.as_ref().map(|user| user.id.clone()),
        }
    }

    async fn refresh(&mut self) -> Result<(), ClientsError> {
        let all = ClientRegistrar::new(&self.fusionauth)
            .list()
            .await
            .map_err(|e| self.explain(e))?;
        self.remember(&all)
    }

    /// Keeps a stack's state file's list in step with FusionAuth.
    fn remember(&mut self, clients: &[RegisteredClient]) -> Result<(), ClientsError> {
        let Some((store, state)) = &mut self.record else {
            return Ok(());
        };
        state.clients = clients
            .iter()
            .map(|c| state::RegisteredClient {
                name: c.name.clone(),
                client_id: c.client_id.clone(),
                redirect_uris: c.redirect_uris.clone(),
                kind: Some(c.kind.as_str().to_string()),
            })
            .collect();
        store.save(state)?;
        Ok(())
    }
}

/// The key the stack's server gets in a client's configuration: `mcp-fa`, or
/// `mcp-fa-<project>` beside the default stack.
pub fn server_name_for(project: &ProjectName) -> String {
    if project.is_default() {
        "mcp-fa".to_string()
    } else {
        format!("mcp-fa-{project}")
    }
}

/// The configuration `clients add` and `clients config` print (or write) for `client` of this
/// stack, for this user (`HOME`) and working directory; the tutorial's checks read the file it
/// names.
pub fn snippet_for_stack(state: &StackState, client: &RegisteredClient) -> ConfigSnippet {
    snippet_for(&state.project, &state.mcp_endpoint(), client)
}

/// The same for a client of any site.
pub fn snippet_for_site(site: &Site, client: &RegisteredClient) -> ConfigSnippet {
    snippet_for(&site.project, &site.resource(), client)
}

fn snippet_for(
    project: &ProjectName,
    server_url: &str,
    client: &RegisteredClient,
) -> ConfigSnippet {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let project_dir = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let server_name = server_name_for(project);
    super::snippet::snippet_for(
        &SnippetContext {
            server_url,
            server_name: &server_name,
            home: home.as_deref(),
            project_dir: &project_dir,
            os: std::env::consts::OS,
        },
        client,
    )
}

/// `mcp-fa up --client KIND ...`: registers each kind under its own name (idempotent by name) in
/// the stack's FusionAuth, bound to the stack's MCP server, with the demo user registered; keeps
/// the list in the state file (and in `state`); returns each client with its configuration.
pub async fn register_for_stack(
    store: &StateStore,
    state: &mut StackState,
    kinds: &[ClientKind],
) -> Result<Vec<ClientSetup>, ClientsError> {
    if kinds.is_empty() {
        return Ok(Vec::new());
    }
    let mut clients = StackClients::new(store.clone(), state.clone())?;
    let mut setups = Vec::new();
    for &kind in kinds {
        let name = ClientName::parse(kind.as_str())?;
        let request = clients.request(kind, name, None, Vec::new());
        let client = ClientRegistrar::new(&clients.fusionauth)
            .add(&request)
            .await?;
        let config = clients.snippet(&client);
        setups.push(ClientSetup { client, config });
    }
    clients.refresh().await?;
    if let Some((_, kept)) = clients.record {
        *state = kept;
    }
    Ok(setups)
}
