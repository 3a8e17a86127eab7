//! `mcp-fa clients ...`: registering MCP clients in the running stack's FusionAuth, printing
//! (or writing) each client's configuration, and keeping the list in the state file. Prompts
//! happen only on a terminal; every prompt has a flag (`--kind`, `--yes`).

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::time::Duration;

use serde_json::json;

use super::config_file::{ConfigChange, ConfigFileError, merge_server_entry};
use super::kind::ClientKind;
use super::redirect::{RedirectUri, RedirectUriError};
use super::registration::{
    ClientName, ClientNameError, ClientRegistrar, RegisteredClient, RegistrationError,
    RegistrationRequest,
};
use super::snippet::{ConfigSnippet, SnippetContext, snippet_for};
use crate::cli::{
    ClientsAddArgs, ClientsArgs, ClientsCommand, ClientsConfigArgs, ClientsListArgs,
    ClientsPruneArgs, ClientsRemoveArgs, OutputFormat,
};
use crate::fusionauth::{FusionAuthClient, FusionAuthError, Timeouts};
use crate::state::{self, StackState, StateError, StateStore};

#[derive(Debug, thiserror::Error)]
pub enum ClientsError {
    #[error(
        "no stack named '{project}' is known here; start one with `mcp-fa up --project {project}`"
    )]
    NoStack { project: String },
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
    #[error("which MCP client? Pass --kind (one of: {})", ClientKind::ALL.map(|k| k.as_str()).join(", "))]
    KindNeeded,
    #[error("{kind} has no configuration file to write; run the printed command instead")]
    NothingToWrite { kind: ClientKind },
    #[error("{action} asks for confirmation; pass --yes to {action} without asking")]
    ConfirmationNeeded { action: &'static str },
    #[error("cancelled; nothing was changed")]
    Cancelled,
    #[error("could not read your answer: {0}")]
    Prompt(std::io::Error),
    #[error("could not write to standard output: {0}")]
    Output(#[from] std::io::Error),
}

impl ClientsError {
    pub fn code(&self) -> &'static str {
        match self {
            ClientsError::NoStack { .. } => "NOT_RUNNING",
            ClientsError::State(error) => error.code(),
            ClientsError::Registration(RegistrationError::NotFound(_)) => "CLIENT_NOT_FOUND",
            ClientsError::Registration(RegistrationError::NameTaken { .. }) => "CLIENT_NAME_TAKEN",
            ClientsError::Registration(_) | ClientsError::FusionAuth(_) => "FUSIONAUTH_ERROR",
            ClientsError::ConfigFile(_) => "CONFIG_FILE_REFUSED",
            ClientsError::Name(_) | ClientsError::RedirectUri(_) | ClientsError::KindNeeded => {
                "INVALID_INPUT"
            }
            ClientsError::NothingToWrite { .. } => "INVALID_INPUT",
            ClientsError::ConfirmationNeeded { .. } | ClientsError::Cancelled => "NOT_CONFIRMED",
            ClientsError::Prompt(_) | ClientsError::Output(_) => "OUTPUT_FAILED",
        }
    }
}

/// The stack a command works on, and a FusionAuth client for it.
struct Context {
    store: StateStore,
    state: StackState,
    fusionauth: FusionAuthClient,
}

impl Context {
    fn load(project: &str) -> Result<Context, ClientsError> {
        let store = StateStore::from_env()?;
        let state = store.load(project)?.ok_or_else(|| ClientsError::NoStack {
            project: project.to_string(),
        })?;
        Context::new(store, state)
    }

