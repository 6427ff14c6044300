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

use std::cell::RefCell;
use std::io::Write as _;

use serde::ser::{Error as _, Serialize, Serializer};

use crate::catalog::{Carrier, Format, Kind};
use crate::identify::{Candidate, Identification, NumberKind, Problem};
use crate::normalize::{NormalizeError, Normalized};
use crate::recent::Recent;

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
        self.write_head(out);
        self.write_body(out);
    }

    /// [`Verdict::write`], with the part that depends on the number alone (everything after
    /// the input and the offset) copied from `recent` when the number was among the last few
    /// written. `identification` must be the library's verdict on its number (from
    /// [`crate::identify`] or a [`crate::Scanner`] hit), as the copy is keyed by the number.
    ///
    /// A message names its numbers more than once (subject, body, tracking link), and
    /// rendering a verdict is most of the cost of writing a scan hit.
    pub fn write_reusing(&self, out: &mut Vec<u8>, recent: &mut RecentBodies) {
        self.write_head(out);
        let Some(number) = self.identification.number else {
            self.write_body(out);
            return;
        };
        let key = (number, self.today);
        if let Some(body) = recent.0.get(&key) {
            out.extend_from_slice(body);
            return;
        }
        let start = out.len();
        self.write_body(out);
        let kept = recent.0.slot(key);
        kept.clear();
        kept.extend_from_slice(&out[start..]);
    }

    /// `{"input": ..., "offset": ...`
    fn write_head(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"{\"input\":");
        string(out, self.input);
        if let Some(offset) = self.offset {
            out.extend_from_slice(b",\"offset\":");
            unsigned(out, offset);
        }
    }

    /// From `,"number":` to the closing brace: what depends on the verdict alone.
    fn write_body(&self, out: &mut Vec<u8>) {
        let id = self.identification;
        // A normalised number is ASCII letters and digits: nothing to escape.
        let no_number = Normalized::empty();
        let number = match &id.number {
            Some(number) => {
                out.extend_from_slice(b",\"number\":\"");
                number_bytes(out, number);
                out.push(b'"');
                number
            }
            None => {
                out.extend_from_slice(b",\"number\":null");
                &no_number
            }
        };
        out.extend_from_slice(match id.kind() {
            NumberKind::Tracking => b",\"kind\":\"tracking\"",
            NumberKind::OrderNumber => b",\"kind\":\"order_number\"",
            NumberKind::Unknown => b",\"kind\":\"unknown\"",
        });
        out.extend_from_slice(if id.is_valid() {
            b",\"valid\":true,\"candidates\":["
        } else {
            b",\"valid\":false,\"candidates\":["
        });
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

/// The rendered bodies of the last few verdicts, for [`Verdict::write_reusing`]: by number
/// and the date they were rendered for.
#[derive(Debug, Default)]
pub struct RecentBodies(Recent<BodyKey, Vec<u8>, 4>);

/// A number and the date its body was rendered for (`Verdict::today`).
type BodyKey = (Normalized, Option<(i32, u8)>);

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

fn candidate(out: &mut Vec<u8>, c: &Candidate, number: &Normalized, today: Option<(i32, u8)>) {
    let f = c.format;
    // Most candidates say what their format says: that part was rendered once.
    if std::ptr::eq(c.carrier, &f.carrier)
        && c.service.is_none()
        && c.origin_country == f.origin_country.as_deref()
        && c.confidence.to_bits() == f.confidence.to_bits()
    {
        out.extend_from_slice(f.json_own_head.as_bytes());
    } else {
        cached_head(out, c);
    }
    // The head ends with the tracking page up to the number's first place.
    if let Some(pieces) = url_pieces(c.format, c.carrier) {
        for piece in pieces.get(1..).unwrap_or_default() {
            number_bytes(out, number);
            // Most templates end with the number: a copy of nothing would still cost a call.
            if !piece.is_empty() {
                out.extend_from_slice(piece.as_bytes());
            }
        }
        out.push(b'"');
    }
    if let Some(label) = &c.russian_post {
        // The postcode's bytes are digits read off the number: nothing to escape.
        out.extend_from_slice(b",\"origin_postcode\":\"");
        out.extend_from_slice(&label.origin_postcode);
        out.extend_from_slice(b"\",\"label_month_code\":");
        unsigned(out, u64::from(label.month_code));
        if let Some((y, m)) = today.and_then(|t| label.printed_month(t)) {
            // `{y:04}-{m:02}` without the formatting machinery, which cost more than the rest
            // of the verdict.
            out.extend_from_slice(b",\"label_month\":\"");
            match u64::try_from(y) {
                Ok(y) => padded(out, y, 4),
                Err(_) => {
                    let _ = write!(out, "{y:04}");
                }
            }
            out.push(b'-');
            padded(out, u64::from(m), 2);
            out.push(b'"');
        }
    }
    out.push(b'}');
}

/// What a candidate's head is rendered from. The parts are `'static` catalogue data, so equal
/// addresses (and lengths) mean equal text; equal text at other addresses only misses the cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct HeadKey {
    format: usize,
    carrier: usize,
    service: Option<(usize, usize)>,
    origin_country: Option<(usize, usize)>,
    confidence: u32,
}

