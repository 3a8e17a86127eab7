//! Secrets never reach normal output: after a whole run (up with clients, a client registering
//! itself, a real login and MCP call, status in every format, logs, doctor, clients, down), the
//! API keys (the bridge's too), the generated passwords, the client secrets and the access token
//! appear nowhere, except in `status --show-secrets`, which exists to show them.

use crate::support::browser::{Authorize, Pkce, login_and_exchange};
use crate::support::project::{Run, TestProject};
use crate::support::server::{initialize, post};
use crate::support::{Api, DEMO_EMAIL, block};

#[test]
fn a_full_run_prints_no_secret_unless_asked() {
    let Some(project) = TestProject::with_docker("secrets") else {
        return;
    };
    let mut runs: Vec<(String, Run)> = Vec::new();
    let mut record = |label: &str, run: Run| {
        runs.push((label.to_owned(), run));
        runs.last().map(|(_, r)| r.code).unwrap_or(-1)
    };
    let up_args =
        project.serving_up_args(&["--detach", "--client", "mcp-remote", "--client", "cursor"]);
    let up_args: Vec<&str> = up_args.iter().map(String::as_str).collect();
    assert_eq!(
        record("up --json", project.run(&up_args)),
        0,
        "{}",
        runs[0].1.stderr
    );
    let text_up: Vec<&str> = up_args.iter().copied().filter(|a| *a != "--json").collect();
    record("up (again, text)", project.run(&text_up));

    // The secrets this run generated, from the state file and FusionAuth itself.
    let state = project.saved_state();
    let api_key = state["apiKey"].as_str().expect("api key").to_owned();
    let mut secrets = vec![
        api_key.clone(),
        state["databasePassword"].as_str().expect("db").to_owned(),
        state["registrationApiKey"]
            .as_str()
            .expect("the bridge's key")
            .to_owned(),
    ];
    // A client registers itself through the background server's bridge, which holds that key.
    let registered = block(async {
        reqwest::Client::new()
            .post(format!("http://127.0.0.1:{}/register", project.mcp_port))
            .json(&serde_json::json!({
                "client_name": "secrets test",
                "redirect_uris": ["http://localhost:3999/callback"],
                "token_endpoint_auth_method": "none",
            }))
            .send()
            .await
            .expect("the bridge answers")
            .status()
    });
    assert_eq!(registered, 201);
    let demo_password = project.demo_user()["password"]
        .as_str()
        .expect("demo password")
        .to_owned();
    for user in state["users"].as_array().expect("users") {
        secrets.push(user["password"].as_str().expect("password").to_owned());
    }
    let fa = format!("http://127.0.0.1:{}", project.fusionauth_port);
    let api = Api::new(&fa, &api_key);
    let apps = block(api.get("/api/application")).1;
    let mut mcp_remote = None;
    for app in apps["applications"].as_array().expect("apps") {
        if let Some(secret) = app["oauthConfiguration"]["clientSecret"].as_str() {
            secrets.push(secret.to_owned());
        }
        if app["data"]["mcpFa"]["kind"] == "mcp-remote" {
            mcp_remote = app["id"].as_str().map(str::to_owned);
        }
    }
    let client_id = mcp_remote.expect("the mcp-remote client is registered");

    // A real login and MCP call, so a token passes through the server and its log.
    let resource = format!("http://localhost:{}/mcp", project.mcp_port);
    let fa_public = format!("http://localhost:{}", project.fusionauth_port);
    let pkce = Pkce::new();
    let authorize = Authorize::mcp(
        &client_id,
        "http://localhost:3334/oauth/callback",
        "openid profile",
        &pkce.challenge,
        &resource,
    );
    let (status, tokens) = block(login_and_exchange(
        &fa_public,
        &authorize,
        &pkce.verifier,
        DEMO_EMAIL,
        &demo_password,
    ));
    assert_eq!(status, 200, "{tokens}");
    let access_token = tokens["access_token"].as_str().expect("token").to_owned();
    let mcp = format!("http://127.0.0.1:{}/mcp", project.mcp_port);
    let answer = block(post(&mcp, Some(&access_token), &initialize(), &[])).status;
    assert_eq!(answer, 200, "the token is accepted");
    secrets.push(access_token);

    for (label, args) in [
        ("status", vec!["status"]),
        ("status json", vec!["status", "-o", "json"]),
        ("status env", vec!["status", "-o", "env"]),
        ("logs fusionauth", vec!["logs", "fusionauth"]),
        ("logs db", vec!["logs", "db"]),
        ("logs mcp", vec!["logs", "mcp"]),
        ("doctor", vec!["doctor"]),
        ("doctor json", vec!["doctor", "--json"]),
        ("clients list", vec!["clients", "list"]),
        ("clients list json", vec!["clients", "list", "-o", "json"]),
        ("clients config", vec!["clients", "config", "mcp-remote"]),
        (
            "clients add again",
            vec!["clients", "add", "--kind", "cursor", "--json"],
        ),
    ] {
        record(label, project.run(&args));
    }
    let shown = project.run(&["status", "--show-secrets"]);
    record("down", project.run(&["down", "--volumes"]));

    assert!(
        secrets.iter().all(|s| s.len() >= 8),
        "only real secrets are searched for"
    );
    for (label, run) in &runs {
        for secret in &secrets {
            assert!(
                !run.stdout.contains(secret.as_str()) && !run.stderr.contains(secret.as_str()),
                "`{label}` printed a secret ({}…)",
                &secret[..4]
            );
        }
    }
    // The search would have found them: --show-secrets prints the key and the passwords.
    assert!(
        shown.stdout.contains(&api_key),
        "--show-secrets shows the API key"
    );
    assert!(shown.stdout.contains(&demo_password));
}
