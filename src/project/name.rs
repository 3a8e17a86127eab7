//! The project name: it names the state, lock, progress and log files and every Docker object of
//! the stack, so it is checked where it is parsed (by clap, from `--project` or `MCP_FA_PROJECT`,
//! or from the project file) and carries the ` --project <name>` suffix of suggested commands.

use std::fmt;
use std::str::FromStr;

/// The project used when none is named.
pub const DEFAULT_PROJECT: &str = "default";

/// A project name that is safe as a file name, a Docker object name and a DNS label:
/// lowercase ASCII letters, digits, `-` and `_`, starting with a letter or digit, at most 40
/// characters. Nothing built from it can leave the state directory.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProjectName(String);

/// Why a name is not a project name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "'{name}' is not a project name: {reason} (use lowercase letters, digits, '-' and '_', \
     starting with a letter or digit, at most 40 characters)"
)]
pub struct InvalidProjectName {
    pub name: String,
    pub reason: &'static str,
}

impl ProjectName {
    pub fn parse(name: &str) -> Result<Self, InvalidProjectName> {
        let invalid = |reason| InvalidProjectName {
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

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_default(&self) -> bool {
        self.0 == DEFAULT_PROJECT
    }

    /// ` --project <name>` for a command shown to the user, or nothing for the default project,
    /// so that every suggested command works as printed.
    pub fn flag(&self) -> String {
        if self.is_default() {
            String::new()
        } else {
            format!(" --project {}", self.0)
        }
    }
}

impl Default for ProjectName {
    fn default() -> Self {
        Self(DEFAULT_PROJECT.to_owned())
    }
}

impl FromStr for ProjectName {
    type Err = InvalidProjectName;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Self::parse(name)
    }
}

impl fmt::Display for ProjectName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for ProjectName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// Written as the plain name; read back through the same rule, so a hand-edited state file
/// cannot smuggle a path into the state directory.
impl serde::Serialize for ProjectName {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for ProjectName {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        Self::parse(&name).map_err(serde::de::Error::custom)
    }
}

impl PartialEq<str> for ProjectName {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for ProjectName {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_are_not_safe_file_and_docker_names_are_refused() {
        for good in ["default", "demo-1", "a_b", "9lives"] {
            assert_eq!(ProjectName::parse(good).expect(good).as_str(), good);
        }
        for bad in [
            "",
            "Demo",
            "-x",
            "_x",
            "a b",
            "../x",
            "a/b",
            &"x".repeat(41),
        ] {
            let error = ProjectName::parse(bad).expect_err(bad);
            assert!(
                error.to_string().contains("is not a project name"),
                "{error}"
            );
        }
    }

    #[test]
    fn the_flag_is_left_out_for_the_default_project() {
        assert_eq!(ProjectName::default().flag(), "");
        assert_eq!(
            ProjectName::parse("p2").expect("valid").flag(),
            " --project p2"
        );
    }
}
