//! Finding tracking and order numbers in arbitrary text.
//!
//! Text is split into *tokens* (runs of ASCII letters and digits, with at most two Cyrillic
//! look-alike letters glued in, as people type `РА123456785СN` on a Cyrillic layout). Tokens
//! separated by exactly one space, no-break space or hyphen form a *run*; a number may span
//! several tokens of a run (`RB 1234 5678 5GB`), but never part of a token, so there are no hits
//! inside longer words, URLs' ids or serials.
//!
//! Speed comes from where the work is skipped: every number has at least seven digits, so the
//! scanner jumps from digit to digit (a branch-free check of 8 bytes at a time) and looks at a
//! run only when its digits could make a number; a run's look ends at the first word that
//! cannot be a piece of a number (no digit, no capital), since no number spans such a word.
//! Candidates spanning several tokens must contain a letter (phone numbers, dates and prices
//! are digit groups), and a weak all-digit hit (no check digit, no distinctive prefix) needs a
//! tracking word such as "трек", "tracking" or "运单" in the 64 bytes before it.
//!
//! [`Scanner`] takes the text in chunks of any size and keeps only a small tail between them,
//! so memory stays flat whatever the input's size.

use std::sync::LazyLock;

use aho_corasick::AhoCorasick;

use crate::catalog::Kind;
use crate::identify::{Identification, NumberKind, identify_normalized_into};
use crate::normalize::{MAX_LEN, Normalized, cyrillic_lookalike};
use crate::recent::Recent;

/// The fewest digits any number found in free text has.
const MIN_DIGITS: u32 = 7;
/// The fewest characters of a number found in free text.
const MIN_LEN: usize = 8;
/// How far back a tracking word may stand from a weak hit.
const CONTEXT: usize = 64;
/// Tokens of a run looked at before the one with the digit: `RB 1234 ...`, `1Z ...`.
const TOKENS_BEFORE: usize = 3;
/// Tokens of a run looked at in all.
const MAX_TOKENS: usize = 12;

/// One number found in text.
#[derive(Debug, Clone, Copy)]
pub struct Hit<'a> {
    /// Byte offset of the number in the whole input.
    pub offset: u64,
    /// The number as written in the text (with its spaces, if any).
    pub text: &'a str,
    /// The verdict on it.
    pub identification: &'a Identification,
}

