//! The MCP tools: `get_name` (the tutorial's, greeting the caller by name from FusionAuth's
//! userinfo) and `whoami` (the verified token's claims, no network call).
//!
//! Tools read the caller from the [`VerifiedToken`] the auth layer put (shared, as an `Arc`) in
//! the HTTP request's extensions; they never see an unverified token. A request the gate let through without a
//! token (protection switched off, or `--no-auth`) carries the [`Unprotected`] marker instead, and
//! is answered anonymously: the decision is made per request, since protection can be switched. The caller's token is sent to one place only:
//! its own issuer's userinfo endpoint.

use std::sync::Arc;

use axum::http::request::Parts;
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::tool::Extension;
use rmcp::model::{CallToolResult, ContentBlock, Implementation, ServerCapabilities, ServerConfig};
use rmcp::{ErrorData, ServerHandler, tool, tool_handler, tool_router};
use serde_json::json;

use super::auth::Unprotected;
use super::scopes::{GET_NAME, ScopeMode, WHOAMI};
use super::verified_token::VerifiedToken;
use crate::fusionauth::{FusionAuthClient, FusionAuthError, UserInfo};

/// One per MCP session (rmcp builds one per session or stateless request); cheap to clone.
#[derive(Clone)]
pub struct McpTools {
    fusionauth: Option<FusionAuthClient>,
    scopes: ScopeMode,
    tool_router: ToolRouter<Self>,
}

#[tool_router]
impl McpTools {
    pub fn new(fusionauth: Option<FusionAuthClient>, scopes: ScopeMode) -> Self {
        let mut tool_router = Self::tool_router();
        // tools/list shows every tool with the scopes it needs (see `scopes`).
        for (name, route) in &mut tool_router.map {
            let needs = scopes.required_for(name);
            if !needs.is_empty()
                && let Some(description) = &route.attr.description
            {
                route.attr.description =
                    Some(format!("{description} Needs the scopes: {}.", needs.join(" ")).into());
            }
        }
        Self {
            fusionauth,
            scopes,
            tool_router,
        }
    }

    #[tool(
        name = "get_name",
        description = "Greets the logged-in user by name, as FusionAuth knows them (userinfo)."
    )]
    async fn get_name(
        &self,
        Extension(parts): Extension<Parts>,
    ) -> Result<CallToolResult, ErrorData> {
        if let Some(why) = self.anonymous(&parts) {
            return Ok(text(format!(
                "Hello! {why}, so it does not know who you are."
            )));
        }
        let caller = caller(&parts)?;
        let Some(fusionauth) = &self.fusionauth else {
            return Err(ErrorData::internal_error("no FusionAuth to ask", None));
        };
        // The auth layer answered 403 already; this guards any path around it.
        let missing = self.scopes.missing(GET_NAME, &caller.scopes);
        if !missing.is_empty() {
            return Ok(failure(format!(
                "get_name needs the scopes: {}",
                self.scopes.required_for(GET_NAME).join(" ")
            )));
        }
        match fusionauth.userinfo(caller.token.expose()).await {
            Ok(info) => Ok(text(greeting(&info))),
            Err(error) => {
                tracing::warn!(
                    subject = %caller.subject,
                    "get_name: FusionAuth's userinfo refused or failed: {error}"
                );
                Ok(failure(userinfo_failure(&error)))
            }
        }
    }

    #[tool(
        name = "whoami",
        description = "Shows who the token belongs to: subject, client id, scopes and expiry."
    )]
    async fn whoami(
        &self,
        Extension(parts): Extension<Parts>,
    ) -> Result<CallToolResult, ErrorData> {
        if let Some(why) = self.anonymous(&parts) {
            return Ok(text(
                json!({"authenticated": false, "note": why.to_lowercase()}).to_string(),
            ));
        }
        let caller = caller(&parts)?;
        let claims = Whoami {
            authenticated: true,
            subject: &caller.subject,
            client_id: caller.client_id.as_deref(),
            scopes: &caller.scopes,
            expires_at: caller.expires_at,
            issuer: &caller.issuer,
            audience: &caller.audience,
        };
        let json = serde_json::to_string(&claims)
            .map_err(|e| ErrorData::internal_error(e.to_string(), None))?;
        Ok(text(json))
    }
}

