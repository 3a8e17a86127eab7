//! The command line, as clap definitions only: names, flags, environment variables and help.
//! Nothing here does work; `crate::commands` runs each command. Nothing below the command layer
//! sees these types.

use clap::{Parser, Subcommand};

use crate::project::ProjectName;

/// One command to learn, try and ship an OAuth-protected MCP server with FusionAuth.
#[derive(Debug, Parser)]
#[command(name = "mcp-fa", version, about, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the OAuth-protected MCP server (Streamable HTTP at `/mcp`) against a FusionAuth.
    Serve(ServeArgs),
    /// Write `mcp-fa.yaml` here: the project's name, ports, images, license source, scopes and
    /// clients, for every later command in this folder.
    Init(InitArgs),
    /// Start FusionAuth and PostgreSQL in Docker, kickstarted with a demo user and an API key.
    Up(UpArgs),
    /// Stop and remove the stack's containers and network (the data is kept unless --volumes).
    Down(DownArgs),
    /// Show what is running, URLs and logins (`-o env` for a .env file).
    Status(StatusArgs),
    /// Show a container's log (FusionAuth by default).
    Logs(LogsArgs),
    /// Check Docker, ports, images, the state file and FusionAuth, with a verdict per line.
    Doctor(DoctorArgs),
    /// Register MCP clients (Claude Code, Cursor, VS Code, ...) and print their configuration.
    Clients(ClientsArgs),
    /// Walk through protecting an MCP server with FusionAuth, one verified step at a time.
    Tutorial(TutorialArgs),
    /// Self-test the running stack end to end: log the demo user in, call the tools, time each hop.
    Check(CheckArgs),
    /// Look inside an access token: audience, scopes, expiry, and whether this server takes it.
    Token(TokenArgs),
    /// Write the project out for a shared host (Docker Compose) or a cluster (Kubernetes), with
    /// the MCP server as a container image.
    Export(ExportArgs),
    /// Exit 0 when the MCP server on this machine answers (the container image's health check).
    #[command(hide = true)]
    Healthcheck(HealthcheckArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions {
        /// The shell to generate completions for.
        shell: clap_complete::Shell,
    },
}