impl HeadKey {
    fn of(c: &Candidate) -> Self {
        let text = |s: &str| (s.as_ptr().addr(), s.len());
        HeadKey {
            format: std::ptr::from_ref(c.format).addr(),
            carrier: std::ptr::from_ref(c.carrier).addr(),
            service: c.service.map(text),
            origin_country: c.origin_country.map(text),
            confidence: c.confidence.to_bits(),
        }
    }

    fn slot(&self) -> usize {
        let text = |t: Option<(usize, usize)>| t.map_or(0, |(at, len)| at ^ len);
        let mixed = (self.format as u64)
            ^ (self.carrier as u64).rotate_left(16)
            ^ (text(self.service) as u64).rotate_left(32)
            ^ (text(self.origin_country) as u64).rotate_left(48)
            ^ u64::from(self.confidence);
        (mixed.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 54) as usize % HEAD_SLOTS
    }
}

/// Slots of the per-thread head cache: more than the catalogue's S10 operators times their
/// services, so collisions are rare; a collision only renders a head again.
const HEAD_SLOTS: usize = 1024;

/// One slot of the head cache: what the head was rendered from, and the head.
type HeadSlot = Option<(HeadKey, Vec<u8>)>;

thread_local! {
    /// Heads rendered for candidates that differ from their format's own head (S10 numbers
    /// name the issuing post and the service): rendering one escapes its data strings and
    /// took a quarter of the JSON writer's time, and a few hundred combinations recur.
    /// Direct-mapped, so its size is fixed; allocated on first use.
    static HEADS: RefCell<Vec<HeadSlot>> = const { RefCell::new(Vec::new()) };
}

/// The candidate's head (as [`candidate_head`] writes it), from the cache when it is there.
fn cached_head(out: &mut Vec<u8>, c: &Candidate) {
    let key = HeadKey::of(c);
    HEADS.with(|cell| {
        let mut heads = cell.borrow_mut();
        if heads.is_empty() {
            heads.resize_with(HEAD_SLOTS, || None);
        }
        let slot = &mut heads[key.slot()];
        match slot {
            Some((k, head)) if *k == key => out.extend_from_slice(head),
            _ => {
                let mut head = slot.take().map(|(_, h)| h).unwrap_or_default();
                head.clear();
                candidate_head(
                    &mut head,
                    c.format,
                    c.carrier,
                    c.service,
                    c.origin_country,
                    c.confidence,
                );
                out.extend_from_slice(&head);
                *slot = Some((key, head));
            }
        }
    });
}

/// The tracking page's template as JSON string bodies around each place of the number: the
/// same choice as `Candidate::tracking_url_template`, pre-escaped.
fn url_pieces<'a>(format: &'a Format, carrier: &'a Carrier) -> Option<&'a [String]> {
    carrier.url_json.as_deref().or(format
        .carrier
        .url_json
        .as_deref()
        .filter(|_| !format.is_s10()))
}

/// A normalised number's bytes appended: copied at its padded size and cut back, a few moves
/// where a copy of its own length calls `memcpy` (a number is written once per candidate and
/// once more).
fn number_bytes(out: &mut Vec<u8>, number: &Normalized) {
    let len = out.len();
    out.extend_from_slice(number.padded());
    out.truncate(len + number.len());
}

