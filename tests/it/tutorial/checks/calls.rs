//! The checks that read what the MCP server saw: real logins and calls, and the unattended
//! self-test client proving each step.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_seen_pass_after_a_real_login_and_explain_what_went_wrong() {
    let fx = Fixture::new().await;
    let flag = fx.flag();
    let client_id = fx.add_client("mcp-remote", &[]).await;
    let server = fx.server(true).await;
    let resource = server.resource().to_owned();
    let mut checker = Checker::new();

    // Nothing at all yet.
    let since = server.calls().last_seq();
    let walk = fx.ctx(Mode::Interactive, Some(&server), since);
    expect(
        &mut checker,
        "authenticated_get_name_seen",
        &walk,
        Outcome::Failed,
        &[
            "no call reached the server",
            &resource,
            "restart the client",
        ],
    )
    .await;

    // Only calls without a token: the login never finished.
    assert_eq!(anonymous_call(&server, "get_name").await, 401);
    expect(
        &mut checker,
        "authenticated_get_name_seen",
        &walk,
        Outcome::Failed,
        &[
            "never sent a token",
            "1 × 401 without a token",
            "invalid redirect_uri",
            "http://localhost:3334/oauth/callback",
            "rm -rf ~/.mcp-auth",
            "--show-secrets",
            &flag,
        ],
    )
    .await;

    // A token without the resource parameter: its audience is not this server.
    let since = server.calls().last_seq();
    let walk = fx.ctx(Mode::Interactive, Some(&server), since);
    let foreign = login(&fx, &client_id, "openid profile", None).await;
    assert!(
        call_with_token(&server, &foreign, "get_name")
            .await
            .is_none(),
        "refused"
    );
    let verdict = expect(
        &mut checker,
        "authenticated_get_name_seen",
        &walk,
        Outcome::Failed,
        &[
            "401 invalid_token",
            "audience",
            "resource parameter",
            &resource,
            "~/.mcp-auth",
        ],
    )
    .await;
    assert_no_secret(&verdict, &[&foreign]);

    // The real thing: the registered client's redirect URI, the resource, get_name.
    let since = server.calls().last_seq();
    let walk = fx.ctx(Mode::Interactive, Some(&server), since);
    let token = login(&fx, &client_id, "openid profile", Some(&resource)).await;
    expect(
        &mut checker,
        "token_inspected",
        &walk,
        Outcome::Failed,
        &["no call reached the server"],
    )
    .await;
    assert_eq!(
        call_with_token(&server, &token, "get_name")
            .await
            .as_deref(),
        Some("Hello, Test User!")
    );
    let verdict = expect(
        &mut checker,
        "authenticated_get_name_seen",
        &walk,
        Outcome::Passed,
        &[
            "the server answered get_name for mcp-remote",
            &client_id,
            &fx.stack.user_id,
        ],
    )
    .await;
    assert_no_secret(&verdict, &[&token]);

    // Step 9: whoami not called yet, then called.
    expect(
        &mut checker,
        "token_inspected",
        &walk,
        Outcome::Failed,
        &["no whoami call yet", "mcp-fa token inspect", "press s"],
    )
    .await;
    assert!(call_with_token(&server, &token, "whoami").await.is_some());
    expect(
        &mut checker,
        "token_inspected",
        &walk,
        Outcome::Passed,
        &["whoami", "audience"],
    )
    .await;

    // A token that lacks get_name's scope.
    let since = server.calls().last_seq();
    let walk = fx.ctx(Mode::Interactive, Some(&server), since);
    let narrow = login(&fx, &client_id, "openid", Some(&resource)).await;
    let _ = call_with_token(&server, &narrow, "get_name").await;
    expect(
        &mut checker,
        "authenticated_get_name_seen",
        &walk,
        Outcome::Failed,
        &["lacks the scopes", "profile", "403 insufficient_scope"],
    )
    .await;

    // Step 10: the check steps up itself, and says whether the reader's client met the 403.
    expect(
        &mut checker,
        "insufficient_scope_seen",
        &walk,
        Outcome::Passed,
        &[
            "403 insufficient_scope",
            "scope=\"openid profile\"",
            "Your client",
            "step-up",
        ],
    )
    .await;
    server.set_protected(false);
    expect(
        &mut checker,
        "insufficient_scope_seen",
        &walk,
        Outcome::Failed,
        &[
            "protection switched off",
            &format!("`mcp-fa tutorial --step 10 {flag}`"),
        ],
    )
    .await;
    server.shutdown().await.expect("shutdown");

    checker.finish(&fx.ctx(Mode::Interactive, None, 0)).await;
    assert!(!fx.self_test_client_registered().await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unattended_the_self_test_client_logs_in_and_proves_each_step() {
    let fx = Fixture::new().await;
    let ctx = fx.ctx(Mode::Headless, None, 0);
    let resource = format!("http://localhost:{}/mcp", fx.state().mcp_port);
    let mut checker = Checker::new();

    expect(
        &mut checker,
        "kickstart_configured",
        &ctx,
        Outcome::Passed,
        &["RS256", DEMO_EMAIL],
    )
    .await;
    expect(
        &mut checker,
        "authenticated_get_name_seen",
        &ctx,
        Outcome::Passed,
        &["get_name answered \"Hello, Test User!\"", "openid profile"],
    )
    .await;
    expect(
        &mut checker,
        "token_inspected",
        &ctx,
        Outcome::Passed,
        &[
            &format!("aud {resource}"),
            "scopes openid profile",
            "expires in",
        ],
    )
    .await;
    let verdict = expect(
        &mut checker,
        "insufficient_scope_seen",
        &ctx,
        Outcome::Passed,
        &["403 insufficient_scope", "scope=\"openid profile\""],
    )
    .await;
    assert_no_secret(&verdict, &[&fx.stack.api_key]);
    assert!(fx.self_test_client_registered().await);
    checker.finish(&ctx).await;
    assert!(!fx.self_test_client_registered().await);

    // The password in the state file no longer matches FusionAuth's (changed in the admin UI):
    // the login check says what to do.
    let mut state = fx.state();
    state.users[0].password = Secret::new("not-the-password-anymore");
    fx.store.save(&state).expect("save");
    let mut checker = Checker::new();
    expect(
        &mut checker,
        "authenticated_get_name_seen",
        &ctx,
        Outcome::Failed,
        &[
            "could not log in",
            "login form again",
            &format!("`mcp-fa status {} --show-secrets`", fx.flag()),
        ],
    )
    .await;
    checker.finish(&ctx).await;
}
