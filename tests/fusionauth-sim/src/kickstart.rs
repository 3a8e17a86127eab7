//! Kickstart, as FusionAuth runs it: only on an untouched database, only after `/api/status`
//! already answers 200, creating the first API key, activating the license (a failure there ends
//! kickstart before any request), then sending each request through the instance's own API with
//! the first key, stopping at the first non-2xx answer, and creating the other keys last. Log
//! lines follow FusionAuth's wording and layout (a failed request is logged as sent, then
//! FusionAuth's answer as a second record), since tools (and people) grep for them.

use std::collections::HashMap;
use std::path::Path;

use axum::body::Body;
use axum::http::{Request, header};
use serde_json::Value;
use tower::ServiceExt;
use uuid::Uuid;

use crate::Sim;
use crate::http::InternalCall;
use crate::state::ApiKey;

const LOGGER: &str = "io.fusionauth.api.service.system.kickstart.KickstartRunner";

/// How a kickstart run ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KickstartOutcome {
    /// No `FUSIONAUTH_APP_KICKSTART_FILE`.
    NotConfigured,
    /// The database was not empty: kickstart never runs twice.
    Skipped,
    /// The file could not be read, parsed or resolved; nothing was done.
    Invalid(String),
    /// Something outside the requests failed (license activation): no request ran.
    Aborted {
        reason: String,
    },
    /// A request answered non-2xx; it and everything after it did not take effect.
    Failed {
        method: String,
        url: String,
        status: u16,
    },
    Completed {
        requests: usize,
    },
}

pub async fn run(sim: &std::sync::Arc<Sim>) -> KickstartOutcome {
    let Some(path) = sim.config.kickstart_file.clone() else {
        return KickstartOutcome::NotConfigured;
    };
    if !sim
        .state
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .is_untouched()
    {
        sim.log(
            "INFO",
            LOGGER,
            "Kickstart will not run: the database is not empty (it has API keys, users or configuration already).",
        );
        return KickstartOutcome::Skipped;
    }
    let document = match load(sim, &path) {
        Ok(doc) => doc,
        Err(reason) => {
            sim.log(
                "ERROR",
                LOGGER,
                format!(
                    "Unable to process the kickstart file [{}]. {reason}",
                    path.display()
                ),
            );
            return KickstartOutcome::Invalid(reason);
        }
    };
    let outcome = execute(sim, &document).await;
    {
        let mut state = sim.model();
        state.kickstart_ran = true;
        state.touch();
    }
    persist(sim).await;
    outcome
}

async fn persist(sim: &Sim) {
    if let Some(db) = &sim.database {
        let snapshot = sim.model().clone();
        if let Err(e) = db.save(&snapshot).await {
            sim.log(
                "ERROR",
                LOGGER,
                format!("Unable to save kickstart results: {e}"),
            );
        }
    }
}

/// Reads the file, resolves includes and `#{...}` substitutions, and parses the result.
fn load(sim: &Sim, path: &Path) -> Result<Value, String> {
    let raw =
        std::fs::read_to_string(path).map_err(|e| format!("The file could not be read: {e}."))?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let parsed: Value = serde_json::from_str(&raw)
        .map_err(|e| format!("The file is not valid JSON (comments are not allowed): {e}."))?;
    let variables = resolve_variables(sim, &parsed)?;
    let included = resolve_includes(&raw, dir)?;
    let substituted = substitute(&included, &variables, &sim.config.env)?;
    serde_json::from_str(&substituted)
        .map_err(|e| format!("The file is not valid JSON after substitution: {e}."))
}

