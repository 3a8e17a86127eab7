//! `mcp-fa logs [fusionauth|db|mcp] [-f] [--tail N]`: a container's output, or the background
//! MCP server's log, copied to standard output as it is (see [`crate::stack::logs`]).

use super::settings::project_name;
use crate::cli::{LogService, LogsArgs};
use crate::error::Error;
use crate::stack::Service;

pub async fn run(args: &LogsArgs) -> Result<(), Error> {
    let service = match args.service {
        LogService::Fusionauth => Service::Fusionauth,
        LogService::Db => Service::Db,
        LogService::Mcp => Service::Mcp,
    };
    let project = project_name(args.project.project.as_ref())?;
    let mut out = std::io::stdout();
    crate::stack::logs(&project, service, args.follow, args.tail, &mut out).await?;
    Ok(())
}
