//! Authentication: API tokens and passwords.
//!
//! - An API token is `psk_` and 43 base64url characters (32 random bytes). Only its SHA-256 is
//!   stored ([`TokenHash`]); the text is shown once, when created. A random 256-bit secret
//!   needs no salt or slow hash, so checking a request costs one hash and one indexed lookup.
//! - A password is hashed with argon2id (default parameters, random salt) into a PHC string.
//! - Requests authenticate with `Authorization: Bearer <token>` ([`CurrentUser`]).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use posylka_core::account::{TokenHash, User};
use posylka_store::Store;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

use crate::error::ApiError;
use crate::state::AppState;

/// The prefix of every API token: lets secret scanners and people recognise one.
pub const TOKEN_PREFIX: &str = "psk_";

/// Why a credential could not be made.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// The operating system's random source failed.
    #[error("no randomness available: {0}")]
    Random(String),
    /// argon2 failed (never for valid parameters).
    #[error("password hashing failed: {0}")]
    Hash(String),
}

/// A new API token: the text to hand to the user once, and the hash to store.
#[derive(Debug)]
pub struct IssuedToken {
    /// The token text (`psk_...`).
    pub token: SecretString,
    /// Its SHA-256.
    pub hash: TokenHash,
}

/// Makes a new random API token.
pub fn issue_token() -> Result<IssuedToken, AuthError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| AuthError::Random(e.to_string()))?;
    let token = format!("{TOKEN_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes));
    let hash = hash_token(&token);
    Ok(IssuedToken {
        token: SecretString::from(token),
        hash,
    })
}

/// The stored form of a token's text.
pub fn hash_token(token: &str) -> TokenHash {
    TokenHash(Sha256::digest(token.as_bytes()).into())
}

/// Hashes a password into an argon2id PHC string with a random salt.
pub fn hash_password(password: &SecretString) -> Result<String, AuthError> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| AuthError::Random(e.to_string()))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| AuthError::Hash(e.to_string()))?;
    Argon2::default()
        .hash_password(password.expose_secret().as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AuthError::Hash(e.to_string()))
}

/// Whether `password` matches a stored PHC string (false for an unreadable one).
pub fn verify_password(password: &SecretString, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|hash| {
        Argon2::default()
            .verify_password(password.expose_secret().as_bytes(), &hash)
            .is_ok()
    })
}

/// The bearer token of a request, if it has one.
pub fn bearer(parts: &Parts) -> Result<&str, ApiError> {
    let value = parts.headers.get(header::AUTHORIZATION).ok_or_else(|| {
        ApiError::unauthorized("send an API token: Authorization: Bearer <token>")
    })?;
    let value = value
        .to_str()
        .map_err(|_| ApiError::unauthorized("the Authorization header is not text"))?;
    let (scheme, token) = value
        .split_once(' ')
        .ok_or_else(|| ApiError::unauthorized("expected Authorization: Bearer <token>"))?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(ApiError::unauthorized(
            "expected Authorization: Bearer <token>",
        ));
    }
    Ok(token.trim())
}

/// Tokens checked in the last [`TokenCache::TTL`], with their user: a request with a known
/// token costs no store query. Bounded: when full it is emptied and refills from the store.
#[derive(Debug, Default)]
pub struct TokenCache {
    entries: Mutex<HashMap<TokenHash, (User, Instant)>>,
}

impl TokenCache {
    /// How long a checked token is trusted without asking the store again; also the longest a
    /// revoked token could still be accepted if [`TokenCache::clear`] is not called.
    pub const TTL: Duration = Duration::from_secs(30);
    /// Most tokens kept.
    pub const MAX: usize = 10_000;

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<TokenHash, (User, Instant)>> {
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The user of a token checked less than [`TokenCache::TTL`] ago.
    pub fn get(&self, hash: &TokenHash) -> Option<User> {
        let entries = self.lock();
        let (user, at) = entries.get(hash)?;
        (at.elapsed() < Self::TTL).then(|| user.clone())
    }

    /// Remembers a token's user.
    pub fn put(&self, hash: TokenHash, user: User) {
        let mut entries = self.lock();
        if entries.len() >= Self::MAX {
            entries.clear();
        }
        entries.insert(hash, (user, Instant::now()));
    }

    /// Forgets every token: call after revoking a token or removing a user.
    pub fn clear(&self) {
        self.lock().clear();
    }
}

/// The user an API token belongs to, from the cache or the store.
pub async fn user_for_token(state: &AppState, token: &str) -> Result<Option<User>, ApiError> {
    let hash = hash_token(token);
    if let Some(user) = state.token_cache().get(&hash) {
        return Ok(Some(user));
    }
    let user = state.store().user_by_token(&hash).await?;
    if let Some(user) = &user {
        state.token_cache().put(hash, user.clone());
    }
    Ok(user)
}

/// The user a request's API token belongs to. Rejects with 401 problem+json.
#[derive(Debug, Clone)]
pub struct CurrentUser(pub User);

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = bearer(parts)?;
        let user = user_for_token(state, token)
            .await?
            .ok_or_else(|| ApiError::unauthorized("the API token is not valid"))?;
        Ok(Self(user))
    }
}

/// Who is pushing carrier events: a user (for their own parcels) or the integration holding
/// the configured `push_token` (for any tracked number).
#[derive(Debug, Clone)]
pub enum Pusher {
    /// A user's API token.
    User(User),
    /// The server-wide push token.
    Integration,
}

impl FromRequestParts<AppState> for Pusher {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = bearer(parts)?;
        if let Some(push) = &state.config().push_token {
            // Compared as hashes: equal-length digests, so the comparison time says nothing
            // about how much of the secret matched.
            if hash_token(token) == hash_token(push.expose_secret()) {
                return Ok(Self::Integration);
            }
        }
        let user = user_for_token(state, token)
            .await?
            .ok_or_else(|| ApiError::unauthorized("the API token is not valid"))?;
        Ok(Self::User(user))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_hashed() {
        let a = issue_token().expect("random");
        let b = issue_token().expect("random");
        let text = a.token.expose_secret();
        assert!(text.starts_with(TOKEN_PREFIX));
        assert_eq!(text.len(), TOKEN_PREFIX.len() + 43);
        assert_ne!(text, b.token.expose_secret());
        assert_eq!(hash_token(text), a.hash);
        assert_ne!(a.hash, b.hash);
    }

    #[test]
    fn passwords_verify_only_themselves() {
        let pw = SecretString::from("correct horse battery staple");
        let phc = hash_password(&pw).expect("hash");
        assert!(phc.starts_with("$argon2id$"));
        assert!(!phc.contains("horse"));
        assert!(verify_password(&pw, &phc));
        assert!(!verify_password(&SecretString::from("wrong"), &phc));
        assert!(!verify_password(&pw, "not a phc string"));
        // Salted: the same password hashes differently each time.
        assert_ne!(phc, hash_password(&pw).expect("hash"));
    }
}
