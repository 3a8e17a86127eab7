//! The walkthrough's steps 5 to 7 on a stack made for the registration bridge: the server is
//! the issuer, and a client that registered itself is found and needs no configuration. The
//! check helpers are `checks.rs`'s.

use super::checks::{expect, no_server};
use crate::support;
use crate::support::project::free_port;
use crate::support::state::StateFixture;
use mcp_fa::project::ProjectName;
use mcp_fa::server::ServeConfig;
use mcp_fa::state::StateStore;
use mcp_fa::tutorial::{CheckContext, Checker, Mode, Outcome};

/// A stack made for the registration bridge: step 5's chain reads the server's own metadata
/// (it is the issuer), step 6 explains both ways and passes once a client registered itself,
/// and step 7 has nothing to check for such a client.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_registered_itself_passes_steps_5_to_7() {
    let port = free_port();
    let origin = format!("http://localhost:{port}");
    let bridge = support::bridge::bridge_stack_for(&origin, false).await;
    let project: ProjectName = format!(
        "t-bridge-{}",
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    )
    .parse()
    .expect("a valid project name");
    let state_dir = tempfile::tempdir().expect("temp dir");
    let store = StateStore::at(state_dir.path());
    StateFixture::for_bridge(project.as_str(), &bridge, port).write(state_dir.path());
    let state = store.load(&project).expect("state").expect("a state file");
    let server = mcp_fa::server::start(ServeConfig::for_stack(&state).expect("config"))
        .await
        .expect("the walkthrough's server starts");
    let ctx = CheckContext {
        server: Some(&server),
        calls_since: 0,
        ..no_server(&project, &store, Mode::Interactive)
    };
    let mut checker = Checker::new();
    expect(
        &mut checker,
        "protected_call_challenged",
        &ctx,
        Outcome::Passed,
        &[
            &format!("authorization server {origin}"),
            &format!("{}/oauth2/authorize", bridge.sim.url()),
            "PKCE S256",
        ],
    )
    .await;
    expect(
        &mut checker,
        "client_registered",
        &ctx,
        Outcome::Failed,
        &[
            "no MCP client is registered",
            &format!("give it only {origin}/mcp"),
            &format!("{origin}/register"),
            "mcp-fa clients add --kind mcp-remote",
        ],
    )
    .await;
    let (status, answer, _) = support::bridge::register(
        &server,
        &support::bridge::native_client("Test Client", "http://127.0.0.1:3999/callback"),
    )
    .await;
    assert_eq!(status, 201, "{answer}");
    expect(
        &mut checker,
        "client_registered",
        &ctx,
        Outcome::Passed,
        &[
            "registered itself: mcp-fa-tests 1.0",
            "\"Test Client\"",
            "http://127.0.0.1:*/callback",
        ],
    )
    .await;
    expect(
        &mut checker,
        "client_configured",
        &ctx,
        Outcome::Passed,
        &["registered itself", "nothing to configure"],
    )
    .await;
    checker.finish(&ctx).await;
    server.shutdown().await.expect("clean stop");
}
