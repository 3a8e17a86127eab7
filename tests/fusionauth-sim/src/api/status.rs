//! `/api/status`. FusionAuth answers 200 only when healthy, 452 without a database connection,
//! and, while it boots or sits in maintenance mode, something that is not JSON: a 503 at first,
//! then a 200 HTML page. "Ready" therefore means 200 AND `application/json`.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::Shared;
use crate::Phase;

pub async fn status(State(sim): Shared) -> Response {
    if let Some(db) = &sim.database {
        // Until boot has loaded the data, the boot loop owns the phase.
        if sim.booted.load(std::sync::atomic::Ordering::SeqCst) {
            let reachable = db.ping().await;
            let next = if reachable {
                Phase::Ready
            } else {
                Phase::DatabaseUnreachable
            };
            if sim.phase() != next {
                let _ = sim.phase.send_replace(next);
            }
        }
    }
    match sim.phase() {
        Phase::Ready => (StatusCode::OK, axum::Json(json!({"status": "ok"}))).into_response(),
        Phase::DatabaseUnreachable => (
            StatusCode::from_u16(452).expect("valid status"),
            axum::Json(json!({})),
        )
            .into_response(),
        // The JVM answers 503 first, then FusionAuth's maintenance-mode page with a 200.
        Phase::Booting if sim.started.elapsed() < sim.config.boot_delay / 2 => (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::CONTENT_TYPE, "text/html")],
            "",
        )
            .into_response(),
        Phase::Booting => maintenance_page(),
    }
}

/// What FusionAuth serves while it is not yet ready: HTML, sometimes with a 200.
pub fn maintenance_page() -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/html;charset=UTF-8")],
        "<!DOCTYPE html><html><head><title>FusionAuth stand-in</title></head>\
         <body><h1>Maintenance mode</h1><p>The instance is starting.</p></body></html>",
    )
        .into_response()
}

/// `GET /api/system/version`. The stand-in speaks FusionAuth 1.69's API whatever it reports;
/// `FUSIONAUTH_SIM_VERSION` changes only this answer, so tests can hold a tool's version checks
/// against an older FusionAuth.
pub async fn version(State(sim): Shared) -> axum::Json<serde_json::Value> {
    axum::Json(json!({"version": sim.config.version}))
}
