//! The preflight's checks, one function each, in the order the report shows them. Each pushes
//! its findings and says what to change; none changes anything.

use std::time::Duration;

use serde_json::Value;
use url::Url;

use super::{Finding, Verdict};
use crate::fusionauth::{FusionAuthClient, KeyAlgorithm, Tenant};
use crate::project::ScopeChoice;
use crate::site::{Site, is_loopback};

/// FusionAuth 1.67 added resource indicators (RFC 8707): before it, tokens cannot be bound to
/// one MCP server.
const RESOURCE_INDICATORS: (u32, u32) = (1, 67);
/// FusionAuth 1.69 added `iss` to the authorize redirect (RFC 9207), which strict MCP clients
/// compare with the issuer they discovered.
const ISS_ON_REDIRECT: (u32, u32) = (1, 69);

/// FusionAuth answers at its URL, ready. Returns false when there is no point going on.
pub(super) async fn reachable(
    fusionauth: &FusionAuthClient,
    url: &str,
    out: &mut Vec<Finding>,
) -> bool {
    match fusionauth.status().await {
        Ok(readiness) if readiness.is_ready() => {
            out.push(Finding::new(
                "FusionAuth",
                Verdict::Ok,
                format!("{url} answers"),
            ));
            true
        }
        Ok(readiness) => {
            out.push(
                Finding::new("FusionAuth", Verdict::Fail, format!("{url}: {readiness}"))
                    .fix("wait until it has started, or check what answers at that URL"),
            );
            false
        }
        Err(error) => {
            out.push(
                Finding::new("FusionAuth", Verdict::Fail, error.to_string()).fix(
                    "check the URL (--fusionauth-url, or fusionauth.url in mcp-fa.yaml) and that \
                     this machine reaches it",
                ),
            );
            false
        }
    }
}

/// The tenant clients are registered in: the one named, else the only one visible.
pub(super) async fn tenant(
    fusionauth: &FusionAuthClient,
    site: &Site,
    out: &mut Vec<Finding>,
) -> Option<Tenant> {
    let refused = |what: &str| {
        Finding::new(
            "Tenant",
            Verdict::Fail,
            format!("the API key may not read {what} (GET /api/tenant answered 401)"),
        )
        .fix("allow GET on /api/tenant for the key (Settings → API Keys → the key)")
    };
    if let Some(tenant_id) = &site.tenant_id {
        return match fusionauth.get_tenant(tenant_id).await {
            Ok(tenant) => {
                out.push(Finding::new("Tenant", Verdict::Ok, named(&tenant)));
                Some(tenant)
            }
            Err(error) if error.is_not_found() => {
                out.push(
                    Finding::new(
                        "Tenant",
                        Verdict::Fail,
                        format!("FusionAuth has no tenant {tenant_id} that this key may see"),
                    )
                    .fix(
                        "check --tenant-id (Tenants → the tenant → Id); a key limited to another \
                         tenant sees only that one",
                    ),
                );
                None
            }
            Err(error) if error.is_unauthorized() => {
                out.push(refused("the tenant"));
                None
            }
            Err(error) => {
                out.push(Finding::new("Tenant", Verdict::Fail, error.to_string()));
                None
            }
        };
    }
    match fusionauth.list_tenants().await {
        Ok(tenants) if tenants.len() == 1 => {
            let tenant = tenants.into_iter().next()?;
            out.push(Finding::new(
                "Tenant",
                Verdict::Ok,
                format!("{}, the only one this key sees", named(&tenant)),
            ));
            Some(tenant)
        }
        Ok(tenants) => {
            let names: Vec<String> = tenants.iter().map(named).collect();
            out.push(
                Finding::new(
                    "Tenant",
                    Verdict::Fail,
                    format!("{} tenants: {}", tenants.len(), names.join(", ")),
                )
                .fix(
                    "name the one MCP clients log in to with --tenant-id (or fusionauth.tenant-id \
                     in mcp-fa.yaml), or use an API key limited to it",
                ),
            );
            None
        }
        Err(error) if error.is_unauthorized() => {
            out.push(refused("tenants"));
            None
        }
        Err(error) => {
            out.push(Finding::new("Tenant", Verdict::Fail, error.to_string()));
            None
        }
    }
}

