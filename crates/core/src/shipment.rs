//! Shipments: one parcel followed under one or more tracking numbers.
//!
//! A parcel often changes number on the way (a first-mile number from the seller's
//! consolidator, a last-mile number from the destination post), and the second number is
//! known only when the parcel is handed over, so numbers are linked to a shipment over time.
//! A shipment is never keyed on a number alone: see [`crate::number_window`] for how an
//! event's number finds its shipment.
//!
//! Shipment ids are positive integers assigned by the store, never reused (`#12` on screen).

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use jiff::Timestamp;

use crate::account::UserId;
use crate::order::Order;
use crate::timeline::Status;

/// The store-assigned id of a shipment: a positive integer, stable for the shipment's life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ShipmentId(i64);

impl ShipmentId {
    /// Wraps a stored id; `None` unless positive.
    pub fn new(id: i64) -> Option<Self> {
        (id > 0).then_some(Self(id))
    }

    /// The integer, for storage.
    pub fn get(self) -> i64 {
        self.0
    }
}

impl fmt::Display for ShipmentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

impl FromStr for ShipmentId {
    type Err = ShipmentError;

    /// Accepts `12` or `#12`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let digits = s.trim().trim_start_matches('#');
        digits
            .parse::<i64>()
            .ok()
            .and_then(Self::new)
            .ok_or_else(|| ShipmentError::InvalidId(s.to_owned()))
    }
}

/// A tracking number in canonical form: ASCII letters and digits, upper case, 4 to 64 long.
///
/// This is a storage key, not a recogniser: whether the number is a valid S10 or a known
/// carrier's format is the tracking-number crate's job.
///
/// Shared, not copied: every event of a shipment carries its number, and a bulk read decodes
/// millions of them, so a clone is a reference count.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TrackingNumber(Arc<str>);

impl TrackingNumber {
    /// Shortest accepted number.
    pub const MIN_LEN: usize = 4;
    /// Longest accepted number.
    pub const MAX_LEN: usize = 64;

    /// Canonicalises a number as typed: spaces and hyphens are dropped, letters upper-cased.
    pub fn parse(input: &str) -> Result<Self, ShipmentError> {
        // Stored and recognised numbers are canonical already: no rewriting to do.
        let canonical_already = input
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
        if canonical_already && (Self::MIN_LEN..=Self::MAX_LEN).contains(&input.len()) {
            return Ok(Self(input.into()));
        }
        let canonical: String = input
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let ok_chars = canonical.chars().all(|c| c.is_ascii_alphanumeric());
        let ok_len = (Self::MIN_LEN..=Self::MAX_LEN).contains(&canonical.len());
        if ok_chars && ok_len {
            Ok(Self(canonical.into()))
        } else {
            Err(ShipmentError::InvalidNumber(input.to_owned()))
        }
    }

    /// The canonical text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TrackingNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for TrackingNumber {
    type Err = ShipmentError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// Which part of the route a number covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Leg {
    /// One number for the whole route (an S10 number tracked end to end). The default.
    Through,
    /// The origin side: seller, consolidator, export.
    FirstMile,
    /// The destination side: the number the destination carrier gave the parcel.
    LastMile,
}

impl Leg {
    /// Every leg, in declaration order.
    pub const ALL: [Leg; 3] = [Leg::Through, Leg::FirstMile, Leg::LastMile];

    /// The stable snake_case key used in storage and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Leg::Through => "through",
            Leg::FirstMile => "first_mile",
            Leg::LastMile => "last_mile",
        }
    }
}

impl fmt::Display for Leg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Leg {
    type Err = ShipmentError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Leg::ALL
            .into_iter()
            .find(|leg| leg.as_str() == s)
            .ok_or_else(|| ShipmentError::InvalidLeg(s.to_owned()))
    }
}

/// A number attached to a shipment, and when it was attached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberLink {
    /// The tracking number.
    pub number: TrackingNumber,
    /// The part of the route it covers.
    pub leg: Leg,
    /// When the number was linked; it anchors the number's window (see [`crate::number_window`]).
    pub linked_at: Timestamp,
}

/// What is needed to create a shipment: at least one number, distinct.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewShipment {
    numbers: Vec<(TrackingNumber, Leg)>,
    order: Option<Order>,
    created_at: Timestamp,
    owner: Option<UserId>,
}

