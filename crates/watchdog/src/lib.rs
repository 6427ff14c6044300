//! The watchdog: reads one shipment (its numbers, order and timeline) at an instant `now` and
//! says what is happening, how sure it is, what to do and by when.
//!
//! - [`check`] is pure and fast (no I/O, no allocation beyond the findings, no string
//!   formatting): a server re-evaluates a million shipments with it. Its [`Report`] holds the
//!   current milestone, the buyer-protection deadline, the [`Eta`], the [`Finding`]s and
//!   [`Report::next_check_at`], the earliest instant at which a rule's result could change
//!   without a new event, so a caller re-evaluates only shipments that changed or hit a
//!   deadline.
//! - Every rule is a small pure function (`src/rules/`), with its own tests including the
//!   boundaries; a property test checks `next_check_at` on random journeys. Each finding has a
//!   stable [`FindingCode`] (snake_case in JSON), a [`Severity`], an optional `due_at` and the
//!   [`Facts`] its message and draft need.
//! - Text is produced only on demand: [`Finding::message`] in Russian or English (Fluent files
//!   under `locales/`, embedded at compile time), dates in the user's time zone, and
//!   [`Finding::draft`], the message to the seller or the dispute text, in English as
//!   marketplaces require.
//! - Every threshold is configuration ([`Config`]): per marketplace, with the defaults in the
//!   embedded `data/watchdog.toml`, overridable by [`Config::from_toml`].
//!
//! ```
//! use jiff::Timestamp;
//! use posylka_core::order::Order;
//! use posylka_core::shipment::TrackingNumber;
//! use posylka_core::timeline::Timeline;
//! use posylka_watchdog::{check, Config, FindingCode, Lang, Subject};
//!
//! let numbers = [TrackingNumber::parse("RS123456785CN").unwrap()];
//! let mut order = Order::new("aliexpress", "8123456789012345").unwrap();
//! order.shipped_at = Some("2024-05-01T10:00:00+08:00".parse().unwrap());
//! order.protection_days = Some(60);
//! let timeline = Timeline::default();
//! let subject = Subject::new(&numbers, &timeline, Timestamp::UNIX_EPOCH).with_order(&order);
//!
//! let now: Timestamp = "2024-05-14T00:00:00Z".parse().unwrap();
//! let report = check(&subject, now, &Config::default());
//! let finding = &report.findings[0];
//! assert_eq!(finding.code, FindingCode::NoTrackingInfo);
//! assert!(finding.draft(&jiff::tz::TimeZone::UTC).is_some());
//! assert!(finding.message(Lang::Ru, &jiff::tz::TimeZone::UTC).contains("RS123456785CN"));
//! ```

use jiff::Timestamp;
use posylka_core::Milestone;
use posylka_core::order::Order;
use posylka_core::shipment::TrackingNumber;
use posylka_core::store::ShipmentTimeline;
use posylka_core::timeline::Timeline;
use serde::Serialize;

pub mod config;
pub mod eta;
pub mod finding;
pub mod messages;
mod rules;
mod view;

pub use config::{Config, ConfigError, MarketplaceRules};
pub use eta::{Eta, EtaBasis, Lane, LaneHistory, ServiceClass};
pub use finding::{
    DisputeReason, DutyEstimate, Facts, Finding, FindingCode, NumberProblem, PriceFact, PricePrior,
    Severity, Stage,
};
pub use messages::Lang;

/// What the watchdog reads: one shipment at its current state. Build it with
/// [`Subject::new`] and the `with_*` methods (the struct may grow).
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct Subject<'a> {
    /// The shipment's tracking numbers, oldest link first; the first is the main one.
    pub numbers: &'a [TrackingNumber],
    /// The marketplace order, if known: without it there is no protection clock.
    pub order: Option<&'a Order>,
    /// The merged timeline.
    pub timeline: &'a Timeline,
    /// When the user started following the shipment: the fallback for "shipped" when the
    /// order does not say.
    pub created_at: Timestamp,
    /// Delivery durations of earlier shipments on this shipment's [`Lane`], for the ETA.
    pub history: Option<&'a LaneHistory>,
}

impl<'a> Subject<'a> {
    /// A shipment with numbers and timeline, no order and no lane history.
    pub fn new(
        numbers: &'a [TrackingNumber],
        timeline: &'a Timeline,
        created_at: Timestamp,
    ) -> Self {
        Self {
            numbers,
            order: None,
            timeline,
            created_at,
            history: None,
        }
    }

    /// Adds the order.
    #[must_use]
    pub fn with_order(mut self, order: &'a Order) -> Self {
        self.order = Some(order);
        self
    }

    /// Adds the lane's delivery history (see [`eta::lane`]).
    #[must_use]
    pub fn with_history(mut self, history: &'a LaneHistory) -> Self {
        self.history = Some(history);
        self
    }

    /// The shipment's [`Lane`]: what the ETA and the lane history are keyed on.
    pub fn lane(&self) -> Lane {
        eta::lane(self.numbers, self.order, self.timeline)
    }

    /// When the parcel was shipped, as well as the watchdog can tell: the order's
    /// `shipped_at`, else its `placed_at`, else the earlier of the first event and
    /// `created_at`. Deadlines and day counts start here.
    pub fn shipped_at(&self) -> Timestamp {
        view::shipped_anchor(self).0
    }

    /// How long delivery took, for a delivered shipment: from [`Subject::shipped_at`] to the
    /// delivered event. What a caller collects into a [`LaneHistory`].
    pub fn delivery_duration(&self) -> Option<jiff::SignedDuration> {
        let status = self.timeline.status()?;
        (status.milestone == Milestone::Delivered)
            .then(|| status.at.instant().duration_since(self.shipped_at()))
    }
}

/// What the watchdog says about one shipment at one instant.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// The current milestone (from the timeline); `None` before the first event.
    pub milestone: Option<Milestone>,
    /// When buyer protection ends (shipped + protection days + extensions, cut short by a
    /// "delivered" event); `None` without an order.
    pub protection_ends_at: Option<Timestamp>,
    /// The estimated delivery window; `None` once the parcel is delivered, returned or lost.
    pub eta: Option<Eta>,
    /// What to tell the user, most severe first, then earliest due.
    pub findings: Vec<Finding>,
    /// The earliest instant after `now` at which some rule's result could change without a
    /// new event (a threshold is crossed, a deadline passes); `None` if none can.
    pub next_check_at: Option<Timestamp>,
}

impl Report {
    /// The finding with this code, if any.
    pub fn finding(&self, code: FindingCode) -> Option<&Finding> {
        self.findings.iter().find(|f| f.code == code)
    }

    /// The codes of the findings, in report order.
    pub fn codes(&self) -> impl Iterator<Item = FindingCode> + '_ {
        self.findings.iter().map(|f| f.code)
    }
}

/// Evaluates every rule for `subject` at `now`. Pure: the same input gives the same report.
pub fn check(subject: &Subject<'_>, now: Timestamp, config: &Config) -> Report {
    rules::run(subject, now, config)
}

/// [`check`] for a stored shipment: its numbers, timeline, creation time and order.
pub fn check_stored(stored: &ShipmentTimeline, now: Timestamp, config: &Config) -> Report {
    let numbers: Vec<TrackingNumber> = stored
        .shipment
        .numbers
        .iter()
        .map(|link| link.number.clone())
        .collect();
    let mut subject = Subject::new(&numbers, &stored.timeline, stored.shipment.created_at);
    if let Some(order) = &stored.shipment.order {
        subject = subject.with_order(order);
    }
    check(&subject, now, config)
}