/// "Default (6b5e…)": a tenant as the admin UI shows it, with its id.
fn named(tenant: &Tenant) -> String {
    format!(
        "{} ({})",
        tenant.name.as_deref().unwrap_or("(no name)"),
        tenant.id.as_deref().unwrap_or("?")
    )
}

/// The tenant's issuer against the URL clients see: an absolute https URL (http only on this
/// machine), exactly the FusionAuth URL (a trailing slash is a different issuer), or else one
/// MCP clients find the tenant's discovery document from.
pub(super) async fn issuer(
    fusionauth: &FusionAuthClient,
    site: &Site,
    tenant: &Tenant,
    out: &mut Vec<Finding>,
) {
    let tenant_id = tenant.id.clone().unwrap_or_default();
    let seen = site
        .fusionauth_url
        .as_str()
        .trim_end_matches('/')
        .to_owned();
    let issuer = tenant.issuer.clone().unwrap_or_default();
    let set_it = |value: &str| {
        format!(
            "set the tenant's issuer to exactly {value} (Tenants → the tenant → General → \
             Issuer, or PATCH /api/tenant/{tenant_id} with {{\"tenant\":{{\"issuer\":\"{value}\"}}}})"
        )
    };
    let finding = |verdict, detail: String| Finding::new("Issuer", verdict, detail);
    let parsed = match Url::parse(&issuer) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => url,
        _ => {
            out.push(
                finding(
                    Verdict::Fail,
                    format!(
                        "`{issuer}` is not a URL (FusionAuth's default is acme.com): MCP clients \
                         discover the authorization server from it and compare it with every \
                         token's `iss`"
                    ),
                )
                .fix(set_it(&seen)),
            );
            return;
        }
    };
    if parsed.scheme() == "http" && !is_loopback(&parsed) {
        out.push(
            finding(
                Verdict::Fail,
                format!(
                    "`{issuer}` is plain http on another machine: MCP clients require an https \
                     authorization server (http only on localhost)"
                ),
            )
            .fix(format!(
                "serve FusionAuth over https and {}",
                set_it(&seen.replacen("http://", "https://", 1))
            )),
        );
        return;
    }
    if issuer == seen {
        out.push(finding(
            Verdict::Ok,
            format!("{issuer}, the URL clients reach FusionAuth at"),
        ));
        return;
    }
    if issuer.trim_end_matches('/') == seen {
        out.push(
            finding(
                Verdict::Fail,
                format!(
                    "`{issuer}` differs from {seen} by its trailing slash: tokens carry the issuer \
                     exactly, and MCP clients and servers compare it exactly"
                ),
            )
            .fix(set_it(&seen)),
        );
        return;
    }
    // Another URL: fine if clients following the discovery rules find this tenant there.
    match discovered_at(&parsed).await {
        Some(found) => out.push(finding(
            Verdict::Ok,
            format!("{issuer}: clients find its discovery document at {found}"),
        )),
        None => {
            let by_id = fusionauth.openid_configuration().await.ok();
            let detail = format!(
                "clients discover the authorization server at `{issuer}` and find no discovery \
                 document naming it there{}",
                by_id
                    .map(|doc| format!(" (this tenant's document, by id, names {})", doc.issuer))
                    .unwrap_or_default()
            );
            out.push(finding(Verdict::Fail, detail).fix(set_it(&seen)));
        }
    }
}

