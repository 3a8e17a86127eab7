//! Logging a user in through FusionAuth's hosted login page the way a browser does, without a
//! browser: the authorization code flow with PKCE (S256) and an RFC 8707 `resource`, the login
//! form read from the HTML and posted back with every field it carries, the consent page
//! answered when one comes, FusionAuth's own redirects followed, and the code exchanged at the
//! token endpoint named by OIDC discovery.
//!
//! It must never connect to the redirect URI (it reads the code from FusionAuth's redirect
//! instead, so nothing needs to listen there), follow a redirect that leaves FusionAuth, or put a
//! password, a code, a verifier or a token into an error, a log line or `Debug` output. The HTML
//! reading is deliberately small: enough of a tag scanner for forms, titles and error messages,
//! tolerant of attribute order, quoting and character references.

use std::fmt;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::header::{CONTENT_TYPE, COOKIE, HeaderValue, LOCATION, SET_COOKIE};
use reqwest::{Method, StatusCode};
use url::Url;

use super::client::FusionAuthClient;
use super::error::FusionAuthError;
use super::models::TokenResponse;
use super::secret::Secret;

const USER_AGENT: &str = concat!("mcp-fa/", env!("CARGO_PKG_VERSION"), " (headless login)");
const FORM: &str = "application/x-www-form-urlencoded";
/// Redirects followed in a row inside FusionAuth before giving up (a loop, or a proxy dance).
const MAX_REDIRECTS: usize = 10;
/// Pages answered (login form, consent, ...) before giving up.
const MAX_PAGES: usize = 4;
/// How much of a message taken from a page is kept in an error.
const MESSAGE_LIMIT: usize = 300;

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

/// Why the login did not end with tokens, in the terms a user can act on.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    #[error("could not read FusionAuth's OpenID Connect discovery document: {0}")]
    Discovery(#[source] FusionAuthError),

    #[error("FusionAuth's discovery document names an unusable {what}: `{url}`")]
    BadEndpoint { what: &'static str, url: String },

    #[error(
        "`{0}` is not an absolute redirect URI; pass one of the application's authorized redirect URLs exactly"
    )]
    BadRedirectUri(String),

    #[error("could not reach {url}: {source}")]
    Unreachable {
        url: String,
        #[source]
        source: reqwest::Error,
    },

    #[error(
        "FusionAuth did not accept the login of {login_id}: the login form came back{}. Check the \
         password (`mcp-fa status --show-secrets` shows the demo user's) and that the user exists \
         and is active",
        quoted_suffix(.message)
    )]
    WrongCredentials {
        login_id: String,
        message: Option<String>,
    },

    #[error(
        "FusionAuth refused the redirect URI {redirect_uri}: it is not one of the authorized \
         redirect URLs of the application {client_id}{}. Register exactly this URI (FusionAuth \
         compares exactly: localhost is not 127.0.0.1, and the port and a trailing slash count)",
        quoted_suffix(.message)
    )]
    RedirectUriNotRegistered {
        redirect_uri: String,
        client_id: String,
        message: Option<String>,
    },

    #[error(
        "FusionAuth has no active application with the client id {client_id}{}; register the \
         client again (`mcp-fa clients add`)",
        quoted_suffix(.message)
    )]
    UnknownClient {
        client_id: String,
        message: Option<String>,
    },

    #[error(
        "FusionAuth refused the authorization request: `{error}`{}{}",
        described(.description),
        authorize_hint(.error)
    )]
    Authorization {
        error: String,
        description: Option<String>,
    },

    #[error(
        "FusionAuth showed an error page (HTTP {status}{}){}",
        titled(.title),
        described(.message)
    )]
    ErrorPage {
        status: u16,
        title: Option<String>,
        message: Option<String>,
    },

    #[error(
        "expected FusionAuth's login form, a consent page or a redirect, but got {} (HTTP \
         {status} from {url})",
        match .title { Some(title) => format!("a page titled \"{title}\""), None => "a page without a title".to_owned() }
    )]
    UnexpectedPage {
        status: u16,
        url: String,
        title: Option<String>,
    },

    #[error(
        "FusionAuth sent the browser to {origin}, which is neither FusionAuth nor the redirect URI \
         (an external identity provider or a proxy's login page?); a headless login cannot follow it"
    )]
    LeftFusionAuth { origin: String },

    #[error("FusionAuth redirected more than {MAX_REDIRECTS} times in a row without an answer")]
    TooManyRedirects,

    #[error(
        "the redirect back carried another `state` than the request sent, so its code was not \
         used (a stale or forged redirect)"
    )]
    StateMismatch,

    #[error(
        "the redirect back names the issuer {got}, but discovery said {expected}: the code came \
         from another authorization server and was not used"
    )]
    IssuerMismatch { expected: String, got: String },

    #[error("FusionAuth redirected to the redirect URI with neither a code nor an error")]
    NoCode,

    #[error(
        "FusionAuth's token endpoint refused the code (HTTP {status}): `{error}`{}{}",
        described(.description),
        token_hint(.error)
    )]
    TokenRefused {
        status: u16,
        error: String,
        description: Option<String>,
    },

    #[error("FusionAuth's token endpoint answered HTTP {status} without a usable token ({detail})")]
    TokenUnexpected { status: u16, detail: String },

    #[error("could not draw random bytes for PKCE: {0}")]
    Random(String),

    #[error("could not set up the HTTP client: {0}")]
    Client(#[source] reqwest::Error),
}

