//! `mcp-fa serve`: the protected MCP server in the foreground, against any FusionAuth (a
//! remote project's, when the project file names one) or the stack `mcp-fa up` started, until
//! Ctrl-C or SIGTERM. Its start-up notes and one line per
//! request go to standard error through `tracing`. Serving a stack, it holds the project's
//! server record, so `status` sees it, `down` stops it, and a second server is refused.

use super::settings::ProjectContext;
use crate::cli::{ServeArgs, ServeScopes, ServeValidation};
use crate::error::Error;
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
    })
}