/// Find every tracking and order number in `text`, in order.
///
/// ```
/// let mail = "Ваш заказ 3074935419642839 отправлен, трек-номер: RB 1234 5678 5GB.";
/// let mut found = Vec::new();
/// tracknum::scan(mail.as_bytes(), |hit| found.push((hit.text.to_owned(), hit.identification.kind())));
/// assert_eq!(found[0].0, "3074935419642839");
/// assert_eq!(found[0].1, tracknum::NumberKind::OrderNumber);
/// assert_eq!(found[1].0, "RB 1234 5678 5GB");
/// ```
pub fn scan(text: &[u8], mut on_hit: impl FnMut(&Hit<'_>)) {
    let mut scanner = Scanner::new();
    scanner.scan_region(text, 0, text.len(), 0, &mut on_hit);
}

/// A streaming scanner: feed it the text in chunks; hits come with their absolute offsets.
#[derive(Debug, Default)]
pub struct Scanner {
    buf: Vec<u8>,
    /// Absolute offset of `buf[0]`.
    base: u64,
    /// `buf[..done]` has been scanned; bytes before it are kept only as context.
    done: usize,
    identification: Identification,
    tokens: Vec<Token>,
    recent: RecentVerdicts,
}

/// The verdicts on the last few numbers identified. A message names its numbers more than
/// once (subject, body, tracking link), and copying a verdict costs a fraction of finding it.
#[derive(Debug, Default)]
struct RecentVerdicts(Recent<Normalized, Identification, 4>);

impl RecentVerdicts {
    /// `number`'s verdict into `out`: copied when it is among the recent ones, else found.
    fn identify(&mut self, number: Normalized, out: &mut Identification) {
        if let Some(known) = self.0.get(&number) {
            out.copy_from(known);
            return;
        }
        identify_normalized_into(number, out);
        self.0.slot(number).copy_from(out);
    }
}

#[derive(Debug, Clone, Copy)]
struct Token {
    start: usize,
    end: usize,
    norm: Normalized,
    digits: u32,
    letters: u32,
    /// Every letter was written as a capital (numbers are; words in sentences are not).
    capitals: bool,
}

impl Scanner {
    /// A scanner with nothing read yet.
    pub fn new() -> Self {
        Scanner::default()
    }

    /// Scan the next chunk. Numbers that may continue into the next chunk wait for it.
    pub fn feed(&mut self, chunk: &[u8], mut on_hit: impl FnMut(&Hit<'_>)) {
        self.buf.extend_from_slice(chunk);
        let cut = safe_cut(&self.buf, self.done);
        if cut > self.done {
            let buf = std::mem::take(&mut self.buf);
            self.scan_region(&buf, self.done, cut, self.base, &mut on_hit);
            self.buf = buf;
            self.done = cut;
        }
        // Keep only the unscanned tail plus some context for the tracking-word check.
        let keep_from = self.done.saturating_sub(CONTEXT);
        if keep_from > 0 {
            self.buf.drain(..keep_from);
            self.base += keep_from as u64;
            self.done -= keep_from;
        }
    }

    /// Scan whatever is left: the input has ended.
    pub fn finish(&mut self, mut on_hit: impl FnMut(&Hit<'_>)) {
        let buf = std::mem::take(&mut self.buf);
        self.scan_region(&buf, self.done, buf.len(), self.base, &mut on_hit);
        self.base += buf.len() as u64;
        self.done = 0;
    }

    fn scan_region(
        &mut self,
        buf: &[u8],
        from: usize,
        to: usize,
        base: u64,
        on_hit: &mut dyn FnMut(&Hit<'_>),
    ) {
        let region = &buf[..to];
        let mut pos = from;
        // Nothing before `floor` may become part of a new hit.
        let mut floor = from;
        while let Some(d) = find_digit(region, pos) {
            let word_start = word_start(region, d, floor);
            let run_start = run_start(region, word_start, floor);
            // Most digits in text are dates, prices and phone groups: count the run's digits
            // byte by byte first, and skip the whole run when it cannot hold a number.
            let run = run_digits(region, run_start, d);
            // A run whose words are all shorter than a number, and whose letters (if any) stand
            // in words that cannot be pieces of one (lowercase words without digits), holds no
            // number from any of its digits: a number in pieces needs a letter in a piece.
            // Dates, times, prices and phone numbers after a word are such runs.
            if run.digits < MIN_DIGITS
                || (run.ended && run.piece_letters == 0 && run.longest_token < MIN_LEN)
            {
                pos = run.end.max(d + 1);
                continue;
            }
            self.collect_tokens(region, run_start, d);
            let Some(k) = self.tokens.iter().position(|t| t.end > d) else {
                pos = d + 1;
                continue;
            };
            let trigger_end = self.tokens[k].end.max(d + 1);
            match self.best_hit(region, k) {
                Some((s, e)) => {
                    let start = self.tokens[s].start;
                    let end = self.tokens[e].end;
                    let text = std::str::from_utf8(&region[start..end]).unwrap_or_default();
                    on_hit(&Hit {
                        offset: base + start as u64,
                        text,
                        identification: &self.identification,
                    });
                    pos = end;
                    floor = end;
                }
                None => pos = trigger_end,
            }
        }
    }

    /// Read the tokens of the run holding byte `trigger`, from `start`: tokens joined by single
    /// separators. A Cyrillic word is no token, and tokens are never joined across one: a token
    /// glued to Cyrillic letters restarts the run (before the trigger) or ends it (after).
    fn collect_tokens(&mut self, text: &[u8], start: usize, trigger: usize) {
        self.tokens.clear();
        let mut i = start;
        while self.tokens.len() < MAX_TOKENS {
            if token_char(text, i).is_none() {
                break; // an empty word
            }
            // A token lies inside its word; the word goes on past it only when Cyrillic
            // letters are glued to it, so the word's end is looked for only then.
            let token = next_token(text, i);
            let word_end = match &token {
                Some(tok) if token_char(text, tok.end).is_none() => tok.end,
                Some(tok) => word_end(text, tok.end),
                None => word_end(text, i),
            };
            match token {
                Some(tok) => {
                    if tok.start > i {
                        // Not joinable with what came before: past the trigger the run is
                        // over; before it, the run starts again here.
                        if i > trigger {
                            break;
                        }
                        self.tokens.clear();
                    }
                    let glued_after = tok.end < word_end;
                    if glued_after && tok.end <= trigger {
                        self.tokens.clear();
                    } else {
                        self.tokens.push(tok);
                        if glued_after {
                            break;
                        }
                    }
                }
                None if word_end > trigger => break,
                None => self.tokens.clear(),
            }
            match separator_len(text, word_end) {
                Some(n) if token_char(text, word_end + n).is_some() => i = word_end + n,
                _ => break,
            }
        }
    }

    /// The earliest-starting, longest valid number among the runs' tokens that includes token
    /// `k`; leaves its verdict in `self.identification`.
    fn best_hit(&mut self, text: &[u8], k: usize) -> Option<(usize, usize)> {
        let total_digits: u32 = self.tokens.iter().map(|t| t.digits).sum();
        if total_digits < MIN_DIGITS {
            return None;
        }
        let first = k.saturating_sub(TOKENS_BEFORE);
        for s in first..=k {
            // Tokens before the digits must look like a prefix ("RB", "1Z", "LP"), not words.
            if s < k && self.tokens[s].norm.len() > 5 {
                continue;
            }
            // Longest first: the last end whose number still fits.
            let mut last = s;
            let mut len = 0;
            for e in s..self.tokens.len() {
                len += self.tokens[e].norm.len();
                if len > MAX_LEN {
                    break;
                }
                last = e;
            }
            for e in (k..=last).rev() {
                let toks = &self.tokens[s..=e];
                if !plausible_pieces(toks) {
                    continue;
                }
                let digits: u32 = toks.iter().map(|t| t.digits).sum();
                let letters: u32 = toks.iter().map(|t| t.letters).sum();
                let len: usize = toks.iter().map(|t| t.norm.len()).sum();
                if digits < MIN_DIGITS || len < MIN_LEN || (e > s && letters == 0) {
                    continue;
                }
                let mut number = toks[0].norm;
                for t in &toks[1..] {
                    for &b in t.norm.as_bytes() {
                        number.push(b);
                    }
                }
                self.recent.identify(number, &mut self.identification);
                let id = &self.identification;
                let Some(best) = id.best() else { continue };
                if id.kind() == NumberKind::Unknown {
                    continue;
                }
                let weak =
                    letters == 0 && best.confidence < 0.7 && best.format.kind == Kind::Tracking;
                let start = toks[0].start;
                if start > 0 && text[start - 1] == b'+' {
                    continue; // a phone number
                }
                if weak && !has_tracking_word(text, start) {
                    continue;
                }
                return Some((s, e));
            }
        }
        None
    }
}

/// Whether tokens can be the pieces of one number written with spaces (`RB 1234 5678 5GB`,
/// `1Z 999 AA1 01 2345 6784`): pieces without digits only at the ends, short and in capitals;
/// every middle piece holds a digit. Words of a sentence around a number fail this, which saves
/// identifying every "your order 8190... has been" combination.
fn plausible_pieces(toks: &[Token]) -> bool {
    let Some((first, rest)) = toks.split_first() else {
        return false;
    };
    let Some((last, middle)) = rest.split_last() else {
        return true; // a single token
    };
    let letters_only_ok =
        |t: &Token, max: usize| t.digits > 0 || (t.capitals && t.norm.len() <= max);
    letters_only_ok(first, 5) && letters_only_ok(last, 3) && middle.iter().all(|t| t.digits > 0)
}

/// The position just after the last byte in `buf[from..]` that no number or separator can
/// contain (so nothing spans it), or `from` when there is none yet.
fn safe_cut(buf: &[u8], from: usize) -> usize {
    buf[from..]
        .iter()
        .rposition(|&b| b.is_ascii() && !b.is_ascii_alphanumeric() && b != b' ' && b != b'-')
        .map_or(from, |p| from + p + 1)
}

/// The first ASCII digit at or after `from`, eight bytes at a time.
fn find_digit(hay: &[u8], from: usize) -> Option<usize> {
    let rest = hay.get(from..)?;
    let mut chunks = rest.chunks_exact(8);
    let mut offset = from;
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let mask = digit_mask(u64::from_le_bytes(word));
        if mask != 0 {
            // Little-endian: the lowest marked byte comes first in the text.
            return Some(offset + mask.trailing_zeros() as usize / 8);
        }
        offset += 8;
    }
    chunks
        .remainder()
        .iter()
        .position(u8::is_ascii_digit)
        .map(|p| offset + p)
}

/// Whether any of the eight bytes is an ASCII digit (0x30..=0x39), without a branch per byte.
#[cfg(test)]
fn has_digit(x: u64) -> bool {
    digit_mask(x) != 0
}

/// The high bit of each byte of `x` that is an ASCII digit (0x30..=0x39) set, with no branch
/// per byte. Bytes above the first digit may be marked wrongly; the lowest mark is exact.
fn digit_mask(x: u64) -> u64 {
    const LO: u64 = 0x0F0F_0F0F_0F0F_0F0F;
    const THREES: u64 = 0x3030_3030_3030_3030;
    const SIXES: u64 = 0x0606_0606_0606_0606;
    const TENS: u64 = 0x1010_1010_1010_1010;
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    // A byte of `m` is zero exactly when the byte is a digit: its high nibble is 3 and its low
    // nibble plus 6 does not reach 16 (no carry crosses bytes: 0x0F + 6 < 0x100).
    let high_not_three = (x & !LO) ^ THREES;
    let low_over_nine = ((x & LO) + SIXES) & TENS;
    let m = high_not_three | low_over_nine;
    // The classic "has a zero byte" test: a borrow only runs upwards from a zero byte, so the
    // lowest mark is a true zero.
    m.wrapping_sub(ONES) & !m & HIGHS
}

/// What a quick look at a run's bytes tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct RunSummary {
    /// Where the look stopped: the run's end, or a number's length past the trigger.
    end: usize,
    /// ASCII digits up to `end`.
    digits: u32,
    /// Letters (ASCII, or any two-byte Cyrillic character) in words that have a digit or a
    /// capital letter: only such words can give a token that is a piece of a number
    /// ([`plausible_pieces`]: a letters-only piece is in capitals).
    piece_letters: u32,
    /// The longest word (letters and digits between separators), in bytes.
    longest_token: usize,
    /// Whether `end` is the run's own end rather than the look's limit.
    ended: bool,
}

/// A look at the run that starts at `start` and holds byte `trigger`: bytes only, no decoding.
/// Looks at most a number's length past the trigger.
fn run_digits(text: &[u8], start: usize, trigger: usize) -> RunSummary {
    let limit = (trigger + 2 * MAX_LEN).min(text.len());
    let mut i = start;
    let mut digits = 0;
    let mut piece_letters = 0;
    let mut longest_token = 0;
    let mut ended = true;
    // The current word.
    let mut word_start = start;
    let (mut letters, mut has_digit, mut has_capital) = (0, false, false);
    loop {
        if i >= limit {
            ended = limit == text.len();
            break;
        }
        let b = text[i];
        match CLASS[usize::from(b)] {
            DIGIT => {
                digits += 1;
                has_digit = true;
                i += 1;
                continue;
            }
            // Two arms, not one testing the class again: this loop runs for most bytes of a
            // run, and the merged arm cost 1% of a whole scan's instructions.
            LOWER => {
                letters += 1;
                i += 1;
                continue;
            }
            UPPER => {
                letters += 1;
                has_capital = true;
                i += 1;
                continue;
            }
            CYRILLIC_LEAD => {
                letters += 1;
                // `cyrillic_capital` written out: through the helper this loop cost 1% more
                // instructions over a whole scan.
                has_capital |= b == 0xD0 && text.get(i + 1).is_some_and(|&c| c <= 0xAF);
                i += 2;
                continue;
            }
            _ => {}
        }
        if let Some(n) = separator_len(text, i) {
            if !text
                .get(i + n)
                .is_some_and(|&c| c.is_ascii_alphanumeric() || c == 0xD0 || c == 0xD1)
            {
                break;
            }
            if !(has_digit || has_capital) && word_start > trigger {
                // A word without a digit or a capital is no piece of a number, so no number
                // holding the trigger reaches past it: the run ends for this look.
                i = word_start;
                break;
            }
            longest_token = longest_token.max(i - word_start);
            if has_digit || has_capital {
                piece_letters += letters;
            }
            (letters, has_digit, has_capital) = (0, false, false);
            i += n;
            word_start = i;
        } else {
            break;
        }
    }
    let end = i.min(text.len());
    if word_start > trigger && !(has_digit || has_capital) {
        // The run's last word is no piece either (see above).
        return RunSummary {
            end: word_start,
            digits,
            piece_letters,
            longest_token,
            ended: true,
        };
    }
    if has_digit || has_capital {
        piece_letters += letters;
    }
    RunSummary {
        end,
        digits,
        piece_letters,
        longest_token: longest_token.max(end - word_start),
        ended,
    }
}

/// A character that can be part of a token at `i`: (its ASCII form or 0 for other Cyrillic
/// letters, its byte length).
#[inline]
fn token_char(text: &[u8], i: usize) -> Option<(u8, usize)> {
    let b = *text.get(i)?;
    let upper = TOKEN_ASCII[usize::from(b)];
    if upper != 0 {
        return Some((upper, 1));
    }
    if b == 0xD0 || b == 0xD1 {
        let c = *text.get(i + 1)?;
        if (0x80..=0xBF).contains(&c) {
            return Some((CYRILLIC[usize::from(b & 1) * 64 + usize::from(c & 0x3F)], 2));
        }
    }
    None
}

/// Per byte: its uppercase form if it is an ASCII letter or digit, else 0. The hot loops look
/// a byte up once instead of testing ranges.
const TOKEN_ASCII: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let byte = b as u8;
        if byte.is_ascii_alphanumeric() {
            table[b] = byte.to_ascii_uppercase();
        }
        b += 1;
    }
    table
};

