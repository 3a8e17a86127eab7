//! The bollard client behind [`Docker`]: connecting (probe each discovered endpoint, negotiate
//! the API version), and each operation the stack needs, returning domain types
//! ([`ContainerInfo`], [`PullEvent`], [`LogChunk`]) instead of bollard's models.

use std::collections::HashMap;
use std::time::Duration;

use bollard::models::{
    ContainerCreateBody, EndpointSettings, HealthConfig, HealthStatusEnum, HostConfig,
    NetworkCreateRequest, NetworkingConfig, PortBinding, VolumeCreateRequest,
};
use bollard::query_parameters::{
    AttachContainerOptions, CreateContainerOptions, CreateImageOptions, ListContainersOptions,
    ListNetworksOptions, ListVolumesOptions, LogsOptions, RemoveContainerOptions,
    RemoveVolumeOptions, StopContainerOptions, UploadToContainerOptions,
};
use futures_util::{Stream, StreamExt};

use super::archive;
use super::endpoint::{Candidate, Environment, discover, installed_runtimes};
use super::error::{DockerError, short_reason};

type Result<T> = std::result::Result<T, DockerError>;

/// How long a candidate may take to answer a ping. Short: a live local daemon answers in
/// milliseconds, and a stale socket or an unreachable host should not stall `up`.
const PING_TIMEOUT: Duration = Duration::from_secs(3);
/// For every other request (pulls are streamed and bounded by [`PULL_STALL_TIMEOUT`]).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);
/// A pull that sends no progress for this long is given up on.
const PULL_STALL_TIMEOUT: Duration = Duration::from_secs(60);
/// Rate-limited pulls (`toomanyrequests`) are retried this many times, with backoff.
const PULL_ATTEMPTS: u32 = 3;

/// A connected, version-negotiated Docker daemon.
#[derive(Clone)]
pub struct Docker {
    pub(super) inner: bollard::Docker,
    pub connection: Connection,
}

impl std::fmt::Debug for Docker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Docker")
            .field("connection", &self.connection)
            .finish_non_exhaustive()
    }
}

/// Which endpoint answered, why it was chosen, and what it runs. `doctor` prints this.
#[derive(Debug, Clone)]
pub struct Connection {
    pub endpoint: Candidate,
    /// Candidates tried before this one, and why they failed.
    pub skipped: Vec<(String, String)>,
    pub notes: Vec<String>,
    pub server_version: String,
    /// The daemon's newest API version.
    pub server_api_version: String,
    /// The version requests are made with, after negotiation.
    pub api_version: String,
    pub os: String,
    pub arch: String,
}

/// What a container is doing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunState {
    Created,
    Running,
    Restarting,
    Exited { code: i64 },
    Other(String),
}

/// The health check's verdict, when the container has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Health {
    Starting,
    Healthy,
    Unhealthy,
}

/// A container as the stack needs to see it.
#[derive(Debug, Clone)]
pub struct ContainerInfo {
    pub id: String,
    pub name: String,
    pub image: String,
    pub state: RunState,
    pub health: Option<Health>,
    pub labels: HashMap<String, String>,
}

/// A port to publish: `host_ip:host_port` → `container_port/tcp`.
#[derive(Debug, Clone)]
pub struct PublishedPort {
    pub host_ip: String,
    pub host_port: u16,
    pub container_port: u16,
}

/// A command Docker runs inside the container to decide whether it is healthy.
#[derive(Debug, Clone)]
pub struct HealthCheck {
    /// Run with `/bin/sh -c` (`CMD-SHELL`).
    pub shell_command: String,
    pub interval: Duration,
    pub timeout: Duration,
    pub retries: u32,
    pub start_period: Duration,
}

/// Everything needed to create one container.
#[derive(Debug, Clone, Default)]
pub struct ContainerSpec {
    pub name: String,
    pub image: String,
    pub env: Vec<String>,
    pub labels: HashMap<String, String>,
    /// A user-defined network and the aliases other containers reach this one by.
    pub network: Option<(String, Vec<String>)>,
    /// Named volume → path in the container.
    pub volumes: Vec<(String, String)>,
    pub ports: Vec<PublishedPort>,
    pub health_check: Option<HealthCheck>,
}

