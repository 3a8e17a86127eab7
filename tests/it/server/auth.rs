//! The protected MCP server refuses every token it must refuse, each time with the exact status
//! and `WWW-Authenticate` challenge MCP clients act on.

use std::time::Duration;

use mcp_fa::server::ServerHandle;
use serde_json::json;

use crate::support::server::{
    PUBLIC_URL, TestIssuer, assert_warns, config, decode_part, encode_part, initialize,
    jwks_fetches, login, now, post, send_initialize, send_tools_call, serve, use_access_token_key,
};
use crate::support::{Api, Options, RESOURCE, stack};

const SCOPES: &str = "openid profile";

/// A signing issuer and an MCP server with the default settings that trusts it.
async fn protected() -> (TestIssuer, ServerHandle) {
    let issuer = TestIssuer::start().await;
    let server = serve(config(&issuer.url)).await;
    (issuer, server)
}

#[tokio::test]
async fn a_request_without_a_token_is_told_where_to_log_in() {
    let (issuer, server) = protected().await;
    send_initialize(&server, None).await.assert_no_token(SCOPES);

    // A token in the query string is not a token.
    let token = issuer.valid_token();
    let url = format!("{}?access_token={token}", server.local_endpoint());
    post(&url, None, &initialize(), &[])
        .await
        .assert_no_token(SCOPES);

    // Neither is another scheme.
    let basic = format!("Basic {token}");
    let headers = [("authorization", basic.as_str())];
    post(&server.local_endpoint(), None, &initialize(), &headers)
        .await
        .assert_no_token(SCOPES);
    server.shutdown().await.expect("clean shutdown");
}

#[tokio::test]
async fn a_valid_token_from_the_issuer_is_served() {
    let (issuer, server) = protected().await;
    let token = issuer.valid_token();
    send_initialize(&server, Some(&token)).await.assert_served();
    server.shutdown().await.expect("clean shutdown");
}

/// Every forged or unfit token gets `401 invalid_token`, and the body says why.
#[tokio::test]
async fn forged_expired_and_misdirected_tokens_are_refused() {
    let (issuer, server) = protected().await;
    let good = issuer.valid_token();
    let header = decode_part(&good, 0);
    let payload = good.split('.').nth(1).expect("payload").to_owned();
    let signature = good.split('.').nth(2).expect("signature").to_owned();

    let with_claims = |change: &dyn Fn(&mut serde_json::Value)| {
        let mut claims = issuer.claims();
        change(&mut claims);
        issuer.sign(&claims)
    };
    let hs256_with_public_key = {
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
        header.kid = Some(issuer.kid.clone());
        jsonwebtoken::encode(
            &header,
            &issuer.claims(),
            &jsonwebtoken::EncodingKey::from_secret(issuer.public_pem.as_bytes()),
        )
        .expect("sign")
    };
    let mut tampered_claims = issuer.claims();
    tampered_claims["sub"] = json!("someone-else");

    let cases: Vec<(&str, String, &str)> = vec![
        ("garbage", "not-a-jwt".into(), "not a JWT"),
        (
            "bad signature",
            format!(
                "{}.{}.{}",
                encode_part(&header),
                encode_part(&tampered_claims),
                signature
            ),
            "signature",
        ),
        (
            "alg none",
            format!(
                "{}.{payload}.",
                encode_part(&json!({"alg": "none", "typ": "JWT"}))
            ),
            "unsigned",
        ),
        (
            "HS256 signed with the public key",
            hs256_with_public_key,
            "HS256",
        ),
        (
            "unknown kid",
            format!(
                "{}.{payload}.{signature}",
                encode_part(&json!({"alg": "RS256", "kid": "nobody-knows"}))
            ),
            "does not publish",
        ),
        (
            "no kid",
            format!(
                "{}.{payload}.{signature}",
                encode_part(&json!({"alg": "RS256"}))
            ),
            "names no key",
        ),
        (
            "expired",
            with_claims(&|c| c["exp"] = json!(now() - 120)),
            "expired",
        ),
        (
            "expired beyond the leeway",
            with_claims(&|c| c["exp"] = json!(now() - 31)),
            "expired",
        ),
        (
            "not yet valid",
            with_claims(&|c| c["nbf"] = json!(now() + 600)),
            "not valid yet",
        ),
        (
            "wrong issuer",
            with_claims(&|c| c["iss"] = json!("http://localhost:9011")),
            "another issuer",
        ),
        (
            "another resource",
            with_claims(&|c| c["aud"] = json!(["client-abc", "http://localhost:9999/mcp"])),
            "not issued for this server",
        ),
        (
            "only the client id",
            with_claims(&|c| c["aud"] = json!("client-abc")),
            "not issued for this server",
        ),
        (
            "trailing slash resource",
            with_claims(&|c| c["aud"] = json!(format!("{PUBLIC_URL}/mcp/"))),
            "not issued for this server",
        ),
        (
            "no expiry",
            with_claims(&|c| {
                c.as_object_mut().expect("object").remove("exp");
            }),
            "exp",
        ),
    ];
    for (case, token, says) in &cases {
        let answer = send_initialize(&server, Some(token)).await;
        assert_eq!(answer.status, 401, "{case}: {:?}", answer.body);
        answer.assert_invalid_token(SCOPES);
        assert_eq!(answer.body["error"], "invalid_token", "{case}");
        let description = answer.body["error_description"]
            .as_str()
            .expect("description");
        assert!(description.contains(says), "{case}: {description}");
    }

    // Within the leeway (30 s) a just-expired token and a just-issued `nbf` still pass.
    for token in [
        with_claims(&|c| c["exp"] = json!(now() - 5)),
        with_claims(&|c| c["nbf"] = json!(now() + 5)),
    ] {
        let answer = send_initialize(&server, Some(&token)).await;
        assert_eq!(answer.status, 200, "{:?}", answer.body);
    }
    server.shutdown().await.expect("clean shutdown");
}

