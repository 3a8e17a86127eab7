//! The hops of `mcp-fa check`, in order: FusionAuth ready → the MCP server's 401 challenge →
//! Protected Resource Metadata → the self-test client → the user's login → an MCP client with
//! the token (tools/list, whoami, get_name) → the self-test client removed (or kept).
//!
//! The same hops for any site: a stack's (its demo user logs in, its server answers on its
//! loopback port) or an existing FusionAuth's (a temporary user of the self-test's own logs in,
//! the server answers at the project's public URL, and the tenant's issuer comes from its
//! discovery document). Each hop is timed and recorded; the first failure stops the rest
//! (recorded as skipped), and what the run made in FusionAuth is cleaned up whatever happened,
//! Ctrl-C included.

use std::time::Duration;

use super::client::{SELF_TEST_CLIENT_NAME, register_self_test_client, remove_self_test_client};
use super::error::SelfTestError;
use super::login::log_in;
use super::mcp::McpClient;
use super::report::{Hop, HopFailure, HopStatus, Recorder, Report};
use super::server_hops::{Place, metadata, probe_or_start};
use super::temporary_user::TemporaryUser;
use super::tool_hops::{login_failure, mcp_failure, mcp_tools};
use crate::clients::RegisteredClient;
use crate::fusionauth::{FusionAuthClient, FusionAuthError, Secret, Timeouts};
use crate::project::ProjectName;
use crate::server::ServerHandle;
use crate::site::{Origin, Site};
use crate::state::StateStore;

const HOP_FUSIONAUTH: &str = "FusionAuth ready";
pub(super) const HOP_CHALLENGE: &str = "MCP server answers, challenge 401";
pub(super) const HOP_METADATA: &str = "protected resource metadata";
const HOP_CLIENT: &str = "self-test client";
const HOP_LOGIN: &str = "demo user logged in (authorize+PKCE)";
const HOP_TEMPORARY_LOGIN: &str = "temporary user logged in (authorize+PKCE)";
const HOP_TOOLS: &str = "MCP initialize + tools/list";
pub(super) const HOP_WHOAMI: &str = "whoami";
pub(super) const HOP_GET_NAME: &str = "get_name";
const HOP_REMOVED: &str = "self-test client removed";
const HOP_KEPT: &str = "self-test client kept (--keep-client)";

/// A self-test of one site, ready to run.
pub struct SelfTest {
    site: Site,
    keep_client: bool,
}

/// Who logs in: the stack's demo user, or the temporary user this run made.
#[derive(Debug, Clone)]
struct Login {
    email: String,
    password: Secret,
    full_name: String,
    /// The temporary user's id, to delete at the end.
    temporary: Option<String>,
}

/// What the hops learn and hand on.
pub(super) struct Run {
    /// The site, its tenant named once hop 1 knows it.
    pub(super) site: Site,
    fusionauth: FusionAuthClient,
    pub(super) http: reqwest::Client,
    /// The server this run started because nothing answered on this machine.
    pub(super) started_server: Option<ServerHandle>,
    pub(super) endpoint: String,
    pub(super) resource: String,
    /// The issuer tokens carry: a stack's URL, or the remote tenant's (learnt in hop 1).
    pub(super) issuer: String,
    scopes: Vec<String>,
    client: Option<RegisteredClient>,
    client_hop_ran: bool,
    login: Option<Login>,
}

impl Run {
    /// Where the MCP server under test is, as messages name it.
    pub(super) fn place(&self) -> Place {
        match self.site.origin {
            Origin::Stack { mcp_port } => Place::Port(mcp_port),
            Origin::Remote { .. } => Place::Url(self.site.resource()),
        }
    }
}

impl SelfTest {
    /// Finds the stack `project` in `store`; `keep_client` leaves the self-test client
    /// registered afterwards.
    pub fn prepare(
        store: &StateStore,
        project: &ProjectName,
        keep_client: bool,
    ) -> Result<Self, SelfTestError> {
        let state = store.load(project)?.ok_or_else(|| SelfTestError::NoStack {
            project: project.to_owned(),
        })?;
        if state.user("demo").is_none() {
            return Err(SelfTestError::NoDemoUser {
                project: project.to_owned(),
            });
        }
        let site = Site::from_stack(&state).map_err(|e| SelfTestError::Site(e.to_string()))?;
        Ok(Self { site, keep_client })
    }

