//! Where the walkthrough got to, per project: `<state dir>/<project>.tutorial.json` beside the
//! stack's state file, mode 0600, written atomically after every change (a temporary file
//! renamed over the old one), so a crash or Ctrl-C never loses more than the step in hand.
//!
//! It owns that file. It must not decide what a step means: it stores ids, and ids of steps that
//! no longer exist are kept out of sight rather than refused. A file it cannot read is an error
//! naming it and `--reset`, never silently replaced.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use super::error::TutorialError;
use crate::state::StateStore;

const FORMAT_VERSION: u32 = 1;

/// How a step ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StepStatus {
    Passed,
    Skipped,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StepRecord {
    pub status: StepStatus,
    /// Unix seconds.
    pub at: u64,
}

/// The saved progress of one project.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Progress {
    #[serde(default)]
    format_version: u32,
    /// The step to show next; `None` before the first run (the first step) or when that step is
    /// gone from this version of mcp-fa.
    pub current: Option<String>,
    /// Every step that ended, by id.
    #[serde(default)]
    pub steps: BTreeMap<String, StepRecord>,
}

impl Progress {
    pub fn status(&self, id: &str) -> Option<StepStatus> {
        self.steps.get(id).map(|record| record.status)
    }

    pub fn mark(&mut self, id: &str, status: StepStatus) {
        self.steps
            .insert(id.to_owned(), StepRecord { status, at: now() });
    }

