//! Opens Posylka's store, choosing the engine once from the location.
//!
//! - `postgres://...` or `postgresql://...`: PostgreSQL ([`posylka_store_postgres::PgStore`]),
//!   for several server instances sharing one database;
//! - `sqlite://PATH`, `sqlite:PATH`, `sqlite::memory:` or a plain file path: SQLite
//!   ([`posylka_store_sqlite::SqliteStore`]), the embedded default.
//!
//! Either way the database is migrated on open. [`AnyStore`] implements
//! [`posylka_core::store::Store`] by delegating to the engine it holds.
//!
//! ```
//! use posylka_store::{open, Store};
//!
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let dir = std::env::temp_dir().join(format!("posylka-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir)?;
//! let store = open(dir.join("posylka.db").to_str().unwrap()).await?;
//! assert_eq!(store.engine(), "sqlite");
//! assert!(store.list_shipments().await?.is_empty());
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```

use jiff::Timestamp;
use posylka_core::account::{
    NewApiToken, NewUser, OwnedShipment, ShipmentAccess, ShipmentFilter, TokenHash, User,
    UserCredentials, UserId, UserName,
};
use posylka_core::order::Order;
use posylka_core::shipment::{Leg, NewShipment, Shipment, ShipmentId, TrackingNumber};
pub use posylka_core::store::{
    CheckRecord, CheckState, IngestReport, ShipmentTimeline, Store, StoreError,
};
use posylka_core::timeline::EventRecord;
pub use posylka_store_postgres::PgStore;
pub use posylka_store_sqlite::SqliteStore;

/// A store of either engine.
#[derive(Debug, Clone)]
pub enum AnyStore {
    /// SQLite.
    Sqlite(SqliteStore),
    /// PostgreSQL.
    Postgres(PgStore),
}

/// Which engine a location names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// SQLite.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

/// The engine for a location (see the crate doc), or an error for an unknown URL scheme.
pub fn engine_of(location: &str) -> Result<Engine, StoreError> {
    let location = location.trim();
    if location.starts_with("postgres://") || location.starts_with("postgresql://") {
        Ok(Engine::Postgres)
    } else if location.starts_with("sqlite:") {
        Ok(Engine::Sqlite)
    } else if location.is_empty() {
        Err(StoreError::InvalidLocation("empty store location".into()))
    } else if let Some((scheme, _)) = location.split_once("://") {
        // Only the scheme is echoed: the rest may hold a password.
        Err(StoreError::InvalidLocation(format!(
            "unsupported scheme {scheme}://; use postgres://, sqlite:// or a file path"
        )))
    } else {
        Ok(Engine::Sqlite)
    }
}

/// Opens (creating and migrating as needed) the store at `location`.
pub async fn open(location: &str) -> Result<AnyStore, StoreError> {
    let location = location.trim();
    match engine_of(location)? {
        Engine::Postgres => Ok(AnyStore::Postgres(PgStore::connect(location).await?)),
        Engine::Sqlite if location.starts_with("sqlite:") => {
            Ok(AnyStore::Sqlite(SqliteStore::open_url(location).await?))
        }
        Engine::Sqlite => Ok(AnyStore::Sqlite(SqliteStore::open(location).await?)),
    }
}

impl AnyStore {
    /// `"sqlite"` or `"postgres"`.
    pub fn engine(&self) -> &'static str {
        match self {
            AnyStore::Sqlite(_) => "sqlite",
            AnyStore::Postgres(_) => "postgres",
        }
    }

    /// Closes the store's connections.
    pub async fn close(&self) {
        match self {
            AnyStore::Sqlite(s) => s.close().await,
            AnyStore::Postgres(s) => s.close().await,
        }
    }
}

macro_rules! delegate {
    ($self:ident, $store:ident => $call:expr) => {
        match $self {
            AnyStore::Sqlite($store) => $call.await,
            AnyStore::Postgres($store) => $call.await,
        }
    };
}

impl Store for AnyStore {
    async fn create_shipment(&self, new: &NewShipment) -> Result<ShipmentId, StoreError> {
        delegate!(self, s => s.create_shipment(new))
    }

    async fn link_number(
        &self,
        id: ShipmentId,
        number: &TrackingNumber,
        leg: Leg,
        linked_at: Timestamp,
    ) -> Result<(), StoreError> {
        delegate!(self, s => s.link_number(id, number, leg, linked_at))
    }

    async fn set_order(&self, id: ShipmentId, order: Option<&Order>) -> Result<(), StoreError> {
        delegate!(self, s => s.set_order(id, order))
    }

    async fn shipment(&self, id: ShipmentId) -> Result<Option<Shipment>, StoreError> {
        delegate!(self, s => s.shipment(id))
    }

    async fn find_by_number(&self, number: &TrackingNumber) -> Result<Vec<Shipment>, StoreError> {
        delegate!(self, s => s.find_by_number(number))
    }

    async fn list_shipments(&self) -> Result<Vec<Shipment>, StoreError> {
        delegate!(self, s => s.list_shipments())
    }

    async fn ingest(&self, records: &[EventRecord]) -> Result<IngestReport, StoreError> {
        delegate!(self, s => s.ingest(records))
    }

    async fn shipment_timeline(
        &self,
        id: ShipmentId,
    ) -> Result<Option<ShipmentTimeline>, StoreError> {
        delegate!(self, s => s.shipment_timeline(id))
    }

    async fn timelines_page(
        &self,
        after: Option<ShipmentId>,
        limit: usize,
    ) -> Result<Vec<ShipmentTimeline>, StoreError> {
        delegate!(self, s => s.timelines_page(after, limit))
    }

    async fn shipment_id_range(&self) -> Result<Option<(ShipmentId, ShipmentId)>, StoreError> {
        delegate!(self, s => s.shipment_id_range())
    }

    async fn due_for_check(
        &self,
        now: Timestamp,
        limit: usize,
    ) -> Result<Vec<ShipmentTimeline>, StoreError> {
        delegate!(self, s => s.due_for_check(now, limit))
    }

    async fn record_checks(&self, results: &[CheckRecord]) -> Result<(), StoreError> {
        delegate!(self, s => s.record_checks(results))
    }

    async fn create_user(&self, new: &NewUser) -> Result<UserId, StoreError> {
        delegate!(self, s => s.create_user(new))
    }

    async fn user_by_name(&self, name: &UserName) -> Result<Option<UserCredentials>, StoreError> {
        delegate!(self, s => s.user_by_name(name))
    }

    async fn create_api_token(&self, token: &NewApiToken) -> Result<(), StoreError> {
        delegate!(self, s => s.create_api_token(token))
    }

    async fn user_by_token(&self, hash: &TokenHash) -> Result<Option<User>, StoreError> {
        delegate!(self, s => s.user_by_token(hash))
    }

    async fn shipment_access(&self, id: ShipmentId) -> Result<Option<ShipmentAccess>, StoreError> {
        delegate!(self, s => s.shipment_access(id))
    }

    async fn set_archived(
        &self,
        id: ShipmentId,
        archived_at: Option<Timestamp>,
    ) -> Result<(), StoreError> {
        delegate!(self, s => s.set_archived(id, archived_at))
    }

    async fn delete_shipment(&self, id: ShipmentId) -> Result<(), StoreError> {
        delegate!(self, s => s.delete_shipment(id))
    }

    async fn owned_shipments(
        &self,
        owner: UserId,
        filter: &ShipmentFilter,
    ) -> Result<Vec<OwnedShipment>, StoreError> {
        delegate!(self, s => s.owned_shipments(owner, filter))
    }
}

pub use posylka_core::session::{NewSession, Session, SessionStore};

impl SessionStore for AnyStore {
    async fn create_session(&self, new: &NewSession) -> Result<(), StoreError> {
        delegate!(self, s => s.create_session(new))
    }

    async fn session(
        &self,
        hash: &TokenHash,
        now: Timestamp,
    ) -> Result<Option<Session>, StoreError> {
        delegate!(self, s => s.session(hash, now))
    }

    async fn delete_session(&self, hash: &TokenHash) -> Result<bool, StoreError> {
        delegate!(self, s => s.delete_session(hash))
    }

    async fn delete_expired_sessions(&self, now: Timestamp) -> Result<u64, StoreError> {
        delegate!(self, s => s.delete_expired_sessions(now))
    }
}

// After `delegate!`, which it uses.
mod customs;
pub use posylka_core::store::customs::CustomsStore;
mod notifications;
pub use posylka_core::store::notifications::NotificationStore;
mod polling;
pub use posylka_core::store::polling::PollStore;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_is_chosen_from_the_location() {
        assert_eq!(engine_of("postgres://u@h/db").ok(), Some(Engine::Postgres));
        assert_eq!(engine_of("postgresql://h/db").ok(), Some(Engine::Postgres));
        assert_eq!(
            engine_of("sqlite:///var/lib/p.db").ok(),
            Some(Engine::Sqlite)
        );
        assert_eq!(engine_of("sqlite::memory:").ok(), Some(Engine::Sqlite));
        assert_eq!(engine_of("/home/me/posylka.db").ok(), Some(Engine::Sqlite));
        assert_eq!(engine_of("posylka.db").ok(), Some(Engine::Sqlite));
        let err = engine_of("mysql://root:secret@h/db").expect_err("unsupported");
        assert!(err.to_string().contains("mysql://"), "{err}");
        assert!(!err.to_string().contains("secret"), "{err}");
        assert!(engine_of("  ").is_err());
    }
}
