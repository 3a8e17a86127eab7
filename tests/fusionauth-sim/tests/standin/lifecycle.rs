//! How the stand-in boots, runs kickstart and keeps its data: the parts of FusionAuth that a
//! tool which trusts `/api/status` alone gets wrong.

use std::time::Duration;

use crate::support;
use crate::support::{Api, Options, kickstart, random_api_key, start_with_kickstart};
use fusionauth_sim::database::DatabaseRole;
use fusionauth_sim::{KickstartOutcome, RunningSim, SimConfig};
use serde_json::json;

async fn status(base: &str) -> (u16, String) {
    let r = reqwest::get(format!("{base}/api/status"))
        .await
        .expect("status");
    let ct = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    (r.status().as_u16(), ct)
}

#[tokio::test]
async fn status_is_not_json_while_booting_and_kickstart_starts_only_after_ready() {
    let api_key = random_api_key();
    let doc = kickstart(&Options::default(), &api_key, "http://localhost:9011");
    let config = SimConfig {
        boot_delay: Duration::from_millis(800),
        kickstart_delay: Duration::from_millis(700),
        api_key_delay: Duration::ZERO,
        ..SimConfig::for_tests()
    };
    let (sim, _dir) = start_with_kickstart(&doc, config).await;
    let base = sim.url();
    let mut seen = vec![];
    let ready_at = loop {
        let (code, ct) = status(&base).await;
        seen.push((code, ct.starts_with("application/json")));
        if code == 200 && ct.starts_with("application/json") {
            break std::time::Instant::now();
        }
        tokio::time::sleep(Duration::from_millis(40)).await;
    };
    assert!(seen.contains(&(503, false)), "503 first: {seen:?}");
    assert!(
        seen.contains(&(200, false)),
        "then 200 with HTML (maintenance mode): {seen:?}"
    );
    // Status is ready, kickstart has not run: its API key is unknown.
    let api = Api::new(&base, &api_key);
    assert_eq!(
        api.get("/api/tenant").await.0,
        401,
        "trusting /api/status alone races kickstart"
    );
    assert_eq!(
        sim.kickstart_finished().await,
        KickstartOutcome::Completed { requests: 5 }
    );
    assert!(ready_at.elapsed() >= Duration::from_millis(500));
    assert_eq!(api.get("/api/tenant").await.0, 200);
    let logs = sim.logs().join("\n");
    assert!(logs.contains("Summary:"), "{logs}");
    assert!(
        logs.contains("Completed [POST] request to [/api/application/"),
        "{logs}"
    );
}

#[tokio::test]
async fn kickstart_stops_at_the_first_failed_request_and_logs_it() {
    let api_key = random_api_key();
    let mut doc = kickstart(&Options::default(), &api_key, "http://localhost:9011");
    // A ThirdParty app without a license fails; the registration after it must never run.
    doc["requests"][3]["body"]["application"]["oauthConfiguration"]["relationship"] =
        json!("ThirdParty");
    let (sim, _dir) = start_with_kickstart(&doc, SimConfig::for_tests()).await;
    let outcome = sim.kickstart_finished().await;
    let KickstartOutcome::Failed {
        method,
        url,
        status,
    } = &outcome
    else {
        panic!("expected a failure, got {outcome:?}");
    };
    assert_eq!((method.as_str(), *status), ("POST", 400));
    let logs = sim.logs().join("\n");
    assert!(
        logs.contains(&format!(
            "Failed to execute request to [POST][{url}] Status [400]"
        )),
        "{logs}"
    );
    // Three parts: the request line, the request as sent (secrets and all), FusionAuth's answer
    // as a record of its own; each JSON document spans several lines.
    let failed = logs
        .find("Failed to execute request to")
        .expect("request line");
    let rest = &logs[failed..];
    let body_at = rest.find("\nRequest body:\n{\n").expect("the body follows");
    let answer_at = rest
        .find("- Error response:\n{\n")
        .expect("then the answer");
    assert!(body_at < answer_at, "{logs}");
    assert!(
        rest[body_at..answer_at].contains("\"ThirdParty\""),
        "the request as sent: {logs}"
    );
    assert!(
        rest[answer_at..].contains("\"code\": \"[notLicensed]"),
        "FusionAuth's error document: {logs}"
    );
    assert!(!logs.contains("Response body"), "{logs}");
    assert!(!logs.contains("Summary:"));
    let api = Api::new(&sim.url(), &api_key);
    support::wait_for_key(&api).await;
    let (_, user) = api
        .get(&format!("/api/user?email={}", support::DEMO_EMAIL))
        .await;
    assert_eq!(
        user["user"]["registrations"],
        json!([]),
        "requests after the failure never ran"
    );
}

