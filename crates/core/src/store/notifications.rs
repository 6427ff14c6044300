//! Storage for notifications: users' channels, the delivery planner's memory per shipment, an
//! outbox of deliveries, and leases on the watchdog's work.
//!
//! A separate trait from [`crate::store::Store`] because only the server's scheduler and its
//! notification pages need it. The store keeps what the server gives it as it is: a channel's
//! subscription, the planner's records and a delivery's payload are the caller's JSON, and a
//! webhook's secret arrives sealed (encrypted by the server; the store never sees it plain).
//!
//! Contract every adapter keeps (checked by `crates/store/tests/suite.rs`):
//! - [`NotificationStore::commit_plan`] is one transaction, applied only if the shipment's
//!   planner memory is still at the version read ([`PlanContext::version`]): two instances
//!   that planned the same shipment at once cannot both write;
//! - an outbox entry's idempotency key is unique: a delivery planned twice is stored once, and
//!   a key that was ever stored (sent, failed or pending) is never stored again while its row
//!   exists;
//! - [`NotificationStore::claim_deliveries`] and [`NotificationStore::claim_checks`] lease
//!   rows: while a lease runs no other owner gets the row (PostgreSQL: `FOR UPDATE SKIP
//!   LOCKED`; SQLite: one writer at a time), so two instances never send the same delivery;
//! - a channel's failure count, disabling and last error change in the same transaction as the
//!   delivery that caused them; disabling drops the channel's other pending deliveries;
//! - creating a channel, changing what it selects or enabling it again makes the owner's
//!   active shipments due for the watchdog ([`crate::store::DUE_NOW`], revision bumped), so
//!   the change takes effect at the next run, not at the next event.

use std::fmt;
use std::future::Future;

use jiff::Timestamp;

use crate::account::UserId;
use crate::shipment::ShipmentId;
use crate::store::StoreError;

/// A notification channel's id (positive; never reused after deletion).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ChannelId(i64);

impl ChannelId {
    /// Wraps a stored id; `None` unless positive.
    pub fn new(id: i64) -> Option<Self> {
        (id > 0).then_some(Self(id))
    }

    /// The id.
    pub fn get(self) -> i64 {
        self.0
    }
}

impl fmt::Display for ChannelId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "channel {}", self.0)
    }
}

/// An outbox entry's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DeliveryId(pub i64);

/// How a channel delivers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChannelKind {
    /// E-mail over the server's SMTP relay.
    Email,
    /// A signed HTTP POST to the user's URL.
    Webhook,
    /// A message from the server's Telegram bot.
    Telegram,
}

impl ChannelKind {
    /// Every kind.
    pub const ALL: [ChannelKind; 3] = [
        ChannelKind::Email,
        ChannelKind::Webhook,
        ChannelKind::Telegram,
    ];

    /// The stored key: `email`, `webhook`, `telegram`.
    pub fn key(self) -> &'static str {
        match self {
            ChannelKind::Email => "email",
            ChannelKind::Webhook => "webhook",
            ChannelKind::Telegram => "telegram",
        }
    }

    /// Parses a key made by [`ChannelKind::key`].
    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.key() == key)
    }
}

/// A channel to create.
#[derive(Clone, PartialEq, Eq)]
pub struct NewChannel {
    /// Whose channel it is.
    pub owner: UserId,
    /// How it delivers.
    pub kind: ChannelKind,
    /// The user's name for it.
    pub label: String,
    /// Where to: an address, a URL, a chat id (personal data: never logged).
    pub target: String,
    /// A secret sealed by the caller (a webhook's signing key); `None` for other kinds.
    pub secret_sealed: Option<Vec<u8>>,
    /// Which findings it wants: the caller's JSON, kept as given.
    pub subscription: String,
    /// The language of its messages (`en`, `ru`).
    pub lang: String,
    /// When it was created.
    pub created_at: Timestamp,
}

impl fmt::Debug for NewChannel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewChannel")
            .field("owner", &self.owner)
            .field("kind", &self.kind)
            .field("lang", &self.lang)
            .finish_non_exhaustive()
    }
}

/// A channel's delivery health: failures in a row that were its fault, whether it is
/// disabled, and the last failure's text (scrubbed by the caller).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChannelHealth {
    /// Failed deliveries in a row that were the channel's fault.
    pub consecutive_failures: u32,
    /// When it was disabled; `None` while enabled.
    pub disabled_at: Option<Timestamp>,
    /// The last failure's text; cleared by a success.
    pub last_error: Option<String>,
}

