//! The stand-in as containers, the way `mcp-fa up` runs FusionAuth and PostgreSQL: a database
//! container with a `pg_isready` health check and a named volume, a FusionAuth container on the
//! same user network with FusionAuth's environment variables, its kickstart file copied in
//! before start, `/api/status` polled through a port published on 127.0.0.1.
//!
//! These tests need Docker. Without it they print "skipping" and pass, except under `CI=true`,
//! where they fail. The images are built locally by `tests/fusionauth-sim/build-image.sh`. In
//! real-image mode (`MCP_FA_TEST_FUSIONAUTH_IMAGE`) the tests of the FusionAuth image skip: they
//! check the stand-in's own image (its `FUSIONAUTH_SIM_*` delays, its log lines), while mcp-fa's
//! Docker tests check the same behaviours on FusionAuth itself; the database test runs on the
//! real postgres image, whose message the stand-in copies.

use std::time::{Duration, Instant};

use crate::support::containers::{
    Scope, assert_running, copy_file_in, host_port, logs, wait_exited, wait_for_log, wait_healthy,
};
use crate::support::docker::{Images, docker_available, docker_ok, ensure_images};
use crate::support::random_api_key;
use serde_json::{Value, json};

const KICKSTART_PATH: &str = "/usr/local/fusionauth/kickstart.json";
const DB_PASSWORD: &str = "standin-db-password";
const STARTUP: Duration = Duration::from_secs(60);

/// A kickstart creating one API key and one application with a known id (the last request, so
/// reading it back means kickstart finished).
fn kickstart(api_key: &str, application_id: &str) -> Value {
    json!({
        "variables": {"apiKey": api_key, "userId": "#{UUID()}"},
        "apiKeys": [{"key": "#{apiKey}", "description": "standin container test"}],
        "requests": [
            {"method": "POST", "url": "/api/user/#{userId}",
             "body": {"user": {"email": "container-test@example.com", "password": "password"}}},
            {"method": "POST", "url": format!("/api/application/{application_id}"),
             "body": {"application": {"name": "standin-container-test"}}},
        ],
    })
}

/// Writes `doc` to a temp dir as `kickstart.json`, mode 0644, and `docker cp`s it into the
/// created (not yet started) container. `docker cp` keeps the host file's owner and mode, so
/// 0644 is what makes it readable by the FusionAuth container's uid 1001.
fn docker_cp_kickstart(container: &str, doc: &Value) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("kickstart.json");
    std::fs::write(&path, serde_json::to_vec_pretty(doc).expect("json")).expect("write kickstart");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    }
    docker_ok(&[
        "cp",
        path.to_str().expect("utf-8 temp path"),
        &format!("{container}:{KICKSTART_PATH}"),
    ]);
}

/// `docker run -d` of the database stand-in on `network` with `volume` and the health check
/// `mcp-fa up` uses; waits until healthy.
fn start_db(scope: &Scope, images: &Images, what: &str, network: &str, volume: &str) -> String {
    let mount = format!("{volume}:/var/lib/postgresql/data");
    let name = scope.run_detached(
        what,
        &[
            "--network",
            network,
            "-e",
            &format!("POSTGRES_PASSWORD={DB_PASSWORD}"),
            "-v",
            &mount,
            "--health-cmd",
            "pg_isready -h 127.0.0.1 -p 5432",
            "--health-interval",
            "300ms",
            "--health-timeout",
            "3s",
            "--health-retries",
            "50",
            &images.postgres,
        ],
    );
    wait_healthy(&name, STARTUP);
    name
}

