//! Accounts: users, their API tokens, and which shipments each one owns.
//!
//! The store keeps only what cannot leak a secret: an API token is stored as the SHA-256 of
//! its text ([`TokenHash`]), a password as an argon2 PHC string computed by the caller. Hashing
//! is the caller's job (the core does no cryptography).
//!
//! Ownership is per shipment: a shipment created for a user ([`crate::shipment::NewShipment::with_owner`])
//! is that user's alone; shipments created without an owner (the command line's own store)
//! belong to nobody and are never listed for a user.

use std::fmt;
use std::str::FromStr;

use jiff::Timestamp;

use crate::milestone::Milestone;
use crate::shipment::{Shipment, ShipmentId};

/// The store-assigned id of a user: a positive integer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UserId(i64);

impl UserId {
    /// Wraps a stored id; `None` unless positive.
    pub fn new(id: i64) -> Option<Self> {
        (id > 0).then_some(Self(id))
    }

    /// The integer, for storage.
    pub fn get(self) -> i64 {
        self.0
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "user {}", self.0)
    }
}

/// Why an account value is invalid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountError {
    /// Not a usable user name.
    #[error(
        "invalid user name: expected 1 to 64 letters, digits or . _ @ - (got {len} characters)"
    )]
    BadName {
        /// How long the rejected name was, in characters (the name itself is personal data).
        len: usize,
    },
    /// Not a usable token label.
    #[error("invalid token label: expected at most 64 printable characters")]
    BadLabel,
}

/// A user's login name: 1 to 64 ASCII letters, digits or `. _ @ -`, stored in lower case so
/// that `Anna` and `anna` are one user.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UserName(String);

impl UserName {
    /// Longest accepted name.
    pub const MAX_LEN: usize = 64;

    /// Validates and lower-cases a name (surrounding whitespace is ignored).
    pub fn parse(input: &str) -> Result<Self, AccountError> {
        let name = input.trim();
        let ok = (1..=Self::MAX_LEN).contains(&name.len())
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'@' | b'-'));
        if ok {
            Ok(Self(name.to_ascii_lowercase()))
        } else {
            Err(AccountError::BadName {
                len: name.chars().count(),
            })
        }
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UserName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for UserName {
    type Err = AccountError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// A stored user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// The store's id.
    pub id: UserId,
    /// The login name.
    pub name: UserName,
    /// When the user was created.
    pub created_at: Timestamp,
}

/// What is needed to create a user.
#[derive(Clone, PartialEq, Eq)]
pub struct NewUser {
    /// The login name; unique.
    pub name: UserName,
    /// The password as an argon2 PHC string, or `None` for a user who only uses API tokens.
    pub password_hash: Option<String>,
    /// When the user is created.
    pub created_at: Timestamp,
}

impl fmt::Debug for NewUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The hash is not the password, but it is still not for logs.
        f.debug_struct("NewUser")
            .field("name", &self.name)
            .field("password_hash", &self.password_hash.as_ref().map(|_| ".."))
            .field("created_at", &self.created_at)
            .finish()
    }
}

/// A user with the password hash to check a login against.
#[derive(Clone, PartialEq, Eq)]
pub struct UserCredentials {
    /// The user.
    pub user: User,
    /// The argon2 PHC string, or `None` if the user has no password.
    pub password_hash: Option<String>,
}

impl fmt::Debug for UserCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserCredentials")
            .field("user", &self.user)
            .field("password_hash", &self.password_hash.as_ref().map(|_| ".."))
            .finish()
    }
}

/// The SHA-256 of an API token's text: what the store keeps and looks tokens up by. A random
/// 256-bit token needs no salt or slow hash; a fast hash keeps every request cheap.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TokenHash(pub [u8; 32]);

impl fmt::Debug for TokenHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenHash(..)")
    }
}

