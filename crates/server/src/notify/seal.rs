//! Webhook secrets at rest: XChaCha20-Poly1305 under the server's `notify.secret_key`.
//!
//! A webhook's secret must be read back to sign with, so it cannot be hashed like an API
//! token; it is sealed instead: `version ‖ nonce ‖ ciphertext ‖ tag`, with the owner's id as
//! associated data, so a sealed secret copied onto another user's channel does not open. A
//! copy of the database without the key reveals no secret.

use base64::Engine as _;
use chacha20poly1305::aead::AeadInOut as _;
use chacha20poly1305::{KeyInit as _, Tag, XChaCha20Poly1305, XNonce};
use posylka_core::account::UserId;
use secrecy::{ExposeSecret, SecretString};

const VERSION: u8 = 1;
const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;

/// Why a key or a sealed secret was refused. Never quotes the key or the secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    /// The configured key is not 32 bytes of base64.
    #[error("expected 32 random bytes in base64 (e.g. `openssl rand -base64 32`)")]
    BadKey,
    /// The system's random source failed.
    #[error("no randomness available for a nonce")]
    Random,
    /// The sealed bytes do not open with this key (another key, or changed data).
    #[error("the stored secret does not open with this server's notify.secret_key")]
    Open,
    /// The secret is too long to seal.
    #[error("the secret is too long")]
    TooLong,
}

/// Seals and opens webhook secrets.
#[derive(Clone)]
pub struct Sealer {
    key: [u8; 32],
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer(..)")
    }
}

fn associated(owner: UserId) -> Vec<u8> {
    let mut ad = b"posylka-webhook-secret-v1:".to_vec();
    ad.extend_from_slice(&owner.get().to_be_bytes());
    ad
}

impl Sealer {
    /// A sealer with the configured key (32 bytes, base64; surrounding spaces ignored).
    pub fn from_base64(key: &SecretString) -> Result<Self, SealError> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(key.expose_secret().trim())
            .map_err(|_| SealError::BadKey)?;
        let key: [u8; 32] = bytes.try_into().map_err(|_| SealError::BadKey)?;
        Ok(Self { key })
    }

    /// Seals `secret` for a channel of `owner`.
    pub fn seal(&self, owner: UserId, secret: &SecretString) -> Result<Vec<u8>, SealError> {
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).map_err(|_| SealError::Random)?;
        let plain = secret.expose_secret().as_bytes();
        let mut out = Vec::with_capacity(1 + NONCE_LEN + plain.len() + TAG_LEN);
        out.push(VERSION);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(plain);
        let cipher = XChaCha20Poly1305::new(&self.key.into());
        let tag = cipher
            .encrypt_inout_detached(
                &XNonce::from(nonce),
                &associated(owner),
                (&mut out[1 + NONCE_LEN..]).into(),
            )
            .map_err(|_| SealError::TooLong)?;
        out.extend_from_slice(&tag);
        Ok(out)
    }

    /// Opens a secret sealed for a channel of `owner`.
    pub fn open(&self, owner: UserId, sealed: &[u8]) -> Result<SecretString, SealError> {
        if sealed.len() < 1 + NONCE_LEN + TAG_LEN || sealed[0] != VERSION {
            return Err(SealError::Open);
        }
        let nonce: [u8; NONCE_LEN] = sealed[1..1 + NONCE_LEN]
            .try_into()
            .map_err(|_| SealError::Open)?;
        let (body, tag) = sealed[1 + NONCE_LEN..].split_at(sealed.len() - 1 - NONCE_LEN - TAG_LEN);
        let tag: [u8; TAG_LEN] = tag.try_into().map_err(|_| SealError::Open)?;
        let mut plain = body.to_vec();
        let cipher = XChaCha20Poly1305::new(&self.key.into());
        cipher
            .decrypt_inout_detached(
                &XNonce::from(nonce),
                &associated(owner),
                plain.as_mut_slice().into(),
                &Tag::from(tag),
            )
            .map_err(|_| SealError::Open)?;
        let text = String::from_utf8(plain).map_err(|_| SealError::Open)?;
        Ok(SecretString::from(text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sealer(byte: u8) -> Sealer {
        let key = base64::engine::general_purpose::STANDARD.encode([byte; 32]);
        Sealer::from_base64(&SecretString::from(key)).expect("key")
    }

    #[test]
    fn sealed_secrets_open_only_with_the_key_and_the_owner() {
        let anna = UserId::new(1).expect("id");
        let boris = UserId::new(2).expect("id");
        let secret = SecretString::from("whsec_0123456789abcdef");
        let s = sealer(7);
        let sealed = s.seal(anna, &secret).expect("seal");
        assert!(
            !sealed.windows(b"whsec".len()).any(|w| w == b"whsec"),
            "not stored plain"
        );
        assert_ne!(sealed, s.seal(anna, &secret).expect("seal"), "fresh nonce");
        assert_eq!(
            s.open(anna, &sealed).expect("open").expose_secret(),
            "whsec_0123456789abcdef"
        );
        assert_eq!(s.open(boris, &sealed).err(), Some(SealError::Open));
        assert_eq!(sealer(8).open(anna, &sealed).err(), Some(SealError::Open));
        let mut changed = sealed.clone();
        let last = changed.len() - 1;
        changed[last] ^= 1;
        assert_eq!(s.open(anna, &changed).err(), Some(SealError::Open));
        assert_eq!(s.open(anna, &sealed[..10]).err(), Some(SealError::Open));
    }

    #[test]
    fn keys_must_be_32_bytes_of_base64() {
        assert!(Sealer::from_base64(&SecretString::from("short")).is_err());
        let k31 = base64::engine::general_purpose::STANDARD.encode([1u8; 31]);
        assert_eq!(
            Sealer::from_base64(&SecretString::from(k31)).err(),
            Some(SealError::BadKey)
        );
    }
}
