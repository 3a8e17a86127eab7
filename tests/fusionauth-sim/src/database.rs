//! Where the stand-in keeps its data. FusionAuth keeps everything in PostgreSQL, so a kept
//! database volume means "the same instance, kickstart will not run again" and a new volume
//! means a fresh instance. The stand-in reproduces that with a second role of the same binary:
//! `fusionauth-sim db` listens where PostgreSQL would (5432), keeps the instance's state in its
//! data directory (`/var/lib/postgresql/data`), checks the root credentials FusionAuth is given,
//! and answers `pg_isready` health checks. It is not PostgreSQL and speaks HTTP, not the
//! PostgreSQL wire protocol; only FusionAuth's stand-in talks to it.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::state;

const STATE_FILE: &str = "fusionauth-sim-state.json";

/// The application role's connection to the database role.
#[derive(Clone, Debug)]
pub struct DatabaseClient {
    base: String,
    authorization: Option<String>,
    http: reqwest::Client,
}

impl DatabaseClient {
    /// `jdbc:postgresql://db:5432/fusionauth` → the database role at `db:5432`.
    pub fn from_jdbc_url(
        url: &str,
        user: Option<String>,
        password: Option<String>,
    ) -> Result<Self, String> {
        let rest = url
            .strip_prefix("jdbc:postgresql://")
            .ok_or_else(|| format!("DATABASE_URL [{url}] is not a jdbc:postgresql:// URL"))?;
        let host_port = rest.split(['/', '?']).next().unwrap_or_default();
        if host_port.is_empty() {
            return Err(format!("DATABASE_URL [{url}] names no host"));
        }
        let host_port = if host_port.contains(':') {
            host_port.to_string()
        } else {
            format!("{host_port}:5432")
        };
        let authorization = user.map(|u| {
            format!(
                "Basic {}",
                STANDARD.encode(format!("{u}:{}", password.unwrap_or_default()))
            )
        });
        // The database is plain HTTP: no TLS roots are needed, and a container without a CA
        // bundle must still start.
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(2))
            .timeout(Duration::from_secs(10))
            .tls_certs_only(std::iter::empty::<reqwest::Certificate>())
            .build()
            .map_err(|e| {
                let source = std::error::Error::source(&e)
                    .map(|s| format!(": {s}"))
                    .unwrap_or_default();
                format!("cannot create the database client: {e}{source}")
            })?;
        Ok(DatabaseClient {
            base: format!("http://{host_port}"),
            authorization,
            http,
        })
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(auth) = &self.authorization {
            req = req.header(header::AUTHORIZATION, auth);
        }
        req
    }

    /// The stored instance, or `None` for an empty database.
    pub async fn load(&self) -> Result<Option<state::State>, String> {
        let response = self
            .request(reqwest::Method::GET, "/state")
            .send()
            .await
            .map_err(|e| format!("Connection to {} refused or timed out ({e})", self.base))?;
        match response.status() {
            StatusCode::OK => {
                let bytes = response.bytes().await.map_err(|e| e.to_string())?;
                serde_json::from_slice(&bytes)
                    .map(Some)
                    .map_err(|e| format!("The stored data is unreadable: {e}"))
            }
            StatusCode::NO_CONTENT => Ok(None),
            StatusCode::UNAUTHORIZED => {
                Err("FATAL: password authentication failed for the database root user".into())
            }
            other => Err(format!("The database answered {other}")),
        }
    }

    pub async fn save(&self, snapshot: &state::State) -> Result<(), String> {
        let body = serde_json::to_vec(snapshot).map_err(|e| e.to_string())?;
        let response = self
            .request(reqwest::Method::PUT, "/state")
            .body(body)
            .send()
            .await
            .map_err(|e| format!("Connection to {} refused or timed out ({e})", self.base))?;
        if response.status().is_success() {
            Ok(())
        } else {
            Err(format!("The database answered {}", response.status()))
        }
    }

    pub async fn ping(&self) -> bool {
        self.request(reqwest::Method::GET, "/health")
            .timeout(Duration::from_millis(800))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
    }
}

struct Store {
    data_dir: PathBuf,
    credentials: Option<String>,
    /// Writes one at a time, as a database commits them: two requests writing at once must not
    /// share (and rename away) each other's temporary file.
    writing: std::sync::Mutex<()>,
}

/// The database role's settings, from the postgres image's environment variables.
#[derive(Clone, Debug)]
pub struct DatabaseRole {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    /// `POSTGRES_USER` (default `postgres`).
    pub user: String,
    /// `POSTGRES_PASSWORD`.
    pub password: Option<String>,
    /// `POSTGRES_HOST_AUTH_METHOD=trust`.
    pub trust: bool,
}

impl DatabaseRole {
    pub fn from_env(listen: SocketAddr, data_dir: PathBuf) -> Self {
        DatabaseRole {
            listen,
            data_dir,
            user: std::env::var("POSTGRES_USER").unwrap_or_else(|_| "postgres".into()),
            password: std::env::var("POSTGRES_PASSWORD")
                .ok()
                .filter(|p| !p.is_empty()),
            trust: std::env::var("POSTGRES_HOST_AUTH_METHOD").is_ok_and(|v| v == "trust"),
        }
    }

