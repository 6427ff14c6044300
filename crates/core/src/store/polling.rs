//! The poll queue: which numbers each source polls, when, and which poller holds them.
//!
//! A separate trait from [`super::Store`] (like [`crate::session::SessionStore`]) because only
//! the poller and the push intake need it. Both engines implement it; the shared suite checks
//! the contract:
//!
//! - every number linked to a shipment (created, linked by hand, or revealed by a source)
//!   appears once in [`PollStore::unrouted_numbers`] until [`PollStore::route_numbers`] has
//!   decided which sources poll it; the store records the link and the "to route" mark in the
//!   same transaction, so no number is missed whoever adds it;
//! - a queue entry is keyed by (source, number); [`PollStore::claim_polls`] leases due entries
//!   to one caller until `lease_until` (PostgreSQL: `FOR UPDATE SKIP LOCKED`, so several server
//!   instances share the work; SQLite: one `UPDATE ... RETURNING` under the write lock); a
//!   leased entry is not due again until its lease ends, so an abandoned claim (a crash) comes
//!   back by itself;
//! - [`PollStore::complete_polls`] applies only completions whose lease is still held: a
//!   completion for a lease that expired and was claimed again is ignored;
//! - [`PollStore::poll_now`] ("refresh now") makes entries due at once; an entry leased at the
//!   time is due again as soon as its holder completes it;
//! - [`PollStore::ingest_pushed`] stores pushed events idempotently by the sender's event id,
//!   receipts and events in one transaction;
//! - deleting a shipment drops the queue entries of numbers no other shipment has.

use std::future::Future;

use jiff::Timestamp;

use super::{IngestReport, StoreError};
use crate::Milestone;
use crate::shipment::TrackingNumber;
use crate::timeline::{EventRecord, SourceName};

/// A lease on a claimed entry; the store ignores completions with a stale token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LeaseToken(pub u64);

/// A number claimed for polling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    /// The number.
    pub number: TrackingNumber,
    /// The lease.
    pub lease: LeaseToken,
    /// The milestone of its newest event from this source, if any.
    pub status: Option<Milestone>,
    /// Its newest event's instant, if any.
    pub last_event_at: Option<Timestamp>,
    /// When tracking started (stands in for the last event until there is one).
    pub since: Timestamp,
    /// Consecutive failed polls of this number (for its own backoff).
    pub failures: u32,
}

/// What polling a number came to; the store keeps it and releases the lease.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    /// The number.
    pub number: TrackingNumber,
    /// The lease being released.
    pub lease: LeaseToken,
    /// When to poll again; `None`: stop polling until someone asks ("refresh now").
    pub next_poll_at: Option<Timestamp>,
    /// The milestone of the newest event, updated when the poll read events.
    pub status: Option<Milestone>,
    /// The newest event's instant, updated when the poll read events.
    pub last_event_at: Option<Timestamp>,
    /// Consecutive failures after this poll (0 after a success).
    pub failures: u32,
    /// Why this poll failed, for display; `None` after a success. No secrets, no bodies.
    pub error: Option<String>,
}

/// A number waiting to be routed to its sources.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnroutedNumber {
    /// The number.
    pub number: TrackingNumber,
    /// When it was linked (the earliest link, if it was linked to several shipments).
    pub linked_at: Timestamp,
}

/// Which sources poll a number, decided by the caller (recognition, configured sources).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// The number.
    pub number: TrackingNumber,
    /// The sources; empty: none polls it (it still leaves the unrouted list).
    pub sources: Vec<SourceName>,
    /// When tracking started (the link time): silence is counted from it.
    pub since: Timestamp,
}

/// One queue entry, for display and tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PollEntry {
    /// The source.
    pub source: SourceName,
    /// The number.
    pub number: TrackingNumber,
    /// When it is due (the lease's end while leased); `None`: polling stopped.
    pub next_poll_at: Option<Timestamp>,
    /// Whether a lease is recorded (it may have expired: see `next_poll_at`).
    pub leased: bool,
    /// Milestone of the newest event from this source.
    pub status: Option<Milestone>,
    /// The newest event's instant.
    pub last_event_at: Option<Timestamp>,
    /// When tracking started.
    pub since: Timestamp,
    /// Consecutive failures.
    pub failures: u32,
    /// The last failure.
    pub error: Option<String>,
    /// Completions applied so far.
    pub polls: u64,
}