/// An API token to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewApiToken {
    /// Whose token it is.
    pub user: UserId,
    /// The hash of the token text.
    pub hash: TokenHash,
    /// What the token is for, as the user named it (may be empty).
    pub label: String,
    /// When it was created.
    pub created_at: Timestamp,
}

impl NewApiToken {
    /// Longest label, in characters.
    pub const MAX_LABEL: usize = 64;

    /// A token record; fails if the label is too long or has control characters.
    pub fn new(
        user: UserId,
        hash: TokenHash,
        label: &str,
        created_at: Timestamp,
    ) -> Result<Self, AccountError> {
        let label = label.trim();
        if label.chars().count() > Self::MAX_LABEL || label.chars().any(char::is_control) {
            return Err(AccountError::BadLabel);
        }
        Ok(Self {
            user,
            hash,
            label: label.to_owned(),
            created_at,
        })
    }
}

/// Who owns a shipment and whether it is archived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ShipmentAccess {
    /// The owner; `None` for a shipment created without one (the command line's).
    pub owner: Option<UserId>,
    /// When the owner archived it; `None` while it is active.
    pub archived_at: Option<Timestamp>,
}

/// Which shipments a listing includes by archive state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ArchiveFilter {
    /// Active shipments only (the default).
    #[default]
    Active,
    /// Archived shipments only.
    Archived,
    /// Both.
    All,
}

/// A page of one owner's shipments, filtered (every filter optional).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShipmentFilter {
    /// Only shipments whose current milestone is this.
    pub milestone: Option<Milestone>,
    /// Only shipments whose order is from this marketplace (compared case-insensitively).
    pub marketplace: Option<String>,
    /// Active, archived or both.
    pub archive: ArchiveFilter,
    /// Start after this id (keyset paging); `None` from the first.
    pub after: Option<ShipmentId>,
    /// At most this many.
    pub limit: usize,
}

impl Default for ShipmentFilter {
    fn default() -> Self {
        Self {
            milestone: None,
            marketplace: None,
            archive: ArchiveFilter::Active,
            after: None,
            limit: 100,
        }
    }
}

/// A shipment as listed for its owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnedShipment {
    /// The shipment.
    pub shipment: Shipment,
    /// When it was archived, if it is.
    pub archived_at: Option<Timestamp>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_names_are_lower_cased_and_checked() {
        assert_eq!(
            UserName::parse(" Anna.K@home ").map(|n| n.as_str().to_owned()),
            Ok("anna.k@home".to_owned())
        );
        assert!(UserName::parse("").is_err());
        assert!(UserName::parse("anna k").is_err());
        assert!(UserName::parse("анна").is_err());
        assert!(UserName::parse(&"a".repeat(65)).is_err());
        // The error does not echo the name.
        let err = UserName::parse("secret name").expect_err("space");
        assert!(!err.to_string().contains("secret"), "{err}");
    }

    #[test]
    fn secrets_stay_out_of_debug_output() {
        let creds = UserCredentials {
            user: User {
                id: UserId::new(1).expect("positive"),
                name: UserName::parse("anna").expect("valid"),
                created_at: Timestamp::UNIX_EPOCH,
            },
            password_hash: Some("$argon2id$v=19$secret".into()),
        };
        assert!(!format!("{creds:?}").contains("secret"));
        assert_eq!(format!("{:?}", TokenHash([7; 32])), "TokenHash(..)");
    }

    #[test]
    fn token_labels_are_bounded() {
        let user = UserId::new(1).expect("positive");
        let hash = TokenHash([0; 32]);
        assert!(NewApiToken::new(user, hash, "ci", Timestamp::UNIX_EPOCH).is_ok());
        assert!(NewApiToken::new(user, hash, "a\nb", Timestamp::UNIX_EPOCH).is_err());
        assert!(NewApiToken::new(user, hash, &"x".repeat(65), Timestamp::UNIX_EPOCH).is_err());
        assert_eq!(UserId::new(0), None);
    }
}
