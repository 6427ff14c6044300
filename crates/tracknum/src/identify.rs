//! Identifying one number: every format it fits, ranked, and what is wrong with it.
//!
//! One anchored pass of the multi-pattern automaton finds the formats whose shape fits; only
//! those run their capture regex, check digit and lookups. A shape that fits with a wrong check
//! digit is kept as a near miss, so the user is told which digit was expected.

use std::cell::RefCell;

use regex_automata::nfa::thompson::backtrack;
use regex_automata::util::captures::Captures;
use regex_automata::{Anchored, Input};

use crate::catalog::{Carrier, Compiled, Edge, Format, Kind, Slot, Spans, catalog};
use crate::normalize::{MAX_LEN, NormalizeError, Normalized, normalize};

/// What a pasted string is, as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NumberKind {
    /// A carrier's tracking number (possibly with a typo: see `problems`).
    Tracking,
    /// A marketplace order number: the tracking number is elsewhere on the order page.
    OrderNumber,
    /// Nothing known.
    Unknown,
}

impl NumberKind {
    /// The stable key: `tracking`, `order_number` or `unknown`.
    pub fn key(self) -> &'static str {
        match self {
            NumberKind::Tracking => "tracking",
            NumberKind::OrderNumber => "order_number",
            NumberKind::Unknown => "unknown",
        }
    }
}

/// One interpretation of a number.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// The format that fits.
    pub format: &'static Format,
    /// Who tracks it: the format's carrier, or for S10 the post that issued the number.
    pub carrier: &'static Carrier,
    /// The service the number encodes, when it encodes one (e.g. S10 `Letter Post Registered`).
    pub service: Option<&'static str>,
    /// The country the number was issued in, when known.
    pub origin_country: Option<&'static str>,
    /// How likely this interpretation is, 0..1.
    pub confidence: f32,
    /// For Russian Post 14-digit numbers: the accepting office and the label's month code.
    pub russian_post: Option<RussianPostLabel>,
}

impl Candidate {
    /// Whether the number is tracked across borders (false: it goes dark after export).
    pub fn international(&self) -> bool {
        self.format.international
    }

    /// The carrier's tracking page for this number, when one is known.
    pub fn tracking_url(&self, number: &str) -> Option<String> {
        self.tracking_url_template()
            .map(|t| t.replace("%s", number))
    }

    /// The tracking page's template, `%s` standing for the number.
    pub fn tracking_url_template(&self) -> Option<&'static str> {
        self.carrier.tracking_url.as_deref().or(self
            .format
            .carrier
            .tracking_url
            .as_deref()
            .filter(|_| !self.format.is_s10()))
    }
}

/// What the 14 digits of a Russian Post domestic number say about where and when it was issued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RussianPostLabel {
    /// Postcode (индекс) of the post office that accepted the item.
    pub origin_postcode: [u8; 6],
    /// The month the label was printed: 1 = January 2000, cycling after 99.
    pub month_code: u8,
}

impl RussianPostLabel {
    /// The postcode as text.
    pub fn origin_postcode(&self) -> &str {
        std::str::from_utf8(&self.origin_postcode).unwrap_or_default()
    }

    /// The most recent (year, month) not after `today` whose month code is this label's.
    /// The code cycles every 99 months, so only a reference date can place it.
    pub fn printed_month(&self, today: (i32, u8)) -> Option<(i32, u8)> {
        if !(1..=99).contains(&self.month_code) || !(1..=12).contains(&today.1) {
            return None;
        }
        let now = (today.0 - 2000) * 12 + i32::from(today.1) - 1;
        if now < 0 {
            return None;
        }
        let code = i32::from(self.month_code) - 1;
        let cycles = (now - code).div_euclid(99);
        let k = code + cycles * 99;
        (k >= 0).then(|| (2000 + k / 12, (k % 12 + 1) as u8))
    }
}

