//! Polling inside the server: one [`Poller`] per configured source over the store's poll queue,
//! and a router that queues every newly linked number with the sources that can track it.
//!
//! Started with the server when at least one source is configured
//! ([`posylka_sources::config::SourcesConfig`], from `POSYLKA_17TRACK_*`,
//! `POSYLKA_RUSSIANPOST_*`, `POSYLKA_CAINIAO_*`, `POSYLKA_POLL_*`), stopped on graceful
//! shutdown. Work is leased in the store, so several instances over one PostgreSQL database
//! share it, and a crash (or a stop that cuts a round short) loses nothing: the leases expire
//! and the numbers are polled again; ingestion skips what is stored already. Each source has
//! its own task, budget and circuit breaker: a source that is down is reported in `/healthz`
//! while the others keep working.

mod metrics;
pub mod route;

pub use metrics::SourceMetrics;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use jiff::Timestamp;
use posylka_core::shipment::TrackingNumber;
use posylka_core::store::polling::{PollStore, Route};
use posylka_core::timeline::SourceName;
use posylka_sources::breaker::BreakerState;
use posylka_sources::cainiao::Cainiao;
use posylka_sources::config::SourcesConfig;
use posylka_sources::limits::Budget;
use posylka_sources::memory::StoreIngest;
use posylka_sources::poller::{Poller, PollerConfig, SourceHealth};
use posylka_sources::queue::StoreWork;
use posylka_sources::russianpost::RussianPost;
use posylka_sources::seventeentrack::SeventeenTrack;
use posylka_sources::{PushError, Source, SourceError};
use posylka_store::{AnyStore, StoreError};
use tokio::sync::{Notify, watch};
use tokio::task::JoinSet;

use crate::metrics::Metrics;

pub use route::Enabled;

type Work = StoreWork<AnyStore>;
type Sink = StoreIngest<AnyStore>;

/// Numbers routed per store round trip.
const ROUTE_BATCH: usize = 1000;
/// How often the router looks for new numbers when nobody woke it.
const ROUTE_INTERVAL: Duration = Duration::from_secs(2);
/// How often the queue gauges and source-up gauges are refreshed.
const GAUGE_INTERVAL: Duration = Duration::from_secs(30);
/// How long a stop waits for rounds in flight before cutting them short (their leases expire
/// and the numbers are polled again: nothing is lost).
const STOP_GRACE: Duration = Duration::from_secs(5);

/// One source's poller.
enum Running {
    SeventeenTrack(Poller<SeventeenTrack, Work, Sink>),
    RussianPost(Poller<RussianPost, Work, Sink>),
    Cainiao(Poller<Cainiao, Work, Sink>),
}

macro_rules! each {
    ($self:expr, $p:ident => $e:expr) => {
        match $self {
            Running::SeventeenTrack($p) => $e,
            Running::RussianPost($p) => $e,
            Running::Cainiao($p) => $e,
        }
    };
}

impl Running {
    fn name(&self) -> &SourceName {
        each!(self, p => p.source().name())
    }

    fn health(&self) -> SourceHealth {
        each!(self, p => p.health())
    }

    fn wake(&self) {
        each!(self, p => p.wake());
    }

    fn spawn(&self, tasks: &mut JoinSet<()>, stop: watch::Receiver<bool>, metrics: Metrics) {
        let name = self.name().as_str().to_owned();
        let observe = move |outcome: &Result<_, _>| metrics.sources().round(&name, outcome);
        each!(self, p => {
            let p = p.clone();
            tasks.spawn(async move { p.run_observed(stopped(stop), observe).await });
        });
    }
}

/// Resolves when the stop flag is raised (or its sender is gone).
async fn stopped(mut stop: watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

/// Why polling could not start.
#[derive(Debug, thiserror::Error)]
#[error("starting the {source_name} poller: {error}")]
pub struct StartError {
    /// The source.
    pub source_name: &'static str,
    /// What failed (no secrets).
    #[source]
    pub error: SourceError,
}

/// One source's health as `/healthz` shows it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SourceStatusView {
    /// The source (`17track`, `russianpost`, `cainiao`).
    pub name: String,
    /// Whether calls go through now (circuit closed, not paused).
    pub up: bool,
    /// `closed`, `open` (down: no calls until `retry_at`) or `half_open` (one probe out).
    pub breaker: &'static str,
    /// When a source marked down is tried again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_at: Option<Timestamp>,
    /// Paused (quota used up, credentials refused) until then.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paused_until: Option<Timestamp>,
    /// The last call that succeeded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_success_at: Option<Timestamp>,
    /// The last failed call's error (no secrets, no response bodies).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// When it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_error_at: Option<Timestamp>,
}

