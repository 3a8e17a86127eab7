//! Every call mcp-fa makes to FusionAuth, through the typed client against the stand-in, and
//! the raw calls the tests' setup makes, errors included: the exchanges the contract audits.

use std::time::Duration;

use crate::support;
use crate::support::browser::{Authorize, Browser, Pkce, query, refresh_grant, token_request};
use crate::support::{Api, DEMO_EMAIL, DEMO_PASSWORD, LICENSE_ID, Stack};
use mcp_fa::clients::{ClientKind, client_application};
use mcp_fa::fusionauth::{
    Application, ApplicationOAuthScope, FusionAuthClient, FusionAuthError,
    LoginRecordSearchCriteria, OAuthApplicationRelationship, Timeouts, UserRegistration,
};
use serde_json::{Value, json};
use url::Url;

fn client(stack: &Stack) -> FusionAuthClient {
    FusionAuthClient::new(
        Url::parse(&stack.sim.url()).expect("stand-in URL"),
        Timeouts::default(),
    )
    .expect("client")
    .with_api_key(stack.api_key.clone())
    .with_new_key_grace(Duration::from_secs(10))
}

fn anonymous(stack: &Stack) -> FusionAuthClient {
    FusionAuthClient::new(
        Url::parse(&stack.sim.url()).expect("stand-in URL"),
        Timeouts::default(),
    )
    .expect("client")
}

pub(super) fn uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn mcp_client(name: &str, relationship: OAuthApplicationRelationship) -> Application {
    let mut application = client_application(
        name,
        ClientKind::ClaudeCode,
        None,
        vec!["http://localhost:33418/callback".into()],
        support::RESOURCE,
        relationship == OAuthApplicationRelationship::ThirdParty,
    );
    // Not what mcp-fa sends, but a field FusionAuth declares: the contract covers it too.
    if let Some(oauth) = application.oauth_configuration.as_mut() {
        oauth.require_registration = Some(true);
    }
    application
}

fn expect_validation<T: std::fmt::Debug>(result: Result<T, FusionAuthError>, what: &str) {
    match result {
        Err(FusionAuthError::Validation(errors)) => assert!(!errors.is_empty(), "{what}"),
        other => panic!("{what}: expected a 400 validation error, got {other:?}"),
    }
}

/// A raw call the typed client has no method for (mcp-fa does not make it; the tests' setup
/// does), expected to answer `status`.
async fn raw(api: &Api, method: &str, path: &str, body: Option<Value>, status: u16) -> Value {
    let (got, json, text) = api.call(method, path, body).await;
    assert_eq!(got, status, "{method} {path}: {text}");
    json
}

