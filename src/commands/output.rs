//! Writing to standard output: text, a report as one JSON document, and the JSON form of a
//! failure. A write that fails (a closed pipe) is an [`Error::Output`], never a panic.

use std::io::Write;

use serde::Serialize;
use serde_json::{Value, json};

use crate::error::Error;

/// Writes `text` as it is and flushes.
pub fn print_text(text: &str) -> Result<(), Error> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(Error::Output)
}

/// Writes `report` as one pretty JSON document with `"ok": true` added.
pub fn print_report(report: &impl Serialize) -> Result<(), Error> {
    let mut value = serde_json::to_value(report).expect("reports serialise");
    if let Some(object) = value.as_object_mut() {
        object.insert("ok".into(), Value::Bool(true));
    }
    print_document(&value)
}

/// Writes a JSON document, pretty, on a line of its own.
pub fn print_document(document: &Value) -> Result<(), Error> {
    print_text(&format!("{document:#}\n"))
}

/// `{"code": ..., "message": ...}`: how every JSON document names a failure.
pub fn error_json(error: &Error) -> Value {
    json!({"code": error.code(), "message": error.to_string()})
}

/// The document a command asked for JSON prints when it fails: `{"ok": false, "error": ...}`.
/// Best effort: the same failure is also on standard error, so a closed pipe loses nothing.
pub fn print_failure(error: &Error) {
    let _ = print_document(&json!({"ok": false, "error": error_json(error)}));
}
