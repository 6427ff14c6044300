//! What every rule needs about a subject, worked out once per [`crate::check`]: the shipped
//! anchor, the status, the last event, the protection deadline, the numbers' verdicts.
//! Rules read a [`View`]; they never walk the timeline for what is here.

use std::cell::RefCell;

use jiff::Timestamp;
use posylka_core::Milestone;
use posylka_core::order::CountryCode;
use posylka_core::timeline::{Status, TimelineEvent};
use tracknum::{Identification, NumberKind, Problem};

use crate::Subject;
use crate::config::{Config, DAY, MarketplaceRules};
use crate::eta::ServiceClass;
use crate::finding::NumberProblem;

/// Where the shipped instant comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ShippedBasis {
    /// The order's `shipped_at`.
    Shipped,
    /// The order's `placed_at` (earlier than shipment: deadlines err on the early side).
    Placed,
    /// The first event or when the user added the shipment.
    Observed,
}

/// The best estimate of when the parcel was shipped (see [`Subject::shipped_at`]).
pub(crate) fn shipped_anchor(subject: &Subject<'_>) -> (Timestamp, ShippedBasis) {
    if let Some(order) = subject.order {
        if let Some(t) = order.shipped_at {
            return (t.instant(), ShippedBasis::Shipped);
        }
        if let Some(t) = order.placed_at {
            return (t.instant(), ShippedBasis::Placed);
        }
    }
    let first = subject.timeline.events().first().map(|e| e.at.instant());
    let anchor = first.map_or(subject.created_at, |f| f.min(subject.created_at));
    (anchor, ShippedBasis::Observed)
}

/// One number's verdict, reduced to what the rules use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NumberInfo {
    /// Recognised as a marketplace order number.
    pub order_number: bool,
    /// What is wrong with it, when nothing valid fits (or the serial is never used).
    pub problem: Option<NumberProblem>,
    /// Tracked only inside this country (`Some(None)`: a domestic number, country unknown).
    pub domestic: Option<Option<CountryCode>>,
    /// A valid tracking number tracked across borders.
    pub international: bool,
    /// The country that issued it, when the format says.
    pub origin: Option<CountryCode>,
    /// The service its format encodes.
    pub service: ServiceClass,
}

thread_local! {
    // identify_into reuses the verdict's buffers: no allocation per number in the common case.
    static VERDICT: RefCell<Identification> = RefCell::new(Identification::default());
}

/// Asks the recogniser about one number.
pub(crate) fn number_info(number: &str) -> NumberInfo {
    VERDICT.with(|cell| {
        let mut id = cell.borrow_mut();
        tracknum::identify_into(number, &mut id);
        let valid = id.is_valid();
        let order_number = id.kind() == NumberKind::OrderNumber;
        let mut problem = None;
        let mut domestic = None;
        for p in &id.problems {
            match p {
                Problem::SuspiciousSerial => problem = Some(NumberProblem::SuspiciousSerial),
                Problem::DomesticOnly { country } => {
                    domestic = Some(country.and_then(|c| c.parse().ok()));
                }
                _ => {}
            }
        }
        if !valid && !order_number && problem.is_none() {
            problem = Some(
                id.problems
                    .iter()
                    .find_map(|p| match p {
                        Problem::CheckDigitMismatch {
                            expected, found, ..
                        } => Some(NumberProblem::CheckDigit {
                            expected: *expected,
                            found: *found,
                        }),
                        Problem::UnknownCountry { .. } => Some(NumberProblem::UnknownCountry),
                        _ => None,
                    })
                    .unwrap_or(NumberProblem::UnknownFormat),
            );
        }
        let best = id
            .candidates
            .iter()
            .find(|c| c.format.kind == tracknum::Kind::Tracking);
        NumberInfo {
            order_number,
            problem,
            domestic: if valid { domestic } else { None },
            international: valid && best.is_some_and(|c| c.international()),
            origin: best
                .and_then(|c| c.origin_country)
                .and_then(|c| c.parse().ok()),
            service: best.map_or(ServiceClass::Other, |c| {
                ServiceClass::of(c.carrier.id.as_str(), c.format.id.as_str(), c.service)
            }),
        }
    })
}

/// A delivery or pickup event away from the destination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Elsewhere<'a> {
    /// The event.
    pub event: &'a TimelineEvent,
    /// Its country, when that is what differs.
    pub country: Option<CountryCode>,
    /// The postcode it names, when that is what differs.
    pub postcode: Option<&'a str>,
}