/// A stored channel.
#[derive(Clone, PartialEq, Eq)]
pub struct Channel {
    /// Its id.
    pub id: ChannelId,
    /// Whose it is.
    pub owner: UserId,
    /// How it delivers.
    pub kind: ChannelKind,
    /// The user's name for it.
    pub label: String,
    /// Where to (personal data).
    pub target: String,
    /// The sealed secret, as stored.
    pub secret_sealed: Option<Vec<u8>>,
    /// The caller's subscription JSON.
    pub subscription: String,
    /// The language of its messages.
    pub lang: String,
    /// When it was created.
    pub created_at: Timestamp,
    /// Its health.
    pub health: ChannelHealth,
}

impl fmt::Debug for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Channel")
            .field("id", &self.id)
            .field("owner", &self.owner)
            .field("kind", &self.kind)
            .field("lang", &self.lang)
            .field("health", &self.health)
            .finish_non_exhaustive()
    }
}

/// A change to a channel; `None` fields stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChannelChange {
    /// A new label.
    pub label: Option<String>,
    /// A new subscription.
    pub subscription: Option<String>,
    /// A new message language.
    pub lang: Option<String>,
    /// `Some(true)`: enable again with a clean slate (failures and last error cleared, what
    /// was planned for it forgotten and its undelivered entries removed, so current findings
    /// notify again - except messages it did receive); `Some(false)`: disable now.
    pub enabled: Option<bool>,
    /// When the change is made.
    pub at: Timestamp,
}

/// What the planner remembers about one (shipment, channel, finding code): the caller's JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRecord {
    /// The channel.
    pub channel: ChannelId,
    /// The finding code.
    pub code: String,
    /// The caller's record.
    pub record: String,
}

/// Everything the planner needs about one shipment, read together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanContext {
    /// The shipment's owner; `None` for a shipment nobody owns (created by the command line).
    pub owner: Option<UserId>,
    /// Whether the shipment is archived (archived parcels notify nothing).
    pub archived: bool,
    /// The owner's channels, enabled or not, by id.
    pub channels: Vec<Channel>,
    /// The planner's memory version, for [`PlanCommit::expected_version`] (0: never planned).
    pub version: u64,
    /// The planner's records for this shipment, by channel then code.
    pub records: Vec<StoredRecord>,
}

/// A delivery to put in the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDelivery {
    /// Unique per message (the planner's idempotency key).
    pub key: String,
    /// Where to.
    pub channel: ChannelId,
    /// The message: the caller's JSON.
    pub payload: String,
}

/// One plan to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanCommit {
    /// The shipment.
    pub shipment: ShipmentId,
    /// The [`PlanContext::version`] the plan was made from.
    pub expected_version: u64,
    /// The shipment's complete new records (they replace the stored ones).
    pub records: Vec<StoredRecord>,
    /// The deliveries to send; those whose key is already stored are skipped.
    pub deliveries: Vec<NewDelivery>,
    /// When the plan was made (the deliveries are due then).
    pub at: Timestamp,
}

/// What [`NotificationStore::commit_plan`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanCommitted {
    /// Stored; this many deliveries were new.
    Stored {
        /// Deliveries inserted (the others' keys were stored already).
        inserted: usize,
    },
    /// The planner's memory changed since it was read: nothing stored; plan again.
    Stale,
}

/// An outbox entry leased to a sender.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedDelivery {
    /// The entry.
    pub id: DeliveryId,
    /// Its idempotency key.
    pub key: String,
    /// Its channel, as stored now.
    pub channel: Channel,
    /// The message.
    pub payload: String,
    /// Attempts so far, this one included.
    pub attempts: u32,
}

/// How a leased delivery ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryOutcome {
    /// Delivered.
    Sent,
    /// Failed for now; try again at `retry_at`.
    Retry {
        /// The failure's text (scrubbed).
        error: String,
        /// Whether the failure counts towards disabling the channel.
        blames_channel: bool,
        /// When to try again.
        retry_at: Timestamp,
    },
    /// Failed for good.
    Failed {
        /// The failure's text (scrubbed).
        error: String,
        /// Whether the failure counts towards disabling the channel.
        blames_channel: bool,
    },
}

/// The end of one leased delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryFinish {
    /// The entry.
    pub id: DeliveryId,
    /// The lease owner that claimed it; a lease taken over by another owner is not touched.
    pub lease_owner: String,
    /// What happened.
    pub outcome: DeliveryOutcome,
    /// When.
    pub at: Timestamp,
    /// Failures in a row (the channel's fault) that disable the channel.
    pub disable_after: u32,
}

/// What [`NotificationStore::finish_delivery`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryFinished {
    /// Whether the lease was still this owner's (nothing changed otherwise).
    pub applied: bool,
    /// The channel's health afterwards.
    pub health: ChannelHealth,
    /// Whether this failure disabled the channel.
    pub disabled_now: bool,
}

/// The state of an outbox entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryState {
    /// Waiting to be sent (or between attempts).
    Pending,
    /// Delivered.
    Sent,
    /// Given up.
    Failed,
    /// Not sent: its channel was disabled.
    Dropped,
}

