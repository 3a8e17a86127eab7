//! Without a project file, a project keeps the settings it was created with: the next `up`
//! reuses them, and a change its kept data cannot take is refused before anything changes.

use crate::support::docker::docker_output;
use crate::support::project::{TestProject, free_port};

/// `up --project P` with nothing else: what a reader runs when the walkthrough ends.
fn bare_up(project: &TestProject) -> crate::support::project::Run {
    project.run(&["up", "--json", "--no-server", "--timeout", "60"])
}

#[test]
fn up_again_without_flags_keeps_the_ports_and_images_the_project_was_created_with() {
    let Some(project) = TestProject::with_docker("keep") else {
        return;
    };
    project.up(&[]).assert_ok();
    project.run(&["down", "--json"]).assert_ok();

    // The defaults (9011, postgres:16.9-alpine, ...) would fail here: the images cannot be
    // pulled and the port may be anyone's. The project's own settings are used instead.
    let again = bare_up(&project);
    let report = again.assert_ok().json();
    assert_eq!(report["kickstart"], "skipped", "the kept data: {report:#}");
    assert_eq!(
        report["fusionauthUrl"],
        format!("http://localhost:{}", project.fusionauth_port)
    );
    assert_eq!(
        report["mcpServerUrl"],
        format!("http://localhost:{}/mcp", project.mcp_port)
    );
    let saved = project.saved_state();
    assert_eq!(saved["postgresImage"], project.images.postgres.as_str());
    project.run(&["down", "--volumes", "--json"]).assert_ok();
}

#[test]
fn a_new_fusionauth_port_on_kept_data_is_refused_before_anything_changes() {
    let Some(project) = TestProject::with_docker("moveport") else {
        return;
    };
    project.up(&[]).assert_ok();
    let before = project.saved_state();
    let containers = project.labelled("container");
    let elsewhere = free_port().to_string();

    let moved = project.run(&[
        "up",
        "--json",
        "--no-server",
        "--fusionauth-port",
        &elsewhere,
    ]);
    let message = moved.assert_error("KEPT_DATA_CONFLICT");
    assert!(
        message.contains(&project.fusionauth_port.to_string()) && message.contains(&elsewhere),
        "names the kept port and the asked one: {message}"
    );
    assert!(
        message.contains(&format!("mcp-fa down --project {} --volumes", project.name)),
        "names the fresh start, for this project: {message}"
    );
    assert!(message.contains("--fusionauth-port"), "{message}");
    // Nothing changed: same containers, still running, same state.
    assert_eq!(project.labelled("container"), containers);
    assert_eq!(project.saved_state(), before);
    let status = project.run(&["status", "-o", "json"]).json();
    assert_eq!(status["running"], true, "{status:#}");
    project.run(&["down", "--volumes", "--json"]).assert_ok();
}

#[test]
fn a_new_postgres_major_version_on_kept_data_is_refused() {
    let Some(mut project) = TestProject::with_docker("pgmajor") else {
        return;
    };
    // The stand-in's database image under two version tags of a repository of this test's own.
    let repository = format!("mcp-fa-test/{}-pg", project.name);
    let (sixteen, seventeen) = (format!("{repository}:16.4"), format!("{repository}:17.0"));
    for tag in [&sixteen, &seventeen] {
        assert!(
            docker_output(&["tag", &project.images.postgres, tag])
                .status
                .success()
        );
    }
    project.images.postgres = sixteen.clone();
    project.up(&[]).assert_ok();
    let upgraded = project.run(&[
        "up",
        "--json",
        "--no-server",
        "--postgres-image",
        &seventeen,
    ]);
    let message = upgraded.assert_error("KEPT_DATA_CONFLICT");
    assert!(
        message.contains("PostgreSQL major version") && message.contains(&sixteen),
        "{message}"
    );
    // A minor version is fine on the same data.
    let minor = format!("{repository}:16.9");
    assert!(
        docker_output(&["tag", &project.images.postgres, &minor])
            .status
            .success()
    );
    project
        .run(&["up", "--json", "--no-server", "--postgres-image", &minor])
        .assert_ok();
    project.run(&["down", "--volumes", "--json"]).assert_ok();
    for tag in [&sixteen, &seventeen, &minor] {
        let _ = docker_output(&["rmi", tag]);
    }
}
