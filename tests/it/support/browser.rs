//! A scripted browser: it opens the authorize URL, reads the hosted login form with mcp-fa's own
//! form reader (`mcp_fa::fusionauth::html`, so the tests and the headless login agree on what a
//! form sends), fills `loginId` and `password`, posts it to the form's action, answers the
//! consent page, and stops at the redirect to the client's callback, where a real client would
//! be listening. It keeps cookies and follows FusionAuth's redirects inside FusionAuth, as a
//! browser does, and finds forms as a person would (the one with a password, the one for
//! consent), so it works on real FusionAuth's pages as well as the stand-in's.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use mcp_fa::fusionauth::html;
use reqwest::redirect::Policy;
use serde_json::Value;
use url::Url;

/// A PKCE verifier and its S256 challenge.
pub struct Pkce {
    pub verifier: String,
    pub challenge: String,
}

impl Pkce {
    pub fn new() -> Pkce {
        let verifier = format!(
            "{}{}",
            uuid::Uuid::new_v4().simple(),
            uuid::Uuid::new_v4().simple()
        );
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, verifier.as_bytes());
        Pkce {
            challenge: URL_SAFE_NO_PAD.encode(digest.as_ref()),
            verifier,
        }
    }
}

/// What one step of the browser ended on.
#[derive(Debug)]
pub enum Page {
    /// A 3xx that leaves FusionAuth: usually to the client's callback.
    Redirect(Url),
    /// An HTML page (login form, consent, error) with its status.
    Html { status: u16, html: String },
}

impl Page {
    pub fn redirect(self) -> Url {
        match self {
            Page::Redirect(url) => url,
            Page::Html { status, html } => panic!("expected a redirect, got {status}:\n{html}"),
        }
    }

    pub fn html(&self) -> &str {
        match self {
            Page::Html { html, .. } => html,
            Page::Redirect(url) => panic!("expected a page, got a redirect to {url}"),
        }
    }

    pub fn status(&self) -> u16 {
        match self {
            Page::Html { status, .. } => *status,
            Page::Redirect(_) => 302,
        }
    }

    /// The page's form of that kind, read with mcp-fa's own reader.
    pub fn form(&self, kind: FormKind) -> Option<html::Form> {
        let Page::Html { html, .. } = self else {
            return None;
        };
        html::Page::parse(html)
            .forms()
            .iter()
            .find(|f| kind.is(f))
            .cloned()
    }
}

/// The hosted pages' forms, told apart as a browser user would: FusionAuth's stock theme gives
/// them no `id`.
#[derive(Clone, Copy, Debug)]
pub enum FormKind {
    /// The one asking for a password.
    Login,
    /// The one posting to `/oauth2/consent`.
    Consent,
}

impl FormKind {
    fn is(self, form: &html::Form) -> bool {
        match self {
            FormKind::Login => form.has_password(),
            FormKind::Consent => form.is_consent(),
        }
    }
}

/// FusionAuth's redirects followed in a row before giving up.
const MAX_REDIRECTS: usize = 10;

pub struct Browser {
    http: reqwest::Client,
    base: Url,
}

impl Browser {
    /// A browser with a cookie jar of its own (FusionAuth's session cookie carries the login to
    /// the consent step), following FusionAuth's own redirects.
    pub fn new(base: &str) -> Browser {
        Browser {
            http: reqwest::Client::builder()
                .redirect(Policy::none())
                .cookie_store(true)
                .build()
                .expect("client"),
            base: Url::parse(base.trim_end_matches('/')).expect("base URL"),
        }
    }

    /// Sends the request and follows redirects that stay on FusionAuth's origin.
    async fn go(&self, mut request: reqwest::RequestBuilder) -> Page {
        for _ in 0..MAX_REDIRECTS {
            let response = request.send().await.expect("request");
            let status = response.status().as_u16();
            if !(300..400).contains(&status) {
                return Page::Html {
                    status,
                    html: response.text().await.expect("body"),
                };
            }
            let location = response
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
                .expect("a redirect has a Location");
            let next = response.url().join(location).expect("a readable Location");
            if next.origin() != self.base.origin() {
                return Page::Redirect(next);
            }
            request = self.http.get(next);
        }
        panic!("more than {MAX_REDIRECTS} redirects inside FusionAuth");
    }

    pub async fn open(&self, url: &str) -> Page {
        self.go(self.http.get(url)).await
    }

