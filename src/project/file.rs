//! `mcp-fa.yaml`: a folder's project settings, so that `mcp-fa up` (and every other command) in
//! that folder or below it acts on the same project with the same ports, images, license source,
//! scopes and clients, without flags. Found the way compose finds `compose.yaml`: in the
//! working directory, else in the nearest parent that has one.
//!
//! A file whose `fusionauth:` names a `url` describes a remote project instead: an existing
//! FusionAuth (its tenant, the environment variable holding its API key) and the MCP server's
//! public URL; the settings of a stack `up` starts (images, ports, license) do not apply to it
//! and are refused there.
//!
//! It owns the file's shape (unknown keys are refused, so a typo never goes unnoticed), finding
//! it, reading it, and writing a commented one. It never holds a secret: the license and the API
//! key are named by the environment variables that hold them, never by their values.

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
    /// An existing FusionAuth (a remote project): where it answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The tenant of a remote FusionAuth (sent as its tenant header).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant_id: Option<String>,
    /// The environment variable holding a remote FusionAuth's API key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key_env: Option<String>,
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
    /// A remote project's MCP server: the URL clients reach it at (the resource is
    /// `<public-url>/mcp`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_url: Option<String>,
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
        if let Some(name) = &file.fusionauth.api_key_env
            && !is_env_name(name)
        {
            return Err(format!(
                "fusionauth.api-key-env must name an environment variable (e.g. \
                 FUSIONAUTH_API_KEY), not `{name}`: the API key itself never goes in this file"
            ));
        }
        file.check_kind()?;
        Ok(file)
    }

    /// Whether the file describes an existing FusionAuth rather than a stack `up` starts.
    pub fn is_remote(&self) -> bool {
        self.fusionauth.url.is_some()
    }

    /// A remote project has none of a stack's settings, and a stack none of a remote
    /// project's: a mix is refused, saying which key belongs where.
    fn check_kind(&self) -> Result<(), String> {
        let stack_keys = [
            ("fusionauth.image", self.fusionauth.image.is_some()),
            ("fusionauth.port", self.fusionauth.port.is_some()),
            (
                "fusionauth.license-env",
                self.fusionauth.license_env.is_some(),
            ),
            ("database.image", self.database.image.is_some()),
            ("mcp.port", self.mcp.port.is_some()),
            ("clients", !self.clients.is_empty()),
        ];
        let remote_keys = [
            ("fusionauth.tenant-id", self.fusionauth.tenant_id.is_some()),
            (
                "fusionauth.api-key-env",
                self.fusionauth.api_key_env.is_some(),
            ),
            ("mcp.public-url", self.mcp.public_url.is_some()),
        ];
        if self.is_remote() {
            if let Some((key, _)) = stack_keys.iter().find(|(_, set)| *set) {
                return Err(format!(
                    "{key} is a setting of a stack `mcp-fa up` starts, but fusionauth.url makes \
                     this a remote project (an existing FusionAuth): remove {key}, or remove \
                     fusionauth.url to run a local stack"
                ));
            }
        } else if let Some((key, _)) = remote_keys.iter().find(|(_, set)| *set) {
            return Err(format!(
                "{key} belongs to a remote project: add fusionauth.url (the existing \
                 FusionAuth's URL), or remove {key}"
            ));
        }
        Ok(())
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
        if self.is_remote() {
            return self.render_remote();
        }
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
                "  # Published on 127.0.0.1 and part of the tenant's issuer: fixed once the data\n  \
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
                 # http://localhost:<port>/mcp.\n  port: {port}"
            );
        }
        self.render_scopes(&mut out, "custom with a license, else standard");
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

