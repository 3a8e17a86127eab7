//! `mcp-fa status`: what is running, where, and how to log in, as text, one JSON document, or
//! `KEY=value` lines for a `.env` file. Secrets appear only with `--show-secrets`.

use super::output::{print_report, print_text};
use super::settings::project_name;
use crate::cli::{StatusArgs, StatusFormat};
use crate::error::Error;
use crate::stack::StatusReport;

pub async fn run(args: &StatusArgs) -> Result<(), Error> {
    let project = project_name(args.project.project.as_ref())?;
    let report = crate::stack::status(&project, args.show_secrets).await?;
    match args.output {
        StatusFormat::Json => print_report(&report),
        StatusFormat::Env => print_text(&env_lines(&report)),
        StatusFormat::Pretty => print_text(&render(&report)),
    }
}

fn render(report: &StatusReport) -> String {
    let flag = report.project.flag();
    let mut text = format!(
        "Project {}: {}\n",
        report.project,
        if report.running {
            "running"
        } else {
            "not running"
        }
    );
    for container in &report.containers {
        let health = container
            .health
            .as_deref()
            .map(|h| format!(", {h}"))
            .unwrap_or_default();
        text.push_str(&format!(
            "  {:<11} {} ({}{health})\n",
            container.service, container.name, container.state
        ));
    }
    if let Some(status) = &report.fusionauth_status {
        text.push_str(&format!("  FusionAuth status: {status}\n"));
    }
    let field = |label: &str, value: &Option<String>| {
        value
            .as_ref()
            .map(|v| format!("  {label:<13} {v}\n"))
            .unwrap_or_default()
    };
    text.push_str(&field("FusionAuth:", &report.fusionauth_url));
    text.push_str(&field("Issuer:", &report.issuer));
    text.push_str(&field("MCP endpoint:", &report.mcp_server_url));
    if let Some(server) = &report.mcp_server {
        let protection = match server.protected {
            Some(true) => ", protected",
            Some(false) => ", UNPROTECTED (a walkthrough step before protection is on)",
            None => "",
        };
        let line = match (server.mode, server.pid) {
            ("detached", Some(pid)) => {
                format!("running in the background (pid {pid}){protection}")
            }
            ("foreground", Some(pid)) => {
                format!("running: `mcp-fa up` in a terminal (pid {pid}){protection}")
            }
            ("serve", Some(pid)) => format!("running: `mcp-fa serve` (pid {pid}){protection}"),
            ("walkthrough", Some(pid)) => {
                format!("running: `mcp-fa tutorial` (pid {pid}){protection}")
            }
            ("external", _) => "something mcp-fa did not start answers on the MCP port".to_owned(),
            _ => format!(
                "not running (`mcp-fa up --detach{flag}` or `mcp-fa serve{flag}` starts it)"
            ),
        };
        text.push_str(&format!("  {:<13} {line}\n", "MCP server:"));
    }
    for user in &report.users {
        let password = user
            .password
            .as_deref()
            .map(|p| format!(" / {p}"))
            .unwrap_or_default();
        text.push_str(&format!(
            "  {:<13} {}{password}\n",
            format!("{} user:", user.role),
            user.email
        ));
    }
    if let Some(key) = &report.api_key {
        text.push_str(&format!("  API key:      {key}\n"));
    }
    if report.state_saved && report.clients.is_empty() {
        text.push_str(&format!(
            "  clients:      none registered (`mcp-fa clients add{flag}`)\n"
        ));
    }
    for client in &report.clients {
        text.push_str(&format!(
            "  client:       {} ({}) client id {}\n",
            client.name,
            client.kind.as_deref().unwrap_or("kind unknown"),
            client.client_id
        ));
    }
    if !report.state_saved {
        text.push_str(&format!("  No state file ({}).\n", report.state_file));
    } else if !report.secrets_shown {
        text.push_str("  (passwords and the API key: add --show-secrets)\n");
    }
    text
}

/// `KEY=value` lines for a `.env` file.
fn env_lines(report: &StatusReport) -> String {
    let mut lines = Vec::new();
    let mut push = |key: &str, value: Option<&str>| {
        if let Some(value) = value {
            lines.push(format!("{key}={}", quote(value)));
        }
    };
    push("MCP_FA_PROJECT", Some(report.project.as_str()));
    push("FUSIONAUTH_URL", report.fusionauth_url.as_deref());
    push("FUSIONAUTH_ISSUER", report.issuer.as_deref());
    push("MCP_SERVER_URL", report.mcp_server_url.as_deref());
    for user in &report.users {
        let prefix = if user.role == "admin" {
            "FUSIONAUTH_ADMIN"
        } else {
            "FUSIONAUTH_DEMO_USER"
        };
        push(&format!("{prefix}_EMAIL"), Some(&user.email));
        push(&format!("{prefix}_PASSWORD"), user.password.as_deref());
    }
    push("FUSIONAUTH_API_KEY", report.api_key.as_deref());
    if !report.secrets_shown && report.state_saved {
        lines.push("# secrets (FUSIONAUTH_API_KEY, passwords) left out: add --show-secrets".into());
    }
    let mut text = lines.join("\n");
    text.push('\n');
    text
}

/// Quotes a value for `.env` files when it has characters shells or dotenv parsers treat
/// specially.
fn quote(value: &str) -> String {
    if value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_./:@".contains(c))
    {
        value.to_owned()
    } else {
        format!("'{}'", value.replace('\'', "'\\''"))
    }
}
