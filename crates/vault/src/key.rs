//! Master keys: their ids, where they come from, and how their text is read.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use base64::Engine as _;
use secrecy::{ExposeSecret as _, SecretBox, SecretString};
use zeroize::Zeroizing;

use crate::error::VaultError;

/// A master key's name, stored next to every record sealed under it (`2026-01`, `prod.k3`).
/// 1 to 64 ASCII letters, digits, `.`, `_` or `-`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyId(String);

impl KeyId {
    /// The longest id.
    pub const MAX_LEN: usize = 64;

    /// Checks an id.
    pub fn new(id: &str) -> Result<Self, VaultError> {
        if id.is_empty() {
            return Err(VaultError::BadKeyId { reason: "empty" });
        }
        if id.len() > Self::MAX_LEN {
            return Err(VaultError::BadKeyId {
                reason: "longer than 64 characters",
            });
        }
        if !id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        {
            return Err(VaultError::BadKeyId {
                reason: "only ASCII letters, digits, '.', '_' and '-' are allowed",
            });
        }
        Ok(Self(id.to_owned()))
    }

    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for KeyId {
    type Err = VaultError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

/// Where a master key's text is: a file (`file:/run/secrets/vault-2026`) or an environment
/// variable (`env:POSYLKA_VAULT_KEY_2026`). Either holds the 32 key bytes as base64 or hex;
/// surrounding whitespace is ignored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// A file.
    File(PathBuf),
    /// An environment variable.
    Env(String),
}

impl FromStr for KeySource {
    type Err = VaultError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if let Some(path) = s.strip_prefix("file:").filter(|p| !p.is_empty()) {
            Ok(KeySource::File(PathBuf::from(path)))
        } else if let Some(var) = s.strip_prefix("env:").filter(|v| !v.is_empty()) {
            Ok(KeySource::Env(var.to_owned()))
        } else {
            Err(VaultError::BadKeySource)
        }
    }
}

impl KeySource {
    /// How errors name the source: `file /path` or `environment variable NAME`.
    pub fn origin(&self) -> String {
        match self {
            KeySource::File(path) => format!("file {}", path.display()),
            KeySource::Env(var) => format!("environment variable {var}"),
        }
    }
}

/// A 256-bit master key and its id. The bytes are zeroized on drop and never printed.
pub struct MasterKey {
    id: KeyId,
    key: SecretBox<[u8; 32]>,
}

impl Clone for MasterKey {
    fn clone(&self) -> Self {
        // Copied straight into the new box: no stack copy outlives this call unzeroized
        // beyond what the compiler keeps in registers.
        let mut key = SecretBox::new(Box::new([0u8; 32]));
        use secrecy::ExposeSecretMut as _;
        key.expose_secret_mut()
            .copy_from_slice(self.key.expose_secret());
        Self {
            id: self.id.clone(),
            key,
        }
    }
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MasterKey")
            .field("id", &self.id)
            .field("key", &"[redacted]")
            .finish()
    }
}

impl MasterKey {
    /// A key from its bytes (tests, and key material from a secrets manager's client).
    pub fn new(id: KeyId, bytes: [u8; 32]) -> Self {
        Self {
            id,
            key: SecretBox::new(Box::new(bytes)),
        }
    }

    /// A fresh random key, for `keygen`-style commands.
    pub fn generate(id: KeyId) -> Result<Self, VaultError> {
        let mut key = SecretBox::new(Box::new([0u8; 32]));
        use secrecy::ExposeSecretMut as _;
        getrandom::fill(key.expose_secret_mut()).map_err(|_| VaultError::Random)?;
        Ok(Self { id, key })
    }

    /// The key's text as a key file or variable holds it (standard base64).
    pub fn to_base64(&self) -> SecretString {
        SecretString::from(base64::engine::general_purpose::STANDARD.encode(self.bytes()))
    }

    /// Loads a key from its source.
    pub fn load(id: KeyId, source: &KeySource) -> Result<Self, VaultError> {
        match source {
            KeySource::File(path) => Self::from_file(id, path),
            KeySource::Env(var) => {
                let text = std::env::var(var).map_err(|_| VaultError::KeyVariable {
                    key_id: id.clone(),
                    var: var.clone(),
                })?;
                let text = Zeroizing::new(text);
                Self::from_text(id, &text, &source.origin())
            }
        }
    }

    /// Loads a key from a file holding its base64 or hex text.
    pub fn from_file(id: KeyId, path: &Path) -> Result<Self, VaultError> {
        let bytes = std::fs::read(path)
            .map(Zeroizing::new)
            .map_err(|e| VaultError::KeyFile {
                key_id: id.clone(),
                path: path.display().to_string(),
                reason: e.kind().to_string(),
            })?;
        let origin = format!("file {}", path.display());
        let Ok(text) = std::str::from_utf8(&bytes) else {
            return Err(VaultError::KeyEncoding { key_id: id, origin });
        };
        Self::from_text(id, text, &origin)
    }

