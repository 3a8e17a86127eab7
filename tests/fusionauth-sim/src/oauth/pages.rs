//! The hosted pages' markup, in the structure of FusionAuth's stock theme (1.68): the same
//! elements, form actions, field names and meaningful classes, in the stand-in's own words.
//! Tools read these pages as they would read FusionAuth's, so what carries meaning is kept:
//!
//! - every form carries the `oauthHiddenFields` set, in the theme's order, each one rendered
//!   whether or not the request had it (empty when absent), `resource` once per value;
//! - errors come in the theme's `alert` box (a `div.alert` with error colours, the message in a
//!   `span`, a dismiss button), field errors as a `span.text-error` under their input;
//! - a checkbox travels with a hidden `__cb_NAME` holding its unchecked value;
//! - forms have no `id` (the theme gives them none).
//!
//! Nothing here validates or decides; the handlers pass in what to show.

use super::Params;

/// `helpers.oauthHiddenFields`, in the theme's order. `resource` repeats, once per value.
const OAUTH_HIDDEN_FIELDS: &[&str] = &[
    "captcha_token",
    "client_id",
    "code_challenge",
    "dpop_jkt",
    "code_challenge_method",
    "metaData.device.name",
    "metaData.device.type",
    "nonce",
    "oauth_context",
    "max_age",
    "pendingIdPLinkId",
    "prompt",
    "redirect_uri",
    "resource",
    "response_mode",
    "response_type",
    "scope",
    "state",
    "tenantId",
    "timezone",
    "user_code",
];

/// What the login page shows besides the form.
#[derive(Default)]
pub struct LoginPage<'a> {
    /// An error box above the form (`[InvalidLogin]` and the like).
    pub alert: Option<&'a str>,
    /// Field errors, by field name (`loginId`, `password`).
    pub field_errors: Vec<(&'a str, &'a str)>,
    /// The login id to fill in (`login_hint`, or what was typed).
    pub login_id: Option<&'a str>,
}

/// A scope on the consent page.
pub struct ConsentScope {
    pub name: String,
    pub message: String,
}

/// What the consent page lists, as the theme's `scopeConsentField` sorts it.
pub struct ConsentPage {
    pub application: String,
    /// Cannot be declined: a hidden `true` and a line of text.
    pub required: Vec<ConsentScope>,
    /// A checkbox each (ticked), with its `__cb_` twin saying `false`.
    pub optional: Vec<ConsentScope>,
    /// `openid`, `offline_access` and scopes the application does not know: a hidden `true`.
    pub unknown: Vec<String>,
}

/// `oauth2Authorize.ftl`: the login form, posted back to `/oauth2/authorize`.
pub fn login(p: &Params, tenant_id: &str, shown: &LoginPage<'_>) -> String {
    let error_of = |field: &str| -> String {
        let messages: Vec<&str> = shown
            .field_errors
            .iter()
            .filter(|(name, _)| *name == field)
            .map(|(_, message)| *message)
            .collect();
        if messages.is_empty() {
            String::new()
        } else {
            format!(
                "<span class=\"block mt-1.5 text-xs text-error\">{}</span>\n",
                escape(&messages.join(", "))
            )
        }
    };
    let form = format!(
        "<form action=\"/oauth2/authorize\" method=\"POST\" class=\"flex flex-col\">\n\
         <fieldset class=\"space-y-4\">\n{hidden}\
         <input type=\"hidden\" name=\"showPasswordField\" value=\"true\"/>\n\
         <input type=\"hidden\" name=\"userVerifyingPlatformAuthenticatorAvailable\" value=\"\"/>\n\
         <div>\n<label for=\"loginId\" class=\"block text-xs\">Email or username</label>\n\
         <div class=\"relative w-full flex items-center\">\n\
         <input id=\"loginId\" type=\"text\" name=\"loginId\" value=\"{login_id}\" autocomplete=\"username\" autocapitalize=\"none\" autocorrect=\"off\" spellcheck=\"false\"/>\n\
         </div>\n{login_error}</div>\n\
         <div>\n<label for=\"password\" class=\"block text-xs\">Password</label>\n\
         <div class=\"relative w-full flex items-center\">\n\
         <input id=\"password\" type=\"password\" name=\"password\" autocomplete=\"current-password\"/>\n\
         </div>\n{password_error}</div>\n\
         </fieldset>\n<fieldset class=\"mt-6 space-y-6\">\n{remember}\
         <div class=\"flex flex-col space-y-4 items-center\">\n\
         <button class=\"w-full h-9 text-sm font-medium\" id=\"submit-button\">Sign in</button>\n\
         <a class=\"text-sm text-link\" href=\"/password/forgot\">Forgot your password?</a>\n\
         </div>\n</fieldset>\n</form>",
        hidden = hidden_oauth_fields(p, tenant_id),
        login_id = escape(shown.login_id.unwrap_or_default()),
        login_error = error_of("loginId"),
        password_error = error_of("password"),
        remember = checkbox("rememberDevice", "rememberDevice", "Stay signed in", false),
    );
    page("Login", "Sign in", shown.alert, &form)
}

