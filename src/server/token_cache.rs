//! Tokens that passed local verification, remembered so a client's next request with the same
//! token skips the RSA check (about 20 µs, most of a request's CPU time).
//!
//! It owns only that memory. It must never accept a token longer than verifying it again would:
//! an entry answers only while the token has not expired (`exp`, without the leeway: inside the
//! leeway every request is verified again, exactly as before), only for the key set it was verified
//! with (a JWKS refetch clears it), and only for the same token, byte for byte (keyed by its
//! SHA-256, a hash nobody can collide on purpose). The issuer and audience checks are per
//! verifier, and only tokens that passed them are ever stored. Rejections are never stored.
//! Nothing here is used with `--validation fusionauth`, where asking FusionAuth on every request
//! is the point.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use aws_lc_rs::digest;

use super::verified_token::VerifiedToken;

/// How many verified tokens are kept: far more than the clients of one server hold at once
/// (each a few hundred bytes to a few KiB), and small enough that a full cache costs under 4 MiB.
pub(super) const CAPACITY: usize = 1024;

/// SHA-256 of the token's text.
pub(super) type TokenDigest = [u8; 32];

pub(super) fn digest_of(token: &str) -> TokenDigest {
    let mut out = [0u8; 32];
    out.copy_from_slice(digest::digest(&digest::SHA256, token.as_bytes()).as_ref());
    out
}

struct Entry {
    token: Arc<VerifiedToken>,
    /// The token's `exp` (epoch seconds): answered only while `now < expires_at`.
    expires_at: i64,
    /// The key set the token was verified with ([`TokenCache::clear`] moves to a new one).
    generation: u64,
}

#[derive(Default)]
struct Entries {
    map: HashMap<TokenDigest, Entry>,
    generation: u64,
}

/// Verified tokens by digest, bounded by [`CAPACITY`].
#[derive(Default)]
pub(super) struct TokenCache {
    entries: RwLock<Entries>,
}

impl TokenCache {
    /// The key-set generation a verification starting now belongs to: pass it back to
    /// [`TokenCache::insert`], so a verification that raced a key rotation stores nothing.
    pub fn generation(&self) -> u64 {
        self.read().generation
    }

    /// The verified token with this digest, if it is kept, unexpired at `now`, and was verified
    /// with the current key set.
    pub fn get(&self, digest: &TokenDigest, now: i64) -> Option<Arc<VerifiedToken>> {
        let entries = self.read();
        let entry = entries.map.get(digest)?;
        (entry.generation == entries.generation && now < entry.expires_at)
            .then(|| entry.token.clone())
    }

    /// Remembers a token that passed every check at `now`, verified with key-set `generation`.
    /// A token without `exp` is not kept (local verification never accepts one anyway).
    pub fn insert(
        &self,
        digest: TokenDigest,
        token: Arc<VerifiedToken>,
        generation: u64,
        now: i64,
    ) {
        let Some(expires_at) = token.expires_at.filter(|exp| now < *exp) else {
            return;
        };
        let mut entries = self.write();
        if generation != entries.generation {
            return;
        }
        if entries.map.len() >= CAPACITY && !entries.map.contains_key(&digest) {
            let current = entries.generation;
            entries
                .map
                .retain(|_, e| e.generation == current && now < e.expires_at);
            if entries.map.len() >= CAPACITY {
                // All live: drop the one expiring first, which would soon go anyway.
                let first = entries
                    .map
                    .iter()
                    .min_by_key(|(_, e)| e.expires_at)
                    .map(|(k, _)| *k);
                if let Some(first) = first {
                    entries.map.remove(&first);
                }
            }
        }
        entries.map.insert(
            digest,
            Entry {
                token,
                expires_at,
                generation,
            },
        );
    }

    /// Forgets everything: the issuer's keys changed, so every token is verified again.
    pub fn clear(&self) {
        let mut entries = self.write();
        entries.generation += 1;
        entries.map.clear();
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.read().map.len()
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Entries> {
        // The map is always whole between statements: a panic elsewhere cannot leave it torn.
        self.entries.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Entries> {
        self.entries.write().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fusionauth::Secret;

    fn token(subject: &str, expires_at: Option<i64>) -> Arc<VerifiedToken> {
        Arc::new(VerifiedToken {
            subject: subject.into(),
            client_id: None,
            scopes: vec![],
            expires_at,
            issuer: "http://issuer".into(),
            audience: vec![],
            token: Secret::new(subject),
        })
    }

    #[test]
    fn an_entry_answers_until_exp_and_not_a_second_after() {
        let cache = TokenCache::default();
        let digest = digest_of("a.b.c");
        cache.insert(digest, token("a", Some(1000)), cache.generation(), 900);
        assert!(cache.get(&digest, 999).is_some());
        assert!(cache.get(&digest, 1000).is_none());
        assert!(cache.get(&digest_of("a.b.d"), 999).is_none());
    }

    #[test]
    fn expired_or_exp_less_tokens_are_not_kept() {
        let cache = TokenCache::default();
        cache.insert(digest_of("x"), token("x", None), 0, 900);
        cache.insert(digest_of("y"), token("y", Some(900)), 0, 900);
        assert_eq!(cache.len(), 0);
    }

    #[test]
    fn clearing_forgets_and_a_verification_from_before_stores_nothing() {
        let cache = TokenCache::default();
        let before = cache.generation();
        cache.insert(digest_of("a"), token("a", Some(1000)), before, 0);
        cache.clear();
        assert!(cache.get(&digest_of("a"), 1).is_none());
        // Verified with the old keys, finished after the rotation: not kept.
        cache.insert(digest_of("b"), token("b", Some(1000)), before, 0);
        assert!(cache.get(&digest_of("b"), 1).is_none());
        cache.insert(
            digest_of("b"),
            token("b", Some(1000)),
            cache.generation(),
            0,
        );
        assert!(cache.get(&digest_of("b"), 1).is_some());
    }

    #[test]
    fn it_never_holds_more_than_its_capacity() {
        let cache = TokenCache::default();
        let generation = cache.generation();
        for i in 0..CAPACITY + 10 {
            let text = format!("token-{i}");
            cache.insert(
                digest_of(&text),
                token(&text, Some(10_000 + i as i64)),
                generation,
                0,
            );
        }
        assert_eq!(cache.len(), CAPACITY);
        // The ones expiring first made room; the newest are kept.
        assert!(cache.get(&digest_of("token-0"), 1).is_none());
        let newest = format!("token-{}", CAPACITY + 9);
        assert!(cache.get(&digest_of(&newest), 1).is_some());
        // Expired entries are dropped before any live one.
        cache.insert(
            digest_of("late"),
            token("late", Some(20_000)),
            generation,
            10_500,
        );
        assert!(cache.len() < CAPACITY);
    }
}
