//! FusionAuth's `AllowWildcards` URL validation policy (since 1.43.0), as its documentation
//! ("OAuth URL Validation") states it: where a `*` may stand in a configured redirect or origin
//! URL, and what a request's URL may put in its place. Nothing here is kinder than that page:
//! every wildcard must match at least one character, a port wildcard matches digits only, a
//! domain wildcard never crosses a `.`, a path wildcard never crosses a `/`, and a query
//! wildcard stands for one whole value.
//!
//! It must not be used for `ExactMatch` applications: they compare whole strings.

/// A URL cut where FusionAuth's rules cut it, without normalising anything: the comparison is
/// textual, so `localhost` and `LOCALHOST` or `%2F` and `/` stay different.
struct Parts<'a> {
    scheme: &'a str,
    host: &'a str,
    port: Option<&'a str>,
    path: &'a str,
    query: Option<&'a str>,
}

impl<'a> Parts<'a> {
    fn of(url: &'a str) -> Option<Parts<'a>> {
        let (scheme, rest) = url.split_once("://")?;
        if rest.contains('#') {
            return None;
        }
        let end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, rest) = rest.split_at(end);
        let (path, query) = match rest.split_once('?') {
            Some((path, query)) => (path, Some(query)),
            None => (rest, None),
        };
        let (host, port) = if authority.starts_with('[') {
            let close = authority.find(']')?;
            let (host, after) = authority.split_at(close + 1);
            match after {
                "" => (host, None),
                port => (host, Some(port.strip_prefix(':')?)),
            }
        } else {
            match authority.rsplit_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (authority, None),
            }
        };
        Some(Parts {
            scheme,
            host,
            port,
            path,
            query,
        })
    }
}

/// Why a configured URL's wildcard is not allowed where it stands; `None` when it is (or when
/// there is no wildcard at all).
pub fn pattern_error(pattern: &str) -> Option<&'static str> {
    if !pattern.contains('*') {
        return None;
    }
    let Some(parts) = Parts::of(pattern) else {
        return Some("a wildcard is only allowed in an absolute URL");
    };
    if parts.scheme.contains('*') {
        return Some("a wildcard is not allowed in the scheme");
    }
    if parts.host.contains('@') {
        return Some("a wildcard URL may not carry user information");
    }
    if parts.host.contains('*') {
        if parts.host.matches('*').count() > 1 {
            return Some("the domain contains multiple wildcards");
        }
        if is_ip_address(parts.host) {
            return Some("wildcards are not allowed with IP addresses");
        }
        let labels: Vec<&str> = parts.host.split('.').collect();
        if labels.len() < 3 {
            return Some("a domain with a wildcard must contain at least three segments");
        }
        if labels[1..].iter().any(|label| label.contains('*')) {
            return Some("the wildcard does not appear in the host (left-most subdomain)");
        }
    }
    if let Some(port) = parts.port
        && port.contains('*')
        && port != "*"
    {
        return Some("partial wildcards are not allowed for the port number");
    }
    if parts
        .path
        .split('/')
        .any(|segment| segment.matches('*').count() > 1)
    {
        return Some("a path segment contains multiple wildcards");
    }
    if let Some(query) = parts.query {
        for pair in query.split('&') {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            if name.contains('*') {
                return Some("wildcards are not allowed in query string names");
            }
            if value.contains('*') && value != "*" {
                return Some("partial wildcard replacement is not allowed for query string values");
            }
        }
    }
    None
}

/// Whether `value` (a request's `redirect_uri`) is allowed by the configured `pattern` under
/// `AllowWildcards`. A pattern without `*`, or one whose wildcards stand where FusionAuth does
/// not allow them, matches only itself.
pub fn matches(pattern: &str, value: &str) -> bool {
    if !pattern.contains('*') || pattern_error(pattern).is_some() {
        return pattern == value;
    }
    let (Some(p), Some(v)) = (Parts::of(pattern), Parts::of(value)) else {
        return false;
    };
    p.scheme == v.scheme
        && segment_matches(p.host, v.host, &['.', ':', '/', '?', '@'])
        && match (p.port, v.port) {
            (Some("*"), Some(port)) => !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()),
            (pattern, value) => pattern == value,
        }
        && {
            let (ps, vs): (Vec<&str>, Vec<&str>) =
                (p.path.split('/').collect(), v.path.split('/').collect());
            ps.len() == vs.len()
                && ps
                    .iter()
                    .zip(&vs)
                    .all(|(p, v)| segment_matches(p, v, &['/', '?']))
        }
        && match (p.query, v.query) {
            (None, None) => true,
            (Some(pq), Some(vq)) => {
                let (pp, vp): (Vec<&str>, Vec<&str>) =
                    (pq.split('&').collect(), vq.split('&').collect());
                pp.len() == vp.len()
                    && pp.iter().zip(&vp).all(|(p, v)| {
                        match (p.split_once('='), v.split_once('=')) {
                            (Some((pn, "*")), Some((vn, vv))) => {
                                pn == vn && !vv.is_empty() && !vv.contains('&')
                            }
                            _ => p == v,
                        }
                    })
            }
            _ => false,
        }
}

