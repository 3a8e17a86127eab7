//! The exported kickstart: mcp-fa's own kickstart, rendered by the same code `mcp-fa up` uses
//! (`crate::stack::render_kickstart`), with every secret and every host-specific URL as an
//! `#{ENV.NAME}` reference FusionAuth resolves from its container's environment, so the file
//! holds nothing secret and can sit in a ConfigMap or a repository. Then the project's MCP
//! clients, recreated under their client ids, each with the demo user registered to it.

use serde_json::{Value, json};

use super::error::ExportError;
use super::secrets::{
    ADMIN_PASSWORD, API_KEY, DEMO_PASSWORD, ISSUER, LICENSE_ID, MCP_PUBLIC_URL, env_ref,
};
use super::source::ExportedProject;
use crate::clients::{client_application, get_name_scope};
use crate::fusionauth::Secret;
use crate::project::ScopeChoice;
use crate::stack::{KickstartValues, render_kickstart};

/// A kickstart template: where it came from (for errors) and its text.
#[derive(Debug, Clone)]
pub struct Template {
    pub source: String,
    pub text: String,
}

impl Default for Template {
    fn default() -> Self {
        Self {
            source: "kickstart/kickstart.json".into(),
            text: crate::stack::KICKSTART_TEMPLATE.into(),
        }
    }
}

/// The kickstart file's text (pretty JSON).
pub fn render(project: &ExportedProject, template: &Template) -> Result<String, ExportError> {
    // Fresh ids for the signing key and the users; the passwords are replaced below.
    let generated = KickstartValues::generate("", true, None)?;
    let values = KickstartValues {
        api_key: Secret::new(env_ref(API_KEY)),
        issuer: env_ref(ISSUER),
        admin_password: Secret::new(env_ref(ADMIN_PASSWORD)),
        demo_password: Secret::new(env_ref(DEMO_PASSWORD)),
        license_id: project
            .license_id
            .as_ref()
            .map(|_| Secret::new(env_ref(LICENSE_ID))),
        ..generated
    };
    let rendered = render_kickstart(&template.text, &template.source, &values)?;
    let mut document: Value =
        serde_json::from_slice(&rendered.contents).expect("the rendered kickstart is JSON");
    let resource = format!("{}/mcp", env_ref(MCP_PUBLIC_URL));
    let licensed = project.license_id.is_some();
    let requests = document["requests"]
        .as_array_mut()
        .expect("render checked that the kickstart has requests");
    for client in &project.clients {
        let application = client_application(
            &client.name,
            client.kind,
            client.port,
            client.redirect_uris.clone(),
            &resource,
            licensed,
        );
        requests.push(json!({
            "method": "POST",
            "url": format!("/api/application/{}", client.client_id),
            "body": {"application": application},
        }));
        if licensed && project.scopes == ScopeChoice::Custom {
            requests.push(json!({
                "method": "POST",
                "url": format!("/api/application/{}/scope", client.client_id),
                "body": {"scope": get_name_scope()},
            }));
        }
        requests.push(json!({
            "method": "POST",
            "url": "/api/user/registration/#{demoUserId}",
            "body": {"registration": {"applicationId": client.client_id}},
        }));
    }
    Ok(serde_json::to_string_pretty(&document).expect("JSON serialises") + "\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clients::ClientKind;
    use crate::export::source::ExportedClient;
    use crate::state::StackState;

    fn project(licensed: bool) -> ExportedProject {
        let mut project = ExportedProject::from_state(&StackState {
            license_id: licensed.then(|| Secret::new("license-sentinel")),
            ..StackState::sample()
        });
        project.clients = vec![ExportedClient {
            name: "cursor".into(),
            client_id: "0b6c4a5e-1111-4222-8333-944455556666".into(),
            kind: ClientKind::Cursor,
            redirect_uris: vec!["cursor://anysphere.cursor-mcp/oauth/callback".into()],
            port: None,
        }];
        project
    }

    #[test]
    fn secrets_and_urls_are_environment_references_and_clients_keep_their_ids() {
        let text = render(&project(false), &Template::default()).expect("renders");
        let doc: Value = serde_json::from_str(&text).expect("JSON");
        assert_eq!(doc["variables"]["apiKey"], "#{ENV.FUSIONAUTH_API_KEY}");
        assert_eq!(doc["variables"]["issuer"], "#{ENV.FUSIONAUTH_ISSUER}");
        assert_eq!(
            doc["variables"]["demoPassword"],
            "#{ENV.DEMO_USER_PASSWORD}"
        );
        assert!(doc.get("licenseId").is_none());
        let requests = doc["requests"].as_array().expect("requests");
        let app = requests
            .iter()
            .find(|r| r["url"] == "/api/application/0b6c4a5e-1111-4222-8333-944455556666")
            .expect("the client's application");
        let oauth = &app["body"]["application"]["oauthConfiguration"];
        assert_eq!(
            oauth["authorizedResourceUris"][0], "#{ENV.MCP_PUBLIC_URL}/mcp",
            "{app:#}"
        );
        assert_eq!(oauth["relationship"], "FirstParty");
        let last = requests.last().expect("a request");
        assert_eq!(last["url"], "/api/user/registration/#{demoUserId}");
        assert!(!text.contains("sentinel"), "{text}");
    }

    #[test]
    fn a_licensed_project_activates_its_license_from_the_environment_and_adds_the_scope() {
        let text = render(&project(true), &Template::default()).expect("renders");
        let doc: Value = serde_json::from_str(&text).expect("JSON");
        assert_eq!(doc["licenseId"], "#{ENV.FUSIONAUTH_LICENSE_ID}");
        assert!(text.contains("/scope\""), "{text}");
        assert!(!text.contains("license-sentinel"), "{text}");
    }
}