fn resolve_variables(sim: &Sim, doc: &Value) -> Result<HashMap<String, String>, String> {
    let state = sim.model();
    let mut vars = HashMap::new();
    vars.insert(
        "FUSIONAUTH_TENANT_ID".to_string(),
        state.default_tenant_id.to_string(),
    );
    vars.insert(
        "FUSIONAUTH_APPLICATION_ID".to_string(),
        crate::state::ADMIN_APPLICATION_ID.to_string(),
    );
    vars.insert(
        "FUSIONAUTH_DEFAULT_SIGNING_KEY_ID".to_string(),
        state.default_signing_key_id.to_string(),
    );
    drop(state);
    if let Some(defined) = doc.get("variables") {
        let Some(defined) = defined.as_object() else {
            return Err("[variables] must be an object.".into());
        };
        for (name, value) in defined {
            let text = match value {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            let resolved = substitute_raw(&text, &vars, &sim.config.env)?;
            vars.insert(name.clone(), resolved);
        }
    }
    Ok(vars)
}

/// `"&{file}"` (quotes included) becomes that JSON file; `@{file}` inside a string becomes the
/// file's text, JSON-escaped.
fn resolve_includes(raw: &str, dir: &Path) -> Result<String, String> {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    loop {
        let json_inc = rest.find("\"&{");
        let text_inc = rest.find("@{");
        let next = match (json_inc, text_inc) {
            (Some(a), Some(b)) => a.min(b),
            (Some(a), None) => a,
            (None, Some(b)) => b,
            (None, None) => break,
        };
        out.push_str(&rest[..next]);
        let is_json = Some(next) == json_inc;
        let start = next + if is_json { 3 } else { 2 };
        let end = rest[start..]
            .find('}')
            .map(|e| start + e)
            .ok_or("An include is missing its closing brace.")?;
        let file = dir.join(&rest[start..end]);
        let content = std::fs::read_to_string(&file).map_err(|e| {
            format!(
                "The included file [{}] could not be read: {e}.",
                file.display()
            )
        })?;
        if is_json {
            if !rest[end + 1..].starts_with('"') {
                return Err("A JSON include must be a whole string value: \"&{file}\".".into());
            }
            out.push_str(&content);
            rest = &rest[end + 2..];
        } else {
            let escaped = serde_json::to_string(&content).map_err(|e| e.to_string())?;
            out.push_str(&escaped[1..escaped.len() - 1]);
            rest = &rest[end + 1..];
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// Replaces every `#{...}` in the JSON text, escaping values for a JSON string.
fn substitute(
    text: &str,
    vars: &HashMap<String, String>,
    env: &HashMap<String, String>,
) -> Result<String, String> {
    replace_placeholders(text, |name| {
        let value = lookup(name, vars, env)?;
        let escaped = serde_json::to_string(&value).map_err(|e| e.to_string())?;
        Ok(escaped[1..escaped.len() - 1].to_string())
    })
}

/// The same for a variable's value, which is not yet inside JSON text.
fn substitute_raw(
    text: &str,
    vars: &HashMap<String, String>,
    env: &HashMap<String, String>,
) -> Result<String, String> {
    replace_placeholders(text, |name| lookup(name, vars, env))
}

fn lookup(
    name: &str,
    vars: &HashMap<String, String>,
    env: &HashMap<String, String>,
) -> Result<String, String> {
    if name == "UUID()" {
        return Ok(Uuid::new_v4().to_string());
    }
    if let Some(var) = name.strip_prefix("ENV.") {
        return env.get(var).cloned().ok_or_else(|| {
            format!("The environment variable [{var}] referenced as #{{ENV.{var}}} is not set.")
        });
    }
    vars.get(name)
        .cloned()
        .ok_or_else(|| format!("The variable [{name}] referenced as #{{{name}}} is not defined."))
}

fn replace_placeholders(
    text: &str,
    mut value_of: impl FnMut(&str) -> Result<String, String>,
) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("#{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        // `#{UUID()}` contains no brace, so the first `}` ends every placeholder.
        let end = after
            .find('}')
            .ok_or("A #{ placeholder is missing its closing brace.")?;
        out.push_str(&value_of(after[..end].trim())?);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

async fn execute(sim: &std::sync::Arc<Sim>, doc: &Value) -> KickstartOutcome {
    let keys = doc["apiKeys"].as_array().cloned().unwrap_or_default();
    let Some(first) = keys.first() else {
        let reason =
            "The kickstart file must define at least one API key in [apiKeys].".to_string();
        sim.log("ERROR", LOGGER, &reason);
        return KickstartOutcome::Invalid(reason);
    };
    if first.get("tenantId").is_some_and(|t| !t.is_null()) {
        let reason = "The first API key in [apiKeys] must be a global key (no [tenantId]); kickstart uses it for every request.".to_string();
        sim.log("ERROR", LOGGER, &reason);
        return KickstartOutcome::Invalid(reason);
    }
    let mut created = Vec::new();
    for key in &keys {
        let Some(value) = key["key"].as_str().filter(|k| !k.trim().is_empty()) else {
            let reason = "Every API key in [apiKeys] needs a [key] value.".to_string();
            sim.log("ERROR", LOGGER, &reason);
            return KickstartOutcome::Invalid(reason);
        };
        created.push(ApiKey {
            id: key["id"]
                .as_str()
                .and_then(|s| s.parse().ok())
                .unwrap_or_else(Uuid::new_v4),
            key: value.to_string(),
            tenant_id: key["tenantId"].as_str().and_then(|s| s.parse().ok()),
            description: key["description"].as_str().map(str::to_string),
            insert_instant: sim.clock.now_millis(),
            permissions: crate::tenancy::Permissions::from_json(&key["permissions"]),
            key_manager: key["keyManager"].as_bool().unwrap_or(false),
        });
    }
    // The first key is created before anything else (every request uses it), the others only
    // after the last request succeeded.
    let later_keys = created.split_off(1);
    let api_key = created[0].key.clone();
    let mut summary = vec![created_key(&created[0].key)];
    add_keys(sim, created).await;
    if let Some(license) = doc["licenseId"].as_str().filter(|l| !l.is_empty()) {
        // An exception here ends kickstart before its first request, with FusionAuth's one
        // line for every failure outside a request.
        if crate::api::reactor::activate_license(sim, license).is_err() {
            let reason = "The license id could not be activated.".to_string();
            sim.log(
                "ERROR",
                LOGGER,
                format!(
                    "Failed to complete kickstart.\nio.fusionauth.api.service.reactor.ReactorException: {reason}"
                ),
            );
            return KickstartOutcome::Aborted { reason };
        }
        summary.push(format!("Activate License Id [...{}]", ending(license, 6)));
    }
    let requests = doc["requests"].as_array().cloned().unwrap_or_default();
    let router = crate::http::router(sim.clone());
    for request in &requests {
        let method = request["method"]
            .as_str()
            .unwrap_or_default()
            .to_uppercase();
        let url = request["url"].as_str().unwrap_or_default().to_string();
        if !matches!(method.as_str(), "POST" | "PUT" | "PATCH") || !url.starts_with('/') {
            let reason = format!(
                "Invalid request [{method}][{url}]: the method must be POST, PUT or PATCH and the url a path starting with /."
            );
            sim.log("ERROR", LOGGER, &reason);
            return KickstartOutcome::Invalid(reason);
        }
        let body = request.get("body").cloned().unwrap_or(Value::Null);
        let mut builder = Request::builder()
            .method(method.as_str())
            .uri(&url)
            .header(header::AUTHORIZATION, &api_key)
            .header(header::CONTENT_TYPE, "application/json")
            .extension(InternalCall);
        if let Some(tenant) = request["tenantId"].as_str() {
            builder = builder.header("X-FusionAuth-TenantId", tenant);
        }
        let Ok(http_request) = builder.body(Body::from(if body.is_null() {
            String::new()
        } else {
            body.to_string()
        })) else {
            let reason = format!("Invalid request [{method}][{url}].");
            sim.log("ERROR", LOGGER, &reason);
            return KickstartOutcome::Invalid(reason);
        };
        let response = match router.clone().oneshot(http_request).await {
            Ok(r) => r,
            Err(never) => match never {},
        };
        let status = response.status().as_u16();
        if !(200..300).contains(&status) {
            let text = axum::body::to_bytes(response.into_body(), 1 << 20)
                .await
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .unwrap_or_default();
            // Two records, each spanning several lines: the request as it was sent (secrets
            // and all), then FusionAuth's answer; an empty answer is logged as `null`.
            sim.log(
                "ERROR",
                LOGGER,
                format!(
                    "Failed to execute request to [{method}][{url}] Status [{status}]\nRequest body:\n{}",
                    pretty(&body)
                ),
            );
            let answer = serde_json::from_str(&text).unwrap_or(Value::Null);
            sim.log(
                "ERROR",
                LOGGER,
                format!("Error response:\n{}", pretty(&answer)),
            );
            return KickstartOutcome::Failed {
                method,
                url,
                status,
            };
        }
        summary.push(format!("Completed [{method}] request to [{url}]"));
    }
    summary.extend(later_keys.iter().map(|key| created_key(&key.key)));
    add_keys(sim, later_keys).await;
    sim.log(
        "INFO",
        LOGGER,
        format!("Summary:\n  - {}", summary.join("\n  - ")),
    );
    KickstartOutcome::Completed {
        requests: requests.len(),
    }
}

async fn add_keys(sim: &Sim, keys: Vec<ApiKey>) {
    if keys.is_empty() {
        return;
    }
    {
        let mut state = sim.model();
        state.api_keys.extend(keys);
        state.touch();
    }
    persist(sim).await;
}

/// The summary's line for a key: only its last four characters.
fn created_key(key: &str) -> String {
    let shown = if key.chars().count() < 10 {
        "****".to_string()
    } else {
        ending(key, 4)
    };
    format!("Created API key ending in [...{shown}]")
}

fn ending(text: &str, count: usize) -> String {
    let skip = text.chars().count().saturating_sub(count);
    text.chars().skip(skip).collect()
}

fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_replaced_and_unknown_ones_refused() {
        let mut vars = HashMap::new();
        vars.insert("appId".to_string(), "abc".to_string());
        let env = HashMap::from([("SECRET".to_string(), "s\"q".to_string())]);
        assert_eq!(
            substitute("{\"a\":\"#{appId}\",\"b\":\"#{ENV.SECRET}\"}", &vars, &env).unwrap(),
            "{\"a\":\"abc\",\"b\":\"s\\\"q\"}"
        );
        assert!(
            substitute("#{nope}", &vars, &env)
                .unwrap_err()
                .contains("[nope]")
        );
        assert!(
            substitute("#{ENV.MISSING}", &vars, &env)
                .unwrap_err()
                .contains("MISSING")
        );
        let a = substitute_raw("#{UUID()}", &vars, &env).unwrap();
        let b = substitute_raw("#{UUID()}", &vars, &env).unwrap();
        assert_ne!(a, b);
        assert!(a.parse::<Uuid>().is_ok());
    }
}
