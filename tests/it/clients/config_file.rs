//! `--write-config` on real files: other entries kept, missing files created, broken files
//! refused and left untouched.

use mcp_fa::clients::{ConfigChange, ConfigFileError, merge_server_entry};
use serde_json::{Value, json};

fn read(path: &std::path::Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("read")).expect("json")
}

#[test]
fn an_existing_config_keeps_every_other_server_and_its_key_order() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("claude_desktop_config.json");
    let original = "{\n  \"mcpServers\": {\n    \"zeta\": {\"command\": \"z\"},\n    \"alpha\": {\"command\": \"a\"}\n  },\n  \"theme\": \"dark\"\n}\n";
    std::fs::write(&path, original).expect("write");
    let entry = json!({"command": "npx", "args": ["-y", "mcp-remote@0.15.1"]});
    let change = merge_server_entry(&path, "mcpServers", "fusionauth-mcp", &entry).expect("merge");
    let ConfigChange::Added { backup, .. } = &change else {
        panic!("{change:?}")
    };
    assert_eq!(
        std::fs::read_to_string(backup).expect("backup"),
        original,
        "the backup is the old file"
    );
    let merged = read(&path);
    let names: Vec<&String> = merged["mcpServers"]
        .as_object()
        .expect("servers")
        .keys()
        .collect();
    assert_eq!(
        names,
        ["zeta", "alpha", "fusionauth-mcp"],
        "order kept, ours appended"
    );
    assert_eq!(merged["theme"], "dark");
    assert_eq!(merged["mcpServers"]["fusionauth-mcp"], entry);
    // The same again changes nothing; a different entry replaces ours and backs up again.
    assert!(matches!(
        merge_server_entry(&path, "mcpServers", "fusionauth-mcp", &entry).expect("again"),
        ConfigChange::Unchanged { .. }
    ));
    let newer = json!({"command": "npx", "args": ["-y", "mcp-remote@0.15.2"]});
    let change =
        merge_server_entry(&path, "mcpServers", "fusionauth-mcp", &newer).expect("replace");
    let ConfigChange::Replaced { backup: second, .. } = change else {
        panic!("replace")
    };
    assert_ne!(&second, backup, "an earlier backup is never overwritten");
    assert_eq!(read(&path)["mcpServers"]["alpha"], json!({"command": "a"}));
}

#[test]
fn a_missing_config_is_created_with_its_folder() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join(".vscode/mcp.json");
    let entry = json!({"type": "http", "url": "http://localhost:8000/mcp"});
    let change = merge_server_entry(&path, "servers", "fusionauth-mcp", &entry).expect("create");
    assert_eq!(change, ConfigChange::Created { path: path.clone() });
    assert_eq!(read(&path), json!({"servers": {"fusionauth-mcp": entry}}));
}

#[test]
fn a_broken_config_is_refused_and_left_byte_for_byte_as_it_was() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("mcp.json");
    let broken =
        "{ \"mcpServers\": { \"a\": {\"command\": \"a\"}, } // trailing comma and comment\n";
    std::fs::write(&path, broken).expect("write");
    let err = merge_server_entry(&path, "mcpServers", "x", &json!({})).expect_err("refused");
    assert!(matches!(err, ConfigFileError::Unparseable { .. }));
    assert!(err.to_string().contains("nothing was changed"), "{err}");
    assert_eq!(std::fs::read_to_string(&path).expect("read"), broken);
    let files: Vec<_> = std::fs::read_dir(dir.path()).expect("dir").collect();
    assert_eq!(files.len(), 1, "no backup or temp file left behind");

    std::fs::write(&path, "[1, 2]").expect("write");
    let err = merge_server_entry(&path, "mcpServers", "x", &json!({})).expect_err("not an object");
    assert!(matches!(err, ConfigFileError::UnexpectedShape { .. }));
    std::fs::write(&path, "{\"mcpServers\": []}").expect("write");
    assert!(merge_server_entry(&path, "mcpServers", "x", &json!({})).is_err());
}
