//! `stack_removed`: no container of the project is left (its data volumes may be, on purpose).
//! Unattended it is not checked: checking it would mean removing the stack.

use super::context::{CheckContext, DOCKER_TIMEOUT, Mode, REQUEST_TIMEOUT, Verdict, bounded, clip};
use crate::docker::{Docker, Environment};

pub(super) async fn stack_removed(ctx: &CheckContext<'_>) -> Verdict {
    let project_flag = ctx.project.flag();
    if ctx.mode == Mode::Headless {
        return Verdict::manual(
            "not checked unattended: checking it would mean removing the stack",
            vec![format!(
                "`mcp-fa down{project_flag}` removes the containers (`--volumes`: the data too); \
                 `mcp-fa status{project_flag}` then shows them missing."
            )],
        );
    }
    let docker = match bounded(
        DOCKER_TIMEOUT,
        Docker::connect(&Environment::from_process()),
    )
    .await
    {
        Ok(Ok(docker)) => docker,
        Ok(Err(error)) => {
            return Verdict::failed(
                "cannot tell: Docker does not answer",
                vec![clip(&error.to_string())],
            );
        }
        Err(late) => return Verdict::failed("cannot tell: Docker does not answer", vec![late]),
    };
    let label = crate::stack::PROJECT_LABEL;
    let containers = match bounded(
        REQUEST_TIMEOUT,
        docker.containers_labelled(label, ctx.project.as_str()),
    )
    .await
    {
        Ok(Ok(names)) => names,
        Ok(Err(error)) => {
            return Verdict::failed("cannot list the containers", vec![error.to_string()]);
        }
        Err(late) => return Verdict::failed("cannot list the containers", vec![late]),
    };
    if !containers.is_empty() {
        return Verdict::failed(
            format!(
                "{} container(s) of the project \"{}\" remain: {}",
                containers.len(),
                ctx.project,
                containers.join(", ")
            ),
            vec![format!(
                "Fix: `mcp-fa down{project_flag}` stops and removes them; add `--volumes` to \
                 delete FusionAuth's database too (its users and registered clients)."
            )],
        );
    }
    let volumes = bounded(
        REQUEST_TIMEOUT,
        docker.volumes_labelled(label, ctx.project.as_str()),
    )
    .await
    .ok()
    .and_then(Result::ok)
    .unwrap_or_default();
    let mut details = vec![format!(
        "No container labelled {label}={} remains.",
        ctx.project
    )];
    if volumes.is_empty() {
        details.push("No volume remains either: the next `mcp-fa up` starts from scratch.".into());
    } else {
        details.push(format!(
            "The data volume(s) {} are kept, so the next `mcp-fa up{project_flag}` comes back \
             with the same users and clients; `mcp-fa down --volumes{project_flag}` deletes them.",
            volumes.join(", ")
        ));
    }
    Verdict::passed(format!("the stack \"{}\" is removed", ctx.project), details)
}
