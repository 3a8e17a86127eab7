//! The registration bridge against the stand-in running mcp-fa's own kickstart: a client that
//! knows only the MCP server's URL discovers the authorization server, registers itself (RFC
//! 7591), logs in at FusionAuth on whatever loopback port it listens on, and calls get_name;
//! what it may not register is refused with the reason; registration is bounded; and a bridge
//! client's token is still refused by any other server.

use serde_json::{Value, json};

use crate::support::bridge::{RESOURCE, bridge_stack, native_client, register, register_raw};
use crate::support::server::{
    PUBLIC_URL, call_tool, config, get_json, post, tool_text, tools_call,
};

/// What a client does first, then what it reads: 401 → resource metadata → the issuer's
/// metadata, all on the MCP server's origin, naming FusionAuth's endpoints and `/register`.
#[tokio::test]
async fn a_client_that_knows_only_the_url_registers_logs_in_and_calls_get_name() {
    let stack = bridge_stack(false).await;
    let server = stack.serve().await;
    let local = format!("http://{}", server.local_addr());
    assert_eq!(
        server.registration_endpoint(),
        Some("http://localhost:8000/register")
    );

    let challenge = post(&server.local_endpoint(), None, &tools_call("get_name"), &[]).await;
    assert_eq!(challenge.status, 401);
    let (status, prm) =
        get_json(&format!("{local}/.well-known/oauth-protected-resource/mcp")).await;
    assert_eq!(status, 200);
    assert_eq!(prm["authorization_servers"], json!([PUBLIC_URL]));

    let (status, metadata) =
        get_json(&format!("{local}/.well-known/oauth-authorization-server")).await;
    assert_eq!(status, 200, "{metadata}");
    assert_eq!(
        metadata["issuer"], PUBLIC_URL,
        "the URL it was fetched from, and FusionAuth's issuer"
    );
    let fusionauth = stack.sim.url();
    for (field, path) in [
        ("authorization_endpoint", "/oauth2/authorize"),
        ("token_endpoint", "/oauth2/token"),
        ("jwks_uri", "/.well-known/jwks.json"),
        ("userinfo_endpoint", "/oauth2/userinfo"),
    ] {
        assert_eq!(metadata[field], format!("{fusionauth}{path}"), "{field}");
    }
    assert_eq!(
        metadata["registration_endpoint"],
        "http://localhost:8000/register"
    );
    assert_eq!(
        metadata["code_challenge_methods_supported"],
        json!(["S256"])
    );
    assert!(
        metadata["token_endpoint_auth_methods_supported"]
            .as_array()
            .expect("list")
            .contains(&json!("none"))
    );
    assert!(
        metadata
            .get("client_id_metadata_document_supported")
            .is_none()
    );
    let (_, discovery) = get_json(&format!("{local}/.well-known/openid-configuration")).await;
    assert_eq!(discovery, metadata, "OIDC discovery says the same");

    // Registered for port 3999; it will listen on 51234 (RFC 8252: any loopback port).
    let metadata = native_client("Test Client", "http://localhost:3999/callback");
    let (status, answer, _) = register(&server, &metadata).await;
    assert_eq!(status, 201, "{answer}");
    let client_id = answer["client_id"]
        .as_str()
        .expect("a client id")
        .to_owned();
    assert!(answer.get("client_secret").is_none(), "{answer}");
    assert_eq!(answer["token_endpoint_auth_method"], "none");
    assert_eq!(
        answer["redirect_uris"],
        json!(["http://localhost:3999/callback"])
    );
    assert_eq!(answer["scope"], "openid profile");

    let apps = stack.applications().await;
    assert_eq!(apps.len(), 1);
    let app = &apps[0];
    let oauth = &app["oauthConfiguration"];
    assert_eq!(app["id"], client_id.as_str());
    assert_eq!(
        app["name"],
        "Test Client (self-registered, signs in to this computer)"
    );
    assert_eq!(oauth["authorizedURLValidationPolicy"], "AllowWildcards");
    assert_eq!(
        oauth["authorizedRedirectURLs"],
        json!(["http://localhost:*/callback"])
    );
    assert_eq!(oauth["authorizedResourceUris"], json!([RESOURCE]));
    assert_eq!(oauth["proofKeyForCodeExchangePolicy"], "Required");
    assert_eq!(
        oauth["clientAuthenticationPolicy"],
        "NotRequiredWhenUsingPKCE"
    );
    assert_eq!(
        oauth["enabledGrants"],
        json!(["authorization_code", "refresh_token"])
    );
    let registration = &app["data"]["mcpFa"]["registration"];
    assert_eq!(registration["clientName"], "Test Client");
    assert_eq!(registration["softwareId"], "mcp-fa-tests");
    assert!(registration["registeredAt"].as_i64().is_some());
    let (status, _) = stack
        .admin()
        .get(&format!(
            "/api/user/registration/{}/{client_id}",
            stack.demo_user_id
        ))
        .await;
    assert_eq!(status, 200, "the demo user is registered to the new client");

    let tokens = stack
        .login(&client_id, "http://localhost:51234/callback", RESOURCE)
        .await;
    let token = tokens["access_token"].as_str().expect("token");
    let answer = call_tool(&server.local_endpoint(), Some(token), "get_name").await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    assert!(
        tool_text(&answer).is_some_and(|t| t.contains("Test User")),
        "{:?}",
        answer.body
    );

    // The same metadata again (a client retrying after a lost answer): the same client.
    let (status, again, _) = register(&server, &metadata).await;
    assert_eq!((status, &again["client_id"]), (201, &json!(client_id)));
    assert_eq!(stack.applications().await.len(), 1);
    server.shutdown().await.expect("clean stop");
}

