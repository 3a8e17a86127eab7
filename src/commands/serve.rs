//! `mcp-fa serve`: the protected MCP server in the foreground, against any FusionAuth or the
//! stack `mcp-fa up` started, until Ctrl-C or SIGTERM. Its start-up notes and one line per
//! request go to standard error through `tracing`. Serving a stack, it holds the project's
//! server record, so `status` sees it, `down` stops it, and a second server is refused.

use super::settings::project_name;
use crate::cli::{ServeArgs, ServeScopes, ServeValidation};
use crate::error::Error;
use crate::fusionauth::Secret;
use crate::server::{ScopeMode, ServeConfig, ServeRequest, ValidationMode};
use crate::stack::mcp_server::ServerClaim;
use crate::state::{ServerOwner, StateStore};

pub async fn run(args: &ServeArgs) -> Result<(), Error> {
    crate::server::init_logging();
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
            log_file,
        )?)
    } else {
        None
    };
    let handle = crate::server::start(config).await?;
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

fn request(args: &ServeArgs) -> Result<ServeRequest, Error> {
    Ok(ServeRequest {
        issuer: args.issuer.clone(),
        project: project_name(args.project.project.as_ref())?,
        fusionauth_url: args.fusionauth_url.clone(),
        bind: args.bind,
        public_url: args.public_url.clone(),
        scopes: args.scopes.map(|scopes| match scopes {
            ServeScopes::Standard => ScopeMode::Standard,
            ServeScopes::Custom => ScopeMode::Custom,
        }),
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
            _ => None,
        },
        // From the environment only: a key on the command line shows in `ps`.
        registration_api_key: std::env::var(REGISTRATION_KEY_VARIABLE)
            .ok()
            .filter(|key| !key.trim().is_empty())
            .map(Secret::new),
    })
}

/// Where `serve --registration` reads its FusionAuth API key.
const REGISTRATION_KEY_VARIABLE: &str = "MCP_FA_REGISTRATION_API_KEY";
