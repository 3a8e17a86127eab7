//! Keys and JWTs. FusionAuth signs with the key the tenant names: out of the box that is the
//! HMAC "Default signing key", so access tokens are HS256 and cannot be checked through the JWKS,
//! which publishes asymmetric keys only. The stand-in does the same.

use std::collections::HashSet;

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use aws_lc_rs::rsa::{KeyPair, KeySize, PublicKeyComponents};
use aws_lc_rs::signature::KeyPair as _;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde_json::Value;
use uuid::Uuid;

use crate::state::{State, StoredKey};

/// `n` random bytes, hex encoded: codes, refresh tokens, kids, secrets.
pub fn random_hex(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    SystemRandom::new()
        .fill(&mut bytes)
        .expect("the system random source is available");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `n` random bytes, base64url: client secrets, API-key-like values.
pub fn random_b64(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    SystemRandom::new()
        .fill(&mut bytes)
        .expect("the system random source is available");
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn new_hmac_key(id: Uuid, name: &str, now: i64) -> StoredKey {
    StoredKey {
        id,
        algorithm: "HS256".into(),
        name: name.into(),
        length: 256,
        kid: random_hex(5),
        key_type: "HMAC".into(),
        secret: Some(random_b64(32)),
        private_pem: None,
        public_pem: None,
        n: None,
        e: None,
        insert_instant: now,
    }
}

pub fn new_rsa_key(
    id: Uuid,
    algorithm: &str,
    name: &str,
    length: u32,
    now: i64,
) -> Result<StoredKey, String> {
    let size = match length {
        2048 => KeySize::Rsa2048,
        3072 => KeySize::Rsa3072,
        4096 => KeySize::Rsa4096,
        other => return Err(format!("unsupported RSA key length {other}")),
    };
    let pair = KeyPair::generate(size).map_err(|_| "RSA key generation failed".to_string())?;
    let private = pair
        .as_der()
        .map_err(|_| "could not encode the private key".to_string())?;
    let public = pair
        .public_key()
        .as_der()
        .map_err(|_| "could not encode the public key".to_string())?;
    let components: PublicKeyComponents<Vec<u8>> = pair.public_key().into();
    Ok(StoredKey {
        id,
        algorithm: algorithm.into(),
        name: name.into(),
        length,
        kid: random_hex(5),
        key_type: "RSA".into(),
        secret: None,
        private_pem: Some(pem("PRIVATE KEY", private.as_ref())),
        public_pem: Some(pem("PUBLIC KEY", public.as_ref())),
        n: Some(URL_SAFE_NO_PAD.encode(&components.n)),
        e: Some(URL_SAFE_NO_PAD.encode(&components.e)),
        insert_instant: now,
    })
}

fn pem(label: &str, der: &[u8]) -> String {
    let body = STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in body.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----"));
    out
}

fn algorithm(name: &str) -> Option<Algorithm> {
    Some(match name {
        "HS256" => Algorithm::HS256,
        "HS384" => Algorithm::HS384,
        "HS512" => Algorithm::HS512,
        "RS256" => Algorithm::RS256,
        "RS384" => Algorithm::RS384,
        "RS512" => Algorithm::RS512,
        _ => return None,
    })
}

/// Signs `claims` with the key `key_id`, putting its `kid` in the header as FusionAuth does.
pub fn sign(key: &StoredKey, claims: &Value) -> Result<String, String> {
    let alg = algorithm(&key.algorithm).ok_or("unsupported signing algorithm")?;
    let encoding = match (&key.secret, &key.private_pem) {
        (Some(secret), _) => EncodingKey::from_secret(secret.as_bytes()),
        (None, Some(pem)) => {
            EncodingKey::from_rsa_pem(pem.as_bytes()).map_err(|e| e.to_string())?
        }
        _ => return Err("the key has no private part".into()),
    };
    let mut header = Header::new(alg);
    header.kid = Some(key.kid.clone());
    jsonwebtoken::encode(&header, claims, &encoding).map_err(|e| e.to_string())
}

/// Why a JWT was not accepted; FusionAuth only ever says 401, the reason is for logs and tests.
#[derive(Debug)]
pub enum Invalid {
    Malformed,
    UnknownKey,
    BadSignature,
    Expired,
}

/// Checks a JWT the way FusionAuth's JWT validate API does: a key of this instance by `kid`, the
/// signature, and expiry. Not the audience and not the issuer.
pub fn verify(state: &State, token: &str, now_secs: i64) -> Result<Value, Invalid> {
    let header = jsonwebtoken::decode_header(token).map_err(|_| Invalid::Malformed)?;
    let kid = header.kid.ok_or(Invalid::UnknownKey)?;
    let key = state
        .keys
        .values()
        .find(|k| k.kid == kid)
        .ok_or(Invalid::UnknownKey)?;
    let alg = algorithm(&key.algorithm).ok_or(Invalid::UnknownKey)?;
    if header.alg != alg {
        return Err(Invalid::BadSignature);
    }
    let decoding = match (&key.secret, &key.public_pem) {
        (Some(secret), _) => DecodingKey::from_secret(secret.as_bytes()),
        (None, Some(pem)) => {
            DecodingKey::from_rsa_pem(pem.as_bytes()).map_err(|_| Invalid::UnknownKey)?
        }
        _ => return Err(Invalid::UnknownKey),
    };
    let mut validation = Validation::new(alg);
    validation.validate_exp = false;
    validation.validate_aud = false;
    validation.required_spec_claims = HashSet::new();
    let data = jsonwebtoken::decode::<Value>(token, &decoding, &validation)
        .map_err(|_| Invalid::BadSignature)?;
    let claims = data.claims;
    match claims["exp"].as_i64() {
        Some(exp) if exp > now_secs => Ok(claims),
        _ => Err(Invalid::Expired),
    }
}

/// PKCE S256: base64url(SHA-256(verifier)) == challenge.
pub fn pkce_s256(verifier: &str) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, verifier.as_bytes());
    URL_SAFE_NO_PAD.encode(digest.as_ref())
}

/// Salted, stretched password hash (the state is written to a volume, so never plain text).
pub fn hash_password(salt: &str, password: &str) -> String {
    let mut out = [0u8; 32];
    aws_lc_rs::pbkdf2::derive(
        aws_lc_rs::pbkdf2::PBKDF2_HMAC_SHA256,
        std::num::NonZeroU32::new(1000).expect("non-zero"),
        salt.as_bytes(),
        password.as_bytes(),
        &mut out,
    );
    STANDARD.encode(out)
}

pub fn verify_password(salt: &str, hash: &str, password: &str) -> bool {
    let Ok(expected) = STANDARD.decode(hash) else {
        return false;
    };
    aws_lc_rs::pbkdf2::verify(
        aws_lc_rs::pbkdf2::PBKDF2_HMAC_SHA256,
        std::num::NonZeroU32::new(1000).expect("non-zero"),
        salt.as_bytes(),
        password.as_bytes(),
        &expected,
    )
    .is_ok()
}
