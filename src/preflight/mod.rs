//! `mcp-fa doctor` for a remote project: everything an existing FusionAuth (self-hosted or
//! FusionAuth Cloud, any tenant) and a deployed MCP server need for MCP clients to log in and
//! call it, one finding each with a verdict and, when something is wrong, exactly what to
//! change: FusionAuth answering, the API key's permissions for every endpoint mcp-fa calls, the
//! tenant, its issuer against the URL clients see, its token signing key, FusionAuth's version,
//! the license, and the MCP server at its public URL naming this issuer.
//!
//! It changes nothing unless asked: [`fix_signing_key`] (doctor `--yes`, or a yes on a
//! terminal) is the one fix it makes. It never puts the API key into a finding.

mod checks;
mod permissions;

use serde::Serialize;

use crate::fusionauth::{FusionAuthClient, FusionAuthError, KeyAlgorithm, Tenant, Timeouts};
use crate::site::{Origin, Site};
pub use crate::stack::Verdict;

/// The findings about the MCP server (the rest are about FusionAuth): a walkthrough checks
/// them in a step of their own.
pub const SERVER_FINDINGS: [&str; 2] = ["Public URL", "MCP server"];

/// One line of the preflight.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub name: String,
    pub verdict: Verdict,
    pub detail: String,
    /// What to change, when something is wrong.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

impl Finding {
    fn new(name: &str, verdict: Verdict, detail: impl Into<String>) -> Self {
        Self {
            name: name.to_owned(),
            verdict,
            detail: detail.into(),
            fix: None,
        }
    }

    fn fix(mut self, fix: impl Into<String>) -> Self {
        self.fix = Some(fix.into());
        self
    }
}

/// A fix the preflight may make, when told to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(
    rename_all = "camelCase",
    rename_all_fields = "camelCase",
    tag = "kind"
)]
pub enum Fix {
    /// The tenant signs tokens with an HMAC key: generate an RSA key and make it the tenant's
    /// access and id token key.
    SigningKey { tenant_id: String },
}

/// What the preflight found.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Preflight {
    pub project: String,
    pub fusionauth_url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tenant_id: Option<String>,
    pub resource: String,
    pub checks: Vec<Finding>,
    /// What [`fix_signing_key`] can change, when the findings call for it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fixes: Vec<Fix>,
}

impl Preflight {
    pub fn failures(&self) -> usize {
        self.checks
            .iter()
            .filter(|check| check.verdict == Verdict::Fail)
            .count()
    }
}

/// Runs every check against `site` (a remote project's).
pub async fn preflight(site: &Site) -> Preflight {
    let mut report = Preflight {
        project: site.project.to_string(),
        fusionauth_url: site
            .fusionauth_url
            .as_str()
            .trim_end_matches('/')
            .to_owned(),
        tenant_id: site.tenant_id.clone(),
        resource: site.resource(),
        checks: Vec::new(),
        fixes: Vec::new(),
    };
    let fusionauth = match site.admin_client(Timeouts::PROBE) {
        Ok(fusionauth) => fusionauth,
        Err(error) => {
            report
                .checks
                .push(Finding::new("FusionAuth", Verdict::Fail, error.to_string()));
            return report;
        }
    };
    let key_var = match &site.origin {
        Origin::Remote { api_key_env } => api_key_env.clone(),
        Origin::Stack { .. } => "the state file's API key".into(),
    };
    if !checks::reachable(&fusionauth, &report.fusionauth_url, &mut report.checks).await {
        return report;
    }
    if let Some(finding) = permissions::permissions(&fusionauth, &key_var).await {
        report.checks.push(finding);
    }
    let tenant = checks::tenant(&fusionauth, site, &mut report.checks).await;
    if let Some(tenant) = &tenant {
        checks::issuer(&fusionauth, site, tenant, &mut report.checks).await;
        if checks::signing_key(&fusionauth, tenant, &mut report.checks).await {
            report.fixes.push(Fix::SigningKey {
                tenant_id: tenant.id.clone().unwrap_or_default(),
            });
        }
    }
    checks::version(&fusionauth, &mut report.checks).await;
    checks::license(&fusionauth, site, &mut report.checks).await;
    checks::mcp_server(site, tenant.as_ref(), &mut report.checks).await;
    report
}

/// Generates an RS256 key and makes it the tenant's access and id token signing key. Tokens
/// signed before stay valid until they expire (FusionAuth keeps the old key); new ones verify
/// through the JWKS.
pub async fn fix_signing_key(site: &Site, tenant_id: &str) -> Result<String, FusionAuthError> {
    let fusionauth: FusionAuthClient = site.admin_client(Timeouts::default())?;
    // Key names are unique in FusionAuth: the tenant and the time tell this one apart.
    let name = format!(
        "mcp-fa token signing {} {}",
        uuid_suffix(tenant_id),
        crate::state::now_secs()
    );
    let key = fusionauth
        .generate_key(None, KeyAlgorithm::Rs256, &name, Some(2048))
        .await?;
    let key_id = key.id.clone().unwrap_or_default();
    let patch = Tenant {
        jwt_configuration: Some(crate::fusionauth::JwtConfiguration {
            access_token_key_id: Some(key_id.clone()),
            id_token_key_id: Some(key_id.clone()),
            ..Default::default()
        }),
        ..Tenant::default()
    };
    fusionauth.patch_tenant(tenant_id, &patch).await?;
    Ok(format!(
        "generated the RS256 key \"{name}\" ({key_id}) and made it tenant {tenant_id}'s access \
         and id token signing key; log in again for tokens signed with it"
    ))
}

/// The last group of an id, to tell keys of several tenants apart by name.
fn uuid_suffix(id: &str) -> String {
    id.rsplit('-')
        .next()
        .unwrap_or(id)
        .chars()
        .take(12)
        .collect()
}
