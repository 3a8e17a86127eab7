//! FusionAuth's kickstart as its log tells it, read line by line while the log arrives: a request
//! that failed, or a kickstart that failed before or around its requests.
//!
//! FusionAuth logs a failed request in three parts: `Failed to execute request to [METHOD][url]
//! Status [N]`, then `Request body:` with the request as sent (variables filled in, so
//! passwords in clear), then, as a second record, `Error response:` with its error document
//! (or `Exception returned` and an exception when no answer came). Both JSON documents may span
//! many lines. An exception anywhere else (license activation, creating the API key) is logged
//! as `Failed to complete kickstart.` followed by the exception, and no request runs.
//!
//! This module only reads; it keeps FusionAuth's error codes and messages, never the request
//! body, and does not decide what a failure means for the stack.

use std::fmt;
use std::time::{Duration, Instant};

use crate::fusionauth::ApiErrors;
use crate::redact::Redactor;

/// The first line of a failed request's record.
const REQUEST_FAILED: &str = "Failed to execute request to";
/// The second record of a failed request: FusionAuth's answer follows.
const ERROR_RESPONSE: &str = "Error response:";
/// The second record when the request got no answer: the exception follows.
const EXCEPTION_RETURNED: &str = "Exception returned";
/// What FusionAuth logs when kickstart fails outside a request (no request runs after it).
const ABORTED: &str = "Failed to complete kickstart.";
/// Lines of an error response read before giving up on it being complete JSON.
const MAX_RESPONSE_LINES: usize = 200;

/// How FusionAuth's kickstart failed, in its own words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KickstartFailure {
    /// A request answered non-2xx (or not at all); kickstart stopped there, so every later
    /// request was never run.
    Request {
        /// `Failed to execute request to [POST][/api/user] Status [400]`, as FusionAuth logged it.
        request: String,
        /// FusionAuth's error codes and messages (`[tooShort]user.password (...)`), or the
        /// exception or answer it logged instead; `None` when it logged neither (yet).
        said: Option<String>,
    },
    /// Kickstart failed before or around its requests: none of them ran.
    Aborted {
        /// The exception FusionAuth logged with it, first line.
        cause: Option<String>,
    },
}

impl KickstartFailure {
    /// The same failure with `redactor`'s secrets blanked out of what FusionAuth said.
    pub fn redacted(&self, redactor: &Redactor) -> Self {
        match self {
            Self::Request { request, said } => Self::Request {
                request: redactor.text(request),
                said: said.as_deref().map(|said| redactor.text(said)),
            },
            Self::Aborted { cause } => Self::Aborted {
                cause: cause.as_deref().map(|cause| redactor.text(cause)),
            },
        }
    }
}

impl fmt::Display for KickstartFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Request { request, said } => {
                write!(f, "FusionAuth's kickstart failed: {request}")?;
                if let Some(said) = said {
                    write!(f, "\nFusionAuth said: {said}")?;
                }
                f.write_str(
                    "\nKickstart stops at the first failed request, so the stack is incomplete \
                     and was removed.",
                )
            }
            Self::Aborted { cause } => {
                write!(
                    f,
                    "FusionAuth's kickstart failed before running its requests: {ABORTED}"
                )?;
                if let Some(cause) = cause {
                    write!(f, " ({cause})")?;
                }
                f.write_str(
                    "\nFusionAuth creates the API key and activates the license id (`--license-id`) \
                     first; activation needs outbound access to FusionAuth's license servers. No \
                     request ran, so the stack was removed.",
                )
            }
        }
    }
}

/// Follows the log for the first kickstart failure. Feed it every line in order.
#[derive(Debug, Default)]
pub struct KickstartLog {
    phase: Phase,
    /// When the failure's first line was seen.
    seen: Option<Instant>,
}

#[derive(Debug, Default)]
enum Phase {
    #[default]
    Watching,
    /// The request line came; its body is being logged, the answer is still to come.
    Request {
        request: String,
    },
    /// Collecting the error response until it reads as JSON.
    Response {
        request: String,
        text: String,
        lines: usize,
    },
    /// `Exception returned`: the exception's line is next.
    Exception {
        request: String,
    },
    /// `Failed to complete kickstart.`: the exception's line is next.
    Aborted,
    Done(KickstartFailure),
}

