//! `/oauth2/consent`: the consent step of ThirdParty applications. After the login the browser
//! is sent here (GET) with the request's parameters; the page (see `pages::consent`) is a form
//! of its own posted back here with the OAuth hidden fields, `scopeConsents['NAME']` answers and
//! `action=allow` or `action=cancel`. Everything is validated again; the user is the one the
//! SSO session cookie names.
//!
//! Only the scopes posted as `true` are granted: an unticked optional scope is simply missing
//! from the token. `cancel` redirects with `access_denied` (reason `consent_canceled`).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde_json::Value;

use super::authorize::{Refusal, issue_code, session, validate};
use super::pages::{self, ConsentPage, ConsentScope};
use super::{ClientSettings, Params};
use crate::Sim;

/// The OIDC scopes FusionAuth provides, with the stock theme's subject for each; whether they
/// may be declined is the application's `providedScopePolicy` (`required` defaults to false).
const PROVIDED: &[(&str, &str)] = &[
    ("address", "See your address"),
    ("email", "See your email address"),
    ("phone", "See your phone number"),
    ("profile", "See your profile"),
];

pub async fn show_consent(
    State(sim): State<Arc<Sim>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let p = Params::parse(query.unwrap_or_default().as_bytes());
    let (request, client) = match validate(&sim, &p) {
        Ok(v) => v,
        Err(refusal) => return refusal.into_response(),
    };
    if session(&sim, &headers).is_none() {
        return back_to_login(&p);
    }
    let tenant = sim.model().default_tenant_id.to_string();
    let shown = sorted(&sim, &client, &request.scopes);
    Html(pages::consent(&p, &tenant, &shown)).into_response()
}

pub async fn submit_consent(
    State(sim): State<Arc<Sim>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let p = Params::parse(&body);
    let (mut request, client) = match validate(&sim, &p) {
        Ok(v) => v,
        Err(refusal) => return refusal.into_response(),
    };
    let Some(session) = session(&sim, &headers) else {
        return back_to_login(&p);
    };
    let consented = |scope: &str| p.get(&pages::consent_field(scope)) == Some("true");
    let required = sorted(&sim, &client, &request.scopes).required;
    // A required scope not consented to is a refusal, as cancelling is (inferred).
    if p.get("action") != Some("allow") || !required.iter().all(|s| consented(&s.name)) {
        return Refusal::Redirect {
            redirect_uri: request.redirect_uri,
            state: request.state,
            error: "access_denied",
            reason: "consent_canceled",
            description: "The user did not consent to the requested scopes.".into(),
        }
        .into_response();
    }
    request.scopes.retain(|scope| consented(scope));
    issue_code(&sim, request, &session)
}

/// Without a session the login starts again, with the same request (inferred).
fn back_to_login(p: &Params) -> Response {
    let query: String = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(p.fields.iter().filter(|(name, _)| {
            !name.starts_with("scopeConsents[") && !name.starts_with("__cb_") && name != "action"
        }))
        .finish();
    (
        StatusCode::FOUND,
        [(header::LOCATION, format!("/oauth2/authorize?{query}"))],
    )
        .into_response()
}

/// `scopes` sorted for `client`'s consent page (see [`sort`]).
fn sorted(sim: &Sim, client: &ClientSettings, scopes: &[String]) -> ConsentPage {
    let app = sim
        .model()
        .applications
        .get(&client.id)
        .cloned()
        .unwrap_or(Value::Null);
    sort(&app, &client.name, scopes)
}

/// The requested scopes as the theme's `scopeConsentField` sorts them: `openid`,
/// `offline_access` and scopes the application does not know are "unknown" (consented without
/// a question); the provided OIDC scopes and the application's own are required or optional.
fn sort(app: &Value, name: &str, scopes: &[String]) -> ConsentPage {
    let mut page = ConsentPage {
        application: name.to_owned(),
        required: Vec::new(),
        optional: Vec::new(),
        unknown: Vec::new(),
    };
    for scope in scopes {
        let provided = PROVIDED.iter().find(|(s, _)| s == scope);
        let custom = app["scopes"]
            .as_array()
            .and_then(|list| list.iter().find(|s| s["name"].as_str() == Some(scope)));
        let (required, message) = match (provided, custom) {
            (Some((_, subject)), _) => (
                app["oauthConfiguration"]["providedScopePolicy"][scope]["required"]
                    .as_bool()
                    .unwrap_or(false),
                (*subject).to_owned(),
            ),
            (None, Some(custom)) => (
                custom["required"].as_bool().unwrap_or(false),
                custom["defaultConsentMessage"]
                    .as_str()
                    .filter(|m| !m.is_empty())
                    .unwrap_or(scope)
                    .to_owned(),
            ),
            (None, None) => {
                page.unknown.push(scope.clone());
                continue;
            }
        };
        let entry = ConsentScope {
            name: scope.clone(),
            message,
        };
        if required {
            page.required.push(entry);
        } else {
            page.optional.push(entry);
        }
    }
    page
}
