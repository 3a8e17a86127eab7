//! How `mcp-fa up` fails: with a stable code, a message that says what to do, and nothing
//! half-made left behind. Real Docker daemon; stand-in images, or the real ones in real-image
//! mode (the slow-boot test needs the stand-in's boot delay and skips there).
//!
//! Without Docker these tests print "skipping" and pass (except under `CI=true`); the
//! unreachable-Docker test needs no daemon.

use crate::support;
use crate::support::docker::{docker_ok, docker_output};
use crate::support::project::{Run, TestProject, free_port};

/// The message of the error `up` ended with, once it has the stable `code` and names each of
/// `names`: what a user needs to read to act on it.
#[track_caller]
fn error_naming(run: &Run, code: &str, names: &[&str]) -> String {
    let message = run.assert_error(code);
    for name in names {
        assert!(message.contains(name), "no `{name}` in: {message}");
    }
    message
}

/// A failed `up` leaves no container, volume or network of the project behind.
#[track_caller]
fn assert_nothing_half_made(project: &TestProject) {
    assert_eq!(
        project.all_labelled(),
        Vec::<String>::new(),
        "nothing half-made"
    );
}

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
        let message = error_naming(&run, "DOCKER_UNAVAILABLE", &[host, "mcp-fa doctor"]);
        assert_eq!(run.code, 3);
        assert!(
            message.contains("Start Docker") || message.contains("Install"),
            "{message}"
        );
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
    let port = project.fusionauth_port.to_string();
    let message = error_naming(&run, "PORT_IN_USE", &[&port, "--fusionauth-port"]);
    assert_eq!(run.code, 4);
    assert!(
        message.contains(&format!("pid {}", std::process::id())),
        "names the holder: {message}"
    );
    assert_nothing_half_made(&project);
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
    let holder = format!("container `{foreign}`");
    error_naming(&run, "PORT_IN_USE", &[&holder, "--mcp-port"]);
    assert_nothing_half_made(&project);
}

#[test]
fn an_image_that_does_not_exist_fails_to_pull() {
    let image = "mcp-fa-test/no-such-image:does-not-exist";
    let Some(mut project) = TestProject::with_docker("pull") else {
        return;
    };
    project.images.fusionauth = image.into();
    let run = project.up(&[]);
    error_naming(&run, "IMAGE_PULL_FAILED", &[image, "--fusionauth-image"]);
    assert_eq!(run.code, 5);
    assert!(run.elapsed.as_secs() < 70, "{:?}", run.elapsed);
    assert_nothing_half_made(&project);
}

#[test]
fn a_failed_kickstart_request_is_quoted_and_the_stack_removed() {
    let Some(project) = TestProject::with_docker("kick") else {
        return;
    };
    let run = project.up_with_a_refused_kickstart_request();
    let message = error_naming(
        &run,
        "KICKSTART_FAILED",
        &["Failed to execute request to [POST][/api/user] Status [400]"],
    );
    assert_eq!(run.code, 7);
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
    assert_nothing_half_made(&project);
    assert!(!project.state_file().exists());
}

#[test]
fn a_license_that_cannot_be_activated_fails_kickstart_before_its_requests() {
    let Some(project) = TestProject::with_docker("lic") else {
        return;
    };
    let run = project.up(&["--license-id", "not+a+license+0123456789"]);
    let message = error_naming(
        &run,
        "KICKSTART_FAILED",
        &["Failed to complete kickstart.", "--license-id"],
    );
    assert_eq!(run.code, 7);
    assert!(
        !message.contains("not+a+license+0123456789"),
        "the license id is a secret: {message}"
    );
    assert_nothing_half_made(&project);
}

#[test]
fn a_container_that_exits_on_start_shows_its_last_lines() {
    let Some(mut project) = TestProject::with_docker("exit") else {
        return;
    };
    // The database image in FusionAuth's place: it exits at once, asking for POSTGRES_PASSWORD.
    project.images.fusionauth = project.images.postgres.clone();
    let run = project.up(&[]);
    let container = format!("mcp-fa-{}-fusionauth", project.name);
    let message = error_naming(&run, "CONTAINER_EXITED", &[&container, "Last log lines"]);
    assert_eq!(run.code, 8);
    assert!(
        message.contains("POSTGRES_PASSWORD"),
        "its last lines: {message}"
    );
    assert_nothing_half_made(&project);
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
    error_naming(
        &run,
        "STARTUP_TIMEOUT",
        &["FusionAuth to answer /api/status", "mcp-fa logs fusionauth"],
    );
    assert_eq!(run.code, 6);
    assert!(run.elapsed.as_secs() < 20, "{:?}", run.elapsed);
    assert_nothing_half_made(&project);
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
    error_naming(&run, "NAME_CONFLICT", &[&ours]);
    project.run(&["down", "--volumes"]).assert_ok();
    let still_there = docker_output(&["inspect", &ours]);
    let _ = docker_output(&["rm", "-f", &ours]);
    assert!(
        still_there.status.success(),
        "down removed a container without our label"
    );
    assert_nothing_half_made(&project);
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
    assert_nothing_half_made(&project);
}
