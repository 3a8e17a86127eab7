//! The region of `up` where Ctrl-C, or any failure, must clean up rather than leave a half-made
//! stack: everything created is recorded here, and [`CreationGuard::roll_back`] removes it,
//! newest first. Only what THIS run created is recorded; a kept volume or an existing network
//! is never removed by a failed `up`.

use std::sync::{Arc, Mutex};

use crate::docker::Docker;

#[derive(Debug, Clone)]
enum Created {
    Network(String),
    Volume(String),
    Container(String),
}

impl Created {
    fn name(&self) -> &str {
        match self {
            Created::Network(name) | Created::Volume(name) | Created::Container(name) => name,
        }
    }

    /// Whether Docker still has it. When Docker cannot say, it is taken to be there: trying to
    /// remove it again is harmless, leaving it behind is not.
    async fn present(&self, docker: &Docker) -> bool {
        match self {
            Created::Container(name) => docker.inspect(name).await.map(|c| c.is_some()),
            Created::Network(name) => docker.network_labels(name).await.map(|n| n.is_some()),
            Created::Volume(name) => docker.volume_labels(name).await.map(|v| v.is_some()),
        }
        .unwrap_or(true)
    }

    /// Removes it; whether Docker did.
    async fn remove(&self, docker: &Docker) -> bool {
        match self {
            Created::Container(name) => docker.remove_container(name).await.is_ok(),
            Created::Network(name) => docker.remove_networks_named(name).await.is_ok(),
            Created::Volume(name) => docker.remove_volume(name).await.is_ok(),
        }
    }
}

/// Cheap to clone; clones share the record, so it survives the work future being dropped when
/// Ctrl-C wins the race.
#[derive(Debug, Clone, Default)]
pub struct CreationGuard {
    created: Arc<Mutex<Vec<Created>>>,
}

impl CreationGuard {
    pub fn network(&self, name: &str) {
        self.push(Created::Network(name.to_owned()));
    }

    pub fn volume(&self, name: &str) {
        self.push(Created::Volume(name.to_owned()));
    }

    pub fn container(&self, name: &str) {
        self.push(Created::Container(name.to_owned()));
    }

    fn push(&self, created: Created) {
        self.created
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(created);
    }

    /// Removes what was recorded: containers first (they hold the network and the volume).
    /// Best effort; returns the names removed.
    ///
    /// An interrupt cancels our request, not the daemon's work: a container, network or volume
    /// whose creation was in flight can appear a moment after the first removal found nothing.
    /// So removal is repeated until every recorded object has been seen gone twice in a row,
    /// for at most `SETTLE`.
    pub async fn roll_back(&self, docker: &Docker) -> Vec<String> {
        let created = std::mem::take(&mut *self.created.lock().unwrap_or_else(|e| e.into_inner()));
        let rank = |c: &Created| match c {
            Created::Container(_) => 0,
            Created::Network(_) => 1,
            Created::Volume(_) => 2,
        };
        let mut ordered = created;
        ordered.reverse();
        ordered.sort_by_key(rank);
        let mut removed: Vec<String> = Vec::new();
        let deadline = tokio::time::Instant::now() + SETTLE;
        let mut quiet_rounds = 0;
        while quiet_rounds < 2 && tokio::time::Instant::now() < deadline {
            let mut found_any = false;
            for object in &ordered {
                if !object.present(docker).await {
                    continue;
                }
                found_any = true;
                let name = object.name();
                if object.remove(docker).await && !removed.iter().any(|r| r == name) {
                    removed.push(name.to_owned());
                }
            }
            quiet_rounds = if found_any { 0 } else { quiet_rounds + 1 };
            if quiet_rounds < 2 {
                tokio::time::sleep(std::time::Duration::from_millis(250)).await;
            }
        }
        removed
    }
}

/// How long a roll-back keeps watching for objects whose creation was still in flight.
const SETTLE: std::time::Duration = std::time::Duration::from_secs(3);