/// Where an MCP client following RFC 8414 and OpenID discovery finds a document naming
/// `issuer`: for an issuer with a path, `/.well-known/openid-configuration` inserted before the
/// path (FusionAuth serves `/.well-known/openid-configuration/{tenantId}`) or appended to it;
/// without a path, appended.
async fn discovered_at(issuer: &Url) -> Option<String> {
    let origin = issuer.origin().ascii_serialization();
    let path = issuer.path().trim_end_matches('/');
    let mut candidates = vec![format!(
        "{}/.well-known/openid-configuration",
        issuer.as_str().trim_end_matches('/')
    )];
    if !path.is_empty() {
        candidates.insert(
            0,
            format!("{origin}/.well-known/openid-configuration{path}"),
        );
    }
    let http = http_client()?;
    for candidate in candidates {
        let Ok(response) = http.get(&candidate).send().await else {
            continue;
        };
        if !response.status().is_success() {
            continue;
        }
        let Ok(document) = response.json::<Value>().await else {
            continue;
        };
        if document["issuer"].as_str() == Some(issuer.as_str().trim_end_matches('/'))
            || document["issuer"].as_str() == Some(issuer.as_str())
        {
            return Some(candidate);
        }
    }
    None
}

/// The tenant's access-token key must be asymmetric: MCP servers verify tokens with the keys
/// FusionAuth publishes, and it publishes no HMAC key. Returns whether [`super::fix_signing_key`]
/// would fix what was found.
pub(super) async fn signing_key(
    fusionauth: &FusionAuthClient,
    tenant: &Tenant,
    out: &mut Vec<Finding>,
) -> bool {
    let key_id = tenant
        .jwt_configuration
        .as_ref()
        .and_then(|jwt| jwt.access_token_key_id.clone())
        .unwrap_or_default();
    let hmac_fix = |global_key: &str| {
        format!(
            "`mcp-fa doctor --yes`{global_key} generates an RSA key and makes it the tenant's \
             access and id token key; by hand: Settings → Key Master → Generate RSA, then \
             Tenants → the tenant → JWT → Access token signing key (and Id token signing key)"
        )
    };
    match fusionauth.get_key(&key_id).await {
        Ok(key) => {
            let algorithm = key.algorithm.unwrap_or(KeyAlgorithm::Unrecognized);
            if matches!(
                algorithm,
                KeyAlgorithm::Hs256 | KeyAlgorithm::Hs384 | KeyAlgorithm::Hs512
            ) {
                out.push(
                    Finding::new(
                        "Signing key",
                        Verdict::Fail,
                        format!(
                            "access tokens are signed with \"{}\" ({algorithm}, a shared secret): \
                             no MCP server can verify them with FusionAuth's published keys",
                            key.name.as_deref().unwrap_or(&key_id)
                        ),
                    )
                    .fix(hmac_fix("")),
                );
                true
            } else {
                out.push(Finding::new(
                    "Signing key",
                    Verdict::Ok,
                    format!(
                        "access tokens are signed with \"{}\" ({algorithm}), published in the JWKS",
                        key.name.as_deref().unwrap_or(&key_id)
                    ),
                ));
                false
            }
        }
        Err(error) if error.is_unauthorized() => {
            // The key master is global: read what the tenant publishes instead.
            let published = fusionauth
                .jwks()
                .await
                .map(|jwks| jwks.keys.len())
                .unwrap_or(0);
            if published == 0 {
                out.push(
                    Finding::new(
                        "Signing key",
                        Verdict::Fail,
                        "FusionAuth publishes no asymmetric key at all, so the tenant signs with \
                         an HMAC key no MCP server can verify",
                    )
                    .fix(hmac_fix(" (with a global API key)")),
                );
                true
            } else {
                out.push(
                    Finding::new(
                        "Signing key",
                        Verdict::Warn,
                        format!(
                            "this key may not read the key master (GET /api/key is global), so \
                             the tenant's key {key_id} could not be checked; FusionAuth publishes \
                             {published} asymmetric key(s)"
                        ),
                    )
                    .fix(
                        "`mcp-fa check` proves a token verifies; or check Tenants → the tenant → \
                         JWT names an RSA or EC key",
                    ),
                );
                false
            }
        }
        Err(error) => {
            out.push(Finding::new(
                "Signing key",
                Verdict::Warn,
                error.to_string(),
            ));
            false
        }
    }
}

