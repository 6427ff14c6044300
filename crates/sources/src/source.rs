//! The source interface every connector implements, and the errors a whole call can end in.

use std::future::Future;
use std::time::Duration;

use posylka_core::shipment::TrackingNumber;
use posylka_core::timeline::SourceName;

use crate::event::{BatchReport, FetchReport, Tracked};

/// Why a whole call to a source failed (per-number failures are [`crate::NumberError`]s inside
/// a successful [`BatchReport`]).
///
/// Messages never contain keys, passwords or response bodies: a body may echo credentials
/// (SOAP) or personal data (addresses), so only its size and the parser's complaint are kept.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SourceError {
    /// No answer within the configured timeout.
    #[error("{source_name}: no answer within the timeout")]
    Timeout {
        /// The source.
        source_name: &'static str,
    },
    /// The connection failed (DNS, refused, TLS, reset).
    #[error("{source_name}: connection failed: {detail}")]
    Connect {
        /// The source.
        source_name: &'static str,
        /// What failed (no URL, no credentials).
        detail: String,
    },
    /// An HTTP status the connector does not treat specially (5xx, 404, ...).
    #[error("{source_name}: HTTP status {status}")]
    Status {
        /// The source.
        source_name: &'static str,
        /// The status code.
        status: u16,
    },
    /// Too many requests (HTTP 429): slow down; not a sign that the source is down.
    #[error("{source_name}: too many requests (HTTP 429)")]
    RateLimited {
        /// The source.
        source_name: &'static str,
        /// The source's `Retry-After`, when given.
        retry_after: Option<Duration>,
    },
    /// The account's daily request limit is used up (17TRACK `-18019907`).
    #[error("{source_name}: the daily limit of the account is used up; tracking resumes tomorrow")]
    DailyLimit {
        /// The source.
        source_name: &'static str,
    },
    /// The account's tracking quota is used up (17TRACK `-18019908`).
    #[error(
        "{source_name}: the tracking quota of the account is used up; buy more or wait for the next period"
    )]
    QuotaExhausted {
        /// The source.
        source_name: &'static str,
    },
    /// The key, login or password was refused (HTTP 401/403, a SOAP authorisation fault).
    #[error("{source_name}: credentials refused - check the configured key/login")]
    Unauthorized {
        /// The source.
        source_name: &'static str,
    },
    /// The source answered with an error code for the whole request.
    #[error("{source_name}: the source refused the request (code {code}): {message}")]
    Refused {
        /// The source.
        source_name: &'static str,
        /// The source's code (17TRACK's top-level `code`, a SOAP fault code).
        code: String,
        /// The source's message.
        message: String,
    },
    /// The body could not be read as the published shape.
    #[error("{source_name}: malformed response ({what}): {detail}")]
    Malformed {
        /// The source.
        source_name: &'static str,
        /// Which response or element.
        what: &'static str,
        /// The parser's complaint (position, field).
        detail: String,
    },
    /// The call is not possible with this configuration (missing key, invalid URL).
    #[error("{source_name}: not configured: {detail}")]
    Config {
        /// The source.
        source_name: &'static str,
        /// What is missing.
        detail: String,
    },
}

/// How the poller reacts to a failed call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// The source may be down: retry with backoff, count towards the circuit breaker.
    Outage,
    /// The source is up but we are too fast: retry later, do not count against the source.
    Throttled,
    /// A limit or quota is used up: pause the source until it resets.
    Quota,
    /// Retrying will not help until someone changes the configuration or the data.
    Permanent,
}

