//! `mcp-fa check`: the headless end-to-end self-test of a running stack.

use super::settings::project_name;
use crate::cli::CheckArgs;
use crate::error::Error;

pub async fn run(args: &CheckArgs) -> Result<(), Error> {
    let mut args = args.clone();
    args.project.project = Some(project_name(args.project.project.as_ref())?);
    Ok(crate::tutorial::check_command(&args).await?)
}
