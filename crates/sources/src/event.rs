//! What connectors produce: raw events in the core normaliser's shape, linked numbers and
//! per-number outcomes of a batch call.
//!
//! A connector never decides the milestone on its own: every event carries the carrier's raw
//! text and code as a [`RawEvent`] and goes through [`posylka_core::normalize()`]. A source that
//! classifies events itself (17TRACK's sub-status and stage) adds a [`Hint`]; the hint wins only
//! when it is more confident than the normaliser (a carrier code-table hit beats it).

use posylka_core::event_time::EventTime;
use posylka_core::normalize::country_of;
use posylka_core::shipment::{Leg, TrackingNumber};
use posylka_core::timeline::{EventRecord, SourceName};
use posylka_core::{Milestone, Normalized, Normalizer, RawEvent, Reason};

/// A source's own reading of an event, used when the normaliser is less sure.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hint {
    /// The milestone the source assigns.
    pub milestone: Milestone,
    /// Why, when the source says.
    pub reason: Option<Reason>,
    /// How much to trust it, `0.0..=1.0`, on the normaliser's scale (0.95 = code-table hit).
    pub confidence: f64,
}

/// One event as a source reported it.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceEvent {
    /// The number the source reported it under.
    pub number: TrackingNumber,
    /// When it happened, with the offset the source gave.
    pub at: EventTime,
    /// Text, code, carrier, location, country and destination, as received.
    pub raw: RawEvent,
    /// The source's own classification, if it has one.
    pub hint: Option<Hint>,
}

impl SourceEvent {
    /// Normalises the event into the record the store ingests.
    ///
    /// The raw text, code and location are kept as received (they make the record's
    /// fingerprint, so re-fetching the same event yields the same record and the store skips
    /// it). The country is kept only when it names a country the core recognises.
    pub fn to_record(&self, source: &SourceName, normalizer: &mut Normalizer) -> EventRecord {
        let normalized = normalizer.normalize(&self.raw);
        let Normalized {
            milestone,
            side,
            reason,
            ..
        } = pick(normalized, self.hint);
        EventRecord {
            number: self.number.clone(),
            at: self.at,
            source: source.clone(),
            text: self.raw.text.clone(),
            code: self.raw.code.clone(),
            location: self.raw.location.clone(),
            country: self.raw.country.as_deref().and_then(country_of),
            milestone,
            side,
            reason,
        }
    }
}

/// The normaliser's verdict unless the hint is strictly more confident.
fn pick(normalized: Normalized, hint: Option<Hint>) -> Normalized {
    match hint {
        Some(h) if h.confidence > normalized.confidence => Normalized {
            milestone: h.milestone,
            // The normaliser's side is kept when it agrees on the milestone: sources rarely
            // say which customs (export or import) an event belongs to.
            side: (normalized.milestone == h.milestone)
                .then_some(normalized.side)
                .flatten(),
            reason: h.reason.or(if normalized.milestone == h.milestone {
                normalized.reason
            } else {
                None
            }),
            confidence: h.confidence,
        },
        _ => normalized,
    }
}

/// Another number of the same parcel that a source revealed (17TRACK's last-mile number,
/// Cainiao's `realMailNo`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkedNumber {
    /// The other number.
    pub number: TrackingNumber,
    /// Which part of the route it covers.
    pub leg: Leg,
    /// The carrier that uses it, as the source names it.
    pub carrier: Option<String>,
}

/// The source's summary status of a number, when it gives one (for display and cadence; the
/// timeline still derives its own status from the events).
#[derive(Debug, Clone, PartialEq)]
pub struct SourceStatus {
    /// The source's status as text (`"InTransit/InTransit_Arrival"`, `"delivered"`).
    pub raw: String,
    /// The milestone it corresponds to, if any.
    pub milestone: Option<Milestone>,
}

