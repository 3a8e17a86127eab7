//! Running `mcp-fa up/down/status/...` as a user would, against the stand-in images (or the real
//! ones in real-image mode, see `support::docker`): each test gets a [`TestProject`] with a
//! unique project name, its own free ports and state directory, and removal of everything
//! carrying its label when dropped, panic or not.

#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::docker::{
    Images, docker_available, docker_output, ensure_images, real_images, startup_timeout_secs,
};

/// Short stand-in delays, passed through `up`'s `FUSIONAUTH_SIM_*` test hook (not in
/// real-image mode: real FusionAuth takes its own time). The API-key delay stays on: FusionAuth
/// refuses a fresh key for a moment and `up` must cope.
pub const FAST_STANDIN: [(&str, &str); 3] = [
    ("FUSIONAUTH_SIM_BOOT_DELAY_MS", "300"),
    ("FUSIONAUTH_SIM_KICKSTART_DELAY_MS", "200"),
    ("FUSIONAUTH_SIM_API_KEY_DELAY_MS", "400"),
];

pub struct TestProject {
    pub name: String,
    pub fusionauth_port: u16,
    pub mcp_port: u16,
    pub state_dir: tempfile::TempDir,
    pub images: Images,
    /// Extra environment for every command.
    pub env: Vec<(String, String)>,
    /// `up --timeout`.
    pub timeout_secs: u64,
}

/// What one command did.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

impl Run {
    /// Runs `command` to the end.
    pub fn of(mut command: Command) -> Run {
        let started = Instant::now();
        let out: Output = command.output().expect("run mcp-fa");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            elapsed: started.elapsed(),
        }
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }

    #[track_caller]
    pub fn assert_ok(&self) -> &Self {
        assert_eq!(
            self.code, 0,
            "expected success; stdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }

    /// The id of the client a successful `clients add --json` registered.
    #[track_caller]
    pub fn added_client_id(&self) -> String {
        self.assert_ok();
        let doc = self.json();
        doc["client"]["clientId"]
            .as_str()
            .unwrap_or_else(|| panic!("a client id in {doc:#}"))
            .to_owned()
    }

    /// Asserts the JSON error document's code and returns its message.
    #[track_caller]
    pub fn assert_error(&self, code: &str) -> String {
        assert_ne!(self.code, 0, "expected {code}; stdout:\n{}", self.stdout);
        let doc = self.json();
        assert_eq!(doc["ok"], false, "{doc:#}");
        assert_eq!(
            doc["error"]["code"], code,
            "{doc:#}\nstderr:\n{}",
            self.stderr
        );
        doc["error"]["message"]
            .as_str()
            .expect("message")
            .to_string()
    }
}

/// A port nothing listens on right now.
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}

impl TestProject {
    pub fn new(prefix: &str) -> Self {
        let id = uuid::Uuid::new_v4().simple().to_string();
        Self {
            name: format!("t-{prefix}-{}", &id[..8]),
            fusionauth_port: free_port(),
            mcp_port: free_port(),
            state_dir: tempfile::tempdir().expect("temp dir"),
            images: ensure_images(),
            env: if real_images() {
                Vec::new()
            } else {
                FAST_STANDIN
                    .iter()
                    .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
                    .collect()
            },
            timeout_secs: startup_timeout_secs(),
        }
    }

    /// [`TestProject::new`] when Docker answers; `None`, for the test to skip, when it does not
    /// (under `CI=true` a missing Docker fails instead: see [`docker_available`]).
    pub fn with_docker(prefix: &str) -> Option<Self> {
        docker_available().then(|| Self::new(prefix))
    }

    pub fn state_file(&self) -> PathBuf {
        self.state_dir.path().join(format!("{}.json", self.name))
    }

