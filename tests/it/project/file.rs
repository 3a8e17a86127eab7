//! `mcp-fa.yaml`: `init` writes it, and every command run in that folder or below it acts on
//! the project it describes, with its ports, images and clients, while flags still win.

use crate::support::project::{Run, TestProject};

#[test]
fn init_writes_the_project_file_and_commands_in_the_folder_follow_it() {
    let Some(project) = TestProject::with_docker("file") else {
        return;
    };
    let folder = tempfile::tempdir().expect("project folder");
    let fusionauth_port = project.fusionauth_port.to_string();
    let mcp_port = project.mcp_port.to_string();
    let mut init = vec!["init", "--project", &project.name];
    let flags = project.stack_flags();
    init.extend(flags.iter().map(String::as_str));
    init.extend([
        "--client",
        "mcp-remote",
        "--license-env",
        "MY_FUSIONAUTH_LICENSE",
    ]);
    let init = project.run_in(folder.path(), &init);
    init.assert_ok();
    let file = folder.path().join("mcp-fa.yaml");
    let written = std::fs::read_to_string(&file).expect("mcp-fa.yaml written");
    assert!(
        written.starts_with("# mcp-fa project settings"),
        "{written}"
    );
    assert!(
        written.contains(&format!("port: {fusionauth_port}")),
        "{written}"
    );
    assert!(
        written.contains("license-env: \"MY_FUSIONAUTH_LICENSE\""),
        "{written}"
    );
    assert!(written.contains("- \"mcp-remote\""), "{written}");

    // A second init never replaces it.
    let again = project.run_in(folder.path(), &["init"]);
    assert_eq!(again.code, 1, "{}", again.stderr);
    assert!(again.stderr.contains("already exists"), "{}", again.stderr);
    assert_eq!(std::fs::read_to_string(&file).expect("read"), written);

    // `up` in a folder below, with no flag naming the project, its ports, images or clients.
    let below = folder.path().join("src/deep");
    std::fs::create_dir_all(&below).expect("subfolder");
    let up = project.run_in(&below, &["up", "--json", "--no-server", "--timeout", "60"]);
    let report = up.assert_ok().json();
    assert_eq!(report["project"], project.name.as_str(), "{report:#}");
    assert_eq!(
        report["fusionauthUrl"],
        format!("http://localhost:{fusionauth_port}")
    );
    assert_eq!(
        report["mcpServerUrl"],
        format!("http://localhost:{mcp_port}/mcp")
    );
    assert_eq!(report["clients"][0]["client"]["kind"], "mcp-remote");
    let saved = project.saved_state();
    assert_eq!(saved["fusionauthImage"], project.images.fusionauth.as_str());
    assert_eq!(saved["postgresImage"], project.images.postgres.as_str());

    // status finds the same project; a flag naming another project wins over the file.
    let status = project.run_in(&below, &["status", "-o", "json"]).json();
    assert_eq!(status["project"], project.name.as_str());
    assert_eq!(status["running"], true, "{status:#}");
    let other = project.run_in(&below, &["status", "-o", "json", "--project", "elsewhere"]);
    let other = other.assert_ok().json();
    assert_eq!(other["project"], "elsewhere");
    assert_eq!(other["stateSaved"], false, "{other:#}");

    project
        .run_in(folder.path(), &["down", "--volumes", "--json"])
        .assert_ok();
    assert!(project.all_labelled().is_empty());
}

#[test]
fn a_project_file_with_a_typo_is_refused_with_where_and_what() {
    let folder = tempfile::tempdir().expect("project folder");
    std::fs::write(
        folder.path().join("mcp-fa.yaml"),
        "project: typo\nfusionauth:\n  prot: 9011\n",
    )
    .expect("write");
    let mut command = crate::support::mcp_fa(&folder.path().join("state"), &["status"]);
    command.current_dir(folder.path());
    let status = Run::of(command);
    assert_eq!(status.code, 1, "{}", status.stderr);
    assert!(
        status.stderr.contains("mcp-fa.yaml is not valid") && status.stderr.contains("prot"),
        "names the file and the unknown key: {}",
        status.stderr
    );
}