impl LoginError {
    /// A stable code for `--json` output and tests.
    pub fn code(&self) -> &'static str {
        match self {
            LoginError::Discovery(_) | LoginError::BadEndpoint { .. } => "LOGIN_DISCOVERY_FAILED",
            LoginError::BadRedirectUri(_) => "LOGIN_INVALID_REQUEST",
            LoginError::Unreachable { .. } => "LOGIN_UNREACHABLE",
            LoginError::WrongCredentials { .. } => "LOGIN_REJECTED",
            LoginError::RedirectUriNotRegistered { .. } => "REDIRECT_URI_NOT_REGISTERED",
            LoginError::UnknownClient { .. } => "LOGIN_UNKNOWN_CLIENT",
            LoginError::Authorization { .. } => "LOGIN_AUTHORIZATION_REFUSED",
            LoginError::ErrorPage { .. } => "LOGIN_ERROR_PAGE",
            LoginError::UnexpectedPage { .. } => "LOGIN_UNEXPECTED_PAGE",
            LoginError::LeftFusionAuth { .. } | LoginError::TooManyRedirects => {
                "LOGIN_UNEXPECTED_REDIRECT"
            }
            LoginError::StateMismatch | LoginError::IssuerMismatch { .. } => {
                "LOGIN_REDIRECT_REFUSED"
            }
            LoginError::NoCode => "LOGIN_NO_CODE",
            LoginError::TokenRefused { .. } | LoginError::TokenUnexpected { .. } => {
                "LOGIN_TOKEN_REFUSED"
            }
            LoginError::Random(_) | LoginError::Client(_) => "LOGIN_INTERNAL",
        }
    }
}

fn quoted_suffix(message: &Option<String>) -> String {
    message
        .as_deref()
        .map(|m| format!(" (it said: \"{m}\")"))
        .unwrap_or_default()
}

fn described(text: &Option<String>) -> String {
    text.as_deref()
        .map(|t| format!(": {t}"))
        .unwrap_or_default()
}

fn titled(title: &Option<String>) -> String {
    title
        .as_deref()
        .map(|t| format!(", \"{t}\""))
        .unwrap_or_default()
}

fn authorize_hint(error: &str) -> &'static str {
    match error {
        "invalid_target" => {
            ". The application does not list this resource in its authorizedResourceUris: register \
             the client for this MCP server's URL"
        }
        "invalid_scope" => ". Ask only for scopes the application knows",
        "access_denied" => ". The user (or a policy) declined",
        "unauthorized_client" => ". Enable the authorization_code grant on the application",
        "invalid_request" => ". The application probably requires something the request lacked",
        _ => "",
    }
}

fn token_hint(error: &str) -> &'static str {
    match error {
        "invalid_client" => {
            ". The application requires client authentication; a public client needs \
             clientAuthenticationPolicy NotRequiredWhenUsingPKCE (mcp-fa registers clients so)"
        }
        "invalid_grant" => {
            ". The code expired, was used already, or the PKCE verifier did not match"
        }
        "invalid_target" => ". The resource is not one of the application's authorizedResourceUris",
        _ => "",
    }
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

        let verifier = random_b64(32)?;
        let challenge = URL_SAFE_NO_PAD.encode(
            aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, verifier.as_bytes()).as_ref(),
        );
        let state = random_b64(16)?;

        let mut authorize_url = authorize_endpoint.clone();
        {
            let mut query = authorize_url.query_pairs_mut();
            query
                .append_pair("client_id", request.client_id)
                .append_pair("redirect_uri", request.redirect_uri)
                .append_pair("response_type", "code")
                .append_pair("scope", &request.scopes.join(" "))
                .append_pair("state", &state)
                .append_pair("code_challenge", &challenge)
                .append_pair("code_challenge_method", "S256");
            if !request.resource.is_empty() {
                query.append_pair("resource", request.resource);
            }
        }

        let mut browser = Browser::new(
            vec![authorize_endpoint.origin(), self.base_url().origin()],
            redirect_uri,
            vec![request.password.expose().to_owned()],
        )?;
        let callback = browser.walk(authorize_url, request).await?;

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
                description: param("error_description").map(|d| clip(d, &browser.secrets)),
            });
        }
        if param("state") != Some(state.as_str()) {
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
        let code = param("code").ok_or(LoginError::NoCode)?;

        let mut form = url::form_urlencoded::Serializer::new(String::new());
        form.append_pair("grant_type", "authorization_code")
            .append_pair("code", code)
            .append_pair("redirect_uri", request.redirect_uri)
            .append_pair("client_id", request.client_id)
            .append_pair("code_verifier", &verifier);
        if !request.resource.is_empty() {
            form.append_pair("resource", request.resource);
        }
        browser.secrets.push(code.to_owned());
        browser.secrets.push(verifier.clone());
        let response = browser
            .http
            .post(token_endpoint.clone())
            .header(CONTENT_TYPE, FORM)
            .body(form.finish())
            .send()
            .await
            .map_err(|source| unreachable(&token_endpoint, source))?;
        let status = response.status();
        let body = response
            .bytes()
            .await
            .map_err(|source| unreachable(&token_endpoint, source))?;
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
                error: clip(&refused.error, &browser.secrets),
                description: refused
                    .error_description
                    .map(|d| clip(&d, &browser.secrets)),
            }),
            Err(_) => Err(LoginError::TokenUnexpected {
                status: status.as_u16(),
                detail: "the answer is not an OAuth error document".to_owned(),
            }),
        }
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

