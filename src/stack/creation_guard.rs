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
    pub async fn roll_back(&self, docker: &Docker) -> Vec<String> {
        let created = std::mem::take(&mut *self.created.lock().unwrap_or_else(|e| e.into_inner()));
        let mut removed = Vec::new();
        let rank = |c: &Created| match c {
            Created::Container(_) => 0,
            Created::Network(_) => 1,
            Created::Volume(_) => 2,
        };
        let mut ordered = created;
        ordered.reverse();
        ordered.sort_by_key(rank);
        for object in ordered {
            let (done, name) = match &object {
                Created::Container(name) => (docker.remove_container(name).await, name),
                Created::Network(name) => (docker.remove_network(name).await, name),
                Created::Volume(name) => (docker.remove_volume(name).await, name),
            };
            if done.is_ok() {
                removed.push(name.clone());
            }
        }
        removed
    }
}
