//! The stand-in's OAuth answers where FusionAuth is strict: redirect URIs, PKCE, resource
//! indicators, consent, client authentication, userinfo, JWT validation and introspection.

use crate::support::browser::{
    Authorize, Browser, FormKind, Page, Pkce, login_and_exchange, query, token_request,
};
use crate::support::{Api, DEMO_EMAIL, DEMO_PASSWORD, Options, Stack, mcp_application, stack};
use mcp_fa::fusionauth::html;
use serde_json::{Value, json};

fn authorize<'a>(stack: &'a Stack, pkce: &'a Pkce) -> Authorize<'a> {
    Authorize::mcp(
        &stack.client_id,
        &stack.redirect_uri,
        "openid profile email offline_access",
        &pkce.challenge,
        &stack.resource,
    )
}

/// A kickstarted stand-in, its URL, a browser not logged in yet, and a PKCE pair: where most
/// tests here start.
async fn signed_out(options: Options) -> (Stack, String, Browser, Pkce) {
    let stack = stack(options).await;
    let base = stack.sim.url();
    let browser = Browser::new(&base);
    (stack, base, browser, Pkce::new())
}

/// Logs in and exchanges the code; returns the token response.
async fn tokens(stack: &Stack, scope: &str, with_resource: bool) -> Value {
    let pkce = Pkce::new();
    let mut a = authorize(stack, &pkce);
    a.scope = scope;
    if !with_resource {
        a.resources.clear();
    }
    let (status, body) = login_and_exchange(
        &stack.sim.url(),
        &a,
        &pkce.verifier,
        DEMO_EMAIL,
        DEMO_PASSWORD,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body
}

/// Logs the demo user in through the hosted pages; the code the redirect carries.
async fn code(browser: &Browser, base: &str, authorize: &Authorize<'_>) -> String {
    let redirect = browser
        .log_in(&authorize.url(base), DEMO_EMAIL, DEMO_PASSWORD)
        .await
        .redirect();
    query(&redirect)["code"].clone()
}

/// Exchanges the kickstarted client's `code` with `verifier`, and `resource` when given.
async fn exchange(
    stack: &Stack,
    code: &str,
    verifier: &str,
    resource: Option<&str>,
) -> (u16, Value) {
    let mut fields = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", &stack.redirect_uri),
        ("client_id", &stack.client_id),
        ("code_verifier", verifier),
    ];
    fields.extend(resource.map(|resource| ("resource", resource)));
    token_request(&stack.sim.url(), &fields).await
}

fn claims(token: &str) -> Value {
    use base64::Engine;
    let payload = token.split('.').nth(1).expect("payload");
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .expect("b64"),
    )
    .expect("json")
}

#[tokio::test]
async fn unregistered_redirect_uris_get_an_error_page_and_never_a_redirect() {
    let (stack, base, browser, pkce) = signed_out(Options::default()).await;
    for uri in [
        "http://localhost:3335/oauth/callback",
        "http://127.0.0.1:3334/oauth/callback",
        "http://localhost:3334/oauth/callback/",
        "http://evil.example/oauth/callback",
    ] {
        let mut a = authorize(&stack, &pkce);
        a.redirect_uri = uri;
        let page = browser.open(&a.url(&base)).await;
        assert!(
            matches!(page, Page::Html { status: 400, .. }),
            "{uri}: {page:?}"
        );
        // The OAuth error page: FusionAuth's JSON error document in a `pre`.
        let said = html::Page::parse(page.html())
            .error_message()
            .map(str::to_owned);
        assert!(
            said.as_deref()
                .is_some_and(|s| s.contains(uri) && s.contains("invalid_redirect_uri")),
            "the page says what is wrong: {said:?}"
        );
    }
    let page = browser.open(&authorize(&stack, &pkce).url(&base)).await;
    assert_eq!(page.status(), 200);
    assert!(page.form(FormKind::Login).is_some());
}

