//! Helpers for the MCP server tests: real tokens from the stand-in's login flow, a server started
//! in-process against it, raw `/mcp` requests, and a tiny OIDC issuer whose key the test holds
//! (to mint tokens FusionAuth would never issue: wrong issuer, `nbf` in the future, …).
#![allow(dead_code)]

use std::time::Duration;

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{KeyPair, KeySize, PublicKeyComponents};
use aws_lc_rs::signature::KeyPair as _;
use axum::Json;
use axum::routing::get;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use mcp_fa::server::{ServeConfig, ServerHandle};
use serde_json::{Value, json};

use crate::support::browser::{Authorize, Pkce, login_and_exchange};
use crate::support::{Api, DEMO_EMAIL, DEMO_PASSWORD, Stack};

/// The public URL the kickstart's application authorizes as a resource (support::RESOURCE).
pub const PUBLIC_URL: &str = "http://localhost:8000";
pub const PRM_URL: &str = "http://localhost:8000/.well-known/oauth-protected-resource/mcp";

/// Logs the demo user in through the stand-in's hosted pages and returns the access token.
/// `resource: None` leaves out the RFC 8707 parameter (the token is then for the client id only).
pub async fn login(stack: &Stack, scope: &str, resource: Option<&str>) -> String {
    login_with(
        stack,
        &stack.client_id,
        &stack.redirect_uri,
        scope,
        resource,
    )
    .await
}

/// [`login`] with another application than the kickstart's: `client_id`, coming back to
/// `redirect_uri` (which that application must list).
pub async fn login_with(
    stack: &Stack,
    client_id: &str,
    redirect_uri: &str,
    scope: &str,
    resource: Option<&str>,
) -> String {
    let base = stack.sim.url();
    let pkce = Pkce::new();
    let authorize = Authorize {
        client_id,
        redirect_uri,
        scope,
        state: "server-test",
        challenge: Some(&pkce.challenge),
        resources: resource.into_iter().collect(),
    };
    let (status, tokens) =
        login_and_exchange(&base, &authorize, &pkce.verifier, DEMO_EMAIL, DEMO_PASSWORD).await;
    assert_eq!(status, 200, "token request failed: {}", tokens["error"]);
    tokens["access_token"]
        .as_str()
        .expect("an access token")
        .to_owned()
}

/// Makes `key_id` the first tenant's access-token signing key through the API, as an admin
/// switching keys would; returns the tenant's id.
pub async fn use_access_token_key(api: &Api, key_id: &str) -> String {
    api.patch_tenant(json!({"jwtConfiguration": {"accessTokenKeyId": key_id}}))
        .await
}

/// A server against `issuer`, bound to an OS-chosen port, public as http://localhost:8000.
pub fn config(issuer: &str) -> ServeConfig {
    let mut config = ServeConfig::new(issuer).expect("config");
    config.bind = "127.0.0.1:0".parse().expect("addr");
    config.public_url = Some(url::Url::parse(PUBLIC_URL).expect("url"));
    config
}

pub async fn serve(config: ServeConfig) -> ServerHandle {
    mcp_fa::server::start(config)
        .await
        .expect("the server starts")
}

/// Asserts that the server's start-up notes include a warning containing `text`.
#[track_caller]
pub fn assert_warns(server: &ServerHandle, text: &str) {
    assert!(
        server
            .notes()
            .iter()
            .any(|note| note.warning && note.text.contains(text)),
        "no warning about {text:?} in the start-up notes: {:?}",
        server.notes()
    );
}

/// The answer to one raw `/mcp` request.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub challenge: Option<String>,
    pub body: Value,
}

impl Answer {
    /// Served: 200, no challenge.
    #[track_caller]
    pub fn assert_served(&self) {
        assert_eq!(self.status, 200, "{:?}", self.body);
        assert_eq!(self.challenge, None);
    }

    /// 401 telling a client without a token where to log in and which `scope` to ask for.
    #[track_caller]
    pub fn assert_no_token(&self, scope: &str) {
        self.assert_challenged(401, &no_token_challenge(scope));
    }

    /// 401 `invalid_token`, with the challenge naming `scope`.
    #[track_caller]
    pub fn assert_invalid_token(&self, scope: &str) {
        self.assert_challenged(401, &invalid_token_challenge(scope));
    }

