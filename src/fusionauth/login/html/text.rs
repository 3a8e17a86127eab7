//! The visible text of an element, as a reader sees it: whitespace collapsed, scripts and
//! styles left out.

use scraper::ElementRef;

/// The text inside `element`, whitespace collapsed, without the contents of `<script>` and
/// `<style>`. Runs of text separated by markup are kept apart by a space, so words from
/// neighbouring elements never run together.
pub(super) fn text_of(element: ElementRef<'_>) -> String {
    let mut text = String::new();
    for node in element.descendants() {
        let Some(run) = node.value().as_text() else {
            continue;
        };
        let raw = node
            .parent()
            .and_then(|parent| parent.value().as_element())
            .is_some_and(|parent| matches!(parent.name(), "script" | "style"));
        if !raw {
            text.push_str(run);
            text.push(' ');
        }
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
