//! Prometheus metrics (OpenMetrics text at `/metrics`).
//!
//! Labels are bounded: the route is the matched template (`/api/v1/shipments/{id}`), never the
//! request path, so a scan of random paths cannot grow the registry.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::state::AppState;

/// Labels of a request count.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    /// HTTP method.
    pub method: String,
    /// Matched route template, or `unmatched`.
    pub route: String,
    /// Response status code.
    pub status: u16,
}

/// Labels of a latency sample.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    /// HTTP method.
    pub method: String,
    /// Matched route template, or `unmatched`.
    pub route: String,
}

/// Labels of ingested records.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct IngestLabels {
    /// `inserted`, `duplicate` or `skipped` (number followed by nobody).
    pub outcome: &'static str,
}

/// Labels of findings.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct FindingLabels {
    /// The finding's code.
    pub code: String,
}

/// Labels of notifications.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct NotificationLabels {
    /// `email`, `webhook`, `telegram`.
    pub channel: String,
    /// `sent` or `failed`.
    pub outcome: &'static str,
}

type LatencyFamily = Family<RouteLabels, Histogram, fn() -> Histogram>;

fn latency_histogram() -> Histogram {
    // 0.25 ms to about 4 s.
    Histogram::new(exponential_buckets(0.000_25, 2.0, 15))
}

/// The server's metrics.
#[derive(Clone)]
pub struct Metrics {
    registry: Arc<Mutex<Registry>>,
    requests: Family<RequestLabels, Counter>,
    latency: LatencyFamily,
    ingest: Family<IngestLabels, Counter>,
    findings: Family<FindingLabels, Counter>,
    notifications: Family<NotificationLabels, Counter>,
    sources: crate::poll::SourceMetrics,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// A registry with every metric registered.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("posylka");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register("http_requests", "HTTP requests answered", requests.clone());
        let latency: LatencyFamily = Family::new_with_constructor(latency_histogram);
        registry.register(
            "http_request_duration_seconds",
            "Time to answer an HTTP request",
            latency.clone(),
        );
        let ingest = Family::<IngestLabels, Counter>::default();
        registry.register(
            "ingest_records",
            "Carrier event records received, by outcome",
            ingest.clone(),
        );
        let findings = Family::<FindingLabels, Counter>::default();
        registry.register(
            "findings_reported",
            "Findings reported by shipment assessments, by code",
            findings.clone(),
        );
        let notifications = Family::<NotificationLabels, Counter>::default();
        registry.register(
            "notifications",
            "Notifications delivered or failed, by channel",
            notifications.clone(),
        );
        let sources = crate::poll::SourceMetrics::register(&mut registry);
        Self {
            sources,
            registry: Arc::new(Mutex::new(registry)),
            requests,
            latency,
            ingest,
            findings,
            notifications,
        }
    }

    /// Counts ingested records.
    pub fn ingested(&self, inserted: usize, duplicates: usize, skipped: usize) {
        for (outcome, n) in [
            ("inserted", inserted),
            ("duplicate", duplicates),
            ("skipped", skipped),
        ] {
            if n > 0 {
                self.ingest
                    .get_or_create(&IngestLabels { outcome })
                    .inc_by(n as u64);
            }
        }
    }

    /// Counts a reported finding.
    pub fn finding(&self, code: &str) {
        self.findings
            .get_or_create(&FindingLabels {
                code: code.to_owned(),
            })
            .inc();
    }

    /// Counts a notification attempt's outcome.
    pub fn notification(&self, channel: &str, sent: bool) {
        self.notifications
            .get_or_create(&NotificationLabels {
                channel: channel.to_owned(),
                outcome: if sent { "sent" } else { "failed" },
            })
            .inc();
    }

    /// The pollers' metrics (polls, stored records, source errors, source up, queue).
    pub fn sources(&self) -> &crate::poll::SourceMetrics {
        &self.sources
    }

    /// The OpenMetrics text of every metric.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        let registry = self
            .registry
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &registry);
        out
    }
}

/// Middleware: counts every request and times it, labelled by route template.
pub async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().as_str().to_owned();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let response = next.run(request).await;
    let metrics = state.metrics();
    metrics
        .latency
        .get_or_create(&RouteLabels {
            method: method.clone(),
            route: route.clone(),
        })
        .observe(started.elapsed().as_secs_f64());
    metrics
        .requests
        .get_or_create(&RequestLabels {
            method,
            route,
            status: response.status().as_u16(),
        })
        .inc();
    response
}

/// `GET /metrics`.
pub async fn serve_metrics(State(state): State<AppState>) -> Response {
    let mut response = state.metrics().encode().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
    );
    response
}
