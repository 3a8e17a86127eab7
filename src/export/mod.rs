//! `mcp-fa export`: the project that runs on the laptop, written out for a shared host (Docker
//! Compose) or a cluster (Kubernetes, with FusionAuth's official Helm chart), with the MCP
//! server as a container image.
//!
//! It owns the exported files and the MCP server's local image (built from the running
//! executable, see [`image`]). It reads the project through [`ExportedProject`] (the command
//! layer picks the state or the project file), renders the kickstart with `crate::stack`'s
//! renderer and the client applications with `crate::clients`', and talks to Docker only to
//! build or find that image. It must not print, write a secret anywhere but the output folder's
//! `.env` / `secrets.env` (mode 0600), or overwrite a folder's files unless forced.

mod compose;
mod error;
mod image;
mod kickstart;
mod kubernetes;
mod output;
mod secrets;
mod source;

use std::path::{Path, PathBuf};

use crate::docker::{Docker, Environment};

pub use error::ExportError;
pub use image::{BuildContext, IMAGE_LABEL, REPOSITORY as IMAGE_REPOSITORY, dockerfile};
pub use kickstart::Template;
pub use source::{ExportedClient, ExportedProject};

/// Which setup to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Compose,
    Kubernetes,
}

/// What to export, where, and how.
#[derive(Debug, Clone)]
pub struct ExportRequest {
    pub project: ExportedProject,
    pub format: ExportFormat,
    pub output: PathBuf,
    /// Write into a folder that already holds files (exported files are replaced; an existing
    /// `.env` / `secrets.env` is kept).
    pub force: bool,
    /// Compose: publish the ports on every interface instead of 127.0.0.1.
    pub public: bool,
    /// A published MCP server image to use instead of building one here.
    pub image: Option<String>,
    /// The URL clients reach FusionAuth at (default: the laptop's `http://localhost:<port>`).
    pub issuer: Option<String>,
    /// The URL clients reach the MCP server at, without `/mcp` (default: the laptop's).
    pub public_url: Option<String>,
    pub template: Template,
}

/// Where the MCP server image in the exported files comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ImageOrigin {
    /// Named with `--image`.
    Given,
    /// Built here from the running executable.
    Built,
    /// Built here earlier from the same executable and libraries.
    Reused,
    /// A placeholder for the user's registry (Kubernetes without `--image`).
    ToPublish,
}

/// What an export did.
#[derive(Debug, Clone)]
pub struct ExportReport {
    pub format: ExportFormat,
    pub dir: PathBuf,
    pub files: Vec<PathBuf>,
    /// Secret files an earlier export left, kept as they were.
    pub kept: Vec<PathBuf>,
    pub image: String,
    pub image_origin: ImageOrigin,
}

/// Progress an export reports while it works (building the image takes seconds).
pub trait ExportProgress {
    fn step(&mut self, text: &str);
}

/// Writes the export. Every check (the folder, the image) passes before the first file.
pub async fn export(
    request: &ExportRequest,
    progress: &mut dyn ExportProgress,
) -> Result<ExportReport, ExportError> {
    output::check(&request.output, request.force)?;
    let project = &request.project;
    let issuer = request
        .issuer
        .clone()
        .unwrap_or_else(|| project.local_issuer());
    let public_url = request
        .public_url
        .clone()
        .unwrap_or_else(|| project.local_public_url());
    let (image, image_origin) = match (&request.image, request.format) {
        (Some(given), _) => (given.clone(), ImageOrigin::Given),
        (None, ExportFormat::Compose) => local_image(progress).await?,
        (None, ExportFormat::Kubernetes) => (
            format!("registry.example.com/mcp-fa:{}", env!("CARGO_PKG_VERSION")),
            ImageOrigin::ToPublish,
        ),
    };
    let kickstart = kickstart::render(project, &request.template)?;
    let secrets = secrets::ExportSecrets::generate(project.license_id.as_ref())?;
    let files = match request.format {
        ExportFormat::Compose => {
            compose_files(request, &image, &issuer, &public_url, &kickstart, &secrets)
        }
        ExportFormat::Kubernetes => {
            let settings = kubernetes::KubernetesSettings {
                project,
                mcp_image: &image,
                issuer: &issuer,
                public_url: &public_url,
                kickstart: &kickstart,
            };
            let header = "# The secrets of the exported Kubernetes setup. Create the Secret from this file:\n\
                          #   kubectl -n mcp-fa create secret generic mcp-fa-secrets --from-env-file=secrets.env\n\
                          # then delete it or keep it somewhere safe. Never commit it.\n";
            vec![
                plain("fusionauth-values.yaml", kubernetes::helm_values(&settings)),
                plain("postgresql.yaml", kubernetes::postgres_manifests(&settings)),
                plain("mcp-server.yaml", kubernetes::mcp_manifests(&settings)),
                plain("README.md", kubernetes::readme(&settings)),
                output::OutputFile {
                    path: "secrets.env",
                    contents: secrets::env_file(header, secrets.settings(), false),
                    secret: true,
                },
                plain(
                    "secrets.env.example",
                    secrets::env_file(header, secrets.settings(), true),
                ),
                plain(".gitignore", "secrets.env\n".into()),
            ]
        }
    };
    let written = output::write(&request.output, &files)?;
    Ok(ExportReport {
        format: request.format,
        dir: request.output.clone(),
        files: written.files,
        kept: written.kept,
        image,
        image_origin,
    })
}

