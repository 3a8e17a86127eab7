//! What the server is told, checked once: issuer, where FusionAuth answers, where to listen, the
//! public URL that names this resource, and the security knobs.

use std::net::SocketAddr;
use std::time::Duration;

use url::Url;

use super::error::ServerError;
use super::scopes::ScopeMode;
use super::verifier::{ValidationMode, VerifierSettings};
use crate::project::ProjectName;
use crate::site::{Origin, Site};
use crate::state::{StackState, StateStore};

/// Where `serve` listens when neither `--bind` nor a stack says otherwise.
const DEFAULT_BIND: ([u8; 4], u16) = ([127, 0, 0, 1], 8000);

/// What `serve` was asked for. Left out (`None`, empty), a setting comes from the stack named
/// by `project` when neither `issuer` nor `fusionauth_url` is given, else from the defaults.
#[derive(Debug, Clone, Default)]
pub struct ServeRequest {
    pub issuer: Option<String>,
    pub project: ProjectName,
    pub fusionauth_url: Option<String>,
    /// The FusionAuth tenant whose discovery document (issuer, keys) the server uses.
    pub tenant_id: Option<String>,
    pub bind: Option<SocketAddr>,
    pub public_url: Option<String>,
    pub scopes: Option<ScopeMode>,
    pub no_auth: bool,
    pub validation: ValidationMode,
    pub client_id_audiences: Vec<String>,
    pub allowed_origins: Vec<String>,
}

/// Everything [`super::start`] needs.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// Compared exactly with tokens' `iss`. `None` only with `no_auth`.
    pub issuer: Option<String>,
    /// Where discovery, JWKS, userinfo and JWT validation are fetched from.
    pub fusionauth_url: Option<Url>,
    /// The tenant whose discovery document names the issuer and its keys (`None`: FusionAuth's
    /// default tenant).
    pub tenant_id: Option<String>,
    pub bind: SocketAddr,
    /// The origin clients reach this server at (no path). `None`: `http://localhost:<port>`,
    /// decided after binding so an OS-chosen port works.
    pub public_url: Option<Url>,
    pub scopes: ScopeMode,
    pub no_auth: bool,
    pub validation: ValidationMode,
    /// Legacy opt-in for FusionAuth before 1.67: an `aud` naming one of these client ids is
    /// accepted in place of the resource URI.
    pub client_id_audiences: Vec<String>,
    /// Browser origins allowed besides the public URL's and loopback origins (`scheme://host[:port]`).
    pub allowed_origins: Vec<String>,
    /// Clock skew tolerated on `exp` and `nbf`.
    pub leeway: Duration,
    /// At most one JWKS refetch per this interval, however many unknown `kid`s arrive.
    pub jwks_refetch_interval: Duration,
    /// A connection that has not sent a whole request head by then is closed, so slow or
    /// stalled clients cannot hold connections open (slow-loris).
    pub header_read_timeout: Duration,
    /// Start with protection switched off: keys are discovered as usual, but `/mcp` answers
    /// without a token and the metadata routes answer 404 until
    /// [`super::ServerHandle::set_protected`] switches it on (the tutorial's first steps).
    pub start_unprotected: bool,
}

impl ServeConfig {
    /// A configuration for `issuer` with every other setting at its default; the base of
    /// [`ServeConfig::from_request`] and of tests.
    pub fn new(issuer: &str) -> Result<Self, ServerError> {
        let url = parse_url("issuer", issuer)?;
        Ok(Self {
            issuer: Some(issuer.to_owned()),
            fusionauth_url: Some(url),
            tenant_id: None,
            bind: SocketAddr::from(DEFAULT_BIND),
            public_url: None,
            scopes: ScopeMode::Standard,
            no_auth: false,
            validation: ValidationMode::Local,
            client_id_audiences: Vec::new(),
            allowed_origins: Vec::new(),
            leeway: Duration::from_secs(30),
            jwks_refetch_interval: Duration::from_secs(30),
            header_read_timeout: Duration::from_secs(10),
            start_unprotected: false,
        })
    }

