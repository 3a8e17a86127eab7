//! The checks against a stack `mcp-fa up` started and against the MCP server in each of its
//! modes: kickstart, removal, unprotected and protected.

use super::*;

/// Against a stack `mcp-fa up` really started: kickstart_configured passes, then fails once the
/// tenant signs with HS256 again; stack_removed fails while its containers exist and passes
/// after `mcp-fa down`.
#[tokio::test]
async fn kickstart_and_removal_against_a_stack_started_by_up() {
    if !docker_available() {
        return;
    }
    let project = TestProject::new("tchk");
    project.up(&["--no-tutorial"]).assert_ok();
    let store = StateStore::at(project.state_dir.path());
    let name: ProjectName = project.name.parse().expect("valid");
    let state = store.load(&name).expect("state").expect("state file");
    let flag = format!("--project {}", project.name);
    let ctx = no_server(&name, &store, Mode::Interactive);
    let mut checker = Checker::new();
    let verdict = expect(
        &mut checker,
        "kickstart_configured",
        &ctx,
        Outcome::Passed,
        &[
            // `up` makes the MCP server's origin the tenant's issuer (the registration bridge).
            &format!("Issuer: http://localhost:{}", project.mcp_port),
            "RS256",
            "jwks.json",
            "test@example.com",
        ],
    )
    .await;
    assert_no_secret(&verdict, &[state.api_key.expose()]);

    expect(
        &mut checker,
        "stack_removed",
        &ctx,
        Outcome::Failed,
        &[
            "container(s) of the project",
            &project.name,
            &format!("`mcp-fa down {flag}`"),
            "--volumes",
        ],
    )
    .await;
    let headless = no_server(&name, &store, Mode::Headless);
    assert_eq!(
        checker.run(&Verify::StackRemoved, &headless).await.outcome,
        Outcome::Manual
    );

    // Switch the tenant's access-token key back to FusionAuth's HMAC default, through the API.
    let api = Api::new(
        &format!("http://127.0.0.1:{}", project.fusionauth_port),
        state.api_key.expose(),
    );
    support::wait_for_key(&api).await;
    let (_, keys) = api.get("/api/key").await;
    let hmac = keys["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .find(|k| k["algorithm"] == "HS256")
        .expect("the default HMAC key")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let tenant = use_access_token_key(&api, &hmac).await;
    expect(
        &mut checker,
        "kickstart_configured",
        &ctx,
        Outcome::Failed,
        &[
            "HS256",
            "not an RSA key",
            "JWKS",
            "Tenants → Edit → JWT",
            &state.signing_key_id,
            &format!("/api/tenant/{tenant}"),
        ],
    )
    .await;

    let down = project.run(&["down"]);
    down.assert_ok();
    expect(
        &mut checker,
        "stack_removed",
        &ctx,
        Outcome::Passed,
        &[
            "is removed",
            "volume",
            &format!("`mcp-fa down --volumes {flag}`"),
        ],
    )
    .await;
    expect(
        &mut checker,
        "kickstart_configured",
        &ctx,
        Outcome::Failed,
        &["does not answer", &format!("`mcp-fa up {flag}`")],
    )
    .await;
    checker.finish(&ctx).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unprotected_and_protected_checks_tell_the_servers_mode() {
    let fx = Fixture::new().await;
    let flag = fx.flag();
    let headless = fx.ctx(Mode::Headless, None, 0);
    let mut checker = Checker::new();

    // Step 4: the walkthrough's server starts unprotected.
    let server = fx.server(false).await;
    let since = server.calls().last_seq();
    let walk = fx.ctx(Mode::Interactive, Some(&server), since);
    expect(
        &mut checker,
        "unprotected_call_answers",
        &walk,
        Outcome::Passed,
        &[
            "get_name answered without any token",
            "Hello!",
            "No call of yours",
        ],
    )
    .await;
    // Checking again: the check's own earlier call is not taken for the reader's.
    expect(
        &mut checker,
        "unprotected_call_answers",
        &walk,
        Outcome::Passed,
        &["No call of yours"],
    )
    .await;
    // After the reader's own call (the tutorial's curl), the check says it saw it.
    assert_eq!(anonymous_call(&server, "get_name").await, 200);
    expect(
        &mut checker,
        "unprotected_call_answers",
        &walk,
        Outcome::Passed,
        &["Your own get_name call reached the server too"],
    )
    .await;
    expect(
        &mut checker,
        "protected_call_challenged",
        &walk,
        Outcome::Failed,
        &[
            "was not refused with 401",
            "protection is off",
            &format!("`mcp-fa tutorial --step 5 {flag}`"),
        ],
    )
    .await;

    // Step 5: protection on.
    server.set_protected(true);
    let resource = server.resource().to_owned();
    expect(
        &mut checker,
        "protected_call_challenged",
        &walk,
        Outcome::Passed,
        &[
            "401, WWW-Authenticate: Bearer resource_metadata=",
            &format!("resource {resource}"),
            &format!("authorization server {}", fx.stack.sim.url()),
            "/oauth2/authorize",
            "/oauth2/token",
            "PKCE S256",
        ],
    )
    .await;
    expect(
        &mut checker,
        "unprotected_call_answers",
        &walk,
        Outcome::Failed,
        &[
            "it is protected",
            "401",
            &format!("`mcp-fa tutorial --step 4 {flag}`"),
        ],
    )
    .await;
    server.shutdown().await.expect("shutdown");

    // Without the walkthrough's server the reader is told how to get it back.
    expect(
        &mut checker,
        "protected_call_challenged",
        &fx.ctx(Mode::Interactive, None, 0),
        Outcome::Failed,
        &["not running", &format!("`mcp-fa up {flag}`")],
    )
    .await;

    // Unattended, each check starts a temporary server of the right kind itself.
    expect(
        &mut checker,
        "unprotected_call_answers",
        &headless,
        Outcome::Passed,
        &["Hello!"],
    )
    .await;
    let stack_resource = format!("http://localhost:{}/mcp", fx.state().mcp_port);
    expect(
        &mut checker,
        "protected_call_challenged",
        &headless,
        Outcome::Passed,
        &[&format!("resource {stack_resource}"), "PKCE S256"],
    )
    .await;
    checker.finish(&headless).await;
}
