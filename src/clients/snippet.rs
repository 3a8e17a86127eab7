//! The configuration each client needs, ready to paste: a command for clients configured from
//! the terminal, a JSON entry (and the file it belongs in) for the others. Package versions are
//! pinned wherever the configuration launches one.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::kind::{ClientKind, INSPECTOR_VERSION, MCP_REMOTE_VERSION};
use super::registration::RegisteredClient;

/// What the snippet depends on besides the client.
pub struct SnippetContext<'a> {
    /// The MCP server's canonical URL, e.g. `http://localhost:8000/mcp`.
    pub server_url: &'a str,
    /// The key the server gets in the client's configuration.
    pub server_name: &'a str,
    /// The user's home directory, for per-user config files.
    pub home: Option<&'a Path>,
    /// The directory `mcp-fa` runs in, for per-project config files (VS Code).
    pub project_dir: &'a Path,
    /// `macos`, `windows` or anything else (Linux and the BSDs).
    pub os: &'a str,
}

/// How to configure one client.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConfigSnippet {
    /// One line saying what to do with `text`.
    pub instructions: String,
    /// The command or JSON to copy.
    pub text: String,
    /// The file the JSON entry belongs in, when there is one (`--write-config` merges it there).
    pub config_path: Option<PathBuf>,
    /// Where in that file the entry goes: the top-level object key (`mcpServers`, `servers`).
    #[serde(skip)]
    pub container_key: Option<&'static str>,
    /// The entry itself, for `--write-config`.
    #[serde(skip)]
    pub entry: Option<Value>,
}

fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}

fn mcp_remote_args(ctx: &SnippetContext<'_>, client: &RegisteredClient) -> Vec<String> {
    let port = client.port.or(client.kind.default_port()).unwrap_or(3334);
    let mut args = vec![
        "-y".to_string(),
        format!("mcp-remote@{MCP_REMOTE_VERSION}"),
        ctx.server_url.to_string(),
        port.to_string(),
        "--static-oauth-client-info".to_string(),
        json!({"client_id": client.client_id}).to_string(),
    ];
    // mcp-remote refuses plain-http servers unless told otherwise.
    if ctx.server_url.starts_with("http://") {
        args.push("--allow-http".to_string());
    }
    args
}

/// Quotes an argument for a POSIX shell.
fn shell_quote(arg: &str) -> String {
    if !arg.is_empty()
        && arg
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:@=".contains(c))
    {
        arg.to_string()
    } else {
        format!("'{}'", arg.replace('\'', "'\\''"))
    }
}

