//! The event normaliser: a raw carrier event (text, optional code, carrier, location,
//! country) becomes one [`Milestone`] with an optional customs [`Side`], an optional
//! [`Reason`] and a confidence in `0..=1`.
//!
//! Codes first, text second: a carrier code found in the carrier's table decides; a *weak*
//! code (a bare Russian Post OperType, codes that carriers reuse) yields to a more confident
//! text rule; without a usable code the multilingual text rules (ru/en/zh) decide. Every input
//! gets a milestone: `in_transit` with low confidence when nothing matched.
//!
//! Pure and allocation-light: tables and the phrase automaton are built once
//! ([`std::sync::LazyLock`]); a [`Normalizer`] reuses its scratch buffers across calls.

mod carrier;
mod codes;
mod rules;
mod text;

use std::cell::RefCell;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

use crate::milestone::{Milestone, Reason, Side};

pub use carrier::CarrierId;

use codes::{SideRule, lookup, normalize_code_into};
use rules::{Leg, RuleSet, decide};

/// A raw tracking event as carriers, aggregators, e-mails or pasted pages give it.
///
/// Deserialises from `{"text": ..., "code"?: ..., "carrier"?: ..., "location"?: ...,
/// "country"?: ..., "destination"?: ...}`; unknown fields are ignored, `code` may be a
/// string or a number, `null` means absent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct RawEvent {
    /// The status text (HTML entities already decoded by the caller).
    pub text: String,
    /// The carrier's status code, e.g. `"8.13"`, `"GTMS_SIGNED"`, `"EMD"`.
    #[serde(
        default,
        deserialize_with = "string_or_number",
        skip_serializing_if = "Option::is_none"
    )]
    pub code: Option<String>,
    /// The carrier in any spelling ("Почта России", "russian_post", "RU Post via Cainiao").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carrier: Option<String>,
    /// Where the event happened (free text); informational.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// Country where the event happened (ISO code or name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Destination country of the item, when known (ISO code or name); orients
    /// direction-dependent codes such as Russian Post 8.5/8.6.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination: Option<String>,
}

impl RawEvent {
    /// An event with only a text.
    #[must_use]
    pub fn from_text(text: impl Into<String>) -> RawEvent {
        RawEvent {
            text: text.into(),
            ..RawEvent::default()
        }
    }
}

fn string_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Code {
        Text(String),
        Int(i64),
        Float(f64),
    }
    Ok(Option::<Code>::deserialize(d)?.map(|c| match c {
        Code::Text(s) => s,
        Code::Int(n) => n.to_string(),
        Code::Float(f) => f.to_string(),
    }))
}

/// The normalised outcome. Serialises to
/// `{"milestone": ..., "side"?: ..., "reason"?: ..., "confidence": ...}`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Normalized {
    /// One of the 18 milestones.
    pub milestone: Milestone,
    /// Customs side for customs milestones, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub side: Option<Side>,
    /// Why, for exceptions and some failures and returns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<Reason>,
    /// How sure the normaliser is, `0.0..=1.0` (two decimals).
    pub confidence: f64,
}

impl fmt::Display for Normalized {
    /// One line for table output: `customs_hold  import  payment_due  0.85  Held by customs`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:<27} {:<7} {:<13} {:.2}  {}",
            self.milestone.key(),
            self.side.map_or("-", Side::key),
            self.reason.map_or("-", Reason::key),
            self.confidence,
            self.milestone.label_en()
        )
    }
}

/// Confidence of an exact code-table hit.
const CODE_CONFIDENCE: f64 = 0.95;
/// Confidence of a weak or fallback code hit; a text rule must beat it to win.
const WEAK_CODE_CONFIDENCE: f64 = 0.8;

/// Reusable normaliser: owns scratch buffers so repeated calls do not allocate.
#[derive(Debug, Default)]
pub struct Normalizer {
    text_buf: String,
    carrier_buf: String,
    code_buf: String,
}