/// `mcp-fa serve`: the protected MCP server, standalone, against any FusionAuth (local,
/// self-hosted, FusionAuth Cloud) or, with `--validation local`, any OIDC issuer. Without
/// `--issuer`/`--fusionauth-url` it serves the stack `mcp-fa up` started (`--project`).
#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// The token issuer, exactly as it appears in tokens' `iss` and in the issuer's OIDC
    /// discovery document (FusionAuth: the tenant's issuer), e.g. `http://localhost:9011`.
    /// Default: the running stack's issuer (from `mcp-fa up`'s state file: the MCP server's own
    /// origin, FusionAuth's URL for stacks made before the registration bridge).
    #[arg(long, env = "MCP_FA_ISSUER", value_name = "URL")]
    pub issuer: Option<String>,

    /// The stack whose state supplies the defaults when `--issuer` and `--fusionauth-url` are
    /// left out.
    #[command(flatten)]
    pub project: ProjectArg,

    /// Where to reach FusionAuth's API (discovery, JWKS, userinfo, JWT validation), when it
    /// differs from the issuer (e.g. inside a Docker network). Defaults to the issuer.
    #[arg(long, env = "MCP_FA_FUSIONAUTH_URL", value_name = "URL")]
    pub fusionauth_url: Option<String>,

    /// The FusionAuth tenant whose tokens this server takes: its discovery document
    /// (`/.well-known/openid-configuration/<id>`) gives the issuer and keys. Default: the
    /// instance's default tenant.
    #[arg(long, env = "MCP_FA_TENANT_ID", value_name = "ID")]
    pub tenant_id: Option<String>,

    /// The address to listen on. Anything but a loopback address needs `--public-url`.
    /// Default: `127.0.0.1:<the stack's MCP port>` when serving the stack, else `127.0.0.1:8000`.
    #[arg(long, env = "MCP_FA_BIND", value_name = "ADDR")]
    pub bind: Option<std::net::SocketAddr>,

    /// The URL clients use to reach this server, without `/mcp` (e.g.
    /// `https://mcp.example.com`). Tokens must name `<public-url>/mcp` in their audience.
    /// Defaults to `http://localhost:<port>` for a loopback bind.
    #[arg(long, env = "MCP_FA_PUBLIC_URL", value_name = "URL")]
    pub public_url: Option<String>,

    /// Which scope guards `get_name`: `standard` uses `profile` (works on every FusionAuth);
    /// `custom` uses the custom `get_name` scope (needs a paid FusionAuth plan). Default:
    /// `custom` when serving a stack started with a license, else `standard`.
    #[arg(long, env = "MCP_FA_SCOPES", value_enum, value_name = "MODE")]
    pub scopes: Option<ServeScopes>,

    /// Serve without any authentication: the tutorial's unprotected starting point.
    #[arg(long)]
    pub no_auth: bool,

    /// `local` verifies tokens with the issuer's published keys; `fusionauth` asks FusionAuth's
    /// `/api/jwt/validate` for every request, as the tutorial does (audience, issuer and scopes
    /// are still checked here).
    #[arg(long, env = "MCP_FA_VALIDATION", value_enum, default_value = "local")]
    pub validation: ServeValidation,

    /// For FusionAuth older than 1.67 (no resource indicators): also accept tokens whose audience
    /// is this client id instead of this server. Repeat for several clients (comma-separated in
    /// the environment variable). Weaker: any token for that client is accepted, whichever
    /// server it was meant for.
    #[arg(
        long = "accept-client-id-audience",
        env = "MCP_FA_ACCEPT_CLIENT_ID_AUDIENCE",
        value_delimiter = ',',
        value_name = "CLIENT_ID"
    )]
    pub accept_client_id_audience: Vec<String>,

    /// A browser origin allowed to call `/mcp` besides the public URL's and loopback origins
    /// (e.g. `https://inspector.example.com`). Repeatable (comma-separated in the environment
    /// variable).
    #[arg(
        long = "allowed-origin",
        env = "MCP_FA_ALLOWED_ORIGINS",
        value_delimiter = ',',
        value_name = "ORIGIN"
    )]
    pub allowed_origins: Vec<String>,

    /// How each log line is written: `text` for people, `json` (one object per line, the
    /// request's fields as keys) for log collectors.
    #[arg(long, env = "MCP_FA_LOG_FORMAT", value_enum, default_value = "text")]
    pub log_format: LogFormat,

    /// Keep trying to reach the issuer for up to this many seconds at start, instead of failing
    /// at once: for a server started beside FusionAuth (Compose, Kubernetes), which may still
    /// be booting or running its kickstart (until then its discovery document names another
    /// issuer).
    #[arg(
        long,
        env = "MCP_FA_WAIT_FOR_ISSUER",
        default_value_t = 0,
        value_name = "SECS"
    )]
    pub wait_for_issuer: u64,

    /// Let MCP clients register themselves (Dynamic Client Registration, RFC 7591, at
    /// `<public-url>/register`): each becomes a public FusionAuth application bound to this
    /// server. On by default for a stack `mcp-fa up` made; against another FusionAuth it needs
    /// this server's origin as the tenant's issuer (`--issuer <public URL>`) and an API key in
    /// MCP_FA_REGISTRATION_API_KEY allowed to create applications (in a remote project's
    /// folder, the project's own key serves when that variable is unset).
    /// MCP_FA_REGISTRATION=true|false sets this or --no-registration when neither flag is given.
    #[arg(long, conflicts_with = "no_registration")]
    pub registration: bool,

    /// Never let clients register themselves, even for a stack that allows it
    /// (MCP_FA_REGISTRATION=false).
    #[arg(long)]
    pub no_registration: bool,

    /// Set by `mcp-fa up --detach` for the background server it starts.
    #[arg(long, hide = true)]
    pub detached: bool,
}

