//! `kickstart_configured`: FusionAuth is ready and configured as the tutorial needs: the tenant's
//! issuer is the stack's (its MCP server's origin; FusionAuth's URL for stacks made before the
//! registration bridge), access tokens are signed with an RSA key published in the JWKS, and the
//! demo user exists and is active.

use super::context::{
    CheckContext, REQUEST_TIMEOUT, Verdict, bounded, fusionauth, fusionauth_failed, load_state,
    or_none, or_verdict,
};
use crate::fusionauth::{FusionAuthError, KeyAlgorithm};
use crate::state::StackState;

pub(super) async fn kickstart_configured(ctx: &CheckContext<'_>) -> Verdict {
    let state = or_verdict!(load_state(ctx));
    let fusionauth = or_verdict!(fusionauth(&state));
    let project_flag = ctx.project.flag();
    let url = state.fusionauth_url.clone();
    let recreate = format!(
        "recreate the stack with `mcp-fa down --volumes{project_flag}` and `mcp-fa up{project_flag}` \
         (this deletes its users and clients)"
    );

    match bounded(REQUEST_TIMEOUT, fusionauth.status()).await {
        Ok(Ok(readiness)) if readiness.is_ready() => {}
        Ok(Ok(readiness)) => {
            return Verdict::failed(
                format!("FusionAuth at {url} is not ready: {readiness}"),
                vec![
                    "FusionAuth answers, but not yet (or no longer) with 200: it is still \
                     starting, or its database is unwell."
                        .into(),
                    format!(
                        "Fix: wait a few seconds and check again; `mcp-fa logs fusionauth{project_flag}` \
                         shows what it is doing."
                    ),
                ],
            );
        }
        Ok(Err(error)) => {
            return Verdict::failed(
                format!("FusionAuth does not answer at {url}"),
                vec![
                    error.to_string(),
                    "Usually its container is stopped (Docker restarted, `mcp-fa down`) or the \
                     port changed."
                        .into(),
                    format!(
                        "Fix: `mcp-fa status{project_flag}` shows the containers; `mcp-fa up{project_flag}` starts them again."
                    ),
                ],
            );
        }
        Err(late) => {
            return Verdict::failed(
                format!("FusionAuth at {url} did not answer in time"),
                vec![
                    format!("GET {url}/api/status: {late}."),
                    format!("Fix: `mcp-fa logs fusionauth{project_flag}` shows why it hangs."),
                ],
            );
        }
    }

    let tenant = match &state.tenant_id {
        Some(id) => bounded(REQUEST_TIMEOUT, fusionauth.get_tenant(id))
            .await
            .map(|r| r.map(Some)),
        None => bounded(REQUEST_TIMEOUT, fusionauth.list_tenants())
            .await
            .map(|r| r.map(|tenants| tenants.into_iter().next())),
    };
    let tenant = match tenant {
        Ok(Ok(Some(tenant))) => tenant,
        Ok(Ok(None)) => {
            return Verdict::failed(
                "FusionAuth has no tenant",
                vec![format!("Fix: {recreate}.")],
            );
        }
        Ok(Err(error)) => return api_failed(&error, &state, "read the tenant"),
        Err(late) => return fusionauth_failed("read the tenant", &late, &state),
    };

    let expected_issuer = state.issuer().trim_end_matches('/');
    let issuer = tenant.issuer.clone().unwrap_or_default();
    if issuer.trim_end_matches('/') != expected_issuer {
        return Verdict::failed(
            format!("the tenant's issuer is \"{issuer}\", not {expected_issuer}"),
            vec![
                "Every token's `iss` is the tenant's issuer; MCP clients and the server compare it \
                 with the URL they fetched the discovery document from, so a different issuer makes \
                 them refuse every token (FusionAuth's default is acme.com)."
                    .into(),
                format!(
                    "Fix: in FusionAuth's admin UI, Tenants → Edit → General → Issuer: set \
                     {expected_issuer}. Or {recreate}."
                ),
            ],
        );
    }

    let key_id = tenant
        .jwt_configuration
        .as_ref()
        .and_then(|jwt| jwt.access_token_key_id.clone());
    let Some(key_id) = key_id else {
        return Verdict::failed(
            "the tenant names no access-token signing key",
            vec![format!(
                "Fix: in the admin UI, Tenants → Edit → JWT → Access token signing key: choose \
                 the RSA key {}. Or {recreate}.",
                state.signing_key_id
            )],
        );
    };
    let key = match bounded(REQUEST_TIMEOUT, fusionauth.get_key(&key_id)).await {
        Ok(Ok(key)) => key,
        Ok(Err(error)) => return api_failed(&error, &state, "read the signing key"),
        Err(late) => return fusionauth_failed("read the signing key", &late, &state),
    };
    let algorithm = key.algorithm.unwrap_or(KeyAlgorithm::Unrecognized);
    let key_name = key.name.clone().unwrap_or_else(|| key_id.clone());
    if !matches!(
        algorithm,
        KeyAlgorithm::Rs256 | KeyAlgorithm::Rs384 | KeyAlgorithm::Rs512
    ) {
        return Verdict::failed(
            format!(
                "access tokens are signed with \"{key_name}\", an {algorithm} key, not an RSA key"
            ),
            vec![
                format!(
                    "The tenant's access-token key is {key_id} ({algorithm}). An HMAC key (HS256, \
                     FusionAuth's default) signs with a shared secret, which FusionAuth never \
                     publishes: the MCP server can only verify tokens with the public keys in \
                     FusionAuth's JWKS, so it would refuse every token."
                ),
                format!(
                    "Usually the key was switched back in the admin UI or through the API. Fix: \
                     Tenants → Edit → JWT → Access token signing key (and Id token signing key): \
                     choose the RSA key kickstart created, id {}; through the API: PATCH \
                     /api/tenant/{} with {{\"tenant\": {{\"jwtConfiguration\": \
                     {{\"accessTokenKeyId\": \"{}\"}}}}}}.",
                    state.signing_key_id,
                    tenant.id.as_deref().unwrap_or("<tenant id>"),
                    state.signing_key_id
                ),
            ],
        );
    }
    let kid = key.kid.clone().unwrap_or_default();
    let jwks = match bounded(REQUEST_TIMEOUT, fusionauth.jwks()).await {
        Ok(Ok(jwks)) => jwks,
        Ok(Err(error)) => return api_failed(&error, &state, "read the JWKS"),
        Err(late) => return fusionauth_failed("read the JWKS", &late, &state),
    };
    if !jwks
        .keys
        .iter()
        .any(|k| k.kid.as_deref() == Some(kid.as_str()))
    {
        let published: Vec<String> = jwks.keys.iter().filter_map(|k| k.kid.clone()).collect();
        return Verdict::failed(
            format!("the signing key {kid} is not in FusionAuth's JWKS"),
            vec![
                format!(
                    "{url}/.well-known/jwks.json publishes: {}. The server looks a token's `kid` \
                     up there, so tokens signed with {kid} would be refused.",
                    or_none(&published.join(", "))
                ),
                format!("Fix: {recreate}."),
            ],
        );
    }

    let Some(demo) = state.user("demo") else {
        return Verdict::failed(
            "the state file names no demo user",
            vec![format!(
                "Nobody could log in to an MCP client. Fix: {recreate}."
            )],
        );
    };
    match bounded(REQUEST_TIMEOUT, fusionauth.get_user(&demo.id)).await {
        Ok(Ok(user)) if user.active != Some(false) => {}
        Ok(Ok(_)) => {
            return Verdict::failed(
                format!("the demo user {} is deactivated", demo.email),
                vec![format!(
                    "Fix: reactivate it in the admin UI (Users → {} → Action → Reactivate), or {recreate}.",
                    demo.email
                )],
            );
        }
        Ok(Err(error)) if error.is_not_found() => {
            return Verdict::failed(
                format!(
                    "the demo user {} no longer exists in FusionAuth",
                    demo.email
                ),
                vec![
                    "It was deleted (or the database was replaced), so nobody can log in with the \
                     credentials mcp-fa printed."
                        .into(),
                    format!("Fix: {recreate}."),
                ],
            );
        }
        Ok(Err(error)) => return api_failed(&error, &state, "read the demo user"),
        Err(late) => return fusionauth_failed("read the demo user", &late, &state),
    }

    Verdict::passed(
        format!("FusionAuth is ready at {url} and configured as the tutorial needs"),
        vec![
            format!(
                "Issuer: {issuer} (every token's `iss`){}.",
                if issuer.trim_end_matches('/') == state.mcp_origin() {
                    ": the MCP server's origin, where it publishes the metadata clients that \
                     register themselves read"
                } else {
                    ""
                }
            ),
            format!(
                "Access tokens are signed with the {algorithm} key \"{key_name}\" (kid {kid}), \
                 published in {url}/.well-known/jwks.json for the server to verify with."
            ),
            format!(
                "Demo user: {} (`mcp-fa status{project_flag} --show-secrets` shows its password).",
                demo.email
            ),
            "API key: accepted (it is kept in the state file, never printed).".into(),
        ],
    )
}

/// FusionAuth refused or failed an API call.
fn api_failed(error: &FusionAuthError, state: &StackState, what: &str) -> Verdict {
    let project_flag = state.project.flag();
    if error.is_unauthorized() {
        return Verdict::failed(
            "FusionAuth does not accept the stack's API key",
            vec![
                format!("Trying to {what}: {error}."),
                "The key in the state file was created by kickstart on an empty database; a \
                 database created some other way (another state file, a restored volume) never \
                 got it, or the key was deleted in the admin UI."
                    .into(),
                format!(
                    "Fix: recreate the stack with `mcp-fa down --volumes{project_flag}` and `mcp-fa up{project_flag}`."
                ),
            ],
        );
    }
    if error.is_unreachable() {
        return fusionauth_failed(what, &error.to_string(), state);
    }
    Verdict::failed(
        format!("could not {what} in FusionAuth"),
        vec![
            error.to_string(),
            format!("Fix: `mcp-fa doctor{project_flag}` checks FusionAuth and the stack."),
        ],
    )
}