impl Normalizer {
    /// A normaliser with empty scratch buffers.
    #[must_use]
    pub fn new() -> Normalizer {
        Normalizer::default()
    }

    /// Normalises one event. Never panics; always returns one of the 18 milestones.
    pub fn normalize(&mut self, event: &RawEvent) -> Normalized {
        let carrier = event
            .carrier
            .as_deref()
            .and_then(|c| CarrierId::recognize_with(c, &mut self.carrier_buf));
        let leg = leg(event, carrier);

        text::canonicalize_into(&event.text, &mut self.text_buf);
        let tags = RuleSet::global().scan(&self.text_buf);
        let default_side = carrier
            .and_then(CarrierId::destination_home)
            .map(|_| Side::Import);
        let from_text = decide(tags, leg, default_side);

        let code_hit = match event.code.as_deref() {
            Some(code) => {
                normalize_code_into(code, &mut self.code_buf);
                lookup(carrier, &self.code_buf)
            }
            // Boxberry reports status names; some feeds carry them only as the text.
            None if carrier == Some(CarrierId::Boxberry) => {
                normalize_code_into(&event.text, &mut self.code_buf);
                lookup(carrier, &self.code_buf)
            }
            None => None,
        };

        let result = match code_hit {
            Some(hit) => {
                let entry = hit.entry;
                let weak = entry.weak || hit.fallback;
                let confidence = if weak {
                    WEAK_CODE_CONFIDENCE
                } else {
                    CODE_CONFIDENCE
                };
                if weak && from_text.matched && from_text.confidence > confidence {
                    from_text
                } else {
                    let milestone = match (leg, entry.outbound) {
                        (Leg::Outbound, Some(out)) => out,
                        _ => entry.milestone,
                    };
                    let side = match entry.side {
                        SideRule::None => None,
                        SideRule::Fixed(s) => Some(s),
                        SideRule::ByDirection => Some(match leg {
                            Leg::Inbound => Side::Import,
                            Leg::Outbound => Side::Export,
                        }),
                    };
                    rules::TextVerdict {
                        milestone,
                        side,
                        reason: entry.reason,
                        confidence,
                        matched: true,
                    }
                }
            }
            None => from_text,
        };
        let side = if is_customs(result.milestone) {
            result.side
        } else {
            None
        };
        Normalized {
            milestone: result.milestone,
            side,
            reason: result.reason,
            confidence: (result.confidence * 100.0).round() / 100.0,
        }
    }
}

fn is_customs(m: Milestone) -> bool {
    matches!(
        m,
        Milestone::CustomsClearance
            | Milestone::CustomsHold
            | Milestone::CustomsCleared
            | Milestone::PersonalDataRequired
    )
}

/// Decides whether the event happened on the item's outbound leg (still in, or leaving, the
/// origin country). The corridor default is inbound (China -> Russia/CIS, events reported by
/// the destination post); an explicit event country and destination override it.
fn leg(event: &RawEvent, carrier: Option<CarrierId>) -> Leg {
    let here = event.country.as_deref().and_then(country_code);
    let dest = event.destination.as_deref().and_then(country_code);
    let home = carrier.and_then(CarrierId::destination_home).copied();
    let outbound = match (here.or(home), dest) {
        (Some(h), Some(d)) => h != d,
        // Only the event country is known: outside the corridor's destinations means the
        // item has not reached its destination network yet.
        (Some(h), None) => here.is_some() && !is_corridor_destination(h),
        (None, _) => false,
    };
    if outbound {
        Leg::Outbound
    } else {
        Leg::Inbound
    }
}

const CORRIDOR_DESTINATIONS: &[&[u8; 2]] = &[
    b"RU", b"BY", b"KZ", b"UZ", b"KG", b"AM", b"AZ", b"TJ", b"TM", b"MD", b"GE", b"UA", b"MN",
];

fn is_corridor_destination(iso: [u8; 2]) -> bool {
    CORRIDOR_DESTINATIONS.contains(&&iso)
}

