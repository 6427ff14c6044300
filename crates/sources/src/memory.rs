//! In-memory implementations of the poller's interfaces, for tests, benchmarks and a single
//! process; and [`StoreIngest`], the [`Ingest`] over a `posylka_core::store::Store`.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::{Mutex, MutexGuard};

use jiff::Timestamp;
use posylka_core::Milestone;
use posylka_core::shipment::TrackingNumber;
use posylka_core::store::{IngestReport, Store, StoreError};
use posylka_core::timeline::{EventRecord, Fingerprint, SourceName};

use crate::event::LinkedNumber;
use crate::poller::{BackendError, Claim, Completion, Ingest, LeaseToken, WorkSource};

/// What the in-memory work source knows about one number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkEntry {
    /// When it is due (also the lease's end while leased); `None`: not polled.
    pub due: Option<Timestamp>,
    /// The current lease, if claimed.
    pub lease: Option<LeaseToken>,
    /// Newest milestone.
    pub status: Option<Milestone>,
    /// Newest event's instant.
    pub last_event_at: Option<Timestamp>,
    /// When tracking started.
    pub since: Timestamp,
    /// Consecutive failures.
    pub failures: u32,
    /// The last failure, for display.
    pub error: Option<String>,
    /// How many polls completed.
    pub polls: u64,
}

#[derive(Debug, Default)]
struct Queue {
    entries: HashMap<TrackingNumber, WorkEntry>,
    /// Due numbers by due time: the claim order.
    due: BTreeSet<(Timestamp, TrackingNumber)>,
}

impl Queue {
    fn set_due(&mut self, number: &TrackingNumber, due: Option<Timestamp>) {
        if let Some(entry) = self.entries.get_mut(number) {
            if let Some(old) = entry.due {
                self.due.remove(&(old, number.clone()));
            }
            entry.due = due;
            if let Some(new) = due {
                self.due.insert((new, number.clone()));
            }
        }
    }
}

/// A work source in memory: numbers per source, leases, due times.
#[derive(Debug, Default)]
pub struct MemoryWork {
    queues: Mutex<HashMap<SourceName, Queue>>,
    next_lease: Mutex<u64>,
}

impl MemoryWork {
    /// An empty work source.
    pub fn new() -> Self {
        Self::default()
    }

    fn queues(&self) -> MutexGuard<'_, HashMap<SourceName, Queue>> {
        self.queues.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Starts tracking a number with a source, due at `now`. Adding a known number again
    /// changes nothing.
    pub fn add(&self, source: &SourceName, number: TrackingNumber, now: Timestamp) {
        let mut queues = self.queues();
        let queue = queues.entry(source.clone()).or_default();
        if queue.entries.contains_key(&number) {
            return;
        }
        queue.entries.insert(
            number.clone(),
            WorkEntry {
                due: None,
                lease: None,
                status: None,
                last_event_at: None,
                since: now,
                failures: 0,
                error: None,
                polls: 0,
            },
        );
        queue.set_due(&number, Some(now));
    }

    /// "Refresh now": makes a number due at `now`, even one whose polling had stopped.
    /// Returns `false` for an unknown number.
    pub fn refresh_now(
        &self,
        source: &SourceName,
        number: &TrackingNumber,
        now: Timestamp,
    ) -> bool {
        let mut queues = self.queues();
        let Some(queue) = queues.get_mut(source) else {
            return false;
        };
        let Some(entry) = queue.entries.get_mut(number) else {
            return false;
        };
        // A held lease stays valid; its holder's completion will set the next time.
        if entry.lease.is_none() {
            queue.set_due(number, Some(now));
        }
        true
    }

    /// What is known about a number.
    pub fn entry(&self, source: &SourceName, number: &TrackingNumber) -> Option<WorkEntry> {
        self.queues().get(source)?.entries.get(number).cloned()
    }

    /// How many numbers of a source are due at `now` (leased ones whose lease has not ended
    /// are not due).
    pub fn due_count(&self, source: &SourceName, now: Timestamp) -> usize {
        self.queues()
            .get(source)
            .map_or(0, |q| q.due.iter().take_while(|(at, _)| *at <= now).count())
    }
}

impl WorkSource for MemoryWork {
    async fn claim(
        &self,
        source: &SourceName,
        now: Timestamp,
        limit: usize,
        lease_until: Timestamp,
    ) -> Result<Vec<Claim>, BackendError> {
        let token = {
            let mut next = self.next_lease.lock().unwrap_or_else(|e| e.into_inner());
            *next += 1;
            *next
        };
        let mut queues = self.queues();
        let Some(queue) = queues.get_mut(source) else {
            return Ok(Vec::new());
        };
        let due: Vec<TrackingNumber> = queue
            .due
            .iter()
            .take_while(|(at, _)| *at <= now)
            .take(limit)
            .map(|(_, n)| n.clone())
            .collect();
        let mut claims = Vec::with_capacity(due.len());
        for number in due {
            // A lease is its end time in the due index: an abandoned claim comes back.
            queue.set_due(&number, Some(lease_until));
            if let Some(entry) = queue.entries.get_mut(&number) {
                entry.lease = Some(LeaseToken(token));
                claims.push(Claim {
                    number,
                    lease: LeaseToken(token),
                    status: entry.status,
                    last_event_at: entry.last_event_at,
                    since: entry.since,
                    failures: entry.failures,
                });
            }
        }
        Ok(claims)
    }

