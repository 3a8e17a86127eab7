//! Files only their owner can read, written so that a crash never leaves half of one: the
//! state directory's helpers, shared by every file that holds secrets or progress.

use std::io::Write;
use std::path::Path;

use serde::Serialize;

use super::StateError;

#[cfg(unix)]
pub(crate) fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(not(unix))]
pub(crate) fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)
}

/// Writes `value` as pretty JSON to `path` (in `dir`, created 0700 if needed) atomically and
/// with mode 0600: a temporary file is written, synced and renamed over the old one, so a crash
/// never leaves half a file and nobody else can read what it holds. Every file of the state
/// directory that holds progress or secrets is written this way.
pub fn write_private_json(
    dir: &Path,
    path: &Path,
    value: &impl Serialize,
) -> Result<(), StateError> {
    create_private_dir(dir).map_err(|source| StateError::Io {
        action: "create",
        path: dir.to_owned(),
        source,
    })?;
    let name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let bytes = serde_json::to_vec_pretty(value).expect("state files serialise");
    let written = (|| {
        let mut file = private_file(&temporary)?;
        file.write_all(&bytes)?;
        file.write_all(b"\n")?;
        file.sync_all()?;
        std::fs::rename(&temporary, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written.map_err(|source| StateError::Io {
        action: "write",
        path: path.to_owned(),
        source,
    })
}

/// Creates (or truncates) a file only its owner can read: state files, and logs that sit
/// beside them.
#[cfg(unix)]
pub fn private_file(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
pub fn private_file(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::File::create(path)
}
