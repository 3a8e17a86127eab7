//! `mcp-fa up`: find Docker, check ports, pull what is missing, create the network, volume and
//! containers, copy the kickstart in, and wait through the readiness chain under one deadline.
//! Everything this run creates is removed again if it fails or is interrupted.

use std::time::Duration;

use serde::Serialize;
use tokio::time::Instant;

use super::creation_guard::CreationGuard;
use super::error::StackError;
use super::kickstart::{self, KickstartValues};
use super::log_buffer::{FollowTask, LogBuffer};
use super::plan::{FUSIONAUTH_UID, KICKSTART_DIR, KICKSTART_FILE, StackPlan, UpOptions};
use super::ports::{self, PortCheck};
use super::progress::Progress;
use super::project::{CONFIG_HASH_LABEL, PROJECT_LABEL, Project};
use super::secrets;
use super::wait::{WaitContext, WaitFor, Watch};
use crate::docker::{ContainerInfo, ContainerSpec, Docker, Environment, RunState};
use crate::fusionauth::{FusionAuthClient, Secret, Timeouts};
use crate::redact::Redactor;
use crate::state::{
    PendingKickstart, ServerOwner, StackState, StateStore, StopReason, UserCredentials,
};

/// What `up` did, for the user and for `--json`. Holds no secret.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UpReport {
    pub project: String,
    pub fusionauth_url: String,
    pub admin_url: String,
    pub issuer: String,
    pub mcp_server_url: String,
    /// `ran`, or `skipped` when a kept database was reused.
    pub kickstart: &'static str,
    /// The stack was already up and unchanged: nothing was created.
    pub already_running: bool,
    pub users: Vec<ReportedUser>,
    pub state_file: String,
    pub elapsed_ms: u128,
    pub notes: Vec<String>,
    pub next_steps: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReportedUser {
    pub email: String,
    pub role: String,
}

/// A stack that is up: what the steps after readiness (client registration, the MCP server, the
/// tutorial) need.
#[derive(Debug, Clone)]
pub struct ReadyStack {
    pub report: UpReport,
    pub state: StackState,
    pub store: StateStore,
}

/// Brings the stack up (see the module documentation).
pub async fn up(options: UpOptions, reporter: &dyn Progress) -> Result<ReadyStack, StackError> {
    let started = Instant::now();
    let project = Project::new(options.project.clone());
    let store = StateStore::from_env()?;
    let plan = StackPlan::new(project.clone(), &options);
    let template = read_template(&options)?;

    let docker = Docker::connect(&Environment::from_process()).await?;
    reporter.step(&format!(
        "using Docker {} at {} ({})",
        docker.connection.server_version,
        docker.connection.endpoint.host,
        docker.connection.endpoint.source
    ));
    let saved = store.load(project.project_name())?;
    let existing = Existing::inspect(&docker, &project).await?;
    if let Some(state) = &saved
        && existing.volume
    {
        super::kept_data::refuse_changes(state, &plan)?;
    }

    if let (Some(state), true) = (&saved, existing.up_to_date(&plan)) {
        reporter.step("the stack is already running with this configuration");
        let ready = wait_running(&docker, &plan, state, &options, started).await;
        if ready.is_ok() {
            let mut state = state.clone();
            let scopes = options.scopes.or(state.scopes);
            if state.pending_kickstart.take().is_some() || state.scopes != scopes {
                state.scopes = scopes;
                store.save(&state)?;
            }
            let mut report = report(&plan, &state, &store, started, true, "skipped");
            report.notes.push("Nothing was changed.".into());
            return Ok(ReadyStack {
                report,
                state,
                store,
            });
        }
        reporter.step("it is not answering; recreating its containers");
    }

    // A detached MCP server from an earlier run would hold the MCP port and verify tokens for
    // the FusionAuth being replaced: stop it; the command starts a new one.
    if super::mcp_server::current(&store, project.project_name())
        .is_some_and(|record| record.owner == ServerOwner::Detached)
    {
        for pid in super::mcp_server::stop(&store, project.project_name(), StopReason::Down).await?
        {
            reporter.step(&format!(
                "stopped the MCP server of the previous run (pid {pid})"
            ));
        }
    }

    check_ports(&docker, &project, &plan).await?;

    let mut notes = Vec::new();
    let reuse = match (&saved, existing.volume) {
        (Some(state), true) => Some(state.clone()),
        (None, true) => {
            return Err(StackError::StateMissing {
                project: project.project_name().clone(),
                volume: project.database_volume(),
                state_file: store.path(project.project_name()).display().to_string(),
            });
        }
        (Some(_), false) => {
            notes.push(
                "The saved state belonged to a database that no longer exists; started afresh."
                    .into(),
            );
            None
        }
        (None, false) => None,
    };

    let guard = CreationGuard::default();
    let work = async {
        for container in existing.containers() {
            reporter.step(&format!("replacing the container {container}"));
            docker.stop(&container, Duration::from_secs(10)).await?;
            docker.remove_container(&container).await?;
        }
        ensure_images(
            &docker,
            reporter,
            &[
                (&plan.postgres_image, "--postgres-image"),
                (&plan.fusionauth_image, "--fusionauth-image"),
            ],
        )
        .await?;
        create_and_wait(
            &docker,
            reporter,
            &guard,
            &plan,
            &options,
            reuse.as_ref(),
            template,
            started,
            &store,
        )
        .await
    };
    let outcome = tokio::select! {
        outcome = work => outcome,
        () = interrupted() => Err(StackError::Interrupted { removed: Vec::new() }),
    };
    let (state, kickstart) = match outcome {
        Ok(done) => done,
        Err(error) => {
            let removed = guard.roll_back(&docker).await;
            // The state saved for this run's new database goes with it, once no volume is left.
            if reuse.is_none()
                && Existing::inspect(&docker, &project)
                    .await
                    .is_ok_and(|left| !left.volume)
            {
                let _ = store.remove(project.project_name());
            }
            if !removed.is_empty() {
                reporter.step(&format!(
                    "removed what this run created: {}",
                    removed.join(", ")
                ));
            }
            return Err(match error {
                StackError::Interrupted { .. } => StackError::Interrupted { removed },
                other => other,
            });
        }
    };
    store.save(&state)?;
    if kickstart == "resumed" {
        notes.push(
            "An earlier `up` stopped before FusionAuth was ready; its kickstart was handed to \
             FusionAuth again and has finished."
                .into(),
        );
    } else if reuse.is_some() {
        notes.push(
            "Reused the kept database: FusionAuth does not run kickstart twice, so the saved API \
             key and users were reused."
                .into(),
        );
    }
    let mut report = report(&plan, &state, &store, started, false, kickstart);
    report.notes.extend(notes);
    Ok(ReadyStack {
        report,
        state,
        store,
    })
}