/// `mcp-fa healthcheck`: what the image's `HEALTHCHECK` runs, since a minimal image has no curl.
#[derive(Debug, Clone, clap::Args)]
pub struct HealthcheckArgs {
    /// The address `serve` listens on (its port is asked on 127.0.0.1). Default port: 8000.
    #[arg(long, env = "MCP_FA_BIND", value_name = "ADDR")]
    pub bind: Option<std::net::SocketAddr>,

    /// Ask the health endpoint (`/healthz`: the process answers) instead of the Protected
    /// Resource Metadata (it serves, protected).
    #[arg(long)]
    pub liveness: bool,

    /// The URL to ask instead.
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,
}

/// `mcp-fa init`.
#[derive(Debug, Clone, clap::Args)]
pub struct InitArgs {
    #[command(flatten)]
    pub project: ProjectArg,

    /// The FusionAuth image to pin.
    #[arg(long, value_name = "IMAGE")]
    pub fusionauth_image: Option<String>,

    /// The PostgreSQL image to pin.
    #[arg(long, value_name = "IMAGE")]
    pub postgres_image: Option<String>,

    /// The port FusionAuth is published on.
    #[arg(long, value_name = "PORT")]
    pub fusionauth_port: Option<u16>,

    /// The port the MCP server listens on.
    #[arg(long, value_name = "PORT")]
    pub mcp_port: Option<u16>,

    /// The environment variable that will hold your FusionAuth license id (the id itself never
    /// goes into the file, which is meant to be committed).
    #[arg(long, value_name = "VAR")]
    pub license_env: Option<String>,

    /// Which scope guards `get_name` (default: custom with a license, else standard).
    #[arg(long, value_enum, value_name = "MODE")]
    pub scopes: Option<ServeScopes>,

    /// An MCP client `up` registers (repeatable): claude-code, claude-desktop, cursor, vscode,
    /// mcp-remote or inspector. Asked for on a terminal when left out.
    #[arg(long = "client", value_parser = parse_up_client_kind, value_name = "KIND")]
    pub clients: Vec<crate::clients::ClientKind>,

    /// With --fusionauth-url: write a remote project (an existing FusionAuth) instead.
    #[command(flatten)]
    pub remote: RemoteArgs,

    /// A remote project's API key variable (default FUSIONAUTH_API_KEY): its name goes in the
    /// file, never the key.
    #[arg(long, value_name = "VAR", requires = "fusionauth_url")]
    pub api_key_env: Option<String>,
}

/// See [`ServeArgs::scopes`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ServeScopes {
    Standard,
    Custom,
}

/// See [`ServeArgs::log_format`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// See [`ServeArgs::validation`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ServeValidation {
    Local,
    Fusionauth,
}

/// The project a stack command acts on: every Docker object of a stack carries its name.
#[derive(Debug, Clone, clap::Args)]
pub struct ProjectArg {
    /// Project name: several stacks can run side by side under different names (and ports).
    /// Default: the `project:` of the `mcp-fa.yaml` in this folder or a parent, else `default`.
    #[arg(long, env = "MCP_FA_PROJECT", value_name = "NAME", global = true)]
    pub project: Option<ProjectName>,
}