    /// How tokens are verified for `resource` (the server's and `token inspect`'s, alike).
    pub(crate) fn verifier_settings<'a>(&'a self, resource: &'a str) -> VerifierSettings<'a> {
        VerifierSettings {
            issuer: self.issuer.as_deref(),
            resource,
            client_id_audiences: &self.client_id_audiences,
            leeway: self.leeway,
            mode: self.validation,
            refetch_interval: self.jwks_refetch_interval,
        }
    }

    /// The unprotected server of the tutorial's first step.
    pub fn unprotected() -> Self {
        Self {
            issuer: None,
            fusionauth_url: None,
            no_auth: true,
            ..Self::new("http://localhost").expect("a valid URL")
        }
    }

    /// The server for a stack `mcp-fa up` started: its FusionAuth as the issuer, listening on
    /// `127.0.0.1:<its MCP port>`, and the scope mode the project chose (by default the custom
    /// `get_name` scope when it has a license).
    pub fn for_stack(state: &StackState) -> Result<Self, ServerError> {
        let mut config = Self::new(&state.fusionauth_url)?;
        config.bind = SocketAddr::from(([127, 0, 0, 1], state.mcp_port));
        config.scopes = ScopeMode::from(state.scope_choice());
        Ok(config)
    }

    /// The server for any site: its FusionAuth and tenant, and the resource its public URL
    /// names, listening on 127.0.0.1 (a stack's MCP port, or the public URL's port for a remote
    /// project's server run on this machine). A remote tenant's issuer is read from its
    /// discovery document at start.
    pub fn for_site(site: &Site) -> Result<Self, ServerError> {
        let mut config = Self::new(site.fusionauth_url.as_str())?;
        config.issuer = site.known_issuer();
        config.tenant_id = site.tenant_id.clone();
        config.scopes = ScopeMode::from(site.scopes);
        match site.origin {
            Origin::Stack { mcp_port } => {
                config.bind = SocketAddr::from(([127, 0, 0, 1], mcp_port));
            }
            Origin::Remote { .. } => {
                let port = site
                    .public_url
                    .port_or_known_default()
                    .unwrap_or(DEFAULT_BIND.1);
                config.bind = SocketAddr::from(([127, 0, 0, 1], port));
                config.public_url = Some(site.public_url.clone());
            }
        }
        Ok(config)
    }

    /// Checks what `serve` was asked for. Without an issuer or a FusionAuth URL the settings
    /// come from the state of the stack named by `project` ([`ServeConfig::for_stack`]);
    /// settings given explicitly still win over it.
    pub fn from_request(args: &ServeRequest) -> Result<Self, ServerError> {
        Self::from_request_with(args, |project| {
            load_stack(
                &StateStore::from_env().map_err(ServerError::State)?,
                project,
            )
        })
    }

    /// [`ServeConfig::from_request`] with the state read by `load_stack` (tests pass their own).
    fn from_request_with(
        args: &ServeRequest,
        load_stack: impl FnOnce(&ProjectName) -> Result<StackState, ServerError>,
    ) -> Result<Self, ServerError> {
        let mut stack: Option<ServeConfig> = None;
        let mut config = if args.no_auth {
            Self::unprotected()
        } else {
            let fusionauth_url = args
                .fusionauth_url
                .as_deref()
                .map(|url| parse_url("FusionAuth URL", url))
                .transpose()?;
            match (&args.issuer, fusionauth_url) {
                (Some(issuer), fusionauth_url) => {
                    let mut config = Self::new(issuer)?;
                    if let Some(url) = fusionauth_url {
                        config.fusionauth_url = Some(url);
                    }
                    config
                }
                // The issuer is then read from FusionAuth's discovery document at start.
                (None, Some(url)) => Self {
                    issuer: None,
                    fusionauth_url: Some(url),
                    ..Self::unprotected()
                },
                (None, None) => {
                    let from_state = Self::for_stack(&load_stack(&args.project)?)?;
                    stack = Some(from_state.clone());
                    from_state
                }
            }
        };
        config.no_auth = args.no_auth;
        if !args.no_auth {
            config.tenant_id = args
                .tenant_id
                .as_deref()
                .map(str::trim)
                .filter(|tenant| !tenant.is_empty())
                .map(str::to_owned);
        }
        config.bind = args
            .bind
            .or(stack.as_ref().map(|s| s.bind))
            .unwrap_or_else(|| SocketAddr::from(DEFAULT_BIND));
        config.public_url = args
            .public_url
            .as_deref()
            .map(parse_public_url)
            .transpose()?;
        config.scopes = match (args.scopes, &stack) {
            (Some(scopes), _) => scopes,
            (None, Some(stack)) => stack.scopes,
            (None, None) => ScopeMode::Standard,
        };
        config.validation = args.validation;
        config.client_id_audiences = args.client_id_audiences.clone();
        config.allowed_origins = args
            .allowed_origins
            .iter()
            .map(|origin| parse_origin(origin))
            .collect::<Result<_, _>>()?;
        config.check_bind()?;
        Ok(config)
    }

