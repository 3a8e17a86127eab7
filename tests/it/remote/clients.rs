//! `mcp-fa clients` and `token inspect` against an existing FusionAuth with two tenants: clients
//! land in the tenant named (or the one the key is limited to), their tokens carry that tenant's
//! issuer and keys, and the server of that tenant takes them and no other tenant's.

use serde_json::json;

use super::setup::{Remote, free_port, project_file};
use crate::support::browser::{Authorize, Pkce, login_and_exchange};
use crate::support::tenants::{SHARED_EMAIL, Tenant, claims};

/// The redirect `mcp-remote` (the kind these tests register) listens on.
const MCP_REMOTE_REDIRECT: &str = "http://localhost:3334/oauth/callback";

/// Logs the tenant's user in with `client_id` for `resource`; the access token.
async fn token(remote: &Remote, tenant: &Tenant, client_id: &str, resource: &str) -> String {
    let pkce = Pkce::new();
    let authorize = Authorize {
        client_id,
        redirect_uri: MCP_REMOTE_REDIRECT,
        scope: "openid profile",
        state: "s",
        challenge: Some(&pkce.challenge),
        resources: vec![resource],
    };
    let (status, body) = login_and_exchange(
        &remote.fa.base,
        &authorize,
        &pkce.verifier,
        SHARED_EMAIL,
        tenant.password,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body["access_token"].as_str().expect("token").to_owned()
}

#[tokio::test]
async fn clients_go_to_the_named_tenant_and_only_its_server_takes_their_tokens() {
    let remote = Remote::start().await;
    let key = remote.fa.global_key.clone();
    let public = format!("http://127.0.0.1:{}", free_port());
    let resource = format!("{public}/mcp");
    let add = ["clients", "add", "--kind", "mcp-remote", "--json"];

    // Two tenants and none named: FusionAuth cannot tell where the client belongs.
    let refused = remote
        .mcp_fa(
            Some(&key),
            &remote.flags(false, &[&add[..], &["--public-url", &public]].concat()),
        )
        .await;
    let message = refused.assert_error("TENANT_REQUIRED");
    assert!(message.contains("--tenant-id"), "{message}");

    let added = remote
        .mcp_fa(
            Some(&key),
            &remote.flags(true, &[&add[..], &["--public-url", &public]].concat()),
        )
        .await;
    added.assert_ok();
    let doc = added.json();
    let client_id = doc["client"]["clientId"].as_str().expect("client id");
    assert_eq!(doc["client"]["resources"], json!([resource]));
    assert!(
        doc.get("clientSecret").is_none(),
        "a public client has none"
    );
    let app = remote.application(client_id).await;
    assert_eq!(app["tenantId"], json!(remote.fa.second.id));

    // The second tenant's user logs in with it: the second tenant's issuer, tenant and key.
    let second = token(&remote, &remote.fa.second, client_id, &resource).await;
    let claims_second = claims(&second);
    assert_eq!(claims_second["iss"], json!(remote.fa.second.issuer));
    assert_eq!(claims_second["tid"], json!(remote.fa.second.id));
    assert_eq!(claims_second["aud"], json!([client_id, resource]));

    // The same client in the first tenant, and a token of the first tenant's user.
    let first_client = remote
        .mcp_fa(
            Some(&key),
            &[
                "clients",
                "add",
                "--kind",
                "mcp-remote",
                "--name",
                "first-tenant",
                "--json",
                "--fusionauth-url",
                &remote.fa.base,
                "--tenant-id",
                &remote.fa.first.id,
                "--public-url",
                &public,
            ],
        )
        .await;
    first_client.assert_ok();
    let first_id = first_client.json()["client"]["clientId"]
        .as_str()
        .expect("id")
        .to_owned();
    assert_eq!(
        remote.application(&first_id).await["tenantId"],
        json!(remote.fa.first.id)
    );
    let first = token(&remote, &remote.fa.first, &first_id, &resource).await;
    assert_eq!(claims(&first)["iss"], json!(remote.fa.first.issuer));

    // The second tenant's server (its issuer, its keys) takes its own token only.
    // No API key needed: only FusionAuth's public documents (discovery, keys) are read.
    let inspect = |token: String| {
        let public = public.clone();
        let remote = &remote;
        async move {
            remote
                .mcp_fa(
                    None,
                    &remote.flags(
                        true,
                        &[
                            "token",
                            "inspect",
                            &token,
                            "--json",
                            "--public-url",
                            &public,
                        ],
                    ),
                )
                .await
        }
    };
    let accepted = inspect(second).await;
    accepted.assert_ok();
    assert_eq!(accepted.json()["verdict"]["status"], json!("accepted"));
    let refused = inspect(first).await;
    assert_ne!(refused.code, 0);
    let verdict = &refused.json()["verdict"];
    assert_eq!(verdict["status"], json!("refused"), "{verdict}");
    assert!(
        verdict["reason"]
            .as_str()
            .is_some_and(|r| r.contains(&remote.fa.first.issuer)),
        "{verdict}"
    );

    // Listed with its last login (this global key may search login records).
    let listed = remote
        .mcp_fa(
            Some(&key),
            &remote.flags(true, &["clients", "list", "-o", "json"]),
        )
        .await;
    listed.assert_ok();
    let clients = listed.json()["clients"].clone();
    let ours = clients
        .as_array()
        .expect("clients")
        .iter()
        .find(|c| c["clientId"] == json!(client_id))
        .expect("listed");
    assert!(ours["lastLogin"].as_i64().is_some(), "{ours}");
    assert!(
        clients
            .as_array()
            .expect("clients")
            .iter()
            .all(|c| c["clientId"] != json!(first_id)),
        "the first tenant's client is not in the second tenant's list: {clients}"
    );
}

#[tokio::test]
async fn a_tenant_limited_key_works_in_its_tenant_and_says_what_it_cannot_do() {
    let remote = Remote::start().await;
    let key = remote.fa.tenant_key.clone();
    let added = remote
        .mcp_fa(
            Some(&key),
            &remote.flags(false, &["clients", "add", "--kind", "cursor", "--json"]),
        )
        .await;
    added.assert_ok();
    let client_id = added.json()["client"]["clientId"]
        .as_str()
        .expect("id")
        .to_owned();
    let app = remote.application(&client_id).await;
    assert_eq!(
        app["tenantId"],
        json!(remote.fa.second.id),
        "the key's tenant"
    );
    assert_eq!(
        app["oauthConfiguration"]["relationship"],
        json!("FirstParty"),
        "an unlicensed instance refused the consent screen; registered without one"
    );

    // Login records are a global endpoint: listed without the last login, said so.
    let listed = remote
        .mcp_fa(Some(&key), &remote.flags(false, &["clients", "list"]))
        .await;
    listed.assert_ok();
    assert!(
        listed.stdout.contains("last login: unknown") && listed.stdout.contains("login records"),
        "{}",
        listed.stdout
    );
    // `prune` counts in whole seconds: a client registered in this second is too new for it.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let pruned = remote
        .mcp_fa(
            Some(&key),
            &remote.flags(false, &["clients", "prune", "--unused-for", "0", "--yes"]),
        )
        .await;
    assert_ne!(pruned.code, 0);
    assert!(
        pruned.stderr.contains("global endpoint"),
        "{}",
        pruned.stderr
    );
    let removed = remote
        .mcp_fa(
            Some(&key),
            &remote.flags(false, &["clients", "remove", "cursor", "--yes"]),
        )
        .await;
    removed.assert_ok();
    let (status, _, _) = crate::support::tenants::call(
        &remote.fa.base,
        &remote.fa.global_key,
        None,
        "GET",
        &format!("/api/application/{client_id}"),
        None,
    )
    .await;
    assert_eq!(status, 404, "removed from FusionAuth");
}

#[tokio::test]
async fn a_remote_project_file_makes_the_commands_work_in_its_folder() {
    let remote = Remote::start().await;
    let work = remote.work_dir();
    let written = remote
        .mcp_fa(
            None,
            &[
                "init",
                "--project",
                "prod",
                "--fusionauth-url",
                &remote.fa.base,
                "--tenant-id",
                &remote.fa.second.id,
                "--api-key-env",
                "FUSIONAUTH_API_KEY",
            ],
        )
        .await;
    written.assert_ok();
    let text = std::fs::read_to_string(work.join("mcp-fa.yaml")).expect("written");
    assert!(text.contains(&remote.fa.second.id) && !text.contains(&remote.fa.global_key));

    // Without the key in the environment: said how to give it, and why never as a flag.
    let no_key = remote
        .mcp_fa(None, &["clients", "list", "-o", "json"])
        .await;
    let message = no_key.assert_error("API_KEY_MISSING");
    assert!(message.contains("FUSIONAUTH_API_KEY") && message.contains("shell history"));

    let added = remote
        .mcp_fa(
            Some(&remote.fa.global_key),
            &["clients", "add", "--kind", "cursor", "--json"],
        )
        .await;
    added.assert_ok();
    let client_id = added.json()["client"]["clientId"]
        .as_str()
        .expect("id")
        .to_owned();
    assert_eq!(
        remote.application(&client_id).await["tenantId"],
        json!(remote.fa.second.id)
    );
    assert_eq!(
        added.json()["client"]["resources"],
        json!(["http://localhost:8000/mcp"]),
        "the default public URL"
    );

    // A stack's setting in a remote project is refused with the reason.
    project_file(&work, &format!("{text}database:\n  image: postgres:16\n"));
    let mixed = remote
        .mcp_fa(Some(&remote.fa.global_key), &["clients", "list"])
        .await;
    assert_ne!(mixed.code, 0);
    assert!(mixed.stderr.contains("database.image"), "{}", mixed.stderr);
}

#[tokio::test]
async fn every_command_that_talks_to_fusionauth_says_the_key_goes_in_the_environment() {
    let remote = Remote::start().await;
    for command in [
        vec!["clients", "--help"],
        vec!["check", "--help"],
        vec!["doctor", "--help"],
        vec!["token", "inspect", "--help"],
    ] {
        let help = remote.mcp_fa(None, &command).await;
        help.assert_ok();
        for needed in [
            "--fusionauth-url",
            "--tenant-id",
            "--public-url",
            "FUSIONAUTH_API_KEY",
        ] {
            assert!(
                help.stdout.contains(needed),
                "{command:?}: {needed}\n{}",
                help.stdout
            );
        }
        assert!(
            help.stdout.contains("shell") && help.stdout.contains("history"),
            "{command:?} says why the key is never a flag:\n{}",
            help.stdout
        );
        assert!(!help.stdout.contains("--api-key"), "{command:?}");
    }
}
