//! A bounded soak of the protected MCP server (in-process, against an in-process stand-in):
//! several registered clients, each logged in once and then living on refresh tokens that
//! expire every few seconds, call `get_name` and `whoami` from several tasks at once. Mid-run
//! one client is removed (hard delete): its refresh fails at once, and because the server
//! verifies tokens locally its calls keep working until its last access token expires (plus
//! the leeway), then every call is a 401. Nothing else may happen: any other status, a wrong
//! greeting, a 401 for a client that still exists, or memory that keeps growing fails the run.
//!
//! `MCP_FA_SOAK_SECS` sets the length (default 75 s). Memory is the process's, so the soak runs
//! in a process of its own (`support::isolated`), not beside the rest of the suite.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::support::browser::{Authorize, Pkce, login_and_exchange, refresh_grant};
use crate::support::isolated::run_alone;
use crate::support::server::{Answer, config, decode_part, serve, stateless_request, tool_text};
use crate::support::{
    Api, DEMO_EMAIL, DEMO_PASSWORD, Options, REDIRECT_URI, RESOURCE, mcp_application,
    stack_with_config, wait_for_key,
};
use serde_json::{Value, json};
use tokio::sync::Mutex;

const CLIENTS: usize = 4;
/// Between two calls of one task.
const PAUSE: Duration = Duration::from_millis(5);
const TASKS_PER_CLIENT: usize = 4;
/// The tenant's access-token lifetime: short, so every client refreshes many times.
const TOKEN_TTL_SECS: u64 = 6;
/// The server's tolerance on `exp`, as set in the test.
const LEEWAY: Duration = Duration::from_secs(2);
/// A token is refreshed this long before it expires, as a client with a clock would.
const REFRESH_MARGIN: Duration = Duration::from_millis(1500);
/// RSS may grow by this much between the end of the warm-up and the end of the run. Allocator
/// arenas and connection pools settle during the first seconds; after that a leak of even
/// 100 bytes per call (tens of thousands of calls) would exceed it, while ordinary allocator
/// churn stays far below.
const RSS_GROWTH_BOUND: u64 = 24 * 1024 * 1024;

fn soak_secs() -> u64 {
    std::env::var("MCP_FA_SOAK_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(75)
}

fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("time")
        .as_secs_f64()
}

/// One client's current tokens, shared by its tasks.
struct Tokens {
    access: String,
    refresh: String,
    /// `exp` of `access` (unix seconds).
    exp: i64,
    /// Set once a refresh was refused: the client is gone.
    refresh_refused: bool,
}

struct Client {
    index: usize,
    id: String,
    tokens: Mutex<Tokens>,
}

#[derive(Default)]
struct Counts {
    calls: AtomicU64,
    ok: AtomicU64,
    refreshes: AtomicU64,
    refused_refreshes: AtomicU64,
    /// 401s for the removed client, after its window closed.
    removed_401: AtomicU64,
    /// 200s for the removed client after its removal, inside the window.
    removed_ok_in_window: AtomicU64,
    /// get_name answered with a tool error because FusionAuth's userinfo refused the removed
    /// client's still-valid token.
    removed_userinfo_refused: AtomicU64,
}

struct Shared {
    server_url: String,
    issuer: String,
    http: reqwest::Client,
    counts: Counts,
    /// Unix time of the removal (f64 bits), 0 before.
    removed_at: AtomicU64,
    removed_index: usize,
    /// `exp` of the removed client's last token, known once its refresh is refused.
    unexpected: std::sync::Mutex<Vec<String>>,
}

impl Shared {
    fn removed_at(&self) -> Option<f64> {
        let bits = self.removed_at.load(Ordering::SeqCst);
        (bits != 0).then(|| f64::from_bits(bits))
    }

    fn unexpected(&self, what: String) {
        let mut list = self.unexpected.lock().unwrap();
        if list.len() < 20 {
            list.push(what);
        } else if list.len() == 20 {
            list.push("…".into());
        }
    }
}

