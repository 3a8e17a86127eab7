//! Reading FusionAuth's hosted pages (login, consent, error) the way a browser reads them: the
//! title, each form with what submitting it sends, and what the page says went wrong.
//!
//! What went wrong is read the way FusionAuth's stock theme (1.62 and later) renders it: an
//! error box from its `alert` macro (a `div` with the class `alert`, the message in a `span`, a
//! dismiss button beside it), field errors as `span.text-error` under their input, and the
//! OAuth error page's JSON document in a `pre`. Older themes' markers (`id="error"`, classes
//! such as `alert-error`) are still understood.
//!
//! Parsing is html5ever's (through `scraper`): the HTML standard's own algorithm, so character
//! references, attribute quoting and order, comments, `<script>`/`<style>` contents and unclosed
//! elements come out as a browser sees them. This module only decides what a login needs from
//! the tree. It never fetches anything and never holds a password: values are filled in by the
//! caller when it asks for a [`Form::submission`]. The tests' scripted browser reads the
//! stand-in's pages with these same types, so both agree on what a form sends.

mod errors;
mod text;

use scraper::{ElementRef, Html};
use url::Url;

use text::text_of;

/// What a page holds that a login needs, read once and kept as plain data (the parsed tree is
/// not `Send` and is dropped at once, so a `Page` can live across an `.await`).
#[derive(Debug, Clone, Default)]
pub struct Page {
    title: Option<String>,
    forms: Vec<Form>,
    error_message: Option<String>,
    body_text: Option<String>,
}

/// One `<form>`: where it goes, how, and the controls that take part in submitting it.
#[derive(Debug, Clone, Default)]
pub struct Form {
    id: Option<String>,
    method: Option<String>,
    action: Option<String>,
    /// `<input>` elements, in document order.
    inputs: Vec<Input>,
    /// Submit buttons, in document order.
    buttons: Vec<Button>,
}

#[derive(Debug, Clone)]
struct Input {
    name: Option<String>,
    /// The `type` attribute, trimmed and lower-cased; `text` when absent.
    kind: String,
    value: Option<String>,
    checked: bool,
    disabled: bool,
}

/// A `<button>` that submits its form (its `type` is `submit`, or absent).
#[derive(Debug, Clone)]
pub struct Button {
    name: Option<String>,
    value: Option<String>,
    id: Option<String>,
    /// Its visible text, whitespace collapsed.
    text: String,
}

/// What a consent form's "yes" button says (its value, id or text starts with one of these).
const YES: &[&str] = &[
    "allow",
    "accept",
    "approve",
    "authorize",
    "grant",
    "yes",
    "true",
];

impl Page {
    /// Reads `html`. Never fails: broken markup is repaired as a browser repairs it.
    pub fn parse(html: &str) -> Page {
        let document = Html::parse_document(html);
        let root = document.root_element();
        let elements = || root.descendent_elements();
        Page {
            title: elements()
                .find(|e| e.value().name() == "title")
                .map(text_of)
                .filter(|t| !t.is_empty()),
            forms: elements()
                .filter(|e| e.value().name() == "form")
                .map(Form::read)
                .collect(),
            error_message: errors::message(root),
            body_text: elements()
                .find(|e| e.value().name() == "body")
                .map(text_of)
                .filter(|t| !t.is_empty()),
        }
    }

    /// The `<title>`'s text, if it has any.
    pub fn title(&self) -> Option<&str> {
        self.title.as_deref()
    }

    /// Every form, in document order.
    pub fn forms(&self) -> &[Form] {
        &self.forms
    }

    /// The form whose `id` is `id`.
    pub fn form(&self, id: &str) -> Option<&Form> {
        self.forms.iter().find(|form| form.id() == Some(id))
    }