/// Everything the rules share about one subject at one instant.
#[derive(Debug)]
pub(crate) struct View<'a> {
    pub subject: &'a Subject<'a>,
    pub config: &'a Config,
    pub now: Timestamp,
    pub shipped: Timestamp,
    pub rules: &'a MarketplaceRules,
    pub status: Option<Status>,
    pub last_event_at: Option<Timestamp>,
    /// The parcel never got past its first events (see [`View::new`]); false without events.
    pub only_first_events: bool,
    /// The parcel reached the destination country (an event says so).
    pub arrived: bool,
    /// When buyer protection ends (with an order only).
    pub protection_ends_at: Option<Timestamp>,
    /// The protection period was not on the order.
    pub protection_assumed: bool,
    /// The protection period in days, extensions included (with an order only).
    pub protection_days: Option<u32>,
    pub dispute_open: bool,
    pub numbers: Vec<NumberInfo>,
}

impl<'a> View<'a> {
    pub(crate) fn new(subject: &'a Subject<'a>, now: Timestamp, config: &'a Config) -> Self {
        let (shipped, _) = shipped_anchor(subject);
        let order = subject.order;
        let rules = order.map_or(&config.default_marketplace, |o| {
            config.marketplace(o.marketplace())
        });
        let events = subject.timeline.events();
        let destination = order.and_then(|o| o.destination.country);
        let status = subject.timeline.status();
        // Stuck at the first events: the latest event is one ("info received", "accepted")
        // and nothing ever showed the parcel leaving the origin country. Judged on the
        // latest event rather than on all of them, so an earlier scan the normaliser could
        // only call "in transit" does not make a number that never moved look real.
        let mut only_first_events = status
            .is_some_and(|s| matches!(s.milestone, Milestone::InfoReceived | Milestone::PickedUp));
        let mut arrived = false;
        let mut first_delivered_at = None;
        for e in events {
            only_first_events &= e.milestone.stage() < Milestone::DepartedOriginCountry.stage();
            arrived |= arrival_sign(e, destination);
            if e.milestone == Milestone::Delivered && first_delivered_at.is_none() {
                first_delivered_at = Some(e.at.instant());
            }
        }
        let mut protection_ends_at = None;
        let mut protection_assumed = false;
        let mut protection_days = None;
        if let Some(order) = order {
            let base = order.protection_days.unwrap_or_else(|| {
                protection_assumed = true;
                rules.protection_days
            });
            let extended: i64 = order
                .protection_extensions
                .iter()
                .map(|e| i64::from(e.days))
                .sum();
            protection_days = u32::try_from(i64::from(base) + extended).ok();
            let mut ends = add_days(shipped, i64::from(base) + extended);
            if let Some(delivered) = first_delivered_at {
                ends = ends.min(add_days(delivered, i64::from(rules.delivered_cut_days)));
            }
            protection_ends_at = Some(ends);
        }
        Self {
            subject,
            config,
            now,
            shipped,
            rules,
            status,
            last_event_at: events.iter().map(|e| e.at.instant()).max(),
            only_first_events,
            arrived,
            protection_ends_at,
            protection_assumed,
            protection_days,
            dispute_open: order.is_some_and(|o| o.dispute_opened_at.is_some()),
            numbers: subject
                .numbers
                .iter()
                .map(|n| number_info(n.as_str()))
                .collect(),
        }
    }

    /// The current milestone.
    pub fn milestone(&self) -> Option<Milestone> {
        self.status.map(|s| s.milestone)
    }

    /// The parcel is in the buyer's hands according to the timeline.
    pub fn delivered(&self) -> bool {
        self.milestone() == Some(Milestone::Delivered)
    }

    /// The order's destination country.
    pub fn destination_country(&self) -> Option<CountryCode> {
        self.subject.order.and_then(|o| o.destination.country)
    }

    /// Whole days from `since` to now (0 if `since` is later).
    pub fn days_since(&self, since: Timestamp) -> u32 {
        let secs = self.now.as_second() - since.as_second();
        u32::try_from(secs.max(0) / DAY).unwrap_or(u32::MAX)
    }

    /// Whether at least `days` days have passed since `since`.
    pub fn passed(&self, since: Timestamp, days: u16) -> bool {
        self.now >= add_days(since, i64::from(days))
    }