/// The letters U+0400..U+047F (lead byte 0xD0 or 0xD1, then 0x80..0xBF), indexed by the lead's
/// low bit and the second byte's low six bits: the Latin look-alike, or 0.
const CYRILLIC: [u8; 128] = {
    let mut table = [0u8; 128];
    let mut i = 0;
    while i < 128 {
        // 0xD0 gives U+0400 + low bits, 0xD1 gives U+0440 + low bits.
        if let Some(ch) = char::from_u32(0x400 + i as u32)
            && let Some(latin) = cyrillic_lookalike(ch)
        {
            table[i] = latin;
        }
        i += 1;
    }
    table
};

/// Byte classes for [`run_digits`]: one lookup instead of a chain of range tests.
const DIGIT: u8 = 1;
const LOWER: u8 = 2;
const UPPER: u8 = 3;
const CYRILLIC_LEAD: u8 = 4;
const OTHER: u8 = 0;
const CLASS: [u8; 256] = {
    let mut table = [OTHER; 256];
    let mut b = 0;
    while b < 256 {
        let byte = b as u8;
        table[b] = if byte.is_ascii_digit() {
            DIGIT
        } else if byte.is_ascii_lowercase() {
            LOWER
        } else if byte.is_ascii_uppercase() {
            UPPER
        } else if byte == 0xD0 || byte == 0xD1 {
            CYRILLIC_LEAD
        } else {
            OTHER
        };
        b += 1;
    }
    table
};

