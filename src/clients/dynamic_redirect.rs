//! Which redirect URIs a client that registers itself (RFC 7591, through the MCP server's
//! registration bridge) may have, and what FusionAuth is given for each. Nobody reviews these
//! registrations, so the rules are a short allow-list, never a deny-list:
//!
//! - loopback `http` URIs (`localhost`, `127.0.0.1`, `[::1]`) on any port, as RFC 8252 §7.3
//!   requires of an authorization server: native clients take whatever port is free (VS Code
//!   falls back to a random one when 33418 is taken, mcp-remote when 3334 is). FusionAuth's
//!   ExactMatch cannot say "any port", so FusionAuth gets the URI with its port replaced by
//!   FusionAuth's wildcard (`http://localhost:*/callback`, `AllowWildcards`), which matches one
//!   or more digits there and nothing else: host, path and query stay exact;
//! - `https` URIs on the hosted callbacks of known clients ([`HOSTED_CALLBACK_HOSTS`]), exactly;
//! - private-use schemes of known desktop clients ([`PRIVATE_SCHEMES`]), exactly.
//!
//! Everything else is refused with a reason the client can show: plain http to another host, a
//! fragment, a `*` of the client's own, user information, `javascript:`, `data:`, `file:` and
//! any scheme or host not on the lists.

use url::Url;

use super::redirect::FORBIDDEN_SCHEMES;

/// Hosts whose `https` callbacks a self-registered client may name: the hosted sign-in pages of
/// Claude (claude.ai and claude.com connectors) and VS Code for the Web. Each belongs to the
/// vendor whose client redeems the code there; a code sent to one is useless without the PKCE
/// verifier that client holds.
pub const HOSTED_CALLBACK_HOSTS: &[&str] = &[
    "claude.ai",
    "claude.com",
    "vscode.dev",
    "insiders.vscode.dev",
];

/// Private-use URI schemes (RFC 8252 §7.1) of desktop clients known to register themselves:
/// Cursor's `cursor://anysphere.cursor-mcp/oauth/callback` (its path has changed between
/// versions, so the path is not pinned).
pub const PRIVATE_SCHEMES: &[&str] = &["cursor"];

/// The spellings of this machine RFC 8252 names (and `localhost`, which most clients use).
const LOOPBACK_HOSTS: &[&str] = &["localhost", "127.0.0.1", "[::1]"];

/// Longer redirect URIs are refused: no real client needs one, and each is stored in FusionAuth.
pub const MAX_REDIRECT_URI_LENGTH: usize = 512;

/// A redirect URI the bridge accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcceptedRedirect {
    /// As the client sent it: what it will put in `redirect_uri`, and what the registration
    /// answer echoes.
    pub requested: String,
    /// What FusionAuth's application lists for it (a loopback URI with its port as `*`, the
    /// port-less spelling kept exactly too).
    pub registered: Vec<String>,
    /// Where a login result goes, for people: "this computer", a host, or an app's scheme.
    pub destination: String,
}

/// Why a redirect URI is refused (`invalid_redirect_uri`). `Display` is the
/// `error_description` the client gets.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RedirectRefusal {
    #[error("'{0}' is not a valid absolute URI")]
    NotAbsolute(String),
    #[error("a redirect URI is longer than {MAX_REDIRECT_URI_LENGTH} characters")]
    TooLong,
    #[error("'{0}' contains whitespace or control characters")]
    Unprintable(String),
    #[error("'{0}' has a #fragment, which redirect URIs must not have (RFC 6749 §3.1.2)")]
    Fragment(String),
    #[error(
        "'{0}' contains '*'; register the URI your client listens on (any loopback port is \
         accepted without a wildcard)"
    )]
    Wildcard(String),
    #[error("'{0}' carries user information (user@host), which a redirect URI never needs")]
    UserInfo(String),
    #[error("'{0}' uses the scheme '{1}', which cannot receive an authorization code")]
    ForbiddenScheme(String, String),
    #[error(
        "'{0}' sends the authorization code over plain http to another machine; http is \
         accepted only for this machine (localhost, 127.0.0.1 or [::1], any port)"
    )]
    InsecureHost(String),
    #[error("'{0}' spells this machine other than localhost, 127.0.0.1 or [::1]; use one of those")]
    OtherLoopback(String),
    #[error("'{0}' has a port that is not a number from 1 to 65535")]
    BadPort(String),
    #[error(
        "'{0}' is an https callback on a host this server does not know; self-registered \
         clients may use https only on {hosts}",
        hosts = HOSTED_CALLBACK_HOSTS.join(", ")
    )]
    UnknownHost(String),
    #[error("'{0}' names a port on a hosted callback, which the known hosts never use")]
    HostedPort(String),
    #[error(
        "'{0}' uses the private scheme '{1}', which is not one of the known clients' ({schemes})",
        schemes = PRIVATE_SCHEMES.iter().map(|s| format!("{s}://")).collect::<Vec<_>>().join(", ")
    )]
    UnknownScheme(String, String),
}

