//! The typed FusionAuth client (`mcp_fa::fusionauth`) against the in-process stand-in: every call,
//! and the errors a caller acts on.

use std::time::{Duration, Instant};

use crate::support;
use crate::support::browser::{Authorize, Pkce, login_and_exchange};
use crate::support::{Api, DEMO_EMAIL, DEMO_PASSWORD, Options, Stack, stack};
use fusionauth_sim::{KickstartOutcome, SimConfig};
use mcp_fa::fusionauth::{
    Application, ApplicationOAuthScope, Audience, FusionAuthClient, FusionAuthError, KeyAlgorithm,
    LoginRecordSearchCriteria, OAuthApplicationRelationship, OAuthConfiguration, Readiness,
    Timeouts, UserRegistration,
};
use serde_json::json;
use url::Url;

fn anonymous(base: &str) -> FusionAuthClient {
    FusionAuthClient::new(Url::parse(base).expect("base URL"), Timeouts::default())
        .expect("client builds")
}

fn client(stack: &Stack) -> FusionAuthClient {
    anonymous(&stack.sim.url()).with_api_key(stack.api_key.clone())
}

fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn oauth_app(name: &str, redirects: &[&str]) -> Application {
    Application {
        name: Some(name.to_owned()),
        oauth_configuration: Some(OAuthConfiguration {
            authorized_redirect_urls: Some(redirects.iter().map(|s| (*s).to_owned()).collect()),
            authorized_resource_uris: Some(vec![support::RESOURCE.to_owned()]),
            ..OAuthConfiguration::default()
        }),
        ..Application::default()
    }
}

fn codes(error: &FusionAuthError) -> Vec<String> {
    match error {
        FusionAuthError::Validation(errors) => errors.iter().map(|e| e.code.clone()).collect(),
        _ => Vec::new(),
    }
}

/// FusionAuth's "needs a paid plan" codes: `[notLicensed]` and `[notLicensedFor]…`.
fn not_licensed(error: &FusionAuthError) -> bool {
    error.has_code_prefix("[notLicensed")
}

/// Logs the demo user in through the hosted pages and exchanges the code: an RS256 access token
/// whose audience is `[client_id, resource]`.
async fn access_token(stack: &Stack) -> String {
    let base = stack.sim.url();
    let pkce = Pkce::new();
    let authorize = Authorize::mcp(
        &stack.client_id,
        &stack.redirect_uri,
        "openid profile email offline_access",
        &pkce.challenge,
        &stack.resource,
    );
    let (status, tokens) =
        login_and_exchange(&base, &authorize, &pkce.verifier, DEMO_EMAIL, DEMO_PASSWORD).await;
    assert_eq!(status, 200, "{tokens}");
    tokens["access_token"]
        .as_str()
        .expect("access token")
        .to_owned()
}

/// A call FusionAuth must answer with its 404 (`what`: why it is not there).
#[track_caller]
fn assert_not_found<T: std::fmt::Debug>(result: Result<T, FusionAuthError>, what: &str) {
    let error = result.expect_err(what);
    assert!(error.is_not_found(), "{what}: {error:?}");
}

#[tokio::test]
async fn status_is_not_ready_while_booting_then_ready() {
    let doc = support::kickstart(
        &Options::default(),
        &support::random_api_key(),
        "http://localhost:9011",
    );
    let config = SimConfig {
        boot_delay: Duration::from_millis(800),
        ..SimConfig::for_tests()
    };
    let (sim, _dir) = support::start_with_kickstart(&doc, config).await;
    let fa = anonymous(&sim.url());
    let first = fa.status().await.expect("status answers while booting");
    assert!(!first.is_ready(), "{first:?}");
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut seen = vec![first];
    loop {
        let readiness = fa.status().await.expect("status");
        if readiness == Readiness::Ready {
            break;
        }
        seen.push(readiness);
        assert!(Instant::now() < deadline, "never ready: {seen:?}");
        tokio::time::sleep(Duration::from_millis(40)).await;
    }
    assert!(
        seen.iter()
            .all(|r| matches!(r, Readiness::Starting | Readiness::MaintenanceMode { .. })),
        "{seen:?}"
    );
    assert!(fa.status().await.expect("status").is_ready());
}

#[tokio::test]
async fn status_of_nothing_listening_is_unreachable() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    let error = anonymous(&format!("http://{addr}"))
        .status()
        .await
        .expect_err("nothing listens");
    assert!(error.is_unreachable(), "{error:?}");
}

