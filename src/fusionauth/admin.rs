//! The calls a preflight of an existing FusionAuth (`mcp-fa doctor` on a remote project) and the
//! self-test's temporary user make, beside the everyday ones in `client.rs`: FusionAuth's
//! version, the tenant changed and a signing key generated (only when asked to fix it), a user
//! created and deleted, and a probe of whether the API key may call an endpoint at all.
//!
//! A probe must never change anything: each is a request FusionAuth refuses for its content
//! (an empty body, an id that names nothing) once the key is accepted, so the only answers that
//! matter are 401 (the key may not) and anything else (it may).

use reqwest::Method;

use super::client::{Call, FusionAuthClient};
use super::error::FusionAuthError;
use super::models::envelope::{
    KeyRequest, KeyResponse, TenantRequest, TenantResponse, UserRequest, UserResponse,
    UserWithPassword, VersionResponse,
};
use super::models::{Key, KeyAlgorithm, Tenant, User};

type Result<T> = std::result::Result<T, FusionAuthError>;

/// RFC 7396. FusionAuth's plain-JSON PATCH merges objects the same way; the merge-patch type
/// says so explicitly (and would replace arrays rather than append to them).
const MERGE_PATCH: &str = "application/merge-patch+json";

/// Whether an API key may call an endpoint, as FusionAuth answered a harmless request to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anything but 401: the key got past authorization (the request itself was refused for
    /// its content, as intended).
    Allowed,
    /// 401 with an empty body: the key lacks the permission, is limited to another tenant, or
    /// (for a global endpoint) is limited to any tenant at all.
    Refused,
}

impl FusionAuthClient {
    /// `GET /api/system/version`: e.g. `1.69.3`.
    pub async fn system_version(&self) -> Result<String> {
        let call = self.api(Method::GET, &["api", "system", "version"]);
        Ok(self.read::<VersionResponse>(&call).await?.version)
    }

    /// `POST /api/key/generate[/{keyId}]`. `length` is required for RSA keys (2048 or more).
    /// The key master is global: no tenant header.
    pub async fn generate_key(
        &self,
        key_id: Option<&str>,
        algorithm: KeyAlgorithm,
        name: &str,
        length: Option<u32>,
    ) -> Result<Key> {
        let key = Key {
            algorithm: Some(algorithm),
            name: Some(name.to_owned()),
            length,
            ..Key::default()
        };
        let segments: Vec<&str> = ["api", "key", "generate"]
            .into_iter()
            .chain(key_id)
            .collect();
        let call = self
            .global_api(Method::POST, &segments)
            .json(&KeyRequest { key: &key })?;
        Ok(self.read::<KeyResponse>(&call).await?.key)
    }

    /// Changes only the fields set in `patch`.
    pub async fn patch_tenant(&self, tenant_id: &str, patch: &Tenant) -> Result<Tenant> {
        let call = self
            .api(Method::PATCH, &["api", "tenant", tenant_id])
            .with_body(MERGE_PATCH, &TenantRequest { tenant: patch })?;
        Ok(self.read::<TenantResponse>(&call).await?.tenant)
    }

    /// `POST /api/user`, in the client's tenant, marked verified. The password goes nowhere
    /// but this request body.
    pub async fn create_user(&self, user: &User, password: &str) -> Result<User> {
        let body = UserRequest {
            user: UserWithPassword { user, password },
            skip_verification: true,
        };
        let call = self.api(Method::POST, &["api", "user"]).json(&body)?;
        Ok(self.read::<UserResponse>(&call).await?.user)
    }

    /// `DELETE /api/user/{id}?hardDelete=true`: the user and everything attached, for good.
    pub async fn delete_user(&self, user_id: &str) -> Result<()> {
        let mut call = self.api(Method::DELETE, &["api", "user", user_id]);
        call.url.query_pairs_mut().append_pair("hardDelete", "true");
        self.run(&call).await
    }

    /// Whether the API key may call `method` on the endpoint `segments` names. `global`: one of
    /// FusionAuth's global endpoints, asked without the tenant header as the real calls are.
    /// GET probes read; POST, PUT and PATCH probes send an empty JSON object, which FusionAuth
    /// refuses for its content; DELETE probes must name an object that does not exist.
    pub async fn access(&self, method: Method, segments: &[&str], global: bool) -> Result<Access> {
        let call = if global {
            self.global_api(method.clone(), segments)
        } else {
            self.api(method.clone(), segments)
        };
        let call: Call<'_> = if matches!(method, Method::POST | Method::PUT | Method::PATCH) {
            call.json(&serde_json::json!({}))?
        } else {
            call
        };
        let response = self.send(&call).await?;
        Ok(if response.status() == reqwest::StatusCode::UNAUTHORIZED {
            Access::Refused
        } else {
            Access::Allowed
        })
    }
}
