//! The checks a tutorial step's `verify` names ([`Verify`]): each probes the real thing (Docker,
//! FusionAuth's API, the walkthrough's MCP server and its record of calls, HTTP requests to a
//! server) and returns a [`Verdict`] saying what it saw and, when it failed, what usually causes
//! that and the exact fix.
//!
//! One file per family: `docker`, `kickstart`, `protection` (the unprotected answer; the 401
//! challenge → metadata → discovery chain), `clients` (registered, configured), `calls`
//! (get_name and whoami, from the server's record of calls or the self-test's own call),
//! `step_up` (insufficient_scope), `removal` (stack removed), `remote` (the remote track: an
//! existing FusionAuth, a deployed server, claude.ai's connector). `context` holds the shared types and
//! small helpers, `session` what the checks set up themselves (the self-test client and its
//! login, temporary servers, their own calls); this file names the checks and runs them.
//!
//! It owns the meaning of every [`Verify`] name and the self-test client the checks register
//! (removed by [`Checker::finish`]). It must not print (the runner renders verdicts), panic, put
//! a secret (API key, password, token) into a verdict, write the state file, stop a server it did
//! not start, or wait on the network without a bound: every request has a few seconds, every
//! check a minute and a half at most.

mod calls;
mod clients;
mod context;
mod docker;
mod kickstart;
mod protection;
mod remote;
mod removal;
mod session;
mod step_up;

use std::fmt;
use std::str::FromStr;

use serde::de::IntoDeserializer;
use serde::{Deserialize, Serialize};

use context::CHECK_TIMEOUT;
use session::Footprint;

use crate::site::Site;

pub use context::{CheckContext, Mode, Outcome, Verdict};

/// The check a step's `verify:` names, spelt in the step files as the variant in snake_case
/// (`docker_reachable`). A name that is not here is refused when the step file is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verify {
    /// Nothing to check: the step only explains.
    None,
    DockerReachable,
    KickstartConfigured,
    UnprotectedCallAnswers,
    ProtectedCallChallenged,
    ClientRegistered,
    ClientConfigured,
    AuthenticatedGetNameSeen,
    TokenInspected,
    InsufficientScopeSeen,
    StackRemoved,
    /// The remote track: an existing FusionAuth answers and takes the project's API key.
    RemoteFusionauthReachable,
    /// The remote track: `mcp-fa doctor`'s FusionAuth side passes.
    RemotePreflight,
    /// The remote track: the deployed server challenges and names the tenant's issuer.
    RemoteServerProtected,
    RemoteClientRegistered,
    RemoteConnectorRegistered,
    /// The remote track: the self-test end to end with a temporary user.
    RemoteSelfTest,
}

impl Verify {
    /// Whether the check needs the stack (FusionAuth, its state) to pass.
    pub fn needs_stack(self) -> bool {
        !matches!(self, Verify::None | Verify::DockerReachable) && !self.is_remote()
    }

    /// Whether the check is the remote track's (it needs a remote project instead).
    pub fn is_remote(self) -> bool {
        matches!(
            self,
            Verify::RemoteFusionauthReachable
                | Verify::RemotePreflight
                | Verify::RemoteServerProtected
                | Verify::RemoteClientRegistered
                | Verify::RemoteConnectorRegistered
                | Verify::RemoteSelfTest
        )
    }
}

/// The name as a step file spells it.
impl fmt::Display for Verify {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.serialize(f)
    }
}

/// From the name as a step file spells it; an unknown name's error lists the known ones.
impl FromStr for Verify {
    type Err = serde::de::value::Error;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Self::deserialize(name.into_deserializer())
    }
}

/// Runs checks, remembering what they set up (the self-test client) so [`Checker::finish`] can
/// remove it. The remote track's checks ask the remote project it is given.
#[derive(Debug, Default)]
pub struct Checker {
    own: Footprint,
    site: Option<Site>,
}

