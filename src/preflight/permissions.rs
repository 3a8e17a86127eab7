//! Which of FusionAuth's endpoints mcp-fa calls, what for, and whether this API key may call
//! each: probed with requests FusionAuth refuses for their content once the key is accepted
//! (see [`crate::fusionauth::Access`]), so a probe never changes anything.

use reqwest::Method;

use super::{Finding, Verdict};
use crate::fusionauth::{Access, FusionAuthClient, FusionAuthError};

/// An id that names nothing: DELETE probes must find no object to delete.
const NOBODY: &str = "00000000-0000-4000-8000-00000000dead";

/// One endpoint mcp-fa calls, as FusionAuth's API-key permissions name it.
struct Endpoint {
    /// As the key's permission list spells it (`/api/application`).
    permission: &'static str,
    method: Method,
    /// The path the probe requests.
    path: &'static [&'static str],
    /// One of FusionAuth's global endpoints: never callable with a tenant-limited key.
    global: bool,
    /// Without it, clients cannot be registered at all.
    required: bool,
    /// What needs it.
    used_by: &'static str,
}

fn endpoints() -> Vec<Endpoint> {
    let e = |permission, method, path, global, required, used_by| Endpoint {
        permission,
        method,
        path,
        global,
        required,
        used_by,
    };
    vec![
        e(
            "/api/application",
            Method::GET,
            &["api", "application"],
            false,
            true,
            "every `clients` command",
        ),
        e(
            "/api/application",
            Method::POST,
            &["api", "application"],
            false,
            true,
            "`clients add`",
        ),
        e(
            "/api/application",
            Method::DELETE,
            &["api", "application", NOBODY],
            false,
            true,
            "`clients remove`, `clients prune`, `check`",
        ),
        e(
            "/api/tenant",
            Method::GET,
            &["api", "tenant"],
            false,
            true,
            "`doctor` (the tenant's issuer and signing key)",
        ),
        e(
            "/api/application/scope",
            Method::POST,
            &["api", "application", NOBODY, "scope"],
            false,
            false,
            "the custom get_name scope (licensed instances)",
        ),
        e(
            "/api/user",
            Method::POST,
            &["api", "user"],
            false,
            false,
            "`check` (its temporary user)",
        ),
        e(
            "/api/user",
            Method::DELETE,
            &["api", "user", NOBODY],
            false,
            false,
            "`check` (deleting its temporary user)",
        ),
        e(
            "/api/user/registration",
            Method::POST,
            &["api", "user", "registration", NOBODY],
            false,
            false,
            "`check` (registering its temporary user)",
        ),
        e(
            "/api/system/version",
            Method::GET,
            &["api", "system", "version"],
            false,
            false,
            "`doctor` (FusionAuth's version)",
        ),
        e(
            "/api/reactor",
            Method::GET,
            &["api", "reactor"],
            true,
            false,
            "the license (consent screens, custom scopes)",
        ),
        e(
            "/api/system/login-record/search",
            Method::GET,
            &["api", "system", "login-record", "search"],
            true,
            false,
            "last logins in `clients list`, and `clients prune`",
        ),
        e(
            "/api/key",
            Method::GET,
            &["api", "key", NOBODY],
            true,
            false,
            "`doctor` (the signing key's algorithm)",
        ),
        e(
            "/api/key/generate",
            Method::POST,
            &["api", "key", "generate"],
            true,
            false,
            "`doctor --yes` (generating an RSA signing key)",
        ),
        e(
            "/api/tenant",
            Method::PATCH,
            &["api", "tenant", NOBODY],
            false,
            false,
            "`doctor --yes` (setting the tenant's signing key)",
        ),
    ]
}

/// What the key may not call, as one finding: FAIL when it cannot register clients, WARN when
/// only some commands lose something, OK when nothing is missing. `None` when FusionAuth could
/// not be asked at all (the caller has said so already).
pub(super) async fn permissions(fusionauth: &FusionAuthClient, key_var: &str) -> Option<Finding> {
    let mut refused = Vec::new();
    for endpoint in endpoints() {
        match fusionauth
            .access(endpoint.method.clone(), endpoint.path, endpoint.global)
            .await
        {
            Ok(Access::Allowed) => {}
            Ok(Access::Refused) => refused.push(endpoint),
            Err(error) if error.is_unreachable() => return None,
            Err(FusionAuthError::InvalidHeader { .. }) => return None,
            Err(_) => {}
        }
    }
    let total = endpoints().len();
    if refused.is_empty() {
        return Some(Finding::new(
            "API key permissions",
            Verdict::Ok,
            format!("${key_var} may call all {total} endpoints mcp-fa uses"),
        ));
    }
    if refused.len() == total {
        return Some(
            Finding::new(
                "API key permissions",
                Verdict::Fail,
                format!("FusionAuth refuses the key in ${key_var} for every endpoint mcp-fa uses"),
            )
            .fix(format!(
                "the key is wrong, expired, or limited to another tenant than --tenant-id: put a \
                 key of this FusionAuth in ${key_var} (Settings → API Keys)"
            )),
        );
    }
    let required: Vec<&Endpoint> = refused.iter().filter(|e| e.required).collect();
    let lines: Vec<String> = refused
        .iter()
        .map(|e| {
            let why = if e.global {
                " (a global endpoint: a key limited to a tenant can never call it)"
            } else {
                ""
            };
            format!("{} {} for {}{why}", e.method, e.permission, e.used_by)
        })
        .collect();
    let mut grants: Vec<(&str, Vec<String>)> = Vec::new();
    for endpoint in &refused {
        match grants.iter_mut().find(|(p, _)| *p == endpoint.permission) {
            Some((_, methods)) => methods.push(endpoint.method.to_string()),
            None => grants.push((endpoint.permission, vec![endpoint.method.to_string()])),
        }
    }
    let grant_text: Vec<String> = grants
        .iter()
        .map(|(permission, methods)| format!("{permission}: {}", methods.join(", ")))
        .collect();
    Some(
        Finding::new(
            "API key permissions",
            if required.is_empty() {
                Verdict::Warn
            } else {
                Verdict::Fail
            },
            format!("the key in ${key_var} may not call: {}", lines.join("; ")),
        )
        .fix(format!(
            "in FusionAuth's admin UI, Settings → API Keys → the key → Endpoints, allow {}",
            grant_text.join("; ")
        )),
    )
}