#[tokio::test]
async fn a_license_that_cannot_be_activated_ends_kickstart_before_any_request() {
    let api_key = random_api_key();
    let mut doc = kickstart(&Options::default(), &api_key, "http://localhost:9011");
    doc["licenseId"] = json!("not a license");
    let (sim, _dir) = start_with_kickstart(&doc, SimConfig::for_tests()).await;
    assert!(
        matches!(
            sim.kickstart_finished().await,
            KickstartOutcome::Aborted { .. }
        ),
        "{:?}",
        sim.kickstart_outcome()
    );
    let logs = sim.logs().join("\n");
    assert!(logs.contains("Failed to complete kickstart."), "{logs}");
    assert!(!logs.contains("Failed to execute request"), "{logs}");
    // The first API key was created before the activation; no request ran.
    let api = Api::new(&sim.url(), &api_key);
    support::wait_for_key(&api).await;
    let (_, user) = api
        .get(&format!("/api/user?email={}", support::DEMO_EMAIL))
        .await;
    assert!(user.get("user").is_none(), "no request ran: {user}");
    assert_eq!(api.get("/api/reactor").await.1["status"]["licensed"], false);
}

#[tokio::test]
async fn kickstart_substitutes_variables_env_and_builtins_and_refuses_undefined_ones() {
    let api_key = random_api_key();
    let doc = json!({
        "variables": {"appId": "#{UUID()}", "appName": "from-#{ENV.MCP_FA_TEST_NAME}"},
        "apiKeys": [{"key": api_key}],
        "requests": [
            {"method": "POST", "url": "/api/application/#{appId}", "body": {"application": {"name": "#{appName}", "tenantId": "#{FUSIONAUTH_TENANT_ID}"}}},
            {"method": "PATCH", "url": "/api/tenant/#{FUSIONAUTH_TENANT_ID}", "body": {"tenant": {"jwtConfiguration": {"idTokenKeyId": "#{FUSIONAUTH_DEFAULT_SIGNING_KEY_ID}"}}}}
        ]
    });
    let mut config = SimConfig::for_tests();
    config.env.insert("MCP_FA_TEST_NAME".into(), "env".into());
    let (sim, _dir) = start_with_kickstart(&doc, config).await;
    assert_eq!(
        sim.kickstart_finished().await,
        KickstartOutcome::Completed { requests: 2 }
    );
    let api = Api::new(&sim.url(), &api_key);
    support::wait_for_key(&api).await;
    let (_, apps) = api
        .post(
            "/api/application/search",
            json!({"search": {"name": "from-env"}}),
        )
        .await;
    assert_eq!(apps["total"], 1);

    let bad = json!({"apiKeys": [{"key": random_api_key()}], "requests": [
        {"method": "POST", "url": "/api/application/#{nope}", "body": {"application": {"name": "x"}}}]});
    let (sim, _dir) = start_with_kickstart(&bad, SimConfig::for_tests()).await;
    let outcome = sim.kickstart_finished().await;
    assert!(
        matches!(&outcome, KickstartOutcome::Invalid(r) if r.contains("[nope]")),
        "{outcome:?}"
    );
}

#[tokio::test]
async fn kickstart_requires_a_global_first_key_and_posts_puts_or_patches_only() {
    let tenant_key = json!({"apiKeys": [{"key": random_api_key(), "tenantId": "#{FUSIONAUTH_TENANT_ID}"}], "requests": []});
    let (sim, _dir) = start_with_kickstart(&tenant_key, SimConfig::for_tests()).await;
    assert!(matches!(
        sim.kickstart_finished().await,
        KickstartOutcome::Invalid(_)
    ));
    let get = json!({"apiKeys": [{"key": random_api_key()}], "requests": [{"method": "GET", "url": "/api/tenant"}]});
    let (sim, _dir) = start_with_kickstart(&get, SimConfig::for_tests()).await;
    assert!(matches!(
        sim.kickstart_finished().await,
        KickstartOutcome::Invalid(_)
    ));
    let comments = tempfile::tempdir().expect("dir");
    let path = comments.path().join("kickstart.json");
    std::fs::write(&path, "{ // no comments in JSON\n \"apiKeys\": [] }").expect("write");
    let sim = RunningSim::start(SimConfig::for_tests().with_kickstart_file(&path))
        .await
        .expect("start");
    assert!(
        matches!(sim.kickstart_finished().await, KickstartOutcome::Invalid(r) if r.contains("comments"))
    );
}

