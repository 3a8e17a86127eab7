//! What a stack is made of, decided before anything is created: names, images, ports, the
//! containers' environment, and a hash of it all. Pure: no Docker calls, so it is unit-tested.

use std::path::PathBuf;
use std::time::Duration;

use super::project::{CONFIG_HASH_LABEL, Project};
use crate::docker::{ContainerSpec, HealthCheck, PublishedPort};
use crate::fusionauth::Secret;
use crate::project::{ProjectName, ScopeChoice};

/// FusionAuth's latest release (1.69.3, 2026-09-28; 1.69.2 fixed a critical account takeover).
/// 1.67.0 is the oldest that works (resource indicators); 1.69 adds `iss` to the authorize
/// redirect. The README lists what each version brings.
pub const DEFAULT_FUSIONAUTH_IMAGE: &str = "fusionauth/fusionauth-app:1.69.3";
/// A pinned PostgreSQL 16: 18 moved the data directory, so the tag must not float.
pub const DEFAULT_POSTGRES_IMAGE: &str = "postgres:16.9-alpine";
pub const DEFAULT_FUSIONAUTH_PORT: u16 = 9011;
pub const DEFAULT_MCP_PORT: u16 = 8000;
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(180);

/// Where the kickstart file goes inside the FusionAuth container; the directory exists in
/// FusionAuth's image and belongs to its user.
pub const KICKSTART_DIR: &str = "/usr/local/fusionauth";
pub const KICKSTART_FILE: &str = "kickstart.json";
/// FusionAuth's image runs as `fusionauth`, uid 1001.
pub const FUSIONAUTH_UID: u32 = 1001;
/// The name FusionAuth reaches the database by on the project network.
const DATABASE_HOST: &str = "db";
const DATABASE_ROOT_USER: &str = "postgres";
/// Prefix of the variables `up` passes from its own environment to the FusionAuth container.
/// A test hook: the FusionAuth stand-in's timing knobs (`FUSIONAUTH_SIM_BOOT_DELAY_MS`, ...)
/// travel this way. Real FusionAuth ignores them.
pub const PASSTHROUGH_PREFIX: &str = "FUSIONAUTH_SIM_";

/// Everything `mcp-fa up` was asked for.
#[derive(Debug, Clone)]
pub struct UpOptions {
    pub project: ProjectName,
    pub fusionauth_image: String,
    pub postgres_image: String,
    pub fusionauth_port: u16,
    pub mcp_port: u16,
    pub license_id: Option<Secret>,
    /// Which scope guards `get_name`; `None`: custom with a license, else standard.
    pub scopes: Option<ScopeChoice>,
    pub timeout: Duration,
    pub demo_passwords: bool,
    /// Another kickstart template (`MCP_FA_KICKSTART_TEMPLATE`).
    pub kickstart_template: Option<PathBuf>,
    /// `FUSIONAUTH_SIM_*` variables to pass to the FusionAuth container.
    pub passthrough_env: Vec<(String, String)>,
}

impl UpOptions {
    /// Defaults, for tests and for building options field by field.
    pub fn new(project: ProjectName) -> Self {
        Self {
            project,
            fusionauth_image: DEFAULT_FUSIONAUTH_IMAGE.to_owned(),
            postgres_image: DEFAULT_POSTGRES_IMAGE.to_owned(),
            fusionauth_port: DEFAULT_FUSIONAUTH_PORT,
            mcp_port: DEFAULT_MCP_PORT,
            license_id: None,
            scopes: None,
            timeout: DEFAULT_TIMEOUT,
            demo_passwords: false,
            kickstart_template: None,
            passthrough_env: Vec::new(),
        }
    }

    /// The `FUSIONAUTH_SIM_*` variables of this process.
    pub fn passthrough_from_process() -> Vec<(String, String)> {
        let mut vars: Vec<(String, String)> = std::env::vars()
            .filter(|(name, _)| name.starts_with(PASSTHROUGH_PREFIX))
            .collect();
        vars.sort();
        vars
    }
}

/// The stack `up` will create.
#[derive(Debug, Clone)]
pub struct StackPlan {
    pub project: Project,
    pub fusionauth_image: String,
    pub postgres_image: String,
    pub fusionauth_port: u16,
    pub mcp_port: u16,
    /// `http://localhost:<port>`: what browsers, MCP clients and token issuers use.
    pub public_url: String,
    /// `http://127.0.0.1:<port>`: what `up` polls (no resolver surprises with `localhost`).
    pub poll_url: String,
    pub passthrough_env: Vec<(String, String)>,
    pub config_hash: String,
}

impl StackPlan {
    pub fn new(project: Project, options: &UpOptions) -> Self {
        let mut plan = Self {
            project,
            fusionauth_image: options.fusionauth_image.clone(),
            postgres_image: options.postgres_image.clone(),
            fusionauth_port: options.fusionauth_port,
            mcp_port: options.mcp_port,
            public_url: format!("http://localhost:{}", options.fusionauth_port),
            poll_url: format!("http://127.0.0.1:{}", options.fusionauth_port),
            passthrough_env: options.passthrough_env.clone(),
            config_hash: String::new(),
        };
        plan.config_hash = plan.hash();
        plan
    }

    /// The MCP endpoint the server will serve.
    pub fn mcp_url(&self) -> String {
        format!("http://localhost:{}/mcp", self.mcp_port)
    }

