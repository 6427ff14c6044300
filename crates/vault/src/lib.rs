//! The vault: envelope encryption of identity data at rest.
//!
//! Every record gets its own random **data key**; the record is sealed with
//! XChaCha20-Poly1305 under that key, and the data key is **wrapped** (sealed again) under a
//! **master key** named by a [`KeyId`]. Only the wrapped data key and the master key's id are
//! stored with the record ([`Sealed`]); master keys come from a file or an environment
//! variable ([`KeySource`]) and never reach the database.
//!
//! - **Rotation without downtime.** A [`Keyring`] knows several master keys at once: new
//!   records use the current one, old records still open under theirs, and
//!   [`Keyring::rewrap`] moves an old record's data key to the current master key without
//!   touching (or decrypting) the record's ciphertext. Once no record names the old key, it
//!   can be dropped from the configuration.
//! - **Binding.** The associated data of both layers carries the record's [`Binding`] (what
//!   the record is and which parcel it belongs to), so a sealed blob copied onto another
//!   record does not open.
//! - **Secrets stay secret.** Master keys and data keys live in zeroizing buffers, opened
//!   plaintext is returned in a [`SecretSlice`], `Debug` prints `[redacted]`, and no
//!   [`VaultError`] carries plaintext or key bytes (file names and variable names, yes).
//!
//! ```
//! use posylka_vault::{Binding, KeyId, Keyring, MasterKey};
//! use secrecy::ExposeSecret as _;
//!
//! let old = MasterKey::new(KeyId::new("2025-01").unwrap(), [7; 32]);
//! let new = MasterKey::new(KeyId::new("2026-01").unwrap(), [9; 32]);
//! let record = Binding::new("customs.identity", "parcel:42");
//!
//! let before = Keyring::new(old.clone());
//! let sealed = before.seal(&record, b"4603 123456").unwrap();
//!
//! // Rotation: the new key is current, the old one still opens older records.
//! let ring = Keyring::new(new).with_key(old).unwrap();
//! assert!(ring.needs_rewrap(&sealed));
//! let moved = ring.rewrap(&record, &sealed).unwrap();
//! assert_eq!(moved.ciphertext(), sealed.ciphertext());
//! assert_eq!(ring.open(&record, &moved).unwrap().expose_secret(), b"4603 123456");
//!
//! // The same blob on another parcel does not open.
//! assert!(ring.open(&Binding::new("customs.identity", "parcel:43"), &moved).is_err());
//! ```

mod error;
mod key;
mod sealed;

pub use error::{Layer, VaultError};
pub use key::{KeyId, KeySource, MasterKey};
pub use sealed::Sealed;
pub use secrecy::{SecretSlice, SecretString};

use chacha20poly1305::aead::AeadInOut as _;
use chacha20poly1305::{KeyInit as _, Tag, XChaCha20Poly1305, XNonce};
use zeroize::Zeroizing;

use crate::sealed::{DATA_KEY_LEN, NONCE_LEN, TAG_LEN, WRAPPED_KEY_LEN};

/// What a sealed record is and whose it is: both go into the associated data, so a blob
/// opens only on the record it was sealed for.
///
/// `context` names the kind of record (`customs.identity`), `record` the row or parcel
/// (`parcel:42`). Neither is secret; neither may hold personal data.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Binding {
    context: String,
    record: String,
}

impl Binding {
    /// A binding for one record.
    pub fn new(context: impl Into<String>, record: impl Into<String>) -> Self {
        Self {
            context: context.into(),
            record: record.into(),
        }
    }

    /// The kind of record.
    pub fn context(&self) -> &str {
        &self.context
    }

    /// The record.
    pub fn record(&self) -> &str {
        &self.record
    }

    /// The associated data of one layer: a label, then length-prefixed parts, so no two
    /// different (key id, context, record) triples encode alike.
    fn associated_data(&self, layer: Layer, key_id: Option<&KeyId>) -> Vec<u8> {
        let label: &[u8] = match layer {
            Layer::Record => b"posylka-vault/v1/record",
            Layer::DataKey => b"posylka-vault/v1/data-key",
        };
        let mut ad = Vec::with_capacity(label.len() + 12 + 64 + self.context.len() + 64);
        ad.extend_from_slice(label);
        let mut part = |bytes: &[u8]| {
            ad.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
            ad.extend_from_slice(bytes);
        };
        if let Some(id) = key_id {
            part(id.as_str().as_bytes());
        }
        part(self.context.as_bytes());
        part(self.record.as_bytes());
        ad
    }
}

