//! The self-test's own user on an existing FusionAuth, which has no demo user of mcp-fa's (and
//! whose real users' passwords mcp-fa never asks for): created in the site's tenant with a
//! random password nobody ever sees, marked verified, logged in once, and deleted for good
//! afterwards, whatever happened in between.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::error::SelfTestError;
use crate::fusionauth::{FusionAuthClient, Secret, User};

/// The display name `get_name` greets the temporary user with.
pub const TEMPORARY_USER_NAME: &str = "mcp-fa self-test";

/// A user that exists for one run of the self-test.
#[derive(Debug, Clone)]
pub struct TemporaryUser {
    pub id: String,
    pub email: String,
    pub full_name: String,
    pub password: Secret,
}

impl TemporaryUser {
    /// Creates the user in the client's tenant. Its address is on `example.com` (reserved by
    /// RFC 2606, so no mail can reach anyone) and its password satisfies the usual password
    /// rules (length, both cases, a digit, a symbol) whatever the tenant's are set to.
    pub async fn create(fusionauth: &FusionAuthClient) -> Result<TemporaryUser, SelfTestError> {
        let suffix = random_text(6)?
            .to_ascii_lowercase()
            .replace(['-', '_'], "x");
        let email = format!("mcp-fa-self-test-{suffix}@example.com");
        let password = Secret::new(format!("{}-Aa1", random_text(24)?));
        let user = User {
            email: Some(email.clone()),
            full_name: Some(TEMPORARY_USER_NAME.to_owned()),
            ..User::default()
        };
        let created = fusionauth.create_user(&user, password.expose()).await?;
        Ok(TemporaryUser {
            id: created.id.unwrap_or_default(),
            email,
            full_name: TEMPORARY_USER_NAME.to_owned(),
            password,
        })
    }

    /// Deletes the user and everything attached to it; already gone is fine.
    pub async fn delete(fusionauth: &FusionAuthClient, id: &str) -> Result<(), SelfTestError> {
        match fusionauth.delete_user(id).await {
            Ok(()) => Ok(()),
            Err(error) if error.is_not_found() => Ok(()),
            Err(error) => Err(error.into()),
        }
    }
}

/// `bytes` random bytes as base64url text.
fn random_text(bytes: usize) -> Result<String, SelfTestError> {
    let mut buffer = vec![0u8; bytes];
    getrandom::fill(&mut buffer).map_err(|e| SelfTestError::Random(e.to_string()))?;
    Ok(URL_SAFE_NO_PAD.encode(buffer))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_text_differs_each_time() {
        let a = random_text(24).expect("random");
        assert_eq!(a.len(), 32);
        assert_ne!(a, random_text(24).expect("random"));
    }
}
