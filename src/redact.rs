//! Blanking a stack's own secrets out of text mcp-fa shows but did not write: FusionAuth's and
//! PostgreSQL's log lines in failure messages, `doctor` and the walkthrough.
//!
//! FusionAuth logs a failed kickstart request with the request as it was sent, variables filled
//! in, so the generated passwords appear there in clear; other lines can quote a license id or
//! a key. mcp-fa knows every secret it generated (they are in the state file), so it replaces
//! each one with [`MARKER`] before a line is shown. `mcp-fa logs` is the exception: it copies a
//! container's output verbatim, because it is asked for exactly that.
//!
//! This module only replaces known values; it must not guess at what looks secret.

use crate::fusionauth::Secret;
use crate::state::StackState;

/// What a secret is replaced with.
pub const MARKER: &str = "[redacted]";

/// Values shorter than this are left alone: every secret mcp-fa generates is longer (API key 48,
/// passwords 20, database password 32 characters), while the tutorial's public demo password
/// (`password`) is an ordinary word that would otherwise be blanked out of every line that
/// names a password field.
const MIN_SECRET_CHARS: usize = 12;

/// A stack's secrets, ready to be blanked out of text. Its `Debug` shows only how many it holds.
#[derive(Clone, Default)]
pub struct Redactor {
    /// Longest first, so a secret that contains another is replaced whole.
    secrets: Vec<String>,
}

impl Redactor {
    /// A redactor for `secrets` (short and repeated values are dropped).
    pub fn new<'a>(secrets: impl IntoIterator<Item = &'a Secret>) -> Self {
        let mut secrets: Vec<String> = secrets
            .into_iter()
            .map(|secret| secret.expose().to_owned())
            .filter(|secret| secret.chars().count() >= MIN_SECRET_CHARS)
            .collect();
        secrets.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        secrets.dedup();
        Self { secrets }
    }

    /// Everything secret a state file knows: the API key, the database password, every user's
    /// password and the license id. (Registered clients are public clients: the state keeps no
    /// client secret.) During `up` the state is written before any container starts, so it
    /// already holds the values the kickstart is rendered with.
    pub fn for_state(state: &StackState) -> Self {
        Self::new(
            [&state.api_key, &state.database_password]
                .into_iter()
                .chain(state.users.iter().map(|user| &user.password))
                .chain(state.license_id.as_ref()),
        )
    }

    /// `text` with every known secret replaced by [`MARKER`].
    pub fn text(&self, text: &str) -> String {
        let mut text = text.to_owned();
        for secret in &self.secrets {
            if text.contains(secret.as_str()) {
                text = text.replace(secret.as_str(), MARKER);
            }
        }
        text
    }

    /// Each line through [`Redactor::text`].
    pub fn lines(&self, lines: &[String]) -> Vec<String> {
        lines.iter().map(|line| self.text(line)).collect()
    }
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Redactor({} secrets)", self.secrets.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_secrets_are_blanked_and_short_words_kept() {
        let key = Secret::new("K3yK3yK3yK3yK3yK3yK3yK3y");
        let password = Secret::new("Pw0rdPw0rdPw0rdPw0rd");
        let inner = Secret::new("K3yK3yK3yK3y");
        let demo = Secret::new("password");
        let redactor = Redactor::new([&key, &password, &inner, &demo, &password]);
        let line = r#"  "password" : "Pw0rdPw0rdPw0rdPw0rd", "key": "K3yK3yK3yK3yK3yK3yK3yK3y""#;
        assert_eq!(
            redactor.text(line),
            r#"  "password" : "[redacted]", "key": "[redacted]""#
        );
        assert_eq!(redactor.text("nothing secret"), "nothing secret");
        assert_eq!(
            redactor.lines(&["a K3yK3yK3yK3y b".to_owned()]),
            ["a [redacted] b"]
        );
        let shown = format!("{redactor:?}");
        assert_eq!(shown, "Redactor(3 secrets)");
    }
}
