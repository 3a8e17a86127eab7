//! `mcp-fa up`, `status`, `logs` and `down` against a real Docker daemon and the test images
//! (the stand-in's, or real ones in real-image mode): the stack a user gets, what is left
//! behind, and what is kept.
//!
//! Without Docker these tests print "skipping" and pass, except under `CI=true`.

use crate::support::docker::{docker_available, real_images};
use crate::support::project::TestProject;

#[test]
fn up_then_down_leaves_no_labelled_objects_and_keeps_the_data() {
    let Some(project) = TestProject::with_docker("life") else {
        return;
    };

    let up = project.up(&[]);
    up.assert_ok();
    let report = up.json();
    eprintln!("up (kickstart ran) took {:?}", up.elapsed);
    assert_eq!(report["ok"], true);
    assert_eq!(report["kickstart"], "ran");
    assert_eq!(report["alreadyRunning"], false);
    let url = format!("http://localhost:{}", project.fusionauth_port);
    assert_eq!(report["fusionauthUrl"], url);
    assert_eq!(report["issuer"], url);
    let emails: Vec<&str> = report["users"]
        .as_array()
        .expect("users")
        .iter()
        .map(|u| u["email"].as_str().expect("email"))
        .collect();
    assert_eq!(emails, ["test@example.com", "admin@example.com"]);
    assert!(
        !up.stdout.contains("password\":") && !up.stdout.contains("apiKey"),
        "up must not print secrets: {}",
        up.stdout
    );

    // The state file is private and holds the secrets `status --show-secrets` shows.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(project.state_file())
            .expect("state file")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    let status = project.run(&["status", "-o", "json"]);
    status.assert_ok();
    let status = status.json();
    assert_eq!(status["running"], true, "{status:#}");
    assert_eq!(status["fusionauthStatus"], "ready");
    assert!(status.get("apiKey").is_none(), "secrets only on request");
    assert!(status["users"][0].get("password").is_none());

    let env = project.run(&["status", "-o", "env", "--show-secrets"]);
    env.assert_ok();
    let api_key = env
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("FUSIONAUTH_API_KEY="))
        .expect("API key line")
        .to_string();
    assert!(api_key.len() >= 40, "a random key per stack");
    assert!(env.stdout.contains(&format!("FUSIONAUTH_ISSUER={url}")));
    assert!(
        env.stdout
            .lines()
            .any(|l| l.starts_with("FUSIONAUTH_DEMO_USER_PASSWORD=") && !l.ends_with("=password")),
        "generated passwords unless --demo-passwords:\n{}",
        env.stdout
    );

    let logs = project.run(&["logs", "fusionauth", "--tail", "300"]);
    logs.assert_ok();
    assert!(
        logs.stdout.contains("Completed [POST] request to"),
        "{}",
        logs.stdout
    );
    let db_logs = project.run(&["logs", "db"]);
    db_logs.assert_ok();
    assert!(db_logs.stdout.contains("ready to accept connections"));

    let doctor = project.run(&["doctor", "--json"]);
    doctor.assert_ok();
    let checks = doctor.json()["checks"].clone();
    let verdict = |name: &str| {
        checks
            .as_array()
            .expect("checks")
            .iter()
            .find(|c| c["name"] == name)
            .unwrap_or_else(|| panic!("no {name} check: {checks:#}"))["verdict"]
            .clone()
    };
    assert_eq!(verdict("Docker endpoint"), "ok");
    assert_eq!(verdict("Docker daemon"), "ok");
    assert_eq!(verdict("State file"), "ok");
    assert_eq!(verdict("FusionAuth"), "ok");
    assert_eq!(verdict("License"), "info");
    assert_eq!(
        verdict(&format!("Port {} (FusionAuth)", project.fusionauth_port)),
        "ok"
    );

    // Up again on the running, unchanged stack: a fast no-op.
    let again = project.up(&[]);
    again.assert_ok();
    assert_eq!(again.json()["alreadyRunning"], true);
    assert!(again.elapsed.as_secs() < 5, "{:?}", again.elapsed);

    let down = project.run(&["down", "--json"]);
    down.assert_ok();
    eprintln!("down took {:?}", down.elapsed);
    let down_report = down.json();
    assert_eq!(
        down_report["removedContainers"]
            .as_array()
            .expect("list")
            .len(),
        2,
        "{down_report:#}"
    );
    assert_eq!(project.labelled("container"), Vec::<String>::new());
    assert_eq!(project.labelled("network"), Vec::<String>::new());
    assert_eq!(
        project.labelled("volume"),
        [format!("mcp-fa-{}-db", project.name)],
        "the data is kept"
    );
    assert!(
        project.state_file().exists(),
        "the state goes with the data"
    );

    // A second down succeeds and says nothing was running.
    let second = project.run(&["down"]);
    second.assert_ok();
    assert!(
        second.stdout.contains("Nothing was running"),
        "{}",
        second.stdout
    );

    // Up on the kept data: kickstart does not run again; the saved key still works.
    let reuse = project.up(&[]);
    reuse.assert_ok();
    eprintln!("up (reusing the data) took {:?}", reuse.elapsed);
    let reuse = reuse.json();
    assert_eq!(reuse["kickstart"], "skipped", "{reuse:#}");
    assert!(
        reuse["notes"]
            .to_string()
            .contains("Reused the kept database"),
        "{reuse:#}"
    );
    let env = project.run(&["status", "-o", "env", "--show-secrets"]);
    assert!(
        env.stdout
            .contains(&format!("FUSIONAUTH_API_KEY={api_key}"))
    );
    // The stand-in logs that it skips kickstart a moment after it is ready. (FusionAuth's own
    // wording for this is not known here: real-image mode does not look for it.)
    if real_images() {
        project.run(&["down", "--volumes", "--json"]).assert_ok();
        assert_eq!(project.all_labelled(), Vec::<String>::new());
        return;
    }
    let mut logs = project.run(&["logs", "fusionauth"]);
    for _ in 0..50 {
        if logs.stdout.contains("Kickstart will not run") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
        logs = project.run(&["logs", "fusionauth"]);
    }
    assert!(
        logs.stdout.contains("Kickstart will not run"),
        "FusionAuth skipped kickstart:\n{}",
        logs.stdout
    );

    let wipe = project.run(&["down", "--volumes", "--json"]);
    wipe.assert_ok();
    assert_eq!(wipe.json()["stateFileRemoved"], true);
    assert_eq!(project.all_labelled(), Vec::<String>::new());
    assert!(!project.state_file().exists());
}