/// A candidate's JSON from its opening brace to the number's first place in `"tracking_url"`
/// (or to its `null`): the part that does not depend on the number.
pub(crate) fn candidate_head(
    out: &mut Vec<u8>,
    format: &Format,
    carrier: &Carrier,
    service: Option<&str>,
    origin_country: Option<&str>,
    confidence_: f32,
) {
    out.extend_from_slice(format.json_head.as_bytes());
    out.push(b',');
    out.extend_from_slice(carrier.json.as_bytes());
    out.extend_from_slice(match format.kind {
        Kind::Tracking => b",\"kind\":\"tracking\",\"service\":",
        Kind::OrderNumber => b",\"kind\":\"order_number\",\"service\":",
    });
    optional(out, service);
    out.extend_from_slice(b",\"origin_country\":");
    optional(out, origin_country);
    out.extend_from_slice(if format.international {
        b",\"international\":true,\"confidence\":"
    } else {
        b",\"international\":false,\"confidence\":"
    });
    confidence(out, confidence_);
    match url_pieces(format, carrier) {
        Some(pieces) => {
            out.extend_from_slice(b",\"tracking_url\":\"");
            out.extend_from_slice(pieces.first().map_or("", String::as_str).as_bytes());
        }
        None => out.extend_from_slice(b",\"tracking_url\":null"),
    }
}

/// What a problem's JSON is rendered from, for the problems that name only `'static` catalogue
/// data: equal addresses (and lengths) mean equal text, as for [`HeadKey`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ProblemKey {
    code: (usize, usize),
    format: usize,
    country: Option<(usize, usize)>,
}

impl ProblemKey {
    /// `None` for a problem that names characters of the input (a check digit, a character, a
    /// country code): those vary, so they are rendered each time.
    fn of(p: &Problem) -> Option<Self> {
        let text = |s: &str| (s.as_ptr().addr(), s.len());
        let mut key = ProblemKey {
            code: text(p.code()),
            format: 0,
            country: None,
        };
        match p {
            Problem::OrderNumber { format } => key.format = std::ptr::from_ref(*format).addr(),
            Problem::DomesticOnly { country } => key.country = country.map(text),
            Problem::Unreadable(NormalizeError::Empty | NormalizeError::TooLong)
            | Problem::SuspiciousSerial
            | Problem::UnknownFormat => {}
            Problem::Unreadable(NormalizeError::InvalidCharacter { .. })
            | Problem::CheckDigitMismatch { .. }
            | Problem::UnknownCountry { .. } => return None,
        }
        Some(key)
    }
}

thread_local! {
    /// The JSON of the last few problems that name only catalogue data: most problems are one
    /// of a few (a domestic Russian Post number, an order number, no known format), and writing
    /// a message piece by piece cost some 400 instructions.
    static PROBLEMS: RefCell<Recent<ProblemKey, Vec<u8>, 8>> = RefCell::new(Recent::default());
}

/// A problem's JSON, copied when the same problem was written recently.
fn problem(out: &mut Vec<u8>, p: &Problem) {
    let Some(key) = ProblemKey::of(p) else {
        render_problem(out, p);
        return;
    };
    PROBLEMS.with(|cell| {
        let mut recent = cell.borrow_mut();
        if let Some(json) = recent.get(&key) {
            out.extend_from_slice(json);
            return;
        }
        let start = out.len();
        render_problem(out, p);
        let kept = recent.slot(key);
        kept.clear();
        kept.extend_from_slice(&out[start..]);
    });
}

fn render_problem(out: &mut Vec<u8>, p: &Problem) {
    out.extend_from_slice(b"{\"code\":");
    quoted_ascii(out, p.code());
    out.extend_from_slice(b",\"message\":\"");
    p.message_pieces(&mut |piece, from_data| {
        if from_data {
            escaped(out, piece);
        } else {
            out.extend_from_slice(piece.as_bytes());
        }
    });
    out.push(b'"');
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
            out.extend_from_slice(b",\"position\":");
            unsigned(out, *index as u64 + 1);
        }
        _ => {}
    }
    out.push(b'}');
}

/// A non-negative integer in decimal.
fn unsigned(out: &mut Vec<u8>, n: u64) {
    padded(out, n, 1);
}

/// A non-negative integer in decimal, with leading zeros to at least `width` digits (at most
/// 20).
fn padded(out: &mut Vec<u8>, mut n: u64, width: usize) {
    let mut digits = [b'0'; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[at.min(digits.len().saturating_sub(width))..]);
}

