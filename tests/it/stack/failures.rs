//! How `mcp-fa up` fails: with a stable code, a message that says what to do, and nothing
//! half-made left behind. Real Docker daemon; stand-in images, or the real ones in real-image
//! mode (the slow-boot test needs the stand-in's boot delay and skips there).
//!
//! Without Docker these tests print "skipping" and pass (except under `CI=true`); the
//! unreachable-Docker test needs no daemon.

use crate::support;
use crate::support::docker::{docker_ok, docker_output};
use crate::support::project::{TestProject, free_port};

#[test]
fn unreachable_docker_host_says_how_to_start_docker() {
    // No daemon needed: the point is that none answers.
    let project = TestProject {
        name: "t-nodocker".into(),
        fusionauth_port: free_port(),
        mcp_port: free_port(),
        state_dir: tempfile::tempdir().expect("temp dir"),
        images: support::docker::Images {
            fusionauth: "unused".into(),
            postgres: "unused".into(),
        },
        env: vec![],
        timeout_secs: support::docker::startup_timeout_secs(),
    };
    for host in ["tcp://127.0.0.1:1", "unix:///nonexistent/docker.sock"] {
        let run = project.up_with(&[], &[("DOCKER_HOST", host)]);
        let message = run.assert_error("DOCKER_UNAVAILABLE");
        assert_eq!(run.code, 3);
        assert!(message.contains(host), "{message}");
        assert!(
            message.contains("Start Docker") || message.contains("Install"),
            "{message}"
        );
        assert!(message.contains("mcp-fa doctor"), "{message}");
        assert!(run.elapsed.as_secs() < 10, "fails fast: {:?}", run.elapsed);
        assert!(!project.state_file().exists());
    }
    std::mem::forget(project); // nothing to clean up, and no Docker to ask
}

#[test]
fn port_taken_by_a_process_is_named_and_nothing_is_created() {
    let Some(mut project) = TestProject::with_docker("port") else {
        return;
    };
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    project.fusionauth_port = listener.local_addr().expect("addr").port();
    let run = project.up(&[]);
    let message = run.assert_error("PORT_IN_USE");
    assert_eq!(run.code, 4);
    assert!(
        message.contains(&project.fusionauth_port.to_string()),
        "{message}"
    );
    assert!(
        message.contains(&format!("pid {}", std::process::id())),
        "names the holder: {message}"
    );
    assert!(message.contains("--fusionauth-port"), "{message}");
    assert_eq!(project.all_labelled(), Vec::<String>::new());
    drop(listener);
}

#[test]
fn port_taken_by_a_foreign_container_is_named() {
    let Some(mut project) = TestProject::with_docker("portc") else {
        return;
    };
    let port = free_port();
    project.mcp_port = port;
    let foreign = format!("{}-foreign", project.name);
    docker_ok(&[
        "run",
        "-d",
        "--name",
        &foreign,
        "--label",
        "dev.mcp-fa.test=foreign",
        "-p",
        &format!("127.0.0.1:{port}:9011"),
        "-e",
        "FUSIONAUTH_SIM_BOOT_DELAY_MS=0",
        &project.images.fusionauth,
    ]);
    let run = project.up(&[]);
    let _ = docker_output(&["rm", "-f", &foreign]);
    let message = run.assert_error("PORT_IN_USE");
    assert!(
        message.contains(&format!("container `{foreign}`")),
        "{message}"
    );
    assert!(message.contains("--mcp-port"), "{message}");
    assert_eq!(project.all_labelled(), Vec::<String>::new());
}

#[test]
fn an_image_that_does_not_exist_fails_to_pull() {
    let Some(mut project) = TestProject::with_docker("pull") else {
        return;
    };
    project.images.fusionauth = "mcp-fa-test/no-such-image:does-not-exist".into();
    let run = project.up(&[]);
    let message = run.assert_error("IMAGE_PULL_FAILED");
    assert_eq!(run.code, 5);
    assert!(
        message.contains("mcp-fa-test/no-such-image:does-not-exist"),
        "{message}"
    );
    assert!(message.contains("--fusionauth-image"), "{message}");
    assert!(run.elapsed.as_secs() < 70, "{:?}", run.elapsed);
    assert_eq!(project.all_labelled(), Vec::<String>::new());
}

#[test]
fn a_failed_kickstart_request_is_quoted_and_the_stack_removed() {
    let Some(project) = TestProject::with_docker("kick") else {
        return;
    };
    // The shipped template with one request that FusionAuth refuses (a password too short)
    // inserted before the last one. FusionAuth logs the request as sent: the generated admin
    // password in it must not be shown.
    let mut template: serde_json::Value =
        serde_json::from_str(mcp_fa::stack::KICKSTART_TEMPLATE).expect("template");
    let requests = template["requests"].as_array_mut().expect("requests");
    let last = requests.len() - 1;
    requests.insert(
        last,
        serde_json::json!({"method": "POST", "url": "/api/user",
            "body": {"user": {"username": "#{adminPassword}", "password": "short"}}}),
    );
    let path = project.state_dir.path().join("broken-kickstart.json");
    std::fs::write(&path, template.to_string()).expect("write template");
    let path = path.to_str().expect("utf-8").to_string();

    let run = project.up_with(&[], &[("MCP_FA_KICKSTART_TEMPLATE", &path)]);
    let message = run.assert_error("KICKSTART_FAILED");
    assert_eq!(run.code, 7);
    assert!(
        message.contains("Failed to execute request to [POST][/api/user] Status [400]"),
        "{message}"
    );
    assert!(
        message.contains("FusionAuth said: [tooShort]user.password"),
        "quotes FusionAuth's error response: {message}"
    );
    let echoed: Vec<&str> = message
        .lines()
        .filter(|line| line.contains("\"username\""))
        .collect();
    assert!(
        echoed.iter().all(|line| line.contains("[redacted]")),
        "the request as FusionAuth logged it, without the password: {message}"
    );
    if !support::docker::real_images() {
        // The stand-in's log ends with the failure, so the request body is in the tail shown.
        assert!(!echoed.is_empty(), "{message}");
    }
    assert_eq!(
        project.all_labelled(),
        Vec::<String>::new(),
        "nothing half-made"
    );
    assert!(!project.state_file().exists());
}