fn random_b64(bytes: usize) -> Result<String, LoginError> {
    let mut buffer = vec![0u8; bytes];
    getrandom::fill(&mut buffer).map_err(|e| LoginError::Random(e.to_string()))?;
    Ok(URL_SAFE_NO_PAD.encode(buffer))
}

/// A URL as it may appear in an error: without its query string, which carries the state, the
/// PKCE challenge and, on the way back, the code.
fn shown(url: &Url) -> String {
    let mut url = url.clone();
    url.set_query(None);
    url.set_fragment(None);
    url.to_string()
}

fn unreachable(url: &Url, source: reqwest::Error) -> LoginError {
    LoginError::Unreachable {
        url: shown(url),
        source: source.without_url(),
    }
}

/// Text from a page or a redirect, fit for an error: one line, bounded, and with anything we sent
/// that must stay secret blanked out should the page have echoed it.
fn clip(text: &str, secrets: &[String]) -> String {
    let mut line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        line = line.replace(secret.as_str(), "[redacted]");
    }
    if line.chars().count() > MESSAGE_LIMIT {
        line = line.chars().take(MESSAGE_LIMIT).collect::<String>() + "…";
    }
    line
}

/// Where one request ended, after FusionAuth's own redirects.
enum Landing {
    /// The redirect to the client's redirect URI (never followed).
    Callback(Url),
    /// FusionAuth's OAuth error route, with its explanation in the query.
    OAuthError(Vec<(String, String)>),
    Page {
        url: Url,
        status: u16,
        html: String,
    },
}

/// Just enough of a browser: cookies for FusionAuth's origin, redirects inside FusionAuth, forms.
struct Browser {
    http: reqwest::Client,
    /// FusionAuth's origins (the discovery endpoints' and the API base URL's).
    internal: Vec<url::Origin>,
    redirect_uri: Url,
    cookies: Vec<(String, String)>,
    /// What must never show in an error (the password; later the code and verifier).
    secrets: Vec<String>,
}