impl SourceError {
    /// How the poller should treat this error.
    pub fn kind(&self) -> FailureKind {
        match self {
            SourceError::Timeout { .. }
            | SourceError::Connect { .. }
            | SourceError::Malformed { .. } => FailureKind::Outage,
            SourceError::Status { status, .. } => {
                if *status >= 500 || *status == 408 {
                    FailureKind::Outage
                } else {
                    FailureKind::Permanent
                }
            }
            SourceError::RateLimited { .. } => FailureKind::Throttled,
            SourceError::DailyLimit { .. } | SourceError::QuotaExhausted { .. } => {
                FailureKind::Quota
            }
            SourceError::Unauthorized { .. }
            | SourceError::Refused { .. }
            | SourceError::Config { .. } => FailureKind::Permanent,
        }
    }

    /// The source's requested delay, if it gave one.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            SourceError::RateLimited { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// Why a push could not be accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PushError {
    /// This source has no push interface.
    #[error("this source does not push")]
    Unsupported,
    /// No push key is configured, so no push can be trusted.
    #[error("no push key is configured for this source")]
    NotConfigured,
    /// The signature header is missing.
    #[error("the push has no signature (header {header:?})")]
    MissingSignature {
        /// The header the signature is expected in.
        header: &'static str,
    },
    /// The signature does not match the body.
    #[error("the push signature does not match its body")]
    BadSignature,
    /// The body is not the published shape.
    #[error("malformed push body: {0}")]
    Malformed(String),
}

/// What a verified push said.
#[derive(Debug, Clone, PartialEq)]
pub enum PushNotice {
    /// New tracking data for a number.
    Updated {
        /// The number.
        number: TrackingNumber,
        /// What the source sent for it.
        tracked: Tracked,
    },
    /// The source stopped tracking the number (`reason` as the source says, e.g. `Expired`).
    Stopped {
        /// The number.
        number: TrackingNumber,
        /// Why, when given.
        reason: Option<String>,
    },
}

/// A tracking data source: an aggregator or a carrier API.
///
/// Async but runtime-free in its signature (`impl Future + Send`), like
/// `posylka_core::store::Store`. Every method takes a batch of at most [`Source::max_batch`]
/// numbers and reports per-number failures inside an `Ok` ([`BatchReport`]) so that one bad
/// number never fails its neighbours; `Err` means the call as a whole failed.
pub trait Source: Send + Sync {
    /// The name recorded on every event from this source (`17track`, `russianpost`, `cainiao`).
    fn name(&self) -> &SourceName;

    /// Most numbers one call may carry.
    fn max_batch(&self) -> usize;

    /// Whether numbers must be registered before they can be fetched (17TRACK). Sources that
    /// answer for any number return `false` and accept every registration as a no-op.
    fn needs_registration(&self) -> bool {
        false
    }

    /// Starts tracking numbers at the source.
    fn register(
        &self,
        numbers: &[TrackingNumber],
    ) -> impl Future<Output = Result<BatchReport<()>, SourceError>> + Send;

    /// Fetches the current events of numbers.
    fn fetch(
        &self,
        numbers: &[TrackingNumber],
    ) -> impl Future<Output = Result<FetchReport, SourceError>> + Send;

    /// Stops tracking numbers at the source (frees quota where the source counts it).
    fn stop(
        &self,
        numbers: &[TrackingNumber],
    ) -> impl Future<Output = Result<BatchReport<()>, SourceError>> + Send;

    /// The header a push's signature comes in, for sources that push.
    fn push_signature_header(&self) -> Option<&'static str> {
        None
    }

    /// Verifies and reads a push. `signature` is the value of
    /// [`Source::push_signature_header`]; `body` the raw request body, byte for byte.
    fn parse_push(
        &self,
        signature: Option<&str>,
        body: &[u8],
    ) -> Result<Vec<PushNotice>, PushError> {
        let _ = (signature, body);
        Err(PushError::Unsupported)
    }
}

/// Accepts every number: the register/stop of a source that tracks on demand.
pub(crate) fn accept_all(numbers: &[TrackingNumber]) -> BatchReport<()> {
    BatchReport {
        ok: numbers.iter().map(|n| (n.clone(), ())).collect(),
        failed: Vec::new(),
    }
}
