//! One truth about a project's MCP server, whoever runs it: `status` reports the foreground
//! `up` as well as the background server, a second server is refused with the first one's pid,
//! and `down` stops it whichever it is, even when the state file is damaged or the record gone.

use std::time::Duration;

use crate::support::project::TestProject;
use crate::support::{exited_within, process_gone, stderr_of};

#[test]
fn a_foreground_up_is_reported_refuses_a_second_server_and_down_stops_it_saying_why() {
    let Some(project) = TestProject::with_docker("recfg") else {
        return;
    };
    let (mut child, _) = project.spawn_foreground_up();
    let pid = u64::from(child.id());

    let status = project.run(&["status", "-o", "json"]).json();
    let server = &status["mcpServer"];
    assert_eq!(server["mode"], "foreground", "{status:#}");
    assert_eq!(server["pid"].as_u64(), Some(pid));
    assert_eq!(server["protected"], true);
    let text = project.run(&["status"]);
    assert!(
        text.stdout.contains(&format!(
            "running: `mcp-fa up` in a terminal (pid {pid}), protected"
        )),
        "{}",
        text.stdout
    );

    // A second server for the project is refused, naming the first.
    let second = project.run(&["serve"]);
    assert_eq!(second.code, 1, "{}", second.stderr);
    assert!(
        second.stderr.contains("already runs") && second.stderr.contains(&format!("(pid {pid})")),
        "{}",
        second.stderr
    );

    // `down` stops it, and the foreground `up` says what happened rather than that FusionAuth
    // is still running.
    let down = project.run(&["down", "--json"]);
    assert_eq!(
        down.assert_ok().json()["stoppedMcpServer"].as_u64(),
        Some(pid)
    );
    let exit = child.wait().expect("up exits");
    assert!(exit.success(), "{exit}");
    let stderr = stderr_of(&mut child);
    assert!(
        stderr.contains(&format!(
            "`mcp-fa down --project {}` is taking the stack down",
            project.name
        )) && !stderr.contains("FusionAuth is still running"),
        "{stderr}"
    );
    assert_eq!(project.server_record(), None);
    assert!(project.labelled("container").is_empty());
    project.run(&["down", "--volumes", "--json"]).assert_ok();
}

#[test]
fn down_stops_the_background_server_with_a_damaged_state_file_or_no_record() {
    let Some(project) = TestProject::with_docker("recdmg") else {
        return;
    };
    // A damaged state file: the record still names the server.
    let up = project.up_serving(&["--detach"]);
    let pid = up.assert_ok().json()["mcpServer"]["pid"]
        .as_u64()
        .expect("pid");
    std::fs::write(project.state_file(), "{ damaged").expect("damage the state file");
    let down = project.run(&["down", "--json"]);
    assert_eq!(
        down.assert_ok().json()["stoppedMcpServer"].as_u64(),
        Some(pid)
    );
    assert!(process_gone(pid), "the background server is gone");
    assert!(project.labelled("container").is_empty());

    // No record at all (deleted by hand): the background server is found among the processes.
    std::fs::remove_file(project.state_file()).expect("remove the damaged file");
    project.run(&["down", "--volumes", "--json"]).assert_ok();
    let up = project.up_serving(&["--detach"]);
    let pid = up.assert_ok().json()["mcpServer"]["pid"]
        .as_u64()
        .expect("pid");
    let record = project
        .state_dir
        .path()
        .join(format!("{}.server.json", project.name));
    std::fs::remove_file(record).expect("remove the record");
    let down = project.run(&["down", "--volumes", "--json"]);
    assert_eq!(
        down.assert_ok().json()["stoppedMcpServer"].as_u64(),
        Some(pid)
    );
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !process_gone(pid) && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        process_gone(pid),
        "the unrecorded background server is gone too"
    );
}

#[test]
fn a_server_started_without_registration_is_reported_without_the_bridge() {
    let Some(project) = TestProject::with_docker("recnoreg") else {
        return;
    };
    project.up(&[]).assert_ok();
    let registration = || project.run(&["status", "-o", "json"]).json()["registration"].clone();
    assert_eq!(registration()["enabled"], true, "the stack's default");

    // `mcp-fa serve` for the project with MCP_FA_REGISTRATION set to `value`.
    let serve_with = |value: &str| {
        project
            .command(&["serve"], &[("MCP_FA_REGISTRATION", value)])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("serve runs")
    };

    // A value that says neither yes nor no is refused before anything starts.
    let mut unclear = serve_with("maybe");
    let refused = exited_within(&mut unclear, Duration::from_secs(30));
    let said = stderr_of(&mut unclear);
    assert_eq!(refused.code(), Some(2), "{said}");
    assert!(
        said.contains("MCP_FA_REGISTRATION is \"maybe\"")
            && said.contains("true")
            && said.contains("false"),
        "{said}"
    );
    assert_eq!(project.server_record(), None);

    // Configured by environment, as a deployment would: no bridge, and `status` says so.
    let mut child = serve_with("false");
    let pid = child.id();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while project.server_record().is_none() && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    let off = registration();
    assert_eq!(off["enabled"], false, "{off:#}");
    assert!(off.get("endpoint").is_none(), "{off:#}");
    let reason = off["reason"].as_str().expect("a reason");
    assert!(
        reason.contains("--no-registration") && reason.contains(&format!("(pid {pid})")),
        "{reason}"
    );
    let text = project.run(&["status"]).stdout;
    assert!(text.contains("--no-registration"), "{text}");
    let register = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(async {
            reqwest::Client::new()
                .post(format!("http://127.0.0.1:{}/register", project.mcp_port))
                .json(&serde_json::json!({"redirect_uris": ["http://127.0.0.1:33418/callback"]}))
                .send()
                .await
                .expect("the server answers")
                .status()
        });
    assert_eq!(register, 404, "nothing registers clients");

    let stopped = crate::support::stop(&mut child, "TERM");
    assert!(stopped.success(), "{stopped}: {}", stderr_of(&mut child));
    assert_eq!(registration()["enabled"], true, "the stack's default again");
    project.run(&["down", "--volumes", "--json"]).assert_ok();
}
