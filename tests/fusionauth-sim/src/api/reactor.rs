//! `/api/reactor`: the license. FusionAuth activates a license id against its license servers;
//! the stand-in has none, so it accepts ids of the shape FusionAuth issues and refuses the rest.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

use super::{Shared, json_body};
use crate::Sim;
use crate::errors::ApiError;

pub async fn status(State(sim): Shared) -> Json<Value> {
    let state = sim.model();
    let feature = if state.licensed() {
        "ACTIVE"
    } else {
        "DISABLED"
    };
    Json(json!({"status": {
        "licensed": state.licensed(),
        "advancedOAuthScopes": feature,
        "advancedOAuthScopesCustomScopes": feature,
        "advancedOAuthScopesThirdPartyApplications": feature,
    }}))
}

pub async fn activate(State(sim): Shared, body: Bytes) -> Result<StatusCode, ApiError> {
    let body = json_body(&body)?;
    let license_id = body["licenseId"]
        .as_str()
        .unwrap_or_default()
        .trim()
        .to_string();
    activate_license(&sim, &license_id)?;
    Ok(StatusCode::OK)
}

/// Shared with kickstart's `licenseId`.
pub fn activate_license(sim: &Sim, license_id: &str) -> Result<(), ApiError> {
    if license_id.is_empty() {
        return Err(ApiError::field(
            "licenseId",
            "[blank]licenseId",
            "You must specify the [licenseId] property.",
        ));
    }
    if !plausible_license_id(license_id) {
        sim.log(
            "ERROR",
            "io.fusionauth.api.service.reactor.ReactorService",
            "License activation failed: the license id was not recognized",
        );
        return Err(ApiError::field(
            "licenseId",
            "[invalid]licenseId",
            "The license id is not valid or could not be activated.",
        ));
    }
    let mut state = sim.model();
    state.license_id = Some(license_id.to_string());
    state.touch();
    sim.log(
        "INFO",
        "io.fusionauth.api.service.reactor.ReactorService",
        "License activated",
    );
    Ok(())
}

/// FusionAuth license ids are long opaque tokens; anything short or containing spaces or quotes
/// is a paste error.
fn plausible_license_id(id: &str) -> bool {
    id.len() >= 16
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}
