//! The MCP server's container image, made here from the running `mcp-fa` itself, with no base
//! image and no registry: a root filesystem holding this very executable (read through
//! `/proc/self/exe`, so an installed `mcp-fa` works as well as a fresh build), the shared
//! libraries it has loaded (read from `/proc/self/maps`, so they are exactly the ones it runs
//! with, wherever the host's distribution keeps them), its program interpreter, a user, CA
//! certificates, and a Dockerfile `FROM scratch` that the daemon's classic builder turns into an
//! image without pulling anything.
//!
//! glibc or musl: whatever this executable is. A dynamically linked glibc build brings its
//! loader (at the path its `PT_INTERP` names) and every library (under [`LIBRARY_DIR`], each
//! named by its soname, which is what the loader looks for); a static build (musl) needs
//! neither and gets none. The image's settings (entrypoint, user, environment, health check)
//! are the repository's `Dockerfile`'s, which builds the same server for people with a
//! registry.
//!
//! It reads files and returns a build context; it never talks to Docker.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use object::read::elf::{Dyn as _, FileHeader, ProgramHeader as _};
use object::{FileKind, elf};

use super::error::ExportError;

/// The repository local images are tagged in: `mcp-fa/mcp-server:<version>-<content hash>`.
pub const REPOSITORY: &str = "mcp-fa/mcp-server";
/// Marks the images built here, with the content hash as its value.
pub const IMAGE_LABEL: &str = "dev.mcp-fa.image.content";
/// Where the executable lives in the image (the Dockerfile puts it there too).
pub const BINARY: &str = "/usr/local/bin/mcp-fa";
/// Where the shared libraries go; `LD_LIBRARY_PATH` names it, so the loader finds them without
/// a cache and whatever directory the host kept them in.
pub const LIBRARY_DIR: &str = "/usr/lib/mcp-fa";
/// A user that owns nothing in the image (distroless's `nonroot`, the Dockerfile's user).
pub const USER: &str = "65532:65532";
/// The port the server listens on inside the container.
pub const PORT: u16 = 8000;
/// The environment both images set: listen on every interface of the container, log JSON,
/// and wait for a FusionAuth started alongside.
pub const ENV: [(&str, &str); 4] = [
    ("MCP_FA_BIND", "0.0.0.0:8000"),
    ("MCP_FA_PUBLIC_URL", "http://localhost:8000"),
    ("MCP_FA_LOG_FORMAT", "json"),
    ("MCP_FA_WAIT_FOR_ISSUER", "120"),
];
pub const ENTRYPOINT: &str = r#"["/usr/local/bin/mcp-fa", "serve"]"#;
/// The health check both images declare: the Protected Resource Metadata, asked by mcp-fa
/// itself (a minimal image has no curl). The start period covers [`ENV`]'s wait for the issuer.
pub const HEALTHCHECK: &str = r#"--interval=10s --timeout=5s --start-period=120s --retries=3 CMD ["/usr/local/bin/mcp-fa", "healthcheck"]"#;

/// A build context: a tar archive with the Dockerfile and the root filesystem.
pub struct BuildContext {
    /// `mcp-fa/mcp-server:<version>-<first 12 hex digits of the context's SHA-256>`: the same
    /// executable and libraries give the same tag, so an image built once is reused.
    pub reference: String,
    pub content_hash: String,
    pub archive: Vec<u8>,
    /// What the image holds besides the executable, for the export's report.
    pub libraries: Vec<String>,
}

impl std::fmt::Debug for BuildContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BuildContext")
            .field("reference", &self.reference)
            .field("bytes", &self.archive.len())
            .field("libraries", &self.libraries)
            .finish()
    }
}

