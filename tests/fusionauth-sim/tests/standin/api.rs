//! The stand-in's `/api` answers, each asserted the way FusionAuth gives it. Every test here
//! would fail against a stand-in that was kinder than FusionAuth.

use crate::support;
use crate::support::{Api, Options, mcp_application, stack};
use serde_json::{Value, json};

/// Every error code in a FusionAuth error body, field and general.
pub fn error_codes(body: &Value) -> Vec<String> {
    let mut codes = Vec::new();
    if let Some(fields) = body["fieldErrors"].as_object() {
        for errors in fields.values() {
            for e in errors.as_array().into_iter().flatten() {
                codes.push(e["code"].as_str().unwrap_or_default().to_string());
            }
        }
    }
    for e in body["generalErrors"].as_array().into_iter().flatten() {
        codes.push(e["code"].as_str().unwrap_or_default().to_string());
    }
    codes
}

/// Asserts a 400 whose only FusionAuth error code is `code`.
#[track_caller]
fn assert_refused(status: u16, body: &Value, code: &str) {
    assert_eq!(
        (status, error_codes(body)),
        (400, vec![code.to_owned()]),
        "{body}"
    );
}

#[tokio::test]
async fn api_key_must_be_raw_and_known_and_401_has_an_empty_body() {
    let stack = stack(Options::default()).await;
    let base = stack.sim.url();
    let wrong = Api::new(&base, "not-the-key");
    let (status, _, text) = wrong.call("GET", "/api/application", None).await;
    assert_eq!((status, text.as_str()), (401, ""));
    let bearer = Api::new(&base, &format!("Bearer {}", stack.api_key));
    assert_eq!(
        bearer.get("/api/application").await.0,
        401,
        "FusionAuth wants the raw key, no Bearer"
    );
    let none = reqwest::get(format!("{base}/api/application"))
        .await
        .expect("get");
    assert_eq!(none.status(), 401);
    assert_eq!(Api::of(&stack).get("/api/application").await.0, 200);
}

#[tokio::test]
async fn unknown_objects_are_404_with_an_empty_body() {
    let stack = stack(Options::default()).await;
    let (status, _, text) = Api::of(&stack)
        .call(
            "GET",
            &format!("/api/application/{}", uuid::Uuid::new_v4()),
            None,
        )
        .await;
    assert_eq!((status, text.as_str()), (404, ""));
}

#[tokio::test]
async fn application_validation_matches_fusionauth_codes() {
    let stack = stack(Options::default()).await;
    let api = Api::of(&stack);
    let mut bad_enum = mcp_application("x", "http://localhost:1/cb");
    bad_enum["application"]["oauthConfiguration"]["proofKeyForCodeExchangePolicy"] =
        json!("Always");
    let (status, body) = api.post("/api/application", bad_enum).await;
    assert_eq!(status, 400);
    assert_eq!(error_codes(&body), vec!["[invalidJSON]"]);

    let mut bad_grant = mcp_application("x", "http://localhost:1/cb");
    bad_grant["application"]["oauthConfiguration"]["enabledGrants"] = json!(["authorization-code"]);
    assert_eq!(
        error_codes(&api.post("/api/application", bad_grant).await.1),
        vec!["[invalidJSON]"]
    );

    let (status, body) = api
        .post("/api/application", json!({"application": {"name": " "}}))
        .await;
    assert_eq!(status, 400);
    assert_eq!(error_codes(&body), vec!["[blank]application.name"]);
    assert!(
        body["fieldErrors"].is_object(),
        "fieldErrors is an object keyed by field: {body}"
    );

    let (status, body) = api.post("/api/application", json!({})).await;
    assert_refused(status, &body, "[missing]application");

    let mut wildcard = mcp_application("w", "http://localhost:*/cb");
    wildcard["application"]["oauthConfiguration"]["authorizedURLValidationPolicy"] =
        json!("ExactMatch");
    assert_eq!(
        error_codes(&api.post("/api/application", wildcard).await.1),
        vec!["[invalid]application.oauthConfiguration.authorizedRedirectURLs"]
    );

    let dup = format!("/api/application/{}", stack.client_id);
    let (status, body) = api
        .post(&dup, mcp_application("again", "http://localhost:1/cb"))
        .await;
    assert_eq!(status, 400);
    assert!(
        error_codes(&body)
            .iter()
            .all(|c| c.starts_with("[duplicate]")),
        "{body}"
    );
}