/// Where the word holding byte `i` starts (not before `floor`).
fn word_start(text: &[u8], i: usize, floor: usize) -> usize {
    let mut s = i;
    while s > floor {
        let b = text[s - 1];
        if b.is_ascii_alphanumeric() {
            s -= 1;
        } else if s >= floor + 2
            && (text[s - 2] == 0xD0 || text[s - 2] == 0xD1)
            && (0x80..=0xBF).contains(&b)
        {
            s -= 2;
        } else {
            break;
        }
    }
    s
}

/// Step back over up to [`TOKENS_BEFORE`] short words joined to this one by single separators.
fn run_start(text: &[u8], word: usize, floor: usize) -> usize {
    let mut s = word;
    for _ in 0..TOKENS_BEFORE {
        let sep = if s >= 2 && text[s - 2] == 0xC2 && text[s - 1] == 0xA0 {
            2
        } else if s >= 1 && (text[s - 1] == b' ' || text[s - 1] == b'-') {
            1
        } else {
            break;
        };
        if s < floor + sep + 1 {
            break;
        }
        let prev = word_start(text, s - sep, floor);
        if prev == s - sep || s - sep - prev > 8 || !may_be_piece(&text[prev..s - sep]) {
            break;
        }
        s = prev;
    }
    s
}

