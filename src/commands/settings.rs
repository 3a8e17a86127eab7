//! Which project a command acts on, and with which settings. A setting comes from the first of:
//! the command line (flags, and the environment variables they read), the project file
//! (`mcp-fa.yaml` here or in a parent folder), what the project was created with (its state),
//! mcp-fa's default.
//!
//! A project file describes one project: it applies when `--project` is not given or names the
//! file's project, and is left aside otherwise.
//!
//! Where FusionAuth is ([`ProjectContext::remote`]) follows the same order: `--fusionauth-url`
//! (with `--tenant-id`, `--public-url`), else the project file's remote settings, else the
//! stack `mcp-fa up` started for the project.

use std::path::PathBuf;

use crate::cli::RemoteArgs;
use crate::clients::ClientKind;
use crate::error::Error;
use crate::project::{PROJECT_FILE_NAME, ProjectFile, ProjectName, find_project_file};
use crate::site::{DEFAULT_API_KEY_ENV, RemoteSettings};

/// The project a command acts on, and its project file when one applies.
#[derive(Debug, Clone)]
pub struct ProjectContext {
    pub name: ProjectName,
    pub file: Option<ProjectFile>,
    pub file_path: Option<PathBuf>,
}

/// The project a command acts on (see [`ProjectContext::load`]).
pub fn project_name(flag: Option<&ProjectName>) -> Result<ProjectName, Error> {
    Ok(ProjectContext::load(flag)?.name)
}

impl ProjectContext {
    /// The project named by `flag`, else by the project file found from the working
    /// directory, else the default one.
    pub fn load(flag: Option<&ProjectName>) -> Result<Self, Error> {
        let found = std::env::current_dir()
            .ok()
            .and_then(|dir| find_project_file(&dir));
        let loaded = match &found {
            Some(path) => Some(ProjectFile::load(path)?),
            None => None,
        };
        let file_project = loaded
            .as_ref()
            .map(|file| file.project.clone().unwrap_or_default());
        let name = flag
            .cloned()
            .or_else(|| file_project.clone())
            .unwrap_or_default();
        let applies = file_project.as_ref() == Some(&name);
        Ok(Self {
            name,
            file: loaded.filter(|_| applies),
            file_path: found.filter(|_| applies),
        })
    }

    /// The project file's settings, or none.
    pub fn file(&self) -> ProjectFile {
        self.file.clone().unwrap_or_default()
    }

    /// The existing FusionAuth this command acts on, when it acts on one: the flags', else the
    /// project file's. `None`: the stack `mcp-fa up` started.
    pub fn remote(&self, flags: &RemoteArgs) -> Result<Option<RemoteSettings>, Error> {
        let file = self.file();
        let Some(url) = flags
            .fusionauth_url
            .clone()
            .or_else(|| file.fusionauth.url.clone())
        else {
            if flags.tenant_id.is_some() || flags.public_url.is_some() {
                return Err(Error::InputNeeded(
                    "--tenant-id and --public-url name the tenant and MCP server of an existing \
                     FusionAuth: give its URL with --fusionauth-url too (or fusionauth.url in \
                     mcp-fa.yaml, which `mcp-fa init --fusionauth-url URL` writes)"
                        .into(),
                ));
            }
            return Ok(None);
        };
        Ok(Some(RemoteSettings {
            project: self.name.clone(),
            fusionauth_url: url,
            tenant_id: flags
                .tenant_id
                .clone()
                .or_else(|| file.fusionauth.tenant_id.clone()),
            api_key_env: file
                .fusionauth
                .api_key_env
                .clone()
                .unwrap_or_else(|| DEFAULT_API_KEY_ENV.to_owned()),
            public_url: flags
                .public_url
                .clone()
                .or_else(|| file.mcp.public_url.clone()),
            scopes: file.mcp.scopes,
        }))
    }

    /// The client kinds the project file lists for `up` to register.
    pub fn clients(&self) -> Result<Vec<ClientKind>, Error> {
        self.file()
            .clients
            .iter()
            .map(|kind| match kind.parse::<ClientKind>() {
                Ok(kind) if kind.registered_by_up() => Ok(kind),
                Ok(_) | Err(_) => Err(Error::InputNeeded(format!(
                    "{}: `{kind}` in `clients:` is not a client kind `up` can register (use \
                     claude-code, claude-desktop, cursor, vscode, mcp-remote or inspector; \
                     custom clients need `mcp-fa clients add --kind custom`)",
                    self.file_path
                        .as_ref()
                        .map_or(PROJECT_FILE_NAME.into(), |path| path.display().to_string())
                ))),
            })
            .collect()
    }
}