fn command_line(program: &str, args: &[String]) -> String {
    std::iter::once(program.to_string())
        .chain(args.iter().map(|a| shell_quote(a)))
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn claude_desktop_config_path(home: Option<&Path>, os: &str) -> Option<PathBuf> {
    match os {
        "macos" => {
            home.map(|h| h.join("Library/Application Support/Claude/claude_desktop_config.json"))
        }
        "windows" => std::env::var_os("APPDATA")
            .map(PathBuf::from)
            .or_else(|| home.map(|h| h.join("AppData/Roaming")))
            .map(|d| d.join("Claude").join("claude_desktop_config.json")),
        _ => home.map(|h| h.join(".config/Claude/claude_desktop_config.json")),
    }
}

pub fn snippet_for(ctx: &SnippetContext<'_>, client: &RegisteredClient) -> ConfigSnippet {
    let name = ctx.server_name;
    match client.kind {
        ClientKind::ClaudeCode => {
            let port = client.port.or(client.kind.default_port()).unwrap_or_default();
            ConfigSnippet {
                instructions: "Run this once; Claude Code opens your browser to log in on first use.".into(),
                text: command_line(
                    "claude",
                    &[
                        "mcp".into(),
                        "add".into(),
                        "--transport".into(),
                        "http".into(),
                        "--client-id".into(),
                        client.client_id.clone(),
                        "--callback-port".into(),
                        port.to_string(),
                        name.into(),
                        ctx.server_url.into(),
                    ],
                ),
                config_path: None,
                container_key: None,
                entry: None,
            }
        }
        ClientKind::ClaudeDesktop => {
            let entry = json!({"command": "npx", "args": mcp_remote_args(ctx, client)});
            let path = claude_desktop_config_path(ctx.home, ctx.os);
            ConfigSnippet {
                instructions: format!(
                    "Add this under \"mcpServers\" in {}, then restart Claude Desktop.",
                    path.as_deref().map(|p| p.display().to_string()).unwrap_or_else(|| "claude_desktop_config.json".into())
                ),
                text: pretty(&json!({"mcpServers": {name: entry.clone()}})),
                config_path: path,
                container_key: Some("mcpServers"),
                entry: Some(entry),
            }
        }
        ClientKind::Cursor => {
            let entry = json!({"url": ctx.server_url, "auth": {"CLIENT_ID": client.client_id}});
            let path = ctx.home.map(|h| h.join(".cursor/mcp.json"));
            ConfigSnippet {
                instructions: format!(
                    "Add this under \"mcpServers\" in {} (or a project's .cursor/mcp.json), then enable the server in Cursor's MCP settings.",
                    path.as_deref().map(|p| p.display().to_string()).unwrap_or_else(|| "~/.cursor/mcp.json".into())
                ),
                text: pretty(&json!({"mcpServers": {name: entry.clone()}})),
                config_path: path,
                container_key: Some("mcpServers"),
                entry: Some(entry),
            }
        }
        ClientKind::VsCode => {
            let entry = json!({"type": "http", "url": ctx.server_url});
            let path = ctx.project_dir.join(".vscode/mcp.json");
            ConfigSnippet {
                instructions: format!(
                    "Add this under \"servers\" in {}. When VS Code asks for a client id, paste {} and leave the secret empty.",
                    path.display(),
                    client.client_id
                ),
                text: pretty(&json!({"servers": {name: entry.clone()}})),
                config_path: Some(path),
                container_key: Some("servers"),
                entry: Some(entry),
            }
        }
        ClientKind::McpRemote => ConfigSnippet {
            instructions: "Run this; it opens your browser to log in and then speaks MCP on stdio.".into(),
            text: command_line("npx", &mcp_remote_args(ctx, client)),
            config_path: None,
            container_key: None,
            entry: None,
        },
        ClientKind::Inspector => ConfigSnippet {
            instructions: format!(
                "Start the Inspector, choose transport \"Streamable HTTP\", URL {}, and under Authentication enter client id {}. From the terminal, the second line lists the tools.",
                ctx.server_url, client.client_id
            ),
            text: format!(
                "{}\n{}",
                command_line("npx", &["-y".into(), format!("@modelcontextprotocol/inspector@{INSPECTOR_VERSION}")]),
                command_line(
                    "npx",
                    &[
                        "-y".into(),
                        format!("@modelcontextprotocol/inspector@{INSPECTOR_VERSION}"),
                        "--cli".into(),
                        ctx.server_url.into(),
                        "--transport".into(),
                        "http".into(),
                        "--client-id".into(),
                        client.client_id.clone(),
                        "--method".into(),
                        "tools/list".into(),
                    ],
                )
            ),
            config_path: None,
            container_key: None,
            entry: None,
        },
        ClientKind::ClaudeConnector => {
            let secret = match &client.client_secret {
                Some(secret) => secret.expose().to_owned(),
                None => format!(
                    "(not shown: `mcp-fa clients config {} --show-secrets` shows it)",
                    client.name
                ),
            };
            ConfigSnippet {
                instructions: "In claude.ai (or Claude Desktop): Settings → Connectors → Add custom connector. Give it a name and the URL, open \"Advanced settings\" and paste the OAuth Client ID and OAuth Client Secret, then Add, and Connect to log in with your FusionAuth account. Keep the secret as you would a password: whoever has it can act as this connector.".into(),
                text: format!(
                    "Name:                 {name}\nRemote MCP server URL: {}\nOAuth Client ID:      {}\nOAuth Client Secret:  {secret}",
                    ctx.server_url, client.client_id
                ),
                config_path: None,
                container_key: None,
                entry: None,
            }
        }
        ClientKind::Custom => ConfigSnippet {
            instructions: "Configure your client with these values (PKCE S256, no client secret, and the resource parameter on both the authorize and token requests).".into(),
            text: pretty(&json!({
                "server_url": ctx.server_url,
                "client_id": client.client_id,
                "redirect_uris": client.redirect_uris,
                "resource": ctx.server_url,
            })),
            config_path: None,
            container_key: None,
            entry: None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(kind: ClientKind) -> RegisteredClient {
        RegisteredClient {
            name: "c".into(),
            kind,
            client_id: "0f8c3f4a-1111-2222-3333-444455556666".into(),
            redirect_uris: vec![],
            resources: vec![],
            third_party: false,
            scopes: vec![],
            port: kind.default_port(),
            created: true,
            last_login: None,
            created_at: None,
            client_secret: None,
        }
    }

    fn ctx<'a>(home: &'a Path) -> SnippetContext<'a> {
        SnippetContext {
            server_url: "http://localhost:8000/mcp",
            server_name: "fusionauth-mcp",
            home: Some(home),
            project_dir: Path::new("/work/project"),
            os: "linux",
        }
    }

    #[test]
    fn claude_code_gets_the_add_command_with_client_id_and_port() {
        let home = Path::new("/home/u");
        let s = snippet_for(&ctx(home), &client(ClientKind::ClaudeCode));
        assert_eq!(
            s.text,
            "claude mcp add --transport http --client-id 0f8c3f4a-1111-2222-3333-444455556666 --callback-port 3335 fusionauth-mcp http://localhost:8000/mcp"
        );
    }

    #[test]
    fn claude_desktop_bridges_through_pinned_mcp_remote_with_static_client_info() {
        let home = Path::new("/home/u");
        let s = snippet_for(&ctx(home), &client(ClientKind::ClaudeDesktop));
        let entry = s.entry.expect("entry");
        assert_eq!(entry["command"], "npx");
        assert_eq!(
            entry["args"],
            json!([
                "-y",
                format!("mcp-remote@{MCP_REMOTE_VERSION}"),
                "http://localhost:8000/mcp",
                "3334",
                "--static-oauth-client-info",
                "{\"client_id\":\"0f8c3f4a-1111-2222-3333-444455556666\"}",
                "--allow-http"
            ])
        );
        assert_eq!(
            s.config_path.as_deref(),
            Some(Path::new(
                "/home/u/.config/Claude/claude_desktop_config.json"
            ))
        );
        assert_eq!(
            claude_desktop_config_path(Some(home), "macos").as_deref(),
            Some(Path::new(
                "/home/u/Library/Application Support/Claude/claude_desktop_config.json"
            ))
        );
    }

    #[test]
    fn mcp_remote_command_quotes_the_json_for_the_shell() {
        let s = snippet_for(&ctx(Path::new("/h")), &client(ClientKind::McpRemote));
        assert!(s.text.contains("--static-oauth-client-info '{\"client_id\":\"0f8c3f4a-1111-2222-3333-444455556666\"}'"), "{}", s.text);
        assert!(s.text.starts_with(&format!(
            "npx -y mcp-remote@{MCP_REMOTE_VERSION} http://localhost:8000/mcp 3334"
        )));
    }

    #[test]
    fn cursor_and_vscode_entries_name_their_files() {
        let s = snippet_for(&ctx(Path::new("/h")), &client(ClientKind::Cursor));
        assert_eq!(
            s.entry,
            Some(
                json!({"url": "http://localhost:8000/mcp", "auth": {"CLIENT_ID": "0f8c3f4a-1111-2222-3333-444455556666"}})
            )
        );
        assert_eq!(
            s.config_path.as_deref(),
            Some(Path::new("/h/.cursor/mcp.json"))
        );
        let s = snippet_for(&ctx(Path::new("/h")), &client(ClientKind::VsCode));
        assert_eq!(s.container_key, Some("servers"));
        assert_eq!(
            s.config_path.as_deref(),
            Some(Path::new("/work/project/.vscode/mcp.json"))
        );
        assert!(
            s.instructions
                .contains("0f8c3f4a-1111-2222-3333-444455556666")
        );
    }

    #[test]
    fn the_connector_shows_its_secret_only_when_it_has_it() {
        let mut connector = client(ClientKind::ClaudeConnector);
        let hidden = snippet_for(&ctx(Path::new("/h")), &connector);
        assert!(hidden.text.contains("--show-secrets"), "{}", hidden.text);
        assert!(hidden.text.contains("0f8c3f4a-1111-2222-3333-444455556666"));
        assert!(hidden.instructions.contains("Settings → Connectors"));
        assert_eq!(hidden.config_path, None);
        connector.client_secret = Some(crate::fusionauth::Secret::new("connector-secret"));
        let shown = snippet_for(&ctx(Path::new("/h")), &connector);
        assert!(
            shown
                .text
                .contains("OAuth Client Secret:  connector-secret"),
            "{}",
            shown.text
        );
    }
}