/// An existing FusionAuth (self-hosted or FusionAuth Cloud) instead of the stack `mcp-fa up`
/// started. Its API key is read from the environment, never from a flag.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct RemoteArgs {
    /// Use the existing FusionAuth at URL instead of the stack `mcp-fa up` started. Its API
    /// key is read from FUSIONAUTH_API_KEY (or the variable the project file's
    /// `fusionauth.api-key-env` names), never from a flag: a flag's value stays in your shell
    /// history and shows in the process list. Default: the project file's `fusionauth.url`.
    #[arg(long, value_name = "URL", global = true)]
    pub fusionauth_url: Option<String>,

    /// The tenant to work in (its id), sent as FusionAuth's X-FusionAuth-TenantId header; its
    /// issuer, signing keys and discovery document are the ones used. Needed when the instance
    /// has several tenants and the API key is not limited to one. Default: the project file's
    /// `fusionauth.tenant-id`.
    #[arg(long, value_name = "ID", global = true)]
    pub tenant_id: Option<String>,

    /// The MCP server's public base URL, as `serve --public-url` names it (the resource tokens
    /// are issued for is `<URL>/mcp`). Default: the project file's `mcp.public-url`, else
    /// http://localhost:8000.
    #[arg(long, value_name = "URL", global = true)]
    pub public_url: Option<String>,
}

/// `mcp-fa up`.
#[derive(Debug, Clone, clap::Args)]
pub struct UpArgs {
    #[command(flatten)]
    pub project: ProjectArg,

    /// The FusionAuth image (a mirror, or another pinned version >= 1.67.0). Default: the
    /// project file's, else the one the project was created with, else
    /// fusionauth/fusionauth-app:1.69.3.
    #[arg(long, env = "MCP_FA_FUSIONAUTH_IMAGE", value_name = "IMAGE")]
    pub fusionauth_image: Option<String>,

    /// The PostgreSQL image (keep it at 16: newer images moved the data directory). Default:
    /// the project file's, else the one the project was created with, else postgres:16.9-alpine.
    #[arg(long, env = "MCP_FA_POSTGRES_IMAGE", value_name = "IMAGE")]
    pub postgres_image: Option<String>,

    /// The port FusionAuth is published on (127.0.0.1 only); fixed once the project has data.
    /// Default: the project file's, else the one the project was created with, else 9011.
    #[arg(long, value_name = "PORT")]
    pub fusionauth_port: Option<u16>,

    /// The port the MCP server will listen on (checked to be free). Default: the project
    /// file's, else the one the project was created with, else 8000.
    #[arg(long, value_name = "PORT")]
    pub mcp_port: Option<u16>,

    /// A FusionAuth license id, activated by kickstart (needs outbound network access).
    /// Default: the variable the project file's `license-env` names.
    #[arg(
        long,
        env = "FUSIONAUTH_LICENSE_ID",
        value_name = "ID",
        hide_env_values = true
    )]
    pub license_id: Option<String>,

    /// Seconds to wait for the whole stack to be ready.
    #[arg(long, env = "MCP_FA_STARTUP_TIMEOUT", default_value_t = crate::stack::DEFAULT_TIMEOUT.as_secs(),
          value_name = "SECS")]
    pub timeout: u64,

    /// Register this MCP client once FusionAuth is ready and print its configuration
    /// (repeatable): claude-code, claude-desktop, cursor, vscode, mcp-remote or inspector.
    /// Each is registered under its kind's name; use `mcp-fa clients add` for other names,
    /// ports or custom clients. Default: the project file's `clients:`.
    #[arg(long = "client", value_parser = parse_up_client_kind, value_name = "KIND")]
    pub clients: Vec<crate::clients::ClientKind>,

    /// Return once everything is ready, leaving the MCP server running in a background process
    /// (its output goes to `mcp-fa logs mcp`; `mcp-fa down` stops it). Without it, `up` serves
    /// in the foreground until Ctrl-C, and the stack keeps running after.
    #[arg(long)]
    pub detach: bool,

    /// Bring up FusionAuth only; do not start the MCP server (e.g. to run your own, or the
    /// tutorial's Python server, on the MCP port).
    #[arg(long, conflicts_with = "detach")]
    pub no_server: bool,

    /// Do not hand over to the tutorial once the stack is up.
    #[arg(long)]
    pub no_tutorial: bool,

    /// Use the tutorial's well-known passwords ("password") instead of generated ones.
    #[arg(long)]
    pub demo_passwords: bool,

    /// Answer yes to every question (there is nothing to confirm yet; for scripts).
    #[arg(long, short = 'y')]
    pub yes: bool,

    /// Print one JSON document (and no progress) instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `mcp-fa down`.
