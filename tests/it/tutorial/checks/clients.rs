//! The checks of a registered client and of the configuration file `clients add` wrote.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_registered_finds_missing_deleted_and_misregistered_clients() {
    let fx = Fixture::new().await;
    let flag = fx.flag();
    let interactive = fx.ctx(Mode::Interactive, None, 0);
    let headless = fx.ctx(Mode::Headless, None, 0);
    let mut checker = Checker::new();

    expect(
        &mut checker,
        "client_registered",
        &interactive,
        Outcome::Failed,
        &[
            "no MCP client is registered",
            &format!("`mcp-fa clients add --kind mcp-remote {flag}`"),
            "claude-code",
        ],
    )
    .await;

    // Unattended with no client of the user's: the self-test client stands in, and is gone
    // after finish().
    expect(
        &mut checker,
        "client_registered",
        &headless,
        Outcome::Passed,
        &[
            "the self-test client",
            "http://127.0.0.1:9/mcp-fa-self-test/callback",
        ],
    )
    .await;
    assert!(fx.self_test_client_registered().await);
    checker.finish(&headless).await;
    assert!(
        !fx.self_test_client_registered().await,
        "finish removes the self-test client"
    );

    let mut checker = Checker::new();
    let client_id = fx.add_client("mcp-remote", &[]).await;
    expect(
        &mut checker,
        "client_registered",
        &interactive,
        Outcome::Passed,
        &[
            "mcp-remote (mcp-remote)",
            &client_id,
            "http://localhost:3334/oauth/callback",
        ],
    )
    .await;

    // The redirect URI replaced behind our back (in the admin UI, say).
    let api = fx.api();
    let (_, app) = api.get(&format!("/api/application/{client_id}")).await;
    let mut app = app["application"].clone();
    app["oauthConfiguration"]["authorizedRedirectURLs"] = json!(["http://localhost:9999/callback"]);
    let (status, _, _) = api
        .call(
            "PUT",
            &format!("/api/application/{client_id}"),
            Some(json!({"application": app})),
        )
        .await;
    assert_eq!(status, 200);
    expect(
        &mut checker,
        "client_registered",
        &interactive,
        Outcome::Failed,
        &[
            "lacks the redirect URI http://localhost:3334/oauth/callback",
            "invalid redirect_uri",
            "http://localhost:9999/callback",
            &format!("`mcp-fa clients remove mcp-remote --yes {flag}`"),
            "~/.mcp-auth",
        ],
    )
    .await;

    // The application deleted behind our back.
    let (status, _) = api
        .delete(&format!("/api/application/{client_id}?hardDelete=true"))
        .await;
    assert_eq!(status, 200);
    let verdict = expect(
        &mut checker,
        "client_registered",
        &interactive,
        Outcome::Failed,
        &[
            "was deleted from FusionAuth",
            &client_id,
            &format!("`mcp-fa clients add --kind mcp-remote --name mcp-remote {flag}`"),
            "rm -rf ~/.mcp-auth",
        ],
    )
    .await;
    assert_no_secret(&verdict, &[&fx.stack.api_key]);
    checker.finish(&interactive).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_configured_reads_the_file_clients_add_wrote() {
    if child_runs_check().await {
        return;
    }
    const TEST: &str = "client_configured_reads_the_file_clients_add_wrote";
    let fx = Fixture::new().await;
    let flag = fx.flag();
    let home = fx.home.path().display().to_string();
    let child = |mode: &'static str| {
        let home = home.clone();
        let fx = &fx;
        async move {
            in_child(
                module_path!(),
                TEST,
                "client_configured",
                mode,
                fx.project.as_str(),
                fx.state_dir.path(),
                &[("HOME", &home)],
            )
            .await
        }
    };

    // Unattended, another program's configuration is for the reader to check.
    assert_eq!(child("headless").await.outcome, Outcome::Manual);

    // `clients add --write-config` writes Cursor's file under HOME: the check finds the entry.
    let cursor_id = fx.add_client("cursor", &["--write-config"]).await;
    let file = fx.home.path().join(".cursor/mcp.json");
    let written = std::fs::read_to_string(&file).expect("the written file");
    assert!(written.contains(&cursor_id), "{written}");
    let verdict = child("interactive").await;
    assert_verdict(
        &verdict,
        Outcome::Passed,
        &[&file.display().to_string(), "has the entry"],
    );

    // The same file without the entry: the check names the file and the command that writes it.
    std::fs::write(
        &file,
        r#"{"mcpServers": {"other": {"url": "http://localhost:1234/mcp"}}}"#,
    )
    .expect("write");
    let verdict = child("interactive").await;
    assert_verdict(
        &verdict,
        Outcome::Failed,
        &[
            &file.display().to_string(),
            "has no entry for",
            "entries: other",
            &format!("`mcp-fa clients config cursor {flag} --write-config`"),
        ],
    );
    // An entry for the server, but with another registration's client id.
    let resource = format!("http://localhost:{}/mcp", fx.state().mcp_port);
    std::fs::write(
        &file,
        json!({"mcpServers": {"mcp-fa": {"url": resource, "auth": {"CLIENT_ID": "an-old-id"}}}})
            .to_string(),
    )
    .expect("write");
    let verdict = child("interactive").await;
    assert_verdict(
        &verdict,
        Outcome::Failed,
        &["not with the client id", &cursor_id],
    );

    // A client configured by a command: what to check by hand, alongside the broken file.
    fx.add_client("claude-code", &[]).await;
    let verdict = child("interactive").await;
    assert_verdict(
        &verdict,
        Outcome::Manual,
        &[
            "claude mcp list",
            "claude mcp add --transport http",
            "not with the client id",
        ],
    );
    // Written again by `clients config --write-config`: configured.
    fx.mcp_fa(&["clients", "config", "cursor", "--write-config"])
        .await;
    let verdict = child("interactive").await;
    assert_verdict(
        &verdict,
        Outcome::Passed,
        &["has the entry", "claude mcp list"],
    );
}