/// One stateless `tools/call` (MCP 2026-07-28), on the shared connection pool.
async fn call(shared: &Shared, token: &str, name: &str) -> Result<Answer, String> {
    let (body, headers) = stateless_request("tools/call", Some(name));
    let mut request = shared
        .http
        .post(&shared.server_url)
        .header("accept", "application/json, text/event-stream")
        .bearer_auth(token)
        .json(&body);
    for (header, value) in headers {
        request = request.header(header, value);
    }
    let response = request
        .send()
        .await
        .map_err(|e| format!("{name}: no answer: {e}"))?;
    let status = response.status().as_u16();
    let challenge = response
        .headers()
        .get("www-authenticate")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let text = response
        .text()
        .await
        .map_err(|e| format!("{name}: body: {e}"))?;
    Ok(Answer {
        status,
        challenge,
        body: serde_json::from_str(&text).unwrap_or(Value::String(text)),
    })
}

/// The current access token, refreshed first when it is about to expire.
async fn current_token(shared: &Shared, client: &Client) -> (String, i64) {
    let mut tokens = client.tokens.lock().await;
    let expires_in = tokens.exp as f64 - unix_now();
    if !tokens.refresh_refused && expires_in < REFRESH_MARGIN.as_secs_f64() {
        let (status, body) = refresh_grant(&shared.issuer, &tokens.refresh, &client.id).await;
        if status == 200 {
            shared.counts.refreshes.fetch_add(1, Ordering::Relaxed);
            tokens.access = body["access_token"].as_str().expect("access token").into();
            if let Some(refresh) = body["refresh_token"].as_str() {
                tokens.refresh = refresh.into();
            }
            tokens.exp = decode_part(&tokens.access, 1)["exp"].as_i64().expect("exp");
        } else if client.index == shared.removed_index && shared.removed_at().is_some() {
            shared
                .counts
                .refused_refreshes
                .fetch_add(1, Ordering::Relaxed);
            tokens.refresh_refused = true;
        } else {
            shared.unexpected(format!(
                "client {}: refresh refused ({status}): {body}",
                client.index
            ));
        }
    }
    (tokens.access.clone(), tokens.exp)
}

/// Checks one answer; `started` and `finished` are the unix times the call was sent and
/// answered (an answer that arrives after the removal may reflect it).
fn judge(
    shared: &Shared,
    client: &Client,
    name: &str,
    exp: i64,
    (started, finished): (f64, f64),
    answer: &Answer,
) {
    let removed = client.index == shared.removed_index;
    let removed_at = shared.removed_at().filter(|at| removed && finished > *at);
    // The last moment this token can be accepted, and the first it must be refused (the
    // server compares whole seconds; a request in flight across the edge may go either way).
    let window_end = exp as f64 + LEEWAY.as_secs_f64();
    match answer.status {
        200 => {
            let text = tool_text(answer).unwrap_or_default();
            let good = match name {
                "get_name" => text == "Hello, Test User!",
                _ => serde_json::from_str::<Value>(&text)
                    .is_ok_and(|c| c["authenticated"] == true && c["client_id"] == client.id),
            };
            if removed_at.is_some() {
                if started > window_end + 1.0 {
                    shared.unexpected(format!(
                        "removed client: {name} answered 200 {:.1} s after its window closed",
                        started - window_end
                    ));
                    return;
                }
                if good {
                    shared
                        .counts
                        .removed_ok_in_window
                        .fetch_add(1, Ordering::Relaxed);
                    shared.counts.ok.fetch_add(1, Ordering::Relaxed);
                } else if name == "get_name" && text.contains("userinfo did not accept") {
                    // The token is still valid here, but FusionAuth no longer knows its client.
                    shared
                        .counts
                        .removed_userinfo_refused
                        .fetch_add(1, Ordering::Relaxed);
                } else {
                    shared.unexpected(format!("removed client, in its window: {name}: {text}"));
                }
                return;
            }
            if good {
                shared.counts.ok.fetch_add(1, Ordering::Relaxed);
            } else {
                shared.unexpected(format!("client {}: {name}: {text}", client.index));
            }
        }
        401 if removed_at.is_some() && finished >= window_end - 1.0 => {
            let invalid = answer
                .challenge
                .as_deref()
                .is_some_and(|c| c.starts_with("Bearer error=\"invalid_token\""));
            if invalid {
                shared.counts.removed_401.fetch_add(1, Ordering::Relaxed);
            } else {
                shared.unexpected(format!("401 without an invalid_token challenge: {answer:?}"));
            }
        }
        status => shared.unexpected(format!(
            "client {} (removed: {}): {name} answered {status} (token exp {exp}, sent at {started:.1}): {:?}",
            client.index,
            removed_at.is_some(),
            answer.body
        )),
    }
}

