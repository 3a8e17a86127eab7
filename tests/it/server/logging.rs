//! One log line per request, with who, what, how it ended and how long it took, and never the
//! token. The log capture is process-wide (tracing's scoped capture misses events whose call
//! site another thread met first), so the test runs in a process of its own.

use std::io::Write;
use std::sync::{Arc, Mutex};

use crate::support::isolated::run_alone;
use crate::support::server::{config, initialize, login, post, serve, tools_call};
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
    if run_alone(
        module_path!(),
        "every_request_is_logged_once_without_its_token",
    ) {
        return;
    }
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(logged_requests());
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

    assert_eq!(
        post(&server.local_endpoint(), Some(&token), &initialize(), &[])
            .await
            .status,
        200
    );
    assert_eq!(
        post(&server.local_endpoint(), None, &initialize(), &[])
            .await
            .status,
        401
    );
    let broken = format!("{token}x");
    assert_eq!(
        post(&server.local_endpoint(), Some(&broken), &initialize(), &[])
            .await
            .status,
        401
    );
    let call = tools_call("get_name");
    assert_eq!(
        post(&server.local_endpoint(), Some(&narrow), &call, &[])
            .await
            .status,
        403
    );
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
    assert!(requests[0].contains(&stack.user_id), "{}", requests[0]);
    assert!(requests[0].contains("method=initialize"), "{}", requests[0]);
    assert!(
        requests[0].contains("outcome=\"served\""),
        "{}",
        requests[0]
    );
    assert!(requests[0].contains("latency_ms="), "{}", requests[0]);
    assert!(
        requests[1].contains("outcome=\"no token\""),
        "{}",
        requests[1]
    );
    assert!(
        requests[2].contains("outcome=\"invalid token\""),
        "{}",
        requests[2]
    );
    assert!(requests[3].contains("tool=get_name"), "{}", requests[3]);
    assert!(
        requests[3].contains("outcome=\"insufficient scope\""),
        "{}",
        requests[3]
    );

    for secret in [&token, &narrow] {
        let signature = secret.rsplit('.').next().expect("signature");
        assert!(!log.contains(signature), "a token reached the log:\n{log}");
    }
}
