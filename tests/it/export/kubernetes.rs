//! `mcp-fa export kubernetes`, validated offline: the manifests against the Kubernetes schemas
//! (kubernetes-validate, strict: no unknown field), the Helm values against the keys FusionAuth's
//! chart documents, and the Secret referenced everywhere, never inlined. No Docker needed.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::support::export::kubernetes_validate;

/// The keys of FusionAuth's Helm chart the exported values may set, with their types: from
/// the chart's `values.yaml` and `values.schema.json` at chart version 1.68.0
/// (github.com/FusionAuth/charts, `chart/`). `object`/`array` keys are free-form there (the
/// chart passes them to Kubernetes as they are): the test validates those against the
/// Kubernetes schemas instead.
const CHART_KEYS: &[(&str, &str)] = &[
    ("replicaCount", "integer"),
    ("fullnameOverride", "string"),
    ("nameOverride", "string"),
    ("image.repository", "string"),
    ("image.tag", "string"),
    ("image.pullPolicy", "string"),
    ("database.url", "string"),
    ("database.host", "string"),
    ("database.port", "integer"),
    ("database.protocol", "string"),
    ("database.tls", "boolean"),
    ("database.tlsMode", "string"),
    ("database.name", "string"),
    ("database.dbUser.username", "string"),
    ("database.dbUser.password", "string"),
    ("database.dbUser.existingSecret.enabled", "boolean"),
    ("database.dbUser.existingSecret.name", "string"),
    ("database.dbUser.existingSecret.passwordKey", "string"),
    ("database.rootUser.username", "string"),
    ("database.rootUser.password", "string"),
    ("database.rootUser.existingSecret.enabled", "boolean"),
    ("database.rootUser.existingSecret.name", "string"),
    ("database.rootUser.existingSecret.passwordKey", "string"),
    ("search.engine", "string"),
    ("search.host", "string"),
    ("search.port", "integer"),
    ("search.protocol", "string"),
    ("app.memory", "string"),
    ("app.runtimeMode", "string"),
    ("app.silentMode", "boolean"),
    ("environment", "array"),
    ("kickstart.enabled", "boolean"),
    ("kickstart.file", "string"),
    ("kickstart.data", "object"),
    ("resources", "object"),
];

/// Values the chart's schema constrains to a list.
const CHART_ENUMS: &[(&str, &[&str])] = &[
    ("app.runtimeMode", &["development", "production"]),
    ("search.engine", &["elasticsearch", "database"]),
    ("database.protocol", &["postgresql", "mysql"]),
];

/// Variables the chart sets itself and refuses in `environment` (its `_helpers.tpl`).
const CHART_MANAGED_ENV: &[&str] = &[
    "DATABASE_USERNAME",
    "DATABASE_PASSWORD",
    "DATABASE_ROOT_USERNAME",
    "DATABASE_ROOT_PASSWORD",
    "DATABASE_URL",
    "SEARCH_TYPE",
    "SEARCH_USERNAME",
    "SEARCH_PASSWORD",
    "SEARCH_SERVERS",
    "FUSIONAUTH_APP_MEMORY",
    "FUSIONAUTH_APP_RUNTIME_MODE",
    "FUSIONAUTH_APP_SILENT_MODE",
    "FUSIONAUTH_APP_KICKSTART_FILE",
];

fn type_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Every set value's key path is a documented key of the right type.
fn check_chart_keys(values: &Value, prefix: &str, problems: &mut Vec<String>) {
    let Some(object) = values.as_object() else {
        return;
    };
    for (key, value) in object {
        let path = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match CHART_KEYS
            .iter()
            .find(|(documented, _)| *documented == path)
        {
            Some((_, expected)) if *expected == type_of(value) => {}
            Some((_, expected)) => {
                problems.push(format!("{path} is {} not {expected}", type_of(value)))
            }
            None if value.is_object() => check_chart_keys(value, &path, problems),
            None => problems.push(format!("{path} is not a documented chart value")),
        }
    }
}