impl KickstartLog {
    pub fn feed(&mut self, line: &str) {
        let phase = std::mem::take(&mut self.phase);
        self.phase = match phase {
            Phase::Watching => {
                if let Some(at) = line.find(REQUEST_FAILED) {
                    self.seen = Some(Instant::now());
                    Phase::Request {
                        request: line[at..].trim().to_owned(),
                    }
                } else if line.contains(ABORTED) {
                    self.seen = Some(Instant::now());
                    Phase::Aborted
                } else {
                    Phase::Watching
                }
            }
            Phase::Request { request } => {
                if let Some(at) = line.find(ERROR_RESPONSE) {
                    let text = line[at + ERROR_RESPONSE.len()..].trim().to_owned();
                    response(request, text, 0)
                } else if line.contains(EXCEPTION_RETURNED) {
                    Phase::Exception { request }
                } else {
                    // The request body, as sent: never kept.
                    Phase::Request { request }
                }
            }
            Phase::Response {
                request,
                text,
                lines,
            } => {
                if starts_a_record(line) || lines >= MAX_RESPONSE_LINES {
                    Phase::Done(KickstartFailure::Request {
                        request,
                        said: said_of(&text),
                    })
                } else {
                    response(request, format!("{text}\n{line}"), lines + 1)
                }
            }
            Phase::Exception { request } => Phase::Done(KickstartFailure::Request {
                request,
                said: Some(line.trim().to_owned()).filter(|l| !l.is_empty()),
            }),
            Phase::Aborted => Phase::Done(KickstartFailure::Aborted {
                cause: Some(line.trim().to_owned()).filter(|l| !l.is_empty()),
            }),
            Phase::Done(failure) => Phase::Done(failure),
        };
    }

    /// The failure once FusionAuth has logged all of it, or, when the rest has not come within
    /// `settle` of its first line, as much as was logged.
    pub fn failure(&self, settle: Duration) -> Option<KickstartFailure> {
        let settled = self.seen.is_some_and(|seen| seen.elapsed() >= settle);
        match &self.phase {
            Phase::Watching => None,
            Phase::Done(failure) => Some(failure.clone()),
            _ if !settled => None,
            Phase::Request { request } | Phase::Exception { request } => {
                Some(KickstartFailure::Request {
                    request: request.clone(),
                    said: None,
                })
            }
            Phase::Response { request, text, .. } => Some(KickstartFailure::Request {
                request: request.clone(),
                said: said_of(text),
            }),
            Phase::Aborted => Some(KickstartFailure::Aborted { cause: None }),
        }
    }
}

/// The error response so far: done once it is a whole JSON document.
fn response(request: String, text: String, lines: usize) -> Phase {
    match serde_json::from_str::<serde_json::Value>(&text) {
        Ok(_) => Phase::Done(KickstartFailure::Request {
            said: said_of(&text),
            request,
        }),
        Err(_) => Phase::Response {
            request,
            text,
            lines,
        },
    }
}

