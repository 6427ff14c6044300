//! Timelines: a shipment's events from every source, merged, ordered, and read for status.
//!
//! Merging rules:
//! - **Records** ([`EventRecord`]) are what sources report: one raw text/code per source.
//!   Two records with the same [`Fingerprint`] are the same report and kept once.
//! - **Events** ([`TimelineEvent`]) group records with the same instant and the same meaning
//!   (milestone and customs side): two sources reporting one scan make one event that keeps
//!   each source's raw text and code.
//! - **Order**: by instant, then a stable tie-break that does not depend on arrival order:
//!   milestone (taxonomy order, roughly chronological), side, reason, then the source fields.
//! - **Status** ([`derive_status`]): the latest event, except that a terminal milestone
//!   (delivered, returned, lost) is not undone by a scan that sorts after it but cannot follow
//!   it (a late "in transit" after "delivered"). What may follow a terminal milestone is
//!   [`may_follow_terminal`]: a return after "delivered", or signs a "lost" parcel was found.
//!   Older scans never matter: they sort before the terminal one.

use std::fmt;
use std::sync::Arc;

use crate::event_time::EventTime;
use crate::milestone::{Milestone, Reason, Side};
use crate::order::CountryCode;
use crate::shipment::TrackingNumber;

/// The name of a data source (`russianpost`, `cainiao`, `manual`, `import`): 1 to 64
/// printable characters. Shared like [`TrackingNumber`]: every record carries one.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SourceName(Arc<str>);

/// A source name is empty, too long or has control characters.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid source name {0:?}: expected 1 to 64 printable characters")]
pub struct InvalidSourceName(pub String);

impl SourceName {
    /// Longest accepted name, in characters.
    pub const MAX_LEN: usize = 64;

    /// Validates a source name (trimmed).
    pub fn new(name: &str) -> Result<Self, InvalidSourceName> {
        let trimmed = name.trim();
        let len = trimmed.chars().count();
        if (1..=Self::MAX_LEN).contains(&len) && !trimmed.chars().any(char::is_control) {
            Ok(Self(trimmed.into()))
        } else {
            Err(InvalidSourceName(name.chars().take(80).collect()))
        }
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SourceName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One normalised report from one source: the raw text and code as received plus the
/// normaliser's reading of it. This is what is ingested and stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRecord {
    /// The tracking number the source reported it under.
    pub number: TrackingNumber,
    /// When it happened, with the source's offset.
    pub at: EventTime,
    /// Who reported it.
    pub source: SourceName,
    /// The raw status text, as received.
    pub text: String,
    /// The raw status code, as received.
    pub code: Option<String>,
    /// Where it happened, as received.
    pub location: Option<String>,
    /// The country it happened in, when the source says (what "delivered in another country"
    /// is judged on).
    pub country: Option<CountryCode>,
    /// The normalised milestone.
    pub milestone: Milestone,
    /// The customs side, for customs milestones.
    pub side: Option<Side>,
    /// Why, for exceptions.
    pub reason: Option<Reason>,
}

/// A stable 64-bit identity of a record: FNV-1a over number, instant, source, text, code,
/// location and, only when known, country (not the normalised meaning, so a re-import after a
/// normaliser change is still a duplicate). Stored, so the function must never change; the
/// country came later and is hashed as a trailing field only when present, so every record
/// without one keeps the fingerprint it was stored with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Fingerprint(pub i64);

struct Fnv1a(u64);

impl Fnv1a {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;

    fn bytes(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(Self::PRIME);
        }
    }

    /// Length-prefixed so that ("ab", "c") and ("a", "bc") differ; absent differs from empty.
    fn field(&mut self, value: Option<&[u8]>) {
        match value {
            None => self.bytes(&[0]),
            Some(v) => {
                self.bytes(&[1]);
                self.bytes(&(v.len() as u64).to_le_bytes());
                self.bytes(v);
            }
        }
    }
}

impl EventRecord {
    /// The record's fingerprint (see [`Fingerprint`]).
    pub fn fingerprint(&self) -> Fingerprint {
        let mut h = Fnv1a(Fnv1a::OFFSET);
        h.field(Some(self.number.as_str().as_bytes()));
        h.field(Some(&self.at.instant().as_microsecond().to_le_bytes()));
        h.field(Some(self.source.as_str().as_bytes()));
        h.field(Some(self.text.as_bytes()));
        h.field(self.code.as_deref().map(str::as_bytes));
        h.field(self.location.as_deref().map(str::as_bytes));
        if let Some(country) = &self.country {
            h.field(Some(country.as_str().as_bytes()));
        }
        // Reinterpreting the bits keeps all 64 of them in a signed SQL BIGINT.
        Fingerprint(h.0 as i64)
    }