    /// The latest delivery or pickup event away from the destination, if the latest such
    /// event is one.
    pub fn elsewhere(&self) -> Option<Elsewhere<'a>> {
        let order = self.subject.order?;
        let dest = &order.destination;
        let event = self.subject.timeline.events().iter().rev().find(|e| {
            matches!(
                e.milestone,
                Milestone::Delivered | Milestone::AvailableForPickup
            )
        })?;
        if let (Some(here), Some(there)) = (dest.country, event.country)
            && here != there
        {
            return Some(Elsewhere {
                event,
                country: Some(there),
                postcode: None,
            });
        }
        let expected = dest.postcode.as_deref().map(str::trim)?;
        let digits = usize::from(self.config.delivered_elsewhere.postcode_prefix_digits);
        if expected.is_empty() || !expected.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let prefix = &expected[..digits.min(expected.len())];
        let mut mismatch = None;
        let texts = event.location.iter().chain(
            event
                .sources
                .iter()
                .flat_map(|r| r.location.iter().chain(std::iter::once(&r.text))),
        );
        for text in texts {
            for code in postcodes(text, expected.len()) {
                if code.starts_with(prefix) {
                    // The event names the buyer's city somewhere: not elsewhere.
                    return None;
                }
                mismatch.get_or_insert(code);
            }
        }
        mismatch.map(|code| Elsewhere {
            event,
            country: None,
            postcode: Some(code),
        })
    }
}

/// Source names that say how events arrived, not who reported them.
const GENERIC_SOURCES: &[&str] = &["document", "import", "manual"];

/// Who reported an event, for "ask the carrier" messages: the first source named after a
/// carrier or tracking service.
pub(crate) fn reporter(e: &TimelineEvent) -> Option<String> {
    e.sources
        .iter()
        .map(|r| r.source.as_str())
        .find(|s| !GENERIC_SOURCES.iter().any(|g| g.eq_ignore_ascii_case(s)))
        .map(str::to_owned)
}

/// An event that shows the parcel in the destination country.
fn arrival_sign(e: &TimelineEvent, destination: Option<CountryCode>) -> bool {
    use Milestone as M;
    let by_milestone = match e.milestone {
        M::ArrivedDestinationCountry
        | M::OutForDelivery
        | M::DeliveryAttemptFailed
        | M::AvailableForPickup
        | M::PersonalDataRequired => true,
        M::CustomsClearance | M::CustomsHold => e.side == Some(posylka_core::Side::Import),
        // Export clearance happens in the origin country: not a sign of arrival.
        M::CustomsCleared => e.side != Some(posylka_core::Side::Export),
        _ => false,
    };
    by_milestone || (destination.is_some() && e.country == destination)
}

/// `since` plus `days` days, saturating at the end of time.
pub(crate) fn add_days(since: Timestamp, days: i64) -> Timestamp {
    let secs = since.as_second().saturating_add(days.saturating_mul(DAY));
    Timestamp::from_second(secs).unwrap_or(Timestamp::MAX)
}

/// Standalone runs of exactly `len` ASCII digits in `text` (not part of a longer number).
pub(crate) fn postcodes(text: &str, len: usize) -> impl Iterator<Item = &str> {
    let bytes = text.as_bytes();
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < bytes.len() {
            if bytes[i].is_ascii_digit() {
                let start = i;
                while i < bytes.len() && bytes[i].is_ascii_digit() {
                    i += 1;
                }
                if i - start == len {
                    return text.get(start..i);
                }
            } else {
                i += 1;
            }
        }
        None
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postcodes_are_whole_digit_runs() {
        let found: Vec<&str> = postcodes("Казань 420015, ОПС 4200151 и 12345", 6).collect();
        assert_eq!(found, ["420015"]);
        assert_eq!(postcodes("", 6).count(), 0);
        assert_eq!(postcodes("101000", 6).collect::<Vec<_>>(), ["101000"]);
    }

    #[test]
    fn numbers_are_judged_by_the_recogniser() {
        let order = number_info("3074935419642839");
        assert!(order.order_number);
        assert_eq!(order.problem, None);
        let typo = number_info("RA123456786CN");
        assert_eq!(
            typo.problem,
            Some(NumberProblem::CheckDigit {
                expected: '5',
                found: '6'
            })
        );
        let ems = number_info("EA123456785CN");
        assert!(ems.international);
        assert_eq!(ems.service, ServiceClass::Ems);
        assert_eq!(ems.origin.map(|c| c.to_string()).as_deref(), Some("CN"));
        let zero = number_info("RS000000005CN");
        assert_eq!(zero.problem, Some(NumberProblem::SuspiciousSerial));
        let cdek = number_info("1234567890");
        assert_eq!(cdek.domestic, Some("RU".parse().ok()));
        assert!(!cdek.international);
    }

    #[test]
    fn days_are_added_in_whole_days() {
        let t: Timestamp = "2024-05-01T00:00:00Z".parse().expect("ts");
        assert_eq!(add_days(t, 10), "2024-05-11T00:00:00Z".parse().expect("ts"));
        assert_eq!(add_days(t, i64::MAX), Timestamp::MAX);
    }
}
