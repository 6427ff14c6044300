//! Posylka's journey simulator: realistic, seeded shipment documents for every story the
//! watchdog tells, for tests, demos and benchmarks.
//!
//! Each [`Simulated`] document is one parcel: its tracking numbers (valid ones with correct
//! check digits, or the deliberately fake, invalid or order numbers of some stories), its
//! marketplace order, and the carriers' events in their own languages and codes (China Post,
//! Cainiao, Yanwen, YunExpress, EMS, DHL, Russian Post, CDEK, Boxberry, Kazpost, Belpost...),
//! laid out on the lane's real timings. It carries the [`Story`] it tells, the instant `now` at
//! which it is to be judged, and the finding codes ([`Code`]) the watchdog should report then.
//!
//! Pure and deterministic: document `i` of a run depends only on the seed, `now`, the story
//! selection and `i`, so a run streams any number of documents without holding them
//! ([`Simulation::documents`] is an iterator) and the same inputs give the same bytes.
//!
//! ```
//! use posylka_simulate::{Simulation, Story};
//!
//! let now = "2025-06-01T09:00:00Z".parse().unwrap();
//! let sim = Simulation::new(7, now).unwrap().with_stories(&[Story::Delivered]);
//! let doc = sim.document(0);
//! assert_eq!(doc.story, Story::Delivered);
//! assert_eq!(doc.expect_keys().collect::<Vec<_>>(), ["delivered"]);
//! assert!(!doc.document.events.is_empty());
//! assert_eq!(sim.document(0), doc);
//! ```

mod journey;
mod numbers;
mod places;
mod rng;
mod stories;
mod time;
mod vocab;

use std::fmt;
use std::str::FromStr;

use jiff::Timestamp;
use posylka_core::document::ShipmentDocument;
use posylka_core::shipment::Leg;
use posylka_core::{Milestone, Side};
use serde::{Serialize, Serializer};

pub use journey::Lane;
pub use vocab::{Phrase, Step, Voice, phrases};

/// Defines a keyed enum: snake_case keys for JSON and the command line, `ALL`, `FromStr`.
macro_rules! keyed {
    ($(#[$meta:meta])* $name:ident, $what:literal {
        $( $(#[$vmeta:meta])* $variant:ident = $key:literal ),+ $(,)?
    }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[ $( $name::$variant ),+ ];

            /// The stable snake_case key.
            pub const fn key(self) -> &'static str {
                match self { $( $name::$variant => $key ),+ }
            }
        }

        impl FromStr for $name {
            type Err = UnknownKey;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $name::ALL
                    .iter()
                    .copied()
                    .find(|v| v.key() == s.trim())
                    .ok_or_else(|| UnknownKey {
                        what: $what,
                        given: s.chars().take(64).collect(),
                        expected: $name::ALL.iter().map(|v| v.key()).collect::<Vec<_>>().join(", "),
                    })
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.key())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.key())
            }
        }
    };
}