/// Whether a word can be a piece of a number written with spaces: it has a digit or a capital
/// letter (ASCII, or Cyrillic U+0400..U+042F). [`plausible_pieces`] wants a digit in a middle
/// piece and capitals in a letters-only end piece, so a number never spans any other word.
fn may_be_piece(word: &[u8]) -> bool {
    (0..word.len()).any(|i| {
        word[i].is_ascii_digit()
            || word[i].is_ascii_uppercase()
            || cyrillic_capital(word[i], word.get(i + 1))
    })
}

/// Whether `lead` and the byte after it make a Cyrillic capital (U+0400..U+042F: lead 0xD0,
/// then 0x80..0xAF). Callers pass lead bytes of letters, so `next` is a continuation byte.
#[inline]
fn cyrillic_capital(lead: u8, next: Option<&u8>) -> bool {
    lead == 0xD0 && next.is_some_and(|&c| c <= 0xAF)
}

/// Where the word starting at `i` ends.
fn word_end(text: &[u8], mut i: usize) -> usize {
    while let Some((_, n)) = token_char(text, i) {
        i += n;
    }
    i
}

/// The length of the single separator at `i`, if there is one.
fn separator_len(text: &[u8], i: usize) -> Option<usize> {
    match text.get(i)? {
        b' ' | b'-' => Some(1),
        0xC2 if text.get(i + 1) == Some(&0xA0) => Some(2),
        _ => None,
    }
}