/// One step of an image pull, as Docker reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct PullEvent {
    /// The layer this is about; `None` for whole-image messages ("Pulling from ...").
    pub layer: Option<String>,
    /// "Pulling fs layer", "Downloading", "Extracting", "Already exists", "Pull complete", ...
    pub status: String,
    pub current: Option<u64>,
    pub total: Option<u64>,
}

/// Which output stream a log line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogStream {
    Stdout,
    Stderr,
}

/// A chunk of container output (usually one line, not guaranteed).
#[derive(Debug, Clone)]
pub struct LogChunk {
    pub stream: LogStream,
    pub text: String,
}

impl Docker {
    /// Tries each discovered endpoint in order and keeps the first that answers a ping, with
    /// the API version negotiated down to what the daemon speaks (older daemons and podman
    /// speak older versions than bollard's default).
    pub async fn connect(env: &Environment) -> Result<Self> {
        let discovery = discover(env);
        let mut skipped = Vec::new();
        for candidate in discovery.candidates {
            match probe(&candidate.host).await {
                Ok((inner, info)) => {
                    let connection = Connection {
                        endpoint: candidate,
                        skipped,
                        notes: discovery.notes,
                        server_version: info.version.unwrap_or_default(),
                        server_api_version: info.api_version.unwrap_or_default(),
                        api_version: inner.client_version().to_string(),
                        os: info.os.unwrap_or_default(),
                        arch: info.arch.unwrap_or_default(),
                    };
                    return Ok(Self { inner, connection });
                }
                Err(why) => skipped.push((candidate.host, why)),
            }
        }
        let path_var = std::env::var("PATH").ok();
        Err(DockerError::Unavailable {
            explicit: discovery.explicit.then(|| {
                if env.docker_host.is_some() {
                    "DOCKER_HOST".to_owned()
                } else {
                    "DOCKER_CONTEXT".to_owned()
                }
            }),
            tried: skipped,
            installed: installed_runtimes(env, path_var.as_deref()),
            notes: discovery.notes,
        })
    }

    pub async fn image_present(&self, image: &str) -> Result<bool> {
        match self.inner.inspect_image(image).await {
            Ok(_) => Ok(true),
            Err(error) => {
                let error = DockerError::api(format!("inspect image {image}"), error);
                if error.is_not_found() {
                    Ok(false)
                } else {
                    Err(error)
                }
            }
        }
    }

