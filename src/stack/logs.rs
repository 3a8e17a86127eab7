//! `mcp-fa logs [fusionauth|db|mcp] [-f] [--tail N]`: a container's output, copied to a writer.

use std::io::Write;

use futures_util::StreamExt;

use super::error::StackError;
use super::project::Project;
use crate::docker::{Docker, Environment};

/// Whose log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    Fusionauth,
    Db,
    Mcp,
}

pub async fn logs(
    project: &str,
    service: Service,
    follow: bool,
    tail: Option<usize>,
    out: &mut (impl Write + Send),
) -> Result<(), StackError> {
    let project = Project::parse(project)?;
    let container = match service {
        Service::Fusionauth => project.fusionauth_container(),
        Service::Db => project.database_container(),
        Service::Mcp => return Err(StackError::NoMcpLogs),
    };
    let docker = Docker::connect(&Environment::from_process()).await?;
    let owned = docker
        .inspect(&container)
        .await?
        .is_some_and(|info| project.owns(&info.labels));
    if !owned {
        return Err(StackError::NotRunning {
            project: project.name().to_owned(),
        });
    }
    let mut stream = Box::pin(docker.logs(&container, follow, tail));
    while let Some(chunk) = stream.next().await {
        let chunk = chunk?;
        out.write_all(chunk.text.as_bytes())
            .and_then(|()| out.flush())
            .map_err(StackError::Output)?;
    }
    Ok(())
}