#[tokio::test]
async fn a_fresh_kickstart_key_works_with_the_grace_and_is_unauthorized_without_it() {
    let api_key = support::random_api_key();
    let doc = support::kickstart(&Options::default(), &api_key, "http://localhost:9011");
    let config = SimConfig {
        api_key_delay: Duration::from_millis(1500),
        ..SimConfig::for_tests()
    };
    let (sim, _dir) = support::start_with_kickstart(&doc, config).await;
    assert!(matches!(
        sim.kickstart_finished().await,
        KickstartOutcome::Completed { .. }
    ));
    let plain = anonymous(&sim.url()).with_api_key(api_key.clone());
    let error = plain
        .list_tenants()
        .await
        .expect_err("the key is not active yet");
    assert!(error.is_unauthorized(), "{error:?}");

    let patient = anonymous(&sim.url())
        .with_new_key_grace(Duration::from_secs(5))
        .with_api_key(api_key.clone());
    let started = Instant::now();
    let tenants = patient
        .list_tenants()
        .await
        .expect("retried until the key became active");
    assert_eq!(tenants.len(), 1);
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn a_wrong_api_key_is_unauthorized_and_never_shown() {
    let stack = stack(Options::default()).await;
    let wrong = "wrong-key-0123456789-must-not-leak";
    let fa = anonymous(&stack.sim.url()).with_api_key(wrong);
    let error = fa.list_tenants().await.expect_err("wrong key");
    assert!(
        matches!(error, FusionAuthError::Unauthorized { .. }),
        "{error:?}"
    );
    let shown = format!("{error} {error:?} {fa:?}");
    assert!(!shown.contains("must-not-leak"), "{shown}");

    // Without any key, API-key endpoints refuse before sending anything.
    let error = anonymous(&stack.sim.url())
        .list_tenants()
        .await
        .expect_err("no key");
    assert!(
        matches!(error, FusionAuthError::NoApiKey { .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn tenants_are_read() {
    let stack = stack(Options::default()).await;
    let fa = client(&stack);
    let tenants = fa.list_tenants().await.expect("tenants");
    assert_eq!(tenants.len(), 1);
    let tenant_id = tenants[0].id.clone().expect("tenant id");
    let tenant = fa.get_tenant(&tenant_id).await.expect("tenant");
    assert_eq!(tenant.id.as_deref(), Some(tenant_id.as_str()));
    assert_eq!(tenant.issuer.as_deref(), Some(stack.sim.url().as_str()));
    assert_eq!(
        tenant
            .jwt_configuration
            .as_ref()
            .and_then(|j| j.access_token_key_id.as_deref()),
        Some(stack.rsa_key_id.as_str())
    );

    assert_not_found(fa.get_tenant(&new_id()).await, "no such tenant");
}

#[tokio::test]
async fn the_signing_key_is_read_and_published_in_the_jwks() {
    let stack = stack(Options::default()).await;
    let fa = client(&stack);
    // Kickstart generated the tenant's RSA key, as `mcp-fa up` has it do.
    let key = fa.get_key(&stack.rsa_key_id).await.expect("key");
    assert_eq!(key.id.as_deref(), Some(stack.rsa_key_id.as_str()));
    assert_eq!(key.algorithm, Some(KeyAlgorithm::Rs256));
    let kid = key.kid.clone().expect("a kid");

    let jwks = anonymous(&stack.sim.url()).jwks().await.expect("jwks");
    let jwk = jwks
        .keys
        .iter()
        .find(|k| k.kid.as_deref() == Some(kid.as_str()))
        .unwrap_or_else(|| panic!("{kid} in {jwks:?}"));
    assert_eq!(jwk.kty, "RSA");
    assert!(jwk.n.is_some() && jwk.e.is_some());

    assert_not_found(fa.get_key(&new_id()).await, "no such key");
}

#[tokio::test]
async fn applications_are_created_listed_and_deleted() {
    let stack = stack(Options::default()).await;
    let fa = client(&stack);
    let keep = "http://localhost:4000/callback";
    let drop_me = "http://localhost:4001/callback";
    let cursor_id = new_id();
    let created = fa
        .create_application(Some(&cursor_id), &oauth_app("Cursor", &[keep, drop_me]))
        .await
        .expect("created");
    assert_eq!(created.id.as_deref(), Some(cursor_id.as_str()));
    assert_eq!(created.name.as_deref(), Some("Cursor"));
    let oauth = created.oauth_configuration.clone().expect("oauth config");
    assert_eq!(oauth.client_id.as_deref(), Some(cursor_id.as_str()));
    assert!(oauth.client_secret.is_some(), "the secret comes back once");

    let fetched = fa.get_application(&cursor_id).await.expect("fetched");
    assert_eq!(fetched.name.as_deref(), Some("Cursor"));
    assert_eq!(
        fetched
            .oauth_configuration
            .as_ref()
            .and_then(|o| o.authorized_redirect_urls.clone()),
        Some(vec![keep.to_owned(), drop_me.to_owned()])
    );

    let second = fa
        .create_application(None, &oauth_app("cursor-2", &[keep]))
        .await
        .expect("created");
    let second_id = second.id.expect("generated id");

    // Soft delete: gone from the active list, listed with the inactive ones, still readable.
    fa.delete_application(&second_id, false)
        .await
        .expect("soft delete");
    let active: Vec<String> = fa
        .list_applications(false)
        .await
        .expect("list")
        .into_iter()
        .filter_map(|a| a.id)
        .collect();
    assert!(active.contains(&cursor_id));
    assert!(active.contains(&stack.client_id));
    assert!(!active.contains(&second_id), "{active:?}");
    let all = fa.list_applications(true).await.expect("list");
    let inactive = all
        .iter()
        .find(|a| a.id.as_deref() == Some(second_id.as_str()))
        .expect("the soft-deleted application is listed with inactive ones");
    assert_eq!(inactive.active, Some(false));
    assert_eq!(all.len(), active.len() + 1);
    let soft = fa.get_application(&second_id).await.expect("still there");
    assert_eq!(soft.active, Some(false));

    // Hard delete: gone.
    fa.delete_application(&cursor_id, true)
        .await
        .expect("hard delete");
    let error = fa.get_application(&cursor_id).await.expect_err("deleted");
    assert!(
        matches!(error, FusionAuthError::NotFound { .. }),
        "{error:?}"
    );
    assert_not_found(
        fa.delete_application(&cursor_id, true).await,
        "already deleted",
    );
}

#[tokio::test]
async fn unlicensed_third_party_applications_and_scopes_are_not_licensed() {
    let stack = stack(Options::default()).await;
    let fa = client(&stack);
    let mut app = oauth_app("third party", &["http://localhost:4000/cb"]);
    if let Some(oauth) = app.oauth_configuration.as_mut() {
        oauth.relationship = Some(OAuthApplicationRelationship::ThirdParty);
    }
    let error = fa
        .create_application(None, &app)
        .await
        .expect_err("needs a license");
    assert!(not_licensed(&error), "{:?}", codes(&error));

    let scope = ApplicationOAuthScope {
        name: Some("mcp:tools".to_owned()),
        ..ApplicationOAuthScope::default()
    };
    let error = fa
        .create_scope(&stack.client_id, None, &scope)
        .await
        .expect_err("needs a license");
    assert!(not_licensed(&error), "{:?}", codes(&error));
}

#[tokio::test]
async fn licensed_scopes_are_created_once() {
    let stack = stack(Options::third_party()).await;
    let fa = client(&stack);
    let scope_id = new_id();
    let scope = ApplicationOAuthScope {
        name: Some("mcp:tools".to_owned()),
        description: Some("Use the tools".to_owned()),
        ..ApplicationOAuthScope::default()
    };
    let created = fa
        .create_scope(&stack.client_id, Some(&scope_id), &scope)
        .await
        .expect("scope created");
    assert_eq!(created.id.as_deref(), Some(scope_id.as_str()));
    assert_eq!(created.name.as_deref(), Some("mcp:tools"));
    let app = fa.get_application(&stack.client_id).await.expect("app");
    assert!(
        app.scopes
            .unwrap_or_default()
            .iter()
            .any(|s| s.name.as_deref() == Some("mcp:tools"))
    );

    let error = fa
        .create_scope(&stack.client_id, None, &scope)
        .await
        .expect_err("duplicate");
    assert_eq!(codes(&error), ["[duplicate]scope.name"]);
    assert!(!not_licensed(&error));

    // A licensed instance accepts third-party applications too.
    let mut third = oauth_app("third party", &["http://localhost:4000/cb"]);
    if let Some(oauth) = third.oauth_configuration.as_mut() {
        oauth.relationship = Some(OAuthApplicationRelationship::ThirdParty);
    }
    let created = fa.create_application(None, &third).await.expect("licensed");
    assert_eq!(
        created.oauth_configuration.and_then(|o| o.relationship),
        Some(OAuthApplicationRelationship::ThirdParty)
    );
}

#[tokio::test]
async fn users_are_read_and_registered() {
    let stack = stack(Options::default()).await;
    let fa = client(&stack);
    let user_id = new_id();
    let (status, created) = Api::of(&stack)
        .post(
            &format!("/api/user/{user_id}"),
            json!({"user": {"email": "someone@example.com", "firstName": "Some", "lastName": "One",
                            "password": "a-long-enough-password"}}),
        )
        .await;
    assert_eq!(status, 200, "{created}");

    let fetched = fa.get_user(&user_id).await.expect("by id");
    assert_eq!(fetched.id.as_deref(), Some(user_id.as_str()));
    assert_eq!(fetched.email.as_deref(), Some("someone@example.com"));
    assert_eq!(fetched.first_name.as_deref(), Some("Some"));
    let demo = fa.get_user(&stack.user_id).await.expect("demo user");
    assert_eq!(demo.email.as_deref(), Some(DEMO_EMAIL));
    assert_not_found(fa.get_user(&new_id()).await, "unknown");

    let registration = UserRegistration {
        application_id: Some(stack.client_id.clone()),
        ..UserRegistration::default()
    };
    let registered = fa
        .register_user(&user_id, &registration)
        .await
        .expect("registered");
    assert_eq!(
        registered.application_id.as_deref(),
        Some(stack.client_id.as_str())
    );
    let error = fa
        .register_user(&user_id, &registration)
        .await
        .expect_err("twice");
    assert!(error.has_code_prefix("[duplicate]"), "{:?}", codes(&error));
    let error = fa
        .register_user(&stack.user_id, &registration)
        .await
        .expect_err("the demo user is registered by kickstart");
    assert!(error.has_code_prefix("[duplicate]"), "{:?}", codes(&error));
}

#[tokio::test]
async fn the_reactor_reports_the_license() {
    let stack = stack(Options::default()).await;
    let fa = client(&stack);
    let status = fa.reactor_status().await.expect("reactor");
    assert!(!status.licensed);
    assert!(!status.allows_custom_scopes());

    // Activated outside the typed client, as kickstart does for `mcp-fa up --license-id`.
    let (code, body) = Api::of(&stack)
        .post("/api/reactor", json!({"licenseId": support::LICENSE_ID}))
        .await;
    assert_eq!(code, 200, "{body}");
    assert!(fa.reactor_status().await.expect("reactor").licensed);

    let licensed = stack_licensed().await;
    let status = client(&licensed).reactor_status().await.expect("reactor");
    assert!(status.licensed);
    assert!(status.allows_custom_scopes());
}

async fn stack_licensed() -> Stack {
    stack(Options::licensed()).await
}

#[tokio::test]
async fn tokens_validate_and_reach_userinfo_and_logins_are_recorded() {
    let stack = stack(Options::default()).await;
    let base = stack.sim.url();
    let fa = client(&stack);

    let discovery = fa.openid_configuration().await.expect("discovery");
    assert_eq!(discovery.issuer, base);
    assert!(
        discovery
            .code_challenge_methods_supported
            .iter()
            .any(|m| m == "S256"),
        "{discovery:?}"
    );
    assert!(discovery.jwks_uri.starts_with(&base));

    let token = access_token(&stack).await;
    // Token endpoints need no API key.
    let bare = anonymous(&base);
    let claims = bare.validate_jwt(&token).await.expect("valid token");
    assert_eq!(
        claims.aud,
        Some(Audience::Many(vec![
            stack.client_id.clone(),
            stack.resource.clone()
        ]))
    );
    assert!(
        claims
            .aud
            .as_ref()
            .is_some_and(|a| a.iter().any(|aud| aud == stack.resource))
    );
    assert_eq!(claims.sub.as_deref(), Some(stack.user_id.as_str()));
    assert_eq!(claims.iss.as_deref(), Some(base.as_str()));
    assert_eq!(
        claims.application_id.as_deref(),
        Some(stack.client_id.as_str())
    );
    assert!(claims.scopes().any(|s| s == "openid"));
    assert!(claims.exp.is_some_and(|exp| exp > claims.iat.unwrap_or(0)));

    let error = bare
        .validate_jwt("not.a.jwt")
        .await
        .expect_err("garbage token");
    assert!(matches!(error, FusionAuthError::InvalidToken), "{error:?}");

    let info = bare.userinfo(&token).await.expect("userinfo");
    assert_eq!(info.name.as_deref(), Some("Test User"));
    assert_eq!(info.sub, stack.user_id);
    assert_eq!(info.email.as_deref(), Some(DEMO_EMAIL));
    let error = bare.userinfo("garbage").await.expect_err("garbage token");
    assert!(
        !format!("{error} {error:?}").contains("garbage"),
        "{error:?}"
    );

    let records = fa
        .search_login_records(&LoginRecordSearchCriteria {
            application_id: Some(stack.client_id.clone()),
            ..LoginRecordSearchCriteria::default()
        })
        .await
        .expect("login records");
    assert_eq!(records.total, Some(1), "{records:?}");
    assert_eq!(records.logins.len(), 1);
    assert_eq!(
        records.logins[0].application_id.as_deref(),
        Some(stack.client_id.as_str())
    );
    assert_eq!(
        records.logins[0].user_id.as_deref(),
        Some(stack.user_id.as_str())
    );
    let none = fa
        .search_login_records(&LoginRecordSearchCriteria {
            user_id: Some(new_id()),
            ..LoginRecordSearchCriteria::default()
        })
        .await
        .expect("login records");
    assert_eq!(none.total, Some(0));
    assert!(none.logins.is_empty());
}