/// The next token at or after `i` within the same word. Cyrillic stretches of three letters or
/// more (words), or with a letter that has no Latin look-alike, split the word and are skipped.
fn next_token(text: &[u8], mut i: usize) -> Option<Token> {
    if TOKEN_ASCII[usize::from(*text.get(i)?)] != 0 {
        return Some(read_token(text, i)); // no Cyrillic stretch to skip
    }
    loop {
        token_char(text, i)?;
        let (cyr, foreign, j) = cyrillic_stretch(text, i);
        if cyr == 0 || (cyr <= 2 && !foreign) {
            return Some(read_token(text, i));
        }
        // A word that ends in Cyrillic holds no token.
        token_char(text, j)?;
        i = j;
    }
}

/// The Cyrillic letters starting at `i`: how many, whether any has no Latin look-alike, and
/// where the stretch ends.
fn cyrillic_stretch(text: &[u8], mut i: usize) -> (usize, bool, usize) {
    let mut count = 0;
    let mut foreign = false;
    while let Some((c, 2)) = token_char(text, i) {
        count += 1;
        foreign |= c == 0;
        i += 2;
    }
    (count, foreign, i)
}

fn read_token(text: &[u8], start: usize) -> Token {
    let mut norm = Normalized::empty();
    let mut i = start;
    let (mut digits, mut letters) = (0, 0);
    let mut capitals = true;
    while let Some(&b) = text.get(i) {
        let upper = TOKEN_ASCII[usize::from(b)];
        if upper != 0 {
            if !norm.push(upper) {
                break;
            }
            if b.is_ascii_digit() {
                digits += 1;
            } else {
                letters += 1;
                capitals &= b.is_ascii_uppercase();
            }
            i += 1;
            continue;
        }
        let Some((c, 2)) = token_char(text, i) else {
            break;
        };
        // Stop before a Cyrillic word glued to the end ("RB...GBпришла").
        let (cyr, foreign, _) = cyrillic_stretch(text, i);
        if cyr > 2 || foreign || !norm.push(c) {
            break;
        }
        letters += 1;
        capitals &= cyrillic_capital(b, text.get(i + 1));
        i += 2;
    }
    Token {
        start,
        end: i,
        norm,
        digits,
        letters,
        capitals,
    }
}

