//! What `mcp-fa check` found: each hop in order, with its time, what it saw, and for a failed
//! hop what it expected, what came back and what to do. The engine hands each hop over as it
//! ends (so a caller can show progress) and the whole [`Report`] at the end.
//!
//! It must not print or format for a terminal: that is the command's.

use std::future::Future;
use std::time::{Duration, Instant};

use super::error::SelfTestError;
use crate::project::ProjectName;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HopStatus {
    Ok,
    Fail,
    /// Not run: an earlier hop failed.
    Skip,
}

/// Why a hop failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HopFailure {
    /// The hop's own stable code (e.g. `LOGIN_REJECTED`).
    pub code: &'static str,
    pub expected: String,
    pub got: String,
    pub fix: String,
}

impl HopFailure {
    pub(super) fn new(
        code: &'static str,
        expected: impl Into<String>,
        got: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Self {
            code,
            expected: expected.into(),
            got: got.into(),
            fix: fix.into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hop {
    pub name: &'static str,
    pub status: HopStatus,
    /// How long it took; `None` when it did not run (or was interrupted).
    pub elapsed: Option<Duration>,
    /// What it saw (for a failed hop: what came back).
    pub detail: String,
    pub failure: Option<HopFailure>,
}

/// Every hop of one run, in order.
#[derive(Debug, Clone)]
pub struct Report {
    pub project: ProjectName,
    pub hops: Vec<Hop>,
    pub elapsed: Duration,
}

impl Report {
    /// The hop that failed, if one did.
    pub fn failed(&self) -> Option<&Hop> {
        self.hops.iter().find(|hop| hop.status == HopStatus::Fail)
    }

    pub fn passed(&self) -> usize {
        self.hops
            .iter()
            .filter(|hop| hop.status == HopStatus::Ok)
            .count()
    }

    /// The run's outcome as an error: the failed hop, or nothing when every hop passed.
    pub fn error(&self) -> Option<SelfTestError> {
        self.failed().map(|hop| {
            let failure = hop.failure.as_ref();
            SelfTestError::HopFailed {
                hop: hop.name.to_owned(),
                cause: failure.map_or("CHECK_FAILED", |f| f.code),
                got: failure.map_or_else(|| hop.detail.clone(), |f| f.got.clone()),
            }
        })
    }
}

/// Collects the hops, handing each to `on_hop` as it ends.
pub(super) struct Recorder<'a> {
    pub(super) started: Instant,
    pub(super) hops: Vec<Hop>,
    on_hop: &'a mut (dyn FnMut(&Hop) + Send),
}

impl<'a> Recorder<'a> {
    pub(super) fn new(on_hop: &'a mut (dyn FnMut(&Hop) + Send)) -> Self {
        Self {
            started: Instant::now(),
            hops: Vec::new(),
            on_hop,
        }
    }

    /// Runs one hop, timing it: its value, or `None` when it failed (recorded either way).
    pub(super) async fn hop<T>(
        &mut self,
        name: &'static str,
        work: impl Future<Output = Result<(T, String), HopFailure>>,
    ) -> Option<T> {
        let started = Instant::now();
        let result = work.await;
        let elapsed = Some(started.elapsed());
        let (value, hop) = match result {
            Ok((value, detail)) => (
                Some(value),
                Hop {
                    name,
                    status: HopStatus::Ok,
                    elapsed,
                    detail,
                    failure: None,
                },
            ),
            Err(failure) => (
                None,
                Hop {
                    name,
                    status: HopStatus::Fail,
                    elapsed,
                    detail: failure.got.clone(),
                    failure: Some(failure),
                },
            ),
        };
        self.push(hop);
        value
    }

    pub(super) fn skip(&mut self, name: &'static str) {
        self.push(Hop {
            name,
            status: HopStatus::Skip,
            elapsed: None,
            detail: String::new(),
            failure: None,
        });
    }

    pub(super) fn push(&mut self, hop: Hop) {
        (self.on_hop)(&hop);
        self.hops.push(hop);
    }

    pub(super) fn finish(self, project: &ProjectName) -> Report {
        Report {
            project: project.to_owned(),
            elapsed: self.started.elapsed(),
            hops: self.hops,
        }
    }
}