    async fn complete(&self, source: &SourceName, done: &[Completion]) -> Result<(), BackendError> {
        let mut queues = self.queues();
        let Some(queue) = queues.get_mut(source) else {
            return Ok(());
        };
        for c in done {
            let Some(entry) = queue.entries.get_mut(&c.number) else {
                continue;
            };
            if entry.lease != Some(c.lease) {
                // The lease was lost (expired and claimed again): the newer holder decides.
                continue;
            }
            entry.lease = None;
            entry.status = c.status;
            entry.last_event_at = c.last_event_at;
            entry.failures = c.failures;
            entry.error = c.error.clone();
            entry.polls += 1;
            queue.set_due(&c.number, c.next_poll_at);
        }
        Ok(())
    }
}

/// An ingest target in memory that keeps each record once, by fingerprint, like the store.
#[derive(Debug, Default)]
pub struct MemoryIngest {
    inner: Mutex<IngestState>,
}

#[derive(Debug, Default)]
struct IngestState {
    seen: HashSet<(TrackingNumber, Fingerprint)>,
    records: Vec<EventRecord>,
    duplicates: usize,
    linked: Vec<(TrackingNumber, LinkedNumber)>,
}

impl MemoryIngest {
    /// An empty target.
    pub fn new() -> Self {
        Self::default()
    }

    fn state(&self) -> MutexGuard<'_, IngestState> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records stored, in arrival order.
    pub fn records(&self) -> Vec<EventRecord> {
        self.state().records.clone()
    }

    /// How many records are stored.
    pub fn len(&self) -> usize {
        self.state().records.len()
    }

    /// Whether nothing is stored.
    pub fn is_empty(&self) -> bool {
        self.state().records.is_empty()
    }

    /// How many records arrived again and were skipped.
    pub fn duplicates(&self) -> usize {
        self.state().duplicates
    }

    /// Linked numbers received (repeats included).
    pub fn linked(&self) -> Vec<(TrackingNumber, LinkedNumber)> {
        self.state().linked.clone()
    }
}

impl Ingest for MemoryIngest {
    async fn ingest(
        &self,
        records: Vec<EventRecord>,
        linked: Vec<(TrackingNumber, LinkedNumber)>,
    ) -> Result<(), BackendError> {
        let mut state = self.state();
        for record in records {
            if state
                .seen
                .insert((record.number.clone(), record.fingerprint()))
            {
                state.records.push(record);
            } else {
                state.duplicates += 1;
            }
        }
        state.linked.extend(linked);
        Ok(())
    }
}

/// Called with what each store ingest did (for metrics).
pub type IngestObserver = std::sync::Arc<dyn Fn(&IngestReport) + Send + Sync>;

/// [`Ingest`] into a [`Store`]: one idempotent `ingest` per batch, then each revealed number
/// linked to the shipment of the number it came with (a link that exists already is fine).
///
/// A number that no shipment has any more (its shipment was deleted while it was polled) is
/// dropped from the batch and the rest stored: otherwise the whole chunk would fail again at
/// every retry while the deleted number can never succeed.
pub struct StoreIngest<S> {
    store: S,
    observer: Option<IngestObserver>,
}

impl<S: std::fmt::Debug> std::fmt::Debug for StoreIngest<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreIngest")
            .field("store", &self.store)
            .finish_non_exhaustive()
    }
}

impl<S> StoreIngest<S> {
    /// Ingests into `store`.
    pub fn new(store: S) -> Self {
        Self {
            store,
            observer: None,
        }
    }

    /// Reports every ingest's outcome to `observer`.
    pub fn with_observer(mut self, observer: IngestObserver) -> Self {
        self.observer = Some(observer);
        self
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }
}

impl<S: Store> Ingest for StoreIngest<S> {
    async fn ingest(
        &self,
        mut records: Vec<EventRecord>,
        linked: Vec<(TrackingNumber, LinkedNumber)>,
    ) -> Result<(), BackendError> {
        // Each retry removes one number, so this ends.
        while !records.is_empty() {
            match self.store.ingest(&records).await {
                Ok(report) => {
                    if let Some(observe) = &self.observer {
                        observe(&report);
                    }
                    break;
                }
                Err(StoreError::UnknownNumber { number, .. }) => {
                    tracing::info!(
                        "events of a number no shipment has any more were dropped (its shipment was deleted)"
                    );
                    records.retain(|r| r.number != number);
                }
                Err(e) => return Err(BackendError(Box::new(e))),
            }
        }
        for (known, other) in linked {
            let shipments = self
                .store
                .find_by_number(&known)
                .await
                .map_err(|e| BackendError(Box::new(e)))?;
            let Some(shipment) = shipments.first() else {
                continue;
            };
            if shipment.numbers.iter().any(|l| l.number == other.number) {
                continue;
            }
            match self
                .store
                .link_number(shipment.id, &other.number, other.leg, Timestamp::now())
                .await
            {
                Ok(()) | Err(StoreError::AlreadyLinked { .. } | StoreError::NumberInUse { .. }) => {
                }
                Err(e) => return Err(BackendError(Box::new(e))),
            }
        }
        Ok(())
    }
}
