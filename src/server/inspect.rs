//! `mcp-fa token inspect`: reads an access token, decodes its header and claims without trusting
//! them, then asks the verifier this stack's MCP server uses whether it would accept the token,
//! and which tools its scopes open. For a remote project, the server is the one protected by
//! that FusionAuth's tenant at the project's public URL.
//!
//! It owns the report (text or JSON, returned for the command to print). The report never holds
//! the token or its signature, and the token goes nowhere but the stack's own FusionAuth (and
//! only when the server itself would send it: with `--validation fusionauth`; the default local
//! validation only fetches keys). [`Inspection::verdict`] is `Ok` only when the stack's server
//! accepts the token, so the command's exit status can be relied on.

use std::net::SocketAddr;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value, json};

use super::config::{PublicUrls, ServeConfig};
use super::error::ServerError;
use super::scopes::{GET_NAME, ScopeMode, WHOAMI};
use super::verifier::{Rejection, TokenVerifier, now_secs, printable};
use crate::fusionauth::{FusionAuthClient, Timeouts};
use crate::project::ProjectName;
use crate::site::Site;
use crate::state::StateStore;

/// How to hand a token over, for every error that lacks one.
pub const HOW_TO_PASS: &str = "pipe it in (`printf '%s' \"$TOKEN\" | mcp-fa token inspect`, which \
     keeps it out of the process list) or pass it as the argument (`mcp-fa token inspect eyJ…`)";

/// What `token inspect` found: the report to show, and whether the stack's server accepts the
/// token.
pub struct Inspection {
    report: Report,
    outcome: Outcome,
    resource: Option<String>,
}

impl Inspection {
    /// The report for a person.
    pub fn text(&self) -> String {
        self.report.text()
    }

    /// The report as one JSON document.
    pub fn json(&self) -> Value {
        self.report.json()
    }

    /// `Ok` when the stack's server accepts the token; otherwise why not, as the error the
    /// command exits with.
    pub fn verdict(self) -> Result<(), ServerError> {
        match self.outcome {
            Outcome::Accepted => Ok(()),
            Outcome::Refused(rejection) => Err(ServerError::TokenRefused {
                resource: self.resource.unwrap_or_default(),
                reason: rejection.to_string(),
            }),
            Outcome::Unverified(reason) => Err(ServerError::TokenUnverified { reason }),
        }
    }
}

/// Decodes `token` (already trimmed of whitespace and a `Bearer ` prefix) and asks the verifier
/// the stack `project`'s server uses whether it would accept it.
pub async fn inspect(project: &ProjectName, token: &str) -> Result<Inspection, ServerError> {
    let decoded = Decoded::read(token)?;
    let verdict = verdict_for_stack(project, token).await;
    Ok(inspection(&decoded, verdict))
}

/// The same for the server of any site (a remote project's).
pub async fn inspect_for_site(site: &Site, token: &str) -> Result<Inspection, ServerError> {
    let decoded = Decoded::read(token)?;
    let verdict = verdict_for_site(site, token).await;
    Ok(inspection(&decoded, verdict))
}

fn inspection(decoded: &Decoded, verdict: Verdict) -> Inspection {
    let report = Report::new(decoded, &verdict, now_secs());
    Inspection {
        report,
        outcome: verdict.outcome,
        resource: verdict.resource,
    }
}

/// The token's header and claims, as they claim to be (nothing checked yet).
#[derive(Debug)]
struct Decoded {
    header: Map<String, Value>,
    claims: Map<String, Value>,
}

impl Decoded {
    fn read(token: &str) -> Result<Self, ServerError> {
        if token.is_empty() {
            return Err(ServerError::NoTokenGiven {
                how: HOW_TO_PASS,
                what: "the input is empty",
            });
        }
        let undecodable = |reason: &str| ServerError::TokenUndecodable {
            reason: reason.to_owned(),
        };
        let parts: Vec<&str> = token.split('.').collect();
        if parts.len() != 3 {
            return Err(undecodable(&format!(
                "a JWT has three parts separated by dots; this has {}",
                parts.len()
            )));
        }
        let part = |index: usize, name: &str| -> Result<Map<String, Value>, ServerError> {
            let bytes = URL_SAFE_NO_PAD
                .decode(parts[index].trim_end_matches('='))
                .map_err(|_| undecodable(&format!("its {name} is not base64url")))?;
            match serde_json::from_slice::<Value>(&bytes) {
                Ok(Value::Object(map)) => Ok(map),
                _ => Err(undecodable(&format!("its {name} is not a JSON object"))),
            }
        };
        let header = part(0, "header")?;
        let claims = part(1, "claims part")?;
        if !header.contains_key("alg") {
            return Err(undecodable("its header names no algorithm (`alg`)"));
        }
        Ok(Self { header, claims })
    }

