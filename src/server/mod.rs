//! The OAuth-protected MCP server: rmcp's Streamable HTTP service at `/mcp` (both the stateless
//! 2026-07-28 protocol and the older session protocol), Protected Resource Metadata, and local
//! verification of FusionAuth access tokens bound to this server (RFC 8707 audience).
//!
//! It owns: the HTTP routes, the auth gate and its challenges, token verification, the tools,
//! the request log and the in-memory record of calls ([`CallLog`]), the runtime protection switch
//! ([`ServerHandle::set_protected`]: the tutorial starts unprotected and switches protection on),
//! and `mcp-fa token inspect` (decode a token, then ask this stack's verifier about it).
//! It must not: print (callers decide; the server logs through `tracing`, and `token inspect`
//! returns its report, never holding the token or its signature), send a caller's token
//! anywhere but its issuer's userinfo, accept a token from anywhere but the `Authorization`
//! header, or log a token. It talks to FusionAuth only through
//! [`crate::fusionauth`]. It reads the stack's state file (through [`crate::state`]) only in
//! [`ServeConfig::from_request`] and `token inspect`, when given no issuer, and never writes it.
//!
//! [`start`] runs it in-process and returns a [`ServerHandle`] once it is ready to answer (keys
//! loaded), so `mcp-fa up` can start it and tests can too. While protection is off `/mcp` answers
//! without a token (the tools greet anonymously) and the Protected Resource Metadata routes answer
//! 404; `--no-auth` is that state for good (no verifier, so it can never be switched on).

mod auth;
mod calls;
mod challenge;
mod config;
mod connections;
mod error;
mod health;
mod inspect;
mod log_writer;
mod registration;
mod router;
mod rpc_summary;
mod scopes;
mod token_cache;
mod tools;
mod verified_token;
mod verifier;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub use auth::{MAX_BODY_BYTES, OriginPolicy};
pub use calls::{CALL_LOG_CAPACITY, CallLog, CallOutcome, CallRecord};
pub use challenge::BearerChallenge;
pub use config::{PublicUrls, RegistrationSettings, ServeConfig, ServeRequest};
pub use error::ServerError;
pub use health::{HEALTH_PATH, probe};
pub use inspect::{HOW_TO_PASS, Inspection, inspect, inspect_for_site};
pub use registration::{MAX_REGISTRATION_BYTES, REGISTRATION_PATH};
pub use scopes::ScopeMode;
pub use tools::greeting;
pub use verified_token::VerifiedToken;
pub use verifier::{Rejection, TokenVerifier, ValidationMode, VerifierSettings};

use crate::clients::RegistrationPolicy;
use crate::fusionauth::{FusionAuthClient, OpenIdConfiguration, Timeouts};

/// Something the operator should read at start (modes, weakened checks, misconfigurations).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub warning: bool,
    pub text: String,
}

impl Notice {
    fn info(text: impl Into<String>) -> Self {
        Self {
            warning: false,
            text: text.into(),
        }
    }

    fn warning(text: impl Into<String>) -> Self {
        Self {
            warning: true,
            text: text.into(),
        }
    }
}

/// A running server. Dropping it leaves the server running until the runtime ends; call
/// [`ServerHandle::shutdown`] to stop it cleanly.
pub struct ServerHandle {
    local_addr: SocketAddr,
    urls: PublicUrls,
    issuer: Option<String>,
    registration_endpoint: Option<String>,
    notes: Vec<Notice>,
    gate: Arc<auth::Gate>,
    cancel: CancellationToken,
    task: JoinHandle<std::io::Result<()>>,
}

impl ServerHandle {
    /// The address actually bound (useful with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The canonical resource URI clients are told to use: `<public URL>/mcp`.
    pub fn resource(&self) -> &str {
        &self.urls.resource
    }

    /// `http://<bound address>/mcp`, for in-process callers and tests.
    pub fn local_endpoint(&self) -> String {
        format!("http://{}/mcp", self.local_addr)
    }

    pub fn urls(&self) -> &PublicUrls {
        &self.urls
    }

    /// The issuer tokens must come from (`None` with `--no-auth`).
    pub fn issuer(&self) -> Option<&str> {
        self.issuer.as_deref()
    }