/// One piece with at most one `*`: the text around it must be there, and the replacement is at
/// least one character containing none of `forbidden`.
fn segment_matches(pattern: &str, value: &str, forbidden: &[char]) -> bool {
    let Some((prefix, suffix)) = pattern.split_once('*') else {
        return pattern == value;
    };
    value.len() > prefix.len() + suffix.len()
        && value.starts_with(prefix)
        && value.ends_with(suffix)
        && !value[prefix.len()..value.len() - suffix.len()].contains(forbidden)
}

/// `[...]` (IPv6) or four dot-separated numbers, wildcards counted as digits: `*.168.1.1` is an
/// address with a wildcard, not a domain.
fn is_ip_address(host: &str) -> bool {
    host.starts_with('[')
        || host.split('.').count() == 4
            && host.split('.').all(|part| {
                !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit() || b == b'*')
            })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The "Allowed Wildcard Positions" tables of FusionAuth's "OAuth URL Validation" page.
    #[test]
    fn positions_follow_the_documented_tables() {
        for valid in [
            "https://*.example.com",
            "https://blah*.example.com",
            "https://example.com:*",
            "https://example.com/path/*/resource",
            "https://example.com/p*/to/resource",
            "https://example.com?foo=*",
            "https://example.com?foo=*&bar=*&baz=blah",
            "http://localhost:*/oauth/callback",
            "http://[::1]:*/callback",
        ] {
            assert_eq!(pattern_error(valid), None, "{valid}");
        }
        for (invalid, why) in [
            ("https://*.com", "three segments"),
            ("https://auth.*.com", "left-most"),
            ("https://*mid*.example.com", "multiple wildcards"),
            ("https://*.168.1.1", "IP addresses"),
            ("https://example.com:4*", "port"),
            (
                "https://example.com/path/*mid*/resource",
                "multiple wildcards",
            ),
            ("https://example.com?foo=par*tial", "partial wildcard"),
            ("https://example.com?*=blah", "names"),
            ("http*://example.com/cb", "scheme"),
            ("*", "absolute"),
        ] {
            let error = pattern_error(invalid).unwrap_or_else(|| panic!("{invalid} accepted"));
            assert!(error.contains(why), "{invalid}: {error}");
        }
    }

    /// The "Wildcard Replacement Patterns" tables, plus the loopback shape mcp-fa registers.
    #[test]
    fn replacements_follow_the_documented_tables() {
        for (pattern, value, ok) in [
            ("https://*.example.com", "https://login.example.com", true),
            (
                "https://auth*.example.com",
                "https://auth2.example.com",
                true,
            ),
            (
                "https://auth*.example.com",
                "https://auth.example.com",
                false,
            ),
            (
                "https://*.example.com",
                "https://auth.customer.example.com",
                false,
            ),
            ("https://example.com:*", "https://example.com:2012", true),
            ("https://example.com:*", "https://example.com:80b", false),
            ("https://example.com:*", "https://example.com", false),
            (
                "https://example.com/path/*/resource",
                "https://example.com/path/to/resource",
                true,
            ),
            (
                "https://example.com/p*/to/resource",
                "https://example.com/path/to/resource",
                true,
            ),
            (
                "https://example.com/*/par*tial/*",
                "https://example.com/path/partotial/resource",
                true,
            ),
            (
                "https://example.com/path/*/resource",
                "https://example.com/path/to/the/resource",
                false,
            ),
            (
                "https://example.com/path/*",
                "https://example.com/path/resource?foo=bar",
                false,
            ),
            (
                "https://example.com/*/par*tial/*",
                "https://example.com/path/partial/resource",
                false,
            ),
            (
                "https://example.com?foo=*",
                "https://example.com?foo=bar",
                true,
            ),
            (
                "https://example.com?foo=*",
                "https://example.com?foo=bar&baz=blah",
                false,
            ),
            (
                "https://example.com?foo=*",
                "https://example.com?baz=blah&foo=bar",
                false,
            ),
            // Issue 2114: `https://mydomain/*` does not match `https://mydomain/`.
            ("https://example.com/*", "https://example.com/", false),
            (
                "http://localhost:*/oauth/callback",
                "http://localhost:49152/oauth/callback",
                true,
            ),
            (
                "http://localhost:*/oauth/callback",
                "http://localhost/oauth/callback",
                false,
            ),
            (
                "http://localhost:*/oauth/callback",
                "http://127.0.0.1:3000/oauth/callback",
                false,
            ),
            (
                "http://localhost:*/oauth/callback",
                "http://localhost:1@evil.example/oauth/callback",
                false,
            ),
            (
                "http://localhost:*/oauth/callback",
                "http://localhost:3000/oauth/callback/x",
                false,
            ),
            (
                "http://localhost:*/oauth/callback",
                "http://localhost:3000/oauth/callback?x=1",
                false,
            ),
            (
                "http://localhost:*/oauth/callback",
                "https://localhost:3000/oauth/callback",
                false,
            ),
            (
                "http://localhost:*/oauth/callback",
                "http://localhost:3000/oauth/callback#f",
                false,
            ),
            (
                "http://[::1]:*/callback",
                "http://[::1]:8080/callback",
                true,
            ),
            ("http://127.0.0.1:*/", "http://127.0.0.1:33418/", true),
            // A wildcard where FusionAuth allows none matches only itself.
            ("https://*.com/cb", "https://evil.com/cb", false),
            ("https://*.com/cb", "https://*.com/cb", true),
        ] {
            assert_eq!(matches(pattern, value), ok, "{pattern} vs {value}");
        }
    }
}
