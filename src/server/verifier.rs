//! Decides whether a bearer token was issued by our issuer, for this server, and is still valid.
//!
//! Local validation needs the network once: OIDC discovery and the JWKS at start, then a refetch
//! only when a token names a key we do not hold (FusionAuth rotated keys), at most once per
//! `jwks_refetch_interval` however many such tokens arrive, so a flood of made-up `kid`s cannot
//! turn into a flood of requests to FusionAuth. Only asymmetric algorithms are accepted: an
//! HMAC "verification" with a public key is the classic algorithm-confusion forgery, and `none`
//! is no signature at all.
//!
//! A token that passed local verification is remembered ([`super::token_cache`]) until its `exp`
//! or the next change of keys, so a client's repeated requests cost a hash, not an RSA check.
//!
//! It never logs or returns the token itself.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use serde_json::Value;

use super::error::ServerError;
use super::token_cache::{TokenCache, digest_of};
use super::verified_token::VerifiedToken;
use crate::fusionauth::{Audience, FusionAuthClient, FusionAuthError, JwtClaims, Secret};

/// How a token's signature and expiry are checked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ValidationMode {
    /// With the issuer's published keys (JWKS, from OIDC discovery): no call per request.
    #[default]
    Local,
    /// With FusionAuth's `/api/jwt/validate`, one call per request, as the tutorial does. The
    /// audience, issuer and scopes are still checked here, because FusionAuth does not.
    FusionAuth,
}

/// Why a token was refused. `Display` is for the operator's log; [`Rejection::description`] is
/// what the client is told.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    #[error("the token is not a JWT (three base64url parts with a JSON header)")]
    Malformed,
    #[error("the token is unsigned (`alg: none`)")]
    Unsigned,
    /// The most likely real-world misconfiguration: FusionAuth's tenant still signs access tokens
    /// with its default HMAC key.
    #[error(
        "the token is signed with {alg}, a shared-secret (HMAC) algorithm that cannot be verified \
         with the issuer's public keys. FusionAuth signs access tokens with the tenant's default \
         HMAC key until the tenant's jwtConfiguration.accessTokenKeyId names an asymmetric key: \
         generate an RSA key (POST /api/key/generate/{{keyId}} with algorithm RS256) and set \
         tenant.jwtConfiguration.accessTokenKeyId (and idTokenKeyId) to it, as mcp-fa's \
         kickstart does; then log in again for a new token"
    )]
    SymmetricAlgorithm { alg: String },
    #[error("the token's algorithm `{alg}` is not an accepted asymmetric algorithm")]
    UnsupportedAlgorithm { alg: String },
    #[error("the token's header names no key (`kid`)")]
    MissingKeyId,
    #[error("the token names key `{kid}`, which the issuer does not publish")]
    UnknownKey { kid: String },
    #[error("the token's signature does not verify")]
    BadSignature,
    #[error("the token has expired")]
    Expired,
    #[error("the token is not valid yet (`nbf` is in the future)")]
    NotYetValid,
    #[error("the token was issued by `{found}`, not by `{expected}`")]
    WrongIssuer { expected: String, found: String },
    #[error("the token's audience {found:?} does not include this server ({expected})")]
    WrongAudience {
        expected: String,
        found: Vec<String>,
    },
    #[error("the token lacks the `{0}` claim")]
    MissingClaim(String),
    #[error("FusionAuth did not accept the token")]
    RefusedByFusionAuth,
    #[error("could not ask FusionAuth about the token: {0}")]
    FusionAuthUnavailable(String),
}

impl Rejection {
    /// A short, safe explanation for the client (the `error_description` of the 401 body). For the
    /// HMAC case it is the full hint: the person reading it is usually the one who configured
    /// FusionAuth.
    pub fn description(&self) -> String {
        match self {
            Self::SymmetricAlgorithm { .. } => self.to_string(),
            Self::WrongIssuer { .. } => "The token was issued by another issuer.".into(),
            Self::WrongAudience { .. } => "The token was not issued for this server.".into(),
            Self::FusionAuthUnavailable(_) => "The token could not be checked.".into(),
            other => {
                let mut text = other.to_string();
                if let Some(first) = text.get(..1) {
                    let upper = first.to_uppercase();
                    text.replace_range(..1, &upper);
                }
                text.push('.');
                text
            }
        }
    }
}