    pub fn notes(&self) -> &[Notice] {
        &self.notes
    }

    /// `<public URL>/register` when clients may register themselves here.
    pub fn registration_endpoint(&self) -> Option<&str> {
        self.registration_endpoint.as_deref()
    }

    /// The record of calls to `/mcp` (shared: it keeps filling while the server runs).
    pub fn calls(&self) -> CallLog {
        self.gate.calls.clone()
    }

    /// Switches protection at runtime. On: exactly the protected behaviour (401 challenges,
    /// metadata served). Off: `/mcp` answers without a token, anonymously, and the metadata
    /// routes answer 404. A `--no-auth` server has no verifier and cannot be protected: switching
    /// it on is ignored with a logged warning, and [`ServerHandle::is_protected`] stays false.
    pub fn set_protected(&self, protected: bool) {
        if self.gate.set_protected(protected) {
            tracing::info!(
                "MCP server protection switched {}",
                if protected { "on" } else { "off" }
            );
        } else {
            tracing::warn!(
                "cannot switch protection on: this server runs without authentication                  (--no-auth) and has no issuer to verify tokens with"
            );
        }
    }

    /// Whether `/mcp` currently requires a token.
    pub fn is_protected(&self) -> bool {
        self.gate.is_protected()
    }

    /// Stops accepting requests, ends MCP sessions and open streams, and waits (at most a few
    /// seconds) for in-flight requests.
    pub async fn shutdown(self) -> Result<(), ServerError> {
        self.cancel.cancel();
        let mut task = self.task;
        let stopped = tokio::time::timeout(Duration::from_secs(5), &mut task).await;
        // The last requests' lines are out before whoever stopped the server goes on (or exits).
        log_writer::flush();
        match stopped {
            Ok(Ok(result)) => result.map_err(ServerError::Serve),
            Ok(Err(join)) => Err(ServerError::Serve(std::io::Error::other(join))),
            Err(_) => {
                task.abort();
                Ok(())
            }
        }
    }

    /// Waits until the server stops on its own (an I/O error), which normally never happens.
    async fn stopped(&mut self) -> Result<(), ServerError> {
        match (&mut self.task).await {
            Ok(result) => result.map_err(ServerError::Serve),
            Err(join) => Err(ServerError::Serve(std::io::Error::other(join))),
        }
    }
}

