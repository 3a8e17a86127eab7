//! A FusionAuth stand-in for mcp-fa's tests: it speaks FusionAuth 1.69's HTTP API and OAuth
//! endpoints closely enough that a tool which works against it works against FusionAuth.
//!
//! It owns: the in-memory model of one FusionAuth instance (tenant, keys, applications, users,
//! license, login records), kickstart, the hosted login and consent pages, token issuance, and
//! persistence through a "database" container role. It must never be kinder than FusionAuth:
//! where FusionAuth's documented behaviour is unfriendly (HS256 by default, 401 for fresh API
//! keys, kickstart stopping at the first failure, status answering before kickstart ran), the
//! stand-in reproduces it. FIDELITY.md lists each behaviour and its source.
//!
//! It is test-only: never shipped with mcp-fa, and its images are named so nobody takes them for
//! FusionAuth.

mod api;
mod clock;
pub mod database;
mod errors;
mod http;
mod kickstart;
mod oauth;
mod recorder;
mod state;
mod tenancy;
mod tokens;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub use clock::Clock;
pub use kickstart::KickstartOutcome;
pub use recorder::Exchange;
pub use state::ADMIN_APPLICATION_ID;

use tokio::net::TcpListener;
use tokio::sync::watch;

/// `build-image.sh`, which makes the stand-in images from this crate's binary: the tests of both
/// crates run it, and this is where it is, whichever crate asks.
pub const IMAGE_BUILD_SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/build-image.sh");

/// How one stand-in instance behaves. `SimConfig::from_env` is what the container uses;
/// tests start from `SimConfig::for_tests` and adjust.
#[derive(Clone, Debug)]
pub struct SimConfig {
    pub listen: SocketAddr,
    /// `FUSIONAUTH_APP_KICKSTART_FILE`: read once the instance is ready, run only on an empty
    /// database.
    pub kickstart_file: Option<PathBuf>,
    /// How long `/api/status` answers "not ready" after start (FusionAuth's JVM boot and
    /// maintenance mode).
    pub boot_delay: Duration,
    /// How long after `/api/status` first answers 200 kickstart starts. FusionAuth's status does
    /// not wait for kickstart, so a tool that trusts status alone races it.
    pub kickstart_delay: Duration,
    /// How long a freshly created API key answers 401.
    pub api_key_delay: Duration,
    /// `DATABASE_URL` (`jdbc:postgresql://host:port/db`); `None` keeps state in memory.
    pub database_url: Option<String>,
    /// `DATABASE_ROOT_USERNAME` / `DATABASE_ROOT_PASSWORD`, checked by the database role.
    pub database_user: Option<String>,
    pub database_password: Option<String>,
    /// Values for `#{ENV.NAME}` in the kickstart file.
    pub env: HashMap<String, String>,
    /// Keep every JSON exchange for the contract test.
    pub record_exchanges: bool,
    /// Echo log lines to stdout (the container's log); they are always kept in memory too.
    pub log_to_stdout: bool,
    /// What `/api/system/version` reports (`FUSIONAUTH_SIM_VERSION`); nothing else changes.
    pub version: String,
}

/// The FusionAuth version the stand-in reports unless told otherwise.
pub const DEFAULT_VERSION: &str = "1.69.3";

