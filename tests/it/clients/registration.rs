//! Registering MCP clients against the FusionAuth stand-in: the application each kind needs,
//! logins with exactly its redirect URIs, license-dependent scopes, idempotency, removal and
//! pruning by login records.

use std::time::Duration;

use crate::support::browser::{Authorize, Browser, Page, Pkce, query};
use crate::support::{DEMO_EMAIL, DEMO_PASSWORD, Options, RESOURCE, Stack, stack};
use mcp_fa::clients::{
    ClientKind, ClientName, ClientRegistrar, RedirectUri, RegistrationError, RegistrationRequest,
};
use mcp_fa::fusionauth::{
    AuthorizedUrlValidationPolicy, ClientAuthenticationPolicy, FusionAuthClient, GrantType,
    OAuthApplicationRelationship, OAuthScopeHandlingPolicy, ProofKeyForCodeExchangePolicy,
    Timeouts,
};

fn fusionauth(stack: &Stack) -> FusionAuthClient {
    FusionAuthClient::new(
        url::Url::parse(&stack.sim.url()).expect("url"),
        Timeouts::default(),
    )
    .expect("client")
    .with_api_key(stack.api_key.clone())
    .with_new_key_grace(Duration::from_secs(5))
}

fn request(name: &str, kind: ClientKind, stack: &Stack) -> RegistrationRequest {
    RegistrationRequest {
        name: ClientName::parse(name).expect("name"),
        kind,
        port: None,
        extra_redirect_uris: vec![],
        resource: RESOURCE.to_string(),
        user_id: Some(stack.user_id.clone()),
    }
}

#[tokio::test]
async fn each_kind_gets_the_application_fusionauth_needs_for_it() {
    let stack = stack(Options::default()).await;
    let fa = fusionauth(&stack);
    let registrar = ClientRegistrar::new(&fa);
    // The confidential kind (claude.ai's connector) needs an https resource: `remote::connector`.
    let public_kinds: Vec<ClientKind> = ClientKind::ALL
        .into_iter()
        .filter(|k| !k.is_confidential())
        .collect();
    for &kind in &public_kinds {
        let mut req = request(kind.as_str(), kind, &stack);
        if kind == ClientKind::Custom {
            req.extra_redirect_uris =
                vec![RedirectUri::parse("https://app.example/callback").expect("uri")];
        }
        let client = registrar
            .add(&req)
            .await
            .unwrap_or_else(|e| panic!("{kind}: {e}"));
        assert!(client.created);
        let app = fa
            .get_application(&client.client_id)
            .await
            .expect("application");
        let oauth = app.oauth_configuration.expect("oauth");
        let expected: Vec<String> = if kind == ClientKind::Custom {
            vec!["https://app.example/callback".into()]
        } else {
            kind.redirect_uris(None)
                .iter()
                .map(|u| u.to_string())
                .collect()
        };
        assert_eq!(
            oauth.authorized_redirect_urls.as_deref(),
            Some(expected.as_slice()),
            "{kind}"
        );
        assert_eq!(
            oauth.authorized_url_validation_policy,
            Some(AuthorizedUrlValidationPolicy::ExactMatch)
        );
        assert_eq!(
            oauth.authorized_resource_uris,
            Some(vec![RESOURCE.to_string()])
        );
        assert_eq!(
            oauth.client_authentication_policy,
            Some(ClientAuthenticationPolicy::NotRequiredWhenUsingPkce)
        );
        assert_eq!(
            oauth.proof_key_for_code_exchange_policy,
            Some(ProofKeyForCodeExchangePolicy::Required)
        );
        assert_eq!(
            oauth.enabled_grants,
            Some(vec![GrantType::AuthorizationCode, GrantType::RefreshToken])
        );
        assert_eq!(oauth.generate_refresh_tokens, Some(true));
        assert_eq!(
            oauth.scope_handling_policy,
            Some(OAuthScopeHandlingPolicy::Strict)
        );
        assert_eq!(
            oauth.relationship,
            Some(OAuthApplicationRelationship::FirstParty),
            "unlicensed: no consent screen"
        );
        assert!(
            app.scopes.unwrap_or_default().is_empty(),
            "unlicensed: no custom scopes"
        );
        let user = fa.get_user(&stack.user_id).await.expect("user");
        assert!(
            user.registrations
                .unwrap_or_default()
                .iter()
                .any(|r| r.application_id.as_deref() == Some(client.client_id.as_str())),
            "{kind}: the demo user is registered"
        );
    }
    let listed = registrar.list().await.expect("list");
    assert_eq!(
        listed.len(),
        public_kinds.len(),
        "only our applications are listed, not kickstart's"
    );
}