    /// Initialises the data directory and binds. Like the postgres image, it refuses to start
    /// without a password unless trust authentication was asked for.
    pub async fn bind(self) -> Result<BoundDatabase, String> {
        if self.password.is_none() && !self.trust {
            return Err("Error: Database is uninitialized and superuser password is not specified.\n       \
                 You must specify POSTGRES_PASSWORD to a non-empty value for the\n       \
                 superuser. For example, \"-e POSTGRES_PASSWORD=password\" on \"docker run\"."
                .into());
        }
        let data_dir = self.data_dir.clone();
        std::fs::create_dir_all(&data_dir)
            .map_err(|e| format!("cannot create {}: {e}", data_dir.display()))?;
        if data_dir.join("PG_VERSION").exists() {
            println!(
                "PostgreSQL Database directory appears to contain a database; Skipping initialization"
            );
        } else {
            std::fs::write(data_dir.join("PG_VERSION"), "16\n").map_err(|e| e.to_string())?;
            println!("PostgreSQL init process complete; ready for start up.");
        }
        let listener = tokio::net::TcpListener::bind(self.listen)
            .await
            .map_err(|e| format!("could not bind {}: {e}", self.listen))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        let store = Arc::new(Store {
            writing: std::sync::Mutex::new(()),
            data_dir,
            credentials: self
                .password
                .map(|p| format!("Basic {}", STANDARD.encode(format!("{}:{p}", self.user)))),
        });
        Ok(BoundDatabase {
            listener,
            addr,
            store,
        })
    }
}

/// A database role that is bound and ready to serve.
pub struct BoundDatabase {
    listener: tokio::net::TcpListener,
    addr: SocketAddr,
    store: Arc<Store>,
}

impl BoundDatabase {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Serves until `shutdown` completes.
    pub async fn serve(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> Result<(), String> {
        let app = Router::new()
            .route("/state", get(read_state).put(write_state))
            .route("/health", get(health))
            .with_state(self.store);
        println!(
            "LOG:  listening on IPv4 address \"{}\", port {}",
            self.addr.ip(),
            self.addr.port()
        );
        println!("LOG:  database system is ready to accept connections");
        axum::serve(self.listener, app)
            .with_graceful_shutdown(shutdown)
            .await
            .map_err(|e| e.to_string())
    }
}

/// A connection check with the credentials, as a pool's validation query would be.
async fn health(State(store): State<Arc<Store>>, headers: HeaderMap) -> StatusCode {
    if authorized(&store, &headers) {
        StatusCode::OK
    } else {
        StatusCode::UNAUTHORIZED
    }
}

fn authorized(store: &Store, headers: &HeaderMap) -> bool {
    match &store.credentials {
        None => true,
        Some(expected) => headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v == expected),
    }
}

async fn read_state(State(store): State<Arc<Store>>, headers: HeaderMap) -> Response {
    if !authorized(&store, &headers) {
        println!("FATAL:  password authentication failed");
        return StatusCode::UNAUTHORIZED.into_response();
    }
    match tokio::fs::read(store.data_dir.join(STATE_FILE)).await {
        Ok(bytes) => (StatusCode::OK, bytes).into_response(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            StatusCode::NO_CONTENT.into_response()
        }
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

async fn write_state(State(store): State<Arc<Store>>, headers: HeaderMap, body: Bytes) -> Response {
    if !authorized(&store, &headers) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let written = {
        let _one_at_a_time = store.writing.lock().unwrap_or_else(|e| e.into_inner());
        write_atomically(&store.data_dir, &body)
    };
    match written {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => {
            println!("ERROR:  could not write the data file: {e}");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

fn write_atomically(dir: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let tmp = dir.join(format!("{STATE_FILE}.tmp"));
    let mut file = std::fs::File::create(&tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    std::fs::rename(&tmp, dir.join(STATE_FILE))
}

/// `pg_isready -h HOST -p PORT`: exit 0 when the database role accepts connections, 2 when it
/// does not answer (PostgreSQL's codes).
pub fn pg_isready(args: &[String]) -> i32 {
    let mut host = "127.0.0.1".to_string();
    let mut port = "5432".to_string();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "-h" | "--host" => host = it.next().cloned().unwrap_or(host),
            "-p" | "--port" => port = it.next().cloned().unwrap_or(port),
            _ => {}
        }
    }
    use std::net::ToSocketAddrs;
    let target = format!("{host}:{port}");
    let reachable = target
        .to_socket_addrs()
        .ok()
        .and_then(|mut addrs| addrs.next())
        .is_some_and(|addr| {
            std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(3)).is_ok()
        });
    if reachable {
        println!("{host}:{port} - accepting connections");
        0
    } else {
        println!("{host}:{port} - no response");
        2
    }
}
