use std::collections::HashMap;

use super::error::StackError;

/// Every object mcp-fa creates carries `dev.mcp-fa.project=<project>`; only objects with it are
/// ever removed.
pub const PROJECT_LABEL: &str = "dev.mcp-fa.project";
/// So Docker Desktop groups a project's containers the way it groups a compose project.
pub const COMPOSE_LABEL: &str = "com.docker.compose.project";
/// What the object is for: `database`, `fusionauth`, `network`, `data`.
pub const ROLE_LABEL: &str = "dev.mcp-fa.role";
/// Hash of the settings a container was created with; a different hash means recreate.
pub const CONFIG_HASH_LABEL: &str = "dev.mcp-fa.config-hash";

pub const DEFAULT_PROJECT: &str = "default";

/// A validated project name, and the names of the objects that belong to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project(String);

impl Project {
    /// Docker accepts `[a-zA-Z0-9][a-zA-Z0-9_.-]*` for names; a stricter lowercase set keeps
    /// names valid as DNS labels and compose project names too.
    pub fn parse(name: &str) -> Result<Self, StackError> {
        let invalid = |reason| StackError::InvalidProject {
            name: name.to_owned(),
            reason,
        };
        if name.is_empty() {
            return Err(invalid("it is empty"));
        }
        if name.len() > 40 {
            return Err(invalid("it is too long"));
        }
        if !name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        {
            return Err(invalid("it contains other characters"));
        }
        if !name.as_bytes()[0].is_ascii_alphanumeric() {
            return Err(invalid("it does not start with a letter or digit"));
        }
        Ok(Self(name.to_owned()))
    }

    pub fn name(&self) -> &str {
        &self.0
    }

    /// ` --project <name>` for commands shown to the user; empty for the default project.
    pub fn flag(&self) -> String {
        if self.0 == DEFAULT_PROJECT {
            String::new()
        } else {
            format!(" --project {}", self.0)
        }
    }

    pub fn network(&self) -> String {
        format!("mcp-fa-{}", self.0)
    }

    pub fn database_container(&self) -> String {
        format!("mcp-fa-{}-db", self.0)
    }

    pub fn fusionauth_container(&self) -> String {
        format!("mcp-fa-{}-fusionauth", self.0)
    }

    pub fn database_volume(&self) -> String {
        format!("mcp-fa-{}-db", self.0)
    }

    /// The labels for an object of this project with `role`.
    pub fn labels(&self, role: &str) -> HashMap<String, String> {
        HashMap::from([
            (PROJECT_LABEL.to_owned(), self.0.clone()),
            (COMPOSE_LABEL.to_owned(), self.0.clone()),
            (ROLE_LABEL.to_owned(), role.to_owned()),
        ])
    }

    /// Whether an object's labels say it is ours.
    pub fn owns(&self, labels: &HashMap<String, String>) -> bool {
        labels.get(PROJECT_LABEL) == Some(&self.0)
    }
}

impl std::fmt::Display for Project {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_validated_and_derived() {
        let project = Project::parse("demo-1").expect("valid");
        assert_eq!(project.fusionauth_container(), "mcp-fa-demo-1-fusionauth");
        assert_eq!(project.network(), "mcp-fa-demo-1");
        assert!(project.owns(&project.labels("database")));
        assert!(
            !Project::parse("other")
                .expect("valid")
                .owns(&project.labels("x"))
        );
        for bad in ["", "Demo", "-x", "a b", &"x".repeat(41)] {
            assert!(Project::parse(bad).is_err(), "{bad:?}");
        }
    }
}
