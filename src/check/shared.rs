//! Small helpers `mcp-fa check` and the tutorial's checks both use: quoted answers clipped to a
//! line, tokens scrubbed from error texts, and reading a JSON document; and the self-test
//! client's reserved name, which the errors name too.

/// The reserved name of the self-test client (the FusionAuth application is named
/// "mcp-fa-self-test (MCP client)").
pub const SELF_TEST_CLIENT_NAME: &str = "mcp-fa-self-test";

/// `text` on one line of at most `max` characters, for quoting an answer in a message.
pub fn clip(text: &str, max: usize) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() > max {
        line.chars().take(max).collect::<String>() + "…"
    } else {
        line
    }
}

/// Takes a token out of an error text, should a transport error ever quote a header.
pub fn scrub(text: &str, token: &str) -> String {
    if token.is_empty() {
        text.to_owned()
    } else {
        text.replace(token, "[redacted]")
    }
}

/// GETs a JSON document (Protected Resource Metadata); the error says what came back instead.
pub async fn get_json(http: &reqwest::Client, url: &str) -> Result<serde_json::Value, String> {
    let response = http
        .get(url)
        .send()
        .await
        .map_err(|e| e.without_url().to_string())?;
    let status = response.status();
    if !status.is_success() {
        return Err(format!("HTTP {status}"));
    }
    response
        .json()
        .await
        .map_err(|e| format!("not JSON: {}", e.without_url()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_text_is_one_clipped_line_without_the_token() {
        assert_eq!(clip("a\n  b", 10), "a b");
        assert_eq!(clip("abcdef", 3), "abc…");
        assert_eq!(
            scrub("Bearer tok failed", "tok"),
            "Bearer [redacted] failed"
        );
        assert_eq!(scrub("unchanged", ""), "unchanged");
    }
}