    /// The index of the step to resume at: the saved current step if it still exists, else the
    /// first step that has not ended, else the first.
    pub fn resume_index(&self, ids: &[&str]) -> usize {
        self.current
            .as_deref()
            .and_then(|current| ids.iter().position(|id| *id == current))
            .or_else(|| ids.iter().position(|id| !self.steps.contains_key(*id)))
            .unwrap_or(0)
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Reads and writes one project's progress file.
#[derive(Debug, Clone)]
pub struct ProgressFile {
    store: StateStore,
    project: String,
}

impl ProgressFile {
    pub fn new(store: &StateStore, project: &str) -> Self {
        Self {
            store: store.clone(),
            project: project.to_owned(),
        }
    }

    pub fn path(&self) -> PathBuf {
        self.store
            .dir()
            .join(format!("{}.tutorial.json", self.project))
    }

    /// The saved progress, or empty progress when there is no file yet.
    pub fn load(&self) -> Result<Progress, TutorialError> {
        let path = self.path();
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Progress::default());
            }
            Err(error) if error.kind() == std::io::ErrorKind::InvalidData => {
                return Err(self.corrupt("it is not UTF-8 text".into()));
            }
            Err(source) => {
                return Err(TutorialError::ProgressIo {
                    action: "read",
                    path,
                    source,
                });
            }
        };
        let progress: Progress =
            serde_json::from_str(&text).map_err(|error| self.corrupt(error.to_string()))?;
        if progress.format_version != FORMAT_VERSION {
            return Err(self.corrupt(format!(
                "format {} is not the {FORMAT_VERSION} this mcp-fa reads",
                progress.format_version
            )));
        }
        Ok(progress)
    }

    fn corrupt(&self, reason: String) -> TutorialError {
        TutorialError::ProgressCorrupt {
            path: self.path(),
            reason,
            project_flag: crate::check::project_flag(&self.project),
        }
    }

    /// Writes `progress` atomically, mode 0600.
    pub fn save(&self, progress: &Progress) -> Result<(), TutorialError> {
        let path = self.path();
        let io = |action: &'static str| {
            let path = path.clone();
            move |source| TutorialError::ProgressIo {
                action,
                path,
                source,
            }
        };
        self.store.ensure_dir()?;
        let mut progress = progress.clone();
        progress.format_version = FORMAT_VERSION;
        let bytes = serde_json::to_vec_pretty(&progress).expect("progress serialises");
        let temporary = self.store.dir().join(format!(
            ".{}.tutorial.json.{}.tmp",
            self.project,
            std::process::id()
        ));
        let written = (|| {
            let mut file = crate::state::private_file(&temporary)?;
            file.write_all(&bytes)?;
            file.write_all(b"\n")?;
            file.sync_all()?;
            std::fs::rename(&temporary, &path)
        })();
        if written.is_err() {
            let _ = std::fs::remove_file(&temporary);
        }
        written.map_err(io("write"))
    }

    /// Forgets the progress (`--reset`); absent is fine. Returns whether there was a file.
    pub fn remove(&self) -> Result<bool, TutorialError> {
        match std::fs::remove_file(self.path()) {
            Ok(()) => Ok(true),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(source) => Err(TutorialError::ProgressIo {
                action: "remove",
                path: self.path(),
                source,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_round_trips_privately_and_reset_forgets_it() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = StateStore::at(dir.path().join("state"));
        let file = ProgressFile::new(&store, "demo");
        assert_eq!(file.load().expect("no file yet"), Progress::default());

        let mut progress = Progress::default();
        progress.mark("prerequisites", StepStatus::Passed);
        progress.mark("fusionauth-running", StepStatus::Skipped);
        progress.current = Some("unprotected-server".into());
        file.save(&progress).expect("save");
        let loaded = file.load().expect("load");
        assert_eq!(loaded.current.as_deref(), Some("unprotected-server"));
        assert_eq!(loaded.status("prerequisites"), Some(StepStatus::Passed));
        assert_eq!(
            loaded.status("fusionauth-running"),
            Some(StepStatus::Skipped)
        );
        assert!(loaded.steps["prerequisites"].at > 1_700_000_000);
        assert_eq!(file.path(), dir.path().join("state/demo.tutorial.json"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(file.path())
                .expect("meta")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // No temporary file is left behind.
        let names: Vec<_> = std::fs::read_dir(store.dir())
            .expect("dir")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names, ["demo.tutorial.json"]);

        assert!(file.remove().expect("reset"));
        assert_eq!(file.load().expect("gone"), Progress::default());
        assert!(!file.remove().expect("absent is fine"));
    }

    #[test]
    fn a_corrupt_file_is_an_error_naming_it_and_reset() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = StateStore::at(dir.path());
        for (project, flag) in [("default", ""), ("other", " --project other")] {
            let file = ProgressFile::new(&store, project);
            std::fs::write(file.path(), "{\"current\": ").expect("write");
            let error = file.load().expect_err("corrupt");
            let message = error.to_string();
            assert!(
                message.contains(&file.path().display().to_string()),
                "{message}"
            );
            assert!(
                message.contains(&format!("mcp-fa tutorial --reset{flag}`")),
                "{message}"
            );
            assert_eq!(error.code(), "TUTORIAL_PROGRESS_CORRUPT");
            // Still there: never silently discarded.
            assert!(file.path().exists());

            std::fs::write(file.path(), [0xff, 0xfe, 0x00]).expect("write");
            assert!(matches!(
                file.load(),
                Err(TutorialError::ProgressCorrupt { .. })
            ));
            std::fs::write(file.path(), "{\"formatVersion\": 9, \"steps\": {}}").expect("write");
            assert!(
                file.load()
                    .expect_err("future")
                    .to_string()
                    .contains("format 9")
            );
        }
    }

    #[test]
    fn resume_ignores_steps_that_no_longer_exist() {
        let ids = ["a", "b", "c"];
        let mut progress = Progress::default();
        assert_eq!(progress.resume_index(&ids), 0);
        progress.current = Some("c".into());
        assert_eq!(progress.resume_index(&ids), 2);
        progress.current = Some("gone".into());
        progress.mark("a", StepStatus::Passed);
        progress.mark("removed-step", StepStatus::Passed);
        assert_eq!(progress.resume_index(&ids), 1, "first step not ended");
        for id in ids {
            progress.mark(id, StepStatus::Passed);
        }
        assert_eq!(progress.resume_index(&ids), 0);
    }
}
