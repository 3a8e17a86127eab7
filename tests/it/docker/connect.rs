//! Finding the Docker daemon on a real machine: the endpoint chosen, why, and what was skipped.
//! Discovery on fake home directories is unit-tested in `src/docker/endpoint.rs`; these tests
//! connect for real, so they need the daemon at /var/run/docker.sock (they skip without it,
//! except under `CI=true`).

use std::path::Path;

use crate::support::docker::docker_available;
use mcp_fa::docker::{Docker, DockerError, Environment, Source};

fn default_socket_available() -> bool {
    docker_available() && Path::new("/var/run/docker.sock").exists()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

#[test]
fn docker_host_is_used_and_the_api_version_negotiated() {
    if !default_socket_available() {
        return;
    }
    let env = Environment {
        docker_host: Some("unix:///var/run/docker.sock".into()),
        root: "/".into(),
        ..Environment::default()
    };
    let docker = runtime().block_on(Docker::connect(&env)).expect("connects");
    let connection = &docker.connection;
    assert_eq!(connection.endpoint.source, Source::DockerHostVariable);
    assert!(!connection.server_version.is_empty());
    let version = |text: &str| -> (u32, u32) {
        let (major, minor) = text.split_once('.').expect("major.minor");
        (major.parse().expect("major"), minor.parse().expect("minor"))
    };
    assert!(
        version(&connection.api_version) <= version(&connection.server_api_version),
        "negotiated down to what the daemon speaks: {connection:?}"
    );
}

#[test]
fn a_stale_context_socket_is_skipped_for_the_default_socket() {
    if !default_socket_available() {
        return;
    }
    let home = tempfile::tempdir().expect("home");
    let stale = home.path().join(".colima/default/docker.sock");
    std::fs::create_dir_all(stale.parent().expect("parent")).expect("mkdir");
    std::fs::write(&stale, b"").expect("stale socket file");
    let meta = home.path().join(".docker/contexts/meta/abc");
    std::fs::create_dir_all(&meta).expect("mkdir");
    std::fs::write(
        meta.join("meta.json"),
        serde_json::json!({"Name": "colima",
            "Endpoints": {"docker": {"Host": format!("unix://{}", stale.display())}}})
        .to_string(),
    )
    .expect("meta");
    std::fs::write(
        home.path().join(".docker/config.json"),
        r#"{"currentContext":"colima"}"#,
    )
    .expect("config");

    let env = Environment {
        home: Some(home.path().to_path_buf()),
        root: "/".into(),
        ..Environment::default()
    };
    let docker = runtime().block_on(Docker::connect(&env)).expect("connects");
    let connection = &docker.connection;
    assert_eq!(connection.endpoint.source, Source::DefaultSocket);
    let stale_host = format!("unix://{}", stale.display());
    assert!(
        connection
            .skipped
            .iter()
            .any(|(host, _)| *host == stale_host),
        "the stale context socket was tried first and skipped: {connection:?}"
    );
}

#[test]
fn nothing_answering_names_what_was_tried_and_how_to_start_docker() {
    let home = tempfile::tempdir().expect("home");
    let stale = home.path().join(".orbstack/run/docker.sock");
    std::fs::create_dir_all(stale.parent().expect("parent")).expect("mkdir");
    std::fs::write(&stale, b"").expect("stale socket file");
    let env = Environment {
        home: Some(home.path().to_path_buf()),
        root: home.path().join("no-system-sockets"),
        ..Environment::default()
    };
    let error = runtime()
        .block_on(Docker::connect(&env))
        .expect_err("nothing answers");
    assert!(matches!(error, DockerError::Unavailable { .. }));
    let message = error.to_string();
    assert!(message.contains(&stale.display().to_string()), "{message}");
    assert!(message.contains("OrbStack: `orb start`"), "{message}");
}