impl SimConfig {
    /// In-process defaults for tests: loopback port chosen by the OS, no boot delay, in-memory
    /// state. The API-key delay stays on, because FusionAuth has it too.
    pub fn for_tests() -> Self {
        SimConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            kickstart_file: None,
            boot_delay: Duration::ZERO,
            kickstart_delay: Duration::from_millis(50),
            api_key_delay: Duration::from_millis(300),
            database_url: None,
            database_user: None,
            database_password: None,
            env: std::env::vars().collect(),
            record_exchanges: true,
            log_to_stdout: false,
            version: DEFAULT_VERSION.to_owned(),
        }
    }

    /// The container's configuration, from FusionAuth's own environment variables plus a few
    /// `FUSIONAUTH_SIM_*` knobs for timing.
    pub fn from_env() -> Self {
        let ms = |name: &str, default: u64| {
            Duration::from_millis(
                std::env::var(name)
                    .ok()
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(default),
            )
        };
        SimConfig {
            listen: SocketAddr::from(([0, 0, 0, 0], 9011)),
            kickstart_file: std::env::var_os("FUSIONAUTH_APP_KICKSTART_FILE").map(PathBuf::from),
            boot_delay: ms("FUSIONAUTH_SIM_BOOT_DELAY_MS", 3000),
            kickstart_delay: ms("FUSIONAUTH_SIM_KICKSTART_DELAY_MS", 1500),
            api_key_delay: ms("FUSIONAUTH_SIM_API_KEY_DELAY_MS", 800),
            database_url: std::env::var("DATABASE_URL").ok().filter(|v| !v.is_empty()),
            database_user: std::env::var("DATABASE_ROOT_USERNAME").ok(),
            database_password: std::env::var("DATABASE_ROOT_PASSWORD").ok(),
            env: std::env::vars().collect(),
            record_exchanges: false,
            log_to_stdout: true,
            version: std::env::var("FUSIONAUTH_SIM_VERSION")
                .ok()
                .filter(|v| !v.is_empty())
                .unwrap_or_else(|| DEFAULT_VERSION.to_owned()),
        }
    }

    pub fn with_kickstart_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.kickstart_file = Some(path.into());
        self
    }
}

/// Shared by every handler: the model, the clock, the log, and how to persist.
pub(crate) struct Sim {
    pub config: SimConfig,
    pub state: Mutex<state::State>,
    pub clock: Clock,
    pub log: Mutex<Vec<String>>,
    pub exchanges: Mutex<Vec<Exchange>>,
    pub phase: watch::Sender<Phase>,
    pub database: Option<database::DatabaseClient>,
    pub kickstart: Mutex<Option<KickstartOutcome>>,
    pub kickstart_done: watch::Sender<bool>,
    pub started: std::time::Instant,
    /// Set once the data is loaded and the instance has been Ready at least once.
    pub booted: std::sync::atomic::AtomicBool,
}

/// Where the instance is in its life; `/api/status` answers from this.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Phase {
    Booting,
    DatabaseUnreachable,
    Ready,
}

impl Sim {
    /// One FusionAuth-style log line; kept for tests and printed in containers.
    pub fn log(&self, level: &str, logger: &str, message: impl AsRef<str>) {
        let line = format!(
            "{} {level:<5} {logger} - {}",
            self.clock.log_timestamp(),
            message.as_ref()
        );
        if self.config.log_to_stdout {
            println!("{line}");
        }
        self.log
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(line);
    }

    pub fn phase(&self) -> Phase {
        *self.phase.borrow()
    }

    /// The model, locked. A handler that panicked while holding it must not lock every later
    /// request out: FusionAuth keeps answering, so the stand-in does too.
    pub fn model(&self) -> std::sync::MutexGuard<'_, state::State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A running stand-in. Dropping it stops the server.
pub struct RunningSim {
    sim: Arc<Sim>,
    addr: SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl RunningSim {
    /// Binds, then boots in the background exactly as the binary does.
    pub async fn start(config: SimConfig) -> std::io::Result<RunningSim> {
        let listener = TcpListener::bind(config.listen).await?;
        let addr = listener.local_addr()?;
        let database = match &config.database_url {
            Some(url) => Some(
                database::DatabaseClient::from_jdbc_url(
                    url,
                    config.database_user.clone(),
                    config.database_password.clone(),
                )
                .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?,
            ),
            None => None,
        };
        let (phase, _) = watch::channel(Phase::Booting);
        let (kickstart_done, _) = watch::channel(false);
        let clock = Clock::default();
        let sim = Arc::new(Sim {
            state: Mutex::new(state::State::fresh(&clock)),
            config,
            clock,
            log: Mutex::new(Vec::new()),
            exchanges: Mutex::new(Vec::new()),
            phase,
            database,
            kickstart: Mutex::new(None),
            kickstart_done,
            started: std::time::Instant::now(),
            booted: std::sync::atomic::AtomicBool::new(false),
        });
        sim.log(
            "INFO",
            "io.fusionauth.app.FusionAuthMain",
            format!("Starting FusionAuth stand-in (fusionauth-sim) on [{addr}]"),
        );
        let router = http::router(sim.clone());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let serve = axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async {
            let _ = rx.await;
        });
        let boot = tokio::spawn(boot(sim.clone()));
        let task = tokio::spawn(async move {
            let _ = serve.await;
            boot.abort();
        });
        Ok(RunningSim {
            sim,
            addr,
            shutdown: Some(tx),
            task: Some(task),
        })
    }