/// How many entries of one source are in each state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueueStats {
    /// Entries polled on a cadence (not stopped).
    pub active: u64,
    /// Entries due now.
    pub due: u64,
    /// Entries leased now.
    pub leased: u64,
    /// Entries whose last poll failed.
    pub failing: u64,
    /// Entries no longer polled (terminal or silent for too long).
    pub stopped: u64,
}

/// A pushed event with the sender's id for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushedEvent {
    /// The sender's event id (1 to [`PushedEvent::MAX_ID_LEN`] bytes), unique per source.
    pub id: String,
    /// The normalised record.
    pub record: EventRecord,
}

impl PushedEvent {
    /// Longest event id, in bytes.
    pub const MAX_ID_LEN: usize = 128;
}

/// What a push intake did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PushReport {
    /// Events whose id had been received before (or repeated in the batch): skipped whole.
    pub repeated_ids: usize,
    /// What ingesting the others did (their records may still be duplicates by fingerprint,
    /// e.g. an event a poll stored already).
    pub ingest: IngestReport,
}

/// The poll queue and push receipts (see the module doc).
pub trait PollStore: Send + Sync {
    /// Up to `limit` numbers linked to shipments and not routed yet, oldest link first.
    fn unrouted_numbers(
        &self,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<UnroutedNumber>, StoreError>> + Send;

    /// Records where numbers go: an entry per (source, number) not queued yet, due at `due`;
    /// existing entries are left as they are. The numbers leave the unrouted list. One
    /// transaction. Returns how many entries were added.
    fn route_numbers(
        &self,
        routes: &[Route],
        due: Timestamp,
    ) -> impl Future<Output = Result<usize, StoreError>> + Send;

    /// Leases up to `limit` entries of `source` due at `now` (earliest due first) until
    /// `lease_until`.
    fn claim_polls(
        &self,
        source: &SourceName,
        now: Timestamp,
        limit: usize,
        lease_until: Timestamp,
    ) -> impl Future<Output = Result<Vec<Claim>, StoreError>> + Send;

    /// Stores outcomes and releases their leases, ignoring completions whose lease is no
    /// longer held. Returns how many were applied.
    fn complete_polls(
        &self,
        source: &SourceName,
        done: &[Completion],
    ) -> impl Future<Output = Result<usize, StoreError>> + Send;

    /// "Refresh now": makes the entries of `numbers` with `source` due at `now`, adding an
    /// entry (tracking since `now`) for a number not queued with it. A leased entry keeps its
    /// lease and is due at once after its completion. Returns how many entries were touched.
    fn poll_now(
        &self,
        source: &SourceName,
        numbers: &[TrackingNumber],
        now: Timestamp,
    ) -> impl Future<Output = Result<usize, StoreError>> + Send;

    /// Every queue entry of a number, by source.
    fn poll_entries(
        &self,
        number: &TrackingNumber,
    ) -> impl Future<Output = Result<Vec<PollEntry>, StoreError>> + Send;

    /// Entry counts per source at `now`, by source name. Reads the whole queue: for metrics,
    /// not for every request.
    fn queue_stats(
        &self,
        now: Timestamp,
    ) -> impl Future<Output = Result<Vec<(SourceName, QueueStats)>, StoreError>> + Send;

    /// Stores pushed events of `source`: events whose id was received before (or repeats in
    /// the batch) are skipped; the others are ingested as [`super::Store::ingest`] does (a
    /// number no shipment has fails the whole batch with [`StoreError::UnknownNumber`], and
    /// nothing is stored), and their ids recorded at `received_at`, in one transaction.
    fn ingest_pushed(
        &self,
        source: &SourceName,
        events: &[PushedEvent],
        received_at: Timestamp,
    ) -> impl Future<Output = Result<PushReport, StoreError>> + Send;

    /// A cheap round trip to the database (for health checks).
    fn ping(&self) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// Flat row forms of the poll queue, shared by the SQL adapters (instants as microseconds,
/// milestones as keys), so both engines decode stored data the same way.
pub mod rows {
    use super::{Claim, Completion, LeaseToken, PollEntry, QueueStats, UnroutedNumber};
    use crate::shipment::TrackingNumber;
    use crate::store::StoreError;
    use crate::store::rows::{Columns, corrupt, timestamp};
    use crate::timeline::SourceName;

    /// Decodes `number, linked_at_us` of `poll_unrouted`.
    pub fn unrouted(row: &impl Columns) -> Result<UnroutedNumber, StoreError> {
        Ok(UnroutedNumber {
            number: number("poll_unrouted.number", &row.text(0)?)?,
            linked_at: row.instant("poll_unrouted.linked_at_us", 1)?,
        })
    }

    /// Decodes a claimed entry from the columns [`ClaimRow`] lists, in its field order.
    pub fn claim(row: &impl Columns) -> Result<Claim, StoreError> {
        ClaimRow {
            number: row.text(0)?,
            lease: row.int(1)?,
            status: row.opt_text(2)?,
            last_event_at_us: row.opt_int(3)?,
            since_us: row.int(4)?,
            failures: row.int(5)?,
        }
        .to_claim()
    }

    /// Decodes an entry from the columns [`EntryRow`] lists, in its field order.
    pub fn entry(row: &impl Columns) -> Result<PollEntry, StoreError> {
        EntryRow {
            source: row.text(0)?,
            number: row.text(1)?,
            next_poll_at_us: row.opt_int(2)?,
            lease: row.opt_int(3)?,
            status: row.opt_text(4)?,
            last_event_at_us: row.opt_int(5)?,
            since_us: row.int(6)?,
            failures: row.int(7)?,
            error: row.opt_text(8)?,
            polls: row.int(9)?,
        }
        .to_entry()
    }

    /// Decodes a source's queue counts from `source, active, due, leased, failing, stopped`;
    /// a negative count reads as 0.
    pub fn queue_stats(row: &impl Columns) -> Result<(SourceName, QueueStats), StoreError> {
        let n = |at| row.int(at).map(|v| u64::try_from(v).unwrap_or(0));
        let source = row.text(0)?;
        Ok((
            SourceName::new(&source).map_err(|e| corrupt("poll_queue.source", e))?,
            QueueStats {
                active: n(1)?,
                due: n(2)?,
                leased: n(3)?,
                failing: n(4)?,
                stopped: n(5)?,
            },
        ))
    }

    fn number(what: &'static str, text: &str) -> Result<TrackingNumber, StoreError> {
        TrackingNumber::parse(text).map_err(|e| corrupt(what, e))
    }

    fn milestone(text: Option<&str>) -> Result<Option<crate::Milestone>, StoreError> {
        text.map(|t| t.parse().map_err(|e| corrupt("poll_queue.status", e)))
            .transpose()
    }

    fn count(what: &'static str, n: i64) -> Result<u32, StoreError> {
        u32::try_from(n).map_err(|_| corrupt(what, format!("out of range: {n}")))
    }

    /// A claimed entry's columns: number, lease token, status, last event, since, failures.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct ClaimRow {
        /// `number`.
        pub number: String,
        /// `lease_token`.
        pub lease: i64,
        /// `status`.
        pub status: Option<String>,
        /// `last_event_at_us`.
        pub last_event_at_us: Option<i64>,
        /// `since_us`.
        pub since_us: i64,
        /// `failures`.
        pub failures: i64,
    }

    impl ClaimRow {
        /// The claim.
        pub fn to_claim(&self) -> Result<Claim, StoreError> {
            Ok(Claim {
                number: number("poll_queue.number", &self.number)?,
                lease: LeaseToken(
                    u64::try_from(self.lease)
                        .map_err(|_| corrupt("poll_queue.lease_token", self.lease))?,
                ),
                status: milestone(self.status.as_deref())?,
                last_event_at: self
                    .last_event_at_us
                    .map(|us| timestamp("poll_queue.last_event_at_us", us))
                    .transpose()?,
                since: timestamp("poll_queue.since_us", self.since_us)?,
                failures: count("poll_queue.failures", self.failures)?,
            })
        }
    }

    /// A completion's columns, in the order the adapters bind them.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct CompletionRow<'a> {
        /// `number`.
        pub number: &'a str,
        /// `lease_token`.
        pub lease: i64,
        /// `next_poll_at_us`.
        pub next_poll_at_us: Option<i64>,
        /// `status`.
        pub status: Option<&'static str>,
        /// `last_event_at_us`.
        pub last_event_at_us: Option<i64>,
        /// `failures`.
        pub failures: i64,
        /// `last_error`, cut to [`CompletionRow::MAX_ERROR`] bytes.
        pub error: Option<&'a str>,
    }

