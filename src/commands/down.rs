//! `mcp-fa down [--volumes]`: the stack removed (see [`crate::stack::down`]) and what was done
//! said, as text or one JSON document.

use super::output::{print_report, print_text};
use super::settings::project_name;
use crate::cli::DownArgs;
use crate::error::Error;
use crate::stack::DownReport;
use crate::state::StateStore;

pub async fn run(args: &DownArgs) -> Result<(), Error> {
    let project = &project_name(args.project.project.as_ref())?;
    let _lock = StateStore::from_env()?
        .lock(project, crate::state::LOCK_WAIT)
        .await?;
    let report = crate::stack::down(project, args.volumes).await?;
    if args.json {
        print_report(&report)
    } else {
        print_text(&render(&report))
    }
}

fn render(report: &DownReport) -> String {
    let mut text = String::new();
    if let Some(pid) = report.stopped_mcp_server {
        text.push_str(&format!("Stopped the MCP server (pid {pid}).\n"));
    }
    if report.removed_containers.is_empty() && report.removed_networks.is_empty() {
        text.push_str(&format!(
            "Nothing was running for project {}.\n",
            report.project
        ));
    } else {
        text.push_str(&format!(
            "Stopped project {}: removed {}.\n",
            report.project,
            report
                .removed_containers
                .iter()
                .chain(&report.removed_networks)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if !report.removed_volumes.is_empty() {
        text.push_str(&format!(
            "Deleted the data: {}.\n",
            report.removed_volumes.join(", ")
        ));
    }
    if report.state_file_removed {
        text.push_str(&format!("Removed the state file {}.\n", report.state_file));
    }
    if !report.kept_volumes.is_empty() {
        text.push_str(&format!(
            "Kept the data ({}): the next `mcp-fa up` reuses it. Delete it with `mcp-fa down{} \
             --volumes`.\n",
            report.kept_volumes.join(", "),
            report.project.flag()
        ));
    }
    text
}
