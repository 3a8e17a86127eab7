//! The stand-in as containers, through the `docker` CLI: [`Scope`] gives one test's containers,
//! networks and volumes unique names and removes them when dropped, panic or not; the rest
//! reads a container's state and log, and copies a file in the way `mcp-fa up` does.

use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::docker::{docker, docker_ok, docker_output};

/// One test's Docker objects: unique names and removal on drop, also when the test panics
/// (then the tail of each container's log is printed first, to explain the failure).
pub struct Scope {
    pub id: String,
    containers: Mutex<Vec<String>>,
    networks: Mutex<Vec<String>>,
    volumes: Mutex<Vec<String>>,
}

pub const TEST_LABEL: &str = "dev.mcp-fa.test";

impl Scope {
    pub fn new() -> Scope {
        let id = uuid::Uuid::new_v4().simple().to_string()[..10].to_string();
        Scope {
            id,
            containers: Mutex::new(Vec::new()),
            networks: Mutex::new(Vec::new()),
            volumes: Mutex::new(Vec::new()),
        }
    }

    /// `mcp-fa-test-<id>-<what>`.
    pub fn name(&self, what: &str) -> String {
        format!("mcp-fa-test-{}-{what}", self.id)
    }

    pub fn label(&self) -> String {
        format!("{TEST_LABEL}={}", self.id)
    }

    /// Creates a user-defined network (containers on it find each other by name).
    pub fn network(&self, what: &str) -> String {
        self.create_labelled("network", what, &self.networks)
    }

    /// Creates a named volume.
    pub fn volume(&self, what: &str) -> String {
        self.create_labelled("volume", what, &self.volumes)
    }

    /// `docker KIND create --label <scope label> <scope name>`, kept in `made` for removal.
    fn create_labelled(&self, kind: &str, what: &str, made: &Mutex<Vec<String>>) -> String {
        let name = self.name(what);
        docker_ok(&[kind, "create", "--label", &self.label(), &name]);
        made.lock().unwrap().push(name.clone());
        name
    }

    /// `docker create --name <scope name> --label ... ARGS` (ARGS ends with the image and its
    /// arguments); the container is removed with the scope.
    #[track_caller]
    pub fn create(&self, what: &str, args: &[&str]) -> String {
        let (name, made) = self.container(&["create"], what, args, docker);
        made.unwrap_or_else(|e| panic!("{e}"));
        name
    }

    /// `docker run -d` with the same naming and cleanup as [`Scope::create`].
    #[track_caller]
    pub fn run_detached(&self, what: &str, args: &[&str]) -> String {
        let (name, started) = self.container(&["run", "-d"], what, args, docker);
        started.unwrap_or_else(|e| panic!("{e}"));
        name
    }

    /// `docker run` in the foreground: returns its exit code; the container stays for its logs
    /// until the scope ends.
    pub fn run_to_exit(&self, what: &str, args: &[&str]) -> (String, i32) {
        let (name, out) = self.container(&["run"], what, args, docker_output);
        (name, out.status.code().unwrap_or(-1))
    }

    /// `docker VERB --name <scope name> --label <scope label> ARGS` through `run` (one of the
    /// `docker*` functions), the name registered for removal with the scope before it runs, so
    /// a half-made container goes too.
    fn container<T>(
        &self,
        verb: &[&str],
        what: &str,
        args: &[&str],
        run: fn(&[&str]) -> T,
    ) -> (String, T) {
        let name = self.name(what);
        self.containers.lock().unwrap().push(name.clone());
        let label = self.label();
        let mut all = verb.to_vec();
        all.extend(["--name", &name, "--label", &label]);
        all.extend_from_slice(args);
        let answer = run(&all);
        (name, answer)
    }

    /// Removes a container now (`docker rm -f`), keeping its volumes.
    #[track_caller]
    pub fn remove_container(&self, name: &str) {
        docker_ok(&["rm", "-f", name]);
        self.containers.lock().unwrap().retain(|c| c != name);
    }
}

impl Default for Scope {
    fn default() -> Self {
        Scope::new()
    }
}

impl Drop for Scope {
    fn drop(&mut self) {
        let containers =
            std::mem::take(&mut *self.containers.lock().unwrap_or_else(|e| e.into_inner()));
        if std::thread::panicking() {
            for c in &containers {
                let logs = logs(c);
                let tail: Vec<&str> = logs.lines().rev().take(30).collect();
                let tail: Vec<&str> = tail.into_iter().rev().collect();
                eprintln!("--- last log lines of {c} ---\n{}\n---", tail.join("\n"));
            }
        }
        if !containers.is_empty() {
            let mut args = vec!["rm", "-f", "-v"];
            args.extend(containers.iter().map(String::as_str));
            let _ = docker_output(&args);
        }
        for n in std::mem::take(&mut *self.networks.lock().unwrap_or_else(|e| e.into_inner())) {
            let _ = docker_output(&["network", "rm", &n]);
        }
        let volumes = std::mem::take(&mut *self.volumes.lock().unwrap_or_else(|e| e.into_inner()));
        if !volumes.is_empty() {
            let mut args = vec!["volume", "rm", "-f"];
            args.extend(volumes.iter().map(String::as_str));
            let _ = docker_output(&args);
        }
    }
}

/// Everything the container wrote to stdout and stderr so far.
pub fn logs(container: &str) -> String {
    let out = docker_output(&["logs", container]);
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    text
}

