//! The record of calls to `/mcp`: what the gate decided for each request, kept in memory so the
//! tutorial can tell whether the user's MCP client reached the server, and how it was answered.
//!
//! It owns the bounded list and its sequence numbers. It must not hold a token or anything
//! derived from its signature: a record carries only what the gate's log line already shows
//! (client id, subject, method, tools, outcome, status) and a rejection's text.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

/// How many records are kept; older ones are dropped first.
pub const CALL_LOG_CAPACITY: usize = 1000;

/// Callers choose method and tool names: a record keeps a bounded part of them, so a thousand
/// records of a hostile client's batches stay small.
const MAX_TOOLS: usize = 16;
const MAX_NAME_CHARS: usize = 128;
const MAX_METHOD_CHARS: usize = 256;

/// What the gate decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallOutcome {
    /// Protection off: answered without looking for a token.
    ServedUnprotected,
    /// A verified token whose scopes suffice.
    Served,
    /// No bearer token: 401 without `error=`.
    NoToken,
    /// 401 `invalid_token`; `reason` is the rejection's text (never the token).
    InvalidToken { reason: String },
    /// 403 `insufficient_scope`, with the scopes the token lacks.
    InsufficientScope { missing: Vec<String> },
    /// 403 from the Origin check (DNS-rebinding protection).
    ForbiddenOrigin,
}

/// One request to `/mcp`.
#[derive(Debug, Clone)]
pub struct CallRecord {
    /// 1, 2, 3, … per server.
    pub seq: u64,
    pub at: SystemTime,
    /// From the verified token.
    pub client_id: Option<String>,
    /// From the verified token.
    pub subject: Option<String>,
    /// JSON-RPC method(s) (`tools/call`, `initialize`, comma separated for a batch), else the
    /// HTTP method.
    pub method: String,
    /// The tools called.
    pub tools: Vec<String>,
    pub outcome: CallOutcome,
    pub status: u16,
}

#[derive(Default)]
struct Records {
    last_seq: u64,
    kept: VecDeque<CallRecord>,
}

/// The server's record of calls: bounded (the last [`CALL_LOG_CAPACITY`]), cheap to clone (every
/// clone sees the same records).
#[derive(Clone, Default)]
pub struct CallLog {
    records: Arc<Mutex<Records>>,
}

/// What the gate knows when it records a call; the log adds `seq` and `at`.
pub(crate) struct NewCall<'a> {
    pub client_id: Option<&'a str>,
    pub subject: Option<&'a str>,
    pub method: &'a str,
    pub tools: &'a [String],
    pub outcome: CallOutcome,
    pub status: u16,
}

impl CallLog {
    pub fn new() -> Self {
        Self::default()
    }

    /// The sequence number of the latest call; 0 before any call.
    pub fn last_seq(&self) -> u64 {
        self.lock().last_seq
    }

    /// The records with a sequence number above `seq`, oldest first (those still kept).
    pub fn since(&self, seq: u64) -> Vec<CallRecord> {
        self.lock()
            .kept
            .iter()
            .filter(|record| record.seq > seq)
            .cloned()
            .collect()
    }

    pub(crate) fn record(&self, call: NewCall<'_>) -> u64 {
        let mut records = self.lock();
        records.last_seq += 1;
        let seq = records.last_seq;
        if records.kept.len() == CALL_LOG_CAPACITY {
            records.kept.pop_front();
        }
        records.kept.push_back(CallRecord {
            seq,
            at: SystemTime::now(),
            client_id: call.client_id.map(str::to_owned),
            subject: call.subject.map(str::to_owned),
            method: bounded(call.method, MAX_METHOD_CHARS),
            tools: call
                .tools
                .iter()
                .take(MAX_TOOLS)
                .map(|tool| bounded(tool, MAX_NAME_CHARS))
                .collect(),
            outcome: call.outcome,
            status: call.status,
        });
        seq
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Records> {
        // A panic while holding the lock leaves whole records behind; keep using them.
        self.records.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn bounded(text: &str, max_chars: usize) -> String {
    text.chars().take(max_chars).collect()
}

impl std::fmt::Debug for CallLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallLog")
            .field("last_seq", &self.last_seq())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(log: &CallLog, method: &str) -> u64 {
        log.record(NewCall {
            client_id: None,
            subject: None,
            method,
            tools: &[],
            outcome: CallOutcome::NoToken,
            status: 401,
        })
    }

    #[test]
    fn sequence_numbers_increase_and_since_filters() {
        let log = CallLog::new();
        assert_eq!(log.last_seq(), 0);
        assert!(log.since(0).is_empty());
        assert_eq!(call(&log, "initialize"), 1);
        assert_eq!(call(&log, "tools/list"), 2);
        let clone = log.clone();
        assert_eq!(call(&clone, "tools/call"), 3);
        assert_eq!(log.last_seq(), 3);
        let after_one: Vec<_> = log.since(1).into_iter().map(|r| r.method).collect();
        assert_eq!(after_one, ["tools/list", "tools/call"]);
        assert!(log.since(3).is_empty());
    }

    #[test]
    fn hostile_names_are_kept_bounded() {
        let log = CallLog::new();
        let tools = vec!["x".repeat(100_000); 500];
        log.record(NewCall {
            client_id: None,
            subject: None,
            method: &"tools/call,".repeat(10_000),
            tools: &tools,
            outcome: CallOutcome::ServedUnprotected,
            status: 200,
        });
        let record = &log.since(0)[0];
        assert_eq!(record.tools.len(), MAX_TOOLS);
        assert!(record.tools.iter().all(|t| t.len() == MAX_NAME_CHARS));
        assert_eq!(record.method.len(), MAX_METHOD_CHARS);
    }

    #[test]
    fn only_the_last_thousand_are_kept() {
        let log = CallLog::new();
        for _ in 0..CALL_LOG_CAPACITY + 5 {
            call(&log, "tools/list");
        }
        let all = log.since(0);
        assert_eq!(all.len(), CALL_LOG_CAPACITY);
        assert_eq!(all[0].seq, 6);
        assert_eq!(log.last_seq(), (CALL_LOG_CAPACITY + 5) as u64);
    }
}
