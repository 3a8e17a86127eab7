//! An in-process stand-in with two tenants, the way an existing FusionAuth with several tenants
//! looks to mcp-fa: each tenant its own issuer, RSA signing key, user and MCP-client
//! application, plus API keys of each kind (global, limited to the second tenant, limited to
//! some endpoints). Set up by kickstart through FusionAuth's own API, never through `mcp-fa up`.
//! Shared by path with the stand-in's own tests, so it uses nothing of mcp-fa's.
#![allow(dead_code)]

use fusionauth_sim::{KickstartOutcome, RunningSim, SimConfig};
use serde_json::{Value, json};

pub use super::standin::RESOURCE;
use super::standin::{random_api_key, start_with_kickstart};

/// The e-mail of a user in each tenant (one address, two users: login ids are per tenant).
pub const SHARED_EMAIL: &str = "person@example.com";
pub const FIRST_PASSWORD: &str = "first-tenant-password";
pub const SECOND_PASSWORD: &str = "second-tenant-password";
pub const FIRST_REDIRECT: &str = "http://localhost:4101/callback";
pub const SECOND_REDIRECT: &str = "http://localhost:4102/callback";

/// One tenant and what was made in it.
pub struct Tenant {
    pub id: String,
    pub issuer: String,
    /// The id of its RSA key (access and id tokens).
    pub key_id: String,
    pub user_id: String,
    pub client_id: String,
    pub password: &'static str,
    pub redirect_uri: &'static str,
}

/// The two-tenant stand-in and its keys.
pub struct TwoTenants {
    pub sim: RunningSim,
    pub base: String,
    /// A global key with every permission (and a key manager).
    pub global_key: String,
    /// Every permission, but only in the second tenant.
    pub tenant_key: String,
    /// Global, but only `GET /api/application` and `GET /api/tenant`.
    pub reader_key: String,
    /// The default tenant: issuer = the stand-in's URL.
    pub first: Tenant,
    /// The second tenant: issuer = `<URL>/<tenant id>`, which MCP clients discover through
    /// FusionAuth's `/.well-known/openid-configuration/{tenantId}` (path insertion).
    pub second: Tenant,
    _dir: tempfile::TempDir,
}

