//! Hostile input to the MCP server, generated: whatever arrives in the Authorization header, as
//! a token, as a JSON-RPC body or as a path, the server answers with a proper HTTP status (never
//! a 5xx, never a dropped connection) and keeps serving. Bounded: 500 cases each, under a second or two in all.

use crate::support;
use crate::support::server::{config as serve_config, login, post as post_json, serve, tools_call};
use std::sync::OnceLock;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use proptest::prelude::*;
use serde_json::Value;

/// One server (and its stand-in issuer) for every case, on a runtime that outlives them.
struct Target {
    runtime: tokio::runtime::Runtime,
    endpoint: String,
    base: String,
    token: String,
    http: reqwest::Client,
}

fn target() -> &'static Target {
    static TARGET: OnceLock<Target> = OnceLock::new();
    TARGET.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let (endpoint, base, token) = runtime.block_on(async {
            let stack = support::stack(support::Options::default()).await;
            let token = login(&stack, "openid profile", Some(support::RESOURCE)).await;
            let handle = serve(serve_config(&stack.sim.url())).await;
            let endpoint = handle.local_endpoint();
            let base = endpoint.trim_end_matches("/mcp").to_string();
            // Both live as long as the test process.
            std::mem::forget(stack);
            std::mem::forget(handle);
            (endpoint, base, token)
        });
        Target {
            runtime,
            endpoint,
            base,
            token,
            http: reqwest::Client::new(),
        }
    })
}

/// Status (and whether a `WWW-Authenticate` challenge came with it) of a POST to /mcp with the
/// given Authorization value and body, in the stateless protocol (no session needed).
fn post_answer(authorization: Option<&str>, body: Vec<u8>, content_type: &str) -> (u16, bool) {
    let t = target();
    t.runtime.block_on(async {
        let mut request = t
            .http
            .post(&t.endpoint)
            .header("accept", "application/json, text/event-stream")
            .header("content-type", content_type)
            .header("mcp-protocol-version", "2026-07-28")
            .body(body);
        if let Some(value) = authorization {
            request = request.header("authorization", value);
        }
        let response = request
            .send()
            .await
            .expect("the server answers every request");
        (
            response.status().as_u16(),
            response.headers().contains_key("www-authenticate"),
        )
    })
}

fn post(authorization: Option<&str>, body: Vec<u8>, content_type: &str) -> u16 {
    post_answer(authorization, body, content_type).0
}

