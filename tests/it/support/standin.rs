//! An in-process stand-in kickstarted the way `mcp-fa up` kickstarts FusionAuth, and raw
//! FusionAuth API calls to it. Shared by path with the stand-in's own tests
//! (`tests/fusionauth-sim/tests/standin/support.rs`), so it uses nothing of mcp-fa's.
#![allow(dead_code)]

use std::path::Path;

use fusionauth_sim::{KickstartOutcome, RunningSim, SimConfig};
use serde_json::{Value, json};

/// Ids and secrets of a kickstarted stand-in, so tests can name what they log in to.
pub struct Stack {
    pub sim: RunningSim,
    pub api_key: String,
    pub client_id: String,
    pub user_id: String,
    pub rsa_key_id: String,
    pub resource: String,
    pub redirect_uri: String,
    _dir: tempfile::TempDir,
}

pub const DEMO_EMAIL: &str = "test@example.com";
pub const DEMO_PASSWORD: &str = "password";
pub const RESOURCE: &str = "http://localhost:8000/mcp";
pub const REDIRECT_URI: &str = "http://localhost:3334/oauth/callback";
pub const LICENSE_ID: &str = "simlicense0123456789abcdef";

/// What a stack is kickstarted with.
pub struct Options {
    pub licensed: bool,
    /// Point the tenant at an RSA key (as `mcp-fa up` does); without it tokens stay HS256.
    pub rsa_tokens: bool,
    pub relationship: &'static str,
}

impl Options {
    /// A licensed instance: third-party applications and custom scopes work.
    pub fn licensed() -> Options {
        Options {
            licensed: true,
            ..Options::default()
        }
    }

    /// A licensed instance whose MCP client application is third-party (a consent page).
    pub fn third_party() -> Options {
        Options {
            relationship: "ThirdParty",
            ..Options::licensed()
        }
    }

    /// The tenant keeps its HMAC key: access tokens are HS256, as FusionAuth's default.
    pub fn hs256() -> Options {
        Options {
            rsa_tokens: false,
            ..Options::default()
        }
    }
}

impl Default for Options {
    fn default() -> Self {
        Options {
            licensed: false,
            rsa_tokens: true,
            relationship: "FirstParty",
        }
    }
}

/// A kickstart in the shape `mcp-fa up` renders: API key, RSA key on the tenant, issuer, demo
/// user, one MCP client application with the demo user registered.
pub fn kickstart(options: &Options, api_key: &str, issuer: &str) -> Value {
    let mut requests = vec![];
    if options.rsa_tokens {
        requests.push(json!({"method": "POST", "url": "/api/key/generate/#{rsaKeyId}",
            "body": {"key": {"algorithm": "RS256", "name": "mcp-fa access tokens", "length": 2048}}}));
        requests.push(json!({"method": "PATCH", "url": "/api/tenant/#{FUSIONAUTH_TENANT_ID}",
            "body": {"tenant": {"issuer": issuer, "jwtConfiguration": {"accessTokenKeyId": "#{rsaKeyId}", "idTokenKeyId": "#{rsaKeyId}"}}}}));
    } else {
        requests.push(
            json!({"method": "PATCH", "url": "/api/tenant/#{FUSIONAUTH_TENANT_ID}",
            "body": {"tenant": {"issuer": issuer}}}),
        );
    }
    requests.push(json!({"method": "POST", "url": "/api/user/#{userId}",
        "body": {"user": {"email": DEMO_EMAIL, "password": DEMO_PASSWORD, "firstName": "Test", "lastName": "User", "fullName": "Test User"}}}));
    let mut application = mcp_application("mcp-remote", REDIRECT_URI);
    application["application"]["oauthConfiguration"]["relationship"] = json!(options.relationship);
    requests.push(
        json!({"method": "POST", "url": "/api/application/#{clientId}", "body": application}),
    );
    requests.push(
        json!({"method": "POST", "url": "/api/user/registration/#{userId}",
        "body": {"registration": {"applicationId": "#{clientId}"}}}),
    );
    let mut doc = json!({
        "variables": {
            "apiKey": api_key,
            "rsaKeyId": "#{UUID()}",
            "userId": "#{UUID()}",
            "clientId": "#{UUID()}",
        },
        "apiKeys": [{"key": "#{apiKey}", "description": "mcp-fa tests"}],
        "requests": requests,
    });
    if options.licensed {
        doc["licenseId"] = json!(LICENSE_ID);
    }
    doc
}

pub fn write_kickstart(dir: &Path, doc: &Value) -> std::path::PathBuf {
    let path = dir.join("kickstart.json");
    std::fs::write(&path, serde_json::to_vec_pretty(doc).expect("json")).expect("write kickstart");
    path
}

/// Starts an in-process stand-in with `doc` as its kickstart file and waits for kickstart.
pub async fn start_with_kickstart(
    doc: &Value,
    config: SimConfig,
) -> (RunningSim, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = write_kickstart(dir.path(), doc);
    let sim = RunningSim::start(config.with_kickstart_file(path))
        .await
        .expect("stand-in starts");
    (sim, dir)
}

