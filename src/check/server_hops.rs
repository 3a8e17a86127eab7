//! Hops 2 and 3 of `mcp-fa check`: the MCP server answers with the spec's 401 challenge (or,
//! when nothing answers on this machine, the self-test serves the site itself for the run), and
//! its Protected Resource Metadata names this server and this site's issuer.
//!
//! A stack's server is named by its port, a remote project's by its public URL: the fixes tell
//! the reader to stop what holds the port, or to deploy the server where that URL points.

use serde_json::Value;

use super::hops::{HOP_CHALLENGE, HOP_METADATA, Run};
use super::mcp::{RawAnswer, call_without_token};
use super::report::{HopFailure, Recorder};
use super::shared::get_json;
use crate::server::{BearerChallenge, ServeConfig};

/// Where the MCP server under test is, as the messages name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Place {
    /// A stack's server, on this loopback port.
    Port(u16),
    /// A remote project's server, at this public endpoint.
    Url(String),
}

impl Place {
    /// "on port 8000" / "at https://mcp.example.com/mcp".
    fn on(&self) -> String {
        match self {
            Place::Port(port) => format!("on port {port}"),
            Place::Url(url) => format!("at {url}"),
        }
    }

    /// Whose server it should be: a stack's, or a (remote) project's.
    fn whose(&self) -> &'static str {
        match self {
            Place::Port(_) => "this stack's",
            Place::Url(_) => "this project's",
        }
    }

    /// What to do when something else than the site's server answers there.
    fn foreign(&self) -> String {
        let whose = self.whose();
        match self {
            Place::Port(port) => format!(
                "something other than {whose} MCP server answers on port {port}; stop it \
                 (`lsof -i :{port}` names it)"
            ),
            Place::Url(url) => format!(
                "something other than {whose} MCP server answers at {url}; point the public URL \
                 (--public-url, or mcp.public-url in mcp-fa.yaml) at the server `mcp-fa serve` runs"
            ),
        }
    }
}

/// Hop 2: the server answers with a 401 challenge naming its metadata, or nothing answers on
/// this machine and this run serves the site itself. Returns the metadata URL.
pub(super) async fn probe_or_start(recorder: &mut Recorder<'_>, run: &mut Run) -> Option<String> {
    let place = run.place();
    let project_flag = run.site.project.flag();
    let http = run.http.clone();
    let endpoint = run.endpoint.clone();
    let site = &run.site;
    let (metadata, server) = recorder
        .hop(HOP_CHALLENGE, async {
            let probe = || call_without_token(&http, &endpoint, "tools/list", None);
            let (answer, server) = match probe().await {
                Ok(answer) => (answer, None),
                // Nothing listens on this machine: serve the site here for the run. A remote
                // project's server elsewhere is the user's to deploy.
                Err(error)
                    if error.is_connect()
                        && (!site.is_remote() || site.public_url_is_loopback()) =>
                {
                    let config = ServeConfig::for_site(site).map_err(|e| {
                        HopFailure::new(
                            e.code(),
                            "a configuration to serve the stack",
                            e.to_string(),
                            "check the state file",
                        )
                    })?;
                    let server = crate::server::start(config).await.map_err(|e| {
                        HopFailure::new(
                            e.code(),
                            format!("the MCP server serving {}", place.on()),
                            format!("nothing answered, and starting one failed: {e}"),
                            format!(
                                "start it with `mcp-fa serve{project_flag}` and see what it says"
                            ),
                        )
                    })?;
                    match probe().await {
                        Ok(answer) => (answer, Some(server)),
                        Err(e) => {
                            let _ = server.shutdown().await;
                            return Err(HopFailure::new(
                                "MCP_UNREACHABLE",
                                format!("the in-process server answering {}", place.on()),
                                e.without_url().to_string(),
                                format!("run `mcp-fa serve{project_flag}` and see what it says"),
                            ));
                        }
                    }
                }
                Err(error) if site.is_remote() => {
                    return Err(HopFailure::new(
                        "MCP_UNREACHABLE",
                        format!("the MCP server answering {}", place.on()),
                        with_causes(&error.without_url()),
                        format!(
                            "deploy it where that URL points: `mcp-fa serve --fusionauth-url {}{} \
                             --public-url {} --bind 0.0.0.0:8000` behind HTTPS, then run `mcp-fa \
                             check{project_flag}` again",
                            site.fusionauth_url.as_str().trim_end_matches('/'),
                            site.tenant_flag(),
                            site.public_url.origin().ascii_serialization()
                        ),
                    ));
                }
                Err(error) => {
                    return Err(HopFailure::new(
                        "MCP_UNREACHABLE",
                        format!("an MCP server {}", place.on()),
                        error.without_url().to_string(),
                        format!("`mcp-fa status{project_flag}` shows whether the server runs"),
                    ));
                }
            };
            let metadata = match metadata_url(&answer, &place, &project_flag) {
                Ok(url) => url,
                Err(failure) => {
                    if let Some(server) = server {
                        let _ = server.shutdown().await;
                    }
                    return Err(failure);
                }
            };
            let detail = if server.is_some() {
                format!("{endpoint}, started in-process")
            } else {
                endpoint.clone()
            };
            Ok(((metadata, server), detail))
        })
        .await?;
    if let Some(server) = &server {
        run.endpoint = server.local_endpoint();
    }
    run.started_server = server;
    Some(metadata)
}

/// An HTTP error with what caused it ("error sending request" alone says nothing of a name
/// that does not resolve or a certificate refused).
fn with_causes(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    text
}

