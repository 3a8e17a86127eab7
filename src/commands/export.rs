//! `mcp-fa export compose|kubernetes`: the project written out for a shared host or a cluster.
//! It decides what is exported (the project's state when it has been brought up, else its
//! project file and the defaults), says what was written and what to run next, and never
//! prints a secret (they are in the written `.env` / `secrets.env` only).

use serde_json::json;

use super::output::{print_report, print_text};
use super::settings::ProjectContext;
use crate::cli::{ExportArgs, ExportFormatArg};
use crate::error::Error;
use crate::export::{
    ExportFormat, ExportProgress, ExportReport, ExportRequest, ExportedClient, ExportedProject,
    ImageOrigin, Template,
};
use crate::fusionauth::Secret;
use crate::project::ScopeChoice;
use crate::stack::{
    DEFAULT_FUSIONAUTH_IMAGE, DEFAULT_FUSIONAUTH_PORT, DEFAULT_MCP_PORT, DEFAULT_POSTGRES_IMAGE,
    StackError, random_uuid,
};
use crate::state::StateStore;

pub async fn run(args: &ExportArgs) -> Result<(), Error> {
    let format = match args.format {
        ExportFormatArg::Compose => ExportFormat::Compose,
        ExportFormatArg::Kubernetes => ExportFormat::Kubernetes,
    };
    if args.public && format == ExportFormat::Kubernetes {
        return Err(Error::InputNeeded(
            "--public is for `export compose`; on Kubernetes an Ingress or Gateway publishes the \
             services (see the exported README)"
                .into(),
        ));
    }
    let context = ProjectContext::load(args.project.project.as_ref())?;
    let store = StateStore::from_env()?;
    let project = match store.load(&context.name)? {
        Some(state) => ExportedProject::from_state(&state),
        None => from_project_file(&context)?,
    };
    let cwd = std::env::current_dir().map_err(Error::Output)?;
    let request = ExportRequest {
        project,
        format,
        output: args
            .output
            .as_ref()
            .map(|dir| cwd.join(dir))
            .unwrap_or_else(|| crate::export::default_output(format, &cwd)),
        force: args.force,
        public: args.public,
        image: args.image.clone(),
        issuer: args.issuer.as_deref().map(issuer).transpose()?,
        public_url: args
            .public_url
            .as_deref()
            .map(|url| origin("--public-url", url))
            .transpose()?,
        template: template()?,
    };
    let mut progress = Steps { quiet: args.json };
    let report = crate::export::export(&request, &mut progress).await?;
    if args.json {
        print_report(&json!({
            "format": match format {
                ExportFormat::Compose => "compose",
                ExportFormat::Kubernetes => "kubernetes",
            },
            "project": request.project.project,
            "dir": report.dir,
            "files": report.files,
            "kept": report.kept,
            "image": report.image,
            "imageOrigin": report.image_origin,
        }))
    } else {
        print_text(&describe(&report))
    }
}

/// A project never brought up: its file's settings and the defaults, and fresh client ids for
/// the clients the file lists.
fn from_project_file(context: &ProjectContext) -> Result<ExportedProject, Error> {
    let file = context.file();
    let license_id = file
        .fusionauth
        .license_env
        .as_deref()
        .and_then(|name| std::env::var(name).ok())
        .filter(|value| !value.is_empty())
        .map(Secret::new);
    let clients = context
        .clients()?
        .into_iter()
        .map(|kind| -> Result<ExportedClient, Error> {
            Ok(ExportedClient {
                name: kind.as_str().to_owned(),
                client_id: random_uuid().map_err(Error::Stack)?,
                kind,
                redirect_uris: kind
                    .redirect_uris(None)
                    .iter()
                    .map(ToString::to_string)
                    .collect(),
                port: kind.default_port(),
            })
        })
        .collect::<Result<_, _>>()?;
    Ok(ExportedProject {
        project: context.name.clone(),
        fusionauth_image: file
            .fusionauth
            .image
            .unwrap_or_else(|| DEFAULT_FUSIONAUTH_IMAGE.to_owned()),
        postgres_image: file
            .database
            .image
            .unwrap_or_else(|| DEFAULT_POSTGRES_IMAGE.to_owned()),
        fusionauth_port: file.fusionauth.port.unwrap_or(DEFAULT_FUSIONAUTH_PORT),
        mcp_port: file.mcp.port.unwrap_or(DEFAULT_MCP_PORT),
        scopes: file.mcp.scopes.unwrap_or(if license_id.is_some() {
            ScopeChoice::Custom
        } else {
            ScopeChoice::Standard
        }),
        license_id,
        clients,
    })
}

