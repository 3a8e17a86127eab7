//! The contract with FusionAuth: every JSON body mcp-fa sends and the stand-in answers, for every
//! operation mcp-fa uses (and those the tests set the stand-in up with), has only the property
//! names (and enum values) FusionAuth's OpenAPI file declares for that schema. A misspelled field
//! (`authorizedRedirectUrls`) fails here, on either side: in the typed client (FusionAuth would
//! silently ignore it) or in the stand-in (tests would pass against something FusionAuth never
//! says).
//!
//! The spec is FusionAuth's file, read from `../shared/reference/`; without it (outside CI) the
//! tests print why and pass.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::support;
use crate::support::browser::{Authorize, Browser, Pkce, query, token_request};
use crate::support::openapi::{
    self, HTML_ENDPOINTS, Operation, Problem, Spec, Violation, check_request, check_response,
};
use crate::support::{Api, DEMO_EMAIL, DEMO_PASSWORD, LICENSE_ID, Options, Stack, stack};
use fusionauth_sim::Exchange;
use mcp_fa::fusionauth::{
    Application, ApplicationOAuthScope, AuthorizedUrlValidationPolicy, ClientAuthenticationPolicy,
    FusionAuthClient, FusionAuthError, GrantType, LoginRecordSearchCriteria,
    OAuthApplicationRelationship, OAuthConfiguration, OAuthScopeHandlingPolicy,
    ProofKeyForCodeExchangePolicy, Timeouts, UnknownScopePolicy, UserRegistration,
};
use serde_json::{Value, json};
use url::Url;

// ---------------------------------------------------------------------------------------------
// The walker, tested on its own against FusionAuth's spec.

fn operation(spec: &Spec, method: &str, path: &str) -> Operation {
    spec.operation(method, path)
        .unwrap_or_else(|| panic!("the spec should have {method} {path}"))
}