#[tokio::test]
async fn a_registered_redirect_uri_logs_in_and_any_other_port_or_host_is_refused() {
    let stack = stack(Options::default()).await;
    let fa = fusionauth(&stack);
    let registrar = ClientRegistrar::new(&fa);
    let mut req = request("claude", ClientKind::ClaudeCode, &stack);
    req.port = Some(4555);
    let client = registrar.add(&req).await.expect("add");
    assert_eq!(client.port, Some(4555));
    let base = stack.sim.url();
    let browser = Browser::new(&base);
    let pkce = Pkce::new();
    for uri in &client.redirect_uris {
        let a = Authorize {
            client_id: &client.client_id,
            redirect_uri: uri,
            scope: "openid profile",
            state: "s",
            challenge: Some(&pkce.challenge),
            resources: vec![RESOURCE],
        };
        let callback = browser
            .log_in(&a.url(&base), DEMO_EMAIL, DEMO_PASSWORD)
            .await
            .redirect();
        assert!(
            callback.as_str().starts_with(uri.as_str()),
            "{uri} -> {callback}"
        );
        assert!(query(&callback).contains_key("code"));
    }
    for wrong in [
        "http://localhost:4556/callback",
        "http://localhost:4555/oauth/callback",
        "http://example.com:4555/callback",
    ] {
        let a = Authorize {
            client_id: &client.client_id,
            redirect_uri: wrong,
            scope: "openid",
            state: "s",
            challenge: Some(&pkce.challenge),
            resources: vec![RESOURCE],
        };
        assert!(
            matches!(
                browser.open(&a.url(&base)).await,
                Page::Html { status: 400, .. }
            ),
            "{wrong} must be refused"
        );
    }
}

#[tokio::test]
async fn licensed_instances_get_consent_and_the_get_name_scope() {
    let stack = stack(Options::licensed()).await;
    let fa = fusionauth(&stack);
    let client = ClientRegistrar::new(&fa)
        .add(&request("cursor", ClientKind::Cursor, &stack))
        .await
        .expect("add");
    assert!(client.third_party);
    assert_eq!(client.scopes, vec!["get_name"]);
    let app = fa.get_application(&client.client_id).await.expect("app");
    assert_eq!(
        app.oauth_configuration.expect("oauth").relationship,
        Some(OAuthApplicationRelationship::ThirdParty)
    );
}

#[tokio::test]
async fn adding_a_name_twice_returns_the_first_registration() {
    let stack = stack(Options::default()).await;
    let fa = fusionauth(&stack);
    let registrar = ClientRegistrar::new(&fa);
    let first = registrar
        .add(&request("work", ClientKind::Cursor, &stack))
        .await
        .expect("add");
    let again = registrar
        .add(&request("work", ClientKind::Cursor, &stack))
        .await
        .expect("re-add");
    assert!(!again.created);
    assert_eq!(again.client_id, first.client_id);
    // A longer name that contains it is a different client (FusionAuth's search is a substring match).
    let other = registrar
        .add(&request("work-2", ClientKind::Cursor, &stack))
        .await
        .expect("add");
    assert_ne!(other.client_id, first.client_id);
    let clash = registrar
        .add(&request("work", ClientKind::VsCode, &stack))
        .await
        .expect_err("kind clash");
    assert!(
        matches!(
            clash,
            RegistrationError::NameTaken {
                existing: ClientKind::Cursor,
                ..
            }
        ),
        "{clash}"
    );
    assert_eq!(registrar.list().await.expect("list").len(), 2);
}

