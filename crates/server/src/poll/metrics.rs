//! The pollers' metrics, registered in the server's registry ([`crate::metrics::Metrics`]).
//! Labels are bounded: the source is one of the configured sources, the state and outcome
//! fixed words.

use posylka_core::store::polling::QueueStats;
use posylka_sources::poller::{PollerError, RoundReport};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

/// A source.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct SourceLabel {
    /// `17track`, `russianpost`, `cainiao`.
    pub source: String,
}

/// A source and an outcome or state.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct SourceStateLabels {
    /// The source.
    pub source: String,
    /// `polled`/`failed` (numbers), `inserted`/`duplicate` (records), or a queue state.
    pub state: &'static str,
}

/// The pollers' metrics.
#[derive(Debug, Clone, Default)]
pub struct SourceMetrics {
    numbers: Family<SourceStateLabels, Counter>,
    records: Family<SourceLabel, Counter>,
    ingested: Family<SourceStateLabels, Counter>,
    errors: Family<SourceLabel, Counter>,
    up: Family<SourceLabel, Gauge>,
    queue: Family<SourceStateLabels, Gauge>,
}

impl SourceMetrics {
    /// Registers every metric in `registry`.
    pub fn register(registry: &mut Registry) -> Self {
        let m = Self::default();
        registry.register(
            "source_numbers",
            "Numbers polled by source: answered (polled) or failed",
            m.numbers.clone(),
        );
        registry.register(
            "source_records",
            "Event records fetched from sources (before de-duplication)",
            m.records.clone(),
        );
        registry.register(
            "source_ingested",
            "Polled event records stored (inserted) or already stored (duplicate)",
            m.ingested.clone(),
        );
        registry.register(
            "source_errors",
            "Source calls that failed after their retries, and failed poll rounds",
            m.errors.clone(),
        );
        registry.register(
            "source_up",
            "1 while the source is usable (circuit closed, not paused), else 0",
            m.up.clone(),
        );
        registry.register(
            "poll_queue_entries",
            "Poll-queue entries by source and state (active, due, leased, failing, stopped)",
            m.queue.clone(),
        );
        m
    }

    fn label(source: &str) -> SourceLabel {
        SourceLabel {
            source: source.to_owned(),
        }
    }

    fn state(source: &str, state: &'static str) -> SourceStateLabels {
        SourceStateLabels {
            source: source.to_owned(),
            state,
        }
    }

    /// Counts one poll round's outcome.
    pub fn round(&self, source: &str, outcome: &Result<RoundReport, PollerError>) {
        match outcome {
            Ok(r) => {
                let count = |n: usize| n as u64;
                if r.polled > 0 {
                    self.numbers
                        .get_or_create(&Self::state(source, "polled"))
                        .inc_by(count(r.polled));
                }
                if r.failed > 0 {
                    self.numbers
                        .get_or_create(&Self::state(source, "failed"))
                        .inc_by(count(r.failed));
                }
                if r.records > 0 {
                    self.records
                        .get_or_create(&Self::label(source))
                        .inc_by(count(r.records));
                }
                if r.failed_calls > 0 {
                    self.errors
                        .get_or_create(&Self::label(source))
                        .inc_by(count(r.failed_calls));
                }
            }
            Err(_) => {
                self.errors.get_or_create(&Self::label(source)).inc();
            }
        }
    }

    /// Counts stored records.
    pub fn ingested(&self, source: &str, inserted: usize, duplicates: usize) {
        for (state, n) in [("inserted", inserted), ("duplicate", duplicates)] {
            if n > 0 {
                self.ingested
                    .get_or_create(&Self::state(source, state))
                    .inc_by(n as u64);
            }
        }
    }

    /// Sets whether a source is up.
    pub fn up(&self, source: &str, up: bool) {
        self.up
            .get_or_create(&Self::label(source))
            .set(i64::from(up));
    }

    /// Sets a source's queue counts.
    pub fn queue(&self, source: &str, s: &QueueStats) {
        for (state, n) in [
            ("active", s.active),
            ("due", s.due),
            ("leased", s.leased),
            ("failing", s.failing),
            ("stopped", s.stopped),
        ] {
            self.queue
                .get_or_create(&Self::state(source, state))
                .set(i64::try_from(n).unwrap_or(i64::MAX));
        }
    }
}