pub fn random_api_key() -> String {
    format!(
        "test-{}-{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

/// A kickstarted stand-in, ready for API and OAuth calls.
pub async fn stack(options: Options) -> Stack {
    stack_with_config(options, SimConfig::for_tests()).await
}

pub async fn stack_with_config(options: Options, config: SimConfig) -> Stack {
    let api_key = random_api_key();
    // The issuer is the public URL; the port is only known after binding, so bind first.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    let issuer = format!("http://{addr}");
    let doc = kickstart(&options, &api_key, &issuer);
    let mut config = config;
    config.listen = addr;
    let (sim, dir) = start_with_kickstart(&doc, config).await;
    let outcome = sim.kickstart_finished().await;
    assert!(
        matches!(outcome, KickstartOutcome::Completed { .. }),
        "kickstart should complete, got {outcome:?}; logs:\n{}",
        sim.logs().join("\n")
    );
    let admin = reqwest::Client::new();
    let find = |path: String| {
        let admin = admin.clone();
        let url = format!("{}{path}", sim.url());
        let key = api_key.clone();
        async move {
            // The kickstart key is trusted by kickstart at once, but answers 401 to others for
            // a moment, as FusionAuth's does.
            for _ in 0..50 {
                let r = admin
                    .get(&url)
                    .header("Authorization", &key)
                    .send()
                    .await
                    .expect("get");
                if r.status() != 401 {
                    assert!(r.status().is_success(), "{url}: {}", r.status());
                    let text = r.text().await.expect("text");
                    return serde_json::from_str::<Value>(&text)
                        .unwrap_or_else(|e| panic!("{url}: {e}: {text:?}"));
                }
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            panic!("API key never became valid");
        }
    };
    let user = find(format!("/api/user?email={DEMO_EMAIL}")).await;
    let apps = find("/api/application".to_string()).await;
    let client_id = apps["applications"]
        .as_array()
        .expect("applications")
        .iter()
        .find(|a| a["name"] == "mcp-remote")
        .expect("the MCP client application")["id"]
        .as_str()
        .expect("id")
        .to_string();
    let tenants = find("/api/tenant".to_string()).await;
    let rsa_key_id = tenants["tenants"][0]["jwtConfiguration"]["accessTokenKeyId"]
        .as_str()
        .expect("key id")
        .to_string();
    Stack {
        user_id: user["user"]["id"].as_str().expect("user id").to_string(),
        sim,
        api_key,
        client_id,
        rsa_key_id,
        resource: RESOURCE.to_string(),
        redirect_uri: REDIRECT_URI.to_string(),
        _dir: dir,
    }
}

/// Raw FusionAuth API calls with an API key, for asserting the stand-in's answers exactly.
pub struct Api {
    http: reqwest::Client,
    pub base: String,
    pub key: String,
}

impl Api {
    pub fn new(base: &str, key: &str) -> Api {
        Api {
            http: reqwest::Client::new(),
            base: base.to_string(),
            key: key.to_string(),
        }
    }

    pub fn of(stack: &Stack) -> Api {
        Api::new(&stack.sim.url(), &stack.api_key)
    }

    /// Status and JSON body (`Null` when empty). `body_text` is the raw body for empty checks.
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value, String) {
        let method: reqwest::Method = method.parse().expect("method");
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header("Authorization", &self.key);
        if let Some(body) = body {
            req = req.json(&body);
        }
        let response = req.send().await.expect("request");
        let status = response.status().as_u16();
        let text = response.text().await.expect("body");
        let json = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::Null)
        };
        (status, json, text)
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        let (s, v, _) = self.call("GET", path, None).await;
        (s, v)
    }

    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        let (s, v, _) = self.call("POST", path, Some(body)).await;
        (s, v)
    }

    pub async fn patch(&self, path: &str, body: Value) -> (u16, Value) {
        let (s, v, _) = self.call("PATCH", path, Some(body)).await;
        (s, v)
    }

    pub async fn delete(&self, path: &str) -> (u16, Value) {
        let (s, v, _) = self.call("DELETE", path, None).await;
        (s, v)
    }

    /// Changes the (only) tenant as an admin would, `tenant` being the fields to merge in;
    /// returns the tenant's id.
    pub async fn patch_tenant(&self, tenant: Value) -> String {
        let (status, tenants) = self.get("/api/tenant").await;
        assert_eq!(status, 200, "{tenants}");
        let id = tenants["tenants"][0]["id"]
            .as_str()
            .expect("tenant id")
            .to_owned();
        let (status, answer) = self
            .patch(&format!("/api/tenant/{id}"), json!({ "tenant": tenant }))
            .await;
        assert_eq!(status, 200, "{answer}");
        id
    }
}

/// An MCP-client-shaped application body, for tests that create more applications.
pub fn mcp_application(name: &str, redirect: &str) -> Value {
    json!({"application": {"name": name, "oauthConfiguration": {
        "authorizedRedirectURLs": [redirect],
        "authorizedURLValidationPolicy": "ExactMatch",
        "authorizedResourceUris": [RESOURCE],
        "clientAuthenticationPolicy": "NotRequiredWhenUsingPKCE",
        "proofKeyForCodeExchangePolicy": "Required",
        "enabledGrants": ["authorization_code", "refresh_token"],
        "generateRefreshTokens": true,
        "scopeHandlingPolicy": "Strict",
    }}})
}

/// Waits until the stand-in's API answers the key with something other than 401.
pub async fn wait_for_key(api: &Api) {
    for _ in 0..100 {
        if api.get("/api/tenant").await.0 != 401 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("the API key never became valid");
}
