//! The customs desk's storage: operators, imported batches of arriving parcels, each parcel's
//! request state, the audit log of reads of identity data, and destruction records.
//!
//! A separate trait from [`super::Store`] (like [`super::polling::PollStore`]): only the
//! server's customs desk uses it. The store is deliberately dumb: personal data arrive
//! already sealed by the server's vault ([`SealedBlob`], three columns: key id, wrapped data
//! key, ciphertext), and the request flow, the one-time code and the delivery choice are the
//! server's JSON, opaque here. Contract (checked by the shared suite on both engines):
//!
//! - [`CustomsStore::import_batch`] stores a batch and all its parcels in one transaction;
//! - [`CustomsStore::save_customs_parcel`] writes a parcel only over the version it read
//!   (optimistic concurrency: the recipient's page and the scheduler never lose each other's
//!   changes) and bumps it; with a destruction record, both in one transaction;
//! - [`CustomsStore::claim_customs_parcels`] leases parcels that are due (a message, or the
//!   destruction of their data) to one caller until `lease_until`, bumping their version, so
//!   two server instances never work on the same parcel at once (PostgreSQL: `FOR UPDATE SKIP
//!   LOCKED`; SQLite: one `UPDATE ... RETURNING` under the write lock);
//! - a destroyed parcel keeps no sealed data, token, code or delivery choice, and is never
//!   claimed again; its [`DestructionRecord`] holds no personal data.

use std::fmt;
use std::future::Future;

use jiff::Timestamp;

use super::StoreError;
use crate::account::UserId;
use crate::shipment::TrackingNumber;

/// A batch's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BatchId(pub i64);

impl fmt::Display for BatchId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A customs parcel's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CustomsParcelId(pub i64);

impl fmt::Display for CustomsParcelId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Data sealed by the server's vault: the master key's id, the wrapped data key and the
/// ciphertext (opaque to the store). `Debug` shows the key id only.
#[derive(Clone, PartialEq, Eq)]
pub struct SealedBlob {
    /// The id of the master key that wraps the data key.
    pub key_id: String,
    /// The data key, wrapped.
    pub wrapped_key: Vec<u8>,
    /// The sealed data.
    pub ciphertext: Vec<u8>,
}

impl fmt::Debug for SealedBlob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SealedBlob")
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

/// A parcel of a manifest being imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCustomsParcel {
    /// A random key naming the record in the vault's bindings (known before the row's id).
    pub record_key: String,
    /// The tracking number.
    pub tracking_number: TrackingNumber,
    /// The goods (value, currency, weight, items): the server's JSON, no personal data.
    pub goods: String,
    /// The recipient's name, phone and e-mail, sealed.
    pub contact: SealedBlob,
}

/// A manifest being imported as a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewBatch {
    /// The operator's name for it (the file name).
    pub name: String,
    /// Who imported it.
    pub created_by: UserId,
    /// When.
    pub created_at: Timestamp,
    /// Its parcels, in the manifest's order.
    pub parcels: Vec<NewCustomsParcel>,
}

/// A stored batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchSummary {
    /// Its id.
    pub id: BatchId,
    /// Its name.
    pub name: String,
    /// Who imported it.
    pub created_by: UserId,
    /// When.
    pub created_at: Timestamp,
    /// How many parcels it has.
    pub parcels: u32,
}

/// A customs parcel as stored. The server changes the public fields and saves it back with
/// [`CustomsStore::save_customs_parcel`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomsParcel {
    /// Its id.
    pub id: CustomsParcelId,
    /// Its batch.
    pub batch: BatchId,
    /// The vault binding's record key.
    pub record_key: String,
    /// The tracking number.
    pub tracking_number: TrackingNumber,
    /// The goods: the server's JSON.
    pub goods: String,
    /// When it was imported.
    pub created_at: Timestamp,
    /// The version it was read at (bumped by every save and claim).
    pub version: i64,
    /// The request's state (the server's key: `imported`, `waiting`, `submitted`, ...).
    pub state: String,
    /// Name, phone and e-mail, sealed; `None` once destroyed.
    pub contact: Option<SealedBlob>,
    /// SHA-256 of the recipient's link token.
    pub token_hash: Option<[u8; 32]>,
    /// The token itself, sealed (messages repeat the link).
    pub token: Option<SealedBlob>,
    /// When the link stops working.
    pub token_expires_at: Option<Timestamp>,
    /// When the parcel reached customs (the flow starts).
    pub arrived_at: Option<Timestamp>,
    /// The request flow: the server's JSON.
    pub flow: Option<String>,
    /// When the scheduler should look at it next (a message due, the deadline).
    pub next_wake_at: Option<Timestamp>,
    /// Held by a scheduler until then.
    pub lease_until: Option<Timestamp>,
    /// The identity data, sealed.
    pub identity: Option<SealedBlob>,
    /// When the recipient consented to processing (and to which text version).
    pub consent_at: Option<Timestamp>,
    /// The consent text's version.
    pub consent_version: Option<String>,
    /// The pending one-time code: the server's JSON (hashes only).
    pub code: Option<String>,
    /// The delivery choice: the server's JSON.
    pub delivery: Option<String>,
    /// How the request ended (`cleared`, `returned`), when it did.
    pub ended_kind: Option<String>,
    /// When it ended.
    pub ended_at: Option<Timestamp>,
    /// When the personal data must be destroyed.
    pub destroy_at: Option<Timestamp>,
    /// When they were.
    pub destroyed_at: Option<Timestamp>,
}