/// `running`, `exited`, `created`, ... and the health status if the container has a check.
pub fn state(container: &str) -> (String, Option<String>, i64) {
    let out = docker_ok(&[
        "inspect",
        "--format",
        "{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{else}}-{{end}} {{.State.ExitCode}}",
        container,
    ]);
    let mut parts = out.split_whitespace();
    let status = parts.next().unwrap_or_default().to_string();
    let health = parts.next().filter(|h| *h != "-").map(str::to_string);
    let code = parts.next().and_then(|c| c.parse().ok()).unwrap_or(-1);
    (status, health, code)
}

/// Panics with the container's log if it is no longer running.
#[track_caller]
pub fn assert_running(container: &str) {
    let (status, _, code) = state(container);
    if status != "running" {
        panic!(
            "container {container} is {status} (exit code {code}); its log:\n{}",
            logs(container)
        );
    }
}

/// Waits until the container's health check passes.
#[track_caller]
pub fn wait_healthy(container: &str, timeout: Duration) {
    let deadline = Instant::now() + timeout;
    loop {
        let (status, health, code) = state(container);
        match (status.as_str(), health.as_deref()) {
            (_, Some("healthy")) => return,
            ("running" | "created" | "restarting", _) => {}
            _ => panic!(
                "container {container} is {status} (exit code {code}) instead of healthy; its log:\n{}",
                logs(container)
            ),
        }
        if Instant::now() > deadline {
            let detail = docker(&["inspect", "--format", "{{json .State.Health}}", container]);
            panic!(
                "container {container} not healthy after {timeout:?} ({health:?}): {detail:?}; its log:\n{}",
                logs(container)
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Waits until the container has exited and returns its exit code.
#[track_caller]
pub fn wait_exited(container: &str, timeout: Duration) -> i64 {
    let deadline = Instant::now() + timeout;
    loop {
        let (status, _, code) = state(container);
        if status == "exited" || status == "dead" {
            return code;
        }
        assert!(
            Instant::now() < deadline,
            "container {container} still {status} after {timeout:?}; its log:\n{}",
            logs(container)
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Waits until the container's log contains `needle`; returns the whole log.
#[track_caller]
pub fn wait_for_log(container: &str, needle: &str, timeout: Duration) -> String {
    let deadline = Instant::now() + timeout;
    loop {
        let text = logs(container);
        if text.contains(needle) {
            return text;
        }
        assert!(
            Instant::now() < deadline,
            "the log of {container} does not contain {needle:?} after {timeout:?}:\n{text}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The host port Docker chose for a port published as `-p 127.0.0.1::<port>`.
#[track_caller]
pub fn host_port(container: &str, container_port: &str) -> u16 {
    let out = docker_ok(&["port", container, container_port]);
    let first = out.lines().next().unwrap_or_default();
    first
        .rsplit(':')
        .next()
        .and_then(|p| p.trim().parse().ok())
        .unwrap_or_else(|| panic!("`docker port {container} {container_port}` said {out:?}"))
}

/// Copies one file into a (created or running) container through Docker's archive upload
/// (`docker cp -`), with the owner and mode given here rather than the host file's: that is how
/// a tool puts a kickstart file in without bind mounts.
#[track_caller]
pub fn copy_file_in(
    container: &str,
    dir: &str,
    file_name: &str,
    contents: &[u8],
    uid: u32,
    mode: u32,
) {
    let archive = tar_one_file(file_name, contents, uid, mode);
    let target = format!("{container}:{dir}");
    let mut child = Command::new("docker")
        .args(["cp", "-", &target])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run the docker CLI: {e}"));
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(&archive)
        .expect("write the archive to docker cp");
    let out = child.wait_with_output().expect("docker cp");
    assert!(
        out.status.success(),
        "`docker cp - {target}` failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A ustar archive holding one regular file.
fn tar_one_file(name: &str, contents: &[u8], uid: u32, mode: u32) -> Vec<u8> {
    assert!(
        name.len() < 100,
        "file name too long for a plain ustar header"
    );
    let mut header = [0u8; 512];
    let put = |header: &mut [u8; 512], offset: usize, bytes: &[u8]| {
        header[offset..offset + bytes.len()].copy_from_slice(bytes);
    };
    put(&mut header, 0, name.as_bytes());
    put(&mut header, 100, format!("{mode:07o}\0").as_bytes());
    put(&mut header, 108, format!("{uid:07o}\0").as_bytes());
    put(&mut header, 116, format!("{uid:07o}\0").as_bytes());
    put(
        &mut header,
        124,
        format!("{:011o}\0", contents.len()).as_bytes(),
    );
    let mtime = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    put(&mut header, 136, format!("{mtime:011o}\0").as_bytes());
    put(&mut header, 148, b"        ");
    header[156] = b'0';
    put(&mut header, 257, b"ustar\0");
    put(&mut header, 263, b"00");
    let checksum: u32 = header.iter().map(|b| *b as u32).sum();
    put(&mut header, 148, format!("{checksum:06o}\0 ").as_bytes());
    let mut archive = header.to_vec();
    archive.extend_from_slice(contents);
    archive.resize(archive.len().div_ceil(512) * 512, 0);
    archive.extend_from_slice(&[0u8; 1024]);
    archive
}
