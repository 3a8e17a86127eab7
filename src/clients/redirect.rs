//! Redirect URIs we are willing to register. FusionAuth compares them exactly, so whatever is
//! registered is exactly where an authorization code may be sent: a wildcard, or a plain-http
//! URI on a host other than this machine, would let someone else catch the user's code.

use std::fmt;

use url::Url;

/// Schemes that can never carry an authorization code back to a client (for clients registered
/// by name and for those that register themselves alike).
pub(super) const FORBIDDEN_SCHEMES: &[&str] = &[
    "javascript",
    "data",
    "file",
    "vbscript",
    "about",
    "blob",
    "ftp",
    "ws",
    "wss",
];

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RedirectUri(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RedirectUriError {
    #[error(
        "'{0}' is not an absolute URI; give the full callback URL, e.g. http://localhost:3334/oauth/callback"
    )]
    NotAbsolute(String),
    #[error(
        "'{0}' contains a wildcard; FusionAuth must compare redirect URIs exactly, so list each one"
    )]
    Wildcard(String),
    #[error("'{0}' has a #fragment, which OAuth forbids in redirect URIs (RFC 6749 §3.1.2)")]
    Fragment(String),
    #[error(
        "'{0}' sends the authorization code over plain http to another machine; use https, or a loopback address (localhost, 127.0.0.1, [::1])"
    )]
    InsecureHost(String),
    #[error("'{0}' uses the scheme '{1}', which cannot receive an authorization code")]
    ForbiddenScheme(String, String),
}

impl RedirectUri {
    pub fn parse(raw: &str) -> Result<RedirectUri, RedirectUriError> {
        let raw = raw.trim();
        if raw.contains('*') {
            return Err(RedirectUriError::Wildcard(raw.into()));
        }
        let url = Url::parse(raw).map_err(|_| RedirectUriError::NotAbsolute(raw.into()))?;
        if url.fragment().is_some() {
            return Err(RedirectUriError::Fragment(raw.into()));
        }
        match url.scheme() {
            "https" => {}
            "http" => {
                let loopback = match url.host() {
                    Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
                    Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
                    Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
                    None => false,
                };
                if !loopback {
                    return Err(RedirectUriError::InsecureHost(raw.into()));
                }
            }
            scheme if FORBIDDEN_SCHEMES.contains(&scheme) => {
                return Err(RedirectUriError::ForbiddenScheme(raw.into(), scheme.into()));
            }
            // A private-use scheme (RFC 8252 §7.1), as Cursor's `cursor://` is.
            _ => {
                if url.host_str().unwrap_or_default().is_empty() && url.path().is_empty() {
                    return Err(RedirectUriError::NotAbsolute(raw.into()));
                }
            }
        }
        Ok(RedirectUri(raw.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RedirectUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_loopback_https_and_private_schemes_exactly_as_given() {
        for ok in [
            "http://localhost:3334/oauth/callback",
            "http://127.0.0.1:33418/",
            "http://[::1]:8080/cb",
            "https://claude.ai/api/mcp/auth_callback",
            "cursor://anysphere.cursor-mcp/oauth/callback",
        ] {
            assert_eq!(
                RedirectUri::parse(ok).map(|u| u.to_string()),
                Ok(ok.to_string())
            );
        }
    }

    #[test]
    fn refuses_what_would_leak_a_code() {
        assert!(matches!(
            RedirectUri::parse("http://localhost:*/cb"),
            Err(RedirectUriError::Wildcard(_))
        ));
        assert!(matches!(
            RedirectUri::parse("http://example.com/cb"),
            Err(RedirectUriError::InsecureHost(_))
        ));
        assert!(matches!(
            RedirectUri::parse("http://192.168.1.5:3334/cb"),
            Err(RedirectUriError::InsecureHost(_))
        ));
        assert!(matches!(
            RedirectUri::parse("https://x.example/cb#frag"),
            Err(RedirectUriError::Fragment(_))
        ));
        assert!(matches!(
            RedirectUri::parse("javascript:alert(1)"),
            Err(RedirectUriError::ForbiddenScheme(..))
        ));
        assert!(matches!(
            RedirectUri::parse("/oauth/callback"),
            Err(RedirectUriError::NotAbsolute(_))
        ));
        let message = RedirectUri::parse("http://example.com/cb")
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("https") && message.contains("localhost"),
            "{message}"
        );
    }
}