/// Binds, discovers the issuer's keys, and serves in the background. Returns once requests can
/// be answered.
pub async fn start(config: ServeConfig) -> Result<ServerHandle, ServerError> {
    config.check_bind()?;
    let listener = tokio::net::TcpListener::bind(config.bind)
        .await
        .map_err(|source| ServerError::Bind {
            bind: config.bind,
            source,
        })?;
    let local_addr = listener.local_addr().map_err(|source| ServerError::Bind {
        bind: config.bind,
        source,
    })?;
    let urls = PublicUrls::new(config.public_url.as_ref(), local_addr);
    let mut notes = Vec::new();
    let requested_scopes: Vec<String> = config
        .scopes
        .requested()
        .iter()
        .map(|s| (*s).to_owned())
        .collect();

    let (verifier, fusionauth, metadata, authority) = if config.no_auth {
        notes.push(Notice::warning(
            "NO AUTHENTICATION: --no-auth serves every tool to anyone who can reach this port. \
             This is the tutorial's unprotected starting point; never expose it.",
        ));
        (None, None, None, None)
    } else {
        let base = config.fusionauth_url.clone().ok_or(ServerError::NoIssuer)?;
        let timeouts = Timeouts {
            connect: Duration::from_secs(5),
            request: Duration::from_secs(10),
        };
        let fusionauth = FusionAuthClient::new(base, timeouts)
            .map_err(ServerError::Discovery)?
            .with_tenant_id(config.tenant_id.clone());
        let discovered =
            TokenVerifier::discover(fusionauth.clone(), config.verifier_settings(&urls.resource))
                .await?;
        notes.push(Notice::info(config.scopes.describe()));
        match config.validation {
            ValidationMode::Local => {
                notes.push(Notice::info(format!(
                    "tokens verified locally with {} published key(s) of {}",
                    discovered.key_count, discovered.issuer
                )));
                if discovered.key_count == 0 {
                    notes.push(Notice::warning(format!(
                        "{} publishes no asymmetric signing key, so no token can verify. \
                         FusionAuth signs with the tenant's default HMAC (HS256) key until \
                         the tenant's jwtConfiguration.accessTokenKeyId names an RSA key: \
                         generate one (POST /api/key/generate) and set it, as mcp-fa's \
                         kickstart does",
                        discovered.issuer
                    )));
                }
            }
            ValidationMode::FusionAuth => notes.push(Notice::info(
                "tokens validated by FusionAuth's /api/jwt/validate on every request \
                 (audience, issuer and scopes still checked here)",
            )),
        }
        if !config.client_id_audiences.is_empty() {
            notes.push(Notice::warning(format!(
                "also accepting tokens whose audience is the client id {:?} (for FusionAuth \
                 before 1.67, which has no resource indicators): such tokens are not bound to \
                 this server",
                config.client_id_audiences
            )));
        }
        let metadata = router::ResourceMetadata {
            resource: urls.resource.clone(),
            issuer: discovered.issuer.clone(),
            scopes: requested_scopes.clone(),
        };
        let authority =
            authority_discovery(&config, &urls, &discovered.issuer, &fusionauth, &mut notes)
                .await?;
        (
            Some(discovered.verifier),
            Some(fusionauth),
            Some(metadata),
            authority,
        )
    };

    let issuer = verifier.as_ref().map(|v| v.issuer().to_owned());
    if config.start_unprotected && verifier.is_some() {
        notes.push(Notice::warning(
            "protection is switched off: /mcp answers anyone without a token (and the Protected \
             Resource Metadata is not served) until it is switched on",
        ));
    }
    let gate = Arc::new(auth::Gate::new(
        verifier,
        config.scopes,
        urls.clone(),
        OriginPolicy::new(&urls.origin, &config.allowed_origins),
        config.start_unprotected,
    ));
    let authorization = match (authority, &fusionauth, &issuer) {
        (Some(discovery), Some(fusionauth), Some(issuer)) => {
            let policy = RegistrationPolicy {
                resource: urls.resource.clone(),
                scopes: requested_scopes,
            };
            Some(Arc::new(registration::AuthorizationServer::new(
                issuer,
                &discovery,
                policy,
                bridge_client(&config, fusionauth, issuer).await,
                gate.clone(),
            )))
        }
        _ => None,
    };
    let registration_endpoint = authorization
        .as_ref()
        .and_then(|a| a.registration_endpoint().map(str::to_owned));
    if let Some(endpoint) = &registration_endpoint {
        notes.push(Notice::info(format!(
            "clients may register themselves at {endpoint} (RFC 7591): each becomes a public \
             FusionAuth application bound to {} (`mcp-fa clients list` shows them)",
            urls.resource
        )));
    }
    let cancel = CancellationToken::new();
    let app = router::build(
        gate.clone(),
        fusionauth,
        metadata,
        authorization,
        cancel.child_token(),
    );
    let stop = cancel.clone();
    let header_read_timeout = config.header_read_timeout;
    let task =
        tokio::spawn(
            async move { connections::serve(listener, app, header_read_timeout, stop).await },
        );
    Ok(ServerHandle {
        local_addr,
        urls,
        issuer,
        registration_endpoint,
        notes,
        gate,
        cancel,
        task,
    })
}

/// When this server's origin is the tokens' issuer, it must publish the authorization server
/// metadata itself: FusionAuth's discovery document, fetched for that. Otherwise clients find
/// FusionAuth's own, and the registration bridge cannot be offered (refused when asked for, a
/// warning when it came with a stack).
async fn authority_discovery(
    config: &ServeConfig,
    urls: &PublicUrls,
    issuer: &str,
    fusionauth: &FusionAuthClient,
    notes: &mut Vec<Notice>,
) -> Result<Option<OpenIdConfiguration>, ServerError> {
    if issuer.trim_end_matches('/') == urls.origin {
        return fusionauth
            .openid_configuration()
            .await
            .map(Some)
            .map_err(ServerError::Discovery);
    }
    match &config.registration {
        Some(settings) if settings.required => Err(ServerError::RegistrationNeedsIssuer {
            issuer: issuer.to_owned(),
            origin: urls.origin.clone(),
        }),
        Some(_) => {
            notes.push(Notice::warning(format!(
                "client registration is off: this server answers at {}, but the tokens' issuer \
                 is {issuer}, and clients that register themselves need the two to be the same",
                urls.origin
            )));
            Ok(None)
        }
        None => Ok(None),
    }
}

