//! Users, their registrations to applications, and the records of their logins.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use serde_with::skip_serializing_none;

/// `User`. The password is not a field: FusionAuth never returns it, and mcp-fa never sends one
/// (the demo user is created by kickstart).
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub id: Option<String>,
    pub tenant_id: Option<String>,
    pub email: Option<String>,
    pub username: Option<String>,
    /// Becomes `given_name` in userinfo (with the `profile` scope).
    pub first_name: Option<String>,
    /// Becomes `family_name` in userinfo (with the `profile` scope).
    pub last_name: Option<String>,
    /// Userinfo's `name` is this field only; FusionAuth never composes it from first and last
    /// name, so set it explicitly.
    pub full_name: Option<String>,
    pub active: Option<bool>,
    pub verified: Option<bool>,
    pub password_change_required: Option<bool>,
    pub registrations: Option<Vec<UserRegistration>>,
    pub data: Option<Map<String, Value>>,
    pub insert_instant: Option<i64>,
    pub last_login_instant: Option<i64>,
    pub last_update_instant: Option<i64>,
}

/// `UserRegistration`: a user's membership of an application. Tokens carry `applicationId` and
/// `roles` only for registered users.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserRegistration {
    pub id: Option<String>,
    pub application_id: Option<String>,
    pub roles: Option<Vec<String>>,
    pub username: Option<String>,
    pub verified: Option<bool>,
    pub data: Option<Map<String, Value>>,
    pub insert_instant: Option<i64>,
    pub last_login_instant: Option<i64>,
}

/// Which login records to fetch. Every criterion is optional; FusionAuth pages the results
/// (`numberOfResults`, default 25).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoginRecordSearchCriteria {
    pub application_id: Option<String>,
    pub user_id: Option<String>,
    /// Epoch milliseconds, inclusive.
    pub start: Option<i64>,
    /// Epoch milliseconds, inclusive.
    pub end: Option<i64>,
    pub number_of_results: Option<u32>,
    pub start_row: Option<u32>,
}

/// `LoginRecordSearchResponse`.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LoginRecordSearchResponse {
    #[serde(default)]
    pub logins: Vec<LoginRecord>,
    /// All matching records, not only this page.
    pub total: Option<u64>,
}

/// `DisplayableRawLogin`: one successful login.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoginRecord {
    pub application_id: Option<String>,
    pub application_name: Option<String>,
    /// Epoch milliseconds.
    pub instant: i64,
    pub ip_address: Option<String>,
    /// The e-mail or username typed at login.
    pub login_id: Option<String>,
    pub user_id: Option<String>,
}
