//! `mcp-fa doctor` on a remote project: a good setup passes, and each misconfiguration an
//! existing FusionAuth can have is named with what to change: several tenants and none named, a
//! wrong issuer, an HMAC signing key (fixed with `--yes`), a key without a permission mcp-fa
//! needs, a FusionAuth too old, and an MCP server protected by another tenant.

use fusionauth_sim::SimConfig;
use serde_json::{Value, json};

use super::setup::{Remote, free_port};
use crate::support::tenants::call;
use mcp_fa::server::{ServeConfig, ServerHandle};

/// The first JSON document doctor printed (a failure adds the error envelope after it).
fn report(stdout: &str) -> Value {
    serde_json::Deserializer::from_str(stdout)
        .into_iter::<Value>()
        .next()
        .expect("a document")
        .unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"))
}

/// The finding named `name`.
fn finding(report: &Value, name: &str) -> Value {
    report["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .find(|c| c["name"] == json!(name))
        .unwrap_or_else(|| panic!("no {name} finding: {report:#}"))
        .clone()
}

fn text(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_owned()
}

impl Remote {
    async fn doctor(&self, key: &str, tenant: Option<&str>, extra: &[&str]) -> (i32, Value) {
        let mut args = vec!["doctor", "--json", "--fusionauth-url", &self.fa.base];
        if let Some(tenant) = tenant {
            args.extend(["--tenant-id", tenant]);
        }
        args.extend(extra);
        let run = self.mcp_fa(Some(key), &args).await;
        (run.code, report(&run.stdout))
    }
}

/// The protected MCP server for `tenant`, at a loopback public URL.
async fn serve(remote: &Remote, tenant: &str) -> (ServerHandle, String) {
    let public = format!("http://127.0.0.1:{}", free_port());
    let mut config = ServeConfig::new(&remote.fa.base).expect("config");
    config.issuer = None;
    config.tenant_id = Some(tenant.to_owned());
    config.bind = public.trim_start_matches("http://").parse().expect("addr");
    config.public_url = Some(url::Url::parse(&public).expect("url"));
    let server = mcp_fa::server::start(config).await.expect("server starts");
    (server, public)
}

#[tokio::test]
async fn a_good_setup_passes_and_the_server_must_name_this_tenants_issuer() {
    let remote = Remote::start().await;
    let second = remote.fa.second.id.clone();
    let (server, public) = serve(&remote, &second).await;
    let (code, good) = remote
        .doctor(
            &remote.fa.global_key,
            Some(&second),
            &["--public-url", &public],
        )
        .await;
    assert_eq!(code, 0, "{good:#}");
    for name in [
        "FusionAuth",
        "API key permissions",
        "Tenant",
        "Issuer",
        "Signing key",
        "FusionAuth version",
        "MCP server",
    ] {
        assert_eq!(finding(&good, name)["verdict"], json!("ok"), "{good:#}");
    }
    assert!(
        text(&finding(&good, "Issuer")["detail"])
            .contains(&format!("/.well-known/openid-configuration/{second}")),
        "the second tenant's issuer is found by path insertion: {good:#}"
    );
    assert_eq!(finding(&good, "License")["verdict"], json!("info"));
    assert!(good.to_string().find(&remote.fa.global_key).is_none());

    // The same server, checked for the first tenant: it protects another issuer.
    let (code, other) = remote
        .doctor(
            &remote.fa.global_key,
            Some(&remote.fa.first.id),
            &["--public-url", &public],
        )
        .await;
    assert_ne!(code, 0);
    let mcp = finding(&other, "MCP server");
    assert_eq!(mcp["verdict"], json!("fail"), "{other:#}");
    assert!(
        text(&mcp["detail"]).contains(&remote.fa.first.issuer),
        "{mcp}"
    );
    assert!(text(&mcp["fix"]).contains("mcp-fa serve"), "{mcp}");
    server.shutdown().await.expect("stopped");

    // Nothing there now: a warning saying how to deploy it, not a failure.
    let (_, gone) = remote
        .doctor(
            &remote.fa.global_key,
            Some(&second),
            &["--public-url", &public],
        )
        .await;
    let mcp = finding(&gone, "MCP server");
    assert_eq!(mcp["verdict"], json!("warn"), "{gone:#}");
    assert!(text(&mcp["fix"]).contains("--tenant-id"), "{mcp}");
}

#[tokio::test]
async fn several_tenants_a_wrong_issuer_and_a_missing_permission_are_named() {
    let remote = Remote::start().await;
    let second = remote.fa.second.id.clone();

    let (code, unnamed) = remote.doctor(&remote.fa.global_key, None, &[]).await;
    assert_ne!(code, 0);
    let tenant = finding(&unnamed, "Tenant");
    assert_eq!(tenant["verdict"], json!("fail"));
    assert!(
        text(&tenant["detail"]).contains(&second)
            && text(&tenant["detail"]).contains(&remote.fa.first.id),
        "{tenant}"
    );
    assert!(text(&tenant["fix"]).contains("--tenant-id"), "{tenant}");

    // A trailing slash, then FusionAuth's default: both wrong, each said so.
    for (issuer, said) in [
        (format!("{}/", remote.fa.base), "trailing slash"),
        ("acme.com".to_owned(), "not a URL"),
    ] {
        let (status, answer, _) = call(
            &remote.fa.base,
            &remote.fa.global_key,
            None,
            "PATCH",
            &format!("/api/tenant/{second}"),
            Some(json!({"tenant": {"issuer": issuer}})),
        )
        .await;
        assert_eq!(status, 200, "{answer}");
        let (code, wrong) = remote
            .doctor(&remote.fa.global_key, Some(&second), &[])
            .await;
        assert_ne!(code, 0);
        let found = finding(&wrong, "Issuer");
        assert_eq!(found["verdict"], json!("fail"), "{wrong:#}");
        assert!(text(&found["detail"]).contains(said), "{found}");
        assert!(
            text(&found["fix"]).contains(&format!("exactly {}", remote.fa.base)),
            "{found}"
        );
    }

    // A key that may only read.
    let (code, reader) = remote
        .doctor(&remote.fa.reader_key, Some(&remote.fa.first.id), &[])
        .await;
    assert_ne!(code, 0);
    let permissions = finding(&reader, "API key permissions");
    assert_eq!(permissions["verdict"], json!("fail"), "{reader:#}");
    let detail = text(&permissions["detail"]);
    assert!(
        detail.contains("POST /api/application for `clients add`")
            && detail.contains("DELETE /api/application"),
        "{detail}"
    );
    assert!(
        text(&permissions["fix"]).contains("/api/application: POST, DELETE"),
        "{permissions}"
    );

    // A key limited to a tenant: what it can never read is said, not failed.
    let (_, limited) = remote.doctor(&remote.fa.tenant_key, None, &[]).await;
    let license = finding(&limited, "License");
    assert_eq!(license["verdict"], json!("warn"));
    assert!(
        text(&license["detail"]).contains("global endpoint"),
        "{license}"
    );
    assert_eq!(finding(&limited, "Tenant")["verdict"], json!("ok"));
}

#[tokio::test]
async fn an_hmac_signing_key_is_named_and_fixed_with_yes() {
    let remote = Remote::start().await;
    let third = uuid::Uuid::new_v4().to_string();
    let (status, created, _) = call(
        &remote.fa.base,
        &remote.fa.global_key,
        None,
        "POST",
        &format!("/api/tenant/{third}"),
        Some(json!({"tenant": {"name": "Third", "issuer": format!("{}/{third}", remote.fa.base)}})),
    )
    .await;
    assert_eq!(status, 200, "{created}");
    let (code, hmac) = remote
        .doctor(&remote.fa.global_key, Some(&third), &[])
        .await;
    assert_ne!(code, 0);
    let key = finding(&hmac, "Signing key");
    assert_eq!(key["verdict"], json!("fail"), "{hmac:#}");
    assert!(text(&key["detail"]).contains("HS256"), "{key}");
    assert!(text(&key["fix"]).contains("mcp-fa doctor --yes"), "{key}");
    assert_eq!(hmac["fixes"][0]["kind"], json!("signingKey"));

    let (_, fixed) = remote
        .doctor(&remote.fa.global_key, Some(&third), &["--yes"])
        .await;
    assert!(
        fixed["fixed"][0]
            .as_str()
            .is_some_and(|f| f.contains("RS256")),
        "{fixed:#}"
    );
    assert_eq!(
        finding(&fixed, "Signing key")["verdict"],
        json!("ok"),
        "{fixed:#}"
    );
    let (_, tenant, _) = call(
        &remote.fa.base,
        &remote.fa.global_key,
        None,
        "GET",
        &format!("/api/tenant/{third}"),
        None,
    )
    .await;
    let key_id = tenant["tenant"]["jwtConfiguration"]["accessTokenKeyId"]
        .as_str()
        .expect("key id")
        .to_owned();
    assert_eq!(
        tenant["tenant"]["jwtConfiguration"]["idTokenKeyId"],
        json!(key_id)
    );
    let (_, key, _) = call(
        &remote.fa.base,
        &remote.fa.global_key,
        None,
        "GET",
        &format!("/api/key/{key_id}"),
        None,
    )
    .await;
    assert_eq!(key["key"]["algorithm"], json!("RS256"));
}

#[tokio::test]
async fn a_fusionauth_before_resource_indicators_fails_and_before_iss_warns() {
    for (version, verdict, said) in [("1.66.0", "fail", "1.67"), ("1.68.2", "warn", "iss")] {
        let remote = Remote::with_config(SimConfig {
            version: version.to_owned(),
            ..SimConfig::for_tests()
        })
        .await;
        let (_, old) = remote
            .doctor(&remote.fa.global_key, Some(&remote.fa.second.id), &[])
            .await;
        let found = finding(&old, "FusionAuth version");
        assert_eq!(found["verdict"], json!(verdict), "{old:#}");
        assert!(
            text(&found["detail"]).contains(version) && text(&found["detail"]).contains(said),
            "{found}"
        );
        assert!(text(&found["fix"]).contains("upgrade"), "{found}");
    }
}