/// `docker create` of the FusionAuth stand-in with FusionAuth's environment, publishing 9011 on
/// an OS-chosen loopback port. `db_host` `None` runs it without a database (state in memory).
fn create_app(
    scope: &Scope,
    images: &Images,
    what: &str,
    network: &str,
    db_host: Option<&str>,
) -> String {
    let mut env = vec![
        format!("FUSIONAUTH_APP_KICKSTART_FILE={KICKSTART_PATH}"),
        "FUSIONAUTH_APP_RUNTIME_MODE=development".to_string(),
        "FUSIONAUTH_SIM_BOOT_DELAY_MS=300".to_string(),
        "FUSIONAUTH_SIM_KICKSTART_DELAY_MS=200".to_string(),
        "FUSIONAUTH_SIM_API_KEY_DELAY_MS=500".to_string(),
    ];
    if let Some(host) = db_host {
        env.push(format!(
            "DATABASE_URL=jdbc:postgresql://{host}:5432/fusionauth"
        ));
        env.push("DATABASE_ROOT_USERNAME=postgres".to_string());
        env.push(format!("DATABASE_ROOT_PASSWORD={DB_PASSWORD}"));
    }
    let mut args = vec!["--network", network, "-p", "127.0.0.1::9011"];
    for e in &env {
        args.push("-e");
        args.push(e);
    }
    args.push(&images.fusionauth);
    scope.create(what, &args)
}

/// `docker start` and the published URL.
fn start(container: &str) -> String {
    docker_ok(&["start", container]);
    format!("http://127.0.0.1:{}", host_port(container, "9011/tcp"))
}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .expect("http client")
}

/// What the tests on a network start from: the images, a scope for their Docker objects, an
/// HTTP client, and a user network. `None` without Docker: the test skips.
fn rig() -> Option<(Images, Scope, reqwest::Client, String)> {
    if crate::support::docker::standin_only(
        "the stand-in's own FusionAuth image (its FUSIONAUTH_SIM_* delays and log lines)",
    ) || !docker_available()
    {
        return None;
    }
    let scope = Scope::new();
    let network = scope.network("net");
    Some((ensure_images(), scope, http(), network))
}

/// `GET /api/status`: status code and whether the answer is JSON; `None` if nothing answers.
async fn status(client: &reqwest::Client, base: &str) -> Option<(u16, bool)> {
    let response = client.get(format!("{base}/api/status")).send().await.ok()?;
    let json = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    Some((response.status().as_u16(), json))
}