/// Words that announce a tracking or order number, lowercase. The check is done only for
/// weak all-digit hits.
const TRACKING_WORDS: &[&str] = &[
    "track",
    "trk",
    "awb",
    "waybill",
    "shipment",
    "parcel",
    "package",
    "order",
    "cdek",
    "boxberry",
    "dhl",
    "fedex",
    "ups",
    "usps",
    "dpd",
    "post",
    "трек",
    "отслеж",
    "отправлен",
    "посылк",
    "заказ",
    "накладн",
    "сдэк",
    "боксберри",
    "почт",
    "运单",
    "单号",
    "订单",
    "快递",
    "物流",
    "包裹",
    "追踪",
    "跟踪",
];

/// Whether a tracking word stands in the [`CONTEXT`] bytes before `start`, in any case.
fn has_tracking_word(text: &[u8], start: usize) -> bool {
    static WORDS: LazyLock<AhoCorasick> = LazyLock::new(|| {
        AhoCorasick::new(TRACKING_WORDS).expect("the tracking words are a valid pattern set")
    });
    let window = &text[start.saturating_sub(CONTEXT)..start];
    // Lowercased in place of `str::to_lowercase`: ASCII and the Cyrillic capitals are all the
    // words need, and a fixed buffer allocates nothing. A character cut at the window's start
    // leaves stray continuation bytes, which no word begins with.
    let mut lower = [0u8; CONTEXT];
    let mut i = 0;
    while i < window.len() {
        let b = window[i];
        match (b, window.get(i + 1)) {
            (0xD0, Some(&c @ 0x80..=0xAF)) => {
                // U+0400..U+040F -> U+0450.., U+0410..U+041F -> U+0430.., U+0420.. -> U+0440..
                (lower[i], lower[i + 1]) = match c {
                    0x80..=0x8F => (0xD1, c + 0x10),
                    0x90..=0x9F => (0xD0, c + 0x20),
                    _ => (0xD1, c - 0x20),
                };
                i += 2;
            }
            _ => {
                lower[i] = b.to_ascii_lowercase();
                i += 1;
            }
        }
    }
    WORDS.is_match(&lower[..window.len()])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hits(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        scan(text.as_bytes(), |h| out.push(h.text.to_owned()));
        out
    }

    #[test]
    fn finds_spaced_and_glued_numbers() {
        assert_eq!(
            hits("Трек: RB 1234 5678 5GB, спасибо"),
            ["RB 1234 5678 5GB"]
        );
        assert_eq!(hits("运单号RB123456785GB已发货"), ["RB123456785GB"]);
        assert_eq!(hits("номерRB123456785GB"), ["RB123456785GB"]);
        assert_eq!(hits("код РА123456785СN пришёл"), ["РА123456785СN"]);
    }

    #[test]
    fn swar_digit_test_agrees_with_the_plain_one() {
        for b in 0..=255u8 {
            for pos in 0..8 {
                let mut bytes = [b'a'; 8];
                bytes[pos] = b;
                assert_eq!(
                    has_digit(u64::from_le_bytes(bytes)),
                    b.is_ascii_digit(),
                    "{b:#x} at {pos}"
                );
            }
        }
        let text = b"no digits here at all, none; then 7 and more";
        assert_eq!(find_digit(text, 0), Some(34));
        assert_eq!(find_digit(text, 35), None);
    }

    #[test]
    fn spaced_numbers_take_capital_letter_pieces_only() {
        assert_eq!(hits("rb 1234 5678 5gb"), Vec::<String>::new());
        assert_eq!(hits("see RB 1234 5678 5GB here"), ["RB 1234 5678 5GB"]);
        assert_eq!(
            hits("UPS 1Z 999 AA1 01 2345 6784 ok"),
            ["1Z 999 AA1 01 2345 6784"]
        );
    }

    #[test]
    fn tracking_words_count_in_any_case() {
        // A CDEK number has no check digit: it needs a tracking word before it.
        assert!(hits("номер 1234567890 пришёл").is_empty());
        for text in [
            "трек 1234567890",
            "ТРЕК-НОМЕР: 1234567890",
            "Трек 1234567890",
            "TRACKING 1234567890",
            "СДЭК накладная 1234567890",
            "运单号 1234567890",
        ] {
            assert_eq!(hits(text), ["1234567890"], "{text}");
        }
        // Only the 64 bytes before the number count; a word cut at the window's start does not.
        let far = format!("трек {} 1234567890", "x".repeat(CONTEXT));
        assert!(hits(&far).is_empty());
    }

    #[test]
    fn a_run_is_looked_at_up_to_a_word_that_is_no_piece() {
        let text = b"RB 1234 5678 5GB is here";
        let run = run_digits(text, 0, 3);
        assert_eq!(run.end, 17, "the look stops before \"is\"");
        assert_eq!(run.digits, 9);
        assert!(run.ended);
        // Capitals and digits go on: "GB" and "7" are possible pieces.
        let run = run_digits(b"12 AB 7 x", 0, 0);
        assert_eq!(run.end, 8);
        // Before the trigger, the look steps back over possible pieces only.
        assert_eq!(run_start(b"RB 1234", 3, 0), 0);
        assert_eq!(run_start(b"my 1234", 3, 0), 3);
        assert_eq!(run_start("УК 1234".as_bytes(), 5, 0), 0);
        assert_eq!(run_start("ук 1234".as_bytes(), 5, 0), 5);
    }

    #[test]
    fn recurring_numbers_get_the_verdict_identify_gives() {
        // Six distinct numbers, more than the recent verdicts kept, each named several times.
        let numbers = [
            "RB123456785GB",
            "62009147017544",
            "3074935419642839",
            "LP00573419278865",
            "RA123456785CN",
            "YT2229521272164446",
        ];
        let mut text = String::new();
        for round in 0..3 {
            for (i, n) in numbers.iter().enumerate() {
                if (i + round) % 2 == 0 {
                    text.push_str(&format!("Tracking: {n}; again {n}.\n"));
                } else {
                    text.push_str(&format!("Order {n}.\n"));
                }
            }
        }
        let mut seen = 0;
        scan(text.as_bytes(), |hit| {
            seen += 1;
            let fresh = crate::identify(hit.text);
            let render = |id: &Identification| {
                let mut out = Vec::new();
                crate::json::Verdict {
                    input: hit.text,
                    identification: id,
                    offset: None,
                    today: None,
                }
                .write(&mut out);
                out
            };
            assert_eq!(render(hit.identification), render(&fresh), "{}", hit.text);
        });
        assert_eq!(seen, 27);
    }

    #[test]
    fn no_hits_inside_longer_tokens() {
        assert!(hits("XRB123456785GB").is_empty());
        assert!(hits("RB123456785GB7").is_empty());
        assert!(hits("id=ABCRB123456785GBXYZ").is_empty());
    }

    #[test]
    fn streaming_gives_the_same_hits_whatever_the_chunking() {
        let text =
            "Order 3074935419642839: tracking LP00573419278865 and RB 1234 5678 5GB.\n".repeat(50);
        let whole: Vec<(u64, String)> = {
            let mut v = Vec::new();
            scan(text.as_bytes(), |h| v.push((h.offset, h.text.to_owned())));
            v
        };
        assert_eq!(whole.len(), 150);
        for chunk in [1, 3, 7, 64, 1000] {
            let mut s = Scanner::new();
            let mut v = Vec::new();
            for c in text.as_bytes().chunks(chunk) {
                s.feed(c, |h| v.push((h.offset, h.text.to_owned())));
            }
            s.finish(|h| v.push((h.offset, h.text.to_owned())));
            assert_eq!(v, whole, "chunk size {chunk}");
        }
    }
}
