//! The exported setup's secrets: fresh ones (a shared host is not the laptop), named by the
//! environment variables the Compose file, the kickstart (`#{ENV.NAME}`) and the Kubernetes
//! Secret read them from. Only `.env` / `secrets.env` (mode 0600) ever hold the values; every
//! other file names the variables.

use crate::fusionauth::Secret;
use crate::stack::random_token;

use super::error::ExportError;

/// PostgreSQL's superuser password; FusionAuth creates its database and user with it.
pub const DATABASE_ROOT_PASSWORD: &str = "DATABASE_ROOT_PASSWORD";
/// The password of FusionAuth's own database user.
pub const DATABASE_PASSWORD: &str = "DATABASE_PASSWORD";
/// The global API key the kickstart creates (`Authorization: <key>` on FusionAuth's API).
pub const API_KEY: &str = "FUSIONAUTH_API_KEY";
/// admin@example.com's password (FusionAuth's admin UI).
pub const ADMIN_PASSWORD: &str = "FUSIONAUTH_ADMIN_PASSWORD";
/// test@example.com's password (logs in to MCP clients).
pub const DEMO_PASSWORD: &str = "DEMO_USER_PASSWORD";
/// The FusionAuth license id, for a licensed project only.
pub const LICENSE_ID: &str = "FUSIONAUTH_LICENSE_ID";
/// Not secrets, but read by the kickstart as `#{ENV.NAME}` too, so one file sets them.
pub const ISSUER: &str = "FUSIONAUTH_ISSUER";
pub const MCP_PUBLIC_URL: &str = "MCP_PUBLIC_URL";

/// `#{ENV.NAME}`: FusionAuth's kickstart reads the variable from its container's environment.
pub fn env_ref(name: &str) -> String {
    format!("#{{ENV.{name}}}")
}

/// One setting of `.env`: its name, its value, and what it is for.
#[derive(Clone)]
pub struct Setting {
    pub name: &'static str,
    pub value: Secret,
    pub about: &'static str,
    /// A secret: `.env.example` shows a placeholder instead of the value.
    pub secret: bool,
}

/// The secrets of one exported setup.
pub struct ExportSecrets {
    settings: Vec<Setting>,
}

impl ExportSecrets {
    /// Fresh random values, and the project's own license id when it has one.
    pub fn generate(license_id: Option<&Secret>) -> Result<Self, ExportError> {
        const RANDOM: [(&str, usize, &str); 5] = [
            (
                DATABASE_ROOT_PASSWORD,
                32,
                "PostgreSQL's superuser (FusionAuth creates its schema with it)",
            ),
            (DATABASE_PASSWORD, 32, "FusionAuth's own database user"),
            (API_KEY, 48, "The global API key the kickstart creates"),
            (
                ADMIN_PASSWORD,
                20,
                "admin@example.com, FusionAuth's admin UI",
            ),
            (
                DEMO_PASSWORD,
                20,
                "test@example.com, the user that logs in to MCP clients",
            ),
        ];
        let mut settings = RANDOM
            .iter()
            .map(|&(name, length, about)| {
                Ok(Setting {
                    name,
                    value: Secret::new(random_token(length)?),
                    about,
                    secret: true,
                })
            })
            .collect::<Result<Vec<_>, ExportError>>()?;
        if let Some(license) = license_id {
            settings.push(Setting {
                name: LICENSE_ID,
                value: license.clone(),
                about: "Your FusionAuth license (the project's own)",
                secret: true,
            });
        }
        Ok(Self { settings })
    }

    pub fn settings(&self) -> &[Setting] {
        &self.settings
    }

    /// The value of `name`.
    #[cfg(test)]
    pub fn get(&self, name: &str) -> Option<&Secret> {
        self.settings
            .iter()
            .find(|setting| setting.name == name)
            .map(|setting| &setting.value)
    }
}

/// `NAME=value` lines with a comment above each; `placeholders` writes `change-me` for secrets
/// (the `.env.example` that may be committed).
pub fn env_file(header: &str, settings: &[Setting], placeholders: bool) -> String {
    let mut out = String::from(header);
    for setting in settings {
        out.push_str(&format!("\n# {}\n", setting.about));
        let value = if placeholders && setting.secret {
            "change-me"
        } else {
            setting.value.expose()
        };
        out.push_str(&format!("{}={value}\n", setting.name));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_setup_gets_its_own_secrets_and_the_example_shows_none() {
        let license = Secret::new("license-sentinel");
        let a = ExportSecrets::generate(Some(&license)).expect("random");
        let b = ExportSecrets::generate(None).expect("random");
        assert_ne!(a.get(API_KEY), b.get(API_KEY));
        assert_eq!(a.get(LICENSE_ID), Some(&license));
        assert!(b.get(LICENSE_ID).is_none());
        let real = env_file("# head\n", a.settings(), false);
        let example = env_file("# head\n", a.settings(), true);
        let key = a.get(API_KEY).expect("key").expose();
        assert!(
            real.contains(&format!("FUSIONAUTH_API_KEY={key}\n")),
            "{real}"
        );
        assert!(!example.contains(key), "{example}");
        assert!(!example.contains("license-sentinel"), "{example}");
        assert!(
            example.contains("FUSIONAUTH_API_KEY=change-me\n"),
            "{example}"
        );
        assert_eq!(env_ref("X"), "#{ENV.X}");
    }
}
