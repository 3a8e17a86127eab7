//! The MCP clients of one stack: registered in its FusionAuth (as the stack's administrator),
//! remembered in its state file, and configured for this user. Every change to FusionAuth is
//! followed by the state file's list being brought in step with what FusionAuth holds.
//!
//! It must not ask or print: the command layer decides what to confirm and shows the results.

use std::path::PathBuf;

use super::config_file::{ConfigChange, ConfigFileError, merge_server_entry};
use super::kind::ClientKind;
use super::redirect::{RedirectUri, RedirectUriError};
use super::registration::{
    ClientName, ClientNameError, ClientRegistrar, RegisteredClient, RegistrationError,
    RegistrationRequest,
};
use super::snippet::{ConfigSnippet, SnippetContext, snippet_for};
use crate::fusionauth::{FusionAuthClient, FusionAuthError, Timeouts};
use crate::project::ProjectName;
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
    #[error("{kind} has no configuration file to write; run the printed command instead")]
    NothingToWrite { kind: ClientKind },
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
            ClientsError::Registration(_) | ClientsError::FusionAuth(_) => "FUSIONAUTH_ERROR",
            ClientsError::Unreachable { .. } => "NOT_RUNNING",
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

/// One stack's clients: its state, its store, and its FusionAuth as administrator.
pub struct StackClients {
    store: StateStore,
    state: StackState,
    fusionauth: FusionAuthClient,
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
        let fusionauth = state.admin_client(Timeouts::default())?;
        Ok(Self {
            store,
            state,
            fusionauth,
        })
    }

    pub fn state(&self) -> &StackState {
        &self.state
    }

    /// FusionAuth's answer, in the words of this stack: unreachable means the stack is not
    /// running, and names come with the project they were looked for in.
    fn explain(&self, error: impl Into<RegistrationError>) -> ClientsError {
        let project = self.state.project.clone();
        match error.into() {
            RegistrationError::FusionAuth(error) if error.is_unreachable() => {
                ClientsError::Unreachable {
                    project,
                    url: self.state.fusionauth_url.clone(),
                }
            }
            RegistrationError::NotFound(name) => ClientsError::NotFound { name, project },
            RegistrationError::NameTaken { name, existing } => ClientsError::NameTaken {
                name,
                existing,
                project,
            },
            other => other.into(),
        }
    }

    /// Registers a client (idempotent by name) bound to the stack's MCP server, with the demo
    /// user registered to it.
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

    /// Every registered client with its last login, as FusionAuth has them now.
    pub async fn list(&mut self) -> Result<Vec<RegisteredClient>, ClientsError> {
        let clients = ClientRegistrar::new(&self.fusionauth)
            .list_with_last_login()
            .await
            .map_err(|e| self.explain(e))?;
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
        let removed = ClientRegistrar::new(&self.fusionauth)
            .prune(i64::from(unused_for_days) * 86_400_000, now_millis)
            .await
            .map_err(|e| self.explain(e))?;
        self.refresh().await?;
        Ok(removed)
    }

    /// The configuration a client of this stack needs.
    pub fn snippet(&self, client: &RegisteredClient) -> ConfigSnippet {
        snippet_for_stack(&self.state, client)
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
                &server_name_for(&self.state.project),
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
            resource: self.state.mcp_endpoint(),
            user_id: self.state.user("demo").map(|u| u.id.clone()),
        }
    }

    async fn refresh(&mut self) -> Result<(), ClientsError> {
        let all = ClientRegistrar::new(&self.fusionauth)
            .list()
            .await
            .map_err(|e| self.explain(e))?;
        self.remember(&all)
    }

    /// Keeps the state file's list in step with FusionAuth.
    fn remember(&mut self, clients: &[RegisteredClient]) -> Result<(), ClientsError> {
        self.state.clients = clients
            .iter()
            .map(|c| state::RegisteredClient {
                name: c.name.clone(),
                client_id: c.client_id.clone(),
                redirect_uris: c.redirect_uris.clone(),
                kind: Some(if c.self_registered.is_some() {
                    SELF_REGISTERED_KIND.to_owned()
                } else {
                    c.kind.as_str().to_owned()
                }),
            })
            .collect();
        self.store.save(&self.state)?;
        Ok(())
    }
}

/// How the state file (and `status`) names the kind of a client that registered itself.
pub const SELF_REGISTERED_KIND: &str = "self-registered";

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
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let project_dir = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let server_url = state.mcp_endpoint();
    let server_name = server_name_for(&state.project);
    snippet_for(
        &SnippetContext {
            server_url: &server_url,
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
    *state = clients.state;
    Ok(setups)
}
