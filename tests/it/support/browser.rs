//! A scripted browser: it opens the authorize URL, reads the hosted login form with mcp-fa's own
//! form reader (`mcp_fa::fusionauth::html`, so the tests and the headless login agree on what a
//! form sends), fills `loginId` and `password`, posts it to the form's action, answers the
//! consent page, and stops at the redirect to the client's callback, where a real client would
//! be listening.

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
    /// A 3xx to somewhere else: usually the client's callback.
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
}

pub struct Browser {
    http: reqwest::Client,
    base: String,
}

impl Browser {
    pub fn new(base: &str) -> Browser {
        Browser {
            http: reqwest::Client::builder()
                .redirect(Policy::none())
                .build()
                .expect("client"),
            base: base.trim_end_matches('/').to_string(),
        }
    }

    async fn read(response: reqwest::Response) -> Page {
        let status = response.status().as_u16();
        if (300..400).contains(&status) {
            let location = response
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
                .expect("a redirect has a Location")
                .to_string();
            return Page::Redirect(Url::parse(&location).expect("absolute Location"));
        }
        Page::Html {
            status,
            html: response.text().await.expect("body"),
        }
    }

    pub async fn open(&self, url: &str) -> Page {
        Self::read(self.http.get(url).send().await.expect("GET")).await
    }

    /// Submits the form `form_id` of `html` with `overrides` replacing or adding fields, and
    /// the submit button `button` (name, value) pressed.
    pub async fn submit(
        &self,
        html: &str,
        form_id: &str,
        overrides: &[(&str, &str)],
        button: Option<(&str, &str)>,
    ) -> Page {
        let page = html::Page::parse(html);
        let form = page
            .form(form_id)
            .unwrap_or_else(|| panic!("no form #{form_id} in:\n{html}"));
        let pressed = button.map(|(name, value)| {
            form.button(name, value)
                .unwrap_or_else(|| panic!("no button {name}={value} in #{form_id}:\n{html}"))
        });
        let fields = form.submission(overrides, pressed);
        let base = Url::parse(&self.base).expect("base URL");
        let action = form.target(&base).expect("a form action");
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .finish();
        let response = self
            .http
            .post(action)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .expect("POST");
        Self::read(response).await
    }

    /// Opens `authorize_url`, logs in, and allows consent when asked: returns where the browser
    /// was finally sent.
    pub async fn log_in(&self, authorize_url: &str, login_id: &str, password: &str) -> Page {
        let page = self.open(authorize_url).await;
        let Page::Html { status: 200, html } = &page else {
            return page;
        };
        let after = self
            .submit(
                html,
                "login-form",
                &[("loginId", login_id), ("password", password)],
                None,
            )
            .await;
        match &after {
            Page::Html { html, .. } if html::Page::parse(html).form("consent-form").is_some() => {
                self.submit(html, "consent-form", &[], Some(("action", "allow")))
                    .await
            }
            _ => after,
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