/// Accepts `raw` as a self-registered client's redirect URI, or says why not.
pub fn accept(raw: &str) -> Result<AcceptedRedirect, RedirectRefusal> {
    if raw.len() > MAX_REDIRECT_URI_LENGTH {
        return Err(RedirectRefusal::TooLong);
    }
    if raw.is_empty() || raw.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(if raw.is_empty() {
            RedirectRefusal::NotAbsolute(raw.to_owned())
        } else {
            RedirectRefusal::Unprintable(raw.escape_debug().to_string())
        });
    }
    // Before parsing: a parser may reject or rewrite a `*`, and the client must hear why.
    if raw.contains('*') {
        return Err(RedirectRefusal::Wildcard(raw.to_owned()));
    }
    let url = Url::parse(raw).map_err(|_| RedirectRefusal::NotAbsolute(raw.to_owned()))?;
    let scheme = url.scheme();
    if FORBIDDEN_SCHEMES.contains(&scheme) {
        return Err(RedirectRefusal::ForbiddenScheme(
            raw.to_owned(),
            scheme.to_owned(),
        ));
    }
    if raw.contains('#') {
        return Err(RedirectRefusal::Fragment(raw.to_owned()));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(RedirectRefusal::UserInfo(raw.to_owned()));
    }
    match scheme {
        "http" => loopback(raw, &url),
        "https" => hosted(raw, &url),
        _ => private_scheme(raw, scheme),
    }
}