    /// 403 `insufficient_scope`, naming every `scope` the call needs.
    #[track_caller]
    pub fn assert_insufficient_scope(&self, scope: &str) {
        self.assert_challenged(403, &insufficient_scope_challenge(scope));
    }

    #[track_caller]
    fn assert_challenged(&self, status: u16, challenge: &str) {
        assert_eq!(self.status, status, "{:?}", self.body);
        assert_eq!(self.challenge.as_deref(), Some(challenge));
    }
}

/// An `initialize` to `server` with `token`, as a client's first request.
pub async fn send_initialize(server: &ServerHandle, token: Option<&str>) -> Answer {
    post(&server.local_endpoint(), token, &initialize(), &[]).await
}

/// A `tools/call` of `tool` to `server` with `token`.
pub async fn send_tools_call(server: &ServerHandle, token: Option<&str>, tool: &str) -> Answer {
    post(&server.local_endpoint(), token, &tools_call(tool), &[]).await
}

pub fn tools_call(name: &str) -> Value {
    json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": name, "arguments": {}}})
}

pub fn initialize() -> Value {
    json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {},
        "clientInfo": {"name": "server-test", "version": "0"}}})
}

/// POSTs `body` to `url` with optional bearer token and extra headers.
pub async fn post(
    url: &str,
    token: Option<&str>,
    body: &Value,
    headers: &[(&str, &str)],
) -> Answer {
    let mut request = reqwest::Client::new()
        .post(url)
        .header("accept", "application/json, text/event-stream")
        .json(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.expect("the server answers");
    let status = response.status().as_u16();
    let challenge = response
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().expect("ascii").to_owned());
    let text = response.text().await.expect("body");
    Answer {
        status,
        challenge,
        body: serde_json::from_str(&text).unwrap_or(Value::String(text)),
    }
}

pub fn no_token_challenge(scope: &str) -> String {
    format!("Bearer resource_metadata=\"{PRM_URL}\", scope=\"{scope}\"")
}

pub fn invalid_token_challenge(scope: &str) -> String {
    format!("Bearer error=\"invalid_token\", resource_metadata=\"{PRM_URL}\", scope=\"{scope}\"")
}

pub fn insufficient_scope_challenge(scope: &str) -> String {
    format!(
        "Bearer error=\"insufficient_scope\", scope=\"{scope}\", resource_metadata=\"{PRM_URL}\""
    )
}

/// The JWT's parts, decoded, for tests that rebuild a token.
pub fn decode_part(token: &str, index: usize) -> Value {
    let part = token.split('.').nth(index).expect("a JWT part");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).expect("base64url")).expect("json")
}

pub fn encode_part(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(value).expect("json"))
}

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("time")
        .as_secs() as i64
}

/// The discovery document of a test issuer at `url`, its keys at `{url}/keys`.
pub fn discovery_for(url: &str) -> Value {
    json!({
        "issuer": url,
        "authorization_endpoint": format!("{url}/authorize"),
        "token_endpoint": format!("{url}/token"),
        "jwks_uri": format!("{url}/keys"),
    })
}

/// An OIDC issuer serving discovery and a JWKS with one RSA key the test can sign with.
pub struct TestIssuer {
    pub url: String,
    pub kid: String,
    pub public_pem: String,
    private_pem: String,
    task: tokio::task::JoinHandle<()>,
}

impl TestIssuer {
    pub async fn start() -> TestIssuer {
        let pair = KeyPair::generate(KeySize::Rsa2048).expect("RSA key");
        let private_pem = pem("PRIVATE KEY", pair.as_der().expect("der").as_ref());
        let public_pem = pem(
            "PUBLIC KEY",
            pair.public_key().as_der().expect("der").as_ref(),
        );
        let components: PublicKeyComponents<Vec<u8>> = pair.public_key().into();
        let kid = "test-issuer-key".to_string();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let discovery = discovery_for(&url);
        let jwks = json!({"keys": [{
            "kty": "RSA", "kid": kid, "alg": "RS256", "use": "sig",
            "n": URL_SAFE_NO_PAD.encode(&components.n),
            "e": URL_SAFE_NO_PAD.encode(&components.e),
        }]});
        let app = axum::Router::new()
            .route(
                "/.well-known/openid-configuration",
                get(move || std::future::ready(Json(discovery.clone()))),
            )
            .route("/keys", get(move || std::future::ready(Json(jwks.clone()))));
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        TestIssuer {
            url,
            kid,
            public_pem,
            private_pem,
            task,
        }
    }

