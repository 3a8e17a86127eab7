//! One log line per request, with who, what, how it ended and how long it took, and never the
//! token. The log capture is process-wide (tracing's scoped capture misses events whose call
//! site another thread met first), so the test runs in a process of its own.

use std::io::Write;
use std::sync::{Arc, Mutex};

use crate::support::isolated::run_alone;
use crate::support::server::{config, login, send_initialize, send_tools_call, serve};
use crate::support::{Options, RESOURCE, stack};

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn every_request_is_logged_once_without_its_token() {
    run_alone(
        module_path!(),
        "every_request_is_logged_once_without_its_token",
        logged_requests,
    );
}

async fn logged_requests() {
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::INFO)
        .finish();
    tracing::subscriber::set_global_default(subscriber).expect("the only subscriber");

    let stack = stack(Options::default()).await;
    let server = serve(config(&stack.sim.url())).await;
    let token = login(&stack, "openid profile", Some(RESOURCE)).await;
    let narrow = login(&stack, "openid", Some(RESOURCE)).await;

    assert_eq!(send_initialize(&server, Some(&token)).await.status, 200);
    assert_eq!(send_initialize(&server, None).await.status, 401);
    let broken = format!("{token}x");
    assert_eq!(send_initialize(&server, Some(&broken)).await.status, 401);
    let refused = send_tools_call(&server, Some(&narrow), "get_name").await;
    assert_eq!(refused.status, 403);
    server.shutdown().await.expect("clean shutdown");

    let log = String::from_utf8(capture.0.lock().expect("lock").clone()).expect("utf-8");
    let requests: Vec<&str> = log
        .lines()
        .filter(|line| line.contains("mcp_fa::server::request"))
        .collect();
    assert_eq!(requests.len(), 4, "one line per request:\n{log}");
    assert!(
        requests[0].contains(&format!("client_id=\"{}\"", stack.client_id))
            || requests[0].contains(&format!("client_id={}", stack.client_id)),
        "{}",
        requests[0]
    );
    let user_id = stack.user_id.as_str();
    let expected: [&[&str]; 4] = [
        &[
            user_id,
            "method=initialize",
            "outcome=\"served\"",
            "latency_ms=",
        ],
        &["outcome=\"no token\""],
        &["outcome=\"invalid token\""],
        &["tool=get_name", "outcome=\"insufficient scope\""],
    ];
    for (line, parts) in requests.iter().zip(expected) {
        for part in parts {
            assert!(line.contains(part), "{part} missing from: {line}");
        }
    }

    for secret in [&token, &narrow] {
        let signature = secret.rsplit('.').next().expect("signature");
        assert!(!log.contains(signature), "a token reached the log:\n{log}");
    }
}
