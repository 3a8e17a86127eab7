//! The Docker objects of one project: their names and the labels that mark them as mcp-fa's.

use std::collections::HashMap;

use crate::project::ProjectName;

/// Every object mcp-fa creates carries `dev.mcp-fa.project=<project>`; only objects with it are
/// ever removed.
pub const PROJECT_LABEL: &str = "dev.mcp-fa.project";
/// So Docker Desktop groups a project's containers the way it groups a compose project.
pub const COMPOSE_LABEL: &str = "com.docker.compose.project";
/// What the object is for: `database`, `fusionauth`, `network`, `data`.
pub const ROLE_LABEL: &str = "dev.mcp-fa.role";
/// Hash of the settings a container was created with; a different hash means recreate.
pub const CONFIG_HASH_LABEL: &str = "dev.mcp-fa.config-hash";

/// The names of the Docker objects that belong to a project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project(ProjectName);

impl Project {
    pub fn new(name: ProjectName) -> Self {
        Self(name)
    }

    pub fn name(&self) -> &str {
        self.0.as_str()
    }

    pub fn project_name(&self) -> &ProjectName {
        &self.0
    }

    /// ` --project <name>` for commands shown to the user; empty for the default project.
    pub fn flag(&self) -> String {
        self.0.flag()
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
            (PROJECT_LABEL.to_owned(), self.name().to_owned()),
            (COMPOSE_LABEL.to_owned(), self.name().to_owned()),
            (ROLE_LABEL.to_owned(), role.to_owned()),
        ])
    }

    /// Whether an object's labels say it is ours.
    pub fn owns(&self, labels: &HashMap<String, String>) -> bool {
        labels.get(PROJECT_LABEL).map(String::as_str) == Some(self.name())
    }
}

impl std::fmt::Display for Project {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(name: &str) -> Project {
        Project::new(ProjectName::parse(name).expect("valid"))
    }

    #[test]
    fn names_are_derived_and_labels_tell_ours_apart() {
        let project = project("demo-1");
        assert_eq!(project.fusionauth_container(), "mcp-fa-demo-1-fusionauth");
        assert_eq!(project.network(), "mcp-fa-demo-1");
        assert!(project.owns(&project.labels("database")));
        assert!(!self::project("other").owns(&project.labels("x")));
    }
}