/// FusionAuth's version: resource indicators need 1.67, `iss` on the redirect 1.69.
pub(super) async fn version(fusionauth: &FusionAuthClient, out: &mut Vec<Finding>) {
    let version = match fusionauth.system_version().await {
        Ok(version) => version,
        Err(error) => {
            let finding = if error.is_unauthorized() {
                Finding::new(
                    "FusionAuth version",
                    Verdict::Warn,
                    "the API key may not read it (GET /api/system/version answered 401)",
                )
                .fix("allow GET on /api/system/version for the key, or check Help → About")
            } else {
                Finding::new("FusionAuth version", Verdict::Warn, error.to_string())
            };
            out.push(finding);
            return;
        }
    };
    let parsed = parse_version(&version);
    let finding = match parsed {
        Some(v) if v < RESOURCE_INDICATORS => Finding::new(
            "FusionAuth version",
            Verdict::Fail,
            format!(
                "{version}: before 1.67 FusionAuth ignores resource indicators (RFC 8707), so \
                 tokens name the client, not this MCP server, in their audience"
            ),
        )
        .fix(
            "upgrade FusionAuth to 1.69 or newer; meanwhile `mcp-fa serve \
             --accept-client-id-audience CLIENT_ID` accepts such tokens (weaker: not bound to \
             this server)",
        ),
        Some(v) if v < ISS_ON_REDIRECT => Finding::new(
            "FusionAuth version",
            Verdict::Warn,
            format!(
                "{version}: before 1.69 the authorize redirect carries no `iss` (RFC 9207), \
                 which strict MCP clients require"
            ),
        )
        .fix("upgrade FusionAuth to 1.69 or newer"),
        Some(_) => Finding::new("FusionAuth version", Verdict::Ok, version),
        None => Finding::new(
            "FusionAuth version",
            Verdict::Warn,
            format!("`{version}` is not a version mcp-fa can read"),
        ),
    };
    out.push(finding);
}

/// `1.69.3` as (1, 69).
fn parse_version(text: &str) -> Option<(u32, u32)> {
    let mut parts = text.trim().split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts
        .next()?
        .trim_end_matches(|c: char| !c.is_ascii_digit())
        .parse()
        .ok()?;
    Some((major, minor))
}

/// What the license allows: consent screens and custom scopes need a paid plan.
pub(super) async fn license(fusionauth: &FusionAuthClient, site: &Site, out: &mut Vec<Finding>) {
    let custom = site.scopes == ScopeChoice::Custom;
    let finding = match fusionauth.reactor_status().await {
        Ok(status) if status.allows_custom_scopes() || status.allows_third_party_applications() => {
            Finding::new(
                "License",
                Verdict::Ok,
                format!(
                    "licensed: custom scopes {}, consent screens {}",
                    yes_no(status.allows_custom_scopes()),
                    yes_no(status.allows_third_party_applications())
                ),
            )
        }
        Ok(_) if custom => Finding::new(
            "License",
            Verdict::Fail,
            "no paid plan, but the project asks for custom scopes (the get_name scope)",
        )
        .fix("set mcp.scopes: standard in mcp-fa.yaml (get_name then needs `profile`), or activate a license"),
        Ok(_) => Finding::new(
            "License",
            Verdict::Info,
            "no paid plan: clients are registered without a consent screen and get_name needs \
             `profile` (custom scopes and consent screens need the Essentials plan)",
        ),
        Err(error) if error.is_unauthorized() => Finding::new(
            "License",
            Verdict::Warn,
            "unknown: GET /api/reactor is a global endpoint this key may not call (a key \
             limited to a tenant never may); `clients add` then tries consent screens and \
             custom scopes and leaves them out if FusionAuth refuses them",
        ),
        Err(error) => Finding::new("License", Verdict::Warn, error.to_string()),
    };
    out.push(finding);
}

fn yes_no(allowed: bool) -> &'static str {
    if allowed { "yes" } else { "no" }
}