#[tokio::test]
async fn the_legacy_client_id_audience_is_accepted_only_when_opted_in() {
    let issuer = TestIssuer::start().await;
    let only_client = {
        let mut claims = issuer.claims();
        claims["aud"] = json!("client-abc");
        issuer.sign(&claims)
    };
    let mut legacy = config(&issuer.url);
    legacy.client_id_audiences = vec!["client-abc".into()];
    let server = serve(legacy).await;
    assert_warns(&server, "client-abc");
    let answer = send_initialize(&server, Some(&only_client)).await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    let mut other = issuer.claims();
    other["aud"] = json!("client-other");
    let answer = send_initialize(&server, Some(&issuer.sign(&other))).await;
    assert_eq!(answer.status, 401);
    server.shutdown().await.expect("clean shutdown");
}

#[tokio::test]
async fn a_token_without_the_tools_scope_gets_403_with_every_scope_the_call_needs() {
    let (issuer, server) = protected().await;
    let mut claims = issuer.claims();
    claims["scope"] = json!("openid email");
    let token = issuer.sign(&claims);
    let answer = send_tools_call(&server, Some(&token), "get_name").await;
    answer.assert_insufficient_scope("openid profile");
    assert_eq!(answer.body["scope"], "openid profile");
    server.shutdown().await.expect("clean shutdown");

    // With a license the custom scope guards get_name.
    let mut licensed = config(&issuer.url);
    licensed.scopes = mcp_fa::server::ScopeMode::Custom;
    let server = serve(licensed).await;
    let mut claims = issuer.claims();
    claims["scope"] = json!("openid profile");
    send_tools_call(&server, Some(&issuer.sign(&claims)), "get_name")
        .await
        .assert_insufficient_scope("openid get_name");
    send_initialize(&server, None)
        .await
        .assert_no_token("openid profile get_name");
    server.shutdown().await.expect("clean shutdown");
}

#[tokio::test]
async fn a_foreign_origin_is_refused_before_anything_else() {
    let (issuer, server) = protected().await;
    let token = issuer.valid_token();
    let answer = post(
        &server.local_endpoint(),
        Some(&token),
        &initialize(),
        &[("origin", "http://evil.example:8000")],
    )
    .await;
    assert_eq!(answer.status, 403);
    assert_eq!(
        answer.challenge, None,
        "no challenge: logging in would not help"
    );
    assert_eq!(answer.body["error"], "forbidden_origin");
    for origin in [PUBLIC_URL, "http://localhost:6274", "http://127.0.0.1:6274"] {
        let answer = post(
            &server.local_endpoint(),
            Some(&token),
            &initialize(),
            &[("origin", origin)],
        )
        .await;
        assert_eq!(answer.status, 200, "{origin}: {:?}", answer.body);
    }
    server.shutdown().await.expect("clean shutdown");
}

/// Real FusionAuth-shaped tokens from the stand-in's login flow.
#[tokio::test]
async fn stand_in_tokens_are_bound_to_this_server_and_expire() {
    let stack = stack(Options::default()).await;
    let server = serve(config(&stack.sim.url())).await;
    assert_eq!(server.resource(), RESOURCE);

    let token = login(&stack, "openid profile", Some(RESOURCE)).await;
    let answer = send_initialize(&server, Some(&token)).await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);

    // Only the client id in `aud` (no resource indicator): not for us.
    let client_only = login(&stack, "openid profile", None).await;
    assert_eq!(decode_part(&client_only, 1)["aud"], json!(stack.client_id));
    send_initialize(&server, Some(&client_only))
        .await
        .assert_invalid_token(SCOPES);

    // A token for this resource is a token for another resource to a server elsewhere.
    let mut elsewhere = config(&stack.sim.url());
    elsewhere.public_url = Some(url::Url::parse("http://localhost:8001").expect("url"));
    let other = serve(elsewhere).await;
    let answer = send_initialize(&other, Some(&token)).await;
    assert_eq!(answer.status, 401);
    assert_eq!(
        answer.challenge.as_deref(),
        Some(
            "Bearer error=\"invalid_token\", resource_metadata=\"http://localhost:8001/.well-known/oauth-protected-resource/mcp\", scope=\"openid profile\""
        )
    );
    other.shutdown().await.expect("clean shutdown");

    // Missing `profile`: whoami is fine, get_name is 403.
    let narrow = login(&stack, "openid email", Some(RESOURCE)).await;
    send_tools_call(&server, Some(&narrow), "get_name")
        .await
        .assert_insufficient_scope("openid profile");

    // Issued two hours ago (the stand-in's clock moved back): expired for the server.
    stack.sim.clock().advance_secs(-7200);
    let old = login(&stack, "openid profile", Some(RESOURCE)).await;
    stack.sim.clock().advance_secs(7200);
    let answer = send_initialize(&server, Some(&old)).await;
    answer.assert_invalid_token(SCOPES);
    assert_eq!(answer.body["error_description"], "The token has expired.");
    server.shutdown().await.expect("clean shutdown");
}

