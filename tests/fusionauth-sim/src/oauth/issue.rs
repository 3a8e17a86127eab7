//! Building and signing tokens. The access token is signed with the tenant's
//! `accessTokenKeyId` (HS256 "Default signing key" unless kickstart changed it), the id token
//! with `idTokenKeyId`. `aud` is the client id, or, when resources were granted, the array
//! `[client_id, resource...]` with the client id first (FusionAuth 1.67+).

use serde_json::{Value, json};
use uuid::Uuid;

use super::ClientSettings;
use crate::Sim;
use crate::errors::OAuthError;
use crate::state::{RefreshGrant, State};
use crate::tokens;

/// Who the tokens are for and what they grant.
pub struct Grant<'a> {
    pub client: &'a ClientSettings,
    pub user_id: Uuid,
    pub scopes: &'a [String],
    pub resources: &'a [String],
    pub sid: &'a str,
    pub auth_time: i64,
    pub nonce: Option<&'a str>,
    pub authentication_type: &'a str,
    /// Whether PKCE protected the original authorization; refresh grants remember it.
    pub used_pkce: bool,
}

pub fn audience(client_id: Uuid, resources: &[String]) -> Value {
    if resources.is_empty() {
        json!(client_id)
    } else {
        let mut aud = vec![json!(client_id)];
        aud.extend(resources.iter().map(|r| json!(r)));
        Value::Array(aud)
    }
}

fn server_error(description: &str) -> OAuthError {
    OAuthError::new("server_error", "unknown", description)
}

/// The `/oauth2/token` success body. A refresh token is issued only when `offline_access` was
/// granted, the application generates refresh tokens and has the refresh_token grant enabled.
pub fn token_response(
    sim: &Sim,
    state: &mut State,
    grant: &Grant<'_>,
    existing_refresh: Option<(&str, Uuid)>,
) -> Result<Value, OAuthError> {
    let now = sim.clock.now_secs();
    let tenant_id = state.tenant_id_of_application(&grant.client.id);
    let tenant = state.tenant_by_id(&tenant_id).clone();
    let ttl = tenant["jwtConfiguration"]["timeToLiveInSeconds"]
        .as_i64()
        .unwrap_or(3600);
    let key_for = |field: &str| -> Result<crate::state::StoredKey, OAuthError> {
        tenant["jwtConfiguration"][field]
            .as_str()
            .and_then(|s| s.parse::<Uuid>().ok())
            .and_then(|id| state.keys.get(&id).cloned())
            .ok_or_else(|| server_error("The tenant's signing key does not exist."))
    };
    let access_key = key_for("accessTokenKeyId")?;
    let id_key = key_for("idTokenKeyId")?;
    let stored_user = state.users.get(&grant.user_id).ok_or_else(|| {
        OAuthError::new(
            "invalid_grant",
            "user_not_found",
            "The user no longer exists.",
        )
    })?;
    let user = stored_user.user.clone();
    let registration = state
        .registration(&grant.user_id, &grant.client.id)
        .cloned();
    let scope = grant.scopes.join(" ");
    let issuer = state.issuer_of(&tenant_id);
    // What the access and the id token both say, in FusionAuth's order; each has its own `jti`.
    let issued_to = |aud: Value| {
        json!({
            "aud": aud,
            "exp": now + ttl,
            "iat": now,
            "iss": issuer,
            "sub": grant.user_id,
            "jti": Uuid::new_v4(),
            "authenticationType": grant.authentication_type,
            "auth_time": grant.auth_time,
            "tid": tenant_id,
        })
    };
    let mut access = issued_to(audience(grant.client.id, grant.resources));
    access["scope"] = json!(scope);
    if let Some(reg) = &registration {
        access["applicationId"] = json!(grant.client.id);
        access["roles"] = reg["roles"].clone();
    }
    if !grant.client.strict {
        // Compatibility mode puts identity claims in the access token regardless of scope.
        access["email"] = user["email"].clone();
        access["email_verified"] = json!(true);
        if let Some(u) = user["username"].as_str() {
            access["preferred_username"] = json!(u);
        }
    }
    // The refresh token is settled first: the access token's `sid` is its id, and an access
    // token without a refresh token has no `sid` at all.
    let wants_refresh = grant.scopes.iter().any(|s| s == "offline_access")
        && grant.client.generate_refresh_tokens
        && grant.client.grant_enabled("refresh_token");
    let refresh = if let Some((token, id)) = existing_refresh {
        Some((token.to_string(), id))
    } else if wants_refresh {
        let token = tokens::random_b64(48);
        let id = Uuid::new_v4();
        let minutes = tenant["jwtConfiguration"]["refreshTokenTimeToLiveInMinutes"]
            .as_i64()
            .unwrap_or(43200);
        state.refresh_tokens.insert(
            token.clone(),
            RefreshGrant {
                id,
                client_id: grant.client.id,
                user_id: grant.user_id,
                scopes: grant.scopes.to_vec(),
                resources: grant.resources.to_vec(),
                sid: grant.sid.to_string(),
                auth_time: grant.auth_time,
                used_pkce: grant.used_pkce,
                expires_millis: sim.clock.now_millis() + minutes * 60_000,
            },
        );
        Some((token, id))
    } else {
        None
    };
    if let Some((_, id)) = &refresh {
        access["sid"] = json!(id);
    }
    let access_token = tokens::sign(&access_key, &access).map_err(|e| server_error(&e))?;
    let mut body = json!({
        "access_token": access_token,
        "expires_in": ttl,
        "scope": scope,
        "token_type": "Bearer",
        "userId": grant.user_id,
    });
    if grant.scopes.iter().any(|s| s == "openid") {
        let mut id = issued_to(json!(grant.client.id));
        id["sid"] = json!(grant.sid);
        if let Some(nonce) = grant.nonce {
            id["nonce"] = json!(nonce);
        }
        let claims = super::userinfo::claims_for(&user, grant.scopes, grant.client.strict);
        if let (Some(id), Some(extra)) = (id.as_object_mut(), claims.as_object()) {
            for (k, v) in extra {
                if k != "sub" {
                    id.insert(k.clone(), v.clone());
                }
            }
        }
        body["id_token"] = json!(tokens::sign(&id_key, &id).map_err(|e| server_error(&e))?);
    }
    if let Some((token, id)) = refresh {
        body["refresh_token"] = json!(token);
        body["refresh_token_id"] = json!(id);
    }
    state.touch();
    Ok(body)
}