/// One read (or write) of identity data: who, when, why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// The parcel.
    pub parcel: CustomsParcelId,
    /// Who: `user:NAME`, `recipient`, `system`.
    pub actor: String,
    /// What: `read_identity`, `write_identity`, `rewrap`, ...
    pub action: String,
    /// Why (the operator's stated purpose).
    pub reason: String,
    /// When.
    pub at: Timestamp,
}

/// The record that a parcel's personal data were destroyed. No personal data: ids, the
/// categories destroyed, the grounds and the instants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DestructionRecord {
    /// The parcel (its row stays, emptied).
    pub parcel: CustomsParcelId,
    /// Its batch.
    pub batch: BatchId,
    /// What was destroyed (`contact,identity,token,code,delivery`).
    pub categories: String,
    /// The grounds (`cleared`, `returned`).
    pub grounds: String,
    /// When the request ended.
    pub ended_at: Timestamp,
    /// When the data were destroyed.
    pub destroyed_at: Timestamp,
}

/// The customs desk's storage (see the module documentation for the contract).
pub trait CustomsStore: Send + Sync {
    /// Makes `user` an operator of the desk (or not).
    fn set_operator(
        &self,
        user: UserId,
        operator: bool,
        now: Timestamp,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Whether `user` is an operator.
    fn is_operator(&self, user: UserId) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Stores a batch and its parcels, all or nothing. Returns the batch's id.
    fn import_batch(
        &self,
        batch: &NewBatch,
    ) -> impl Future<Output = Result<BatchId, StoreError>> + Send;

    /// Every batch, newest first.
    fn batches(&self) -> impl Future<Output = Result<Vec<BatchSummary>, StoreError>> + Send;

    /// A batch's parcels, in import order.
    fn customs_parcels(
        &self,
        batch: BatchId,
    ) -> impl Future<Output = Result<Vec<CustomsParcel>, StoreError>> + Send;

    /// One parcel.
    fn customs_parcel(
        &self,
        id: CustomsParcelId,
    ) -> impl Future<Output = Result<Option<CustomsParcel>, StoreError>> + Send;

    /// The parcel whose link token hashes to `hash` (expiry is the caller's to check).
    fn customs_parcel_by_token(
        &self,
        hash: &[u8; 32],
    ) -> impl Future<Output = Result<Option<CustomsParcel>, StoreError>> + Send;

    /// Writes `parcel`'s mutable fields if it is still at `parcel.version`, bumping the
    /// version; with `destruction`, also records it, in the same transaction. `false`: it
    /// changed since it was read (read it again and retry).
    fn save_customs_parcel(
        &self,
        parcel: &CustomsParcel,
        destruction: Option<&DestructionRecord>,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Leases up to `limit` parcels due at `now` (`next_wake_at` or `destroy_at` reached, not
    /// destroyed, not leased) until `lease_until`, returned at their new version.
    fn claim_customs_parcels(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<CustomsParcel>, StoreError>> + Send;

    /// Up to `limit` parcels with sealed data under a master key other than `current`.
    fn customs_parcels_to_rewrap(
        &self,
        current: &str,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<CustomsParcel>, StoreError>> + Send;

    /// Appends to the audit log.
    fn append_audit(
        &self,
        entries: &[AuditEntry],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The newest `limit` audit entries, newest first.
    fn audit_log(
        &self,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<AuditEntry>, StoreError>> + Send;

    /// Every destruction record, newest first.
    fn destructions(
        &self,
    ) -> impl Future<Output = Result<Vec<DestructionRecord>, StoreError>> + Send;
}
