//! Messages that say what is true and what to run: usage errors exit 2, `--project` in every
//! suggested command, a Docker socket that refuses the user, every missing image at once, a
//! FusionAuth that does not answer, and no lock files left behind.

use crate::support::project::{Run, TestProject};
use crate::support::standin::Options;
use crate::support::state::StateFixture;

/// `mcp-fa ARGS` with `state_dir` and nothing else of a test project.
fn mcp_fa(state_dir: &std::path::Path, args: &[&str]) -> Run {
    Run::of(crate::support::mcp_fa(state_dir, args))
}

#[test]
fn a_question_without_a_terminal_is_a_usage_error() {
    let dir = tempfile::tempdir().expect("state dir");
    let add = mcp_fa(dir.path(), &["clients", "add", "--project", "usage"]);
    assert_eq!(add.code, 2, "{}", add.stderr);
    assert!(add.stderr.contains("Pass --kind"), "{}", add.stderr);
    let help = mcp_fa(dir.path(), &["status", "--help"]);
    assert!(
        help.stdout.contains("pretty") && help.stdout.contains("`text` works too"),
        "{}",
        help.stdout
    );
}

#[test]
fn a_command_on_a_project_without_state_leaves_no_lock_file() {
    let dir = tempfile::tempdir().expect("state dir");
    let list = mcp_fa(
        dir.path(),
        &["clients", "list", "--project", "nothing-here"],
    );
    assert_eq!(list.code, 1, "{}", list.stderr);
    assert!(
        list.stderr
            .contains("start one with `mcp-fa up --project nothing-here`"),
        "{}",
        list.stderr
    );
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .map(|entries| entries.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "nothing left behind: {left:?}");
}

#[tokio::test]
async fn clients_with_fusionauth_down_says_to_start_the_stack() {
    let stack = crate::support::stack(Options::default()).await;
    let dir = tempfile::tempdir().expect("state dir");
    StateFixture::new("down-fa", &stack).write(dir.path());
    // FusionAuth goes away; the state file still points at it.
    drop(stack);
    let list = tokio::task::spawn_blocking({
        let dir = dir.path().to_owned();
        move || mcp_fa(&dir, &["clients", "list", "--project", "down-fa"])
    })
    .await
    .expect("run");
    assert_eq!(list.code, 1, "{}", list.stderr);
    assert!(
        list.stderr.contains("does not answer")
            && list.stderr.contains("`mcp-fa up --project down-fa`"),
        "{}",
        list.stderr
    );
}

#[test]
fn every_missing_image_is_named_in_one_message() {
    let Some(mut project) = TestProject::with_docker("noimg") else {
        return;
    };
    project.images.fusionauth = "mcp-fa-test/no-such-fusionauth:1".into();
    project.images.postgres = "mcp-fa-test/no-such-postgres:1".into();
    let run = project.up(&[]);
    let message = run.assert_error("IMAGE_PULL_FAILED");
    assert_eq!(run.code, 5);
    for name in [
        "mcp-fa-test/no-such-fusionauth:1",
        "mcp-fa-test/no-such-postgres:1",
        "--fusionauth-image",
        "--postgres-image",
    ] {
        assert!(message.contains(name), "{name} in: {message}");
    }
    assert!(project.all_labelled().is_empty());
}

/// A user who is not in the `docker` group: the socket refuses them. Starting Docker would
/// not help, and the message must not say so.
#[test]
fn a_docker_socket_that_refuses_the_user_asks_for_the_docker_group() {
    use std::os::unix::process::CommandExt;
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 || !std::path::Path::new("/var/run/docker.sock").exists() {
        // Only root can run a command as another user; without a root-owned socket there is
        // nothing to refuse.
        println!("skipping: needs root and /var/run/docker.sock");
        return;
    }
    let dir = tempfile::tempdir().expect("state dir");
    let mut command = crate::support::mcp_fa(
        &dir.path().join("state"),
        &["status", "--project", "refused"],
    );
    command
        .env("HOME", dir.path())
        .env_remove("DOCKER_HOST")
        .env_remove("DOCKER_CONTEXT")
        .uid(65534)
        .gid(65534);
    // The state directory must be the nobody user's to write in.
    std::fs::set_permissions(
        dir.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o777),
    )
    .expect("chmod");
    let status = Run::of(command);
    assert_eq!(status.code, 3, "DOCKER_UNAVAILABLE: {}", status.stderr);
    assert!(
        status.stderr.contains("usermod -aG docker") && status.stderr.contains("docker.sock"),
        "{}",
        status.stderr
    );
    assert!(
        !status.stderr.contains("Start Docker with"),
        "{}",
        status.stderr
    );
}
