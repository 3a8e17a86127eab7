//! `mcp-fa logs [fusionauth|db|mcp] [-f] [--tail N]`: a container's output, copied to a writer.

use std::io::Write;

use futures_util::StreamExt;

use super::error::StackError;
use super::project::Project;
use crate::docker::{Docker, Environment};
use crate::project::ProjectName;
use crate::state::StateStore;

/// Whose log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    Fusionauth,
    Db,
    Mcp,
}

pub async fn logs(
    project: &ProjectName,
    service: Service,
    follow: bool,
    tail: Option<usize>,
    out: &mut (impl Write + Send),
) -> Result<(), StackError> {
    let project = Project::new(project.clone());
    let container = match service {
        Service::Fusionauth => project.fusionauth_container(),
        Service::Db => project.database_container(),
        Service::Mcp => return mcp_logs(&project, follow, tail, out).await,
    };
    let docker = Docker::connect(&Environment::from_process()).await?;
    let owned = docker
        .inspect(&container)
        .await?
        .is_some_and(|info| project.owns(&info.labels));
    if !owned {
        return Err(StackError::NotRunning {
            project: project.project_name().clone(),
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

/// The detached MCP server's log file: the last `tail` lines, then (with `follow`) what is
/// appended, until interrupted.
async fn mcp_logs(
    project: &Project,
    follow: bool,
    tail: Option<usize>,
    out: &mut (impl Write + Send),
) -> Result<(), StackError> {
    use std::io::{Read, Seek, SeekFrom};

    let store = StateStore::from_env()?;
    let path = store.mcp_log_path(project.project_name());
    let no_log = || StackError::NoMcpLogs {
        project: project.name().to_owned(),
        log_file: path.display().to_string(),
    };
    let mut file = std::fs::File::open(&path).map_err(|_| no_log())?;
    let mut text = String::new();
    file.read_to_string(&mut text).map_err(|_| no_log())?;
    let lines: Vec<&str> = text.lines().collect();
    let from = tail.map_or(0, |n| lines.len().saturating_sub(n));
    let write = |out: &mut (dyn Write + Send), text: &str| {
        out.write_all(text.as_bytes())
            .and_then(|()| out.flush())
            .map_err(StackError::Output)
    };
    let mut shown = lines[from..].join("\n");
    if !shown.is_empty() {
        shown.push('\n');
    }
    write(out, &shown)?;
    if !follow {
        return Ok(());
    }
    let mut position = text.len() as u64;
    let interrupted = tokio::signal::ctrl_c();
    tokio::pin!(interrupted);
    loop {
        tokio::select! {
            _ = &mut interrupted => return Ok(()),
            () = tokio::time::sleep(std::time::Duration::from_millis(250)) => {}
        }
        let length = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        if length < position {
            // A new server started and truncated the file: start again from its top.
            position = 0;
        }
        if length > position {
            let mut file = std::fs::File::open(&path).map_err(|_| no_log())?;
            file.seek(SeekFrom::Start(position))
                .map_err(StackError::Output)?;
            let mut chunk = Vec::new();
            file.read_to_end(&mut chunk).map_err(StackError::Output)?;
            position += chunk.len() as u64;
            write(out, &String::from_utf8_lossy(&chunk))?;
        }
    }
}