/// `http://<loopback>[:port]<rest>` → `http://<loopback>:*<rest>` (plus the exact URI when it
/// names no port). Built from the text the client sent, not from the parsed URL: FusionAuth
/// compares text, and the client will send exactly this text back.
fn loopback(raw: &str, url: &Url) -> Result<AcceptedRedirect, RedirectRefusal> {
    let is_loopback = match url.host() {
        Some(url::Host::Domain(domain)) => domain == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    if !is_loopback {
        return Err(RedirectRefusal::InsecureHost(raw.to_owned()));
    }
    let after_scheme = raw
        .get(7..)
        .filter(|_| raw.starts_with("http://"))
        .ok_or_else(|| RedirectRefusal::NotAbsolute(raw.to_owned()))?;
    let end = after_scheme.find(['/', '?']).unwrap_or(after_scheme.len());
    let (authority, rest) = after_scheme.split_at(end);
    let (host, port) = match authority.strip_prefix("[::1]") {
        Some(port) => ("[::1]", port),
        None => authority
            .find(':')
            .map_or((authority, ""), |at| authority.split_at(at)),
    };
    if !LOOPBACK_HOSTS.contains(&host) {
        return Err(RedirectRefusal::OtherLoopback(raw.to_owned()));
    }
    let port = match port.strip_prefix(':') {
        None if port.is_empty() => None,
        Some(digits)
            if !digits.is_empty()
                && digits.len() <= 5
                && digits.bytes().all(|b| b.is_ascii_digit())
                && !digits.starts_with('0') =>
        {
            Some(
                digits
                    .parse::<u16>()
                    .map_err(|_| RedirectRefusal::BadPort(raw.to_owned()))?,
            )
        }
        _ => return Err(RedirectRefusal::BadPort(raw.to_owned())),
    };
    let mut registered = vec![format!("http://{host}:*{rest}")];
    if port.is_none() {
        registered.push(raw.to_owned());
    }
    Ok(AcceptedRedirect {
        requested: raw.to_owned(),
        registered,
        destination: "this computer".to_owned(),
    })
}

fn hosted(raw: &str, url: &Url) -> Result<AcceptedRedirect, RedirectRefusal> {
    let host = url.host_str().unwrap_or_default();
    // Compared as text by FusionAuth: scheme and host must be spelt as on the list.
    let Some(after_scheme) = raw
        .strip_prefix("https://")
        .filter(|rest| HOSTED_CALLBACK_HOSTS.contains(&host) && rest.starts_with(host))
    else {
        return Err(RedirectRefusal::UnknownHost(raw.to_owned()));
    };
    // The URL parser drops a default port; the text must not name one either.
    let authority = after_scheme.split(['/', '?']).next().unwrap_or_default();
    if url.port().is_some() || authority != host {
        return Err(RedirectRefusal::HostedPort(raw.to_owned()));
    }
    Ok(AcceptedRedirect {
        requested: raw.to_owned(),
        registered: vec![raw.to_owned()],
        destination: host.to_owned(),
    })
}

fn private_scheme(raw: &str, scheme: &str) -> Result<AcceptedRedirect, RedirectRefusal> {
    if !PRIVATE_SCHEMES.contains(&scheme) || !raw.starts_with(&format!("{scheme}://")) {
        return Err(RedirectRefusal::UnknownScheme(
            raw.to_owned(),
            scheme.to_owned(),
        ));
    }
    Ok(AcceptedRedirect {
        requested: raw.to_owned(),
        registered: vec![raw.to_owned()],
        destination: format!("the {scheme}:// app"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every URI real clients register, and what FusionAuth is given for it.
    #[test]
    fn accepted_uris_and_what_fusionauth_gets() {
        for (uri, registered) in [
            (
                "http://localhost:3334/oauth/callback",
                vec!["http://localhost:*/oauth/callback"],
            ),
            ("http://127.0.0.1:33418/", vec!["http://127.0.0.1:*/"]),
            (
                "http://127.0.0.1/",
                vec!["http://127.0.0.1:*/", "http://127.0.0.1/"],
            ),
            ("http://[::1]:8080/cb", vec!["http://[::1]:*/cb"]),
            (
                "http://localhost:6274/oauth/callback/debug",
                vec!["http://localhost:*/oauth/callback/debug"],
            ),
            ("http://localhost:5000", vec!["http://localhost:*"]),
            (
                "http://localhost:5000/cb?client=a",
                vec!["http://localhost:*/cb?client=a"],
            ),
            (
                "https://claude.ai/api/mcp/auth_callback",
                vec!["https://claude.ai/api/mcp/auth_callback"],
            ),
            (
                "https://claude.com/api/mcp/auth_callback",
                vec!["https://claude.com/api/mcp/auth_callback"],
            ),
            (
                "https://vscode.dev/redirect",
                vec!["https://vscode.dev/redirect"],
            ),
            (
                "https://insiders.vscode.dev/redirect",
                vec!["https://insiders.vscode.dev/redirect"],
            ),
            (
                "cursor://anysphere.cursor-mcp/oauth/callback",
                vec!["cursor://anysphere.cursor-mcp/oauth/callback"],
            ),
        ] {
            let accepted = accept(uri).unwrap_or_else(|e| panic!("{uri} refused: {e}"));
            assert_eq!(accepted.requested, uri);
            assert_eq!(accepted.registered, registered, "{uri}");
        }
        assert_eq!(
            accept("http://localhost:1/cb").map(|a| a.destination),
            Ok("this computer".to_owned())
        );
        assert_eq!(
            accept("https://claude.ai/cb").map(|a| a.destination),
            Ok("claude.ai".to_owned())
        );
    }

    /// Every refusal, with the words the client is told.
    #[test]
    fn refused_uris_and_their_reasons() {
        for (uri, reason) in [
            ("http://example.com/cb", "plain http to another machine"),
            (
                "http://192.168.1.5:3334/cb",
                "plain http to another machine",
            ),
            (
                "http://localhost.evil.example/cb",
                "plain http to another machine",
            ),
            (
                "http://127.0.0.2:3334/cb",
                "other than localhost, 127.0.0.1",
            ),
            (
                "http://LOCALHOST:3334/cb",
                "other than localhost, 127.0.0.1",
            ),
            ("http://localhost:0/cb", "port"),
            ("http://localhost:65536/cb", "not a valid absolute URI"),
            ("http://localhost:08080/cb", "port"),
            ("http://localhost:/cb", "port"),
            ("http://localhost:3334/cb#frag", "#fragment"),
            ("https://claude.ai/cb#x", "#fragment"),
            ("http://localhost:*/cb", "contains '*'"),
            ("http://localhost:3334/*", "contains '*'"),
            ("*", "contains '*'"),
            ("https://*.vscode.dev/redirect", "contains '*'"),
            ("http://user@localhost:3334/cb", "user information"),
            ("https://user:pw@claude.ai/cb", "user information"),
            ("javascript:alert(1)", "scheme 'javascript'"),
            ("data:text/html,hi", "scheme 'data'"),
            ("file:///etc/passwd", "scheme 'file'"),
            ("https://evil.example/cb", "https only on claude.ai"),
            (
                "https://claude.ai.evil.example/cb",
                "https only on claude.ai",
            ),
            ("https://vscode.dev:8443/redirect", "port"),
            ("https://CLAUDE.AI/cb", "https only on claude.ai"),
            (
                "myapp://callback",
                "not one of the known clients' (cursor://)",
            ),
            ("cursor:callback", "not one of the known clients'"),
            ("/oauth/callback", "not a valid absolute URI"),
            ("", "not a valid absolute URI"),
            ("HTTPS://claude.ai/cb", "https only on claude.ai"),
            ("https://vscode.dev:443/redirect", "port"),
            ("http://localhost:3334/c b", "whitespace"),
        ] {
            let refusal = accept(uri).expect_err(uri).to_string();
            assert!(refusal.contains(reason), "{uri}: {refusal}");
        }
        let long = format!("http://localhost:1/{}", "a".repeat(MAX_REDIRECT_URI_LENGTH));
        assert_eq!(accept(&long), Err(RedirectRefusal::TooLong));
    }
}