    /// Reads a key's text: 64 hex digits, or base64 (standard or URL-safe, padded or not)
    /// of 32 bytes; any even number of hex digits counts as hex. `origin` names where the text came from, for errors.
    pub fn from_text(id: KeyId, text: &str, origin: &str) -> Result<Self, VaultError> {
        let text = text.trim();
        let decoded: Zeroizing<Vec<u8>> =
            // Base64 of 32 bytes is 43 or 44 characters, so an even run of hex digits is
            // hex: a hex key of the wrong length then reports its length.
            if !text.is_empty()
                && text.len().is_multiple_of(2)
                && text.bytes().all(|b| b.is_ascii_hexdigit())
            {
                Zeroizing::new(hex::decode(text).map_err(|_| VaultError::KeyEncoding {
                    key_id: id.clone(),
                    origin: origin.to_owned(),
                })?)
            } else {
                Zeroizing::new(decode_base64(text).ok_or_else(|| VaultError::KeyEncoding {
                    key_id: id.clone(),
                    origin: origin.to_owned(),
                })?)
            };
        if decoded.len() != 32 {
            return Err(VaultError::KeyLength {
                key_id: id,
                origin: origin.to_owned(),
                found: decoded.len(),
            });
        }
        let mut key = SecretBox::new(Box::new([0u8; 32]));
        use secrecy::ExposeSecretMut as _;
        key.expose_secret_mut().copy_from_slice(&decoded);
        Ok(Self { id, key })
    }

    /// The id.
    pub fn id(&self) -> &KeyId {
        &self.id
    }

    pub(crate) fn bytes(&self) -> &[u8; 32] {
        self.key.expose_secret()
    }
}

fn decode_base64(text: &str) -> Option<Vec<u8>> {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    if text.is_empty() {
        return None;
    }
    [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD]
        .iter()
        .find_map(|engine| engine.decode(text).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> KeyId {
        KeyId::new(s).expect("id")
    }

    #[test]
    fn key_ids_are_checked() {
        assert!(KeyId::new("2026-01_prod.k3").is_ok());
        assert!(KeyId::new("").is_err());
        assert!(KeyId::new("a b").is_err());
        assert!(KeyId::new("ключ").is_err());
        assert!(KeyId::new(&"k".repeat(64)).is_ok());
        assert!(KeyId::new(&"k".repeat(65)).is_err());
    }

    #[test]
    fn key_text_is_hex_or_any_base64_of_32_bytes() {
        let bytes: [u8; 32] = std::array::from_fn(|i| i as u8 * 7);
        let hex_text = hex::encode(bytes);
        let b64 = base64::engine::general_purpose::STANDARD.encode(bytes);
        let url = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
        for text in [
            hex_text.clone(),
            hex_text.to_uppercase(),
            format!("  {b64}\n"),
            url,
        ] {
            let k = MasterKey::from_text(id("k"), &text, "test").expect("valid");
            assert_eq!(k.bytes(), &bytes, "{text}");
        }
        let generated = MasterKey::generate(id("g")).expect("random");
        let again = MasterKey::from_text(id("g"), generated.to_base64().expose_secret(), "t")
            .expect("round trip");
        assert_eq!(again.bytes(), generated.bytes());
    }

    #[test]
    fn a_key_of_the_wrong_length_names_its_origin_not_its_bytes() {
        let short = base64::engine::general_purpose::STANDARD.encode([9u8; 16]);
        let err =
            MasterKey::from_text(id("k1"), &short, "environment variable V").expect_err("16 bytes");
        assert_eq!(
            err,
            VaultError::KeyLength {
                key_id: id("k1"),
                origin: "environment variable V".into(),
                found: 16
            }
        );
        assert!(!err.to_string().contains(&short), "{err}");
        let err = MasterKey::from_text(id("k1"), "not a key!", "x").expect_err("garbage");
        assert!(matches!(err, VaultError::KeyEncoding { .. }), "{err}");
        let err = MasterKey::from_text(id("k1"), "", "x").expect_err("empty");
        assert!(matches!(err, VaultError::KeyEncoding { .. }), "{err}");
    }

    #[test]
    fn key_files_and_variables_load_and_errors_name_the_file() {
        let dir = std::env::temp_dir().join(format!("posylka-vault-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let good = dir.join("good.key");
        std::fs::write(&good, format!("{}\n", hex::encode([5u8; 32]))).expect("write");
        let k = MasterKey::load(id("k1"), &KeySource::File(good.clone())).expect("load");
        assert_eq!(k.bytes(), &[5u8; 32]);

        let bad = dir.join("short.key");
        std::fs::write(&bad, hex::encode([5u8; 31])).expect("write");
        let err = MasterKey::load(id("k1"), &KeySource::File(bad.clone())).expect_err("short");
        let text = err.to_string();
        assert!(text.contains(&bad.display().to_string()), "{text}");
        assert!(text.contains("31 bytes"), "{text}");
        assert!(!text.contains("0505"), "{text}");

        let binary = dir.join("binary.key");
        std::fs::write(&binary, [0xFFu8; 32]).expect("write");
        let err = MasterKey::from_file(id("k1"), &binary).expect_err("binary");
        assert!(err.to_string().contains("binary.key"), "{err}");

        let missing = dir.join("missing.key");
        let err = MasterKey::from_file(id("k1"), &missing).expect_err("missing");
        assert!(err.to_string().contains("missing.key"), "{err}");

        // PATH is set everywhere and is no key; an unset variable is named.
        let err = MasterKey::load(id("k1"), &KeySource::Env("PATH".into())).expect_err("not a key");
        assert!(
            err.to_string().contains("environment variable PATH"),
            "{err}"
        );
        let unset = "POSYLKA_VAULT_TEST_SURELY_UNSET_3f9a";
        let err = MasterKey::load(id("k1"), &KeySource::Env(unset.into())).expect_err("unset");
        assert!(err.to_string().contains(unset), "{err}");
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }

    #[test]
    fn key_sources_parse() {
        assert_eq!(
            "file:/run/secrets/k".parse::<KeySource>(),
            Ok(KeySource::File("/run/secrets/k".into()))
        );
        assert_eq!("env:K".parse::<KeySource>(), Ok(KeySource::Env("K".into())));
        assert!("file:".parse::<KeySource>().is_err());
        assert!("/run/secrets/k".parse::<KeySource>().is_err());
    }
}