impl DeliveryState {
    /// The stored key.
    pub fn key(self) -> &'static str {
        match self {
            DeliveryState::Pending => "pending",
            DeliveryState::Sent => "sent",
            DeliveryState::Failed => "failed",
            DeliveryState::Dropped => "dropped",
        }
    }

    /// Parses a stored key.
    pub fn from_key(key: &str) -> Option<Self> {
        [
            DeliveryState::Pending,
            DeliveryState::Sent,
            DeliveryState::Failed,
            DeliveryState::Dropped,
        ]
        .into_iter()
        .find(|s| s.key() == key)
    }
}

/// An outbox entry as shown to its owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryInfo {
    /// The entry.
    pub id: DeliveryId,
    /// Its idempotency key.
    pub key: String,
    /// The shipment it is about.
    pub shipment: Option<ShipmentId>,
    /// Its state.
    pub state: DeliveryState,
    /// Attempts made.
    pub attempts: u32,
    /// When it was planned.
    pub created_at: Timestamp,
    /// When it was sent, failed or dropped.
    pub finished_at: Option<Timestamp>,
    /// The last failure's text.
    pub last_error: Option<String>,
    /// The message.
    pub payload: String,
}

/// Storage for notifications (implemented by both store engines).
pub trait NotificationStore: Send + Sync {
    /// Creates a channel (and makes the owner's active shipments due); fails with
    /// [`StoreError::UserNotFound`] for an unknown owner.
    fn create_channel(
        &self,
        new: &NewChannel,
    ) -> impl Future<Output = Result<ChannelId, StoreError>> + Send;

    /// A channel by id, whoever owns it (the caller checks the owner).
    fn channel(
        &self,
        id: ChannelId,
    ) -> impl Future<Output = Result<Option<Channel>, StoreError>> + Send;

    /// A user's channels, by id.
    fn channels_of(
        &self,
        owner: UserId,
    ) -> impl Future<Output = Result<Vec<Channel>, StoreError>> + Send;

    /// Changes a channel (see [`ChannelChange`]); the channel as it is afterwards, or `None`
    /// if there is no such channel.
    fn change_channel(
        &self,
        id: ChannelId,
        change: &ChannelChange,
    ) -> impl Future<Output = Result<Option<Channel>, StoreError>> + Send;

    /// Deletes a channel with its planner records and outbox entries; true if there was one.
    fn delete_channel(
        &self,
        id: ChannelId,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// The shipment's owner, archive state, the owner's channels and the planner's memory;
    /// `None` if the shipment does not exist.
    fn plan_context(
        &self,
        shipment: ShipmentId,
    ) -> impl Future<Output = Result<Option<PlanContext>, StoreError>> + Send;

    /// Stores a plan (see the module doc).
    fn commit_plan(
        &self,
        commit: &PlanCommit,
    ) -> impl Future<Output = Result<PlanCommitted, StoreError>> + Send;

    /// Leases up to `limit` pending deliveries due at `now` (oldest due first) whose channel is
    /// enabled and that no lease holds, to `owner` until `until`; counts the attempt.
    fn claim_deliveries(
        &self,
        owner: &str,
        now: Timestamp,
        until: Timestamp,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<ClaimedDelivery>, StoreError>> + Send;

    /// Records how a leased delivery ended, with its channel's health (see the module doc).
    fn finish_delivery(
        &self,
        finish: &DeliveryFinish,
    ) -> impl Future<Output = Result<DeliveryFinished, StoreError>> + Send;

    /// When the next pending delivery of an enabled channel becomes claimable (a due one whose
    /// lease ran out included); `None` if there is none.
    fn next_delivery_at(
        &self,
    ) -> impl Future<Output = Result<Option<Timestamp>, StoreError>> + Send;

    /// A channel's most recent outbox entries, newest first, at most `limit`.
    fn deliveries_of(
        &self,
        channel: ChannelId,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<DeliveryInfo>, StoreError>> + Send;

    /// The earliest `next_check_at` of any shipment ([`crate::store::DUE_NOW`] for changed
    /// ones); `None` if no shipment is waiting for a check.
    fn next_check_at(&self) -> impl Future<Output = Result<Option<Timestamp>, StoreError>> + Send;

    /// Leases the watchdog's work on `ids` to `owner` until `until`: returns the ids it got
    /// (those with no lease, a lapsed one at `now`, or one `owner` holds already), in the
    /// order given. Ids of missing shipments are left out.
    fn claim_checks(
        &self,
        ids: &[ShipmentId],
        owner: &str,
        now: Timestamp,
        until: Timestamp,
    ) -> impl Future<Output = Result<Vec<ShipmentId>, StoreError>> + Send;

    /// Ends `owner`'s leases on `ids` (others' are left alone).
    fn release_checks(
        &self,
        ids: &[ShipmentId],
        owner: &str,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}
