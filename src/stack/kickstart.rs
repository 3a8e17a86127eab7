//! The kickstart a new stack starts with: `kickstart/kickstart.json` (a real kickstart file) with
//! its `variables` filled in for this stack. FusionAuth substitutes the `#{...}` placeholders
//! itself, so rendering only sets variable values and, when given, the `licenseId`.

use serde_json::Value;

use super::error::StackError;
use super::secrets;
use crate::fusionauth::Secret;

/// The template shipped with mcp-fa.
pub const TEMPLATE: &str = include_str!("../../kickstart/kickstart.json");
/// The password the tutorial uses for its demo and admin users (`--demo-passwords`).
pub const DEMO_PASSWORD: &str = "password";
/// The variable holding the registration bridge's key; optional in custom templates.
const REGISTRATION_KEY_VARIABLE: &str = "registrationApiKey";

/// The values a stack's kickstart is rendered with.
#[derive(Clone)]
pub struct KickstartValues {
    pub api_key: Secret,
    /// The restricted key of the MCP server's registration bridge.
    pub registration_api_key: Secret,
    /// The tenant's issuer: the MCP server's origin, where the MCP server publishes the
    /// authorization server metadata clients that register themselves need (its `issuer` must
    /// be the URL it is fetched from, and the `iss` FusionAuth puts on tokens and redirects).
    pub issuer: String,
    pub signing_key_id: String,
    pub admin_user_id: String,
    pub admin_password: Secret,
    pub demo_user_id: String,
    pub demo_password: Secret,
    pub license_id: Option<Secret>,
}

impl KickstartValues {
    /// Fresh random values: an API key for this stack only (never the tutorial's well-known
    /// one), new ids, and generated passwords unless the demo ones were asked for.
    pub fn generate(
        issuer: &str,
        demo_passwords: bool,
        license_id: Option<Secret>,
    ) -> Result<Self, StackError> {
        let password = || -> Result<Secret, StackError> {
            if demo_passwords {
                Ok(Secret::new(DEMO_PASSWORD))
            } else {
                secrets::token(20).map(Secret::new)
            }
        };
        Ok(Self {
            api_key: Secret::new(secrets::token(48)?),
            registration_api_key: Secret::new(secrets::token(48)?),
            issuer: issuer.to_owned(),
            signing_key_id: secrets::uuid()?,
            admin_user_id: secrets::uuid()?,
            admin_password: password()?,
            demo_user_id: secrets::uuid()?,
            demo_password: password()?,
            license_id,
        })
    }
}

/// A kickstart ready to copy into the FusionAuth container.
pub struct RenderedKickstart {
    /// The file's bytes. Holds secrets: never log it.
    pub contents: Vec<u8>,
    pub admin_email: String,
    pub demo_email: String,
    /// `GET` this path with the API key: once it answers 200, the LAST kickstart request has
    /// taken effect, so kickstart has finished.
    pub finished_probe: String,
    /// Whether the template creates the registration bridge's key (a custom template may not;
    /// its stack then registers clients with `clients add` only).
    pub registration_key: bool,
}

impl std::fmt::Debug for RenderedKickstart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RenderedKickstart")
            .field("contents", &"[redacted]")
            .field("finished_probe", &self.finished_probe)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for KickstartValues {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KickstartValues")
            .field("issuer", &self.issuer)
            .field("signing_key_id", &self.signing_key_id)
            .finish_non_exhaustive()
    }
}

/// Fills `template`'s variables with `values`. `source` names the template in errors.
pub fn render(
    template: &str,
    source: &str,
    values: &KickstartValues,
) -> Result<RenderedKickstart, StackError> {
    let invalid = |reason: String| StackError::KickstartTemplate {
        path: source.to_owned(),
        reason,
    };
    let mut document: Value =
        serde_json::from_str(template).map_err(|e| invalid(format!("not JSON: {e}")))?;
    let Some(variables) = document.get_mut("variables").and_then(Value::as_object_mut) else {
        return Err(invalid("it has no `variables` object".into()));
    };
    let ours = [
        ("apiKey", values.api_key.expose()),
        ("issuer", values.issuer.as_str()),
        ("signingKeyId", values.signing_key_id.as_str()),
        ("adminUserId", values.admin_user_id.as_str()),
        ("adminPassword", values.admin_password.expose()),
        ("demoUserId", values.demo_user_id.as_str()),
        ("demoPassword", values.demo_password.expose()),
    ];
    for (name, value) in ours {
        if !variables.contains_key(name) {
            return Err(invalid(format!("it does not define the variable `{name}`")));
        }
        variables.insert(name.to_owned(), Value::String(value.to_owned()));
    }
    let registration_key = variables.contains_key(REGISTRATION_KEY_VARIABLE);
    if registration_key {
        variables.insert(
            REGISTRATION_KEY_VARIABLE.to_owned(),
            Value::String(values.registration_api_key.expose().to_owned()),
        );
    }
    let variable = |name: &str| -> Result<String, StackError> {
        variables
            .get(name)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| invalid(format!("the variable `{name}` must be a string")))
    };
    let admin_email = variable("adminEmail")?;
    let demo_email = variable("demoEmail")?;
    let known: Vec<(String, String)> = variables
        .iter()
        .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
        .collect();

    let last_url = document
        .get("requests")
        .and_then(Value::as_array)
        .and_then(|requests| requests.last())
        .and_then(|request| request.get("url"))
        .and_then(Value::as_str)
        .ok_or_else(|| invalid("it has no requests".into()))?;
    let finished_probe = probe_for(last_url, &known)
        .filter(|probe| probe.starts_with("/api/user/"))
        .ok_or_else(|| {
            invalid(format!(
                "its last request ({last_url}) must create a user whose id is one of mcp-fa's \
                 variables, so that `up` can tell when kickstart has finished"
            ))
        })?;

    if let Some(license) = &values.license_id {
        document["licenseId"] = Value::String(license.expose().to_owned());
    }
    let contents = serde_json::to_vec_pretty(&document).expect("JSON serialises");
    Ok(RenderedKickstart {
        contents,
        admin_email,
        demo_email,
        finished_probe,
        registration_key,
    })
}

