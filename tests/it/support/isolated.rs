//! A test that measures or captures the whole process (its memory, its global logger) cannot
//! share the process with the rest of the suite, whose tests come and go beside it. [`run_alone`] runs such a test again in
//! a process of its own: this test binary, asked for that one test only.

use std::process::Command;

/// Set in the child: the full name of the one test it runs.
const ALONE: &str = "MCP_FA_TEST_ALONE";

/// Runs `test`, the body of the test `name` in module `module` (its `module_path!()`), in a
/// process of its own, on a runtime with two worker threads. In the test's first run this
/// starts that process (this binary, asked for that one test), waits for it, passes its output
/// on and fails if the test failed there; in that process, it runs `test`.
pub fn run_alone<F: Future<Output = ()>>(module: &str, name: &str, test: impl FnOnce() -> F) {
    // libtest names a test by its path inside the binary, without the crate's name.
    let path = module.split_once("::").map_or("", |(_, path)| path);
    let full = format!("{path}::{name}");
    if std::env::var(ALONE).is_ok_and(|running| running == full) {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime")
            .block_on(test());
        return;
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
}
