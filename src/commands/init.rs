//! `mcp-fa init`: writes `mcp-fa.yaml` in the working directory with the project's settings,
//! so every later command in this folder acts on the same project. Asks which clients to
//! register only on a terminal and only when `--client` is not given; never replaces a file.

use super::output::print_text;
use super::terminal::{ask_line, interactive};
use crate::cli::{InitArgs, ServeScopes};
use crate::clients::ClientKind;
use crate::error::Error;
use crate::project::{
    DatabaseSection, FusionAuthSection, McpSection, PROJECT_FILE_NAME, ProjectFile, ScopeChoice,
};
use crate::stack::{
    DEFAULT_FUSIONAUTH_IMAGE, DEFAULT_FUSIONAUTH_PORT, DEFAULT_MCP_PORT, DEFAULT_POSTGRES_IMAGE,
};

pub fn run(args: &InitArgs) -> Result<(), Error> {
    let dir = std::env::current_dir().map_err(Error::Output)?;
    let path = dir.join(PROJECT_FILE_NAME);
    if path.exists() {
        return Err(crate::project::ProjectFileError::Exists { path }.into());
    }
    let clients = if args.clients.is_empty() && interactive() {
        ask_clients()?
    } else {
        args.clients.clone()
    };
    let file = ProjectFile {
        project: Some(args.project.project.clone().unwrap_or_default()),
        fusionauth: FusionAuthSection {
            image: Some(
                args.fusionauth_image
                    .clone()
                    .unwrap_or_else(|| DEFAULT_FUSIONAUTH_IMAGE.to_owned()),
            ),
            port: Some(args.fusionauth_port.unwrap_or(DEFAULT_FUSIONAUTH_PORT)),
            license_env: args.license_env.clone(),
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
            scopes: args.scopes.map(|scopes| match scopes {
                ServeScopes::Standard => ScopeChoice::Standard,
                ServeScopes::Custom => ScopeChoice::Custom,
            }),
        },
        clients: clients
            .iter()
            .map(|kind| kind.as_str().to_owned())
            .collect(),
    };
    // The rendered file is read back before it is written: what `init` writes, `up` reads.
    file.create(&path)?;
    ProjectFile::load(&path)?;
    print_text(&format!(
        "Wrote {}. `mcp-fa up` in this folder (or below it) now uses it; flags still win.\n",
        path.display()
    ))
}

/// On a terminal: which clients `up` should register, as a list of names or numbers.
fn ask_clients() -> Result<Vec<ClientKind>, Error> {
    let kinds: Vec<ClientKind> = ClientKind::ALL
        .into_iter()
        .filter(|kind| *kind != ClientKind::Custom)
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
                    .or_else(|| word.parse().ok().filter(|kind| *kind != ClientKind::Custom))
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