/// Everything mcp-fa does against an unlicensed FusionAuth, errors included.
pub(super) async fn drive_unlicensed(stack: &Stack) {
    let fa = client(stack);
    let base = stack.sim.url();

    assert!(anonymous(stack).status().await.expect("status").is_ready());

    // Tenant: read, and patch the issuer and signing keys as `mcp-fa up` does.
    let tenants = fa.list_tenants().await.expect("list tenants");
    let tenant_id = tenants[0].id.clone().expect("tenant id");
    let tenant = fa.get_tenant(&tenant_id).await.expect("get tenant");
    assert_eq!(tenant.issuer.as_deref(), Some(base.as_str()));
    let api = Api::of(stack);
    raw(
        &api,
        "PATCH",
        &format!("/api/tenant/{tenant_id}"),
        Some(json!({"tenant": {"issuer": base, "jwtConfiguration": {
            "accessTokenKeyId": stack.rsa_key_id, "idTokenKeyId": stack.rsa_key_id}}})),
        200,
    )
    .await;
    let wrong_key = anonymous(stack).with_api_key("not-the-key-0123456789abcdef");
    let refused = wrong_key.get_tenant(&tenant_id).await;
    assert!(
        refused
            .as_ref()
            .is_err_and(FusionAuthError::is_unauthorized),
        "{refused:?}"
    );

    // Keys.
    let rsa_id = uuid();
    let rsa = raw(
        &api,
        "POST",
        &format!("/api/key/generate/{rsa_id}"),
        Some(json!({"key": {"algorithm": "RS256", "name": "contract rsa", "length": 2048}})),
        200,
    )
    .await;
    assert_eq!(rsa["key"]["id"], rsa_id.as_str());
    raw(
        &api,
        "POST",
        "/api/key/generate",
        Some(json!({"key": {"algorithm": "HS256", "name": "contract hmac"}})),
        200,
    )
    .await;
    fa.get_key(&stack.rsa_key_id).await.expect("get key");

    // Applications.
    let app_id = uuid();
    let created = fa
        .create_application(
            Some(&app_id),
            &mcp_client("contract-a", OAuthApplicationRelationship::FirstParty),
        )
        .await
        .expect("create application with id");
    assert!(
        created
            .oauth_configuration
            .and_then(|o| o.client_secret)
            .is_some()
    );
    let other = fa
        .create_application(
            None,
            &mcp_client("contract-b", OAuthApplicationRelationship::FirstParty),
        )
        .await
        .expect("create application");
    let other_id = other.id.expect("id");
    expect_validation(
        fa.create_application(None, &Application::default()).await,
        "an application without a name",
    );
    expect_validation(
        fa.create_application(
            Some(&uuid()),
            &mcp_client("contract-c", OAuthApplicationRelationship::ThirdParty),
        )
        .await,
        "a third-party application without a license",
    );
    fa.get_application(&app_id).await.expect("get application");
    let missing = fa.get_application(&uuid()).await;
    assert!(
        missing.as_ref().is_err_and(FusionAuthError::is_not_found),
        "{missing:?}"
    );
    let patched = raw(
        &api,
        "PATCH",
        &format!("/api/application/{app_id}"),
        Some(
            json!({"application": {"oauthConfiguration": {"authorizedRedirectURLs": [
            "http://localhost:33418/callback", "http://127.0.0.1:33418/callback"]}}}),
        ),
        200,
    )
    .await;
    assert_eq!(
        patched["application"]["oauthConfiguration"]["authorizedRedirectURLs"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );
    let found = raw(
        &api,
        "POST",
        "/api/application/search",
        Some(json!({"search": {"name": "contract", "numberOfResults": 100, "startRow": 0}})),
        200,
    )
    .await;
    assert!(
        found["applications"].as_array().map(Vec::len) >= Some(2),
        "{found}"
    );
    fa.delete_application(&other_id, false)
        .await
        .expect("soft delete");
    let all = fa.list_applications(true).await.expect("list applications");
    assert!(
        all.iter()
            .any(|a| a.id.as_deref() == Some(other_id.as_str()) && a.active == Some(false)),
        "the soft-deleted application is listed as inactive"
    );
    fa.delete_application(&other_id, true)
        .await
        .expect("hard delete");
    let gone = fa.delete_application(&other_id, true).await;
    assert!(
        gone.as_ref().is_err_and(FusionAuthError::is_not_found),
        "{gone:?}"
    );

    // Custom scopes need a license.
    let refused = fa
        .create_scope(
            &app_id,
            None,
            &ApplicationOAuthScope {
                name: Some("mcp:tools".into()),
                ..Default::default()
            },
        )
        .await;
    assert!(
        refused
            .as_ref()
            .is_err_and(|e| e.has_code_prefix("[notLicensed")),
        "{refused:?}"
    );

    // Users and registrations.
    let user_id = uuid();
    raw(
        &api,
        "POST",
        &format!("/api/user/{user_id}"),
        Some(
            json!({"user": {"email": "contract-1@example.com", "firstName": "Contract",
            "lastName": "One", "fullName": "Contract One", "password": "correct horse battery"}}),
        ),
        200,
    )
    .await;
    raw(
        &api,
        "POST",
        "/api/user",
        Some(json!({"user": {"email": "contract-2@example.com",
            "password": "correct horse battery"}})),
        200,
    )
    .await;
    fa.get_user(&user_id).await.expect("get user");
    raw(
        &api,
        "GET",
        &format!("/api/user?email={DEMO_EMAIL}"),
        None,
        200,
    )
    .await;
    raw(&api, "GET", "/api/user?email=nobody@example.com", None, 404).await;
    let registration = UserRegistration {
        application_id: Some(app_id.clone()),
        roles: Some(vec![]),
        ..Default::default()
    };
    fa.register_user(&user_id, &registration)
        .await
        .expect("register user");
    expect_validation(
        fa.register_user(&user_id, &registration).await,
        "registering twice",
    );
    // FusionAuth creates the user with the id in the path ("Create a User and Registration
    // (combined)").
    for (path, email) in [
        (
            "/api/user/registration".to_owned(),
            "contract-3@example.com",
        ),
        (
            format!("/api/user/registration/{}", uuid()),
            "contract-4@example.com",
        ),
    ] {
        raw(
            &api,
            "POST",
            &path,
            Some(
                json!({"user": {"email": email, "password": "correct horse battery"},
                "registration": {"applicationId": app_id, "roles": []}}),
            ),
            200,
        )
        .await;
    }

    // What a remote preflight and the self-test add: the version, a user made and deleted.
    assert_eq!(
        fa.system_version().await.expect("version"),
        fusionauth_sim::DEFAULT_VERSION
    );
    let temporary = fa
        .create_user(
            &mcp_fa::fusionauth::User {
                email: Some("contract-temporary@example.com".into()),
                full_name: Some("Contract Temporary".into()),
                ..Default::default()
            },
            "a-long-password-1A!",
        )
        .await
        .expect("create user");
    let temporary_id = temporary.id.expect("user id");
    fa.delete_user(&temporary_id).await.expect("delete user");
    assert!(
        fa.delete_user(&temporary_id)
            .await
            .is_err_and(|e| e.is_not_found()),
        "deleted for good"
    );

    // Discovery.
    let open = anonymous(stack);
    let discovery = open.openid_configuration().await.expect("discovery");
    assert_eq!(discovery.issuer, base);
    let jwks = open.jwks().await.expect("jwks");
    assert!(!jwks.keys.is_empty());

    // The browser flow with the kickstarted client, then the token-bearing operations.
    oauth_flow(stack, "openid profile email offline_access").await;

    // License: status, a refused activation, a real one.
    let status = fa.reactor_status().await.expect("reactor status");
    assert!(!status.licensed);
    raw(
        &api,
        "POST",
        "/api/reactor",
        Some(json!({"licenseId": "not a license"})),
        400,
    )
    .await;
    raw(
        &api,
        "POST",
        "/api/reactor",
        Some(json!({"licenseId": LICENSE_ID})),
        200,
    )
    .await;
    assert!(fa.reactor_status().await.expect("status").licensed);
}

/// What only a licensed FusionAuth allows: custom scopes and third-party (consent) clients.
pub(super) async fn drive_licensed(stack: &Stack) {
    let fa = client(stack);
    let status = fa.reactor_status().await.expect("reactor status");
    assert!(status.allows_custom_scopes(), "{status:?}");
    let scope = ApplicationOAuthScope {
        name: Some("mcp:tools".into()),
        description: Some("Use the MCP server's tools".into()),
        required: Some(false),
        default_consent_message: Some("Use your tools".into()),
        default_consent_detail: Some("Lets the client call the server's tools.".into()),
        ..Default::default()
    };
    fa.create_scope(&stack.client_id, None, &scope)
        .await
        .expect("create scope");
    let scope_id = uuid();
    let created = fa
        .create_scope(
            &stack.client_id,
            Some(&scope_id),
            &ApplicationOAuthScope {
                name: Some("mcp:resources".into()),
                ..Default::default()
            },
        )
        .await
        .expect("create scope with id");
    assert_eq!(created.id.as_deref(), Some(scope_id.as_str()));
    expect_validation(
        fa.create_scope(
            &stack.client_id,
            None,
            &ApplicationOAuthScope {
                name: Some("openid".into()),
                ..Default::default()
            },
        )
        .await,
        "a reserved scope name",
    );
    let third = fa
        .create_application(
            Some(&uuid()),
            &mcp_client(
                "contract-third-party",
                OAuthApplicationRelationship::ThirdParty,
            ),
        )
        .await
        .expect("a third-party application with a license");
    assert_eq!(
        third.oauth_configuration.and_then(|o| o.relationship),
        Some(OAuthApplicationRelationship::ThirdParty)
    );
    let app = fa
        .get_application(&stack.client_id)
        .await
        .expect("get application");
    assert_eq!(app.scopes.map(|s| s.len()), Some(2));

    // The consent screen, with a custom scope.
    oauth_flow(stack, "openid profile email offline_access mcp:tools").await;
}

/// authorize (browser) → token → refresh → userinfo → jwt validate → introspect → login records,
/// with the error answers of each.
async fn oauth_flow(stack: &Stack, scope: &str) {
    let base = stack.sim.url();
    let fa = client(stack);
    let pkce = Pkce::new();
    let authorize = Authorize::mcp(
        &stack.client_id,
        &stack.redirect_uri,
        scope,
        &pkce.challenge,
        &stack.resource,
    );
    let callback = Browser::new(&base)
        .log_in(&authorize.url(&base), DEMO_EMAIL, DEMO_PASSWORD)
        .await
        .redirect();
    let params = query(&callback);
    let code = params.get("code").expect("a code on the callback").clone();
    let exchange = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", stack.redirect_uri.as_str()),
        ("client_id", stack.client_id.as_str()),
        ("code_verifier", pkce.verifier.as_str()),
        ("resource", stack.resource.as_str()),
    ];
    // The typed client has no token operation (MCP clients do this part), so raw form posts.
    let (status, tokens) = token_request(&base, &exchange).await;
    assert_eq!(status, 200, "{tokens}");
    let (again, error) = token_request(&base, &exchange).await;
    assert_eq!(again, 400, "a code is single-use: {error}");
    let access = tokens["access_token"].as_str().expect("access token");
    let refresh = tokens["refresh_token"].as_str().expect("refresh token");
    let (status, refreshed) = refresh_grant(&base, refresh, &stack.client_id).await;
    assert_eq!(status, 200, "{refreshed}");
    // The token endpoint's other everyday refusals: an unknown refresh token, a foreign resource.
    let (status, error) = refresh_grant(&base, "no-such-refresh-token", &stack.client_id).await;
    assert_eq!(status, 400, "{error}");
    let (status, error) = token_request(
        &base,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh),
            ("client_id", &stack.client_id),
            ("resource", "http://elsewhere.example/mcp"),
        ],
    )
    .await;
    assert_eq!(status, 400, "{error}");
    let access = refreshed["access_token"]
        .as_str()
        .unwrap_or(access)
        .to_string();

    let open = anonymous(stack);
    let info = open.userinfo(&access).await.expect("userinfo");
    assert_eq!(info.email.as_deref(), Some(DEMO_EMAIL));
    let bad = open.userinfo("not.a.token").await;
    assert!(bad.is_err(), "{bad:?}");
    let claims = open.validate_jwt(&access).await.expect("validate");
    assert_eq!(claims.sub.as_deref(), Some(stack.user_id.as_str()));
    let bad = open.validate_jwt("not.a.token").await;
    assert!(matches!(bad, Err(FusionAuthError::InvalidToken)), "{bad:?}");

    // Introspection, by the client the token was issued to (the typed client has none either).
    let secret = fa
        .get_application(&stack.client_id)
        .await
        .expect("application")
        .oauth_configuration
        .and_then(|o| o.client_secret)
        .expect("client secret");
    let http = reqwest::Client::new();
    let introspect = |fields: Vec<(&'static str, String)>| {
        let http = http.clone();
        let url = format!("{base}/oauth2/introspect");
        async move {
            let response = http
                .post(url)
                .form(&fields)
                .send()
                .await
                .expect("introspect");
            let status = response.status().as_u16();
            (
                status,
                response.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };
    let (status, active) = introspect(vec![
        ("token", access.clone()),
        ("client_id", stack.client_id.clone()),
        ("client_secret", secret.expose().to_string()),
    ])
    .await;
    assert_eq!((status, &active["active"]), (200, &json!(true)), "{active}");
    let (status, refused) = introspect(vec![("token", access.clone())]).await;
    assert_eq!(status, 401, "{refused}");
    let (status, refused) = introspect(vec![
        ("token", access.clone()),
        ("client_id", stack.client_id.clone()),
        ("client_secret", "not-the-secret".to_string()),
    ])
    .await;
    assert_eq!(status, 401, "{refused}");

    let logins = fa
        .search_login_records(&LoginRecordSearchCriteria {
            application_id: Some(stack.client_id.clone()),
            number_of_results: Some(10),
            ..Default::default()
        })
        .await
        .expect("login records");
    assert!(!logins.logins.is_empty(), "the browser login is recorded");
}
