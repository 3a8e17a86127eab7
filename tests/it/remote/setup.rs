//! What the remote tests share: the two-tenant stand-in (a plain in-process listener, never
//! started through `mcp-fa up`), `mcp-fa` run against it as a user would (the API key in the
//! environment, a state directory, home and working directory of the test's own), and the
//! checks every output must pass (no API key, ever).

use std::path::Path;
use std::process::{Command, Stdio};

use fusionauth_sim::SimConfig;
use serde_json::Value;

use crate::support::project::Run;
use crate::support::tenants::{TwoTenants, call, two_tenants};

/// A two-tenant stand-in and a sandbox to run `mcp-fa` in.
pub struct Remote {
    pub fa: TwoTenants,
    pub dir: tempfile::TempDir,
}

impl Remote {
    pub async fn start() -> Remote {
        Remote::with_config(SimConfig::for_tests()).await
    }

    pub async fn with_config(config: SimConfig) -> Remote {
        Remote {
            fa: two_tenants(config).await,
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    /// The folder `mcp-fa` runs in (where a project file may be).
    pub fn work_dir(&self) -> std::path::PathBuf {
        let work = self.dir.path().join("work");
        std::fs::create_dir_all(&work).expect("work dir");
        work
    }

    /// `mcp-fa ARGS` with `key` in FUSIONAUTH_API_KEY (none: the variable unset), in the
    /// work folder, on a blocking thread (the stand-in answers on this runtime meanwhile).
    pub async fn mcp_fa(&self, key: Option<&str>, args: &[&str]) -> Run {
        let mut command = Command::new(env!("CARGO_BIN_EXE_mcp-fa"));
        command
            .args(args)
            .current_dir(self.work_dir())
            .env("HOME", self.dir.path())
            .env("MCP_FA_STATE_DIR", self.dir.path().join("state"))
            .env_remove("XDG_STATE_HOME")
            .env_remove("MCP_FA_PROJECT")
            .env_remove("MCP_FA_ISSUER")
            .env_remove("MCP_FA_FUSIONAUTH_URL")
            .env_remove("MCP_FA_TENANT_ID")
            .env_remove("FUSIONAUTH_API_KEY")
            .stdin(Stdio::null());
        if let Some(key) = key {
            command.env("FUSIONAUTH_API_KEY", key);
        }
        let run = tokio::task::spawn_blocking(move || Run::of(command))
            .await
            .expect("mcp-fa ran");
        self.assert_no_key(&run);
        run
    }

    /// `command` then `--fusionauth-url <stand-in> [--tenant-id <second>]`.
    pub fn flags<'a>(&'a self, second_tenant: bool, command: &[&'a str]) -> Vec<&'a str> {
        let mut args = command.to_vec();
        args.extend(["--fusionauth-url", self.fa.base.as_str()]);
        if second_tenant {
            args.extend(["--tenant-id", self.fa.second.id.as_str()]);
        }
        args
    }

    /// No output may ever show an API key.
    #[track_caller]
    pub fn assert_no_key(&self, run: &Run) {
        for key in [
            &self.fa.global_key,
            &self.fa.tenant_key,
            &self.fa.reader_key,
        ] {
            assert!(
                !run.stdout.contains(key.as_str()) && !run.stderr.contains(key.as_str()),
                "an API key was printed:\n{}\n{}",
                run.stdout,
                run.stderr
            );
        }
    }

    /// An application as FusionAuth holds it (global key, no tenant header).
    pub async fn application(&self, client_id: &str) -> Value {
        let (status, app, _) = call(
            &self.fa.base,
            &self.fa.global_key,
            None,
            "GET",
            &format!("/api/application/{client_id}"),
            None,
        )
        .await;
        assert_eq!(status, 200, "{app}");
        app["application"].clone()
    }
}

/// A loopback port nothing listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// Writes `text` as the work folder's project file.
pub fn project_file(dir: &Path, text: &str) {
    std::fs::write(dir.join("mcp-fa.yaml"), text).expect("project file");
}
