//! What the integration tests share: the in-process stand-in and its API ([`standin`], whose
//! items are re-exported here), the stand-in with two tenants ([`tenants`]), a scripted browser ([`browser`]), Docker and a private Docker
//! daemon ([`docker`], [`private_docker`]), projects run through the real binary ([`project`]),
//! Compose and kubernetes-validate for the export tests ([`export`]), the MCP server
//! in-process ([`server`]), state files ([`state`]), a pseudo-terminal ([`pty`]),
//! FusionAuth's OpenAPI file ([`openapi`]) and a process of its own for a test ([`isolated`]).
//!
//! Nothing here changes process-wide settings (environment, current directory, logger): every
//! test of the binary runs beside the others.

// Shared with the stand-in's tests, which use parts this suite does not.
pub mod bridge;
#[allow(dead_code)]
pub mod browser;
pub mod docker;
pub mod export;
pub mod isolated;
pub mod openapi;
pub mod private_docker;
pub mod project;
pub mod pty;
pub mod server;
pub mod standin;
pub mod state;
pub mod tenants;

pub use standin::*;

/// Runs `future` to completion on a runtime of its own, for synchronous tests that make an HTTP
/// call now and then.
pub fn block<T>(future: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(future)
}

/// Gone, or a zombie nobody reaped yet: either way no longer running.
pub fn process_gone(pid: u64) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
    }
}

/// Everything `child` wrote to its (piped) standard error, once it has exited.
pub fn stderr_of(child: &mut std::process::Child) -> String {
    use std::io::Read;
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("stderr was piped")
        .read_to_string(&mut stderr)
        .expect("read stderr");
    stderr
}

/// `mcp-fa ARGS` with `state_dir` as its state directory and nothing of a test project: no
/// `--project`, no Docker settings, nothing on standard input.
pub fn mcp_fa(state_dir: &std::path::Path, args: &[&str]) -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_mcp-fa"));
    command
        .args(args)
        .env("MCP_FA_STATE_DIR", state_dir)
        .env_remove("MCP_FA_PROJECT")
        .stdin(std::process::Stdio::null());
    command
}

/// Waits up to `within` for `child` to exit by itself, as a command that refuses to start does;
/// one still running then is killed and fails the test.
pub fn exited_within(
    child: &mut std::process::Child,
    within: std::time::Duration,
) -> std::process::ExitStatus {
    let deadline = std::time::Instant::now() + within;
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{child:?} was still running after {within:?}: it should have refused");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// Sends `signal` (`TERM`, `INT`) to `child` as `kill` does, and waits up to 10 s for it to
/// exit (it is killed and the test fails if it does not); its exit status.
pub fn stop(child: &mut std::process::Child, signal: &str) -> std::process::ExitStatus {
    let sent = std::process::Command::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(sent.success());
    let asked = std::time::Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            println!(
                "stopped {} ms after SIG{signal}",
                asked.elapsed().as_millis()
            );
            return status;
        }
        if asked.elapsed() > std::time::Duration::from_secs(10) {
            let _ = child.kill();
            panic!("{child:?} did not stop within 10 s of SIG{signal}");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}
