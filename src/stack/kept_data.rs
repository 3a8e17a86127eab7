//! What a kept database fixes for good: the ports its tenant's issuer and login pages name, and
//! the major versions its data was written by. `up` on kept data asking for others is refused
//! before anything changes.

use super::error::StackError;
use super::plan::StackPlan;
use crate::state::StackState;

/// A kept database was created for one FusionAuth URL, one tenant's issuer (the MCP server's
/// origin, so its port, for stacks made for the registration bridge; FusionAuth's URL before)
/// and one PostgreSQL major version (the data directory's format): a run asking for another is
/// refused before anything changes, with the two ways forward.
pub(super) fn refuse_changes(state: &StackState, plan: &StackPlan) -> Result<(), StackError> {
    let refuse = |setting: &'static str, kept: String, asked: String, flag: &'static str| {
        StackError::KeptDataSetting {
            project: state.project.clone(),
            setting,
            kept,
            asked,
            flag,
        }
    };
    if state.fusionauth_port != plan.fusionauth_port {
        return Err(refuse(
            if state.issuer.is_none() {
                "FusionAuth port (part of the tenant's issuer)"
            } else {
                "FusionAuth port (where its login pages and tokens are)"
            },
            state.fusionauth_port.to_string(),
            plan.fusionauth_port.to_string(),
            "--fusionauth-port",
        ));
    }
    // Stacks made for the registration bridge have the MCP server's origin as their issuer.
    if state.issuer.is_some() && state.mcp_port != plan.mcp_port {
        return Err(refuse(
            "MCP port (part of the tenant's issuer)",
            state.mcp_port.to_string(),
            plan.mcp_port.to_string(),
            "--mcp-port",
        ));
    }
    for (setting, kept, asked, flag) in [
        (
            "PostgreSQL major version",
            &state.postgres_image,
            &plan.postgres_image,
            "--postgres-image",
        ),
        (
            "FusionAuth major version",
            &state.fusionauth_image,
            &plan.fusionauth_image,
            "--fusionauth-image",
        ),
    ] {
        if let (Some(before), Some(after)) = (major_version(kept), major_version(asked))
            && before != after
        {
            return Err(refuse(setting, kept.clone(), asked.clone(), flag));
        }
    }
    Ok(())
}

/// The major version an image's tag names (`postgres:16.9-alpine` → 16, `1.69.3` → 1), when
/// it names one: digits, then the end or a `.`, `-` or `_`. `latest`, a digest or a hash-like
/// tag (`34bb58cd`) names none, and is never refused on these grounds.
fn major_version(image: &str) -> Option<u32> {
    let image = image.split_once('@').map_or(image, |(name, _)| name);
    let tag = image.rsplit_once(':')?.1;
    if tag.contains('/') {
        // A registry port, not a tag: `localhost:5000/fusionauth`.
        return None;
    }
    let digits: String = tag.chars().take_while(char::is_ascii_digit).collect();
    match tag[digits.len()..].chars().next() {
        None | Some('.' | '-' | '_') => digits.parse().ok(),
        Some(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::ProjectName;
    use crate::stack::plan::UpOptions;
    use crate::stack::project::Project;

    fn plan(fusionauth_port: u16, mcp_port: u16) -> StackPlan {
        let project = ProjectName::parse("demo").expect("valid");
        let mut options = UpOptions::new(project.clone());
        options.fusionauth_port = fusionauth_port;
        options.mcp_port = mcp_port;
        options.fusionauth_image = "fusionauth/fusionauth-app:1.69.0".into();
        options.postgres_image = "postgres:16.9-bookworm".into();
        StackPlan::new(Project::new(project), &options)
    }

    #[test]
    fn a_bridge_stack_keeps_its_mcp_port_an_older_one_only_its_fusionauth_port() {
        let bridge = StackState::sample();
        assert!(refuse_changes(&bridge, &plan(9011, 8000)).is_ok());
        let moved = refuse_changes(&bridge, &plan(9011, 8001)).expect_err("issuer port");
        assert_eq!(moved.code(), "KEPT_DATA_CONFLICT");
        let message = moved.to_string();
        assert!(
            message.contains("MCP port (part of the tenant's issuer)")
                && message.contains("--mcp-port"),
            "{message}"
        );
        let older = StackState {
            issuer: None,
            ..StackState::sample()
        };
        assert!(
            refuse_changes(&older, &plan(9011, 8001)).is_ok(),
            "its issuer is FusionAuth's"
        );
        let message = refuse_changes(&older, &plan(9012, 8000))
            .expect_err("issuer port")
            .to_string();
        assert!(message.contains("part of the tenant's issuer"), "{message}");
        let major = refuse_changes(
            &bridge,
            &StackPlan {
                postgres_image: "postgres:17.1".into(),
                ..plan(9011, 8000)
            },
        );
        assert!(major.is_err(), "a PostgreSQL major version is fixed too");
    }

    #[test]
    fn major_versions_are_read_from_version_tags_only() {
        assert_eq!(major_version("postgres:16.9-alpine"), Some(16));
        assert_eq!(major_version("postgres:17"), Some(17));
        assert_eq!(major_version("fusionauth/fusionauth-app:1.69.3"), Some(1));
        assert_eq!(major_version("registry:5000/postgres:16.2"), Some(16));
        assert_eq!(
            major_version("mcp-fa-test/postgres-standin:34bb58cd4da1"),
            None
        );
        assert_eq!(major_version("postgres:latest"), None);
        assert_eq!(major_version("postgres"), None);
        assert_eq!(major_version("localhost:5000/postgres"), None);
        assert_eq!(major_version("postgres@sha256:abc"), None);
    }
}
