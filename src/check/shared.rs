//! Small helpers `mcp-fa check` and the tutorial's checks both use: the ` --project X` of the
//! commands they tell the reader to run, quoted answers clipped to a line, tokens scrubbed from
//! error texts, the clock as tokens count it, and reading a JSON document.

use std::time::{SystemTime, UNIX_EPOCH};

/// ` --project X` for commands the user is told to run, nothing for the default project.
pub fn project_flag(project: &str) -> String {
    if project == crate::stack::DEFAULT_PROJECT {
        String::new()
    } else {
        format!(" --project {project}")
    }
}

/// Seconds since the Unix epoch, as tokens count time (`exp`).
pub fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

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
    fn the_project_flag_is_left_out_for_the_default_project() {
        assert_eq!(project_flag("default"), "");
        assert_eq!(project_flag("work"), " --project work");
    }

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
