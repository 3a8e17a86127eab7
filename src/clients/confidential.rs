//! What differs for a confidential client (claude.ai's connector: Anthropic's servers keep the
//! secret, and the login comes back to claude.ai, not to this machine), what a license allows
//! when nobody may read it, and whether the MCP server answers at its public URL from here.

use std::time::Duration;

use super::kind::ClientKind;
use crate::fusionauth::{
    ClientAuthenticationPolicy, FusionAuthClient, FusionAuthError, ProofKeyForCodeExchangePolicy,
    ReactorStatus,
};

/// How a client of `kind` proves itself at the token endpoint.
///
/// Public clients (a program on a laptop keeps no secret) may skip the secret when they use
/// PKCE, and must use PKCE. A confidential client must present its secret (the connector sends
/// it as `client_secret_post`); PKCE is then not required by FusionAuth, but a challenge the
/// connector sends is still checked, and FusionAuth's own tutorial registers the connector
/// without requiring it, so a connector that omits it is not locked out.
pub(super) fn client_policies(
    kind: ClientKind,
) -> (ClientAuthenticationPolicy, ProofKeyForCodeExchangePolicy) {
    if kind.is_confidential() {
        (
            ClientAuthenticationPolicy::Required,
            ProofKeyForCodeExchangePolicy::NotRequiredWhenUsingClientAuthentication,
        )
    } else {
        (
            ClientAuthenticationPolicy::NotRequiredWhenUsingPkce,
            ProofKeyForCodeExchangePolicy::Required,
        )
    }
}

/// What the instance's license allows, as far as this API key may know.
pub(super) enum License {
    Known(ReactorStatus),
    /// `/api/reactor` is one of FusionAuth's global endpoints: a key limited to a tenant (or any
    /// request naming a tenant) gets 401 there. The paid features are then tried, and left out
    /// when FusionAuth refuses them as unlicensed.
    Unreadable,
}

impl License {
    pub(super) async fn read(fusionauth: &FusionAuthClient) -> Result<License, FusionAuthError> {
        match fusionauth.reactor_status().await {
            Ok(status) => Ok(License::Known(status)),
            Err(error) if error.is_unauthorized() => Ok(License::Unreadable),
            Err(error) => Err(error),
        }
    }

    /// Whether to ask for a consent screen (a ThirdParty application).
    pub(super) fn third_party(&self) -> bool {
        match self {
            License::Known(status) => status.allows_third_party_applications(),
            License::Unreadable => true,
        }
    }

    /// Whether to create the custom `get_name` scope.
    pub(super) fn custom_scopes(&self) -> bool {
        match self {
            License::Known(status) => status.allows_custom_scopes(),
            License::Unreadable => true,
        }
    }

    /// Whether `error` is FusionAuth refusing a paid feature this unread license lacks.
    pub(super) fn refused(&self, error: &FusionAuthError) -> bool {
        matches!(self, License::Unreadable) && error.has_code_prefix("[notLicensed")
    }
}

/// Whether the MCP server behind `resource` answers from this machine with its Protected
/// Resource Metadata naming that resource; otherwise what was seen. For a connector this is a
/// hint only: claude.ai connects from the internet, which may see more (or less) than here.
pub async fn answers_from_here(resource: &str) -> Result<(), String> {
    let Some(origin) = resource.strip_suffix("/mcp") else {
        return Err(format!("{resource} is not an MCP endpoint URL"));
    };
    let metadata = format!("{origin}/.well-known/oauth-protected-resource/mcp");
    let http = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(3))
        .timeout(Duration::from_secs(6))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| e.to_string())?;
    let response = http
        .get(&metadata)
        .send()
        .await
        .map_err(|e| format!("{metadata}: {}", e.without_url()))?;
    let status = response.status();
    if !status.is_success() {
        return Err(format!("{metadata} answered HTTP {status}"));
    }
    let document: serde_json::Value = response
        .json()
        .await
        .map_err(|_| format!("{metadata} did not answer with JSON"))?;
    match document["resource"].as_str() {
        Some(named) if named == resource => Ok(()),
        named => Err(format!(
            "{metadata} names the resource {}, not {resource}",
            named.unwrap_or("(none)")
        )),
    }
}