    /// `mcp-fa ARGS --project NAME` with this project's environment.
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_with(args, &[])
    }

    pub fn run_with(&self, args: &[&str], extra_env: &[(&str, &str)]) -> Run {
        Run::of(self.command(args, extra_env))
    }

    /// `mcp-fa ARGS` run in `dir` as a person in that folder types it: no `--project` (a
    /// project file there, or the default, decides), this project's environment otherwise.
    pub fn run_in(&self, dir: &std::path::Path, args: &[&str]) -> Run {
        let mut command = self.bare_command(args, &[]);
        command.current_dir(dir);
        Run::of(command)
    }

    /// The command `run_with` runs, for tests that need the process itself.
    pub fn command(&self, args: &[&str], extra_env: &[(&str, &str)]) -> Command {
        let mut command = self.bare_command(args, extra_env);
        command.args(["--project", &self.name]);
        command
    }

    /// `mcp-fa ARGS` with this project's state directory and environment, and no `--project`.
    fn bare_command(&self, args: &[&str], extra_env: &[(&str, &str)]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_mcp-fa"));
        command
            .args(args)
            .env_remove("MCP_FA_PROJECT")
            .env("MCP_FA_STATE_DIR", self.state_dir.path())
            .env_remove("DOCKER_HOST")
            .env_remove("MCP_FA_KICKSTART_TEMPLATE")
            .stdin(Stdio::null());
        for (key, value) in &self.env {
            command.env(key, value);
        }
        for (key, value) in extra_env {
            command.env(key, value);
        }
        command
    }

    /// `mcp-fa up --json --no-server` with the test images and this project's ports, plus
    /// `extra`: the stack alone (see [`TestProject::up_serving`] for the server).
    pub fn up(&self, extra: &[&str]) -> Run {
        self.up_with(extra, &[])
    }

    pub fn up_with(&self, extra: &[&str], extra_env: &[(&str, &str)]) -> Run {
        let args = self.up_args(extra);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        self.run_with(&args, extra_env)
    }

    /// `up` with the shipped kickstart template plus one request FusionAuth refuses (a
    /// password too short), inserted before the last one. The request carries the generated
    /// admin password as the username: FusionAuth logs the request as sent, and that password
    /// must not be shown.
    pub fn up_with_a_refused_kickstart_request(&self) -> Run {
        let mut template: serde_json::Value =
            serde_json::from_str(mcp_fa::stack::KICKSTART_TEMPLATE).expect("template");
        let requests = template["requests"].as_array_mut().expect("requests");
        let last = requests.len() - 1;
        requests.insert(
            last,
            serde_json::json!({"method": "POST", "url": "/api/user",
                "body": {"user": {"username": "#{adminPassword}", "password": "short"}}}),
        );
        let path = self.state_dir.path().join("broken-kickstart.json");
        std::fs::write(&path, template.to_string()).expect("write template");
        let path = path.to_str().expect("utf-8");
        self.up_with(&[], &[("MCP_FA_KICKSTART_TEMPLATE", path)])
    }

    /// The arguments `up` runs with (see [`TestProject::up`]).
    pub fn up_args(&self, extra: &[&str]) -> Vec<String> {
        let mut args = vec!["up".to_owned(), "--json".to_owned()];
        args.extend(self.stack_flags());
        args.extend(
            ["--timeout", &self.timeout_secs.to_string(), "--no-server"]
                .iter()
                .chain(extra)
                .map(|arg| (*arg).to_owned()),
        );
        args
    }

    /// This project's images and ports as `up` (and `init`) take them.
    pub fn stack_flags(&self) -> Vec<String> {
        [
            "--fusionauth-image",
            &self.images.fusionauth,
            "--postgres-image",
            &self.images.postgres,
            "--fusionauth-port",
            &self.fusionauth_port.to_string(),
            "--mcp-port",
            &self.mcp_port.to_string(),
        ]
        .iter()
        .map(|arg| (*arg).to_owned())
        .collect()
    }

    /// `up` serving the MCP server as well (no `--no-server`): in the background with
    /// `--detach` in `extra`, else in the foreground until interrupted.
    pub fn up_serving(&self, extra: &[&str]) -> Run {
        let args = self.serving_up_args(extra);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        self.run(&args)
    }

    /// `up` serving in the foreground as a person runs it (text output, no terminal, so no
    /// walkthrough), returned once its report has said where the MCP server is: the process,
    /// and the report's lines so far. Its standard error is captured for the test to read.
    #[allow(
        clippy::zombie_processes,
        reason = "the child goes to the caller, which waits for it"
    )]
    pub fn spawn_foreground_up(&self) -> (std::process::Child, String) {
        use std::io::{BufRead, BufReader};
        let args = self.serving_up_args(&[]);
        let args: Vec<&str> = args
            .iter()
            .map(String::as_str)
            .filter(|a| *a != "--json")
            .collect();
        let mut child = self
            .command(&args, &[])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn up");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut seen = String::new();
        loop {
            let mut line = String::new();
            if stdout.read_line(&mut line).expect("read") == 0 {
                let _ = child.kill();
                let _ = child.wait();
                panic!("up ended before the server was ready:\n{seen}");
            }
            seen.push_str(&line);
            if line.contains("MCP server:") {
                return (child, seen);
            }
        }
    }

    /// The arguments [`TestProject::up_serving`] runs with.
    pub fn serving_up_args(&self, extra: &[&str]) -> Vec<String> {
        let mut args = self.up_args(extra);
        args.retain(|arg| arg != "--no-server");
        args
    }

    /// The state file as JSON (panics when there is none).
    pub fn saved_state(&self) -> Value {
        serde_json::from_str(&std::fs::read_to_string(self.state_file()).expect("state file"))
            .expect("state JSON")
    }

    /// The project's server record (who serves its MCP port), if one is kept.
    pub fn server_record(&self) -> Option<Value> {
        let path = self
            .state_dir
            .path()
            .join(format!("{}.server.json", self.name));
        let text = std::fs::read_to_string(path).ok()?;
        Some(serde_json::from_str(&text).expect("server record JSON"))
    }

    /// The kickstarted demo user in the state file (id, email, password, ...).
    pub fn demo_user(&self) -> Value {
        let state = self.saved_state();
        state["users"]
            .as_array()
            .expect("users")
            .iter()
            .find(|u| u["role"] == "demo")
            .expect("demo user")
            .clone()
    }

    /// The saved API key and the API path of the kickstarted demo user: what a "the data is
    /// still there" check reads.
    pub fn key_and_demo_user(&self) -> (String, String) {
        let key = self.saved_state()["apiKey"]
            .as_str()
            .expect("key")
            .to_owned();
        let id = self.demo_user()["id"].as_str().expect("id").to_owned();
        (key, format!("/api/user/{id}"))
    }

    /// Asserts that `status`, as text, says the stack is not running.
    #[track_caller]
    pub fn assert_reported_not_running(&self) {
        let text = self.run(&["status"]);
        assert!(
            text.assert_ok().stdout.contains(": not running"),
            "{}",
            text.stdout
        );
    }

    /// Runs `up` on a damaged stack and asserts that it healed it on the kept data: kickstart
    /// skipped, the same API key `key` saved, the demo user (`demo`, its API path) still there.
    /// Returns what `up` did.
    #[track_caller]
    pub fn assert_up_heals(&self, key: &str, demo: &str) -> Run {
        let healed = self.up(&[]);
        let report = healed.assert_ok().json();
        assert_eq!(
            report["kickstart"], "skipped",
            "the kept volume still holds the kickstarted data: {report:#}"
        );
        assert_eq!(self.saved_state()["apiKey"], key);
        assert_eq!(self.fusionauth_get(key, demo), Some(200));
        healed
    }

    /// GET `path` on the stack's FusionAuth with `key`: the status, or `None` when nothing
    /// answers on the port.
    pub fn fusionauth_get(&self, key: &str, path: &str) -> Option<u16> {
        let url = format!("http://127.0.0.1:{}{path}", self.fusionauth_port);
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime")
            .block_on(async {
                reqwest::Client::builder()
                    .timeout(Duration::from_secs(5))
                    .build()
                    .expect("client")
                    .get(url)
                    .header("Authorization", key)
                    .send()
                    .await
                    .ok()
                    .map(|r| r.status().as_u16())
            })
    }

    /// Names of the containers, networks and volumes carrying this project's label.
    pub fn labelled(&self, kind: &str) -> Vec<String> {
        let filter = format!("label=dev.mcp-fa.project={}", self.name);
        let args: Vec<&str> = match kind {
            "container" => vec!["ps", "-a", "--filter", &filter, "--format", "{{.Names}}"],
            "network" => vec![
                "network",
                "ls",
                "--filter",
                &filter,
                "--format",
                "{{.Name}}",
            ],
            "volume" => vec!["volume", "ls", "--filter", &filter, "--format", "{{.Name}}"],
            other => panic!("unknown kind {other}"),
        };
        let out = docker_output(&args);
        assert!(out.status.success(), "docker {args:?} failed");
        let mut names: Vec<String> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_string)
            .filter(|l| !l.is_empty())
            .collect();
        names.sort();
        names
    }

    /// Every labelled object, for "nothing left" assertions.
    pub fn all_labelled(&self) -> Vec<String> {
        ["container", "network", "volume"]
            .iter()
            .flat_map(|kind| self.labelled(kind))
            .collect()
    }
}

impl Drop for TestProject {
    fn drop(&mut self) {
        let containers = self.labelled("container");
        if std::thread::panicking() {
            for c in &containers {
                let out = docker_output(&["logs", "--tail", "30", c]);
                eprintln!(
                    "--- last log lines of {c} ---\n{}{}---",
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                );
            }
        }
        if !containers.is_empty() {
            let mut args = vec!["rm", "-f"];
            args.extend(containers.iter().map(String::as_str));
            let _ = docker_output(&args);
        }
        for network in self.labelled("network") {
            let _ = docker_output(&["network", "rm", &network]);
        }
        let volumes = self.labelled("volume");
        if !volumes.is_empty() {
            let mut args = vec!["volume", "rm", "-f"];
            args.extend(volumes.iter().map(String::as_str));
            let _ = docker_output(&args);
        }
    }
}