/// `oauth2Consent.ftl`: its own form, posted to `/oauth2/consent` with the OAuth hidden fields,
/// `scopeConsents['NAME']` per scope and an `action` button (`allow` or `cancel`).
pub fn consent(p: &Params, tenant_id: &str, shown: &ConsentPage) -> String {
    let mut fields = hidden_oauth_fields(p, tenant_id);
    for scope in &shown.required {
        fields.push_str(&format!(
            "<div class=\"flex items-start gap-3\">\n{}<span class=\"text-sm\">{}</span>\n</div>\n",
            hidden(&consent_field(&scope.name), "true"),
            escape(&scope.message)
        ));
    }
    for scope in &shown.optional {
        fields.push_str(&format!(
            "<div class=\"pt-2\">\n{}</div>\n",
            checkbox(
                &consent_field(&scope.name),
                &scope.name,
                &scope.message,
                true
            )
        ));
    }
    for scope in &shown.unknown {
        fields.push_str(&hidden(&consent_field(scope), "true"));
    }
    let note = if shown.optional.is_empty() {
        ""
    } else {
        "<p>You may untick what you would rather not share.</p>\n"
    };
    let form = format!(
        "<p class=\"mb-4\"><em>{app}</em> asks to:</p>\n\
         <form action=\"/oauth2/consent\" method=\"POST\" class=\"flex flex-col\">\n\
         <fieldset class=\"space-y-4\">\n{fields}</fieldset>\n\
         <fieldset class=\"mt-6 space-y-6\">\n<hr>\n{note}\
         <div>Allow grants the ticked requests to {app}; Cancel declines them all.</div>\n\
         <div class=\"flex flex-col justify-between gap-3\">\n\
         <button class=\"w-full h-9 text-sm font-medium\" name=\"action\" value=\"allow\">Allow</button>\n\
         <button class=\"w-full h-9 rounded-theme\" name=\"action\" value=\"cancel\">Cancel</button>\n\
         </div>\n</fieldset>\n</form>",
        app = escape(&shown.application),
    );
    page("Consent Required", "Consent required", None, &form)
}

/// `oauth2Error.ftl`: an apology and FusionAuth's JSON error document in a `pre`.
pub fn error(document: &serde_json::Value) -> String {
    let body = format!(
        "<p class=\"text-sm\">This request could not be completed. Go back and start again; if \
         it happens again, the details below say why.</p>\n\
         <p class=\"mt-4 mb-4\">The error, as JSON:</p>\n\
         <div class=\"overflow-auto text-xs full\">\n<pre>{}</pre>\n</div>",
        escape(&document.to_string())
    );
    page("Error", "Error", None, &body)
}

/// `scopeConsents['NAME']`, the map entry FusionAuth binds a scope's answer to.
pub fn consent_field(scope: &str) -> String {
    format!("scopeConsents['{scope}']")
}

fn hidden_oauth_fields(p: &Params, tenant_id: &str) -> String {
    let mut out = String::new();
    for &name in OAUTH_HIDDEN_FIELDS {
        if name == "resource" {
            for value in p.all("resource") {
                out.push_str(&hidden(name, &value));
            }
            continue;
        }
        let value = match (name, p.get(name)) {
            (_, Some(value)) => value,
            // Always filled, from the application's tenant (inferred).
            ("tenantId", None) => tenant_id,
            (_, None) => "",
        };
        out.push_str(&hidden(name, value));
    }
    out
}

fn hidden(name: &str, value: &str) -> String {
    format!(
        "<input type=\"hidden\" name=\"{}\" value=\"{}\"/>\n",
        escape(name),
        escape(value)
    )
}

/// `helpers.input type="checkbox"` with an unchecked value: the hidden `__cb_` twin, then the
/// box (value `true`), its id the name with dots turned into underscores.
fn checkbox(name: &str, id: &str, label: &str, checked: bool) -> String {
    let id = id.replace('.', "_");
    format!(
        "<div>\n<div class=\"checkbox flex\">\n<div class=\"group flex items-center gap-x-3\">\n\
         <div class=\"group/div grid size-4\">\n\
         <input type=\"hidden\" name=\"__cb_{name}\" value=\"false\" class=\"max-h-0\"/>\n\
         <input id=\"{id}\" type=\"checkbox\" value=\"true\" name=\"{name}\"{checked} class=\"col-start-1\">\n\
         </div>\n<label class=\"text-sm/6 cursor-pointer\" for=\"{id}\"><span>{label}</span></label>\n\
         </div>\n</div>\n</div>\n",
        name = escape(name),
        id = escape(&id),
        label = escape(label),
        checked = if checked { " checked=\"checked\"" } else { "" },
    )
}

/// `helpers.alert` with type error: the message in a `span`, a dismiss button beside it.
fn error_alert(message: &str) -> String {
    format!(
        "<div class=\"alert border-error-icon/50 border-1 bg-alert-background rounded-theme p-3 mb-4 w-full\">\n\
         <div class=\"flex items-center\">\n\
         <div class=\"flex items-center shrink-0\"><svg aria-hidden=\"true\" class=\"size-5 text-error-icon\" viewBox=\"0 0 20 20\"></svg></div>\n\
         <div class=\"ml-3\"><div class=\"flex items-center text-sm text-alert-font my-0\">\n\
         <span>{}</span>\n</div></div>\n\
         <div class=\"ml-auto pl-3\"><button class=\"dismiss-button inline-flex\" type=\"button\" data-dialog-role=\"close-button\">\
         <span class=\"sr-only\">Dismiss</span></button></div>\n\
         </div>\n</div>\n",
        escape(message)
    )
}

/// `helpers.main` in `helpers.html`: the alerts above the panel, the title, the content.
fn page(title: &str, heading: &str, alert: Option<&str>, content: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>{title} | FusionAuth stand-in</title>\n</head>\n\
         <body class=\"min-h-screen\">\n<main class=\"min-h-screen flex flex-col items-center\">\n\
         <div class=\"w-full max-w-[352px] rounded-theme\">\n{alert}\
         <div class=\"bg-panel-bg border-1 rounded-panel\">\n<div class=\"p-8\">\n\
         <h2 class=\"text-2xl font-semibold\">{heading}</h2>\n<main>\n{content}\n</main>\n\
         </div>\n</div>\n</div>\n</main>\n</body>\n</html>\n",
        alert = alert.map(error_alert).unwrap_or_default(),
    )
}

pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}
