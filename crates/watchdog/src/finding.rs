//! Findings: what a rule says, as data. Text is made from them only on demand
//! ([`Finding::message`], [`Finding::draft`] in [`crate::messages`]).

use jiff::Timestamp;
use jiff::civil::Date;
use posylka_core::Reason;
use posylka_core::order::{Currency, Price};
use serde::Serialize;

/// Defines the finding codes with their stable keys, written once.
macro_rules! codes {
    ($( $(#[$meta:meta])* $variant:ident = $key:literal ),+ $(,)?) => {
        /// A finding's stable code: snake_case in JSON, never renamed.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        #[serde(rename_all = "snake_case")]
        pub enum FindingCode {
            $( $(#[$meta])* $variant ),+
        }

        impl FindingCode {
            /// Every code, in declaration order.
            pub const ALL: &'static [FindingCode] = &[ $( FindingCode::$variant ),+ ];

            /// The stable key (`no_tracking_info`).
            pub const fn key(self) -> &'static str {
                match self { $( FindingCode::$variant => $key ),+ }
            }
        }
    };
}

codes! {
    /// A "tracking number" of the shipment is a marketplace order number.
    OrderNumberNotTracking = "order_number_not_tracking",
    /// A number fails its check digit, or no format fits.
    InvalidNumber = "invalid_number",
    /// A number is tracked only in its origin country: tracking stops after export.
    DomesticNumber = "domestic_number",
    /// No events yet, but it is early: normal.
    AwaitingFirstEvent = "awaiting_first_event",
    /// No events long after shipment: write to the seller.
    NoTrackingInfo = "no_tracking_info",
    /// The number never got past its first events: probably not this parcel's number.
    SuspectedFakeTracking = "suspected_fake_tracking",
    /// It moved, then nothing for longer than its stage allows.
    Stalled = "stalled",
    /// Delivered or at pickup somewhere other than the destination: someone else's parcel.
    DeliveredElsewhere = "delivered_elsewhere",
    /// Buyer protection ends soon and the parcel is not delivered.
    ProtectionEnding = "protection_ending",
    /// Time to open a dispute (draft included).
    OpenDispute = "open_dispute",
    /// Not delivered long after shipment: eligible for a full refund.
    Overdue = "overdue",
    /// Customs needs the recipient's identity data.
    CustomsDataRequired = "customs_data_required",
    /// Held by customs for another reason.
    CustomsHold = "customs_hold",
    /// The order's value is over the duty-free limit.
    DutyDue = "duty_due",
    /// A delivery attempt failed.
    DeliveryAttemptFailed = "delivery_attempt_failed",
    /// Waiting at a post office, pickup point or locker.
    AvailableForPickup = "available_for_pickup",
    /// Being returned, or returned, to the sender.
    ReturningToSender = "returning_to_sender",
    /// Declared lost.
    Lost = "lost",
    /// Delivered where expected.
    Delivered = "delivered",
}

impl std::fmt::Display for FindingCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.key())
    }
}

/// How much a finding needs the user: `info < warning < action`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Nothing to do; good to know.
    Info,
    /// Something may be wrong; watch it.
    Warning,
    /// Do something (by `due_at` when set).
    Action,
}

impl Severity {
    /// The stable key.
    pub const fn key(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Action => "action",
        }
    }
}

/// One thing the watchdog says about a shipment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// The stable code.
    pub code: FindingCode,
    /// How much it needs the user.
    pub severity: Severity,
    /// The deadline for the action, if there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_at: Option<Timestamp>,
    /// What the message and the draft are made of.
    pub facts: Facts,
}

impl Finding {
    /// A finding with no deadline and no facts yet.
    pub fn new(code: FindingCode, severity: Severity) -> Self {
        Self {
            code,
            severity,
            due_at: None,
            facts: Facts::default(),
        }
    }

    /// Sets the deadline.
    #[must_use]
    pub fn due(mut self, due_at: Option<Timestamp>) -> Self {
        self.due_at = due_at;
        self
    }

    /// Sets the facts.
    #[must_use]
    pub fn with(mut self, facts: Facts) -> Self {
        self.facts = facts;
        self
    }
}

