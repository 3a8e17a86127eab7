//! The walkthrough's remote track, unattended (`mcp-fa tutorial --check` in a remote project):
//! each step verified against the real thing, as the local track's are, stopping at the first
//! step that fails with what it saw and the fix.

use super::setup::{Remote, free_port};
use mcp_fa::server::{ServeConfig, ServerHandle};

/// This tenant's protected MCP server at a loopback public URL, as `mcp-fa serve` would run it.
async fn serve(remote: &Remote, public: &str) -> ServerHandle {
    let mut config = ServeConfig::new(&remote.fa.base).expect("config");
    config.issuer = None;
    config.tenant_id = Some(remote.fa.second.id.clone());
    config.bind = public.trim_start_matches("http://").parse().expect("addr");
    config.public_url = Some(url::Url::parse(public).expect("url"));
    mcp_fa::server::start(config).await.expect("server starts")
}

/// `mcp-fa init` for the second tenant and `public`, in the work folder.
async fn init(remote: &Remote, public: &str) {
    remote
        .mcp_fa(
            None,
            &[
                "init",
                "--project",
                "remote-walk",
                "--fusionauth-url",
                &remote.fa.base,
                "--tenant-id",
                &remote.fa.second.id,
                "--public-url",
                public,
            ],
        )
        .await
        .assert_ok();
}

/// The `ok`/`FAIL` word and the step id of each line `tutorial --check` printed.
fn outcomes(stdout: &str) -> Vec<(String, String)> {
    stdout
        .lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            let word = words.next()?;
            if !matches!(word, "ok" | "FAIL" | "manual") {
                return None;
            }
            let _number = words.next()?;
            let id = words.next()?.trim_end_matches(':');
            Some((word.to_owned(), id.to_owned()))
        })
        .collect()
}

#[tokio::test]
async fn the_remote_track_verifies_each_step_against_fusionauth_and_the_deployed_server() {
    let remote = Remote::start().await;
    let public = format!("http://127.0.0.1:{}", free_port());
    init(&remote, &public).await;
    let key = remote.fa.global_key.clone();

    let listed = remote.mcp_fa(None, &["tutorial", "--list"]).await;
    listed.assert_ok();
    assert!(
        listed.stdout.contains("remote-claude-connector"),
        "{}",
        listed.stdout
    );
    assert!(
        !listed.stdout.contains("docker"),
        "not the local track: {}",
        listed.stdout
    );

    // Nothing deployed yet: the track stops at the server, saying how to run it.
    let first = remote.mcp_fa(Some(&key), &["tutorial", "--check"]).await;
    assert_ne!(first.code, 0);
    assert_eq!(
        outcomes(&first.stdout),
        [
            ("ok".into(), "remote-what-you-will-build".into()),
            ("ok".into(), "remote-fusionauth-reachable".into()),
            ("ok".into(), "remote-preflight".into()),
            ("FAIL".into(), "remote-deploy-the-server".into()),
        ],
        "{}",
        first.stdout
    );
    assert!(
        first.stdout.contains("mcp-fa serve --fusionauth-url")
            && first.stdout.contains(&remote.fa.second.id),
        "{}",
        first.stdout
    );

    // Deployed (here: on this machine), and a client registered: on to the connector, which
    // an http URL cannot have.
    let server = serve(&remote, &public).await;
    let no_client = remote
        .mcp_fa(Some(&key), &["tutorial", "--check", "--step", "4"])
        .await;
    assert_eq!(
        outcomes(&no_client.stdout).last(),
        Some(&("FAIL".into(), "remote-register-a-client".into())),
        "{}",
        no_client.stdout
    );
    assert!(
        no_client
            .stdout
            .contains("mcp-fa clients add --project remote-walk --kind"),
        "{}",
        no_client.stdout
    );
    remote
        .mcp_fa(
            Some(&key),
            &["clients", "add", "--kind", "claude-code", "--json"],
        )
        .await
        .assert_ok();
    let http = remote
        .mcp_fa(Some(&key), &["tutorial", "--check", "--step", "4"])
        .await;
    assert_eq!(
        outcomes(&http.stdout),
        [
            ("ok".into(), "remote-deploy-the-server".into()),
            ("ok".into(), "remote-register-a-client".into()),
            ("FAIL".into(), "remote-claude-connector".into()),
        ],
        "{}",
        http.stdout
    );
    assert!(http.stdout.contains("not https"), "{}", http.stdout);

    // The rest of the path: a temporary user logs in and calls get_name at the public URL.
    let end = remote
        .mcp_fa(
            Some(&key),
            &["tutorial", "--check", "--step", "remote-log-in-and-call"],
        )
        .await;
    end.assert_ok();
    assert_eq!(
        outcomes(&end.stdout),
        [
            ("ok".into(), "remote-log-in-and-call".into()),
            ("ok".into(), "remote-clean-up".into()),
        ],
        "{}",
        end.stdout
    );
    server.shutdown().await.expect("stopped");
}

#[tokio::test]
async fn the_connector_step_checks_the_application_claude_needs() {
    let remote = Remote::start().await;
    init(&remote, "https://mcp.example.test").await;
    let key = remote.fa.tenant_key.clone();
    let missing = remote
        .mcp_fa(
            Some(&key),
            &["tutorial", "--check", "--step", "remote-claude-connector"],
        )
        .await;
    assert_eq!(
        outcomes(&missing.stdout),
        [("FAIL".into(), "remote-claude-connector".into())],
        "{}",
        missing.stdout
    );
    assert!(
        missing.stdout.contains("--kind claude-connector"),
        "{}",
        missing.stdout
    );
    remote
        .mcp_fa(
            Some(&key),
            &["clients", "add", "--kind", "claude-connector", "--json"],
        )
        .await
        .assert_ok();
    let registered = remote
        .mcp_fa(
            Some(&key),
            &["tutorial", "--check", "--step", "remote-claude-connector"],
        )
        .await;
    assert_eq!(
        outcomes(&registered.stdout),
        [
            ("ok".into(), "remote-claude-connector".into()),
            ("FAIL".into(), "remote-log-in-and-call".into()),
        ],
        "the connector is right; the server is not deployed: {}",
        registered.stdout
    );
    assert!(
        registered.stdout.contains("mcp-fa serve --fusionauth-url"),
        "where to deploy the server: {}",
        registered.stdout
    );

    // A key that may only read: the preflight names what it lacks.
    let reader = remote
        .mcp_fa(
            Some(&remote.fa.reader_key),
            &["tutorial", "--check", "--step", "remote-preflight"],
        )
        .await;
    assert_eq!(
        outcomes(&reader.stdout).first(),
        Some(&("FAIL".into(), "remote-preflight".into())),
        "{}",
        reader.stdout
    );
    assert!(
        reader.stdout.contains("/api/application: POST, DELETE"),
        "{}",
        reader.stdout
    );
}
