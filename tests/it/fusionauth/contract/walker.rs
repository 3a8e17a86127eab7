//! The spec walker, tested on its own against FusionAuth's OpenAPI file and a small spec of
//! our own: what it must find, and the misspellings it must catch.

use crate::support::openapi::{Operation, Problem, Spec, Violation, check_request, check_response};
use serde_json::{Value, json};

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

/// The one violation a check found; any other count fails the test, listing them.
#[track_caller]
fn the_one(violations: &[Violation]) -> &Violation {
    assert_eq!(violations.len(), 1, "\n{}", described(violations));
    &violations[0]
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
    let v = the_one(&violations);
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
    let v = the_one(&violations);
    assert_eq!(v.path, "tenant.jwtConfiguration.accessTokenKeyID");
    assert_eq!(v.schema, "JWTConfiguration");

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
    let v = the_one(&violations);
    assert_eq!(v.path, "applications[1].oauthConfiguration.clientSecrett");
    assert_eq!(v.direction, "response 200");
}

#[test]
fn an_unknown_top_level_wrapper_fails() {
    let Some(spec) = Spec::load() else { return };
    let op = operation(&spec, "POST", "/api/application");
    let body = json!({"app": good_application()["application"].clone()});
    let violations = check_request(&op, &body);
    let v = the_one(&violations);
    assert_eq!(v.path, "app");
    assert_eq!(v.schema, "ApplicationRequest");

    let validate = operation(&spec, "GET", "/api/jwt/validate");
    let violations = check_response(&validate, 200, &json!({"claims": {"sub": "u"}}));
    let v = the_one(&violations);
    assert_eq!(v.path, "claims");
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
    let v = the_one(&violations);
    assert_eq!(v.path, "jwtConfiguration.enabeld");
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
    let v = the_one(&violations);
    assert_eq!(
        v.problem,
        Problem::NotInEnum {
            value: "NotRequiredWhenUsingPkce".into()
        }
    );
    assert_eq!(v.schema, "ClientAuthenticationPolicy");

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
    let v = the_one(&violations);
    assert_eq!(v.problem, Problem::UndeclaredBody);
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