/// The bridge's settings and its FusionAuth, in the tenant whose issuer this server is. A
/// server given no tenant names it when its key sees several (a global key on a FusionAuth with
/// several tenants: creating an application there needs the tenant named); a key that may not
/// list tenants (a stack's restricted one) works in its only tenant.
async fn bridge_client(
    config: &ServeConfig,
    fusionauth: &FusionAuthClient,
    issuer: &str,
) -> Option<(config::RegistrationSettings, FusionAuthClient)> {
    let settings = config.registration.clone()?;
    let client = fusionauth.clone().with_api_key(settings.api_key.clone());
    if config.tenant_id.is_some() {
        return Some((settings, client));
    }
    let tenants = client.list_tenants().await.unwrap_or_default();
    let tenant = tenants
        .iter()
        .filter(|_| tenants.len() > 1)
        .find(|t| {
            t.issuer.as_deref().map(|i| i.trim_end_matches('/'))
                == Some(issuer.trim_end_matches('/'))
        })
        .and_then(|t| t.id.clone());
    Some((settings, client.with_tenant_id(tenant)))
}

/// Logs the start-up notes (modes, weakened checks) through `tracing`.
pub fn log_notes(handle: &ServerHandle) {
    for note in handle.notes() {
        if note.warning {
            tracing::warn!("{}", note.text);
        } else {
            tracing::info!("{}", note.text);
        }
    }
}

/// Serves until Ctrl-C or SIGTERM, then shuts down cleanly.
pub async fn serve_until_signal(mut handle: ServerHandle) -> Result<(), ServerError> {
    tokio::select! {
        signal = shutdown_signal() => {
            signal?;
            tracing::info!("stopping");
            handle.shutdown().await
        }
        stopped = handle.stopped() => {
            log_writer::flush();
            stopped
        }
    }
}

/// Start-up notes and one line per request to stderr. rmcp's own session chatter is kept to
/// warnings: the request line already says what happened.
pub fn init_logging() {
    init_logging_with(std::io::stderr(), false);
}

/// The same lines as JSON objects, one per line (the request's fields as keys), for log
/// collectors: what `serve --log-format json` and the container image write.
pub fn init_json_logging() {
    init_logging_with(std::io::stderr(), true);
}

/// The same lines written to `file` instead: where the walkthrough's in-process
/// server logs, so its requests do not interleave with the walkthrough's text and `mcp-fa logs
/// mcp -f` can follow them from another terminal.
pub fn init_logging_to(file: std::fs::File) {
    init_logging_with(file, false);
}

/// The request lines are written by a thread of their own ([`log_writer`]), off the requests'
/// path. Like `try_init`, it leaves an already installed subscriber alone.
fn init_logging_with<W: std::io::Write + Send + 'static>(sink: W, json: bool) {
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;
    use tracing_subscriber::{Layer as _, filter::Targets, fmt};

    let filter = Targets::new()
        .with_target("rmcp", tracing::Level::WARN)
        .with_default(tracing::Level::INFO);
    if tracing::dispatcher::has_been_set() {
        return;
    }
    let writer = log_writer::LogWriter::start(sink);
    // Each format is a layer type of its own; boxed, they are one.
    let layer = if json {
        fmt::layer()
            .with_writer(writer)
            .with_target(false)
            .json()
            .flatten_event(true)
            .boxed()
    } else {
        fmt::layer().with_writer(writer).with_target(false).boxed()
    };
    let _ = tracing_subscriber::registry()
        .with(layer.with_filter(filter))
        .try_init();
}

async fn shutdown_signal() -> Result<(), ServerError> {
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .map_err(ServerError::Signal)?;
        tokio::select! {
            result = tokio::signal::ctrl_c() => result.map_err(ServerError::Signal),
            _ = term.recv() => Ok(()),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await.map_err(ServerError::Signal)
    }
}
