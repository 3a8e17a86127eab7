//! `mcp-fa clients ...` as a user runs it: the real binary, a stack's state file, and the
//! FusionAuth stand-in behind it.

use std::path::Path;
use std::process::{Command, Output};

use crate::support::state::StateFixture;
use crate::support::{Api, Options, stack};
use serde_json::{Value, json};

fn mcp_fa(state_dir: &Path, home: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mcp-fa"))
        .args(args)
        .env("MCP_FA_STATE_DIR", state_dir)
        .env("HOME", home)
        .env_remove("MCP_FA_PROJECT")
        .current_dir(home)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("mcp-fa runs")
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[tokio::test]
async fn add_writes_the_cursor_config_keeps_the_client_in_state_and_remove_deletes_it() {
    let stack = stack(Options::default()).await;
    let state_dir = tempfile::tempdir().expect("dir");
    let home = tempfile::tempdir().expect("home");
    StateFixture::new("default", &stack).write(state_dir.path());
    let cursor_config = home.path().join(".cursor/mcp.json");
    std::fs::create_dir_all(cursor_config.parent().expect("dir")).expect("mkdir");
    std::fs::write(
        &cursor_config,
        r#"{"mcpServers": {"other": {"url": "https://other.example/mcp"}}}"#,
    )
    .expect("write");

    let out = tokio::task::spawn_blocking({
        let (s, h) = (state_dir.path().to_path_buf(), home.path().to_path_buf());
        move || {
            mcp_fa(
                &s,
                &h,
                &[
                    "clients",
                    "add",
                    "--kind",
                    "cursor",
                    "--write-config",
                    "--json",
                ],
            )
        }
    })
    .await
    .expect("join");
    assert!(out.status.success(), "{}", text(&out));
    let doc: Value = serde_json::from_slice(&out.stdout).expect("one JSON document");
    let client_id = doc["client"]["clientId"]
        .as_str()
        .expect("client id")
        .to_string();
    assert!(
        !text(&out).contains(&stack.api_key),
        "the API key never reaches the output"
    );

    let written: Value =
        serde_json::from_str(&std::fs::read_to_string(&cursor_config).expect("read"))
            .expect("json");
    assert_eq!(
        written["mcpServers"]["other"]["url"], "https://other.example/mcp",
        "other servers are kept"
    );
    assert_eq!(
        written["mcpServers"]["mcp-fa"],
        json!({"url": "http://localhost:8000/mcp", "auth": {"CLIENT_ID": client_id}})
    );

    let state: Value = serde_json::from_str(
        &std::fs::read_to_string(state_dir.path().join("default.json")).expect("state"),
    )
    .expect("json");
    assert_eq!(state["clients"][0]["clientId"], client_id.as_str());

    let (s, h) = (state_dir.path().to_path_buf(), home.path().to_path_buf());
    let listed =
        tokio::task::spawn_blocking(move || mcp_fa(&s, &h, &["clients", "list", "-o", "json"]))
            .await
            .expect("join");
    let listed: Value = serde_json::from_slice(&listed.stdout).expect("json");
    assert_eq!(listed["clients"].as_array().map(Vec::len), Some(1));

    // Without a terminal, remove asks for --yes instead of prompting.
    let (s, h) = (state_dir.path().to_path_buf(), home.path().to_path_buf());
    let refused =
        tokio::task::spawn_blocking(move || mcp_fa(&s, &h, &["clients", "remove", "cursor"]))
            .await
            .expect("join");
    assert!(!refused.status.success());
    assert!(text(&refused).contains("--yes"), "{}", text(&refused));
    let (s, h) = (state_dir.path().to_path_buf(), home.path().to_path_buf());
    let removed = tokio::task::spawn_blocking(move || {
        mcp_fa(&s, &h, &["clients", "remove", "cursor", "--yes"])
    })
    .await
    .expect("join");
    assert!(removed.status.success(), "{}", text(&removed));
    let api = Api::of(&stack);
    assert_eq!(
        api.get(&format!("/api/application/{client_id}")).await.0,
        404
    );
    let state: Value = serde_json::from_str(
        &std::fs::read_to_string(state_dir.path().join("default.json")).expect("state"),
    )
    .expect("json");
    assert_eq!(state["clients"], json!([]));
}

#[tokio::test]
async fn clear_errors_for_no_stack_no_kind_and_bad_input() {
    let stack = stack(Options::default()).await;
    let state_dir = tempfile::tempdir().expect("dir");
    let home = tempfile::tempdir().expect("home");
    let (s, h) = (state_dir.path().to_path_buf(), home.path().to_path_buf());
    let out = tokio::task::spawn_blocking(move || {
        mcp_fa(&s, &h, &["clients", "add", "--kind", "cursor"])
    })
    .await
    .expect("join");
    assert!(!out.status.success());
    assert!(text(&out).contains("mcp-fa up"), "{}", text(&out));

    StateFixture::new("default", &stack).write(state_dir.path());
    let cases: [(&[&str], &str); 4] = [
        (&["clients", "add"], "--kind"),
        (
            &[
                "clients",
                "add",
                "--kind",
                "custom",
                "--redirect-uri",
                "http://example.com/cb",
            ],
            "loopback",
        ),
        (
            &["clients", "add", "--kind", "cursor", "--name", "has space"],
            "letters, digits",
        ),
        (&["clients", "add", "--kind", "claude"], "claude-code"),
    ];
    for (args, hint) in cases {
        let (s, h) = (state_dir.path().to_path_buf(), home.path().to_path_buf());
        let out = tokio::task::spawn_blocking(move || mcp_fa(&s, &h, args))
            .await
            .expect("join");
        assert!(!out.status.success(), "{args:?}");
        assert!(text(&out).contains(hint), "{args:?}: {}", text(&out));
    }
    let apps = Api::of(&stack).get("/api/application").await.1;
    assert_eq!(
        apps["applications"].as_array().map(Vec::len),
        Some(2),
        "bad input created nothing"
    );
}

/// A client that registered itself shows in `clients list` with its software, is kept in the
/// state file as self-registered, and is removed by name like any other.
#[tokio::test]
async fn clients_list_names_a_self_registered_clients_software() {
    use mcp_fa::clients::{ClientMetadata, RegistrationPolicy, SelfRegistrar, SelfRegistration};
    let stack = stack(Options::default()).await;
    let state_dir = tempfile::tempdir().expect("dir");
    let home = tempfile::tempdir().expect("home");
    StateFixture::new("default", &stack).write(state_dir.path());
    let admin = mcp_fa::fusionauth::FusionAuthClient::new(
        url::Url::parse(&stack.sim.url()).expect("url"),
        mcp_fa::fusionauth::Timeouts::default(),
    )
    .expect("client")
    .with_api_key(mcp_fa::fusionauth::Secret::new(stack.api_key.clone()));
    let metadata: ClientMetadata = serde_json::from_value(json!({
        "client_name": "Visual Studio Code",
        "software_id": "vscode",
        "software_version": "1.110.0",
        "redirect_uris": ["http://127.0.0.1:33418/", "https://vscode.dev/redirect"],
    }))
    .expect("metadata");
    let registration = SelfRegistration::check(
        &metadata,
        &RegistrationPolicy {
            resource: crate::support::RESOURCE.into(),
            scopes: vec!["openid".into(), "profile".into()],
        },
    )
    .expect("accepted");
    let outcome = SelfRegistrar::new(admin, crate::support::RESOURCE.into(), None, 10)
        .register(&registration, 0)
        .await
        .expect("registered");
    let name = outcome.client.name.clone();
    assert!(name.starts_with("visual-studio-code-"), "{name}");

    let (s, h) = (state_dir.path().to_path_buf(), home.path().to_path_buf());
    let out = tokio::task::spawn_blocking(move || mcp_fa(&s, &h, &["clients", "list"]))
        .await
        .expect("join");
    assert!(out.status.success(), "{}", text(&out));
    let listing = text(&out);
    assert!(
        listing.contains(&format!("{name}  (self-registered: vscode 1.110.0)")),
        "{listing}"
    );
    assert!(
        listing.contains("http://127.0.0.1:*/, https://vscode.dev/redirect"),
        "FusionAuth's forms of the redirect URIs: {listing}"
    );
    let state: Value = serde_json::from_str(
        &std::fs::read_to_string(state_dir.path().join("default.json")).expect("state"),
    )
    .expect("json");
    assert_eq!(state["clients"][0]["kind"], "self-registered", "{state:#}");

    let (s, h, n) = (
        state_dir.path().to_path_buf(),
        home.path().to_path_buf(),
        name.clone(),
    );
    let out =
        tokio::task::spawn_blocking(move || mcp_fa(&s, &h, &["clients", "remove", &n, "--yes"]))
            .await
            .expect("join");
    assert!(out.status.success(), "{}", text(&out));
    let (status, _) = Api::of(&stack)
        .get(&format!("/api/application/{}", outcome.client.client_id))
        .await;
    assert_eq!(status, 404, "removed for good");
}
