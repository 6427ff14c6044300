//! Small value types shared by the planner and the channels.

use std::fmt;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// How serious a finding is, in increasing order (`Info < Warning < Action`).
///
/// Mirrors the watchdog's severities; the serde form is the watchdog's key
/// (`info`, `warning`, `action`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Worth knowing; nothing to do.
    Info,
    /// Something may be wrong; keep an eye on it.
    Warning,
    /// The buyer must act (write to the seller, open a dispute, answer customs).
    Action,
}

impl Severity {
    /// Every severity, lowest first.
    pub const ALL: [Severity; 3] = [Severity::Info, Severity::Warning, Severity::Action];

    /// The stable key (`info`, `warning`, `action`), as in JSON.
    pub fn key(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Action => "action",
        }
    }

    /// Parses a key produced by [`Severity::key`].
    pub fn from_key(key: &str) -> Option<Severity> {
        Severity::ALL.into_iter().find(|s| s.key() == key)
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// Identifies one notification channel of a user (the server's row id, as text).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ChannelId(pub String);

impl ChannelId {
    /// Wraps any id (a database row id, a UUID...).
    pub fn new(id: impl Into<String>) -> Self {
        ChannelId(id.into())
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ChannelId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A delivery's idempotency key: 32 lowercase hex digits, the same for the same
/// message whenever and wherever it is planned.
///
/// Sent as `X-Posylka-Delivery` on webhooks and in e-mail headers, so receivers
/// can drop a message they already have, and used by the caller as the unique
/// key of its outbox.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// Derives the key from the parts that make a message what it is.
    ///
    /// Each part is length-prefixed before hashing so that no two different
    /// part lists hash the same text (`["ab", "c"]` vs `["a", "bc"]`).
    pub fn derive(parts: &[&str]) -> Self {
        let mut hasher = Sha256::new();
        hasher.update(b"posylka-delivery-v1");
        for part in parts {
            hasher.update((part.len() as u64).to_be_bytes());
            hasher.update(part.as_bytes());
        }
        let digest = hasher.finalize();
        // 128 bits are plenty against accidental collisions and keep the header short.
        IdempotencyKey(hex::encode(&digest[..16]))
    }

    /// Wraps a key read back from storage. `None` unless it is 32 lowercase hex digits.
    pub fn parse(text: &str) -> Option<Self> {
        let ok = text.len() == 32 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        ok.then(|| IdempotencyKey(text.to_owned()))
    }

    /// The key as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for IdempotencyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severities_are_ordered_and_keys_round_trip() {
        assert!(Severity::Info < Severity::Warning);
        assert!(Severity::Warning < Severity::Action);
        for s in Severity::ALL {
            assert_eq!(Severity::from_key(s.key()), Some(s));
            assert_eq!(
                serde_json::to_string(&s).ok(),
                Some(format!("\"{}\"", s.key()))
            );
        }
        assert_eq!(Severity::from_key("urgent"), None);
    }

    #[test]
    fn key_depends_on_every_part_and_on_part_boundaries() {
        let base = IdempotencyKey::derive(&["s1", "c1", "stalled"]);
        assert_eq!(base, IdempotencyKey::derive(&["s1", "c1", "stalled"]));
        assert_ne!(base, IdempotencyKey::derive(&["s1", "c2", "stalled"]));
        assert_ne!(base, IdempotencyKey::derive(&["s1c1", "", "stalled"]));
        assert_ne!(
            IdempotencyKey::derive(&["ab", "c"]),
            IdempotencyKey::derive(&["a", "bc"])
        );
        assert_eq!(base.as_str().len(), 32);
        assert_eq!(IdempotencyKey::parse(base.as_str()), Some(base.clone()));
        assert_eq!(IdempotencyKey::parse("ABC"), None);
        assert_eq!(IdempotencyKey::parse(&base.as_str().to_uppercase()), None);
    }
}