#[tokio::test]
async fn data_lives_in_the_database_so_kickstart_runs_once_per_volume() {
    let data = tempfile::tempdir().expect("data dir");
    let role = DatabaseRole {
        listen: "127.0.0.1:0".parse().expect("addr"),
        data_dir: data.path().to_path_buf(),
        user: "postgres".into(),
        password: Some("db-secret".into()),
        trust: false,
    };
    let db = role.clone().bind().await.expect("db binds");
    let db_addr = db.addr();
    let (stop_db, stopped) = tokio::sync::oneshot::channel::<()>();
    let db_task = tokio::spawn(db.serve(async {
        let _ = stopped.await;
    }));
    let with_db = |password: &str| SimConfig {
        database_url: Some(format!("jdbc:postgresql://{db_addr}/fusionauth")),
        database_user: Some("postgres".into()),
        database_password: Some(password.into()),
        ..SimConfig::for_tests()
    };

    let first_key = random_api_key();
    let doc = kickstart(&Options::default(), &first_key, "http://localhost:9011");
    let (sim, _d1) = start_with_kickstart(&doc, with_db("db-secret")).await;
    assert!(matches!(
        sim.kickstart_finished().await,
        KickstartOutcome::Completed { .. }
    ));
    sim.stop().await;

    // Same database, a new FusionAuth with another kickstart key: kickstart is skipped.
    let second_key = random_api_key();
    let doc = kickstart(&Options::default(), &second_key, "http://localhost:9011");
    let (sim, _d2) = start_with_kickstart(&doc, with_db("db-secret")).await;
    assert_eq!(sim.kickstart_finished().await, KickstartOutcome::Skipped);
    assert!(sim.logs().join("\n").contains("Kickstart will not run"));
    let previous = Api::new(&sim.url(), &first_key);
    support::wait_for_key(&previous).await;
    assert_eq!(
        previous
            .get(&format!("/api/user?email={}", support::DEMO_EMAIL))
            .await
            .0,
        200
    );
    assert_eq!(
        Api::new(&sim.url(), &second_key).get("/api/tenant").await.0,
        401
    );
    sim.stop().await;

    // The wrong database password: FusionAuth cannot connect and says 452.
    let (sim, _d3) = start_with_kickstart(&doc, with_db("wrong")).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(status(&sim.url()).await.0, 452);
    sim.stop().await;

    // The database goes away under a running instance: 452 until it is back.
    let (sim, _d4) = start_with_kickstart(&doc, with_db("db-secret")).await;
    sim.kickstart_finished().await;
    let old = Api::new(&sim.url(), &first_key);
    support::wait_for_key(&old).await;
    assert_eq!(status(&sim.url()).await.0, 200);
    let _ = stop_db.send(());
    let _ = db_task.await;
    assert_eq!(status(&sim.url()).await.0, 452);
    // Back on the same address with the same data directory: healthy again, data intact.
    let db = DatabaseRole {
        listen: db_addr,
        ..role
    }
    .bind()
    .await
    .expect("db binds again");
    let (_stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(db.serve(async {
        let _ = stopped.await;
    }));
    assert_eq!(status(&sim.url()).await.0, 200);
    assert_eq!(
        old.get(&format!("/api/user?email={}", support::DEMO_EMAIL))
            .await
            .0,
        200
    );
}

#[tokio::test]
async fn the_database_role_refuses_to_start_without_a_password() {
    let data = tempfile::tempdir().expect("dir");
    let role = DatabaseRole {
        listen: "127.0.0.1:0".parse().expect("addr"),
        data_dir: data.path().to_path_buf(),
        user: "postgres".into(),
        password: None,
        trust: false,
    };
    let err = role.bind().await.err().expect("refused");
    assert!(err.contains("POSTGRES_PASSWORD"), "{err}");
}