/// Under `AllowWildcards` a `*` may stand only where FusionAuth's documentation allows one.
#[tokio::test]
async fn allow_wildcards_refuses_wildcards_where_fusionauth_allows_none() {
    let stack = stack(Options::default()).await;
    let api = Api::of(&stack);
    let with = |url: &str| {
        let mut app = mcp_application("w", url);
        app["application"]["oauthConfiguration"]["authorizedURLValidationPolicy"] =
            json!("AllowWildcards");
        app
    };
    for bad in [
        "https://*.com/cb",
        "https://auth.*.example.com/cb",
        "https://*.168.1.1/cb",
        "http://localhost:4*/cb",
        "https://example.com/a/*b*/cb",
    ] {
        let (status, body) = api.post("/api/application", with(bad)).await;
        assert_refused(
            status,
            &body,
            "[invalid]application.oauthConfiguration.authorizedRedirectURLs",
        );
    }
    for good in ["http://localhost:*/cb", "https://*.example.com/cb"] {
        let (status, body) = api.post("/api/application", with(good)).await;
        assert_eq!(status, 200, "{good}: {body}");
    }
}

/// A key restricted to some endpoints (kickstart's `permissions.endpoints`) answers 401
/// everywhere else, and for methods it was not given; the first key must be unrestricted.
#[tokio::test]
async fn restricted_api_keys_answer_401_outside_their_endpoints() {
    let admin_key = support::random_api_key();
    let restricted_key = support::random_api_key();
    let mut doc = support::kickstart(&Options::default(), &admin_key, "http://localhost:9011");
    doc["apiKeys"].as_array_mut().expect("keys").push(json!({
        "key": restricted_key,
        "description": "applications only",
        "permissions": {"endpoints": {
            "/api/application": ["GET", "POST"],
            "/api/application/scope": ["POST"],
        }},
    }));
    let (sim, _dir) =
        support::start_with_kickstart(&doc, fusionauth_sim::SimConfig::for_tests()).await;
    sim.kickstart_finished().await;
    let restricted = Api::new(&sim.url(), &restricted_key);
    support::wait_for_key(&Api::new(&sim.url(), &admin_key)).await;
    let (status, apps) = restricted.get("/api/application").await;
    assert_eq!(status, 200, "{apps}");
    let (status, created) = restricted
        .post(
            "/api/application",
            mcp_application("r", "http://localhost:1/cb"),
        )
        .await;
    assert_eq!(status, 200, "{created}");
    let id = created["application"]["id"].as_str().expect("id");
    assert_eq!(
        restricted.get(&format!("/api/application/{id}")).await.0,
        200
    );
    for (method, path) in [
        ("DELETE", format!("/api/application/{id}")),
        ("GET", "/api/application/search".to_owned()),
        ("GET", "/api/tenant".to_owned()),
        ("GET", "/api/reactor".to_owned()),
        (
            "POST",
            format!("/api/user/registration/{}", uuid::Uuid::new_v4()),
        ),
    ] {
        let (status, _, text) = restricted.call(method, &path, None).await;
        assert_eq!((status, text.as_str()), (401, ""), "{method} {path}");
    }

    let mut first_restricted = doc.clone();
    first_restricted["apiKeys"][0]["permissions"] = json!({"endpoints": {"/api/user": ["GET"]}});
    let (sim, _dir) =
        support::start_with_kickstart(&first_restricted, fusionauth_sim::SimConfig::for_tests())
            .await;
    assert!(
        matches!(
            sim.kickstart_finished().await,
            fusionauth_sim::KickstartOutcome::Invalid(_)
        ),
        "kickstart needs an unrestricted first key"
    );
}

#[tokio::test]
async fn created_application_gets_fusionauth_defaults_and_a_generated_secret() {
    let stack = stack(Options::default()).await;
    let api = Api::of(&stack);
    let (status, body) = api
        .post("/api/application", json!({"application": {"name": "bare"}}))
        .await;
    assert_eq!(status, 200, "creating answers 200, not 201");
    let oauth = &body["application"]["oauthConfiguration"];
    assert_eq!(oauth["clientId"], body["application"]["id"]);
    assert!(
        oauth["clientSecret"]
            .as_str()
            .is_some_and(|s| s.len() >= 32)
    );
    assert_eq!(
        oauth["enabledGrants"],
        json!([]),
        "no grants unless asked for"
    );
    assert_eq!(oauth["proofKeyForCodeExchangePolicy"], "NotRequired");
    assert_eq!(oauth["clientAuthenticationPolicy"], "Required");
    assert_eq!(oauth["relationship"], "FirstParty");
}

