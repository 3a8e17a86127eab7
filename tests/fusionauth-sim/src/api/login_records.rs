//! `/api/system/login-record/search`: one record per successful login, newest first. Times are
//! epoch milliseconds.

use axum::Json;
use axum::extract::{Query, State};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::{Reply, Shared};
use crate::errors::ApiError;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchQuery {
    application_id: Option<String>,
    user_id: Option<String>,
    start: Option<i64>,
    end: Option<i64>,
    number_of_results: Option<usize>,
    start_row: Option<usize>,
    retrieve_total: Option<bool>,
}

pub async fn search(State(sim): Shared, Query(q): Query<SearchQuery>) -> Reply {
    let parse = |field: &str, raw: &Option<String>| -> Result<Option<Uuid>, ApiError> {
        match raw {
            None => Ok(None),
            Some(s) => s.parse().map(Some).map_err(|_| {
                ApiError::field(
                    field,
                    &format!("[invalid]{field}"),
                    format!("[{s}] is not a valid id."),
                )
            }),
        }
    };
    let app = parse("applicationId", &q.application_id)?;
    let user = parse("userId", &q.user_id)?;
    let state = sim.model();
    let mut matching: Vec<&crate::state::LoginRecord> = state
        .login_records
        .iter()
        .filter(|r| app.is_none() || r.application_id == app)
        .filter(|r| user.is_none_or(|u| r.user_id == u))
        .filter(|r| q.start.is_none_or(|s| r.instant >= s))
        .filter(|r| q.end.is_none_or(|e| r.instant <= e))
        .collect();
    matching.sort_by_key(|r| std::cmp::Reverse(r.instant));
    let total = matching.len();
    let logins: Vec<Value> = matching
        .into_iter()
        .skip(q.start_row.unwrap_or(0))
        .take(q.number_of_results.unwrap_or(25))
        .map(|r| {
            let mut login = json!({
                "instant": r.instant,
                "ipAddress": r.ip_address,
                "loginId": r.login_id,
                "userId": r.user_id,
            });
            if let Some(id) = r.application_id {
                login["applicationId"] = json!(id);
            }
            if let Some(name) = &r.application_name {
                login["applicationName"] = json!(name);
            }
            login
        })
        .collect();
    let mut body = json!({"logins": logins});
    if q.retrieve_total.unwrap_or(true) {
        body["total"] = json!(total);
    }
    Ok(Json(body))
}