fn b64(value: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(value)
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 500,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn any_authorization_header_is_a_401_with_a_challenge(value in "[ -~]{0,300}") {
        let body = serde_json::to_vec(&tools_call("whoami")).expect("json");
        let (status, challenged) = post_answer(Some(&value), body, "application/json");
        prop_assert_eq!(status, 401, "Authorization: {:?}", value);
        prop_assert!(challenged, "a 401 always says how to log in");
    }

    #[test]
    fn jwt_shaped_garbage_is_an_invalid_token(
        header in proptest::collection::vec(any::<u8>(), 0..200),
        payload in proptest::collection::vec(any::<u8>(), 0..400),
        signature in proptest::collection::vec(any::<u8>(), 0..300),
        alg in prop_oneof![
            Just("RS256".to_string()), Just("none".to_string()), Just("HS256".to_string()),
            Just("ES256".to_string()), "[A-Za-z0-9]{0,8}",
        ],
        kid in "[ -~]{0,40}",
    ) {
        // Half the cases carry a well-formed header so parsing reaches the key lookup.
        let header = if header.len() % 2 == 0 {
            serde_json::to_vec(&serde_json::json!({"alg": alg, "kid": kid, "typ": "JWT"})).expect("json")
        } else {
            header
        };
        let token = format!("{}.{}.{}", b64(&header), b64(&payload), b64(&signature));
        let body = serde_json::to_vec(&tools_call("whoami")).expect("json");
        let status = post(Some(&format!("Bearer {token}")), body, "application/json");
        prop_assert_eq!(status, 401);
    }

    #[test]
    fn any_body_with_a_valid_token_gets_a_client_error_or_an_answer(
        body in prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..2000),
            any_json().prop_map(|v| serde_json::to_vec(&v).expect("json")),
            rpc_like().prop_map(|v| serde_json::to_vec(&v).expect("json")),
        ],
        content_type in prop_oneof![Just("application/json"), Just("text/plain"), Just("application/json; charset=utf-8")],
    ) {
        let token = format!("Bearer {}", target().token);
        let status = post(Some(&token), body, content_type);
        prop_assert!(status < 500, "status {}", status);
    }

    #[test]
    fn any_path_is_answered_without_a_server_error(path in "/[a-zA-Z0-9._~%/-]{0,80}") {
        let t = target();
        let status = t.runtime.block_on(async {
            t.http.get(format!("{}{path}", t.base)).send().await.expect("answers").status().as_u16()
        });
        prop_assert!(status < 500, "GET {} -> {}", path, status);
    }
}

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        "[ -~]{0,30}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            proptest::collection::btree_map("[a-z]{0,8}", inner, 0..8)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// JSON-RPC-shaped messages with hostile parts: the parts the auth layer reads to find the tool.
fn rpc_like() -> impl Strategy<Value = Value> {
    (
        prop_oneof![
            Just("tools/call".to_string()),
            Just("tools/list".to_string()),
            Just("initialize".to_string()),
            "[a-z/]{0,20}",
        ],
        any_json(),
        prop_oneof![Just(Value::from(1)), Just(Value::Null), any_json()],
        any::<bool>(),
    )
        .prop_map(|(method, params, id, batch)| {
            let message =
                serde_json::json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
            if batch {
                Value::Array(vec![message.clone(), message])
            } else {
                message
            }
        })
}

#[test]
fn an_oversized_body_is_refused_before_it_is_parsed() {
    let token = format!("Bearer {}", target().token);
    let mut body = b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"whoami\",\"pad\":\"".to_vec();
    body.extend(std::iter::repeat_n(b'x', 2 * 1024 * 1024));
    body.extend(b"\"}}");
    assert_eq!(post(Some(&token), body, "application/json"), 413);
    // And it still serves afterwards.
    let t = target();
    let status = t.runtime.block_on(async {
        let url = format!("{}/.well-known/oauth-protected-resource/mcp", t.base);
        t.http
            .get(url)
            .send()
            .await
            .expect("answers")
            .status()
            .as_u16()
    });
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_client_that_never_finishes_its_request_head_is_disconnected() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let stack = support::stack(support::Options::default()).await;
    let mut config = serve_config(&stack.sim.url());
    config.header_read_timeout = std::time::Duration::from_millis(500);
    let server = serve(config).await;
    let mut slow = tokio::net::TcpStream::connect(server.local_addr())
        .await
        .expect("connect");
    slow.write_all(b"POST /mcp HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")
        .await
        .expect("write");
    let started = std::time::Instant::now();
    let mut buffer = [0u8; 1024];
    // The server answers 408 or just closes; either way the read ends, well before 5 s.
    let read = tokio::time::timeout(std::time::Duration::from_secs(5), async {
        let mut total = Vec::new();
        loop {
            match slow.read(&mut buffer).await {
                Ok(0) | Err(_) => break total,
                Ok(n) => total.extend_from_slice(&buffer[..n]),
            }
        }
    })
    .await
    .expect("the server closes a stalled connection");
    assert!(started.elapsed() < std::time::Duration::from_secs(3));
    let head = String::from_utf8_lossy(&read);
    assert!(
        head.is_empty() || head.starts_with("HTTP/1.1 408"),
        "{head}"
    );
    // Other clients are served meanwhile and afterwards.
    let answer = post_json(&server.local_endpoint(), None, &tools_call("whoami"), &[]).await;
    assert_eq!(answer.status, 401);
}