#[tokio::test]
async fn third_party_applications_and_custom_scopes_need_a_license() {
    let unlicensed = stack(Options::default()).await;
    let api = Api::of(&unlicensed);
    let mut third = mcp_application("tp", "http://localhost:1/cb");
    third["application"]["oauthConfiguration"]["relationship"] = json!("ThirdParty");
    let (status, body) = api.post("/api/application", third.clone()).await;
    assert_eq!(status, 400);
    assert!(error_codes(&body)[0].starts_with("[notLicensed]"), "{body}");
    let scope = json!({"scope": {"name": "get_name", "description": "Read your name"}});
    let (status, body) = api
        .post(
            &format!("/api/application/{}/scope", unlicensed.client_id),
            scope.clone(),
        )
        .await;
    assert_refused(status, &body, "[notLicensed]");
    let (_, reactor) = api.get("/api/reactor").await;
    assert_eq!(reactor["status"]["licensed"], false);

    let licensed = stack(Options::licensed()).await;
    let api = Api::of(&licensed);
    assert_eq!(api.get("/api/reactor").await.1["status"]["licensed"], true);
    assert_eq!(api.post("/api/application", third).await.0, 200);
    let path = format!("/api/application/{}/scope", licensed.client_id);
    let (status, body) = api.post(&path, scope.clone()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["scope"]["name"], "get_name");
    let (status, body) = api.post(&path, scope).await;
    assert_refused(status, &body, "[duplicate]scope.name");
    for reserved in ["openid", "profile", "email", "offline_access"] {
        let (status, body) = api.post(&path, json!({"scope": {"name": reserved}})).await;
        assert_refused(status, &body, "[invalid]scope.name");
    }
}

#[tokio::test]
async fn license_activation_refuses_a_mangled_id() {
    let stack = stack(Options::default()).await;
    let api = Api::of(&stack);
    let (status, body) = api
        .post("/api/reactor", json!({"licenseId": "\"abc"}))
        .await;
    assert_refused(status, &body, "[invalid]licenseId");
    assert_eq!(api.get("/api/reactor").await.1["status"]["licensed"], false);
    assert_eq!(
        api.post("/api/reactor", json!({"licenseId": support::LICENSE_ID}))
            .await
            .0,
        200
    );
    assert_eq!(api.get("/api/reactor").await.1["status"]["licensed"], true);
}

#[tokio::test]
async fn soft_delete_deactivates_and_hard_delete_removes() {
    let stack = stack(Options::default()).await;
    let api = Api::of(&stack);
    let (_, created) = api
        .post(
            "/api/application",
            mcp_application("gone", "http://localhost:1/cb"),
        )
        .await;
    let id = created["application"]["id"]
        .as_str()
        .expect("id")
        .to_string();
    assert_eq!(api.delete(&format!("/api/application/{id}")).await.0, 200);
    let (status, app) = api.get(&format!("/api/application/{id}")).await;
    assert_eq!(
        (status, &app["application"]["active"]),
        (200, &json!(false))
    );
    let listed = |body: serde_json::Value| {
        body["applications"]
            .as_array()
            .expect("list")
            .iter()
            .any(|a| a["id"] == id.as_str())
    };
    assert!(
        !listed(api.get("/api/application").await.1),
        "inactive apps are not listed"
    );
    assert!(listed(api.get("/api/application?inactive=true").await.1));
    assert_eq!(
        api.delete(&format!("/api/application/{id}?hardDelete=true"))
            .await
            .0,
        200
    );
    assert_eq!(api.get(&format!("/api/application/{id}")).await.0, 404);
}

