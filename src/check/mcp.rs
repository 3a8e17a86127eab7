//! The MCP calls the self-test and the tutorial's checks make, at the protocol version rmcp
//! prefers ([`PROTOCOL`]).
//!
//! With a token, always through rmcp's MCP client ([`McpClient`]), as a real MCP client calls:
//! an HTTP refusal on the way (401, 403) comes back as a [`Refusal`] with its challenge. Without
//! a token, one raw request ([`call_without_token`]) whose whole HTTP answer is kept: what the
//! challenge chain starts from, and what the tutorial's curl command shows a reader.
//!
//! It must not put a token into an error text (each is scrubbed), or wait without a bound.

use std::time::Duration;

use reqwest::header::{ACCEPT, CONTENT_TYPE, WWW_AUTHENTICATE};
use rmcp::ServiceExt;
use rmcp::model::{CallToolRequestParams, ClientConfig, ProtocolVersion};
use rmcp::service::{RoleClient, RunningService};
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::{
    AuthRequiredError, InsufficientScopeError, StreamableHttpClientTransportConfig,
};
use serde_json::{Value, json};

use super::shared::scrub;
use crate::server::BearerChallenge;

/// The protocol version both kinds of call speak: rmcp's newest, which the server prefers.
pub const PROTOCOL: ProtocolVersion = ProtocolVersion::LATEST;

/// How long one MCP exchange (connecting, listing, one call) may take.
pub const MCP_TIMEOUT: Duration = Duration::from_secs(20);

/// The whole HTTP answer to a request sent without a token.
#[derive(Debug, Clone)]
pub struct RawAnswer {
    pub status: u16,
    /// The `WWW-Authenticate` header, as sent.
    pub challenge: Option<String>,
    /// The JSON-RPC message (from JSON or the first server-sent event carrying one).
    pub message: Option<Value>,
    pub body: String,
}

impl RawAnswer {
    /// The challenge's parameters; empty when there is none.
    pub fn bearer(&self) -> BearerChallenge {
        BearerChallenge::parse(self.challenge.as_deref().unwrap_or_default())
    }

    /// The text of a tool's first content item.
    pub fn tool_text(&self) -> Option<String> {
        self.message
            .as_ref()?
            .pointer("/result/content/0/text")
            .and_then(Value::as_str)
            .map(str::to_owned)
    }

    pub fn is_tool_error(&self) -> bool {
        self.message
            .as_ref()
            .and_then(|m| m.pointer("/result/isError"))
            .and_then(Value::as_bool)
            .unwrap_or(false)
    }
}

/// One self-contained MCP request without a token (no session, no `initialize`: [`PROTOCOL`]
/// carries its version in the request's `_meta` and headers), e.g. `tools/list`, or
/// `tools/call` of `tool`.
pub async fn call_without_token(
    http: &reqwest::Client,
    endpoint: &str,
    method: &str,
    tool: Option<&str>,
) -> Result<RawAnswer, reqwest::Error> {
    let meta = json!({
        "io.modelcontextprotocol/protocolVersion": PROTOCOL.as_str(),
        "io.modelcontextprotocol/clientCapabilities": {},
    });
    let params = match tool {
        Some(name) => json!({"name": name, "arguments": {}, "_meta": meta}),
        None => json!({"_meta": meta}),
    };
    let mut request = http
        .post(endpoint)
        .header(ACCEPT, "application/json, text/event-stream")
        .header(CONTENT_TYPE, "application/json")
        .header("mcp-protocol-version", PROTOCOL.as_str())
        .header("mcp-method", method)
        .body(json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).to_string());
    if let Some(name) = tool {
        request = request.header("mcp-name", name);
    }
    let response = request.send().await?;
    let status = response.status().as_u16();
    let challenge = response
        .headers()
        .get(WWW_AUTHENTICATE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = response.text().await?;
    let message = serde_json::from_str::<Value>(&body).ok().or_else(|| {
        body.lines()
            .filter_map(|line| line.strip_prefix("data:"))
            .filter_map(|data| serde_json::from_str::<Value>(data.trim()).ok())
            .find(|m| m.get("result").is_some() || m.get("error").is_some())
    });
    Ok(RawAnswer {
        status,
        challenge,
        message,
        body,
    })
}

