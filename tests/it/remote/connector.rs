//! The `claude-connector` kind: claude.ai's "Settings → Connectors" logs in from Anthropic's
//! cloud, so the client is confidential (a secret, sent as `client_secret_post`), its redirect
//! URIs are claude.ai's and claude.com's, it is bound to the server's public https URL, and its
//! secret is shown once.

use serde_json::json;

use super::setup::Remote;
use crate::support::browser::{Authorize, Browser, Pkce, query, token_request};
use crate::support::tenants::{SHARED_EMAIL, claims};

/// Nothing answers there: `.test` is reserved (RFC 2606), so the warning is certain.
const PUBLIC_URL: &str = "https://mcp.example.test";
const RESOURCE: &str = "https://mcp.example.test/mcp";
const CLAUDE_AI: &str = "https://claude.ai/api/mcp/auth_callback";

#[tokio::test]
async fn the_connector_is_a_confidential_client_bound_to_the_public_url() {
    let remote = Remote::start().await;
    let key = remote.fa.tenant_key.clone();
    let added = remote
        .mcp_fa(
            Some(&key),
            &remote.flags(
                false,
                &[
                    "clients",
                    "add",
                    "--kind",
                    "claude-connector",
                    "--public-url",
                    PUBLIC_URL,
                    "--json",
                ],
            ),
        )
        .await;
    added.assert_ok();
    let doc = added.json();
    let client_id = doc["client"]["clientId"].as_str().expect("id").to_owned();
    let secret = doc["clientSecret"].as_str().expect("shown once").to_owned();
    let warnings = doc["warnings"].as_array().expect("a warning");
    assert!(
        warnings[0].as_str().is_some_and(|w| w.contains(RESOURCE)),
        "{warnings:?}"
    );
    assert!(
        doc["config"]["text"]
            .as_str()
            .is_some_and(|t| t.contains(&secret))
    );

    // The application, field by field.
    let app = remote.application(&client_id).await;
    let oauth = &app["oauthConfiguration"];
    assert_eq!(app["tenantId"], json!(remote.fa.second.id));
    assert_eq!(
        oauth["authorizedRedirectURLs"],
        json!([CLAUDE_AI, "https://claude.com/api/mcp/auth_callback"])
    );
    assert_eq!(oauth["authorizedURLValidationPolicy"], json!("ExactMatch"));
    assert_eq!(oauth["authorizedResourceUris"], json!([RESOURCE]));
    assert_eq!(oauth["clientAuthenticationPolicy"], json!("Required"));
    assert_eq!(
        oauth["proofKeyForCodeExchangePolicy"],
        json!("NotRequiredWhenUsingClientAuthentication")
    );
    assert_eq!(
        oauth["enabledGrants"],
        json!(["authorization_code", "refresh_token"])
    );
    assert_eq!(oauth["generateRefreshTokens"], json!(true));
    assert_eq!(oauth["scopeHandlingPolicy"], json!("Strict"));
    assert_eq!(oauth["unknownScopePolicy"], json!("Reject"));
    assert_eq!(oauth["clientSecret"], json!(secret));
    assert_eq!(app["data"]["mcpFa"]["kind"], json!("claude-connector"));

    // What claude.ai does: the hosted login, then the code exchanged with the secret as
    // client_secret_post (with PKCE and the resource, as MCP clients send them).
    let browser = Browser::new(&remote.fa.base);
    let code = async || {
        let pkce = Pkce::new();
        let authorize = Authorize {
            client_id: &client_id,
            redirect_uri: CLAUDE_AI,
            scope: "openid profile",
            state: "claude",
            challenge: Some(&pkce.challenge),
            resources: vec![RESOURCE],
        };
        let redirected = browser
            .log_in(
                &authorize.url(&remote.fa.base),
                SHARED_EMAIL,
                remote.fa.second.password,
            )
            .await
            .redirect();
        assert_eq!(
            redirected.as_str().split('?').next(),
            Some(CLAUDE_AI),
            "back to claude.ai"
        );
        (query(&redirected)["code"].clone(), pkce.verifier)
    };
    let exchange = async |secret: Option<&str>| {
        let (code, verifier) = code().await;
        let mut fields = vec![
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", CLAUDE_AI),
            ("client_id", client_id.as_str()),
            ("code_verifier", verifier.as_str()),
            ("resource", RESOURCE),
        ];
        fields.extend(secret.map(|s| ("client_secret", s)));
        token_request(&remote.fa.base, &fields).await
    };
    let (status, body) = exchange(None).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client"))
    );
    let (status, tokens) = exchange(Some(&secret)).await;
    assert_eq!(status, 200, "{tokens}");
    let access = claims(tokens["access_token"].as_str().expect("token"));
    assert_eq!(access["aud"], json!([client_id, RESOURCE]));
    assert_eq!(access["iss"], json!(remote.fa.second.issuer));

    // Shown again only when asked.
    let config = remote
        .mcp_fa(
            Some(&key),
            &remote.flags(false, &["clients", "config", "claude-connector"]),
        )
        .await;
    config.assert_ok();
    assert!(!config.stdout.contains(&secret), "{}", config.stdout);
    assert!(
        config.stdout.contains("--show-secrets"),
        "{}",
        config.stdout
    );
    assert!(
        config.stdout.contains("Settings → Connectors"),
        "{}",
        config.stdout
    );
    let shown = remote
        .mcp_fa(
            Some(&key),
            &remote.flags(
                false,
                &["clients", "config", "claude-connector", "--show-secrets"],
            ),
        )
        .await;
    shown.assert_ok();
    assert!(shown.stdout.contains(&secret), "{}", shown.stdout);
    let listed = remote
        .mcp_fa(
            Some(&key),
            &remote.flags(false, &["clients", "list", "-o", "json"]),
        )
        .await;
    assert!(!listed.stdout.contains(&secret), "never in a listing");

    // Text output: the secret once, and the warning.
    let again = remote
        .mcp_fa(
            Some(&key),
            &remote.flags(
                false,
                &[
                    "clients",
                    "add",
                    "--kind",
                    "claude-connector",
                    "--name",
                    "claude-work",
                    "--public-url",
                    PUBLIC_URL,
                ],
            ),
        )
        .await;
    again.assert_ok();
    assert!(
        again.stdout.contains("OAuth Client Secret:"),
        "{}",
        again.stdout
    );
    assert!(
        again
            .stdout
            .contains("Warning: the MCP server does not answer"),
        "{}",
        again.stdout
    );
}

#[tokio::test]
async fn the_connector_refuses_a_public_url_claude_cannot_reach() {
    let remote = Remote::start().await;
    for public in ["http://localhost:8000", "http://mcp.example.test"] {
        let refused = remote
            .mcp_fa(
                Some(&remote.fa.tenant_key),
                &remote.flags(
                    false,
                    &[
                        "clients",
                        "add",
                        "--kind",
                        "claude-connector",
                        "--public-url",
                        public,
                        "--json",
                    ],
                ),
            )
            .await;
        let message = refused.assert_error("CONNECTOR_NEEDS_HTTPS");
        assert!(
            message.contains("Anthropic's cloud") && message.contains("https://"),
            "{message}"
        );
    }
    let up = remote
        .mcp_fa(None, &["up", "--client", "claude-connector", "--json"])
        .await;
    assert_eq!(up.code, 2, "a usage error: {}", up.stderr);
    assert!(up.stderr.contains("public https URL"), "{}", up.stderr);
}
