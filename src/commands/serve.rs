//! `mcp-fa serve`: the protected MCP server in the foreground, against any FusionAuth (a
//! remote project's, when the project file names one) or the stack `mcp-fa up` started, until
//! Ctrl-C or SIGTERM. Its start-up notes and one line per
//! request go to standard error through `tracing`. Serving a stack, it holds the project's
//! server record, so `status` sees it, `down` stops it, and a second server is refused.
//! `mcp-fa healthcheck` is its other half: what the container image's health check runs.

use std::time::{Duration, Instant};

use super::settings::ProjectContext;
use crate::cli::{HealthcheckArgs, LogFormat, ServeArgs, ServeScopes, ServeValidation};
use crate::error::Error;
use crate::fusionauth::Secret;
use crate::server::{
    HEALTH_PATH, ScopeMode, ServeConfig, ServeRequest, ServerError, ServerHandle, ValidationMode,
};
use crate::stack::mcp_server::ServerClaim;
use crate::state::{ServerOwner, StateStore};

pub async fn run(args: &ServeArgs) -> Result<(), Error> {
    match args.log_format {
        LogFormat::Text => crate::server::init_logging(),
        LogFormat::Json => crate::server::init_json_logging(),
    }
    let request = request(args)?;
    let config = ServeConfig::from_request(&request)?;
    let serves_stack =
        request.issuer.is_none() && request.fusionauth_url.is_none() && !args.no_auth;
    let claim = if serves_stack {
        let store = StateStore::from_env()?;
        let (owner, log_file) = if args.detached {
            (
                ServerOwner::Detached,
                Some(store.mcp_log_path(&request.project)),
            )
        } else {
            (ServerOwner::Serve, None)
        };
        Some(ServerClaim::claim(
            &store,
            &request.project,
            owner,
            config.bind.port(),
            true,
            config.registration.is_some(),
            log_file,
        )?)
    } else {
        None
    };
    let handle = start(config, Duration::from_secs(args.wait_for_issuer)).await?;
    crate::server::log_notes(&handle);
    tracing::info!(
        "MCP server ready at {} (listening on {}); Ctrl-C stops it",
        handle.resource(),
        handle.local_addr()
    );
    let served = crate::server::serve_until_signal(handle).await;
    drop(claim);
    Ok(served?)
}

/// Starts the server, retrying for up to `wait` while the issuer cannot be reached or does not
/// yet name itself as configured (FusionAuth booting, or its kickstart not yet run). Any other
/// failure, and the last one after `wait`, ends `serve` as before.
async fn start(config: ServeConfig, wait: Duration) -> Result<ServerHandle, ServerError> {
    let deadline = Instant::now() + wait;
    let mut last_said: Option<Instant> = None;
    loop {
        match crate::server::start(config.clone()).await {
            Err(
                error @ (ServerError::Discovery(_)
                | ServerError::IssuerMismatch { .. }
                | ServerError::Jwks { .. }),
            ) if Instant::now() < deadline => {
                if last_said.is_none_or(|said| said.elapsed() >= Duration::from_secs(10)) {
                    tracing::info!("waiting for the issuer: {error}");
                    last_said = Some(Instant::now());
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            other => return other,
        }
    }
}

/// `mcp-fa healthcheck`: exit 0 when the server on this machine answers its Protected Resource
/// Metadata (so it serves, protected, with its issuer's keys), else 1 with the reason.
pub async fn healthcheck(args: &HealthcheckArgs) -> Result<(), Error> {
    let url = args.url.clone().unwrap_or_else(|| {
        let port = args.bind.map_or(8000, |bind| bind.port());
        let path = if args.liveness {
            HEALTH_PATH
        } else {
            "/.well-known/oauth-protected-resource"
        };
        format!("http://127.0.0.1:{port}{path}")
    });
    Ok(crate::server::probe(&url).await?)
}

/// Flags first; in a remote project's folder its FusionAuth, tenant, public URL and scopes
/// fill in what the flags leave out (unless `--issuer` names another issuer).
fn request(args: &ServeArgs) -> Result<ServeRequest, Error> {
    let ctx = ProjectContext::load(args.project.project.as_ref())?;
    let file = ctx.file();
    let remote = file.is_remote() && args.issuer.is_none() && !args.no_auth;
    let from_file = |value: &Option<String>| value.clone().filter(|_| remote);
    Ok(ServeRequest {
        issuer: args.issuer.clone(),
        project: ctx.name.clone(),
        fusionauth_url: args
            .fusionauth_url
            .clone()
            .or_else(|| from_file(&file.fusionauth.url)),
        tenant_id: args
            .tenant_id
            .clone()
            .or_else(|| from_file(&file.fusionauth.tenant_id)),
        bind: args.bind,
        public_url: args
            .public_url
            .clone()
            .or_else(|| from_file(&file.mcp.public_url)),
        scopes: match args.scopes {
            Some(ServeScopes::Standard) => Some(ScopeMode::Standard),
            Some(ServeScopes::Custom) => Some(ScopeMode::Custom),
            None => file.mcp.scopes.filter(|_| remote).map(ScopeMode::from),
        },
        no_auth: args.no_auth,
        validation: match args.validation {
            ServeValidation::Local => ValidationMode::Local,
            ServeValidation::Fusionauth => ValidationMode::FusionAuth,
        },
        client_id_audiences: args.accept_client_id_audience.clone(),
        allowed_origins: args.allowed_origins.clone(),
        registration: match (args.registration, args.no_registration) {
            (true, _) => Some(true),
            (_, true) => Some(false),
            _ => registration_from_env()?,
        },
        // From the environment only: a key on the command line shows in `ps`. A remote
        // project's own key (the one `clients add` uses there) serves when no other is given.
        registration_api_key: [
            Some(REGISTRATION_KEY_VARIABLE.to_owned()),
            file.is_remote().then(|| {
                file.fusionauth
                    .api_key_env
                    .clone()
                    .unwrap_or_else(|| crate::site::DEFAULT_API_KEY_ENV.to_owned())
            }),
        ]
        .into_iter()
        .flatten()
        .find_map(|variable| {
            std::env::var(variable)
                .ok()
                .filter(|key| !key.trim().is_empty())
        })
        .map(Secret::new),
    })
}

/// `MCP_FA_REGISTRATION`, for deployments configured by environment: `true` is
/// `--registration`, `false` is `--no-registration`; either flag wins over it.
fn registration_from_env() -> Result<Option<bool>, Error> {
    let Some(value) = std::env::var_os(REGISTRATION_VARIABLE) else {
        return Ok(None);
    };
    let value = value.to_string_lossy();
    match value.trim().to_ascii_lowercase().as_str() {
        "" => Ok(None),
        "true" | "1" | "yes" | "on" => Ok(Some(true)),
        "false" | "0" | "no" | "off" => Ok(Some(false)),
        _ => Err(Error::InputNeeded(format!(
            "{REGISTRATION_VARIABLE} is {value:?}: set it to true (clients may register \
             themselves) or false (they may not), or unset it for the default"
        ))),
    }
}

const REGISTRATION_VARIABLE: &str = "MCP_FA_REGISTRATION";

/// Where `serve --registration` reads its FusionAuth API key.
const REGISTRATION_KEY_VARIABLE: &str = "MCP_FA_REGISTRATION_API_KEY";
