//! `mcp-fa check`: the headless end-to-end self-test of a running stack.

use crate::cli::CheckArgs;
use crate::error::Error;

pub async fn run(args: &CheckArgs) -> Result<(), Error> {
    Ok(crate::tutorial::check_command(args).await?)
}