/// Starts the stand-in with `config` (its port chosen here: the issuers name it) and waits for
/// kickstart to finish and the keys to be accepted.
pub async fn two_tenants(config: SimConfig) -> TwoTenants {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    let base = format!("http://{addr}");
    let ids: Vec<String> = (0..9).map(|_| uuid::Uuid::new_v4().to_string()).collect();
    let [
        second_id,
        first_key,
        second_key,
        first_user,
        second_user,
        first_app,
        second_app,
        ..,
    ] = ids.as_slice()
    else {
        unreachable!("nine ids")
    };
    let (global_key, tenant_key, reader_key) =
        (random_api_key(), random_api_key(), random_api_key());
    let second_issuer = format!("{base}/{second_id}");
    let application = |name: &str, redirect: &str| {
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
    };
    let user = |password: &str, name: &str| json!({"user": {"email": SHARED_EMAIL, "password": password, "fullName": name}});
    let doc = json!({
        "apiKeys": [{"key": global_key, "description": "global", "keyManager": true}],
        "requests": [
            {"method": "POST", "url": format!("/api/key/generate/{first_key}"),
             "body": {"key": {"algorithm": "RS256", "name": "first tenant", "length": 2048}}},
            {"method": "POST", "url": format!("/api/key/generate/{second_key}"),
             "body": {"key": {"algorithm": "RS256", "name": "second tenant", "length": 2048}}},
            {"method": "PATCH", "url": "/api/tenant/#{FUSIONAUTH_TENANT_ID}",
             "body": {"tenant": {"issuer": base, "jwtConfiguration":
                {"accessTokenKeyId": first_key, "idTokenKeyId": first_key}}}},
            {"method": "POST", "url": format!("/api/tenant/{second_id}"),
             "body": {"tenant": {"name": "Second", "issuer": second_issuer, "jwtConfiguration":
                {"accessTokenKeyId": second_key, "idTokenKeyId": second_key}}}},
            {"method": "POST", "url": format!("/api/user/{first_user}"),
             "tenantId": "#{FUSIONAUTH_TENANT_ID}", "body": user(FIRST_PASSWORD, "First Person")},
            {"method": "POST", "url": format!("/api/user/{second_user}"),
             "tenantId": second_id, "body": user(SECOND_PASSWORD, "Second Person")},
            {"method": "POST", "url": format!("/api/application/{first_app}"),
             "tenantId": "#{FUSIONAUTH_TENANT_ID}", "body": application("first app", FIRST_REDIRECT)},
            {"method": "POST", "url": format!("/api/application/{second_app}"),
             "tenantId": second_id, "body": application("second app", SECOND_REDIRECT)},
            {"method": "POST", "url": "/api/api-key",
             "body": {"apiKey": {"key": tenant_key, "tenantId": second_id}}},
            {"method": "POST", "url": "/api/api-key",
             "body": {"apiKey": {"key": reader_key, "permissions": {"endpoints": {
                "/api/application": ["GET"], "/api/tenant": ["GET"]}}}}},
        ],
    });
    let mut config = config;
    config.listen = addr;
    let (sim, dir) = start_with_kickstart(&doc, config).await;
    let outcome = sim.kickstart_finished().await;
    assert!(
        matches!(outcome, KickstartOutcome::Completed { .. }),
        "kickstart should complete, got {outcome:?}; logs:\n{}",
        sim.logs().join("\n")
    );
    let http = reqwest::Client::new();
    let default_tenant = loop {
        let answer = http
            .get(format!("{base}/api/tenant"))
            .header("Authorization", &global_key)
            .send()
            .await
            .expect("tenants");
        if answer.status() == 200 {
            let tenants: Value = answer.json().await.expect("json");
            break tenants["tenants"]
                .as_array()
                .expect("tenants")
                .iter()
                .find(|t| t["id"] != json!(second_id))
                .expect("the default tenant")["id"]
                .as_str()
                .expect("id")
                .to_owned();
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    };
    // The keys created through the API answer 401 for a moment, as FusionAuth's fresh keys do.
    for key in [&tenant_key, &reader_key] {
        for attempt in 0.. {
            let status = http
                .get(format!("{base}/api/tenant"))
                .header("Authorization", key)
                .send()
                .await
                .expect("tenants")
                .status();
            if status == 200 {
                break;
            }
            assert!(attempt < 200, "the key never became valid");
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
    }
    TwoTenants {
        first: Tenant {
            id: default_tenant,
            issuer: base.clone(),
            key_id: first_key.clone(),
            user_id: first_user.clone(),
            client_id: first_app.clone(),
            password: FIRST_PASSWORD,
            redirect_uri: FIRST_REDIRECT,
        },
        second: Tenant {
            id: second_id.clone(),
            issuer: second_issuer,
            key_id: second_key.clone(),
            user_id: second_user.clone(),
            client_id: second_app.clone(),
            password: SECOND_PASSWORD,
            redirect_uri: SECOND_REDIRECT,
        },
        sim,
        base,
        global_key,
        tenant_key,
        reader_key,
        _dir: dir,
    }
}

/// A raw API call with `key` and, when given, the tenant header: status and JSON body (`Null`
/// when empty) and the raw body.
pub async fn call(
    base: &str,
    key: &str,
    tenant: Option<&str>,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (u16, Value, String) {
    let method: reqwest::Method = method.parse().expect("method");
    let mut request = reqwest::Client::new()
        .request(method, format!("{base}{path}"))
        .header("Authorization", key);
    if let Some(tenant) = tenant {
        request = request.header("X-FusionAuth-TenantId", tenant);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
    (status, json, text)
}

/// The claims of a JWT, unverified (what a test asserts about a token it was handed).
pub fn claims(token: &str) -> Value {
    part(token, 1)
}

/// The header of a JWT, unverified.
pub fn header(token: &str) -> Value {
    part(token, 0)
}

fn part(token: &str, index: usize) -> Value {
    use base64::Engine as _;
    let encoded = token.split('.').nth(index).expect("a JWT part");
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(encoded)
            .expect("base64url"),
    )
    .expect("JSON")
}
