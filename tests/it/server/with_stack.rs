//! `mcp-fa up` with the MCP server: `--detach` leaves `mcp-fa serve` running in the background
//! (answering with the spec's challenge, reported by `status`, logged to `logs mcp`, stopped by
//! `down`), `--client` registers clients, `serve` without flags serves the stack, and the
//! foreground `up` serves until SIGINT while the stack keeps running. Real Docker, the test
//! images; without Docker these tests print "skipping" and pass, except under `CI=true`.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::support::docker::docker_ok;
use crate::support::project::TestProject;
use crate::support::server::{initialize, post};
use crate::support::{Api, block, process_gone, stop};

fn challenge(port: u16) -> String {
    format!(
        "Bearer resource_metadata=\"http://localhost:{port}/.well-known/oauth-protected-resource/mcp\", \
         scope=\"openid profile\""
    )
}

fn prm_status(port: u16) -> Option<u16> {
    let url = format!("http://127.0.0.1:{port}/.well-known/oauth-protected-resource");
    block(async move {
        reqwest::Client::new()
            .get(url)
            .timeout(Duration::from_secs(2))
            .send()
            .await
            .ok()
            .map(|r| r.status().as_u16())
    })
}

/// POSTs an `initialize` to `/mcp` without a token: (status, WWW-Authenticate).
fn post_without_token(port: u16) -> (u16, Option<String>) {
    let url = format!("http://127.0.0.1:{port}/mcp");
    let answer = block(post(&url, None, &initialize(), &[]));
    (answer.status, answer.challenge)
}

/// Kills a detached server a failed test left behind.
struct KillOnDrop(Option<u64>);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if let Some(pid) = self.0
            && !process_gone(pid)
        {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
        }
    }
}

#[test]
fn up_detach_with_a_client_serves_reports_logs_and_down_stops_it() {
    let Some(project) = TestProject::with_docker("upd") else {
        return;
    };
    let port = project.mcp_port;

    let args = ["--detach", "--client", "mcp-remote"];
    let up = project.up_serving(&args);
    up.assert_ok();
    eprintln!("up --detach --client mcp-remote took {:?}", up.elapsed);
    let report = up.json();
    let server = &report["mcpServer"];
    let pid = server["pid"].as_u64().expect("pid");
    let _guard = KillOnDrop(Some(pid));
    assert_eq!(server["mode"], "detached", "{report:#}");
    assert_eq!(server["running"], true);
    assert_eq!(server["endpoint"], format!("http://localhost:{port}/mcp"));
    let client = &report["clients"][0]["client"];
    assert_eq!(client["name"], "mcp-remote", "{report:#}");
    assert_eq!(client["kind"], "mcp-remote");
    let client_id = client["clientId"].as_str().expect("client id").to_owned();
    let config_text = report["clients"][0]["config"]["text"]
        .as_str()
        .expect("config text");
    assert!(config_text.contains(&client_id), "{config_text}");
    assert!(
        !up.stdout.contains("apiKey") && !up.stdout.contains("password\":"),
        "no secrets without --show-secrets: {}",
        up.stdout
    );

    // The server answers: metadata, and the exact challenge without a token.
    assert_eq!(prm_status(port), Some(200));
    let (status, www_authenticate) = post_without_token(port);
    assert_eq!(status, 401);
    assert_eq!(www_authenticate.as_deref(), Some(challenge(port).as_str()));

    // The server record names the background server; the state file keeps the client; the
    // application exists in FusionAuth.
    let record = project.server_record().expect("a server record");
    assert_eq!(record["pid"].as_u64(), Some(pid));
    assert_eq!(record["owner"], "detached");
    assert_eq!(record["protected"], true);
    let saved = project.saved_state();
    assert_eq!(saved["clients"][0]["clientId"], client_id.as_str());
    assert_eq!(saved["clients"][0]["kind"], "mcp-remote");
    let api_key = saved["apiKey"].as_str().expect("API key");
    let fusionauth = format!("http://127.0.0.1:{}", project.fusionauth_port);
    let (code, application) =
        block(Api::new(&fusionauth, api_key).get(&format!("/api/application/{client_id}")));
    assert_eq!(code, 200, "{application:#}");
    assert_eq!(
        application["application"]["oauthConfiguration"]["authorizedResourceUris"],
        json!([format!("http://localhost:{port}/mcp")])
    );

    // status reports the server and the client.
    let status = project.run(&["status", "-o", "json"]);
    status.assert_ok();
    let status = status.json();
    assert_eq!(status["mcpServer"]["running"], true, "{status:#}");
    assert_eq!(status["mcpServer"]["mode"], "detached");
    assert_eq!(status["mcpServer"]["pid"].as_u64(), Some(pid));
    assert_eq!(status["clients"][0]["name"], "mcp-remote");
    assert_eq!(status["clients"][0]["kind"], "mcp-remote");
    assert_eq!(status["clients"][0]["clientId"], client_id.as_str());
    let pretty = project.run(&["status"]);
    pretty.assert_ok();
    assert!(
        pretty
            .stdout
            .contains(&format!("running in the background (pid {pid})")),
        "{}",
        pretty.stdout
    );

    // logs mcp: the server's start-up line and the request above.
    let logs = project.run(&["logs", "mcp"]);
    logs.assert_ok();
    assert!(
        logs.stdout.contains("MCP server ready at"),
        "{}",
        logs.stdout
    );
    assert!(
        logs.stdout.contains("outcome=\"no token\""),
        "{}",
        logs.stdout
    );
    let tail = project.run(&["logs", "mcp", "--tail", "1"]);
    tail.assert_ok();
    assert_eq!(tail.stdout.lines().count(), 1, "{}", tail.stdout);

    // doctor counts our own server's port as fine.
    let doctor = project.run(&["doctor", "--json"]);
    doctor.assert_ok();
    let checks = doctor.json()["checks"].clone();
    let mcp_port_check = checks
        .as_array()
        .expect("checks")
        .iter()
        .find(|c| c["name"] == format!("Port {port} (MCP server)"))
        .cloned()
        .expect("MCP port check");
    assert_eq!(mcp_port_check["verdict"], "ok", "{mcp_port_check:#}");

    // up again: a fast no-op that leaves the same server running.
    let again = project.up_serving(&args);
    again.assert_ok();
    assert!(
        again.elapsed < Duration::from_secs(5),
        "{:?}",
        again.elapsed
    );
    let again = again.json();
    assert_eq!(again["alreadyRunning"], true);
    assert_eq!(again["mcpServer"]["pid"].as_u64(), Some(pid));
    assert_eq!(again["mcpServer"]["alreadyRunning"], true);

    // down stops the server, then removes the containers.
    let down = project.run(&["down", "--json"]);
    down.assert_ok();
    eprintln!("down (with the MCP server) took {:?}", down.elapsed);
    assert_eq!(down.json()["stoppedMcpServer"].as_u64(), Some(pid));
    assert!(process_gone(pid), "the server process is gone");
    assert_eq!(prm_status(port), None, "port {port} is closed");
    assert_eq!(project.labelled("container"), Vec::<String>::new());
    assert_eq!(
        project.server_record(),
        None,
        "the record went with the server"
    );
    let status = project.run(&["status", "-o", "json"]).json();
    assert_eq!(status["mcpServer"]["running"], false, "{status:#}");
}

