//! A Docker daemon of the test's own, for faults that must not touch the shared one: stopping
//! and restarting Docker under a running stack, or giving Docker a disk that is full.
//!
//! [`PrivateDocker::start`] runs `dockerd` with its own socket, data root, exec root, pid file
//! and managed containerd (under the exec root), a default bridge of its own (never the host's
//! `docker0`), no iptables management and an address pool of its own, so it never meets the daemon at /var/run/docker.sock. Published
//! ports go through docker-proxy. Dropping it stops the daemon, kills what is left of it by pid,
//! unmounts everything below its directory, removes the directory, its bridge and its one firewall rule,
//! panic or not. It never stops, restarts or reconfigures the shared daemon.
//!
//! Needs root and `dockerd`. Without them [`available`] prints "skipping" and returns false,
//! except under `CI=true`, where it panics.

#![allow(dead_code)]

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::docker::{Images, docker_available, under_ci};

/// `dockerd` on PATH or in the sbin directories (often left out of a user's PATH).
fn dockerd_binary() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/usr/local/sbin", "/sbin"].map(PathBuf::from))
        .map(|dir| dir.join("dockerd"))
        .find(|candidate| candidate.is_file())
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|line| line.strip_prefix("Uid:"))
                .and_then(|ids| ids.split_whitespace().nth(1).map(|e| e == "0"))
        })
        .unwrap_or(false)
}

/// Whether a private daemon can be started here (and the shared one answers, for the images).
/// Use as `if !private_docker::available() { return; }`.
pub fn available() -> bool {
    if !docker_available() {
        return false;
    }
    let missing = if !is_root() {
        Some("a private dockerd needs root".to_owned())
    } else if dockerd_binary().is_none() {
        Some("no dockerd binary (Debian: apt-get install docker.io)".to_owned())
    } else {
        None
    };
    match missing {
        None => true,
        Some(reason) if under_ci() => panic!("CI=true requires a private dockerd: {reason}"),
        Some(reason) => {
            eprintln!("skipping: {reason}");
            false
        }
    }
}

/// How the private daemon's storage is made.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    /// Put the data root on a tmpfs of this many MiB (for disk-full tests).
    pub tmpfs_mib: Option<u64>,
    /// The daemon's default log driver (`--log-driver`); Docker's own default when `None`.
    pub log_driver: Option<&'static str>,
}

pub struct PrivateDocker {
    dir: PathBuf,
    pub data_root: PathBuf,
    exec_root: PathBuf,
    pidfile: PathBuf,
    log: PathBuf,
    /// `unix://<dir>/docker.sock`, for DOCKER_HOST.
    pub host: String,
    /// `10.N.0.0/16`: the networks this daemon creates, and the firewall rule's scope.
    pub pool: String,
    /// The daemon's own default bridge (see [`PrivateDocker::create_bridge`]).
    bridge: String,
    bridge_created: bool,
    /// How many times dockerd was started (restarts need `--live-restore`, see `start_daemon`).
    starts: u32,
    log_driver: Option<&'static str>,
    child: Option<Child>,
    forward_rule: bool,
    /// Held until everything above is cleaned up (fields drop after `Drop::drop`).
    _turn: MutexGuard<'static, ()>,
}

