//! The login itself: discovery, the authorization request (PKCE S256, `state`, RFC 8707
//! `resource`), the login form filled and posted back, a consent page answered when one comes,
//! the code read from FusionAuth's redirect to the redirect URI, and the code exchanged at the
//! token endpoint named by discovery.
//!
//! The password, the code and the verifier are collected as they come into the list of what
//! every message taken from FusionAuth is scrubbed of; none of them reaches a `Debug` output.

use reqwest::Method;
use reqwest::header::CONTENT_TYPE;
use url::Url;

use super::browser::{Browser, FORM, Landing};
use super::error::{Context, LoginError, clip, shown, unreachable};
use super::html::{Form, Page};
use super::pkce::{self, Pkce};
use crate::fusionauth::client::FusionAuthClient;
use crate::fusionauth::models::{OpenIdConfiguration, TokenResponse};
use crate::fusionauth::secret::Secret;

/// Pages answered (login form, consent, ...) before giving up.
const MAX_PAGES: usize = 4;

/// What to log in with, and for what.
#[derive(Debug, Clone, Copy)]
pub struct LoginRequest<'a> {
    pub client_id: &'a str,
    /// One of the application's registered redirect URIs. Nothing needs to listen there: the
    /// code is read from FusionAuth's redirect, which is never followed.
    pub redirect_uri: &'a str,
    pub scopes: &'a [&'a str],
    /// RFC 8707: the MCP server's resource URI (`<public URL>/mcp`). Empty: none is sent.
    pub resource: &'a str,
    pub login_id: &'a str,
    pub password: &'a Secret,
}

/// What the token endpoint gave back. `Debug` shows no token.
#[derive(Debug, Clone)]
pub struct Tokens {
    pub access_token: Secret,
    pub refresh_token: Option<Secret>,
    pub expires_in: Option<u64>,
    /// Space separated, as granted.
    pub scope: Option<String>,
}

impl FusionAuthClient {
    /// Logs `request.login_id` in through the hosted login page and exchanges the code for
    /// tokens, as an MCP client with a browser would, but headless.
    pub async fn log_in_with_form(&self, request: &LoginRequest<'_>) -> Result<Tokens, LoginError> {
        let discovery = self
            .openid_configuration()
            .await
            .map_err(LoginError::Discovery)?;
        let authorize_endpoint =
            endpoint("authorization endpoint", &discovery.authorization_endpoint)?;
        let token_endpoint = endpoint("token endpoint", &discovery.token_endpoint)?;
        let redirect_uri = Url::parse(request.redirect_uri)
            .map_err(|_| LoginError::BadRedirectUri(request.redirect_uri.to_owned()))?;

        let pkce = Pkce::new()?;
        let state = pkce::state()?;
        let authorize_url = authorize_url(&authorize_endpoint, request, &pkce, &state);

        let browser = Browser::new(
            vec![authorize_endpoint.origin(), self.base_url().origin()],
            redirect_uri,
        )?;
        let mut secrets = vec![request.password.expose().to_owned()];
        let callback = walk(&browser, authorize_url, request, &secrets).await?;
        let code = read_callback(&callback, &state, &discovery, &secrets)?;
        secrets.push(code.clone());
        secrets.push(pkce.verifier.clone());
        exchange(&browser, &token_endpoint, request, &code, &pkce, &secrets).await
    }
}

fn authorize_url(endpoint: &Url, request: &LoginRequest<'_>, pkce: &Pkce, state: &str) -> Url {
    let mut url = endpoint.clone();
    {
        let mut query = url.query_pairs_mut();
        query
            .append_pair("client_id", request.client_id)
            .append_pair("redirect_uri", request.redirect_uri)
            .append_pair("response_type", "code")
            .append_pair("scope", &request.scopes.join(" "))
            .append_pair("state", state)
            .append_pair("code_challenge", &pkce.challenge)
            .append_pair("code_challenge_method", "S256");
        if !request.resource.is_empty() {
            query.append_pair("resource", request.resource);
        }
    }
    url
}

