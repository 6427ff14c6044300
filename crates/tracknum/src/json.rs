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
//! Written straight into a byte buffer: identification runs at millions of numbers per second,
//! and a generic serialiser escaping every field was most of the cost. Only text that can hold
//! anything (the input, messages, names from the data) goes through escaping, and that takes a
//! fast path when nothing needs escaping. [`Verdict`] also implements `Serialize` by embedding
//! this output as a raw JSON value, so there is one definition of the shape.

use std::io::Write as _;

use serde::ser::{Error as _, Serialize, Serializer};

use crate::catalog::Kind;
use crate::identify::{Candidate, Identification, Problem};
use crate::normalize::NormalizeError;

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

impl Verdict<'_> {
    /// Append the verdict as one JSON object (no newline) to `out`.
    pub fn write(&self, out: &mut Vec<u8>) {
        let id = self.identification;
        out.extend_from_slice(b"{\"input\":");
        string(out, self.input);
        if let Some(offset) = self.offset {
            out.extend_from_slice(b",\"offset\":");
            let _ = write!(out, "{offset}");
        }
        out.extend_from_slice(b",\"number\":");
        match &id.number {
            // A normalised number is ASCII letters and digits: nothing to escape.
            Some(n) => quoted_ascii(out, n.as_str()),
            None => out.extend_from_slice(b"null"),
        }
        out.extend_from_slice(b",\"kind\":");
        quoted_ascii(out, id.kind().key());
        out.extend_from_slice(if id.is_valid() {
            b",\"valid\":true,\"candidates\":["
        } else {
            b",\"valid\":false,\"candidates\":["
        });
        let number = id.number.as_ref().map(|n| n.as_str()).unwrap_or_default();
        for (i, c) in id.candidates.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            candidate(out, c, number, self.today);
        }
        out.extend_from_slice(b"],\"problems\":[");
        for (i, p) in id.problems.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            problem(out, p);
        }
        out.extend_from_slice(b"]}");
    }
}

impl Serialize for Verdict<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut buf = Vec::with_capacity(512);
        self.write(&mut buf);
        let text = String::from_utf8(buf).map_err(S::Error::custom)?;
        serde_json::value::RawValue::from_string(text)
            .map_err(S::Error::custom)?
            .serialize(s)
    }
}

fn candidate(out: &mut Vec<u8>, c: &Candidate, number: &str, today: Option<(i32, u8)>) {
    out.extend_from_slice(c.format.json_head.as_bytes());
    out.push(b',');
    out.extend_from_slice(c.carrier.json.as_bytes());
    out.extend_from_slice(match c.format.kind {
        Kind::Tracking => b",\"kind\":\"tracking\",\"service\":",
        Kind::OrderNumber => b",\"kind\":\"order_number\",\"service\":",
    });
    optional(out, c.service);
    out.extend_from_slice(b",\"origin_country\":");
    optional(out, c.origin_country);
    out.extend_from_slice(if c.international() {
        b",\"international\":true,\"confidence\":"
    } else {
        b",\"international\":false,\"confidence\":"
    });
    confidence(out, c.confidence);
    out.extend_from_slice(b",\"tracking_url\":");
    match c.tracking_url_template() {
        Some(template) => {
            out.push(b'"');
            let mut rest = template;
            while let Some(at) = placeholder(rest) {
                escaped(out, &rest[..at]);
                out.extend_from_slice(number.as_bytes());
                rest = &rest[at + 2..];
            }
            escaped(out, rest);
            out.push(b'"');
        }
        None => out.extend_from_slice(b"null"),
    }
    if let Some(label) = &c.russian_post {
        out.extend_from_slice(b",\"origin_postcode\":");
        string(out, label.origin_postcode());
        let _ = write!(out, ",\"label_month_code\":{}", label.month_code);
        if let Some((y, m)) = today.and_then(|t| label.printed_month(t)) {
            let _ = write!(out, ",\"label_month\":\"{y:04}-{m:02}\"");
        }
    }
    out.push(b'}');
}

fn problem(out: &mut Vec<u8>, p: &Problem) {
    out.extend_from_slice(b"{\"code\":");
    quoted_ascii(out, p.code());
    out.extend_from_slice(b",\"message\":");
    string(out, &p.message());
    match p {
        Problem::CheckDigitMismatch {
            format,
            expected,
            found,
        } => {
            out.extend_from_slice(b",\"format\":");
            string(out, &format.id);
            out.extend_from_slice(b",\"expected\":");
            string(out, expected.encode_utf8(&mut [0; 4]));
            out.extend_from_slice(b",\"found\":");
            string(out, found.encode_utf8(&mut [0; 4]));
        }
        Problem::UnknownCountry { code } => {
            out.extend_from_slice(b",\"country_code\":");
            string(out, code);
        }
        Problem::OrderNumber { format } => {
            out.extend_from_slice(b",\"format\":");
            string(out, &format.id);
        }
        Problem::DomesticOnly { country } => {
            out.extend_from_slice(b",\"country\":");
            optional(out, *country);
        }
        Problem::Unreadable(NormalizeError::InvalidCharacter { ch, index }) => {
            out.extend_from_slice(b",\"character\":");
            string(out, ch.encode_utf8(&mut [0; 4]));
            let _ = write!(out, ",\"position\":{}", index + 1);
        }
        _ => {}
    }
    out.push(b'}');
}