/// One private daemon at a time in this test process. Two at once would each run a dockerd, a
/// containerd and a stack on a two-core machine, and could pick the same address pool (each
/// reads the routes before the other's bridge exists) and bridge name (the pid is shared).
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// A /16 in 10.0.0.0/8 that no interface or route on this host uses yet, so that two private
/// daemons (in test processes run at once) and the shared one never hand out the same subnet.
fn free_pool() -> String {
    let routes = Command::new("ip")
        .args(["-4", "route", "show", "table", "all"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    let seed = std::process::id() as usize
        + std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos() as usize)
            .unwrap_or(0);
    for step in 0..50 {
        let octet = 200 + (seed + step * 7) % 50;
        if !routes.contains(&format!("10.{octet}.")) {
            return format!("10.{octet}.0.0/16");
        }
    }
    panic!("no free 10.x.0.0/16 for a private Docker daemon; routes:\n{routes}")
}

/// `mcpfa-<octet>-<pid>`: unique per daemon, within the 15 bytes Linux allows a link name.
fn bridge_name(pool: &str) -> String {
    let octet = pool
        .trim_start_matches("10.")
        .split('.')
        .next()
        .unwrap_or("0");
    format!("mcpfa-{octet}-{}", std::process::id() % 10_000)
}

impl PrivateDocker {
    /// Starts the daemon and waits until it answers (its first start takes a few seconds).
    pub fn start(options: Options) -> PrivateDocker {
        // A test that panicked with its daemon has cleaned up in its drop: the turn is free.
        let turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
        // Unix socket paths are limited to 108 bytes: keep the directory short.
        let dir = tempfile::Builder::new()
            .prefix("mcpfa-dk-")
            .tempdir_in("/tmp")
            .expect("temp dir")
            .keep();
        let pool = free_pool();
        let mut daemon = PrivateDocker {
            data_root: dir.join("data"),
            exec_root: dir.join("exec"),
            pidfile: dir.join("docker.pid"),
            log: dir.join("dockerd.log"),
            host: format!("unix://{}", dir.join("docker.sock").display()),
            bridge: bridge_name(&pool),
            pool,
            bridge_created: false,
            starts: 0,
            log_driver: options.log_driver,
            dir,
            child: None,
            forward_rule: false,
            _turn: turn,
        };
        std::fs::create_dir_all(&daemon.data_root).expect("data root");
        std::fs::create_dir_all(&daemon.exec_root).expect("exec root");
        if let Some(mib) = options.tmpfs_mib {
            let status = Command::new("mount")
                .args([
                    "-t",
                    "tmpfs",
                    "-o",
                    &format!("size={mib}m,mode=0711"),
                    "tmpfs",
                ])
                .arg(&daemon.data_root)
                .status()
                .expect("run mount");
            assert!(status.success(), "mount -t tmpfs failed ({status})");
        }
        daemon.allow_forwarding();
        daemon.create_bridge();
        daemon.start_daemon();
        daemon
    }

    /// Every daemon needs a default bridge, and one started with `--bridge=none` deletes the
    /// host's `docker0` on start (dockerd removes "its" default bridge interface when told to
    /// have none), which breaks the shared daemon's default network for every other test. So
    /// this daemon gets a bridge of its own, in the last /24 of its pool.
    fn create_bridge(&mut self) {
        let base = self.pool.trim_end_matches(".0.0/16");
        let address = format!("{base}.255.1/24");
        let ip = |args: &[&str]| {
            let out = Command::new("ip").args(args).output().expect("run ip");
            assert!(
                out.status.success(),
                "ip {args:?} failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        };
        ip(&["link", "add", "name", &self.bridge, "type", "bridge"]);
        self.bridge_created = true;
        ip(&["addr", "add", &address, "dev", &self.bridge]);
        ip(&["link", "set", &self.bridge, "up"]);
    }

    /// With `net.bridge.bridge-nf-call-iptables` on, traffic between two containers on one
    /// bridge passes the FORWARD chain, whose policy the shared daemon sets to DROP. This
    /// daemon manages no rules of its own, so one ACCEPT limited to its own pool lets its
    /// containers reach each other; it is removed on drop.
    fn allow_forwarding(&mut self) {
        let out = Command::new("iptables")
            .args(self.forward_rule_args("-I"))
            .stdin(Stdio::null())
            .output();
        match out {
            Ok(out) if out.status.success() => self.forward_rule = true,
            Ok(out) => eprintln!(
                "note: no FORWARD rule for {} ({}); containers may not reach each other",
                self.pool,
                String::from_utf8_lossy(&out.stderr).trim()
            ),
            Err(e) => {
                eprintln!("note: no iptables ({e}); assuming bridged traffic is not filtered")
            }
        }
    }

    fn forward_rule_args(&self, action: &str) -> Vec<String> {
        [
            action,
            "FORWARD",
            "-s",
            &self.pool,
            "-d",
            &self.pool,
            "-m",
            "comment",
            "--comment",
            "mcp-fa-test-private-dockerd",
            "-j",
            "ACCEPT",
        ]
        .map(str::to_owned)
        .to_vec()
    }

    /// (Re)starts dockerd on the same directories and waits until it answers.
    pub fn start_daemon(&mut self) {
        assert!(
            self.child.is_none(),
            "the private daemon is already running"
        );
        let log = File::options()
            .create(true)
            .append(true)
            .open(&self.log)
            .expect("dockerd log");
        let child = Command::new(dockerd_binary().expect("dockerd"))
            .arg("--host")
            .arg(&self.host)
            .arg("--data-root")
            .arg(&self.data_root)
            .arg("--exec-root")
            .arg(&self.exec_root)
            .arg("--pidfile")
            .arg(&self.pidfile)
            .args([
                "--bridge",
                &self.bridge,
                "--iptables=false",
                "--ip-masq=false",
                "--ip-forward=false",
                "--default-address-pool",
                &format!("base={},size=24", self.pool),
            ])
            // On a restart, dockerd (20.10) clears its stale default network and, when it has
            // custom address pools and live-restore is off, deletes the interface `docker0`
            // by name: the shared daemon's bridge, not ours. Live-restore on the restart avoids
            // that and changes nothing here: the containers already stopped with the daemon.
            .args(
                self.log_driver
                    .map(|driver| ["--log-driver", driver])
                    .iter()
                    .flatten(),
            )
            .args(if self.starts > 0 {
                &["--live-restore"][..]
            } else {
                &[][..]
            })
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("start dockerd");
        self.starts += 1;
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if self
                .docker(&["version", "--format", "{{.Server.Version}}"])
                .status
                .success()
            {
                return;
            }
            if let Some(status) = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
                self.child = None;
                panic!(
                    "the private dockerd exited ({status}); its log:\n{}",
                    self.log_tail(40)
                );
            }
            assert!(
                Instant::now() < deadline,
                "the private dockerd did not answer within 60 s; its log:\n{}",
                self.log_tail(40)
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Stops the daemon as a service manager would (SIGTERM, then wait for it to exit: it stops
    /// its containers first). Returns how long that took.
    pub fn stop_daemon(&mut self) -> Duration {
        let started = Instant::now();
        let Some(mut child) = self.child.take() else {
            return Duration::ZERO;
        };
        signal(child.id(), "-TERM");
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if child.try_wait().ok().flatten().is_some() {
                break;
            }
            if Instant::now() > deadline {
                signal(child.id(), "-KILL");
                let _ = child.wait();
                panic!(
                    "the private dockerd did not stop within 60 s of SIGTERM; its log:\n{}",
                    self.log_tail(40)
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        started.elapsed()
    }

    /// `docker -H <this daemon> ARGS`, whatever the exit code.
    pub fn docker(&self, args: &[&str]) -> Output {
        Command::new("docker")
            .arg("-H")
            .arg(&self.host)
            .args(args)
            .env_remove("DOCKER_CONTEXT")
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("cannot run the docker CLI: {e}"))
    }

    /// `docker -H <this daemon> ARGS`, panicking on failure; trimmed stdout.
    #[track_caller]
    pub fn docker_ok(&self, args: &[&str]) -> String {
        let out = self.docker(args);
        assert!(
            out.status.success(),
            "`docker -H {} {}` failed: {}",
            self.host,
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        );
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    /// Copies the test images from the shared daemon (`docker save | docker load`).
    pub fn load_images(&self, images: &Images) {
        let mut save = Command::new("docker")
            .args(["save", &images.fusionauth, &images.postgres])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .expect("docker save");
        let archive = save.stdout.take().expect("stdout");
        let load = Command::new("docker")
            .arg("-H")
            .arg(&self.host)
            .args(["load", "--quiet"])
            .stdin(archive)
            .output()
            .expect("docker load");
        let saved = save.wait().expect("docker save");
        assert!(saved.success(), "docker save failed ({saved})");
        assert!(
            load.status.success(),
            "docker load into the private daemon failed: {}",
            String::from_utf8_lossy(&load.stderr)
        );
    }

    /// Names of the containers, networks and volumes labelled `dev.mcp-fa.project=<project>`.
    pub fn labelled(&self, project: &str) -> Vec<String> {
        let filter = format!("label=dev.mcp-fa.project={project}");
        let mut names = Vec::new();
        for args in [
            vec![
                "ps",
                "-a",
                "--filter",
                &filter,
                "--format",
                "container {{.Names}}",
            ],
            vec![
                "network",
                "ls",
                "--filter",
                &filter,
                "--format",
                "network {{.Name}}",
            ],
            vec![
                "volume",
                "ls",
                "--filter",
                &filter,
                "--format",
                "volume {{.Name}}",
            ],
        ] {
            names.extend(self.docker_ok(&args).lines().map(str::to_owned));
        }
        names.retain(|n| !n.is_empty());
        names
    }

    /// Fills the data root's file system until only about `free_kib` KiB are left (on a tmpfs
    /// data root: see [`Options::tmpfs_mib`]).
    pub fn fill_leaving(&self, free_kib: u64) {
        self.unfill();
        let available = available_kib(&self.data_root);
        let mut left = available.saturating_sub(free_kib) * 1024;
        let mut file = File::create(self.filler()).expect("filler");
        let chunk = vec![0u8; 1 << 20];
        while left > 0 {
            let n = left.min(chunk.len() as u64) as usize;
            match file.write_all(&chunk[..n]) {
                Ok(()) => left -= n as u64,
                // The daemon wrote meanwhile: full is full enough.
                Err(e) if e.raw_os_error() == Some(28) => break,
                Err(e) => panic!("filling {}: {e}", self.data_root.display()),
            }
        }
    }

    /// Removes what [`PrivateDocker::fill_leaving`] wrote.
    pub fn unfill(&self) {
        let _ = std::fs::remove_file(self.filler());
    }

    fn filler(&self) -> PathBuf {
        self.data_root.join("test-filler")
    }

    /// KiB free on the data root now.
    pub fn free_kib(&self) -> u64 {
        available_kib(&self.data_root)
    }

    pub fn log_tail(&self, lines: usize) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let all: Vec<&str> = text.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }
}

fn available_kib(path: &Path) -> u64 {
    let out = Command::new("df")
        .args(["-k", "--output=avail"])
        .arg(path)
        .output()
        .expect("df");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .nth(1)
        .and_then(|l| l.trim().parse().ok())
        .unwrap_or_else(|| panic!("df said {:?}", String::from_utf8_lossy(&out.stdout)))
}

fn signal(pid: u32, signal: &str) {
    let _ = Command::new("kill")
        .args([signal, &pid.to_string()])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// The pid in a pid file, if that process still runs.
fn live_pid(file: &Path) -> Option<u32> {
    let pid: u32 = std::fs::read_to_string(file).ok()?.trim().parse().ok()?;
    Path::new(&format!("/proc/{pid}")).exists().then_some(pid)
}

impl Drop for PrivateDocker {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!(
                "--- last lines of the private dockerd's log ---\n{}\n---",
                self.log_tail(30)
            );
        }
        self.unfill();
        if self.child.is_some() {
            // Same as a test's stop, bounded, and without panicking inside a drop.
            let mut child = self.child.take().expect("child");
            signal(child.id(), "-TERM");
            let deadline = Instant::now() + Duration::from_secs(30);
            while child.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(50));
            }
            if child.try_wait().ok().flatten().is_none() {
                signal(child.id(), "-KILL");
                let _ = child.wait();
            }
        }
        // Whatever the daemon left: its managed containerd, and the shims of its containers
        // (each records its pid below the exec root).
        if let Some(pid) = live_pid(&self.exec_root.join("containerd/containerd.pid")) {
            signal(pid, "-KILL");
        }
        for shim in find_files(&self.exec_root, "shim.pid") {
            if let Some(pid) = live_pid(&shim) {
                signal(pid, "-KILL");
            }
        }
        // Deepest mounts first: overlays and network namespaces, then the tmpfs itself.
        let mut mounts: Vec<String> = std::fs::read_to_string("/proc/self/mountinfo")
            .unwrap_or_default()
            .lines()
            .filter_map(|line| line.split(' ').nth(4).map(str::to_owned))
            .filter(|point| Path::new(point).starts_with(&self.dir))
            .collect();
        mounts.sort_by_key(|point| std::cmp::Reverse(point.len()));
        for point in mounts {
            let _ = Command::new("umount")
                .args(["-l", &point])
                .stdin(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
        if let Err(e) = std::fs::remove_dir_all(&self.dir) {
            eprintln!("could not remove {}: {e}", self.dir.display());
        }
        // The bridges of the networks it created outlive the daemon: remove every link with
        // an address in its pool.
        let links = Command::new("ip")
            .args(["-o", "-4", "addr", "show"])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default();
        let prefix = self.pool.trim_end_matches("0.0/16");
        for line in links.lines() {
            let fields: Vec<&str> = line.split_whitespace().collect();
            if fields.len() > 3 && fields[3].starts_with(prefix) && fields[1] != self.bridge {
                let _ = Command::new("ip")
                    .args(["link", "delete", fields[1]])
                    .stdin(Stdio::null())
                    .stderr(Stdio::null())
                    .status();
            }
        }
        if self.bridge_created {
            let _ = Command::new("ip")
                .args(["link", "delete", &self.bridge])
                .stdin(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
        if self.forward_rule {
            let _ = Command::new("iptables")
                .args(self.forward_rule_args("-D"))
                .stdin(Stdio::null())
                .status();
        }
    }
}

fn find_files(dir: &Path, name: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return found;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if entry
            .file_type()
            .is_ok_and(|t| t.is_dir() && !t.is_symlink())
        {
            found.extend(find_files(&path, name));
        } else if entry.file_name() == name {
            found.push(path);
        }
    }
    found
}
