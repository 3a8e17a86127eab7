//! What a hosted page says went wrong, read from its markup: the stock theme's error alert, an
//! element an older theme marks as an error, the stock theme's field errors, and the OAuth
//! error page's JSON document, first found wins. Only reads; never decides what it means.

use scraper::ElementRef;

use super::text::text_of;

/// Classes and ids older FusionAuth-style themes put on the element that says what went wrong.
const ERROR_IDS: &[&str] = &["error", "errors"];
const ERROR_CLASSES: &[&str] = &[
    "error",
    "errors",
    "alert-error",
    "alert-danger",
    "error-message",
];
/// Elements whose marker classes describe a control's state, not a message.
const NOT_MESSAGES: &[&str] = &["input", "form", "label", "body", "html"];

/// What the page under `root` says went wrong (see [`super::Page::error_message`]).
pub(super) fn message(root: ElementRef<'_>) -> Option<String> {
    alert_error(root)
        .or_else(|| {
            root.descendent_elements()
                .filter(|e| is_marked_as_error(*e))
                .map(text_of)
                .find(|t| !t.is_empty())
        })
        .or_else(|| field_errors(root))
        .or_else(|| oauth_error_document(root))
}

fn has_class(element: ElementRef<'_>, wanted: impl Fn(&str) -> bool) -> bool {
    element
        .value()
        .attr("class")
        .is_some_and(|class| class.split_whitespace().any(&wanted))
}

/// The message of the stock theme's first error alert: a `div.alert` whose colours are the
/// error ones (`border-error-…`, or an icon `text-error-icon`; info alerts use `…-info-…`),
/// its text in a `span`, not counting the dismiss button's hidden label.
fn alert_error(root: ElementRef<'_>) -> Option<String> {
    root.descendent_elements()
        .filter(|e| e.value().name() == "div" && has_class(*e, |c| c == "alert"))
        .filter(|alert| {
            has_class(*alert, |c| c.starts_with("border-error"))
                || alert
                    .descendent_elements()
                    .any(|e| has_class(e, |c| c == "text-error-icon"))
        })
        .find_map(|alert| {
            alert
                .descendent_elements()
                .filter(|e| e.value().name() == "span")
                .filter(|span| {
                    !span
                        .ancestors()
                        .any(|a| a.value().as_element().is_some_and(|a| a.name() == "button"))
                })
                .map(text_of)
                .find(|t| !t.is_empty())
        })
}

/// The stock theme's field errors (`span.text-error` under an input, not the `*` a label marks
/// a required field with), each named by the input beside it: `loginId: Required; ...`.
fn field_errors(root: ElementRef<'_>) -> Option<String> {
    let errors: Vec<String> = root
        .descendent_elements()
        .filter(|e| has_class(*e, |c| c == "text-error") && !has_class(*e, |c| c == "required"))
        .filter(|e| {
            !e.ancestors()
                .any(|a| a.value().as_element().is_some_and(|a| a.name() == "label"))
        })
        .filter_map(|span| {
            let text = text_of(span);
            if text.is_empty() {
                return None;
            }
            let field = span.parent().and_then(ElementRef::wrap).and_then(|parent| {
                parent
                    .descendent_elements()
                    .filter(|e| e.value().name() == "input")
                    .filter(|e| e.value().attr("type") != Some("hidden"))
                    .find_map(|e| e.value().attr("name"))
            });
            Some(match field {
                Some(field) => format!("{field}: {text}"),
                None => text,
            })
        })
        .collect();
    (!errors.is_empty()).then(|| errors.join("; "))
}

/// The OAuth error page's explanation: a `pre` holding FusionAuth's JSON error document.
fn oauth_error_document(root: ElementRef<'_>) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Document {
        error: String,
        error_description: Option<String>,
        error_reason: Option<String>,
    }
    root.descendent_elements()
        .filter(|e| e.value().name() == "pre")
        .find_map(|pre| serde_json::from_str::<Document>(&pre.text().collect::<String>()).ok())
        .map(|doc| {
            let mut said = doc.error_description.unwrap_or_default();
            let codes = match doc.error_reason {
                Some(reason) => format!("{}, {reason}", doc.error),
                None => doc.error,
            };
            if said.is_empty() {
                said = codes;
            } else {
                said = format!("{said} ({codes})");
            }
            said
        })
}

fn is_marked_as_error(element: ElementRef<'_>) -> bool {
    let element = element.value();
    if NOT_MESSAGES.contains(&element.name()) {
        return false;
    }
    element.id().is_some_and(|id| ERROR_IDS.contains(&id))
        || element.attr("class").is_some_and(|class| {
            class
                .split_whitespace()
                .any(|c| ERROR_CLASSES.contains(&c.to_ascii_lowercase().as_str()))
        })
}