fn validate(validator: &Path, files: &[PathBuf]) {
    let out = Command::new(validator)
        .args(["--strict", "-k", "1.33.0"])
        .args(files)
        .stdin(Stdio::null())
        .output()
        .expect("run kubernetes-validate");
    assert!(
        out.status.success(),
        "kubernetes-validate refused {files:?}:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn documents(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .expect("manifest")
        .split("\n---\n")
        .map(|document| yaml_serde::from_str(document).expect(document))
        .collect()
}

#[test]
fn the_kubernetes_export_validates_against_the_schemas_and_the_charts_keys() {
    let Some(validator) = kubernetes_validate() else {
        return;
    };
    let work = tempfile::tempdir().expect("dir");
    let state = tempfile::tempdir().expect("state dir");
    // A project never brought up: its project file, with clients and a license, is exported.
    std::fs::write(
        work.path().join("mcp-fa.yaml"),
        "project: k8s-export\nfusionauth:\n  image: fusionauth/fusionauth-app:1.69.3\n  port: 19011\n  \
         license-env: K8S_TEST_LICENSE\nmcp:\n  port: 18000\nclients:\n  - claude-code\n  - cursor\n",
    )
    .expect("project file");
    let license = "license-sentinel-0123456789";
    let out = Command::new(env!("CARGO_BIN_EXE_mcp-fa"))
        .args([
            "export",
            "kubernetes",
            "--json",
            "-o",
            "k8s",
            "--image",
            "registry.example.com/mcp-fa:9.9.9",
        ])
        .current_dir(work.path())
        .env("MCP_FA_STATE_DIR", state.path())
        .env("K8S_TEST_LICENSE", license)
        .env_remove("MCP_FA_PROJECT")
        .env_remove("MCP_FA_KICKSTART_TEMPLATE")
        .stdin(Stdio::null())
        .output()
        .expect("run mcp-fa");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_str(&stdout).expect("JSON report");
    assert_eq!(report["imageOrigin"], "given");
    let dir = work.path().join("k8s");

    validate(
        &validator,
        &[dir.join("mcp-server.yaml"), dir.join("postgresql.yaml")],
    );

    let manifests = documents(&dir.join("mcp-server.yaml"));
    let kind = |kind: &str| {
        manifests
            .iter()
            .find(|m| m["kind"] == kind)
            .unwrap_or_else(|| panic!("a {kind}"))
            .clone()
    };
    let deployment = kind("Deployment");
    assert!(deployment["spec"]["replicas"].as_u64().expect("replicas") >= 2);
    let container = &deployment["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(container["image"], "registry.example.com/mcp-fa:9.9.9");
    for probe in ["readinessProbe", "livenessProbe"] {
        assert_eq!(container[probe]["httpGet"]["path"], "/healthz", "{probe}");
    }
    assert_eq!(container["resources"]["requests"]["memory"], "32Mi");
    assert_eq!(container["resources"]["limits"]["memory"], "128Mi");
    assert_eq!(
        deployment["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"],
        true
    );
    assert_eq!(kind("HorizontalPodAutoscaler")["spec"]["minReplicas"], 2);
    assert_eq!(kind("PodDisruptionBudget")["spec"]["minAvailable"], 1);
    let config = kind("ConfigMap");
    assert_eq!(
        config["data"]["MCP_FA_SCOPES"], "custom",
        "licensed: the custom scope"
    );
    assert_eq!(
        config["data"]["MCP_FA_FUSIONAUTH_URL"],
        "http://fusionauth:9011"
    );
    assert_eq!(kind("Service")["spec"]["ports"][0]["port"], 8000);
    let policy = kind("NetworkPolicy");
    let egress = policy["spec"]["egress"].as_array().expect("egress rules");
    assert_eq!(
        egress[0]["to"][0]["podSelector"]["matchLabels"]["app.kubernetes.io/name"],
        "fusionauth"
    );
    assert!(
        egress[1..].iter().all(|rule| rule["ports"]
            .as_array()
            .expect("ports")
            .iter()
            .all(|port| port["port"] == 53)),
        "besides FusionAuth only DNS: {egress:?}"
    );

    let values: Value = yaml_serde::from_str(
        &std::fs::read_to_string(dir.join("fusionauth-values.yaml")).expect("values"),
    )
    .expect("values are YAML");
    let mut problems = Vec::new();
    check_chart_keys(&values, "", &mut problems);
    assert!(problems.is_empty(), "{problems:#?}");
    for (path, allowed) in CHART_ENUMS {
        let value = path
            .split('.')
            .fold(&values, |value, key| &value[key])
            .as_str()
            .unwrap_or_else(|| panic!("{path} is set"));
        assert!(allowed.contains(&value), "{path}: {value}");
    }
    assert_eq!(values["search"]["engine"], "database");
    assert_eq!(values["image"]["tag"], "1.69.3");
    let environment = values["environment"].as_array().expect("environment");
    for variable in environment {
        let name = variable["name"].as_str().expect("name");
        assert!(
            !CHART_MANAGED_ENV.contains(&name),
            "the chart refuses {name}"
        );
    }
    // The free-form values are what Kubernetes gets: a pod with them must validate.
    let pod = serde_json::json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "fusionauth-values-check"},
        "spec": {"containers": [{
            "name": "fusionauth",
            "image": "fusionauth/fusionauth-app:1.69.3",
            "env": environment,
            "resources": values["resources"],
        }]},
    });
    let pod_file = work.path().join("pod.yaml");
    std::fs::write(&pod_file, yaml_serde::to_string(&pod).expect("YAML")).expect("write");
    validate(&validator, &[pod_file]);

    let kickstart: Value = serde_json::from_str(
        values["kickstart"]["data"]["kickstart.json"]
            .as_str()
            .expect("file"),
    )
    .expect("the kickstart is JSON");
    assert_eq!(kickstart["licenseId"], "#{ENV.FUSIONAUTH_LICENSE_ID}");
    let applications = kickstart["requests"]
        .as_array()
        .expect("requests")
        .iter()
        .filter(|r| r["body"]["application"].is_object())
        .count();
    assert_eq!(applications, 2, "claude-code and cursor");

    // Every secretKeyRef names a key of the Secret created from secrets.env, whose values
    // appear nowhere else.
    let secrets: Vec<(String, String)> = std::fs::read_to_string(dir.join("secrets.env"))
        .expect("secrets.env")
        .lines()
        .filter(|line| !line.starts_with('#') && line.contains('='))
        .map(|line| {
            let (name, value) = line.split_once('=').expect("NAME=value");
            (name.to_owned(), value.to_owned())
        })
        .collect();
    assert!(
        secrets
            .iter()
            .any(|(name, value)| name == "FUSIONAUTH_LICENSE_ID" && value == license)
    );
    let mut all_text = String::new();
    for file in [
        "fusionauth-values.yaml",
        "mcp-server.yaml",
        "postgresql.yaml",
        "README.md",
        "secrets.env.example",
    ] {
        let text = std::fs::read_to_string(dir.join(file)).expect(file);
        for (name, value) in &secrets {
            assert!(
                !text.contains(value.as_str()),
                "{name}'s value is in {file}"
            );
        }
        all_text.push_str(&text);
    }
    for (name, value) in &secrets {
        assert!(
            !stdout.contains(value.as_str()),
            "{name}'s value is on stdout"
        );
    }
    let mut referenced = 0;
    for line in all_text.lines() {
        let line = line.trim();
        if let Some(key) = line
            .strip_prefix("key: ")
            .or_else(|| line.strip_prefix("passwordKey: "))
        {
            assert!(
                secrets.iter().any(|(name, _)| name == key),
                "{key} in secrets.env"
            );
            referenced += 1;
        }
    }
    assert!(referenced >= 4, "the Secret is referenced: {referenced}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.join("secrets.env"))
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