    /// What the page says went wrong, first found of: the stock theme's error alert (its
    /// message), an element an older theme marks as an error (`id="error"`, a class such as
    /// `error` or `alert-error`), the field errors (`loginId: Required; ...`), and the OAuth
    /// error page's JSON document (its description, error and reason).
    pub fn error_message(&self) -> Option<&str> {
        self.error_message.as_deref()
    }

    /// The visible text of the page's body, if it has any: what an error page without a marked
    /// error element says.
    pub fn body_text(&self) -> Option<&str> {
        self.body_text.as_deref()
    }
}

impl Form {
    fn read(form: ElementRef<'_>) -> Form {
        let attr = |name: &str| form.value().attr(name).map(str::to_owned);
        let mut read = Form {
            id: attr("id"),
            method: attr("method"),
            action: attr("action"),
            ..Form::default()
        };
        for control in form.descendent_elements() {
            let element = control.value();
            let attr = |name: &str| element.attr(name).map(str::to_owned);
            match element.name() {
                "input" => read.inputs.push(Input {
                    name: attr("name"),
                    kind: element
                        .attr("type")
                        .unwrap_or("text")
                        .trim()
                        .to_ascii_lowercase(),
                    value: attr("value"),
                    checked: element.attr("checked").is_some(),
                    disabled: element.attr("disabled").is_some(),
                }),
                "button"
                    if element
                        .attr("type")
                        .unwrap_or("submit")
                        .eq_ignore_ascii_case("submit") =>
                {
                    read.buttons.push(Button {
                        name: attr("name"),
                        value: attr("value"),
                        id: attr("id"),
                        text: text_of(control),
                    });
                }
                _ => {}
            }
        }
        read
    }

    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// Whether it asks for a password: the login form.
    pub fn has_password(&self) -> bool {
        self.inputs.iter().any(|input| input.kind == "password")
    }

    /// Whether it is a consent form (`consent` in its action or id, as FusionAuth's
    /// `/oauth2/consent` form has).
    pub fn is_consent(&self) -> bool {
        let mentions =
            |text: Option<&str>| text.is_some_and(|t| t.to_ascii_lowercase().contains("consent"));
        mentions(self.action.as_deref()) || mentions(self.id.as_deref())
    }

    /// The names of its checkboxes, each with whether it is ticked.
    pub fn checkboxes(&self) -> Vec<(&str, bool)> {
        self.inputs
            .iter()
            .filter(|input| input.kind == "checkbox")
            .filter_map(|input| Some((input.name.as_deref()?, input.checked)))
            .collect()
    }

    /// Ticks or unticks the checkbox `name`, as a person clicking it would. `false` when the form
    /// has no such checkbox.
    pub fn set_checked(&mut self, name: &str, checked: bool) -> bool {
        let mut found = false;
        for input in &mut self.inputs {
            if input.kind == "checkbox" && input.name.as_deref() == Some(name) {
                input.checked = checked;
                found = true;
            }
        }
        found
    }

    /// Whether it is sent as a GET (its fields in the query) rather than a POST.
    pub fn is_get(&self) -> bool {
        self.method
            .as_deref()
            .is_some_and(|m| m.trim().eq_ignore_ascii_case("get"))
    }

    /// Where the form goes: its action resolved against the page's URL, or the page itself.
    pub fn target(&self, page: &Url) -> Result<Url, url::ParseError> {
        match self.action().filter(|a| !a.is_empty()) {
            None => Ok(page.clone()),
            Some(action) => page.join(action),
        }
    }

    /// The action as written, trimmed.
    pub fn action(&self) -> Option<&str> {
        self.action.as_deref().map(str::trim)
    }

    /// The submit button named `name` with the value `value`, for pressing it.
    pub fn button(&self, name: &str, value: &str) -> Option<&Button> {
        self.buttons.iter().find(|button| {
            button.name.as_deref() == Some(name) && button.value.as_deref().unwrap_or("") == value
        })
    }