#[cfg(test)]
mod tests {
    use scraper::Html;

    fn read(html: &str) -> Option<String> {
        super::message(Html::parse_document(html).root_element())
    }

    /// The stock theme's error box (`helpers.alert` with type error), as FusionAuth renders it
    /// above the login form after a wrong password, next to an info box.
    const STOCK_ALERTS: &str = r#"<main class="min-h-screen">
    <div class="w-full max-w-[352px] rounded-theme">
  <div class="alert  border-info-icon/60  border-1 bg-alert-background rounded-theme p-3 mb-4 w-full">
    <div class="flex items-center"><div class="flex items-center shrink-0">
        <svg aria-hidden="true" class="size-5 text-info-icon"><path d="M1"></path></svg></div>
      <div class="ml-3"><div class="flex items-center text-sm text-alert-font my-0">
          <span>You have been logged out.</span></div></div></div></div>
  <div class="alert  border-error-icon/50  border-1 bg-alert-background rounded-theme p-3 mb-4 w-full">
    <div class="flex items-center">
      <div class="flex items-center shrink-0">
        <svg aria-hidden="true" class="size-5 text-error-icon" data-slot="icon"><path d="M10"></path></svg>
      </div>
      <div class="ml-3">
        <div class="flex items-center text-sm text-alert-font my-0">
          <span>Invalid login credentials.</span>
        </div>
      </div>
        <div class="ml-auto pl-3"><div class="-mx-1.5 -my-1.5">
            <button class="dismiss-button inline-flex rounded-theme" type="button" data-dialog-role="close-button">
              <span class="sr-only">Dismiss</span>
              <svg aria-hidden="true" class="size-5"><path d="M6"/></svg>
            </button>
        </div></div>
    </div>
  </div>
  <form action="/oauth2/authorize" method="POST"><input type="password" name="password"></form>
  </div></main>"#;

    #[test]
    fn the_stock_error_alert_is_read_and_the_info_alert_is_not() {
        assert_eq!(
            read(STOCK_ALERTS).as_deref(),
            Some("Invalid login credentials.")
        );
        // Only the info box: nothing went wrong.
        let info_only = STOCK_ALERTS
            .replace("border-error-icon/50", "border-info-icon/60")
            .replace("text-error-icon", "text-info-icon");
        assert_eq!(read(&info_only).as_deref(), None);
        // The alert wins over field errors.
        let both = STOCK_ALERTS.replace(
            "<input type=\"password\" name=\"password\">",
            "<div><input type=\"password\" name=\"password\"><span class=\"text-error\">Required</span></div>",
        );
        assert_eq!(read(&both).as_deref(), Some("Invalid login credentials."));
    }

    #[test]
    fn the_oauth_error_page_is_read_from_its_json_document() {
        let html = r#"<main><h2>Error</h2><p class="text-sm">We're sorry, your request was
            malformed.</p><p class="mt-4">If you want the nerdy explanation, review the following
            JSON body.</p><div class="overflow-auto text-xs full"><pre>{"error":"invalid_request",
            "error_description":"Invalid redirect_uri [http://x/cb]","error_reason":"invalid_redirect_uri"}</pre></div></main>"#;
        assert_eq!(
            read(html).as_deref(),
            Some("Invalid redirect_uri [http://x/cb] (invalid_request, invalid_redirect_uri)")
        );
        let bare = r#"<pre>{"error":"server_error"}</pre>"#;
        assert_eq!(read(bare).as_deref(), Some("server_error"));
        assert_eq!(read("<pre>not json</pre>").as_deref(), None);
    }

    #[test]
    fn error_messages_are_found_by_their_markers() {
        let html = r#"<main><div class="alert error" id="error"><span>Invalid <b>login</b>
            credentials.</span></div><form><input type="password" name="password"></form></main>"#;
        assert_eq!(read(html).as_deref(), Some("Invalid login credentials."));
        let nested = r#"<div class="errors"><div>first</div> second</div><p>after</p>"#;
        assert_eq!(read(nested).as_deref(), Some("first second"));
        let by_class = r#"<p class="Alert-Danger">Upper case classes count</p>"#;
        assert_eq!(read(by_class).as_deref(), Some("Upper case classes count"));
        // Empty marked elements and marked form controls are skipped.
        let skipped = r#"<div id="errors"> </div><label class="error">Email</label>
            <input class="error" name="x"><span class="error-message">the real one</span>"#;
        assert_eq!(read(skipped).as_deref(), Some("the real one"));
        let plain = "<p>nothing wrong</p>";
        assert_eq!(read(plain).as_deref(), None);
    }
}