    /// Whether two records are the same report: equal in every field the fingerprint covers
    /// (compared directly, which is cheaper than hashing both and immune to collisions).
    pub fn same_report(&self, other: &Self) -> bool {
        self.at.instant() == other.at.instant()
            && self.number == other.number
            && self.source == other.source
            && self.text == other.text
            && self.code == other.code
            && self.location == other.location
            && self.country == other.country
    }

    /// The part of the record that drives status.
    pub fn status(&self) -> Status {
        Status {
            milestone: self.milestone,
            side: self.side,
            reason: self.reason,
            at: self.at,
        }
    }

    fn sort_key(&self) -> impl Ord + '_ {
        (
            self.at.instant(),
            self.milestone,
            self.side,
            self.reason,
            &self.source,
            &self.number,
            &self.text,
            &self.code,
            &self.location,
            self.country.as_ref().map(CountryCode::as_str),
            self.at.offset(),
        )
    }
}

/// A shipment's current state, derived from its timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Status {
    /// The current milestone.
    pub milestone: Milestone,
    /// Its customs side, if any.
    pub side: Option<Side>,
    /// Its reason, if any.
    pub reason: Option<Reason>,
    /// When the event that set it happened.
    pub at: EventTime,
}

/// One event on a timeline: one instant, one meaning, one or more source reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimelineEvent {
    /// When it happened (offset of the first source in tie-break order).
    pub at: EventTime,
    /// What it means.
    pub milestone: Milestone,
    /// Customs side, if any.
    pub side: Option<Side>,
    /// The first reason any source gave.
    pub reason: Option<Reason>,
    /// The first location any source gave.
    pub location: Option<String>,
    /// The first country any source gave.
    pub country: Option<CountryCode>,
    /// Every source's report, in tie-break order; never empty.
    pub sources: Vec<EventRecord>,
}

/// A shipment's events, merged and ordered (see the module doc for the rules).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Timeline {
    events: Vec<TimelineEvent>,
}

impl Timeline {
    /// Merges records in any order into a timeline; the result does not depend on the order.
    pub fn build(mut records: Vec<EventRecord>) -> Self {
        // Instants nearly always differ: compare them before building the whole key.
        records.sort_by(|a, b| {
            a.at.instant()
                .cmp(&b.at.instant())
                .then_with(|| a.sort_key().cmp(&b.sort_key()))
        });
        records.dedup_by(|a, b| a.same_report(b));
        let mut events: Vec<TimelineEvent> = Vec::new();
        for record in records {
            match events.last_mut() {
                Some(event)
                    if event.at.instant() == record.at.instant()
                        && event.milestone == record.milestone
                        && event.side == record.side =>
                {
                    event.reason = event.reason.or(record.reason);
                    if event.location.is_none() {
                        event.location.clone_from(&record.location);
                    }
                    event.country = event.country.or(record.country);
                    event.sources.push(record);
                }
                _ => events.push(TimelineEvent {
                    at: record.at,
                    milestone: record.milestone,
                    side: record.side,
                    reason: record.reason,
                    location: record.location.clone(),
                    country: record.country,
                    sources: vec![record],
                }),
            }
        }
        Self { events }
    }

    /// The events, oldest first.
    pub fn events(&self) -> &[TimelineEvent] {
        &self.events
    }

    /// The number of merged events.
    pub fn len(&self) -> usize {
        self.events.len()
    }

    /// No events yet.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// The current status (see [`derive_status`]).
    pub fn status(&self) -> Option<Status> {
        derive_status(self.events.iter().map(|e| Status {
            milestone: e.milestone,
            side: e.side,
            reason: e.reason,
            at: e.at,
        }))
    }
}

