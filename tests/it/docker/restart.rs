//! The Docker daemon stopped and started again under a running stack, on a private daemon (the
//! shared one is never touched): while Docker is down `status` says so and claims nothing runs;
//! once it is back `status` reports the containers as stopped (`up` sets no restart policy, see
//! RELIABILITY.md), and `up` brings the stack back on its kept data with the same API key.

use crate::support::private_docker::{self, Options, PrivateDocker};
use crate::support::project::{Run, TestProject};

#[track_caller]
fn assert_docker_unavailable(run: &Run, host: &str) {
    assert_eq!(
        run.code, 3,
        "stdout:\n{}\nstderr:\n{}",
        run.stdout, run.stderr
    );
    assert!(
        run.stderr.contains("no Docker daemon answered"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(host),
        "names the socket: {}",
        run.stderr
    );
    assert!(run.stderr.contains("mcp-fa doctor"), "{}", run.stderr);
}

#[test]
fn docker_restarted_under_a_running_stack_status_tells_the_truth_and_up_heals() {
    if !private_docker::available() {
        return;
    }
    let mut daemon = PrivateDocker::start(Options::default());
    let mut project = TestProject::new("dkrestart");
    daemon.load_images(&project.images);
    project
        .env
        .push(("DOCKER_HOST".to_owned(), daemon.host.clone()));

    let first = project.up(&[]);
    first.assert_ok();
    assert_eq!(first.json()["kickstart"], "ran");
    let (key, demo) = project.key_and_demo_user();
    assert_eq!(project.fusionauth_get(&key, &demo), Some(200));
    let status = project.run(&["status", "-o", "json"]);
    assert_eq!(status.assert_ok().json()["running"], true);

    // Docker goes away, as with `systemctl stop docker` or quitting Docker Desktop.
    let stopped_in = daemon.stop_daemon();
    eprintln!("the private dockerd stopped in {stopped_in:.1?}");
    assert_eq!(
        project.fusionauth_get(&key, &demo),
        None,
        "the containers went down with the daemon"
    );
    let text = project.run(&["status"]);
    assert_docker_unavailable(&text, &daemon.host);
    assert!(
        !text.stdout.contains("running"),
        "nothing is claimed to run: {}",
        text.stdout
    );
    let json = project.run(&["status", "-o", "json"]);
    assert_docker_unavailable(&json, &daemon.host);
    let doc = json.json();
    assert_eq!(doc["ok"], false, "{doc:#}");
    assert_eq!(doc["error"]["code"], "DOCKER_UNAVAILABLE", "{doc:#}");
    assert!(doc.get("running").is_none(), "{doc:#}");
    // The state (and so the API key) survives a command that could not reach Docker.
    assert_eq!(project.saved_state()["apiKey"], key.as_str());

    daemon.start_daemon();
    // No restart policy: the containers are there, stopped, and reported as such.
    let after = project.run(&["status", "-o", "json"]);
    let doc = after.assert_ok().json();
    assert_eq!(doc["running"], false, "{doc:#}");
    for container in doc["containers"].as_array().expect("containers") {
        let state = container["state"].as_str().expect("state");
        assert!(state.starts_with("exited"), "{doc:#}");
        assert!(
            container["health"].is_null(),
            "a stopped container has no current health: {doc:#}"
        );
    }
    assert!(doc["fusionauthStatus"].is_null(), "{doc:#}");
    project.assert_reported_not_running();

    // `up` heals: same data, same key, the demo user still there.
    let healed = project.assert_up_heals(&key, &demo);
    let report = healed.json();
    assert_eq!(report["alreadyRunning"], false, "{report:#}");
    let status = project.run(&["status", "-o", "json"]);
    let doc = status.assert_ok().json();
    assert_eq!(doc["running"], true, "{doc:#}");
    assert_eq!(doc["fusionauthStatus"], "ready", "{doc:#}");
    eprintln!(
        "up after the restart took {:.1?} (first up {:.1?})",
        healed.elapsed, first.elapsed
    );

    project.run(&["down", "--volumes", "--json"]).assert_ok();
    assert_eq!(daemon.labelled(&project.name), Vec::<String>::new());
}