    fn new(store: StateStore, state: StackState) -> Result<Context, ClientsError> {
        let url = url::Url::parse(&state.fusionauth_url).map_err(|_| ClientsError::NoStack {
            project: state.project.clone(),
        })?;
        let fusionauth = FusionAuthClient::new(url, Timeouts::default())?
            .with_api_key(state.api_key.clone())
            .with_new_key_grace(Duration::from_secs(10));
        Ok(Context {
            store,
            state,
            fusionauth,
        })
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
            resource: self.server_url(),
            user_id: self.state.user("demo").map(|u| u.id.clone()),
        }
    }

    fn server_url(&self) -> String {
        format!("http://localhost:{}/mcp", self.state.mcp_port)
    }

    fn server_name(&self) -> String {
        server_name_for(&self.state.project)
    }

    fn snippet(&self, client: &RegisteredClient) -> ConfigSnippet {
        snippet_for_stack(&self.state, client)
    }

    /// Keeps the state file's list in step with FusionAuth.
    fn remember(&mut self, clients: &[RegisteredClient]) -> Result<(), ClientsError> {
        self.state.clients = clients
            .iter()
            .map(|c| state::RegisteredClient {
                name: c.name.clone(),
                client_id: c.client_id.clone(),
                redirect_uris: c.redirect_uris.clone(),
                kind: Some(c.kind.as_str().to_string()),
            })
            .collect();
        self.store.save(&self.state)?;
        Ok(())
    }
}

/// The key the stack's server gets in a client's configuration: `mcp-fa`, or
/// `mcp-fa-<project>` beside the default stack.
pub fn server_name_for(project: &str) -> String {
    if project == "default" {
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
    let server_url = format!("http://localhost:{}/mcp", state.mcp_port);
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

pub async fn clients_command(args: &ClientsArgs) -> Result<(), ClientsError> {
    let _lock = StateStore::from_env()?.lock(&args.project.project, state::LOCK_WAIT)?;
    match &args.command {
        ClientsCommand::Add(a) => add(&args.project.project, a).await,
        ClientsCommand::List(a) => list(&args.project.project, a).await,
        ClientsCommand::Remove(a) => remove(&args.project.project, a).await,
        ClientsCommand::Prune(a) => prune(&args.project.project, a).await,
        ClientsCommand::Config(a) => config(&args.project.project, a).await,
    }
}

fn interactive() -> bool {
    std::io::stdin().is_terminal() && std::io::stdout().is_terminal()
}

fn pick_kind() -> Result<ClientKind, ClientsError> {
    if !interactive() {
        return Err(ClientsError::KindNeeded);
    }
    let mut out = std::io::stdout();
    writeln!(out, "Which MCP client do you want to connect?")?;
    for (i, kind) in ClientKind::ALL.iter().enumerate() {
        writeln!(
            out,
            "  {}) {} ({})",
            i + 1,
            kind.display_name(),
            kind.as_str()
        )?;
    }
    loop {
        write!(out, "Number or name: ")?;
        out.flush()?;
        let mut line = String::new();
        if std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(ClientsError::Prompt)?
            == 0
        {
            return Err(ClientsError::Cancelled);
        }
        let answer = line.trim();
        if let Some(kind) = answer
            .parse::<usize>()
            .ok()
            .and_then(|n| ClientKind::ALL.get(n.wrapping_sub(1)).copied())
            .or_else(|| answer.parse().ok())
        {
            return Ok(kind);
        }
        writeln!(
            out,
            "Please answer with a number from the list or a kind's name."
        )?;
    }
}

fn confirm(question: &str, yes: bool, action: &'static str) -> Result<(), ClientsError> {
    if yes {
        return Ok(());
    }
    if !interactive() {
        return Err(ClientsError::ConfirmationNeeded { action });
    }
    let mut out = std::io::stdout();
    write!(out, "{question} [y/N] ")?;
    out.flush()?;
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(ClientsError::Prompt)?;
    if matches!(line.trim(), "y" | "Y" | "yes") {
        Ok(())
    } else {
        Err(ClientsError::Cancelled)
    }
}

async fn add(project: &str, args: &ClientsAddArgs) -> Result<(), ClientsError> {
    let kind = match args.kind {
        Some(kind) => kind,
        None => pick_kind()?,
    };
    let name = ClientName::parse(args.name.as_deref().unwrap_or(kind.as_str()))?;
    let extra_redirect_uris = args
        .redirect_uri
        .iter()
        .map(|u| RedirectUri::parse(u))
        .collect::<Result<Vec<_>, _>>()?;
    let mut ctx = Context::load(project)?;
    let request = ctx.request(kind, name, args.port, extra_redirect_uris);
    let client = ClientRegistrar::new(&ctx.fusionauth).add(&request).await?;
    let all = ClientRegistrar::new(&ctx.fusionauth).list().await?;
    ctx.remember(&all)?;
    let snippet = ctx.snippet(&client);
    let change = if args.write_config {
        Some(write_config(kind, &snippet, &ctx.server_name())?)
    } else {
        None
    };
    let mut out = std::io::stdout().lock();
    if args.json {
        let doc = json!({"ok": true, "client": client, "config": snippet, "configChange": change});
        writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&doc).unwrap_or_default()
        )?;
        return Ok(());
    }
    write_registered(&mut out, &client, &snippet)?;
    if let Some(change) = change {
        writeln!(out, "Config: {change}")?;
    }
    Ok(())
}

