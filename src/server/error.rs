//! Why the MCP server could not be configured or started, or refused a token: each message says
//! what to do next, and [`ServerError::code`] is the stable name scripts see.

use crate::fusionauth::FusionAuthError;

/// Why the MCP server could not be configured or started. Each message says what to do.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// No issuer was named and no FusionAuth to ask for one.
    #[error(
        "`serve` needs to know which FusionAuth issues the tokens: pass `--issuer URL` (the \
         tenant's issuer, e.g. http://localhost:9011) or `--fusionauth-url URL`"
    )]
    NoIssuer,

    /// Neither an issuer nor a stack to take it from.
    #[error(
        "no issuer given and no mcp-fa stack named `{project}` is known here ({state_file} does \
         not exist): start one with `mcp-fa up{}` or pass --issuer URL (the tenant's issuer, e.g. \
         http://localhost:9011)",
        .project.flag()
    )]
    NoStack {
        project: crate::project::ProjectName,
        state_file: String,
    },

    #[error(transparent)]
    State(crate::state::StateError),

    #[error("`{value}` is not a usable {what}: {reason}")]
    InvalidUrl {
        what: &'static str,
        value: String,
        reason: String,
    },

    #[error(
        "binding {bind} makes the server reachable from other machines, so clients cannot reach \
         it as `localhost`: pass `--public-url` with the URL they use (e.g. https://mcp.example.com)"
    )]
    PublicUrlRequired { bind: std::net::SocketAddr },

    #[error("could not listen on {bind}: {source} (is another server using the port?)")]
    Bind {
        bind: std::net::SocketAddr,
        #[source]
        source: std::io::Error,
    },

    #[error("could not read the issuer's OpenID Connect discovery document: {0}")]
    Discovery(#[source] FusionAuthError),

    /// FusionAuth's tenant issuer is still its default (`acme.com`) or names another URL.
    #[error(
        "the issuer's discovery document names `{discovered}` as the issuer, not `{configured}`. \
         Tokens will carry `{discovered}`; clients compare it with the URL they were sent to. Set \
         the FusionAuth tenant's issuer to `{configured}` (mcp-fa's kickstart does this), or pass \
         `--issuer {discovered}` if that is really the issuer"
    )]
    IssuerMismatch {
        configured: String,
        discovered: String,
    },

    #[error("could not fetch the issuer's signing keys from {url}: {reason}")]
    Jwks { url: String, reason: String },

    #[error("the MCP server stopped with an error: {0}")]
    Serve(#[source] std::io::Error),

    #[error("could not wait for Ctrl-C / SIGTERM: {0}")]
    Signal(#[source] std::io::Error),

    /// `token inspect` got nothing to inspect.
    #[error("no token to inspect: {what}. Give it one: {how}")]
    NoTokenGiven {
        what: &'static str,
        how: &'static str,
    },

    #[error(
        "this is not a JWT access token: {reason}. Pass the `access_token` value of the token \
         response (it starts with `eyJ`), not the refresh token or the whole response"
    )]
    TokenUndecodable { reason: String },

    /// `token inspect`: the stack's server would refuse the token (the report says more).
    #[error("the token would be refused by {resource}: {reason}")]
    TokenRefused { resource: String, reason: String },

    /// `token inspect`: the token decoded, but nothing could tell whether it is accepted.
    #[error("the token could not be verified: {reason}")]
    TokenUnverified { reason: String },

    #[error("could not write to standard output: {0}")]
    Output(#[source] std::io::Error),

    /// `mcp-fa healthcheck`: the server did not answer its health endpoint with 200.
    #[error("{url} is not healthy: {reason}")]
    Unhealthy { url: String, reason: String },
}

impl ServerError {
    /// A stable, machine-readable code for scripts.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NoIssuer => "SERVE_NO_ISSUER",
            Self::NoStack { .. } => "SERVE_NO_STACK",
            Self::State(_) => "STATE_ERROR",
            Self::InvalidUrl { .. } => "SERVE_INVALID_URL",
            Self::PublicUrlRequired { .. } => "SERVE_PUBLIC_URL_REQUIRED",
            Self::Bind { .. } => "SERVE_BIND_FAILED",
            Self::Discovery(_) => "SERVE_DISCOVERY_FAILED",
            Self::IssuerMismatch { .. } => "SERVE_ISSUER_MISMATCH",
            Self::Jwks { .. } => "SERVE_JWKS_FAILED",
            Self::Serve(_) => "SERVE_FAILED",
            Self::Signal(_) => "SERVE_SIGNAL_FAILED",
            Self::NoTokenGiven { .. } => "TOKEN_MISSING",
            Self::TokenUndecodable { .. } => "TOKEN_UNDECODABLE",
            Self::TokenRefused { .. } => "TOKEN_REFUSED",
            Self::TokenUnverified { .. } => "TOKEN_UNVERIFIED",
            Self::Output(_) => "OUTPUT_FAILED",
            Self::Unhealthy { .. } => "SERVE_UNHEALTHY",
        }
    }
}