/// The ISO 3166 alpha-2 country a country field names: a two-letter code (any case) or a
/// common name of the corridor's countries ("Россия", "China", "中国", "KAZ"); `None` for any
/// other name and for empty text.
///
/// ```
/// use posylka_core::normalize::country_of;
///
/// assert_eq!(country_of(" Россия ").map(|c| c.to_string()).as_deref(), Some("RU"));
/// assert_eq!(country_of("kz").map(|c| c.to_string()).as_deref(), Some("KZ"));
/// assert_eq!(country_of("Atlantis"), None);
/// ```
pub fn country_of(s: &str) -> Option<crate::order::CountryCode> {
    let iso = known_country(s)?;
    std::str::from_utf8(&iso).ok()?.parse().ok()
}

/// ISO 3166 alpha-2 code (upper case) for a country field: an alpha-2 code or a common
/// name of the corridor's countries; any other name becomes `ZZ` ("elsewhere"), empty `None`.
fn country_code(s: &str) -> Option<[u8; 2]> {
    match known_country(s) {
        Some(iso) => Some(iso),
        // Any other name is a country outside the corridor (its names are listed below);
        // only equality with the corridor codes matters.
        None if !s.trim().is_empty() => Some(*b"ZZ"),
        None => None,
    }
}

/// [`country_code`] without the `ZZ` fallback: `None` for names not in the table.
fn known_country(s: &str) -> Option<[u8; 2]> {
    const NAMES: &[(&[u8; 2], &[&str])] = &[
        (
            b"RU",
            &[
                "rus",
                "russia",
                "russian federation",
                "россия",
                "рф",
                "俄罗斯",
            ],
        ),
        (b"CN", &["chn", "china", "китай", "中国"]),
        (b"HK", &["hkg", "hong kong", "гонконг", "香港"]),
        (b"BY", &["blr", "belarus", "беларусь", "белоруссия"]),
        (b"KZ", &["kaz", "kazakhstan", "казахстан"]),
        (b"UZ", &["uzb", "uzbekistan", "узбекистан"]),
        (b"KG", &["kgz", "kyrgyzstan", "киргизия", "кыргызстан"]),
        (b"AM", &["arm", "armenia", "армения"]),
        (b"UA", &["ukr", "ukraine", "украина"]),
    ];
    let t = s.trim();
    let lower_eq = |name: &str| name.chars().eq(t.chars().flat_map(char::to_lowercase));
    if let Some((iso, _)) = NAMES
        .iter()
        .find(|(_, names)| names.iter().any(|n| lower_eq(n)))
    {
        return Some(**iso);
    }
    match t.as_bytes() {
        [a, b] if a.is_ascii_alphabetic() && b.is_ascii_alphabetic() => {
            Some([a.to_ascii_uppercase(), b.to_ascii_uppercase()])
        }
        _ => None,
    }
}

thread_local! {
    static NORMALIZER: RefCell<Normalizer> = RefCell::new(Normalizer::new());
}

/// Normalises one event with a per-thread [`Normalizer`]. Never panics.
///
/// ```
/// use posylka_core::{normalize, Milestone, RawEvent, Side};
///
/// let ev: RawEvent = serde_json::from_str(
///     r#"{"text": "Export customs clearance started", "carrier": "Cainiao", "code": "CC_EX_START"}"#,
/// ).unwrap();
/// let n = normalize(&ev);
/// assert_eq!(n.milestone, Milestone::CustomsClearance);
/// assert_eq!(n.side, Some(Side::Export));
/// assert_eq!(serde_json::to_string(&n).unwrap(),
///            r#"{"milestone":"customs_clearance","side":"export","confidence":0.95}"#);
/// ```
#[must_use]
pub fn normalize(event: &RawEvent) -> Normalized {
    NORMALIZER.with(|n| match n.try_borrow_mut() {
        Ok(mut n) => n.normalize(event),
        // Re-entrancy cannot happen today; a fresh normaliser keeps the function total.
        Err(_) => Normalizer::new().normalize(event),
    })
}

#[cfg(test)]
mod tests;
