//! `FusionAuthClient::log_in_with_form` against the in-process FusionAuth stand-in: the hosted
//! login form submitted as a browser would, the consent page answered, the code exchanged with
//! PKCE and `resource`, and each way a login goes wrong reported with what to do about it.

use std::net::TcpListener;

use crate::support::{DEMO_EMAIL, DEMO_PASSWORD, Options, REDIRECT_URI, RESOURCE, Stack, stack};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use mcp_fa::clients::{ClientKind, ClientName, ClientRegistrar, RedirectUri, RegistrationRequest};
use mcp_fa::fusionauth::{FusionAuthClient, LoginError, LoginRequest, Secret, Timeouts, Tokens};
use serde_json::Value;

fn fusionauth(stack: &Stack) -> FusionAuthClient {
    let url = url::Url::parse(&stack.sim.url()).expect("url");
    FusionAuthClient::new(url, Timeouts::default())
        .expect("client")
        .with_api_key(stack.api_key.clone())
        .with_new_key_grace(std::time::Duration::from_secs(10))
}

async fn log_in(
    stack: &Stack,
    redirect_uri: &str,
    resource: &str,
    password: &str,
) -> Result<Tokens, LoginError> {
    let password = Secret::new(password);
    fusionauth(stack)
        .log_in_with_form(&LoginRequest {
            client_id: &stack.client_id,
            redirect_uri,
            scopes: &["openid", "profile"],
            resource,
            login_id: DEMO_EMAIL,
            password: &password,
        })
        .await
}

fn claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).expect("a JWT");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("base64")).expect("json")
}

