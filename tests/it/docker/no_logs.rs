//! A Docker daemon that stores no container logs, on a private daemon started with
//! `--log-driver none` (the shared daemon is never touched). Docker loses a container's output
//! the same way when it cannot store it, as on a full disk: `docker logs` has nothing to give.
//! `up` reads what its containers write without the log driver, so a crash still shows the
//! crashed container's last lines, and a refused kickstart request is still caught the moment
//! FusionAuth logs it instead of running into the deadline.

use crate::support::private_docker::{self, Options, PrivateDocker};
use crate::support::project::TestProject;

#[test]
fn without_stored_logs_a_crash_and_a_refused_kickstart_still_say_why() {
    if !private_docker::available() {
        return;
    }
    let daemon = PrivateDocker::start(Options {
        log_driver: Some("none"),
        ..Options::default()
    });
    let mut project = TestProject::new("nologs");
    daemon.load_images(&project.images);
    project
        .env
        .push(("DOCKER_HOST".to_owned(), daemon.host.clone()));

    // The premise: this daemon has nothing to say about what a container wrote. The database
    // image without its password exits at once, saying so.
    let probe = "mcp-fa-test-nologs-probe";
    let ran = daemon.docker(&["run", "--name", probe, &project.images.postgres]);
    assert!(
        !ran.status.success(),
        "the database image ran without a password"
    );
    let logs = daemon.docker(&["logs", probe]);
    assert!(
        !String::from_utf8_lossy(&logs.stdout).contains("POSTGRES_PASSWORD"),
        "this daemon kept a container's output"
    );
    daemon.docker(&["rm", "-f", probe]);

    // A crash: the database image in FusionAuth's place exits asking for POSTGRES_PASSWORD.
    let postgres_as_fusionauth = {
        let mut crashing = TestProject::new("nologs-exit");
        crashing.images.fusionauth = crashing.images.postgres.clone();
        crashing
            .env
            .push(("DOCKER_HOST".to_owned(), daemon.host.clone()));
        crashing
    };
    let run = postgres_as_fusionauth.up(&[]);
    let message = run.assert_error("CONTAINER_EXITED");
    assert!(
        message.contains("Last log lines") && message.contains("POSTGRES_PASSWORD"),
        "the crashed container's own words: {message}"
    );
    assert_eq!(
        daemon.labelled(&postgres_as_fusionauth.name),
        Vec::<String>::new()
    );

    // A refused kickstart request: caught and quoted (not a timeout at the deadline).
    let run = project.up_with_a_refused_kickstart_request();
    let message = run.assert_error("KICKSTART_FAILED");
    assert!(
        message.contains("Failed to execute request to [POST][/api/user] Status [400]")
            && message.contains("FusionAuth said: [tooShort]user.password"),
        "FusionAuth's log lines, quoted: {message}"
    );
    assert_eq!(daemon.labelled(&project.name), Vec::<String>::new());
}
