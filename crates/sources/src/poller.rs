//! The poller: claims due numbers from a [`WorkSource`] with a lease, fetches their events from
//! one [`Source`] within its [`Budget`], hands them to an [`Ingest`], and reports when each
//! number is due next.
//!
//! Why it never loses or doubles an event:
//! - events are ingested *before* the lease is released, and ingestion is idempotent (the store
//!   skips a record whose fingerprint it has); a crash in between leaves the lease to expire,
//!   the number is claimed again, re-fetched and re-ingested, and the duplicates are skipped;
//! - a failed call releases its numbers with a retry time, so nothing waits for a lease to
//!   expire and nothing is dropped;
//! - several pollers (several server instances) share one work source: a claim leases a number
//!   to one of them, and a completion for a lease that was lost (expired and claimed again) is
//!   ignored by the work source.
//!
//! Politeness: every call takes a token from the source's budget (rate and quota); retries use
//! jittered exponential backoff (`backon`) and honour `Retry-After`; a circuit breaker stops
//! calls to a source that keeps failing and probes it after a cool-down; a used-up quota pauses
//! the source until it resets. Other sources have their own pollers and keep working.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use backon::{ExponentialBuilder, Retryable};
use jiff::Timestamp;
use posylka_core::shipment::TrackingNumber;
use posylka_core::timeline::{EventRecord, SourceName, derive_status};
use posylka_core::{Milestone, Normalizer};

use crate::breaker::{Admission, BreakerConfig, BreakerState, CircuitBreaker};
use crate::cadence::{CadenceConfig, next_poll_at, spread};
use crate::event::{LinkedNumber, NumberError};
use crate::limits::Budget;
use crate::source::{FailureKind, PushNotice, Source, SourceError};

// The claim and completion shapes are the core's, so the store's poll queue
// (`posylka_core::store::polling::PollStore`) takes them as they are.
pub use posylka_core::store::polling::{Claim, Completion, LeaseToken};

/// An error from a [`WorkSource`] or an [`Ingest`] (the store's, boxed).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BackendError(pub Box<dyn std::error::Error + Send + Sync>);

/// Where due numbers come from and where outcomes go (the store implements it; the
/// in-memory [`crate::memory::MemoryWork`] serves tests and single-process use).
pub trait WorkSource: Send + Sync {
    /// Claims up to `limit` numbers of `source` that are due at `now` (their next poll time
    /// has come and no unexpired lease holds them), leasing them until `lease_until`,
    /// earliest due first.
    fn claim(
        &self,
        source: &SourceName,
        now: Timestamp,
        limit: usize,
        lease_until: Timestamp,
    ) -> impl Future<Output = Result<Vec<Claim>, BackendError>> + Send;

    /// Stores outcomes and releases their leases. A completion whose lease is no longer held
    /// must be ignored.
    fn complete(
        &self,
        source: &SourceName,
        done: &[Completion],
    ) -> impl Future<Output = Result<(), BackendError>> + Send;
}

/// Where fetched events go (the store's idempotent ingest).
pub trait Ingest: Send + Sync {
    /// Stores records (a record already stored is skipped) and links numbers the source
    /// revealed (`(known number, other number)`).
    fn ingest(
        &self,
        records: Vec<EventRecord>,
        linked: Vec<(TrackingNumber, LinkedNumber)>,
    ) -> impl Future<Output = Result<(), BackendError>> + Send;
}

/// Retry settings for one call.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryConfig {
    /// First backoff.
    pub min_delay: Duration,
    /// Longest backoff.
    pub max_delay: Duration,
    /// Retries after the first attempt.
    pub max_retries: usize,
}

impl Default for RetryConfig {
    fn default() -> Self {
        Self {
            min_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            max_retries: 3,
        }
    }
}