    impl<'a> CompletionRow<'a> {
        /// Longest stored error text, in bytes.
        pub const MAX_ERROR: usize = 500;

        /// The row of a completion.
        pub fn new(c: &'a Completion) -> Self {
            Self {
                number: c.number.as_str(),
                // Tokens come from the store, which hands out positive i64 values.
                lease: i64::try_from(c.lease.0).unwrap_or(-1),
                next_poll_at_us: c.next_poll_at.map(|t| t.as_microsecond()),
                status: c.status.map(crate::Milestone::key),
                last_event_at_us: c.last_event_at.map(|t| t.as_microsecond()),
                failures: i64::from(c.failures),
                error: c.error.as_deref().map(|e| cut(e, Self::MAX_ERROR)),
            }
        }
    }

    /// `text` cut at a character boundary to at most `max` bytes.
    pub fn cut(text: &str, max: usize) -> &str {
        if text.len() <= max {
            return text;
        }
        let mut end = max;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        &text[..end]
    }

    /// An entry's columns: source, number, next poll, lease token, status, last event, since,
    /// failures, last error, polls.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct EntryRow {
        /// `source`.
        pub source: String,
        /// `number`.
        pub number: String,
        /// `next_poll_at_us`.
        pub next_poll_at_us: Option<i64>,
        /// `lease_token`.
        pub lease: Option<i64>,
        /// `status`.
        pub status: Option<String>,
        /// `last_event_at_us`.
        pub last_event_at_us: Option<i64>,
        /// `since_us`.
        pub since_us: i64,
        /// `failures`.
        pub failures: i64,
        /// `last_error`.
        pub error: Option<String>,
        /// `polls`.
        pub polls: i64,
    }

    impl EntryRow {
        /// The entry.
        pub fn to_entry(&self) -> Result<PollEntry, StoreError> {
            Ok(PollEntry {
                source: SourceName::new(&self.source)
                    .map_err(|e| corrupt("poll_queue.source", e))?,
                number: number("poll_queue.number", &self.number)?,
                next_poll_at: self
                    .next_poll_at_us
                    .map(|us| timestamp("poll_queue.next_poll_at_us", us))
                    .transpose()?,
                leased: self.lease.is_some(),
                status: milestone(self.status.as_deref())?,
                last_event_at: self
                    .last_event_at_us
                    .map(|us| timestamp("poll_queue.last_event_at_us", us))
                    .transpose()?,
                since: timestamp("poll_queue.since_us", self.since_us)?,
                failures: count("poll_queue.failures", self.failures)?,
                error: self.error.clone(),
                polls: u64::try_from(self.polls)
                    .map_err(|_| corrupt("poll_queue.polls", self.polls))?,
            })
        }
    }

    /// The pushed events to ingest: the first of each id not in `received`, in order; and
    /// how many were skipped.
    pub fn fresh_pushes<'a>(
        events: &'a [super::PushedEvent],
        received: &std::collections::HashSet<String>,
    ) -> (Vec<&'a super::PushedEvent>, usize) {
        let mut seen = std::collections::HashSet::new();
        let mut fresh = Vec::with_capacity(events.len());
        for e in events {
            if !received.contains(&e.id) && seen.insert(e.id.as_str()) {
                fresh.push(e);
            }
        }
        let skipped = events.len() - fresh.len();
        (fresh, skipped)
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn cut_keeps_whole_characters() {
            assert_eq!(cut("абв", 3), "а");
            assert_eq!(cut("abc", 5), "abc");
            assert_eq!(cut("", 0), "");
        }
    }
}
