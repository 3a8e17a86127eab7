//! The last lines each container wrote, followed from the second it starts, so that a failure can
//! be explained with what the container said, and a failed kickstart is noticed the moment
//! FusionAuth logs it (see `kickstart_log`) rather than when the deadline passes.
//!
//! The output is read by attaching to the container before it starts, not through `docker logs`:
//! the log driver drops what it cannot store, and on a full disk the line that says so is exactly
//! the one it cannot store.
//!
//! Lines are kept as the container wrote them, secrets included: whoever shows them redacts.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt;

use super::kickstart_log::{KickstartFailure, KickstartLog};
use crate::docker::{Docker, DockerError, LogChunk};

const CAPACITY: usize = 400;
/// How long after a kickstart failure's first line its remaining parts (FusionAuth's error
/// response comes as a second log record) are waited for before it is reported as it stands.
const KICKSTART_SETTLE: Duration = Duration::from_secs(3);

/// A ring buffer of one container's log lines, filled by a background task.
#[derive(Clone, Default)]
pub struct LogBuffer {
    inner: Arc<Mutex<Inner>>,
}

#[derive(Default)]
struct Inner {
    lines: VecDeque<String>,
    partial: String,
    kickstart: KickstartLog,
    /// The container's output ended (it stopped): nothing more will arrive.
    ended: bool,
}

impl LogBuffer {
    /// Adds a chunk of output; chunks need not end at line breaks.
    pub fn push(&self, chunk: &str) {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.partial.push_str(chunk);
        while let Some(end) = inner.partial.find('\n') {
            let line: String = inner.partial.drain(..=end).collect();
            let line = line.trim_end_matches(['\n', '\r']).to_owned();
            inner.record(line);
        }
    }

    /// The last `count` complete lines (and any unterminated one), oldest first.
    pub fn last(&self, count: usize) -> Vec<String> {
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let mut lines: Vec<String> = inner
            .lines
            .iter()
            .skip(inner.lines.len().saturating_sub(count))
            .cloned()
            .collect();
        if !inner.partial.is_empty() {
            lines.push(inner.partial.clone());
        }
        lines
    }

    /// The kickstart failure FusionAuth logged, once it has logged all of it (or a moment has
    /// passed since its first line).
    pub fn kickstart_failure(&self) -> Option<KickstartFailure> {
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.kickstart.failure(KICKSTART_SETTLE)
    }

    /// Attaches to `container`, which must not have started yet, so that its first line is
    /// read too, and reads its output into this buffer until it stops; the task ends with the
    /// container. `None` when Docker refused the attach: then [`LogBuffer::follow`] it once
    /// started.
    pub async fn attach(&self, docker: &Docker, container: &str) -> Option<FollowTask> {
        let stream = docker.attach_output(container).await.ok()?;
        Some(self.read(stream))
    }

    /// Follows `container`'s log (through the log driver) into this buffer until the container
    /// stops or the task is aborted.
    pub fn follow(&self, docker: &Docker, container: &str) -> FollowTask {
        self.read(docker.logs(container, true, None))
    }

    fn read(
        &self,
        stream: impl futures_util::Stream<Item = Result<LogChunk, DockerError>> + Send + 'static,
    ) -> FollowTask {
        let buffer = self.clone();
        FollowTask(tokio::spawn(async move {
            let mut stream = Box::pin(stream);
            while let Some(Ok(chunk)) = stream.next().await {
                buffer.push(&chunk.text);
            }
            buffer.inner.lock().unwrap_or_else(|e| e.into_inner()).ended = true;
        }))
    }

    /// Waits until the output has ended, for at most `within`: a container that has exited
    /// may still have its last lines on their way here.
    pub async fn settled(&self, within: Duration) {
        let deadline = tokio::time::Instant::now() + within;
        while !self.inner.lock().unwrap_or_else(|e| e.into_inner()).ended
            && tokio::time::Instant::now() < deadline
        {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Inner {
    fn record(&mut self, line: String) {
        self.kickstart.feed(&line);
        if self.lines.len() == CAPACITY {
            self.lines.pop_front();
        }
        self.lines.push_back(line);
    }
}

/// The background task following a container's log; aborted when dropped.
pub struct FollowTask(tokio::task::JoinHandle<()>);

impl Drop for FollowTask {
    fn drop(&mut self) {
        self.0.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_split_across_chunks_and_capped() {
        let buffer = LogBuffer::default();
        buffer.push("one\ntw");
        buffer.push("o\nthree");
        assert_eq!(buffer.last(10), ["one", "two", "three"]);
        for i in 0..1000 {
            buffer.push(&format!("line {i}\n"));
        }
        let last = buffer.last(2);
        assert_eq!(last, ["line 998", "line 999"]);
    }

    #[test]
    fn a_failed_kickstart_request_is_caught_with_fusionauths_answer() {
        let buffer = LogBuffer::default();
        buffer.push("INFO starting\n");
        assert_eq!(buffer.kickstart_failure(), None);
        buffer.push(
            "ERROR KickstartRunner - Failed to execute request to [POST][/api/user] Status [400]\n\
             Request body:\n{\"user\":{}}\nERROR KickstartRunner - Error response:\n\
             {\"generalErrors\":[{\"code\":\"[blank]user\",",
        );
        assert_eq!(buffer.kickstart_failure(), None, "the answer is incomplete");
        buffer.push("\"message\":\"m\"}]}\nINFO stopped\n");
        let failure = buffer.kickstart_failure().expect("caught");
        let text = failure.to_string();
        assert!(text.contains("[POST][/api/user] Status [400]"), "{text}");
        assert!(text.contains("[blank]user (m)"), "{text}");
    }
}