/// The asymmetric algorithms a JWKS key can verify.
const ACCEPTED: &[Algorithm] = &[
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
];

struct KeySet {
    keys: HashMap<String, PublishedKey>,
    fetched_at: Instant,
}

#[derive(Clone)]
struct PublishedKey {
    key: DecodingKey,
    /// The JWK's `alg`, when it names one: then the token must use exactly it.
    alg: Option<Algorithm>,
}

/// Verifies bearer tokens for one resource.
pub struct TokenVerifier {
    issuer: String,
    resource: String,
    client_id_audiences: Vec<String>,
    leeway: Duration,
    mode: ValidationMode,
    fusionauth: FusionAuthClient,
    jwks_uri: String,
    http: reqwest::Client,
    keys: RwLock<KeySet>,
    refetch: tokio::sync::Mutex<()>,
    refetch_interval: Duration,
    /// Local validation only: FusionAuth's answer is asked for on every request.
    verified: TokenCache,
}

/// What [`TokenVerifier::discover`] learnt, for the start-up notes.
pub struct Discovered {
    pub verifier: TokenVerifier,
    pub issuer: String,
    pub key_count: usize,
}

pub struct VerifierSettings<'a> {
    /// `None`: take the issuer from the discovery document.
    pub issuer: Option<&'a str>,
    pub resource: &'a str,
    pub client_id_audiences: &'a [String],
    pub leeway: Duration,
    pub mode: ValidationMode,
    pub refetch_interval: Duration,
}