/// The Dockerfile of the local image: everything is in the context, so `FROM scratch`.
pub fn dockerfile() -> String {
    let env: Vec<String> = ENV
        .iter()
        .map(|(name, value)| format!("{name}={value}"))
        .collect();
    format!(
        "FROM scratch\n\
         COPY rootfs/ /\n\
         ENV {} LD_LIBRARY_PATH={LIBRARY_DIR}\n\
         USER {USER}\n\
         EXPOSE {PORT}\n\
         ENTRYPOINT {ENTRYPOINT}\n\
         HEALTHCHECK {HEALTHCHECK}\n",
        env.join(" ")
    )
}

/// The build context for the running executable.
pub fn from_running_executable(version: &str) -> Result<BuildContext, ExportError> {
    if !cfg!(target_os = "linux") {
        return Err(ExportError::ImageSource {
            reason: "it is not a Linux executable".into(),
        });
    }
    let unreadable = |path: &str, error: std::io::Error| ExportError::ImageSource {
        reason: format!("{path} cannot be read: {error}"),
    };
    let executable =
        std::fs::read("/proc/self/exe").map_err(|e| unreadable("/proc/self/exe", e))?;
    let interpreter = elf_facts(&executable)
        .ok_or_else(|| ExportError::ImageSource {
            reason: "it is not an ELF executable".into(),
        })?
        .interpreter;
    let maps =
        std::fs::read_to_string("/proc/self/maps").map_err(|e| unreadable("/proc/self/maps", e))?;

    let mut files: BTreeMap<String, (Vec<u8>, u32)> = BTreeMap::new();
    let mut libraries = Vec::new();
    let skip: BTreeSet<std::path::PathBuf> = ["/proc/self/exe"]
        .into_iter()
        .map(str::to_owned)
        .chain(interpreter.clone())
        .filter_map(|path| std::fs::canonicalize(path).ok())
        .collect();
    if let Some(path) = &interpreter {
        let loader = std::fs::read(path).map_err(|e| unreadable(path, e))?;
        files.insert(path.clone(), (loader, 0o755));
        libraries.push(path.clone());
    }
    for path in mapped_files(&maps) {
        if std::fs::canonicalize(&path).is_ok_and(|real| skip.contains(&real)) {
            continue;
        }
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        let Some(soname) = elf_facts(&bytes).and_then(|facts| facts.soname) else {
            continue;
        };
        let target = format!("{LIBRARY_DIR}/{soname}");
        if let std::collections::btree_map::Entry::Vacant(slot) = files.entry(target) {
            libraries.push(format!("{path} as {}", slot.key()));
            slot.insert((bytes, 0o755));
        }
    }
    files.insert(BINARY.to_owned(), (executable, 0o755));
    files.insert(
        "/etc/passwd".into(),
        (b"root:x:0:0:root:/root:/sbin/nologin\nmcp-fa:x:65532:65532:mcp-fa MCP server:/nonexistent:/sbin/nologin\n".to_vec(), 0o644),
    );
    files.insert(
        "/etc/group".into(),
        (b"root:x:0:\nmcp-fa:x:65532:\n".to_vec(), 0o644),
    );
    files.insert(
        "/etc/nsswitch.conf".into(),
        (b"hosts: files dns\n".to_vec(), 0o644),
    );
    // An https issuer (any real deployment) needs roots to verify FusionAuth's certificate.
    if let Some(bundle) = CA_BUNDLES
        .iter()
        .find_map(|candidate| std::fs::read(candidate).ok().filter(|b| !b.is_empty()))
    {
        files.insert("/etc/ssl/certs/ca-certificates.crt".into(), (bundle, 0o644));
    }
    let archive = archive(&dockerfile(), &files).map_err(|source| ExportError::Io {
        action: "assemble the image's files in memory",
        path: "/proc/self/exe".into(),
        source,
    })?;
    let content_hash =
        hex(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &archive).as_ref());
    Ok(BuildContext {
        reference: format!("{REPOSITORY}:{version}-{}", &content_hash[..12]),
        content_hash,
        archive,
        libraries,
    })
}

/// Where distributions keep their CA bundle.
const CA_BUNDLES: [&str; 3] = [
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/cert.pem",
];

