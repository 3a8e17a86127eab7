//! `mcp-fa export compose` as a team uses it: a project brought up with `mcp-fa up` (the
//! stand-in images) and a registered MCP client, stopped, exported, and brought up again with
//! Compose on the same ports, with no registry: the MCP server image is built from the test's
//! own mcp-fa. It must reach readiness and serve `get_name` to the demo user logged in through
//! the exported FusionAuth with the exported client id and password, and no secret may sit
//! anywhere but `.env`. Real Docker and a Compose; without them these tests print "skipping".

use std::path::Path;

use serde_json::Value;

use crate::support::export::{ComposeUp, compose_cli, remove_older_server_images};
use crate::support::project::TestProject;
use crate::support::server::{call_tool, tool_text};
use mcp_fa::fusionauth::{FusionAuthClient, LoginRequest, Secret, Timeouts};

/// `NAME=value` lines of a `.env` file.
fn env_file(path: &Path) -> Vec<(String, String)> {
    std::fs::read_to_string(path)
        .expect(".env")
        .lines()
        .filter(|line| !line.starts_with('#') && line.contains('='))
        .map(|line| {
            let (name, value) = line.split_once('=').expect("NAME=value");
            (name.to_owned(), value.to_owned())
        })
        .collect()
}

fn value<'a>(env: &'a [(String, String)], name: &str) -> &'a str {
    env.iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("{name} in .env"))
}

#[test]
fn the_exported_project_comes_up_with_compose_and_serves_the_demo_user() {
    let Some(project) = TestProject::with_docker("export") else {
        return;
    };
    let Some(cli) = compose_cli() else {
        return;
    };
    project.up(&["--client", "mcp-remote"]).assert_ok();
    let client = project.saved_state()["clients"][0].clone();
    let client_id = client["clientId"].as_str().expect("client id").to_owned();
    let redirect_uri = client["redirectUris"][0].as_str().expect("uri").to_owned();
    // The laptop's stack holds the ports the export reuses.
    project.run(&["down"]).assert_ok();

    let out = tempfile::tempdir().expect("dir");
    let dir = out.path().join("compose");
    let export = project.run(&[
        "export",
        "compose",
        "--json",
        "-o",
        dir.to_str().expect("utf-8"),
    ]);
    let report = export.assert_ok().json();
    let image = report["image"].as_str().expect("image").to_owned();
    assert!(image.starts_with("mcp-fa/mcp-server:"), "{report:#}");
    assert!(
        ["built", "reused"].contains(&report["imageOrigin"].as_str().expect("origin")),
        "{report:#}"
    );
    remove_older_server_images(&image);

    // Secrets: values in .env (0600) only; compose.yaml and the kickstart name them.
    let env = env_file(&dir.join(".env"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.join(".env"))
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let compose = std::fs::read_to_string(dir.join("compose.yaml")).expect("compose.yaml");
    let kickstart =
        std::fs::read_to_string(dir.join("kickstart/kickstart.json")).expect("kickstart");
    let example = std::fs::read_to_string(dir.join(".env.example")).expect("example");
    for (name, secret) in env
        .iter()
        .filter(|(name, _)| name.contains("PASSWORD") || name.contains("KEY"))
    {
        for (file, text) in [
            ("compose.yaml", &compose),
            ("kickstart", &kickstart),
            (".env.example", &example),
            ("stdout", &export.stdout),
            ("stderr", &export.stderr),
        ] {
            assert!(
                !text.contains(secret.as_str()),
                "{name}'s value is in {file}"
            );
        }
    }
    let parsed: Value = yaml_serde::from_str(&compose).expect("compose.yaml is YAML");
    assert_eq!(
        parsed["services"]["fusionauth"]["image"],
        project.images.fusionauth
    );
    assert_eq!(parsed["services"]["db"]["image"], project.images.postgres);
    assert_eq!(parsed["services"]["mcp"]["image"], image);
    assert_eq!(
        parsed["services"]["fusionauth"]["ports"][0],
        format!("127.0.0.1:{}:9011", project.fusionauth_port)
    );
    assert!(kickstart.contains(&client_id), "the client keeps its id");

    let up = ComposeUp::start(cli, &dir);
    up.wait_healthy("mcp", 120)
        .unwrap_or_else(|status| panic!("the MCP server never became healthy: {status}"));

    let mcp = format!("http://127.0.0.1:{}/mcp", project.mcp_port);
    let resource = format!("http://localhost:{}/mcp", project.mcp_port);
    crate::support::block(async {
        let refused = call_tool(&mcp, None, "get_name").await;
        assert_eq!(refused.status, 401, "no token, no tool");

        let fusionauth = FusionAuthClient::new(
            url::Url::parse(&format!("http://127.0.0.1:{}", project.fusionauth_port)).expect("url"),
            Timeouts::default(),
        )
        .expect("client");
        let password = Secret::new(value(&env, "DEMO_USER_PASSWORD"));
        let tokens = fusionauth
            .log_in_with_form(&LoginRequest {
                client_id: &client_id,
                redirect_uri: &redirect_uri,
                scopes: &["openid", "profile"],
                resource: &resource,
                login_id: "test@example.com",
                password: &password,
            })
            .await
            .expect("the demo user logs in with the exported password and client id");
        let answer = call_tool(&mcp, Some(tokens.access_token.expose()), "get_name").await;
        assert_eq!(answer.status, 200, "{:?}", answer.body);
        let text = tool_text(&answer).expect("a tool result");
        assert!(text.contains("Test User"), "{text}");
    });
}