    /// Pulls `image`, reporting each step to `on_event`. Rate limits are retried with backoff;
    /// a pull that goes quiet for a minute fails rather than hanging `up`.
    pub async fn pull(&self, image: &str, mut on_event: impl FnMut(PullEvent)) -> Result<()> {
        let mut attempt = 1;
        loop {
            match self.pull_once(image, &mut on_event).await {
                Err(DockerError::Pull { reason, .. })
                    if attempt < PULL_ATTEMPTS && is_rate_limit(&reason) =>
                {
                    tokio::time::sleep(Duration::from_secs(2u64.pow(attempt))).await;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    async fn pull_once(&self, image: &str, on_event: &mut impl FnMut(PullEvent)) -> Result<()> {
        let options = CreateImageOptions {
            from_image: Some(image.to_owned()),
            ..Default::default()
        };
        let pull_error = |reason: String| DockerError::Pull {
            image: image.to_owned(),
            reason,
        };
        let mut stream = Box::pin(self.inner.create_image(Some(options), None, None));
        loop {
            let next = tokio::time::timeout(PULL_STALL_TIMEOUT, stream.next())
                .await
                .map_err(|_| {
                    pull_error(format!(
                        "no progress for {} s (is the registry reachable?)",
                        PULL_STALL_TIMEOUT.as_secs()
                    ))
                })?;
            match next {
                None => return Ok(()),
                Some(Err(error)) => {
                    return Err(pull_error(match error {
                        bollard::errors::Error::DockerResponseServerError { message, .. } => {
                            message
                        }
                        other => other.to_string(),
                    }));
                }
                Some(Ok(info)) => {
                    if let Some(detail) = info.error_detail.and_then(|d| d.message) {
                        return Err(pull_error(detail));
                    }
                    let progress = info.progress_detail.unwrap_or_default();
                    on_event(PullEvent {
                        layer: info.id,
                        status: info.status.unwrap_or_default(),
                        current: progress.current.and_then(|v| u64::try_from(v).ok()),
                        total: progress.total.and_then(|v| u64::try_from(v).ok()),
                    });
                }
            }
        }
    }

    /// Creates a network with `labels`. `Ok(false)` when one with that name already exists.
    pub async fn create_network(
        &self,
        name: &str,
        labels: &HashMap<String, String>,
    ) -> Result<bool> {
        let request = NetworkCreateRequest {
            name: name.to_owned(),
            driver: Some("bridge".into()),
            labels: Some(labels.clone()),
            ..Default::default()
        };
        match self.inner.create_network(request).await {
            Ok(_) => Ok(true),
            Err(error) => {
                let error = DockerError::api(format!("create network {name}"), error);
                if error.is_conflict() {
                    Ok(false)
                } else {
                    Err(error)
                }
            }
        }
    }

    /// The networks matching Docker's list `filters`.
    async fn networks(
        &self,
        filters: HashMap<String, Vec<String>>,
    ) -> Result<Vec<bollard::models::Network>> {
        let options = ListNetworksOptions {
            filters: Some(filters),
        };
        self.inner
            .list_networks(Some(options))
            .await
            .map_err(|e| DockerError::api("list networks", e))
    }

    /// Labels of the network `name`, or `None` if there is none.
    pub async fn network_labels(&self, name: &str) -> Result<Option<HashMap<String, String>>> {
        let networks = self
            .networks(HashMap::from([("name".into(), vec![name.to_owned()])]))
            .await?;
        // The name filter matches substrings; keep the exact one.
        Ok(networks
            .into_iter()
            .find(|network| network.name.as_deref() == Some(name))
            .map(|network| network.labels.unwrap_or_default()))
    }

    /// The id of the one network named `name` that carries `label=value`. Daemons before API
    /// 1.44 allow several networks of one name (a create from a killed run can land beside
    /// ours), and then a name is ambiguous to every container that uses it: keep the oldest,
    /// remove the other labelled copies, and let callers use the id.
    pub async fn sole_network_id(&self, name: &str, label: &str, value: &str) -> Result<String> {
        let mut networks: Vec<_> = self
            .networks(label_filter(label, value))
            .await?
            .into_iter()
            .filter(|network| network.name.as_deref() == Some(name))
            .filter_map(|network| Some((network.created.unwrap_or_default(), network.id?)))
            .collect();
        networks.sort();
        let mut ids = networks.into_iter().map(|(_, id)| id);
        let keep = ids.next().ok_or_else(|| DockerError::Api {
            action: format!("find network {name}"),
            status: Some(404),
            message: "it vanished right after it was created".into(),
        })?;
        for extra in ids {
            self.remove_network(&extra).await?;
        }
        Ok(keep)
    }

    /// Removes every network called exactly `name`, by id.
    pub async fn remove_networks_named(&self, name: &str) -> Result<()> {
        let networks = self
            .networks(HashMap::from([("name".into(), vec![name.to_owned()])]))
            .await?;
        let mut found = false;
        for network in networks {
            if network.name.as_deref() == Some(name)
                && let Some(id) = network.id
            {
                self.remove_network(&id).await?;
                found = true;
            }
        }
        if found {
            Ok(())
        } else {
            Err(DockerError::Api {
                action: format!("remove network {name}"),
                status: Some(404),
                message: "no such network".into(),
            })
        }
    }

    /// Removes every network carrying the label and returns their names. By id, not name:
    /// daemons before API 1.44 allow two networks of one name, and then a name is ambiguous.
    pub async fn remove_networks_labelled(&self, label: &str, value: &str) -> Result<Vec<String>> {
        let networks = self.networks(label_filter(label, value)).await?;
        let mut removed = Vec::new();
        for network in networks {
            let (Some(id), name) = (network.id, network.name) else {
                continue;
            };
            self.remove_network(&id).await?;
            removed.push(name.unwrap_or(id));
        }
        Ok(removed)
    }

    pub async fn remove_network(&self, name: &str) -> Result<()> {
        self.inner
            .remove_network(name)
            .await
            .map_err(|e| DockerError::api(format!("remove network {name}"), e))
    }

    pub async fn create_volume(&self, name: &str, labels: &HashMap<String, String>) -> Result<()> {
        let request = VolumeCreateRequest {
            name: Some(name.to_owned()),
            labels: Some(labels.clone()),
            ..Default::default()
        };
        self.inner
            .create_volume(request)
            .await
            .map(|_| ())
            .map_err(|e| DockerError::api(format!("create volume {name}"), e))
    }

    /// Labels of the volume `name`, or `None` if there is none.
    pub async fn volume_labels(&self, name: &str) -> Result<Option<HashMap<String, String>>> {
        match self.inner.inspect_volume(name).await {
            Ok(volume) => Ok(Some(volume.labels)),
            Err(error) => {
                let error = DockerError::api(format!("inspect volume {name}"), error);
                if error.is_not_found() {
                    Ok(None)
                } else {
                    Err(error)
                }
            }
        }
    }

    /// Names of the volumes carrying `label=value`.
    pub async fn volumes_labelled(&self, label: &str, value: &str) -> Result<Vec<String>> {
        let options = ListVolumesOptions {
            filters: Some(label_filter(label, value)),
        };
        let response = self
            .inner
            .list_volumes(Some(options))
            .await
            .map_err(|e| DockerError::api("list volumes", e))?;
        Ok(response
            .volumes
            .unwrap_or_default()
            .into_iter()
            .map(|volume| volume.name)
            .collect())
    }

    pub async fn remove_volume(&self, name: &str) -> Result<()> {
        self.inner
            .remove_volume(name, None::<RemoveVolumeOptions>)
            .await
            .map_err(|e| DockerError::api(format!("remove volume {name}"), e))
    }

    /// Creates (does not start) a container; returns its id.
    pub async fn create_container(&self, spec: &ContainerSpec) -> Result<String> {
        let port_bindings: HashMap<String, Option<Vec<PortBinding>>> = spec
            .ports
            .iter()
            .map(|port| {
                (
                    format!("{}/tcp", port.container_port),
                    Some(vec![PortBinding {
                        host_ip: Some(port.host_ip.clone()),
                        host_port: Some(port.host_port.to_string()),
                    }]),
                )
            })
            .collect();
        let exposed: Vec<String> = spec
            .ports
            .iter()
            .map(|port| format!("{}/tcp", port.container_port))
            .collect();
        let healthcheck = spec.health_check.as_ref().map(|check| HealthConfig {
            test: Some(vec!["CMD-SHELL".into(), check.shell_command.clone()]),
            interval: Some(nanos(check.interval)),
            timeout: Some(nanos(check.timeout)),
            retries: Some(i64::from(check.retries)),
            start_period: Some(nanos(check.start_period)),
            ..Default::default()
        });
        let networking_config = spec
            .network
            .as_ref()
            .map(|(network, aliases)| NetworkingConfig {
                endpoints_config: Some(HashMap::from([(
                    network.clone(),
                    EndpointSettings {
                        aliases: Some(aliases.clone()),
                        ..Default::default()
                    },
                )])),
            });
        let body = ContainerCreateBody {
            image: Some(spec.image.clone()),
            env: Some(spec.env.clone()),
            labels: Some(spec.labels.clone()),
            exposed_ports: (!exposed.is_empty()).then_some(exposed),
            healthcheck,
            host_config: Some(HostConfig {
                binds: Some(
                    spec.volumes
                        .iter()
                        .map(|(volume, path)| format!("{volume}:{path}"))
                        .collect(),
                ),
                port_bindings: (!port_bindings.is_empty()).then_some(port_bindings),
                network_mode: spec.network.as_ref().map(|(network, _)| network.clone()),
                ..Default::default()
            }),
            networking_config,
            ..Default::default()
        };
        let options = CreateContainerOptions {
            name: Some(spec.name.clone()),
            ..Default::default()
        };
        self.inner
            .create_container(Some(options), body)
            .await
            .map(|created| created.id)
            .map_err(|e| DockerError::api(format!("create container {}", spec.name), e))
    }

    /// Puts one file into a container (created or running) through the archive upload API,
    /// with the owner and mode given here. This works on every Docker setup, where bind mounts
    /// of host files break on colima, lima, WSL and remote daemons.
    pub async fn upload_file(
        &self,
        container: &str,
        directory: &str,
        file_name: &str,
        contents: &[u8],
        uid: u32,
        mode: u32,
    ) -> Result<()> {
        let tar = archive::single_file(file_name, contents, uid, mode);
        let options = UploadToContainerOptions {
            path: directory.to_owned(),
            ..Default::default()
        };
        self.inner
            .upload_to_container(container, Some(options), bollard::body_full(tar.into()))
            .await
            .map_err(|e| DockerError::api(format!("copy {file_name} into {container}"), e))
    }

    pub async fn start(&self, container: &str) -> Result<()> {
        self.inner
            .start_container(container, None)
            .await
            .map_err(|e| DockerError::api(format!("start container {container}"), e))
    }

    /// Stops a running container with its stop signal (PostgreSQL shuts down cleanly), killing
    /// it after `grace`. Absent or already stopped is fine.
    pub async fn stop(&self, container: &str, grace: Duration) -> Result<()> {
        let options = StopContainerOptions {
            t: Some(i32::try_from(grace.as_secs()).unwrap_or(i32::MAX)),
            signal: None,
        };
        match self.inner.stop_container(container, Some(options)).await {
            Ok(()) => Ok(()),
            Err(error) => {
                let error = DockerError::api(format!("stop container {container}"), error);
                // 304: already stopped; 404: gone.
                if error.is_not_found()
                    || matches!(
                        error,
                        DockerError::Api {
                            status: Some(304),
                            ..
                        }
                    )
                {
                    Ok(())
                } else {
                    Err(error)
                }
            }
        }
    }

    /// Removes a container, killing it first if it still runs. Its named volumes are kept.
    pub async fn remove_container(&self, container: &str) -> Result<()> {
        let options = RemoveContainerOptions {
            force: true,
            ..Default::default()
        };
        match self.inner.remove_container(container, Some(options)).await {
            Ok(()) => Ok(()),
            Err(error) => {
                let error = DockerError::api(format!("remove container {container}"), error);
                if error.is_not_found() {
                    Ok(())
                } else {
                    Err(error)
                }
            }
        }
    }

    /// The container named (or with id) `container`, or `None`.
    pub async fn inspect(&self, container: &str) -> Result<Option<ContainerInfo>> {
        let response = match self.inner.inspect_container(container, None).await {
            Ok(response) => response,
            Err(error) => {
                let error = DockerError::api(format!("inspect container {container}"), error);
                return if error.is_not_found() {
                    Ok(None)
                } else {
                    Err(error)
                };
            }
        };
        let state = response.state.unwrap_or_default();
        let run_state = match state.status.map(|s| s.to_string()).as_deref() {
            Some("created") => RunState::Created,
            Some("running") => RunState::Running,
            Some("restarting") => RunState::Restarting,
            Some("exited" | "dead") => RunState::Exited {
                code: state.exit_code.unwrap_or(-1),
            },
            other => RunState::Other(other.unwrap_or_default().to_owned()),
        };
        let health =
            state
                .health
                .and_then(|health| health.status)
                .and_then(|status| match status {
                    HealthStatusEnum::STARTING => Some(Health::Starting),
                    HealthStatusEnum::HEALTHY => Some(Health::Healthy),
                    HealthStatusEnum::UNHEALTHY => Some(Health::Unhealthy),
                    _ => None,
                });
        let config = response.config.unwrap_or_default();
        Ok(Some(ContainerInfo {
            id: response.id.unwrap_or_default(),
            name: response
                .name
                .unwrap_or_default()
                .trim_start_matches('/')
                .to_owned(),
            image: config.image.unwrap_or_default(),
            state: run_state,
            health,
            labels: config.labels.unwrap_or_default(),
        }))
    }

    /// The names of every container (running or not) carrying `label=value`.
    pub async fn containers_labelled(&self, label: &str, value: &str) -> Result<Vec<String>> {
        let containers = self
            .containers(ListContainersOptions {
                all: true,
                filters: Some(label_filter(label, value)),
                ..Default::default()
            })
            .await?;
        Ok(containers
            .into_iter()
            .map(|c| first_name(c.names))
            .filter(|name| !name.is_empty())
            .collect())
    }

    async fn containers(
        &self,
        options: ListContainersOptions,
    ) -> Result<Vec<bollard::models::ContainerSummary>> {
        self.inner
            .list_containers(Some(options))
            .await
            .map_err(|e| DockerError::api("list containers", e))
    }

    /// The running container that publishes `host_port` on the host, with its labels.
    pub async fn container_publishing(
        &self,
        host_port: u16,
    ) -> Result<Option<(String, HashMap<String, String>)>> {
        let containers = self
            .containers(ListContainersOptions {
                filters: Some(HashMap::from([(
                    "publish".into(),
                    vec![format!("{host_port}/tcp")],
                )])),
                ..Default::default()
            })
            .await?;
        // The `publish` filter matches container ports on some daemons; check the host side.
        Ok(containers
            .into_iter()
            .find(|c| {
                c.ports
                    .iter()
                    .flatten()
                    .any(|port| port.public_port == Some(host_port))
            })
            .map(|c| (first_name(c.names), c.labels.unwrap_or_default())))
    }

    /// The container's output: the last `tail` chunks (all with `None`), then, with `follow`,
    /// everything it writes until it stops.
    pub fn logs(
        &self,
        container: &str,
        follow: bool,
        tail: Option<usize>,
    ) -> impl Stream<Item = Result<LogChunk>> + Send + 'static {
        let options = LogsOptions {
            follow,
            stdout: true,
            stderr: true,
            tail: tail.map_or_else(|| "all".to_owned(), |n| n.to_string()),
            ..Default::default()
        };
        let name = container.to_owned();
        self.inner.logs(container, Some(options)).map(move |item| {
            item.map(log_chunk)
                .map_err(|error| DockerError::api(format!("read the logs of {name}"), error))
        })
    }

    /// The container's output straight from its stdout and stderr, for a container attached to
    /// before it starts: everything it writes, until it stops. Unlike [`Docker::logs`] this
    /// does not go through the log driver, so it still has what the container wrote when
    /// Docker could not store it (on a full disk, `docker logs` has lost those lines).
    pub async fn attach_output(
        &self,
        container: &str,
    ) -> Result<impl Stream<Item = Result<LogChunk>> + Send + 'static> {
        let options = AttachContainerOptions {
            stream: true,
            stdout: true,
            stderr: true,
            ..Default::default()
        };
        let attached = self
            .inner
            .attach_container(container, Some(options))
            .await
            .map_err(|error| DockerError::api(format!("attach to container {container}"), error))?;
        let name = container.to_owned();
        Ok(attached.output.map(move |item| {
            item.map(log_chunk)
                .map_err(|error| DockerError::api(format!("read the output of {name}"), error))
        }))
    }
}

fn log_chunk(output: bollard::container::LogOutput) -> LogChunk {
    let (stream, bytes) = match output {
        bollard::container::LogOutput::StdErr { message } => (LogStream::Stderr, message),
        bollard::container::LogOutput::StdOut { message }
        | bollard::container::LogOutput::Console { message }
        | bollard::container::LogOutput::StdIn { message } => (LogStream::Stdout, message),
    };
    LogChunk {
        stream,
        text: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

async fn probe(
    host: &str,
) -> std::result::Result<(bollard::Docker, bollard::models::SystemVersion), String> {
    let docker = bollard::Docker::connect_with_host(host)
        .map_err(|error| short_reason(&error))?
        .with_timeout(PING_TIMEOUT);
    let ping = tokio::time::timeout(PING_TIMEOUT, docker.ping()).await;
    match ping {
        Err(_) => return Err(format!("no answer within {} s", PING_TIMEOUT.as_secs())),
        Ok(Err(error)) => return Err(short_reason(&error)),
        Ok(Ok(_)) => {}
    }
    let docker = tokio::time::timeout(PING_TIMEOUT, docker.negotiate_version())
        .await
        .map_err(|_| "no answer to the version request".to_owned())?
        .map_err(|error| format!("API version negotiation failed: {}", short_reason(&error)))?;
    let version = docker
        .version()
        .await
        .map_err(|error| short_reason(&error))?;
    Ok((docker.with_timeout(REQUEST_TIMEOUT), version))
}

fn label_filter(label: &str, value: &str) -> HashMap<String, Vec<String>> {
    HashMap::from([("label".to_owned(), vec![format!("{label}={value}")])])
}

fn nanos(duration: Duration) -> i64 {
    i64::try_from(duration.as_nanos()).unwrap_or(i64::MAX)
}

fn is_rate_limit(reason: &str) -> bool {
    let reason = reason.to_ascii_lowercase();
    reason.contains("toomanyrequests") || reason.contains("rate limit") || reason.contains("429")
}

/// A container's name as users know it: Docker lists each name with a leading `/`.
fn first_name(names: Option<Vec<String>>) -> String {
    names
        .and_then(|names| names.into_iter().next())
        .unwrap_or_default()
        .trim_start_matches('/')
        .to_owned()
}
