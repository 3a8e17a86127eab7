//! What a project is: its name ([`ProjectName`]), and the settings its folder may keep in
//! `mcp-fa.yaml` ([`ProjectFile`]). Both are read here and checked once; every module below the
//! command line takes the checked values.
//!
//! It must not know about Docker, FusionAuth or the command line, nor decide which setting wins
//! (the command layer does: flags, then the project file, then what the project was created
//! with, then the defaults).

mod file;
mod name;

pub use file::{
    DatabaseSection, FusionAuthSection, McpSection, PROJECT_FILE_NAME, ProjectFile,
    ProjectFileError, ScopeChoice, find_project_file,
};
pub use name::{DEFAULT_PROJECT, InvalidProjectName, ProjectName};
