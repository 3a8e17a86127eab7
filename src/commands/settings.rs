//! Which project a command acts on, and with which settings. A setting comes from the first of:
//! the command line (flags, and the environment variables they read), the project file
//! (`mcp-fa.yaml` here or in a parent folder), what the project was created with (its state),
//! mcp-fa's default.
//!
//! A project file describes one project: it applies when `--project` is not given or names the
//! file's project, and is left aside otherwise.

use std::path::PathBuf;

use crate::clients::ClientKind;
use crate::error::Error;
use crate::project::{PROJECT_FILE_NAME, ProjectFile, ProjectName, find_project_file};

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

    /// The client kinds the project file lists for `up` to register.
    pub fn clients(&self) -> Result<Vec<ClientKind>, Error> {
        self.file()
            .clients
            .iter()
            .map(|kind| match kind.parse::<ClientKind>() {
                Ok(ClientKind::Custom) | Err(_) => Err(Error::InputNeeded(format!(
                    "{}: `{kind}` in `clients:` is not a client kind `up` can register (use \
                     claude-code, claude-desktop, cursor, vscode, mcp-remote or inspector; \
                     custom clients need `mcp-fa clients add --kind custom`)",
                    self.file_path
                        .as_ref()
                        .map_or(PROJECT_FILE_NAME.into(), |path| path.display().to_string())
                ))),
                Ok(kind) => Ok(kind),
            })
            .collect()
    }
}