/// The most likely real-world misconfiguration: the tenant still signs with its HMAC key.
#[tokio::test]
async fn an_hs256_token_from_an_unconfigured_tenant_points_at_the_key_setup() {
    let stack = stack(Options::hs256()).await;
    let server = serve(config(&stack.sim.url())).await;
    assert_warns(&server, "accessTokenKeyId");
    let token = login(&stack, "openid profile", Some(RESOURCE)).await;
    assert_eq!(decode_part(&token, 0)["alg"], "HS256");
    let answer = send_initialize(&server, Some(&token)).await;
    answer.assert_invalid_token(SCOPES);
    let description = answer.body["error_description"]
        .as_str()
        .expect("description");
    for hint in ["HS256", "accessTokenKeyId", "RS256", "kickstart"] {
        assert!(
            description.contains(hint),
            "{hint} missing from: {description}"
        );
    }
    server.shutdown().await.expect("clean shutdown");

    // The tutorial's way (FusionAuth validates every token, HMAC included) still works, and
    // still binds the token to this server.
    let mut tutorial = config(&stack.sim.url());
    tutorial.validation = mcp_fa::server::ValidationMode::FusionAuth;
    let server = serve(tutorial).await;
    let answer = send_initialize(&server, Some(&token)).await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    let client_only = login(&stack, "openid profile", None).await;
    send_initialize(&server, Some(&client_only))
        .await
        .assert_invalid_token(SCOPES);
    server.shutdown().await.expect("clean shutdown");
}

/// A flood of made-up key ids costs FusionAuth at most one JWKS request per interval, and a
/// genuinely new key (rotation) is still picked up.
#[tokio::test]
async fn unknown_key_ids_refetch_the_jwks_at_most_once_per_interval() {
    let stack = stack(Options::default()).await;
    let token = login(&stack, "openid profile", Some(RESOURCE)).await;
    let mut settings = config(&stack.sim.url());
    settings.jwks_refetch_interval = Duration::from_secs(2);
    let server = serve(settings).await;
    let started = std::time::Instant::now();
    assert_eq!(jwks_fetches(&stack), 1, "one fetch at start");

    let rest = token.split_once('.').expect("jwt").1.to_owned();
    let forged = |i: usize| {
        format!(
            "{}.{rest}",
            encode_part(&json!({"alg": "RS256", "kid": format!("made-up-{i}")}))
        )
    };

    // Within the interval after start: no refetch at all.
    for i in 0..20 {
        send_initialize(&server, Some(&forged(i)))
            .await
            .assert_invalid_token(SCOPES);
    }
    // (On a machine too slow to send 20 local requests in 2 s the interval has passed; then
    // one refetch is allowed.)
    let allowed = if started.elapsed() < Duration::from_secs(2) {
        1
    } else {
        2
    };
    assert!(
        jwks_fetches(&stack) <= allowed,
        "{} fetches",
        jwks_fetches(&stack)
    );
    let before_flood = jwks_fetches(&stack);

    // After it: a concurrent flood of 50 fetches once.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let endpoint = server.local_endpoint();
    let flood: Vec<_> = (100..150)
        .map(|i| {
            let token = forged(i);
            let endpoint = endpoint.clone();
            tokio::spawn(async move {
                post(&endpoint, Some(&token), &initialize(), &[])
                    .await
                    .status
            })
        })
        .collect();
    for request in flood {
        assert_eq!(request.await.expect("task"), 401);
    }
    assert_eq!(
        jwks_fetches(&stack),
        before_flood + 1,
        "one refetch for the whole flood"
    );

    // Rotation: FusionAuth gets a new key; the first token signed with it triggers a refetch.
    let api = Api::of(&stack);
    let key_id = uuid::Uuid::new_v4();
    let (status, _) = api
        .post(
            &format!("/api/key/generate/{key_id}"),
            json!({"key": {"algorithm": "RS256", "name": "rotated", "length": 2048}}),
        )
        .await;
    assert_eq!(status, 200);
    use_access_token_key(&api, &key_id.to_string()).await;
    let rotated = login(&stack, "openid profile", Some(RESOURCE)).await;
    assert_ne!(
        decode_part(&rotated, 0)["kid"],
        decode_part(&token, 0)["kid"]
    );
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let answer = send_initialize(&server, Some(&rotated)).await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    assert_eq!(jwks_fetches(&stack), before_flood + 2);
    server.shutdown().await.expect("clean shutdown");
}
