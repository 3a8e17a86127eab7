//! Several tenants, and what an API key may do: which tenant a request acts in (the
//! `X-FusionAuth-TenantId` header, or the one tenant the key is limited to), which endpoints a
//! key may call (`permissions.endpoints`), and FusionAuth's global endpoints, which refuse any
//! request that names a tenant. Also the tenant every application and user belongs to, so tokens
//! carry their own tenant's issuer and are signed with their own tenant's keys, and logins find
//! users in the application's tenant only.
//!
//! Every refusal here is FusionAuth's empty 401, decided before a handler runs, except
//! `[TenantIdRequired]`, which the handlers that create objects answer (FusionAuth's docs).

use std::collections::BTreeMap;

use axum::http::Method;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::errors::ApiError;
use crate::state::{ApiKey, State, StoredUser};

/// The header that scopes a request to one tenant.
pub const TENANT_HEADER: &str = "X-FusionAuth-TenantId";

/// FusionAuth's endpoints (as its API-key permission list names them) that operate outside any
/// tenant: with a tenant-limited key, or with the tenant header, they answer 401 with an empty
/// body (fusionauth-issues #3452; the endpoint list of FusionAuth's API reference marks them
/// "Global API Key Authentication"). Only those the stand-in serves are listed.
const GLOBAL_ENDPOINTS: &[&str] = &[
    "/api/key",
    "/api/key/generate",
    "/api/key/import",
    "/api/key/search",
    "/api/reactor",
    "/api/system/login-record/search",
    "/api/tenant/search",
];

/// An API key's `permissions`: endpoint → the methods allowed on it. An empty map is a key for
/// every endpoint, as FusionAuth documents ("an empty permissions object … authorizes this key
/// for all the endpoints").
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Permissions {
    pub endpoints: BTreeMap<String, Vec<String>>,
}

impl Permissions {
    /// `{"endpoints": {"/api/application": ["GET", "POST"], ...}}` as kickstart gives it.
    pub fn from_json(value: &Value) -> Permissions {
        let endpoints = value["endpoints"]
            .as_object()
            .map(|map| {
                map.iter()
                    .map(|(endpoint, methods)| {
                        let methods = methods
                            .as_array()
                            .map(|list| {
                                list.iter()
                                    .filter_map(Value::as_str)
                                    .map(str::to_uppercase)
                                    .collect()
                            })
                            .unwrap_or_default();
                        (endpoint.clone(), methods)
                    })
                    .collect()
            })
            .unwrap_or_default();
        Permissions { endpoints }
    }

    fn allows(&self, method: &Method, endpoint: &str) -> bool {
        self.endpoints.is_empty()
            || self
                .endpoints
                .get(endpoint)
                .is_some_and(|methods| methods.iter().any(|m| m == method.as_str()))
    }
}

/// The endpoint a request path belongs to, as permissions name it: the path without its ids
/// (`/api/application/{id}/scope/{scopeId}` is `/api/application/scope`).
pub fn endpoint_of(path: &str) -> String {
    let kept: Vec<&str> = path
        .split('/')
        .filter(|segment| !segment.is_empty() && segment.parse::<Uuid>().is_err())
        .collect();
    format!("/{}", kept.join("/"))
}

/// The tenant one API request acts in: the header's, or the key's; `None` for a global key
/// without the header (every tenant's objects are visible, and creating one needs a tenant as
/// soon as there are several).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequestTenant(pub Option<Uuid>);

impl RequestTenant {
    /// Whether an object of `tenant` (its `tenantId`) is visible to this request. *Inferred*:
    /// FusionAuth's docs say only the key's tenant's users and applications "will be visible";
    /// anything else is answered as if it did not exist.
    pub fn sees(&self, tenant: &Value) -> bool {
        match self.0 {
            None => true,
            Some(wanted) => tenant.as_str().and_then(|t| t.parse().ok()) == Some(wanted),
        }
    }

    /// The one tenant a request acts in when it needs one (creating an application or a user,
    /// looking a login id up): the request's, else the only one. With several tenants and none
    /// named, FusionAuth answers `[TenantIdRequired]`.
    pub fn resolve(&self, state: &State) -> Result<Uuid, ApiError> {
        match self.0 {
            Some(tenant) => Ok(tenant),
            None if state.tenants.len() == 1 => Ok(state.default_tenant_id),
            None => Err(ApiError::general(
                "[TenantIdRequired]",
                "A Tenant Id is required to complete this request. To complete this request, \
                 you may assign a Tenant to your API key, or add the X-FusionAuth-TenantId HTTP \
                 request header with the Tenant Id.",
            )),
        }
    }
}