/// Poller settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PollerConfig {
    /// Most numbers claimed per round.
    pub claim_limit: usize,
    /// How long a claim is leased (longer than a round with its retries takes).
    pub lease: Duration,
    /// Calls in flight at once.
    pub concurrency: usize,
    /// Sleep when nothing is due.
    pub idle_wait: Duration,
    /// Retries of one call.
    pub retry: RetryConfig,
    /// The circuit breaker.
    pub breaker: BreakerConfig,
    /// Cadence by milestone.
    pub cadence: CadenceConfig,
    /// Spread added to each next poll time, as a fraction of the interval.
    pub spread: f64,
    /// When to try again after the source was down or throttled us.
    pub outage_retry: Duration,
    /// First wait after a number itself failed (doubles per consecutive failure).
    pub number_backoff: Duration,
    /// Longest wait after number failures.
    pub max_number_backoff: Duration,
    /// Wait after registering a number before fetching it (the source fetches it meanwhile).
    pub after_register: Duration,
    /// Pause after a permanent error (credentials refused, a request refused).
    pub permanent_pause: Duration,
    /// Pause after the quota is used up (a daily limit pauses until 00:00 UTC instead).
    pub quota_pause: Duration,
}

impl Default for PollerConfig {
    fn default() -> Self {
        Self {
            claim_limit: 200,
            lease: Duration::from_secs(10 * 60),
            concurrency: 2,
            idle_wait: Duration::from_secs(10),
            retry: RetryConfig::default(),
            breaker: BreakerConfig::default(),
            cadence: CadenceConfig::default(),
            spread: 0.1,
            outage_retry: Duration::from_secs(60),
            number_backoff: Duration::from_secs(15 * 60),
            max_number_backoff: Duration::from_secs(24 * 3600),
            after_register: Duration::from_secs(10 * 60),
            permanent_pause: Duration::from_secs(3600),
            quota_pause: Duration::from_secs(24 * 3600),
        }
    }
}

/// A source's health, for `/healthz` and the page.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceHealth {
    /// The source.
    pub source: SourceName,
    /// The circuit breaker.
    pub breaker: BreakerState,
    /// Paused (quota, credentials) until then.
    pub paused_until: Option<Timestamp>,
    /// The last call that succeeded.
    pub last_success_at: Option<Timestamp>,
    /// The last whole-call error (no secrets, no bodies).
    pub last_error: Option<String>,
    /// When it happened.
    pub last_error_at: Option<Timestamp>,
}

impl SourceHealth {
    /// Whether the source is usable now (breaker not open, not paused).
    pub fn is_up(&self, now: Timestamp) -> bool {
        !matches!(
            self.breaker,
            BreakerState::Open { .. } | BreakerState::HalfOpen { .. }
        ) && self.paused_until.is_none_or(|until| until <= now)
    }
}

/// What one round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RoundReport {
    /// Numbers claimed.
    pub claimed: usize,
    /// Numbers the source answered for.
    pub polled: usize,
    /// Records handed to ingest.
    pub records: usize,
    /// Numbers registered with the source this round.
    pub registered: usize,
    /// Numbers whose poll failed (their own failure or the call's).
    pub failed: usize,
    /// Calls that failed after their retries.
    pub failed_calls: usize,
    /// The source is not called before this instant (breaker open or paused); the round
    /// claimed nothing because of it, or learnt it this round.
    pub blocked_until: Option<Timestamp>,
}

impl RoundReport {
    fn add(&mut self, other: RoundReport) {
        self.claimed += other.claimed;
        self.polled += other.polled;
        self.records += other.records;
        self.registered += other.registered;
        self.failed += other.failed;
        self.failed_calls += other.failed_calls;
        self.blocked_until = match (self.blocked_until, other.blocked_until) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
    }
}

