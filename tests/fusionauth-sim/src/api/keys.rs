//! `/api/key`: generating signing keys. Only asymmetric keys appear in the JWKS; FusionAuth
//! never returns private material through this API.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{NewId, Reply, Shared, get_by_id, json_body, request_object};
use crate::Sim;
use crate::errors::{ApiError, Validation};
use crate::tokens;

pub async fn list(State(sim): Shared) -> Json<Value> {
    let state = sim.model();
    Json(json!({"keys": state.keys.values().map(|k| k.to_json()).collect::<Vec<_>>()}))
}

pub async fn get_one(State(sim): Shared, Path(id): Path<String>) -> Reply {
    get_by_id(&sim, &id, "key", |state, id| {
        state.keys.get(id).map(|key| key.to_json())
    })
}

pub async fn generate(State(sim): Shared, NewId(id): NewId, body: Bytes) -> Reply {
    generate_key(&sim, id, &body).await
}

/// `POST /api/key/generate/{id}`: the same handler, [`NewId`] taking the id from the path.
pub use generate as generate_with_id;

async fn generate_key(sim: &Sim, id: Uuid, body: &Bytes) -> Reply {
    let key = request_object(&json_body(body)?, "key")?;
    let algorithm = key["algorithm"].as_str().unwrap_or_default().to_string();
    let name = key["name"].as_str().unwrap_or_default().trim().to_string();
    let mut v = Validation::default();
    let rsa = matches!(algorithm.as_str(), "RS256" | "RS384" | "RS512");
    let hmac = matches!(algorithm.as_str(), "HS256" | "HS384" | "HS512");
    if algorithm.is_empty() {
        v.add(
            "key.algorithm",
            "[blank]key.algorithm",
            "You must specify the [algorithm] property.",
        );
    } else if !rsa && !hmac {
        return Err(ApiError::invalid_json(
            "key.algorithm",
            format!("[{algorithm}] is not one of the values accepted for the [algorithm] property"),
        ));
    }
    if name.is_empty() {
        v.add(
            "key.name",
            "[blank]key.name",
            "You must specify the [name] property.",
        );
    }
    let length = key["length"].as_u64().unwrap_or(2048) as u32;
    if rsa && ![2048, 3072, 4096].contains(&length) {
        v.add(
            "key.length",
            "[invalid]key.length",
            "The [length] property must be 2048, 3072 or 4096 for RSA keys.",
        );
    }
    {
        let state = sim.model();
        if state.keys.contains_key(&id) {
            v.add(
                "key.id",
                "[duplicate]key.id",
                "A key with this id already exists.",
            );
        }
        if state.keys.values().any(|k| k.name == name) {
            v.add(
                "key.name",
                "[duplicate]key.name",
                "A key with this name already exists.",
            );
        }
    }
    v.finish()?;
    let now = sim.clock.now_millis();
    let stored = if rsa {
        // RSA generation takes a moment; keep it off the async workers.
        let (alg, n) = (algorithm.clone(), name.clone());
        tokio::task::spawn_blocking(move || tokens::new_rsa_key(id, &alg, &n, length, now))
            .await
            .map_err(|_| ApiError::Internal)?
            .map_err(|_| ApiError::Internal)?
    } else {
        let mut k = tokens::new_hmac_key(id, &name, now);
        k.algorithm = algorithm;
        k
    };
    let json = stored.to_json();
    let mut state = sim.model();
    if state.keys.contains_key(&id) {
        return Err(ApiError::duplicate(
            "key.id",
            "A key with this id already exists.",
        ));
    }
    state.keys.insert(id, stored);
    state.touch();
    Ok(Json(json!({"key": json})))
}