    /// A self-test of an existing FusionAuth and the MCP server at the site's public URL.
    /// Nobody of ours can log in there, so the run makes a temporary user in the site's tenant
    /// (random password, removed at the end, `--keep-client` or not).
    pub fn for_site(site: Site, keep_client: bool) -> Self {
        Self { site, keep_client }
    }

    /// The hops before cleaning up, in order.
    fn names(&self) -> [&'static str; 8] {
        [
            HOP_FUSIONAUTH,
            HOP_CHALLENGE,
            HOP_METADATA,
            HOP_CLIENT,
            if self.site.demo_user.is_some() {
                HOP_LOGIN
            } else {
                HOP_TEMPORARY_LOGIN
            },
            HOP_TOOLS,
            HOP_WHOAMI,
            HOP_GET_NAME,
        ]
    }

    /// Runs every hop, handing each to `on_hop` as it ends. A failed hop is in the report, not
    /// an error; an error means the run could not start.
    pub async fn run(self, mut on_hop: impl FnMut(&Hop) + Send) -> Result<Report, SelfTestError> {
        let site = &self.site;
        let project = site.project.clone();
        let names = self.names();
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(3))
            .timeout(Duration::from_secs(15))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(FusionAuthError::Client)?;
        let mut run = Run {
            site: site.clone(),
            fusionauth: site.admin_client(Timeouts::default())?,
            http,
            started_server: None,
            endpoint: site.mcp_endpoint(),
            resource: site.resource(),
            issuer: site.known_issuer().unwrap_or_default(),
            scopes: Vec::new(),
            client: None,
            client_hop_ran: false,
            login: site.demo_user.as_ref().map(|demo| Login {
                email: demo.email.clone(),
                password: demo.password.clone(),
                full_name: demo.full_name.clone(),
                temporary: None,
            }),
        };
        let mut recorder = Recorder::new(&mut on_hop);

        // Ctrl-C ends the hops, not the run: the self-test client is still cleaned up below.
        let interrupted = tokio::select! {
            () = hops(&mut recorder, &mut run, names[4]) => false,
            _ = tokio::signal::ctrl_c() => true,
        };
        if interrupted {
            let name = names
                .get(recorder.hops.len())
                .copied()
                .unwrap_or(HOP_GET_NAME);
            recorder.push(Hop {
                name,
                status: HopStatus::Fail,
                elapsed: None,
                detail: "interrupted".to_owned(),
                failure: Some(HopFailure::new(
                    "INTERRUPTED",
                    "the hop to finish",
                    "interrupted (Ctrl-C)",
                    "run `mcp-fa check` again",
                )),
            });
        }
        let completed = recorder
            .hops
            .iter()
            .take_while(|hop| hop.status == HopStatus::Ok)
            .count();
        // The hop at `completed` failed (when there is one); the rest did not run.
        for name in names.iter().skip(completed + 1) {
            recorder.skip(name);
        }
        clean_up(&mut recorder, &run, self.keep_client).await;
        if let Some(server) = run.started_server.take() {
            // It was ours for the duration only.
            let _ = server.shutdown().await;
        }
        Ok(recorder.finish(&project))
    }
}