/// Why a round could not run.
#[derive(Debug, thiserror::Error)]
pub enum PollerError {
    /// Claiming from the work source failed.
    #[error("claiming work failed: {0}")]
    Claim(#[source] BackendError),
    /// Completing in the work source failed (the leases will expire and the numbers return).
    #[error("completing work failed: {0}")]
    Complete(#[source] BackendError),
}

/// A clock (tests substitute one).
pub type Clock = Arc<dyn Fn() -> Timestamp + Send + Sync>;

struct Inner<S, W, I> {
    source: S,
    work: W,
    ingest: I,
    config: PollerConfig,
    budget: Budget,
    state: Mutex<State>,
    clock: Clock,
    /// Ends an idle wait early ([`Poller::wake`]).
    wake: tokio::sync::Notify,
}

struct State {
    breaker: CircuitBreaker,
    paused_until: Option<Timestamp>,
    last_success_at: Option<Timestamp>,
    last_error: Option<String>,
    last_error_at: Option<Timestamp>,
}

/// Polls one source. Cheap to clone (shared state).
pub struct Poller<S, W, I> {
    inner: Arc<Inner<S, W, I>>,
}

impl<S, W, I> Clone for Poller<S, W, I> {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<S: Source, W, I> std::fmt::Debug for Poller<S, W, I> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Poller")
            .field("source", &self.inner.source.name().as_str())
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

/// How a chunk's call ended.
enum CallError {
    /// The budget is spent for this long.
    Budget(Duration),
    /// The source failed.
    Source(SourceError),
}

impl<S, W, I> Poller<S, W, I>
where
    S: Source + 'static,
    W: WorkSource + 'static,
    I: Ingest + 'static,
{
    /// A poller for `source`, taking work from `work` and handing events to `ingest`.
    pub fn new(source: S, work: W, ingest: I, budget: Budget, config: PollerConfig) -> Self {
        Self::with_clock(
            source,
            work,
            ingest,
            budget,
            config,
            Arc::new(Timestamp::now),
        )
    }

    /// [`Poller::new`] with a clock of the caller's.
    pub fn with_clock(
        source: S,
        work: W,
        ingest: I,
        budget: Budget,
        config: PollerConfig,
        clock: Clock,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                state: Mutex::new(State {
                    breaker: CircuitBreaker::new(config.breaker),
                    paused_until: None,
                    last_success_at: None,
                    last_error: None,
                    last_error_at: None,
                }),
                source,
                work,
                ingest,
                config,
                budget,
                clock,
                wake: tokio::sync::Notify::new(),
            }),
        }
    }

    /// The source polled.
    pub fn source(&self) -> &S {
        &self.inner.source
    }

    /// The work source.
    pub fn work(&self) -> &W {
        &self.inner.work
    }

    /// The ingest target.
    pub fn ingest_target(&self) -> &I {
        &self.inner.ingest
    }

    /// The source's health now.
    pub fn health(&self) -> SourceHealth {
        let state = self.inner.state();
        SourceHealth {
            source: self.inner.source.name().clone(),
            breaker: state.breaker.state(),
            paused_until: state.paused_until,
            last_success_at: state.last_success_at,
            last_error: state.last_error.clone(),
            last_error_at: state.last_error_at,
        }
    }

    /// Ingests what verified pushes carried (see [`Source::parse_push`]): the same records a
    /// poll would make, so a push and a later poll of the same event are one record. Returns
    /// how many records were handed to ingest. Stopped notices carry no events.
    pub async fn accept_push(&self, notices: &[PushNotice]) -> Result<usize, BackendError> {
        let mut normalizer = Normalizer::new();
        let mut records = Vec::new();
        let mut linked = Vec::new();
        for notice in notices {
            if let PushNotice::Updated { number, tracked } = notice {
                records.extend(tracked.records(self.inner.source.name(), &mut normalizer));
                linked.extend(tracked.linked.iter().map(|l| (number.clone(), l.clone())));
            }
        }
        let count = records.len();
        if count > 0 || !linked.is_empty() {
            self.inner.ingest.ingest(records, linked).await?;
        }
        Ok(count)
    }

    /// Runs rounds until `shutdown` completes, sleeping when nothing is due or the source is
    /// blocked. A failing work source is logged and retried after the idle wait.
    pub async fn run(&self, shutdown: impl Future<Output = ()>) {
        self.run_observed(shutdown, |_| {}).await;
    }

    /// [`Poller::run`], handing every round's outcome to `observe` (metrics).
    pub async fn run_observed(
        &self,
        shutdown: impl Future<Output = ()>,
        mut observe: impl FnMut(&Result<RoundReport, PollerError>),
    ) {
        tokio::pin!(shutdown);
        loop {
            let outcome = self.run_once().await;
            observe(&outcome);
            let wait = match outcome {
                Ok(report) if report.claimed > 0 => Duration::ZERO,
                Ok(report) => {
                    let now = (self.inner.clock)();
                    match report.blocked_until {
                        Some(until) if until > now => until
                            .duration_since(now)
                            .unsigned_abs()
                            .min(self.inner.config.idle_wait),
                        _ => self.inner.config.idle_wait,
                    }
                }
                Err(e) => {
                    tracing::warn!(source = %self.inner.source.name(), error = %e, "poll round failed");
                    self.inner.config.idle_wait
                }
            };
            if wait.is_zero() {
                // Let other tasks (and the shutdown signal) in between busy rounds.
                tokio::task::yield_now().await;
                if futures_ready(&mut shutdown).await {
                    return;
                }
                continue;
            }
            tokio::select! {
                () = &mut shutdown => return,
                () = tokio::time::sleep(wait) => {}
                () = self.inner.wake.notified() => {}
            }
        }
    }

