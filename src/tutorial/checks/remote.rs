//! The remote track's checks: an existing FusionAuth reached with the project's API key, the
//! preflight of [`crate::preflight`] passing, the deployed server challenging and naming the
//! tenant's issuer, clients (and claude.ai's connector) registered in the tenant, and the whole
//! path end to end through [`crate::check`]'s self-test with its temporary user.
//!
//! Each verifies the way the local track's do: against the real thing, saying what it saw and
//! the exact fix. None puts the API key, the connector's secret or a token into a verdict.

use super::context::{REQUEST_TIMEOUT, Verdict, bounded, clip, http_client, or_verdict};
use crate::check::mcp::call_without_token;
use crate::check::{HopStatus, SelfTest, is_self_test_client};
use crate::clients::{CLAUDE_CONNECTOR_REDIRECT_URIS, ClientKind, RegisteredClient, StackClients};
use crate::fusionauth::{ClientAuthenticationPolicy, Timeouts};
use crate::preflight::{Finding, SERVER_FINDINGS, preflight};
use crate::server::BearerChallenge;
use crate::site::Site;
use crate::stack::Verdict as Level;

/// A check of the remote track run where there is no remote project.
pub(super) fn no_remote_project() -> Verdict {
    Verdict::failed(
        "this step belongs to the remote track, and this project is not a remote one",
        vec![
            "Fix: in a folder of its own, `mcp-fa init --fusionauth-url URL --tenant-id ID \
             --public-url URL` describes your FusionAuth; `mcp-fa tutorial` there walks this \
             track."
                .into(),
        ],
    )
}

/// FusionAuth answers, and takes the API key.
pub(super) async fn fusionauth_reachable(site: &Site) -> Verdict {
    let url = site.fusionauth_url.as_str().trim_end_matches('/');
    let fusionauth = match site.admin_client(Timeouts::PROBE) {
        Ok(fusionauth) => fusionauth,
        Err(error) => return Verdict::failed("cannot talk to FusionAuth", vec![error.to_string()]),
    };
    match bounded(REQUEST_TIMEOUT, fusionauth.status()).await {
        Ok(Ok(readiness)) if readiness.is_ready() => {}
        Ok(Ok(readiness)) => {
            return Verdict::failed(
                format!("FusionAuth at {url} is not ready"),
                vec![readiness.to_string()],
            );
        }
        Ok(Err(error)) => {
            return Verdict::failed(
                format!("FusionAuth does not answer at {url}"),
                vec![
                    error.to_string(),
                    "Fix: check the URL in mcp-fa.yaml (fusionauth.url) and that this machine \
                     reaches it."
                        .into(),
                ],
            );
        }
        Err(late) => return Verdict::failed(format!("FusionAuth at {url}"), vec![late]),
    }
    match bounded(REQUEST_TIMEOUT, fusionauth.list_applications(false)).await {
        Ok(Ok(applications)) => Verdict::passed(
            format!("FusionAuth at {url} answers and takes the API key"),
            vec![format!(
                "The key sees {} application(s){}.",
                applications.len(),
                site.tenant_id
                    .as_deref()
                    .map(|t| format!(" in tenant {t}"))
                    .unwrap_or_default()
            )],
        ),
        Ok(Err(error)) if error.is_unauthorized() => Verdict::failed(
            "FusionAuth refuses the API key",
            vec![
                format!("GET /api/application answered 401 at {url}."),
                "A wrong key, one limited to another tenant than the project's, or one without \
                 GET on /api/application."
                    .into(),
                "Fix: put a key of this FusionAuth in the variable the project names (Settings → \
                 API Keys), then run `mcp-fa tutorial` again from that shell."
                    .into(),
            ],
        ),
        Ok(Err(error)) => {
            Verdict::failed("FusionAuth refused the request", vec![error.to_string()])
        }
        Err(late) => Verdict::failed("FusionAuth did not answer", vec![late]),
    }
}

/// The findings, as verdict details: each failing one with its fix.
fn failing(findings: &[&Finding]) -> Vec<String> {
    findings
        .iter()
        .flat_map(|finding| {
            let mut lines = vec![format!("{}: {}", finding.name, finding.detail)];
            lines.extend(finding.fix.iter().map(|fix| format!("Fix: {fix}.")));
            lines
        })
        .collect()
}