/// The metadata URL of a 401's challenge, or why there is none (`place`, `project_flag`: for
/// the fix).
fn metadata_url(
    answer: &RawAnswer,
    place: &Place,
    project_flag: &str,
) -> Result<String, HopFailure> {
    let status = answer.status;
    let found = answer
        .challenge
        .as_deref()
        .filter(|_| status == 401)
        .and_then(|header| {
            BearerChallenge::parse(header)
                .resource_metadata()
                .map(str::to_owned)
        });
    if let Some(url) = found {
        return Ok(url);
    }
    let got = match (status, &answer.challenge) {
        (200..=299, _) => format!(
            "HTTP {status} without a token: the server {} is not protected",
            place.on()
        ),
        (401, Some(challenge)) => {
            format!("401 with a challenge lacking resource_metadata: {challenge}")
        }
        (_, _) => format!("HTTP {status}"),
    };
    let fix = match place {
        Place::Port(_) if (200..=299).contains(&status) => format!(
            "stop that server (`mcp-fa serve --no-auth`, or the walkthrough's server with protection off) and run `mcp-fa up --detach{project_flag}` or `mcp-fa serve{project_flag}`"
        ),
        Place::Url(_) if (200..=299).contains(&status) => {
            "serve it protected: `mcp-fa serve` without --no-auth, with this FusionAuth as its issuer".to_owned()
        }
        _ => place.foreign(),
    };
    Err(HopFailure::new(
        "FOREIGN_SERVER",
        "401 with WWW-Authenticate: Bearer resource_metadata=\"…\"",
        got,
        fix,
    ))
}

/// Hop 3: the metadata names this server and this site's issuer. Returns the scopes to ask for.
pub(super) async fn metadata(
    recorder: &mut Recorder<'_>,
    run: &Run,
    metadata_url: &str,
) -> Option<Vec<String>> {
    let project_flag = run.site.project.flag();
    let issuer = run.issuer.as_str();
    let resource = run.resource.as_str();
    let place = run.place();
    let whose = if run.site.is_remote() {
        "this tenant's issuer"
    } else {
        "this stack's FusionAuth"
    };
    let restart = if run.site.is_remote() {
        format!(
            "restart it with `mcp-fa serve --public-url {}` (and this FusionAuth as its issuer)",
            run.site.public_url.origin().ascii_serialization()
        )
    } else {
        format!("Restart it with `mcp-fa serve{project_flag}`")
    };
    recorder
        .hop(HOP_METADATA, async {
            let doc = get_json(&run.http, metadata_url).await.map_err(|got| {
                HopFailure::new(
                    "METADATA_UNREADABLE",
                    format!("the Protected Resource Metadata at {metadata_url}"),
                    got,
                    format!("the server {} is not mcp-fa's; stop it, then run `mcp-fa check{project_flag}` again", place.on()),
                )
            })?;
            let servers: Vec<&str> = doc["authorization_servers"]
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let issuers_match = servers
                .iter()
                .any(|s| s.trim_end_matches('/') == issuer.trim_end_matches('/'));
            if !issuers_match {
                return Err(HopFailure::new(
                    "FOREIGN_SERVER",
                    format!("authorization_servers [{issuer}] ({whose})"),
                    format!("authorization_servers {servers:?}"),
                    format!(
                        "the MCP server {} is protected by another FusionAuth (another \
                         project's server?); stop it, then run `mcp-fa check{project_flag}` again",
                        place.on()
                    ),
                ));
            }
            if doc["resource"].as_str() != Some(resource) {
                return Err(HopFailure::new(
                    "FOREIGN_SERVER",
                    format!("resource {resource}"),
                    format!("resource {}", doc["resource"]),
                    format!(
                        "the server {} was started with another public URL; tokens \
                         for {} clients name {resource}. {restart}",
                        place.on(),
                        place.whose()
                    ),
                ));
            }
            let scopes: Vec<String> = doc["scopes_supported"]
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect())
                .filter(|s: &Vec<String>| !s.is_empty())
                .unwrap_or_else(|| vec!["openid".into(), "profile".into()]);
            Ok((scopes, format!("issuer {issuer}")))
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, challenge: Option<&str>) -> RawAnswer {
        RawAnswer {
            status,
            challenge: challenge.map(str::to_owned),
            message: None,
            body: String::new(),
        }
    }

    #[test]
    fn the_metadata_url_is_read_from_a_401_challenge_only() {
        let metadata = "http://localhost:8000/.well-known/oauth-protected-resource/mcp";
        let challenge =
            format!("Bearer resource_metadata=\"{metadata}\", scope=\"openid profile\"");
        let port = Place::Port(8000);
        assert_eq!(
            metadata_url(&answer(401, Some(&challenge)), &port, "")
                .ok()
                .as_deref(),
            Some(metadata)
        );
        let unprotected = metadata_url(&answer(200, None), &port, "").expect_err("no challenge");
        assert_eq!(unprotected.code, "FOREIGN_SERVER");
        assert!(
            unprotected.got.contains("is not protected"),
            "{}",
            unprotected.got
        );
        let bare = metadata_url(
            &answer(401, Some("Bearer realm=\"x\"")),
            &port,
            " --project work",
        )
        .expect_err("no metadata");
        assert!(
            bare.got.contains("lacking resource_metadata"),
            "{}",
            bare.got
        );
        assert!(bare.fix.contains("lsof -i :8000"), "{}", bare.fix);
        let remote = Place::Url("https://mcp.example.com/mcp".into());
        let foreign = metadata_url(&answer(404, None), &remote, "").expect_err("a 404");
        assert!(foreign.fix.contains("--public-url"), "{}", foreign.fix);
    }
}