/// The containers, network and volume that already carry this project's names.
struct Existing {
    database: Option<ContainerInfo>,
    fusionauth: Option<ContainerInfo>,
    volume: bool,
}

impl Existing {
    /// Refuses objects with our names but without our label: they belong to someone else.
    async fn inspect(docker: &Docker, project: &Project) -> Result<Self, StackError> {
        let taken = |kind, name: String| StackError::NameTaken {
            kind,
            name,
            project: project.name().to_owned(),
        };
        let mut containers = Vec::new();
        for name in [project.database_container(), project.fusionauth_container()] {
            let info = docker.inspect(&name).await?;
            if let Some(info) = &info
                && !project.owns(&info.labels)
            {
                return Err(taken("container", name));
            }
            containers.push(info);
        }
        if let Some(labels) = docker.network_labels(&project.network()).await?
            && !project.owns(&labels)
        {
            return Err(taken("network", project.network()));
        }
        let volume = match docker.volume_labels(&project.database_volume()).await? {
            Some(labels) if !project.owns(&labels) => {
                return Err(taken("volume", project.database_volume()));
            }
            Some(_) => true,
            None => false,
        };
        let fusionauth = containers.pop().flatten();
        let database = containers.pop().flatten();
        Ok(Self {
            database,
            fusionauth,
            volume,
        })
    }

    fn up_to_date(&self, plan: &StackPlan) -> bool {
        let current = |info: &Option<ContainerInfo>| {
            info.as_ref().is_some_and(|info| {
                info.state == RunState::Running
                    && info.labels.get(CONFIG_HASH_LABEL) == Some(&plan.config_hash)
            })
        };
        self.volume && current(&self.database) && current(&self.fusionauth)
    }

    fn containers(&self) -> Vec<String> {
        [&self.fusionauth, &self.database]
            .into_iter()
            .flatten()
            .map(|info| info.name.clone())
            .collect()
    }
}

async fn check_ports(
    docker: &Docker,
    project: &Project,
    plan: &StackPlan,
) -> Result<(), StackError> {
    let wanted = [
        (plan.fusionauth_port, "FusionAuth", "--fusionauth-port"),
        (plan.mcp_port, "the MCP server", "--mcp-port"),
    ];
    for (port, purpose, flag) in wanted {
        match ports::check(docker, project, port).await? {
            PortCheck::Taken(holder) => {
                return Err(StackError::PortInUse {
                    port,
                    purpose,
                    holder,
                    flag,
                });
            }
            PortCheck::Privileged => {
                return Err(StackError::PortPrivileged {
                    port,
                    purpose,
                    flag,
                });
            }
            PortCheck::Free | PortCheck::Ours => {}
        }
    }
    Ok(())
}

