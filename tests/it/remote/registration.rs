//! `serve --registration` in a remote project's folder: the bridge is opt-in against an
//! existing FusionAuth, takes the project's own API key when no other is given, and says what
//! the issuer must be when the tenant's is not the server's origin.

use std::process::{Command, Stdio};

use serde_json::json;

use super::setup::{Remote, free_port};
use crate::support::tenants::call;

/// `init` a remote project on the default tenant, its public URL on a free loopback port.
async fn remote_project() -> (Remote, u16) {
    let remote = Remote::start().await;
    let port = free_port();
    remote
        .mcp_fa(
            None,
            &[
                "init",
                "--fusionauth-url",
                &remote.fa.base,
                "--public-url",
                &format!("http://127.0.0.1:{port}"),
            ],
        )
        .await
        .assert_ok();
    (remote, port)
}

#[tokio::test]
async fn without_its_issuer_the_bridge_is_refused_with_what_to_set() {
    let (remote, port) = remote_project().await;
    let bind = format!("127.0.0.1:{port}");
    let serve = ["serve", "--registration", "--bind", bind.as_str()];

    let keyless = remote.mcp_fa(None, &serve).await;
    assert_ne!(keyless.code, 0, "{}", keyless.stderr);
    assert!(
        keyless.stderr.contains("MCP_FA_REGISTRATION_API_KEY"),
        "{}",
        keyless.stderr
    );

    // The project's key (FUSIONAUTH_API_KEY) is enough for the bridge; the tenant's issuer is
    // FusionAuth's URL, not this server's origin, and that is what the refusal explains.
    let run = remote.mcp_fa(Some(&remote.fa.global_key), &serve).await;
    assert_ne!(run.code, 0, "{}", run.stderr);
    let origin = format!("http://127.0.0.1:{port}");
    assert!(
        run.stderr
            .contains(&format!("Set the FusionAuth tenant's issuer to `{origin}`"))
            && run.stderr.contains(&remote.fa.first.issuer)
            && !run.stderr.contains("MCP_FA_REGISTRATION_API_KEY"),
        "{}",
        run.stderr
    );
}

#[tokio::test]
async fn with_the_servers_origin_as_issuer_a_client_registers_through_the_projects_key() {
    let (remote, port) = remote_project().await;
    let origin = format!("http://127.0.0.1:{port}");
    let (status, _, body) = call(
        &remote.fa.base,
        &remote.fa.global_key,
        None,
        "PATCH",
        &format!("/api/tenant/{}", remote.fa.first.id),
        Some(json!({"tenant": {"issuer": origin}})),
    )
    .await;
    assert_eq!(status, 200, "{body}");

    let mut server = Command::new(env!("CARGO_BIN_EXE_mcp-fa"))
        .args([
            "serve",
            "--registration",
            "--bind",
            &format!("127.0.0.1:{port}"),
        ])
        .current_dir(remote.work_dir())
        .env("MCP_FA_STATE_DIR", remote.dir.path().join("state"))
        .env("FUSIONAUTH_API_KEY", &remote.fa.global_key)
        .env_remove("MCP_FA_REGISTRATION_API_KEY")
        .env_remove("MCP_FA_ISSUER")
        .env_remove("MCP_FA_FUSIONAUTH_URL")
        .env_remove("MCP_FA_TENANT_ID")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("serve starts");
    let http = reqwest::Client::new();
    let mut metadata = None;
    for _ in 0..200 {
        if let Ok(answer) = http
            .get(format!("{origin}/.well-known/oauth-authorization-server"))
            .send()
            .await
        {
            metadata = answer.json::<serde_json::Value>().await.ok();
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let registered = match &metadata {
        Some(doc) if doc["registration_endpoint"] == json!(format!("{origin}/register")) => {
            let answer = http
                .post(format!("{origin}/register"))
                .json(&json!({
                    "client_name": "Remote Tester",
                    "redirect_uris": ["http://127.0.0.1:4999/callback"],
                    "token_endpoint_auth_method": "none",
                }))
                .send()
                .await
                .expect("register");
            Some((
                answer.status().as_u16(),
                answer.text().await.unwrap_or_default(),
            ))
        }
        _ => None,
    };
    let stopped = tokio::task::spawn_blocking(move || {
        let status = crate::support::stop(&mut server, "TERM");
        (status, crate::support::stderr_of(&mut server))
    })
    .await
    .expect("stopped");
    assert!(
        metadata.is_some(),
        "the server never answered: {}",
        stopped.1
    );
    let (status, body) = registered.unwrap_or_else(|| panic!("no bridge: {metadata:?}"));
    assert_eq!(status, 201, "{body}\n{}", stopped.1);
    let client_id = serde_json::from_str::<serde_json::Value>(&body).expect("JSON")["client_id"]
        .as_str()
        .expect("client_id")
        .to_owned();
    let app = remote.application(&client_id).await;
    assert_eq!(
        app["oauthConfiguration"]["authorizedResourceUris"],
        json!([format!("{origin}/mcp")])
    );
    assert_eq!(app["tenantId"], json!(remote.fa.first.id));
}