#[test]
fn two_projects_side_by_side_do_not_interfere() {
    if !docker_available() {
        return;
    }
    let first = TestProject::new("left");
    let second = TestProject::new("right");
    let (a, b) = std::thread::scope(|scope| {
        let a = scope.spawn(|| first.up(&["--demo-passwords"]));
        let b = scope.spawn(|| second.up(&[]));
        (a.join().expect("thread"), b.join().expect("thread"))
    });
    a.assert_ok();
    b.assert_ok();
    assert_ne!(a.json()["fusionauthUrl"], b.json()["fusionauthUrl"]);

    let env = first.run(&["status", "-o", "env", "--show-secrets"]);
    assert!(
        env.stdout
            .contains("FUSIONAUTH_DEMO_USER_PASSWORD=password"),
        "{}",
        env.stdout
    );

    first.run(&["down", "--volumes"]).assert_ok();
    assert_eq!(first.all_labelled(), Vec::<String>::new());
    let status = second.run(&["status", "-o", "json"]);
    assert_eq!(
        status.json()["running"],
        true,
        "the other project is untouched"
    );
    assert_eq!(second.labelled("container").len(), 2);

    // Without its state file, a kept database cannot be reused: `up` says what to do.
    second.run(&["down"]).assert_ok();
    std::fs::remove_file(second.state_file()).expect("remove state");
    let refused = second.up(&[]);
    let message = refused.assert_error("STATE_MISSING");
    assert!(message.contains("down --project"), "{message}");
    assert!(message.contains("--volumes"), "{message}");
    assert_eq!(second.labelled("container"), Vec::<String>::new());
    second.run(&["down", "--volumes"]).assert_ok();
    assert_eq!(second.all_labelled(), Vec::<String>::new());
}
