//! The MCP server image `mcp-fa export compose` builds from the running mcp-fa (no base image,
//! no registry), started as a container against an in-process stand-in: it runs as a user that
//! is not root, answers its health endpoint and its image's health check, logs JSON lines, and
//! refuses a request without a token. Its settings are the repository Dockerfile's: same
//! entrypoint, user, environment and health check. Real Docker; without it these tests skip.

use std::path::Path;

use serde_json::Value;

use crate::support::docker::{docker, docker_available, docker_ok, docker_output};
use crate::support::export::remove_older_server_images;
use crate::support::project::{TestProject, free_port};
use crate::support::server::{call_tool, get_json};
use crate::support::{Options, stack};

/// The image, built (or reused) by exporting a project that was never brought up.
fn server_image(project: &TestProject) -> String {
    let out = tempfile::tempdir().expect("dir");
    let dir = out.path().join("compose");
    let report = project
        .run(&[
            "export",
            "compose",
            "--json",
            "-o",
            dir.to_str().expect("utf-8"),
        ])
        .assert_ok()
        .json();
    let image = report["image"].as_str().expect("image").to_owned();
    remove_older_server_images(&image);
    image
}

/// The last value of `INSTRUCTION` lines in the Dockerfile's final stage.
fn dockerfile_instruction(text: &str, instruction: &str) -> Vec<String> {
    let last_stage = text.rsplit_once("\nFROM ").map_or(text, |(_, stage)| stage);
    let mut joined = String::new();
    for line in last_stage.lines() {
        let line = line.trim();
        if line.starts_with('#') {
            continue;
        }
        joined.push_str(line.trim_end_matches('\\'));
        if !line.ends_with('\\') {
            joined.push('\n');
        }
    }
    joined
        .lines()
        .filter_map(|line| line.strip_prefix(&format!("{instruction} ")))
        .map(str::to_owned)
        .collect()
}

/// A container removed when dropped.
struct Container(String);

impl Drop for Container {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let logs = docker_output(&["logs", "--tail", "30", &self.0]);
            eprintln!(
                "--- container log ---\n{}",
                String::from_utf8_lossy(&logs.stderr)
            );
        }
        let _ = docker_output(&["rm", "-f", &self.0]);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_image_runs_unprivileged_answers_health_logs_json_and_wants_a_token() {
    if !docker_available() {
        return;
    }
    let project = TestProject::new("image");
    let image = tokio::task::spawn_blocking(move || server_image(&project))
        .await
        .expect("export");
    let standin = stack(Options::default()).await;
    let port = free_port();
    let bind = format!("MCP_FA_BIND=127.0.0.1:{port}");
    let issuer = format!("MCP_FA_ISSUER={}", standin.sim.url());
    let public = format!("MCP_FA_PUBLIC_URL=http://localhost:{port}");
    let args = [
        "run",
        "-d",
        "--network",
        "host",
        "--label",
        "dev.mcp-fa.test=export-image",
        "-e",
        &bind,
        "-e",
        &issuer,
        "-e",
        &public,
        &image,
    ];
    let id = docker(&args).unwrap_or_else(|e| panic!("{e}"));
    let container = Container(id);

    let health = format!("http://127.0.0.1:{port}/healthz");
    let mut answered = None;
    for _ in 0..100 {
        if let Ok(response) = reqwest::get(&health).await {
            answered = Some(response.status().as_u16());
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert_eq!(answered, Some(200), "GET /healthz");
    let (status, body) = get_json(&health).await;
    assert_eq!((status, &body["status"]), (200, &Value::from("ok")));

    let refused = call_tool(&format!("http://127.0.0.1:{port}/mcp"), None, "get_name").await;
    assert_eq!(refused.status, 401);
    assert!(
        refused
            .challenge
            .as_deref()
            .is_some_and(|c| c.starts_with("Bearer ")),
        "{:?}",
        refused.challenge
    );

    let id = container.0.clone();
    tokio::task::spawn_blocking(move || {
        // What the image's HEALTHCHECK runs.
        docker_ok(&["exec", &id, "/usr/local/bin/mcp-fa", "healthcheck"]);
        let top = docker_ok(&["top", &id, "-o", "uid,pid"]);
        let uid = top
            .lines()
            .nth(1)
            .and_then(|line| line.split_whitespace().next());
        assert_eq!(
            uid,
            Some("65532"),
            "the server runs as uid 65532, not root: {top}"
        );
        let logs = docker_output(&["logs", &id]);
        let lines = String::from_utf8_lossy(&logs.stderr).into_owned();
        let request = lines
            .lines()
            .map(|line| {
                serde_json::from_str::<Value>(line).unwrap_or_else(|e| panic!("{e}: {line}"))
            })
            .find(|line| line["outcome"].is_string())
            .unwrap_or_else(|| panic!("a JSON request line: {lines}"));
        assert_eq!(request["status"], 401, "{request}");
    })
    .await
    .expect("checks");
}

#[test]
fn the_local_image_has_the_dockerfiles_entrypoint_user_environment_and_health_check() {
    if !docker_available() {
        return;
    }
    let image = server_image(&TestProject::new("image"));
    let config: Value = serde_json::from_str(&docker_ok(&[
        "image",
        "inspect",
        "--format",
        "{{json .Config}}",
        &image,
    ]))
    .expect("JSON");
    let dockerfile =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Dockerfile"))
            .expect("the repository's Dockerfile");

    let entrypoint: Value =
        serde_json::from_str(&dockerfile_instruction(&dockerfile, "ENTRYPOINT")[0])
            .expect("JSON form");
    assert_eq!(config["Entrypoint"], entrypoint);
    assert_eq!(
        config["User"],
        dockerfile_instruction(&dockerfile, "USER")[0]
    );
    let health = &dockerfile_instruction(&dockerfile, "HEALTHCHECK")[0];
    let (options, command) = health
        .split_once(" CMD ")
        .expect("HEALTHCHECK ... CMD [...]");
    let command: Value = serde_json::from_str(command).expect("JSON form");
    let mut test = vec![Value::from("CMD")];
    test.extend(command.as_array().expect("array").iter().cloned());
    assert_eq!(config["Healthcheck"]["Test"], Value::from(test));
    assert!(options.contains("--start-period=120s"), "{options}");
    assert_eq!(config["Healthcheck"]["StartPeriod"], 120_000_000_000u64);
    let env: Vec<&str> = config["Env"]
        .as_array()
        .expect("env")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let declared: Vec<String> = dockerfile_instruction(&dockerfile, "ENV")
        .iter()
        .flat_map(|line| {
            line.split_whitespace()
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect();
    assert!(
        declared.iter().any(|pair| pair.starts_with("MCP_FA_")),
        "{declared:?}"
    );
    for pair in &declared {
        assert!(env.contains(&pair.as_str()), "{pair} in {env:?}");
    }
    assert_eq!(config["ExposedPorts"], serde_json::json!({"8000/tcp": {}}));
}