/// Opens the authorize URL, submits the login form, answers a consent page, and returns the
/// redirect to the client's redirect URI.
async fn walk(
    browser: &Browser,
    authorize: Url,
    request: &LoginRequest<'_>,
    secrets: &[String],
) -> Result<Url, LoginError> {
    let context = Context {
        client_id: request.client_id,
        redirect_uri: request.redirect_uri,
        secrets,
    };
    let mut landing = browser.go(Method::GET, authorize, None).await?;
    let mut login_sent = false;
    let mut consent_sent = false;
    for _ in 0..MAX_PAGES {
        let (url, status, html) = match landing {
            Landing::Callback(url) => return Ok(url),
            Landing::OAuthError(params) => return Err(context.oauth_error_route(&params)),
            Landing::Page { url, status, html } => (url, status, html),
        };
        let page = Page::parse(&html);
        if let Some(form) = page.forms().iter().find(|f| f.has_password()) {
            if login_sent {
                return Err(LoginError::WrongCredentials {
                    login_id: request.login_id.to_owned(),
                    message: page.error_message().map(|m| clip(m, secrets)),
                });
            }
            let fields = form.submission(
                &[
                    ("loginId", request.login_id),
                    ("password", request.password.expose()),
                ],
                None,
            );
            let target = target(form, &url)?;
            login_sent = true;
            landing = browser.submit(form, target, &fields).await?;
            continue;
        }
        if let Some(form) = page.forms().iter().find(|f| f.is_consent()) {
            if consent_sent {
                return Err(context.unexpected(&url, status, &page));
            }
            let form = grant_everything_asked(form);
            let fields = form.submission(&[], form.allow_button());
            let target = target(&form, &url)?;
            consent_sent = true;
            landing = browser.submit(&form, target, &fields).await?;
            continue;
        }
        return Err(context.page(&url, status, &page));
    }
    Err(LoginError::TooManyRedirects)
}

/// The consent form with every optional scope ticked: FusionAuth grants only the scopes posted
/// as `scopeConsents['NAME']=true` (an unticked box sends just its `__cb_` twin, `false`), and
/// the login asked for exactly the scopes the client needs. Required and unknown scopes come as
/// hidden fields already set to `true`.
fn grant_everything_asked(form: &Form) -> Form {
    let mut form = form.clone();
    let optional: Vec<String> = form
        .checkboxes()
        .into_iter()
        .filter(|(name, _)| name.starts_with("scopeConsents["))
        .map(|(name, _)| name.to_owned())
        .collect();
    for name in optional {
        form.set_checked(&name, true);
    }
    form
}

fn target(form: &Form, page: &Url) -> Result<Url, LoginError> {
    form.target(page).map_err(|_| LoginError::UnexpectedPage {
        status: 200,
        url: shown(page),
        title: Some(format!(
            "a form whose action `{}` is not a URL",
            form.action().unwrap_or_default()
        )),
    })
}

/// The code from the redirect back, once the redirect is known to answer this request.
fn read_callback(
    callback: &Url,
    state: &str,
    discovery: &OpenIdConfiguration,
    secrets: &[String],
) -> Result<String, LoginError> {
    let params: Vec<(String, String)> = callback.query_pairs().into_owned().collect();
    let param = |name: &str| {
        params
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    };
    if let Some(error) = param("error") {
        return Err(LoginError::Authorization {
            error: error.to_owned(),
            description: param("error_description").map(|d| clip(d, secrets)),
        });
    }
    if param("state") != Some(state) {
        return Err(LoginError::StateMismatch);
    }
    if let Some(iss) = param("iss")
        && iss != discovery.issuer
    {
        return Err(LoginError::IssuerMismatch {
            expected: discovery.issuer.clone(),
            got: iss.to_owned(),
        });
    }
    param("code").map(str::to_owned).ok_or(LoginError::NoCode)
}

/// The authorization code grant, with the verifier and the same resource.
async fn exchange(
    browser: &Browser,
    token_endpoint: &Url,
    request: &LoginRequest<'_>,
    code: &str,
    pkce: &Pkce,
    secrets: &[String],
) -> Result<Tokens, LoginError> {
    let mut form = url::form_urlencoded::Serializer::new(String::new());
    form.append_pair("grant_type", "authorization_code")
        .append_pair("code", code)
        .append_pair("redirect_uri", request.redirect_uri)
        .append_pair("client_id", request.client_id)
        .append_pair("code_verifier", &pkce.verifier);
    if !request.resource.is_empty() {
        form.append_pair("resource", request.resource);
    }
    let response = browser
        .http
        .post(token_endpoint.clone())
        .header(CONTENT_TYPE, FORM)
        .body(form.finish())
        .send()
        .await
        .map_err(|source| unreachable(token_endpoint, source))?;
    let status = response.status();
    let body = response
        .bytes()
        .await
        .map_err(|source| unreachable(token_endpoint, source))?;
    if status.is_success() {
        let tokens: TokenResponse =
            serde_json::from_slice(&body).map_err(|e| LoginError::TokenUnexpected {
                status: status.as_u16(),
                // Position only: serde's message can quote the value it choked on.
                detail: format!(
                    "not a token response ({:?} error at line {}, column {})",
                    e.classify(),
                    e.line(),
                    e.column()
                ),
            })?;
        return Ok(Tokens {
            access_token: tokens.access_token,
            refresh_token: tokens.refresh_token,
            expires_in: tokens.expires_in,
            scope: tokens.scope,
        });
    }
    #[derive(serde::Deserialize)]
    struct OAuthError {
        error: String,
        error_description: Option<String>,
    }
    match serde_json::from_slice::<OAuthError>(&body) {
        Ok(refused) => Err(LoginError::TokenRefused {
            status: status.as_u16(),
            error: clip(&refused.error, secrets),
            description: refused.error_description.map(|d| clip(&d, secrets)),
        }),
        Err(_) => Err(LoginError::TokenUnexpected {
            status: status.as_u16(),
            detail: "the answer is not an OAuth error document".to_owned(),
        }),
    }
}