#[derive(Debug, Clone, clap::Args)]
pub struct DownArgs {
    #[command(flatten)]
    pub project: ProjectArg,

    /// Also delete the database volume and the state file: the next `up` starts afresh.
    #[arg(long)]
    pub volumes: bool,

    /// Print one JSON document instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `mcp-fa status`.
#[derive(Debug, Clone, clap::Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub project: ProjectArg,

    /// Output format: `pretty` (text for people; `text` works too), `json`, or `env`
    /// (`KEY=value` lines for a .env file).
    #[arg(long, short = 'o', value_enum, default_value = "pretty")]
    pub output: StatusFormat,

    /// Include the API key and passwords.
    #[arg(long)]
    pub show_secrets: bool,
}

/// See [`StatusArgs::output`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StatusFormat {
    #[value(alias = "text")]
    Pretty,
    Json,
    Env,
}

/// `mcp-fa logs`.
#[derive(Debug, Clone, clap::Args)]
pub struct LogsArgs {
    /// Whose log.
    #[arg(value_enum, default_value = "fusionauth")]
    pub service: LogService,

    #[command(flatten)]
    pub project: ProjectArg,

    /// Keep printing new lines until interrupted.
    #[arg(long, short = 'f')]
    pub follow: bool,

    /// Only the last N lines.
    #[arg(long, value_name = "N")]
    pub tail: Option<usize>,
}

/// See [`LogsArgs::service`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogService {
    Fusionauth,
    Db,
    Mcp,
}

/// `mcp-fa doctor`.
#[derive(Debug, Clone, clap::Args)]
pub struct DoctorArgs {
    #[command(flatten)]
    pub project: ProjectArg,

    /// Check an existing FusionAuth (a remote project) instead of the local stack: the API
    /// key's permissions, the tenant's issuer and signing key, FusionAuth's version and license,
    /// and the MCP server at its public URL.
    #[command(flatten)]
    pub remote: RemoteArgs,

    /// Fix what can be fixed without asking: on a remote project, generate an RSA key and make
    /// it the tenant's token signing key when the tenant still signs with an HMAC key.
    #[arg(long, short = 'y')]
    pub yes: bool,

    /// Print one JSON document instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `mcp-fa clients`.
#[derive(Debug, Clone, clap::Args)]
pub struct ClientsArgs {
    #[command(flatten)]
    pub project: ProjectArg,

    #[command(flatten)]
    pub remote: RemoteArgs,

    #[command(subcommand)]
    pub command: ClientsCommand,
}

#[derive(Debug, Clone, Subcommand)]
pub enum ClientsCommand {
    /// Register an MCP client as a FusionAuth application and print its configuration.
    Add(ClientsAddArgs),
    /// List the registered clients with their last login.
    List(ClientsListArgs),
    /// Delete a client's FusionAuth application (it stops working at once).
    Remove(ClientsRemoveArgs),
    /// Delete the clients nobody has logged in with lately.
    Prune(ClientsPruneArgs),
    /// Print a registered client's configuration again.
    Config(ClientsConfigArgs),
}

/// `mcp-fa clients add`.
#[derive(Debug, Clone, clap::Args)]
pub struct ClientsAddArgs {
    /// Which client (asked for on a terminal when left out).
    #[arg(long, value_parser = parse_client_kind, value_name = "KIND",
          help = "Which client: claude-code, claude-desktop, cursor, vscode, mcp-remote, inspector or custom (asked on a terminal when left out)")]
    pub kind: Option<crate::clients::ClientKind>,

    /// The name to register it under (default: the kind's name).
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,

    /// The local callback port, for clients that take one (claude-code, claude-desktop,
    /// mcp-remote); pinned so the registered redirect URI stays valid.
    #[arg(long, value_name = "PORT")]
    pub port: Option<u16>,

    /// An exact redirect URI to register (repeatable; required for `custom`).
    #[arg(long = "redirect-uri", value_name = "URI")]
    pub redirect_uri: Vec<String>,

    /// Merge the entry into the client's own config file (a backup is written first).
    #[arg(long)]
    pub write_config: bool,

    /// Print one JSON document instead of text.
    #[arg(long)]
    pub json: bool,
}