/// Something to tell the user about the input.
#[derive(Debug, Clone, PartialEq)]
pub enum Problem {
    /// The input could not be normalised into a number.
    Unreadable(NormalizeError),
    /// The shape of a format fits, but the check digit is wrong: probably a typo.
    CheckDigitMismatch {
        format: &'static Format,
        expected: char,
        found: char,
    },
    /// An S10-shaped number whose suffix is no UPU member's country code.
    UnknownCountry { code: String },
    /// The input looks like a marketplace order number, not a tracking number.
    OrderNumber { format: &'static Format },
    /// The number is tracked only inside its country of issue.
    DomesticOnly { country: Option<&'static str> },
    /// Serial 00000000: passes the check digit but does not occur in real use.
    SuspiciousSerial,
    /// No known format fits.
    UnknownFormat,
}

impl Problem {
    /// A stable key for the problem.
    pub fn code(&self) -> &'static str {
        match self {
            Problem::Unreadable(NormalizeError::Empty) => "empty",
            Problem::Unreadable(NormalizeError::TooLong) => "too_long",
            Problem::Unreadable(NormalizeError::InvalidCharacter { .. }) => "invalid_character",
            Problem::CheckDigitMismatch { .. } => "check_digit_mismatch",
            Problem::UnknownCountry { .. } => "unknown_country",
            Problem::OrderNumber { .. } => "order_number",
            Problem::DomesticOnly { .. } => "domestic_only",
            Problem::SuspiciousSerial => "suspicious_serial",
            Problem::UnknownFormat => "unknown_format",
        }
    }

    /// A plain-English explanation with what to do.
    pub fn message(&self) -> String {
        let mut text = String::new();
        self.message_pieces(&mut |piece, _| text.push_str(piece));
        text
    }

    /// The message in pieces, in order: fixed wording (`false`: no character in it needs
    /// escaping in JSON) and text from the data or the input (`true`). The JSON writer escapes
    /// only the latter and allocates nothing for the usual problems.
    pub(crate) fn message_pieces(&self, emit: &mut dyn FnMut(&str, bool)) {
        match self {
            Problem::Unreadable(e) => {
                emit("not a number: ", false);
                emit(&e.to_string(), true);
            }
            Problem::CheckDigitMismatch {
                format,
                expected,
                found,
            } => {
                emit("fits ", false);
                emit(&format.name, true);
                emit(" but the check digit is ", false);
                emit(found.encode_utf8(&mut [0; 4]), true);
                emit(", expected ", false);
                emit(expected.encode_utf8(&mut [0; 4]), true);
                emit(": check the number for a typo", false);
            }
            Problem::UnknownCountry { code } => {
                emit("shaped like an international postal number, but ", false);
                emit(code, true);
                emit(" is not a postal country code", false);
            }
            Problem::OrderNumber { format } => {
                emit("this looks like your ", false);
                emit(&format.name, true);
                emit(
                    ": the tracking number is shown just above it on the order page",
                    false,
                );
            }
            Problem::DomesticOnly { country } => match country {
                Some(c) => {
                    emit("a domestic number of ", false);
                    emit(c, true);
                    emit(": it is tracked only inside ", false);
                    emit(c, true);
                    emit(
                        " (a parcel from abroad gets such a number at the border)",
                        false,
                    );
                }
                None => emit(
                    "a domestic number: it is tracked only inside one country",
                    false,
                ),
            },
            Problem::SuspiciousSerial => emit(
                "serial number 00000000 passes the check but is not used for real items",
                false,
            ),
            Problem::UnknownFormat => emit("no known tracking-number format fits", false),
        }
    }
}

/// The verdict on one input.
#[derive(Debug, Clone, Default)]
pub struct Identification {
    /// The normalised number, unless the input could not be normalised.
    pub number: Option<Normalized>,
    /// Every interpretation that fits, best first.
    pub candidates: Vec<Candidate>,
    /// What to tell the user.
    pub problems: Vec<Problem>,
    kind: Option<NumberKind>,
}

impl Identification {
    /// What the input is as a whole.
    pub fn kind(&self) -> NumberKind {
        self.kind.unwrap_or(NumberKind::Unknown)
    }

    /// True when at least one tracking-number interpretation exists.
    pub fn is_valid(&self) -> bool {
        self.candidates
            .iter()
            .any(|c| c.format.kind == Kind::Tracking)
    }

    /// The best interpretation.
    pub fn best(&self) -> Option<&Candidate> {
        self.candidates.first()
    }