keyed! {
    /// The situation a simulated parcel is in: one per thing the watchdog tells a buyer, plus
    /// the healthy parcel in transit that must raise nothing.
    Story, "story" {
        /// Tracked and moving normally: no finding.
        InTransit = "in_transit",
        /// Delivered where expected.
        Delivered = "delivered",
        /// Waiting at the buyer's post office, pickup point or locker.
        AvailableForPickup = "available_for_pickup",
        /// The courier or postman could not deliver.
        DeliveryAttemptFailed = "delivery_attempt_failed",
        /// Shipped a few days ago, no events yet: normal.
        AwaitingFirstEvent = "awaiting_first_event",
        /// Shipped 10+ days ago and the number has no events at all.
        NoTrackingInfo = "no_tracking_info",
        /// An untracked parcel with a number that never moves past its first events.
        SuspectedFakeTracking = "suspected_fake_tracking",
        /// The buyer's "tracking number" is the marketplace order number.
        OrderNumber = "order_number",
        /// The number fails its check digit or fits no format (a typo).
        InvalidNumber = "invalid_number",
        /// A number tracked only in China: it goes dark after export.
        DomesticNumber = "domestic_number",
        /// It moved, then nothing for longer than its stage allows.
        Stalled = "stalled",
        /// Declared lost.
        Lost = "lost",
        /// On its way back to the seller (refused, unclaimed, refused by customs).
        ReturningToSender = "returning_to_sender",
        /// Held by customs for a reason other than identity data.
        CustomsHold = "customs_hold",
        /// Customs asks for the recipient's passport data.
        CustomsDataRequired = "customs_data_required",
        /// Worth more than the duty-free limit.
        DutyDue = "duty_due",
        /// Delivered or waiting in another city or country: someone else's parcel.
        DeliveredElsewhere = "delivered_elsewhere",
        /// Not delivered, and buyer protection ends in 8 to 10 days.
        ProtectionEnding = "protection_ending",
        /// Time to open a dispute: protection ends within a week, or the seller is silent.
        OpenDispute = "open_dispute",
        /// More than 60 days since shipment and still not delivered.
        Overdue = "overdue",
    }
}

keyed! {
    /// A watchdog finding code, as the watchdog's JSON spells it.
    Code, "finding code" {
        /// A "tracking number" is an order number.
        OrderNumberNotTracking = "order_number_not_tracking",
        /// A number fails its check digit or fits no format.
        InvalidNumber = "invalid_number",
        /// A number tracked only in its origin country.
        DomesticNumber = "domestic_number",
        /// No events yet, early: normal.
        AwaitingFirstEvent = "awaiting_first_event",
        /// No events 10+ days after shipment.
        NoTrackingInfo = "no_tracking_info",
        /// Never past its first events for 10+ days.
        SuspectedFakeTracking = "suspected_fake_tracking",
        /// No new event for longer than the stage allows.
        Stalled = "stalled",
        /// Delivered or at pickup somewhere else.
        DeliveredElsewhere = "delivered_elsewhere",
        /// Protection ends within 10 days, not delivered.
        ProtectionEnding = "protection_ending",
        /// Open a dispute now.
        OpenDispute = "open_dispute",
        /// More than 60 days, not delivered.
        Overdue = "overdue",
        /// Customs needs identity data.
        CustomsDataRequired = "customs_data_required",
        /// Held by customs.
        CustomsHold = "customs_hold",
        /// Over the duty-free limit.
        DutyDue = "duty_due",
        /// A delivery attempt failed.
        DeliveryAttemptFailed = "delivery_attempt_failed",
        /// Waiting for pickup.
        AvailableForPickup = "available_for_pickup",
        /// Returning to the sender.
        ReturningToSender = "returning_to_sender",
        /// Lost.
        Lost = "lost",
        /// Delivered where expected.
        Delivered = "delivered",
    }
}

/// A name that is not a [`Story`] or [`Code`] key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} {given:?}: expected one of {expected}")]
pub struct UnknownKey {
    what: &'static str,
    given: String,
    expected: String,
}

/// How a run picks each document's story.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mix {
    /// The selected stories in turn: document `i` tells story `i mod n`, so every story
    /// appears in any run of at least `n` documents.
    #[default]
    Even,
    /// Drawn by how often each situation happens in real life (most parcels are delivered or
    /// in transit), for demos and benchmarks.
    Realistic,
}

/// Why a simulation cannot start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SimulateError {
    /// `now` is outside the years the simulator lays journeys in.
    #[error("now {0} is out of range: expected an instant between 2001 and 2199")]
    NowOutOfRange(Timestamp),
}

/// The default `now` when none is given: fixed, so the same seed and count give the same
/// bytes on any day.
pub const DEFAULT_NOW: &str = "2025-06-01T09:00:00Z";

/// A run's settings: seed, the instant every document is judged at, which stories, how mixed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Simulation {
    seed: u64,
    now: Timestamp,
    stories: Vec<Story>,
    mix: Mix,
}

