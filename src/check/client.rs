//! The self-test client: one FusionAuth application of mcp-fa's own, registered (or reused) for a
//! stack the way `mcp-fa clients add` registers the user's, and removed again afterwards.
//!
//! It is not the user's: nothing here adds it to the state file's `clients`. It is told apart
//! everywhere by its reserved name (see [`is_self_test_client`]): `clients list` shows it only
//! while it exists (`check --keep-client`, or a run that was killed), and `check` removes it at
//! the end. Its redirect URI, [`SELF_TEST_REDIRECT_URI`], points at the discard port of this
//! machine: nothing needs to listen there because the login reads the code from FusionAuth's
//! redirect and never follows it.

use crate::clients::{
    ClientKind, ClientName, ClientRegistrar, RedirectUri, RegisteredClient, RegistrationError,
    RegistrationRequest,
};
use crate::fusionauth::FusionAuthClient;
use crate::state::StackState;

use super::error::SelfTestError;

pub use super::shared::SELF_TEST_CLIENT_NAME;

/// Where FusionAuth is told to send the self-test's codes. Port 9 is the discard service: nothing
/// of ours listens there and nothing needs to, as the code is read from FusionAuth's redirect.
pub const SELF_TEST_REDIRECT_URI: &str = "http://127.0.0.1:9/mcp-fa-self-test/callback";

/// Whether a registered client is the self-test's own rather than one the user registered.
pub fn is_self_test_client(name: &str) -> bool {
    name == SELF_TEST_CLIENT_NAME
}

/// The resource URI the stack's MCP server answers for (what `clients add` registers).
pub fn stack_resource(state: &StackState) -> String {
    format!("http://localhost:{}/mcp", state.mcp_port)
}

/// Registers the self-test client for this stack, or reuses it. A leftover registration that no
/// longer fits this stack (another resource, no self-test redirect URI) is replaced.
pub async fn ensure_self_test_client(
    fusionauth: &FusionAuthClient,
    state: &StackState,
) -> Result<RegisteredClient, SelfTestError> {
    register_self_test_client(
        fusionauth,
        stack_resource(state),
        state.user("demo").map(|user| user.id.clone()),
    )
    .await
}

/// The same for any resource, with `user_id` (who will log in) registered to it.
pub async fn register_self_test_client(
    fusionauth: &FusionAuthClient,
    resource: String,
    user_id: Option<String>,
) -> Result<RegisteredClient, SelfTestError> {
    let registrar = ClientRegistrar::new(fusionauth);
    let leftover = registrar
        .list()
        .await?
        .into_iter()
        .find(|client| is_self_test_client(&client.name));
    if let Some(existing) = leftover
        && (existing.kind != ClientKind::Custom
            || !existing.resources.contains(&resource)
            || !existing
                .redirect_uris
                .iter()
                .any(|uri| uri == SELF_TEST_REDIRECT_URI))
    {
        registrar.remove(&existing.client_id).await?;
    }
    let request = RegistrationRequest {
        name: ClientName::parse(SELF_TEST_CLIENT_NAME).expect("the reserved name is valid"),
        kind: ClientKind::Custom,
        port: None,
        extra_redirect_uris: vec![
            RedirectUri::parse(SELF_TEST_REDIRECT_URI).expect("the self-test URI is valid"),
        ],
        resource,
        user_id,
    };
    Ok(registrar.add(&request).await?)
}

/// Removes the self-test client; nothing to do when it is not registered.
pub async fn remove_self_test_client(fusionauth: &FusionAuthClient) -> Result<(), SelfTestError> {
    match ClientRegistrar::new(fusionauth)
        .remove(SELF_TEST_CLIENT_NAME)
        .await
    {
        Ok(_) | Err(RegistrationError::NotFound(_)) => Ok(()),
        Err(error) => Err(error.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_self_test_client_is_told_apart_by_its_name() {
        assert!(is_self_test_client(SELF_TEST_CLIENT_NAME));
        assert!(!is_self_test_client("cursor"));
        assert!(ClientName::parse(SELF_TEST_CLIENT_NAME).is_ok());
        assert!(RedirectUri::parse(SELF_TEST_REDIRECT_URI).is_ok());
    }
}
