//! `mcp-fa.yaml`: a folder's project settings, so that `mcp-fa up` (and every other command) in
//! that folder or below it acts on the same project with the same ports, images, license source,
//! scopes and clients, without flags. Found the way compose finds `compose.yaml`: in the
//! working directory, else in the nearest parent that has one.
//!
//! It owns the file's shape (unknown keys are refused, so a typo never goes unnoticed), finding
//! it, reading it, and writing a commented one. It never holds a secret: the license is named by
//! the environment variable that holds it, never by its value.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::name::ProjectName;

/// The file's name.
pub const PROJECT_FILE_NAME: &str = "mcp-fa.yaml";

/// Which scope guards the `get_name` tool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ScopeChoice {
    /// `profile`, which every FusionAuth has.
    Standard,
    /// The custom `get_name` scope (needs a FusionAuth license).
    Custom,
}

/// A project's settings as the file holds them; anything left out falls back to what the
/// project was created with, then to the defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ProjectFile {
    /// The project's name (default: `default`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<ProjectName>,
    #[serde(default, deserialize_with = "empty_is_default")]
    pub fusionauth: FusionAuthSection,
    #[serde(default, deserialize_with = "empty_is_default")]
    pub database: DatabaseSection,
    #[serde(default, deserialize_with = "empty_is_default")]
    pub mcp: McpSection,
    /// MCP client kinds `up` registers (`claude-code`, `cursor`, ...).
    #[serde(default, deserialize_with = "empty_is_default")]
    pub clients: Vec<String>,
}

/// A section whose settings are all commented out (`database:` and nothing under it) is
/// empty, not an error.
fn empty_is_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct FusionAuthSection {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// The environment variable holding the license id, read at `mcp-fa up`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license_env: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct DatabaseSection {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct McpSection {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// Left out: `custom` when the project has a license, else `standard`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scopes: Option<ScopeChoice>,
}

#[derive(Debug, thiserror::Error)]
pub enum ProjectFileError {
    #[error("could not read the project file {}: {source}", .path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "the project file {} is not valid: {reason}\nFix it (every key is described in the \
         comments `mcp-fa init` writes), or move it away to use the defaults",
        .path.display()
    )]
    Invalid { path: PathBuf, reason: String },
    #[error(
        "{} already exists; edit it, or move it away and run `mcp-fa init` again",
        .path.display()
    )]
    Exists { path: PathBuf },
    #[error("could not write the project file {}: {source}", .path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl ProjectFileError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Read { .. } | Self::Write { .. } => "PROJECT_FILE_ERROR",
            Self::Invalid { .. } => "PROJECT_FILE_INVALID",
            Self::Exists { .. } => "PROJECT_FILE_EXISTS",
        }
    }
}

/// The project file that applies in `dir`: `dir/mcp-fa.yaml`, else the nearest parent's.
pub fn find_project_file(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .map(|folder| folder.join(PROJECT_FILE_NAME))
        .find(|candidate| candidate.is_file())
}

