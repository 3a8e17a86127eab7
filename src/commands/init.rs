//! `mcp-fa init`: writes `mcp-fa.yaml` in the working directory with the project's settings,
//! so every later command in this folder acts on the same project. Asks which clients to
//! register only on a terminal and only when `--client` is not given; never replaces a file.
//! With `--fusionauth-url` it writes a remote project instead: an existing FusionAuth, its
//! tenant, the variable holding its API key, and the MCP server's public URL.

use super::output::print_text;
use super::terminal::{ask_line, interactive};
use crate::cli::{InitArgs, ServeScopes};
use crate::clients::ClientKind;
use crate::error::Error;
use crate::project::{
    DatabaseSection, FusionAuthSection, McpSection, PROJECT_FILE_NAME, ProjectFile, ScopeChoice,
};
use crate::site::{DEFAULT_API_KEY_ENV, RemoteSettings, Site};
use crate::stack::{
    DEFAULT_FUSIONAUTH_IMAGE, DEFAULT_FUSIONAUTH_PORT, DEFAULT_MCP_PORT, DEFAULT_POSTGRES_IMAGE,
};

pub fn run(args: &InitArgs) -> Result<(), Error> {
    let dir = std::env::current_dir().map_err(Error::Output)?;
    let path = dir.join(PROJECT_FILE_NAME);
    if path.exists() {
        return Err(crate::project::ProjectFileError::Exists { path }.into());
    }
    let file = match &args.remote.fusionauth_url {
        Some(url) => remote_file(args, url)?,
        None => stack_file(args)?,
    };
    // The rendered file is read back before it is written: what `init` writes, `up` reads.
    file.create(&path)?;
    let written = ProjectFile::load(&path)?;
    let next = if written.is_remote() {
        format!(
            "Set {} to an API key of that FusionAuth, then `mcp-fa doctor` checks the setup and \
             `mcp-fa clients add` registers clients, in this folder (or below it); flags still win.",
            written
                .fusionauth
                .api_key_env
                .as_deref()
                .unwrap_or(DEFAULT_API_KEY_ENV)
        )
    } else {
        "`mcp-fa up` in this folder (or below it) now uses it; flags still win.".to_owned()
    };
    print_text(&format!("Wrote {}. {next}\n", path.display()))
}

/// A remote project's file, its values checked as the commands will read them.
fn remote_file(args: &InitArgs, url: &str) -> Result<ProjectFile, Error> {
    let stack_flags = [
        ("--fusionauth-image", args.fusionauth_image.is_some()),
        ("--postgres-image", args.postgres_image.is_some()),
        ("--fusionauth-port", args.fusionauth_port.is_some()),
        ("--mcp-port", args.mcp_port.is_some()),
        ("--license-env", args.license_env.is_some()),
        ("--client", !args.clients.is_empty()),
    ];
    if let Some((flag, _)) = stack_flags.iter().find(|(_, given)| *given) {
        return Err(Error::InputNeeded(format!(
            "{flag} is a setting of a stack `mcp-fa up` starts; --fusionauth-url writes a \
             project for an existing FusionAuth, which has none"
        )));
    }
    let project = args.project.project.clone().unwrap_or_default();
    let api_key_env = args
        .api_key_env
        .clone()
        .unwrap_or_else(|| DEFAULT_API_KEY_ENV.to_owned());
    // Checked now (URLs, tenant id) rather than at the first command that reads the file.
    Site::remote_without_key(&RemoteSettings {
        project: project.clone(),
        fusionauth_url: url.to_owned(),
        tenant_id: args.remote.tenant_id.clone(),
        api_key_env: api_key_env.clone(),
        public_url: args.remote.public_url.clone(),
        scopes: None,
    })?;
    Ok(ProjectFile {
        project: Some(project),
        fusionauth: FusionAuthSection {
            url: Some(url.trim().to_owned()),
            tenant_id: args.remote.tenant_id.clone(),
            api_key_env: Some(api_key_env),
            ..FusionAuthSection::default()
        },
        mcp: McpSection {
            public_url: args.remote.public_url.clone(),
            scopes: args.scopes.map(scope_choice),
            ..McpSection::default()
        },
        ..ProjectFile::default()
    })
}

fn scope_choice(scopes: ServeScopes) -> ScopeChoice {
    match scopes {
        ServeScopes::Standard => ScopeChoice::Standard,
        ServeScopes::Custom => ScopeChoice::Custom,
    }
}

fn stack_file(args: &InitArgs) -> Result<ProjectFile, Error> {
    if args.remote.tenant_id.is_some() || args.remote.public_url.is_some() {
        return Err(Error::InputNeeded(
            "--tenant-id and --public-url describe an existing FusionAuth: give its URL with \
             --fusionauth-url too"
                .into(),
        ));
    }
    let clients = if args.clients.is_empty() && interactive() {
        ask_clients()?
    } else {
        args.clients.clone()
    };
    Ok(ProjectFile {
        project: Some(args.project.project.clone().unwrap_or_default()),
        fusionauth: FusionAuthSection {
            image: Some(
                args.fusionauth_image
                    .clone()
                    .unwrap_or_else(|| DEFAULT_FUSIONAUTH_IMAGE.to_owned()),
            ),
            port: Some(args.fusionauth_port.unwrap_or(DEFAULT_FUSIONAUTH_PORT)),
            license_env: args.license_env.clone(),
            ..FusionAuthSection::default()
        },
        database: DatabaseSection {
            image: Some(
                args.postgres_image
                    .clone()
                    .unwrap_or_else(|| DEFAULT_POSTGRES_IMAGE.to_owned()),
            ),
        },
        mcp: McpSection {
            port: Some(args.mcp_port.unwrap_or(DEFAULT_MCP_PORT)),
            scopes: args.scopes.map(scope_choice),
            ..McpSection::default()
        },
        clients: clients
            .iter()
            .map(|kind| kind.as_str().to_owned())
            .collect(),
    })
}

/// On a terminal: which clients `up` should register, as a list of names or numbers.
fn ask_clients() -> Result<Vec<ClientKind>, Error> {
    let kinds: Vec<ClientKind> = ClientKind::ALL
        .into_iter()
        .filter(|kind| kind.registered_by_up())
        .collect();
    let mut menu = String::from("Which MCP clients will you connect? (register them at `up`)\n");
    for (index, kind) in kinds.iter().enumerate() {
        menu.push_str(&format!(
            "  {}) {} ({})\n",
            index + 1,
            kind.display_name(),
            kind.as_str()
        ));
    }
    print_text(&menu)?;
    loop {
        let Some(answer) = ask_line("Numbers or names, separated by spaces (Enter: none): ")?
        else {
            return Ok(Vec::new());
        };
        let chosen: Option<Vec<ClientKind>> = answer
            .split([' ', ','])
            .filter(|word| !word.is_empty())
            .map(|word| {
                word.parse::<usize>()
                    .ok()
                    .and_then(|n| kinds.get(n.wrapping_sub(1)).copied())
                    .or_else(|| {
                        word.parse()
                            .ok()
                            .filter(|kind: &ClientKind| kind.registered_by_up())
                    })
            })
            .collect();
        match chosen {
            Some(mut chosen) => {
                chosen.dedup();
                return Ok(chosen);
            }
            None => print_text("Please answer with numbers or names from the list.\n")?,
        }
    }
}
