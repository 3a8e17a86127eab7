//! The walkthrough's remote track, unattended (`mcp-fa tutorial --check` in a remote project):
//! each step verified against the real thing, as the local track's are, stopping at the first
//! step that fails with what it saw and the fix.

use super::setup::{Remote, free_port};
use crate::support::project::Run;

/// `mcp-fa init` for the second tenant and `public`, in the work folder.
async fn init(remote: &Remote, public: &str) {
    remote
        .against(
            None,
            true,
            &["init", "--project", "remote-walk", "--public-url", public],
        )
        .await
        .assert_ok();
}

/// `mcp-fa clients add --kind KIND` with `key` in the project's folder, which must succeed.
async fn add_client(remote: &Remote, key: &str, kind: &str) {
    remote
        .mcp_fa(Some(key), &["clients", "add", "--kind", kind, "--json"])
        .await
        .assert_ok();
}

/// `mcp-fa tutorial --check --step STEP` with `key`.
async fn check_step(remote: &Remote, key: &str, step: &str) -> Run {
    remote
        .mcp_fa(Some(key), &["tutorial", "--check", "--step", step])
        .await
}

/// [`check_step`], which must print exactly the `expected` outcomes.
async fn check_step_says(remote: &Remote, key: &str, step: &str, expected: &[(&str, &str)]) -> Run {
    let run = check_step(remote, key, step).await;
    assert_outcomes(&run, expected);
    run
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

/// `tutorial --check` printed exactly these outcomes (`ok`/`FAIL`, step id), in this order.
#[track_caller]
fn assert_outcomes(run: &Run, expected: &[(&str, &str)]) {
    let seen = outcomes(&run.stdout);
    let seen: Vec<(&str, &str)> = seen
        .iter()
        .map(|(o, id)| (o.as_str(), id.as_str()))
        .collect();
    assert_eq!(seen, expected, "{}", run.stdout);
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
    assert_outcomes(
        &first,
        &[
            ("ok", "remote-what-you-will-build"),
            ("ok", "remote-fusionauth-reachable"),
            ("ok", "remote-preflight"),
            ("FAIL", "remote-deploy-the-server"),
        ],
    );
    assert!(
        first.stdout.contains("mcp-fa serve --fusionauth-url")
            && first.stdout.contains(&remote.fa.second.id),
        "{}",
        first.stdout
    );

    // Deployed (here: on this machine), and a client registered: on to the connector, which
    // an http URL cannot have.
    let server = remote.serve(&remote.fa.second.id, &public).await;
    let no_client = check_step(&remote, &key, "4").await;
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
    add_client(&remote, &key, "claude-code").await;
    let http = check_step_says(
        &remote,
        &key,
        "4",
        &[
            ("ok", "remote-deploy-the-server"),
            ("ok", "remote-register-a-client"),
            ("FAIL", "remote-claude-connector"),
        ],
    )
    .await;
    assert!(http.stdout.contains("not https"), "{}", http.stdout);

    // The rest of the path: a temporary user logs in and calls get_name at the public URL.
    let end = check_step_says(
        &remote,
        &key,
        "remote-log-in-and-call",
        &[("ok", "remote-log-in-and-call"), ("ok", "remote-clean-up")],
    )
    .await;
    end.assert_ok();
    server.shutdown().await.expect("stopped");
}

#[tokio::test]
async fn the_connector_step_checks_the_application_claude_needs() {
    let remote = Remote::start().await;
    init(&remote, "https://mcp.example.test").await;
    let key = remote.fa.tenant_key.clone();
    let missing = check_step_says(
        &remote,
        &key,
        "remote-claude-connector",
        &[("FAIL", "remote-claude-connector")],
    )
    .await;
    assert!(
        missing.stdout.contains("--kind claude-connector"),
        "{}",
        missing.stdout
    );
    add_client(&remote, &key, "claude-connector").await;
    // The connector is right; the server is not deployed.
    let registered = check_step_says(
        &remote,
        &key,
        "remote-claude-connector",
        &[
            ("ok", "remote-claude-connector"),
            ("FAIL", "remote-log-in-and-call"),
        ],
    )
    .await;
    assert!(
        registered.stdout.contains("mcp-fa serve --fusionauth-url"),
        "where to deploy the server: {}",
        registered.stdout
    );

    // A key that may only read: the preflight names what it lacks.
    let reader = check_step(&remote, &remote.fa.reader_key, "remote-preflight").await;
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