fn described(violations: &[Violation]) -> String {
    violations
        .iter()
        .map(|v| format!("  {v}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// An application as mcp-fa registers an MCP client.
fn good_application() -> Value {
    json!({"application": {
        "name": "Claude Code",
        "data": {"mcp-fa": {"client": "claude-code"}, "anything": [1, 2]},
        "oauthConfiguration": {
            "authorizedRedirectURLs": ["http://localhost:33418/callback"],
            "authorizedURLValidationPolicy": "ExactMatch",
            "authorizedResourceUris": ["http://localhost:3000/mcp"],
            "clientAuthenticationPolicy": "NotRequiredWhenUsingPKCE",
            "proofKeyForCodeExchangePolicy": "Required",
            "enabledGrants": ["authorization_code", "refresh_token"],
            "generateRefreshTokens": true,
            "scopeHandlingPolicy": "Strict",
            "unknownScopePolicy": "Reject",
            "relationship": "ThirdParty",
            "requireRegistration": true
        },
        "jwtConfiguration": {"enabled": true, "accessTokenKeyId": "k", "timeToLiveInSeconds": 3600}
    }})
}

#[test]
fn operations_are_found_by_route_template_or_concrete_path() {
    let Some(spec) = Spec::load() else { return };
    let id = |method: &str, path: &str| spec.operation(method, path).map(|op| op.id);
    assert_eq!(
        id("POST", "/api/application/{id}").as_deref(),
        Some("createApplicationWithId")
    );
    assert_eq!(
        id(
            "post",
            "/api/application/3c219e58-ed0e-4b18-ad48-f4f92793ae32"
        )
        .as_deref(),
        Some("createApplicationWithId")
    );
    // A literal beats a parameter; a route parameter never matches a literal.
    assert_eq!(
        id("POST", "/api/application/search").as_deref(),
        Some("searchApplicationsWithId")
    );
    assert_eq!(id("GET", "/api/application/search"), None);
    assert_eq!(
        id("POST", "/api/application/{id}/scope/{scope_id}").as_deref(),
        Some("createOAuthScopeWithId")
    );
    assert_eq!(
        id("GET", "/api/user?email=test@example.com").as_deref(),
        Some("retrieveUser")
    );
    assert_eq!(id("GET", "/api/nothing-here"), None);
    assert_eq!(id("GET", "/oauth2/authorize"), None);
    // Operations FusionAuth has but its file omits are supplemented, and say so.
    let reactor = operation(&spec, "GET", "/api/reactor");
    assert!(reactor.supplement.is_some(), "{reactor}");
    assert!(
        operation(&spec, "POST", "/api/reactor")
            .supplement
            .is_none()
    );
}

#[test]
fn a_known_good_application_request_passes() {
    let Some(spec) = Spec::load() else { return };
    let op = operation(&spec, "POST", "/api/application/{id}");
    let violations = check_request(&op, &good_application());
    assert!(violations.is_empty(), "\n{}", described(&violations));
}

#[test]
fn a_misspelled_redirect_url_field_fails_naming_its_path() {
    let Some(spec) = Spec::load() else { return };
    let op = operation(&spec, "POST", "/api/application/{id}");
    let mut body = good_application();
    let oauth = body["application"]["oauthConfiguration"]
        .as_object_mut()
        .expect("object");
    let urls = oauth.remove("authorizedRedirectURLs").expect("present");
    oauth.insert("authorizedRedirectUrls".into(), urls);
    let violations = check_request(&op, &body);
    assert_eq!(violations.len(), 1, "\n{}", described(&violations));
    let v = &violations[0];
    assert_eq!(
        v.path,
        "application.oauthConfiguration.authorizedRedirectUrls"
    );
    assert_eq!(v.schema, "OAuth2Configuration");
    assert_eq!(v.problem, Problem::UndeclaredProperty);
    assert!(v.operation.contains("createApplicationWithId"), "{v}");
    assert_eq!(v.direction, "request");
    let shown = v.to_string();
    assert!(
        shown.contains("application.oauthConfiguration.authorizedRedirectUrls")
            && shown.contains("OAuth2Configuration")
            && shown.contains("createApplicationWithId"),
        "{shown}"
    );
}

#[test]
fn a_typo_behind_nested_refs_fails() {
    let Some(spec) = Spec::load() else { return };
    let patch = operation(&spec, "PATCH", "/api/tenant/{id}");
    let violations = check_request(
        &patch,
        &json!({"tenant": {"issuer": "http://localhost:9011",
                           "jwtConfiguration": {"accessTokenKeyID": "k"}}}),
    );
    assert_eq!(violations.len(), 1, "\n{}", described(&violations));
    assert_eq!(
        violations[0].path,
        "tenant.jwtConfiguration.accessTokenKeyID"
    );
    assert_eq!(violations[0].schema, "JWTConfiguration");

    // Through an array, in a response.
    let list = operation(&spec, "GET", "/api/application");
    let violations = check_response(
        &list,
        200,
        &json!({"applications": [
            {"id": "a", "oauthConfiguration": {"clientSecret": "s"}},
            {"id": "b", "oauthConfiguration": {"clientSecrett": "s"}},
        ]}),
    );
    assert_eq!(violations.len(), 1, "\n{}", described(&violations));
    assert_eq!(
        violations[0].path,
        "applications[1].oauthConfiguration.clientSecrett"
    );
    assert_eq!(violations[0].direction, "response 200");
}

#[test]
fn an_unknown_top_level_wrapper_fails() {
    let Some(spec) = Spec::load() else { return };
    let op = operation(&spec, "POST", "/api/application");
    let body = json!({"app": good_application()["application"].clone()});
    let violations = check_request(&op, &body);
    assert_eq!(violations.len(), 1, "\n{}", described(&violations));
    assert_eq!(violations[0].path, "app");
    assert_eq!(violations[0].schema, "ApplicationRequest");

    let validate = operation(&spec, "GET", "/api/jwt/validate");
    let violations = check_response(&validate, 200, &json!({"claims": {"sub": "u"}}));
    assert_eq!(violations.len(), 1, "\n{}", described(&violations));
    assert_eq!(violations[0].path, "claims");
}

#[test]
fn free_form_schemas_accept_any_property() {
    let Some(spec) = Spec::load() else { return };
    // `properties: {}` in the spec: map-like bodies the generator cannot describe.
    let status = operation(&spec, "GET", "/api/status");
    assert!(check_response(&status, 200, &json!({"status": "ok", "uptime": 1})).is_empty());
    let userinfo = operation(&spec, "GET", "/oauth2/userinfo");
    let info = json!({"sub": "u", "email": "e", "given_name": "T", "tid": "t", "roles": []});
    assert!(check_response(&userinfo, 200, &info).is_empty());
    let introspect = operation(&spec, "POST", "/oauth2/introspect");
    assert!(check_response(&introspect, 200, &json!({"active": true, "aud": ["a"]})).is_empty());
    // `data` maps and JWT claims (serialized flat, see the correction in support::openapi).
    let validate = operation(&spec, "GET", "/api/jwt/validate");
    let claims = json!({"jwt": {"aud": ["c", "r"], "exp": 1, "sub": "u", "applicationId": "c",
                                "scope": "openid", "auth_time": 1, "tid": "t"}});
    let violations = check_response(&validate, 200, &claims);
    assert!(violations.is_empty(), "\n{}", described(&violations));
    // …but only where the spec leaves them free: a typed object beside them is still checked.
    let violations = spec.check_schema(
        "Application",
        &json!({"data": {"anything": {"goes": true}}, "jwtConfiguration": {"enabeld": true}}),
    );
    assert_eq!(violations.len(), 1, "\n{}", described(&violations));
    assert_eq!(violations[0].path, "jwtConfiguration.enabeld");
}

#[test]
fn error_documents_are_checked_in_fusionauths_real_shape() {
    let Some(spec) = Spec::load() else { return };
    let op = operation(&spec, "POST", "/api/application/{id}");
    let good = json!({
        "fieldErrors": {"application.name": [{"code": "[blank]application.name", "message": "m"}]},
        "generalErrors": [{"code": "[notLicensed]", "message": "m", "data": {"x": 1}}]
    });
    let violations = check_response(&op, 400, &good);
    assert!(violations.is_empty(), "\n{}", described(&violations));

    let bad = json!({
        "fieldErrors": {"application.name": [{"code": "c", "mesage": "m"}]},
        "generalErrors": [{"code": "c", "messages": "m"}],
        "errors": []
    });
    let mut paths: Vec<String> = check_response(&op, 400, &bad)
        .into_iter()
        .map(|v| v.path)
        .collect();
    paths.sort();
    assert_eq!(
        paths,
        [
            "errors",
            "fieldErrors.application.name[0].mesage",
            "generalErrors[0].messages"
        ]
    );

    // Error answers without a declared schema use FusionAuth's error documents all the same.
    let get = operation(&spec, "GET", "/api/application/{id}");
    assert_eq!(check_response(&get, 400, &json!({"oops": 1})).len(), 1);
    let token = operation(&spec, "POST", "/oauth2/token");
    let oauth_error = json!({"error": "invalid_grant", "error_description": "d",
                             "error_reason": "auth_code_not_found"});
    assert!(check_response(&token, 400, &oauth_error).is_empty());
    assert_eq!(
        check_response(
            &token,
            400,
            &json!({"error": "invalid_grant", "reason": "x"})
        )
        .len(),
        1
    );
}

#[test]
fn enum_values_and_shapes_are_checked() {
    let Some(spec) = Spec::load() else { return };
    let op = operation(&spec, "POST", "/api/application/{id}");
    let violations = check_request(
        &op,
        &json!({"application": {"oauthConfiguration": {"clientAuthenticationPolicy": "NotRequiredWhenUsingPkce"}}}),
    );
    assert_eq!(violations.len(), 1, "\n{}", described(&violations));
    assert_eq!(
        violations[0].problem,
        Problem::NotInEnum {
            value: "NotRequiredWhenUsingPkce".into()
        }
    );
    assert_eq!(violations[0].schema, "ClientAuthenticationPolicy");

    let violations = check_request(&op, &json!({"application": "Claude Code"}));
    assert_eq!(violations[0].problem, Problem::NotAnObject);
    let violations = check_request(&op, &json!({"application": {"roles": {"name": "admin"}}}));
    assert_eq!(violations[0].problem, Problem::NotAnArray);
}

#[test]
fn bodies_where_the_spec_declares_none_fail() {
    let Some(spec) = Spec::load() else { return };
    // POST /api/reactor answers 200 without a body.
    let activate = operation(&spec, "POST", "/api/reactor");
    let violations = check_response(&activate, 200, &json!({"licensed": true}));
    assert_eq!(violations.len(), 1);
    assert_eq!(violations[0].problem, Problem::UndeclaredBody);
    // GET /api/application/{id} takes no body.
    let get = operation(&spec, "GET", "/api/application/{id}");
    assert_eq!(check_request(&get, &json!({})).len(), 1);
    // The token endpoint's form parameters are not described by FusionAuth's file at all.
    let token = operation(&spec, "POST", "/oauth2/token");
    assert!(token.request_undescribed());
    assert!(check_request(&token, &json!({"grant_type": "refresh_token"})).is_empty());
}

/// The walker's keywords, on a small spec of our own (no file needed).
#[test]
fn walker_follows_refs_all_of_one_of_items_and_additional_properties() {
    let spec = Spec::from_document(json!({
        "paths": {"/thing": {"post": {
            "operationId": "createThing",
            "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/ThingRequest"}}}},
            "responses": {"200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Map"}}}}}
        }}},
        "components": {"schemas": {
            "ThingRequest": {"type": "object", "properties": {
                "thing": {"$ref": "#/components/schemas/Thing"},
                "shape": {"oneOf": [{"$ref": "#/components/schemas/Circle"}, {"$ref": "#/components/schemas/Square"}]},
                "tags": {"type": "array", "items": {"$ref": "#/components/schemas/Tag"}},
                "labels": {"type": "object", "additionalProperties": {"$ref": "#/components/schemas/Tag"}},
                "extra": {"type": "object", "properties": {"a": {"type": "string"}}, "additionalProperties": true},
                "kind": {"anyOf": [{"type": "string", "enum": ["x"]}, {"type": "string", "enum": ["y"]}]}
            }},
            "Thing": {"allOf": [{"$ref": "#/components/schemas/Base"}, {"type": "object", "properties": {"size": {"type": "integer"}}}]},
            "Base": {"type": "object", "properties": {"id": {"type": "string"}}},
            "Circle": {"type": "object", "properties": {"radius": {"type": "number"}}},
            "Square": {"type": "object", "properties": {"side": {"type": "number"}}},
            "Tag": {"type": "object", "properties": {"name": {"type": "string"}}},
            "Map": {"type": "object", "properties": {}}
        }}
    }));
    let op = operation(&spec, "POST", "/thing");
    let good = json!({
        "thing": {"id": "1", "size": 2},
        "shape": {"side": 3},
        "tags": [{"name": "a"}, {"name": "b"}],
        "labels": {"x": {"name": "c"}},
        "extra": {"a": "1", "b": 2},
        "kind": "y"
    });
    let violations = check_request(&op, &good);
    assert!(violations.is_empty(), "\n{}", described(&violations));
    assert!(check_response(&op, 200, &json!({"whatever": {"deep": 1}})).is_empty());

    let bad = json!({
        "thing": {"id": "1", "colour": "red"},
        "shape": {"diameter": 3},
        "tags": [{"name": "a"}, {"nam": "b"}],
        "labels": {"x": {"title": "c"}},
        "kind": "z"
    });
    let mut found: Vec<(String, String)> = check_request(&op, &bad)
        .into_iter()
        .map(|v| (v.path, v.schema))
        .collect();
    found.sort();
    let expected: Vec<(String, String)> = [
        ("kind", "ThingRequest.kind"),
        ("labels.x.title", "Tag"),
        ("shape.diameter", "Circle"),
        ("tags[1].nam", "Tag"),
        ("thing.colour", "Thing"),
    ]
    .iter()
    .map(|(p, s)| (p.to_string(), s.to_string()))
    .collect();
    assert_eq!(found, expected);
}