    /// Ends the current idle wait of [`Poller::run`] at once (new numbers were queued, or
    /// someone asked for a refresh); a wake while a round runs cuts the next wait short.
    pub fn wake(&self) {
        self.inner.wake.notify_one();
    }

    /// One round: claim due numbers, poll them (in chunks of the source's batch size, up to
    /// `concurrency` at once), ingest, complete.
    pub async fn run_once(&self) -> Result<RoundReport, PollerError> {
        let inner = &self.inner;
        let now = (inner.clock)();
        let admission = {
            let mut state = inner.state();
            if let Some(until) = state.paused_until {
                if until > now {
                    return Ok(RoundReport {
                        blocked_until: Some(until),
                        ..RoundReport::default()
                    });
                }
                state.paused_until = None;
            }
            state.breaker.admit(now)
        };
        let batch = inner.source.max_batch().max(1);
        let (limit, probe) = match admission {
            Admission::Allowed => (inner.config.claim_limit.max(1), false),
            // A probe is one call's worth of numbers.
            Admission::Probe => (batch, true),
            Admission::Refused { until } => {
                return Ok(RoundReport {
                    blocked_until: Some(until),
                    ..RoundReport::default()
                });
            }
        };
        let lease_until = add(now, inner.config.lease);
        let claims = match inner
            .work
            .claim(inner.source.name(), now, limit, lease_until)
            .await
        {
            Ok(claims) => claims,
            Err(e) => {
                if probe {
                    inner.state().breaker.release_probe(now);
                }
                return Err(PollerError::Claim(e));
            }
        };
        if claims.is_empty() {
            if probe {
                inner.state().breaker.release_probe(now);
            }
            return Ok(RoundReport::default());
        }
        let mut report = RoundReport {
            claimed: claims.len(),
            ..RoundReport::default()
        };
        let mut chunks: Vec<Vec<Claim>> = claims.chunks(batch).map(<[Claim]>::to_vec).collect();
        let mut tasks = tokio::task::JoinSet::new();
        let concurrency = if probe {
            1
        } else {
            inner.config.concurrency.max(1)
        };
        let mut first_error = None;
        chunks.reverse();
        loop {
            while tasks.len() < concurrency {
                let Some(chunk) = chunks.pop() else { break };
                let inner = Arc::clone(&self.inner);
                tasks.spawn(async move { inner.poll_chunk(chunk, probe).await });
            }
            let Some(joined) = tasks.join_next().await else {
                break;
            };
            match joined {
                Ok(Ok(part)) => report.add(part),
                Ok(Err(e)) => {
                    if first_error.is_none() {
                        first_error = Some(e);
                    }
                }
                // A panicking chunk loses nothing: its leases expire and the numbers return.
                Err(join_error) => {
                    tracing::error!(error = %join_error, "a poll task ended abnormally");
                }
            }
        }
        match first_error {
            Some(e) => Err(e),
            None => Ok(report),
        }
    }
}

/// Whether `shutdown` has completed, without waiting for it.
async fn futures_ready(shutdown: &mut std::pin::Pin<&mut impl Future<Output = ()>>) -> bool {
    tokio::select! {
        biased;
        () = shutdown.as_mut() => true,
        () = std::future::ready(()) => false,
    }
}

