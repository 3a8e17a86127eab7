//! `compose.yaml` for the exported project: the same two containers `mcp-fa up` runs (see
//! `crate::stack` for their settings), on the same images and ports, plus the MCP server as a
//! container, written for Compose v2 (`docker compose`) and Debian's `docker-compose` 1.29 alike
//! (no top-level `name:`, no `!reset`). Secrets and host-specific URLs are `${NAME}` references
//! resolved from `.env`; the file itself holds none. Comments say what to change for a real
//! host.

use std::fmt::Write as _;

use super::image::PORT as MCP_CONTAINER_PORT;
use super::secrets::{
    ADMIN_PASSWORD, API_KEY, DATABASE_PASSWORD, DATABASE_ROOT_PASSWORD, DEMO_PASSWORD, ISSUER,
    LICENSE_ID, MCP_PUBLIC_URL,
};
use super::source::ExportedProject;
use crate::project::ScopeChoice;

/// Where the kickstart folder is mounted in the FusionAuth container (read-only).
pub const KICKSTART_MOUNT: &str = "/usr/local/fusionauth/kickstart";
/// How long the MCP server waits for FusionAuth and its kickstart at start (seconds).
pub const MCP_WAIT_SECS: u64 = 300;

/// What the Compose file is made from.
pub struct ComposeSettings<'a> {
    pub project: &'a ExportedProject,
    /// The MCP server image (built here, reused, or named with `--image`).
    pub mcp_image: &'a str,
    /// Publish on every interface instead of 127.0.0.1 (`--public`).
    pub public: bool,
}

/// A YAML double-quoted scalar: JSON's string syntax is valid YAML.
fn quoted(text: &str) -> String {
    serde_json::Value::String(text.to_owned()).to_string()
}

/// `${NAME:?...}`: Compose refuses to start without the variable instead of passing "".
fn required(name: &str) -> String {
    format!("${{{name}:?set {name} in .env}}")
}

