//! [`Site`]: where FusionAuth is and how to reach it as an administrator, and where the MCP
//! server it protects answers. Both a stack `mcp-fa up` started (its state file) and a remote
//! project (an existing FusionAuth, self-hosted or Cloud, any tenant) produce one, so the
//! commands that talk to FusionAuth (`clients`, `check`, `token inspect`, `doctor`) take a
//! `Site` and never fork into a local and a remote copy of themselves.
//!
//! It sits on the ground floor beside `state`, whose stacks it reads; nothing below it imports
//! it. It never holds an API key it was not handed (a remote key comes from the environment
//! variable the project names, never from a flag or a file), and `Debug` never shows one.

mod remote;

use std::fmt;

use url::Url;

use crate::fusionauth::{FusionAuthClient, FusionAuthError, Secret, Timeouts};
use crate::project::{ProjectName, ScopeChoice};
use crate::state::{NEW_API_KEY_GRACE, StackState};

pub use remote::{DEFAULT_API_KEY_ENV, DEFAULT_PUBLIC_URL, RemoteSettings, SiteError};

/// One FusionAuth as mcp-fa reaches it, and the MCP server it protects.
#[derive(Clone)]
pub struct Site {
    pub project: ProjectName,
    /// Where FusionAuth's API and hosted pages answer.
    pub fusionauth_url: Url,
    api_key: Secret,
    /// Sent as FusionAuth's tenant header; `None`: the default tenant, or the one tenant the
    /// API key is limited to.
    pub tenant_id: Option<String>,
    /// The MCP server's public base URL (scheme, host, port; no path): the resource is
    /// `<public URL>/mcp`, as `serve --public-url` names it.
    pub public_url: Url,
    /// Who logs in for the self-test; a remote FusionAuth has none of ours.
    pub demo_user: Option<DemoUser>,
    pub scopes: ScopeChoice,
    pub origin: Origin,
}

/// Where a [`Site`] came from, and what only that kind has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A stack `mcp-fa up` started: its FusionAuth URL is also its tenant's issuer, and its MCP
    /// server listens on this loopback port.
    Stack { mcp_port: u16 },
    /// An existing FusionAuth; the API key came from this environment variable.
    Remote { api_key_env: String },
}

/// A user kickstart created, who logs in for the self-test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoUser {
    pub id: String,
    pub email: String,
    pub full_name: String,
    pub password: Secret,
}

impl fmt::Debug for Site {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Site")
            .field("project", &self.project)
            .field("fusionauth_url", &self.fusionauth_url.as_str())
            .field("api_key", &"[redacted]")
            .field("tenant_id", &self.tenant_id)
            .field("public_url", &self.public_url.as_str())
            .field("origin", &self.origin)
            .finish_non_exhaustive()
    }
}

impl Site {
    /// The stack `mcp-fa up` started, as its state file knows it.
    pub fn from_stack(state: &StackState) -> Result<Site, SiteError> {
        let fusionauth_url =
            Url::parse(&state.fusionauth_url).map_err(|_| SiteError::InvalidUrl {
                what: "the state file's FusionAuth URL",
                value: state.fusionauth_url.clone(),
                reason: "it is not a URL".into(),
            })?;
        let public_url = Url::parse(&format!("http://localhost:{}", state.mcp_port))
            .expect("a loopback URL with a port is valid");
        Ok(Site {
            project: state.project.clone(),
            fusionauth_url,
            api_key: state.api_key.clone(),
            tenant_id: None,
            public_url,
            demo_user: state.user("demo").map(|user| DemoUser {
                id: user.id.clone(),
                email: user.email.clone(),
                full_name: user.full_name.clone(),
                password: user.password.clone(),
            }),
            scopes: state.scope_choice(),
            origin: Origin::Stack {
                mcp_port: state.mcp_port,
            },
        })
    }