    fn text(map: &Map<String, Value>, name: &str) -> Option<String> {
        map.get(name)
            .and_then(Value::as_str)
            .map(|value| printable(value, 200))
    }

    fn number(&self, name: &str) -> Option<i64> {
        self.claims.get(name).and_then(Value::as_i64)
    }

    fn audience(&self) -> Vec<String> {
        match self.claims.get("aud") {
            Some(Value::String(one)) => vec![printable(one, 200)],
            Some(Value::Array(list)) => list
                .iter()
                .filter_map(Value::as_str)
                .take(16)
                .map(|aud| printable(aud, 200))
                .collect(),
            _ => Vec::new(),
        }
    }

    fn scopes(&self) -> Vec<String> {
        Self::text(&self.claims, "scope")
            .unwrap_or_default()
            .split_whitespace()
            .map(str::to_owned)
            .collect()
    }

    /// The application the token was issued to. FusionAuth names it in `applicationId` (when the
    /// user is registered) and as the first audience when a resource was asked for (the verifier
    /// reads it the same way); other issuers use `client_id` or `azp`.
    fn client_id(&self, resource: Option<&str>) -> Option<String> {
        ["applicationId", "client_id", "azp"]
            .iter()
            .find_map(|name| Self::text(&self.claims, name))
            .or_else(|| match self.claims.get("aud") {
                Some(Value::Array(list)) => list.first().and_then(Value::as_str).map(str::to_owned),
                Some(Value::String(one)) if Some(one.as_str()) != resource => Some(one.clone()),
                _ => None,
            })
            .map(|id| printable(&id, 200))
    }
}

enum Outcome {
    Accepted,
    Refused(Rejection),
    /// Why the token could not be checked (no stack, FusionAuth unreachable, …).
    Unverified(String),
}

/// What this stack's server says about the token.
struct Verdict {
    outcome: Outcome,
    /// The resource URI the stack's server serves, when a stack is known.
    resource: Option<String>,
    /// The stack's scope mode, when a stack is known.
    scopes: Option<ScopeMode>,
    /// The verified scopes when accepted; else the claimed ones are used.
    verified_scopes: Option<Vec<String>>,
}

/// Why the token could not be checked, before anything about the server is known.
fn unverified(reason: String) -> Verdict {
    Verdict {
        outcome: Outcome::Unverified(reason),
        resource: None,
        scopes: None,
        verified_scopes: None,
    }
}

async fn verdict_for_stack(project: &ProjectName, token: &str) -> Verdict {
    let store = match StateStore::from_env() {
        Ok(store) => store,
        Err(error) => return unverified(format!("the stack's state is unreadable: {error}")),
    };
    let state = match store.load(project) {
        Ok(Some(state)) => state,
        Ok(None) => {
            return unverified(format!(
                "no mcp-fa stack named `{project}` is known here ({} does not exist); start one \
                 with `mcp-fa up{}` (or name another with --project)",
                store.path(project).display(),
                project.flag()
            ));
        }
        Err(error) => return unverified(format!("the stack's state is unreadable: {error}")),
    };
    match Site::from_stack(&state) {
        Ok(site) => verdict_for_site(&site, token).await,
        Err(error) => unverified(error.to_string()),
    }
}