impl Browser {
    fn new(
        internal: Vec<url::Origin>,
        redirect_uri: Url,
        secrets: Vec<String>,
    ) -> Result<Self, LoginError> {
        let http = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(30))
            // Every redirect is judged here: FusionAuth's are followed, the one to the redirect
            // URI is read and never followed.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(LoginError::Client)?;
        Ok(Self {
            http,
            internal,
            redirect_uri,
            cookies: Vec::new(),
            secrets,
        })
    }

    /// Opens the authorize URL, submits the login form, answers a consent page, and returns the
    /// redirect to the client's redirect URI.
    async fn walk(
        &mut self,
        authorize: Url,
        request: &LoginRequest<'_>,
    ) -> Result<Url, LoginError> {
        let mut landing = self.go(Method::GET, authorize, None).await?;
        let mut login_sent = false;
        let mut consent_sent = false;
        for _ in 0..MAX_PAGES {
            let (url, status, html) = match landing {
                Landing::Callback(url) => return Ok(url),
                Landing::OAuthError(params) => return Err(self.oauth_error_page(&params, request)),
                Landing::Page { url, status, html } => (url, status, html),
            };
            let page = Document::parse(&html);
            if let Some(form) = page.forms.iter().find(|f| f.has_password()) {
                if login_sent {
                    return Err(LoginError::WrongCredentials {
                        login_id: request.login_id.to_owned(),
                        message: page.error_message(&html).map(|m| clip(&m, &self.secrets)),
                    });
                }
                let fields = form.submission(
                    &[
                        ("loginId", request.login_id),
                        ("password", request.password.expose()),
                    ],
                    None,
                );
                let target = form.target(&url)?;
                login_sent = true;
                landing = self.submit(form, target, fields).await?;
                continue;
            }
            if let Some(form) = page.forms.iter().find(|f| f.is_consent()) {
                if consent_sent {
                    return Err(self.unexpected(&url, status, &page));
                }
                let fields = form.submission(&[], form.allow_button());
                let target = form.target(&url)?;
                consent_sent = true;
                landing = self.submit(form, target, fields).await?;
                continue;
            }
            return Err(self.classify_page(&url, status, &page, &html, request));
        }
        Err(LoginError::TooManyRedirects)
    }

    async fn submit(
        &mut self,
        form: &Form,
        target: Url,
        fields: Vec<(String, String)>,
    ) -> Result<Landing, LoginError> {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .finish();
        if form.method_is_get() {
            let mut target = target;
            target.set_query(Some(&body));
            self.go(Method::GET, target, None).await
        } else {
            self.go(Method::POST, target, Some(body)).await
        }
    }

    /// Sends one request and follows FusionAuth's redirects until a page or the redirect URI.
    async fn go(
        &mut self,
        mut method: Method,
        mut url: Url,
        mut body: Option<String>,
    ) -> Result<Landing, LoginError> {
        for _ in 0..=MAX_REDIRECTS {
            if !self.is_internal(&url) {
                return Err(LoginError::LeftFusionAuth {
                    origin: url.origin().ascii_serialization(),
                });
            }
            let mut builder = self.http.request(method.clone(), url.clone());
            if let Some(cookie) = self.cookie_header() {
                builder = builder.header(COOKIE, cookie);
            }
            if let Some(body) = &body {
                builder = builder.header(CONTENT_TYPE, FORM).body(body.clone());
            }
            let response = builder
                .send()
                .await
                .map_err(|source| unreachable(&url, source))?;
            self.keep_cookies(response.headers().get_all(SET_COOKIE).iter());
            let status = response.status();
            if status.is_redirection()
                && let Some(location) = response.headers().get(LOCATION)
            {
                let next = location
                    .to_str()
                    .ok()
                    .and_then(|l| url.join(l).ok())
                    .ok_or_else(|| LoginError::UnexpectedPage {
                        status: status.as_u16(),
                        url: shown(&url),
                        title: Some("a redirect with an unreadable Location".to_owned()),
                    })?;
                if self.is_callback(&next) {
                    return Ok(Landing::Callback(next));
                }
                if self.is_internal(&next) && next.path().ends_with("/oauth2/error") {
                    return Ok(Landing::OAuthError(
                        next.query_pairs().into_owned().collect(),
                    ));
                }
                // 307 and 308 repeat the request as it was; the others turn it into a GET.
                if !matches!(
                    status,
                    StatusCode::TEMPORARY_REDIRECT | StatusCode::PERMANENT_REDIRECT
                ) {
                    method = Method::GET;
                    body = None;
                }
                url = next;
                continue;
            }
            let html = response
                .text()
                .await
                .map_err(|source| unreachable(&url, source))?;
            return Ok(Landing::Page {
                url,
                status: status.as_u16(),
                html,
            });
        }
        Err(LoginError::TooManyRedirects)
    }

    fn is_internal(&self, url: &Url) -> bool {
        self.internal.contains(&url.origin())
    }

    /// The redirect URI, compared as FusionAuth does (exactly, up to its query).
    fn is_callback(&self, url: &Url) -> bool {
        let expected = &self.redirect_uri;
        url.scheme() == expected.scheme()
            && url.host_str() == expected.host_str()
            && url.port_or_known_default() == expected.port_or_known_default()
            && url.path() == expected.path()
    }

    fn cookie_header(&self) -> Option<HeaderValue> {
        if self.cookies.is_empty() {
            return None;
        }
        let joined = self
            .cookies
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join("; ");
        let mut value = HeaderValue::from_str(&joined).ok()?;
        value.set_sensitive(true);
        Some(value)
    }

    /// Keeps FusionAuth's cookies (session, CSRF) by name; path and domain do not matter for the
    /// one origin this browser talks to.
    fn keep_cookies<'h>(&mut self, headers: impl Iterator<Item = &'h HeaderValue>) {
        for header in headers {
            let Ok(text) = header.to_str() else { continue };
            let mut parts = text.split(';');
            let Some((name, value)) = parts.next().and_then(|p| p.split_once('=')) else {
                continue;
            };
            let (name, value) = (name.trim().to_owned(), value.trim().to_owned());
            let expired = parts.any(|attribute| {
                let attribute = attribute.trim().to_ascii_lowercase();
                attribute
                    .strip_prefix("max-age=")
                    .and_then(|age| age.trim().parse::<i64>().ok())
                    .is_some_and(|age| age <= 0)
            });
            self.cookies.retain(|(existing, _)| *existing != name);
            if !expired && !value.is_empty() {
                self.cookies.push((name, value));
            }
        }
    }

    fn oauth_error_page(
        &self,
        params: &[(String, String)],
        request: &LoginRequest<'_>,
    ) -> LoginError {
        let get = |name: &str| {
            params
                .iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| clip(value, &self.secrets))
        };
        let error = get("error").unwrap_or_else(|| "server_error".to_owned());
        let reason = get("error_reason").unwrap_or_default();
        let description = get("error_description");
        let about = format!("{reason} {}", description.as_deref().unwrap_or_default());
        classify_message(&about, description.clone(), request)
            .unwrap_or(LoginError::Authorization { error, description })
    }

    fn classify_page(
        &self,
        url: &Url,
        status: u16,
        page: &Document,
        html: &str,
        request: &LoginRequest<'_>,
    ) -> LoginError {
        // Pages that mark no error element still say what is wrong somewhere in their text:
        // fall back to the body's text when the page is an error or has no form at all.
        let message = page
            .error_message(html)
            .or_else(|| {
                (status >= 400 || page.forms.is_empty())
                    .then(|| page.body_text(html))
                    .flatten()
            })
            .map(|m| clip(&m, &self.secrets));
        if let Some(known) = message
            .as_deref()
            .and_then(|m| classify_message(m, message.clone(), request))
        {
            return known;
        }
        if status >= 400 || message.is_some() {
            return LoginError::ErrorPage {
                status,
                title: page.title.as_deref().map(|t| clip(t, &self.secrets)),
                message,
            };
        }
        self.unexpected(url, status, page)
    }

    fn unexpected(&self, url: &Url, status: u16, page: &Document) -> LoginError {
        LoginError::UnexpectedPage {
            status,
            url: shown(url),
            title: page.title.as_deref().map(|t| clip(t, &self.secrets)),
        }
    }
}

