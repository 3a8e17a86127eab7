//! The remote track of the walkthrough: the tutorial's remote variant, an MCP server deployed
//! at a public URL and protected by an existing FusionAuth (any tenant), clients registered in
//! that tenant, and claude.ai's connector. Its steps are `tutorial/remote/*.md`, embedded like
//! the local ones and read by the same parser; their placeholders come from the remote
//! project ([`crate::site::Site`]) instead of a stack's state.
//!
//! It owns the list of remote step files and their placeholders. The local track is not
//! touched: a project walks the remote track when it is a remote project.

use super::error::TutorialError;
use super::steps::{Placeholders, Step, get_name_guard, parse_all};
use crate::server::ScopeMode;
use crate::site::{Origin, Site};

/// Every remote step file, in order (a unit test compares it with `tutorial/remote/`).
const FILES: &[(&str, &str)] = &[
    (
        "remote/01-what-you-will-build.md",
        include_str!("../../tutorial/remote/01-what-you-will-build.md"),
    ),
    (
        "remote/02-fusionauth-reachable.md",
        include_str!("../../tutorial/remote/02-fusionauth-reachable.md"),
    ),
    (
        "remote/03-preflight.md",
        include_str!("../../tutorial/remote/03-preflight.md"),
    ),
    (
        "remote/04-deploy-the-server.md",
        include_str!("../../tutorial/remote/04-deploy-the-server.md"),
    ),
    (
        "remote/05-register-a-client.md",
        include_str!("../../tutorial/remote/05-register-a-client.md"),
    ),
    (
        "remote/06-claude-connector.md",
        include_str!("../../tutorial/remote/06-claude-connector.md"),
    ),
    (
        "remote/07-log-in-and-call.md",
        include_str!("../../tutorial/remote/07-log-in-and-call.md"),
    ),
    (
        "remote/08-clean-up.md",
        include_str!("../../tutorial/remote/08-clean-up.md"),
    ),
];

/// Every remote step, in order.
pub fn all() -> Result<Vec<Step>, TutorialError> {
    parse_all(FILES)
}

impl Placeholders {
    /// The values a remote step's text uses, from the remote project.
    pub fn remote(site: &Site) -> Self {
        let public = site.public_url.origin().ascii_serialization();
        let scopes = ScopeMode::from(site.scopes);
        let guard = get_name_guard(scopes);
        let api_key_env = match &site.origin {
            Origin::Remote { api_key_env } => api_key_env.clone(),
            Origin::Stack { .. } => crate::site::DEFAULT_API_KEY_ENV.to_owned(),
        };
        Self {
            values: vec![
                ("mcp_url", site.resource()),
                (
                    "metadata_url",
                    format!("{public}/.well-known/oauth-protected-resource/mcp"),
                ),
                (
                    "fusionauth_url",
                    site.fusionauth_url
                        .as_str()
                        .trim_end_matches('/')
                        .to_owned(),
                ),
                ("project_flag", site.project.flag()),
                ("demo_login", "your FusionAuth user".to_owned()),
                ("demo_name", "your name".to_owned()),
                ("scopes", scopes.requested().join(" ")),
                ("get_name_scopes", scopes.required_for("get_name").join(" ")),
                ("get_name_guard", guard.to_owned()),
                ("public_url", public),
                ("tenant_flag", site.tenant_flag()),
                ("api_key_env", api_key_env),
            ],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::ProjectName;
    use crate::site::RemoteSettings;
    use crate::tutorial::checks::Verify;
    use crate::tutorial::steps::body;

    fn site() -> Site {
        Site::remote_without_key(&RemoteSettings {
            project: ProjectName::parse("prod").expect("valid"),
            fusionauth_url: "https://auth.example.com".into(),
            tenant_id: Some("3b0e0c1a-0000-4000-8000-000000000001".into()),
            api_key_env: "PROD_KEY".into(),
            public_url: Some("https://mcp.example.com".into()),
            scopes: None,
        })
        .expect("site")
    }

    #[test]
    fn every_file_in_tutorial_remote_is_embedded_in_order() {
        crate::tutorial::steps::assert_embedded("remote", FILES);
    }

    #[test]
    fn every_remote_step_parses_and_fills_in_from_the_remote_project() {
        let steps = all().expect("every remote step parses");
        assert_eq!(steps.len(), FILES.len());
        let values = Placeholders::remote(&site());
        for step in &steps {
            assert!(step.id.starts_with("remote-"), "{}", step.id);
            let text = body(step, &values).unwrap_or_else(|e| panic!("{e}"));
            assert!(!text.contains("{{"), "{text}");
            if let Some(hint) = &step.hint {
                values
                    .fill(hint)
                    .unwrap_or_else(|e| panic!("{} hint: {e}", step.file));
            }
        }
        let deploy = steps
            .iter()
            .find(|s| s.verify == Verify::RemoteServerProtected)
            .expect("the deploy step");
        let text = body(deploy, &values).expect("filled");
        assert!(
            text.contains("--fusionauth-url https://auth.example.com --tenant-id 3b0e0c1a")
                && text.contains("--public-url https://mcp.example.com"),
            "{text}"
        );
        assert!(
            steps
                .iter()
                .any(|s| s.verify == Verify::RemoteConnectorRegistered),
            "the connector step"
        );
    }
}