/// Whether `next`, sorting after the terminal milestone `terminal`, replaces it as status.
///
/// - after `delivered`: only a return (`returning_to_sender`, `returned`), e.g. a parcel
///   refused or sent back from a pickup point after a wrong "delivered";
/// - after `lost`: signs the parcel was found (`out_for_delivery`, `available_for_pickup`,
///   `delivered`, `returning_to_sender`, `returned`);
/// - after `returned`: nothing.
///
/// For a non-terminal `terminal` argument every `next` may follow.
pub fn may_follow_terminal(terminal: Milestone, next: Milestone) -> bool {
    use Milestone as M;
    if !terminal.is_terminal() {
        return true;
    }
    match terminal {
        M::Delivered => matches!(next, M::ReturningToSender | M::Returned),
        M::Lost => matches!(
            next,
            M::OutForDelivery
                | M::AvailableForPickup
                | M::Delivered
                | M::ReturningToSender
                | M::Returned
        ),
        _ => false,
    }
}

/// The current status from events in any order: sorted by instant and tie-break, the last one
/// wins unless it may not follow a terminal milestone before it ([`may_follow_terminal`]).
pub fn derive_status(events: impl IntoIterator<Item = Status>) -> Option<Status> {
    let mut events: Vec<Status> = events.into_iter().collect();
    events.sort_by_key(|s| (s.at.instant(), s.milestone, s.side, s.reason, s.at.offset()));
    events
        .into_iter()
        .fold(None, |current, next| match current {
            Some(cur) if !may_follow_terminal(cur.milestone, next.milestone) => Some(cur),
            _ => Some(next),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use Milestone as M;

    fn record(at: &str, milestone: Milestone, source: &str, text: &str) -> EventRecord {
        EventRecord {
            number: TrackingNumber::parse("RS123456789CN").expect("valid"),
            at: at.parse().expect("time"),
            source: SourceName::new(source).expect("valid"),
            text: text.to_owned(),
            code: None,
            location: None,
            country: None,
            milestone,
            side: None,
            reason: None,
        }
    }

    #[test]
    fn same_instant_and_meaning_from_two_sources_is_one_event() {
        let a = record(
            "2024-05-01T10:00:00+08:00",
            M::PickedUp,
            "cainiao",
            "Accepted",
        );
        let mut b = record("2024-05-01T05:00:00+03:00", M::PickedUp, "17track", "收寄");
        b.code = Some("203".into());
        let tl = Timeline::build(vec![a.clone(), b.clone()]);
        assert_eq!(tl.len(), 1);
        let texts: Vec<&str> = tl.events()[0]
            .sources
            .iter()
            .map(|r| r.text.as_str())
            .collect();
        assert_eq!(texts, ["收寄", "Accepted"]);
        assert_eq!(tl.events()[0].sources[0].code.as_deref(), Some("203"));
        // Same report twice is kept once.
        assert_eq!(
            Timeline::build(vec![a.clone(), a.clone(), b]).events()[0]
                .sources
                .len(),
            2
        );
        // A different meaning at the same instant stays separate.
        let c = record("2024-05-01T02:00:00Z", M::InTransit, "cainiao", "Sorting");
        assert_eq!(Timeline::build(vec![a, c]).len(), 2);
    }

    #[test]
    fn order_does_not_depend_on_arrival_order() {
        let recs = vec![
            record("2024-05-03T00:00:00Z", M::DepartedOriginCountry, "a", "x"),
            record("2024-05-01T00:00:00Z", M::PickedUp, "a", "y"),
            record("2024-05-01T00:00:00Z", M::InfoReceived, "b", "z"),
            record("2024-05-02T00:00:00Z", M::InTransit, "a", "w"),
        ];
        let forward = Timeline::build(recs.clone());
        let mut reversed = recs;
        reversed.reverse();
        assert_eq!(forward, Timeline::build(reversed));
        let order: Vec<Milestone> = forward.events().iter().map(|e| e.milestone).collect();
        assert_eq!(
            order,
            [
                M::InfoReceived,
                M::PickedUp,
                M::InTransit,
                M::DepartedOriginCountry
            ]
        );
    }

    #[test]
    fn delivered_is_not_undone_by_a_late_transit_scan() {
        let tl = Timeline::build(vec![
            record(
                "2024-06-01T10:00:00Z",
                M::Delivered,
                "post",
                "Вручение адресату",
            ),
            record(
                "2024-06-02T10:00:00Z",
                M::InTransit,
                "cainiao",
                "Arrived at hub",
            ),
            record("2024-05-01T10:00:00Z", M::PickedUp, "cainiao", "Accepted"),
        ]);
        assert_eq!(tl.status().map(|s| s.milestone), Some(M::Delivered));
    }

    #[test]
    fn a_later_return_after_delivered_is_shown() {
        let tl = Timeline::build(vec![
            record("2024-06-01T10:00:00Z", M::Delivered, "post", "Delivered"),
            record(
                "2024-06-05T10:00:00Z",
                M::ReturningToSender,
                "post",
                "Возврат",
            ),
        ]);
        let status = tl.status().expect("has events");
        assert_eq!(status.milestone, M::ReturningToSender);
        assert_eq!(status.at, "2024-06-05T10:00:00Z".parse().expect("time"));
    }

    #[test]
    fn returned_is_final_and_lost_can_be_found() {
        let returned = [
            record("2024-06-01T00:00:00Z", M::Returned, "p", "back"),
            record("2024-06-02T00:00:00Z", M::Delivered, "p", "late"),
        ];
        assert_eq!(
            Timeline::build(returned.to_vec())
                .status()
                .map(|s| s.milestone),
            Some(M::Returned)
        );
        let lost = [
            record("2024-06-01T00:00:00Z", M::Lost, "p", "lost"),
            record("2024-06-02T00:00:00Z", M::InTransit, "p", "scan"),
            record("2024-06-03T00:00:00Z", M::AvailableForPickup, "p", "found"),
        ];
        assert_eq!(
            Timeline::build(lost.to_vec()).status().map(|s| s.milestone),
            Some(M::AvailableForPickup)
        );
    }

    #[test]
    fn non_terminal_status_is_the_latest_event() {
        let tl = Timeline::build(vec![
            record("2024-05-02T00:00:00Z", M::CustomsHold, "p", "hold"),
            record("2024-05-03T00:00:00Z", M::CustomsCleared, "p", "cleared"),
        ]);
        assert_eq!(tl.status().map(|s| s.milestone), Some(M::CustomsCleared));
        assert_eq!(Timeline::default().status(), None);
    }

    #[test]
    fn fingerprint_covers_raw_fields_only() {
        let a = record("2024-05-01T00:00:00Z", M::InTransit, "s", "text");
        let mut relabelled = a.clone();
        relabelled.milestone = M::Exception;
        assert_eq!(a.fingerprint(), relabelled.fingerprint());
        let mut other_code = a.clone();
        other_code.code = Some(String::new());
        assert_ne!(a.fingerprint(), other_code.fingerprint());
        let mut later = a.clone();
        later.at = "2024-05-01T00:00:00.000001Z".parse().expect("time");
        assert_ne!(a.fingerprint(), later.fingerprint());
        // Pinned value: fingerprints are stored, so the function must never change.
        assert_eq!(a.fingerprint(), Fingerprint(7_045_520_347_707_489_207));
        // A country is part of the identity, and two countries differ.
        let mut in_ru = a.clone();
        in_ru.country = Some("RU".parse().expect("code"));
        let mut in_kz = a.clone();
        in_kz.country = Some("KZ".parse().expect("code"));
        assert_ne!(in_ru.fingerprint(), a.fingerprint());
        assert_ne!(in_ru.fingerprint(), in_kz.fingerprint());
        // Hashed as a trailing field: not the same as any other field being that text.
        let mut located = a.clone();
        located.location = Some("RU".into());
        assert_ne!(in_ru.fingerprint(), located.fingerprint());
    }

    #[test]
    fn merged_event_keeps_the_first_country_given() {
        let a = record("2024-06-01T10:00:00Z", M::Delivered, "cainiao", "Delivered");
        let mut b = record("2024-06-01T10:00:00Z", M::Delivered, "post", "Вручено");
        b.country = Some("KZ".parse().expect("code"));
        let tl = Timeline::build(vec![a.clone(), b.clone()]);
        assert_eq!(tl.len(), 1);
        assert_eq!(tl.events()[0].country, b.country);
        assert_eq!(Timeline::build(vec![a]).events()[0].country, None);
    }

    #[test]
    fn source_names_are_validated() {
        assert!(SourceName::new(" cainiao ").is_ok_and(|s| s.as_str() == "cainiao"));
        assert!(SourceName::new("").is_err());
        assert!(SourceName::new("a\nb").is_err());
        assert!(SourceName::new(&"x".repeat(65)).is_err());
    }
}