impl TokenVerifier {
    /// Reads the issuer's discovery document (and, for local validation, its JWKS).
    pub async fn discover(
        fusionauth: FusionAuthClient,
        settings: VerifierSettings<'_>,
    ) -> Result<Discovered, ServerError> {
        let discovery = fusionauth
            .openid_configuration()
            .await
            .map_err(ServerError::Discovery)?;
        let issuer = match settings.issuer {
            Some(configured)
                if configured.trim_end_matches('/') != discovery.issuer.trim_end_matches('/') =>
            {
                return Err(ServerError::IssuerMismatch {
                    configured: configured.to_owned(),
                    discovered: discovery.issuer,
                });
            }
            _ if !discovery.issuer.starts_with("http") => {
                return Err(ServerError::IssuerMismatch {
                    configured: settings
                        .issuer
                        .map_or_else(|| fusionauth.base_url().to_string(), str::to_owned),
                    discovered: discovery.issuer,
                });
            }
            // Tokens carry the discovered spelling, trailing slash or not.
            _ => discovery.issuer,
        };
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| ServerError::Jwks {
                url: discovery.jwks_uri.clone(),
                reason: e.to_string(),
            })?;
        let verifier = TokenVerifier {
            issuer: issuer.clone(),
            resource: settings.resource.to_owned(),
            client_id_audiences: settings.client_id_audiences.to_vec(),
            leeway: settings.leeway,
            mode: settings.mode,
            fusionauth,
            jwks_uri: discovery.jwks_uri,
            http,
            keys: RwLock::new(KeySet {
                keys: HashMap::new(),
                fetched_at: Instant::now(),
            }),
            refetch: tokio::sync::Mutex::new(()),
            refetch_interval: settings.refetch_interval,
            verified: TokenCache::default(),
        };
        let key_count = if settings.mode == ValidationMode::Local {
            let keys = verifier.fetch_keys().await?;
            let count = keys.len();
            verifier.store(keys);
            count
        } else {
            0
        };
        Ok(Discovered {
            verifier,
            issuer,
            key_count,
        })
    }

    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    pub fn fusionauth(&self) -> &FusionAuthClient {
        &self.fusionauth
    }

    /// Every check, in order: shape, algorithm, key, signature, time, issuer, audience. With
    /// local validation, a token that passed them all is answered from memory until its `exp`
    /// (or a change of keys); shared, since the request and the tools only read it.
    pub async fn verify(&self, token: &str) -> Result<Arc<VerifiedToken>, Rejection> {
        if self.mode == ValidationMode::FusionAuth {
            let header = Header::read(token)?;
            let claims = self.verify_with_fusionauth(token, &header).await?;
            return self.check_claims(token, claims).map(Arc::new);
        }
        let digest = digest_of(token);
        if let Some(verified) = self.verified.get(&digest, now_secs()) {
            return Ok(verified);
        }
        // Taken before the keys are read: a verification that races a key change stores nothing.
        let generation = self.verified.generation();
        let header = Header::read(token)?;
        let claims = self.verify_locally(token, &header).await?;
        let verified = Arc::new(self.check_claims(token, claims)?);
        self.verified
            .insert(digest, verified.clone(), generation, now_secs());
        Ok(verified)
    }

    async fn verify_locally(&self, token: &str, header: &Header) -> Result<JwtClaims, Rejection> {
        let alg = header.asymmetric_algorithm()?;
        let kid = header.kid.as_deref().ok_or(Rejection::MissingKeyId)?;
        let published = self.key(kid).await?;
        if published.alg.is_some_and(|expected| expected != alg) {
            return Err(Rejection::BadSignature);
        }
        let mut validation = Validation::new(alg);
        validation.leeway = self.leeway.as_secs();
        validation.validate_exp = true;
        validation.validate_nbf = true;
        // Checked below, to name what was found and to allow the legacy client-id audience.
        validation.validate_aud = false;
        validation.set_required_spec_claims(&["exp"]);
        let data = jsonwebtoken::decode::<JwtClaims>(token, &published.key, &validation).map_err(
            |error| match error.kind() {
                ErrorKind::ExpiredSignature => Rejection::Expired,
                ErrorKind::ImmatureSignature => Rejection::NotYetValid,
                ErrorKind::MissingRequiredClaim(claim) => Rejection::MissingClaim(claim.clone()),
                ErrorKind::InvalidSignature
                | ErrorKind::InvalidAlgorithm
                | ErrorKind::InvalidKeyFormat
                | ErrorKind::InvalidRsaKey(_)
                | ErrorKind::InvalidEcdsaKey
                | ErrorKind::InvalidEddsaKey => Rejection::BadSignature,
                _ => Rejection::Malformed,
            },
        )?;
        Ok(data.claims)
    }

    /// The tutorial's way: FusionAuth checks signature and expiry (HMAC tokens included, since it
    /// holds the secret); everything else is still checked here.
    async fn verify_with_fusionauth(
        &self,
        token: &str,
        header: &Header,
    ) -> Result<JwtClaims, Rejection> {
        if header.alg.eq_ignore_ascii_case("none") {
            return Err(Rejection::Unsigned);
        }
        let claims = match self.fusionauth.validate_jwt(token).await {
            Ok(claims) => claims,
            Err(FusionAuthError::InvalidToken) => return Err(Rejection::RefusedByFusionAuth),
            Err(FusionAuthError::OAuth { status: 401, .. }) => {
                return Err(Rejection::RefusedByFusionAuth);
            }
            Err(other) => return Err(Rejection::FusionAuthUnavailable(other.to_string())),
        };
        let now = now_secs();
        let leeway = self.leeway.as_secs() as i64;
        if claims.exp.is_some_and(|exp| exp + leeway <= now) {
            return Err(Rejection::Expired);
        }
        if claims
            .extra
            .get("nbf")
            .and_then(Value::as_i64)
            .is_some_and(|nbf| nbf - leeway > now)
        {
            return Err(Rejection::NotYetValid);
        }
        Ok(claims)
    }

    fn check_claims(&self, token: &str, claims: JwtClaims) -> Result<VerifiedToken, Rejection> {
        let issuer = claims
            .iss
            .clone()
            .ok_or_else(|| Rejection::MissingClaim("iss".into()))?;
        if issuer != self.issuer {
            return Err(Rejection::WrongIssuer {
                expected: self.issuer.clone(),
                found: printable(&issuer, 200),
            });
        }
        let audience: Vec<String> = claims
            .aud
            .as_ref()
            .map(|aud| aud.iter().map(str::to_owned).collect())
            .unwrap_or_default();
        let for_us = audience.contains(&self.resource)
            || audience
                .iter()
                .any(|aud| self.client_id_audiences.contains(aud));
        if !for_us {
            return Err(Rejection::WrongAudience {
                expected: self.resource.clone(),
                found: audience
                    .iter()
                    .take(8)
                    .map(|aud| printable(aud, 200))
                    .collect(),
            });
        }
        let subject = claims
            .sub
            .clone()
            .ok_or_else(|| Rejection::MissingClaim("sub".into()))?;
        let client_id = match &claims.aud {
            Some(Audience::Many(list)) => list.first().cloned(),
            Some(Audience::One(one)) if *one != self.resource => Some(one.clone()),
            _ => None,
        }
        .or_else(|| claims.application_id.clone());
        Ok(VerifiedToken {
            subject,
            client_id,
            scopes: claims.scopes().map(str::to_owned).collect(),
            expires_at: claims.exp,
            issuer,
            audience,
            token: Secret::new(token),
        })
    }

    /// The key named `kid`, refetching the JWKS once per interval when it is unknown.
    async fn key(&self, kid: &str) -> Result<PublishedKey, Rejection> {
        if let Some(key) = self.cached(kid) {
            return Ok(key);
        }
        let unknown = || Rejection::UnknownKey {
            kid: printable(kid, 64),
        };
        // One refetch at a time; the others wait and then see the fresh set.
        let _turn = self.refetch.lock().await;
        if let Some(key) = self.cached(kid) {
            return Ok(key);
        }
        let fetched_at = self
            .keys
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .fetched_at;
        if fetched_at.elapsed() < self.refetch_interval {
            return Err(unknown());
        }
        match self.fetch_keys().await {
            Ok(keys) => self.store(keys),
            Err(error) => {
                tracing::warn!("could not refresh the issuer's signing keys: {error}");
                // Count the failed attempt too: a down FusionAuth must not be hammered either.
                self.keys
                    .write()
                    .unwrap_or_else(|e| e.into_inner())
                    .fetched_at = Instant::now();
            }
        }
        self.cached(kid).ok_or_else(unknown)
    }

    fn cached(&self, kid: &str) -> Option<PublishedKey> {
        self.keys
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .keys
            .get(kid)
            .cloned()
    }

    /// Replaces the key set, and forgets every token verified with the old one: a key the issuer
    /// no longer publishes must stop verifying at once, as it would without the memory.
    fn store(&self, keys: HashMap<String, PublishedKey>) {
        *self.keys.write().unwrap_or_else(|e| e.into_inner()) = KeySet {
            keys,
            fetched_at: Instant::now(),
        };
        self.verified.clear();
    }

    /// The issuer's JWKS. Keys this library cannot use (unknown types, symmetric ones, no `kid`)
    /// are skipped rather than failing the whole set.
    async fn fetch_keys(&self) -> Result<HashMap<String, PublishedKey>, ServerError> {
        #[derive(Deserialize)]
        struct Set {
            #[serde(default)]
            keys: Vec<Value>,
        }
        let failed = |reason: String| ServerError::Jwks {
            url: self.jwks_uri.clone(),
            reason,
        };
        let response = self
            .http
            .get(&self.jwks_uri)
            .send()
            .await
            .map_err(|e| failed(e.without_url().to_string()))?;
        if !response.status().is_success() {
            return Err(failed(format!("HTTP {}", response.status())));
        }
        let set: Set = response
            .json()
            .await
            .map_err(|e| failed(e.without_url().to_string()))?;
        let mut keys = HashMap::new();
        for value in set.keys {
            let Ok(jwk) = serde_json::from_value::<jsonwebtoken::jwk::Jwk>(value) else {
                continue;
            };
            let Some(kid) = jwk.common.key_id.clone() else {
                continue;
            };
            if matches!(
                jwk.algorithm,
                jsonwebtoken::jwk::AlgorithmParameters::OctetKey(_)
            ) {
                continue;
            }
            let alg = jwk
                .common
                .key_algorithm
                .and_then(|alg| alg.to_string().parse::<Algorithm>().ok());
            if let Ok(key) = DecodingKey::from_jwk(&jwk) {
                keys.insert(kid, PublishedKey { key, alg });
            }
        }
        Ok(keys)
    }
}

