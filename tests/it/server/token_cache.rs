//! The server remembers the tokens it verified, so a client's next request skips the signature
//! check. That memory never accepts a token longer than verifying it again would: not past its
//! `exp` plus the leeway, not once the issuer stops publishing its key, not for another audience
//! or issuer, and not at all with `--validation fusionauth`, where FusionAuth is asked every time.
//! Each test first has the server accept (and so remember) the token, then crosses the boundary.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Json;
use axum::routing::get;
use serde_json::{Value, json};

use crate::support::server::{
    PUBLIC_URL, TestIssuer, call_tool, config, discovery_for, login, now, serve, tool_text,
};
use crate::support::{Options, RESOURCE, stack};

/// An issuer whose JWKS the test replaces, publishing the keys of [`TestIssuer`]s.
struct RotatingIssuer {
    url: String,
    jwks: Arc<Mutex<Value>>,
    task: tokio::task::JoinHandle<()>,
}

impl RotatingIssuer {
    async fn start() -> RotatingIssuer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let discovery = discovery_for(&url);
        let jwks = Arc::new(Mutex::new(json!({"keys": []})));
        let served = jwks.clone();
        let app = axum::Router::new()
            .route(
                "/.well-known/openid-configuration",
                get(move || std::future::ready(Json(discovery.clone()))),
            )
            .route(
                "/keys",
                get(move || {
                    let jwks = served.lock().expect("lock").clone();
                    std::future::ready(Json(jwks))
                }),
            );
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        RotatingIssuer { url, jwks, task }
    }

    /// Publishes `holder`'s key, under `holder.kid`, and no other.
    async fn publish_only(&self, holder: &TestIssuer) {
        let mut jwks: Value = reqwest::get(format!("{}/keys", holder.url))
            .await
            .expect("the key holder answers")
            .json()
            .await
            .expect("a JWKS");
        for key in jwks["keys"].as_array_mut().expect("keys") {
            key["kid"] = json!(holder.kid);
        }
        *self.jwks.lock().expect("lock") = jwks;
    }

    /// A valid token for the test server from this issuer, signed with `holder`'s key.
    fn token(&self, holder: &TestIssuer, change: impl FnOnce(&mut Value)) -> String {
        let mut claims = holder.claims();
        claims["iss"] = json!(self.url);
        change(&mut claims);
        holder.sign(&claims)
    }
}

impl Drop for RotatingIssuer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn status(server: &mcp_fa::server::ServerHandle, token: &str) -> u16 {
    call_tool(&server.local_endpoint(), Some(token), "whoami")
        .await
        .status
}