/// Every refusal says why, and creates nothing in FusionAuth.
#[tokio::test]
async fn what_a_client_may_not_register_is_refused_with_the_reason() {
    let stack = bridge_stack(false).await;
    let server = stack.serve().await;
    for (uri, words) in [
        (
            "http://evil.example/callback",
            "plain http to another machine",
        ),
        (
            "https://attacker.example/callback",
            "https only on claude.ai",
        ),
        ("http://localhost:*/callback", "contains '*'"),
        ("http://localhost:3000/callback#x", "#fragment"),
        ("javascript:alert(1)", "scheme 'javascript'"),
        ("data:text/html,hi", "scheme 'data'"),
        ("file:///tmp/x", "scheme 'file'"),
        ("myapp://callback", "known clients'"),
    ] {
        let (status, answer, _) = register(&server, &native_client("x", uri)).await;
        assert_eq!(status, 400, "{uri}: {answer}");
        assert_eq!(answer["error"], "invalid_redirect_uri", "{uri}");
        assert!(
            answer["error_description"]
                .as_str()
                .is_some_and(|d| d.contains(words)),
            "{uri}: {answer}"
        );
    }
    let mut many = native_client("x", "http://localhost:1/cb");
    many["redirect_uris"] = json!(
        (1..=11)
            .map(|p| format!("http://localhost:{p}/cb"))
            .collect::<Vec<_>>()
    );
    let mut confidential_grant = native_client("x", "http://localhost:1/cb");
    confidential_grant["grant_types"] = json!(["client_credentials"]);
    for (body, error) in [
        (many, "invalid_redirect_uri"),
        (confidential_grant, "invalid_client_metadata"),
        (json!({"client_name": "no uris"}), "invalid_redirect_uri"),
    ] {
        let (status, answer, _) = register(&server, &body).await;
        assert_eq!(
            (status, answer["error"].as_str()),
            (400, Some(error)),
            "{answer}"
        );
    }
    let (status, answer, _) = register_raw(&server, "text/plain", b"{}".to_vec(), None).await;
    assert_eq!(
        (status, &answer["error"]),
        (400, &json!("invalid_client_metadata"))
    );
    let huge = serde_json::to_vec(&json!({
        "redirect_uris": ["http://localhost:1/cb"],
        "client_name": "x".repeat(20_000),
    }))
    .expect("json");
    let (status, answer, _) = register_raw(&server, "application/json", huge, None).await;
    assert_eq!(status, 400);
    assert!(
        answer["error_description"]
            .as_str()
            .is_some_and(|d| d.contains("larger than")),
        "{answer}"
    );
    let (status, answer, _) =
        register_raw(&server, "application/json", b"{not json".to_vec(), None).await;
    assert_eq!(
        (status, &answer["error"]),
        (400, &json!("invalid_client_metadata"))
    );
    // A web page elsewhere cannot register clients through the user's browser.
    let body = serde_json::to_vec(&native_client("x", "http://localhost:1/cb")).expect("json");
    let (status, _, _) = register_raw(
        &server,
        "application/json",
        body,
        Some("https://evil.example"),
    )
    .await;
    assert_eq!(status, 403);
    assert!(stack.applications().await.is_empty(), "nothing was created");

    // What cannot be widened is narrowed: no secret, no scope beyond the server's.
    let mut greedy = native_client("Greedy", "http://localhost:1/cb");
    greedy["token_endpoint_auth_method"] = json!("client_secret_post");
    greedy["scope"] = json!("openid profile email admin");
    let (status, answer, _) = register(&server, &greedy).await;
    assert_eq!(status, 201, "{answer}");
    assert_eq!(answer["token_endpoint_auth_method"], "none");
    assert_eq!(answer["scope"], "openid profile");
    assert!(answer.get("client_secret").is_none());
    server.shutdown().await.expect("clean stop");
}

