//! Hops 5 to 8 of `mcp-fa check`, what is said when they fail: the user's login (the demo user
//! of a stack, or the self-test's temporary user on an existing FusionAuth), and the MCP calls
//! with its token (`whoami`, `get_name`).

use serde_json::{Value, json};

use super::client::SELF_TEST_CLIENT_NAME;
use super::error::SelfTestError;
use super::hops::{HOP_GET_NAME, HOP_WHOAMI};
use super::mcp::{McpClient, McpError};
use super::report::{HopFailure, Recorder};
use super::shared::clip;
use crate::fusionauth::LoginError;
use crate::state::now_secs;

/// Hops 7 and 8: `whoami` and `get_name` over the connected MCP client.
pub(super) async fn mcp_tools(
    recorder: &mut Recorder<'_>,
    resource: &str,
    mcp: &McpClient,
    full_name: &str,
) {
    let whoami = recorder
        .hop(HOP_WHOAMI, async {
            let text = call_text(mcp, "whoami").await?;
            let claims: Value = serde_json::from_str(&text).map_err(|_| {
                HopFailure::new(
                    "MCP_CALL_FAILED",
                    "whoami answered over MCP with the demo user's token",
                    format!("an answer that is not JSON: {}", clip(&text, 200)),
                    MCP_LOG_FIX,
                )
            })?;
            if claims["authenticated"] != json!(true) {
                return Err(HopFailure::new(
                    "MCP_NOT_AUTHENTICATED",
                    "whoami answering for the demo user's token",
                    clip(&claims.to_string(), 200),
                    "the server's protection is off; restart it with `mcp-fa serve`",
                ));
            }
            let audience: Vec<String> = match &claims["audience"] {
                Value::Array(values) => values.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
                Value::String(one) => vec![one.clone()],
                _ => Vec::new(),
            };
            if !audience.iter().any(|a| a == resource) {
                return Err(HopFailure::new(
                    "MCP_WRONG_AUDIENCE",
                    format!("aud containing {resource}"),
                    format!("aud {audience:?}"),
                    "the token was not issued for this server; the self-test client must list it as an authorized resource",
                ));
            }
            if claims["expires_at"].as_u64().is_some_and(|exp| exp <= now_secs()) {
                return Err(HopFailure::new(
                    "MCP_TOKEN_EXPIRED",
                    "an expiry in the future",
                    format!("expires_at {}", claims["expires_at"]),
                    "check this machine's clock and FusionAuth's (the container's) clock",
                ));
            }
            Ok(((), format!("aud {resource}")))
        })
        .await;
    if whoami.is_none() {
        return;
    }
    let expected = format!("Hello, {full_name}!");
    recorder
        .hop(HOP_GET_NAME, async {
            let text = call_text(mcp, "get_name").await?;
            if !text.starts_with("Hello, ") || text.contains("anonymous") {
                return Err(HopFailure::new(
                    "MCP_GET_NAME_UNEXPECTED",
                    format!("a greeting such as \"{expected}\""),
                    clip(&text, 200),
                    "see the server's log (`mcp-fa logs mcp`) for the userinfo call it made",
                ));
            }
            Ok(((), text))
        })
        .await;
}

const MCP_LOG_FIX: &str = "see the server's log (`mcp-fa logs mcp`) for the request's outcome";

async fn call_text(mcp: &McpClient, tool: &'static str) -> Result<String, HopFailure> {
    let answer = mcp.call(tool).await.map_err(|e| mcp_failure(tool, &e))?;
    if answer.is_error {
        return Err(HopFailure::new(
            "MCP_TOOL_ERROR",
            format!("{tool} answering without an error"),
            clip(&answer.text, 200),
            "see the server's log (`mcp-fa logs mcp`)",
        ));
    }
    Ok(answer.text)
}

pub(super) fn mcp_failure(what: &str, error: &McpError) -> HopFailure {
    HopFailure::new(
        "MCP_CALL_FAILED",
        format!("{what} answered over MCP with the demo user's token"),
        error.to_string(),
        MCP_LOG_FIX,
    )
}

/// `temporary`: the self-test's own user on an existing FusionAuth, whose password nobody
/// could have changed: a refusal there is the tenant's policy.
pub(super) fn login_failure(
    error: &SelfTestError,
    email: &str,
    project_flag: &str,
    temporary: bool,
) -> HopFailure {
    let fix = match error {
        SelfTestError::Login(LoginError::WrongCredentials { .. }) if temporary => format!(
            "the tenant refused a user mcp-fa had just created with that password: a tenant \
             policy stops it (e-mail verification, a registration requirement, MFA, a login \
             lambda); `mcp-fa doctor{project_flag}` checks the tenant, and the FusionAuth \
             admin UI (Tenants → the tenant) shows its policies"
        ),
        SelfTestError::Login(LoginError::WrongCredentials { .. }) => format!(
            "the demo user {email} must be active with the password in the state file (`mcp-fa \
             status{project_flag} --show-secrets` shows it); if it was changed or the user \
             deactivated in FusionAuth, set it back in the admin UI, or recreate the stack with \
             `mcp-fa down --volumes{project_flag}` and `mcp-fa up{project_flag}`"
        ),
        SelfTestError::Login(LoginError::RedirectUriNotRegistered { .. }) => format!(
            "remove the self-test client (`mcp-fa clients remove {SELF_TEST_CLIENT_NAME}{project_flag}`) \
             so the next run registers it afresh"
        ),
        SelfTestError::Login(LoginError::Authorization { .. })
        | SelfTestError::Login(LoginError::TokenRefused { .. }) => format!(
            "remove the self-test client (`mcp-fa clients remove {SELF_TEST_CLIENT_NAME}{project_flag}`) \
             and run `mcp-fa check{project_flag}` again; if it persists, `mcp-fa doctor{project_flag}`"
        ),
        _ => format!("`mcp-fa doctor{project_flag}` checks FusionAuth and the stack"),
    };
    // The fix says what to do, so the login error's own advice is not repeated.
    let got = match error {
        SelfTestError::Login(LoginError::WrongCredentials { message, .. }) => format!(
            "FusionAuth showed its login form again{}",
            message
                .as_deref()
                .map(|m| format!(", saying \"{m}\""))
                .unwrap_or_default()
        ),
        other => other.to_string(),
    };
    HopFailure::new(
        error.code(),
        format!("{email} logged in through FusionAuth's login page, a code exchanged for a token"),
        got,
        fix,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_never_reaches_a_hop_failure() {
        let error = McpError::Failed(crate::check::shared::scrub(
            "Bearer abc.def rejected",
            "abc.def",
        ));
        let failure = mcp_failure("initialize", &error);
        assert!(!failure.got.contains("abc.def"), "{}", failure.got);
    }
}