/// The master keys a deployment knows: one current (new records) and any number of older
/// ones (reading and re-wrapping records sealed before a rotation).
#[derive(Clone)]
pub struct Keyring {
    /// Index of the current key in `keys`.
    current: usize,
    keys: Vec<MasterKey>,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keyring")
            .field("current", &self.current_id().as_str())
            .field(
                "keys",
                &self
                    .keys
                    .iter()
                    .map(|k| k.id().as_str())
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl Keyring {
    /// A keyring whose only (and current) key is `current`.
    pub fn new(current: MasterKey) -> Self {
        Self {
            current: 0,
            keys: vec![current],
        }
    }

    /// Adds an older key, for records sealed before a rotation. Two keys with one id are
    /// refused: the id is how a record finds its key.
    pub fn with_key(mut self, key: MasterKey) -> Result<Self, VaultError> {
        if self.key(key.id()).is_some() {
            return Err(VaultError::DuplicateKeyId {
                key_id: key.id().clone(),
            });
        }
        self.keys.push(key);
        Ok(self)
    }

    /// Loads every key from its source; `current` must be one of them. Errors name the
    /// file or variable at fault.
    pub fn load<'a>(
        current: &KeyId,
        sources: impl IntoIterator<Item = (KeyId, &'a KeySource)>,
    ) -> Result<Self, VaultError> {
        let mut keys = Vec::new();
        for (id, source) in sources {
            if keys.iter().any(|k: &MasterKey| k.id() == &id) {
                return Err(VaultError::DuplicateKeyId { key_id: id });
            }
            keys.push(MasterKey::load(id, source)?);
        }
        let position =
            keys.iter()
                .position(|k| k.id() == current)
                .ok_or_else(|| VaultError::UnknownKey {
                    key_id: current.clone(),
                })?;
        Ok(Self {
            current: position,
            keys,
        })
    }

    /// The id new records are sealed under.
    pub fn current_id(&self) -> &KeyId {
        self.keys[self.current].id()
    }

    /// The ids of every known key, current first.
    pub fn key_ids(&self) -> impl Iterator<Item = &KeyId> {
        std::iter::once(self.current_id()).chain(
            self.keys
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != self.current)
                .map(|(_, k)| k.id()),
        )
    }

    fn key(&self, id: &KeyId) -> Option<&MasterKey> {
        self.keys.iter().find(|k| k.id() == id)
    }

    /// Seals `plaintext` for the record `binding` under a fresh data key wrapped by the
    /// current master key.
    pub fn seal(&self, binding: &Binding, plaintext: &[u8]) -> Result<Sealed, VaultError> {
        let data_key = Zeroizing::new(random::<DATA_KEY_LEN>()?);
        let ciphertext = encrypt(
            &data_key,
            &binding.associated_data(Layer::Record, None),
            plaintext,
        )?;
        let master = &self.keys[self.current];
        let wrapped_key = wrap(master, binding, &data_key)?;
        Ok(Sealed::from_validated(
            master.id().clone(),
            wrapped_key,
            ciphertext,
        ))
    }

    /// Opens a record sealed for `binding`. Fails without saying more than which layer did
    /// not authenticate: a wrong key, altered bytes and a blob moved from another record
    /// look alike, by design.
    pub fn open(&self, binding: &Binding, sealed: &Sealed) -> Result<SecretSlice<u8>, VaultError> {
        let data_key = self.unwrap_data_key(binding, sealed)?;
        decrypt(
            &data_key,
            &binding.associated_data(Layer::Record, None),
            sealed.ciphertext(),
            sealed.key_id(),
            Layer::Record,
        )
    }

    /// [`Keyring::open`] for text records.
    pub fn open_string(
        &self,
        binding: &Binding,
        sealed: &Sealed,
    ) -> Result<SecretString, VaultError> {
        let bytes = self.open(binding, sealed)?;
        use secrecy::ExposeSecret as _;
        match std::str::from_utf8(bytes.expose_secret()) {
            Ok(text) => Ok(SecretString::from(text)),
            Err(_) => Err(VaultError::NotText),
        }
    }

    /// Whether `sealed` is under another key than the current one.
    pub fn needs_rewrap(&self, sealed: &Sealed) -> bool {
        sealed.key_id() != self.current_id()
    }

    /// The same record with its data key wrapped by the current master key: the ciphertext
    /// is kept byte for byte (it is neither decrypted nor re-encrypted). Works on records
    /// already under the current key too (with a fresh wrapping nonce).
    pub fn rewrap(&self, binding: &Binding, sealed: &Sealed) -> Result<Sealed, VaultError> {
        let data_key = self.unwrap_data_key(binding, sealed)?;
        let master = &self.keys[self.current];
        let wrapped_key = wrap(master, binding, &data_key)?;
        Ok(Sealed::from_validated(
            master.id().clone(),
            wrapped_key,
            sealed.ciphertext().to_vec(),
        ))
    }

    fn unwrap_data_key(
        &self,
        binding: &Binding,
        sealed: &Sealed,
    ) -> Result<Zeroizing<[u8; DATA_KEY_LEN]>, VaultError> {
        let master = self
            .key(sealed.key_id())
            .ok_or_else(|| VaultError::UnknownKey {
                key_id: sealed.key_id().clone(),
            })?;
        let opened = decrypt(
            master.bytes(),
            &binding.associated_data(Layer::DataKey, Some(master.id())),
            sealed.wrapped_key(),
            master.id(),
            Layer::DataKey,
        )?;
        use secrecy::ExposeSecret as _;
        let mut key = Zeroizing::new([0u8; DATA_KEY_LEN]);
        if opened.expose_secret().len() != DATA_KEY_LEN {
            // Authenticated, so only a sealer of another format could have written it.
            return Err(VaultError::Malformed {
                reason: "the wrapped data key has the wrong length",
            });
        }
        key.copy_from_slice(opened.expose_secret());
        Ok(key)
    }
}

fn wrap(
    master: &MasterKey,
    binding: &Binding,
    data_key: &[u8; DATA_KEY_LEN],
) -> Result<[u8; WRAPPED_KEY_LEN], VaultError> {
    let wrapped = encrypt(
        master.bytes(),
        &binding.associated_data(Layer::DataKey, Some(master.id())),
        data_key,
    )?;
    // nonce + key + tag: the length is fixed by construction.
    wrapped.try_into().map_err(|_| VaultError::Malformed {
        reason: "the wrapped data key has the wrong length",
    })
}

fn random<const N: usize>() -> Result<[u8; N], VaultError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|_| VaultError::Random)?;
    Ok(bytes)
}