impl ProjectFile {
    /// Reads and checks `path`.
    pub fn load(path: &Path) -> Result<Self, ProjectFileError> {
        let text = std::fs::read_to_string(path).map_err(|source| ProjectFileError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(&text).map_err(|reason| ProjectFileError::Invalid {
            path: path.to_owned(),
            reason,
        })
    }

    /// An empty file (only comments) is a file with every setting left out.
    fn parse(text: &str) -> Result<Self, String> {
        if text
            .lines()
            .all(|line| line.trim().is_empty() || line.trim_start().starts_with('#'))
        {
            return Ok(Self::default());
        }
        let file: Self = yaml_serde::from_str(text).map_err(|error| error.to_string())?;
        if let Some(name) = &file.fusionauth.license_env
            && !is_env_name(name)
        {
            return Err(format!(
                "fusionauth.license-env must name an environment variable (e.g. \
                 FUSIONAUTH_LICENSE_ID), not `{name}`: the license itself never goes in this file"
            ));
        }
        Ok(file)
    }

    /// Writes the file at `path` with comments on every setting; refuses to replace one.
    pub fn create(&self, path: &Path) -> Result<(), ProjectFileError> {
        use std::io::Write as _;
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
            .map_err(|source| match source.kind() {
                std::io::ErrorKind::AlreadyExists => ProjectFileError::Exists {
                    path: path.to_owned(),
                },
                _ => ProjectFileError::Write {
                    path: path.to_owned(),
                    source,
                },
            })?;
        file.write_all(self.render().as_bytes())
            .and_then(|()| file.sync_all())
            .map_err(|source| ProjectFileError::Write {
                path: path.to_owned(),
                source,
            })
    }

    /// The file as `mcp-fa init` writes it: every setting with a comment saying what it does.
    pub fn render(&self) -> String {
        let mut out = String::from(
            "# mcp-fa project settings. Every mcp-fa command run in this folder (or below it) uses\n\
             # them; a flag on the command line wins over the file. Settings left out fall back to\n\
             # what the project was created with, then to mcp-fa's defaults.\n\n",
        );
        let value = |text: &str| serde_json::Value::String(text.to_owned()).to_string();
        if let Some(project) = &self.project {
            let _ = writeln!(
                out,
                "# Names the state files and the Docker objects; several projects run side by side.\n\
                 project: {}\n",
                value(project.as_str())
            );
        }
        out.push_str("fusionauth:\n");
        if let Some(image) = &self.fusionauth.image {
            let _ = writeln!(
                out,
                "  # The FusionAuth image (1.67 or newer: resource indicators; 1.69 adds `iss` on\n  \
                 # the authorize redirect). Changing its major version needs a fresh database.\n  \
                 image: {}",
                value(image)
            );
        }
        if let Some(port) = self.fusionauth.port {
            let _ = writeln!(
                out,
                "  # Published on 127.0.0.1 (its login pages and API): fixed once the data\n  \
                 # exists (`mcp-fa down --volumes` to change it).\n  port: {port}"
            );
        }
        match &self.fusionauth.license_env {
            Some(name) => {
                let _ = writeln!(
                    out,
                    "  # The environment variable holding your FusionAuth license id (never the id\n  \
                     # itself: this file is meant to be committed).\n  license-env: {}",
                    value(name)
                );
            }
            None => out.push_str(
                "  # With a FusionAuth license: the environment variable that holds its id.\n  \
                 # license-env: FUSIONAUTH_LICENSE_ID\n",
            ),
        }
        out.push_str("\ndatabase:\n");
        if let Some(image) = &self.database.image {
            let _ = writeln!(
                out,
                "  # PostgreSQL; keep the major version (the data directory belongs to it).\n  \
                 image: {}",
                value(image)
            );
        }
        out.push_str("\nmcp:\n");
        if let Some(port) = self.mcp.port {
            let _ = writeln!(
                out,
                "  # The MCP server listens on 127.0.0.1:<port>; clients connect to\n  \
                 # http://localhost:<port>/mcp. Its origin is the tenant's issuer: fixed once\n  \
                 # the data exists (`mcp-fa down --volumes` to change it).\n  port: {port}"
            );
        }
        match self.mcp.scopes {
            Some(scopes) => {
                let _ = writeln!(
                    out,
                    "  # Which scope guards get_name: standard (profile) or custom (the get_name\n  \
                     # scope; needs a license).\n  scopes: {}",
                    match scopes {
                        ScopeChoice::Standard => "standard",
                        ScopeChoice::Custom => "custom",
                    }
                );
            }
            None => out.push_str(
                "  # Which scope guards get_name: standard (profile) or custom (the get_name scope;\n  \
                 # needs a license). Left out: custom with a license, else standard.\n  \
                 # scopes: standard\n",
            ),
        }
        out.push_str(
            "\n# MCP clients `mcp-fa up` registers: claude-code, claude-desktop, cursor, vscode,\n\
             # mcp-remote, inspector.\n",
        );
        if self.clients.is_empty() {
            out.push_str("clients: []\n");
        } else {
            out.push_str("clients:\n");
            for client in &self.clients {
                let _ = writeln!(out, "  - {}", value(client));
            }
        }
        out
    }
}

fn is_env_name(name: &str) -> bool {
    !name.is_empty()
        && !name.as_bytes()[0].is_ascii_digit()
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full() -> ProjectFile {
        ProjectFile {
            project: Some(ProjectName::parse("team-a").expect("valid")),
            fusionauth: FusionAuthSection {
                image: Some("fusionauth/fusionauth-app:1.69.3".into()),
                port: Some(19011),
                license_env: Some("FUSIONAUTH_LICENSE_ID".into()),
            },
            database: DatabaseSection {
                image: Some("postgres:16.9-alpine".into()),
            },
            mcp: McpSection {
                port: Some(18000),
                scopes: Some(ScopeChoice::Custom),
            },
            clients: vec!["claude-code".into(), "cursor".into()],
        }
    }

    #[test]
    fn what_init_writes_reads_back_the_same() {
        for file in [full(), ProjectFile::default()] {
            let text = file.render();
            assert_eq!(ProjectFile::parse(&text).expect(&text), file, "{text}");
        }
    }

    #[test]
    fn a_typo_or_a_license_value_is_refused_with_the_reason() {
        let error = ProjectFile::parse("fusionauth:\n  prot: 9011\n").expect_err("typo");
        assert!(error.contains("prot"), "{error}");
        let error = ProjectFile::parse("project: Bad Name\n").expect_err("name");
        assert!(error.contains("not a project name"), "{error}");
        let error = ProjectFile::parse("fusionauth:\n  license-env: 1234-abcd-5678\n")
            .expect_err("a license id where its variable belongs");
        assert!(error.contains("never goes in this file"), "{error}");
    }

    #[test]
    fn the_nearest_file_up_the_tree_applies() {
        let root = tempfile::tempdir().expect("dir");
        let deep = root.path().join("a/b");
        std::fs::create_dir_all(&deep).expect("dirs");
        assert_eq!(find_project_file(&deep), None);
        std::fs::write(root.path().join(PROJECT_FILE_NAME), "").expect("write");
        assert_eq!(
            find_project_file(&deep),
            Some(root.path().join(PROJECT_FILE_NAME))
        );
        std::fs::write(root.path().join("a").join(PROJECT_FILE_NAME), "").expect("write");
        assert_eq!(
            find_project_file(&deep),
            Some(root.path().join("a").join(PROJECT_FILE_NAME))
        );
    }

    #[test]
    fn an_existing_file_is_never_replaced() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join(PROJECT_FILE_NAME);
        std::fs::write(&path, "# mine\n").expect("write");
        let error = full().create(&path).expect_err("exists");
        assert_eq!(error.code(), "PROJECT_FILE_EXISTS");
        assert_eq!(std::fs::read_to_string(&path).expect("read"), "# mine\n");
    }
}
