//! PKCE (RFC 7636, S256 only) and the `state` value of one authorization request: random bytes
//! from the operating system, SHA-256 from aws-lc-rs (already built for jsonwebtoken).
//!
//! The `oauth2` crate was weighed for this and left out: even without its HTTP client it brings
//! a second SHA-256 implementation, a second `rand`/`getrandom` and an older `thiserror`, for
//! two functions. Nothing here is ever logged: the verifier is a secret until the code is spent.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::error::LoginError;

/// A fresh verifier and its S256 challenge.
pub(super) struct Pkce {
    pub verifier: String,
    pub challenge: String,
}

impl Pkce {
    pub(super) fn new() -> Result<Self, LoginError> {
        // 32 bytes: a 43-character verifier, the shortest RFC 7636 allows, with 256 bits of entropy.
        let verifier = random_b64(32)?;
        Ok(Self {
            challenge: s256(&verifier),
            verifier,
        })
    }
}

/// An unguessable `state`, tying the redirect back to this request.
pub(super) fn state() -> Result<String, LoginError> {
    random_b64(16)
}

fn s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD
        .encode(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, verifier.as_bytes()).as_ref())
}

fn random_b64(bytes: usize) -> Result<String, LoginError> {
    let mut buffer = vec![0u8; bytes];
    getrandom::fill(&mut buffer).map_err(|e| LoginError::Random(e.to_string()))?;
    Ok(URL_SAFE_NO_PAD.encode(buffer))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_challenge_is_the_rfc_7636_s256_transform() {
        // RFC 7636, Appendix B.
        assert_eq!(
            s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        let pkce = Pkce::new().expect("random");
        assert_eq!(
            pkce.verifier.len(),
            43,
            "32 bytes give a 43-character verifier"
        );
        assert_eq!(pkce.challenge, s256(&pkce.verifier));
        assert_ne!(pkce.verifier, Pkce::new().expect("random").verifier);
        assert_eq!(state().expect("random").len(), 22);
    }
}