impl Checker {
    pub fn new() -> Self {
        Self::default()
    }

    /// For the remote track: its checks ask `site`.
    pub fn for_site(site: Option<Site>) -> Self {
        Self {
            own: Footprint::default(),
            site,
        }
    }

    /// A new checker for the same project (what the last one set up is its to remove).
    pub fn fresh(&self) -> Self {
        Self::for_site(self.site.clone())
    }

    /// Runs the check `verify` names.
    pub async fn run(&mut self, verify: &Verify, ctx: &CheckContext<'_>) -> Verdict {
        let check = async {
            match verify {
                Verify::None => Verdict::passed("nothing to check in this step", Vec::new()),
                Verify::DockerReachable => docker::docker_reachable().await,
                Verify::KickstartConfigured => kickstart::kickstart_configured(ctx).await,
                Verify::UnprotectedCallAnswers => {
                    protection::unprotected_call_answers(ctx, &mut self.own.calls).await
                }
                Verify::ProtectedCallChallenged => {
                    protection::protected_call_challenged(ctx, &mut self.own.calls).await
                }
                Verify::ClientRegistered => clients::client_registered(ctx, &mut self.own).await,
                Verify::ClientConfigured => clients::client_configured(ctx).await,
                Verify::AuthenticatedGetNameSeen => {
                    calls::tool_answered(ctx, &mut self.own, "get_name").await
                }
                Verify::TokenInspected => calls::tool_answered(ctx, &mut self.own, "whoami").await,
                Verify::InsufficientScopeSeen => {
                    step_up::insufficient_scope_seen(ctx, &mut self.own).await
                }
                Verify::StackRemoved => removal::stack_removed(ctx).await,
                remote_check => match &self.site {
                    None => remote::no_remote_project(),
                    Some(site) => match remote_check {
                        Verify::RemoteFusionauthReachable => {
                            remote::fusionauth_reachable(site).await
                        }
                        Verify::RemotePreflight => remote::preflight_passes(site).await,
                        Verify::RemoteServerProtected => remote::server_protected(site).await,
                        Verify::RemoteClientRegistered => remote::client_registered(site).await,
                        Verify::RemoteConnectorRegistered => {
                            remote::connector_registered(site).await
                        }
                        // RemoteSelfTest: every other check was matched above.
                        _ => remote::self_test(site).await,
                    },
                },
            }
        };
        match tokio::time::timeout(CHECK_TIMEOUT, check).await {
            Ok(verdict) => verdict,
            Err(_) => Verdict::failed(
                format!(
                    "the check {verify} gave up after {} s",
                    CHECK_TIMEOUT.as_secs()
                ),
                vec![
                    "Something it waited for never answered (FusionAuth or the MCP server hung)."
                        .into(),
                    format!(
                        "Fix: `mcp-fa doctor{}` shows what is wrong with the stack; then retry.",
                        ctx.project.flag()
                    ),
                ],
            ),
        }
    }

    /// Removes the self-test client if a check registered one. Best effort and bounded: a stack
    /// already taken down has nothing left to remove.
    pub async fn finish(self, ctx: &CheckContext<'_>) {
        self.own.finish(ctx).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verify_names_read_and_print_as_the_step_files_spell_them() {
        assert_eq!(
            "authenticated_get_name_seen".parse::<Verify>().ok(),
            Some(Verify::AuthenticatedGetNameSeen)
        );
        assert_eq!(Verify::DockerReachable.to_string(), "docker_reachable");
        let unknown = "kickstart_ok".parse::<Verify>().expect_err("unknown");
        let message = unknown.to_string();
        assert!(message.contains("kickstart_ok"), "{message}");
        assert!(message.contains("kickstart_configured"), "{message}");
        assert!(!Verify::None.needs_stack() && !Verify::DockerReachable.needs_stack());
        assert!(Verify::KickstartConfigured.needs_stack());
    }
}