/// Decides whether `key` may make this request, and in which tenant. `header`: the tenant
/// header's value, if sent.
pub fn authorize(
    state: &State,
    key: &ApiKey,
    method: &Method,
    path: &str,
    header: Option<&str>,
) -> Result<RequestTenant, ApiError> {
    let endpoint = endpoint_of(path);
    if !key.permissions.allows(method, &endpoint) {
        return Err(ApiError::Unauthorized);
    }
    let named = match header {
        None => None,
        Some(raw) => {
            // *Inferred*: a header naming no tenant is refused as a bad request.
            let id = raw
                .trim()
                .parse::<Uuid>()
                .ok()
                .filter(|id| state.tenants.contains_key(id))
                .ok_or_else(|| {
                    ApiError::general(
                        "[invalid]tenantId",
                        format!("The {TENANT_HEADER} header [{raw}] does not name a tenant."),
                    )
                })?;
            Some(id)
        }
    };
    let tenant = match (key.tenant_id, named) {
        // *Inferred*, the strict reading: a key limited to one tenant never acts in another.
        (Some(own), Some(other)) if own != other => return Err(ApiError::Unauthorized),
        (own, named) => named.or(own),
    };
    if tenant.is_some() && GLOBAL_ENDPOINTS.contains(&endpoint.as_str()) {
        return Err(ApiError::Unauthorized);
    }
    Ok(RequestTenant(tenant))
}

impl State {
    /// The tenant an application belongs to (the default one for the admin application and
    /// anything stored before tenants were kept).
    pub fn tenant_id_of_application(&self, application_id: &Uuid) -> Uuid {
        self.applications
            .get(application_id)
            .and_then(|app| app["tenantId"].as_str())
            .and_then(|t| t.parse().ok())
            .filter(|t| self.tenants.contains_key(t))
            .unwrap_or(self.default_tenant_id)
    }

    /// A tenant's stored JSON; the default tenant's for an id that names none.
    pub fn tenant_by_id(&self, tenant_id: &Uuid) -> &Value {
        self.tenants.get(tenant_id).unwrap_or_else(|| self.tenant())
    }

    /// The issuer of a tenant: what its tokens say in `iss` and its discovery document names.
    pub fn issuer_of(&self, tenant_id: &Uuid) -> String {
        self.tenant_by_id(tenant_id)["issuer"]
            .as_str()
            .unwrap_or("acme.com")
            .to_string()
    }

    /// A user of `tenant` by e-mail or username: login ids are unique within a tenant only, so
    /// the same address may belong to a user in each tenant.
    pub fn user_in_tenant(&self, tenant_id: &Uuid, login_id: &str) -> Option<&StoredUser> {
        let wanted = login_id.to_lowercase();
        let tenant = tenant_id.to_string();
        self.users.values().find(|u| {
            let same_tenant = u.user["tenantId"]
                .as_str()
                .is_none_or(|t| t == tenant.as_str());
            let matches = |field: &str| {
                u.user[field].as_str().map(str::to_lowercase).as_deref() == Some(wanted.as_str())
            };
            same_tenant && (matches("email") || matches("username"))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_are_paths_without_their_ids() {
        let id = Uuid::new_v4();
        assert_eq!(
            endpoint_of(&format!("/api/application/{id}")),
            "/api/application"
        );
        assert_eq!(
            endpoint_of(&format!("/api/application/{id}/scope/{}", Uuid::new_v4())),
            "/api/application/scope"
        );
        assert_eq!(
            endpoint_of(&format!("/api/user/registration/{id}")),
            "/api/user/registration"
        );
        assert_eq!(endpoint_of("/api/system/version"), "/api/system/version");
    }

    #[test]
    fn an_empty_permission_list_allows_everything_and_a_list_only_what_it_names() {
        assert!(Permissions::default().allows(&Method::DELETE, "/api/user"));
        let limited = Permissions::from_json(
            &serde_json::json!({"endpoints": {"/api/application": ["GET", "post"]}}),
        );
        assert!(limited.allows(&Method::GET, "/api/application"));
        assert!(limited.allows(&Method::POST, "/api/application"));
        assert!(!limited.allows(&Method::DELETE, "/api/application"));
        assert!(!limited.allows(&Method::GET, "/api/tenant"));
    }
}