fn parse_client_kind(raw: &str) -> Result<crate::clients::ClientKind, String> {
    raw.parse()
}

/// As `clients add --kind`, without `custom` (which needs redirect URIs `up` does not take) and
/// `claude-connector` (which needs a public https server, never a local stack's).
fn parse_up_client_kind(raw: &str) -> Result<crate::clients::ClientKind, String> {
    match raw.parse()? {
        crate::clients::ClientKind::Custom => Err(
            "a custom client needs its redirect URIs: register it with `mcp-fa clients add \
             --kind custom --redirect-uri URI` once the stack is up"
                .into(),
        ),
        crate::clients::ClientKind::ClaudeConnector => Err(
            "claude.ai's connector reaches the MCP server from Anthropic's cloud, so it needs \
             the server at a public https URL, which a local stack's is not: register it with \
             `mcp-fa clients add --kind claude-connector --fusionauth-url URL --public-url \
             https://…` against the FusionAuth that protects your deployed server"
                .into(),
        ),
        kind => Ok(kind),
    }
}

/// Output format for listings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    Pretty,
    Json,
}

/// `mcp-fa clients list`.
#[derive(Debug, Clone, clap::Args)]
pub struct ClientsListArgs {
    #[arg(long, short = 'o', value_enum, default_value = "pretty")]
    pub output: OutputFormat,
}

/// `mcp-fa clients remove`.
#[derive(Debug, Clone, clap::Args)]
pub struct ClientsRemoveArgs {
    /// The client's name or client id.
    #[arg(value_name = "NAME|ID")]
    pub client: String,

    /// Do not ask for confirmation.
    #[arg(long, short = 'y')]
    pub yes: bool,
}

/// `mcp-fa clients prune`.
#[derive(Debug, Clone, clap::Args)]
pub struct ClientsPruneArgs {
    /// Remove clients with no login in this many days (and at least that old).
    #[arg(long, default_value_t = 30, value_name = "DAYS")]
    pub unused_for: u32,

    /// Do not ask for confirmation.
    #[arg(long, short = 'y')]
    pub yes: bool,
}

/// `mcp-fa clients config`.
#[derive(Debug, Clone, clap::Args)]
pub struct ClientsConfigArgs {
    /// The client's name or client id.
    #[arg(value_name = "NAME|ID")]
    pub client: String,

    /// Merge the entry into the client's own config file (a backup is written first).
    #[arg(long)]
    pub write_config: bool,

    /// Also show a confidential client's secret (claude-connector).
    #[arg(long)]
    pub show_secrets: bool,
}

/// `mcp-fa tutorial`.
#[derive(Debug, Clone, clap::Args)]
pub struct TutorialArgs {
    #[command(flatten)]
    pub project: ProjectArg,

    /// Start (or go back) at this step: its id (`turn-protection-on`) or number (`5`).
    #[arg(long, value_name = "ID|N")]
    pub step: Option<String>,

    /// Forget the saved progress and start from the first step.
    #[arg(long)]
    pub reset: bool,

    /// List the steps with their state (passed, skipped, current) and exit.
    #[arg(long, conflicts_with_all = ["check", "reset"])]
    pub list: bool,

    /// Run every check that needs no person, without questions; exit non-zero on the first
    /// failure (for CI, or as a health check of a running stack).
    #[arg(long)]
    pub check: bool,