    /// A non-loopback bind without a public URL would advertise `localhost` to remote clients.
    pub fn check_bind(&self) -> Result<(), ServerError> {
        if !self.bind.ip().is_loopback() && self.public_url.is_none() {
            return Err(ServerError::PublicUrlRequired { bind: self.bind });
        }
        Ok(())
    }
}

/// The saved state of the stack `serve` serves when no issuer is given.
fn load_stack(store: &StateStore, project: &ProjectName) -> Result<StackState, ServerError> {
    store
        .load(project)
        .map_err(ServerError::State)?
        .ok_or_else(|| ServerError::NoStack {
            project: project.clone(),
            state_file: store.path(project).display().to_string(),
        })
}

/// The URLs derived from the public URL once the port is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicUrls {
    /// `scheme://host[:port]`, for the Origin check.
    pub origin: String,
    /// The canonical resource URI, `<public>/mcp`, no trailing slash (RFC 8707 / MCP).
    pub resource: String,
    /// RFC 9728 path-suffixed metadata URL, the one the `WWW-Authenticate` challenge names.
    pub metadata: String,
    /// The public host, for rmcp's `Host` check.
    pub host: String,
}

impl PublicUrls {
    pub fn new(public_url: Option<&Url>, bound: SocketAddr) -> Self {
        let url = public_url.cloned().unwrap_or_else(|| {
            Url::parse(&format!("http://localhost:{}", bound.port())).expect("a valid URL")
        });
        let origin = url.origin().ascii_serialization();
        Self {
            resource: format!("{origin}/mcp"),
            metadata: format!("{origin}/.well-known/oauth-protected-resource/mcp"),
            host: url.host_str().unwrap_or("localhost").to_owned(),
            origin,
        }
    }
}

fn parse_url(what: &'static str, value: &str) -> Result<Url, ServerError> {
    let invalid = |reason: String| ServerError::InvalidUrl {
        what,
        value: value.to_owned(),
        reason,
    };
    let url = Url::parse(value).map_err(|e| invalid(e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(invalid("it must be an http:// or https:// URL".into()));
    }
    Ok(url)
}

/// Only an origin: this server mounts `/mcp` at the root, so a path would name a resource it
/// does not serve (a proxy mapping a path prefix is not supported yet).
fn parse_public_url(value: &str) -> Result<Url, ServerError> {
    let url = parse_url("public URL", value)?;
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return Err(ServerError::InvalidUrl {
            what: "public URL",
            value: value.to_owned(),
            reason: "give only scheme, host and port (the server adds `/mcp`)".into(),
        });
    }
    Ok(url)
}

