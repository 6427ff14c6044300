//! Web sessions: a browser's login, kept server-side so that logging out (or deleting the row)
//! ends it at once.
//!
//! The browser holds a random secret in a cookie; the store keeps only its SHA-256
//! ([`TokenHash`], as for API tokens), so a copy of the database opens no session. A separate
//! trait from [`crate::store::Store`] because only the web front end needs it.

use std::fmt;
use std::future::Future;

use jiff::Timestamp;

use crate::account::{TokenHash, User, UserId};
use crate::store::StoreError;

/// A session to store.
#[derive(Clone, PartialEq, Eq)]
pub struct NewSession {
    /// The SHA-256 of the cookie's secret.
    pub hash: TokenHash,
    /// Whose session it is.
    pub user: UserId,
    /// When the user logged in.
    pub created_at: Timestamp,
    /// When the session stops being valid.
    pub expires_at: Timestamp,
    /// The browser's IANA time zone (`Europe/Moscow`), checked by the caller; `None` if the
    /// browser did not say. Pages show times in it.
    pub time_zone: Option<String>,
}

impl fmt::Debug for NewSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewSession")
            .field("user", &self.user)
            .field("created_at", &self.created_at)
            .field("expires_at", &self.expires_at)
            .field("time_zone", &self.time_zone)
            .finish_non_exhaustive()
    }
}

impl NewSession {
    /// Longest stored time-zone name, in bytes (IANA names are far shorter).
    pub const MAX_TIME_ZONE: usize = 64;
}

/// A valid stored session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// Whose session it is.
    pub user: User,
    /// When the user logged in.
    pub created_at: Timestamp,
    /// When it stops being valid.
    pub expires_at: Timestamp,
    /// The browser's time zone, as stored.
    pub time_zone: Option<String>,
}

/// Storage for web sessions (implemented by both store engines).
pub trait SessionStore: Send + Sync {
    /// Stores a new session; fails with [`StoreError::UserNotFound`] for an unknown user.
    fn create_session(
        &self,
        new: &NewSession,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The session with this hash if it exists and has not expired at `now`.
    fn session(
        &self,
        hash: &TokenHash,
        now: Timestamp,
    ) -> impl Future<Output = Result<Option<Session>, StoreError>> + Send;

    /// Ends a session (logout); true if there was one.
    fn delete_session(
        &self,
        hash: &TokenHash,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Removes every session expired at `now`; returns how many.
    fn delete_expired_sessions(
        &self,
        now: Timestamp,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;
}
