//! The JSON shape of a verdict, shared by `posylka id --json`, `posylka scan --json` and the
//! HTTP API:
//!
//! ```json
//! {"input": "rb 1234 5678 5gb", "number": "RB123456785GB", "kind": "tracking", "valid": true,
//!  "candidates": [{"format": "s10", "carrier": "royal-mail", "carrier_name": "Royal Mail",
//!    "kind": "tracking", "service": "Letter Post Registered", "origin_country": "GB",
//!    "international": true, "confidence": 0.99, "tracking_url": "..."}],
//!  "problems": []}
//! ```
//!
//! Serialised straight from the verdict, with no intermediate values.

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

use crate::catalog::Kind;
use crate::identify::{Candidate, Identification, Problem};

/// A verdict as JSON.
#[derive(Debug, Clone, Copy)]
pub struct Verdict<'a> {
    /// The input as given.
    pub input: &'a str,
    /// The verdict on it.
    pub identification: &'a Identification,
    /// Byte offset in the scanned text (scan hits only).
    pub offset: Option<u64>,
    /// Today as (year, month), to date Russian Post labels; `None` leaves the date out.
    pub today: Option<(i32, u8)>,
}

impl Serialize for Verdict<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let id = self.identification;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("input", self.input)?;
        if let Some(offset) = self.offset {
            m.serialize_entry("offset", &offset)?;
        }
        m.serialize_entry("number", &id.number.as_ref().map(|n| n.as_str()))?;
        m.serialize_entry("kind", id.kind().key())?;
        m.serialize_entry("valid", &id.is_valid())?;
        m.serialize_entry(
            "candidates",
            &Candidates {
                id,
                today: self.today,
            },
        )?;
        m.serialize_entry("problems", &Problems(&id.problems))?;
        m.end()
    }
}

struct Candidates<'a> {
    id: &'a Identification,
    today: Option<(i32, u8)>,
}

impl Serialize for Candidates<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let number = self
            .id
            .number
            .as_ref()
            .map(|n| n.as_str())
            .unwrap_or_default();
        let mut seq = s.serialize_seq(Some(self.id.candidates.len()))?;
        for c in &self.id.candidates {
            seq.serialize_element(&CandidateJson {
                c,
                number,
                today: self.today,
            })?;
        }
        seq.end()
    }
}

struct CandidateJson<'a> {
    c: &'a Candidate,
    number: &'a str,
    today: Option<(i32, u8)>,
}

impl Serialize for CandidateJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let c = self.c;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("format", &c.format.id)?;
        m.serialize_entry("carrier", &c.carrier.id)?;
        m.serialize_entry("carrier_name", &c.carrier.name)?;
        m.serialize_entry(
            "kind",
            match c.format.kind {
                Kind::Tracking => "tracking",
                Kind::OrderNumber => "order_number",
            },
        )?;
        m.serialize_entry("service", &c.service)?;
        m.serialize_entry("origin_country", &c.origin_country)?;
        m.serialize_entry("international", &c.international())?;
        m.serialize_entry("confidence", &c.confidence)?;
        m.serialize_entry("tracking_url", &c.tracking_url(self.number))?;
        if let Some(label) = &c.russian_post {
            m.serialize_entry("origin_postcode", label.origin_postcode())?;
            m.serialize_entry("label_month_code", &label.month_code)?;
            if let Some((y, mo)) = self.today.and_then(|t| label.printed_month(t)) {
                m.serialize_entry("label_month", &format!("{y:04}-{mo:02}"))?;
            }
        }
        m.end()
    }
}

struct Problems<'a>(&'a [Problem]);

impl Serialize for Problems<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for p in self.0 {
            seq.serialize_element(&ProblemJson(p))?;
        }
        seq.end()
    }
}

struct ProblemJson<'a>(&'a Problem);

impl Serialize for ProblemJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let p = self.0;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("code", p.code())?;
        m.serialize_entry("message", &p.message())?;
        match p {
            Problem::CheckDigitMismatch {
                format,
                expected,
                found,
            } => {
                m.serialize_entry("format", &format.id)?;
                m.serialize_entry("expected", expected)?;
                m.serialize_entry("found", found)?;
            }
            Problem::UnknownCountry { code } => m.serialize_entry("country_code", code)?,
            Problem::OrderNumber { format } => m.serialize_entry("format", &format.id)?,
            Problem::DomesticOnly { country } => m.serialize_entry("country", country)?,
            Problem::Unreadable(crate::NormalizeError::InvalidCharacter { ch, index }) => {
                m.serialize_entry("character", ch)?;
                m.serialize_entry("position", &(index + 1))?;
            }
            _ => {}
        }
        m.end()
    }
}
