//! The FusionAuth stand-in for `benches/run.sh`'s `--validation fusionauth` load: one in-process
//! stand-in kickstarted as the server tests kickstart it (an RSA signing key, the demo user, one
//! MCP client application allowed the resource `http://localhost:8000/mcp`), and a real access
//! token for that resource from the hosted login, got with mcp-fa's own headless login.
//!
//! `standin --token-out FILE`: prints `url=<the stand-in's URL>` once the token is in FILE, then
//! serves until SIGTERM or Ctrl-C. It keeps no record of exchanges and logs nothing per request,
//! so hours of load cost it no memory. Run by a plain `cargo bench`, it only says what it is.

#[path = "../tests/it/support/standin.rs"]
mod standin;

use std::io::Write as _;

use fusionauth_sim::SimConfig;
use mcp_fa::fusionauth::{FusionAuthClient, LoginRequest, Secret, Timeouts};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // `cargo bench` runs every bench target with `--bench`: this one is a helper, not a bench.
    let Some(token_out) = args
        .iter()
        .position(|a| a == "--token-out")
        .and_then(|i| args.get(i + 1))
        .cloned()
    else {
        println!("standin: a FusionAuth stand-in for benches/run.sh (standin --token-out FILE)");
        return;
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a Tokio runtime");
    runtime.block_on(async move {
        let mut config = SimConfig::for_tests();
        config.record_exchanges = false;
        let stack = standin::stack_with_config(standin::Options::default(), config).await;
        let url = stack.sim.url();
        let client = FusionAuthClient::new(
            url.parse().expect("the stand-in's URL"),
            Timeouts::default(),
        )
        .expect("a FusionAuth client");
        let password = Secret::new(standin::DEMO_PASSWORD);
        let tokens = client
            .log_in_with_form(&LoginRequest {
                client_id: &stack.client_id,
                redirect_uri: &stack.redirect_uri,
                scopes: &["openid", "profile", "email"],
                resource: &stack.resource,
                login_id: standin::DEMO_EMAIL,
                password: &password,
            })
            .await
            .expect("the demo user logs in");
        std::fs::write(&token_out, tokens.access_token.expose()).expect("write the token");
        println!("url={url}");
        let _ = std::io::stdout().flush();
        stack.sim.serve_until_signal().await;
    });
}