/// The MCP server answers at its public URL with metadata naming this resource and this
/// tenant's issuer; the public URL is https (claude.ai and most clients need it).
pub(super) async fn mcp_server(site: &Site, tenant: Option<&Tenant>, out: &mut Vec<Finding>) {
    let resource = site.resource();
    let public = site.public_url.origin().ascii_serialization();
    if site.public_url.scheme() != "https" {
        out.push(if site.public_url_is_loopback() {
            Finding::new(
                "Public URL",
                Verdict::Info,
                format!(
                    "{public} is this machine: only MCP clients here reach it (claude.ai's \
                     connector needs a public https URL)"
                ),
            )
        } else {
            Finding::new(
                "Public URL",
                Verdict::Fail,
                format!(
                    "{public} is plain http on the network: tokens would travel unencrypted, and \
                     MCP clients refuse it"
                ),
            )
            .fix("serve the MCP server behind HTTPS and give that URL with --public-url")
        });
    }
    let issuer = tenant.and_then(|t| t.issuer.clone());
    let serve = format!(
        "`mcp-fa serve --fusionauth-url {}{} --public-url {public} --bind 0.0.0.0:8000` (behind \
         HTTPS where the public URL points)",
        site.fusionauth_url.as_str().trim_end_matches('/'),
        site.tenant_flag()
    );
    let metadata_url = format!("{public}/.well-known/oauth-protected-resource/mcp");
    let Some(http) = http_client() else {
        return;
    };
    let document = match http.get(&metadata_url).send().await {
        Ok(response) if response.status().is_success() => response.json::<Value>().await.ok(),
        Ok(response) => {
            out.push(
                Finding::new(
                    "MCP server",
                    Verdict::Warn,
                    format!("{metadata_url} answered HTTP {}", response.status()),
                )
                .fix(format!("run the MCP server there: {serve}")),
            );
            return;
        }
        Err(error) => {
            out.push(
                Finding::new(
                    "MCP server",
                    Verdict::Warn,
                    format!(
                        "nothing answers at {resource} from here ({})",
                        error.without_url()
                    ),
                )
                .fix(format!("deploy it: {serve}")),
            );
            return;
        }
    };
    let Some(document) = document else {
        out.push(
            Finding::new(
                "MCP server",
                Verdict::Fail,
                format!("{metadata_url} is not JSON: not mcp-fa's server (or not an MCP server)"),
            )
            .fix(format!("run {serve}")),
        );
        return;
    };
    if document["resource"].as_str() != Some(resource.as_str()) {
        out.push(
            Finding::new(
                "MCP server",
                Verdict::Fail,
                format!(
                    "it serves the resource {}, not {resource}: tokens for this project's \
                     clients would be refused",
                    document["resource"]
                ),
            )
            .fix(format!("restart it with --public-url {public}: {serve}")),
        );
        return;
    }
    let servers: Vec<&str> = document["authorization_servers"]
        .as_array()
        .map(|list| list.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    match issuer {
        Some(issuer)
            if !servers
                .iter()
                .any(|s| s.trim_end_matches('/') == issuer.trim_end_matches('/')) =>
        {
            out.push(
                Finding::new(
                    "MCP server",
                    Verdict::Fail,
                    format!(
                        "it names the authorization server(s) {servers:?}, not this tenant's \
                         issuer {issuer}: it would refuse this tenant's tokens"
                    ),
                )
                .fix(format!("restart it against this tenant: {serve}")),
            );
        }
        _ => out.push(Finding::new(
            "MCP server",
            Verdict::Ok,
            format!("{resource} answers, naming issuer {}", servers.join(", ")),
        )),
    }
}

fn http_client() -> Option<reqwest::Client> {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(3))
        .timeout(Duration::from_secs(6))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_read_by_major_and_minor() {
        assert_eq!(parse_version("1.69.3"), Some((1, 69)));
        assert_eq!(parse_version("1.66.0-SNAPSHOT"), Some((1, 66)));
        assert_eq!(parse_version("1.70"), Some((1, 70)));
        assert!(parse_version("1.66.0").expect("v") < RESOURCE_INDICATORS);
        assert!(parse_version("1.68.1").expect("v") < ISS_ON_REDIRECT);
        assert_eq!(parse_version("unknown"), None);
    }
}
