//! Just enough of a browser for FusionAuth's hosted pages: one request at a time, FusionAuth's
//! own redirects followed, its cookies kept (reqwest's cookie store), forms submitted.
//!
//! It must never follow a redirect that leaves FusionAuth and never connect to the redirect URI:
//! every redirect is judged here (reqwest follows none), and the one to the redirect URI is
//! returned unread. Its `Debug` output shows neither cookies nor what it must keep secret.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::cookie::{CookieStore, Jar};
use reqwest::header::{CONTENT_TYPE, HeaderValue, LOCATION};
use reqwest::{Method, StatusCode};
use url::Url;

use super::error::{LoginError, MAX_REDIRECTS, shown, unreachable};
use super::html::Form;

const USER_AGENT: &str = concat!("mcp-fa/", env!("CARGO_PKG_VERSION"), " (headless login)");
pub(super) const FORM: &str = "application/x-www-form-urlencoded";

/// Where one request ended, after FusionAuth's own redirects.
pub(super) enum Landing {
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

pub(super) struct Browser {
    pub http: reqwest::Client,
    /// FusionAuth's origins (the discovery endpoints' and the API base URL's).
    internal: Vec<url::Origin>,
    redirect_uri: Url,
}

impl Browser {
    pub(super) fn new(internal: Vec<url::Origin>, redirect_uri: Url) -> Result<Self, LoginError> {
        let http = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(30))
            .cookie_provider(Arc::new(SessionCookies::default()))
            // Every redirect is judged here: FusionAuth's are followed, the one to the redirect
            // URI is read and never followed.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(LoginError::Client)?;
        Ok(Self {
            http,
            internal,
            redirect_uri,
        })
    }

    /// Sends `fields` the way `form` says: as a query for GET forms, as a body otherwise.
    pub(super) async fn submit(
        &self,
        form: &Form,
        target: Url,
        fields: &[(String, String)],
    ) -> Result<Landing, LoginError> {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .finish();
        if form.is_get() {
            let mut target = target;
            target.set_query(Some(&body));
            self.go(Method::GET, target, None).await
        } else {
            self.go(Method::POST, target, Some(body)).await
        }
    }

    /// Sends one request and follows FusionAuth's redirects until a page or the redirect URI.
    pub(super) async fn go(
        &self,
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
            if let Some(body) = &body {
                builder = builder.header(CONTENT_TYPE, FORM).body(body.clone());
            }
            let response = builder
                .send()
                .await
                .map_err(|source| unreachable(&url, source))?;
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
}

impl fmt::Debug for Browser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Browser")
            .field("redirect_uri", &self.redirect_uri.as_str())
            .finish_non_exhaustive()
    }
}

/// reqwest's own cookie jar (domains, paths and expiry as a browser keeps them), whose `Cookie`
/// header is marked sensitive so `http`'s `Debug` output never shows FusionAuth's session.
#[derive(Default)]
struct SessionCookies(Jar);

impl CookieStore for SessionCookies {
    fn set_cookies(&self, headers: &mut dyn Iterator<Item = &HeaderValue>, url: &Url) {
        self.0.set_cookies(headers, url);
    }

    fn cookies(&self, url: &Url) -> Option<HeaderValue> {
        let mut header = self.0.cookies(url)?;
        header.set_sensitive(true);
        Some(header)
    }
}

#[cfg(test)]
mod tests {
    use std::net::SocketAddr;

    use axum::Router;
    use axum::http::HeaderMap;
    use axum::response::{IntoResponse, Redirect};
    use axum::routing::get;

    use super::*;

    /// A FusionAuth-like server: `/start` sets a session cookie and redirects inside itself,
    /// `/page` shows the cookies it got, `/away` sends the browser elsewhere, `/done` to the
    /// redirect URI.
    async fn server() -> SocketAddr {
        let app = Router::new()
            .route(
                "/start",
                get(|| async {
                    (
                        [
                            ("set-cookie", "fa_session=abc; Path=/; HttpOnly"),
                            ("location", "/page"),
                        ],
                        StatusCode::FOUND,
                    )
                        .into_response()
                }),
            )
            .route(
                "/page",
                get(|headers: HeaderMap| async move {
                    let cookie = headers
                        .get("cookie")
                        .and_then(|c| c.to_str().ok())
                        .unwrap_or("none")
                        .to_owned();
                    format!("<p>cookie: {cookie}</p>")
                }),
            )
            .route(
                "/away",
                get(|| async { Redirect::to("http://elsewhere.example/login") }),
            )
            .route(
                "/done",
                get(|| async { Redirect::to("http://127.0.0.1:9/callback?code=c&state=s") }),
            );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move { axum::serve(listener, app).await });
        addr
    }

    fn browser(addr: SocketAddr) -> (Browser, Url) {
        let base = Url::parse(&format!("http://{addr}/")).expect("url");
        let callback = Url::parse("http://127.0.0.1:9/callback").expect("url");
        let browser = Browser::new(vec![base.origin()], callback).expect("browser");
        (browser, base)
    }

    #[tokio::test]
    async fn fusionauths_cookies_are_kept_across_its_redirects() {
        let (browser, base) = browser(server().await);
        let landing = browser
            .go(Method::GET, base.join("/start").expect("url"), None)
            .await
            .expect("a page");
        let Landing::Page { url, status, html } = landing else {
            panic!("expected a page");
        };
        assert_eq!((url.path(), status), ("/page", 200));
        assert_eq!(html, "<p>cookie: fa_session=abc</p>");
        assert!(!format!("{browser:?}").contains("abc"));
    }

    #[tokio::test]
    async fn redirects_leaving_fusionauth_or_to_the_redirect_uri_are_not_followed() {
        let (browser, base) = browser(server().await);
        let away = browser
            .go(Method::GET, base.join("/away").expect("url"), None)
            .await;
        assert!(
            matches!(&away, Err(LoginError::LeftFusionAuth { origin })
                if origin == "http://elsewhere.example"),
            "{:?}",
            away.err()
        );
        // Nothing listens on port 9: reading the code from the redirect must not need it to.
        let done = browser
            .go(Method::GET, base.join("/done").expect("url"), None)
            .await
            .expect("the redirect back");
        let Landing::Callback(callback) = done else {
            panic!("expected the redirect to the callback");
        };
        assert_eq!(callback.query(), Some("code=c&state=s"));
    }
}