impl<S, W, I> Inner<S, W, I>
where
    S: Source,
    W: WorkSource,
    I: Ingest,
{
    fn state(&self) -> MutexGuard<'_, State> {
        // The state holds plain values; a panic elsewhere cannot leave it half-updated in a
        // way that matters, so a poisoned lock is used as is.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Polls one chunk and completes every claim in it.
    async fn poll_chunk(&self, chunk: Vec<Claim>, probe: bool) -> Result<RoundReport, PollerError> {
        if !probe {
            // Earlier chunks of this round may have opened the breaker or paused the source:
            // release this one untouched rather than call a source known to be down.
            let now = (self.clock)();
            let blocked = {
                let state = self.state();
                match state.breaker.state() {
                    BreakerState::Open { until, .. } => Some(until),
                    _ => state.paused_until.filter(|p| *p > now),
                }
            };
            if let Some(until) = blocked {
                let completions: Vec<_> = chunk
                    .iter()
                    .map(|c| release(c, Some(until), c.failures, None))
                    .collect();
                self.work
                    .complete(self.source.name(), &completions)
                    .await
                    .map_err(PollerError::Complete)?;
                return Ok(RoundReport {
                    blocked_until: Some(until),
                    ..RoundReport::default()
                });
            }
        }
        let numbers: Vec<TrackingNumber> = chunk.iter().map(|c| c.number.clone()).collect();
        let result = self.call(probe, || self.source.fetch(&numbers)).await;
        let now = (self.clock)();
        let mut report = RoundReport::default();
        let completions = match result {
            Ok(fetched) => {
                self.note_success(now);
                let by_number: HashMap<&TrackingNumber, &Claim> =
                    chunk.iter().map(|c| (&c.number, c)).collect();
                let mut completions = Vec::with_capacity(chunk.len());
                let mut records = Vec::new();
                let mut linked = Vec::new();
                let mut answered = std::collections::HashSet::new();
                let mut normalizer = Normalizer::new();
                let mut polled = Vec::new();
                for (number, tracked) in &fetched.ok {
                    let Some(claim) = by_number.get(number) else {
                        continue;
                    };
                    if !answered.insert(number) {
                        continue;
                    }
                    let mine = tracked.records(self.source.name(), &mut normalizer);
                    let (status, last_event_at) =
                        status_after(&mine, claim.status, claim.last_event_at);
                    records.extend(mine);
                    linked.extend(tracked.linked.iter().map(|l| (number.clone(), l.clone())));
                    polled.push((*claim, status, last_event_at));
                }
                let mut unregistered = Vec::new();
                let mut failed = Vec::new();
                for (number, error) in &fetched.failed {
                    let Some(claim) = by_number.get(number) else {
                        continue;
                    };
                    if !answered.insert(number) {
                        continue;
                    }
                    if *error == NumberError::NotRegistered && self.source.needs_registration() {
                        unregistered.push(*claim);
                    } else {
                        failed.push((*claim, error.clone()));
                    }
                }
                // Numbers the source did not mention at all are treated as "nothing yet".
                for claim in &chunk {
                    if !answered.contains(&claim.number) {
                        failed.push((claim, NumberError::NotFound));
                    }
                }

                let record_count = records.len();
                if let Err(e) = self.ingest.ingest(records, linked).await {
                    // Nothing is lost: every number in the chunk is released for a retry.
                    tracing::warn!(source = %self.source.name(), error = %e, "ingest failed; the chunk will be polled again");
                    report.failed += chunk.len();
                    let retry = add(now, self.config.outage_retry);
                    let error = format!("storing events failed: {e}");
                    chunk
                        .iter()
                        .map(|c| release(c, Some(retry), c.failures, Some(error.clone())))
                        .collect()
                } else {
                    report.records += record_count;
                    report.polled += polled.len();
                    for (claim, status, last_event_at) in polled {
                        completions.push(self.success(claim, status, last_event_at, now));
                    }
                    let (registered, more) = self.register(&unregistered, now).await;
                    report.registered += registered;
                    report.failed += more.iter().filter(|c| c.error.is_some()).count();
                    completions.extend(more);
                    for (claim, error) in failed {
                        if error != NumberError::NotFound {
                            report.failed += 1;
                        }
                        completions.push(self.number_failure(claim, &error, now));
                    }
                    completions
                }
            }
            Err(CallError::Budget(wait)) => {
                let until = add(now, wait);
                self.pause(until, None, now);
                report.blocked_until = Some(until);
                chunk
                    .iter()
                    .map(|c| release(c, Some(until), c.failures, None))
                    .collect()
            }
            Err(CallError::Source(error)) => {
                report.failed += chunk.len();
                report.failed_calls += 1;
                let retry = self.call_failure(&error, now);
                report.blocked_until = self.state().paused_until;
                let message = error.to_string();
                chunk
                    .iter()
                    .map(|c| release(c, Some(retry), c.failures, Some(message.clone())))
                    .collect()
            }
        };
        self.work
            .complete(self.source.name(), &completions)
            .await
            .map_err(PollerError::Complete)?;
        Ok(report)
    }

    /// Runs a call within the budget, with retries (none for a probe) and the breaker.
    async fn call<T, F, Fut>(&self, probe: bool, mut attempt: F) -> Result<T, CallError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, SourceError>>,
    {
        let retry = self.config.retry;
        let backoff = ExponentialBuilder::default()
            .with_min_delay(retry.min_delay)
            .with_max_delay(retry.max_delay)
            .with_max_times(if probe { 0 } else { retry.max_retries })
            .with_jitter();
        let result = (|| {
            let call = attempt();
            async move {
                self.budget.acquire().await.map_err(CallError::Budget)?;
                call.await.map_err(CallError::Source)
            }
        })
        .retry(backoff)
        .when(|e| {
            matches!(e, CallError::Source(s) if matches!(s.kind(), FailureKind::Outage | FailureKind::Throttled))
        })
        .adjust(|e, planned| match e {
            // The source's own Retry-After wins over the computed backoff.
            CallError::Source(s) => s.retry_after().or(planned),
            CallError::Budget(_) => planned,
        })
        .notify(|e, delay| {
            if let CallError::Source(s) = e {
                tracing::debug!(error = %s, ?delay, "retrying a source call");
            }
        })
        .await;
        if probe && matches!(result, Err(CallError::Budget(_))) {
            self.state().breaker.release_probe((self.clock)());
        }
        result
    }

    fn note_success(&self, now: Timestamp) {
        let mut state = self.state();
        state.breaker.record_success();
        state.last_success_at = Some(now);
    }

    /// Records a whole-call failure; returns when its numbers should be tried again.
    fn call_failure(&self, error: &SourceError, now: Timestamp) -> Timestamp {
        let config = &self.config;
        let mut state = self.state();
        state.last_error = Some(error.to_string());
        state.last_error_at = Some(now);
        match error.kind() {
            FailureKind::Outage => {
                state.breaker.record_failure(now);
                tracing::warn!(source = %self.source.name(), %error, "source call failed");
                add(now, config.outage_retry)
            }
            FailureKind::Throttled => add(now, error.retry_after().unwrap_or(config.outage_retry)),
            FailureKind::Quota => {
                let until = match error {
                    SourceError::DailyLimit { .. } => next_utc_midnight(now),
                    _ => add(now, config.quota_pause),
                };
                tracing::warn!(source = %self.source.name(), %error, %until, "source paused");
                state.paused_until = Some(state.paused_until.map_or(until, |p| p.max(until)));
                until
            }
            FailureKind::Permanent => {
                // The source answered, so it is not down; but asking again at once will not
                // help either.
                state.breaker.record_success();
                let until = add(now, config.permanent_pause);
                tracing::warn!(source = %self.source.name(), %error, %until, "source paused");
                state.paused_until = Some(state.paused_until.map_or(until, |p| p.max(until)));
                until
            }
        }
    }

    fn pause(&self, until: Timestamp, error: Option<String>, now: Timestamp) {
        let mut state = self.state();
        state.paused_until = Some(state.paused_until.map_or(until, |p| p.max(until)));
        if let Some(error) = error {
            state.last_error = Some(error);
            state.last_error_at = Some(now);
        }
    }

    /// The completion of a number the source answered for.
    fn success(
        &self,
        claim: &Claim,
        status: Option<Milestone>,
        last_event_at: Option<Timestamp>,
        now: Timestamp,
    ) -> Completion {
        let completion = Completion {
            number: claim.number.clone(),
            lease: claim.lease,
            next_poll_at: None,
            status,
            last_event_at,
            failures: 0,
            error: None,
        };
        with_cadence(completion, &self.config, claim.since, now)
    }

    /// Registers numbers the source does not know yet; they are fetched after
    /// `after_register`.
    async fn register(&self, claims: &[&Claim], now: Timestamp) -> (usize, Vec<Completion>) {
        if claims.is_empty() {
            return (0, Vec::new());
        }
        let numbers: Vec<TrackingNumber> = claims.iter().map(|c| c.number.clone()).collect();
        let by_number: HashMap<&TrackingNumber, &&Claim> =
            claims.iter().map(|c| (&c.number, c)).collect();
        match self.call(false, || self.source.register(&numbers)).await {
            Ok(report) => {
                let mut completions = Vec::new();
                let mut done = std::collections::HashSet::new();
                for (number, ()) in &report.ok {
                    if let Some(claim) = by_number.get(number)
                        && done.insert(number.clone())
                    {
                        completions.push(release(
                            claim,
                            Some(add(now, self.config.after_register)),
                            0,
                            None,
                        ));
                    }
                }
                let registered = completions.len();
                for (number, error) in &report.failed {
                    if let Some(claim) = by_number.get(number)
                        && done.insert(number.clone())
                    {
                        completions.push(self.number_failure(claim, error, now));
                    }
                }
                for claim in claims {
                    if !done.contains(&claim.number) {
                        completions.push(release(
                            claim,
                            Some(add(now, self.config.outage_retry)),
                            claim.failures,
                            Some("registration got no answer".into()),
                        ));
                    }
                }
                (registered, completions)
            }
            Err(e) => {
                let (retry, message) = match e {
                    CallError::Budget(wait) => {
                        let until = add(now, wait);
                        self.pause(until, None, now);
                        (until, None)
                    }
                    CallError::Source(error) => {
                        (self.call_failure(&error, now), Some(error.to_string()))
                    }
                };
                let completions = claims
                    .iter()
                    .map(|c| release(c, Some(retry), c.failures, message.clone()))
                    .collect();
                (0, completions)
            }
        }
    }

    /// The completion of a number the source refused.
    fn number_failure(&self, claim: &Claim, error: &NumberError, now: Timestamp) -> Completion {
        let config = &self.config;
        match error {
            // Nothing yet is not a failure: poll on the normal cadence (which stops after
            // long silence, counted from when tracking started).
            NumberError::NotFound => {
                let completion = Completion {
                    number: claim.number.clone(),
                    lease: claim.lease,
                    next_poll_at: None,
                    status: claim.status,
                    last_event_at: claim.last_event_at,
                    failures: 0,
                    error: None,
                };
                with_cadence(completion, config, claim.since, now)
            }
            NumberError::DailyLimit | NumberError::QuotaExhausted => {
                let until = if *error == NumberError::DailyLimit {
                    next_utc_midnight(now)
                } else {
                    add(now, config.quota_pause)
                };
                self.pause(until, Some(error.to_string()), now);
                release(claim, Some(until), claim.failures, Some(error.to_string()))
            }
            NumberError::NotRegistered
            | NumberError::CarrierNotDetected
            | NumberError::Rejected { .. } => {
                let failures = claim.failures.saturating_add(1);
                let wait = config
                    .number_backoff
                    .saturating_mul(1u32 << (failures - 1).min(16))
                    .min(config.max_number_backoff);
                release(
                    claim,
                    Some(add(now, wait)),
                    failures,
                    Some(error.to_string()),
                )
            }
        }
    }
}