/// The JOSE header, read without trusting it.
struct Header {
    alg: String,
    kid: Option<String>,
}

impl Header {
    fn read(token: &str) -> Result<Self, Rejection> {
        let mut parts = token.split('.');
        let (Some(header), Some(_), Some(_), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(Rejection::Malformed);
        };
        let bytes = URL_SAFE_NO_PAD
            .decode(header)
            .map_err(|_| Rejection::Malformed)?;
        let value: Value = serde_json::from_slice(&bytes).map_err(|_| Rejection::Malformed)?;
        let alg = value
            .get("alg")
            .and_then(Value::as_str)
            .ok_or(Rejection::Malformed)?
            .to_owned();
        let kid = value.get("kid").and_then(Value::as_str).map(str::to_owned);
        Ok(Self { alg, kid })
    }

    fn asymmetric_algorithm(&self) -> Result<Algorithm, Rejection> {
        let alg = self.alg.as_str();
        if alg.eq_ignore_ascii_case("none") {
            return Err(Rejection::Unsigned);
        }
        if alg.to_ascii_uppercase().starts_with("HS") {
            return Err(Rejection::SymmetricAlgorithm {
                alg: printable(alg, 16),
            });
        }
        alg.parse::<Algorithm>()
            .ok()
            .filter(|alg| ACCEPTED.contains(alg))
            .ok_or_else(|| Rejection::UnsupportedAlgorithm {
                alg: printable(alg, 16),
            })
    }
}

