//! Where the server's log lines go: handed to a thread of their own that writes them out, so a
//! request's line never waits on the terminal or the disk, and under load one write carries many
//! lines instead of one system call per request.
//!
//! It owns that thread and its buffer. It must not lose or reorder a line: lines are written in
//! the order they were logged. Only the per-request lines are left to the thread; every other
//! line (start-up notes, warnings, "stopping") returns once it is written, as before, so it
//! still comes out before whatever the program prints next. A request waits only when the sink
//! is so slow that a mebibyte of lines is waiting (memory stays bounded, as a blocking write kept
//! it), and [`flush`] lets the server's shutdown wait until everything logged so far is out.

use std::io::Write;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use tracing_subscriber::fmt::MakeWriter;

/// Lines waiting beyond this make the logging request wait for the writer: memory stays bounded
/// when the sink stalls (a paused terminal), as a blocking write kept it before.
const MAX_PENDING: usize = 1024 * 1024;

/// How long [`flush`] waits for a sink that does not take the lines.
const FLUSH_WAIT: Duration = Duration::from_secs(2);

/// A batch written less than this long ago makes the next one wait out the rest: under load one
/// wake-up and one write then carry every line of that stretch. Without it the thread woke for
/// two of every three requests at 20k req/s (its voluntary context switches, from /proc), and a
/// refused request cost 24-32 µs of CPU instead of 18 µs (BENCHMARKS.md). Idle, a line is still
/// written at once; a queued line waits at most this long for its turn.
const LINGER: Duration = Duration::from_millis(1);

/// The target of the per-request lines (`auth`), the only ones not written synchronously.
const QUEUED_TARGET: &str = "mcp_fa::server::request";

#[derive(Default)]
struct State {
    pending: Vec<u8>,
    /// Bytes ever queued, and ever written: a line ending at `queued` is out once `written`
    /// reaches it.
    queued: u64,
    written: u64,
}

struct Shared {
    state: Mutex<State>,
    /// Lines arrived.
    arrived: Condvar,
    /// A batch was taken or written.
    progressed: Condvar,
    /// Written by the thread, or, when it could not start, by each line's writer itself.
    sink: Mutex<Box<dyn Write + Send>>,
    threaded: bool,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // Every statement leaves the buffer whole; a panic elsewhere cannot tear it.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits until the first `upto` bytes ever queued are written, at most [`FLUSH_WAIT`] (a sink
    /// that takes nothing must not hang the program).
    fn wait_written(&self, upto: u64) {
        let mut state = self.lock();
        while state.written < upto {
            let (next, timeout) = self
                .progressed
                .wait_timeout(state, FLUSH_WAIT)
                .unwrap_or_else(|e| e.into_inner());
            state = next;
            if timeout.timed_out() {
                return;
            }
        }
    }
}

/// The [`MakeWriter`] the log layer writes through.
#[derive(Clone)]
pub(super) struct LogWriter {
    shared: Arc<Shared>,
}

/// The running writer, for [`flush`]; one per process, like the subscriber it serves.
static RUNNING: OnceLock<Arc<Shared>> = OnceLock::new();

impl LogWriter {
    /// Starts the thread that writes to `sink`. Should it not start, every line is written where
    /// it is logged, as it was before this writer existed.
    pub fn start<W: Write + Send + 'static>(sink: W) -> Self {
        let shared = |threaded| Shared {
            state: Mutex::default(),
            arrived: Condvar::new(),
            progressed: Condvar::new(),
            sink: Mutex::new(Box::new(sink)),
            threaded,
        };
        let (tx, rx) = std::sync::mpsc::channel::<Arc<Shared>>();
        let started = std::thread::Builder::new()
            .name("mcp-fa-log".into())
            .spawn(move || {
                let Ok(shared) = rx.recv() else {
                    return;
                };
                let mut batch = Vec::new();
                let mut last_write: Option<Instant> = None;
                loop {
                    {
                        let mut state = shared.lock();
                        while state.pending.is_empty() {
                            state = shared
                                .arrived
                                .wait(state)
                                .unwrap_or_else(|e| e.into_inner());
                        }
                        // Under load, let lines gather: see [`LINGER`].
                        if let Some(wait) =
                            last_write.and_then(|at| LINGER.checked_sub(at.elapsed()))
                        {
                            drop(state);
                            std::thread::sleep(wait);
                            state = shared.lock();
                        }
                        std::mem::swap(&mut batch, &mut state.pending);
                    }
                    // Room again for a request waiting on a full buffer.
                    shared.progressed.notify_all();
                    // A failing sink (closed stderr) drops the lines, as a failed write did.
                    let mut sink = shared.sink.lock().unwrap_or_else(|e| e.into_inner());
                    let _ = sink.write_all(&batch).and_then(|()| sink.flush());
                    drop(sink);
                    last_write = Some(Instant::now());
                    shared.lock().written += batch.len() as u64;
                    batch.clear();
                    shared.progressed.notify_all();
                }
            })
            .is_ok();
        let shared = Arc::new(shared(started));
        if started {
            let _ = tx.send(shared.clone());
            let _ = RUNNING.set(shared.clone());
        }
        Self { shared }
    }
}