/// `nonce ‖ ciphertext ‖ tag`. The plaintext is copied once, into the buffer that is then
/// encrypted in place; the capacity is reserved up front so no reallocation leaves a copy
/// behind.
fn encrypt(key: &[u8; 32], ad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, VaultError> {
    let nonce = random::<NONCE_LEN>()?;
    let cipher = XChaCha20Poly1305::new(&(*key).into());
    let mut out = Vec::with_capacity(NONCE_LEN + plaintext.len() + TAG_LEN);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(plaintext);
    let tag = cipher
        .encrypt_inout_detached(&XNonce::from(nonce), ad, (&mut out[NONCE_LEN..]).into())
        .map_err(|_| VaultError::TooLarge)?;
    out.extend_from_slice(&tag);
    Ok(out)
}

/// Decrypts `nonce ‖ ciphertext ‖ tag` straight into a secret buffer.
fn decrypt(
    key: &[u8; 32],
    ad: &[u8],
    sealed: &[u8],
    key_id: &KeyId,
    layer: Layer,
) -> Result<SecretSlice<u8>, VaultError> {
    let failed = || VaultError::Authentication {
        key_id: key_id.clone(),
        layer,
    };
    if sealed.len() < NONCE_LEN + TAG_LEN {
        return Err(VaultError::Malformed {
            reason: "shorter than a nonce and a tag",
        });
    }
    let (nonce, rest) = sealed.split_at(NONCE_LEN);
    let (body, tag) = rest.split_at(rest.len() - TAG_LEN);
    let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| failed())?;
    let tag: [u8; TAG_LEN] = tag.try_into().map_err(|_| failed())?;
    let mut plain: SecretSlice<u8> = SecretSlice::from(body.to_vec());
    let cipher = XChaCha20Poly1305::new(&(*key).into());
    use secrecy::ExposeSecretMut as _;
    cipher
        .decrypt_inout_detached(
            &XNonce::from(nonce),
            ad,
            plain.expose_secret_mut().into(),
            &Tag::from(tag),
        )
        .map_err(|_| failed())?;
    Ok(plain)
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret as _;

    use super::*;

    fn key(id: &str, byte: u8) -> MasterKey {
        MasterKey::new(KeyId::new(id).expect("id"), [byte; 32])
    }

    fn binding(record: &str) -> Binding {
        Binding::new("customs.identity", record)
    }

    #[test]
    fn a_record_round_trips_and_each_seal_is_fresh() {
        let ring = Keyring::new(key("k1", 1));
        let b = binding("parcel:1");
        let a = ring.seal(&b, b"secret passport").expect("seal");
        let again = ring.seal(&b, b"secret passport").expect("seal");
        assert_eq!(
            ring.open(&b, &a).expect("open").expose_secret(),
            b"secret passport"
        );
        // Fresh data key and nonces every time: equal plaintexts do not show.
        assert_ne!(a.ciphertext(), again.ciphertext());
        assert_ne!(a.wrapped_key(), again.wrapped_key());
        // The plaintext is nowhere in the stored form.
        let stored = a.to_bytes();
        assert!(!stored.windows(15).any(|w| w == b"secret passport"));
        // Empty records work too.
        let empty = ring.seal(&b, b"").expect("seal");
        assert!(
            ring.open(&b, &empty)
                .expect("open")
                .expose_secret()
                .is_empty()
        );
    }

    #[test]
    fn a_wrong_or_missing_master_key_fails_naming_the_key_only() {
        let b = binding("parcel:1");
        let sealed = Keyring::new(key("k1", 1)).seal(&b, b"x").expect("seal");
        // Same id, other bytes: the data key does not unwrap.
        let err = Keyring::new(key("k1", 2))
            .open(&b, &sealed)
            .expect_err("wrong key");
        assert_eq!(
            err,
            VaultError::Authentication {
                key_id: KeyId::new("k1").expect("id"),
                layer: Layer::DataKey
            }
        );
        assert!(err.to_string().contains("k1"), "{err}");
        let err = Keyring::new(key("k2", 1))
            .open(&b, &sealed)
            .expect_err("unknown");
        assert!(matches!(err, VaultError::UnknownKey { .. }), "{err}");
        assert!(err.to_string().contains("\"k1\""), "{err}");
    }

    #[test]
    fn tampering_with_any_part_or_the_binding_fails() {
        let ring = Keyring::new(key("k1", 1));
        let b = binding("parcel:1");
        let sealed = ring.seal(&b, b"4603 123456").expect("seal");
        let bytes = sealed.to_bytes();
        let header = bytes.len() - sealed.ciphertext().len() - WRAPPED_KEY_LEN;
        for i in header..bytes.len() {
            let mut bad = bytes.clone();
            bad[i] ^= 0x01;
            let bad = Sealed::from_bytes(&bad).expect("still well-formed");
            let err = ring.open(&b, &bad).expect_err("tampered byte must fail");
            let layer = if i < header + WRAPPED_KEY_LEN {
                Layer::DataKey
            } else {
                Layer::Record
            };
            assert!(
                matches!(err, VaultError::Authentication { layer: l, .. } if l == layer),
                "byte {i}: {err}"
            );
        }
        // Another record, another context: the associated data differs.
        assert!(ring.open(&binding("parcel:2"), &sealed).is_err());
        assert!(
            ring.open(&Binding::new("other", "parcel:1"), &sealed)
                .is_err()
        );
        // A record's ciphertext moved under another record's wrapped key: the data keys differ.
        let other = ring
            .seal(&binding("parcel:2"), b"7707 654321")
            .expect("seal");
        let spliced = Sealed::from_parts(
            sealed.key_id().clone(),
            sealed.wrapped_key(),
            other.ciphertext().to_vec(),
        )
        .expect("parts");
        assert_eq!(
            ring.open(&b, &spliced).expect_err("spliced"),
            VaultError::Authentication {
                key_id: sealed.key_id().clone(),
                layer: Layer::Record
            }
        );
    }

    #[test]
    fn the_binding_encoding_is_unambiguous() {
        // Without length prefixes these two would produce the same associated data.
        let a = Binding::new("ab", "c");
        let b = Binding::new("a", "bc");
        assert_ne!(
            a.associated_data(Layer::Record, None),
            b.associated_data(Layer::Record, None)
        );
        let ring = Keyring::new(key("k1", 1));
        let sealed = ring.seal(&a, b"x").expect("seal");
        assert!(ring.open(&b, &sealed).is_err());
    }

    #[test]
    fn rotation_seals_with_the_new_key_and_rewrap_keeps_the_ciphertext() {
        let b = binding("parcel:7");
        let old_ring = Keyring::new(key("2025", 1));
        let old = old_ring.seal(&b, b"identity").expect("seal");

        let ring = Keyring::new(key("2026", 2))
            .with_key(key("2025", 1))
            .expect("ring");
        assert_eq!(ring.current_id().as_str(), "2026");
        assert_eq!(
            ring.key_ids().map(KeyId::as_str).collect::<Vec<_>>(),
            ["2026", "2025"]
        );
        // Old records still open; new ones use the current key.
        assert_eq!(
            ring.open(&b, &old).expect("old").expose_secret(),
            b"identity"
        );
        let new = ring.seal(&b, b"identity").expect("seal");
        assert_eq!(new.key_id().as_str(), "2026");
        assert!(ring.needs_rewrap(&old) && !ring.needs_rewrap(&new));

        let moved = ring.rewrap(&b, &old).expect("rewrap");
        assert_eq!(moved.key_id().as_str(), "2026");
        assert_eq!(moved.ciphertext(), old.ciphertext());
        assert_ne!(moved.wrapped_key(), old.wrapped_key());
        // Once re-wrapped the old key is not needed any more.
        let after = Keyring::new(key("2026", 2));
        assert_eq!(
            after.open(&b, &moved).expect("moved").expose_secret(),
            b"identity"
        );
        assert!(after.open(&b, &old).is_err());
        // Re-wrapping checks the binding too.
        assert!(ring.rewrap(&binding("parcel:8"), &old).is_err());
        // Two keys with one id are refused.
        let dup = Keyring::new(key("2026", 2)).with_key(key("2026", 3));
        assert!(matches!(dup, Err(VaultError::DuplicateKeyId { .. })));
    }

    #[test]
    fn debug_shows_no_secret() {
        let k = MasterKey::new(KeyId::new("k1").expect("id"), [0xAB; 32]);
        let ring = Keyring::new(k.clone());
        let b = binding("parcel:1");
        let sealed = ring.seal(&b, b"PLAINTEXT-4603").expect("seal");
        let opened = ring.open(&b, &sealed).expect("open");
        let shown = format!("{k:?} {ring:?} {sealed:?} {opened:?} {k:#?}");
        assert!(shown.contains("k1"), "{shown}");
        for needle in ["171", "0xab", "AB", "ab,", "PLAINTEXT", "[171"] {
            assert!(!shown.contains(needle), "{needle} in {shown}");
        }
        assert!(
            shown.contains("redacted") || shown.contains("REDACTED"),
            "{shown}"
        );
    }

    #[test]
    fn a_keyring_loads_from_sources_and_checks_the_current_id() {
        let dir = std::env::temp_dir().join(format!("posylka-vault-ring-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let (old, new) = (dir.join("old.key"), dir.join("new.key"));
        std::fs::write(&old, "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=\n").expect("write");
        std::fs::write(&new, "02".repeat(32)).expect("write");
        let id = |s: &str| KeyId::new(s).expect("id");
        let sources = [
            (id("2025"), KeySource::File(old.clone())),
            (id("2026"), KeySource::File(new.clone())),
        ];
        let ring =
            Keyring::load(&id("2026"), sources.iter().map(|(i, s)| (i.clone(), s))).expect("load");
        assert_eq!(ring.current_id().as_str(), "2026");
        // The file key "2025" is bytes 0x01: a record sealed under it opens.
        let b = binding("parcel:1");
        let sealed = Keyring::new(key("2025", 1)).seal(&b, b"x").expect("seal");
        assert_eq!(ring.open(&b, &sealed).expect("open").expose_secret(), b"x");
        let missing = Keyring::load(&id("2027"), sources.iter().map(|(i, s)| (i.clone(), s)));
        assert!(matches!(missing, Err(VaultError::UnknownKey { .. })));
        let twice = [
            (id("2026"), KeySource::File(old)),
            (id("2026"), KeySource::File(new)),
        ];
        let dup = Keyring::load(&id("2026"), twice.iter().map(|(i, s)| (i.clone(), s)));
        assert!(matches!(dup, Err(VaultError::DuplicateKeyId { .. })));
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }

    #[test]
    fn text_records_open_as_strings() {
        let ring = Keyring::new(key("k1", 1));
        let b = binding("parcel:1");
        let sealed = ring.seal(&b, "Иванов".as_bytes()).expect("seal");
        assert_eq!(
            ring.open_string(&b, &sealed).expect("text").expose_secret(),
            "Иванов"
        );
        let binary = ring.seal(&b, &[0xFF, 0xFE]).expect("seal");
        assert_eq!(
            ring.open_string(&b, &binary).expect_err("binary"),
            VaultError::NotText
        );
    }
}