    /// FNV-1a over the settings that shape the containers (never secrets). Stable across Rust
    /// versions, unlike `DefaultHasher`, because it is stored in a label.
    fn hash(&self) -> String {
        let mut text = format!(
            "v1\n{}\n{}\n{}\n{}\n",
            self.fusionauth_image, self.postgres_image, self.fusionauth_port, self.mcp_port
        );
        for (name, value) in &self.passthrough_env {
            text.push_str(&format!("{name}={value}\n"));
        }
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in text.bytes() {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        format!("{hash:016x}")
    }

    /// PostgreSQL, with its data in the project's volume and a health check that connects over
    /// TCP: over the Unix socket, `pg_isready` also succeeds during the image's init-script
    /// phase, just before the server restarts.
    pub fn database_container(&self, password: &Secret) -> ContainerSpec {
        let mut labels = self.project.labels("database");
        labels.insert(CONFIG_HASH_LABEL.to_owned(), self.config_hash.clone());
        ContainerSpec {
            name: self.project.database_container(),
            image: self.postgres_image.clone(),
            env: vec![
                format!("POSTGRES_USER={DATABASE_ROOT_USER}"),
                format!("POSTGRES_PASSWORD={}", password.expose()),
            ],
            labels,
            network: Some((self.project.network(), vec![DATABASE_HOST.to_owned()])),
            volumes: vec![(
                self.project.database_volume(),
                "/var/lib/postgresql/data".to_owned(),
            )],
            ports: Vec::new(),
            health_check: Some(HealthCheck {
                shell_command: format!("pg_isready -h 127.0.0.1 -p 5432 -U {DATABASE_ROOT_USER}"),
                interval: Duration::from_millis(500),
                timeout: Duration::from_secs(5),
                // Failures in the first 20 s (initdb on a new volume) do not count; after that
                // 40 in a row (20 s) mark it unhealthy and `up` stops waiting.
                retries: 40,
                start_period: Duration::from_secs(20),
            }),
        }
    }

    /// FusionAuth, in "silent mode" (it creates its database and schema from the three database
    /// settings), with the database search engine (no OpenSearch container), published on
    /// 127.0.0.1 only.
    pub fn fusionauth_container(&self, database_password: &Secret) -> ContainerSpec {
        let mut labels = self.project.labels("fusionauth");
        labels.insert(CONFIG_HASH_LABEL.to_owned(), self.config_hash.clone());
        let mut env = vec![
            format!("DATABASE_URL=jdbc:postgresql://{DATABASE_HOST}:5432/fusionauth"),
            format!("DATABASE_ROOT_USERNAME={DATABASE_ROOT_USER}"),
            format!("DATABASE_ROOT_PASSWORD={}", database_password.expose()),
            "DATABASE_USERNAME=fusionauth".to_owned(),
            format!("DATABASE_PASSWORD={}", database_password.expose()),
            "FUSIONAUTH_APP_MEMORY=512M".to_owned(),
            "FUSIONAUTH_APP_RUNTIME_MODE=development".to_owned(),
            "FUSIONAUTH_APP_URL=http://fusionauth:9011".to_owned(),
            "SEARCH_TYPE=database".to_owned(),
            format!("FUSIONAUTH_APP_KICKSTART_FILE={KICKSTART_DIR}/{KICKSTART_FILE}"),
        ];
        env.extend(
            self.passthrough_env
                .iter()
                .map(|(name, value)| format!("{name}={value}")),
        );
        ContainerSpec {
            name: self.project.fusionauth_container(),
            image: self.fusionauth_image.clone(),
            env,
            labels,
            network: Some((self.project.network(), vec!["fusionauth".to_owned()])),
            volumes: Vec::new(),
            ports: vec![PublishedPort {
                host_ip: "127.0.0.1".to_owned(),
                host_port: self.fusionauth_port,
                container_port: 9011,
            }],
            health_check: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(options: &UpOptions) -> StackPlan {
        StackPlan::new(Project::new(options.project.clone()), options)
    }

    #[test]
    fn containers_are_labelled_and_wired_together() {
        let plan = plan(&UpOptions::new(ProjectName::parse("demo").expect("valid")));
        let password = Secret::new("pw");
        let db = plan.database_container(&password);
        let fa = plan.fusionauth_container(&password);
        for spec in [&db, &fa] {
            assert_eq!(spec.labels["dev.mcp-fa.project"], "demo");
            assert_eq!(spec.labels["com.docker.compose.project"], "demo");
            assert_eq!(spec.labels[CONFIG_HASH_LABEL], plan.config_hash);
            assert_eq!(spec.network.as_ref().expect("network").0, "mcp-fa-demo");
        }
        assert!(db.ports.is_empty(), "the database is never published");
        assert!(
            db.health_check
                .as_ref()
                .expect("check")
                .shell_command
                .contains("-h 127.0.0.1")
        );
        assert_eq!(fa.ports[0].host_ip, "127.0.0.1");
        assert!(fa.env.contains(&"SEARCH_TYPE=database".to_owned()));
        assert!(fa.env.contains(&"DATABASE_ROOT_PASSWORD=pw".to_owned()));
        assert!(db.env.contains(&"POSTGRES_PASSWORD=pw".to_owned()));
        assert_eq!(plan.public_url, "http://localhost:9011");
    }

    #[test]
    fn the_hash_changes_with_what_shapes_the_containers() {
        let base = UpOptions::new(ProjectName::parse("demo").expect("valid"));
        let mut other_port = base.clone();
        other_port.fusionauth_port = 9012;
        let mut other_timeout = base.clone();
        other_timeout.timeout = Duration::from_secs(1);
        assert_ne!(plan(&base).config_hash, plan(&other_port).config_hash);
        assert_eq!(plan(&base).config_hash, plan(&other_timeout).config_hash);
    }
}
