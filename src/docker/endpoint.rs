//! Where the Docker daemon might be listening, in the order users expect, and how to start the
//! runtime that owns each place.
//!
//! bollard only reads `DOCKER_HOST` or `/var/run/docker.sock`, but most desktop users run Docker
//! Desktop, colima, OrbStack, Rancher Desktop, lima or podman, whose sockets live elsewhere, or
//! select one with a docker context. This module only *lists* candidates from the environment and
//! the file system (pure and unit-tested on fake home directories); probing them is
//! [`super::client`]'s job.

use std::path::{Path, PathBuf};

/// The runtimes whose sockets we know, for naming them and for saying how to start them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Runtime {
    DockerEngine,
    RootlessDocker,
    DockerDesktop,
    Colima,
    OrbStack,
    RancherDesktop,
    Lima,
    Podman,
}

impl Runtime {
    pub fn name(self) -> &'static str {
        match self {
            Self::DockerEngine => "Docker Engine",
            Self::RootlessDocker => "rootless Docker",
            Self::DockerDesktop => "Docker Desktop",
            Self::Colima => "colima",
            Self::OrbStack => "OrbStack",
            Self::RancherDesktop => "Rancher Desktop",
            Self::Lima => "lima",
            Self::Podman => "podman",
        }
    }

    /// The command that starts this runtime on the current platform.
    pub fn start_command(self) -> &'static str {
        match self {
            Self::DockerEngine => "sudo systemctl start docker",
            Self::RootlessDocker => "systemctl --user start docker",
            Self::DockerDesktop if cfg!(target_os = "macos") => "open -a Docker",
            Self::DockerDesktop => "systemctl --user start docker-desktop",
            Self::Colima => "colima start",
            Self::OrbStack => "orb start",
            Self::RancherDesktop if cfg!(target_os = "macos") => "open -a \"Rancher Desktop\"",
            Self::RancherDesktop => "rdctl start",
            Self::Lima => "limactl start docker",
            Self::Podman if cfg!(target_os = "linux") => "systemctl --user start podman.socket",
            Self::Podman => "podman machine start",
        }
    }
}

/// Why a candidate is on the list: shown by `doctor` and in "Docker is not running" errors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// `DOCKER_HOST` is set: the user chose, so nothing else is tried.
    DockerHostVariable,
    /// `DOCKER_CONTEXT`, or `currentContext` in the docker CLI's `config.json`.
    Context { name: String, from_variable: bool },
    /// `/var/run/docker.sock`, where Docker Engine (and Docker Desktop's compatibility link) live.
    DefaultSocket,
    /// A socket file found where a known runtime puts it.
    KnownSocket(Runtime),
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::DockerHostVariable => f.write_str("DOCKER_HOST is set"),
            Self::Context {
                name,
                from_variable: true,
            } => write!(f, "DOCKER_CONTEXT selects context `{name}`"),
            Self::Context { name, .. } => {
                write!(f, "the docker CLI's current context is `{name}`")
            }
            Self::DefaultSocket => f.write_str("the default socket"),
            Self::KnownSocket(runtime) => write!(f, "{}'s socket", runtime.name()),
        }
    }
}

/// One place to try: a `DOCKER_HOST`-style address (`unix:///path`, `tcp://host:port`, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub host: String,
    pub source: Source,
}

impl Candidate {
    /// The runtime that owns this place, when we can tell.
    pub fn runtime(&self) -> Option<Runtime> {
        match &self.source {
            Source::KnownSocket(runtime) => Some(*runtime),
            Source::DefaultSocket => Some(Runtime::DockerEngine),
            _ => runtime_for_socket_path(&self.host),
        }
    }
}

/// The parts of the process environment discovery reads, so tests can fake them.
#[derive(Debug, Clone, Default)]
pub struct Environment {
    pub home: Option<PathBuf>,
    pub docker_host: Option<String>,
    pub docker_context: Option<String>,
    /// `DOCKER_CONFIG`: the docker CLI's configuration directory (default `~/.docker`).
    pub docker_config: Option<PathBuf>,
    pub xdg_runtime_dir: Option<PathBuf>,
    /// Prefix for absolute system paths (`/var/run/docker.sock`, `/run/podman/...`); empty in
    /// real use, a temp dir in tests.
    pub root: PathBuf,
}

impl Environment {
    pub fn from_process() -> Self {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        Self {
            home: var("HOME").map(PathBuf::from),
            docker_host: var("DOCKER_HOST"),
            docker_context: var("DOCKER_CONTEXT"),
            docker_config: var("DOCKER_CONFIG").map(PathBuf::from),
            xdg_runtime_dir: var("XDG_RUNTIME_DIR").map(PathBuf::from),
            root: PathBuf::from("/"),
        }
    }

