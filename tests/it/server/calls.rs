//! The runtime protection switch and the record of calls, as the tutorial relies on them: a
//! server that starts unprotected answers anyone and hides its metadata, switching protection on
//! brings back exactly the protected behaviour, and every request leaves one record saying what
//! the gate decided, without the token.

use crate::support::server::{
    PUBLIC_URL, assert_warns, call_tool, config, get_json, login, no_token_challenge, post, serve,
    tool_text, tools_call,
};
use crate::support::{Options, RESOURCE, stack};
use mcp_fa::server::{CALL_LOG_CAPACITY, CallOutcome, CallRecord, ServeConfig, ServerHandle};
use serde_json::Value;

const SCOPES: &str = "openid profile";

fn metadata_urls(server: &ServerHandle) -> [String; 2] {
    let base = format!("http://{}", server.local_addr());
    [
        format!("{base}/.well-known/oauth-protected-resource"),
        format!("{base}/.well-known/oauth-protected-resource/mcp"),
    ]
}

async fn assert_anonymous(server: &ServerHandle) {
    let answer = call_tool(&server.local_endpoint(), None, "get_name").await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    assert_eq!(answer.challenge, None);
    let text = tool_text(&answer).expect("a tool result");
    assert!(text.starts_with("Hello!"), "{text}");
    assert!(text.contains("does not know who you are"), "{text}");

    let whoami = call_tool(&server.local_endpoint(), None, "whoami").await;
    assert_eq!(whoami.status, 200, "{:?}", whoami.body);
    let claims: Value =
        serde_json::from_str(&tool_text(&whoami).expect("a tool result")).expect("json");
    assert_eq!(claims["authenticated"], false, "{claims}");

    for url in metadata_urls(server) {
        let (status, _) = get_json(&url).await;
        assert_eq!(
            status, 404,
            "{url} must not advertise OAuth while unprotected"
        );
    }
}

#[tokio::test]
async fn protection_switches_at_runtime_between_anonymous_and_challenged() {
    let stack = stack(Options::default()).await;
    let mut settings = config(&stack.sim.url());
    settings.start_unprotected = true;
    let server = serve(settings).await;
    assert!(!server.is_protected());
    assert_warns(&server, "protection is switched off");
    assert_anonymous(&server).await;

    server.set_protected(true);
    assert!(server.is_protected());
    let answer = call_tool(&server.local_endpoint(), None, "get_name").await;
    assert_eq!(answer.status, 401, "{:?}", answer.body);
    assert_eq!(
        answer.challenge.as_deref(),
        Some(no_token_challenge(SCOPES).as_str())
    );
    for url in metadata_urls(&server) {
        let (status, document) = get_json(&url).await;
        assert_eq!(status, 200, "{url}");
        assert_eq!(document["resource"], format!("{PUBLIC_URL}/mcp"));
        assert_eq!(
            document["authorization_servers"],
            serde_json::json!([stack.sim.url()])
        );
    }
    // A logged-in caller is greeted by name once protection is on.
    let token = login(&stack, SCOPES, Some(RESOURCE)).await;
    let answer = call_tool(&server.local_endpoint(), Some(&token), "get_name").await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    assert_eq!(tool_text(&answer).as_deref(), Some("Hello, Test User!"));

    server.set_protected(false);
    assert!(!server.is_protected());
    assert_anonymous(&server).await;
    server.shutdown().await.expect("clean shutdown");
}

#[tokio::test]
async fn a_server_without_auth_cannot_be_switched_to_protected() {
    let mut settings = ServeConfig::unprotected();
    settings.bind = "127.0.0.1:0".parse().expect("addr");
    let server = serve(settings).await;
    assert!(!server.is_protected());
    server.set_protected(true);
    assert!(
        !server.is_protected(),
        "without a verifier protection stays off"
    );
    let answer = call_tool(&server.local_endpoint(), None, "get_name").await;
    assert_eq!(answer.status, 200);
    let text = tool_text(&answer).expect("a tool result");
    assert!(text.contains("--no-auth"), "{text}");
    assert_eq!(
        server.calls().since(0)[0].outcome,
        CallOutcome::ServedUnprotected
    );
    server.shutdown().await.expect("clean shutdown");
}

