//! The headless login: the stack's demo user (or, on an existing FusionAuth, the self-test's
//! temporary user) signs in to the self-test client through FusionAuth's hosted login form
//! (authorization code + PKCE, as a browser would), for one resource and the scopes asked for.
//!
//! It must not return or log the password, and it never follows the redirect to the client: the
//! code is read from FusionAuth's answer.

use crate::clients::RegisteredClient;
use crate::fusionauth::{FusionAuthClient, LoginRequest, Secret, Tokens};
use crate::state::StackState;

use super::client::SELF_TEST_REDIRECT_URI;
use super::error::SelfTestError;

/// Logs the stack's demo user in with `client`, asking for `scopes`, for `resource`.
pub async fn demo_login(
    fusionauth: &FusionAuthClient,
    state: &StackState,
    client: &RegisteredClient,
    resource: &str,
    scopes: &[&str],
) -> Result<Tokens, SelfTestError> {
    let demo = state
        .user("demo")
        .ok_or_else(|| SelfTestError::NoDemoUser {
            project: state.project.clone(),
        })?;
    log_in(
        fusionauth,
        client,
        &demo.email,
        &demo.password,
        resource,
        scopes,
    )
    .await
}

/// Logs `login_id` in with `client`, asking for `scopes`, for `resource`.
pub async fn log_in(
    fusionauth: &FusionAuthClient,
    client: &RegisteredClient,
    login_id: &str,
    password: &Secret,
    resource: &str,
    scopes: &[&str],
) -> Result<Tokens, SelfTestError> {
    let redirect_uri = client
        .redirect_uris
        .iter()
        .find(|uri| *uri == SELF_TEST_REDIRECT_URI)
        .or_else(|| client.redirect_uris.first())
        .ok_or_else(|| SelfTestError::NoRedirectUri {
            client_id: client.client_id.clone(),
        })?;
    Ok(fusionauth
        .log_in_with_form(&LoginRequest {
            client_id: &client.client_id,
            redirect_uri,
            scopes,
            resource,
            login_id,
            password,
        })
        .await?)
}