    /// Becomes a copy of `other`, reusing this verdict's vectors.
    pub(crate) fn copy_from(&mut self, other: &Identification) {
        self.number = other.number;
        self.candidates.clone_from(&other.candidates);
        self.problems.clone_from(&other.problems);
        self.kind = other.kind;
    }

    fn clear(&mut self) {
        self.number = None;
        self.candidates.clear();
        self.problems.clear();
        self.kind = None;
    }
}

/// Identify a pasted number.
///
/// ```
/// let id = tracknum::identify("rb 1234 5678 5gb");
/// assert!(id.is_valid());
/// let best = id.best().unwrap();
/// assert_eq!(best.format.id, "s10");
/// assert_eq!(best.carrier.id, "royal-mail");
/// assert_eq!(best.service, Some("Letter Post Registered"));
/// ```
pub fn identify(input: &str) -> Identification {
    let mut out = Identification::default();
    identify_into(input, &mut out);
    out
}

/// Identify into an existing verdict, reusing its buffers (no allocation in the common case).
pub fn identify_into(input: &str, out: &mut Identification) {
    out.clear();
    match normalize(input) {
        Ok(n) => identify_normalized_into(n, out),
        Err(e) => {
            out.kind = Some(NumberKind::Unknown);
            out.problems.push(Problem::Unreadable(e));
        }
    }
}

/// Buffers reused from one number to the next.
struct Scratch {
    fitting: Vec<usize>,
    /// Per format, for the few matched with a backtracking regex.
    captures: Vec<Option<(backtrack::Cache, Captures)>>,
}

thread_local! {
    static SCRATCH: RefCell<Option<Scratch>> = const { RefCell::new(None) };
}

/// Identify an already normalised number.
pub fn identify_normalized_into(number: Normalized, out: &mut Identification) {
    out.clear();
    out.number = Some(number);
    let cat = catalog();
    // Bytes, not text: the number is ASCII, and its groups are read as bytes.
    let hay = number.as_bytes();
    let mut near_miss: Option<Problem> = None;
    let mut unknown_country: Option<Problem> = None;
    SCRATCH.with(|cell| {
        let mut slot = cell.borrow_mut();
        let scratch = slot.get_or_insert_with(|| Scratch {
            fitting: Vec::new(),
            captures: (0..cat.formats().len()).map(|_| None).collect(),
        });
        cat.fitting_formats(hay, &mut scratch.fitting);
        for &index in &scratch.fitting {
            let format = &cat.formats()[index];
            let caps = &mut scratch.captures[index];
            let outcome = evaluate(format, hay, caps);
            match outcome {
                Outcome::Fits(c) => out.candidates.push(c),
                Outcome::CheckDigit { expected, found } => {
                    // Only distinctive formats make a useful "did you mean": a random digit
                    // string fails some all-digit format's check most of the time.
                    let better = match &near_miss {
                        Some(Problem::CheckDigitMismatch { format: f, .. }) => {
                            format.confidence > f.confidence
                        }
                        _ => true,
                    };
                    if format.confidence >= 0.75 && better {
                        near_miss = Some(Problem::CheckDigitMismatch {
                            format,
                            expected: char::from(expected),
                            found: char::from(found),
                        });
                    }
                }
                Outcome::UnknownCountry(code) => {
                    unknown_country = Some(Problem::UnknownCountry { code });
                }
                Outcome::NoMatch => {}
            }
        }
    });
    // Best first; the sort is stable, so ties keep catalogue order (corridor formats first).
    out.candidates
        .sort_by(|a, b| b.confidence.total_cmp(&a.confidence));
    let kind = match out.candidates.first() {
        Some(c) if c.format.kind == Kind::OrderNumber => NumberKind::OrderNumber,
        Some(_) => NumberKind::Tracking,
        None if near_miss.is_some() || unknown_country.is_some() => NumberKind::Tracking,
        None => NumberKind::Unknown,
    };
    out.kind = Some(kind);
    if let Some(c) = out
        .candidates
        .iter()
        .find(|c| c.format.kind == Kind::OrderNumber)
    {
        out.problems.push(Problem::OrderNumber { format: c.format });
    }
    // An S10 number of a real post with a wrong check digit is a typo, whatever check-less
    // format its shape also fits: today's trackers call such numbers valid, and the buyer waits
    // for a parcel that the number will never show.
    if matches!(&near_miss, Some(Problem::CheckDigitMismatch { format, .. }) if format.is_s10()) {
        out.candidates.retain(|c| c.format.has_check_digit());
    }
    // A near miss of a format more likely than the best fit is worth saying even when
    // something weaker fits (a Russian Post typo still fits a check-less 14-digit format).
    let best_confidence = out.candidates.first().map_or(0.0, |c| c.confidence);
    if let Some(Problem::CheckDigitMismatch { format, .. }) = &near_miss
        && (out.candidates.is_empty() || format.confidence > best_confidence)
    {
        out.problems.extend(near_miss.take());
    }
    if out.candidates.is_empty() {
        match unknown_country {
            Some(p) if out.problems.is_empty() => out.problems.push(p),
            _ if out.problems.is_empty() => out.problems.push(Problem::UnknownFormat),
            _ => {}
        }
    } else if let Some(best) = out
        .candidates
        .iter()
        .find(|c| c.format.kind == Kind::Tracking)
    {
        if !best.international() && kind == NumberKind::Tracking {
            out.problems.push(Problem::DomesticOnly {
                country: best.origin_country,
            });
        }
        if best.format.is_s10() && hay.get(2..10) == Some(b"00000000".as_slice()) {
            out.problems.push(Problem::SuspiciousSerial);
        }
    }
}

/// Capture slots kept on the stack for a [`Compiled::Looking`] search (the IMpb patterns have
/// about 60); more go on the heap.
const LOOKING_SLOTS: usize = 96;

enum Outcome {
    Fits(Candidate),
    CheckDigit { expected: u8, found: u8 },
    UnknownCountry(String),
    NoMatch,
}

/// Where the read groups of `hay` are, by slot, into `spans` (all `None` on entry; filled in
/// place because returning the array by value cost a copy per format tried); `None` when the
/// exact pattern does not match (only a pattern with lookarounds can fail once the set has
/// matched).
fn spans(
    format: &'static Format,
    hay: &[u8],
    caps: &mut Option<(backtrack::Cache, Captures)>,
    spans: &mut Spans,
) -> Option<()> {
    // The catalogue's tests compile every format; a failure here can only mean no match.
    match format.compiled().ok()? {
        // The set's anchored match already proved the shape.
        Compiled::Layout { groups, looks } => {
            if !looks.iter().all(|l| l.holds(hay)) {
                return None;
            }
            read_layout(groups, hay.len(), spans);
        }
        Compiled::ByLength(by_length) => {
            let (_, groups) = by_length.iter().find(|(len, _)| *len == hay.len())?;
            read_layout(groups, hay.len(), spans);
        }
        Compiled::Backtrack(re, slots) => {
            let (cache, caps) =
                caps.get_or_insert_with(|| (re.create_cache(), re.create_captures()));
            re.try_search(cache, &Input::new(hay).anchored(Anchored::Yes), caps)
                .ok()?;
            if !caps.is_match() {
                return None;
            }
            for (slot, indexes) in slots.iter().enumerate() {
                spans[slot] = indexes
                    .iter()
                    .find_map(|&i| caps.get_group(i))
                    .map(|span| (span.start, span.end));
            }
        }
        Compiled::Looking(m, slots) => {
            let mut found = [None; LOOKING_SLOTS];
            let mut heap = Vec::new();
            let found: &mut [Option<usize>] = if m.slot_len() <= LOOKING_SLOTS {
                &mut found[..m.slot_len()]
            } else {
                heap.resize(m.slot_len(), None);
                &mut heap
            };
            if !m.find(hay, 0, found) {
                return None;
            }
            for (slot, indexes) in slots.iter().enumerate() {
                spans[slot] = indexes.iter().find_map(|&i| {
                    let (start, end) = (found.get(2 * i)?, found.get(2 * i + 1)?);
                    Some(((*start)?, (*end)?))
                });
            }
        }
        Compiled::Fancy(re, slots) => {
            // A backtracking limit on a short number cannot be hit; treat it as no match.
            let found = re.captures(std::str::from_utf8(hay).ok()?).ok()??;
            for (slot, names) in slots.iter().enumerate() {
                spans[slot] = names
                    .iter()
                    .find_map(|n| found.name(n))
                    .map(|m| (m.start(), m.end()));
            }
        }
    }
    Some(())
}

/// Where a layout's groups lie in a number of `len` bytes, into `spans`; the first group read
/// into a slot wins, as with a regex's captures.
fn read_layout(groups: &[(usize, Edge, Edge)], len: usize, spans: &mut Spans) {
    for &(slot, start, end) in groups {
        if spans[slot].is_none()
            && let (Some(s), Some(e)) = (start.at(len), end.at(len))
            && s <= e
        {
            spans[slot] = Some((s, e));
        }
    }
}

fn evaluate(
    format: &'static Format,
    hay: &[u8],
    caps: &mut Option<(backtrack::Cache, Captures)>,
) -> Outcome {
    let mut spans: Spans = [None; Slot::MAX];
    if self::spans(format, hay, caps, &mut spans).is_none() {
        return Outcome::NoMatch;
    }
    let group = |slot: usize| spans[slot].and_then(|(s, e)| hay.get(s..e));

    for &required in &format.required_lookups {
        let lookup = &format.lookups[required];
        let value = group(lookup.slot).unwrap_or_default();
        if lookup.find(value).is_none() {
            return if format.is_s10() {
                Outcome::UnknownCountry(String::from_utf8_lossy(value).into_owned())
            } else {
                Outcome::NoMatch
            };
        }
    }
    if let Some(checksum) = &format.checksum {
        let (Some(serial), Some(check)) = (group(Slot::SERIAL), group(Slot::CHECK)) else {
            return Outcome::NoMatch;
        };
        let mut buf = [0u8; 2 * MAX_LEN];
        let mut len = 0;
        if let Some(content) = format.prepend_if.as_ref().and_then(|p| p.content(serial)) {
            let c = content.as_bytes();
            buf[..c.len()].copy_from_slice(c);
            len = c.len();
        }
        buf[len..len + serial.len()].copy_from_slice(serial);
        len += serial.len();
        let expected = checksum.expected(&buf[..len]);
        let found = check.first().copied().unwrap_or(b'?');
        if expected != found {
            return Outcome::CheckDigit { expected, found };
        }
    }

    let cat = catalog();
    let mut carrier = &format.carrier;
    let mut origin_country = format.origin_country.as_deref();
    let mut confidence = format.confidence;
    if format.is_s10() {
        let code = group(Slot::COUNTRY).unwrap_or_default();
        match cat.operator(code) {
            Some(op) => {
                carrier = &op.carrier;
                origin_country = Some(op.country_code.as_str());
            }
            None => return Outcome::UnknownCountry(String::from_utf8_lossy(code).into_owned()),
        }
    }
    let service = format.service_lookup.and_then(|i| {
        let lookup = &format.lookups[i];
        lookup.find(group(lookup.slot)?).flatten()
    });
    if format.is_s10() {
        confidence = if service.is_none() { 0.9 } else { 0.99 };
        if group(Slot::SERIAL) == Some(b"00000000".as_slice()) {
            confidence = 0.5;
        }
    }
    let russian_post = match (group(Slot::ORIGIN_POSTCODE), group(Slot::MONTH_CODE)) {
        (Some(office), Some(month)) => Some(RussianPostLabel {
            origin_postcode: office.try_into().unwrap_or([b'0'; 6]),
            month_code: std::str::from_utf8(month)
                .ok()
                .and_then(|m| m.parse().ok())
                .unwrap_or(0),
        }),
        _ => None,
    };
    Outcome::Fits(Candidate {
        format,
        carrier,
        service,
        origin_country,
        confidence,
        russian_post,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn month_code_is_placed_in_the_latest_cycle() {
        let label = |code| RussianPostLabel {
            origin_postcode: *b"620091",
            month_code: code,
        };
        assert_eq!(label(47).printed_month((2012, 6)), Some((2012, 2)));
        assert_eq!(label(16).printed_month((2026, 11)), Some((2026, 1)));
        assert_eq!(label(22).printed_month((2026, 7)), Some((2026, 7)));
        // Code 23 would be Aug 2026: not yet, so the previous cycle (May 2018).
        assert_eq!(label(23).printed_month((2026, 7)), Some((2018, 5)));
        assert_eq!(label(0).printed_month((2026, 7)), None);
    }
}