/// The preflight's FusionAuth side passes (the server is the next step's).
pub(super) async fn preflight_passes(site: &Site) -> Verdict {
    let report = preflight(site).await;
    let fusionauth_side: Vec<&Finding> = report
        .checks
        .iter()
        .filter(|f| !SERVER_FINDINGS.contains(&f.name.as_str()))
        .collect();
    let failed: Vec<&Finding> = fusionauth_side
        .iter()
        .copied()
        .filter(|f| f.verdict == Level::Fail)
        .collect();
    if !failed.is_empty() {
        return Verdict::failed(
            format!("{} thing(s) to change in FusionAuth", failed.len()),
            failing(&failed),
        );
    }
    let warned: Vec<&Finding> = fusionauth_side
        .iter()
        .copied()
        .filter(|f| f.verdict == Level::Warn)
        .collect();
    let mut details = vec![format!(
        "{} checks passed: {}.",
        fusionauth_side.len() - warned.len(),
        fusionauth_side
            .iter()
            .filter(|f| f.verdict != Level::Warn)
            .map(|f| f.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    )];
    details.extend(failing(&warned).into_iter().map(|w| format!("Note: {w}")));
    Verdict::passed("FusionAuth is ready for MCP clients", details)
}

/// The deployed server answers without a token as the spec says, and names this tenant.
pub(super) async fn server_protected(site: &Site) -> Verdict {
    let endpoint = site.resource();
    let http = or_verdict!(http_client());
    let answer = match call_without_token(&http, &endpoint, "tools/list", None).await {
        Ok(answer) => answer,
        Err(error) => {
            return Verdict::failed(
                format!("nothing answers at {endpoint}"),
                vec![
                    error.without_url().to_string(),
                    format!(
                        "Fix: run `mcp-fa serve --fusionauth-url {}{} --public-url {} --bind \
                         0.0.0.0:8000` where that URL points (behind HTTPS).",
                        site.fusionauth_url.as_str().trim_end_matches('/'),
                        site.tenant_flag(),
                        site.public_url.origin().ascii_serialization()
                    ),
                ],
            );
        }
    };
    let challenge = BearerChallenge::parse(answer.challenge.as_deref().unwrap_or_default());
    if answer.status != 401 || challenge.resource_metadata().is_none() {
        return Verdict::failed(
            format!("{endpoint} does not challenge a call without a token"),
            vec![
                format!(
                    "It answered HTTP {} {}.",
                    answer.status,
                    answer
                        .challenge
                        .as_deref()
                        .map(|c| format!("with WWW-Authenticate: {c}"))
                        .unwrap_or_else(|| format!("({})", clip(&answer.body)))
                ),
                "Fix: serve it with `mcp-fa serve` (without --no-auth), or point the public URL \
                 at that server."
                    .into(),
            ],
        );
    }
    let report = preflight(site).await;
    let server: Vec<&Finding> = report
        .checks
        .iter()
        .filter(|f| SERVER_FINDINGS.contains(&f.name.as_str()))
        .collect();
    let wrong: Vec<&Finding> = server
        .iter()
        .copied()
        .filter(|f| matches!(f.verdict, Level::Fail | Level::Warn))
        .collect();
    if !wrong.is_empty() {
        return Verdict::failed(
            format!("{endpoint} answers, but not as this tenant's server"),
            failing(&wrong),
        );
    }
    Verdict::passed(
        format!("{endpoint} challenges with 401 and names this tenant's issuer"),
        server.iter().map(|f| f.detail.clone()).collect(),
    )
}

/// The clients registered in the tenant for this server (the self-test's left out).
async fn clients(site: &Site) -> Result<Vec<RegisteredClient>, Verdict> {
    let listed = async {
        let mut clients = StackClients::for_site(site.clone())?;
        clients.list().await
    };
    match bounded(REQUEST_TIMEOUT * 3, listed).await {
        Ok(Ok(clients)) => Ok(clients
            .into_iter()
            .filter(|c| !is_self_test_client(&c.name))
            .collect()),
        Ok(Err(error)) => Err(Verdict::failed(
            "could not list the clients in FusionAuth",
            vec![error.to_string()],
        )),
        Err(late) => Err(Verdict::failed("FusionAuth did not answer", vec![late])),
    }
}

/// At least one client is registered in the tenant, bound to this server.
pub(super) async fn client_registered(site: &Site) -> Verdict {
    let resource = site.resource();
    let clients = or_verdict!(clients(site).await);
    let bound: Vec<&RegisteredClient> = clients
        .iter()
        .filter(|c| c.resources.contains(&resource))
        .collect();
    if bound.is_empty() {
        return Verdict::failed(
            format!("no MCP client is registered for {resource} yet"),
            vec![
                format!(
                    "{} client(s) of mcp-fa's are registered, none for this server.",
                    clients.len()
                ),
                format!(
                    "Fix: `mcp-fa clients add{} --kind claude-code` (or cursor, vscode, \
                     mcp-remote, inspector).",
                    site.project.flag()
                ),
            ],
        );
    }
    Verdict::passed(
        format!("{} client(s) registered for {resource}", bound.len()),
        bound
            .iter()
            .map(|c| {
                format!(
                    "{} ({}): client id {}, redirect URIs {}",
                    c.name,
                    c.kind,
                    c.client_id,
                    c.redirect_uris.join(", ")
                )
            })
            .collect(),
    )
}

/// claude.ai's connector is registered as it must be: its redirect URIs exactly, a secret
/// required, bound to this server, which is https.
pub(super) async fn connector_registered(site: &Site) -> Verdict {
    let resource = site.resource();
    let flag = site.project.flag();
    if !resource.starts_with("https://") {
        return Verdict::failed(
            format!("{resource} is not https, so claude.ai cannot connect to it"),
            vec![
                "claude.ai connects from Anthropic's cloud: the server must be at a public \
                 https URL."
                    .into(),
                "Fix: deploy it behind HTTPS and set mcp.public-url in mcp-fa.yaml to that URL."
                    .into(),
            ],
        );
    }
    let clients = or_verdict!(clients(site).await);
    let Some(connector) = clients
        .iter()
        .find(|c| c.kind == ClientKind::ClaudeConnector && c.resources.contains(&resource))
    else {
        return Verdict::failed(
            format!("no claude.ai connector is registered for {resource}"),
            vec![format!(
                "Fix: `mcp-fa clients add{flag} --kind claude-connector`, then paste the URL, \
                 client id and secret into claude.ai's Settings → Connectors."
            )],
        );
    };
    let fusionauth = match site.admin_client(Timeouts::PROBE) {
        Ok(fusionauth) => fusionauth,
        Err(error) => return Verdict::failed("cannot talk to FusionAuth", vec![error.to_string()]),
    };
    let application = match bounded(
        REQUEST_TIMEOUT,
        fusionauth.get_application(&connector.client_id),
    )
    .await
    {
        Ok(Ok(application)) => application,
        Ok(Err(error)) => {
            return Verdict::failed("could not read the connector", vec![error.to_string()]);
        }
        Err(late) => return Verdict::failed("FusionAuth did not answer", vec![late]),
    };
    let oauth = application.oauth_configuration.unwrap_or_default();
    let mut wrong = Vec::new();
    let expected: Vec<String> = CLAUDE_CONNECTOR_REDIRECT_URIS
        .iter()
        .map(|uri| (*uri).to_owned())
        .collect();
    if oauth.authorized_redirect_urls.as_deref() != Some(expected.as_slice()) {
        wrong.push(format!(
            "its redirect URIs are {:?}, not claude.ai's {expected:?}",
            oauth.authorized_redirect_urls.unwrap_or_default()
        ));
    }
    if oauth.client_authentication_policy != Some(ClientAuthenticationPolicy::Required) {
        wrong.push("it does not require its secret at the token endpoint".into());
    }
    if !wrong.is_empty() {
        wrong.push(format!(
            "Fix: remove it (`mcp-fa clients remove{flag} {}`) and add it again with \
             `mcp-fa clients add{flag} --kind claude-connector`.",
            connector.name
        ));
        return Verdict::failed(
            "the connector's application is not what claude.ai needs",
            wrong,
        );
    }
    Verdict::passed(
        format!("claude.ai's connector {} is registered", connector.name),
        vec![
            format!(
                "Client id {}, redirect URIs {}, secret required, resource {resource}.",
                connector.client_id,
                expected.join(", ")
            ),
            format!(
                "In claude.ai: Settings → Connectors → the connector → Connect. The secret: \
                 `mcp-fa clients config{flag} {} --show-secrets`.",
                connector.name
            ),
        ],
    )
}

/// The self-test end to end: a temporary user logs in and calls the tools at the public URL.
pub(super) async fn self_test(site: &Site) -> Verdict {
    let report = match SelfTest::for_site(site.clone(), false).run(|_| {}).await {
        Ok(report) => report,
        Err(error) => {
            return Verdict::failed("the self-test could not start", vec![error.to_string()]);
        }
    };
    match report.hops.iter().find(|hop| hop.status == HopStatus::Fail) {
        None => Verdict::passed(
            format!(
                "a temporary user logged in and called get_name at {}",
                site.resource()
            ),
            report
                .hops
                .iter()
                .filter(|hop| hop.status == HopStatus::Ok)
                .map(|hop| format!("{}: {}", hop.name, hop.detail))
                .collect(),
        ),
        Some(hop) => {
            let mut details = vec![format!("The hop \"{}\" failed.", hop.name)];
            if let Some(failure) = &hop.failure {
                details.push(format!("Expected: {}.", failure.expected));
                details.push(format!("Got: {}.", failure.got));
                details.push(format!("Fix: {}.", failure.fix));
            }
            Verdict::failed(format!("the path stops at \"{}\"", hop.name), details)
        }
    }
}