/// Registrations per minute and in total are bounded, with answers a client can act on.
#[tokio::test]
async fn registrations_are_bounded_per_minute_and_in_total() {
    let stack = bridge_stack(false).await;
    let mut settings = stack.settings();
    settings.per_minute = 4;
    settings.total = 2;
    let server = mcp_fa::server::start(stack.config(Some(settings)))
        .await
        .expect("starts");
    for name in ["one", "two"] {
        let (status, answer, _) =
            register(&server, &native_client(name, "http://localhost:1/cb")).await;
        assert_eq!(status, 201, "{answer}");
    }
    let (status, answer, _) =
        register(&server, &native_client("three", "http://localhost:1/cb")).await;
    assert_eq!(status, 400, "{answer}");
    assert_eq!(answer["error"], "access_denied");
    assert!(
        answer["error_description"]
            .as_str()
            .is_some_and(|d| d.contains("2 self-registered clients") && d.contains("prune")),
        "{answer}"
    );
    // An existing client is still returned (the fourth request this minute)...
    let (status, _, _) = register(&server, &native_client("one", "http://localhost:1/cb")).await;
    assert_eq!(status, 201);
    // ...and the fifth waits.
    let (status, answer, retry) =
        register(&server, &native_client("one", "http://localhost:1/cb")).await;
    assert_eq!(status, 429, "{answer}");
    assert_eq!(answer["error"], "temporarily_unavailable");
    assert!(
        retry
            .as_deref()
            .and_then(|r| r.parse::<u64>().ok())
            .is_some_and(|s| (1..=60).contains(&s)),
        "Retry-After: {retry:?}"
    );
    assert_eq!(stack.applications().await.len(), 2);
    server.shutdown().await.expect("clean stop");
}

