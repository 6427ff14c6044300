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
//!   the events that change it;
//! - a change (new events, a linked number, a new or removed order) bumps the shipment's
//!   [`CheckState::revision`] and makes it due for the watchdog ([`DUE_NOW`]) in the same
//!   transaction; a new shipment is due at once. [`Store::record_checks`] stores an evaluation
//!   and the next deadline, but leaves a shipment that changed since it was read due.

pub mod customs;
pub mod notifications;
pub mod polling;
pub mod rows;

use std::future::Future;

use jiff::Timestamp;

use crate::account::{
    NewApiToken, NewUser, OwnedShipment, ShipmentAccess, ShipmentFilter, TokenHash, User,
    UserCredentials, UserId, UserName,
};
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
    /// A user with this name exists already.
    #[error("user {0} already exists")]
    UserExists(crate::account::UserName),
    /// No user has this id.
    #[error("{0} does not exist")]
    UserNotFound(crate::account::UserId),
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
    /// The watchdog's bookkeeping for it.
    pub check: CheckState,
}

/// The `next_check_at` a change sets: the Unix epoch, earlier than any real deadline, so a
/// changed shipment is due at once and comes before those whose deadline merely passed.
pub const DUE_NOW: Timestamp = Timestamp::UNIX_EPOCH;

/// What the store keeps about a shipment's evaluation by the watchdog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckState {
    /// Bumped by every change that makes the shipment due; an evaluation records the revision
    /// it read so that a change made meanwhile is not lost ([`CheckRecord::revision`]).
    pub revision: u64,
    /// When it was last evaluated; `None` if never.
    pub checked_at: Option<Timestamp>,
    /// When it is due next ([`DUE_NOW`] after a change); `None`: only when it changes.
    pub next_check_at: Option<Timestamp>,
    /// The caller's summary of its last evaluation (opaque to the store); `None` if never.
    pub summary: Option<String>,
}

/// One shipment's evaluation, stored by [`Store::record_checks`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckRecord {
    /// The shipment.
    pub id: ShipmentId,
    /// The [`CheckState::revision`] the evaluation read. If the shipment has changed since,
    /// `next_check_at` is not applied: it stays due, to be evaluated again with the change.
    pub revision: u64,
    /// When it was evaluated.
    pub checked_at: Timestamp,
    /// When to evaluate it again even if nothing changes (a deadline); `None`: only on change.
    pub next_check_at: Option<Timestamp>,
    /// The caller's summary of the result (the store keeps it as given; keep it small).
    pub summary: String,
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

    /// Up to `limit` shipments with their timelines, in id order, starting after `after` (from
    /// the first shipment for `None`): the bulk path to evaluate every shipment. One
    /// consistent snapshot and a constant number of queries per page, whatever its size.
    fn timelines_page(
        &self,
        after: Option<ShipmentId>,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<ShipmentTimeline>, StoreError>> + Send;

    /// The lowest and highest shipment ids in use, or `None` without shipments: a bulk run
    /// splits the ids among workers that read their pages side by side.
    fn shipment_id_range(
        &self,
    ) -> impl Future<Output = Result<Option<(ShipmentId, ShipmentId)>, StoreError>> + Send;

    /// Up to `limit` shipments due for evaluation (`next_check_at <= now`) with their
    /// timelines, the earliest due first (changed shipments, at [`DUE_NOW`], lead), then by id.
    fn due_for_check(
        &self,
        now: Timestamp,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<ShipmentTimeline>, StoreError>> + Send;

    /// Stores evaluations in one transaction: each shipment's `checked_at` and summary, and
    /// its `next_check_at` unless it changed since it was read (see [`CheckRecord::revision`]).
    /// An id no shipment has fails the whole batch with [`StoreError::ShipmentNotFound`].
    fn record_checks(
        &self,
        results: &[CheckRecord],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    // Accounts and ownership (see `crate::account`).

    /// Creates a user; fails with [`StoreError::UserExists`] if the name is taken.
    fn create_user(&self, new: &NewUser)
    -> impl Future<Output = Result<UserId, StoreError>> + Send;

    /// A user by name, with the password hash to check a login against; `None` if unknown.
    fn user_by_name(
        &self,
        name: &UserName,
    ) -> impl Future<Output = Result<Option<UserCredentials>, StoreError>> + Send;

    /// Stores an API token's hash; fails with [`StoreError::UserNotFound`] for an unknown user.
    fn create_api_token(
        &self,
        token: &NewApiToken,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The user an API token belongs to, by the token's hash; `None` if no token matches.
    fn user_by_token(
        &self,
        hash: &TokenHash,
    ) -> impl Future<Output = Result<Option<User>, StoreError>> + Send;

    /// Who owns a shipment and whether it is archived; `None` if the shipment does not exist.
    fn shipment_access(
        &self,
        id: ShipmentId,
    ) -> impl Future<Output = Result<Option<ShipmentAccess>, StoreError>> + Send;

    /// Archives a shipment (`Some(when)`) or brings it back (`None`).
    fn set_archived(
        &self,
        id: ShipmentId,
        archived_at: Option<Timestamp>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Deletes a shipment with its numbers, order and events; its id is never reused.
    fn delete_shipment(
        &self,
        id: ShipmentId,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// One owner's shipments matching `filter`, by id, at most `filter.limit`.
    fn owned_shipments(
        &self,
        owner: UserId,
        filter: &ShipmentFilter,
    ) -> impl Future<Output = Result<Vec<OwnedShipment>, StoreError>> + Send;
}