    /// Walk the remote track (an existing FusionAuth, a deployed server, claude.ai's
    /// connector) instead of the local one; a remote project walks it anyway.
    #[command(flatten)]
    pub remote: RemoteArgs,
}

/// `mcp-fa check`.
#[derive(Debug, Clone, clap::Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub project: ProjectArg,

    /// Check an existing FusionAuth and the MCP server at its public URL instead of the local
    /// stack: a temporary user (removed afterwards) logs in to a temporary client.
    #[command(flatten)]
    pub remote: RemoteArgs,

    /// Keep the self-test client registered afterwards (it is removed by default).
    #[arg(long)]
    pub keep_client: bool,

    /// Print one JSON document instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `mcp-fa export`.
#[derive(Debug, Clone, clap::Args)]
pub struct ExportArgs {
    /// `compose`: compose.yaml, .env and the kickstart, with the MCP server image built here
    /// (no registry needed). `kubernetes`: values for FusionAuth's Helm chart, manifests for the
    /// MCP server and PostgreSQL, and a README with the order of apply.
    #[arg(value_enum, value_name = "FORMAT")]
    pub format: ExportFormatArg,

    #[command(flatten)]
    pub project: ProjectArg,

    /// The folder to write (created if needed; refused when it holds files, unless --force).
    /// Default: ./mcp-fa-compose or ./mcp-fa-kubernetes.
    #[arg(long, short = 'o', value_name = "DIR")]
    pub output: Option<std::path::PathBuf>,

    /// Write into a folder that already holds files: exported files are replaced; an existing
    /// .env or secrets.env is kept (its secrets belong to data that may already exist).
    #[arg(long)]
    pub force: bool,

    /// Compose: publish FusionAuth's and the MCP server's ports on every interface instead of
    /// 127.0.0.1.
    #[arg(long)]
    pub public: bool,

    /// A published MCP server image (built from the repository's Dockerfile) instead of the
    /// one `export compose` builds here from this mcp-fa.
    #[arg(long, value_name = "REF")]
    pub image: Option<String>,

    /// The URL clients will reach FusionAuth at: the tenant's issuer. Default: the running
    /// project's, http://localhost:<FusionAuth port>.
    #[arg(long, value_name = "URL")]
    pub issuer: Option<String>,

    /// The URL clients will reach the MCP server at, without /mcp. Default: the running
    /// project's, http://localhost:<MCP port>.
    #[arg(long, value_name = "URL")]
    pub public_url: Option<String>,

    /// Print one JSON document instead of text.
    #[arg(long)]
    pub json: bool,
}

/// See [`ExportArgs::format`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormatArg {
    Compose,
    Kubernetes,
}

/// `mcp-fa token`.
#[derive(Debug, Clone, clap::Args)]
pub struct TokenArgs {
    #[command(subcommand)]
    pub command: TokenCommand,
}

#[derive(Debug, Clone, Subcommand)]
pub enum TokenCommand {
    /// Decode an access token and say whether this stack's MCP server would accept it, and why
    /// not. Reads the token from standard input when none is given (keeps it out of `ps`).
    /// Exit status: 0 when the server accepts the token, 1 when it refuses it, cannot verify it
    /// (no stack, FusionAuth down) or the input is not a token.
    Inspect(TokenInspectArgs),
}

/// `mcp-fa token inspect`.
#[derive(Debug, Clone, clap::Args)]
pub struct TokenInspectArgs {
    #[command(flatten)]
    pub project: ProjectArg,

    /// Ask about a server protected by an existing FusionAuth (its tenant's issuer and keys,
    /// the resource `<public URL>/mcp`) instead of the local stack's.
    #[command(flatten)]
    pub remote: RemoteArgs,

    /// The token, or `-` (the default) to read it from standard input.
    #[arg(value_name = "TOKEN", default_value = "-", hide_default_value = true)]
    pub token: String,

    /// Print one JSON document instead of text.
    #[arg(long)]
    pub json: bool,
}