/// `url` as an origin (`scheme://host[:port]`, no trailing slash): the MCP server adds `/mcp`
/// to its public URL, and FusionAuth compares issuers exactly.
fn origin(flag: &str, url: &str) -> Result<String, Error> {
    let parsed = url::Url::parse(url).ok().filter(|parsed| {
        matches!(parsed.scheme(), "http" | "https")
            && parsed.host().is_some()
            && parsed.path() == "/"
            && parsed.query().is_none()
    });
    match parsed {
        Some(parsed) => Ok(parsed.origin().ascii_serialization()),
        None => Err(Error::InputNeeded(format!(
            "{flag} {url}: give an http:// or https:// URL with no path, e.g. https://mcp.example.com"
        ))),
    }
}

/// An http(s) URL, kept as written: tokens carry the issuer exactly as the tenant names it.
fn issuer(url: &str) -> Result<String, Error> {
    match url::Url::parse(url) {
        Ok(parsed) if matches!(parsed.scheme(), "http" | "https") && parsed.host().is_some() => {
            Ok(url.to_owned())
        }
        _ => Err(Error::InputNeeded(format!(
            "--issuer {url}: give the http:// or https:// URL clients reach FusionAuth at, e.g. \
             https://auth.example.com"
        ))),
    }
}

/// The kickstart template `up` uses: `MCP_FA_KICKSTART_TEMPLATE`, else the built-in one.
fn template() -> Result<Template, Error> {
    let Some(path) = std::env::var_os("MCP_FA_KICKSTART_TEMPLATE") else {
        return Ok(Template::default());
    };
    let source = std::path::PathBuf::from(path).display().to_string();
    let text = std::fs::read_to_string(&source).map_err(|error| {
        Error::Stack(StackError::KickstartTemplate {
            path: source.clone(),
            reason: error.to_string(),
        })
    })?;
    Ok(Template { source, text })
}

struct Steps {
    quiet: bool,
}

impl ExportProgress for Steps {
    fn step(&mut self, text: &str) {
        if !self.quiet {
            eprintln!("mcp-fa: {text}");
        }
    }
}

fn describe(report: &ExportReport) -> String {
    let dir = report.dir.display();
    let mut out = format!("Wrote {dir}:\n");
    for file in &report.files {
        let name = file.strip_prefix(&report.dir).unwrap_or(file);
        out.push_str(&format!("  {}\n", name.display()));
    }
    for file in &report.kept {
        let name = file.strip_prefix(&report.dir).unwrap_or(file);
        out.push_str(&format!(
            "  {} (kept as it was: its secrets may already be in use)\n",
            name.display()
        ));
    }
    let origin = match report.image_origin {
        ImageOrigin::Given => "as given",
        ImageOrigin::Built => "built now from this mcp-fa, no registry needed",
        ImageOrigin::Reused => "built earlier from this same mcp-fa",
        ImageOrigin::ToPublish => {
            "a placeholder: build the repository's Dockerfile, push it, and set it in mcp-server.yaml"
        }
    };
    out.push_str(&format!(
        "MCP server image: {} ({origin})\n\n",
        report.image
    ));
    match report.format {
        ExportFormat::Compose => out.push_str(&format!(
            "Next: stop the laptop's stack if it runs on the same ports (`mcp-fa down`), then\n  \
             cd {dir} && docker compose up -d      (or: docker-compose up -d)\n\
             The secrets are in {dir}/.env; compose.yaml's comments say what to change for a real host.\n"
        )),
        ExportFormat::Kubernetes => out.push_str(&format!(
            "Next: {dir}/README.md gives the order of apply and the URLs to set first.\n"
        )),
    }
    out
}
