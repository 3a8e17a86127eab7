//! A remote project: an existing FusionAuth named by URL, an API key read from an environment
//! variable, an optional tenant, and the MCP server's public URL. Everything is checked here,
//! once, before anything is sent.

use url::Url;

use super::{Origin, Site};
use crate::fusionauth::Secret;
use crate::project::{ProjectName, ScopeChoice};
use crate::state::StateError;

/// Where the API key of a remote FusionAuth is read from unless the project file names another
/// variable.
pub const DEFAULT_API_KEY_ENV: &str = "FUSIONAUTH_API_KEY";

/// The MCP server's public URL when none is given: `mcp-fa serve`'s own default.
pub const DEFAULT_PUBLIC_URL: &str = "http://localhost:8000";

/// What names a remote FusionAuth, from the command line or the project file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteSettings {
    pub project: ProjectName,
    pub fusionauth_url: String,
    pub tenant_id: Option<String>,
    /// The environment variable holding the API key (its name, never its value).
    pub api_key_env: String,
    pub public_url: Option<String>,
    pub scopes: Option<ScopeChoice>,
}

#[derive(Debug, thiserror::Error)]
pub enum SiteError {
    #[error(
        "no API key for {url}: set the environment variable {var} to an API key of that \
         FusionAuth (Settings → API Keys). mcp-fa reads it only from the environment, never \
         from a flag, whose value would stay in your shell history and show in the process list"
    )]
    NoApiKey { var: String, url: String },
    #[error("{what} `{value}` is not usable: {reason}")]
    InvalidUrl {
        what: &'static str,
        value: String,
        reason: String,
    },
    #[error(
        "`{value}` is not a tenant id: FusionAuth's tenant ids are UUIDs (Tenants → the tenant \
         → Id, or `GET /api/tenant`)"
    )]
    InvalidTenantId { value: String },
    #[error(transparent)]
    State(#[from] StateError),
}

impl SiteError {
    pub fn code(&self) -> &'static str {
        match self {
            SiteError::NoApiKey { .. } => "API_KEY_MISSING",
            SiteError::InvalidUrl { .. } | SiteError::InvalidTenantId { .. } => "INVALID_INPUT",
            SiteError::State(error) => error.code(),
        }
    }

    /// A value on the command line or in the project file is wrong: fix the command.
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            SiteError::InvalidUrl { .. } | SiteError::InvalidTenantId { .. }
        )
    }
}

impl Site {
    /// The remote FusionAuth `settings` name, with the API key from the environment variable
    /// they name.
    pub fn remote(settings: &RemoteSettings) -> Result<Site, SiteError> {
        let key = std::env::var(&settings.api_key_env)
            .ok()
            .map(|key| key.trim().to_owned())
            .filter(|key| !key.is_empty())
            .ok_or_else(|| SiteError::NoApiKey {
                var: settings.api_key_env.clone(),
                url: settings.fusionauth_url.clone(),
            })?;
        Site::remote_with_key(settings, Secret::new(key))
    }

    /// The site without an API key, for what reads only FusionAuth's public documents
    /// (discovery, the published keys): `token inspect`. Any API call would be refused.
    pub fn remote_without_key(settings: &RemoteSettings) -> Result<Site, SiteError> {
        Site::remote_with_key(settings, Secret::new(String::new()))
    }

    /// The same with the key in hand.
    pub fn remote_with_key(settings: &RemoteSettings, api_key: Secret) -> Result<Site, SiteError> {
        let fusionauth_url = http_url("--fusionauth-url", &settings.fusionauth_url)?;
        let public_url = public_url(settings.public_url.as_deref().unwrap_or(DEFAULT_PUBLIC_URL))?;
        let tenant_id = settings
            .tenant_id
            .as_deref()
            .map(str::trim)
            .filter(|tenant| !tenant.is_empty())
            .map(|tenant| {
                uuid_like(tenant)
                    .then(|| tenant.to_ascii_lowercase())
                    .ok_or_else(|| SiteError::InvalidTenantId {
                        value: tenant.to_owned(),
                    })
            })
            .transpose()?;
        Ok(Site {
            project: settings.project.clone(),
            fusionauth_url,
            api_key,
            tenant_id,
            public_url,
            demo_user: None,
            scopes: settings.scopes.unwrap_or(ScopeChoice::Standard),
            origin: Origin::Remote {
                api_key_env: settings.api_key_env.clone(),
            },
        })
    }
}

fn http_url(what: &'static str, value: &str) -> Result<Url, SiteError> {
    let invalid = |reason: &str| SiteError::InvalidUrl {
        what,
        value: value.to_owned(),
        reason: reason.to_owned(),
    };
    let url = Url::parse(value.trim()).map_err(|e| invalid(&e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(invalid("it must be an http:// or https:// URL"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("give it without a query or fragment"));
    }
    Ok(url)
}

/// Only an origin, as `serve --public-url` takes it: the server adds `/mcp` itself.
fn public_url(value: &str) -> Result<Url, SiteError> {
    let url = http_url("--public-url", value)?;
    if url.path() != "/" {
        return Err(SiteError::InvalidUrl {
            what: "--public-url",
            value: value.to_owned(),
            reason: "give only scheme, host and port (the MCP endpoint is <public URL>/mcp)".into(),
        });
    }
    Ok(url)
}

/// `8-4-4-4-12` hexadecimal digits, as FusionAuth writes its ids.
fn uuid_like(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(group, len)| group.len() == len && group.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> RemoteSettings {
        RemoteSettings {
            project: ProjectName::parse("remote").expect("valid"),
            fusionauth_url: "https://auth.example.com".into(),
            tenant_id: Some("1D3B7C6A-0000-4000-8000-00000000ABCD".into()),
            api_key_env: "MCP_FA_TEST_UNSET_VARIABLE".into(),
            public_url: Some("https://mcp.example.com".into()),
            scopes: None,
        }
    }

    #[test]
    fn a_remote_site_names_its_tenant_and_public_resource() {
        let site = Site::remote_with_key(&settings(), Secret::new("k")).expect("site");
        assert_eq!(site.resource(), "https://mcp.example.com/mcp");
        assert_eq!(site.mcp_endpoint(), "https://mcp.example.com/mcp");
        assert_eq!(
            site.tenant_id.as_deref(),
            Some("1d3b7c6a-0000-4000-8000-00000000abcd")
        );
        assert!(site.is_remote() && !site.public_url_is_loopback());
        assert_eq!(site.known_issuer(), None);
    }

    #[test]
    fn bad_values_are_refused_with_the_reason() {
        let error = Site::remote(&settings()).expect_err("no key in the environment");
        let message = error.to_string();
        assert!(message.contains("MCP_FA_TEST_UNSET_VARIABLE"), "{message}");
        assert!(message.contains("shell history"), "{message}");
        for (field, value) in [
            ("fusionauth", "auth.example.com"),
            ("public", "https://mcp.example.com/tools"),
            ("tenant", "default"),
        ] {
            let mut bad = settings();
            match field {
                "fusionauth" => bad.fusionauth_url = value.into(),
                "public" => bad.public_url = Some(value.into()),
                _ => bad.tenant_id = Some(value.into()),
            }
            let error = Site::remote_with_key(&bad, Secret::new("k")).expect_err(value);
            assert!(error.is_usage(), "{error}");
            assert!(error.to_string().contains(value), "{error}");
        }
    }
}