/// Removes (or keeps) the self-test client, and deletes the temporary user in any case: its
/// password was never shown to anyone, so nobody could use it again.
async fn clean_up(recorder: &mut Recorder<'_>, run: &Run, keep_client: bool) {
    let project = &run.site.project;
    let fusionauth = run.fusionauth.clone();
    let temporary = run.login.as_ref().and_then(|login| login.temporary.clone());
    let delete_user = async || match &temporary {
        Some(id) => TemporaryUser::delete(&fusionauth, id)
            .await
            .map(|()| " and the temporary user deleted".to_owned()),
        None => Ok(String::new()),
    };
    let user_left = |error: SelfTestError| {
        HopFailure::new(
            error.code(),
            "the temporary user deleted from FusionAuth",
            error.to_string(),
            format!(
                "delete the user mcp-fa-self-test-…@example.com in FusionAuth's admin UI (Users); \
                 its password was never shown, so nobody can log in with it meanwhile{}",
                run.site.tenant_flag()
            ),
        )
    };
    if !run.client_hop_ran {
        recorder.skip(if keep_client { HOP_KEPT } else { HOP_REMOVED });
    } else if keep_client {
        let client = run
            .client
            .as_ref()
            .map(|c| format!("client id {}", c.client_id))
            .unwrap_or_default();
        recorder
            .hop(HOP_KEPT, async {
                let user = delete_user().await.map_err(user_left)?;
                Ok(((), format!("{client}{user}")))
            })
            .await;
    } else {
        recorder
            .hop(HOP_REMOVED, async {
                let removed = remove_self_test_client(&fusionauth).await.map_err(|error| {
                    HopFailure::new(
                        error.code(),
                        "the self-test application deleted from FusionAuth",
                        error.to_string(),
                        format!(
                            "remove it by hand: `mcp-fa clients remove {SELF_TEST_CLIENT_NAME}{}`",
                            project.flag()
                        ),
                    )
                });
                // The user goes even when the client could not.
                let user = delete_user().await.map_err(user_left);
                removed?;
                Ok(((), user?.trim_start_matches(" and ").to_owned()))
            })
            .await;
    }
}

/// Runs the hops up to and including `get_name`, stopping at the first failure (each hop
/// records itself).
async fn hops(recorder: &mut Recorder<'_>, run: &mut Run, login_hop: &'static str) {
    let project_flag = run.site.project.flag();

    // 1. FusionAuth answers ready (and, for an existing FusionAuth, names its tenant's issuer).
    let Some((issuer, site)) = fusionauth_ready(recorder, run).await else {
        return;
    };
    run.issuer = issuer;
    run.fusionauth = run
        .fusionauth
        .clone()
        .with_tenant_id(site.tenant_id.clone());
    run.site = site;

    // 2. Something answers at the MCP endpoint, with the spec's 401 challenge.
    let Some(metadata_url) = probe_or_start(recorder, run).await else {
        return;
    };

    // 3. The Protected Resource Metadata names this server and this site's issuer.
    let Some(scopes) = metadata(recorder, run, &metadata_url).await else {
        return;
    };
    run.scopes = scopes;

    // 4. The self-test client, registered or reused (with the temporary user, on an existing
    //    FusionAuth).
    run.client_hop_ran = true;
    let fusionauth = run.fusionauth.clone();
    let resource = run.resource.clone();
    let demo = run.login.clone();
    let demo_id = run.site.demo_user.as_ref().map(|demo| demo.id.clone());
    let tenant_flag = run.site.tenant_flag();
    // Set as soon as the temporary user exists, so the clean-up deletes it even when the
    // client then fails.
    let mut created: Option<Login> = None;
    let registered = recorder
        .hop(HOP_CLIENT, async {
            let failed = |error: SelfTestError| {
                HopFailure::new(
                    error.code(),
                    "the self-test application registered in FusionAuth",
                    error.to_string(),
                    format!(
                        "check the API key and FusionAuth with `mcp-fa doctor{project_flag}{tenant_flag}`"
                    ),
                )
            };
            let login = match demo {
                Some(login) => login,
                None => {
                    let user = TemporaryUser::create(&fusionauth).await.map_err(failed)?;
                    let login = Login {
                        email: user.email,
                        password: user.password,
                        full_name: user.full_name,
                        temporary: Some(user.id),
                    };
                    created = Some(login.clone());
                    login
                }
            };
            let user_id = login.temporary.clone().or(demo_id);
            let client = register_self_test_client(&fusionauth, resource.clone(), user_id)
                .await
                .map_err(failed)?;
            let mut detail = format!(
                "{} {}…",
                if client.created { "registered" } else { "reused" },
                client.client_id.chars().take(8).collect::<String>()
            );
            if login.temporary.is_some() {
                detail.push_str(&format!(", temporary user {}", login.email));
            }
            Ok(((client, login), detail))
        })
        .await;
    if let Some(login) = created {
        run.login = Some(login);
    }
    let Some((client, login)) = registered else {
        return;
    };
    run.client = Some(client.clone());

    // 5. The user logs in through the hosted login form.
    let scopes: Vec<&str> = run.scopes.iter().map(String::as_str).collect();
    let temporary = login.temporary.is_some();
    let tokens = recorder
        .hop(login_hop, async {
            let tokens = log_in(
                &fusionauth,
                &client,
                &login.email,
                &login.password,
                &resource,
                &scopes,
            )
            .await
            .map_err(|error| login_failure(&error, &login.email, &project_flag, temporary))?;
            let granted = tokens.scope.clone().unwrap_or_else(|| scopes.join(" "));
            Ok((tokens, format!("scopes {granted}")))
        })
        .await;
    let Some(tokens) = tokens else { return };

    // 6. An MCP client connects with the token and lists the tools.
    let endpoint = run.endpoint.clone();
    let token = tokens.access_token.expose();
    let mcp = recorder
        .hop(HOP_TOOLS, async {
            let client = McpClient::connect(&endpoint, token)
                .await
                .map_err(|e| mcp_failure("initialize", &e))?;
            let names = match client.tool_names().await {
                Ok(names) => names,
                Err(error) => {
                    client.close().await;
                    return Err(mcp_failure("tools/list", &error));
                }
            };
            for needed in ["get_name", "whoami"] {
                if !names.iter().any(|n| n == needed) {
                    client.close().await;
                    return Err(HopFailure::new(
                        "MCP_TOOLS_MISSING",
                        "tools/list naming get_name and whoami",
                        format!("tools: {}", names.join(", ")),
                        "the server on the stack's port is not mcp-fa's; stop it and run `mcp-fa serve`",
                    ));
                }
            }
            Ok((client, names.join(", ")))
        })
        .await;
    let Some(mcp) = mcp else { return };

    mcp_tools(recorder, &run.resource, &mcp, &login.full_name).await;
    mcp.close().await;
}

