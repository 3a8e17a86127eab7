//! A test that measures or captures the whole process (its memory, its global logger) cannot
//! share the process with the rest of the suite, whose tests come and go beside it. [`run_alone`] runs such a test again in
//! a process of its own: this test binary, asked for that one test only.

use std::process::Command;

/// Set in the child: the full name of the one test it runs.
const ALONE: &str = "MCP_FA_TEST_ALONE";

/// In the test `name` of module `module` (its `module_path!()`): false when this process is
/// the one started for it, where the test goes on; otherwise starts that process, waits for it,
/// passes its output on, panics if the test failed there, and returns true: the caller returns.
pub fn run_alone(module: &str, name: &str) -> bool {
    // libtest names a test by its path inside the binary, without the crate's name.
    let path = module.split_once("::").map_or("", |(_, path)| path);
    let full = format!("{path}::{name}");
    if std::env::var(ALONE).is_ok_and(|running| running == full) {
        return false;
    }
    let out = Command::new(std::env::current_exe().expect("the test binary"))
        .args([&full, "--exact", "--nocapture", "--test-threads", "1"])
        .env(ALONE, &full)
        .output()
        .expect("run the test in a process of its own");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    eprintln!("{stderr}");
    assert!(
        out.status.success(),
        "{full} failed in its own process ({}):\n{stdout}\n{stderr}",
        out.status
    );
    assert!(
        stdout.contains("1 passed"),
        "{full} did not run in its own process:\n{stdout}"
    );
    true
}
