//! Containers killed or removed behind mcp-fa's back (`docker kill`, `docker rm -f`, a cleanup
//! script, Docker Desktop's "delete"): `status` reports what is really there, and `up` brings
//! the missing piece back on the kept data, with the same API key. Real Docker daemon, the test
//! images (stand-in or real).

use crate::support::docker::docker_ok;
use crate::support::project::TestProject;
use serde_json::Value;

/// `status -o json`'s container of `service` (`fusionauth` or `db`): (name, state).
fn container(status: &Value, service: &str) -> (String, String) {
    let found = status["containers"]
        .as_array()
        .expect("containers")
        .iter()
        .find(|c| c["service"] == service)
        .unwrap_or_else(|| panic!("no {service} container in {status:#}"));
    (
        found["name"].as_str().expect("name").to_owned(),
        found["state"].as_str().expect("state").to_owned(),
    )
}

#[test]
fn a_killed_or_removed_container_is_reported_and_up_brings_it_back_with_the_data() {
    let Some(project) = TestProject::with_docker("tampered") else {
        return;
    };
    project.up(&[]).assert_ok();
    let (key, demo) = project.key_and_demo_user();
    assert_eq!(project.fusionauth_get(&key, &demo), Some(200));
    let status = project.run(&["status", "-o", "json"]).json();
    let (fusionauth, _) = container(&status, "fusionauth");
    let (db, _) = container(&status, "db");

    // FusionAuth killed (as the OOM killer or `docker kill` would).
    docker_ok(&["kill", &fusionauth]);
    let status = project.run(&["status", "-o", "json"]);
    let doc = status.assert_ok().json();
    assert_eq!(doc["running"], false, "{doc:#}");
    let (_, state) = container(&doc, "fusionauth");
    assert!(state.starts_with("exited"), "{doc:#}");
    assert_eq!(container(&doc, "db").1, "running", "{doc:#}");
    project.assert_reported_not_running();
    project.assert_up_heals(&key, &demo);

    // The database container removed altogether; its volume stays.
    docker_ok(&["rm", "-f", &db]);
    let doc = project.run(&["status", "-o", "json"]).json();
    assert_eq!(doc["running"], false, "{doc:#}");
    assert_eq!(container(&doc, "db").1, "missing", "{doc:#}");

    project.assert_up_heals(&key, &demo);
    let doc = project.run(&["status", "-o", "json"]).json();
    assert_eq!(doc["running"], true, "{doc:#}");
    assert_eq!(doc["fusionauthStatus"], "ready", "{doc:#}");

    project.run(&["down", "--volumes", "--json"]).assert_ok();
    assert_eq!(project.all_labelled(), Vec::<String>::new());
}