    /// Submits the form of kind `kind` on `page` with `overrides` replacing or adding fields, and
    /// the submit button `button` (name, value) pressed.
    pub async fn submit(
        &self,
        page: &Page,
        kind: FormKind,
        overrides: &[(&str, &str)],
        button: Option<(&str, &str)>,
    ) -> Page {
        let form = page
            .form(kind)
            .unwrap_or_else(|| panic!("no {kind:?} form in:\n{}", page.html()));
        self.submit_form(&form, overrides, button).await
    }

    /// Submits `form` (as read from a page, perhaps with boxes ticked or unticked).
    pub async fn submit_form(
        &self,
        form: &html::Form,
        overrides: &[(&str, &str)],
        button: Option<(&str, &str)>,
    ) -> Page {
        let pressed = button.map(|(name, value)| {
            form.button(name, value)
                .unwrap_or_else(|| panic!("no button {name}={value} in {form:?}"))
        });
        let fields = form.submission(overrides, pressed);
        let action = form.target(&self.base).expect("a form action");
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .finish();
        self.go(self
            .http
            .post(action)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body))
            .await
    }

    /// Submits `page`'s login form with these credentials.
    pub async fn submit_login(&self, page: &Page, login_id: &str, password: &str) -> Page {
        self.submit(
            page,
            FormKind::Login,
            &[("loginId", login_id), ("password", password)],
            None,
        )
        .await
    }

    /// Opens `authorize_url`, logs in, and allows consent as shown when asked: returns where the
    /// browser was finally sent.
    pub async fn log_in(&self, authorize_url: &str, login_id: &str, password: &str) -> Page {
        self.log_in_consenting(authorize_url, login_id, password, |_| {})
            .await
    }

    /// [`Browser::log_in`], with `adjust` changing the consent form (ticking or unticking
    /// scopes) before Allow is pressed.
    pub async fn log_in_consenting(
        &self,
        authorize_url: &str,
        login_id: &str,
        password: &str,
        adjust: impl FnOnce(&mut html::Form),
    ) -> Page {
        let page = self.open(authorize_url).await;
        if page.form(FormKind::Login).is_none() {
            return page;
        }
        let after = self.submit_login(&page, login_id, password).await;
        match after.form(FormKind::Consent) {
            Some(mut consent) => {
                adjust(&mut consent);
                self.submit_form(&consent, &[], Some(("action", "allow")))
                    .await
            }
            None => after,
        }
    }
}

/// The parameters of an authorization request.
pub struct Authorize<'a> {
    pub client_id: &'a str,
    pub redirect_uri: &'a str,
    pub scope: &'a str,
    pub state: &'a str,
    pub challenge: Option<&'a str>,
    pub resources: Vec<&'a str>,
}

impl Authorize<'_> {
    pub fn url(&self, base: &str) -> String {
        let mut url = Url::parse(&format!("{base}/oauth2/authorize")).expect("url");
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("client_id", self.client_id)
                .append_pair("redirect_uri", self.redirect_uri)
                .append_pair("response_type", "code")
                .append_pair("scope", self.scope)
                .append_pair("state", self.state);
            if let Some(c) = self.challenge {
                q.append_pair("code_challenge", c)
                    .append_pair("code_challenge_method", "S256");
            }
            for r in &self.resources {
                q.append_pair("resource", r);
            }
        }
        url.to_string()
    }
}

/// The query parameters of a redirect, as a client's callback would read them.
pub fn query(url: &Url) -> std::collections::HashMap<String, String> {
    url.query_pairs().into_owned().collect()
}

/// Posts a token request; returns the status and the JSON body.
pub async fn token_request(base: &str, fields: &[(&str, &str)]) -> (u16, Value) {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields.iter().copied())
        .finish();
    let response = reqwest::Client::new()
        .post(format!("{base}/oauth2/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .expect("token request");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// What an MCP client does after the user logs in: the hosted login (consent allowed), then
/// the code exchanged at the token endpoint with the PKCE verifier and the same resources.
/// Returns the token endpoint's status and body.
pub async fn login_and_exchange(
    base: &str,
    authorize: &Authorize<'_>,
    verifier: &str,
    login_id: &str,
    password: &str,
) -> (u16, Value) {
    let callback = Browser::new(base)
        .log_in(&authorize.url(base), login_id, password)
        .await
        .redirect();
    let code = query(&callback)
        .remove("code")
        .unwrap_or_else(|| panic!("no code in {callback}"));
    let mut fields = vec![
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", authorize.redirect_uri),
        ("client_id", authorize.client_id),
        ("code_verifier", verifier),
    ];
    fields.extend(authorize.resources.iter().map(|r| ("resource", *r)));
    token_request(base, &fields).await
}