/// What a finding's message and draft need. Which fields are set depends on the code; unset
/// ones are left out of JSON.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Facts {
    /// The tracking number the finding is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    /// What is wrong with that number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number_problem: Option<NumberProblem>,
    /// When the period the finding counts began: shipment, last event, customs request,
    /// arrival at the pickup point, delivery.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since: Option<Timestamp>,
    /// Whole days from `since` to now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub days: Option<u32>,
    /// Whole days left until `due_at` (for deadlines).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub days_left: Option<u32>,
    /// The threshold that applied, in days.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit_days: Option<u32>,
    /// Where the parcel is on its route (for `stalled`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stage: Option<Stage>,
    /// A country: the number's (domestic) or where it was delivered (elsewhere).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// The order's destination country.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected_country: Option<String>,
    /// The postcode the event names.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub postcode: Option<String>,
    /// The order's destination postcode.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected_postcode: Option<String>,
    /// The event's location text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// Who reported the event (the source's name).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub carrier: Option<String>,
    /// The event's reason (refused, address issue, payment due...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<Reason>,
    /// When buyer protection ends.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protection_ends_at: Option<Timestamp>,
    /// The protection period in days, extensions included.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protection_days: Option<u32>,
    /// The protection period is the marketplace default, not the order's own.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub protection_assumed: bool,
    /// The order's price.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price: Option<PriceFact>,
    /// What the price says about whether the parcel is tracked at all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price_prior: Option<PricePrior>,
    /// Why a dispute is due.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dispute_reason: Option<DisputeReason>,
    /// The first instant the marketplace lets a dispute be opened, when that is later than now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dispute_from: Option<Timestamp>,
    /// The protection period has ended (a dispute is still possible for a while).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub protection_ended: bool,
    /// A dispute is already open.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub dispute_open: bool,
    /// The buyer wrote to the seller at this instant.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seller_contacted_at: Option<Timestamp>,
    /// The return is complete (not only under way).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub returned: bool,
    /// One of the shipment's numbers looked fake (for the feedback after delivery).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub fake_track: bool,
    /// The duty estimate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duty: Option<DutyEstimate>,
    /// The current milestone (what the tracking shows).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub milestone: Option<posylka_core::Milestone>,
    /// The marketplace order number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_number: Option<String>,
    /// When the parcel was shipped (or the best guess, see [`crate::Subject::shipped_at`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shipped_at: Option<Timestamp>,
}

/// What is wrong with a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum NumberProblem {
    /// A format fits but the check digit is wrong: a typo, or an invented number.
    CheckDigit {
        /// The digit the format expects.
        expected: char,
        /// The digit the number has.
        found: char,
    },
    /// Shaped like an S10 number, but the suffix is no postal country.
    UnknownCountry,
    /// Serial 00000000: passes the check digit but is never used for real items.
    SuspiciousSerial,
    /// No known format fits.
    UnknownFormat,
}

/// Where a parcel is on its route, for the stall thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Moving inside the origin country, or left it: the international leg.
    International,
    /// In the destination country, before customs or after it.
    Destination,
    /// At customs in the destination country.
    Customs,
    /// With the courier for delivery.
    OutForDelivery,
}

/// A price as stated on the order, for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PriceFact {
    /// Hundredths of the currency unit.
    pub cents: i64,
    /// ISO 4217 code.
    #[serde(serialize_with = "currency_key")]
    pub currency: Currency,
}

fn currency_key<S: serde::Serializer>(currency: &Currency, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(currency.as_str())
}

impl From<Price> for PriceFact {
    fn from(price: Price) -> Self {
        Self {
            cents: price.cents(),
            currency: price.currency(),
        }
    }
}

impl std::fmt::Display for PriceFact {
    /// `12.34 USD`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}.{:02} {}",
            self.cents / 100,
            self.cents % 100,
            self.currency
        )
    }
}

/// What the price says about tracking (DOMAIN.md: under $5 rarely tracked, if at all only to
/// the origin border; under $10 usually; over $10 always).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PricePrior {
    /// Cheaper than the "rarely tracked" limit.
    RarelyTracked,
    /// Between the limits.
    UsuallyTracked,
    /// Dearer than the "always tracked" limit.
    AlwaysTracked,
}

/// Why a dispute is due, which picks its draft.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DisputeReason {
    /// No tracking information at all.
    NoTracking,
    /// The number never got past its first events.
    FakeTracking,
    /// Tracking stopped.
    Stalled,
    /// The seller was asked and has not answered.
    SellerSilent,
    /// Protection ends soon and the parcel is not here.
    ProtectionEnding,
    /// The parcel is going back, or went back, to the seller.
    Returning,
    /// The carrier declared it lost.
    Lost,
    /// Not delivered within the marketplace's maximum delivery time.
    Overdue,
}

/// An estimate of the import duty.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct DutyEstimate {
    /// The order's value in euro cents.
    pub value_eur_cents: i64,
    /// The duty-free limit in euros.
    pub limit_eur: u32,
    /// The estimated duty in euro cents.
    pub duty_eur_cents: i64,
    /// The duty in the order's currency, in hundredths (when a rate is known).
    pub duty_order_cents: Option<i64>,
    /// The rate, in percent.
    pub rate_percent: f64,
    /// The rate applies to the whole value (the 2026 e-commerce regime), not the excess.
    pub on_whole_value: bool,
    /// The day the applied regime took effect.
    pub regime_from: Date,
}