    /// `http://127.0.0.1:<port>`: the base URL to give FusionAuth clients.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Waits until kickstart has run (or was skipped or failed) and returns how it went.
    pub async fn kickstart_finished(&self) -> KickstartOutcome {
        let mut rx = self.sim.kickstart_done.subscribe();
        let _ = rx.wait_for(|done| *done).await;
        self.kickstart_outcome()
            .unwrap_or(KickstartOutcome::NotConfigured)
    }

    pub fn kickstart_outcome(&self) -> Option<KickstartOutcome> {
        self.sim
            .kickstart
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Every log line so far, in FusionAuth's format.
    pub fn logs(&self) -> Vec<String> {
        self.sim
            .log
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Every JSON exchange so far (only with `record_exchanges`).
    pub fn exchanges(&self) -> Vec<Exchange> {
        self.sim
            .exchanges
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The instance's clock: tests move it forward to expire tokens or age login records.
    pub fn clock(&self) -> &Clock {
        &self.sim.clock
    }

    /// Stops serving and waits for the server task.
    pub async fn stop(mut self) {
        self.shutdown_now().await;
    }

    async fn shutdown_now(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    /// Serves until the process gets SIGINT or SIGTERM (the binary's main loop).
    pub async fn serve_until_signal(mut self) {
        shutdown_signal().await;
        self.sim
            .log("INFO", "io.fusionauth.app.FusionAuthMain", "Shutting down");
        self.shutdown_now().await;
    }
}

impl Drop for RunningSim {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Completes on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = match signal(SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
                return;
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {},
            _ = term.recv() => {},
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// The boot sequence: reach the database (452 until then), load or create the instance, answer
/// "starting" for the boot delay, become ready, and only then run kickstart.
async fn boot(sim: Arc<Sim>) {
    let started = tokio::time::Instant::now();
    let mut loaded_existing = false;
    if let Some(db) = &sim.database {
        let mut warned = false;
        loop {
            match db.load().await {
                Ok(Some(stored)) => {
                    *sim.model() = stored;
                    loaded_existing = true;
                    break;
                }
                Ok(None) => break,
                Err(e) => {
                    let _ = sim.phase.send_replace(Phase::DatabaseUnreachable);
                    if !warned {
                        sim.log(
                            "ERROR",
                            "com.zaxxer.hikari.pool.HikariPool",
                            format!("FusionAuthConnectionPool - Exception during pool initialization. {e}"),
                        );
                        warned = true;
                    }
                    tokio::time::sleep(Duration::from_millis(250)).await;
                }
            }
        }
        sim.log(
            "INFO",
            "io.fusionauth.api.configuration.DatabaseConfiguration",
            if loaded_existing {
                "Connected to the database; the schema is current"
            } else {
                "Connected to an empty database; created the schema (silent mode)"
            },
        );
        if !loaded_existing {
            let snapshot = sim.model().clone();
            if let Err(e) = db.save(&snapshot).await {
                sim.log(
                    "ERROR",
                    "io.fusionauth.api.configuration.DatabaseConfiguration",
                    e,
                );
            }
        }
        let _ = sim.phase.send_replace(Phase::Booting);
    }
    let elapsed = started.elapsed();
    if elapsed < sim.config.boot_delay {
        tokio::time::sleep(sim.config.boot_delay - elapsed).await;
    }
    let _ = sim.phase.send_replace(Phase::Ready);
    sim.booted.store(true, std::sync::atomic::Ordering::SeqCst);
    sim.log(
        "INFO",
        "io.fusionauth.app.FusionAuthMain",
        "FusionAuth is ready: /api/status answers 200",
    );
    tokio::time::sleep(sim.config.kickstart_delay).await;
    let outcome = kickstart::run(&sim).await;
    *sim.kickstart.lock().unwrap_or_else(|e| e.into_inner()) = Some(outcome);
    let _ = sim.kickstart_done.send_replace(true);
}
