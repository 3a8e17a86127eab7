//! `mcp-fa serve`: the protected MCP server in the foreground, against any FusionAuth or the
//! stack `mcp-fa up` started, until Ctrl-C or SIGTERM. Its start-up notes and one line per
//! request go to standard error through `tracing`.

use crate::cli::{ServeArgs, ServeScopes, ServeValidation};
use crate::error::Error;
use crate::server::{ScopeMode, ServeConfig, ServeRequest, ValidationMode};

pub async fn run(args: &ServeArgs) -> Result<(), Error> {
    crate::server::init_logging();
    let config = ServeConfig::from_request(&request(args))?;
    let handle = crate::server::start(config).await?;
    crate::server::log_notes(&handle);
    tracing::info!(
        "MCP server ready at {} (listening on {}); Ctrl-C stops it",
        handle.resource(),
        handle.local_addr()
    );
    Ok(crate::server::serve_until_signal(handle).await?)
}

fn request(args: &ServeArgs) -> ServeRequest {
    ServeRequest {
        issuer: args.issuer.clone(),
        project: args.project.project.clone(),
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
    }
}
