//! `mcp-fa check`: the headless end-to-end self-test of a running stack, and the pieces the
//! tutorial's checks share with it (the self-test client, the demo user's login, MCP calls).
//!
//! It registers (or reuses) one FusionAuth application of its own, the self-test client
//! ([`client`]), logs the stack's demo user in through FusionAuth's hosted login form
//! ([`login`]), and calls the MCP server's tools with the token through rmcp's MCP client
//! ([`mcp`]), timing each hop ([`hops`], reported as a [`Report`] and hop by hop as each ends).
//! When nothing answers on the stack's MCP port it serves the stack in-process for the duration.
//! [`command`] is the CLI around it: it alone reads the arguments and prints.
//!
//! The engine must not print, import the tutorial (the tutorial imports it), write the state
//! file, put a token, a password, the API key or a client secret into anything it returns, or
//! stop anything it did not start.

pub mod client;
pub mod command;
mod error;
mod hops;
pub mod login;
pub mod mcp;
mod report;

use std::time::{SystemTime, UNIX_EPOCH};

pub use client::{SELF_TEST_CLIENT_NAME, SELF_TEST_REDIRECT_URI, is_self_test_client};
pub use command::check_command;
pub use error::SelfTestError;
pub use hops::SelfTest;
pub use report::{Hop, HopFailure, HopStatus, Report};

/// ` --project X` for commands the user is told to run, nothing for the default project.
pub(crate) fn project_flag(project: &str) -> String {
    if project == crate::stack::DEFAULT_PROJECT {
        String::new()
    } else {
        format!(" --project {project}")
    }
}

/// Seconds since the Unix epoch, as tokens count time (`exp`).
pub(crate) fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// `text` on one line of at most `max` characters, for quoting an answer in a message.
pub(crate) fn clip(text: &str, max: usize) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() > max {
        line.chars().take(max).collect::<String>() + "…"
    } else {
        line
    }
}

/// Takes a token out of an error text, should a transport error ever quote a header.
pub(crate) fn scrub(text: &str, token: &str) -> String {
    if token.is_empty() {
        text.to_owned()
    } else {
        text.replace(token, "[redacted]")
    }
}

/// GETs a JSON document (Protected Resource Metadata); the error says what came back instead.
pub(crate) async fn get_json(
    http: &reqwest::Client,
    url: &str,
) -> Result<serde_json::Value, String> {
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