    /// Claims a valid token for the test server would carry; tests change one thing.
    pub fn claims(&self) -> Value {
        json!({
            "iss": self.url,
            "sub": "11111111-2222-3333-4444-555555555555",
            "aud": ["client-abc", format!("{PUBLIC_URL}/mcp")],
            "exp": now() + 600,
            "iat": now(),
            "scope": "openid profile",
        })
    }

    /// A token the test server accepts: [`TestIssuer::claims`], signed.
    pub fn valid_token(&self) -> String {
        self.sign(&self.claims())
    }

    /// RS256 with the issuer's published key and `kid`.
    pub fn sign(&self, claims: &Value) -> String {
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
        header.kid = Some(self.kid.clone());
        let key =
            jsonwebtoken::EncodingKey::from_rsa_pem(self.private_pem.as_bytes()).expect("key");
        jsonwebtoken::encode(&header, claims, &key).expect("sign")
    }
}

impl Drop for TestIssuer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn pem(label: &str, der: &[u8]) -> String {
    let body = STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in body.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).expect("ascii"));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// Whether the stand-in answered `path` with a 200: proof that a token went where it should.
pub fn answered_ok(stack: &Stack, path: &str) -> bool {
    stack
        .sim
        .exchanges()
        .iter()
        .any(|e| e.path == path && e.status == 200)
}

/// How often the stand-in served its JWKS.
pub fn jwks_fetches(stack: &Stack) -> usize {
    stack
        .sim
        .exchanges()
        .iter()
        .filter(|e| e.path == "/.well-known/jwks.json")
        .count()
}

pub async fn settle() {
    tokio::time::sleep(Duration::from_millis(20)).await;
}

/// A self-contained request in the stateless 2026-07-28 protocol (no `initialize`, no session):
/// the body and headers one HTTP request of an up-to-date MCP client carries.
pub fn stateless_request(method: &str, tool: Option<&str>) -> (Value, Vec<(&'static str, String)>) {
    let mut params = json!({"_meta": {
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
    }});
    let mut headers = vec![
        ("mcp-protocol-version", "2026-07-28".to_owned()),
        ("mcp-method", method.to_owned()),
    ];
    if let Some(tool) = tool {
        params["name"] = json!(tool);
        params["arguments"] = json!({});
        headers.push(("mcp-name", tool.to_owned()));
    }
    let body = json!({"jsonrpc": "2.0", "id": 7, "method": method, "params": params});
    (body, headers)
}

/// POSTs one [`stateless_request`] to `url`.
pub async fn post_stateless(
    url: &str,
    token: Option<&str>,
    method: &str,
    tool: Option<&str>,
) -> Answer {
    let (body, headers) = stateless_request(method, tool);
    let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
    post(url, token, &body, &headers).await
}

/// A stateless `tools/call` of `name` without arguments.
pub async fn call_tool(url: &str, token: Option<&str>, name: &str) -> Answer {
    post_stateless(url, token, "tools/call", Some(name)).await
}

/// The text of a tool result, whether the answer came as JSON or as one server-sent event.
pub fn tool_text(answer: &Answer) -> Option<String> {
    let message = match &answer.body {
        Value::String(events) => events
            .lines()
            .filter_map(|line| line.strip_prefix("data:"))
            .filter_map(|data| serde_json::from_str::<Value>(data.trim()).ok())
            .find(|message| message.get("result").is_some())?,
        json => json.clone(),
    };
    message
        .pointer("/result/content/0/text")
        .and_then(Value::as_str)
        .map(str::to_owned)
}

/// GETs `url` and returns its status and JSON body (`Null` when not JSON).
pub async fn get_json(url: &str) -> (u16, Value) {
    let response = reqwest::get(url).await.expect("the server answers");
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}