#[tokio::test]
async fn the_demo_user_logs_in_and_gets_a_token_for_the_mcp_server() {
    let stack = stack(Options::default()).await;
    let tokens = log_in(&stack, REDIRECT_URI, RESOURCE, DEMO_PASSWORD)
        .await
        .expect("login succeeds");
    let claims = claims(tokens.access_token.expose());
    assert_eq!(claims["sub"], stack.user_id);
    assert!(
        claims["aud"]
            .as_array()
            .is_some_and(|aud| aud.iter().any(|a| a == RESOURCE)),
        "the token is bound to the MCP server: {claims}"
    );
    assert_eq!(tokens.scope.as_deref(), Some("openid profile"));
    assert!(tokens.expires_in.is_some_and(|s| s > 0));
    // The form was posted back and the code exchanged with the verifier.
    let exchanges = stack.sim.exchanges();
    assert!(
        exchanges
            .iter()
            .any(|e| e.path == "/oauth2/token" && e.status == 200),
        "{:?}",
        exchanges.iter().map(|e| &e.path).collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn nothing_needs_to_listen_at_the_redirect_uri_and_nothing_connects_to_it() {
    let stack = stack(Options::default()).await;
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.set_nonblocking(true).expect("nonblocking");
    let redirect_uri = format!(
        "http://127.0.0.1:{}/callback",
        listener.local_addr().expect("addr").port()
    );
    let fusionauth = fusionauth(&stack);
    let client = ClientRegistrar::new(&fusionauth)
        .add(&RegistrationRequest {
            name: ClientName::parse("login-flow-test").expect("name"),
            kind: ClientKind::Custom,
            port: None,
            extra_redirect_uris: vec![RedirectUri::parse(&redirect_uri).expect("uri")],
            resource: RESOURCE.to_owned(),
            user_id: Some(stack.user_id.clone()),
        })
        .await
        .expect("registered");
    let password = Secret::new(DEMO_PASSWORD);
    let tokens = fusionauth
        .log_in_with_form(&LoginRequest {
            client_id: &client.client_id,
            redirect_uri: &redirect_uri,
            scopes: &["openid", "profile"],
            resource: RESOURCE,
            login_id: DEMO_EMAIL,
            password: &password,
        })
        .await
        .expect("login through a client registered the way mcp-fa registers them");
    assert_eq!(claims(tokens.access_token.expose())["sub"], stack.user_id);
    assert_eq!(
        listener.accept().map(|_| ()).map_err(|e| e.kind()),
        Err(std::io::ErrorKind::WouldBlock),
        "the redirect URI was never connected to"
    );
}

#[tokio::test]
async fn a_wrong_password_says_the_login_form_came_back_and_never_shows_the_password() {
    let stack = stack(Options::default()).await;
    let wrong = "not-the-password-4711";
    let error = log_in(&stack, REDIRECT_URI, RESOURCE, wrong)
        .await
        .expect_err("the login is refused");
    assert_eq!(error.code(), "LOGIN_REJECTED", "{error}");
    let shown = format!("{error} {error:?}");
    assert!(shown.contains(DEMO_EMAIL), "{shown}");
    assert!(shown.contains("Invalid login credentials"), "{shown}");
    assert!(
        shown.contains("--show-secrets"),
        "says where the password is: {shown}"
    );
    assert!(!shown.contains(wrong), "{shown}");
}

#[tokio::test]
async fn an_unregistered_redirect_uri_is_named_with_what_to_register() {
    let stack = stack(Options::default()).await;
    let other = "http://127.0.0.1:3334/oauth/callback";
    let error = log_in(&stack, other, RESOURCE, DEMO_PASSWORD)
        .await
        .expect_err("FusionAuth refuses the redirect URI");
    assert_eq!(error.code(), "REDIRECT_URI_NOT_REGISTERED", "{error}");
    let shown = error.to_string();
    assert!(shown.contains(other), "{shown}");
    assert!(shown.contains(&stack.client_id), "{shown}");
    assert!(shown.contains("localhost is not 127.0.0.1"), "{shown}");
}

#[tokio::test]
async fn a_resource_the_client_is_not_bound_to_comes_back_as_invalid_target() {
    let stack = stack(Options::default()).await;
    let error = log_in(
        &stack,
        REDIRECT_URI,
        "http://localhost:9999/mcp",
        DEMO_PASSWORD,
    )
    .await
    .expect_err("FusionAuth refuses the resource");
    assert_eq!(error.code(), "LOGIN_AUTHORIZATION_REFUSED", "{error}");
    assert!(matches!(&error, LoginError::Authorization { error, .. } if error == "invalid_target"));
    assert!(
        error.to_string().contains("authorizedResourceUris"),
        "{error}"
    );
}

#[tokio::test]
async fn an_unknown_client_id_says_to_register_the_client_again() {
    let stack = stack(Options::default()).await;
    let password = Secret::new(DEMO_PASSWORD);
    let error = fusionauth(&stack)
        .log_in_with_form(&LoginRequest {
            client_id: "3c6b2f0e-0000-4000-8000-000000000000",
            redirect_uri: REDIRECT_URI,
            scopes: &["openid"],
            resource: RESOURCE,
            login_id: DEMO_EMAIL,
            password: &password,
        })
        .await
        .expect_err("no such application");
    assert_eq!(error.code(), "LOGIN_UNKNOWN_CLIENT", "{error}");
    assert!(error.to_string().contains("mcp-fa clients add"), "{error}");
}

#[tokio::test]
async fn a_third_party_application_gets_its_consent_page_answered() {
    let stack = stack(Options {
        licensed: true,
        relationship: "ThirdParty",
        ..Options::default()
    })
    .await;
    let tokens = log_in(&stack, REDIRECT_URI, RESOURCE, DEMO_PASSWORD)
        .await
        .expect("login with consent succeeds");
    let claims = claims(tokens.access_token.expose());
    assert_eq!(claims["sub"], stack.user_id);
    // `profile` is an optional scope on the consent form: granted, because the login allows
    // everything the client asked for.
    assert_eq!(tokens.scope.as_deref(), Some("openid profile"));
    assert_eq!(claims["scope"], "openid profile");
    assert!(
        stack
            .sim
            .exchanges()
            .iter()
            .any(|e| e.method == "POST" && e.path == "/oauth2/consent"),
        "the consent form was posted"
    );
}
