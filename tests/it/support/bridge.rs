//! A stand-in kickstarted with mcp-fa's own kickstart file (`kickstart/kickstart.json`, its
//! variables filled as `mcp-fa up` fills them), whose tenant's issuer is the MCP server's public
//! origin ([`PUBLIC_URL`]), and the MCP server with its registration bridge in front of it: what a
//! client that knows only the server's URL meets.
#![allow(dead_code)]

use fusionauth_sim::{KickstartOutcome, RunningSim, SimConfig};
use mcp_fa::fusionauth::Secret;
use mcp_fa::server::{RegistrationSettings, ServeConfig, ServerHandle};
use serde_json::{Value, json};

use crate::support::browser::{Authorize, Pkce, login_and_exchange};
use crate::support::server::PUBLIC_URL;
use crate::support::{Api, DEMO_EMAIL, DEMO_PASSWORD, LICENSE_ID, random_api_key};

pub const RESOURCE: &str = "http://localhost:8000/mcp";

pub struct BridgeStack {
    pub sim: RunningSim,
    /// The global key (kickstart's first).
    pub api_key: String,
    /// The bridge's restricted key (kickstart's second).
    pub registration_key: String,
    pub demo_user_id: String,
    _dir: tempfile::TempDir,
}

impl BridgeStack {
    /// FusionAuth's API as the administrator.
    pub fn admin(&self) -> Api {
        Api::new(&self.sim.url(), &self.api_key)
    }

    /// The bridge's settings as `mcp-fa up` gives them: the restricted key, the demo user.
    pub fn settings(&self) -> RegistrationSettings {
        RegistrationSettings {
            user_id: Some(self.demo_user_id.clone()),
            ..RegistrationSettings::new(Secret::new(self.registration_key.clone()))
        }
    }

    /// A server for [`PUBLIC_URL`] as the issuer, FusionAuth's API at the stand-in, on an
    /// OS-chosen port, with `registration` (none: the bridge off).
    pub fn config(&self, registration: Option<RegistrationSettings>) -> ServeConfig {
        let mut config = ServeConfig::new(PUBLIC_URL).expect("config");
        config.fusionauth_url = Some(url::Url::parse(&self.sim.url()).expect("url"));
        config.bind = "127.0.0.1:0".parse().expect("addr");
        config.public_url = Some(url::Url::parse(PUBLIC_URL).expect("url"));
        config.registration = registration;
        config
    }

    /// The server with the bridge as `up` runs it.
    pub async fn serve(&self) -> ServerHandle {
        mcp_fa::server::start(self.config(Some(self.settings())))
            .await
            .expect("the server starts")
    }

    /// The MCP client applications in FusionAuth (every application but FusionAuth's own).
    pub async fn applications(&self) -> Vec<Value> {
        let (status, body) = self.admin().get("/api/application").await;
        assert_eq!(status, 200, "{body}");
        body["applications"]
            .as_array()
            .expect("applications")
            .iter()
            .filter(|app| app["name"] != "FusionAuth")
            .cloned()
            .collect()
    }

    /// Logs the demo user in for `client_id` coming back to `redirect_uri`, with PKCE and the
    /// resource; the token response.
    pub async fn login(&self, client_id: &str, redirect_uri: &str, resource: &str) -> Value {
        let pkce = Pkce::new();
        let authorize = Authorize::mcp(
            client_id,
            redirect_uri,
            "openid profile",
            &pkce.challenge,
            resource,
        );
        let (status, tokens) = login_and_exchange(
            &self.sim.url(),
            &authorize,
            &pkce.verifier,
            DEMO_EMAIL,
            DEMO_PASSWORD,
        )
        .await;
        assert_eq!(status, 200, "{tokens}");
        tokens
    }
}

/// The stand-in running mcp-fa's shipped kickstart with the tenant's issuer at [`PUBLIC_URL`].
pub async fn bridge_stack(licensed: bool) -> BridgeStack {
    bridge_stack_for(PUBLIC_URL, licensed).await
}

/// [`bridge_stack`] with the tenant's issuer at `issuer` (a stack's MCP origin).
pub async fn bridge_stack_for(issuer: &str, licensed: bool) -> BridgeStack {
    let api_key = random_api_key();
    let registration_key = random_api_key();
    let demo_user_id = uuid::Uuid::new_v4().to_string();
    let mut doc: Value =
        serde_json::from_str(mcp_fa::stack::KICKSTART_TEMPLATE).expect("the shipped kickstart");
    for (name, value) in [
        ("apiKey", api_key.clone()),
        ("registrationApiKey", registration_key.clone()),
        ("issuer", issuer.to_owned()),
        ("signingKeyId", uuid::Uuid::new_v4().to_string()),
        ("adminUserId", uuid::Uuid::new_v4().to_string()),
        ("adminPassword", DEMO_PASSWORD.to_owned()),
        ("demoUserId", demo_user_id.clone()),
        ("demoPassword", DEMO_PASSWORD.to_owned()),
    ] {
        assert!(
            doc["variables"].get(name).is_some(),
            "the shipped kickstart defines `{name}`"
        );
        doc["variables"][name] = json!(value);
    }
    if licensed {
        doc["licenseId"] = json!(LICENSE_ID);
    }
    let (sim, dir) = crate::support::start_with_kickstart(&doc, SimConfig::for_tests()).await;
    let outcome = sim.kickstart_finished().await;
    assert!(
        matches!(outcome, KickstartOutcome::Completed { .. }),
        "the shipped kickstart completes: {outcome:?}\n{}",
        sim.logs().join("\n")
    );
    let stack = BridgeStack {
        sim,
        api_key,
        registration_key,
        demo_user_id,
        _dir: dir,
    };
    crate::support::wait_for_key(&stack.admin()).await;
    // The bridge's key may read applications only (tenants answer it 401 for good).
    let bridge = Api::new(&stack.sim.url(), &stack.registration_key);
    for _ in 0..100 {
        if bridge.get("/api/application").await.0 == 200 {
            return stack;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("the bridge's API key never became valid");
}

/// `POST /register` on `server` (where it really listens) with `body`; status, JSON answer
/// and the `Retry-After` header.
pub async fn register(server: &ServerHandle, body: &Value) -> (u16, Value, Option<String>) {
    register_raw(
        server,
        "application/json",
        serde_json::to_vec(body).expect("json"),
        None,
    )
    .await
}

/// [`register`] with any content type, raw body and an optional `Origin`.
pub async fn register_raw(
    server: &ServerHandle,
    content_type: &str,
    body: Vec<u8>,
    origin: Option<&str>,
) -> (u16, Value, Option<String>) {
    let mut request = reqwest::Client::new()
        .post(format!("http://{}/register", server.local_addr()))
        .header("content-type", content_type)
        .body(body);
    if let Some(origin) = origin {
        request = request.header("origin", origin);
    }
    let response = request.send().await.expect("the server answers");
    let status = response.status().as_u16();
    let retry = response
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().expect("ascii").to_owned());
    let text = response.text().await.expect("body");
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
        retry,
    )
}

/// Registration metadata as a native client sends it, coming back to `redirect_uri`.
pub fn native_client(name: &str, redirect_uri: &str) -> Value {
    json!({
        "client_name": name,
        "redirect_uris": [redirect_uri],
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "token_endpoint_auth_method": "none",
        "scope": "openid profile",
        "software_id": "mcp-fa-tests",
        "software_version": "1.0",
    })
}