    fn system(&self, absolute: &str) -> PathBuf {
        self.root.join(absolute.trim_start_matches('/'))
    }

    fn docker_config_dir(&self) -> Option<PathBuf> {
        self.docker_config
            .clone()
            .or_else(|| self.home.as_ref().map(|home| home.join(".docker")))
    }
}

/// What discovery found: the candidates to probe in order, plus problems worth reporting (an
/// unreadable `config.json`, a context without a Docker endpoint).
#[derive(Debug, Clone, Default)]
pub struct Discovery {
    pub candidates: Vec<Candidate>,
    pub notes: Vec<String>,
    /// `DOCKER_HOST` or `DOCKER_CONTEXT` was set: only that candidate may be used, because
    /// silently falling back to another daemon would run the stack somewhere the user did not
    /// ask for.
    pub explicit: bool,
}

/// Candidates in the order that works: `DOCKER_HOST` → the current context → the default
/// socket → known runtime sockets. Socket files that do not exist are left out; stale ones are
/// found by probing.
pub fn discover(env: &Environment) -> Discovery {
    let mut found = Discovery::default();
    if let Some(host) = &env.docker_host {
        found.candidates.push(Candidate {
            host: host.clone(),
            source: Source::DockerHostVariable,
        });
        found.explicit = true;
        return found;
    }

    let (context, from_variable) = match &env.docker_context {
        Some(name) => (Some(name.clone()), true),
        None => (current_context(env, &mut found.notes), false),
    };
    if let Some(name) = context.filter(|name| name != "default") {
        match context_endpoint(env, &name) {
            Ok(host) => found.candidates.push(Candidate {
                host,
                source: Source::Context {
                    name,
                    from_variable,
                },
            }),
            Err(note) => found.notes.push(note),
        }
        if from_variable {
            found.explicit = true;
            return found;
        }
    }

    let default_socket = env.system("/var/run/docker.sock");
    if default_socket.exists() {
        found.candidates.push(Candidate {
            host: unix_host(&default_socket),
            source: Source::DefaultSocket,
        });
    }
    for (runtime, path) in known_sockets(env) {
        let already = found
            .candidates
            .iter()
            .any(|candidate| candidate.host == unix_host(&path));
        if path.exists() && !already {
            found.candidates.push(Candidate {
                host: unix_host(&path),
                source: Source::KnownSocket(runtime),
            });
        }
    }
    found
}

/// Where each runtime puts its socket, most common first.
pub fn known_sockets(env: &Environment) -> Vec<(Runtime, PathBuf)> {
    let mut sockets = Vec::new();
    if let Some(home) = &env.home {
        let at = |relative: &str| home.join(relative);
        sockets.extend([
            (Runtime::DockerDesktop, at(".docker/run/docker.sock")),
            (Runtime::DockerDesktop, at(".docker/desktop/docker.sock")),
            (Runtime::OrbStack, at(".orbstack/run/docker.sock")),
            (Runtime::Colima, at(".colima/default/docker.sock")),
            (Runtime::Colima, at(".config/colima/default/docker.sock")),
            (Runtime::RancherDesktop, at(".rd/docker.sock")),
            (Runtime::Lima, at(".lima/docker/sock/docker.sock")),
            (Runtime::Lima, at(".lima/default/sock/docker.sock")),
        ]);
    }
    if let Some(runtime_dir) = &env.xdg_runtime_dir {
        sockets.push((Runtime::RootlessDocker, runtime_dir.join("docker.sock")));
        sockets.push((Runtime::Podman, runtime_dir.join("podman/podman.sock")));
    }
    sockets.push((Runtime::Podman, env.system("/run/podman/podman.sock")));
    sockets
}

/// Runtimes that look installed even though none answered: their socket file exists (stale), or
/// their program is on `PATH`. Used to say which command starts Docker.
pub fn installed_runtimes(env: &Environment, path_var: Option<&str>) -> Vec<Runtime> {
    let mut runtimes: Vec<Runtime> = Vec::new();
    let mut add = |runtime: Runtime| {
        if !runtimes.contains(&runtime) {
            runtimes.push(runtime);
        }
    };
    for (runtime, path) in known_sockets(env) {
        if path.exists() {
            add(runtime);
        }
    }
    if let Some(home) = &env.home {
        if home.join(".colima").is_dir() || home.join(".config/colima").is_dir() {
            add(Runtime::Colima);
        }
        if home.join(".orbstack").is_dir() {
            add(Runtime::OrbStack);
        }
    }
    if env.system("/Applications/Docker.app").exists() {
        add(Runtime::DockerDesktop);
    }
    if env.system("/Applications/OrbStack.app").exists() {
        add(Runtime::OrbStack);
    }
    let programs = [
        ("colima", Runtime::Colima),
        ("orb", Runtime::OrbStack),
        ("rdctl", Runtime::RancherDesktop),
        ("limactl", Runtime::Lima),
        ("podman", Runtime::Podman),
        ("dockerd", Runtime::DockerEngine),
    ];
    for dir in path_var.into_iter().flat_map(std::env::split_paths) {
        for (program, runtime) in programs {
            if dir.join(program).is_file() {
                add(runtime);
            }
        }
    }
    if env.system("/var/run/docker.sock").exists() {
        add(Runtime::DockerEngine);
    }
    runtimes
}