    /// The consent form's button that says yes, else its first button.
    pub fn allow_button(&self) -> Option<&Button> {
        let says_yes = |button: &&Button| {
            [
                button.value.as_deref().unwrap_or_default(),
                button.id.as_deref().unwrap_or_default(),
                button.text.as_str(),
            ]
            .iter()
            .any(|t| {
                let t = t.trim().to_ascii_lowercase();
                YES.iter().any(|yes| t.starts_with(yes))
            })
        };
        self.buttons
            .iter()
            .find(says_yes)
            .or_else(|| self.buttons.first())
    }

    /// The fields a browser sends: every named, enabled `<input>` in document order (hidden ones
    /// included; checkboxes and radios only when checked, `on` when they have no value), `values`
    /// filled in by name (appended when the form lacks them), then the pressed button's name and
    /// value.
    pub fn submission(
        &self,
        values: &[(&str, &str)],
        pressed: Option<&Button>,
    ) -> Vec<(String, String)> {
        let mut fields: Vec<(String, String)> = Vec::new();
        for input in &self.inputs {
            let Some(name) = input.name.as_deref().filter(|n| !n.is_empty()) else {
                continue;
            };
            let toggle = matches!(input.kind.as_str(), "checkbox" | "radio");
            if input.disabled
                || matches!(
                    input.kind.as_str(),
                    "submit" | "button" | "image" | "reset" | "file"
                )
                || (toggle && !input.checked)
            {
                continue;
            }
            let default = if toggle { "on" } else { "" };
            let value = input.value.as_deref().unwrap_or(default);
            fields.push((name.to_owned(), value.to_owned()));
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
            && let Some(name) = button.name.as_deref().filter(|n| !n.is_empty())
        {
            let value = button.value.as_deref().unwrap_or_default();
            fields.push((name.to_owned(), value.to_owned()));
        }
        fields
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(fields: &[(String, String)]) -> Vec<(&str, &str)> {
        fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect()
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
        let page = Page::parse(html);
        assert_eq!(page.title(), Some("Login & more"));
        assert_eq!(page.forms().len(), 1, "{:?}", page.forms());
        let form = &page.forms()[0];
        assert!(form.has_password());
        assert!(!form.is_consent());
        assert!(!form.is_get());
        let base = Url::parse("http://localhost:9011/oauth2/authorize?client_id=x").expect("url");
        assert_eq!(
            form.target(&base).expect("target").as_str(),
            "http://localhost:9011/oauth2/authorize?tenantId=t1&x=1"
        );
        let fields = form.submission(&[("loginId", "me@example.com"), ("password", "pw")], None);
        assert_eq!(
            pairs(&fields),
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

    /// The login form as FusionAuth's stock theme renders it (`oauth2Authorize.ftl`: the
    /// `oauthHiddenFields` macro, a checkbox with its `__cb_` twin, dotted and bracketed names).
    const STOCK_LOGIN: &str = r#"<!DOCTYPE html>
<html lang="en">
  <head>
    <title>Login | FusionAuth</title>
    <script>Prime.Document.onReady(function() { new FusionAuth.OAuth2.Authorize(); });</script>
  </head>
  <body class="min-h-screen">
  <main>
    <div class="w-full max-w-[352px] rounded-theme">
      <div class="bg-panel-bg">
        <h2 class="text-2xl">Login</h2>
        <main>
  <form action="/oauth2/authorize" method="POST" class="flex flex-col">
    <fieldset class="space-y-4">
  <input type="hidden" name="captcha_token" value="" />
  <input type="hidden" name="client_id" value="3c219e58-ed0e-4b18-ad48-f4f92793ae32"/>
  <input type="hidden" name="code_challenge" value="E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"/>
  <input type="hidden" name="dpop_jkt" value="" />
  <input type="hidden" name="code_challenge_method" value="S256"/>
  <input type="hidden" name="metaData.device.name" value="" />
  <input type="hidden" name="metaData.device.type" value="" />
  <input type="hidden" name="nonce" value="" />
  <input type="hidden" name="oauth_context" value="" />
  <input type="hidden" name="max_age" value="" />
  <input type="hidden" name="pendingIdPLinkId" value="" />
  <input type="hidden" name="prompt" value="" />
  <input type="hidden" name="redirect_uri" value="http://localhost:3334/oauth/callback"/>
  <input type="hidden" name="resource" value="http://localhost:8000/mcp"/>
  <input type="hidden" name="resource" value="http://localhost:8001/mcp"/>
  <input type="hidden" name="response_mode" value="" />
  <input type="hidden" name="response_type" value="code"/>
  <input type="hidden" name="scope" value="openid profile"/>
  <input type="hidden" name="state" value="a&amp;b&#61;c"/>
  <input type="hidden" name="tenantId" value="t-1"/>
  <input type="hidden" name="timezone" value="" />
  <input type="hidden" name="user_code" value="" />
  <input type="hidden" name="showPasswordField" value="true"/>
  <input type="hidden" name="userVerifyingPlatformAuthenticatorAvailable" value="" />
    <div>
      <input id="loginId" type="text" name="loginId" value="" autocomplete="username"
             autocapitalize="none" autocorrect="off" spellcheck="false" autofocus="autofocus"
             placeholder="Email">
    </div>
    <div>
      <label for="password" class="block text-xs error">Password <span class="required text-error">*</span></label>
      <div class="relative w-full flex items-center">
      <input id="password" type="password" name="password" value=""
             autocomplete="current-password" placeholder="Password">
      </div>
      <span class="block mt-1.5 text-xs text-error">Required</span>
    </div>
    </fieldset>
    <fieldset class="mt-6 space-y-6">
      <div class="checkbox flex"><div class="group"><div class="group/div">
        <input type="hidden" name="__cb_rememberDevice" value="false" class="max-h-0"/>
        <input id="rememberDevice" type="checkbox" value="true" name="rememberDevice"
               class="col-start-1">
      </div>
      <label class="text-sm/6" for="rememberDevice"><span>Keep me signed in</span></label>
      </div></div>
      <div class="flex flex-col space-y-4 items-center">
        <button class="w-full h-9 text-sm" id="submit-button">
          Submit
        </button>
        <a class="text-sm" href="/password/forgot?tenantId=t-1&client_id=c">Forgot your password?</a>
      </div>
    </fieldset>
  </form>
        </main>
      </div>
    </div>
    <div class="w-full flex"><div class="w-min-content"><label class="select">
      <select id="locale-select" name="locale"><option value="en" selected>English</option></select>
    </label></div></div>
  </main>
  </body>
</html>"#;

    #[test]
    fn the_stock_login_form_sends_every_hidden_field_and_the_unchecked_twin() {
        let page = Page::parse(STOCK_LOGIN);
        assert_eq!(page.title(), Some("Login | FusionAuth"));
        let [form] = page.forms() else {
            panic!("one form: {:?}", page.forms());
        };
        assert!(form.has_password());
        assert_eq!(form.action(), Some("/oauth2/authorize"));
        let fields = form.submission(&[("loginId", "test@example.com"), ("password", "pw")], None);
        assert_eq!(
            pairs(&fields),
            [
                ("captcha_token", ""),
                ("client_id", "3c219e58-ed0e-4b18-ad48-f4f92793ae32"),
                (
                    "code_challenge",
                    "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
                ),
                ("dpop_jkt", ""),
                ("code_challenge_method", "S256"),
                ("metaData.device.name", ""),
                ("metaData.device.type", ""),
                ("nonce", ""),
                ("oauth_context", ""),
                ("max_age", ""),
                ("pendingIdPLinkId", ""),
                ("prompt", ""),
                ("redirect_uri", "http://localhost:3334/oauth/callback"),
                ("resource", "http://localhost:8000/mcp"),
                ("resource", "http://localhost:8001/mcp"),
                ("response_mode", ""),
                ("response_type", "code"),
                ("scope", "openid profile"),
                ("state", "a&b=c"),
                ("tenantId", "t-1"),
                ("timezone", ""),
                ("user_code", ""),
                ("showPasswordField", "true"),
                ("userVerifyingPlatformAuthenticatorAvailable", ""),
                ("loginId", "test@example.com"),
                ("password", "pw"),
                // The unchecked "remember me" box is not sent; its hidden twin says so.
                ("__cb_rememberDevice", "false"),
            ]
        );
        // The locale picker sits outside the form and is not part of it.
        assert!(!fields.iter().any(|(name, _)| name == "locale"));
        // The field error under the password, named by its input; the label's `*` is not one.
        assert_eq!(page.error_message(), Some("password: Required"));
    }

    /// The consent form of `oauth2Consent.ftl`: required scopes as hidden `scopeConsents['x']`,
    /// an optional one as a checkbox with its `__cb_` twin, and allow/cancel buttons.
    const STOCK_CONSENT: &str = r#"<html><head><title>Consent | FusionAuth</title></head><body>
  <p class="mb-4">Claude Code would like to:</p>
  <form action="/oauth2/consent" method="POST" class="flex flex-col">
    <fieldset>
      <input type="hidden" name="client_id" value="c-1"/>
      <input type="hidden" name="state" value="s-1"/>
      <div class="flex items-start gap-3">
        <input type="hidden" name="scopeConsents['profile']" value="true"/>
        <span class="text-sm">View your profile</span>
      </div>
      <div class="pt-2"><div>
        <input type="hidden" name="__cb_scopeConsents['get_name']" value="false"/>
        <input id="get_name" type="checkbox" value="true" name="scopeConsents['get_name']"
               checked="checked">
      </div></div>
      <input type="hidden" name="scopeConsents['openid']" value="true"/>
    </fieldset>
    <fieldset>
      <hr>
      <div class="flex flex-col justify-between gap-3">
        <button class="w-full" name="action" value="allow">
          Allow
        </button>
        <button class="w-full rounded-theme" name="action" value="cancel">
          Cancel
        </button>
      </div>
    </fieldset>
  </form>
</body></html>"#;

    #[test]
    fn the_stock_consent_form_is_answered_with_allow() {
        let page = Page::parse(STOCK_CONSENT);
        let [form] = page.forms() else {
            panic!("one form: {:?}", page.forms());
        };
        assert!(form.is_consent());
        assert!(!form.has_password());
        let allow = form.allow_button();
        assert_eq!(
            allow.map(|b| b.value.as_deref()),
            Some(Some("allow")),
            "{allow:?}"
        );
        let fields = form.submission(&[], allow);
        assert_eq!(
            pairs(&fields),
            [
                ("client_id", "c-1"),
                ("state", "s-1"),
                ("scopeConsents['profile']", "true"),
                ("__cb_scopeConsents['get_name']", "false"),
                ("scopeConsents['get_name']", "true"),
                ("scopeConsents['openid']", "true"),
                ("action", "allow"),
            ]
        );
        // Unticking the optional scope leaves only its hidden twin saying `false`; ticking every
        // box sends them all `true`.
        let mut unticked = form.clone();
        assert_eq!(unticked.checkboxes(), [("scopeConsents['get_name']", true)]);
        assert!(unticked.set_checked("scopeConsents['get_name']", false));
        assert!(!unticked.set_checked("scopeConsents['nope']", true));
        let fields = unticked.submission(&[], allow);
        assert!(fields.contains(&("__cb_scopeConsents['get_name']".into(), "false".into())));
        assert!(!fields.contains(&("scopeConsents['get_name']".into(), "true".into())));
        // Pressing another button by name and value sends that one instead.
        let cancel = form.button("action", "cancel").expect("cancel button");
        let fields = form.submission(&[], Some(cancel));
        assert_eq!(fields.last().map(|(_, v)| v.as_str()), Some("cancel"));
        assert!(form.button("action", "nope").is_none());
    }

    #[test]
    fn the_consent_form_is_answered_with_its_allow_button() {
        let html = r#"<form id="consent-form" action="/oauth2/consent" method="POST">
            <input type="hidden" name="consent_ticket" value="t">
            <button type="submit" name="action" value="deny" id="deny">Cancel</button>
            <button type="submit" name="action" value="allow" id="allow">Allow</button>
            <button type="button" name="action" value="help">Help</button>
            </form>"#;
        let page = Page::parse(html);
        let form = page.form("consent-form").expect("found by id");
        assert!(form.is_consent());
        let fields = form.submission(&[], form.allow_button());
        assert_eq!(
            pairs(&fields),
            [("consent_ticket", "t"), ("action", "allow")]
        );
        assert!(
            form.button("action", "help").is_none(),
            "a type=button button submits nothing"
        );
    }

    #[test]
    fn several_forms_on_one_page_are_kept_apart_and_found_by_id() {
        let html = r#"<body>
            <form id="search" method="get" action="/search"><input name="q" value="x"></form>
            <form id="login-form" action="/oauth2/authorize" method="POST">
              <input type="hidden" name="client_id" value="c">
              <input type="password" name="password">
            </form>
            <form id="idp" action="/oauth2/callback"><input type="hidden" name="state" value="s">
            "#;
        let page = Page::parse(html);
        let ids: Vec<_> = page.forms().iter().map(Form::id).collect();
        assert_eq!(ids, [Some("search"), Some("login-form"), Some("idp")]);
        let search = page.form("search").expect("search form");
        assert!(search.is_get() && !search.has_password());
        assert_eq!(pairs(&search.submission(&[], None)), [("q", "x")]);
        let login = page.form("login-form").expect("login form");
        assert_eq!(
            pairs(&login.submission(&[("password", "pw")], None)),
            [("client_id", "c"), ("password", "pw")]
        );
        // The last form was never closed: it ends with the document.
        let idp = page.form("idp").expect("unclosed form");
        assert_eq!(pairs(&idp.submission(&[], None)), [("state", "s")]);
        assert!(page.form("nope").is_none());
        // No action: the form goes back to the page itself.
        let here = Url::parse("http://localhost:9011/oauth2/authorize?x=1").expect("url");
        assert_eq!(Form::default().target(&here), Ok(here));
    }

    #[test]
    fn character_references_are_decoded_in_values_and_text() {
        let html = "<title>A&nbsp;&mdash;&#x20AC;&#8364;&euro;</title><form>\
                    <input type=hidden name=\"a&amp;b\" value=\"&lt;&quot;&apos;&gt;\">\
                    <input type=hidden name=plain value=\"x &unknown; y\"></form>";
        let page = Page::parse(html);
        assert_eq!(page.title(), Some("A —€€€"));
        let fields = page.forms()[0].submission(&[], None);
        assert_eq!(
            pairs(&fields),
            [("a&b", "<\"'>"), ("plain", "x &unknown; y")]
        );
    }

    #[test]
    fn an_unmarked_error_page_is_read_from_its_body() {
        let html = "<html><head><title>Oops</title></head><body><h1>Error</h1>\
                    <p>Invalid redirect uri http://x/cb</p><script>var a = '<p>';</script>\
                    <style>p { color: red }</style></body></html>";
        let page = Page::parse(html);
        assert_eq!(page.error_message(), None);
        assert_eq!(
            page.body_text(),
            Some("Error Invalid redirect uri http://x/cb")
        );
        assert_eq!(Page::parse("<title>t</title>").body_text(), None);
    }

    #[test]
    fn broken_markup_does_not_panic() {
        for html in [
            "",
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
            "<form><form><input name=a></form></form>",
            "<table><form><tr><td><input name=b></td></tr></form></table>",
        ] {
            let page = Page::parse(html);
            for form in page.forms() {
                let _ = form.submission(&[("x", "y")], form.allow_button());
            }
        }
    }
}