/// Recognises the two client-side mistakes FusionAuth reports as a page rather than a redirect.
fn classify_message(
    about: &str,
    message: Option<String>,
    request: &LoginRequest<'_>,
) -> Option<LoginError> {
    let lower = about.to_ascii_lowercase();
    if lower.contains("redirect_uri") || lower.contains("redirect uri") {
        return Some(LoginError::RedirectUriNotRegistered {
            redirect_uri: request.redirect_uri.to_owned(),
            client_id: request.client_id.to_owned(),
            message,
        });
    }
    if lower.contains("client_id") || lower.contains("client id") {
        return Some(LoginError::UnknownClient {
            client_id: request.client_id.to_owned(),
            message,
        });
    }
    None
}

// ---- HTML, read just enough ----

/// One start or end tag.
#[derive(Debug, Clone)]
struct Tag {
    name: String,
    closing: bool,
    attrs: Vec<(String, String)>,
    /// Byte offsets of `<` and just past `>`.
    start: usize,
    end: usize,
}

impl Tag {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    fn has(&self, name: &str) -> bool {
        self.attr(name).is_some()
    }
}

/// A form's method, action and the controls that take part in submitting it.
#[derive(Debug, Clone, Default)]
struct Form {
    id: Option<String>,
    method: Option<String>,
    action: Option<String>,
    inputs: Vec<Tag>,
    /// Submit buttons with their visible text.
    buttons: Vec<(Tag, String)>,
}

impl Form {
    fn input_type(input: &Tag) -> String {
        input
            .attr("type")
            .unwrap_or("text")
            .trim()
            .to_ascii_lowercase()
    }

    fn has_password(&self) -> bool {
        self.inputs
            .iter()
            .any(|input| Self::input_type(input) == "password")
    }

    fn is_consent(&self) -> bool {
        let mentions =
            |text: Option<&str>| text.is_some_and(|t| t.to_ascii_lowercase().contains("consent"));
        mentions(self.action.as_deref()) || mentions(self.id.as_deref())
    }

    fn method_is_get(&self) -> bool {
        self.method
            .as_deref()
            .is_some_and(|m| m.trim().eq_ignore_ascii_case("get"))
    }

    /// Where the form goes: its action resolved against the page, or the page itself.
    fn target(&self, page: &Url) -> Result<Url, LoginError> {
        match self
            .action
            .as_deref()
            .map(str::trim)
            .filter(|a| !a.is_empty())
        {
            None => Ok(page.clone()),
            Some(action) => page.join(action).map_err(|_| LoginError::UnexpectedPage {
                status: 200,
                url: shown(page),
                title: Some(format!("a form whose action `{action}` is not a URL")),
            }),
        }
    }

    /// The consent form's button that says yes, if it names one.
    fn allow_button(&self) -> Option<&Tag> {
        const YES: &[&str] = &[
            "allow",
            "accept",
            "approve",
            "authorize",
            "grant",
            "yes",
            "true",
        ];
        let says_yes = |(button, text): &&(Tag, String)| {
            [
                button.attr("value").unwrap_or_default(),
                button.attr("id").unwrap_or_default(),
                text.as_str(),
            ]
            .iter()
            .any(|t| {
                let t = t.trim().to_ascii_lowercase();
                YES.iter().any(|yes| t == *yes || t.starts_with(yes))
            })
        };
        self.buttons
            .iter()
            .find(says_yes)
            .or_else(|| self.buttons.first())
            .map(|(button, _)| button)
    }

    /// The fields a browser would send: every named, enabled control in document order (hidden
    /// ones included; checkboxes and radios only when checked), `values` filled in by name
    /// (appended when the form lacks them), plus the pressed button's name and value.
    fn submission(&self, values: &[(&str, &str)], pressed: Option<&Tag>) -> Vec<(String, String)> {
        let mut fields: Vec<(String, String)> = Vec::new();
        for input in &self.inputs {
            let Some(name) = input.attr("name").filter(|n| !n.is_empty()) else {
                continue;
            };
            if input.has("disabled") {
                continue;
            }
            let kind = Self::input_type(input);
            match kind.as_str() {
                "submit" | "button" | "image" | "reset" | "file" => continue,
                "checkbox" | "radio" if !input.has("checked") => continue,
                _ => {}
            }
            let default = if matches!(kind.as_str(), "checkbox" | "radio") {
                "on"
            } else {
                ""
            };
            fields.push((
                name.to_owned(),
                input.attr("value").unwrap_or(default).to_owned(),
            ));
        }
        for (name, value) in values {
            let mut found = false;
            for field in fields.iter_mut().filter(|(n, _)| n == name) {
                field.1 = (*value).to_owned();
                found = true;
            }
            if !found {
                fields.push(((*name).to_owned(), (*value).to_owned()));
            }
        }
        if let Some(button) = pressed
            && let Some(name) = button.attr("name").filter(|n| !n.is_empty())
        {
            fields.push((
                name.to_owned(),
                button.attr("value").unwrap_or_default().to_owned(),
            ));
        }
        fields
    }
}

