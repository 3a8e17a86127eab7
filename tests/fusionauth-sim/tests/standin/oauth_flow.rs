//! The authorization code + PKCE + resource flow against the stand-in, driven as a browser and
//! an MCP client would drive FusionAuth.

use crate::support::browser::{Authorize, Browser, Pkce, query, token_request};
use crate::support::{DEMO_EMAIL, DEMO_PASSWORD, Options, stack};
use serde_json::Value;

fn claims(token: &str) -> Value {
    use base64::Engine;
    let payload = token.split('.').nth(1).expect("a JWT has a payload");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .expect("base64url payload");
    serde_json::from_slice(&bytes).expect("JSON claims")
}

fn header(token: &str) -> Value {
    use base64::Engine;
    let part = token.split('.').next().expect("header");
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(part)
            .expect("b64"),
    )
    .expect("json")
}

#[tokio::test]
async fn code_pkce_resource_flow_with_refresh_gives_rs256_tokens_for_the_resource() {
    let stack = stack(Options::default()).await;
    let base = stack.sim.url();
    let pkce = Pkce::new();
    let authorize = Authorize {
        client_id: &stack.client_id,
        redirect_uri: &stack.redirect_uri,
        scope: "openid profile email offline_access",
        state: "xyz-state",
        challenge: Some(&pkce.challenge),
        resources: vec![&stack.resource],
    };
    let browser = Browser::new(&base);
    let callback = browser
        .log_in(&authorize.url(&base), DEMO_EMAIL, DEMO_PASSWORD)
        .await
        .redirect();
    assert!(
        callback.as_str().starts_with(&stack.redirect_uri),
        "{callback}"
    );
    let params = query(&callback);
    assert_eq!(params["state"], "xyz-state");
    assert_eq!(params["iss"], base, "RFC 9207 iss is the tenant issuer");
    assert_eq!(params["userState"], "Authenticated");
    let code = &params["code"];

    let (status, tokens) = token_request(
        &base,
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", &stack.redirect_uri),
            ("client_id", &stack.client_id),
            ("code_verifier", &pkce.verifier),
            ("resource", &stack.resource),
        ],
    )
    .await;
    assert_eq!(status, 200, "{tokens}");
    let access = tokens["access_token"].as_str().expect("access token");
    assert_eq!(header(access)["alg"], "RS256");
    let c = claims(access);
    assert_eq!(
        c["aud"],
        serde_json::json!([stack.client_id, stack.resource]),
        "aud is [client_id, resource], client id first"
    );
    assert_eq!(c["iss"], base);
    assert_eq!(c["sub"], stack.user_id);
    assert_eq!(c["applicationId"], stack.client_id);
    assert_eq!(c["scope"], "openid profile email offline_access");
    assert!(tokens["id_token"].is_string());
    assert_eq!(tokens["token_type"], "Bearer");
    let refresh = tokens["refresh_token"]
        .as_str()
        .expect("refresh token with offline_access");
    assert_eq!(
        c["sid"], tokens["refresh_token_id"],
        "the access token's sid is the refresh token's id"
    );

    // The code is single-use.
    let (again, body) = token_request(
        &base,
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", &stack.redirect_uri),
            ("client_id", &stack.client_id),
            ("code_verifier", &pkce.verifier),
            ("resource", &stack.resource),
        ],
    )
    .await;
    assert_eq!(
        (again, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );

    // The token verifies through the JWKS the discovery document points at.
    let discovery: Value = reqwest::get(format!("{base}/.well-known/openid-configuration"))
        .await
        .expect("discovery")
        .json()
        .await
        .expect("json");
    assert_eq!(discovery["issuer"], base);
    let jwks: jsonwebtoken::jwk::JwkSet =
        reqwest::get(discovery["jwks_uri"].as_str().expect("jwks_uri"))
            .await
            .expect("jwks")
            .json()
            .await
            .expect("jwk set");
    let kid = header(access)["kid"].as_str().expect("kid").to_string();
    let jwk = jwks.find(&kid).expect("the signing key is published");
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.set_audience(&[&stack.resource]);
    validation.set_issuer(&[&base]);
    jsonwebtoken::decode::<Value>(
        access,
        &jsonwebtoken::DecodingKey::from_jwk(jwk).expect("key"),
        &validation,
    )
    .expect("the access token verifies with the published key");

    // Userinfo with the token: name is the fullName.
    let info: Value = reqwest::Client::new()
        .get(format!("{base}/oauth2/userinfo"))
        .bearer_auth(access)
        .send()
        .await
        .expect("userinfo")
        .json()
        .await
        .expect("json");
    assert_eq!(info["name"], "Test User");
    assert_eq!(info["given_name"], "Test");
    assert_eq!(info["email"], DEMO_EMAIL);

    // Expire the access token, then refresh: same audience, new token.
    stack.sim.clock().advance_secs(3700);
    let (status, refreshed) = token_request(
        &base,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh),
            ("client_id", &stack.client_id),
        ],
    )
    .await;
    assert_eq!(status, 200, "{refreshed}");
    let new_access = refreshed["access_token"]
        .as_str()
        .expect("new access token");
    assert_ne!(new_access, access);
    assert_eq!(claims(new_access)["aud"], c["aud"]);
    assert_eq!(claims(new_access)["authenticationType"], "REFRESH_TOKEN");
    assert_eq!(
        claims(new_access)["sid"],
        c["sid"],
        "the same refresh token"
    );
    // The old one is now expired for FusionAuth too.
    let old = reqwest::Client::new()
        .get(format!("{base}/api/jwt/validate"))
        .bearer_auth(access)
        .send()
        .await
        .expect("validate");
    assert_eq!(old.status(), 401);
}

#[tokio::test]
async fn codes_live_30_seconds_and_tokens_without_a_refresh_token_carry_no_sid() {
    let stack = stack(Options::default()).await;
    let base = stack.sim.url();
    let browser = Browser::new(&base);
    let mut exchanged = Vec::new();
    for wait_secs in [29, 31] {
        let pkce = Pkce::new();
        let authorize = Authorize {
            client_id: &stack.client_id,
            redirect_uri: &stack.redirect_uri,
            scope: "openid",
            state: "s",
            challenge: Some(&pkce.challenge),
            resources: vec![],
        };
        let callback = browser
            .log_in(&authorize.url(&base), DEMO_EMAIL, DEMO_PASSWORD)
            .await
            .redirect();
        stack.sim.clock().advance_secs(wait_secs);
        let (status, tokens) = token_request(
            &base,
            &[
                ("grant_type", "authorization_code"),
                ("code", &query(&callback)["code"]),
                ("redirect_uri", &stack.redirect_uri),
                ("client_id", &stack.client_id),
                ("code_verifier", &pkce.verifier),
            ],
        )
        .await;
        exchanged.push((wait_secs, status, tokens));
    }
    let (_, status, tokens) = &exchanged[0];
    assert_eq!(*status, 200, "29 s: still good: {tokens}");
    let access = claims(tokens["access_token"].as_str().expect("token"));
    assert!(tokens.get("refresh_token").is_none());
    assert!(
        access.get("sid").is_none(),
        "no refresh token, no sid: {access}"
    );
    let (_, status, tokens) = &exchanged[1];
    assert_eq!(
        (*status, tokens["error"].as_str()),
        (400, Some("invalid_grant")),
        "31 s: expired"
    );
}