async fn verdict_for_site(site: &Site, token: &str) -> Verdict {
    let project = &site.project;
    let config = match ServeConfig::for_site(site) {
        Ok(config) => config,
        Err(error) => return unverified(error.to_string()),
    };
    // The resource the site's server serves: its public URL's, or the stack's MCP port.
    let urls = PublicUrls::new(
        config.public_url.as_ref(),
        SocketAddr::from(([127, 0, 0, 1], config.bind.port())),
    );
    let mut verdict = Verdict {
        outcome: Outcome::Unverified(String::new()),
        resource: Some(urls.resource.clone()),
        scopes: Some(config.scopes),
        verified_scopes: None,
    };
    let Some(base) = config.fusionauth_url.clone() else {
        verdict.outcome = Outcome::Unverified("the stack names no FusionAuth URL".into());
        return verdict;
    };
    let timeouts = Timeouts {
        connect: Duration::from_secs(3),
        request: Duration::from_secs(5),
    };
    let discovered = match FusionAuthClient::new(base, timeouts) {
        Ok(fusionauth) => {
            let fusionauth = fusionauth.with_tenant_id(config.tenant_id.clone());
            TokenVerifier::discover(fusionauth, config.verifier_settings(&urls.resource)).await
        }
        Err(error) => Err(ServerError::Discovery(error)),
    };
    let discovered = match discovered {
        Ok(discovered) => discovered,
        Err(error) if site.is_remote() => {
            verdict.outcome = Outcome::Unverified(format!(
                "{error} (`mcp-fa doctor` checks the FusionAuth at {})",
                site.fusionauth_url
            ));
            return verdict;
        }
        Err(error) => {
            verdict.outcome = Outcome::Unverified(format!(
                "{error} (is the stack running? `mcp-fa status --project {project}`)"
            ));
            return verdict;
        }
    };
    match discovered.verifier.verify(token).await {
        Ok(verified) => {
            verdict.verified_scopes = Some(verified.scopes.clone());
            verdict.outcome = Outcome::Accepted;
        }
        Err(rejection) => verdict.outcome = Outcome::Refused(rejection),
    }
    verdict
}

/// Per tool: what it needs and what the token lacks.
struct ToolAccess {
    name: &'static str,
    needs: &'static [&'static str],
    missing: Vec<&'static str>,
}

/// Everything printed, computed once for both formats.
struct Report {
    alg: Option<String>,
    kid: Option<String>,
    typ: Option<String>,
    issuer: Option<String>,
    subject: Option<String>,
    client_id: Option<String>,
    audience: Vec<String>,
    scopes: Vec<String>,
    issued_at: Option<i64>,
    expires_at: Option<i64>,
    now: i64,
    status: &'static str,
    resource: Option<String>,
    reason: Option<String>,
    tools: Vec<ToolAccess>,
    audience_note: Option<String>,
}