/// What a page holds that the login needs: its title, its forms, its tags.
#[derive(Debug, Default)]
struct Document {
    title: Option<String>,
    forms: Vec<Form>,
    tags: Vec<Tag>,
}

impl Document {
    fn parse(html: &str) -> Document {
        let tags = scan(html);
        let mut document = Document::default();
        let mut open: Option<Form> = None;
        for (index, tag) in tags.iter().enumerate() {
            match (tag.name.as_str(), tag.closing) {
                ("title", false) if document.title.is_none() => {
                    let text = text_until_close(html, &tags, index);
                    document.title = Some(text).filter(|t| !t.is_empty());
                }
                ("form", false) => {
                    // Forms do not nest; a new one ends an unclosed one, as browsers do.
                    document.forms.extend(open.take());
                    open = Some(Form {
                        id: tag.attr("id").map(str::to_owned),
                        method: tag.attr("method").map(str::to_owned),
                        action: tag.attr("action").map(str::to_owned),
                        ..Form::default()
                    });
                }
                ("form", true) => document.forms.extend(open.take()),
                ("input", false) => {
                    if let Some(form) = open.as_mut() {
                        form.inputs.push(tag.clone());
                    }
                }
                ("button", false) => {
                    let kind = tag.attr("type").unwrap_or("submit").to_ascii_lowercase();
                    if let Some(form) = open.as_mut()
                        && kind == "submit"
                    {
                        form.buttons
                            .push((tag.clone(), text_until_close(html, &tags, index)));
                    }
                }
                _ => {}
            }
        }
        document.forms.extend(open.take());
        document.tags = tags;
        document
    }

    /// The visible text of the page's body, if it has any.
    fn body_text(&self, html: &str) -> Option<String> {
        let body = self
            .tags
            .iter()
            .position(|tag| tag.name == "body" && !tag.closing)?;
        Some(text_until_close(html, &self.tags, body)).filter(|t| !t.is_empty())
    }

    /// The first non-empty text of an element marked as an error (`id="error"`, or a class such
    /// as `error` or `alert-error`), which is where FusionAuth's pages put what went wrong.
    fn error_message(&self, html: &str) -> Option<String> {
        self.tags.iter().enumerate().find_map(|(index, tag)| {
            if tag.closing
                || matches!(
                    tag.name.as_str(),
                    "input" | "form" | "label" | "body" | "html"
                )
            {
                return None;
            }
            let marked = tag
                .attr("id")
                .is_some_and(|id| id == "error" || id == "errors")
                || tag.attr("class").is_some_and(|class| {
                    class.split_whitespace().any(|c| {
                        matches!(
                            c.to_ascii_lowercase().as_str(),
                            "error" | "errors" | "alert-error" | "alert-danger" | "error-message"
                        )
                    })
                });
            if !marked {
                return None;
            }
            Some(text_until_close(html, &self.tags, index)).filter(|t| !t.is_empty())
        })
    }
}

