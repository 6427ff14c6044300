//! The storage interface: one trait, implemented by the SQLite and PostgreSQL adapters.
//!
//! The trait is async but runtime-free (plain `impl Future + Send` methods), so the core stays
//! free of I/O. Contract every adapter keeps (checked by the shared test suite):
//! - every method that writes is one transaction: all of it or nothing;
//! - [`Store::ingest`] is idempotent: a record already stored (same shipment and
//!   [`crate::timeline::Fingerprint`]) is skipped, so importing a file twice changes nothing;
//! - [`Store::ingest`] attaches each record to a shipment by [`crate::number_window::resolve`];
//!   a number no shipment has rejects the whole batch with [`StoreError::UnknownNumber`];
//! - a shipment's cached [`crate::timeline::Status`] is recomputed in the same transaction as
//!   the events that change it.

pub mod rows;

use std::future::Future;

use jiff::Timestamp;

use crate::order::Order;
use crate::shipment::{Leg, NewShipment, Shipment, ShipmentId, TrackingNumber};
use crate::timeline::{EventRecord, Timeline};

/// What an ingest did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IngestReport {
    /// Records in the batch.
    pub received: usize,
    /// Records newly stored.
    pub inserted: usize,
    /// Records already stored (or repeated in the batch) and skipped.
    pub duplicates: usize,
    /// Shipments that received at least one new record.
    pub shipments_changed: usize,
}

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// An ingested record's number belongs to no shipment; the batch was not stored.
    #[error(
        "tracking number {number} belongs to no shipment (record {index} of the batch); nothing from this batch was stored - add the number to a shipment first"
    )]
    UnknownNumber {
        /// The number.
        number: TrackingNumber,
        /// Its position in the batch, from 0.
        index: usize,
    },
    /// No shipment has this id.
    #[error("shipment {0} does not exist")]
    ShipmentNotFound(ShipmentId),
    /// The number is already linked to this shipment.
    #[error("tracking number {number} is already linked to shipment {shipment}")]
    AlreadyLinked {
        /// The number.
        number: TrackingNumber,
        /// The shipment.
        shipment: ShipmentId,
    },
    /// The number belongs to another shipment linked less than 12 months apart, so events
    /// could not be told apart (S10 numbers are reused only after 12 months).
    #[error(
        "tracking number {number} already belongs to shipment {shipment} (linked {linked_at}); a number can be reused for another shipment only 12 months apart"
    )]
    NumberInUse {
        /// The number.
        number: TrackingNumber,
        /// The shipment holding it.
        shipment: ShipmentId,
        /// When it was linked there.
        linked_at: Timestamp,
    },
    /// A stored value does not decode: the database was changed outside the store.
    #[error("corrupt stored data in {what}: {detail}")]
    Corrupt {
        /// Table and column.
        what: &'static str,
        /// What is wrong.
        detail: String,
    },
    /// The location given to open a store is not usable.
    #[error("invalid store location: {0}")]
    InvalidLocation(String),
    /// The database failed (connection, I/O, constraint, migration).
    #[error("database error: {0}")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// A shipment with its merged timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShipmentTimeline {
    /// The shipment.
    pub shipment: Shipment,
    /// Its events.
    pub timeline: Timeline,
}

/// Storage for shipments and their events.
pub trait Store: Send + Sync {
    /// Creates a shipment with its numbers (linked at `new.created_at()`) and optional order;
    /// returns its new id. Fails with [`StoreError::NumberInUse`] if a number belongs to
    /// another shipment linked less than 12 months apart.
    fn create_shipment(
        &self,
        new: &NewShipment,
    ) -> impl Future<Output = Result<ShipmentId, StoreError>> + Send;

    /// Links another number to a shipment (e.g. the last-mile number given at hand-over).
    fn link_number(
        &self,
        id: ShipmentId,
        number: &TrackingNumber,
        leg: Leg,
        linked_at: Timestamp,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Sets or replaces (`Some`) or removes (`None`) a shipment's order.
    fn set_order(
        &self,
        id: ShipmentId,
        order: Option<&Order>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// A shipment by id, or `None`.
    fn shipment(
        &self,
        id: ShipmentId,
    ) -> impl Future<Output = Result<Option<Shipment>, StoreError>> + Send;

    /// Every shipment the number was ever linked to, newest link first (the first one is where
    /// today's events go).
    fn find_by_number(
        &self,
        number: &TrackingNumber,
    ) -> impl Future<Output = Result<Vec<Shipment>, StoreError>> + Send;

    /// Every shipment with its current status, by id.
    fn list_shipments(&self) -> impl Future<Output = Result<Vec<Shipment>, StoreError>> + Send;

    /// Stores a batch of records, all or nothing (see the module doc).
    fn ingest(
        &self,
        records: &[EventRecord],
    ) -> impl Future<Output = Result<IngestReport, StoreError>> + Send;

    /// A shipment with its timeline, or `None`.
    fn shipment_timeline(
        &self,
        id: ShipmentId,
    ) -> impl Future<Output = Result<Option<ShipmentTimeline>, StoreError>> + Send;
}