/// Sleeps until the wall clock, in whole seconds as tokens count them, reaches `secs`.
async fn until(secs: i64) {
    while now() < secs {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_remembered_token_is_refused_after_exp_plus_the_leeway_and_not_before() {
    let issuer = RotatingIssuer::start().await;
    let key = TestIssuer::start().await;
    issuer.publish_only(&key).await;
    let exp = now() + 2;
    let token = issuer.token(&key, |c| c["exp"] = json!(exp));
    let mut strict = config(&issuer.url);
    strict.leeway = Duration::ZERO;
    let strict = serve(strict).await;
    let mut lenient = config(&issuer.url);
    lenient.leeway = Duration::from_secs(4);
    let lenient = serve(lenient).await;
    assert_eq!(status(&strict, &token).await, 200);
    assert_eq!(status(&lenient, &token).await, 200);

    // One second past `exp`: without leeway it is over; the leeway still grants its seconds.
    until(exp + 1).await;
    let refused = call_tool(&strict.local_endpoint(), Some(&token), "whoami").await;
    refused.assert_invalid_token("openid profile");
    assert!(
        refused.body.to_string().contains("expired"),
        "{}",
        refused.body
    );
    assert_eq!(status(&lenient, &token).await, 200);

    // Past the leeway too.
    until(exp + 5).await;
    assert_eq!(status(&lenient, &token).await, 401);
    strict.shutdown().await.expect("clean shutdown");
    lenient.shutdown().await.expect("clean shutdown");
}

#[tokio::test]
async fn a_remembered_token_is_refused_once_the_issuer_stops_publishing_its_key() {
    let issuer = RotatingIssuer::start().await;
    let old = TestIssuer::start().await;
    let mut new = TestIssuer::start().await;
    new.kid = "the-next-key".into();
    issuer.publish_only(&old).await;
    let mut settings = config(&issuer.url);
    settings.jwks_refetch_interval = Duration::ZERO;
    let server = serve(settings).await;
    let before = issuer.token(&old, |_| {});
    assert_eq!(status(&server, &before).await, 200);
    assert_eq!(status(&server, &before).await, 200);

    // The issuer rotates: only the new key is published. The first token naming it makes the
    // server fetch the keys again.
    issuer.publish_only(&new).await;
    let after = issuer.token(&new, |_| {});
    assert_eq!(status(&server, &after).await, 200);
    let refused = call_tool(&server.local_endpoint(), Some(&before), "whoami").await;
    refused.assert_invalid_token("openid profile");
    assert!(
        refused.body.to_string().contains("does not publish"),
        "{}",
        refused.body
    );
    assert_eq!(status(&server, &after).await, 200);
    server.shutdown().await.expect("clean shutdown");
}

#[tokio::test]
async fn a_remembered_token_vouches_for_no_other_token_of_the_same_user() {
    let issuer = RotatingIssuer::start().await;
    let key = TestIssuer::start().await;
    issuer.publish_only(&key).await;
    let server = serve(config(&issuer.url)).await;
    let token = issuer.token(&key, |_| {});
    assert_eq!(status(&server, &token).await, 200);

    let elsewhere = issuer.token(&key, |c| {
        c["aud"] = json!(["client-abc", "http://localhost:9999/mcp"]);
    });
    let foreign_issuer = issuer.token(&key, |c| c["iss"] = json!("http://127.0.0.1:1"));
    let (head, signature) = token.rsplit_once('.').expect("a JWT");
    let flipped = if signature.starts_with('A') { 'B' } else { 'A' };
    let altered = format!("{head}.{flipped}{}", &signature[1..]);
    for (what, other) in [
        ("another audience", elsewhere),
        ("another issuer", foreign_issuer),
        ("an altered signature", altered),
    ] {
        let answer = call_tool(&server.local_endpoint(), Some(&other), "whoami").await;
        assert_eq!(answer.status, 401, "{what}: {:?}", answer.body);
    }
    let answer = call_tool(&server.local_endpoint(), Some(&token), "whoami").await;
    answer.assert_served();
    let claims: Value = serde_json::from_str(&tool_text(&answer).expect("a tool result"))
        .expect("whoami answers JSON");
    assert_eq!(claims["audience"][1], format!("{PUBLIC_URL}/mcp"));
    server.shutdown().await.expect("clean shutdown");
}

#[tokio::test]
async fn with_validation_through_fusionauth_nothing_is_remembered() {
    let stack = stack(Options::default()).await;
    let token = login(&stack, "openid profile", Some(RESOURCE)).await;
    let mut settings = config(&stack.sim.url());
    settings.validation = mcp_fa::server::ValidationMode::FusionAuth;
    let server = serve(settings).await;
    let validations = || {
        stack
            .sim
            .exchanges()
            .iter()
            .filter(|e| e.path == "/api/jwt/validate")
            .count()
    };
    assert_eq!(status(&server, &token).await, 200);
    let asked = validations();
    assert_eq!(status(&server, &token).await, 200);
    assert_eq!(validations(), asked + 1, "FusionAuth is asked every time");

    // FusionAuth stops accepting the token (its clock passes the token's expiry): so does the
    // server, at once.
    stack.sim.clock().advance_secs(7200);
    assert_eq!(status(&server, &token).await, 401);
    server.shutdown().await.expect("clean shutdown");
}