/// A token a bridge client got for this server is refused by any other one, and the client
/// cannot get a token for another server's resource at all.
#[tokio::test]
async fn a_bridge_clients_token_is_for_this_server_only() {
    let stack = bridge_stack(false).await;
    let server = stack.serve().await;
    let (_, answer, _) = register(
        &server,
        &native_client("Scoped", "http://127.0.0.1:4000/cb"),
    )
    .await;
    let client_id = answer["client_id"].as_str().expect("client id").to_owned();
    let tokens = stack
        .login(&client_id, "http://127.0.0.1:4100/cb", RESOURCE)
        .await;
    let token = tokens["access_token"].as_str().expect("token");

    // Another MCP server trusting the same issuer, at another URL.
    let mut other = stack.config(None);
    other.public_url = Some(url::Url::parse("http://localhost:8001").expect("url"));
    let other = mcp_fa::server::start(other).await.expect("starts");
    let refused = call_tool(&other.local_endpoint(), Some(token), "get_name").await;
    assert_eq!(refused.status, 401, "{:?}", refused.body);
    assert!(
        refused
            .challenge
            .as_deref()
            .is_some_and(|c| c.contains("invalid_token")),
        "{refused:?}"
    );
    assert_eq!(
        call_tool(&server.local_endpoint(), Some(token), "get_name")
            .await
            .status,
        200
    );

    // FusionAuth itself refuses to issue it a token for the other server.
    let pkce = crate::support::browser::Pkce::new();
    let authorize = crate::support::browser::Authorize::mcp(
        &client_id,
        "http://127.0.0.1:4100/cb",
        "openid profile",
        &pkce.challenge,
        "http://localhost:8001/mcp",
    );
    let redirect = crate::support::browser::Browser::new(&stack.sim.url())
        .open(&authorize.url(&stack.sim.url()))
        .await
        .redirect();
    assert_eq!(
        crate::support::browser::query(&redirect)["error"],
        "invalid_target"
    );
    other.shutdown().await.expect("clean stop");
    server.shutdown().await.expect("clean stop");
}

/// Before the walkthrough switches protection on, nothing here answers.
#[tokio::test]
async fn nothing_answers_while_protection_is_off() {
    let stack = bridge_stack(false).await;
    let mut config = stack.config(Some(stack.settings()));
    config.start_unprotected = true;
    let server = mcp_fa::server::start(config).await.expect("starts");
    let local = format!("http://{}", server.local_addr());
    let metadata = format!("{local}/.well-known/oauth-authorization-server");
    assert_eq!(get_json(&metadata).await.0, 404);
    let (status, _, _) = register(&server, &native_client("early", "http://localhost:1/cb")).await;
    assert_eq!(status, 404);
    server.set_protected(true);
    assert_eq!(get_json(&metadata).await.0, 200);
    let (status, _, _) = register(&server, &native_client("now", "http://localhost:1/cb")).await;
    assert_eq!(status, 201);
    server.shutdown().await.expect("clean stop");
}

/// `serve --issuer <FusionAuth>` as before: no metadata of its own, and `--registration`
/// refused with the reason; a stack's default bridge is left off with a warning instead.
#[tokio::test]
async fn the_bridge_needs_the_server_to_be_the_issuer() {
    let plain = crate::support::stack(crate::support::Options::default()).await;
    let mut asked = config(&plain.sim.url());
    let mut settings = mcp_fa::server::RegistrationSettings::new(mcp_fa::fusionauth::Secret::new(
        plain.api_key.clone(),
    ));
    settings.required = true;
    asked.registration = Some(settings.clone());
    let error = mcp_fa::server::start(asked).await.err().expect("refused");
    assert_eq!(error.code(), "SERVE_REGISTRATION_NEEDS_ISSUER");
    let message = error.to_string();
    assert!(
        message.contains(&plain.sim.url()) && message.contains("http://localhost:8000"),
        "{message}"
    );

    let mut by_default = config(&plain.sim.url());
    settings.required = false;
    by_default.registration = Some(settings);
    let server = mcp_fa::server::start(by_default).await.expect("starts");
    crate::support::server::assert_warns(&server, "client registration is off");
    assert_eq!(server.registration_endpoint(), None);
    let local = format!("http://{}", server.local_addr());
    for path in ["/.well-known/oauth-authorization-server", "/register"] {
        let status = reqwest::Client::new()
            .request(
                if path == "/register" {
                    reqwest::Method::POST
                } else {
                    reqwest::Method::GET
                },
                format!("{local}{path}"),
            )
            .send()
            .await
            .expect("answers")
            .status();
        assert_eq!(status, 404, "{path}: FusionAuth's own metadata is the one");
    }
    let (_, prm) = get_json(&format!("{local}/.well-known/oauth-protected-resource")).await;
    assert_eq!(prm["authorization_servers"], json!([plain.sim.url()]));
    server.shutdown().await.expect("clean stop");
}

