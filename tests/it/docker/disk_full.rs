//! Docker out of disk space, on a private daemon whose data root is a small tmpfs (the shared
//! daemon is never touched): the stand-in images are loaded, then the rest of the tmpfs is
//! filled so that only a few KiB are left, and `mcp-fa up` runs. Depending on how much is left,
//! ENOSPC hits a different step: Docker writing its network store, a container's configuration
//! or layer, or the database writing its data while FusionAuth runs the kickstart. Every time
//! `up` must fail with DISK_FULL (exit 9), quote Docker's message or the database's log line
//! verbatim, say how to free space, and leave no labelled object and no state behind.

use crate::support;
use crate::support::private_docker::{self, Options, PrivateDocker};
use crate::support::project::TestProject;

/// KiB left free for each `up`: from a disk that is completely full to one where Docker
/// creates most things before a write fails. Where exactly it fails depends on how far Docker's
/// own databases have grown (they take pages as objects come and go), so the step is recorded,
/// not fixed; up to [`MUST_FAIL_KIB`] every `up` must fail.
const FREE_KIB: [u64; 6] = [0, 16, 32, 64, 96, 128];
/// With this much free or less, a stack never fits (about 200 KiB do, at times).
const MUST_FAIL_KIB: u64 = 64;

/// Which step ran out of space, from the quoted text.
fn failed_step(message: &str) -> &'static str {
    if message.contains("could not create network") {
        "network create"
    } else if message.contains("could not create container") {
        "container create"
    } else if message.contains("could not start container") {
        "container start"
    } else if message.contains("-db logged:") {
        "database write"
    } else {
        "other"
    }
}

#[test]
fn a_full_docker_disk_is_quoted_with_a_hint_and_nothing_is_left() {
    if support::docker::standin_only(
        "images small enough for a 64 MiB Docker disk (FusionAuth's own is several hundred MiB)",
    ) || !private_docker::available()
    {
        return;
    }
    let daemon = PrivateDocker::start(Options {
        tmpfs_mib: Some(64),
        ..Options::default()
    });
    let images = support::docker::ensure_images();
    daemon.load_images(&images);

    // What Docker itself says when its disk is full, to check that `up` quotes it unchanged.
    daemon.fill_leaving(0);
    let probe = daemon.docker(&["network", "create", "mcp-fa-test-probe"]);
    assert!(
        !probe.status.success(),
        "a network was created on a full disk"
    );
    let probe = String::from_utf8_lossy(&probe.stderr);
    let docker_says = probe
        .trim()
        .strip_prefix("Error response from daemon: ")
        .unwrap_or_else(|| panic!("unexpected docker CLI error: {probe}"))
        .to_owned();
    assert!(
        docker_says.contains("no space left on device"),
        "{docker_says}"
    );

    let mut steps = Vec::new();
    for free in FREE_KIB {
        let mut project = TestProject::new("diskfull");
        project
            .env
            .push(("DOCKER_HOST".to_owned(), daemon.host.clone()));
        project.timeout_secs = 30;
        daemon.fill_leaving(free);
        let run = project.up(&[]);
        daemon.unfill();
        if run.code == 0 && free > MUST_FAIL_KIB {
            eprintln!("{free:>3} KiB free: the stack fitted");
            project.run(&["down", "--volumes", "--json"]).assert_ok();
            steps.push("none (it fitted)");
            continue;
        }
        let message = run.assert_error("DISK_FULL");
        assert_eq!(run.code, 9, "{free} KiB free: {message}");
        assert!(
            message
                .to_ascii_lowercase()
                .contains("no space left on device"),
            "{free} KiB free: {message}"
        );
        for hint in [
            "docker system df",
            "docker system prune",
            "Docker Desktop",
            "colima",
        ] {
            assert!(
                message.contains(hint),
                "{free} KiB free: the hint names {hint}: {message}"
            );
        }
        assert!(
            run.stderr.contains(&message),
            "the same message on stderr: {}",
            run.stderr
        );
        let step = failed_step(&message);
        match step {
            // Docker's messages name the file it could not write, below its data root.
            "container create" | "container start" => assert!(
                message.contains(&daemon.data_root.display().to_string()),
                "{message}"
            ),
            "network create" => assert!(message.contains(&docker_says), "{message}"),
            // Whichever write of the database's hit the wall (its data file, or a file it
            // creates on start), the line it logged is quoted.
            "database write" => assert!(
                message.contains("No space left on device"),
                "the database's own line: {message}"
            ),
            _ => panic!("{free} KiB free: an unexpected step ran out of space: {message}"),
        }
        assert_eq!(
            daemon.labelled(&project.name),
            Vec::<String>::new(),
            "{free} KiB free ({step}): nothing half-made"
        );
        assert!(
            !project.state_file().exists(),
            "{free} KiB free ({step}): no state for a stack that does not exist"
        );
        eprintln!("{free:>3} KiB free: {step} failed, in {:.1?}", run.elapsed);
        steps.push(step);
    }
    assert_eq!(
        steps[0], "network create",
        "a full disk stops the first write"
    );
    eprintln!("steps that ran out of space: {steps:?}");

    // With the space back, the same daemon runs the stack: the failures were the disk's.
    let mut project = TestProject::new("diskfree");
    project
        .env
        .push(("DOCKER_HOST".to_owned(), daemon.host.clone()));
    project.up(&[]).assert_ok();
    project.run(&["down", "--volumes", "--json"]).assert_ok();
    assert_eq!(daemon.labelled(&project.name), Vec::<String>::new());
}