/// The files `/proc/self/maps` names, in order, once each. The path is the last field and may
/// hold spaces; every earlier field is free of " /".
fn mapped_files(maps: &str) -> Vec<String> {
    let mut seen = BTreeSet::new();
    maps.lines()
        .filter_map(|line| line.find(" /").map(|at| line[at + 1..].trim_end()))
        .filter(|path| !path.ends_with(" (deleted)"))
        .filter(|path| seen.insert(path.to_string()))
        .map(str::to_owned)
        .collect()
}

/// What the image needs to know about an ELF file.
#[derive(Debug, Default, PartialEq, Eq)]
struct ElfFacts {
    /// `PT_INTERP`: the loader the kernel starts the program with.
    interpreter: Option<String>,
    /// `DT_SONAME`: the name other objects ask for this library by.
    soname: Option<String>,
}

/// `None` when `data` is not ELF (or not readable as ELF).
fn elf_facts(data: &[u8]) -> Option<ElfFacts> {
    match FileKind::parse(data).ok()? {
        FileKind::Elf64 => facts_of::<elf::FileHeader64<object::Endianness>>(data),
        FileKind::Elf32 => facts_of::<elf::FileHeader32<object::Endianness>>(data),
        _ => None,
    }
}

fn facts_of<H: FileHeader<Endian = object::Endianness>>(data: &[u8]) -> Option<ElfFacts> {
    let header = H::parse(data).ok()?;
    let endian = header.endian().ok()?;
    let text = |bytes: &[u8]| String::from_utf8(bytes.to_vec()).ok();
    let interpreter = header
        .program_headers(endian, data)
        .ok()?
        .iter()
        .find_map(|segment| segment.interpreter(endian, data).ok().flatten())
        .and_then(text);
    let sections = header.sections(endian, data).ok()?;
    let soname = match sections.dynamic(endian, data).ok()? {
        Some((entries, link)) => {
            let strings = sections.strings(endian, data, link).ok()?;
            entries
                .iter()
                .find(|entry| entry.tag32(endian) == Some(elf::DT_SONAME))
                .and_then(|entry| entry.string(endian, strings).ok())
                .and_then(text)
        }
        None => None,
    };
    Some(ElfFacts {
        interpreter,
        soname,
    })
}

