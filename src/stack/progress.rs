//! What `up` says while it works, as calls on a [`Progress`] the caller hands in: one line per
//! step, and the events of each image pull. This module decides what is said, never how it
//! looks or where it goes (the command layer draws bars on a terminal, plain lines elsewhere,
//! nothing with `--json`).

use crate::docker::PullEvent;

/// Where `up` reports what it is doing.
pub trait Progress: Sync {
    /// One step, in a few words (`starting the database (postgres:16)`).
    fn step(&self, message: &str);

    /// An image pull starts; its events and then its outcome go to what this returns.
    fn pull(&self, image: &str) -> Box<dyn PullProgress + '_>;
}

/// One image's pull, as Docker reports it.
pub trait PullProgress: Send {
    fn event(&mut self, event: PullEvent);

    /// `done` or `failed`.
    fn finish(self: Box<Self>, outcome: &str);
}

/// Says nothing: for callers that only want the result (tests, `--json`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Silent;

impl Progress for Silent {
    fn step(&self, _message: &str) {}

    fn pull(&self, _image: &str) -> Box<dyn PullProgress + '_> {
        Box::new(Silent)
    }
}

impl PullProgress for Silent {
    fn event(&mut self, _event: PullEvent) {}

    fn finish(self: Box<Self>, _outcome: &str) {}
}