/// Everything a source returned for one number.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Tracked {
    /// Events, in the order the source sent them.
    pub events: Vec<SourceEvent>,
    /// Other numbers of the same parcel.
    pub linked: Vec<LinkedNumber>,
    /// The source's summary, if any.
    pub status: Option<SourceStatus>,
    /// Events dropped because they could not be read (no usable time); logged, not fatal.
    pub dropped_events: usize,
}

impl Tracked {
    /// The records to ingest for this number's events.
    pub fn records(&self, source: &SourceName, normalizer: &mut Normalizer) -> Vec<EventRecord> {
        self.events
            .iter()
            .map(|e| e.to_record(source, normalizer))
            .collect()
    }
}

/// Why a source could not answer for one number while the call as a whole succeeded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NumberError {
    /// The source knows nothing about the number yet (not found, no tracking info yet).
    #[error("no tracking information yet")]
    NotFound,
    /// The number must be registered with the source first (17TRACK `-18019902`).
    #[error("the number is not registered with the source")]
    NotRegistered,
    /// The source cannot tell which carrier the number belongs to (17TRACK `-18019903`);
    /// the user should choose the carrier.
    #[error("the source cannot detect the carrier; choose the carrier by hand")]
    CarrierNotDetected,
    /// The daily request limit of the account is used up (17TRACK `-18019907`).
    #[error("the source's daily limit is used up")]
    DailyLimit,
    /// The account's tracking quota is used up (17TRACK `-18019908`).
    #[error("the source's tracking quota is used up")]
    QuotaExhausted,
    /// The source rejected the number for another reason.
    #[error("rejected by the source (code {code}): {message}")]
    Rejected {
        /// The source's error code.
        code: i64,
        /// The source's message.
        message: String,
    },
}

/// A batch call's result: numbers answered and numbers that failed, side by side.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BatchReport<T> {
    /// Numbers the source answered, with their result.
    pub ok: Vec<(TrackingNumber, T)>,
    /// Numbers the source refused, with why.
    pub failed: Vec<(TrackingNumber, NumberError)>,
}

impl<T> BatchReport<T> {
    /// An empty report.
    pub fn new() -> Self {
        Self {
            ok: Vec::new(),
            failed: Vec::new(),
        }
    }
}

/// The result of fetching events for a batch of numbers.
pub type FetchReport = BatchReport<Tracked>;

/// Parses a number as a source wrote it; `None` when it is not a usable number (then it cannot
/// be matched to a request anyway).
pub(crate) fn number(text: &str) -> Option<TrackingNumber> {
    TrackingNumber::parse(text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(
        text: &str,
        code: Option<&str>,
        carrier: Option<&str>,
        hint: Option<Hint>,
    ) -> SourceEvent {
        SourceEvent {
            number: TrackingNumber::parse("RA123456789CN").expect("number"),
            at: "2024-05-01T10:00:00+08:00".parse().expect("time"),
            raw: RawEvent {
                text: text.into(),
                code: code.map(Into::into),
                carrier: carrier.map(Into::into),
                country: Some("Russia".into()),
                ..RawEvent::default()
            },
            hint,
        }
    }

    #[test]
    fn code_table_hit_beats_a_hint() {
        let hint = Hint {
            milestone: Milestone::InTransit,
            reason: None,
            confidence: 0.9,
        };
        let e = event("", Some("8.13"), Some("russian-post"), Some(hint));
        let source = SourceName::new("test").expect("name");
        let record = e.to_record(&source, &mut Normalizer::new());
        assert_eq!(record.milestone, Milestone::ArrivedDestinationCountry);
        assert_eq!(record.country.map(|c| c.to_string()).as_deref(), Some("RU"));
    }

    #[test]
    fn hint_wins_when_the_normaliser_guesses() {
        let hint = Hint {
            milestone: Milestone::OutForDelivery,
            reason: None,
            confidence: 0.9,
        };
        let e = event("zzz qqq", None, None, Some(hint));
        let source = SourceName::new("test").expect("name");
        let record = e.to_record(&source, &mut Normalizer::new());
        assert_eq!(record.milestone, Milestone::OutForDelivery);
        assert_eq!(record.text, "zzz qqq");
    }
}
