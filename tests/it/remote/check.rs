//! `mcp-fa check` the remote way: an existing FusionAuth's tenant, a temporary user of the
//! self-test's own (deleted afterwards), the MCP server at the public URL (served for the run
//! when that URL is this machine and nothing answers), every hop end to end.

use serde_json::json;

use super::setup::{Remote, free_port};
use crate::support::tenants::call;

/// The self-test's temporary users that logged in, each with what `GET /api/user/{id}`
/// answers now.
async fn temporary_users(remote: &Remote) -> Vec<(String, u16)> {
    let (_, logins, _) = call(
        &remote.fa.base,
        &remote.fa.global_key,
        None,
        "GET",
        "/api/system/login-record/search?numberOfResults=100",
        None,
    )
    .await;
    let mut found = Vec::new();
    for login in logins["logins"].as_array().into_iter().flatten() {
        let login_id = login["loginId"].as_str().unwrap_or_default();
        if !login_id.starts_with("mcp-fa-self-test-") {
            continue;
        }
        let user_id = login["userId"].as_str().unwrap_or_default();
        let (status, _, _) = call(
            &remote.fa.base,
            &remote.fa.global_key,
            None,
            "GET",
            &format!("/api/user/{user_id}"),
            None,
        )
        .await;
        found.push((login_id.to_owned(), status));
    }
    found
}

#[tokio::test]
async fn check_runs_end_to_end_in_the_tenant_of_a_tenant_limited_key() {
    let remote = Remote::start().await;
    let public = format!("http://127.0.0.1:{}", free_port());
    let run = remote
        .mcp_fa(
            Some(&remote.fa.tenant_key),
            &remote.flags(false, &["check", "--json", "--public-url", &public]),
        )
        .await;
    run.assert_ok();
    let doc = run.json();
    let hops = doc["hops"].as_array().expect("hops");
    let names: Vec<&str> = hops.iter().filter_map(|h| h["name"].as_str()).collect();
    assert_eq!(
        names,
        [
            "FusionAuth ready",
            "MCP server answers, challenge 401",
            "protected resource metadata",
            "self-test client",
            "temporary user logged in (authorize+PKCE)",
            "MCP initialize + tools/list",
            "whoami",
            "get_name",
            "self-test client removed",
        ]
    );
    for hop in hops {
        assert_eq!(hop["ok"], true, "{hop}");
    }
    let detail = |name: &str| {
        hops.iter()
            .find(|h| h["name"] == json!(name))
            .and_then(|h| h["detail"].as_str())
            .unwrap_or_default()
            .to_owned()
    };
    assert!(
        detail("FusionAuth ready").contains(&remote.fa.second.issuer),
        "the tenant's issuer, from its discovery: {}",
        detail("FusionAuth ready")
    );
    assert!(detail("MCP server answers, challenge 401").contains("started in-process"));
    assert_eq!(
        detail("protected resource metadata"),
        format!("issuer {}", remote.fa.second.issuer)
    );
    assert!(detail("self-test client").contains("temporary user mcp-fa-self-test-"));
    assert_eq!(detail("whoami"), format!("aud {public}/mcp"));
    assert_eq!(detail("get_name"), "Hello, mcp-fa self-test!");
    assert!(detail("self-test client removed").contains("temporary user deleted"));

    // Nothing is left behind: the temporary user logged in once and is gone.
    let users = temporary_users(&remote).await;
    assert_eq!(users.len(), 1, "{users:?}");
    assert_eq!(users[0].1, 404, "deleted: {users:?}");
    let (_, apps, _) = call(
        &remote.fa.base,
        &remote.fa.global_key,
        None,
        "GET",
        "/api/application",
        None,
    )
    .await;
    assert!(
        apps["applications"]
            .as_array()
            .expect("apps")
            .iter()
            .all(|a| !a["name"]
                .as_str()
                .unwrap_or_default()
                .starts_with("mcp-fa-self-test")),
        "{apps}"
    );
}

#[tokio::test]
async fn check_says_where_to_deploy_a_server_that_does_not_answer() {
    let remote = Remote::start().await;
    let run = remote
        .mcp_fa(
            Some(&remote.fa.global_key),
            &remote.flags(
                true,
                &[
                    "check",
                    "--json",
                    "--public-url",
                    "https://mcp.example.test",
                ],
            ),
        )
        .await;
    assert_ne!(run.code, 0);
    let doc = run.json();
    let failed = doc["hops"]
        .as_array()
        .expect("hops")
        .iter()
        .find(|h| h["status"] == json!("fail"))
        .expect("a failed hop")
        .clone();
    assert_eq!(failed["name"], json!("MCP server answers, challenge 401"));
    assert_eq!(failed["code"], json!("MCP_UNREACHABLE"));
    let fix = failed["fix"].as_str().expect("fix");
    assert!(
        fix.contains("mcp-fa serve")
            && fix.contains(&remote.fa.second.id)
            && fix.contains("https://mcp.example.test"),
        "{fix}"
    );
}

#[tokio::test]
async fn in_a_remote_project_folder_serve_and_check_need_no_flags() {
    let remote = Remote::start().await;
    let port = free_port();
    let public = format!("http://127.0.0.1:{port}");
    remote
        .mcp_fa(
            None,
            &[
                "init",
                "--fusionauth-url",
                &remote.fa.base,
                "--tenant-id",
                &remote.fa.second.id,
                "--public-url",
                &public,
            ],
        )
        .await
        .assert_ok();
    // `mcp-fa serve` as it runs on the server: the project file names FusionAuth, the tenant
    // and the public URL; only where to listen is given.
    let mut server = std::process::Command::new(env!("CARGO_BIN_EXE_mcp-fa"))
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .current_dir(remote.work_dir())
        .env("MCP_FA_STATE_DIR", remote.dir.path().join("state"))
        .env_remove("MCP_FA_ISSUER")
        .env_remove("MCP_FA_FUSIONAUTH_URL")
        .env_remove("MCP_FA_TENANT_ID")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("serve starts");
    let listening = async {
        for _ in 0..200 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return true;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        false
    };
    assert!(listening.await, "the server listens on {port}");
    let run = remote
        .mcp_fa(Some(&remote.fa.global_key), &["check", "--json"])
        .await;
    let stopped = tokio::task::spawn_blocking(move || crate::support::stop(&mut server, "TERM"))
        .await
        .expect("stopped");
    run.assert_ok();
    assert!(stopped.success(), "{stopped:?}");
    let doc = run.json();
    let challenge = doc["hops"]
        .as_array()
        .expect("hops")
        .iter()
        .find(|h| h["name"] == json!("MCP server answers, challenge 401"))
        .expect("the challenge hop")
        .clone();
    assert_eq!(
        challenge["detail"],
        json!(format!("{public}/mcp")),
        "the project's own server answered, none was started in-process"
    );
}