#[tokio::test]
async fn application_search_by_name_matches_substrings_like_fusionauth() {
    let stack = stack(Options::default()).await;
    let api = Api::of(&stack);
    for name in ["cursor", "cursor-2", "vscode"] {
        assert_eq!(
            api.post(
                "/api/application",
                mcp_application(name, "http://localhost:1/cb")
            )
            .await
            .0,
            200
        );
    }
    let (status, body) = api
        .post(
            "/api/application/search",
            json!({"search": {"name": "cursor"}}),
        )
        .await;
    assert_eq!(status, 200);
    let mut names: Vec<&str> = body["applications"]
        .as_array()
        .expect("apps")
        .iter()
        .map(|a| a["name"].as_str().unwrap_or_default())
        .collect();
    names.sort();
    assert_eq!(
        names,
        vec!["cursor", "cursor-2"],
        "a name search is a contains-match"
    );
    assert_eq!(body["total"], 2);
}

#[tokio::test]
async fn users_follow_fusionauth_password_and_uniqueness_rules() {
    let stack = stack(Options::default()).await;
    let api = Api::of(&stack);
    let (status, body) = api
        .post(
            "/api/user",
            json!({"user": {"email": "a@example.com", "password": "short"}}),
        )
        .await;
    assert_refused(status, &body, "[tooShort]user.password");
    let (status, body) = api
        .post(
            "/api/user",
            json!({"user": {"email": support::DEMO_EMAIL, "password": "long-enough"}}),
        )
        .await;
    assert_refused(status, &body, "[duplicate]user.email");
    let (status, body) = api
        .post(
            "/api/user",
            json!({"user": {"email": "b@example.com", "password": "long-enough"}}),
        )
        .await;
    assert_eq!(status, 200);
    assert!(
        body["user"].get("password").is_none(),
        "passwords are never returned"
    );
    let reg = json!({"registration": {"applicationId": stack.client_id}});
    let (status, body) = api
        .post(&format!("/api/user/registration/{}", stack.user_id), reg)
        .await;
    assert_eq!(status, 400);
    assert!(error_codes(&body)[0].starts_with("[duplicate]"), "{body}");
    let bad_role = json!({"registration": {"applicationId": stack.client_id, "roles": ["admin"]}});
    let user_id = body_user_id(&api, "b@example.com").await;
    let (status, body) = api
        .post(&format!("/api/user/registration/{user_id}"), bad_role)
        .await;
    assert_refused(status, &body, "[invalid]registration.roles");
}

async fn body_user_id(api: &Api, email: &str) -> String {
    let (status, body) = api.get(&format!("/api/user?email={email}")).await;
    assert_eq!(status, 200);
    body["user"]["id"].as_str().expect("id").to_string()
}

