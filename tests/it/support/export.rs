//! What the export tests need besides Docker: a Compose to bring an exported project up (and
//! always down again), and kubernetes-validate, both installed by `tests/tools/install.sh`.
//! Missing, a test skips with the reason; under `CI=true` it fails instead.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use super::docker::{docker_output, under_ci};

/// Skips (returns `None`) or, under CI, fails with `reason`.
fn missing<T>(reason: &str) -> Option<T> {
    if under_ci() {
        panic!("{reason}; .ci/run installs it with tests/tools/install.sh");
    }
    eprintln!("skipping: {reason} (bash tests/tools/install.sh installs it)");
    None
}

/// `docker compose` when the Docker CLI has the plugin, else Debian's `docker-compose`.
pub fn compose_cli() -> Option<Vec<String>> {
    let works = |program: &str, args: &[&str]| {
        Command::new(program)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .is_ok_and(|out| out.status.success())
    };
    if works("docker", &["compose", "version"]) {
        Some(vec!["docker".into(), "compose".into()])
    } else if works("docker-compose", &["version"]) {
        Some(vec!["docker-compose".into()])
    } else {
        missing("no Compose (neither `docker compose` nor `docker-compose`)")
    }
}

/// `tests/tools/.venv/bin/kubernetes-validate`.
pub fn kubernetes_validate() -> Option<PathBuf> {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tools/.venv/bin/kubernetes-validate");
    if path.is_file() {
        Some(path)
    } else {
        missing("kubernetes-validate is not installed in tests/tools/.venv")
    }
}

/// An exported Compose project brought up in its folder; taken down with its volume when
/// dropped, whatever the test did.
pub struct ComposeUp {
    cli: Vec<String>,
    dir: PathBuf,
}

impl ComposeUp {
    /// `compose up -d` in `dir`; panics with Compose's output when it fails.
    pub fn start(cli: Vec<String>, dir: &Path) -> ComposeUp {
        let up = ComposeUp {
            cli,
            dir: dir.to_owned(),
        };
        let out = up.run(&["up", "-d"]);
        assert!(
            out.status.success(),
            "compose up failed:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        up
    }

    /// `compose ARGS` in the project's folder.
    pub fn run(&self, args: &[&str]) -> Output {
        Command::new(&self.cli[0])
            .args(&self.cli[1..])
            .args(args)
            .current_dir(&self.dir)
            .stdin(Stdio::null())
            .output()
            .expect("run compose")
    }

    /// The id of `service`'s container.
    pub fn container(&self, service: &str) -> String {
        let out = self.run(&["ps", "-q", service]);
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    /// Waits up to `secs` for `service`'s container to report healthy; its status otherwise.
    pub fn wait_healthy(&self, service: &str, secs: u64) -> Result<(), String> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
        let mut status = String::new();
        while std::time::Instant::now() < deadline {
            let container = self.container(service);
            let out = docker_output(&[
                "inspect",
                "--format",
                "{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}}",
                &container,
            ]);
            status = String::from_utf8_lossy(&out.stdout).trim().to_owned();
            if status == "running healthy" {
                return Ok(());
            }
            std::thread::sleep(std::time::Duration::from_millis(500));
        }
        Err(status)
    }
}

impl Drop for ComposeUp {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let logs = self.run(&["logs", "--no-color", "--tail", "30"]);
            eprintln!(
                "--- compose logs ---\n{}{}---",
                String::from_utf8_lossy(&logs.stdout),
                String::from_utf8_lossy(&logs.stderr)
            );
        }
        let _ = self.run(&["down", "-v", "--remove-orphans"]);
    }
}

/// Removes the MCP server images earlier builds of mcp-fa left, except `current` and any a
/// container still uses (Docker refuses those): each change to the binary makes a new one.
pub fn remove_older_server_images(current: &str) {
    let out = docker_output(&[
        "images",
        "--filter",
        "label=dev.mcp-fa.image.content",
        "--format",
        "{{.Repository}}:{{.Tag}}",
    ]);
    for image in String::from_utf8_lossy(&out.stdout).lines() {
        if image != current && image.starts_with("mcp-fa/mcp-server:") {
            let _ = docker_output(&["rmi", image]);
        }
    }
}
