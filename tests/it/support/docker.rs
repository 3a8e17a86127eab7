//! Docker for the tests that run the stand-in images, through the `docker` CLI. Shared by path
//! with the stand-in's own tests (`tests/fusionauth-sim/tests/standin/support`).
//!
//! - [`docker_available`]: whether to run at all. Without Docker a test prints "skipping" and
//!   returns, except under `CI=true`, where a missing Docker is a failure.
//! - [`ensure_images`]: builds the stand-in images once per test process with
//!   `tests/fusionauth-sim/build-image.sh` (a no-op when the binary has not changed).

use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::Instant;

/// The two locally built images: neither is FusionAuth nor PostgreSQL.
#[derive(Clone, Debug)]
pub struct Images {
    /// `mcp-fa-test/fusionauth-standin:<tag>`, in the place of `fusionauth/fusionauth-app`.
    pub fusionauth: String,
    /// `mcp-fa-test/postgres-standin:<tag>`, in the place of `postgres`.
    pub postgres: String,
}

/// Whether this is a CI run (`CI=true`), where a missing prerequisite fails instead of skipping.
pub fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1")
}

/// Runs `docker ARGS` and returns its output, whatever the exit code.
pub fn docker_output(args: &[&str]) -> Output {
    Command::new("docker")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run the docker CLI: {e}"))
}

/// Runs `docker ARGS`: its trimmed stdout, or its stderr as the error.
pub fn docker(args: &[&str]) -> Result<String, String> {
    let out = docker_output(args);
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    } else {
        Err(format!(
            "`docker {}` failed ({}): {}",
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// Runs `docker ARGS` and panics if it fails.
#[track_caller]
pub fn docker_ok(args: &[&str]) -> String {
    docker(args).unwrap_or_else(|e| panic!("{e}"))
}

/// Whether the Docker daemon answers. Under `CI=true` it must: this panics instead of skipping.
/// Use as `if !docker_available() { return; }` at the top of each test.
pub fn docker_available() -> bool {
    if !cfg!(target_os = "linux") {
        // The images are made from the host's own binary and libraries.
        eprintln!("skipping: the stand-in images can only be built on a Linux host");
        return false;
    }
    static PROBE: OnceLock<Result<(), String>> = OnceLock::new();
    let probe = PROBE.get_or_init(|| {
        match Command::new("docker")
            .args(["info", "--format", "{{.ServerVersion}}"])
            .stdin(Stdio::null())
            .output()
        {
            Err(e) => Err(format!("cannot run the docker CLI: {e}")),
            Ok(out) if !out.status.success() => Err(format!(
                "`docker info` failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            )),
            Ok(_) => Ok(()),
        }
    });
    match probe {
        Ok(()) => true,
        Err(reason) if under_ci() => {
            panic!("Docker is required under CI=true; .ci/run starts dockerd. ({reason})")
        }
        Err(reason) => {
            eprintln!("skipping: Docker not reachable ({reason})");
            false
        }
    }
}

/// Builds (or finds) the stand-in images, once per test process.
pub fn ensure_images() -> Images {
    static IMAGES: OnceLock<Result<Images, String>> = OnceLock::new();
    IMAGES
        .get_or_init(build_images)
        .clone()
        .unwrap_or_else(|e| panic!("{e}"))
}

fn build_images() -> Result<Images, String> {
    let script = fusionauth_sim::IMAGE_BUILD_SCRIPT;
    let mut command = Command::new("bash");
    command
        .arg(script)
        .env("CARGO", env!("CARGO"))
        .stdin(Stdio::null());
    if !cfg!(debug_assertions) && std::env::var_os("CARGO_PROFILE").is_none() {
        command.env("CARGO_PROFILE", "release");
    }
    let started = Instant::now();
    let out = command
        .output()
        .map_err(|e| format!("cannot run {script}: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        return Err(format!(
            "{script} failed ({}):\n{stderr}{stdout}",
            out.status
        ));
    }
    let value = |key: &str| {
        stdout
            .lines()
            .rev()
            .take(2)
            .find_map(|line| line.strip_prefix(key))
            .map(str::to_string)
            .ok_or_else(|| format!("{script} printed no `{key}` line:\n{stdout}\n{stderr}"))
    };
    let images = Images {
        fusionauth: value("fusionauth=")?,
        postgres: value("postgres=")?,
    };
    eprintln!(
        "stand-in images ready in {:.1?}: {images:?}",
        started.elapsed()
    );
    Ok(images)
}