fn endpoint(what: &'static str, raw: &str) -> Result<Url, LoginError> {
    Url::parse(raw)
        .ok()
        .filter(|url| matches!(url.scheme(), "http" | "https"))
        .ok_or_else(|| LoginError::BadEndpoint {
            what,
            url: raw.to_owned(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_hides_the_password_and_tokens() {
        let password = Secret::new("hunter2-password");
        let request = LoginRequest {
            client_id: "c",
            redirect_uri: "http://127.0.0.1:9/cb",
            scopes: &["openid"],
            resource: "http://localhost:8000/mcp",
            login_id: "test@example.com",
            password: &password,
        };
        let tokens = Tokens {
            access_token: Secret::new("eyJ-access-token"),
            refresh_token: Some(Secret::new("refresh-token-value")),
            expires_in: Some(3600),
            scope: Some("openid".into()),
        };
        let shown = format!("{request:?} {tokens:?}");
        for secret in ["hunter2", "eyJ-access", "refresh-token-value"] {
            assert!(!shown.contains(secret), "{shown}");
        }
    }

    #[test]
    fn consent_is_given_for_every_scope_asked_for_even_unticked_ones() {
        let page = Page::parse(
            r#"<form action="/oauth2/consent" method="POST">
            <input type="hidden" name="scopeConsents['openid']" value="true"/>
            <input type="hidden" name="__cb_scopeConsents['profile']" value="false"/>
            <input type="checkbox" name="scopeConsents['profile']" value="true">
            <input type="hidden" name="__cb_rememberDevice" value="false"/>
            <input type="checkbox" name="rememberDevice" value="true">
            <button name="action" value="allow">Allow</button>
            <button name="action" value="cancel">Cancel</button></form>"#,
        );
        let form = grant_everything_asked(&page.forms()[0]);
        assert_eq!(
            form.checkboxes(),
            [
                ("scopeConsents['profile']", true),
                ("rememberDevice", false)
            ],
            "only scope answers are ticked"
        );
        let fields = form.submission(&[], form.allow_button());
        assert!(fields.contains(&("scopeConsents['profile']".into(), "true".into())));
        assert_eq!(fields.last(), Some(&("action".into(), "allow".into())));
    }

    #[test]
    fn the_callback_is_used_only_for_this_request() {
        let discovery = OpenIdConfiguration {
            issuer: "http://localhost:9011".into(),
            ..OpenIdConfiguration::default()
        };
        let read = |query: &str| {
            let url = Url::parse(&format!("http://127.0.0.1:9/cb?{query}")).expect("url");
            read_callback(&url, "s1", &discovery, &["pw".to_owned()])
        };
        assert_eq!(read("code=c1&state=s1").expect("code"), "c1");
        assert_eq!(
            read("code=c1&state=s1&iss=http%3A%2F%2Flocalhost%3A9011").expect("code"),
            "c1"
        );
        assert!(matches!(
            read("code=c1&state=other"),
            Err(LoginError::StateMismatch)
        ));
        assert!(matches!(
            read("code=c1&state=s1&iss=http%3A%2F%2Fevil"),
            Err(LoginError::IssuerMismatch { .. })
        ));
        assert!(matches!(read("state=s1"), Err(LoginError::NoCode)));
        assert!(matches!(
            read("error=access_denied&error_description=said+pw"),
            Err(LoginError::Authorization { error, description: Some(d) })
                if error == "access_denied" && d == "said [redacted]"
        ));
    }
}