// ---------------------------------------------------------------------------------------------
// The real contract: drive every operation mcp-fa uses through the typed client against the
// stand-in, and the ones the tests set the stand-in up with as raw calls, then hold every
// recorded exchange against the spec.

/// Every operation mcp-fa or the tests' setup uses, as (method, spec path): each must be
/// exercised at least once.
const EXPECTED_OPERATIONS: &[(&str, &str)] = &[
    ("GET", "/api/status"),
    ("GET", "/api/tenant"),
    ("GET", "/api/tenant/{tenantId}"),
    ("PATCH", "/api/tenant/{tenantId}"),
    ("POST", "/api/key/generate"),
    ("POST", "/api/key/generate/{keyId}"),
    ("GET", "/api/key/{keyId}"),
    ("POST", "/api/application"),
    ("POST", "/api/application/{applicationId}"),
    ("GET", "/api/application"),
    ("GET", "/api/application/{applicationId}"),
    ("POST", "/api/application/search"),
    ("PATCH", "/api/application/{applicationId}"),
    ("DELETE", "/api/application/{applicationId}"),
    ("POST", "/api/application/{applicationId}/scope"),
    ("POST", "/api/application/{applicationId}/scope/{scopeId}"),
    ("POST", "/api/user"),
    ("POST", "/api/user/{userId}"),
    ("GET", "/api/user"),
    ("GET", "/api/user/{userId}"),
    ("POST", "/api/user/registration"),
    ("POST", "/api/user/registration/{userId}"),
    ("GET", "/api/reactor"),
    ("POST", "/api/reactor"),
    ("GET", "/api/jwt/validate"),
    ("GET", "/api/system/login-record/search"),
    ("GET", "/api/system/version"),
    ("DELETE", "/api/user/{userId}"),
    ("GET", "/.well-known/openid-configuration"),
    ("GET", "/.well-known/jwks.json"),
    ("POST", "/oauth2/token"),
    ("GET", "/oauth2/userinfo"),
    ("POST", "/oauth2/introspect"),
];