/// Hop 1: FusionAuth answers ready. A stack's issuer is known; an existing FusionAuth's tenant
/// names its own in its discovery document, which is read here (the tenant named first when
/// the API key sees only one). Returns the issuer and the site with its tenant named.
async fn fusionauth_ready(recorder: &mut Recorder<'_>, run: &Run) -> Option<(String, Site)> {
    let project_flag = run.site.project.flag();
    let fusionauth = run.fusionauth.clone();
    let url = run
        .site
        .fusionauth_url
        .as_str()
        .trim_end_matches('/')
        .to_owned();
    let known = run.site.known_issuer();
    let remote = run.site.is_remote();
    let mut site = run.site.clone();
    let start_it = if remote {
        format!(
            "check the URL (--fusionauth-url, or fusionauth.url in mcp-fa.yaml); `mcp-fa doctor{project_flag}` checks the whole setup"
        )
    } else {
        format!("start the stack again with `mcp-fa up{project_flag}`")
    };
    recorder
        .hop(HOP_FUSIONAUTH, async {
            match fusionauth.status().await {
                Ok(readiness) if readiness.is_ready() => {}
                Ok(readiness) => return Err(HopFailure::new(
                    "FUSIONAUTH_NOT_READY",
                    format!("{url}/api/status answering 200 with JSON"),
                    readiness.to_string(),
                    format!(
                        "wait for it to finish starting, or see `mcp-fa status{project_flag}` and `mcp-fa logs fusionauth{project_flag}`"
                    ),
                )),
                Err(error) => return Err(HopFailure::new(
                    "FUSIONAUTH_UNREACHABLE",
                    format!("FusionAuth answering at {url}"),
                    error.to_string(),
                    start_it,
                )),
            }
            if let Some(issuer) = known {
                return Ok(((issuer, site), url));
            }
            site.name_the_tenant().await.map_err(|error| {
                HopFailure::new(
                    "FUSIONAUTH_ERROR",
                    "the tenants this API key sees",
                    error.to_string(),
                    format!("`mcp-fa doctor{project_flag}` checks the API key and the tenant"),
                )
            })?;
            let fusionauth = fusionauth.with_tenant_id(site.tenant_id.clone());
            let discovery = fusionauth.openid_configuration().await.map_err(|error| {
                HopFailure::new(
                    "FUSIONAUTH_DISCOVERY",
                    "the tenant's OpenID discovery document",
                    error.to_string(),
                    format!("`mcp-fa doctor{project_flag}` checks the tenant (--tenant-id)"),
                )
            })?;
            let detail = format!("{url}, issuer {}", discovery.issuer);
            Ok(((discovery.issuer, site), detail))
        })
        .await
}