    pub fn is_remote(&self) -> bool {
        matches!(self.origin, Origin::Remote { .. })
    }

    /// FusionAuth's API as an administrator: the site's key and tenant. A stack's key may be
    /// brand new (kickstart just made it), so it gets [`NEW_API_KEY_GRACE`]; a remote key is
    /// not new, and its 401 means what it says at once.
    pub fn admin_client(&self, timeouts: Timeouts) -> Result<FusionAuthClient, FusionAuthError> {
        let client = FusionAuthClient::new(self.fusionauth_url.clone(), timeouts)?
            .with_api_key(self.api_key.clone())
            .with_tenant_id(self.tenant_id.clone());
        Ok(match self.origin {
            Origin::Stack { .. } => client.with_new_key_grace(NEW_API_KEY_GRACE),
            Origin::Remote { .. } => client,
        })
    }

    /// `<public URL>/mcp`: the MCP endpoint clients connect to, and the resource (RFC 8707)
    /// tokens for it are issued for.
    pub fn resource(&self) -> String {
        format!("{}/mcp", self.public_url.origin().ascii_serialization())
    }

    /// Where this machine reaches the MCP server: a stack's on its loopback port (whatever
    /// `localhost` resolves to), a remote one at its public URL.
    pub fn mcp_endpoint(&self) -> String {
        match self.origin {
            Origin::Stack { mcp_port } => format!("http://127.0.0.1:{mcp_port}/mcp"),
            Origin::Remote { .. } => self.resource(),
        }
    }

    /// The issuer tokens carry, when it is known without asking FusionAuth: a stack's tenant
    /// issuer is its FusionAuth URL (kickstart set it). A remote tenant's is read from its
    /// discovery document.
    pub fn known_issuer(&self) -> Option<String> {
        match self.origin {
            Origin::Stack { .. } => Some(self.fusionauth_url.as_str().trim_end_matches('/').into()),
            Origin::Remote { .. } => None,
        }
    }

    /// Whether the public URL is this machine (a server mcp-fa may start itself).
    pub fn public_url_is_loopback(&self) -> bool {
        is_loopback(&self.public_url)
    }

    /// A remote site that names no tenant works in the one its API key sees: a key limited to
    /// a tenant sees only that one, and its tokens carry that tenant's issuer. Named here, so
    /// discovery and servers started for the site use that tenant too. Several visible: left
    /// unnamed (the default tenant's, as FusionAuth itself decides).
    pub async fn name_the_tenant(&mut self) -> Result<(), FusionAuthError> {
        if self.tenant_id.is_some() || !self.is_remote() {
            return Ok(());
        }
        let tenants = self.admin_client(Timeouts::PROBE)?.list_tenants().await?;
        if let [only] = tenants.as_slice() {
            self.tenant_id = only.id.clone();
        }
        Ok(())
    }

    /// ` --tenant-id X` when the site names a tenant, for the commands a message tells the
    /// reader to run.
    pub fn tenant_flag(&self) -> String {
        self.tenant_id
            .as_deref()
            .map(|tenant| format!(" --tenant-id {tenant}"))
            .unwrap_or_default()
    }
}

/// Whether `url` names this machine: `localhost` or a loopback address.
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stack_is_a_site_on_its_loopback_port() {
        let state = StackState::sample();
        let site = Site::from_stack(&state).expect("site");
        assert_eq!(site.resource(), "http://localhost:8000/mcp");
        assert_eq!(site.mcp_endpoint(), "http://127.0.0.1:8000/mcp");
        assert_eq!(
            site.known_issuer().as_deref(),
            Some("http://localhost:9011")
        );
        assert_eq!(
            site.demo_user.as_ref().map(|u| u.email.as_str()),
            Some("test@example.com")
        );
        assert!(!site.is_remote() && site.public_url_is_loopback());
        let shown = format!("{site:?}");
        assert!(!shown.contains("sentinel"), "{shown}");
    }
}
