//! The protected MCP server as an MCP client sees it: discovery documents, a real login, the
//! tools, and the unprotected mode.

use crate::support;
use crate::support::server::{
    PRM_URL, answered_ok, assert_warns, config, initialize, login, send_initialize,
    send_tools_call, serve,
};
use crate::support::{Options, RESOURCE, stack};
use rmcp::model::{CallToolRequestParams, ClientConfig, ProtocolVersion};
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::{ClientLifecycleMode, ClientServiceExt, ServiceExt};
use serde_json::{Value, json};

fn text_of(result: &rmcp::model::CallToolResult) -> String {
    serde_json::to_value(result).expect("json")["content"][0]["text"]
        .as_str()
        .expect("a text result")
        .to_owned()
}

type Client = rmcp::service::RunningService<rmcp::RoleClient, ClientConfig>;

/// The text `tool` answers `client` with (called without arguments).
async fn call(client: &Client, tool: &str) -> String {
    let result = client
        .call_tool(CallToolRequestParams::new(tool.to_owned()))
        .await
        .unwrap_or_else(|e| panic!("{tool}: {e}"));
    text_of(&result)
}

async fn connect(endpoint: &str, token: &str) -> Client {
    connect_with(endpoint, token, ProtocolVersion::LATEST).await
}

async fn connect_with(endpoint: &str, token: &str, version: ProtocolVersion) -> Client {
    let transport = StreamableHttpClientTransport::from_config(
        StreamableHttpClientTransportConfig::with_uri(endpoint.to_owned())
            .auth_header(token.to_owned()),
    );
    if version == ProtocolVersion::V_2026_07_28 {
        // No `initialize` and no session: `server/discover`, then self-contained requests.
        ClientConfig::default()
            .serve_with_lifecycle(
                transport,
                ClientLifecycleMode::Discover {
                    preferred_versions: vec![version],
                },
            )
            .await
            .expect("the MCP client discovers the server")
    } else {
        ClientConfig::default()
            .with_protocol_version(version)
            .serve(transport)
            .await
            .expect("the MCP client connects")
    }
}

#[tokio::test]
async fn a_logged_in_mcp_client_lists_and_calls_both_tools() {
    // The stateless 2026-07-28 protocol, and the session protocol today's clients speak.
    for version in [ProtocolVersion::V_2026_07_28, ProtocolVersion::V_2025_06_18] {
        logged_in_client_lists_and_calls_both_tools(version).await;
    }
}

async fn logged_in_client_lists_and_calls_both_tools(version: ProtocolVersion) {
    let stack = stack(Options::default()).await;
    let server = serve(config(&stack.sim.url())).await;
    let token = login(&stack, "openid profile email", Some(RESOURCE)).await;
    let client = connect_with(&server.local_endpoint(), &token, version.clone()).await;
    if let Some(info) = client.peer_info() {
        assert_eq!(
            info.protocol_version, version,
            "negotiated the requested protocol"
        );
    }

    let tools = client.list_all_tools().await.expect("tools/list");
    let mut names: Vec<_> = tools.iter().map(|t| t.name.to_string()).collect();
    names.sort();
    assert_eq!(names, ["get_name", "whoami"]);
    let get_name = tools
        .iter()
        .find(|t| t.name == "get_name")
        .expect("get_name");
    assert!(
        get_name
            .description
            .as_deref()
            .is_some_and(|d| d.contains("Needs the scopes: openid profile")),
        "tools/list states what each tool needs: {:?}",
        get_name.description
    );

    let hello = client
        .call_tool(CallToolRequestParams::new("get_name"))
        .await
        .expect("get_name");
    assert_ne!(hello.is_error, Some(true));
    assert_eq!(text_of(&hello), "Hello, Test User!");

    let claims: Value = serde_json::from_str(&call(&client, "whoami").await).expect("json");
    assert_eq!(claims["subject"], stack.user_id);
    assert_eq!(claims["client_id"], stack.client_id);
    assert_eq!(claims["scopes"], json!(["openid", "profile", "email"]));
    assert_eq!(claims["issuer"], stack.sim.url());
    assert!(claims["expires_at"].as_i64().is_some());

    // The token went to FusionAuth's userinfo (its issuer) and nowhere else.
    assert!(answered_ok(&stack, "/oauth2/userinfo"));
    client.cancel().await.expect("client closes");
    server.shutdown().await.expect("clean shutdown");
}