fn write_config(
    kind: ClientKind,
    snippet: &ConfigSnippet,
    server_name: &str,
) -> Result<ConfigChange, ClientsError> {
    match (&snippet.config_path, snippet.container_key, &snippet.entry) {
        (Some(path), Some(key), Some(entry)) => {
            Ok(merge_server_entry(path, key, server_name, entry)?)
        }
        _ => Err(ClientsError::NothingToWrite { kind }),
    }
}

/// What `clients add` and `up --client` print for one client: what happened, its details, and
/// the configuration to paste.
pub fn write_registered(
    out: &mut impl Write,
    client: &RegisteredClient,
    snippet: &ConfigSnippet,
) -> std::io::Result<()> {
    if client.created {
        writeln!(
            out,
            "Registered {} ({}) as FusionAuth application {}.",
            client.name,
            client.kind.display_name(),
            client.client_id
        )?;
    } else {
        writeln!(
            out,
            "{} is already registered (client id {}); nothing was created.",
            client.name, client.client_id
        )?;
    }
    print_client_details(out, client)?;
    print_snippet(out, client.kind, snippet)
}

/// A client `up --client` registered, with the configuration it needs.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ClientSetup {
    pub client: RegisteredClient,
    pub config: ConfigSnippet,
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
    let mut ctx = Context::new(store.clone(), state.clone())?;
    let mut setups = Vec::new();
    for &kind in kinds {
        let name = ClientName::parse(kind.as_str())?;
        let request = ctx.request(kind, name, None, Vec::new());
        let client = ClientRegistrar::new(&ctx.fusionauth).add(&request).await?;
        let config = ctx.snippet(&client);
        setups.push(ClientSetup { client, config });
    }
    let all = ClientRegistrar::new(&ctx.fusionauth).list().await?;
    ctx.remember(&all)?;
    *state = ctx.state;
    Ok(setups)
}

fn print_client_details(out: &mut impl Write, client: &RegisteredClient) -> std::io::Result<()> {
    writeln!(out, "  Redirect URIs: {}", client.redirect_uris.join(", "))?;
    writeln!(
        out,
        "  Consent screen: {}",
        if client.third_party {
            "yes"
        } else {
            "no (FirstParty; consent screens need a FusionAuth license)"
        }
    )?;
    if !client.scopes.is_empty() {
        writeln!(out, "  Custom scopes: {}", client.scopes.join(", "))?;
    }
    Ok(())
}

fn print_snippet(
    out: &mut impl Write,
    kind: ClientKind,
    snippet: &ConfigSnippet,
) -> std::io::Result<()> {
    writeln!(
        out,
        "\nConnect {}: {}\n",
        kind.display_name(),
        snippet.instructions
    )?;
    for line in snippet.text.lines() {
        writeln!(out, "    {line}")?;
    }
    writeln!(out)
}