#[test]
fn serve_without_flags_serves_the_stack_and_foreground_up_stops_on_sigint() {
    let Some(project) = TestProject::with_docker("upf") else {
        return;
    };
    let port = project.mcp_port;

    // Foreground up (text output): serves once "ready", until SIGINT.
    let started = Instant::now();
    let (mut child, seen) = project.spawn_foreground_up();
    eprintln!("foreground up ready after {:?}", started.elapsed());
    assert!(seen.contains("ready in this terminal"), "{seen}");
    assert!(
        seen.contains(&format!("MCP endpoint: http://localhost:{port}/mcp")),
        "{seen}"
    );
    assert_eq!(prm_status(port), Some(200), "ready when it says so");
    let (status, www_authenticate) = post_without_token(port);
    assert_eq!(status, 401);
    assert_eq!(www_authenticate.as_deref(), Some(challenge(port).as_str()));

    let exit = stop(&mut child, "INT");
    assert!(exit.success(), "{exit}");
    assert_eq!(prm_status(port), None, "the server stopped");
    let status = project.run(&["status", "-o", "json"]);
    status.assert_ok();
    let status = status.json();
    assert_eq!(
        status["running"], true,
        "the stack keeps running: {status:#}"
    );
    assert_eq!(status["mcpServer"]["running"], false);

    // `serve` with no flags: the stack's issuer, port and scopes from its state.
    let mut serve = project
        .command(&["serve"], &[])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn serve");
    let deadline = Instant::now() + Duration::from_secs(20);
    while prm_status(port) != Some(200) {
        if Instant::now() > deadline {
            let _ = serve.kill();
            panic!("serve from state never answered");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let (status, www_authenticate) = post_without_token(port);
    let _ = Command::new("kill")
        .args(["-TERM", &serve.id().to_string()])
        .status();
    let _ = serve.wait();
    assert_eq!(status, 401);
    assert_eq!(www_authenticate.as_deref(), Some(challenge(port).as_str()));

    project.run(&["down", "--volumes"]).assert_ok();
    assert_eq!(project.all_labelled(), Vec::<String>::new());
}

#[test]
fn up_on_a_broken_stack_replaces_the_old_detached_server() {
    let Some(project) = TestProject::with_docker("upr") else {
        return;
    };
    let port = project.mcp_port;
    let first = project.up_serving(&["--detach"]);
    first.assert_ok();
    let old_pid = first.json()["mcpServer"]["pid"].as_u64().expect("pid");
    let _old = KillOnDrop(Some(old_pid));

    // FusionAuth's container goes away: the next `up` recreates it (reusing the data) and must
    // not leave the old server holding the port or trusting the old container.
    let fusionauth = format!("mcp-fa-{}-fusionauth", project.name);
    docker_ok(&["rm", "-f", &fusionauth]);
    let second = project.up_serving(&["--detach"]);
    second.assert_ok();
    let report = second.json();
    assert_eq!(report["kickstart"], "skipped", "{report:#}");
    let new_pid = report["mcpServer"]["pid"].as_u64().expect("pid");
    let _new = KillOnDrop(Some(new_pid));
    assert_ne!(new_pid, old_pid);
    assert!(process_gone(old_pid), "the old server was stopped");
    let (status, www_authenticate) = post_without_token(port);
    assert_eq!(status, 401);
    assert_eq!(www_authenticate.as_deref(), Some(challenge(port).as_str()));

    project.run(&["down", "--volumes"]).assert_ok();
    assert!(process_gone(new_pid));
}