#[test]
fn a_license_that_cannot_be_activated_fails_kickstart_before_its_requests() {
    let Some(project) = TestProject::with_docker("lic") else {
        return;
    };
    let run = project.up(&["--license-id", "not+a+license+0123456789"]);
    let message = run.assert_error("KICKSTART_FAILED");
    assert_eq!(run.code, 7);
    assert!(
        message.contains("Failed to complete kickstart."),
        "{message}"
    );
    assert!(message.contains("--license-id"), "{message}");
    assert!(
        !message.contains("not+a+license+0123456789"),
        "the license id is a secret: {message}"
    );
    assert_eq!(project.all_labelled(), Vec::<String>::new());
}

#[test]
fn a_container_that_exits_on_start_shows_its_last_lines() {
    let Some(mut project) = TestProject::with_docker("exit") else {
        return;
    };
    // The database image in FusionAuth's place: it exits at once, asking for POSTGRES_PASSWORD.
    project.images.fusionauth = project.images.postgres.clone();
    let run = project.up(&[]);
    let message = run.assert_error("CONTAINER_EXITED");
    assert_eq!(run.code, 8);
    assert!(
        message.contains(&format!("mcp-fa-{}-fusionauth", project.name)),
        "{message}"
    );
    assert!(
        message.contains("POSTGRES_PASSWORD"),
        "its last lines: {message}"
    );
    assert!(message.contains("Last log lines"), "{message}");
    assert_eq!(project.all_labelled(), Vec::<String>::new());
}

#[test]
fn a_stack_not_ready_by_the_deadline_is_a_startup_timeout() {
    if support::docker::standin_only("a 60 s boot delay (FUSIONAUTH_SIM_BOOT_DELAY_MS)") {
        return;
    }
    let Some(mut project) = TestProject::with_docker("slow") else {
        return;
    };
    project
        .env
        .retain(|(key, _)| key != "FUSIONAUTH_SIM_BOOT_DELAY_MS");
    project
        .env
        .push(("FUSIONAUTH_SIM_BOOT_DELAY_MS".into(), "60000".into()));
    project.timeout_secs = 4;
    let run = project.up(&[]);
    let message = run.assert_error("STARTUP_TIMEOUT");
    assert_eq!(run.code, 6);
    assert!(
        message.contains("FusionAuth to answer /api/status"),
        "{message}"
    );
    assert!(message.contains("mcp-fa logs fusionauth"), "{message}");
    assert!(run.elapsed.as_secs() < 20, "{:?}", run.elapsed);
    assert_eq!(project.all_labelled(), Vec::<String>::new());
}

#[test]
fn a_foreign_container_with_our_name_is_never_touched() {
    let Some(project) = TestProject::with_docker("name") else {
        return;
    };
    let ours = format!("mcp-fa-{}-fusionauth", project.name);
    docker_ok(&[
        "create",
        "--name",
        &ours,
        "--label",
        "dev.mcp-fa.test=foreign",
        &project.images.fusionauth,
    ]);
    let run = project.up(&[]);
    let message = run.assert_error("NAME_CONFLICT");
    assert!(message.contains(&ours), "{message}");
    project.run(&["down", "--volumes"]).assert_ok();
    let still_there = docker_output(&["inspect", &ours]);
    let _ = docker_output(&["rm", "-f", &ours]);
    assert!(
        still_there.status.success(),
        "down removed a container without our label"
    );
    assert_eq!(project.all_labelled(), Vec::<String>::new());
}

#[test]
fn ctrl_c_during_up_removes_what_it_created() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    let Some(project) = TestProject::with_docker("intr") else {
        return;
    };
    let mut args = vec!["up".to_owned()];
    args.extend(project.stack_flags());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut child = project
        .command(&args, &[("FUSIONAUTH_SIM_BOOT_DELAY_MS", "60000")])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stderr = BufReader::new(child.stderr.take().expect("stderr"));
    let mut seen = String::new();
    loop {
        let mut line = String::new();
        assert!(
            stderr.read_line(&mut line).expect("read") > 0,
            "up ended early:\n{seen}"
        );
        seen.push_str(&line);
        if line.contains("waiting for FusionAuth to answer") {
            break;
        }
    }
    assert_eq!(
        project.labelled("container").len(),
        2,
        "both containers exist mid-up"
    );
    let killed = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let status = child.wait().expect("wait");
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).expect("read");
    assert_eq!(status.code(), Some(130), "{seen}{rest}");
    assert!(rest.contains("interrupted; removed"), "{rest}");
    assert_eq!(
        project.all_labelled(),
        Vec::<String>::new(),
        "nothing half-made"
    );
}
