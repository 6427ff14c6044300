//! Where the watchdog plugs in: an [`Assessor`] reads a shipment with its timeline and says
//! what is wrong (findings) and when it should arrive (ETA).
//!
//! The API shows an assessment in `GET /shipments/{id}` and filters lists by finding code. The
//! shapes here ([`FindingView`], [`EtaView`]) are the API's; an assessor maps its own types to
//! them, so the API does not change when the rules do.

use jiff::Timestamp;
use posylka_store::ShipmentTimeline;
use serde::Serialize;
use utoipa::ToSchema;

/// A judgement of one shipment.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct Assessment {
    /// What needs attention, the most urgent first.
    pub findings: Vec<FindingView>,
    /// When the parcel should arrive, if it can be told.
    pub eta: Option<EtaView>,
}

/// One finding, as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct FindingView {
    /// Stable code (`no_first_scan`, `protection_ending`, ...): what lists filter on.
    pub code: String,
    /// `info`, `warning` or `action`.
    pub severity: String,
    /// The deadline to act by, if any (RFC 3339).
    #[schema(value_type = Option<String>, format = DateTime)]
    pub due_at: Option<Timestamp>,
    /// What it is about and what to do, in plain words.
    pub message: String,
    /// A ready text to send to the seller or for a dispute, if the finding calls for one.
    pub draft: Option<String>,
    /// The facts behind it (numbers, days, amounts), for display and drafts.
    #[schema(value_type = Object)]
    pub facts: serde_json::Value,
}

/// An arrival window.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct EtaView {
    /// Earliest likely arrival (RFC 3339).
    #[schema(value_type = String, format = DateTime)]
    pub earliest: Timestamp,
    /// Most likely arrival (RFC 3339).
    #[schema(value_type = String, format = DateTime)]
    pub likely: Timestamp,
    /// Latest likely arrival (RFC 3339).
    #[schema(value_type = String, format = DateTime)]
    pub latest: Timestamp,
    /// How the window was found (`lane`: past deliveries; `prior`: the service's usual).
    pub basis: String,
}

/// Judges a shipment. Implementations are pure and fast: the API calls them per request.
pub trait Assessor: Send + Sync + 'static {
    /// The assessment of `shipment` at `now`.
    fn assess(&self, shipment: &ShipmentTimeline, now: Timestamp) -> Assessment;
}

/// An assessor that finds nothing (before the watchdog, or to test the API alone).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoFindings;

impl Assessor for NoFindings {
    fn assess(&self, _: &ShipmentTimeline, _: Timestamp) -> Assessment {
        Assessment::default()
    }
}

/// The assessor the server uses by default: the watchdog with its built-in rules.
pub fn default_assessor() -> Box<dyn Assessor> {
    Box::new(crate::watchdog::WatchdogAssessor::new())
}