/// Waits (at most a couple of seconds) until every line logged so far is written.
pub(super) fn flush() {
    if let Some(shared) = RUNNING.get() {
        let queued = shared.lock().queued;
        shared.wait_written(queued);
    }
}

/// One event's writer: the log layer formats a whole line, then writes it here at once.
pub(super) struct Line<'a> {
    shared: &'a Shared,
    /// Return only once the line is written (every line but the per-request ones).
    synchronous: bool,
}

impl Write for Line<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if !self.shared.threaded {
            let mut sink = self.shared.sink.lock().unwrap_or_else(|e| e.into_inner());
            return sink.write_all(buf).map(|()| buf.len());
        }
        let mut state = self.shared.lock();
        while state.pending.len() >= MAX_PENDING {
            state = self
                .shared
                .progressed
                .wait(state)
                .unwrap_or_else(|e| e.into_inner());
        }
        let was_empty = state.pending.is_empty();
        state.pending.extend_from_slice(buf);
        state.queued += buf.len() as u64;
        let end = state.queued;
        drop(state);
        if was_empty {
            self.shared.arrived.notify_one();
        }
        if self.synchronous {
            self.shared.wait_written(end);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for LogWriter {
    type Writer = Line<'a>;

    fn make_writer(&'a self) -> Self::Writer {
        Line {
            shared: &self.shared,
            synchronous: true,
        }
    }

    fn make_writer_for(&'a self, meta: &tracing::Metadata<'_>) -> Self::Writer {
        Line {
            shared: &self.shared,
            synchronous: meta.target() != QUEUED_TARGET,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Default)]
    struct Sink(Arc<Mutex<Vec<u8>>>);

    impl Write for Sink {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("lock").extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_synchronous_line_is_written_when_its_write_returns() {
        let sink = Sink::default();
        let writer = LogWriter::start(sink.clone());
        let mut queued = writer.make_writer();
        queued.synchronous = false;
        queued.write_all(b"request\n").expect("write");
        writer.make_writer().write_all(b"note\n").expect("write");
        assert_eq!(sink.0.lock().expect("lock").as_slice(), b"request\nnote\n");
    }

    #[test]
    fn every_line_arrives_once_and_in_order() {
        let sink = Sink::default();
        let writer = LogWriter::start(sink.clone());
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let writer = writer.clone();
                std::thread::spawn(move || {
                    for i in 0..2000 {
                        let line = format!("thread {t} line {i}\n");
                        // Mostly queued lines, now and then one that waits for itself.
                        let mut out = writer.make_writer();
                        out.synchronous = i % 100 == 0;
                        out.write_all(line.as_bytes()).expect("write");
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().expect("join");
        }
        // `flush` serves the process's first writer; wait on this one's own state instead.
        let queued = writer.shared.lock().queued;
        writer.shared.wait_written(queued);
        let text = String::from_utf8(sink.0.lock().expect("lock").clone()).expect("utf-8");
        assert_eq!(text.lines().count(), 8000);
        for t in 0..4 {
            let prefix = format!("thread {t} line ");
            let order: Vec<usize> = text
                .lines()
                .filter_map(|l| l.strip_prefix(&prefix))
                .map(|n| n.parse().expect("number"))
                .collect();
            assert_eq!(order, (0..2000).collect::<Vec<_>>());
        }
    }
}