/// Token fields are attacker-controlled and end up in log lines: no control characters (a
/// newline would forge a log line), and bounded length.
pub(super) fn printable(text: &str, max_chars: usize) -> String {
    text.chars()
        .filter(|c| !c.is_control())
        .take(max_chars)
        .collect()
}

/// Seconds since the Unix epoch, as tokens' `exp`, `nbf` and `iat` count them.
pub(super) fn now_secs() -> i64 {
    i64::try_from(jsonwebtoken::get_current_timestamp()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token_with_header(header: &str) -> String {
        format!("{}.e30.c2ln", URL_SAFE_NO_PAD.encode(header))
    }

    #[test]
    fn header_algorithms_are_sorted_before_any_key_is_looked_up() {
        let alg =
            |h: &str| Header::read(&token_with_header(h)).and_then(|h| h.asymmetric_algorithm());
        assert_eq!(alg(r#"{"alg":"RS256","kid":"k"}"#), Ok(Algorithm::RS256));
        assert_eq!(alg(r#"{"alg":"none"}"#), Err(Rejection::Unsigned));
        assert!(matches!(
            alg(r#"{"alg":"HS256"}"#),
            Err(Rejection::SymmetricAlgorithm { .. })
        ));
        assert!(matches!(
            alg(r#"{"alg":"XYZ"}"#),
            Err(Rejection::UnsupportedAlgorithm { .. })
        ));
        assert_eq!(Header::read("abc").err(), Some(Rejection::Malformed));
        assert_eq!(Header::read("a.b.c").err(), Some(Rejection::Malformed));
    }

    #[test]
    fn token_fields_cannot_forge_log_lines() {
        assert_eq!(
            printable("kid\n2026 INFO forged", 64),
            "kid2026 INFO forged"
        );
        assert_eq!(printable("abcdef", 3), "abc");
    }

    #[test]
    fn the_hmac_rejection_points_at_the_key_setup() {
        let text = Rejection::SymmetricAlgorithm {
            alg: "HS256".into(),
        }
        .description();
        assert!(text.contains("accessTokenKeyId"), "{text}");
        assert!(text.contains("kickstart"), "{text}");
        assert!(text.contains("RS256"), "{text}");
    }
}