/// Sets `next_poll_at` from the cadence (with the spread) for the completion's status;
/// a number without events counts its silence from `since`.
fn with_cadence(
    mut completion: Completion,
    config: &PollerConfig,
    since: Timestamp,
    now: Timestamp,
) -> Completion {
    let last = completion.last_event_at.unwrap_or(since);
    completion.next_poll_at = next_poll_at(completion.status, Some(last), now, &config.cadence)
        .map(|at| {
            let interval = at.duration_since(now).unsigned_abs();
            add(
                at,
                spread(completion.number.as_str(), interval, config.spread),
            )
        });
    completion
}

fn release(
    claim: &Claim,
    next_poll_at: Option<Timestamp>,
    failures: u32,
    error: Option<String>,
) -> Completion {
    Completion {
        number: claim.number.clone(),
        lease: claim.lease,
        next_poll_at,
        status: claim.status,
        last_event_at: claim.last_event_at,
        failures,
        error,
    }
}

/// The status and newest instant of a number's records, merged with what was known.
pub fn status_after(
    records: &[EventRecord],
    previous: Option<Milestone>,
    previous_at: Option<Timestamp>,
) -> (Option<Milestone>, Option<Timestamp>) {
    let newest = records.iter().map(|r| r.at.instant()).max();
    let last_event_at = match (newest, previous_at) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    };
    match derive_status(records.iter().map(EventRecord::status)) {
        Some(status) => (Some(status.milestone), last_event_at),
        None => (previous, last_event_at),
    }
}

fn add(t: Timestamp, d: Duration) -> Timestamp {
    t.checked_add(d).unwrap_or(Timestamp::MAX)
}

fn next_utc_midnight(now: Timestamp) -> Timestamp {
    let day = 86_400;
    let secs = now.as_second();
    Timestamp::from_second(secs - secs.rem_euclid(day) + day).unwrap_or(Timestamp::MAX)
}