/// Polls `/api/status` until it answers 200 with JSON (FusionAuth's "ready"), failing at once if
/// the container stops.
async fn wait_ready(client: &reqwest::Client, base: &str, container: &str) {
    let deadline = Instant::now() + STARTUP;
    let mut last = None;
    loop {
        last = status(client, base).await.or(last);
        if last == Some((200, true)) {
            return;
        }
        assert_running(container);
        assert!(
            Instant::now() < deadline,
            "{container}: /api/status not ready after {STARTUP:?} (last answer {last:?}); log:\n{}",
            logs(container)
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn get_with_key(
    client: &reqwest::Client,
    base: &str,
    path: &str,
    key: &str,
) -> (u16, String) {
    let response = client
        .get(format!("{base}{path}"))
        .header("Authorization", key)
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {path}: {e}"));
    let status = response.status().as_u16();
    (status, response.text().await.unwrap_or_default())
}

/// Reads what the last kickstart request created, retrying the 401 of a fresh API key and the
/// 404 of a kickstart still running.
async fn wait_readable(
    client: &reqwest::Client,
    base: &str,
    path: &str,
    key: &str,
    container: &str,
) -> Value {
    let deadline = Instant::now() + STARTUP;
    loop {
        let (status, body) = get_with_key(client, base, path, key).await;
        match status {
            200 => {
                return serde_json::from_str(&body)
                    .unwrap_or_else(|e| panic!("{path}: {e}: {body}"));
            }
            401 | 404 => {}
            other => panic!(
                "GET {path} answered {other}: {body}\nlog:\n{}",
                logs(container)
            ),
        }
        assert!(
            Instant::now() < deadline,
            "GET {path} still {status} after {STARTUP:?}; log:\n{}",
            logs(container)
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// (a) and (b): one database, one volume, four FusionAuth containers. Kickstart runs on the
/// empty database only; a kept volume keeps the data (and the first API key) across app and
/// database containers; a fresh volume is a fresh instance.
#[tokio::test]
async fn kickstart_runs_once_per_database_volume() {
    let Some((images, scope, client, network)) = rig() else {
        return;
    };
    let volume = scope.volume("db-data");
    let db = start_db(&scope, &images, "db", &network, &volume);

    let application_id = uuid::Uuid::new_v4().to_string();
    let application_path = format!("/api/application/{application_id}");
    let first_key = random_api_key();

    // (a) Empty database: kickstart runs, through FusionAuth's own API, after status is 200.
    let app = create_app(&scope, &images, "app-1", &network, Some(&db));
    docker_cp_kickstart(&app, &kickstart(&first_key, &application_id));
    let base = start(&app);
    wait_ready(&client, &base, &app).await;
    let created = wait_readable(&client, &base, &application_path, &first_key, &app).await;
    assert_eq!(
        created["application"]["name"], "standin-container-test",
        "{created}"
    );
    let log = wait_for_log(&app, "Completed [POST] request to", Duration::from_secs(10));
    assert!(
        log.contains(&format!(
            "Completed [POST] request to [/api/application/{application_id}]"
        )),
        "{log}"
    );
    assert!(log.contains("Summary"), "{log}");

    // (b) Same volume, new FusionAuth container, same kickstart with another key: the database
    // is not empty, so kickstart does not run; the first key still works, the new one never does.
    scope.remove_container(&app);
    let second_key = random_api_key();
    let app = create_app(&scope, &images, "app-2", &network, Some(&db));
    docker_cp_kickstart(&app, &kickstart(&second_key, &application_id));
    let base = start(&app);
    wait_ready(&client, &base, &app).await;
    let log = wait_for_log(&app, "Kickstart will not run", Duration::from_secs(10));
    assert!(
        !log.contains("Summary"),
        "kickstart ran again on a kept database:\n{log}"
    );
    let (status, body) = get_with_key(&client, &base, &application_path, &first_key).await;
    assert_eq!(
        status, 200,
        "the first key survives a new app container: {body}"
    );
    let (status, _) = get_with_key(&client, &base, &application_path, &second_key).await;
    assert_eq!(status, 401, "the second kickstart's key was never created");

    // The database container goes too; a new one on the same volume finds the data.
    scope.remove_container(&app);
    scope.remove_container(&db);
    let db = start_db(&scope, &images, "db-2", &network, &volume);
    let db_log = logs(&db);
    assert!(
        db_log
            .contains("Database directory appears to contain a database; Skipping initialization"),
        "{db_log}"
    );
    let app = create_app(&scope, &images, "app-3", &network, Some(&db));
    docker_cp_kickstart(&app, &kickstart(&second_key, &application_id));
    let base = start(&app);
    wait_ready(&client, &base, &app).await;
    let log = wait_for_log(&app, "Kickstart will not run", Duration::from_secs(10));
    assert!(!log.contains("Summary"), "{log}");
    let (status, body) = get_with_key(&client, &base, &application_path, &first_key).await;
    assert_eq!(
        status, 200,
        "the first key survives a new database container: {body}"
    );
    let (status, _) = get_with_key(&client, &base, &application_path, &second_key).await;
    assert_eq!(status, 401);

    // A fresh volume is a fresh instance: kickstart runs again, with the second key.
    scope.remove_container(&app);
    scope.remove_container(&db);
    let fresh = scope.volume("db-data-fresh");
    let db = start_db(&scope, &images, "db-3", &network, &fresh);
    let app = create_app(&scope, &images, "app-4", &network, Some(&db));
    docker_cp_kickstart(&app, &kickstart(&second_key, &application_id));
    let base = start(&app);
    wait_ready(&client, &base, &app).await;
    wait_readable(&client, &base, &application_path, &second_key, &app).await;
    let log = wait_for_log(&app, "Summary", Duration::from_secs(10));
    assert!(!log.contains("Kickstart will not run"), "{log}");
    let (status, _) = get_with_key(&client, &base, &application_path, &first_key).await;
    assert_eq!(
        status, 401,
        "the first instance's key does not exist in the fresh one"
    );
}

/// (c) FusionAuth answers 452 on `/api/status` for as long as it cannot reach its database,
/// and becomes ready once the database is there.
#[tokio::test]
async fn status_is_452_while_the_database_is_unreachable() {
    let Some((images, scope, client, network)) = rig() else {
        return;
    };
    let volume = scope.volume("db-data");
    // Created but not started: its name does not resolve yet, as with a stopped database.
    let mount = format!("{volume}:/var/lib/postgresql/data");
    let db = scope.create(
        "db",
        &[
            "--network",
            &network,
            "-e",
            &format!("POSTGRES_PASSWORD={DB_PASSWORD}"),
            "-v",
            &mount,
            &images.postgres,
        ],
    );
    let app = create_app(&scope, &images, "app", &network, Some(&db));
    docker_cp_kickstart(
        &app,
        &kickstart(&random_api_key(), &uuid::Uuid::new_v4().to_string()),
    );
    let base = start(&app);

    // Before the first connection attempt fails it may still answer its boot page; never 200
    // JSON, and 452 once the failure is known.
    let deadline = Instant::now() + STARTUP;
    let mut seen = Vec::new();
    while Instant::now() < deadline {
        let answer = status(&client, &base).await;
        if let Some(a) = answer
            && seen.last() != Some(&a)
        {
            seen.push(a);
        }
        if answer == Some((452, true)) {
            break;
        }
        assert_running(&app);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(seen.last(), Some(&(452, true)), "answers so far: {seen:?}");
    assert!(
        !seen.contains(&(200, true)),
        "ready without a database: {seen:?}"
    );
    // ...and it stays 452.
    for _ in 0..10 {
        assert_eq!(status(&client, &base).await, Some((452, true)));
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let log = logs(&app);
    assert!(
        log.contains("FusionAuthConnectionPool - Exception during pool initialization"),
        "{log}"
    );
    assert!(
        !log.contains("Summary"),
        "kickstart ran without a database:\n{log}"
    );

    docker_ok(&["start", &db]);
    wait_ready(&client, &base, &app).await;
    wait_for_log(&app, "Summary", STARTUP);
}

/// (d) The FusionAuth container runs as uid 1001: a kickstart file only root can read is an
/// error naming the file, and FusionAuth starts anyway, without kickstart's objects.
#[tokio::test]
async fn unreadable_kickstart_is_logged_and_fusionauth_starts_anyway() {
    let Some((images, scope, client, network)) = rig() else {
        return;
    };
    let key = random_api_key();
    let app = create_app(&scope, &images, "app", &network, None);
    let doc =
        serde_json::to_vec(&kickstart(&key, &uuid::Uuid::new_v4().to_string())).expect("json");
    // Owner root, mode 0600, whoever runs the tests.
    copy_file_in(
        &app,
        "/usr/local/fusionauth",
        "kickstart.json",
        &doc,
        0,
        0o600,
    );
    let base = start(&app);
    wait_ready(&client, &base, &app).await;
    let log = wait_for_log(
        &app,
        &format!("Unable to process the kickstart file [{KICKSTART_PATH}]"),
        Duration::from_secs(10),
    );
    assert!(log.contains("Permission denied"), "{log}");
    assert!(!log.contains("Summary"), "{log}");
    let (status, _) = get_with_key(&client, &base, "/api/application", &key).await;
    assert_eq!(status, 401, "no kickstart, no API key");
    assert_running(&app);
}

/// (e) Like the postgres image, the database stand-in will not start without POSTGRES_PASSWORD
/// (in real-image mode: the postgres image itself says so in these words).
#[tokio::test]
async fn database_without_password_refuses_to_start() {
    if !docker_available() {
        return;
    }
    let images = ensure_images();
    let scope = Scope::new();
    let (db, code) = scope.run_to_exit("db", &[&images.postgres]);
    assert_ne!(code, 0, "the database started without POSTGRES_PASSWORD");
    assert_ne!(wait_exited(&db, Duration::from_secs(10)), 0);
    let log = logs(&db);
    assert!(
        log.contains("Database is uninitialized and superuser password is not specified"),
        "{log}"
    );
    assert!(log.contains("POSTGRES_PASSWORD"), "{log}");
}