#[tokio::test]
async fn the_tutorials_validation_through_fusionauth_still_checks_the_audience() {
    let stack = stack(Options::default()).await;
    let mut settings = config(&stack.sim.url());
    settings.validation = mcp_fa::server::ValidationMode::FusionAuth;
    let server = serve(settings).await;
    let token = login(&stack, "openid profile", Some(RESOURCE)).await;
    let client = connect(&server.local_endpoint(), &token).await;
    assert_eq!(call(&client, "get_name").await, "Hello, Test User!");
    client.cancel().await.expect("client closes");
    assert!(answered_ok(&stack, "/api/jwt/validate"));

    // FusionAuth accepts a token for the client only; this server does not.
    let client_only = login(&stack, "openid profile", None).await;
    send_initialize(&server, Some(&client_only))
        .await
        .assert_invalid_token("openid profile");
    let answer = send_initialize(&server, Some("garbage")).await;
    assert_eq!(answer.status, 401);
    server.shutdown().await.expect("clean shutdown");
}

#[tokio::test]
async fn protected_resource_metadata_is_served_at_both_paths_with_cors() {
    let stack = stack(Options::default()).await;
    let server = serve(config(&stack.sim.url())).await;
    let base = format!("http://{}", server.local_addr());
    let http = reqwest::Client::new();
    for path in [
        "/.well-known/oauth-protected-resource/mcp",
        "/.well-known/oauth-protected-resource",
    ] {
        let response = http
            .get(format!("{base}{path}"))
            .header("origin", "https://claude.ai")
            .send()
            .await
            .expect("GET");
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(
            response.headers()["access-control-allow-origin"],
            "*",
            "{path}"
        );
        let document: Value = response.json().await.expect("json");
        assert_eq!(
            document,
            json!({
                "resource": RESOURCE,
                "authorization_servers": [stack.sim.url()],
                "scopes_supported": ["openid", "profile"],
                "bearer_methods_supported": ["header"],
                "resource_name": "mcp-fa demo MCP server",
            }),
            "{path}"
        );

        let preflight = http
            .request(reqwest::Method::OPTIONS, format!("{base}{path}"))
            .header("origin", "https://claude.ai")
            .header("access-control-request-method", "GET")
            .header("access-control-request-headers", "mcp-protocol-version")
            .send()
            .await
            .expect("OPTIONS");
        assert!(
            preflight.status().is_success(),
            "{path}: {}",
            preflight.status()
        );
        assert_eq!(preflight.headers()["access-control-allow-origin"], "*");
        let methods = preflight.headers()["access-control-allow-methods"]
            .to_str()
            .expect("ascii");
        assert!(methods.contains("GET"), "{methods}");
        assert!(
            preflight.headers()["access-control-allow-headers"]
                .to_str()
                .expect("ascii")
                .contains("mcp-protocol-version")
        );
    }

    // The challenge on /mcp points at the path-suffixed document, readable through CORS.
    let answer = reqwest::Client::new()
        .post(server.local_endpoint())
        .header("origin", "http://localhost:6274")
        .json(&initialize())
        .send()
        .await
        .expect("POST");
    assert_eq!(answer.status(), 401);
    assert_eq!(
        answer.headers()["access-control-allow-origin"],
        "http://localhost:6274"
    );
    let exposed = answer.headers()["access-control-expose-headers"]
        .to_str()
        .expect("ascii")
        .to_ascii_lowercase();
    assert!(exposed.contains("www-authenticate"), "{exposed}");
    assert!(
        answer.headers()["www-authenticate"]
            .to_str()
            .expect("ascii")
            .contains(PRM_URL)
    );

    // A browser preflight for /mcp itself needs no token.
    let preflight = http
        .request(reqwest::Method::OPTIONS, server.local_endpoint())
        .header("origin", "http://localhost:6274")
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "authorization, content-type, mcp-protocol-version",
        )
        .send()
        .await
        .expect("OPTIONS");
    assert!(preflight.status().is_success(), "{}", preflight.status());
    assert_eq!(
        preflight.headers()["access-control-allow-origin"],
        "http://localhost:6274"
    );
    // …but a foreign page gets no CORS grant for /mcp.
    let foreign = http
        .request(reqwest::Method::OPTIONS, server.local_endpoint())
        .header("origin", "http://evil.example:8000")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "authorization")
        .send()
        .await
        .expect("OPTIONS");
    assert!(
        foreign
            .headers()
            .get("access-control-allow-origin")
            .is_none(),
        "{:?}",
        foreign.headers()
    );
    server.shutdown().await.expect("clean shutdown");
}