#[tokio::test]
async fn tenant_rejects_a_signing_key_that_does_not_exist() {
    let stack = stack(Options::default()).await;
    let api = Api::of(&stack);
    let (_, tenants) = api.get("/api/tenant").await;
    let tenant_id = tenants["tenants"][0]["id"]
        .as_str()
        .expect("tenant")
        .to_string();
    let (status, body) = api
        .patch(
            &format!("/api/tenant/{tenant_id}"),
            json!({"tenant": {"jwtConfiguration": {"accessTokenKeyId": uuid::Uuid::new_v4()}}}),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(
        error_codes(&body),
        vec!["[invalid]tenant.jwtConfiguration.accessTokenKeyId"]
    );
}

#[tokio::test]
async fn default_tokens_are_hs256_and_the_jwks_lists_only_asymmetric_keys() {
    let stack = stack(Options::hs256()).await;
    let base = stack.sim.url();
    let jwks: serde_json::Value = reqwest::get(format!("{base}/.well-known/jwks.json"))
        .await
        .expect("jwks")
        .json()
        .await
        .expect("json");
    assert_eq!(
        jwks["keys"],
        json!([]),
        "the HMAC default key is never published"
    );
    let api = Api::of(&stack);
    let (status, body) = api
        .post(
            "/api/key/generate",
            json!({"key": {"algorithm": "RS256", "name": "rsa", "length": 2048}}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(body["key"].get("privateKey").is_none());
    let jwks: serde_json::Value = reqwest::get(format!("{base}/.well-known/jwks.json"))
        .await
        .expect("jwks")
        .json()
        .await
        .expect("json");
    assert_eq!(jwks["keys"][0]["kid"], body["key"]["kid"]);
    assert_eq!(jwks["keys"][0]["kty"], "RSA");
    let (status, body) = api
        .post(
            "/api/key/generate",
            json!({"key": {"algorithm": "RS256", "name": "small", "length": 1024}}),
        )
        .await;
    assert_refused(status, &body, "[invalid]key.length");
}

#[tokio::test]
async fn a_fresh_api_key_is_refused_for_a_moment_after_kickstart() {
    let api_key = support::random_api_key();
    let doc = support::kickstart(&Options::default(), &api_key, "http://localhost:9011");
    let config = fusionauth_sim::SimConfig {
        api_key_delay: std::time::Duration::from_millis(1500),
        ..fusionauth_sim::SimConfig::for_tests()
    };
    let (sim, _dir) = support::start_with_kickstart(&doc, config).await;
    sim.kickstart_finished().await;
    let api = Api::new(&sim.url(), &api_key);
    assert_eq!(
        api.get("/api/tenant").await.0,
        401,
        "a key kickstart just created is not yet valid"
    );
    tokio::time::sleep(std::time::Duration::from_millis(1600)).await;
    assert_eq!(api.get("/api/tenant").await.0, 200);
}

#[tokio::test]
async fn login_records_are_written_per_login_and_searchable_by_application_and_time() {
    use support::browser::{Authorize, Browser, Pkce};
    let stack = stack(Options::default()).await;
    let base = stack.sim.url();
    let api = Api::of(&stack);
    let pkce = Pkce::new();
    let url = Authorize {
        client_id: &stack.client_id,
        redirect_uri: &stack.redirect_uri,
        scope: "openid",
        state: "s",
        challenge: Some(&pkce.challenge),
        resources: vec![],
    }
    .url(&base);
    let browser = Browser::new(&base);
    browser
        .log_in(&url, support::DEMO_EMAIL, "wrong-password")
        .await;
    let search = format!(
        "/api/system/login-record/search?applicationId={}",
        stack.client_id
    );
    assert_eq!(
        api.get(&search).await.1["total"],
        0,
        "a failed login leaves no record"
    );
    browser
        .log_in(&url, support::DEMO_EMAIL, support::DEMO_PASSWORD)
        .await
        .redirect();
    stack.sim.clock().advance_secs(10 * 86_400);
    browser
        .log_in(&url, support::DEMO_EMAIL, support::DEMO_PASSWORD)
        .await
        .redirect();
    let (status, body) = api.get(&search).await;
    assert_eq!(status, 200);
    assert_eq!(body["total"], 2);
    let logins = body["logins"].as_array().expect("logins");
    assert_eq!(logins[0]["applicationId"], stack.client_id.as_str());
    assert_eq!(logins[0]["loginId"], support::DEMO_EMAIL);
    assert!(
        logins[0]["instant"].as_i64() > logins[1]["instant"].as_i64(),
        "newest first"
    );
    let cutoff = logins[0]["instant"].as_i64().expect("instant") - 86_400_000;
    let (_, recent) = api.get(&format!("{search}&start={cutoff}")).await;
    assert_eq!(recent["total"], 1);
    let (_, other) = api
        .get(&format!(
            "/api/system/login-record/search?applicationId={}",
            uuid::Uuid::new_v4()
        ))
        .await;
    assert_eq!(other["total"], 0);
}

#[tokio::test]
async fn plain_json_patch_appends_to_arrays_and_merge_patch_replaces_them() {
    let stack = stack(Options::default()).await;
    let api = Api::of(&stack);
    let path = format!("/api/application/{}", stack.client_id);
    let extra = "http://127.0.0.1:3334/oauth/callback";
    let (status, body) = api
        .patch(
            &path,
            json!({"application": {"oauthConfiguration": {"authorizedRedirectURLs": [extra]}}}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        body["application"]["oauthConfiguration"]["authorizedRedirectURLs"],
        json!([support::REDIRECT_URI, extra]),
        "application/json PATCH cannot remove an entry: it appends"
    );
    let response = reqwest::Client::new()
        .patch(format!("{}{path}", stack.sim.url()))
        .header("Authorization", &stack.api_key)
        .header("Content-Type", "application/merge-patch+json")
        .body(
            json!({"application": {"oauthConfiguration": {"authorizedRedirectURLs": [extra]}}})
                .to_string(),
        )
        .send()
        .await
        .expect("patch");
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(
        body["application"]["oauthConfiguration"]["authorizedRedirectURLs"],
        json!([extra])
    );
}