#[tokio::test]
async fn remove_hard_deletes_and_unknown_names_say_how_to_list() {
    let stack = stack(Options::default()).await;
    let fa = fusionauth(&stack);
    let registrar = ClientRegistrar::new(&fa);
    let client = registrar
        .add(&request("gone", ClientKind::McpRemote, &stack))
        .await
        .expect("add");
    let removed = registrar.remove("gone").await.expect("remove");
    assert_eq!(removed.client_id, client.client_id);
    assert!(
        fa.get_application(&client.client_id)
            .await
            .expect_err("deleted")
            .is_not_found()
    );
    let err = registrar.remove("gone").await.expect_err("nothing left");
    assert!(err.to_string().contains("mcp-fa clients list"), "{err}");
    let err = registrar
        .add(&RegistrationRequest {
            port: Some(1),
            ..request("c", ClientKind::Cursor, &stack)
        })
        .await
        .expect_err("no port");
    assert!(matches!(err, RegistrationError::PortNotApplicable { .. }));
    let err = registrar
        .add(&request("x", ClientKind::Custom, &stack))
        .await
        .expect_err("no uris");
    assert!(matches!(err, RegistrationError::NoRedirectUris));
}

#[tokio::test]
async fn prune_removes_only_clients_nobody_logged_in_with_lately() {
    let stack = stack(Options::default()).await;
    let fa = fusionauth(&stack);
    let registrar = ClientRegistrar::new(&fa);
    let used = registrar
        .add(&request("used", ClientKind::McpRemote, &stack))
        .await
        .expect("add");
    let idle = registrar
        .add(&request("idle", ClientKind::Cursor, &stack))
        .await
        .expect("add");
    let base = stack.sim.url();
    let pkce = Pkce::new();
    let login = |client_id: String| {
        let base = base.clone();
        let challenge = pkce.challenge.clone();
        async move {
            let a = Authorize {
                client_id: &client_id,
                redirect_uri: "http://localhost:3334/oauth/callback",
                scope: "openid",
                state: "s",
                challenge: Some(&challenge),
                resources: vec![RESOURCE],
            };
            Browser::new(&base)
                .log_in(&a.url(&base), DEMO_EMAIL, DEMO_PASSWORD)
                .await
                .redirect();
        }
    };
    const DAY: i64 = 86_400_000;
    // Both are 40 days old; "used" was logged in with 2 days ago.
    stack.sim.clock().advance_secs(38 * 86_400);
    login(used.client_id.clone()).await;
    stack.sim.clock().advance_secs(2 * 86_400);
    let now = stack.sim.clock().now_millis();
    let listed = registrar.list_with_last_login().await.expect("list");
    let last = |id: &str| {
        listed
            .iter()
            .find(|c| c.client_id == id)
            .and_then(|c| c.last_login)
    };
    assert!(last(&used.client_id).is_some_and(|t| now - t >= 2 * DAY - 1000));
    assert_eq!(last(&idle.client_id), None);
    // A client created just now is never pruned, however unused.
    let fresh = registrar
        .add(&request("fresh", ClientKind::VsCode, &stack))
        .await
        .expect("add");
    let removed = registrar.prune(30 * DAY, now).await.expect("prune");
    let names: Vec<&str> = removed.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, vec!["idle"]);
    let left: Vec<String> = registrar
        .list()
        .await
        .expect("list")
        .into_iter()
        .map(|c| c.name)
        .collect();
    assert_eq!(left, vec!["used".to_string(), fresh.name]);
}
