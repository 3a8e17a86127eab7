//! `mcp-fa clients add|list|remove|prune|config`: registering MCP clients in the running stack's
//! FusionAuth, or in an existing one (`--fusionauth-url`, or a remote project file; see
//! [`crate::clients::StackClients`]), printing or writing each client's configuration.
//! Questions are asked only on a terminal; every question has a flag (`--kind`, `--yes`). The
//! project's lock is held for the whole command. A confidential client's secret is printed only
//! right after it was created, or with `clients config --show-secrets`.

use std::fmt::Write as _;

use serde_json::json;

use super::output::{print_document, print_text};
use super::settings::ProjectContext;
use super::terminal::{ask_line, confirm, interactive};
use crate::cli::{
    ClientsAddArgs, ClientsArgs, ClientsCommand, ClientsConfigArgs, ClientsListArgs,
    ClientsPruneArgs, ClientsRemoveArgs, OutputFormat,
};
use crate::clients::{
    AddClient, ClientKind, ClientName, ClientsError, ConfigSnippet, RedirectUri, RegisteredClient,
    StackClients,
};
use crate::error::Error;
use crate::project::ProjectName;
use crate::site::{RemoteSettings, Site};
use crate::state::StateStore;

pub async fn run(args: &ClientsArgs) -> Result<(), Error> {
    let ctx = ProjectContext::load(args.project.project.as_ref())?;
    let target = Target {
        project: ctx.name.clone(),
        remote: ctx.remote(&args.remote)?,
    };
    let _lock = StateStore::from_env()?
        .lock(&target.project, crate::state::LOCK_WAIT)
        .await?;
    match &args.command {
        ClientsCommand::Add(a) => add(&target, a).await,
        ClientsCommand::List(a) => list(&target, a).await,
        ClientsCommand::Remove(a) => remove(&target, a).await,
        ClientsCommand::Prune(a) => prune(&target, a).await,
        ClientsCommand::Config(a) => config(&target, a).await,
    }
}

/// Whose clients: the project's stack, or an existing FusionAuth.
struct Target {
    project: ProjectName,
    remote: Option<RemoteSettings>,
}

impl Target {
    /// Opened only once the command's own arguments are known good, so a missing `--kind` is
    /// said before a missing stack.
    fn open(&self) -> Result<StackClients, Error> {
        Ok(match &self.remote {
            Some(remote) => StackClients::for_site(Site::remote(remote)?)?,
            None => StackClients::load(&self.project)?,
        })
    }
}

fn pick_kind() -> Result<ClientKind, Error> {
    if !interactive() {
        return Err(Error::InputNeeded(format!(
            "which MCP client? Pass --kind (one of: {})",
            ClientKind::ALL.map(|k| k.as_str()).join(", ")
        )));
    }
    let mut menu = String::from("Which MCP client do you want to connect?\n");
    for (i, kind) in ClientKind::ALL.iter().enumerate() {
        let _ = writeln!(
            menu,
            "  {}) {} ({})",
            i + 1,
            kind.display_name(),
            kind.as_str()
        );
    }
    print_text(&menu)?;
    loop {
        let Some(answer) = ask_line("Number or name: ")? else {
            return Err(Error::Cancelled);
        };
        if let Some(kind) = answer
            .parse::<usize>()
            .ok()
            .and_then(|n| ClientKind::ALL.get(n.wrapping_sub(1)).copied())
            .or_else(|| answer.parse().ok())
        {
            return Ok(kind);
        }
        print_text("Please answer with a number from the list or a kind's name.\n")?;
    }
}

async fn add(target: &Target, args: &ClientsAddArgs) -> Result<(), Error> {
    let kind = match args.kind {
        Some(kind) => kind,
        None => pick_kind()?,
    };
    let request = AddClient {
        kind,
        name: ClientName::parse(args.name.as_deref().unwrap_or(kind.as_str()))
            .map_err(ClientsError::from)?,
        port: args.port,
        redirect_uris: args
            .redirect_uri
            .iter()
            .map(|uri| RedirectUri::parse(uri))
            .collect::<Result<Vec<_>, _>>()
            .map_err(ClientsError::from)?,
    };
    let mut clients = target.open()?;
    let client = clients.add(&request).await?;
    let snippet = clients.snippet(&client);
    let change = if args.write_config {
        Some(clients.write_config(kind, &snippet)?)
    } else {
        None
    };
    let warnings: Vec<String> = clients
        .reachability_warning(kind)
        .await
        .into_iter()
        .collect();
    if args.json {
        let mut document =
            json!({"ok": true, "client": client, "config": snippet, "configChange": change});
        // Shown once, on purpose: FusionAuth keeps it, `clients config --show-secrets` reads it.
        if let Some(secret) = &client.client_secret {
            document["clientSecret"] = json!(secret.expose());
        }
        if !warnings.is_empty() {
            document["warnings"] = json!(warnings);
        }
        return print_document(&document);
    }
    let mut text = registered_text(&client, &snippet);
    if let Some(change) = change {
        let _ = writeln!(text, "Config: {change}");
    }
    for warning in &warnings {
        let _ = writeln!(text, "Warning: {warning}");
    }
    print_text(&text)
}