/// Uses the local images when present (offline works) and pulls the others. Every image is
/// tried before failing, so one message names every image that cannot be had, rather than
/// one per run.
async fn ensure_images(
    docker: &Docker,
    reporter: &dyn Progress,
    images: &[(&String, &'static str)],
) -> Result<(), StackError> {
    let mut missing = Vec::new();
    for (image, flag) in images {
        if !docker.image_present(image).await? {
            missing.push((image.as_str(), *flag));
        }
    }
    let mut failed = Vec::new();
    for (image, flag) in missing {
        reporter.step(&format!("pulling {image}"));
        let mut progress = reporter.pull(image);
        let pulled = docker.pull(image, |event| progress.event(event)).await;
        progress.finish(if pulled.is_ok() { "done" } else { "failed" });
        match pulled {
            Ok(()) => {}
            // A pull that fills the disk is not a wrong image name: say so, with the hint.
            Err(error) if error.is_disk_full() => return Err(error.into()),
            Err(crate::docker::DockerError::Pull { image, reason }) => {
                failed.push(super::error::MissingImage {
                    image,
                    reason,
                    flag,
                });
            }
            Err(other) => return Err(other.into()),
        }
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(StackError::ImagePull { images: failed })
    }
}

#[allow(clippy::too_many_arguments)]
async fn create_and_wait(
    docker: &Docker,
    reporter: &dyn Progress,
    guard: &CreationGuard,
    plan: &StackPlan,
    options: &UpOptions,
    reuse: Option<&StackState>,
    template: (String, String),
    started: Instant,
    store: &StateStore,
) -> Result<(StackState, &'static str), StackError> {
    let deadline = started + options.timeout;
    let project = &plan.project;
    // The state is on disk before any Docker object of a new stack exists: whenever this
    // process dies from here on, the next `up` knows the API key the kickstart will create.
    let state = match reuse {
        Some(state) => {
            let mut state = state.clone();
            state.fusionauth_image = plan.fusionauth_image.clone();
            state.postgres_image = plan.postgres_image.clone();
            state.config_hash = plan.config_hash.clone();
            state.scopes = options.scopes.or(state.scopes);
            state
        }
        None => {
            // The tenant's issuer is the MCP server's origin: the MCP server publishes the
            // authorization server metadata there (for clients that register themselves).
            let values = KickstartValues::generate(
                &format!("http://localhost:{}", plan.mcp_port),
                options.demo_passwords,
                options.license_id.clone(),
            )?;
            let rendered = kickstart::render(&template.1, &template.0, &values)?;
            let database_password = Secret::new(secrets::token(32)?);
            let mut state = new_state(plan, &values, &rendered, database_password);
            state.scopes = options.scopes;
            // A new database starts a new story: the walkthrough begins at step 1 again, and
            // the MCP log of the old one goes.
            store.forget(project.project_name(), false)?;
            state.pending_kickstart = Some(PendingKickstart {
                contents: Secret::new(String::from_utf8_lossy(&rendered.contents).into_owned()),
                finished_probe: rendered.finished_probe.clone(),
            });
            state
        }
    };
    store.save(&state)?;
    let database_password = state.database_password.clone();

    // Docker before API 1.44 creates a second network with the same name instead of refusing,
    // so look first: a kept network (containers replaced) is reused.
    // Each object is recorded BEFORE it is created: an interrupt can land while the daemon is
    // creating it, and the guard must still remove it (removing what was never made is a no-op).
    let network_exists = docker.network_labels(&project.network()).await?.is_some();
    if !network_exists {
        guard.network(&project.network());
        docker
            .create_network(&project.network(), &project.labels("network"))
            .await?;
    }
    let network_id = docker
        .sole_network_id(&project.network(), PROJECT_LABEL, project.name())
        .await?;
    if reuse.is_none() {
        guard.volume(&project.database_volume());
        docker
            .create_volume(&project.database_volume(), &project.labels("data"))
            .await?;
    }

    reporter.step(&format!("starting the database ({})", plan.postgres_image));
    let mut database = plan.database_container(&database_password);
    use_network_id(&mut database, &network_id);
    guard.container(&database.name);
    create_container(docker, &database, project).await?;
    let (database_watch, _database_follow) = start_watched(docker, &database.name, "db").await?;

    let client = FusionAuthClient::new(
        plan.poll_url.parse().expect("a valid URL"),
        Timeouts {
            connect: Duration::from_secs(2),
            request: Duration::from_secs(10),
        },
    )?;
    let mut context = WaitContext {
        docker,
        database: database_watch,
        fusionauth: None,
        client,
        deadline,
        timeout: options.timeout,
        project_flag: project.flag(),
        redactor: Redactor::for_state(&state),
    };
    let announce = |wait: &WaitFor| reporter.step(&format!("waiting for {}", wait.describe()));
    context
        .wait_for_all(&[WaitFor::DatabaseHealthy], announce)
        .await?;

    reporter.step(&format!("starting FusionAuth ({})", plan.fusionauth_image));
    let mut fusionauth = plan.fusionauth_container(&database_password);
    use_network_id(&mut fusionauth, &network_id);
    guard.container(&fusionauth.name);
    create_container(docker, &fusionauth, project).await?;

    // A pending kickstart (a new stack, or one whose earlier `up` died before FusionAuth was
    // ready) is handed to FusionAuth, which runs it only on an empty database.
    let (probe_wait, kickstart_outcome) = match &state.pending_kickstart {
        Some(pending) => {
            docker
                .upload_file(
                    &fusionauth.name,
                    KICKSTART_DIR,
                    KICKSTART_FILE,
                    pending.contents.expose().as_bytes(),
                    FUSIONAUTH_UID,
                    0o644,
                )
                .await?;
            let probe = pending.finished_probe.clone();
            let outcome = if reuse.is_some() { "resumed" } else { "ran" };
            (WaitFor::KickstartFinished { probe }, outcome)
        }
        None => {
            let probe = demo_probe(&state);
            (WaitFor::SavedApiKeyAccepted { probe }, "skipped")
        }
    };
    let (fusionauth_watch, _fusionauth_follow) =
        start_watched(docker, &fusionauth.name, "fusionauth").await?;
    context.fusionauth = Some(fusionauth_watch);
    context.client = context.client.clone().with_api_key(state.api_key.clone());
    context
        .wait_for_all(&[WaitFor::FusionAuthReady, probe_wait], announce)
        .await?;
    let mut state = state;
    state.pending_kickstart = None;
    Ok((state, kickstart_outcome))
}

/// Starts a created container with its output read from the first line: attached to before the
/// start where Docker allows it (see `log_buffer`), else followed through its log once started.
async fn start_watched(
    docker: &Docker,
    container: &str,
    service: &'static str,
) -> Result<(Watch, FollowTask), StackError> {
    let log = LogBuffer::default();
    let attached = log.attach(docker, container).await;
    docker.start(container).await?;
    let follow = match attached {
        Some(task) => task,
        None => log.follow(docker, container),
    };
    let watch = Watch {
        container: container.to_owned(),
        service,
        log,
    };
    Ok((watch, follow))
}

/// For a stack found running: the same checks, without creating anything.
async fn wait_running(
    docker: &Docker,
    plan: &StackPlan,
    state: &StackState,
    options: &UpOptions,
    started: Instant,
) -> Result<(), StackError> {
    let project = &plan.project;
    let client = FusionAuthClient::new(
        plan.poll_url.parse().expect("a valid URL"),
        Timeouts {
            connect: Duration::from_secs(2),
            request: Duration::from_secs(10),
        },
    )?
    .with_api_key(state.api_key.clone());
    let watch = |container: String, service| Watch {
        container,
        service,
        log: LogBuffer::default(),
    };
    let context = WaitContext {
        docker,
        database: watch(project.database_container(), "db"),
        fusionauth: Some(watch(project.fusionauth_container(), "fusionauth")),
        client,
        deadline: started + options.timeout.min(Duration::from_secs(10)),
        timeout: options.timeout.min(Duration::from_secs(10)),
        project_flag: project.flag(),
        redactor: Redactor::for_state(state),
    };
    // A kickstart still pending (an earlier `up` died while FusionAuth was starting) is done
    // when its own last object is readable.
    let probe = match &state.pending_kickstart {
        Some(pending) => pending.finished_probe.clone(),
        None => demo_probe(state),
    };
    context
        .wait_for_all(
            &[
                WaitFor::FusionAuthReady,
                WaitFor::SavedApiKeyAccepted { probe },
            ],
            |_| {},
        )
        .await
}

/// Creates a container. If its name is taken by one of OUR containers (a killed run's create
/// can land, or still be in flight, after this run looked), that one is replaced; the daemon
/// reserves the name before it lists the container, so the check is retried for a moment. A
/// foreign container with our name was refused earlier (`Existing::inspect`).
async fn create_container(
    docker: &Docker,
    spec: &ContainerSpec,
    project: &Project,
) -> Result<(), StackError> {
    let mut attempts = 0;
    loop {
        match docker.create_container(spec).await {
            Ok(_) => return Ok(()),
            Err(error) if error.is_conflict() && attempts < 10 => {
                attempts += 1;
                let ours = docker
                    .containers_labelled(PROJECT_LABEL, project.name())
                    .await?
                    .contains(&spec.name);
                if ours {
                    docker.remove_container(&spec.name).await?;
                } else {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
            Err(error) => return Err(error.into()),
        }
    }
}

/// Containers join the network by id: a name can be ambiguous (see `sole_network_id`).
fn use_network_id(spec: &mut ContainerSpec, network_id: &str) {
    if let Some((network, _aliases)) = spec.network.as_mut() {
        *network = network_id.to_owned();
    }
}

/// Ctrl-C, or SIGTERM (what `kill`, `timeout` and process managers send): either way `up`
/// removes what it created rather than dying half-way.
async fn interrupted() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

fn demo_probe(state: &StackState) -> String {
    let user = state.user("demo").or(state.users.first());
    format!(
        "/api/user/{}",
        user.map(|u| u.id.as_str()).unwrap_or_default()
    )
}

fn new_state(
    plan: &StackPlan,
    values: &KickstartValues,
    rendered: &kickstart::RenderedKickstart,
    database_password: Secret,
) -> StackState {
    StackState {
        format_version: 1,
        project: plan.project.project_name().clone(),
        fusionauth_url: plan.public_url.clone(),
        issuer: Some(values.issuer.clone()),
        fusionauth_port: plan.fusionauth_port,
        mcp_port: plan.mcp_port,
        fusionauth_image: plan.fusionauth_image.clone(),
        postgres_image: plan.postgres_image.clone(),
        api_key: values.api_key.clone(),
        registration_api_key: rendered
            .registration_key
            .then(|| values.registration_api_key.clone()),
        database_password,
        tenant_id: None,
        signing_key_id: values.signing_key_id.clone(),
        users: vec![
            UserCredentials {
                id: values.demo_user_id.clone(),
                email: rendered.demo_email.clone(),
                full_name: "Test User".into(),
                password: values.demo_password.clone(),
                role: "demo".into(),
            },
            UserCredentials {
                id: values.admin_user_id.clone(),
                email: rendered.admin_email.clone(),
                full_name: "Admin User".into(),
                password: values.admin_password.clone(),
                role: "admin".into(),
            },
        ],
        license_id: values.license_id.clone(),
        scopes: None,
        clients: Vec::new(),
        pending_kickstart: None,
        config_hash: plan.config_hash.clone(),
        created_at: crate::state::now_secs(),
    }
}

/// `(name, text)` of the kickstart template: `MCP_FA_KICKSTART_TEMPLATE` or the built-in one.
fn read_template(options: &UpOptions) -> Result<(String, String), StackError> {
    match &options.kickstart_template {
        None => Ok((
            "kickstart/kickstart.json (built in)".into(),
            kickstart::TEMPLATE.to_owned(),
        )),
        Some(path) => std::fs::read_to_string(path)
            .map(|text| (path.display().to_string(), text))
            .map_err(|error| StackError::KickstartTemplate {
                path: path.display().to_string(),
                reason: error.to_string(),
            }),
    }
}

fn report(
    plan: &StackPlan,
    state: &StackState,
    store: &StateStore,
    started: Instant,
    already_running: bool,
    kickstart: &'static str,
) -> UpReport {
    let project = plan.project.project_name();
    let flag = plan.project.flag();
    UpReport {
        project: project.to_string(),
        fusionauth_url: plan.public_url.clone(),
        admin_url: format!("{}/admin", plan.public_url),
        issuer: state.issuer().to_owned(),
        mcp_server_url: plan.mcp_url(),
        kickstart,
        already_running,
        users: state
            .users
            .iter()
            .map(|user| ReportedUser {
                email: user.email.clone(),
                role: user.role.clone(),
            })
            .collect(),
        state_file: store.path(project).display().to_string(),
        elapsed_ms: started.elapsed().as_millis(),
        notes: Vec::new(),
        next_steps: vec![
            format!("mcp-fa status{flag} --show-secrets   # passwords and the API key"),
            format!("mcp-fa logs fusionauth{flag}"),
            format!("mcp-fa down{flag}   # stop; add --volumes to delete the data"),
        ],
    }
}
