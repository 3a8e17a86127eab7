//! The contract with FusionAuth: every JSON body mcp-fa sends and the stand-in answers, for every
//! operation mcp-fa uses (and those the tests set the stand-in up with), has only the property
//! names (and enum values) FusionAuth's OpenAPI file declares for that schema. A misspelled field
//! (`authorizedRedirectUrls`) fails here, on either side: in the typed client (FusionAuth would
//! silently ignore it) or in the stand-in (tests would pass against something FusionAuth never
//! says).
//!
//! The spec is FusionAuth's file, read from `../shared/reference/`; without it (outside CI) the
//! tests print why and pass.

//!
//! `walker` tests the spec walker on its own; `drive` makes every call mcp-fa (and the tests'
//! setup) makes; this file holds what was seen against what must have been seen.

mod drive;
mod walker;

use drive::{drive_licensed, drive_unlicensed, uuid};

use std::collections::BTreeMap;

use crate::support::openapi::{
    self, HTML_ENDPOINTS, Problem, Spec, Violation, check_request, check_response,
};
use crate::support::{Options, stack};
use fusionauth_sim::Exchange;
use serde_json::json;

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

    let licensed = stack(Options::third_party()).await;
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