/// `compose.yaml`.
pub fn compose_file(settings: &ComposeSettings<'_>) -> String {
    let project = settings.project;
    let bind = if settings.public { "" } else { "127.0.0.1:" };
    let scopes = match project.scopes {
        ScopeChoice::Standard => "standard",
        ScopeChoice::Custom => "custom",
    };
    let mut out = String::new();
    let _ = write!(
        out,
        "# Docker Compose for the mcp-fa project `{name}`, written by `mcp-fa export compose`.\n\
         # It runs what `mcp-fa up` runs (PostgreSQL, FusionAuth kickstarted with an RS256 signing\n\
         # key, an admin and a demo user, and the project's MCP clients under their client ids)\n\
         # plus the protected MCP server as a container. In this folder:\n\
         #\n\
         #     docker compose up -d        (or Debian's: docker-compose up -d)\n\
         #     docker compose ps           the MCP server reports healthy once it serves\n\
         #     docker compose down         (-v also deletes the database)\n\
         #\n\
         # Secrets come from .env (mode 0600; .env.example shows its shape), never from this file.\n\
         #\n\
         # Before a real host:\n\
         # - HTTPS and the issuer. Put a TLS-terminating proxy in front of FusionAuth and the MCP\n\
         #   server and set FUSIONAUTH_ISSUER and MCP_PUBLIC_URL in .env to the https:// URLs\n\
         #   clients use, BEFORE the first start: the kickstart writes the tenant's issuer and each\n\
         #   client's resource (MCP_PUBLIC_URL + /mcp) into an empty database once. Later changes\n\
         #   are made in FusionAuth's admin UI (Tenants > Issuer; Applications > OAuth).\n\
         # - Ports. {ports}\n\
         # - License. Consent screens and the custom get_name scope need a paid FusionAuth plan:\n\
         #   set FUSIONAUTH_LICENSE_ID before the first start{license}.\n\
         # - Memory. FusionAuth's JVM gets FUSIONAUTH_APP_MEMORY (512M, as `mcp-fa up`); give it\n\
         #   1G or more for real traffic, on a host with 2-4 GiB. The MCP server needs ~30 MiB.\n\
         # - Runtime mode. `development` lets the kickstart and schema upgrades run by themselves;\n\
         #   FusionAuth recommends `production` once the database exists.\n\n",
        name = project.project,
        ports = if settings.public {
            "Published on every interface (--public): firewall them, or\n\
             #   publish only the proxy."
        } else {
            "Published on 127.0.0.1 only: a proxy on the host reaches them; export with\n\
             #   --public to publish on every interface."
        },
        license = if project.license_id.is_some() {
            " (it is, from the project)"
        } else {
            " and pass it to FusionAuth below"
        },
    );
    out.push_str("services:\n");
    let _ = write!(
        out,
        "  db:\n\
         \x20   image: {pg}\n\
         \x20   environment:\n\
         \x20     POSTGRES_USER: postgres\n\
         \x20     POSTGRES_PASSWORD: {root}\n\
         \x20   # Over TCP: over the socket pg_isready also succeeds while initdb's temporary\n\
         \x20   # server runs, just before PostgreSQL restarts.\n\
         \x20   healthcheck:\n\
         \x20     test: [\"CMD-SHELL\", \"pg_isready -h 127.0.0.1 -p 5432 -U postgres\"]\n\
         \x20     interval: 2s\n\
         \x20     timeout: 5s\n\
         \x20     retries: 30\n\
         \x20     start_period: 20s\n\
         \x20   volumes:\n\
         \x20     - db_data:/var/lib/postgresql/data\n\
         \x20   restart: unless-stopped\n\n",
        pg = quoted(&project.postgres_image),
        root = required(DATABASE_ROOT_PASSWORD),
    );
    let _ = write!(
        out,
        "  fusionauth:\n\
         \x20   image: {fa}\n\
         \x20   depends_on:\n\
         \x20     db:\n\
         \x20       condition: service_healthy\n\
         \x20   environment:\n\
         \x20     # With the three database settings FusionAuth creates its database, user and\n\
         \x20     # schema by itself (\"silent mode\").\n\
         \x20     DATABASE_URL: jdbc:postgresql://db:5432/fusionauth\n\
         \x20     DATABASE_ROOT_USERNAME: postgres\n\
         \x20     DATABASE_ROOT_PASSWORD: {root}\n\
         \x20     DATABASE_USERNAME: fusionauth\n\
         \x20     DATABASE_PASSWORD: {db}\n\
         \x20     FUSIONAUTH_APP_MEMORY: 512M\n\
         \x20     FUSIONAUTH_APP_RUNTIME_MODE: development\n\
         \x20     FUSIONAUTH_APP_URL: http://fusionauth:9011\n\
         \x20     # The database search engine: no OpenSearch container to run. Switch to\n\
         \x20     # OpenSearch (SEARCH_TYPE=elasticsearch, SEARCH_SERVERS) for large user counts.\n\
         \x20     SEARCH_TYPE: database\n\
         \x20     FUSIONAUTH_APP_KICKSTART_FILE: {mount}/kickstart.json\n\
         \x20     # Read by the kickstart as #{{ENV.NAME}}; it runs once, on an empty database.\n\
         \x20     {api_key}: {api_key_ref}\n\
         \x20     {admin}: {admin_ref}\n\
         \x20     {demo}: {demo_ref}\n\
         \x20     {issuer}: {issuer_ref}\n\
         \x20     {public}: {public_ref}\n",
        fa = quoted(&project.fusionauth_image),
        root = required(DATABASE_ROOT_PASSWORD),
        db = required(DATABASE_PASSWORD),
        mount = KICKSTART_MOUNT,
        api_key = API_KEY,
        api_key_ref = required(API_KEY),
        admin = ADMIN_PASSWORD,
        admin_ref = required(ADMIN_PASSWORD),
        demo = DEMO_PASSWORD,
        demo_ref = required(DEMO_PASSWORD),
        issuer = ISSUER,
        issuer_ref = required(ISSUER),
        public = MCP_PUBLIC_URL,
        public_ref = required(MCP_PUBLIC_URL),
    );
    if project.license_id.is_some() {
        let _ = writeln!(out, "      {LICENSE_ID}: {}", required(LICENSE_ID));
    } else {
        let _ = writeln!(
            out,
            "      # With a license: uncomment, set it in .env, and add \"licenseId\":\n\
             \x20     # \"#{{ENV.{LICENSE_ID}}}\" to kickstart/kickstart.json.\n\
             \x20     # {LICENSE_ID}: ${{{LICENSE_ID}}}"
        );
    }
    let _ = write!(
        out,
        "    volumes:\n\
         \x20     - ./kickstart:{KICKSTART_MOUNT}:ro\n\
         \x20   ports:\n\
         \x20     - \"{bind}{port}:9011\"\n\
         \x20   restart: unless-stopped\n\n",
        port = project.fusionauth_port,
    );
    let _ = write!(
        out,
        "  mcp:\n\
         \x20   image: {image}\n\
         \x20   depends_on:\n\
         \x20     - fusionauth\n\
         \x20   environment:\n\
         \x20     # Tokens must carry this issuer; FusionAuth's API is reached inside the network.\n\
         \x20     MCP_FA_ISSUER: {issuer}\n\
         \x20     MCP_FA_FUSIONAUTH_URL: http://fusionauth:9011\n\
         \x20     # Tokens must be issued for <this URL>/mcp (the clients' authorized resource).\n\
         \x20     MCP_FA_PUBLIC_URL: {public}\n\
         \x20     MCP_FA_BIND: 0.0.0.0:{inner}\n\
         \x20     MCP_FA_SCOPES: {scopes}\n\
         \x20     MCP_FA_LOG_FORMAT: json\n\
         \x20     # FusionAuth may still be booting or kickstarting when this starts.\n\
         \x20     MCP_FA_WAIT_FOR_ISSUER: \"{MCP_WAIT_SECS}\"\n\
         \x20   # The image's own health check, spelled out for Compose: the Protected Resource\n\
         \x20   # Metadata answers once the server serves, protected, with FusionAuth's keys.\n\
         \x20   healthcheck:\n\
         \x20     test: [\"CMD\", \"/usr/local/bin/mcp-fa\", \"healthcheck\"]\n\
         \x20     interval: 5s\n\
         \x20     timeout: 5s\n\
         \x20     retries: 3\n\
         \x20     start_period: {MCP_WAIT_SECS}s\n\
         \x20   ports:\n\
         \x20     - \"{bind}{port}:{inner}\"\n\
         \x20   restart: unless-stopped\n\n\
         volumes:\n\
         \x20 db_data:\n",
        image = quoted(settings.mcp_image),
        issuer = required(ISSUER),
        public = required(MCP_PUBLIC_URL),
        inner = MCP_CONTAINER_PORT,
        port = project.mcp_port,
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::StackState;

    #[test]
    fn the_file_is_yaml_with_the_project_images_ports_and_no_secret() {
        let project = ExportedProject::from_state(&StackState::sample());
        let text = compose_file(&ComposeSettings {
            project: &project,
            mcp_image: "mcp-fa/mcp-server:0.1.0-abc",
            public: false,
        });
        let doc: serde_json::Value = yaml_serde::from_str(&text).expect(&text);
        let services = &doc["services"];
        assert_eq!(services["fusionauth"]["image"], project.fusionauth_image);
        assert_eq!(services["db"]["image"], project.postgres_image);
        assert_eq!(services["mcp"]["image"], "mcp-fa/mcp-server:0.1.0-abc");
        assert_eq!(services["fusionauth"]["ports"][0], "127.0.0.1:9011:9011");
        assert_eq!(services["mcp"]["ports"][0], "127.0.0.1:8000:8000");
        assert_eq!(services["mcp"]["environment"]["MCP_FA_SCOPES"], "custom");
        assert_eq!(
            services["fusionauth"]["environment"]["FUSIONAUTH_LICENSE_ID"],
            "${FUSIONAUTH_LICENSE_ID:?set FUSIONAUTH_LICENSE_ID in .env}"
        );
        assert!(!text.contains("sentinel"), "{text}");
        let public = compose_file(&ComposeSettings {
            project: &project,
            mcp_image: "x",
            public: true,
        });
        let doc: serde_json::Value = yaml_serde::from_str(&public).expect(&public);
        assert_eq!(doc["services"]["mcp"]["ports"][0], "8000:8000");
    }
}