/// Self-registered clients are pruned like any other: the ones nobody logged in with lately.
#[tokio::test]
async fn prune_removes_self_registered_clients_nobody_uses() {
    let stack = bridge_stack(false).await;
    let server = stack.serve().await;
    let mut ids = Vec::new();
    for name in ["used", "idle"] {
        let (_, answer, _) = register(&server, &native_client(name, "http://localhost:1/cb")).await;
        ids.push(answer["client_id"].as_str().expect("id").to_owned());
    }
    const DAY: i64 = 86_400_000;
    stack.sim.clock().advance_secs(38 * 86_400);
    stack
        .login(&ids[0], "http://localhost:2/cb", RESOURCE)
        .await;
    stack.sim.clock().advance_secs(2 * 86_400);
    let admin = mcp_fa::fusionauth::FusionAuthClient::new(
        url::Url::parse(&stack.sim.url()).expect("url"),
        mcp_fa::fusionauth::Timeouts::default(),
    )
    .expect("client")
    .with_api_key(mcp_fa::fusionauth::Secret::new(stack.api_key.clone()));
    let registrar = mcp_fa::clients::ClientRegistrar::new(&admin);
    let listed = registrar.list().await.expect("list");
    let mut names: Vec<(String, Option<String>)> = listed
        .iter()
        .map(|c| {
            (
                c.name.clone(),
                c.self_registered.as_ref().map(|r| r.software()),
            )
        })
        .collect();
    names.sort();
    let software = Some("mcp-fa-tests 1.0".to_owned());
    assert_eq!(
        names,
        [
            (format!("idle-{}", &ids[1][..8]), software.clone()),
            (format!("used-{}", &ids[0][..8]), software),
        ],
        "a self-registered client is named by its slug and the start of its id"
    );
    let removed = registrar
        .prune(30 * DAY, stack.sim.clock().now_millis())
        .await
        .expect("prune");
    let removed: Vec<&str> = removed.iter().map(|c| c.client_id.as_str()).collect();
    assert_eq!(removed, [ids[1].as_str()]);
    let left: Vec<Value> = stack.applications().await;
    assert_eq!(left.len(), 1);
    assert_eq!(left[0]["id"], ids[0].as_str());
    server.shutdown().await.expect("clean stop");
}

/// With a license the client gets FusionAuth's consent screen, which names it as what it is:
/// self-registered, and where the login result goes. Its custom scope is the server's own.
#[tokio::test]
async fn with_a_license_the_consent_screen_says_self_registered() {
    use crate::support::browser::{Authorize, Browser, Pkce};
    let stack = bridge_stack(true).await;
    let server = stack.serve().await;
    let (status, answer, _) = register(
        &server,
        &native_client("Claude Code", "http://localhost:3335/callback"),
    )
    .await;
    assert_eq!(status, 201, "{answer}");
    let client_id = answer["client_id"].as_str().expect("id").to_owned();
    let app = &stack.applications().await[0];
    assert_eq!(app["oauthConfiguration"]["relationship"], "ThirdParty");
    let scopes: Vec<&str> = app["scopes"]
        .as_array()
        .expect("scopes")
        .iter()
        .filter_map(|s| s["name"].as_str())
        .collect();
    assert_eq!(scopes, ["get_name"], "the server's own scope, nothing else");

    let pkce = Pkce::new();
    let authorize = Authorize::mcp(
        &client_id,
        "http://localhost:40000/callback",
        "openid get_name",
        &pkce.challenge,
        RESOURCE,
    );
    let base = stack.sim.url();
    let browser = Browser::new(&base);
    let login = browser.open(&authorize.url(&base)).await;
    let consent = browser
        .submit_login(
            &login,
            crate::support::DEMO_EMAIL,
            crate::support::DEMO_PASSWORD,
        )
        .await;
    assert!(
        consent
            .html()
            .contains("Claude Code (self-registered, signs in to this computer)"),
        "{consent:?}"
    );
    server.shutdown().await.expect("clean stop");
}

