//! [`Secret`]: the one type for credentials, so none can reach a log line by `Debug` or `Display`.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A credential that must never reach a log line, an error message or `Debug` output: API keys,
/// client secrets, private keys, tokens.
///
/// It deliberately has no `Display`: the only way to the text is [`Secret::expose`], so every place
/// that puts a secret on the wire is easy to find. On the wire it is a plain JSON string.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret's text, for the few places that must send or store it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_value() {
        let secret = Secret::new("hunter2-api-key");
        let shown = format!("{secret:?} {:?}", Some(&secret));
        assert!(!shown.contains("hunter2"), "{shown}");
    }

    #[test]
    fn travels_as_a_plain_json_string() {
        let secret: Secret = serde_json::from_str("\"abc\"").expect("decodes");
        assert_eq!(secret.expose(), "abc");
        assert_eq!(serde_json::to_string(&secret).expect("encodes"), "\"abc\"");
    }
}