/// Error answers that must have been seen (and their bodies checked, where they have one).
const EXPECTED_ERRORS: &[(&str, &str, u16)] = &[
    ("POST", "/api/application", 400),
    ("POST", "/api/application/{applicationId}", 400),
    ("GET", "/api/application/{applicationId}", 404),
    ("DELETE", "/api/application/{applicationId}", 404),
    ("POST", "/api/application/{applicationId}/scope", 400),
    ("POST", "/api/user/registration/{userId}", 400),
    ("GET", "/api/user", 404),
    ("DELETE", "/api/user/{userId}", 404),
    ("GET", "/api/tenant/{tenantId}", 401),
    ("POST", "/api/reactor", 400),
    ("GET", "/api/jwt/validate", 401),
    ("POST", "/oauth2/token", 400),
    ("GET", "/oauth2/userinfo", 401),
    ("POST", "/oauth2/introspect", 401),
];

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

fn uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn mcp_client(name: &str, relationship: OAuthApplicationRelationship) -> Application {
    Application {
        name: Some(name.into()),
        oauth_configuration: Some(OAuthConfiguration {
            authorized_redirect_urls: Some(vec!["http://localhost:33418/callback".into()]),
            authorized_url_validation_policy: Some(AuthorizedUrlValidationPolicy::ExactMatch),
            authorized_resource_uris: Some(vec![support::RESOURCE.into()]),
            client_authentication_policy: Some(
                ClientAuthenticationPolicy::NotRequiredWhenUsingPkce,
            ),
            proof_key_for_code_exchange_policy: Some(ProofKeyForCodeExchangePolicy::Required),
            enabled_grants: Some(vec![GrantType::AuthorizationCode, GrantType::RefreshToken]),
            generate_refresh_tokens: Some(true),
            scope_handling_policy: Some(OAuthScopeHandlingPolicy::Strict),
            unknown_scope_policy: Some(UnknownScopePolicy::Reject),
            relationship: Some(relationship),
            require_registration: Some(true),
            ..Default::default()
        }),
        ..Default::default()
    }
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
async fn drive_unlicensed(stack: &Stack) {
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
async fn drive_licensed(stack: &Stack) {
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
    let authorize = Authorize {
        client_id: &stack.client_id,
        redirect_uri: &stack.redirect_uri,
        scope,
        state: "contract-state",
        challenge: Some(&pkce.challenge),
        resources: vec![&stack.resource],
    };
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
    // The token endpoint's other everyday refusals: an unknown refresh token, a foreign resource.
    let (status, error) = token_request(
        &base,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", "no-such-refresh-token"),
            ("client_id", &stack.client_id),
        ],
    )
    .await;
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

/// What was seen of one operation.
#[derive(Default)]
struct Seen {
    supplement: Option<&'static str>,
    statuses: BTreeMap<u16, usize>,
    requests_checked: usize,
    requests_undescribed: usize,
    responses_checked: usize,
    violations: usize,
}

struct Audit {
    /// Keyed by (method, spec path).
    seen: BTreeMap<(String, String), (String, Seen)>,
    violations: Vec<Violation>,
    html_pages: usize,
}

fn audit(spec: &Spec, exchanges: &[Exchange]) -> Audit {
    let mut audit = Audit {
        seen: BTreeMap::new(),
        violations: Vec::new(),
        html_pages: 0,
    };
    for exchange in exchanges {
        let target = exchange.route.as_deref().unwrap_or(&exchange.path);
        if HTML_ENDPOINTS.contains(&target) && exchange.response_body.is_none() {
            audit.html_pages += 1;
            continue;
        }
        let Some(op) = spec.operation(&exchange.method, target) else {
            audit
                .violations
                .push(openapi::no_operation(&exchange.method, &exchange.path));
            continue;
        };
        let key = (op.method.clone(), op.path.clone());
        let (_, seen) = audit
            .seen
            .entry(key)
            .or_insert_with(|| (op.id.clone(), Seen::default()));
        seen.supplement = op.supplement;
        *seen.statuses.entry(exchange.status).or_default() += 1;
        let mut found = Vec::new();
        if let Some(body) = &exchange.request_body {
            if op.request_undescribed() {
                seen.requests_undescribed += 1;
            } else {
                seen.requests_checked += 1;
                found.extend(check_request(&op, body));
            }
        }
        if let Some(body) = &exchange.response_body {
            seen.responses_checked += 1;
            found.extend(check_response(&op, exchange.status, body));
        }
        seen.violations += found.len();
        audit.violations.extend(found);
    }
    audit
}

fn exchange(method: &str, path: &str, route: Option<&str>, status: u16) -> Exchange {
    Exchange {
        method: method.into(),
        path: path.into(),
        route: route.map(str::to_string),
        query: None,
        request_body: None,
        status,
        response_content_type: None,
        response_body: None,
    }
}

/// The audit over recorded exchanges: it checks both directions, reports routes FusionAuth does
/// not have, and skips only the HTML pages.
#[test]
fn the_audit_checks_both_sides_and_unknown_routes() {
    let Some(spec) = Spec::load() else { return };
    let app_id = uuid();
    let mut create = exchange(
        "POST",
        &format!("/api/application/{app_id}"),
        Some("/api/application/{id}"),
        200,
    );
    create.request_body = Some(json!({"application": {"name": "a",
        "oauthConfiguration": {"authorizedRedirectUrls": ["http://localhost/cb"]}}}));
    create.response_content_type = Some("application/json".into());
    create.response_body = Some(json!({"application": {"id": app_id, "name": "a", "activ": true}}));
    let mut page = exchange("GET", "/oauth2/authorize", Some("/oauth2/authorize"), 200);
    page.response_content_type = Some("text/html".into());
    let unknown = exchange("GET", "/api/application/{id}/secrets", None, 404);

    let audit = audit(&spec, &[create, page, unknown]);
    assert_eq!(audit.html_pages, 1);
    let mut found: Vec<(String, String, Problem)> = audit
        .violations
        .into_iter()
        .map(|v| (v.direction, v.path, v.problem))
        .collect();
    found.sort_by(|a, b| a.1.cmp(&b.1));
    assert_eq!(
        found,
        [
            (
                "request".to_string(),
                "/api/application/{id}/secrets".to_string(),
                Problem::NoOperation
            ),
            (
                "response 200".to_string(),
                "application.activ".to_string(),
                Problem::UndeclaredProperty
            ),
            (
                "request".to_string(),
                "application.oauthConfiguration.authorizedRedirectUrls".to_string(),
                Problem::UndeclaredProperty
            ),
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_exchange_with_the_stand_in_matches_fusionauths_openapi() {
    let Some(spec) = Spec::load() else { return };

    let unlicensed = stack(Options::default()).await;
    drive_unlicensed(&unlicensed).await;
    let mut exchanges = unlicensed.sim.exchanges();

    let licensed = stack(Options {
        licensed: true,
        relationship: "ThirdParty",
        ..Default::default()
    })
    .await;
    drive_licensed(&licensed).await;
    exchanges.extend(licensed.sim.exchanges());

    let audit = audit(&spec, &exchanges);

    println!(
        "contract: {} exchanges, {} HTML page requests skipped (no JSON, not in the API spec)",
        exchanges.len(),
        audit.html_pages
    );
    for ((method, path), (id, seen)) in &audit.seen {
        let statuses = seen
            .statuses
            .iter()
            .map(|(status, n)| format!("{status}×{n}"))
            .collect::<Vec<_>>()
            .join(" ");
        let request = if seen.requests_undescribed > 0 {
            format!(
                "{} checked, {} form bodies the spec does not describe",
                seen.requests_checked, seen.requests_undescribed
            )
        } else {
            format!("{} checked", seen.requests_checked)
        };
        println!(
            "contract: {method:<6} {path:<52} {id:<42} [{statuses}] requests {request}; \
             responses {} checked; {} violations{}",
            seen.responses_checked,
            seen.violations,
            if seen.supplement.is_some() {
                " (operation missing from the spec file; supplemented from FusionAuth's docs)"
            } else {
                ""
            }
        );
    }

    let mut problems = Vec::new();
    for (method, path) in EXPECTED_OPERATIONS {
        if !audit
            .seen
            .contains_key(&(method.to_string(), path.to_string()))
        {
            problems.push(format!("never exercised: {method} {path}"));
        }
    }
    for (method, path, status) in EXPECTED_ERRORS {
        let seen = audit
            .seen
            .get(&(method.to_string(), path.to_string()))
            .is_some_and(|(_, s)| s.statuses.contains_key(status));
        if !seen {
            problems.push(format!("never answered {status}: {method} {path}"));
        }
    }

    // One line per distinct violation, with how often it occurred.
    let mut distinct: BTreeMap<String, usize> = BTreeMap::new();
    for violation in &audit.violations {
        *distinct.entry(violation.to_string()).or_default() += 1;
    }
    for (violation, n) in &distinct {
        problems.push(if *n > 1 {
            format!("{violation} (×{n})")
        } else {
            violation.clone()
        });
    }
    assert!(
        problems.is_empty(),
        "{} problem(s) with FusionAuth's OpenAPI contract:\n  {}",
        problems.len(),
        problems.join("\n  ")
    );
}