impl Report {
    fn new(decoded: &Decoded, verdict: &Verdict, now: i64) -> Self {
        let scopes = decoded.scopes();
        let granted = verdict.verified_scopes.clone().unwrap_or(scopes.clone());
        let tools = verdict
            .scopes
            .map(|mode| {
                [GET_NAME, WHOAMI]
                    .into_iter()
                    .map(|name| ToolAccess {
                        name,
                        needs: mode.required_for(name),
                        missing: mode.missing(name, &granted),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let audience = decoded.audience();
        let audience_note = verdict
            .resource
            .as_ref()
            .filter(|resource| !audience.contains(resource))
            .map(|resource| {
                format!(
                    "The audience says who a token is for: a server that took tokens meant for \
                     others could be replayed any token its callers hold and could pass them on \
                     (token passthrough), so it accepts only tokens naming {resource}; log in \
                     again with `resource={resource}` (RFC 8707)."
                )
            });
        let (status, reason) = match &verdict.outcome {
            Outcome::Accepted => ("accepted", None),
            Outcome::Refused(rejection) => ("refused", Some(rejection.to_string())),
            Outcome::Unverified(why) => ("unverified", Some(why.clone())),
        };
        Self {
            alg: Decoded::text(&decoded.header, "alg"),
            kid: Decoded::text(&decoded.header, "kid"),
            typ: Decoded::text(&decoded.header, "typ"),
            issuer: Decoded::text(&decoded.claims, "iss"),
            subject: Decoded::text(&decoded.claims, "sub"),
            client_id: decoded.client_id(verdict.resource.as_deref()),
            audience,
            scopes,
            issued_at: decoded.number("iat"),
            expires_at: decoded.number("exp"),
            now,
            status,
            resource: verdict.resource.clone(),
            reason,
            tools,
            audience_note,
        }
    }

    fn text(&self) -> String {
        let or_none = |value: &Option<String>| value.clone().unwrap_or_else(|| "(none)".into());
        let list = |values: &[String]| {
            if values.is_empty() {
                "(none)".to_owned()
            } else {
                values.join(" ")
            }
        };
        let mut out = String::new();
        let mut line = |label: &str, value: String| {
            out.push_str(&format!("{label:<12}{value}\n"));
        };
        line("algorithm", or_none(&self.alg));
        line("key id", or_none(&self.kid));
        line("issuer", or_none(&self.issuer));
        line("subject", or_none(&self.subject));
        line("client id", or_none(&self.client_id));
        line("audience", list(&self.audience));
        line("scopes", list(&self.scopes));
        line(
            "issued",
            self.issued_at.map_or("(not stated)".into(), |at| {
                format!("{} ({})", utc(at), ago(self.now - at))
            }),
        );
        line(
            "expires",
            self.expires_at.map_or("(never: no `exp`)".into(), |at| {
                format!("{} ({})", utc(at), expiry(at - self.now))
            }),
        );
        out.push('\n');
        let resource = self
            .resource
            .as_deref()
            .unwrap_or("this stack's MCP server");
        match self.status {
            "accepted" => out.push_str(&format!("verdict     accepted by {resource}\n")),
            "refused" => out.push_str(&format!(
                "verdict     refused by {resource}: {}\n",
                self.reason.as_deref().unwrap_or_default()
            )),
            _ => out.push_str(&format!(
                "verdict     could not verify: {}\n",
                self.reason.as_deref().unwrap_or_default()
            )),
        }
        for tool in &self.tools {
            let needs = if tool.needs.is_empty() {
                "a valid token".to_owned()
            } else {
                tool.needs.join(" ")
            };
            let state = if tool.missing.is_empty() {
                "scopes suffice".to_owned()
            } else {
                format!("missing {}", tool.missing.join(" "))
            };
            out.push_str(&format!(
                "tool        {:<9} needs {needs}: {state}\n",
                tool.name
            ));
        }
        if let Some(note) = &self.audience_note {
            out.push_str(&format!("\n{note}\n"));
        }
        out
    }

    fn json(&self) -> Value {
        json!({
            "header": {"alg": self.alg, "kid": self.kid, "typ": self.typ},
            "claims": {
                "issuer": self.issuer,
                "subject": self.subject,
                "client_id": self.client_id,
                "audience": self.audience,
                "scopes": self.scopes,
                "issued_at": self.issued_at,
                "issued_at_utc": self.issued_at.map(utc),
                "expires_at": self.expires_at,
                "expires_at_utc": self.expires_at.map(utc),
                "expires_in_secs": self.expires_at.map(|at| at - self.now),
            },
            "verdict": {
                "status": self.status,
                "resource": self.resource,
                "reason": self.reason,
            },
            "tools": self.tools.iter().map(|tool| json!({
                "name": tool.name,
                "needs": tool.needs,
                "missing": tool.missing,
                "sufficient": tool.missing.is_empty(),
            })).collect::<Vec<_>>(),
            "audience_note": self.audience_note,
        })
    }
}

/// `2026-11-26 18:40:00 UTC`.
fn utc(epoch: i64) -> String {
    let days = epoch.div_euclid(86_400);
    let secs = epoch.rem_euclid(86_400);
    let (year, month, day) = civil_date(days);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// The proleptic Gregorian date `days` after 1970-01-01 (counting in 400-year eras, whose
/// length in days is fixed, with years starting in March so the leap day comes last).
fn civil_date(days: i64) -> (i64, u32, u32) {
    let shifted = days + 719_468; // days from 0000-03-01 to 1970-01-01
    let era = shifted.div_euclid(146_097);
    let day_of_era = shifted.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153; // 0 = March
    let day = (day_of_year - (153 * month_index + 2) / 5 + 1) as u32;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// `4 min`, `2 h`, `3 days`: rounded down, precise enough for a person.
fn span(secs: i64) -> String {
    let secs = secs.unsigned_abs();
    match secs {
        0..90 => format!("{secs} s"),
        90..5400 => format!("{} min", secs / 60),
        5400..172_800 => format!("{} h", secs / 3600),
        _ => format!("{} days", secs / 86_400),
    }
}

fn expiry(remaining: i64) -> String {
    if remaining > 0 {
        format!("expires in {}", span(remaining))
    } else {
        format!("expired {} ago", span(remaining))
    }
}

fn ago(elapsed: i64) -> String {
    if elapsed >= 0 {
        format!("{} ago", span(elapsed))
    } else {
        format!("in {}: the issuer's clock is ahead", span(elapsed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(header: &Value, claims: &Value) -> String {
        let part = |value: &Value| URL_SAFE_NO_PAD.encode(value.to_string());
        format!("{}.{}.c2lnbmF0dXJl", part(header), part(claims))
    }

    #[test]
    fn dates_are_printed_in_utc() {
        assert_eq!(utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc(951_782_400), "2000-02-29 00:00:00 UTC");
        assert_eq!(utc(1_795_373_999), "2026-11-22 18:59:59 UTC");
        assert_eq!(utc(-1), "1969-12-31 23:59:59 UTC");
    }

    #[test]
    fn relative_times_read_naturally() {
        assert_eq!(expiry(240), "expires in 4 min");
        assert_eq!(expiry(-7200), "expired 2 h ago");
        assert_eq!(expiry(30), "expires in 30 s");
        assert_eq!(ago(3 * 86_400), "3 days ago");
    }

    #[test]
    fn garbage_is_not_decoded_and_empty_input_says_how_to_pass_a_token() {
        let error = Decoded::read("").expect_err("empty");
        assert_eq!(error.code(), "TOKEN_MISSING");
        assert!(
            error.to_string().contains("mcp-fa token inspect"),
            "{error}"
        );
        let error = Decoded::read("hello world").expect_err("garbage");
        assert_eq!(error.code(), "TOKEN_UNDECODABLE");
        assert!(error.to_string().contains("three parts"), "{error}");
        let error = Decoded::read("a.b.c").expect_err("not base64 json");
        assert_eq!(error.code(), "TOKEN_UNDECODABLE");
    }

    #[test]
    fn a_report_without_a_stack_still_shows_the_claims_and_never_the_signature() {
        let now = 1_800_000_000;
        let raw = token(
            &json!({"alg": "RS256", "kid": "k1", "typ": "JWT"}),
            &json!({
                "iss": "http://localhost:9011", "sub": "user-1",
                "aud": ["app-1", "http://localhost:8000/mcp"], "scope": "openid profile",
                "iat": now - 60, "exp": now + 240, "applicationId": "app-1",
            }),
        );
        let decoded = Decoded::read(&raw).expect("decodes");
        let verdict = Verdict {
            outcome: Outcome::Unverified("no stack".into()),
            resource: None,
            scopes: None,
            verified_scopes: None,
        };
        let report = Report::new(&decoded, &verdict, now);
        let text = report.text();
        assert!(text.contains("RS256"), "{text}");
        assert!(text.contains("client id   app-1"), "{text}");
        assert!(text.contains("expires in 4 min"), "{text}");
        assert!(text.contains("(60 s ago)"), "{text}");
        assert!(text.contains("could not verify: no stack"), "{text}");
        assert!(!text.contains("c2lnbmF0dXJl"), "{text}");
        let json = report.json().to_string();
        assert!(!json.contains("c2lnbmF0dXJl"), "{json}");
        assert_eq!(report.json()["verdict"]["status"], "unverified");
        assert_eq!(report.json()["claims"]["expires_in_secs"], 240);
    }

    #[test]
    fn a_wrong_audience_explains_token_passthrough() {
        let raw = token(
            &json!({"alg": "RS256"}),
            &json!({"aud": "app-1", "scope": "openid"}),
        );
        let decoded = Decoded::read(&raw).expect("decodes");
        let verdict = Verdict {
            outcome: Outcome::Refused(Rejection::WrongAudience {
                expected: "http://localhost:8000/mcp".into(),
                found: vec!["app-1".into()],
            }),
            resource: Some("http://localhost:8000/mcp".into()),
            scopes: Some(ScopeMode::Standard),
            verified_scopes: None,
        };
        let text = Report::new(&decoded, &verdict, 0).text();
        assert!(
            text.contains("refused by http://localhost:8000/mcp"),
            "{text}"
        );
        assert!(text.contains("token passthrough"), "{text}");
        assert!(
            text.contains("get_name  needs openid profile: missing profile"),
            "{text}"
        );
        assert!(
            text.contains("whoami    needs a valid token: scopes suffice"),
            "{text}"
        );
    }
}