async fn list(project: &str, args: &ClientsListArgs) -> Result<(), ClientsError> {
    let mut ctx = Context::load(project)?;
    let clients = ClientRegistrar::new(&ctx.fusionauth)
        .list_with_last_login()
        .await?;
    ctx.remember(&clients)?;
    let mut out = std::io::stdout().lock();
    match args.output {
        OutputFormat::Json => {
            writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(&json!({"clients": clients})).unwrap_or_default()
            )?;
        }
        OutputFormat::Pretty => {
            if clients.is_empty() {
                writeln!(
                    out,
                    "No MCP clients registered yet; add one with `mcp-fa clients add`."
                )?;
            }
            for c in &clients {
                let last = match c.last_login {
                    Some(ms) => format_age(now_millis() - ms),
                    None => "never".to_string(),
                };
                writeln!(
                    out,
                    "{}  ({})  client id {}  last login: {last}",
                    c.name, c.kind, c.client_id
                )?;
                writeln!(out, "    redirect URIs: {}", c.redirect_uris.join(", "))?;
            }
        }
    }
    Ok(())
}

fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

fn format_age(millis: i64) -> String {
    let minutes = millis.max(0) / 60_000;
    match minutes {
        0 => "just now".into(),
        1..=59 => format!("{minutes} min ago"),
        60..=2879 => format!("{} h ago", minutes / 60),
        _ => format!("{} days ago", minutes / 1440),
    }
}

async fn remove(project: &str, args: &ClientsRemoveArgs) -> Result<(), ClientsError> {
    let mut ctx = Context::load(project)?;
    let registrar = ClientRegistrar::new(&ctx.fusionauth);
    let client = registrar
        .find(&args.client)
        .await?
        .ok_or_else(|| RegistrationError::NotFound(args.client.clone()))?;
    confirm(
        &format!(
            "Delete {} (client id {}) from FusionAuth? It stops working at once.",
            client.name, client.client_id
        ),
        args.yes,
        "remove",
    )?;
    registrar.remove(&client.client_id).await?;
    let all = registrar.list().await?;
    ctx.remember(&all)?;
    writeln!(
        std::io::stdout(),
        "Removed {} (client id {}).",
        client.name,
        client.client_id
    )?;
    Ok(())
}

async fn prune(project: &str, args: &ClientsPruneArgs) -> Result<(), ClientsError> {
    let mut ctx = Context::load(project)?;
    confirm(
        &format!(
            "Delete every MCP client nobody has logged in with for {} days?",
            args.unused_for
        ),
        args.yes,
        "prune",
    )?;
    let registrar = ClientRegistrar::new(&ctx.fusionauth);
    let removed = registrar
        .prune(i64::from(args.unused_for) * 86_400_000, now_millis())
        .await?;
    let all = registrar.list().await?;
    ctx.remember(&all)?;
    let mut out = std::io::stdout().lock();
    if removed.is_empty() {
        writeln!(
            out,
            "Every client was used in the last {} days; nothing removed.",
            args.unused_for
        )?;
    }
    for c in removed {
        writeln!(out, "Removed {} (client id {}).", c.name, c.client_id)?;
    }
    Ok(())
}

async fn config(project: &str, args: &ClientsConfigArgs) -> Result<(), ClientsError> {
    let ctx = Context::load(project)?;
    let client = ClientRegistrar::new(&ctx.fusionauth)
        .find(&args.client)
        .await?
        .ok_or_else(|| RegistrationError::NotFound(args.client.clone()))?;
    let snippet = ctx.snippet(&client);
    let mut out = std::io::stdout().lock();
    print_snippet(&mut out, client.kind, &snippet)?;
    if args.write_config {
        let change = write_config(client.kind, &snippet, &ctx.server_name())?;
        writeln!(out, "Config: {change}")?;
    }
    Ok(())
}
