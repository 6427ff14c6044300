//! Errors. None carries plaintext or key bytes: key files and variables are named, record
//! contents never are.

use crate::key::KeyId;

/// Which of a sealed record's two layers failed to authenticate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Layer {
    /// The data key wrapped by the master key: a wrong master key, a record moved to
    /// another binding, or altered bytes.
    DataKey,
    /// The record sealed by the data key: altered bytes or a ciphertext from another record.
    Record,
}

impl std::fmt::Display for Layer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Layer::DataKey => "data key",
            Layer::Record => "record",
        })
    }
}

/// Why the vault refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VaultError {
    /// A record names a master key the keyring does not hold.
    #[error(
        "the record is sealed under master key {:?}, which is not loaded: add it to the keyring (as an older key) to read or re-wrap such records",
        key_id.as_str()
    )]
    UnknownKey {
        /// The key the record names.
        key_id: KeyId,
    },
    /// Authentication failed.
    #[error(
        "the {layer} did not authenticate under master key {:?}: wrong key, altered data, or a record sealed for another parcel",
        key_id.as_str()
    )]
    Authentication {
        /// The master key tried.
        key_id: KeyId,
        /// The layer that failed.
        layer: Layer,
    },
    /// Stored bytes are not a sealed record.
    #[error("not a sealed record: {reason}")]
    Malformed {
        /// What is wrong with the shape (never the content).
        reason: &'static str,
    },
    /// A key id is unusable.
    #[error("invalid master key id: {reason}")]
    BadKeyId {
        /// What is wrong.
        reason: &'static str,
    },
    /// Two master keys share an id.
    #[error("master key id {:?} is given twice", key_id.as_str())]
    DuplicateKeyId {
        /// The id.
        key_id: KeyId,
    },
    /// A key file could not be read.
    #[error("master key {:?}: cannot read key file {path}: {reason}", key_id.as_str())]
    KeyFile {
        /// The key.
        key_id: KeyId,
        /// The file.
        path: String,
        /// The operating system's reason.
        reason: String,
    },
    /// A key's environment variable is unset or not Unicode.
    #[error("master key {:?}: environment variable {var} is not set (or not valid text)", key_id.as_str())]
    KeyVariable {
        /// The key.
        key_id: KeyId,
        /// The variable.
        var: String,
    },
    /// A key's text is neither base64 nor hex.
    #[error("master key {:?} in {origin}: expected 32 bytes as base64 (44 characters) or hex (64 characters)", key_id.as_str())]
    KeyEncoding {
        /// The key.
        key_id: KeyId,
        /// `file /path` or `environment variable NAME`.
        origin: String,
    },
    /// A key decodes to the wrong number of bytes.
    #[error("master key {:?} in {origin}: decodes to {found} bytes, expected 32", key_id.as_str())]
    KeyLength {
        /// The key.
        key_id: KeyId,
        /// `file /path` or `environment variable NAME`.
        origin: String,
        /// The decoded length.
        found: usize,
    },
    /// A key source is not `file:PATH` or `env:NAME`.
    #[error("invalid master key source: expected file:PATH or env:NAME")]
    BadKeySource,
    /// The operating system's random generator failed.
    #[error("the operating system's random number generator failed")]
    Random,
    /// The record is too large for the cipher (over 256 GiB).
    #[error("the record is too large to seal")]
    TooLarge,
    /// [`crate::Keyring::open_string`] on a record that is not UTF-8.
    #[error("the record is not text")]
    NotText,
}