async fn caller(shared: Arc<Shared>, client: Arc<Client>, until: Instant) {
    let mut turn = 0usize;
    while Instant::now() < until {
        let name = if turn.is_multiple_of(2) {
            "get_name"
        } else {
            "whoami"
        };
        turn += 1;
        let (token, exp) = current_token(&shared, &client).await;
        let started = unix_now();
        shared.counts.calls.fetch_add(1, Ordering::Relaxed);
        match call(&shared, &token, name).await {
            Ok(answer) => judge(&shared, &client, name, exp, (started, unix_now()), &answer),
            Err(e) => shared.unexpected(format!("client {}: {e}", client.index)),
        }
        // A short pause: the load stays high without taking both cores of a CI machine that
        // runs the rest of the suite meanwhile.
        tokio::time::sleep(PAUSE).await;
    }
}

async fn log_in(issuer: &str, client_id: &str) -> Tokens {
    let pkce = Pkce::new();
    let authorize = Authorize::mcp(
        client_id,
        REDIRECT_URI,
        "openid profile offline_access",
        &pkce.challenge,
        RESOURCE,
    );
    let (status, body) = login_and_exchange(
        issuer,
        &authorize,
        &pkce.verifier,
        DEMO_EMAIL,
        DEMO_PASSWORD,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let access = body["access_token"]
        .as_str()
        .expect("access token")
        .to_owned();
    Tokens {
        exp: decode_part(&access, 1)["exp"].as_i64().expect("exp"),
        access,
        refresh: body["refresh_token"]
            .as_str()
            .unwrap_or_else(|| panic!("a refresh token: {body}"))
            .to_owned(),
        refresh_refused: false,
    }
}

#[test]
fn many_clients_through_expiry_refresh_and_a_removal_without_an_unexpected_error() {
    run_alone(
        module_path!(),
        "many_clients_through_expiry_refresh_and_a_removal_without_an_unexpected_error",
        soak,
    );
}

async fn soak() {
    let secs = soak_secs();
    let mut sim_config = fusionauth_sim::SimConfig::for_tests();
    // Keeping every exchange would grow memory by itself.
    sim_config.record_exchanges = false;
    let stack = stack_with_config(Options::default(), sim_config).await;
    let issuer = stack.sim.url();
    let api = Api::of(&stack);
    wait_for_key(&api).await;

    let (_, tenants) = api.get("/api/tenant").await;
    let tenant_id = tenants["tenants"][0]["id"].as_str().expect("tenant id");
    let (status, _) = api
        .patch(
            &format!("/api/tenant/{tenant_id}"),
            json!({"tenant": {"jwtConfiguration": {"timeToLiveInSeconds": TOKEN_TTL_SECS}}}),
        )
        .await;
    assert_eq!(status, 200);

    let mut ids = vec![stack.client_id.clone()];
    for n in 1..CLIENTS {
        let (status, body) = api
            .post(
                "/api/application",
                mcp_application(&format!("soak client {n}"), REDIRECT_URI),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        let id = body["application"]["id"].as_str().expect("id").to_owned();
        let (status, body) = api
            .post(
                &format!("/api/user/registration/{}", stack.user_id),
                json!({"registration": {"applicationId": id}}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        ids.push(id);
    }
    let mut clients = Vec::new();
    for (index, id) in ids.iter().enumerate() {
        let tokens = log_in(&issuer, id).await;
        let lifetime = tokens.exp as f64 - unix_now();
        assert!(
            lifetime <= TOKEN_TTL_SECS as f64 + 1.0,
            "the tenant's short lifetime applies: {lifetime} s"
        );
        clients.push(Arc::new(Client {
            index,
            id: id.clone(),
            tokens: Mutex::new(tokens),
        }));
    }

    let mut settings = config(&issuer);
    settings.leeway = LEEWAY;
    let server = serve(settings).await;
    let shared = Arc::new(Shared {
        server_url: server.local_endpoint(),
        issuer: issuer.clone(),
        http: reqwest::Client::builder()
            .pool_max_idle_per_host(CLIENTS * TASKS_PER_CLIENT)
            .timeout(Duration::from_secs(10))
            .build()
            .expect("client"),
        counts: Counts::default(),
        removed_at: AtomicU64::new(0),
        removed_index: CLIENTS - 1,
        unexpected: std::sync::Mutex::new(Vec::new()),
    });

    let begun = Instant::now();
    let until = begun + Duration::from_secs(secs);
    let mut tasks = Vec::new();
    for client in &clients {
        for _ in 0..TASKS_PER_CLIENT {
            tasks.push(tokio::spawn(caller(shared.clone(), client.clone(), until)));
        }
    }

    // Memory: sampled every second; the baseline is taken once warm-up is over.
    let warm_up = Duration::from_secs((secs / 5).clamp(5, 20));
    let remove_after = Duration::from_secs(secs * 2 / 5);
    let mut baseline = None;
    let mut peak = 0;
    let mut removed = false;
    while Instant::now() < until {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let rss = rss_bytes();
        peak = peak.max(rss);
        if baseline.is_none() && begun.elapsed() >= warm_up {
            baseline = Some(rss);
        }
        if !removed && begun.elapsed() >= remove_after {
            removed = true;
            let gone = &clients[shared.removed_index];
            shared
                .removed_at
                .store(unix_now().to_bits(), Ordering::SeqCst);
            let (status, body) = api
                .delete(&format!("/api/application/{}?hardDelete=true", gone.id))
                .await;
            assert_eq!(status, 200, "{body}");
        }
    }
    for task in tasks {
        task.await.expect("a caller task panicked");
    }
    let end_rss = rss_bytes();
    peak = peak.max(end_rss);
    let baseline = baseline.expect("a baseline after warm-up");

    let counts = &shared.counts;
    let calls = counts.calls.load(Ordering::Relaxed);
    let removed_401 = counts.removed_401.load(Ordering::Relaxed);
    let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
    eprintln!(
        "soak: {secs} s, {CLIENTS} clients x {TASKS_PER_CLIENT} tasks, token TTL {TOKEN_TTL_SECS} s, \
         leeway {LEEWAY:?}: {calls} calls ({:.0}/s), {} answered as expected with 200, {} \
         refreshes, removed client: {} refresh refused, {} calls accepted inside its window, {} \
         get_name answered 'userinfo refused' inside it, {removed_401} 401s after it; RSS \
         {:.1} MiB after warm-up, {:.1} MiB at the end, peak {:.1} MiB",
        calls as f64 / secs as f64,
        counts.ok.load(Ordering::Relaxed),
        counts.refreshes.load(Ordering::Relaxed),
        counts.refused_refreshes.load(Ordering::Relaxed),
        counts.removed_ok_in_window.load(Ordering::Relaxed),
        counts.removed_userinfo_refused.load(Ordering::Relaxed),
        mib(baseline),
        mib(end_rss),
        mib(peak),
    );
    let unexpected = shared.unexpected.lock().unwrap().clone();
    assert!(
        unexpected.is_empty(),
        "unexpected answers:\n{}",
        unexpected.join("\n")
    );
    assert!(calls > 0);
    assert!(
        counts.refreshes.load(Ordering::Relaxed) >= CLIENTS as u64,
        "every client refreshed"
    );
    assert_eq!(
        counts.refused_refreshes.load(Ordering::Relaxed),
        1,
        "the removed client's refresh was refused"
    );
    assert!(removed_401 > 0, "the removed client's calls ended in 401s");
    // Tokens are verified locally: the removed client's last token works until it expires
    // (plus the leeway). If the server ever learns of removals, this changes on purpose.
    assert!(
        counts.removed_ok_in_window.load(Ordering::Relaxed) > 0,
        "the removed client's unexpired token was still accepted for a bounded window"
    );
    assert!(
        end_rss < baseline + RSS_GROWTH_BOUND,
        "RSS grew from {:.1} MiB to {:.1} MiB",
        mib(baseline),
        mib(end_rss)
    );
    drop(server);
}