impl ProjectFile {
    /// A remote project's file: the existing FusionAuth, its tenant, where its API key is, and
    /// the MCP server's public URL.
    fn render_remote(&self) -> String {
        let value = |text: &str| serde_json::Value::String(text.to_owned()).to_string();
        let mut out = String::from(
            "# mcp-fa project settings for an existing FusionAuth (self-hosted or FusionAuth Cloud).\n\
             # Every mcp-fa command run in this folder (or below it) uses them; a flag on the command\n\
             # line wins over the file. No secret belongs here: the API key is read from the\n\
             # environment variable named below.\n\n",
        );
        if let Some(project) = &self.project {
            let _ = writeln!(
                out,
                "# Names this project's files (walkthrough progress) beside other projects.\n\
                 project: {}\n",
                value(project.as_str())
            );
        }
        out.push_str("fusionauth:\n");
        if let Some(url) = &self.fusionauth.url {
            let _ = writeln!(
                out,
                "  # Where FusionAuth answers: its API, hosted login pages and discovery.\n  url: {}",
                value(url)
            );
        }
        match &self.fusionauth.tenant_id {
            Some(tenant) => {
                let _ = writeln!(
                    out,
                    "  # The tenant MCP clients are registered in; its issuer and keys sign their\n  \
                     # tokens (sent as FusionAuth's X-FusionAuth-TenantId header).\n  \
                     tenant-id: {}",
                    value(tenant)
                );
            }
            None => out.push_str(
                "  # With several tenants: the one MCP clients are registered in.\n  \
                 # tenant-id: 00000000-0000-0000-0000-000000000000\n",
            ),
        }
        let _ = writeln!(
            out,
            "  # The environment variable holding an API key of that FusionAuth (never the key:\n  \
             # this file is meant to be committed). `mcp-fa doctor` says which permissions it needs.\n  \
             api-key-env: {}",
            value(
                self.fusionauth
                    .api_key_env
                    .as_deref()
                    .unwrap_or("FUSIONAUTH_API_KEY")
            )
        );
        out.push_str("\nmcp:\n");
        match &self.mcp.public_url {
            Some(url) => {
                let _ = writeln!(
                    out,
                    "  # The URL clients reach the MCP server at (`mcp-fa serve --public-url`); tokens\n  \
                     # are issued for <public-url>/mcp.\n  public-url: {}",
                    value(url)
                );
            }
            None => out.push_str(
                "  # The URL clients reach the MCP server at; left out: http://localhost:8000.\n  \
                 # public-url: https://mcp.example.com\n",
            ),
        }
        self.render_scopes(&mut out, "standard");
        out
    }

    /// `mcp.scopes`, set or commented out with what leaving it out means (`left_out`).
    fn render_scopes(&self, out: &mut String, left_out: &str) {
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
            None => {
                let _ = writeln!(
                    out,
                    "  # Which scope guards get_name: standard (profile) or custom (the get_name scope;\n  \
                     # needs a license). Left out: {left_out}.\n  # scopes: standard"
                );
            }
        }
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
                ..FusionAuthSection::default()
            },
            database: DatabaseSection {
                image: Some("postgres:16.9-alpine".into()),
            },
            mcp: McpSection {
                port: Some(18000),
                scopes: Some(ScopeChoice::Custom),
                ..McpSection::default()
            },
            clients: vec!["claude-code".into(), "cursor".into()],
        }
    }

    fn remote() -> ProjectFile {
        ProjectFile {
            project: Some(ProjectName::parse("prod").expect("valid")),
            fusionauth: FusionAuthSection {
                url: Some("https://auth.example.com".into()),
                tenant_id: Some("3b0e0c1a-0000-4000-8000-000000000001".into()),
                api_key_env: Some("PROD_FUSIONAUTH_KEY".into()),
                ..FusionAuthSection::default()
            },
            mcp: McpSection {
                public_url: Some("https://mcp.example.com".into()),
                ..McpSection::default()
            },
            ..ProjectFile::default()
        }
    }

    #[test]
    fn a_remote_project_reads_back_and_refuses_a_stack_setting() {
        let text = remote().render();
        assert_eq!(ProjectFile::parse(&text).expect(&text), remote(), "{text}");
        assert!(remote().is_remote() && !full().is_remote());
        let mixed = format!("{text}database:\n  image: postgres:16\n");
        let error = ProjectFile::parse(&mixed).expect_err("a stack setting in a remote file");
        assert!(
            error.contains("database.image") && error.contains("remote"),
            "{error}"
        );
        let error = ProjectFile::parse("mcp:\n  public-url: https://mcp.example.com\n")
            .expect_err("a remote setting without a FusionAuth");
        assert!(error.contains("fusionauth.url"), "{error}");
        let error = ProjectFile::parse(
            "fusionauth:\n  url: https://a.example.com\n  api-key-env: 5b3c-secret\n",
        )
        .expect_err("a key where its variable belongs");
        assert!(error.contains("never goes in this file"), "{error}");
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