/// The readable path of the object a create request's URL names: the URL with our variables
/// substituted; `/api/user/registration/{id}` creates a user, read at `/api/user/{id}`.
fn probe_for(url: &str, variables: &[(String, String)]) -> Option<String> {
    let mut path = url.to_owned();
    for (name, value) in variables {
        path = path.replace(&format!("#{{{name}}}"), value);
    }
    if path.contains("#{") {
        return None;
    }
    let path = match path.strip_prefix("/api/user/registration/") {
        Some(user_id) => format!("/api/user/{user_id}"),
        None => path,
    };
    Some(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(license: Option<&str>) -> KickstartValues {
        KickstartValues::generate("http://localhost:8000", false, license.map(Secret::new))
            .expect("random")
    }

    #[test]
    fn the_shipped_template_renders_with_our_values() {
        let values = values(Some("license-1234567890"));
        let rendered = render(TEMPLATE, "kickstart/kickstart.json", &values).expect("renders");
        let doc: Value = serde_json::from_slice(&rendered.contents).expect("json");
        assert_eq!(doc["variables"]["apiKey"], values.api_key.expose());
        assert_eq!(doc["variables"]["issuer"], "http://localhost:8000");
        assert_eq!(
            doc["variables"]["registrationApiKey"],
            values.registration_api_key.expose()
        );
        assert!(rendered.registration_key);
        let bridge_key = &doc["apiKeys"][1];
        assert_eq!(bridge_key["key"], "#{registrationApiKey}");
        let endpoints = bridge_key["permissions"]["endpoints"]
            .as_object()
            .expect("a restricted key");
        assert_eq!(
            endpoints["/api/application"],
            serde_json::json!(["GET", "POST"])
        );
        assert!(
            !endpoints.contains_key("/api/user") && !endpoints.contains_key("/api/tenant"),
            "the bridge's key reads no users and changes no tenant: {endpoints:?}"
        );
        assert_eq!(doc["licenseId"], "license-1234567890");
        assert_eq!(doc["apiKeys"][0]["key"], "#{apiKey}");
        assert_eq!(
            rendered.finished_probe,
            format!("/api/user/{}", values.demo_user_id)
        );
        assert_eq!(rendered.demo_email, "test@example.com");
        assert_eq!(rendered.admin_email, "admin@example.com");
        let requests = doc["requests"].as_array().expect("requests");
        assert!(
            requests
                .iter()
                .any(|r| r["body"]["key"]["algorithm"] == "RS256")
        );
        let tenant = &requests[1]["body"]["tenant"];
        assert_eq!(tenant["issuer"], "#{issuer}");
        assert_eq!(
            tenant["jwtConfiguration"]["accessTokenKeyId"],
            "#{signingKeyId}"
        );
        assert_eq!(
            tenant["jwtConfiguration"]["idTokenKeyId"],
            "#{signingKeyId}"
        );
        let admin = &requests[2]["body"];
        assert_eq!(
            admin["registration"]["applicationId"],
            "#{FUSIONAUTH_APPLICATION_ID}"
        );
        assert_eq!(admin["registration"]["roles"][0], "admin");
    }

    #[test]
    fn every_stack_gets_its_own_key_and_passwords() {
        let (a, b) = (values(None), values(None));
        assert_ne!(a.api_key, b.api_key);
        assert_ne!(a.demo_password, b.demo_password);
        assert_ne!(a.demo_password.expose(), DEMO_PASSWORD);
        assert!(a.api_key.expose().len() >= 48);
        let rendered = render(TEMPLATE, "t", &a).expect("renders");
        let doc: Value = serde_json::from_slice(&rendered.contents).expect("json");
        assert!(doc.get("licenseId").is_none());
        let demo = KickstartValues::generate("http://x", true, None).expect("random");
        assert_eq!(demo.demo_password.expose(), DEMO_PASSWORD);
    }

    #[test]
    fn a_custom_template_may_leave_out_the_registration_key() {
        let mut template: Value = serde_json::from_str(TEMPLATE).expect("json");
        template["variables"]
            .as_object_mut()
            .expect("variables")
            .remove("registrationApiKey");
        template["apiKeys"]
            .as_array_mut()
            .expect("keys")
            .truncate(1);
        let rendered = render(&template.to_string(), "custom.json", &values(None)).expect("ok");
        assert!(!rendered.registration_key);
    }

    #[test]
    fn a_template_without_our_variables_is_refused() {
        let error = render(
            r#"{"variables":{},"requests":[]}"#,
            "custom.json",
            &values(None),
        )
        .expect_err("refused");
        assert!(error.to_string().contains("apiKey"), "{error}");
    }
}