impl SourceStatusView {
    fn new(h: &SourceHealth, now: Timestamp) -> Self {
        let (breaker, retry_at) = match h.breaker {
            BreakerState::Closed { .. } => ("closed", None),
            BreakerState::Open { until, .. } => ("open", Some(until)),
            BreakerState::HalfOpen { .. } => ("half_open", None),
        };
        Self {
            name: h.source.as_str().to_owned(),
            up: h.is_up(now),
            breaker,
            retry_at,
            paused_until: h.paused_until.filter(|p| *p > now),
            last_success_at: h.last_success_at,
            last_error: h.last_error.clone(),
            last_error_at: h.last_error_at,
        }
    }
}

/// The running pollers and router.
pub struct Polling {
    pollers: Vec<Running>,
    enabled: Enabled,
    store: AnyStore,
    stop: watch::Sender<bool>,
    route_wake: Arc<Notify>,
    tasks: Mutex<Option<JoinSet<()>>>,
}

impl std::fmt::Debug for Polling {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Polling")
            .field("enabled", &self.enabled)
            .finish_non_exhaustive()
    }
}

impl Polling {
    /// Starts a poller per configured source and the router; `None` when no source is
    /// configured.
    pub fn start(
        store: AnyStore,
        sources: &SourcesConfig,
        metrics: &Metrics,
    ) -> Result<Option<Arc<Self>>, StartError> {
        if !sources.any() {
            return Ok(None);
        }
        let config = sources.poller;
        let mut pollers = Vec::new();
        let mut enabled = Enabled::default();
        let parts = |limits| {
            (
                StoreWork::new(store.clone()),
                Budget::new(limits, config.retry.max_delay),
            )
        };
        let sink = |name: &'static str| {
            let metrics = metrics.clone();
            StoreIngest::new(store.clone()).with_observer(Arc::new(move |report| {
                metrics
                    .sources()
                    .ingested(name, report.inserted, report.duplicates);
            }))
        };
        if let Some(c) = &sources.seventeen_track {
            let (work, budget) = parts(c.limits);
            let source = SeventeenTrack::new(c.clone()).map_err(|error| StartError {
                source_name: posylka_sources::seventeentrack::NAME,
                error,
            })?;
            let sink = sink(posylka_sources::seventeentrack::NAME);
            pollers.push(Running::SeventeenTrack(Poller::new(
                source, work, sink, budget, config,
            )));
            enabled.seventeen_track = true;
        }
        if let Some(c) = &sources.russian_post {
            let (work, budget) = parts(c.limits);
            let source = RussianPost::new(c.clone()).map_err(|error| StartError {
                source_name: posylka_sources::russianpost::NAME,
                error,
            })?;
            let sink = sink(posylka_sources::russianpost::NAME);
            pollers.push(Running::RussianPost(Poller::new(
                source, work, sink, budget, config,
            )));
            enabled.russian_post = true;
        }
        if let Some(c) = &sources.cainiao {
            let (work, budget) = parts(c.limits);
            let source = Cainiao::new(c.clone()).map_err(|error| StartError {
                source_name: posylka_sources::cainiao::NAME,
                error,
            })?;
            let sink = sink(posylka_sources::cainiao::NAME);
            pollers.push(Running::Cainiao(Poller::new(
                source, work, sink, budget, config,
            )));
            enabled.cainiao = true;
        }
        let (stop, stop_rx) = watch::channel(false);
        let polling = Arc::new(Self {
            pollers,
            enabled,
            store,
            stop,
            route_wake: Arc::new(Notify::new()),
            tasks: Mutex::new(None),
        });
        let mut tasks = JoinSet::new();
        for p in &polling.pollers {
            p.spawn(&mut tasks, stop_rx.clone(), metrics.clone());
        }
        {
            let polling = Arc::clone(&polling);
            let metrics = metrics.clone();
            let stop = stop_rx.clone();
            tasks.spawn(async move { polling.route_loop(stop, metrics, config).await });
        }
        *polling.tasks.lock().unwrap_or_else(|e| e.into_inner()) = Some(tasks);
        tracing::info!(
            sources = ?polling.pollers.iter().map(|p| p.name().as_str().to_owned()).collect::<Vec<_>>(),
            "polling started"
        );
        Ok(Some(polling))
    }

    /// Which sources are configured.
    pub fn enabled(&self) -> Enabled {
        self.enabled
    }

    /// Every source's health now.
    pub fn health(&self) -> Vec<SourceStatusView> {
        let now = Timestamp::now();
        self.pollers
            .iter()
            .map(|p| SourceStatusView::new(&p.health(), now))
            .collect()
    }

    /// Asks the router to look for new numbers now (a shipment or number was just added).
    pub fn numbers_added(&self) {
        self.route_wake.notify_one();
    }

    /// "Refresh now": polls `numbers` with every configured source that can track them, as
    /// soon as each source's limits allow. Returns the sources asked, with how many numbers.
    pub async fn refresh(
        &self,
        numbers: &[TrackingNumber],
    ) -> Result<Vec<(SourceName, usize)>, StoreError> {
        let now = Timestamp::now();
        let mut by_source: Vec<(SourceName, Vec<TrackingNumber>)> = Vec::new();
        for number in numbers {
            for source in route::sources_for(number, self.enabled) {
                match by_source.iter_mut().find(|(s, _)| *s == source) {
                    Some((_, list)) => list.push(number.clone()),
                    None => by_source.push((source, vec![number.clone()])),
                }
            }
        }
        let mut asked = Vec::new();
        for (source, list) in by_source {
            self.store.poll_now(&source, &list, now).await?;
            if let Some(p) = self.pollers.iter().find(|p| *p.name() == source) {
                p.wake();
            }
            asked.push((source, list.len()));
        }
        Ok(asked)
    }

    /// Verifies and stores a source's own push (17TRACK's webhook), when that source is
    /// configured and pushes. `None`: no such source here.
    pub async fn source_push(
        &self,
        source: &str,
        signature: impl Fn(&'static str) -> Option<String>,
        body: &[u8],
    ) -> Option<Result<usize, SourcePushError>> {
        let Some(Running::SeventeenTrack(p)) =
            self.pollers.iter().find(|p| p.name().as_str() == source)
        else {
            return None;
        };
        let header = p.source().push_signature_header()?;
        let signature = signature(header);
        let notices = match p.source().parse_push(signature.as_deref(), body) {
            Ok(n) => n,
            Err(e) => return Some(Err(SourcePushError::Refused(e))),
        };
        Some(
            p.accept_push(&notices)
                .await
                .map_err(|e| SourcePushError::Store(e.to_string())),
        )
    }

    /// Stops every task: rounds in flight get [`STOP_GRACE`] to finish, then are cut short
    /// (their leases expire and their numbers are polled again later; nothing is lost).
    pub async fn shutdown(&self) {
        let _ = self.stop.send(true);
        let tasks = self.tasks.lock().unwrap_or_else(|e| e.into_inner()).take();
        let Some(mut tasks) = tasks else { return };
        let drained = tokio::time::timeout(STOP_GRACE, async {
            while tasks.join_next().await.is_some() {}
        })
        .await;
        if drained.is_err() {
            tracing::info!(
                "poll rounds still running at shutdown were cut short; their numbers will be polled again"
            );
            tasks.shutdown().await;
        }
    }

    /// Routes newly linked numbers to their sources, and refreshes the gauges, until stopped.
    async fn route_loop(
        &self,
        mut stop: watch::Receiver<bool>,
        metrics: Metrics,
        config: PollerConfig,
    ) {
        let mut last_gauges: Option<tokio::time::Instant> = None;
        loop {
            match self.route_new_numbers().await {
                Ok(woken) => {
                    for p in self.pollers.iter().filter(|p| woken.contains(p.name())) {
                        p.wake();
                    }
                }
                Err(e) => tracing::warn!(error = %e, "routing new numbers to sources failed"),
            }
            if last_gauges.is_none_or(|t| t.elapsed() >= GAUGE_INTERVAL) {
                last_gauges = Some(tokio::time::Instant::now());
                let now = Timestamp::now();
                for p in &self.pollers {
                    metrics
                        .sources()
                        .up(p.name().as_str(), p.health().is_up(now));
                }
                match self.store.queue_stats(now).await {
                    Ok(stats) => {
                        for (source, s) in stats {
                            metrics.sources().queue(source.as_str(), &s);
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "reading the poll queue's counts failed"),
                }
            }
            let wait = ROUTE_INTERVAL.min(config.idle_wait.max(Duration::from_millis(100)));
            tokio::select! {
                _ = stop.wait_for(|s| *s) => return,
                () = tokio::time::sleep(wait) => {}
                () = self.route_wake.notified() => {}
            }
        }
    }

    /// Queues unrouted numbers with their sources; returns the sources that got entries.
    async fn route_new_numbers(&self) -> Result<Vec<SourceName>, StoreError> {
        let mut woken: Vec<SourceName> = Vec::new();
        loop {
            let batch = self.store.unrouted_numbers(ROUTE_BATCH).await?;
            if batch.is_empty() {
                return Ok(woken);
            }
            let full = batch.len() == ROUTE_BATCH;
            let routes: Vec<Route> = batch
                .into_iter()
                .map(|u| {
                    let sources = route::sources_for(&u.number, self.enabled);
                    for s in &sources {
                        if !woken.contains(s) {
                            woken.push(s.clone());
                        }
                    }
                    Route {
                        number: u.number,
                        sources,
                        since: u.linked_at,
                    }
                })
                .collect();
            self.store.route_numbers(&routes, Timestamp::now()).await?;
            if !full {
                return Ok(woken);
            }
        }
    }
}

/// Why a source's own push was not stored.
#[derive(Debug, thiserror::Error)]
pub enum SourcePushError {
    /// The push was refused (signature, shape).
    #[error(transparent)]
    Refused(PushError),
    /// Storing its events failed.
    #[error("storing the pushed events failed: {0}")]
    Store(String),
}
