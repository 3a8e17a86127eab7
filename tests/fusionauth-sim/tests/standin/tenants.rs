//! Several tenants and limited API keys, as FusionAuth answers them: each tenant its own issuer,
//! keys, applications and users; the tenant header; a key limited to one tenant, or to some
//! endpoints, answering 401 elsewhere; the global endpoints refusing any request that names a
//! tenant; and a confidential client presenting its secret at the token endpoint.

use fusionauth_sim::SimConfig;
use serde_json::{Value, json};

use crate::support::browser::{Authorize, Browser, Pkce, login_and_exchange, query, token_request};
use crate::support::tenants::{
    RESOURCE, SHARED_EMAIL, Tenant, TwoTenants, call, claims, header, two_tenants,
};

/// The `kid` FusionAuth put in the tenant's key.
async fn kid_of(setup: &TwoTenants, key_id: &str) -> String {
    let (status, key, _) = call(
        &setup.base,
        &setup.global_key,
        None,
        "GET",
        &format!("/api/key/{key_id}"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{key}");
    key["key"]["kid"].as_str().expect("kid").to_owned()
}

async fn log_in(setup: &TwoTenants, tenant: &Tenant, password: &str) -> (u16, Value) {
    let pkce = Pkce::new();
    let authorize = Authorize {
        client_id: &tenant.client_id,
        redirect_uri: tenant.redirect_uri,
        scope: "openid profile",
        state: "s",
        challenge: Some(&pkce.challenge),
        resources: vec![RESOURCE],
    };
    login_and_exchange(
        &setup.base,
        &authorize,
        &pkce.verifier,
        SHARED_EMAIL,
        password,
    )
    .await
}

#[tokio::test]
async fn each_tenant_has_its_own_issuer_keys_users_and_applications() {
    let setup = two_tenants(SimConfig::for_tests()).await;
    for tenant in [&setup.first, &setup.second] {
        // One address, two users: each logs in to its own tenant's application only.
        let (status, body) = log_in(&setup, tenant, tenant.password).await;
        assert_eq!(status, 200, "{body}");
        let token = body["access_token"].as_str().expect("token");
        let claims = claims(token);
        assert_eq!(claims["iss"], json!(tenant.issuer));
        assert_eq!(claims["tid"], json!(tenant.id));
        assert_eq!(claims["sub"], json!(tenant.user_id));
        assert_eq!(
            header(token)["kid"],
            json!(kid_of(&setup, &tenant.key_id).await)
        );

        // Its discovery document, by path and by query parameter.
        for path in [
            format!("/.well-known/openid-configuration/{}", tenant.id),
            format!("/.well-known/openid-configuration?tenantId={}", tenant.id),
        ] {
            let doc: Value = reqwest::get(format!("{}{path}", setup.base))
                .await
                .expect("discovery")
                .json()
                .await
                .expect("json");
            assert_eq!(doc["issuer"], json!(tenant.issuer), "{path}");
        }
    }
    // The other tenant's password is not this tenant's user's.
    let browser = Browser::new(&setup.base);
    let pkce = Pkce::new();
    let authorize = Authorize {
        client_id: &setup.second.client_id,
        redirect_uri: setup.second.redirect_uri,
        scope: "openid",
        state: "s",
        challenge: Some(&pkce.challenge),
        resources: vec![],
    };
    let page = browser
        .log_in(
            &authorize.url(&setup.base),
            SHARED_EMAIL,
            setup.first.password,
        )
        .await;
    assert!(
        page.html().contains("Invalid login credentials"),
        "{}",
        page.html()
    );
    let (status, _, _) = call(
        &setup.base,
        &setup.global_key,
        None,
        "GET",
        "/.well-known/openid-configuration/00000000-0000-0000-0000-000000000000",
        None,
    )
    .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn the_tenant_header_and_a_tenant_limited_key_see_one_tenant() {
    let setup = two_tenants(SimConfig::for_tests()).await;
    let (first, second) = (&setup.first, &setup.second);
    let app_names = |body: &Value| -> Vec<String> {
        body["applications"]
            .as_array()
            .expect("applications")
            .iter()
            .map(|a| a["name"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    let (_, all, _) = call(
        &setup.base,
        &setup.global_key,
        None,
        "GET",
        "/api/application",
        None,
    )
    .await;
    assert!(app_names(&all).contains(&"first app".to_owned()));
    assert!(app_names(&all).contains(&"second app".to_owned()));
    for (key, header) in [
        (&setup.global_key, Some(second.id.as_str())),
        (&setup.tenant_key, None),
        (&setup.tenant_key, Some(second.id.as_str())),
    ] {
        let (status, seen, _) =
            call(&setup.base, key, header, "GET", "/api/application", None).await;
        assert_eq!(status, 200);
        let names = app_names(&seen);
        assert!(names.contains(&"second app".to_owned()), "{names:?}");
        assert!(!names.contains(&"first app".to_owned()), "{names:?}");
        let (status, _, body) = call(
            &setup.base,
            key,
            header,
            "GET",
            &format!("/api/application/{}", first.client_id),
            None,
        )
        .await;
        assert_eq!(
            (status, body.as_str()),
            (404, ""),
            "another tenant's object is not there"
        );
        let (status, tenants, _) = call(&setup.base, key, header, "GET", "/api/tenant", None).await;
        assert_eq!(status, 200);
        assert_eq!(tenants["tenants"].as_array().map(Vec::len), Some(1));
        // Created in the request's tenant.
        let (status, created, _) = call(
            &setup.base,
            key,
            header,
            "POST",
            "/api/application",
            Some(json!({"application": {"name": format!("made with {header:?}")}})),
        )
        .await;
        assert_eq!(status, 200, "{created}");
        assert_eq!(created["application"]["tenantId"], json!(second.id));
    }
    // A key limited to the second tenant never acts in the first.
    let (status, _, body) = call(
        &setup.base,
        &setup.tenant_key,
        Some(&first.id),
        "GET",
        "/api/application",
        None,
    )
    .await;
    assert_eq!((status, body.as_str()), (401, ""));
    // With several tenants, creating needs one.
    let (status, refused, _) = call(
        &setup.base,
        &setup.global_key,
        None,
        "POST",
        "/api/application",
        Some(json!({"application": {"name": "which tenant?"}})),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        refused["generalErrors"][0]["code"],
        json!("[TenantIdRequired]")
    );
    // A registration across tenants is refused: the application is not in the user's tenant.
    let (status, refused, _) = call(
        &setup.base,
        &setup.global_key,
        None,
        "POST",
        &format!("/api/user/registration/{}", first.user_id),
        Some(json!({"registration": {"applicationId": second.client_id}})),
    )
    .await;
    assert_eq!(status, 400, "{refused}");
}

#[tokio::test]
async fn global_endpoints_refuse_any_request_that_names_a_tenant() {
    let setup = two_tenants(SimConfig::for_tests()).await;
    let key_path = format!("/api/key/{}", setup.first.key_id);
    for path in [
        "/api/reactor",
        key_path.as_str(),
        "/api/system/login-record/search",
    ] {
        let (status, _, _) = call(&setup.base, &setup.global_key, None, "GET", path, None).await;
        assert_eq!(status, 200, "{path} with a global key");
        for (key, header) in [
            (&setup.global_key, Some(setup.second.id.as_str())),
            (&setup.tenant_key, None),
        ] {
            let (status, _, body) = call(&setup.base, key, header, "GET", path, None).await;
            assert_eq!((status, body.as_str()), (401, ""), "{path} {header:?}");
        }
    }
    let (status, version, _) = call(
        &setup.base,
        &setup.tenant_key,
        None,
        "GET",
        "/api/system/version",
        None,
    )
    .await;
    assert_eq!(status, 200, "the version is a tenant endpoint");
    assert_eq!(version["version"], json!(fusionauth_sim::DEFAULT_VERSION));
}

#[tokio::test]
async fn a_key_for_some_endpoints_answers_401_for_the_others() {
    let setup = two_tenants(SimConfig::for_tests()).await;
    let key = &setup.reader_key;
    let tenant = Some(setup.first.id.as_str());
    let (status, _, _) = call(&setup.base, key, tenant, "GET", "/api/application", None).await;
    assert_eq!(status, 200);
    let app = format!("/api/application/{}", setup.first.client_id);
    let (status, _, _) = call(&setup.base, key, tenant, "GET", &app, None).await;
    assert_eq!(status, 200, "an id belongs to its endpoint");
    let denied = [
        ("POST", "/api/application".to_owned(), Some(json!({}))),
        ("DELETE", app.clone(), None),
        ("POST", format!("{app}/scope"), Some(json!({}))),
        ("GET", "/api/system/version".to_owned(), None),
        ("POST", "/api/user".to_owned(), Some(json!({}))),
    ];
    for (method, path, body) in denied {
        let (status, _, text) = call(&setup.base, key, tenant, method, &path, body).await;
        assert_eq!((status, text.as_str()), (401, ""), "{method} {path}");
    }
    // Only a key manager creates keys.
    let (status, _, _) = call(
        &setup.base,
        &setup.tenant_key,
        None,
        "POST",
        "/api/api-key",
        Some(json!({"apiKey": {"tenantId": setup.second.id}})),
    )
    .await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn a_confidential_client_authenticates_with_its_secret_one_way_at_a_time() {
    let setup = two_tenants(SimConfig::for_tests()).await;
    let redirect = "https://claude.ai/api/mcp/auth_callback";
    let (status, app, _) = call(
        &setup.base,
        &setup.tenant_key,
        None,
        "POST",
        "/api/application",
        Some(
            json!({"application": {"name": "connector", "oauthConfiguration": {
                "authorizedRedirectURLs": [redirect],
                "authorizedResourceUris": [RESOURCE],
                "clientAuthenticationPolicy": "Required",
                "proofKeyForCodeExchangePolicy": "NotRequiredWhenUsingClientAuthentication",
                "enabledGrants": ["authorization_code", "refresh_token"],
            }}}),
        ),
    )
    .await;
    assert_eq!(status, 200, "{app}");
    let client_id = app["application"]["id"].as_str().expect("id").to_owned();
    let secret = app["application"]["oauthConfiguration"]["clientSecret"]
        .as_str()
        .expect("secret")
        .to_owned();
    let browser = Browser::new(&setup.base);
    let code = async || {
        let pkce = Pkce::new();
        let authorize = Authorize {
            client_id: &client_id,
            redirect_uri: redirect,
            scope: "openid",
            state: "s",
            challenge: Some(&pkce.challenge),
            resources: vec![RESOURCE],
        };
        let redirected = browser
            .log_in(
                &authorize.url(&setup.base),
                SHARED_EMAIL,
                setup.second.password,
            )
            .await
            .redirect();
        (query(&redirected)["code"].clone(), pkce.verifier)
    };
    let fields = |code: &'_ str, verifier: &'_ str| -> Vec<(String, String)> {
        [
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect),
            ("code_verifier", verifier),
            ("resource", RESOURCE),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
    };

    // client_secret_post.
    let (c, v) = code().await;
    let mut post = fields(&c, &v);
    post.push(("client_id".into(), client_id.clone()));
    post.push(("client_secret".into(), secret.clone()));
    let pairs: Vec<(&str, &str)> = post.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let (status, tokens) = token_request(&setup.base, &pairs).await;
    assert_eq!(status, 200, "{tokens}");
    assert_eq!(
        claims(tokens["access_token"].as_str().expect("token"))["aud"],
        json!([client_id, RESOURCE])
    );

    // client_secret_basic, and both at once.
    let basic = |fields: Vec<(String, String)>| {
        let base = setup.base.clone();
        let (id, secret) = (client_id.clone(), secret.clone());
        async move {
            let response = reqwest::Client::new()
                .post(format!("{base}/oauth2/token"))
                .basic_auth(id, Some(secret))
                .form(&fields)
                .send()
                .await
                .expect("token request");
            let status = response.status().as_u16();
            (
                status,
                response.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };
    let (c, v) = code().await;
    let (status, body) = basic(fields(&c, &v)).await;
    assert_eq!(status, 200, "{body}");
    let (c, v) = code().await;
    let mut twice = fields(&c, &v);
    twice.push(("client_secret".into(), secret.clone()));
    let (status, body) = basic(twice).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_request")),
        "{body}"
    );

    // Without the secret, or with a wrong one.
    for wrong in [None, Some("not-the-secret")] {
        let (c, v) = code().await;
        let mut form = fields(&c, &v);
        form.push(("client_id".into(), client_id.clone()));
        form.extend(wrong.map(|w| ("client_secret".to_owned(), w.to_owned())));
        let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let (status, body) = token_request(&setup.base, &pairs).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (401, Some("invalid_client")),
            "{wrong:?}"
        );
    }
}