#[tokio::test]
async fn the_login_form_carries_every_hidden_field_of_the_stock_theme() {
    let (stack, base, browser, pkce) = signed_out(Options::default()).await;
    let mut a = authorize(&stack, &pkce);
    a.resources = vec![&stack.resource, &stack.resource];
    let page = browser.open(&a.url(&base)).await;
    let form = page.form(FormKind::Login).expect("the login form");
    assert_eq!(form.id(), None, "the stock theme's forms have no id");
    assert_eq!(form.action(), Some("/oauth2/authorize"));
    let fields = form.submission(&[], None);
    let names: Vec<&str> = fields.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(
        names,
        [
            "captcha_token",
            "client_id",
            "code_challenge",
            "dpop_jkt",
            "code_challenge_method",
            "metaData.device.name",
            "metaData.device.type",
            "nonce",
            "oauth_context",
            "max_age",
            "pendingIdPLinkId",
            "prompt",
            "redirect_uri",
            "resource",
            "resource",
            "response_mode",
            "response_type",
            "scope",
            "state",
            "tenantId",
            "timezone",
            "user_code",
            "showPasswordField",
            "userVerifyingPlatformAuthenticatorAvailable",
            "loginId",
            "password",
            "__cb_rememberDevice",
        ],
        "in the theme's order, rendered whether the request had them or not"
    );
    let value = |name: &str| {
        fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(value("nonce"), Some(""), "empty when the request had none");
    assert_eq!(value("metaData.device.name"), Some(""));
    assert_eq!(value("__cb_rememberDevice"), Some("false"));
    assert_eq!(value("client_id"), Some(stack.client_id.as_str()));
    assert_eq!(form.checkboxes(), [("rememberDevice", false)]);
    // Posting it all back, dotted names and the unticked box's twin included, logs in.
    let callback = browser
        .submit_login(&page, DEMO_EMAIL, DEMO_PASSWORD)
        .await
        .redirect();
    assert!(query(&callback).contains_key("code"), "{callback}");
}

/// `AllowWildcards` with a wildcard port: any port of that loopback host and path, nothing else
/// (FusionAuth's "OAuth URL Validation" rules, `src/url_wildcards.rs`).
#[tokio::test]
async fn a_wildcard_port_admits_any_port_of_that_host_and_path_only() {
    let (stack, base, browser, pkce) = signed_out(Options::default()).await;
    let api = Api::of(&stack);
    let mut app = mcp_application("any-port", "http://localhost:*/oauth/callback");
    app["application"]["oauthConfiguration"]["authorizedURLValidationPolicy"] =
        json!("AllowWildcards");
    let (status, created) = api.post("/api/application", app).await;
    assert_eq!(status, 200, "{created}");
    let client_id = created["application"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    for (uri, allowed) in [
        ("http://localhost:49152/oauth/callback", true),
        ("http://localhost:3334/oauth/callback", true),
        ("http://localhost/oauth/callback", false),
        ("http://127.0.0.1:3334/oauth/callback", false),
        ("http://localhost:3334/oauth/callback/", false),
        ("http://localhost:3334/oauth/other", false),
        ("http://localhost:3334@evil.example/oauth/callback", false),
        ("https://localhost:3334/oauth/callback", false),
    ] {
        let mut a = authorize(&stack, &pkce);
        a.client_id = &client_id;
        a.redirect_uri = uri;
        let page = browser.open(&a.url(&base)).await;
        assert_eq!(page.status() == 200, allowed, "{uri}: {page:?}");
        if !allowed {
            assert!(
                page.html().contains("redirect_uri"),
                "{uri}: the page says why"
            );
        }
    }
}

#[tokio::test]
async fn pkce_is_required_and_checked() {
    let (stack, base, browser, pkce) = signed_out(Options::default()).await;
    let mut a = authorize(&stack, &pkce);
    a.challenge = None;
    let redirect = browser.open(&a.url(&base)).await.redirect();
    let q = query(&redirect);
    assert_eq!(
        (q["error"].as_str(), q["error_reason"].as_str()),
        ("invalid_request", "missing_code_challenge")
    );
    assert_eq!(q["state"], "st");

    let plain = format!(
        "{}&code_challenge_method=plain",
        a.url(&base).replace("code_challenge_method=S256", "")
    );
    let plain = plain.replace(
        "response_type=code",
        &format!("response_type=code&code_challenge={}", pkce.challenge),
    );
    assert_eq!(
        query(&browser.open(&plain).await.redirect())["error"],
        "invalid_request"
    );

    let code = code(&browser, &base, &authorize(&stack, &pkce)).await;
    let wrong_verifier = "a-different-verifier-of-enough-length-1234567";
    let (status, body) = exchange(&stack, &code, wrong_verifier, Some(&stack.resource)).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
}

#[tokio::test]
async fn resources_follow_rfc_8707_as_fusionauth_applies_it() {
    let (stack, base, browser, pkce) = signed_out(Options::default()).await;
    let mut a = authorize(&stack, &pkce);
    a.resources = vec!["http://localhost:9999/other"];
    assert_eq!(
        query(&browser.open(&a.url(&base)).await.redirect())["error"],
        "invalid_target"
    );

    // Sent on authorize, it must be sent again on the token request.
    let code = code(&browser, &base, &authorize(&stack, &pkce)).await;
    let (status, body) = exchange(&stack, &code, &pkce.verifier, None).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_target"))
    );

    // Without a resource, aud is the client id alone (a string).
    let t = tokens(&stack, "openid", false).await;
    assert_eq!(
        claims(t["access_token"].as_str().expect("token"))["aud"],
        json!(stack.client_id)
    );
}

#[tokio::test]
async fn applications_without_authorized_resources_silently_ignore_resource() {
    let stack = stack(Options::default()).await;
    let api = Api::of(&stack);
    let redirect = "http://localhost:4444/cb";
    let mut body = mcp_application("plain", redirect);
    body["application"]["oauthConfiguration"]
        .as_object_mut()
        .expect("oauth")
        .remove("authorizedResourceUris");
    let (_, app) = api.post("/api/application", body).await;
    let client_id = app["application"]["id"].as_str().expect("id").to_string();
    let base = stack.sim.url();
    let pkce = Pkce::new();
    let a = Authorize::mcp(
        &client_id,
        redirect,
        "openid",
        &pkce.challenge,
        "http://anything.example/mcp",
    );
    let (status, t) =
        login_and_exchange(&base, &a, &pkce.verifier, DEMO_EMAIL, DEMO_PASSWORD).await;
    assert_eq!(status, 200, "{t}");
    let c = claims(t["access_token"].as_str().expect("token"));
    assert_eq!(
        c["aud"],
        json!(client_id),
        "the resource is dropped, not put in aud"
    );
    assert!(
        c.get("applicationId").is_none(),
        "the user is not registered to this app"
    );
    assert!(
        t.get("refresh_token").is_none(),
        "no offline_access, no refresh token"
    );
}

#[tokio::test]
async fn wrong_password_shows_the_form_again_with_an_error() {
    let stack = stack(Options::default()).await;
    let base = stack.sim.url();
    let pkce = Pkce::new();
    let page = Browser::new(&base)
        .log_in(
            &authorize(&stack, &pkce).url(&base),
            DEMO_EMAIL,
            "nope-nope",
        )
        .await;
    assert_eq!(page.status(), 200);
    assert!(page.form(FormKind::Login).is_some(), "the form again");
    // The stock theme's error box, as mcp-fa's login reads it.
    let read = html::Page::parse(page.html());
    assert_eq!(read.error_message(), Some("Invalid login credentials."));
    assert!(!page.html().contains("id=\"error\""));

    // Blank fields are field errors under their inputs.
    let browser = Browser::new(&base);
    let blank = browser.open(&authorize(&stack, &pkce).url(&base)).await;
    let again = browser
        .submit(&blank, FormKind::Login, &[("loginId", DEMO_EMAIL)], None)
        .await;
    assert!(again.html().contains("text-error"), "{}", again.html());
    assert_eq!(
        html::Page::parse(again.html()).error_message(),
        Some("password: Required")
    );
}

#[tokio::test]
async fn strict_scopes_reject_unknown_ones_and_accept_custom_ones_when_licensed() {
    let (stack, base, browser, pkce) = signed_out(Options::licensed()).await;
    let mut a = authorize(&stack, &pkce);
    a.scope = "openid get_name";
    assert_eq!(
        query(&browser.open(&a.url(&base)).await.redirect())["error"],
        "invalid_scope"
    );
    let api = Api::of(&stack);
    let (status, _) = api
        .post(
            &format!("/api/application/{}/scope", stack.client_id),
            json!({"scope": {"name": "get_name"}}),
        )
        .await;
    assert_eq!(status, 200);
    let t = tokens(&stack, "openid get_name", true).await;
    assert_eq!(
        claims(t["access_token"].as_str().expect("token"))["scope"],
        "openid get_name"
    );
}

#[tokio::test]
async fn third_party_clients_get_a_consent_form_of_their_own_and_cancel_means_access_denied() {
    let (stack, base, browser, pkce) = signed_out(Options::third_party()).await;
    let login = browser.open(&authorize(&stack, &pkce).url(&base)).await;
    let consent = browser
        .submit_login(&login, DEMO_EMAIL, DEMO_PASSWORD)
        .await;
    let form = consent.form(FormKind::Consent).expect("a consent form");
    assert_eq!(form.action(), Some("/oauth2/consent"));
    let fields = form.submission(&[], None);
    let value = |name: &str| {
        fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    // The OAuth request travels in hidden fields, as on the login form.
    assert_eq!(value("client_id"), Some(stack.client_id.as_str()));
    assert_eq!(value("code_challenge"), Some(pkce.challenge.as_str()));
    assert_eq!(value("resource"), Some(stack.resource.as_str()));
    assert_eq!(value("nonce"), Some(""));
    // openid and offline_access are consented without a question; profile and email are
    // optional: a ticked box each, with its unticked twin.
    assert_eq!(value("scopeConsents['openid']"), Some("true"));
    assert_eq!(value("scopeConsents['offline_access']"), Some("true"));
    assert_eq!(
        form.checkboxes(),
        [
            ("scopeConsents['profile']", true),
            ("scopeConsents['email']", true)
        ]
    );
    assert_eq!(value("__cb_scopeConsents['profile']"), Some("false"));
    assert!(form.button("action", "allow").is_some());

    let denied = browser
        .submit(&consent, FormKind::Consent, &[], Some(("action", "cancel")))
        .await
        .redirect();
    let q = query(&denied);
    assert_eq!(
        (q["error"].as_str(), q["error_reason"].as_str()),
        ("access_denied", "consent_canceled")
    );
    assert_eq!(q["state"], "st");
    // log_in allows what is ticked: everything asked for.
    let ok = browser
        .log_in(
            &authorize(&stack, &pkce).url(&base),
            DEMO_EMAIL,
            DEMO_PASSWORD,
        )
        .await
        .redirect();
    assert!(query(&ok).contains_key("code"));
}

#[tokio::test]
async fn only_the_scopes_consented_to_are_granted() {
    let stack = stack(Options::third_party()).await;
    let base = stack.sim.url();
    let pkce = Pkce::new();
    let a = authorize(&stack, &pkce);
    let callback = Browser::new(&base)
        .log_in_consenting(&a.url(&base), DEMO_EMAIL, DEMO_PASSWORD, |form| {
            assert!(form.set_checked("scopeConsents['profile']", false));
        })
        .await
        .redirect();
    let code = query(&callback)["code"].clone();
    let (status, tokens) = exchange(&stack, &code, &pkce.verifier, Some(&stack.resource)).await;
    assert_eq!(status, 200, "{tokens}");
    assert_eq!(tokens["scope"], "openid email offline_access");
    let c = claims(tokens["access_token"].as_str().expect("token"));
    assert_eq!(c["scope"], "openid email offline_access", "no profile");

    // Without the SSO session cookie the consent form is no proof of a login.
    let (_, page) = {
        let browser = Browser::new(&base);
        let login = browser.open(&a.url(&base)).await;
        let consent = browser
            .submit_login(&login, DEMO_EMAIL, DEMO_PASSWORD)
            .await;
        let form = consent.form(FormKind::Consent).expect("consent");
        (
            consent,
            Browser::new(&base)
                .submit_form(&form, &[], Some(("action", "allow")))
                .await,
        )
    };
    assert!(
        page.form(FormKind::Login).is_some(),
        "back to the login: {page:?}"
    );
}

#[tokio::test]
async fn confidential_clients_must_authenticate_at_the_token_endpoint() {
    let stack = stack(Options::default()).await;
    let api = Api::of(&stack);
    let redirect = "http://localhost:5555/cb";
    let mut body = mcp_application("confidential", redirect);
    body["application"]["oauthConfiguration"]["clientAuthenticationPolicy"] = json!("Required");
    let (_, app) = api.post("/api/application", body).await;
    let client_id = app["application"]["id"].as_str().expect("id").to_string();
    let secret = app["application"]["oauthConfiguration"]["clientSecret"]
        .as_str()
        .expect("secret")
        .to_string();
    let base = stack.sim.url();
    let browser = Browser::new(&base);
    let mut codes = vec![];
    for _ in 0..2 {
        let pkce = Pkce::new();
        let a = Authorize {
            client_id: &client_id,
            redirect_uri: redirect,
            scope: "openid",
            state: "s",
            challenge: Some(&pkce.challenge),
            resources: vec![],
        };
        codes.push((code(&browser, &base, &a).await, pkce.verifier));
    }
    let exchange = async |(code, verifier): &(String, String), secret: Option<&str>| {
        let mut fields = vec![
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", redirect),
            ("client_id", &client_id),
            ("code_verifier", verifier.as_str()),
        ];
        fields.extend(secret.map(|secret| ("client_secret", secret)));
        token_request(&base, &fields).await
    };
    let (status, body) = exchange(&codes[0], None).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client"))
    );
    let (status, body) = exchange(&codes[1], Some(&secret)).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn userinfo_needs_openid_and_name_is_the_full_name_only() {
    let stack = stack(Options::default()).await;
    let base = stack.sim.url();
    let http = reqwest::Client::new();
    let no_openid = tokens(&stack, "profile", true).await;
    let r = http
        .get(format!("{base}/oauth2/userinfo"))
        .bearer_auth(no_openid["access_token"].as_str().expect("t"))
        .send()
        .await
        .expect("userinfo");
    assert_eq!(
        r.status(),
        403,
        "Strict scope handling needs openid for userinfo"
    );

    // A user without fullName has no `name`, even with first and last names.
    let api = Api::of(&stack);
    let (status, _) = api.post("/api/user", json!({"user": {"email": "nofull@example.com", "password": "password1", "firstName": "No", "lastName": "Full"}})).await;
    assert_eq!(status, 200);
    let pkce = Pkce::new();
    let mut a = authorize(&stack, &pkce);
    a.scope = "openid profile";
    let (_, t) =
        login_and_exchange(&base, &a, &pkce.verifier, "nofull@example.com", "password1").await;
    let info: Value = http
        .get(format!("{base}/oauth2/userinfo"))
        .bearer_auth(t["access_token"].as_str().expect("t"))
        .send()
        .await
        .expect("u")
        .json()
        .await
        .expect("json");
    assert_eq!(info["given_name"], "No");
    assert!(info.get("name").is_none(), "name is never composed: {info}");
    assert!(
        info.get("email").is_none(),
        "no email scope, no email: {info}"
    );

    // Userinfo refuses tokens whose application was deactivated.
    let good = tokens(&stack, "openid profile", true).await;
    api.delete(&format!("/api/application/{}", stack.client_id))
        .await;
    let r = http
        .get(format!("{base}/oauth2/userinfo"))
        .bearer_auth(good["access_token"].as_str().expect("t"))
        .send()
        .await
        .expect("u");
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn jwt_validate_checks_signature_and_expiry_but_not_audience() {
    let stack = stack(Options::default()).await;
    let base = stack.sim.url();
    let http = reqwest::Client::new();
    let t = tokens(&stack, "openid", true).await;
    let access = t["access_token"].as_str().expect("t").to_string();
    let r = http
        .get(format!("{base}/api/jwt/validate"))
        .bearer_auth(&access)
        .send()
        .await
        .expect("v");
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.expect("json");
    assert_eq!(
        body["jwt"]["aud"],
        json!([stack.client_id, stack.resource]),
        "any audience is accepted"
    );
    let mut tampered = access.clone();
    tampered.pop();
    tampered.push(if access.ends_with('A') { 'B' } else { 'A' });
    let r = http
        .get(format!("{base}/api/jwt/validate"))
        .bearer_auth(&tampered)
        .send()
        .await
        .expect("v");
    assert_eq!(r.status(), 401);
    let r = http
        .get(format!("{base}/api/jwt/validate"))
        .header("Authorization", &stack.api_key)
        .send()
        .await
        .expect("v");
    assert_eq!(r.status(), 401, "an API key is not a JWT");
    stack.sim.clock().advance_secs(3601);
    let r = http
        .get(format!("{base}/api/jwt/validate"))
        .bearer_auth(&access)
        .send()
        .await
        .expect("v");
    assert_eq!(r.status(), 401, "expired");
}

#[tokio::test]
async fn introspection_answers_only_the_client_the_token_was_issued_to() {
    let stack = stack(Options::default()).await;
    let base = stack.sim.url();
    let t = tokens(&stack, "openid", true).await;
    let access = t["access_token"].as_str().expect("t");
    let api = Api::of(&stack);
    let (_, other) = api
        .post(
            "/api/application",
            mcp_application("resource-server", "http://localhost:1/cb"),
        )
        .await;
    let other_id = other["application"]["id"].as_str().expect("id");
    let other_secret = other["application"]["oauthConfiguration"]["clientSecret"]
        .as_str()
        .expect("secret");
    let (_, own) = api
        .get(&format!("/api/application/{}", stack.client_id))
        .await;
    let own_secret = own["application"]["oauthConfiguration"]["clientSecret"]
        .as_str()
        .expect("secret")
        .to_string();
    let http = reqwest::Client::new();
    let post = |fields: Vec<(&str, &str)>| {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        http.post(format!("{base}/oauth2/introspect"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
    };
    let r = post(vec![("token", access)]).await.expect("i");
    assert_eq!(r.status(), 401, "no client credentials");
    let r = post(vec![("token", access), ("client_id", &stack.client_id)])
        .await
        .expect("i");
    assert_eq!(
        r.status(),
        401,
        "a client id without its secret is not authentication"
    );
    let r: Value = post(vec![
        ("token", access),
        ("client_id", other_id),
        ("client_secret", other_secret),
    ])
    .await
    .expect("i")
    .json()
    .await
    .expect("json");
    assert_eq!(
        r,
        json!({"active": false}),
        "another client cannot introspect it (issue 3010)"
    );
    let r: Value = post(vec![
        ("token", access),
        ("client_id", &stack.client_id),
        ("client_secret", &own_secret),
    ])
    .await
    .expect("i")
    .json()
    .await
    .expect("json");
    assert_eq!(r["active"], true);
    assert_eq!(r["sub"], stack.user_id);
}

#[tokio::test]
async fn hs256_tokens_when_the_tenant_keeps_its_default_key() {
    let stack = stack(Options::hs256()).await;
    let t = tokens(&stack, "openid", true).await;
    let access = t["access_token"].as_str().expect("t");
    let header = jsonwebtoken::decode_header(access).expect("header");
    assert_eq!(header.alg, jsonwebtoken::Algorithm::HS256);
}