impl Simulation {
    /// A run of every story in turn, judged at `now`.
    pub fn new(seed: u64, now: Timestamp) -> Result<Simulation, SimulateError> {
        let year = now.to_zoned(jiff::tz::TimeZone::UTC).year();
        if !(2001..=2199).contains(&year) {
            return Err(SimulateError::NowOutOfRange(now));
        }
        Ok(Simulation {
            seed,
            now,
            stories: Story::ALL.to_vec(),
            mix: Mix::Even,
        })
    }

    /// Only these stories (repeats removed); an empty list keeps every story.
    #[must_use]
    pub fn with_stories(mut self, stories: &[Story]) -> Simulation {
        let mut chosen: Vec<Story> = Vec::with_capacity(stories.len());
        for s in stories {
            if !chosen.contains(s) {
                chosen.push(*s);
            }
        }
        if !chosen.is_empty() {
            self.stories = chosen;
        }
        self
    }

    /// How stories are drawn.
    #[must_use]
    pub fn with_mix(mut self, mix: Mix) -> Simulation {
        self.mix = mix;
        self
    }

    /// The instant every document is judged at.
    pub fn now(&self) -> Timestamp {
        self.now
    }

    /// The seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Document number `index` of the run.
    pub fn document(&self, index: u64) -> Simulated {
        stories::generate(self, index)
    }

    /// Documents `0..count`, generated one at a time.
    pub fn documents(&self, count: u64) -> Documents<'_> {
        Documents {
            sim: self,
            next: 0,
            end: count,
        }
    }

    fn story_for(&self, index: u64, rng: &mut rng::Rng) -> Story {
        match self.mix {
            Mix::Even => self.stories[(index % self.stories.len() as u64) as usize],
            Mix::Realistic => {
                let weighted: Vec<(u32, Story)> = self
                    .stories
                    .iter()
                    .map(|s| (stories::realistic_weight(*s), *s))
                    .collect();
                *rng.weighted(&weighted)
            }
        }
    }
}

/// The documents of a run, in index order (see [`Simulation::documents`]).
#[derive(Debug, Clone)]
pub struct Documents<'a> {
    sim: &'a Simulation,
    next: u64,
    end: u64,
}

impl Iterator for Documents<'_> {
    type Item = Simulated;

    fn next(&mut self) -> Option<Simulated> {
        (self.next < self.end).then(|| {
            let doc = self.sim.document(self.next);
            self.next += 1;
            doc
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = usize::try_from(self.end - self.next).unwrap_or(usize::MAX);
        (left, Some(left))
    }
}

/// What the simulator meant an event to say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Intended {
    /// The journey step.
    pub step: Step,
    /// Who reported it.
    pub voice: Voice,
    /// The milestone the text and code mean.
    pub milestone: Milestone,
    /// The customs side, for customs steps.
    pub side: Option<Side>,
}

/// One simulated parcel. Serialises to one JSON Lines object:
/// `{"story": ..., "now": ..., "expect": [codes], "document": {...}}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Simulated {
    /// The story it tells.
    pub story: Story,
    /// The instant to judge it at (RFC 3339, UTC).
    #[serde(serialize_with = "display")]
    pub now: Timestamp,
    /// The finding codes the watchdog should report at `now`, in the watchdog's code order.
    pub expect: Vec<Code>,
    /// The shipment document.
    pub document: ShipmentDocument,
    /// Per event of the document, what it was meant to say.
    #[serde(skip)]
    pub intended: Vec<Intended>,
    /// Per tracking number of the document, the part of the route it covers.
    #[serde(skip)]
    pub legs: Vec<Leg>,
    /// The lane the parcel travels, for the stories that have one.
    #[serde(skip)]
    pub lane: Option<Lane>,
    /// Its index in the run.
    #[serde(skip)]
    pub index: u64,
}

impl Simulated {
    /// The expected codes as their keys.
    pub fn expect_keys(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.expect.iter().map(|c| c.key())
    }
}

fn display<S: Serializer>(value: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(value)
}