fn current_context(env: &Environment, notes: &mut Vec<String>) -> Option<String> {
    let path = env.docker_config_dir()?.join("config.json");
    let text = std::fs::read_to_string(&path).ok()?;
    match serde_json::from_str::<serde_json::Value>(&text) {
        Ok(config) => config
            .get("currentContext")
            .and_then(|value| value.as_str())
            .filter(|name| !name.is_empty())
            .map(str::to_owned),
        Err(error) => {
            notes.push(format!("{} is not valid JSON: {error}", path.display()));
            None
        }
    }
}

/// The Docker endpoint of context `name`, from `contexts/meta/<sha256 of name>/meta.json`. The
/// directory name is a hash, so every `meta.json` is read and matched on its `Name` instead.
fn context_endpoint(env: &Environment, name: &str) -> Result<String, String> {
    let not_found = || format!("docker context `{name}` was not found");
    let meta_dir = env
        .docker_config_dir()
        .ok_or_else(not_found)?
        .join("contexts/meta");
    let entries = std::fs::read_dir(&meta_dir).map_err(|_| not_found())?;
    for entry in entries.flatten() {
        let Ok(text) = std::fs::read_to_string(entry.path().join("meta.json")) else {
            continue;
        };
        let Ok(meta) = serde_json::from_str::<serde_json::Value>(&text) else {
            continue;
        };
        if meta.get("Name").and_then(|value| value.as_str()) != Some(name) {
            continue;
        }
        return meta
            .pointer("/Endpoints/docker/Host")
            .and_then(|value| value.as_str())
            .filter(|host| !host.is_empty())
            .map(str::to_owned)
            .ok_or_else(|| format!("docker context `{name}` has no Docker endpoint"));
    }
    Err(not_found())
}

fn unix_host(path: &Path) -> String {
    format!("unix://{}", path.display())
}

