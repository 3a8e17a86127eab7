//! The output folder: refused when it already holds files (unless forced), so an export never
//! overwrites anything by surprise; then each file written whole, secrets with mode 0600, and an
//! existing secrets file kept even when forced, since its values belong to data (a database
//! volume, a cluster's Secret) that may already exist.

use std::path::{Path, PathBuf};

use super::error::ExportError;

/// One file to write, relative to the output folder.
pub struct OutputFile {
    pub path: &'static str,
    pub contents: String,
    /// Holds secrets: mode 0600, and never replaced once there.
    pub secret: bool,
}

/// What was written.
#[derive(Debug, Clone, Default)]
pub struct Written {
    pub files: Vec<PathBuf>,
    /// Secret files left as they were (`--force` over an earlier export).
    pub kept: Vec<PathBuf>,
}

/// Refuses a folder with anything in it unless `force`; a path that is not a folder always.
/// Nothing is written before this passes.
pub fn check(dir: &Path, force: bool) -> Result<(), ExportError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(_) if dir.exists() && !dir.is_dir() => {
            return Err(ExportError::OutputNotADirectory {
                dir: dir.to_owned(),
            });
        }
        Err(source) => {
            return Err(ExportError::Io {
                action: "read",
                path: dir.to_owned(),
                source,
            });
        }
    };
    let mut found: Vec<String> = entries
        .flatten()
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    if found.is_empty() || force {
        return Ok(());
    }
    found.sort();
    found.truncate(5);
    Err(ExportError::OutputNotEmpty {
        dir: dir.to_owned(),
        found,
    })
}

/// Writes `files` under `dir` (created as needed).
pub fn write(dir: &Path, files: &[OutputFile]) -> Result<Written, ExportError> {
    let io = |action: &'static str, path: &Path| {
        let path = path.to_owned();
        move |source| ExportError::Io {
            action,
            path,
            source,
        }
    };
    let mut written = Written::default();
    for file in files {
        let path = dir.join(file.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io("create", parent))?;
        }
        if file.secret && path.exists() {
            written.kept.push(path);
            continue;
        }
        if file.secret {
            use std::io::Write as _;
            let mut out = crate::state::private_file(&path).map_err(io("write", &path))?;
            out.write_all(file.contents.as_bytes())
                .map_err(io("write", &path))?;
        } else {
            std::fs::write(&path, &file.contents).map_err(io("write", &path))?;
        }
        written.files.push(path);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_with_files_is_refused_unless_forced_and_secrets_are_kept() {
        let dir = tempfile::tempdir().expect("dir");
        check(&dir.path().join("new"), false).expect("a new folder is fine");
        check(dir.path(), false).expect("an empty folder is fine");
        std::fs::write(dir.path().join(".env"), "OLD=1\n").expect("write");
        let error = check(dir.path(), false).expect_err("not empty");
        assert_eq!(error.code(), "EXPORT_DIR_NOT_EMPTY");
        assert!(error.to_string().contains(".env"), "{error}");
        check(dir.path(), true).expect("forced");
        let written = write(
            dir.path(),
            &[
                OutputFile {
                    path: ".env",
                    contents: "NEW=1\n".into(),
                    secret: true,
                },
                OutputFile {
                    path: "kickstart/kickstart.json",
                    contents: "{}\n".into(),
                    secret: false,
                },
            ],
        )
        .expect("write");
        assert_eq!(written.kept, [dir.path().join(".env")]);
        assert_eq!(
            std::fs::read_to_string(dir.path().join(".env")).expect("read"),
            "OLD=1\n"
        );
        assert!(dir.path().join("kickstart/kickstart.json").is_file());
        let file = dir.path().join("file");
        std::fs::write(&file, "").expect("write");
        assert_eq!(
            check(&file, true).expect_err("a file").code(),
            "EXPORT_DIR_INVALID"
        );
    }

    #[cfg(unix)]
    #[test]
    fn secret_files_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("dir");
        write(
            dir.path(),
            &[OutputFile {
                path: ".env",
                contents: "A=1\n".into(),
                secret: true,
            }],
        )
        .expect("write");
        let mode = std::fs::metadata(dir.path().join(".env"))
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