#[tokio::test]
async fn every_decision_of_the_gate_is_recorded_in_order_without_the_token() {
    let stack = stack(Options::default()).await;
    let server = serve(config(&stack.sim.url())).await;
    let calls = server.calls();
    assert_eq!(calls.last_seq(), 0);
    let good = login(&stack, SCOPES, Some(RESOURCE)).await;
    let narrow = login(&stack, "openid", Some(RESOURCE)).await;
    // Without the resource parameter the token is for the client only, not for this server.
    let foreign = login(&stack, SCOPES, None).await;
    let endpoint = server.local_endpoint();

    assert_eq!(call_tool(&endpoint, None, "get_name").await.status, 401);
    assert_eq!(
        call_tool(&endpoint, Some(&foreign), "get_name")
            .await
            .status,
        401
    );
    assert_eq!(
        call_tool(&endpoint, Some(&narrow), "get_name").await.status,
        403
    );
    assert_eq!(
        call_tool(&endpoint, Some(&good), "get_name").await.status,
        200
    );
    let before_switch = calls.last_seq();
    server.set_protected(false);
    assert_eq!(call_tool(&endpoint, None, "whoami").await.status, 200);
    let refused = post(
        &endpoint,
        None,
        &tools_call("get_name"),
        &[("origin", "http://evil.example")],
    )
    .await;
    assert_eq!(refused.status, 403);

    let records = calls.since(0);
    let seqs: Vec<u64> = records.iter().map(|r| r.seq).collect();
    assert_eq!(seqs, [1, 2, 3, 4, 5, 6]);
    assert_eq!(calls.last_seq(), 6);
    assert!(records.windows(2).all(|w| w[0].at <= w[1].at));

    let [no_token, invalid, narrow_call, served, unprotected, origin] = &records[..] else {
        panic!("six records: {records:?}");
    };
    assert_eq!(no_token.outcome, CallOutcome::NoToken);
    assert_eq!(no_token.status, 401);
    assert_eq!(no_token.method, "tools/call");
    assert_eq!(no_token.tools, ["get_name"]);
    assert_eq!(no_token.client_id, None);

    let CallOutcome::InvalidToken { reason } = &invalid.outcome else {
        panic!("invalid token: {invalid:?}");
    };
    assert!(reason.contains("audience"), "{reason}");
    assert!(reason.contains(RESOURCE), "{reason}");
    assert_eq!(invalid.status, 401);

    assert_eq!(
        narrow_call.outcome,
        CallOutcome::InsufficientScope {
            missing: vec!["profile".to_owned()]
        }
    );
    assert_eq!(narrow_call.status, 403);
    assert_eq!(
        narrow_call.client_id.as_deref(),
        Some(stack.client_id.as_str())
    );

    assert_eq!(served.outcome, CallOutcome::Served);
    assert_eq!(served.status, 200);
    assert_eq!(served.client_id.as_deref(), Some(stack.client_id.as_str()));
    assert_eq!(served.subject.as_deref(), Some(stack.user_id.as_str()));
    assert_eq!(served.tools, ["get_name"]);

    assert_eq!(unprotected.outcome, CallOutcome::ServedUnprotected);
    assert_eq!(unprotected.tools, ["whoami"]);
    assert_eq!(unprotected.client_id, None);
    assert_eq!(origin.outcome, CallOutcome::ForbiddenOrigin);
    assert_eq!(origin.status, 403);

    // `since` starts after the given call.
    let after: Vec<CallOutcome> = calls
        .since(before_switch)
        .into_iter()
        .map(|r| r.outcome)
        .collect();
    assert_eq!(
        after,
        [CallOutcome::ServedUnprotected, CallOutcome::ForbiddenOrigin]
    );
    assert!(calls.since(6).is_empty());

    // No field of any record holds a token or its signature.
    for token in [&good, &narrow, &foreign] {
        let signature = token.rsplit('.').next().expect("a signature");
        for record in &records {
            let text = describe(record);
            assert!(!text.contains(token.as_str()), "{text}");
            assert!(!text.contains(signature), "{text}");
        }
    }
    server.shutdown().await.expect("clean shutdown");
}

fn describe(record: &CallRecord) -> String {
    format!("{record:?}")
}

#[tokio::test]
async fn the_record_keeps_only_the_last_thousand_calls() {
    let stack = stack(Options::default()).await;
    let server = serve(config(&stack.sim.url())).await;
    let endpoint = server.local_endpoint();
    let http = reqwest::Client::new();
    let extra = 7;
    for _ in 0..CALL_LOG_CAPACITY + extra {
        let status = http
            .post(&endpoint)
            .header("accept", "application/json, text/event-stream")
            .json(&tools_call("whoami"))
            .send()
            .await
            .expect("the server answers")
            .status();
        assert_eq!(status, 401);
    }
    let calls = server.calls();
    assert_eq!(CALL_LOG_CAPACITY, 1000);
    assert_eq!(calls.last_seq(), (CALL_LOG_CAPACITY + extra) as u64);
    let kept = calls.since(0);
    assert_eq!(kept.len(), CALL_LOG_CAPACITY);
    assert_eq!(kept[0].seq, extra as u64 + 1);
    assert_eq!(
        kept.last().map(|r| r.seq),
        Some((CALL_LOG_CAPACITY + extra) as u64)
    );
    server.shutdown().await.expect("clean shutdown");
}
