//! `--write-config`: merging one server entry into a client's real configuration file. The
//! user's file is theirs: every other entry and key order is kept, a backup is written before
//! any change, the new file replaces the old one atomically, and a file that cannot be parsed is
//! refused untouched rather than "repaired".

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

/// What `merge_server_entry` did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "change", rename_all = "camelCase")]
pub enum ConfigChange {
    /// The file did not exist and now holds only our entry.
    Created { path: PathBuf },
    /// Our entry was added beside the others.
    Added { path: PathBuf, backup: PathBuf },
    /// An entry of the same name was replaced.
    Replaced { path: PathBuf, backup: PathBuf },
    /// The same entry was already there; nothing was written.
    Unchanged { path: PathBuf },
}

impl std::fmt::Display for ConfigChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConfigChange::Created { path } => write!(f, "created {}", path.display()),
            ConfigChange::Added { path, backup } => {
                write!(
                    f,
                    "added the entry to {} (backup: {})",
                    path.display(),
                    backup.display()
                )
            }
            ConfigChange::Replaced { path, backup } => write!(
                f,
                "replaced the entry of the same name in {} (backup: {})",
                path.display(),
                backup.display()
            ),
            ConfigChange::Unchanged { path } => {
                write!(f, "{} already has this entry", path.display())
            }
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigFileError {
    #[error(
        "{path} is not valid JSON ({detail}); nothing was changed. Fix the file (or move it aside) and run the command again, or copy the entry by hand"
    )]
    Unparseable { path: PathBuf, detail: String },
    #[error("{path}: expected {expected}; nothing was changed. Copy the entry by hand instead")]
    UnexpectedShape { path: PathBuf, expected: String },
    #[error("could not {action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
}

fn io<'p>(
    action: &'static str,
    path: &'p Path,
) -> impl FnOnce(std::io::Error) -> ConfigFileError + 'p {
    move |source| ConfigFileError::Io {
        action,
        path: path.to_path_buf(),
        source,
    }
}

/// Puts `entry` at `container_key.name` in the JSON file at `path`.
pub fn merge_server_entry(
    path: &Path,
    container_key: &str,
    name: &str,
    entry: &Value,
) -> Result<ConfigChange, ConfigFileError> {
    let existing = match std::fs::read_to_string(path) {
        Ok(text) => Some(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(io("read", path)(e)),
    };
    let Some(text) = existing else {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io("create the folder for", path))?;
        }
        let mut container = Map::new();
        container.insert(name.to_string(), entry.clone());
        let mut root = Map::new();
        root.insert(container_key.to_string(), Value::Object(container));
        write_atomically(path, &Value::Object(root))?;
        return Ok(ConfigChange::Created {
            path: path.to_path_buf(),
        });
    };
    let mut root: Value = if text.trim().is_empty() {
        Value::Object(Map::new())
    } else {
        serde_json::from_str(&text).map_err(|e| ConfigFileError::Unparseable {
            path: path.to_path_buf(),
            detail: e.to_string(),
        })?
    };
    let shape = |expected: &str| ConfigFileError::UnexpectedShape {
        path: path.to_path_buf(),
        expected: expected.to_string(),
    };
    let root_object = root
        .as_object_mut()
        .ok_or_else(|| shape("a JSON object at the top level"))?;
    let container = root_object
        .entry(container_key.to_string())
        .or_insert_with(|| Value::Object(Map::new()));
    let container = container
        .as_object_mut()
        .ok_or_else(|| shape(&format!("\"{container_key}\" to be an object")))?;
    let replaced = match container.get(name) {
        Some(current) if current == entry => {
            return Ok(ConfigChange::Unchanged {
                path: path.to_path_buf(),
            });
        }
        Some(_) => true,
        None => false,
    };
    container.insert(name.to_string(), entry.clone());
    let backup = backup_path(path);
    std::fs::copy(path, &backup).map_err(io("back up", path))?;
    write_atomically(path, &root)?;
    Ok(if replaced {
        ConfigChange::Replaced {
            path: path.to_path_buf(),
            backup,
        }
    } else {
        ConfigChange::Added {
            path: path.to_path_buf(),
            backup,
        }
    })
}

/// `<file>.mcp-fa-backup`, or `<file>.mcp-fa-backup.N` when that exists: never overwrite a
/// backup, which may be the only copy of what the user had.
fn backup_path(path: &Path) -> PathBuf {
    let base = format!("{}.mcp-fa-backup", path.display());
    let mut candidate = PathBuf::from(&base);
    let mut n = 1;
    while candidate.exists() {
        candidate = PathBuf::from(format!("{base}.{n}"));
        n += 1;
    }
    candidate
}

fn write_atomically(path: &Path, value: &Value) -> Result<(), ConfigFileError> {
    let mut text = serde_json::to_string_pretty(value).map_err(|e| ConfigFileError::Io {
        action: "encode",
        path: path.to_path_buf(),
        source: std::io::Error::other(e),
    })?;
    text.push('\n');
    let tmp = path.with_extension("mcp-fa-tmp");
    std::fs::write(&tmp, text).map_err(io("write", &tmp))?;
    // Keep the original file's permissions (a config may hold other servers' secrets).
    if let Ok(meta) = std::fs::metadata(path) {
        let _ = std::fs::set_permissions(&tmp, meta.permissions());
    }
    std::fs::rename(&tmp, path).map_err(io("replace", path))
}