/// The server refused the request with this status and `WWW-Authenticate` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub status: u16,
    pub challenge: String,
}

/// Why an MCP exchange with a token gave no answer.
#[derive(Debug, Clone, thiserror::Error)]
pub enum McpError {
    #[error("no answer within {} s", MCP_TIMEOUT.as_secs())]
    Late,
    /// 401 or 403, with the server's challenge; `message` is rmcp's own account of it.
    #[error("{message}")]
    Refused { refusal: Refusal, message: String },
    /// Anything else, the token taken out.
    #[error("{0}")]
    Failed(String),
}

/// A tool's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolText {
    /// The text of its first content item.
    pub text: String,
    /// The tool said it failed (`isError`).
    pub is_error: bool,
}

/// An MCP client session with a bearer token, through rmcp.
pub struct McpClient {
    service: RunningService<RoleClient, ClientConfig>,
    token: String,
}

impl McpClient {
    /// Connects to `endpoint` with `token` at [`PROTOCOL`].
    pub async fn connect(endpoint: &str, token: &str) -> Result<Self, McpError> {
        let transport = StreamableHttpClientTransport::from_config(
            StreamableHttpClientTransportConfig::with_uri(endpoint.to_owned())
                .auth_header(token.to_owned()),
        );
        let config = ClientConfig::default().with_protocol_version(PROTOCOL);
        let service = tokio::time::timeout(MCP_TIMEOUT, config.serve(transport))
            .await
            .map_err(|_| McpError::Late)?
            .map_err(|error| failed(&error, token))?;
        Ok(Self {
            service,
            token: token.to_owned(),
        })
    }

    /// The names of the server's tools, sorted.
    pub async fn tool_names(&self) -> Result<Vec<String>, McpError> {
        let tools = tokio::time::timeout(MCP_TIMEOUT, self.service.list_all_tools())
            .await
            .map_err(|_| McpError::Late)?
            .map_err(|error| failed(&error, &self.token))?;
        let mut names: Vec<String> = tools.iter().map(|t| t.name.to_string()).collect();
        names.sort();
        Ok(names)
    }

    /// Calls `tool` without arguments.
    pub async fn call(&self, tool: &str) -> Result<ToolText, McpError> {
        let request = CallToolRequestParams::new(tool.to_owned());
        let result = tokio::time::timeout(MCP_TIMEOUT, self.service.call_tool(request))
            .await
            .map_err(|_| McpError::Late)?
            .map_err(|error| failed(&error, &self.token))?;
        let doc = serde_json::to_value(&result).unwrap_or_default();
        Ok(ToolText {
            text: doc["content"][0]["text"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            is_error: result.is_error == Some(true),
        })
    }

    /// Ends the session (best effort: a server already gone has nothing to end).
    pub async fn close(self) {
        let _ = self.service.cancel().await;
    }
}

/// Connects with `token`, calls `tool` once and ends the session.
pub async fn call_once(endpoint: &str, token: &str, tool: &str) -> Result<ToolText, McpError> {
    let client = McpClient::connect(endpoint, token).await?;
    let answer = client.call(tool).await;
    client.close().await;
    answer
}

/// An rmcp error, its text without the token, and the refusal behind it when there is one: rmcp
/// keeps the HTTP answer's status and challenge as typed causes in the error's chain.
fn failed(error: &(dyn std::error::Error + 'static), token: &str) -> McpError {
    let message = scrub(&error.to_string(), token);
    let mut cause = Some(error);
    while let Some(current) = cause {
        let refused = if let Some(refused) = current.downcast_ref::<AuthRequiredError>() {
            Some((401, &refused.www_authenticate_header))
        } else {
            current
                .downcast_ref::<InsufficientScopeError>()
                .map(|refused| (403, &refused.www_authenticate_header))
        };
        if let Some((status, challenge)) = refused {
            let refusal = Refusal {
                status,
                challenge: scrub(challenge, token),
            };
            return McpError::Refused { refusal, message };
        }
        cause = current.source();
    }
    McpError::Failed(message)
}