/// The text inside the element opened by `tags[open]`: markup dropped, references decoded,
/// whitespace collapsed. Nested elements of the same name are counted, so the right end tag ends it.
fn text_until_close(html: &str, tags: &[Tag], open: usize) -> String {
    let name = &tags[open].name;
    let mut depth = 0usize;
    let mut close = tags.len();
    for (index, tag) in tags.iter().enumerate().skip(open + 1) {
        if tag.name != *name {
            continue;
        }
        if !tag.closing {
            depth += 1;
        } else if depth == 0 {
            close = index;
            break;
        } else {
            depth -= 1;
        }
    }
    // The text is what lies between the tags, except inside script and style.
    let mut text = String::new();
    for index in open..close {
        let tag = &tags[index];
        if !tag.closing && matches!(tag.name.as_str(), "script" | "style") {
            continue;
        }
        let next = tags.get(index + 1).map_or(html.len(), |t| t.start);
        text.push_str(&strip_markup(&html[tag.end.min(next)..next]));
        text.push(' ');
    }
    decode_entities(&text)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Drops what is left of markup in a run of text (comments, stray tags).
fn strip_markup(run: &str) -> String {
    let mut text = String::new();
    let mut rest = run;
    while let Some(lt) = rest.find('<') {
        text.push_str(&rest[..lt]);
        text.push(' ');
        rest = match rest[lt..].find('>') {
            Some(gt) => &rest[lt + gt + 1..],
            None => "",
        };
    }
    text.push_str(rest);
    text
}

/// Every tag of `html`, in order. Comments, doctypes and the contents of `script` and `style`
/// are skipped; attribute values may be double-quoted, single-quoted or bare, in any order.
fn scan(html: &str) -> Vec<Tag> {
    let bytes = html.as_bytes();
    let mut tags = Vec::new();
    let mut pos = 0;
    while let Some(offset) = html[pos..].find('<') {
        let start = pos + offset;
        let rest = &html[start..];
        if let Some(comment) = rest.strip_prefix("<!--") {
            pos = comment
                .find("-->")
                .map_or(html.len(), |end| start + 4 + end + 3);
            continue;
        }
        if rest.starts_with("<!") || rest.starts_with("<?") {
            pos = rest.find('>').map_or(html.len(), |end| start + end + 1);
            continue;
        }
        let closing = rest.starts_with("</");
        let mut i = start + if closing { 2 } else { 1 };
        let name_start = i;
        while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'-') {
            i += 1;
        }
        if i == name_start {
            pos = start + 1;
            continue;
        }
        let name = html[name_start..i].to_ascii_lowercase();
        let mut attrs = Vec::new();
        loop {
            while i < bytes.len() && (bytes[i].is_ascii_whitespace() || bytes[i] == b'/') {
                i += 1;
            }
            if i >= bytes.len() || bytes[i] == b'>' {
                break;
            }
            let key_start = i;
            while i < bytes.len()
                && !bytes[i].is_ascii_whitespace()
                && !matches!(bytes[i], b'=' | b'>' | b'/')
            {
                i += 1;
            }
            let key = html[key_start..i].to_ascii_lowercase();
            while i < bytes.len() && bytes[i].is_ascii_whitespace() {
                i += 1;
            }
            let mut value = String::new();
            if i < bytes.len() && bytes[i] == b'=' {
                i += 1;
                while i < bytes.len() && bytes[i].is_ascii_whitespace() {
                    i += 1;
                }
                if i < bytes.len() && matches!(bytes[i], b'"' | b'\'') {
                    let quote = bytes[i];
                    let value_start = i + 1;
                    let value_end = html[value_start..]
                        .bytes()
                        .position(|b| b == quote)
                        .map_or(html.len(), |p| value_start + p);
                    value = decode_entities(&html[value_start..value_end]);
                    i = (value_end + 1).min(html.len());
                } else {
                    let value_start = i;
                    while i < bytes.len() && !bytes[i].is_ascii_whitespace() && bytes[i] != b'>' {
                        i += 1;
                    }
                    value = decode_entities(&html[value_start..i]);
                }
            }
            if !key.is_empty() && !attrs.iter().any(|(k, _): &(String, String)| *k == key) {
                attrs.push((key, value));
            }
        }
        let end = (i + 1).min(html.len());
        pos = end;
        let raw_text = !closing && matches!(name.as_str(), "script" | "style");
        tags.push(Tag {
            name: name.clone(),
            closing,
            attrs,
            start,
            end,
        });
        if raw_text {
            // Their contents are not markup: skip to the matching end tag.
            let close = format!("</{name}");
            pos = html[pos..]
                .to_ascii_lowercase()
                .find(&close)
                .map_or(html.len(), |p| pos + p);
        }
    }
    tags
}

