//! Docker for the tests that run containers, through the `docker` CLI. Shared by path with the
//! stand-in's own tests (`tests/fusionauth-sim/tests/standin/support`).
//!
//! - [`docker_available`]: whether to run at all. Without Docker a test prints "skipping" and
//!   returns, except under `CI=true`, where a missing Docker is a failure.
//! - [`ensure_images`]: the images the tests run. By default the stand-in's, built once per test
//!   process with `tests/fusionauth-sim/build-image.sh` (a no-op when the binary has not
//!   changed). With `MCP_FA_TEST_FUSIONAUTH_IMAGE` set (and `MCP_FA_TEST_POSTGRES_IMAGE`, which
//!   defaults to mcp-fa's own PostgreSQL image then), the real images: pulled once when missing.
//! - [`real_images`] and [`standin_only`]: a test that needs what only the stand-in has (fault
//!   injection, a fast boot, a license it accepts) skips in real-image mode and says why. Those
//!   skips are not failures under `CI=true`: nothing is missing, the test does not apply.

use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::Instant;

/// The two images a stack runs: the stand-in's by default, real ones in real-image mode.
#[derive(Clone, Debug)]
pub struct Images {
    /// `mcp-fa-test/fusionauth-standin:<tag>` in the place of `fusionauth/fusionauth-app`, or
    /// the real image.
    pub fusionauth: String,
    /// `mcp-fa-test/postgres-standin:<tag>` in the place of `postgres`, or the real image.
    pub postgres: String,
}

/// Names the real FusionAuth image to test against (e.g. `fusionauth/fusionauth-app:1.69.3`).
pub const FUSIONAUTH_IMAGE_VAR: &str = "MCP_FA_TEST_FUSIONAUTH_IMAGE";
/// Names the real PostgreSQL image (default in real-image mode: mcp-fa's own default).
pub const POSTGRES_IMAGE_VAR: &str = "MCP_FA_TEST_POSTGRES_IMAGE";
/// A FusionAuth license id for the tests that need a licensed instance, in real-image mode.
pub const LICENSE_VAR: &str = "MCP_FA_TEST_LICENSE_ID";

/// Whether this is a CI run (`CI=true`), where a missing prerequisite fails instead of skipping.
pub fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1")
}

fn env_value(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// Whether the tests run against real FusionAuth and PostgreSQL images
/// (`MCP_FA_TEST_FUSIONAUTH_IMAGE` is set) instead of the stand-in's.
pub fn real_images() -> bool {
    env_value(FUSIONAUTH_IMAGE_VAR).is_some()
}

/// For a test that only the stand-in can run: in real-image mode it prints why it skips and
/// returns `true` (the test returns); with the stand-in it returns `false`. `needs` says what
/// only the stand-in has, e.g. "a boot delay of 60 s (FUSIONAUTH_SIM_BOOT_DELAY_MS)".
pub fn standin_only(needs: &str) -> bool {
    if real_images() {
        eprintln!(
            "skipping in real-image mode: this test needs {needs}, which only the stand-in has"
        );
        return true;
    }
    false
}

/// The license id a test that needs a licensed instance uses: the stand-in accepts its own
/// made-up id; real FusionAuth needs a real one (`MCP_FA_TEST_LICENSE_ID`). `None`, with the
/// reason printed, when there is none: the test skips.
pub fn license_id(standin_id: &str) -> Option<String> {
    if !real_images() {
        return Some(standin_id.to_owned());
    }
    let id = env_value(LICENSE_VAR);
    if id.is_none() {
        eprintln!(
            "skipping in real-image mode: this test needs a FusionAuth license; set {LICENSE_VAR}"
        );
    }
    id
}

/// How long `mcp-fa up` may take in the tests: the stand-in boots in well under a second; real
/// FusionAuth starts a JVM and creates its schema on an empty database, which takes a minute or
/// more on a small CI machine (`MCP_FA_STARTUP_TIMEOUT` overrides the 300 s of real-image mode).
pub fn startup_timeout_secs() -> u64 {
    if !real_images() {
        return 60;
    }
    env_value("MCP_FA_STARTUP_TIMEOUT")
        .and_then(|v| v.parse().ok())
        .unwrap_or(300)
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

/// The images the tests run (see the module documentation), once per test process.
pub fn ensure_images() -> Images {
    static IMAGES: OnceLock<Result<Images, String>> = OnceLock::new();
    IMAGES
        .get_or_init(|| match env_value(FUSIONAUTH_IMAGE_VAR) {
            Some(fusionauth) => real(fusionauth),
            None if env_value(POSTGRES_IMAGE_VAR).is_some() => Err(format!(
                "{POSTGRES_IMAGE_VAR} is set without {FUSIONAUTH_IMAGE_VAR}: the stand-in's \
                 FusionAuth only works with the stand-in's database; set both, or neither"
            )),
            None => build_images(),
        })
        .clone()
        .unwrap_or_else(|e| panic!("{e}"))
}

/// Real images, pulled now when missing (so that the tests' own `up`s, all at once, need not).
fn real(fusionauth: String) -> Result<Images, String> {
    let postgres = env_value(POSTGRES_IMAGE_VAR)
        .unwrap_or_else(|| mcp_fa::stack::DEFAULT_POSTGRES_IMAGE.to_owned());
    for image in [&fusionauth, &postgres] {
        if docker(&["image", "inspect", "--format", "{{.Id}}", image]).is_err() {
            let started = Instant::now();
            docker(&["pull", "--quiet", image])?;
            eprintln!("pulled {image} in {:.1?}", started.elapsed());
        }
    }
    let images = Images {
        fusionauth,
        postgres,
    };
    eprintln!("real-image mode: {images:?}");
    Ok(images)
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
