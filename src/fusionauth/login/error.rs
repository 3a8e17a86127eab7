//! Why a headless login did not end with tokens, in terms a user can act on: [`LoginError`], the
//! hints its messages carry, and the reading of FusionAuth's error pages and redirects into it.
//!
//! Everything taken from a page or a redirect goes through [`clip`], which blanks out what the
//! login sent (the password, later the code and the verifier) should FusionAuth echo it, and
//! every URL shown goes through [`shown`], which drops the query that carries state and codes.

use url::Url;

use super::html::Page;
use crate::fusionauth::error::FusionAuthError;

/// Redirects followed in a row inside FusionAuth before giving up (a loop, or a proxy dance).
pub(super) const MAX_REDIRECTS: usize = 10;
/// How much of a message taken from a page is kept in an error.
const MESSAGE_LIMIT: usize = 300;

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

/// Which login a page or a redirect answered, and what must not show in what is read from it.
pub(super) struct Context<'a> {
    pub client_id: &'a str,
    pub redirect_uri: &'a str,
    /// What the login sent that must never show: the password, later the code and verifier.
    pub secrets: &'a [String],
}

impl Context<'_> {
    fn clip(&self, text: &str) -> String {
        clip(text, self.secrets)
    }

    /// FusionAuth's `/oauth2/error` route, whose query explains the refusal.
    pub(super) fn oauth_error_route(&self, params: &[(String, String)]) -> LoginError {
        let get = |name: &str| {
            params
                .iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| self.clip(value))
        };
        let error = get("error").unwrap_or_else(|| "server_error".to_owned());
        let reason = get("error_reason").unwrap_or_default();
        let description = get("error_description");
        let about = format!("{reason} {}", description.as_deref().unwrap_or_default());
        self.classify_message(&about, description.clone())
            .unwrap_or(LoginError::Authorization { error, description })
    }

    /// A page that is neither the login form nor a consent page.
    pub(super) fn page(&self, url: &Url, status: u16, page: &Page) -> LoginError {
        // Pages that mark no error element still say what is wrong somewhere in their text:
        // fall back to the body's text when the page is an error or has no form at all.
        let message = page
            .error_message()
            .or_else(|| {
                (status >= 400 || page.forms().is_empty())
                    .then(|| page.body_text())
                    .flatten()
            })
            .map(|m| self.clip(m));
        if let Some(known) = message
            .as_deref()
            .and_then(|m| self.classify_message(m, message.clone()))
        {
            return known;
        }
        if status >= 400 || message.is_some() {
            return LoginError::ErrorPage {
                status,
                title: page.title().map(|t| self.clip(t)),
                message,
            };
        }
        self.unexpected(url, status, page)
    }

    pub(super) fn unexpected(&self, url: &Url, status: u16, page: &Page) -> LoginError {
        LoginError::UnexpectedPage {
            status,
            url: shown(url),
            title: page.title().map(|t| self.clip(t)),
        }
    }

    /// Recognises the two client-side mistakes FusionAuth reports as a page rather than a
    /// redirect.
    fn classify_message(&self, about: &str, message: Option<String>) -> Option<LoginError> {
        let lower = about.to_ascii_lowercase();
        if lower.contains("redirect_uri") || lower.contains("redirect uri") {
            return Some(LoginError::RedirectUriNotRegistered {
                redirect_uri: self.redirect_uri.to_owned(),
                client_id: self.client_id.to_owned(),
                message,
            });
        }
        if lower.contains("client_id") || lower.contains("client id") {
            return Some(LoginError::UnknownClient {
                client_id: self.client_id.to_owned(),
                message,
            });
        }
        None
    }
}

/// A URL as it may appear in an error: without its query string, which carries the state, the
/// PKCE challenge and, on the way back, the code.
pub(super) fn shown(url: &Url) -> String {
    let mut url = url.clone();
    url.set_query(None);
    url.set_fragment(None);
    url.to_string()
}

pub(super) fn unreachable(url: &Url, source: reqwest::Error) -> LoginError {
    LoginError::Unreachable {
        url: shown(url),
        source: source.without_url(),
    }
}

/// Text from a page or a redirect, fit for an error: one line, bounded, and with anything we sent
/// that must stay secret blanked out should the page have echoed it.
pub(super) fn clip(text: &str, secrets: &[String]) -> String {
    let mut line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        line = line.replace(secret.as_str(), "[redacted]");
    }
    if line.chars().count() > MESSAGE_LIMIT {
        line = line.chars().take(MESSAGE_LIMIT).collect::<String>() + "…";
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context(secrets: &[String]) -> Context<'_> {
        Context {
            client_id: "c1",
            redirect_uri: "http://127.0.0.1:9/cb",
            secrets,
        }
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
    fn redirect_uri_mistakes_are_named() {
        let context = context(&[]);
        let error = context
            .classify_message(
                "Invalid redirect_uri [http://127.0.0.1:9/cb]: not authorized",
                None,
            )
            .expect("recognised");
        assert_eq!(error.code(), "REDIRECT_URI_NOT_REGISTERED");
        assert!(error.to_string().contains("http://127.0.0.1:9/cb"));
        let error = context
            .classify_message("invalid_client_id", None)
            .expect("recognised");
        assert_eq!(error.code(), "LOGIN_UNKNOWN_CLIENT");
        assert!(context.classify_message("something else", None).is_none());
    }

    #[test]
    fn pages_are_read_into_errors_without_what_was_sent() {
        let secrets = vec!["hunter2-password".to_owned()];
        let context = context(&secrets);
        let url = Url::parse("http://localhost:9011/oauth2/authorize?state=s&code=c").expect("url");

        let marked = Page::parse(
            "<title>Login</title><div class=\"alert error\">No hunter2-password here</div>\
             <form><input name=x></form>",
        );
        let error = context.page(&url, 200, &marked);
        assert!(
            matches!(&error, LoginError::ErrorPage { status: 200, message: Some(m), .. }
                if m == "No [redacted] here"),
            "{error:?}"
        );

        let bodied = Page::parse("<body><p>Invalid redirect uri</p></body>");
        assert_eq!(
            context.page(&url, 400, &bodied).code(),
            "REDIRECT_URI_NOT_REGISTERED"
        );

        // A form page with nothing marked is unexpected, and names the URL without its query.
        let form = Page::parse("<title>Pick one</title><body><form><p>Hello</p></form></body>");
        let error = context.page(&url, 200, &form);
        assert_eq!(error.code(), "LOGIN_UNEXPECTED_PAGE");
        assert_eq!(
            error.to_string(),
            "expected FusionAuth's login form, a consent page or a redirect, but got a page \
             titled \"Pick one\" (HTTP 200 from http://localhost:9011/oauth2/authorize)"
        );

        let route = context.oauth_error_route(&[
            ("error".into(), "invalid_request".into()),
            (
                "error_description".into(),
                "Missing hunter2-password".into(),
            ),
        ]);
        assert!(
            matches!(&route, LoginError::Authorization { error, description: Some(d) }
                if error == "invalid_request" && d == "Missing [redacted]"),
            "{route:?}"
        );
        let route =
            context.oauth_error_route(&[("error_reason".into(), "invalid_client_id".into())]);
        assert_eq!(route.code(), "LOGIN_UNKNOWN_CLIENT");
    }
}