/// FusionAuth's error document as `code (message); ...`; other text as it came, on one line.
fn said_of(text: &str) -> Option<String> {
    let text = text.trim();
    if text.is_empty() || text == "null" {
        return None;
    }
    if let Ok(errors) = serde_json::from_str::<ApiErrors>(text)
        && !errors.is_empty()
    {
        return Some(errors.to_string());
    }
    Some(text.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// Whether `line` begins a new log record (FusionAuth's start with the date, `2025-01-31 ...`)
/// rather than continuing a multi-line message.
fn starts_a_record(line: &str) -> bool {
    let bytes = line.as_bytes();
    bytes.len() >= 10
        && bytes[..4].iter().all(u8::is_ascii_digit)
        && bytes[4] == b'-'
        && bytes[5..7].iter().all(u8::is_ascii_digit)
        && bytes[7] == b'-'
        && bytes[8..10].iter().all(u8::is_ascii_digit)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOGGER: &str = "ERROR io.fusionauth.api.service.system.kickstart.KickstartRunner";

    fn fed(lines: &[&str]) -> KickstartLog {
        let mut log = KickstartLog::default();
        for line in lines {
            log.feed(line);
        }
        log
    }

    #[test]
    fn a_failed_request_is_read_in_its_three_parts_without_the_body() {
        let request = format!(
            "2026-10-01 10:00:00.000 AM {LOGGER} - Failed to execute request to \
             [POST][/api/user/4b1e] Status [400]"
        );
        let response = format!("2026-10-01 10:00:00.001 AM {LOGGER} - Error response:");
        let log = fed(&[
            "2026-10-01 09:59:59.000 AM INFO  starting",
            &request,
            "Request body:",
            "{",
            "  \"user\" : {",
            "    \"password\" : \"Secr3tSecr3tSecr3t\"",
            "  }",
            "}",
            &response,
            "{",
            "  \"fieldErrors\" : {",
            "    \"user.password\" : [ {",
            "      \"code\" : \"[tooShort]user.password\",",
            "      \"message\" : \"The [user.password] property is shorter than the minimum of [8] characters.\"",
            "    } ]",
            "  }",
            "}",
        ]);
        let failure = log.failure(Duration::from_secs(3600)).expect("complete");
        assert_eq!(
            failure,
            KickstartFailure::Request {
                request: "Failed to execute request to [POST][/api/user/4b1e] Status [400]".into(),
                said: Some(
                    "[tooShort]user.password (The [user.password] property is shorter than the \
                     minimum of [8] characters.)"
                        .into()
                ),
            }
        );
        let text = failure.to_string();
        assert!(!text.contains("Secr3t"), "{text}");
        assert!(text.contains("stops at the first failed request"), "{text}");
    }

    #[test]
    fn a_response_on_one_line_an_exception_or_nothing_are_read_too() {
        let one_line = fed(&[
            "ERROR - Failed to execute request to [PATCH][/api/tenant/t] Status [404]",
            "Request body:",
            "{ }",
            "ERROR - Error response: null",
        ]);
        assert_eq!(
            one_line.failure(Duration::from_secs(3600)),
            Some(KickstartFailure::Request {
                request: "Failed to execute request to [PATCH][/api/tenant/t] Status [404]".into(),
                said: None,
            })
        );
        let exception = fed(&[
            "ERROR - Failed to execute request to [POST][/api/key/generate/k] Status [-1]",
            "Request body:",
            "ERROR - Exception returned",
            "java.net.SocketTimeoutException: Read timed out",
            "\tat java.base/...",
        ]);
        assert!(matches!(
            exception.failure(Duration::from_secs(3600)),
            Some(KickstartFailure::Request { said: Some(s), .. }) if s.contains("Read timed out")
        ));
        // The answer has not come yet: nothing until it does, or until the wait is over.
        let waiting = fed(&["ERROR - Failed to execute request to [POST][/x] Status [500]"]);
        assert_eq!(waiting.failure(Duration::from_secs(3600)), None);
        assert!(matches!(
            waiting.failure(Duration::ZERO),
            Some(KickstartFailure::Request { said: None, .. })
        ));
        // A response that never reads as JSON ends at the next record.
        let cut = fed(&[
            "ERROR - Failed to execute request to [POST][/x] Status [500]",
            "ERROR - Error response:",
            "{ \"broken\" :",
            "2026-10-01 10:00:01.000 AM INFO next",
        ]);
        assert!(matches!(
            cut.failure(Duration::from_secs(3600)),
            Some(KickstartFailure::Request { said: Some(s), .. }) if s == "{ \"broken\" :"
        ));
        assert_eq!(
            fed(&["INFO all well"]).failure(Duration::ZERO),
            None,
            "no failure"
        );
    }

    #[test]
    fn a_kickstart_that_failed_outside_its_requests_is_aborted() {
        let log = fed(&[
            "2026-10-01 10:00:00.000 AM ERROR KickstartRunner - Failed to complete kickstart.",
            "io.fusionauth.api.service.reactor.ReactorException: license server unreachable",
            "\tat io.fusionauth...",
            "ERROR - Failed to execute request to [POST][/x] Status [400]",
        ]);
        let failure = log.failure(Duration::from_secs(3600)).expect("complete");
        assert_eq!(
            failure,
            KickstartFailure::Aborted {
                cause: Some(
                    "io.fusionauth.api.service.reactor.ReactorException: license server unreachable"
                        .into()
                )
            }
        );
        assert!(failure.to_string().contains("--license-id"));
        let secret = crate::fusionauth::Secret::new("license-server-unreachable");
        let redacted = KickstartFailure::Aborted {
            cause: Some("id license-server-unreachable".into()),
        }
        .redacted(&Redactor::new([&secret]));
        assert_eq!(
            redacted,
            KickstartFailure::Aborted {
                cause: Some("id [redacted]".into())
            }
        );
    }
}