/// `whoami`'s answer, in this field order. Written straight from the verified token rather than
/// built as a JSON tree first: it is the benchmark's call, and every request's copies add up.
#[derive(serde::Serialize)]
struct Whoami<'a> {
    authenticated: bool,
    subject: &'a str,
    client_id: Option<&'a str>,
    scopes: &'a [String],
    expires_at: Option<i64>,
    issuer: &'a str,
    audience: &'a [String],
}

impl McpTools {
    /// Why the caller is anonymous, when the gate let this request through without a token.
    fn anonymous(&self, parts: &Parts) -> Option<&'static str> {
        parts.extensions.get::<Unprotected>()?;
        Some(if self.fusionauth.is_none() {
            "This server runs with --no-auth"
        } else {
            "This server's protection is switched off"
        })
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for McpTools {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("mcp-fa", env!("CARGO_PKG_VERSION")))
            .with_instructions(format!(
                "A FusionAuth-protected MCP server. `{GET_NAME}` greets you by name; `{WHOAMI}` \
                 shows what your token says."
            ))
    }
}

fn caller(parts: &Parts) -> Result<&VerifiedToken, ErrorData> {
    parts
        .extensions
        .get::<Arc<VerifiedToken>>()
        .map(|token| &**token)
        .ok_or_else(|| ErrorData::internal_error("the request carries no verified token", None))
}

/// The tutorial's greeting: given and family name, else the full name, else the e-mail, else
/// the subject.
pub fn greeting(info: &UserInfo) -> String {
    let non_empty = |value: &Option<String>| {
        value
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let given_family = [non_empty(&info.given_name), non_empty(&info.family_name)]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    let name = Some(given_family)
        .filter(|n| !n.is_empty())
        .or_else(|| non_empty(&info.name))
        .or_else(|| non_empty(&info.email))
        .unwrap_or_else(|| info.sub.clone());
    format!("Hello, {name}!")
}

fn userinfo_failure(error: &FusionAuthError) -> String {
    match error {
        FusionAuthError::InvalidToken | FusionAuthError::OAuth { .. } => format!(
            "FusionAuth's userinfo did not accept your token ({error}). It needs the `openid` \
             scope; log in again if the token was revoked."
        ),
        _ => format!("Could not reach FusionAuth's userinfo: {error}"),
    }
}

fn text(message: impl Into<String>) -> CallToolResult {
    CallToolResult::success(vec![ContentBlock::text(message)])
}

fn failure(message: impl Into<String>) -> CallToolResult {
    CallToolResult::error(vec![ContentBlock::text(message)])
}

/// rmcp asks for a fresh handler per session; all share one FusionAuth client.
pub fn factory(
    fusionauth: Option<FusionAuthClient>,
    scopes: ScopeMode,
) -> impl Fn() -> Result<McpTools, std::io::Error> + Send + Sync + 'static {
    let template = Arc::new(McpTools::new(fusionauth, scopes));
    move || Ok((*template).clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(
        given: Option<&str>,
        family: Option<&str>,
        name: Option<&str>,
        email: Option<&str>,
    ) -> UserInfo {
        UserInfo {
            sub: "00000000-0000-0000-0000-000000000001".into(),
            given_name: given.map(Into::into),
            family_name: family.map(Into::into),
            name: name.map(Into::into),
            email: email.map(Into::into),
            ..UserInfo::default()
        }
    }

    #[test]
    fn greeting_falls_back_from_names_to_email_to_subject() {
        assert_eq!(
            greeting(&info(Some("Test"), Some("User"), None, None)),
            "Hello, Test User!"
        );
        assert_eq!(
            greeting(&info(Some("Test"), None, Some("T U"), None)),
            "Hello, Test!"
        );
        assert_eq!(
            greeting(&info(None, None, Some("Full Name"), Some("a@b.c"))),
            "Hello, Full Name!"
        );
        assert_eq!(
            greeting(&info(None, Some(" "), None, Some("a@b.c"))),
            "Hello, a@b.c!"
        );
        assert_eq!(
            greeting(&info(None, None, None, None)),
            "Hello, 00000000-0000-0000-0000-000000000001!"
        );
    }
}