/// Where `%s` stands in a URL template.
fn placeholder(template: &str) -> Option<usize> {
    let bytes = template.as_bytes();
    let mut from = 0;
    while let Some(i) = memchr::memchr(b'%', &bytes[from..]) {
        let at = from + i;
        if bytes.get(at + 1) == Some(&b's') {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// A confidence, to two decimals (the precision the data gives them), as JSON prints it.
fn confidence(out: &mut Vec<u8>, c: f32) {
    let percent = (c.clamp(0.0, 1.0) * 100.0).round() as u32;
    if percent == 100 {
        out.extend_from_slice(b"1.0");
    } else if percent.is_multiple_of(10) {
        let _ = write!(out, "0.{}", percent / 10);
    } else {
        let _ = write!(out, "0.{percent:02}");
    }
}

fn optional(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        Some(s) => string(out, s),
        None => out.extend_from_slice(b"null"),
    }
}

/// A JSON string.
fn string(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    escaped(out, s);
    out.push(b'"');
}

/// Text known to need no escaping (keys, normalised numbers).
fn quoted_ascii(out: &mut Vec<u8>, s: &str) {
    debug_assert!(!any_needs_escape(s.as_bytes()));
    out.push(b'"');
    out.extend_from_slice(s.as_bytes());
    out.push(b'"');
}

fn needs_escape(b: u8) -> bool {
    b < 0x20 || b == b'"' || b == b'\\'
}

/// Whether any byte needs escaping; no early exit, so the check runs many bytes at a time.
fn any_needs_escape(s: &[u8]) -> bool {
    s.iter().fold(false, |acc, &b| acc | needs_escape(b))
}

/// The body of a JSON string: as is when nothing needs escaping (the usual case), otherwise
/// escaped by serde_json.
fn escaped(out: &mut Vec<u8>, s: &str) {
    if !any_needs_escape(s.as_bytes()) {
        out.extend_from_slice(s.as_bytes());
        return;
    }
    let mut quoted = Vec::with_capacity(s.len() + 8);
    // Writing into a Vec cannot fail.
    if serde_json::to_writer(&mut quoted, s).is_ok() {
        out.extend_from_slice(&quoted[1..quoted.len() - 1]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identify;

    fn json(input: &str) -> serde_json::Value {
        let id = identify(input);
        let mut buf = Vec::new();
        Verdict {
            input,
            identification: &id,
            offset: None,
            today: Some((2026, 11)),
        }
        .write(&mut buf);
        serde_json::from_slice(&buf).unwrap_or_else(|e| panic!("{input:?}: {e}"))
    }

    #[test]
    fn the_documented_shape() {
        let v = json("rb 1234 5678 5gb");
        assert_eq!(v["input"], "rb 1234 5678 5gb");
        assert_eq!(v["number"], "RB123456785GB");
        assert_eq!(v["kind"], "tracking");
        assert_eq!(v["valid"], true);
        let c = &v["candidates"][0];
        assert_eq!(c["format"], "s10");
        assert_eq!(c["carrier"], "royal-mail");
        assert_eq!(c["carrier_name"], "Royal Mail");
        assert_eq!(c["service"], "Letter Post Registered");
        assert_eq!(c["origin_country"], "GB");
        assert_eq!(c["international"], true);
        assert_eq!(c["confidence"], 0.99);
        assert!(
            c["tracking_url"]
                .as_str()
                .is_some_and(|u| u.ends_with("RB123456785GB"))
        );
        assert_eq!(v["problems"], serde_json::json!([]));
    }

    #[test]
    fn confidences_print_as_json_numbers() {
        for (c, text) in [
            (0.99, "0.99"),
            (0.5, "0.5"),
            (1.0, "1.0"),
            (0.0, "0.0"),
            (0.05, "0.05"),
        ] {
            let mut out = Vec::new();
            confidence(&mut out, c);
            assert_eq!(String::from_utf8_lossy(&out), text);
        }
    }

    #[test]
    fn url_templates_take_the_number() {
        assert_eq!(placeholder("https://x/?a=%20&n=%s"), Some(19));
        assert_eq!(placeholder("no placeholder %"), None);
    }

    #[test]
    fn hostile_input_is_escaped() {
        for input in ["\"quoted\\\"", "tab\there", "\u{1}\u{1f}", "RB\"123"] {
            let v = json(input);
            assert_eq!(v["input"], input);
        }
    }

    #[test]
    fn serialize_embeds_the_same_json() {
        let id = identify("62009147017544");
        let verdict = Verdict {
            input: "62009147017544",
            identification: &id,
            offset: Some(7),
            today: Some((2026, 11)),
        };
        let mut direct = Vec::new();
        verdict.write(&mut direct);
        let via_serde = serde_json::to_vec(&verdict).unwrap_or_default();
        assert_eq!(direct, via_serde);
        let v: serde_json::Value = serde_json::from_slice(&direct).unwrap_or_default();
        assert_eq!(v["offset"], 7);
        assert_eq!(v["candidates"][0]["origin_postcode"], "620091");
        assert_eq!(v["candidates"][0]["label_month"], "2020-05");
    }
}