/// A confidence, to two decimals (the precision the data gives them), as JSON prints it.
fn confidence(out: &mut Vec<u8>, c: f32) {
    let percent = (c.clamp(0.0, 1.0) * 100.0).round() as u8;
    if percent == 100 {
        out.extend_from_slice(b"1.0");
    } else if percent.is_multiple_of(10) {
        out.extend_from_slice(&[b'0', b'.', b'0' + percent / 10]);
    } else {
        out.extend_from_slice(&[b'0', b'.', b'0' + percent / 10, b'0' + percent % 10]);
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

/// The rule [`any_needs_escape`] applies word-wise, byte by byte.
#[cfg(test)]
fn needs_escape(b: u8) -> bool {
    b < 0x20 || b == b'"' || b == b'\\'
}

/// Whether any byte needs escaping. Eight bytes at a time: most strings written are a dozen
/// bytes or so, too short for the vectorised form of a byte loop to pay.
fn any_needs_escape(s: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // A byte of `w` is zero (high bit of the result set for the lowest such byte and maybe
    // others above it, never when no byte is zero).
    let has_zero = |w: u64| w.wrapping_sub(ONES) & !w & HIGH;
    // A byte below 0x20 (bytes of 0x80 and up excluded by `!w`).
    let has_control = |w: u64| w.wrapping_sub(ONES * 0x20) & !w & HIGH;
    let mut chunks = s.chunks_exact(8);
    let word_needs = |w: u64| {
        has_control(w)
            | has_zero(w ^ (ONES * u64::from(b'"')))
            | has_zero(w ^ (ONES * u64::from(b'\\')))
            != 0
    };
    for chunk in chunks.by_ref() {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        if word_needs(u64::from_le_bytes(word)) {
            return true;
        }
    }
    let tail = chunks.remainder();
    if tail.is_empty() {
        return false;
    }
    // The tail: as the last eight bytes, some checked already, when there are eight (a copy of
    // a fixed size, where the tail's own length would call `memcpy`); else padded with a byte
    // that needs no escaping.
    let mut word = [b'A'; 8];
    match s.last_chunk::<8>() {
        Some(last) => word = *last,
        None => word[..tail.len()].copy_from_slice(tail),
    }
    word_needs(u64::from_le_bytes(word))
}

/// The body of a JSON string: as is when nothing needs escaping (the usual case), otherwise
/// escaped by serde_json.
#[inline]
fn escaped(out: &mut Vec<u8>, s: &str) {
    if any_needs_escape(s.as_bytes()) {
        escaped_slow(out, s);
    } else {
        out.extend_from_slice(s.as_bytes());
    }
}

/// Kept out of line: inlined, its buffer and serde_json call made every call of [`escaped`]
/// pay for a large stack frame.
#[cold]
#[inline(never)]
fn escaped_slow(out: &mut Vec<u8>, s: &str) {
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

    #[test]
    fn reused_bodies_write_what_a_fresh_render_writes() {
        // More distinct numbers than the cache holds, recurring, and a date that changes the
        // Russian Post label's month: every line must equal a fresh render.
        let inputs = [
            "RB123456785GB",
            "62009147017544",
            "3074935419642839",
            "LP00573419278865",
            "RA123456786CN",
            "62009147017544",
            "hello",
            "RB123456785GB",
            "YT2229521272164446",
            "3074935419642839",
            "62009147017544",
        ];
        let mut recent = RecentBodies::default();
        for (round, today) in [Some((2026, 11)), Some((2027, 3)), None]
            .into_iter()
            .enumerate()
        {
            for (i, input) in inputs.iter().enumerate() {
                let id = identify(input);
                let verdict = Verdict {
                    input,
                    identification: &id,
                    offset: Some((round * 100 + i) as u64),
                    today,
                };
                let (mut fresh, mut reused) = (Vec::new(), Vec::new());
                verdict.write(&mut fresh);
                verdict.write_reusing(&mut reused, &mut recent);
                assert_eq!(
                    String::from_utf8_lossy(&reused),
                    String::from_utf8_lossy(&fresh),
                    "{input} on {today:?}"
                );
            }
        }
    }

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
    fn integers_print_in_decimal() {
        for n in [0, 7, 10, 1234567890, u64::MAX] {
            let mut out = Vec::new();
            unsigned(&mut out, n);
            assert_eq!(String::from_utf8_lossy(&out), n.to_string());
            for width in [2, 4] {
                let mut out = Vec::new();
                padded(&mut out, n, width);
                assert_eq!(String::from_utf8_lossy(&out), format!("{n:0width$}"));
            }
        }
    }

    #[test]
    fn the_word_wise_escape_check_agrees_with_the_byte_rule() {
        let naive = |s: &[u8]| s.iter().any(|&b| needs_escape(b));
        let mut cases = 0;
        for len in 0..20 {
            for at in 0..len {
                for b in 0..=255u8 {
                    let mut s = vec![b'7'; len];
                    s[at] = b;
                    // Neighbours that are high or low bytes, so borrows between bytes show up.
                    if at + 1 < len {
                        s[at + 1] = b.wrapping_add(0x80);
                    }
                    assert_eq!(any_needs_escape(&s), naive(&s), "{s:?}");
                    cases += 1;
                }
            }
        }
        assert!(cases > 40_000);
        assert!(!any_needs_escape(b""));
    }

    #[test]
    fn fixed_message_wording_needs_no_escaping() {
        let cat = crate::catalog();
        let format = &cat.formats()[0];
        let problems = [
            Problem::Unreadable(NormalizeError::Empty),
            Problem::CheckDigitMismatch {
                format,
                expected: '1',
                found: '2',
            },
            Problem::UnknownCountry {
                code: "QQ".to_owned(),
            },
            Problem::OrderNumber { format },
            Problem::DomesticOnly {
                country: Some("RU"),
            },
            Problem::DomesticOnly { country: None },
            Problem::SuspiciousSerial,
            Problem::UnknownFormat,
        ];
        for p in &problems {
            let mut fixed = Vec::new();
            p.message_pieces(&mut |piece, from_data| {
                if !from_data {
                    fixed.push(piece.to_owned());
                }
            });
            for piece in fixed {
                assert!(!any_needs_escape(piece.as_bytes()), "{piece:?}");
            }
        }
    }

    #[test]
    fn recent_problems_write_what_a_fresh_render_writes() {
        let cat = crate::catalog();
        let (a, b) = (&cat.formats()[0], &cat.formats()[1]);
        let problems = [
            Problem::Unreadable(NormalizeError::Empty),
            Problem::Unreadable(NormalizeError::TooLong),
            Problem::Unreadable(NormalizeError::InvalidCharacter { ch: 'Ж', index: 3 }),
            Problem::OrderNumber { format: a },
            Problem::OrderNumber { format: b },
            Problem::DomesticOnly {
                country: Some("RU"),
            },
            Problem::DomesticOnly {
                country: Some("CN"),
            },
            Problem::DomesticOnly { country: None },
            Problem::SuspiciousSerial,
            Problem::UnknownFormat,
            Problem::CheckDigitMismatch {
                format: a,
                expected: '1',
                found: '2',
            },
            Problem::UnknownCountry {
                code: "QQ".to_owned(),
            },
        ];
        // More kinds than the cache keeps, three times over: copies and fresh renders alike.
        for _ in 0..3 {
            for p in &problems {
                let (mut fresh, mut written) = (Vec::new(), Vec::new());
                render_problem(&mut fresh, p);
                problem(&mut written, p);
                assert_eq!(
                    String::from_utf8_lossy(&written),
                    String::from_utf8_lossy(&fresh),
                    "{p:?}"
                );
            }
        }
    }

    #[test]
    fn hostile_data_in_messages_is_escaped() {
        let p = Problem::UnknownCountry {
            code: "\"\\\n".to_owned(),
        };
        let mut out = Vec::new();
        problem(&mut out, &p);
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap_or_default();
        assert_eq!(v["message"], p.message());
        assert_eq!(v["country_code"], "\"\\\n");
    }

    #[test]
    fn cached_heads_match_fresh_ones() {
        // S10 numbers of different posts and services, twice each: the second rendering comes
        // from the cache and must equal a fresh one.
        let inputs = [
            "RB123456785GB",
            "RA123456785CN",
            "EE123456785RU",
            "CP123456785DE",
            "LZ123456785LV",
            "UB123456785YP",
            "RR876543216US",
        ];
        let mut seen_cached = 0;
        for _ in 0..2 {
            for input in inputs {
                let id = identify(input);
                for c in &id.candidates {
                    let mut fresh = Vec::new();
                    candidate_head(
                        &mut fresh,
                        c.format,
                        c.carrier,
                        c.service,
                        c.origin_country,
                        c.confidence,
                    );
                    let mut cached = Vec::new();
                    cached_head(&mut cached, c);
                    assert_eq!(
                        String::from_utf8_lossy(&cached),
                        String::from_utf8_lossy(&fresh),
                        "{input}"
                    );
                    seen_cached += 1;
                }
            }
        }
        assert!(seen_cached >= 2 * inputs.len(), "{seen_cached}");
        // Different keys in one slot replace each other and still render right.
        let id = identify("RB123456785GB");
        let c = &id.candidates[0];
        let mut other = c.clone();
        other.confidence = 0.42;
        let (mut a, mut b) = (Vec::new(), Vec::new());
        cached_head(&mut a, c);
        cached_head(&mut b, &other);
        assert_ne!(a, b);
        assert!(String::from_utf8_lossy(&b).contains("\"confidence\":0.42,\"tracking_url\":"));
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
