//! A sealed record as stored: the master key's id, the wrapped data key and the ciphertext.
//!
//! The store may keep the three parts in columns of their own (the key id in a column lets
//! a rotation job find `WHERE key_id <> current`) or as one blob ([`Sealed::to_bytes`]):
//!
//! ```text
//! version (1) ‖ key id length (1) ‖ key id ‖ wrapped data key (72) ‖ ciphertext (24 + n + 16)
//! ```
//!
//! Both the wrapped key and the ciphertext are `nonce (24) ‖ sealed bytes ‖ tag (16)`.

use std::fmt;

use crate::error::VaultError;
use crate::key::KeyId;

pub(crate) const NONCE_LEN: usize = 24;
pub(crate) const TAG_LEN: usize = 16;
pub(crate) const DATA_KEY_LEN: usize = 32;
pub(crate) const WRAPPED_KEY_LEN: usize = NONCE_LEN + DATA_KEY_LEN + TAG_LEN;
const VERSION: u8 = 1;

/// A sealed record. Not secret (it is what the database holds), but `Debug` prints only
/// the key id and the length.
#[derive(Clone, PartialEq, Eq)]
pub struct Sealed {
    key_id: KeyId,
    wrapped_key: [u8; WRAPPED_KEY_LEN],
    ciphertext: Vec<u8>,
}

impl fmt::Debug for Sealed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sealed")
            .field("key_id", &self.key_id)
            .field("ciphertext_len", &self.ciphertext.len())
            .finish_non_exhaustive()
    }
}

impl Sealed {
    pub(crate) fn from_validated(
        key_id: KeyId,
        wrapped_key: [u8; WRAPPED_KEY_LEN],
        ciphertext: Vec<u8>,
    ) -> Self {
        Self {
            key_id,
            wrapped_key,
            ciphertext,
        }
    }

    /// Reassembles a record kept in three columns. Only shapes are checked here; opening
    /// authenticates.
    pub fn from_parts(
        key_id: KeyId,
        wrapped_key: &[u8],
        ciphertext: Vec<u8>,
    ) -> Result<Self, VaultError> {
        let wrapped_key = wrapped_key.try_into().map_err(|_| VaultError::Malformed {
            reason: "the wrapped data key is not 72 bytes",
        })?;
        if ciphertext.len() < NONCE_LEN + TAG_LEN {
            return Err(VaultError::Malformed {
                reason: "the ciphertext is shorter than a nonce and a tag",
            });
        }
        Ok(Self {
            key_id,
            wrapped_key,
            ciphertext,
        })
    }

    /// The master key the data key is wrapped under.
    pub fn key_id(&self) -> &KeyId {
        &self.key_id
    }

    /// The wrapped data key (72 bytes).
    pub fn wrapped_key(&self) -> &[u8] {
        &self.wrapped_key
    }

    /// The sealed record: unchanged by [`crate::Keyring::rewrap`].
    pub fn ciphertext(&self) -> &[u8] {
        &self.ciphertext
    }

    /// The single-blob form.
    pub fn to_bytes(&self) -> Vec<u8> {
        let id = self.key_id.as_str().as_bytes();
        let mut out = Vec::with_capacity(2 + id.len() + WRAPPED_KEY_LEN + self.ciphertext.len());
        out.push(VERSION);
        // KeyId is at most 64 bytes, so the length fits one byte.
        out.push(id.len() as u8);
        out.extend_from_slice(id);
        out.extend_from_slice(&self.wrapped_key);
        out.extend_from_slice(&self.ciphertext);
        out
    }

    /// Reads the single-blob form. Never panics, whatever the bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, VaultError> {
        let malformed = |reason| VaultError::Malformed { reason };
        let (&version, rest) = bytes.split_first().ok_or(malformed("empty"))?;
        if version != VERSION {
            return Err(malformed("unknown format version"));
        }
        let (&id_len, rest) = rest.split_first().ok_or(malformed("truncated key id"))?;
        let id_len = usize::from(id_len);
        if rest.len() < id_len {
            return Err(malformed("truncated key id"));
        }
        let (id, rest) = rest.split_at(id_len);
        let id = std::str::from_utf8(id)
            .ok()
            .and_then(|id| KeyId::new(id).ok())
            .ok_or(malformed("invalid key id"))?;
        if rest.len() < WRAPPED_KEY_LEN {
            return Err(malformed("truncated data key"));
        }
        let (wrapped, ciphertext) = rest.split_at(WRAPPED_KEY_LEN);
        Self::from_parts(id, wrapped, ciphertext.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_blob_form_round_trips_and_bad_shapes_are_named() {
        let sealed = Sealed::from_parts(
            KeyId::new("k1").expect("id"),
            &[1; WRAPPED_KEY_LEN],
            vec![2; NONCE_LEN + TAG_LEN + 5],
        )
        .expect("parts");
        let bytes = sealed.to_bytes();
        assert_eq!(
            bytes.len(),
            2 + 2 + WRAPPED_KEY_LEN + NONCE_LEN + TAG_LEN + 5
        );
        assert_eq!(Sealed::from_bytes(&bytes), Ok(sealed));

        let reason = |b: &[u8]| match Sealed::from_bytes(b) {
            Err(VaultError::Malformed { reason }) => reason,
            other => panic!("expected malformed, got {other:?}"),
        };
        assert_eq!(reason(&[]), "empty");
        assert_eq!(reason(&[2]), "unknown format version");
        assert_eq!(reason(&[1, 5, b'k']), "truncated key id");
        assert_eq!(reason(&[1, 1, b' ']), "invalid key id");
        assert_eq!(reason(&[1, 1, b'k', 0]), "truncated data key");
        assert_eq!(
            reason(&bytes[..bytes.len() - 6]),
            "the ciphertext is shorter than a nonce and a tag"
        );
    }
}
