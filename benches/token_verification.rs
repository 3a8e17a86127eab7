//! What one bearer-token check costs inside `mcp-fa serve`: [`TokenVerifier::verify`] on a
//! FusionAuth-shaped RS256 access token, with the issuer's JWKS already fetched and cached (the
//! steady state of a running server): the first time the server sees the token (the full check)
//! and every time after (answered from the verifier's memory of verified tokens), and on tokens
//! it rejects (never remembered).
//!
//! A token is remembered only until its `exp`; one already past `exp` but inside the leeway is
//! accepted and never remembered, so every call checks it in full, as a token seen for the
//! first time is. That is how `valid_new_token` measures the full check over and over: the bench
//! allows an hour of leeway and presents such a token.
//!
//! A tiny OIDC issuer (discovery + JWKS, one RSA-2048 key this bench signs with) runs in-process
//! on 127.0.0.1, so `TokenVerifier::discover` does exactly what the server does at start.
//!
//! `cargo bench --bench token_verification` (benches/run.sh runs it and reads the medians).

use std::time::Duration;

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{KeyPair, KeySize, PublicKeyComponents};
use aws_lc_rs::signature::KeyPair as _;
use axum::Json;
use axum::routing::get;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use criterion::{Criterion, criterion_group, criterion_main};
use mcp_fa::fusionauth::{FusionAuthClient, Timeouts};
use mcp_fa::server::{Rejection, TokenVerifier, ValidationMode, VerifierSettings};
use serde_json::{Value, json};

const RESOURCE: &str = "http://localhost:8000/mcp";
const APPLICATION_ID: &str = "e9fdb985-9173-4e01-9d73-ac2d60d1dc8e";

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

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("time")
        .as_secs() as i64
}

fn sign(private_pem: &str, kid: &str, claims: &Value) -> String {
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    header.kid = Some(kid.to_owned());
    let key = jsonwebtoken::EncodingKey::from_rsa_pem(private_pem.as_bytes()).expect("key");
    jsonwebtoken::encode(&header, claims, &key).expect("sign")
}

struct Fixture {
    verifier: TokenVerifier,
    valid: String,
    /// Valid, past `exp` but inside the leeway: checked in full on every call.
    never_remembered: String,
    bad_signature: String,
    wrong_audience: String,
}

/// Starts the issuer on `runtime` and discovers it, as `mcp-fa serve` does.
fn fixture(runtime: &tokio::runtime::Runtime) -> Fixture {
    runtime.block_on(async {
        let pair = KeyPair::generate(KeySize::Rsa2048).expect("RSA key");
        let private_pem = pem("PRIVATE KEY", pair.as_der().expect("der").as_ref());
        let other = KeyPair::generate(KeySize::Rsa2048).expect("RSA key");
        let other_pem = pem("PRIVATE KEY", other.as_der().expect("der").as_ref());
        let components: PublicKeyComponents<Vec<u8>> = pair.public_key().into();
        let kid = "0f3c2a4e-1b7d-4c55-9f0e-6a1c2b3d4e5f".to_owned();

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let discovery = json!({
            "issuer": url,
            "authorization_endpoint": format!("{url}/oauth2/authorize"),
            "token_endpoint": format!("{url}/oauth2/token"),
            "userinfo_endpoint": format!("{url}/oauth2/userinfo"),
            "jwks_uri": format!("{url}/.well-known/jwks.json"),
        });
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
            .route(
                "/.well-known/jwks.json",
                get(move || std::future::ready(Json(jwks.clone()))),
            );
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });

        let client =
            FusionAuthClient::new(url.parse().expect("url"), Timeouts::default()).expect("client");
        let discovered = TokenVerifier::discover(
            client,
            VerifierSettings {
                issuer: Some(&url),
                resource: RESOURCE,
                client_id_audiences: &[],
                leeway: Duration::from_secs(3600),
                mode: ValidationMode::Local,
                refetch_interval: Duration::from_secs(60),
            },
        )
        .await
        .expect("discovery");
        assert_eq!(discovered.key_count, 1);

        // The claims FusionAuth 1.69 puts in an access token issued with a resource indicator.
        let claims = json!({
            "aud": [APPLICATION_ID, RESOURCE],
            "exp": now() + 24 * 3600,
            "iat": now(),
            "iss": url,
            "sub": "00000000-0000-0000-0000-000000000111",
            "jti": "6a4b0a7e-8a8e-4d6f-9b8b-0d2c4f3e2a1b",
            "authenticationType": "PASSWORD",
            "email": "test@example.com",
            "email_verified": true,
            "applicationId": APPLICATION_ID,
            "scope": "openid profile email",
            "roles": [],
            "sid": "1c9b1a34-5f4e-4a43-8c2b-0c4f9f0a7d11",
            "auth_time": now(),
            "tid": "d7d09513-a3f5-401c-9685-34ab6c552453",
        });
        let mut past_exp = claims.clone();
        past_exp["exp"] = json!(now() - 1);
        let mut elsewhere = claims.clone();
        elsewhere["aud"] = json!([APPLICATION_ID, "http://localhost:9999/mcp"]);
        Fixture {
            verifier: discovered.verifier,
            valid: sign(&private_pem, &kid, &claims),
            never_remembered: sign(&private_pem, &kid, &past_exp),
            bad_signature: sign(&other_pem, &kid, &claims),
            wrong_audience: sign(&private_pem, &kid, &elsewhere),
        }
    })
}

fn token_verification(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let f = fixture(&runtime);

    // Each case is checked once outside the timing: a bench of the wrong outcome measures nothing.
    let verify = |token: &str| runtime.block_on(f.verifier.verify(token));
    let ok = verify(&f.valid).expect("the valid token verifies");
    assert_eq!(ok.subject, "00000000-0000-0000-0000-000000000111");
    let full = verify(&f.never_remembered).expect("a token inside the leeway verifies");
    assert_eq!(full.subject, ok.subject);
    assert_eq!(
        verify(&f.bad_signature).err(),
        Some(Rejection::BadSignature)
    );
    assert!(matches!(
        verify(&f.wrong_audience),
        Err(Rejection::WrongAudience { .. })
    ));
    assert_eq!(verify("not-a-jwt").err(), Some(Rejection::Malformed));

    let mut group = c.benchmark_group("verify");
    group.bench_function("valid_new_token", |b| {
        b.iter(|| runtime.block_on(f.verifier.verify(std::hint::black_box(&f.never_remembered))))
    });
    group.bench_function("valid_repeated_token", |b| {
        b.iter(|| runtime.block_on(f.verifier.verify(std::hint::black_box(&f.valid))))
    });
    group.bench_function("rejected_bad_signature", |b| {
        b.iter(|| runtime.block_on(f.verifier.verify(std::hint::black_box(&f.bad_signature))))
    });
    group.bench_function("rejected_wrong_audience", |b| {
        b.iter(|| runtime.block_on(f.verifier.verify(std::hint::black_box(&f.wrong_audience))))
    });
    group.bench_function("rejected_malformed", |b| {
        b.iter(|| runtime.block_on(f.verifier.verify(std::hint::black_box("not-a-jwt"))))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(5));
    targets = token_verification
}
criterion_main!(benches);