/// What `clients add` and `up --client` print for one client: what happened, its details, and
/// the configuration to paste.
pub fn registered_text(client: &RegisteredClient, snippet: &ConfigSnippet) -> String {
    let mut text = if client.created {
        format!(
            "Registered {} ({}) as FusionAuth application {}.\n",
            client.name,
            client.kind.display_name(),
            client.client_id
        )
    } else {
        format!(
            "{} is already registered (client id {}); nothing was created.\n",
            client.name, client.client_id
        )
    };
    let _ = writeln!(text, "  Redirect URIs: {}", client.redirect_uris.join(", "));
    let _ = writeln!(
        text,
        "  Consent screen: {}",
        if client.third_party {
            "yes"
        } else {
            "no (FirstParty; consent screens need a FusionAuth license)"
        }
    );
    if !client.scopes.is_empty() {
        let _ = writeln!(text, "  Custom scopes: {}", client.scopes.join(", "));
    }
    if client.kind.is_confidential() {
        let _ = writeln!(
            text,
            "  Client secret: {}",
            if client.client_secret.is_some() {
                format!(
                    "below, shown this once (`mcp-fa clients config {} --show-secrets` shows it \
                     again); FusionAuth requires it at the token endpoint",
                    client.name
                )
            } else {
                format!(
                    "not shown; `mcp-fa clients config {} --show-secrets` shows it",
                    client.name
                )
            }
        );
    }
    text.push_str(&snippet_text(client.kind, snippet));
    text
}

fn snippet_text(kind: ClientKind, snippet: &ConfigSnippet) -> String {
    let mut text = format!(
        "\nConnect {}: {}\n\n",
        kind.display_name(),
        snippet.instructions
    );
    for line in snippet.text.lines() {
        let _ = writeln!(text, "    {line}");
    }
    text.push('\n');
    text
}

async fn list(target: &Target, args: &ClientsListArgs) -> Result<(), Error> {
    let mut opened = target.open()?;
    let clients = opened.list().await?;
    let logins_unreadable = opened.logins_unreadable();
    let flag = target.project.flag();
    if args.output == OutputFormat::Json {
        let mut document = json!({"clients": clients});
        if logins_unreadable {
            document["lastLoginUnknown"] = json!(true);
        }
        return print_document(&document);
    }
    let mut text = String::new();
    if clients.is_empty() {
        let _ = writeln!(
            text,
            "No MCP clients registered yet; add one with `mcp-fa clients add{flag}`."
        );
    }
    for c in &clients {
        let last = match c.last_login {
            Some(ms) => format_age(now_millis() - ms),
            None if logins_unreadable => "unknown".to_string(),
            None => "never".to_string(),
        };
        let _ = writeln!(
            text,
            "{}  ({})  client id {}  last login: {last}",
            c.name, c.kind, c.client_id
        );
        let _ = writeln!(text, "    redirect URIs: {}", c.redirect_uris.join(", "));
    }
    if logins_unreadable {
        let _ = writeln!(
            text,
            "Last logins are unknown: this API key may not search FusionAuth's login records \
             (a global endpoint, which a key limited to a tenant never may)."
        );
    }
    print_text(&text)
}

fn now_millis() -> i64 {
    i64::try_from(crate::state::now_secs()).unwrap_or(i64::MAX) * 1000
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

async fn remove(target: &Target, args: &ClientsRemoveArgs) -> Result<(), Error> {
    let mut clients = target.open()?;
    let client = clients.find(&args.client).await?;
    confirm(
        &format!(
            "Delete {} (client id {}) from FusionAuth? It stops working at once.",
            client.name, client.client_id
        ),
        args.yes,
        "remove",
    )?;
    clients.remove(&client).await?;
    print_text(&format!(
        "Removed {} (client id {}).\n",
        client.name, client.client_id
    ))
}

async fn prune(target: &Target, args: &ClientsPruneArgs) -> Result<(), Error> {
    let mut clients = target.open()?;
    confirm(
        &format!(
            "Delete every MCP client nobody has logged in with for {} days?",
            args.unused_for
        ),
        args.yes,
        "prune",
    )?;
    let removed = clients.prune(args.unused_for, now_millis()).await?;
    let mut text = String::new();
    if removed.is_empty() {
        let _ = writeln!(
            text,
            "Every client was used in the last {} days; nothing removed.",
            args.unused_for
        );
    }
    for c in removed {
        let _ = writeln!(text, "Removed {} (client id {}).", c.name, c.client_id);
    }
    print_text(&text)
}

async fn config(target: &Target, args: &ClientsConfigArgs) -> Result<(), Error> {
    let clients = target.open()?;
    let mut client = clients.find(&args.client).await?;
    if args.show_secrets {
        client = clients.with_secret(client).await?;
    }
    let snippet = clients.snippet(&client);
    print_text(&snippet_text(client.kind, &snippet))?;
    if args.write_config {
        let change = clients.write_config(client.kind, &snippet)?;
        print_text(&format!("Config: {change}\n"))?;
    }
    Ok(())
}