/// Generated registrations, half-plausible and half-hostile: the bridge answers each with 201
/// or a 400 that says why, never a server error; and whatever it accepted, FusionAuth was given
/// only the shapes the rules allow (a loopback host with a wildcard port, a hosted callback on
/// the list, `cursor://`), never another host or a wildcard elsewhere.
#[test]
fn generated_registrations_never_register_a_foreign_redirect() {
    use proptest::prelude::*;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let (stack, server) = runtime.block_on(async {
        let stack = bridge_stack(false).await;
        let mut settings = stack.settings();
        settings.per_minute = 10_000;
        settings.total = 10_000;
        let server = mcp_fa::server::start(stack.config(Some(settings)))
            .await
            .expect("starts");
        (stack, server)
    });
    let prefixes = [
        "http://localhost:",
        "http://127.0.0.1:",
        "http://[::1]:",
        "http://localhost",
        "HTTP://localhost:",
        "http://",
        "https://claude.ai/",
        "https://claude.ai",
        "https://vscode.dev",
        "https://evil.example/",
        "cursor://",
        "cursor:",
        "javascript:",
        "data:",
        "file:///",
        "",
    ];
    let uri = (
        0..prefixes.len(),
        "[0-9a-z:/@#?*%.&= \\[\\]\u{202e}-]{0,24}",
    )
        .prop_map(move |(i, rest)| format!("{}{rest}", prefixes[i]));
    let metadata = (
        proptest::collection::vec(uri, 0..4),
        proptest::option::of("[ -~]{0,30}"),
        proptest::option::of(proptest::sample::select(vec![
            "none",
            "client_secret_basic",
            "private_key_jwt",
        ])),
    );
    // Where a login result may go: the authority (between `://` and the first `/` or `?`) is
    // one of the allowed ones exactly, and nothing but a loopback port is a wildcard.
    let allowed_shape = |url: &str| {
        let Some((scheme, rest)) = url.split_once("://") else {
            return false;
        };
        let authority = rest.split(['/', '?']).next().unwrap_or_default();
        let after = &rest[authority.len()..];
        if url.contains('#') || after.contains('*') {
            return false;
        }
        match scheme {
            "http" => [
                "localhost:*",
                "127.0.0.1:*",
                "[::1]:*",
                "localhost",
                "127.0.0.1",
                "[::1]",
            ]
            .contains(&authority),
            "https" => [
                "claude.ai",
                "claude.com",
                "vscode.dev",
                "insiders.vscode.dev",
            ]
            .contains(&authority),
            "cursor" => !authority.contains(['*', '@', ':']),
            _ => false,
        }
    };
    let mut runner = proptest::test_runner::TestRunner::new(proptest::test_runner::Config {
        cases: 300,
        failure_persistence: None,
        ..proptest::test_runner::Config::default()
    });
    runner
        .run(&metadata, |(uris, name, method)| {
            let mut body = json!({"redirect_uris": uris});
            if let Some(name) = name {
                body["client_name"] = json!(name);
            }
            if let Some(method) = method {
                body["token_endpoint_auth_method"] = json!(method);
            }
            let (status, answer, _) = runtime.block_on(register(&server, &body));
            prop_assert!(status == 201 || status == 400, "{body} → {status} {answer}");
            if status == 400 {
                prop_assert!(
                    answer["error_description"]
                        .as_str()
                        .is_some_and(|d| !d.is_empty()),
                    "{answer}"
                );
            } else {
                prop_assert!(answer.get("client_secret").is_none());
                let id = answer["client_id"].as_str().unwrap_or_default();
                let (_, app) =
                    runtime.block_on(stack.admin().get(&format!("/api/application/{id}")));
                let urls = app["application"]["oauthConfiguration"]["authorizedRedirectURLs"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
                prop_assert!(!urls.is_empty());
                for url in urls {
                    let url = url.as_str().unwrap_or_default();
                    prop_assert!(allowed_shape(url), "{body} registered {url}");
                }
            }
            Ok(())
        })
        .expect("every generated registration is answered safely");
    runtime.block_on(server.shutdown()).expect("clean stop");
}