/// Decodes the character references pages use in text and attribute values.
fn decode_entities(text: &str) -> String {
    if !text.contains('&') {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let decoded = rest[1..]
            .find(';')
            .filter(|&semi| semi <= 10)
            .and_then(|semi| {
                let entity = &rest[1..=semi];
                let ch = match entity {
                    "amp" => Some('&'),
                    "lt" => Some('<'),
                    "gt" => Some('>'),
                    "quot" => Some('"'),
                    "apos" => Some('\''),
                    "nbsp" => Some('\u{a0}'),
                    _ => entity
                        .strip_prefix("#x")
                        .or_else(|| entity.strip_prefix("#X"))
                        .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                        .or_else(|| entity.strip_prefix('#').and_then(|dec| dec.parse().ok()))
                        .and_then(char::from_u32),
                };
                ch.map(|ch| (ch, semi + 2))
            });
        match decoded {
            Some((ch, consumed)) => {
                out.push(ch);
                rest = &rest[consumed..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

impl fmt::Debug for Browser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Browser")
            .field("redirect_uri", &self.redirect_uri.as_str())
            .field("cookies", &self.cookies.len())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_challenge_is_the_rfc_7636_s256_transform() {
        // RFC 7636, Appendix B.
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = URL_SAFE_NO_PAD.encode(
            aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, verifier.as_bytes()).as_ref(),
        );
        assert_eq!(challenge, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
        let random = random_b64(32).expect("random");
        assert_eq!(random.len(), 43, "32 bytes give a 43-character verifier");
        assert_ne!(random, random_b64(32).expect("random"));
    }

    #[test]
    fn forms_are_read_whatever_the_attribute_order_and_quoting() {
        let html = r#"<!DOCTYPE html><html><head><title> Login &amp; more </title>
            <script>if (a < b) { document.write("<form action='/evil'>"); }</script></head><body>
            <!-- <form action="/commented"><input name="ghost"></form> -->
            <form class="full" method=post action='/oauth2/authorize?tenantId=t1&amp;x=1'>
              <input value="abc&amp;def" type="hidden" name="client_id"/>
              <input name='state' type='hidden' value='s&#39;1&#x26;2'>
              <input type=hidden name=scope value=openid>
              <input name="rememberDevice" type="checkbox" value="true">
              <input name="agree" type="checkbox" checked>
              <input name="disabledOne" value="no" disabled>
              <input id="loginId" name="loginId" type="text" autocomplete="username">
              <input type="password" name="password">
              <button class="blue button"><i class="fa"></i> Submit</button>
            </form></body></html>"#;
        let page = Document::parse(html);
        assert_eq!(page.title.as_deref(), Some("Login & more"));
        assert_eq!(page.forms.len(), 1, "{:?}", page.forms);
        let form = &page.forms[0];
        assert!(form.has_password());
        assert!(!form.is_consent());
        let base = Url::parse("http://localhost:9011/oauth2/authorize?client_id=x").expect("url");
        assert_eq!(
            form.target(&base).expect("target").as_str(),
            "http://localhost:9011/oauth2/authorize?tenantId=t1&x=1"
        );
        let fields = form.submission(&[("loginId", "me@example.com"), ("password", "pw")], None);
        let pairs: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("client_id", "abc&def"),
                ("state", "s'1&2"),
                ("scope", "openid"),
                ("agree", "on"),
                ("loginId", "me@example.com"),
                ("password", "pw"),
            ]
        );
    }

    #[test]
    fn the_consent_form_is_answered_with_its_allow_button() {
        let html = r#"<form id="consent-form" action="/oauth2/consent" method="POST">
            <input type="hidden" name="consent_ticket" value="t">
            <button type="submit" name="action" value="deny" id="deny">Cancel</button>
            <button type="submit" name="action" value="allow" id="allow">Allow</button>
            </form>"#;
        let page = Document::parse(html);
        let form = &page.forms[0];
        assert!(form.is_consent());
        let fields = form.submission(&[], form.allow_button());
        assert_eq!(
            fields,
            [
                ("consent_ticket".to_owned(), "t".to_owned()),
                ("action".to_owned(), "allow".to_owned())
            ]
        );
    }

    #[test]
    fn error_messages_are_found_by_their_markers() {
        let html = r#"<main><div class="alert error" id="error"><span>Invalid <b>login</b>
            credentials.</span></div><form><input type="password" name="password"></form></main>"#;
        let page = Document::parse(html);
        assert_eq!(
            page.error_message(html).as_deref(),
            Some("Invalid login credentials.")
        );
        let nested = r#"<div class="errors"><div>first</div> second</div><p>after</p>"#;
        let page = Document::parse(nested);
        assert_eq!(page.error_message(nested).as_deref(), Some("first second"));
        let plain = "<p>nothing wrong</p>";
        assert_eq!(Document::parse(plain).error_message(plain), None);
    }

    #[test]
    fn an_unmarked_error_page_is_read_from_its_body() {
        let html = "<html><head><title>Oops</title></head><body><h1>Error</h1>\
                    <p>Invalid redirect uri http://x/cb</p><script>var a = '<p>';</script></body></html>";
        let page = Document::parse(html);
        assert_eq!(page.error_message(html), None);
        assert_eq!(
            page.body_text(html).as_deref(),
            Some("Error Invalid redirect uri http://x/cb")
        );
    }

    #[test]
    fn broken_markup_does_not_panic() {
        for html in [
            "<",
            "<form",
            "<input name=\"x",
            "<a b='",
            "&#xZZ; &#99999999; &",
            "<form><input",
            "<title>",
            "<script>",
            "<<>>",
            "é<é>é",
        ] {
            let page = Document::parse(html);
            let _ = page.error_message(html);
            let _ = decode_entities(html);
        }
        assert_eq!(
            decode_entities("a &lt;b&gt; &unknown; &#65;"),
            "a <b> &unknown; A"
        );
    }

    #[test]
    fn clipped_text_never_holds_what_was_sent() {
        let secrets = vec!["hunter2-password".to_owned()];
        let shown = clip("Bad\n  login hunter2-password   here", &secrets);
        assert_eq!(shown, "Bad login [redacted] here");
        let long = clip(&"x".repeat(1000), &[]);
        assert!(long.chars().count() <= MESSAGE_LIMIT + 1);
    }

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
    fn redirect_uri_mistakes_are_named() {
        let password = Secret::new("pw");
        let request = LoginRequest {
            client_id: "c1",
            redirect_uri: "http://127.0.0.1:9/cb",
            scopes: &[],
            resource: "",
            login_id: "u",
            password: &password,
        };
        let error = classify_message(
            "Invalid redirect_uri [http://127.0.0.1:9/cb]: not authorized",
            None,
            &request,
        )
        .expect("recognised");
        assert_eq!(error.code(), "REDIRECT_URI_NOT_REGISTERED");
        assert!(error.to_string().contains("http://127.0.0.1:9/cb"));
        let error = classify_message("invalid_client_id", None, &request).expect("recognised");
        assert_eq!(error.code(), "LOGIN_UNKNOWN_CLIENT");
        assert!(classify_message("something else", None, &request).is_none());
    }
}