/// A tar archive with the Dockerfile at its root and `files` under `rootfs/`, each parent
/// directory listed (mode 0755, `/tmp` 1777), owned by root, dated 0: the same inputs give the
/// same bytes, hence the same tag.
fn archive(dockerfile: &str, files: &BTreeMap<String, (Vec<u8>, u32)>) -> std::io::Result<Vec<u8>> {
    let mut builder = tar::Builder::new(Vec::new());
    let mut append = |path: &str, kind: tar::EntryType, mode: u32, data: &[u8]| {
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(kind);
        header.set_mode(mode);
        header.set_uid(0);
        header.set_gid(0);
        header.set_mtime(0);
        header.set_size(data.len() as u64);
        builder.append_data(&mut header, path, data)
    };
    append(
        "Dockerfile",
        tar::EntryType::Regular,
        0o644,
        dockerfile.as_bytes(),
    )?;
    let mut directories: BTreeSet<String> = BTreeSet::from(["/tmp".to_owned()]);
    for path in files.keys() {
        let mut parent = Path::new(path).parent();
        while let Some(dir) = parent.filter(|dir| *dir != Path::new("/")) {
            directories.insert(dir.to_string_lossy().into_owned());
            parent = dir.parent();
        }
    }
    append("rootfs/", tar::EntryType::Directory, 0o755, &[])?;
    for dir in &directories {
        let mode = if dir == "/tmp" { 0o1777 } else { 0o755 };
        append(
            &format!("rootfs{dir}/"),
            tar::EntryType::Directory,
            mode,
            &[],
        )?;
    }
    for (path, (data, mode)) in files {
        append(
            &format!("rootfs{path}"),
            tar::EntryType::Regular,
            *mode,
            data,
        )?;
    }
    builder.into_inner()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapped_files_are_the_paths_once_each() {
        let maps = "\
55d0c0a00000-55d0c0a01000 r--p 00000000 fd:01 1234  /usr/local/bin/mcp fa
7f00-7f01 r-xp 00000000 fd:01 99 /usr/lib/x86_64-linux-gnu/libc.so.6
7f01-7f02 r--p 00001000 fd:01 99 /usr/lib/x86_64-linux-gnu/libc.so.6
7f02-7f03 rw-p 00000000 00:00 0 
7f03-7f04 r--p 00000000 fd:01 77 /tmp/old (deleted)
7ffd-7ffe r-xp 00000000 00:00 0 [vdso]
";
        assert_eq!(
            mapped_files(maps),
            [
                "/usr/local/bin/mcp fa",
                "/usr/lib/x86_64-linux-gnu/libc.so.6"
            ]
        );
    }

    #[test]
    fn the_running_test_binary_names_its_loader_and_its_libraries_their_sonames() {
        let me = std::fs::read("/proc/self/exe").expect("read self");
        let facts = elf_facts(&me).expect("an ELF file");
        assert_eq!(facts.soname, None, "an executable has no soname");
        let maps = std::fs::read_to_string("/proc/self/maps").expect("maps");
        let libc = mapped_files(&maps)
            .into_iter()
            .find(|path| path.contains("libc.so") || path.contains("libc-"));
        match (facts.interpreter, libc) {
            (Some(loader), Some(libc)) => {
                assert!(loader.starts_with('/'), "{loader}");
                let libc = elf_facts(&std::fs::read(libc).expect("libc")).expect("ELF");
                assert_eq!(libc.soname.as_deref(), Some("libc.so.6"));
            }
            // A static build loads nothing and names no loader.
            (None, None) => {}
            other => panic!("a loader without libc or libc without a loader: {other:?}"),
        }
        assert_eq!(elf_facts(b"#!/bin/sh\n"), None);
    }

    #[test]
    fn the_archive_lists_every_parent_directory_and_is_reproducible() {
        let files = BTreeMap::from([
            ("/usr/local/bin/mcp-fa".to_owned(), (b"bin".to_vec(), 0o755)),
            ("/etc/passwd".to_owned(), (b"x".to_vec(), 0o644)),
        ]);
        let bytes = archive(&dockerfile(), &files).expect("archive");
        assert_eq!(bytes, archive(&dockerfile(), &files).expect("again"));
        let mut entries = tar::Archive::new(bytes.as_slice());
        let listed: Vec<(String, u32)> = entries
            .entries()
            .expect("entries")
            .map(|entry| {
                let entry = entry.expect("entry");
                (
                    entry.path().expect("path").to_string_lossy().into_owned(),
                    entry.header().mode().expect("mode"),
                )
            })
            .collect();
        for expected in [
            ("Dockerfile", 0o644),
            ("rootfs/tmp/", 0o1777),
            ("rootfs/usr/local/bin/", 0o755),
            ("rootfs/usr/local/bin/mcp-fa", 0o755),
        ] {
            assert!(
                listed
                    .iter()
                    .any(|(p, m)| p == expected.0 && *m == expected.1),
                "{expected:?} in {listed:?}"
            );
        }
    }

    #[test]
    fn the_dockerfile_runs_serve_as_a_user_with_a_health_check() {
        let text = dockerfile();
        assert!(text.starts_with("FROM scratch\n"), "{text}");
        assert!(text.contains("USER 65532:65532\n"), "{text}");
        assert!(
            text.contains("ENTRYPOINT [\"/usr/local/bin/mcp-fa\", \"serve\"]"),
            "{text}"
        );
        assert!(text.contains("HEALTHCHECK --interval"), "{text}");
        assert!(text.contains("MCP_FA_LOG_FORMAT=json"), "{text}");
    }
}