fn parse_origin(value: &str) -> Result<String, ServerError> {
    let url = parse_url("origin", value)?;
    Ok(url.origin().ascii_serialization())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_is_the_public_origin_plus_mcp_without_trailing_slash() {
        let bound: SocketAddr = "127.0.0.1:8123".parse().expect("addr");
        let local = PublicUrls::new(None, bound);
        assert_eq!(local.resource, "http://localhost:8123/mcp");
        assert_eq!(
            local.metadata,
            "http://localhost:8123/.well-known/oauth-protected-resource/mcp"
        );
        let public = Url::parse("https://mcp.example.com/").expect("url");
        let urls = PublicUrls::new(Some(&public), bound);
        assert_eq!(urls.resource, "https://mcp.example.com/mcp");
        assert_eq!(urls.origin, "https://mcp.example.com");
        assert_eq!(urls.host, "mcp.example.com");
    }

    #[test]
    fn public_url_with_a_path_is_refused() {
        assert!(parse_public_url("https://example.com/tools").is_err());
        assert!(parse_public_url("https://example.com").is_ok());
    }

    fn request(project: &str) -> ServeRequest {
        ServeRequest {
            project: ProjectName::parse(project).expect("valid"),
            ..ServeRequest::default()
        }
    }

    fn stack_state(licensed: bool) -> StackState {
        StackState {
            project: ProjectName::parse("cfg").expect("valid"),
            fusionauth_url: "http://localhost:9123".into(),
            fusionauth_port: 9123,
            mcp_port: 8123,
            license_id: licensed.then(|| crate::fusionauth::Secret::new("l")),
            ..StackState::sample()
        }
    }

    fn from_dir(dir: &std::path::Path, request: &ServeRequest) -> Result<ServeConfig, ServerError> {
        let store = StateStore::at(dir);
        ServeConfig::from_request_with(request, |project| load_stack(&store, project))
    }

    #[test]
    fn without_an_issuer_the_stack_state_supplies_issuer_port_and_scopes() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = StateStore::at(dir.path());
        store.save(&stack_state(true)).expect("save");
        {
            let config = from_dir(dir.path(), &request("cfg")).expect("ok");
            assert_eq!(config.issuer.as_deref(), Some("http://localhost:9123"));
            assert_eq!(
                config.fusionauth_url.as_ref().map(Url::as_str),
                Some("http://localhost:9123/")
            );
            assert_eq!(config.bind, "127.0.0.1:8123".parse().expect("addr"));
            assert_eq!(config.scopes, ScopeMode::Custom, "licensed: custom scopes");

            // Explicit flags win over the state.
            let config = from_dir(
                dir.path(),
                &ServeRequest {
                    scopes: Some(ScopeMode::Standard),
                    bind: Some("127.0.0.1:8999".parse().expect("addr")),
                    ..request("cfg")
                },
            )
            .expect("ok");
            assert_eq!(config.scopes, ScopeMode::Standard);
            assert_eq!(config.bind, "127.0.0.1:8999".parse().expect("addr"));
        }

        store.save(&stack_state(false)).expect("save unlicensed");
        let config = from_dir(dir.path(), &request("cfg")).expect("ok");
        assert_eq!(config.scopes, ScopeMode::Standard, "unlicensed: profile");
    }

    #[test]
    fn an_explicit_issuer_ignores_the_state() {
        let dir = tempfile::tempdir().expect("temp dir");
        StateStore::at(dir.path())
            .save(&stack_state(true))
            .expect("save");
        let config = from_dir(
            dir.path(),
            &ServeRequest {
                issuer: Some("https://auth.example.com".into()),
                ..request("cfg")
            },
        )
        .expect("ok");
        assert_eq!(config.issuer.as_deref(), Some("https://auth.example.com"));
        assert_eq!(config.bind, SocketAddr::from(DEFAULT_BIND));
        assert_eq!(config.scopes, ScopeMode::Standard);
    }

    #[test]
    fn without_an_issuer_or_a_stack_the_error_says_what_to_do() {
        let dir = tempfile::tempdir().expect("temp dir");
        let error = from_dir(dir.path(), &request("nothing-here")).expect_err("no stack");
        let message = error.to_string();
        assert!(message.contains("mcp-fa up"), "{message}");
        assert!(message.contains("--issuer"), "{message}");
        assert_eq!(error.code(), "SERVE_NO_STACK");
    }

    #[test]
    fn non_loopback_bind_needs_a_public_url() {
        let mut config = ServeConfig::new("http://localhost:9011").expect("config");
        config.bind = "0.0.0.0:8000".parse().expect("addr");
        assert!(matches!(
            config.check_bind(),
            Err(ServerError::PublicUrlRequired { .. })
        ));
        config.public_url = Some(Url::parse("https://mcp.example.com").expect("url"));
        assert!(config.check_bind().is_ok());
    }
}