fn plain(path: &'static str, contents: String) -> output::OutputFile {
    output::OutputFile {
        path,
        contents,
        secret: false,
    }
}

fn compose_files(
    request: &ExportRequest,
    image: &str,
    issuer: &str,
    public_url: &str,
    kickstart: &str,
    secrets: &secrets::ExportSecrets,
) -> Vec<output::OutputFile> {
    let project = &request.project;
    let yaml = compose::compose_file(&compose::ComposeSettings {
        project,
        mcp_image: image,
        public: request.public,
    });
    let setting = |name, value: &str, about| secrets::Setting {
        name,
        value: crate::fusionauth::Secret::new(value),
        about,
        secret: false,
    };
    let compose_project = format!("mcp-fa-{}", project.project);
    let mut all = vec![
        setting(
            "COMPOSE_PROJECT_NAME",
            &compose_project,
            "Compose's name for this setup (its containers, network and volume are prefixed with it)",
        ),
        setting(
            secrets::ISSUER,
            issuer,
            "The URL browsers and MCP clients reach FusionAuth at: the tenant's issuer (https:// on a real host; set before the first start)",
        ),
        setting(
            secrets::MCP_PUBLIC_URL,
            public_url,
            "The URL MCP clients reach the MCP server at, without /mcp (tokens are issued for it + /mcp)",
        ),
    ];
    let header = "# Settings and secrets for compose.yaml, read by `docker compose` from this folder.\n\
                  # Never commit .env; .env.example shows its shape.\n";
    all.extend(secrets.settings().iter().cloned());
    vec![
        plain("compose.yaml", yaml),
        output::OutputFile {
            path: ".env",
            contents: secrets::env_file(header, &all, false),
            secret: true,
        },
        plain(".env.example", secrets::env_file(header, &all, true)),
        plain("kickstart/kickstart.json", kickstart.to_owned()),
        plain(".gitignore", ".env\n".into()),
    ]
}

/// The MCP server image built from this executable: reused when an image of the same content
/// exists, else built (no registry needed).
async fn local_image(
    progress: &mut dyn ExportProgress,
) -> Result<(String, ImageOrigin), ExportError> {
    let context = image::from_running_executable(env!("CARGO_PKG_VERSION"))?;
    let docker = Docker::connect(&Environment::from_process()).await?;
    let daemon = docker.connection.arch.as_str();
    let host = std::env::consts::ARCH;
    if !same_architecture(host, daemon) {
        return Err(ExportError::ImageArchitecture {
            host: host.to_owned(),
            daemon: daemon.to_owned(),
        });
    }
    let labels = docker.image_labels(&context.reference).await?;
    if labels.is_some_and(|labels| labels.get(IMAGE_LABEL) == Some(&context.content_hash)) {
        return Ok((context.reference, ImageOrigin::Reused));
    }
    progress.step(&format!(
        "building the MCP server image {} from this mcp-fa ({} MB, no base image)",
        context.reference,
        context.archive.len() / 1_000_000
    ));
    // The content label is the builder's, not the Dockerfile's: the hash covers the context.
    let labels = std::collections::HashMap::from([
        (IMAGE_LABEL.to_owned(), context.content_hash.clone()),
        (
            "org.opencontainers.image.version".to_owned(),
            env!("CARGO_PKG_VERSION").to_owned(),
        ),
    ]);
    docker
        .build_image(context.archive, &context.reference, labels)
        .await?;
    Ok((context.reference, ImageOrigin::Built))
}

/// Docker names architectures as `uname -m` does, Rust as its target does; the two agree
/// except for arm64's spelling.
fn same_architecture(rust: &str, docker: &str) -> bool {
    rust == docker || matches!((rust, docker), ("aarch64", "arm64") | ("x86_64", "amd64"))
}

/// The folder an export writes to when `-o` is not given: `mcp-fa-<format>` here.
pub fn default_output(format: ExportFormat, cwd: &Path) -> PathBuf {
    cwd.join(match format {
        ExportFormat::Compose => "mcp-fa-compose",
        ExportFormat::Kubernetes => "mcp-fa-kubernetes",
    })
}