impl NewShipment {
    /// A shipment with its first numbers; `created_at` is also the numbers' link time.
    pub fn new(
        numbers: Vec<(TrackingNumber, Leg)>,
        created_at: Timestamp,
    ) -> Result<Self, ShipmentError> {
        if numbers.is_empty() {
            return Err(ShipmentError::NoNumbers);
        }
        for (i, (number, _)) in numbers.iter().enumerate() {
            if numbers[..i].iter().any(|(seen, _)| seen == number) {
                return Err(ShipmentError::DuplicateNumber(number.clone()));
            }
        }
        Ok(Self {
            numbers,
            order: None,
            created_at,
            owner: None,
        })
    }

    /// Makes the shipment a user's: only that user sees it (see [`crate::account`]).
    pub fn with_owner(mut self, owner: UserId) -> Self {
        self.owner = Some(owner);
        self
    }

    /// The owner, if any.
    pub fn owner(&self) -> Option<UserId> {
        self.owner
    }

    /// Attaches the marketplace order the parcel belongs to.
    pub fn with_order(mut self, order: Order) -> Self {
        self.order = Some(order);
        self
    }

    /// The numbers with their legs, as given.
    pub fn numbers(&self) -> &[(TrackingNumber, Leg)] {
        &self.numbers
    }

    /// The order, if any.
    pub fn order(&self) -> Option<&Order> {
        self.order.as_ref()
    }

    /// When the shipment was created.
    pub fn created_at(&self) -> Timestamp {
        self.created_at
    }
}

/// A stored shipment without its events (see [`crate::timeline::Timeline`] for those).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shipment {
    /// The store's id.
    pub id: ShipmentId,
    /// When the shipment was created.
    pub created_at: Timestamp,
    /// Its numbers, oldest link first.
    pub numbers: Vec<NumberLink>,
    /// The marketplace order, if known.
    pub order: Option<Order>,
    /// The current milestone derived from the timeline; `None` before the first event.
    pub status: Option<Status>,
    /// How many source records (before merging) the shipment has.
    pub event_count: u64,
}

/// Why a shipment or one of its parts is invalid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShipmentError {
    /// Not a shipment id.
    #[error("invalid shipment id {0:?}: expected a positive integer such as 12 or #12")]
    InvalidId(String),
    /// Not a usable tracking number.
    #[error(
        "invalid tracking number {0:?}: expected 4 to 64 letters and digits (spaces and hyphens are ignored)"
    )]
    InvalidNumber(String),
    /// Not a leg key.
    #[error("invalid leg {0:?}: expected through, first_mile or last_mile")]
    InvalidLeg(String),
    /// A shipment needs a number.
    #[error("a shipment needs at least one tracking number")]
    NoNumbers,
    /// The same number was given twice.
    #[error("tracking number {0} is given twice")]
    DuplicateNumber(TrackingNumber),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_canonicalised() {
        let n = TrackingNumber::parse(" rs 1234-5678 9cn ").expect("valid");
        assert_eq!(n.as_str(), "RS123456789CN");
        assert!(TrackingNumber::parse("RS12").is_ok());
        assert!(TrackingNumber::parse("RS1").is_err());
        assert!(TrackingNumber::parse("RS12345678ЦН").is_err());
        assert!(TrackingNumber::parse(&"9".repeat(65)).is_err());
    }

    #[test]
    fn ids_parse_with_or_without_hash() {
        assert_eq!("#12".parse::<ShipmentId>().expect("valid").get(), 12);
        assert_eq!("7".parse::<ShipmentId>().expect("valid").to_string(), "#7");
        assert!("0".parse::<ShipmentId>().is_err());
        assert!("-3".parse::<ShipmentId>().is_err());
        assert!("x".parse::<ShipmentId>().is_err());
    }

    #[test]
    fn legs_round_trip() {
        for leg in Leg::ALL {
            assert_eq!(leg.as_str().parse::<Leg>().expect("key"), leg);
        }
        assert!("middle".parse::<Leg>().is_err());
    }

    #[test]
    fn new_shipment_needs_distinct_numbers() {
        let now = Timestamp::UNIX_EPOCH;
        let a = TrackingNumber::parse("RS123456789CN").expect("valid");
        assert_eq!(NewShipment::new(vec![], now), Err(ShipmentError::NoNumbers));
        let twice = vec![(a.clone(), Leg::FirstMile), (a.clone(), Leg::LastMile)];
        assert_eq!(
            NewShipment::new(twice, now),
            Err(ShipmentError::DuplicateNumber(a))
        );
    }

    proptest::proptest! {
        #[test]
        fn number_parse_never_panics_and_is_idempotent(s in ".{0,80}") {
            if let Ok(n) = TrackingNumber::parse(&s) {
                proptest::prop_assert_eq!(TrackingNumber::parse(n.as_str()), Ok(n.clone()));
            }
        }
    }
}