fn runtime_for_socket_path(host: &str) -> Option<Runtime> {
    let path = host.strip_prefix("unix://")?;
    [
        (".colima", Runtime::Colima),
        ("colima", Runtime::Colima),
        (".orbstack", Runtime::OrbStack),
        (".rd/", Runtime::RancherDesktop),
        (".lima", Runtime::Lima),
        ("podman", Runtime::Podman),
        (".docker/run", Runtime::DockerDesktop),
        (".docker/desktop", Runtime::DockerDesktop),
    ]
    .into_iter()
    .find(|(needle, _)| path.contains(needle))
    .map(|(_, runtime)| runtime)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fake {
        dir: tempfile::TempDir,
    }

    impl Fake {
        fn new() -> Self {
            let dir = tempfile::tempdir().expect("temp dir");
            std::fs::create_dir_all(dir.path().join("root")).expect("root");
            std::fs::create_dir_all(dir.path().join("home")).expect("home");
            Self { dir }
        }

        fn env(&self) -> Environment {
            Environment {
                home: Some(self.home()),
                root: self.dir.path().join("root"),
                ..Environment::default()
            }
        }

        fn home(&self) -> PathBuf {
            self.dir.path().join("home")
        }

        fn root(&self) -> PathBuf {
            self.dir.path().join("root")
        }

        /// A plain file is enough: discovery only checks that the socket path exists.
        fn touch(&self, path: PathBuf) -> PathBuf {
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(&path, b"").expect("touch");
            path
        }

        fn context(&self, name: &str, host: &str) {
            let dir = self
                .home()
                .join(".docker/contexts/meta")
                .join(format!("h-{name}"));
            std::fs::create_dir_all(&dir).expect("mkdir");
            let meta = serde_json::json!({
                "Name": name,
                "Metadata": {"Description": "test"},
                "Endpoints": {"docker": {"Host": host, "SkipTLSVerify": false}}
            });
            std::fs::write(dir.join("meta.json"), meta.to_string()).expect("meta");
        }

        fn current_context(&self, name: &str) {
            let dir = self.home().join(".docker");
            std::fs::create_dir_all(&dir).expect("mkdir");
            std::fs::write(
                dir.join("config.json"),
                serde_json::json!({"auths": {}, "currentContext": name}).to_string(),
            )
            .expect("config");
        }
    }

    fn hosts(found: &Discovery) -> Vec<&str> {
        found.candidates.iter().map(|c| c.host.as_str()).collect()
    }

    #[test]
    fn docker_host_wins_and_nothing_else_is_tried() {
        let fake = Fake::new();
        fake.touch(fake.root().join("var/run/docker.sock"));
        let env = Environment {
            docker_host: Some("tcp://127.0.0.1:1".into()),
            ..fake.env()
        };
        let found = discover(&env);
        assert_eq!(hosts(&found), ["tcp://127.0.0.1:1"]);
        assert!(found.explicit);
        assert_eq!(found.candidates[0].source, Source::DockerHostVariable);
    }

    #[test]
    fn current_context_comes_before_the_default_socket() {
        let fake = Fake::new();
        let default = fake.touch(fake.root().join("var/run/docker.sock"));
        let colima = fake.touch(fake.home().join(".colima/default/docker.sock"));
        fake.context("colima", &format!("unix://{}", colima.display()));
        fake.context("other", "tcp://10.0.0.1:2375");
        fake.current_context("colima");
        let found = discover(&fake.env());
        assert_eq!(
            hosts(&found),
            [
                format!("unix://{}", colima.display()),
                format!("unix://{}", default.display())
            ]
        );
        assert!(!found.explicit, "a configured context may fall back");
        assert_eq!(
            found.candidates[0].source,
            Source::Context {
                name: "colima".into(),
                from_variable: false
            }
        );
        assert_eq!(found.candidates[0].runtime(), Some(Runtime::Colima));
    }

    #[test]
    fn docker_context_variable_is_exclusive() {
        let fake = Fake::new();
        fake.touch(fake.root().join("var/run/docker.sock"));
        fake.context("remote", "tcp://10.0.0.1:2375");
        fake.current_context("colima");
        let env = Environment {
            docker_context: Some("remote".into()),
            ..fake.env()
        };
        let found = discover(&env);
        assert_eq!(hosts(&found), ["tcp://10.0.0.1:2375"]);
        assert!(found.explicit);
    }

    #[test]
    fn default_context_means_the_usual_places() {
        let fake = Fake::new();
        fake.current_context("default");
        let desktop = fake.touch(fake.home().join(".docker/run/docker.sock"));
        let found = discover(&fake.env());
        assert_eq!(hosts(&found), [format!("unix://{}", desktop.display())]);
        assert_eq!(
            found.candidates[0].source,
            Source::KnownSocket(Runtime::DockerDesktop)
        );
    }

    #[test]
    fn a_missing_or_broken_context_is_noted_not_fatal() {
        let fake = Fake::new();
        fake.current_context("gone");
        let socket = fake.touch(fake.root().join("var/run/docker.sock"));
        let found = discover(&fake.env());
        assert_eq!(hosts(&found), [format!("unix://{}", socket.display())]);
        assert!(
            found.notes[0].contains("`gone` was not found"),
            "{:?}",
            found.notes
        );

        std::fs::write(fake.home().join(".docker/config.json"), "{not json").expect("write");
        let found = discover(&fake.env());
        assert!(
            found.notes[0].contains("not valid JSON"),
            "{:?}",
            found.notes
        );
    }

    #[test]
    fn known_sockets_are_listed_only_when_present_in_order() {
        let fake = Fake::new();
        let runtime_dir = fake.dir.path().join("run-user");
        let podman = fake.touch(runtime_dir.join("podman/podman.sock"));
        let orb = fake.touch(fake.home().join(".orbstack/run/docker.sock"));
        let colima = fake.touch(fake.home().join(".config/colima/default/docker.sock"));
        let env = Environment {
            xdg_runtime_dir: Some(runtime_dir),
            ..fake.env()
        };
        let found = discover(&env);
        assert_eq!(
            hosts(&found),
            [orb, colima, podman].map(|p| format!("unix://{}", p.display()))
        );
        let runtimes: Vec<_> = found.candidates.iter().map(|c| c.runtime()).collect();
        assert_eq!(
            runtimes,
            [
                Some(Runtime::OrbStack),
                Some(Runtime::Colima),
                Some(Runtime::Podman)
            ]
        );
    }

    #[test]
    fn nothing_found_is_an_empty_list() {
        let fake = Fake::new();
        let found = discover(&fake.env());
        assert!(found.candidates.is_empty());
        assert!(!found.explicit);
    }

    #[test]
    fn installed_runtimes_come_from_sockets_and_programs() {
        let fake = Fake::new();
        fake.touch(fake.home().join(".colima/default/docker.sock"));
        let bin = fake.dir.path().join("bin");
        fake.touch(bin.join("podman"));
        let path_var = bin.display().to_string();
        let runtimes = installed_runtimes(&fake.env(), Some(&path_var));
        assert_eq!(runtimes, [Runtime::Colima, Runtime::Podman]);
        assert_eq!(Runtime::Colima.start_command(), "colima start");
    }
}