#[tokio::test]
async fn without_auth_the_tools_answer_anyone_and_the_start_is_loud() {
    let mut settings = mcp_fa::server::ServeConfig::unprotected();
    settings.bind = "127.0.0.1:0".parse().expect("addr");
    let server = serve(settings).await;
    assert_warns(&server, "NO AUTHENTICATION");
    let transport = StreamableHttpClientTransport::from_uri(server.local_endpoint());
    let client = ClientConfig::default()
        .serve(transport)
        .await
        .expect("connects");
    let hello = call(&client, "get_name").await;
    assert!(hello.starts_with("Hello!"), "{hello}");
    client.cancel().await.expect("client closes");
    send_initialize(&server, None).await.assert_served();
    server.shutdown().await.expect("clean shutdown");
}

#[tokio::test]
async fn serve_refuses_to_guess_the_issuer_or_a_public_bind() {
    use mcp_fa::server::{ServeConfig, ServeRequest};
    let error = ServeConfig::from_request(&ServeRequest {
        project: "nothing-here".parse().expect("valid"),
        ..ServeRequest::default()
    })
    .expect_err("no issuer");
    assert!(error.to_string().contains("--issuer"), "{error}");
    let public = ServeRequest {
        issuer: Some("http://localhost:9011".into()),
        bind: Some("0.0.0.0:8000".parse().expect("addr")),
        ..ServeRequest::default()
    };
    let error = ServeConfig::from_request(&public).expect_err("public bind");
    assert!(error.to_string().contains("--public-url"), "{error}");
    let ok = ServeConfig::from_request(&ServeRequest {
        public_url: Some("https://mcp.example.com".into()),
        ..public
    })
    .expect("valid");
    assert_eq!(
        ok.public_url.expect("url").as_str(),
        "https://mcp.example.com/"
    );
    assert!(
        ServeConfig::from_request(&ServeRequest {
            no_auth: true,
            ..ServeRequest::default()
        })
        .is_ok()
    );
}

#[tokio::test]
async fn an_issuer_whose_discovery_names_another_issuer_is_refused_at_start() {
    let stack = stack(Options::default()).await;
    let mut settings = config(&stack.sim.url());
    settings.issuer = Some("http://localhost:9011".into());
    let error = match mcp_fa::server::start(settings).await {
        Ok(_) => panic!("must not start"),
        Err(error) => error,
    };
    assert_eq!(error.code(), "SERVE_ISSUER_MISMATCH", "{error}");
    assert!(error.to_string().contains("tenant's issuer"), "{error}");
}

/// With a license the custom `get_name` scope guards the tool: a token without it is refused,
/// one with it gets the greeting.
#[tokio::test]
async fn with_a_license_the_custom_get_name_scope_guards_get_name() {
    let stack = stack(Options::licensed()).await;
    let api = support::Api::of(&stack);
    let (status, body) = api
        .post(
            &format!("/api/application/{}/scope", stack.client_id),
            json!({"scope": {"name": "get_name", "description": "Greet you by name", "required": false}}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let mut settings = config(&stack.sim.url());
    settings.scopes = mcp_fa::server::ScopeMode::Custom;
    let server = serve(settings).await;
    assert!(
        server
            .notes()
            .iter()
            .any(|n| n.text.contains("custom `get_name` scope")),
        "{:?}",
        server.notes()
    );

    let without = login(&stack, "openid profile", Some(RESOURCE)).await;
    send_tools_call(&server, Some(&without), "get_name")
        .await
        .assert_insufficient_scope("openid get_name");

    let with = login(&stack, "openid profile get_name", Some(RESOURCE)).await;
    let client = connect(&server.local_endpoint(), &with).await;
    assert_eq!(call(&client, "get_name").await, "Hello, Test User!");
    client.cancel().await.expect("client closes");
    server.shutdown().await.expect("clean shutdown");
}
