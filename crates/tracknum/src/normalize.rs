//! Normalising what a person pasted into the canonical form of a number.
//!
//! Trim; drop white space (including no-break spaces), hyphens, dots and underscores inside;
//! uppercase; map the Cyrillic letters that look like Latin ones (А В Е К М Н О Р С Т У Х, in
//! either case: Russian users type numbers on a Cyrillic layout) and full-width forms (Chinese
//! pages) to ASCII. The result lives in a fixed buffer, so normalising allocates nothing.

use std::fmt;

/// The longest normalised number accepted. The longest known format (DHL eCommerce) is 41.
pub const MAX_LEN: usize = 48;

/// A normalised number: 1 to [`MAX_LEN`] ASCII digits and uppercase letters.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Normalized {
    buf: [u8; MAX_LEN],
    len: u8,
}

impl Normalized {
    /// The number as text.
    pub fn as_str(&self) -> &str {
        // Only ASCII is ever pushed.
        std::str::from_utf8(self.as_bytes()).unwrap_or_default()
    }

    /// The number as ASCII bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[..usize::from(self.len)]
    }

    /// The number's bytes padded with zeros to [`MAX_LEN`]: a copy of a fixed size compiles to a
    /// few moves.
    pub(crate) fn padded(&self) -> &[u8; MAX_LEN] {
        &self.buf
    }

    /// How many characters the number has.
    pub fn len(&self) -> usize {
        usize::from(self.len)
    }

    /// Always false: a normalised number has at least one character.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub(crate) fn empty() -> Self {
        Normalized {
            buf: [0; MAX_LEN],
            len: 0,
        }
    }

    /// Appends an ASCII digit or uppercase letter; false when full.
    pub(crate) fn push(&mut self, b: u8) -> bool {
        debug_assert!(b.is_ascii_digit() || b.is_ascii_uppercase());
        if self.len() == MAX_LEN {
            return false;
        }
        self.buf[self.len()] = b;
        self.len += 1;
        true
    }
}

impl fmt::Debug for Normalized {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Normalized({:?})", self.as_str())
    }
}

impl fmt::Display for Normalized {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a string cannot be a number at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NormalizeError {
    /// Nothing but white space and separators.
    Empty,
    /// Longer than [`MAX_LEN`] characters once separators are removed.
    TooLong,
    /// A character that no number contains, at this character index of the input.
    InvalidCharacter { ch: char, index: usize },
}

impl fmt::Display for NormalizeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NormalizeError::Empty => f.write_str("the input is empty"),
            NormalizeError::TooLong => {
                write!(f, "longer than any known number ({MAX_LEN} characters)")
            }
            NormalizeError::InvalidCharacter { ch, index } => write!(
                f,
                "character {:?} at position {} cannot be part of a number",
                ch,
                index + 1
            ),
        }
    }
}

impl std::error::Error for NormalizeError {}

/// Normalise a pasted number. See the module documentation for the rules.
pub fn normalize(input: &str) -> Result<Normalized, NormalizeError> {
    if input.is_ascii() {
        return normalize_ascii(input.as_bytes());
    }
    let mut out = Normalized::empty();
    let trimmed = input.trim_matches(is_wrapping);
    for (index, ch) in trimmed.chars().enumerate() {
        if is_separator(ch) {
            continue;
        }
        let Some(b) = to_ascii(ch) else {
            return Err(NormalizeError::InvalidCharacter { ch, index });
        };
        if !out.push(b) {
            return Err(NormalizeError::TooLong);
        }
    }
    if out.is_empty() {
        Err(NormalizeError::Empty)
    } else {
        Ok(out)
    }
}

/// What an ASCII byte is inside a number: [`DROP`] (a separator), [`BAD`] (no number holds
/// it), or the digit or uppercase letter it stands for.
const ASCII_CLASS: [u8; 128] = {
    let mut class = [BAD; 128];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        class[b] = if c.is_ascii_alphanumeric() {
            c.to_ascii_uppercase()
        } else if matches!(
            c,
            b' ' | b'\t' | b'\n' | 0x0B | 0x0C | b'\r' | b'-' | b'.' | b'_'
        ) {
            DROP
        } else {
            BAD
        };
        b += 1;
    }
    class
};
const DROP: u8 = 0;
const BAD: u8 = 1;

/// [`normalize`] for ASCII input, the common case: the same rules, byte by byte through one
/// table lookup (normalising was a tenth of `posylka id`'s time when each byte went through
/// the character tests one by one and was pushed with a length check).
fn normalize_ascii(bytes: &[u8]) -> Result<Normalized, NormalizeError> {
    let start = bytes
        .iter()
        .position(|&b| !is_wrapping_ascii(b))
        .unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|&b| !is_wrapping_ascii(b))
        .map_or(start, |e| e + 1);
    let bytes = &bytes[start..end];
    let mut kept = Kept {
        buf: [0; 64],
        len: 0,
        bad: false,
    };
    let mut words = bytes.chunks_exact(8);
    for word in words.by_ref() {
        let mut w = [0; 8];
        w.copy_from_slice(word);
        // Most numbers are letters and digits only: eight bytes at a time while they fit.
        match alphanumeric_uppercased(u64::from_le_bytes(w)) {
            Some(upper) if kept.len + 8 <= kept.buf.len() => {
                kept.buf[kept.len..kept.len + 8].copy_from_slice(&upper.to_le_bytes());
                kept.len += 8;
            }
            _ => word.iter().for_each(|&b| kept.put(b)),
        }
    }
    words.remainder().iter().for_each(|&b| kept.put(b));
    let Kept { buf, len, bad } = kept;
    if bad || len == 0 || len > MAX_LEN {
        return Err(ascii_error(bytes));
    }
    let mut number = Normalized::empty();
    number.buf.copy_from_slice(&buf[..MAX_LEN]);
    // At most MAX_LEN (48).
    number.len = len as u8;
    Ok(number)
}

/// What [`normalize_ascii`] has kept so far. No branch per byte (they cost more than the rest
/// of normalising): each byte's class is stored at the next free place, which moves on only
/// for a kept byte, so a separator's `DROP` (0) is overwritten or left as the zero padding past
/// the end. The place wraps round the buffer, which is bigger than a number, so it is never out
/// of bounds; a number that wrapped is too long, and errors are worked out again in order.
struct Kept {
    buf: [u8; 64],
    len: usize,
    /// A byte no number holds was seen.
    bad: bool,
}

impl Kept {
    fn put(&mut self, b: u8) {
        // `bytes` is ASCII, so the mask changes nothing; it spares the bounds check.
        let c = ASCII_CLASS[usize::from(b & 0x7F)];
        self.buf[self.len % self.buf.len()] = c;
        self.len += usize::from(c > BAD);
        self.bad |= c == BAD;
    }
}

/// The eight ASCII bytes of `w` (as a little-endian word) uppercased, when every one is a
/// letter or a digit: what [`ASCII_CLASS`] maps each to.
fn alphanumeric_uppercased(w: u64) -> Option<u64> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = ONES * 0x80;
    // Bytes below 0x80 plus 0x80 - `lo` have their high bit set exactly when they are at least
    // `lo`, and no byte carries into the next.
    let at_least = |x: u64, lo: u8| x + ONES * u64::from(0x80 - lo);
    let within = |x: u64, lo: u8, hi: u8| at_least(x, lo) & !at_least(x, hi + 1) & HIGH;
    let digits = within(w, b'0', b'9');
    let letters = within(w | (ONES * 0x20), b'a', b'z');
    // A letter's high bit moved to 0x20, the bit that makes it lowercase.
    ((digits | letters) == HIGH).then_some(w & !(letters >> 2))
}

/// Why trimmed ASCII `bytes` make no number: the first character no number holds, or too long
/// if the number overflows before it, or empty.
fn ascii_error(bytes: &[u8]) -> NormalizeError {
    let mut len = 0;
    for (index, &b) in bytes.iter().enumerate() {
        match ASCII_CLASS[usize::from(b & 0x7F)] {
            DROP => {}
            BAD => {
                let ch = char::from(b);
                return NormalizeError::InvalidCharacter { ch, index };
            }
            _ if len == MAX_LEN => return NormalizeError::TooLong,
            _ => len += 1,
        }
    }
    NormalizeError::Empty
}

/// Separators people put inside numbers.
pub(crate) fn is_separator(ch: char) -> bool {
    ch.is_whitespace() || matches!(ch, '-' | '.' | '_' | '\u{2010}'..='\u{2015}' | '\u{200B}')
}

/// What may wrap a pasted number: white space, quotes, brackets, trailing punctuation.
fn is_wrapping(ch: char) -> bool {
    ch.is_whitespace()
        || matches!(
            ch,
            '"' | '\''
                | '`'
                | '«'
                | '»'
                | '“'
                | '”'
                | '„'
                | '‘'
                | '’'
                | '('
                | ')'
                | '['
                | ']'
                | '<'
                | '>'
                | '{'
                | '}'
                | ','
                | ';'
                | ':'
                | '.'
                | '!'
                | '?'
                | '#'
                | '№'
                | '：'
                | '，'
                | '。'
                | '、'
                | '（'
                | '）'
                | '【'
                | '】'
        )
}

/// [`is_wrapping`] for ASCII, on the byte.
fn is_wrapping_ascii(b: u8) -> bool {
    matches!(
        b,
        b'\t'
            ..=b'\r'
                | b' '
                | b'"'
                | b'\''
                | b'`'
                | b'('
                | b')'
                | b'['
                | b']'
                | b'<'
                | b'>'
                | b'{'
                | b'}'
                | b','
                | b';'
                | b':'
                | b'.'
                | b'!'
                | b'?'
                | b'#'
    )
}

/// The ASCII digit or uppercase letter a character stands for in a number.
pub(crate) fn to_ascii(ch: char) -> Option<u8> {
    if ch.is_ascii_alphanumeric() {
        return Some(ch.to_ascii_uppercase() as u8);
    }
    cyrillic_lookalike(ch).or_else(|| fullwidth(ch))
}

/// The Latin letter a Cyrillic look-alike stands for (either case).
pub(crate) const fn cyrillic_lookalike(ch: char) -> Option<u8> {
    Some(match ch {
        'А' | 'а' => b'A',
        'В' | 'в' => b'B',
        'Е' | 'е' => b'E',
        'К' | 'к' => b'K',
        'М' | 'м' => b'M',
        'Н' | 'н' => b'H',
        'О' | 'о' => b'O',
        'Р' | 'р' => b'P',
        'С' | 'с' => b'C',
        'Т' | 'т' => b'T',
        'У' | 'у' => b'Y',
        'Х' | 'х' => b'X',
        _ => return None,
    })
}

fn fullwidth(ch: char) -> Option<u8> {
    let c = u32::from(ch);
    let b = match c {
        0xFF10..=0xFF19 => c - 0xFF10 + u32::from(b'0'),
        0xFF21..=0xFF3A => c - 0xFF21 + u32::from(b'A'),
        0xFF41..=0xFF5A => c - 0xFF41 + u32::from(b'A'),
        _ => return None,
    };
    u8::try_from(b).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(s: &str) -> String {
        normalize(s)
            .map(|n| n.as_str().to_owned())
            .unwrap_or_default()
    }

    #[test]
    fn strips_separators_and_uppercases() {
        assert_eq!(norm(" rb 1234-5678.5gb "), "RB123456785GB");
        assert_eq!(norm("RB\u{a0}1234\u{a0}5678\u{a0}5GB"), "RB123456785GB");
        assert_eq!(norm("«RB123456785GB»,"), "RB123456785GB");
    }

    #[test]
    fn maps_cyrillic_lookalikes_in_both_cases() {
        assert_eq!(norm("РА123456785СN"), "PA123456785CN");
        assert_eq!(norm("ra123456785сn"), "RA123456785CN");
        assert_eq!(norm("АВЕКМНОРСТУХ"), "ABEKMHOPCTYX");
    }

    #[test]
    fn maps_fullwidth_forms() {
        assert_eq!(norm("ＲＢ１２３４５６７８５ｇｂ"), "RB123456785GB");
    }

    #[test]
    fn word_wise_uppercasing_agrees_with_the_byte_table() {
        for at in 0..8 {
            for b in 0u8..128 {
                let mut word = *b"aZ09mQ7x";
                word[at] = b;
                let by_table: Option<Vec<u8>> = word
                    .iter()
                    .map(|&b| Some(ASCII_CLASS[usize::from(b)]).filter(|&c| c > BAD))
                    .collect();
                let by_word = alphanumeric_uppercased(u64::from_le_bytes(word));
                assert_eq!(
                    by_word.map(|w| w.to_le_bytes().to_vec()),
                    by_table,
                    "{b} at {at}"
                );
            }
        }
    }

    #[test]
    fn ascii_fast_path_agrees_near_and_past_the_longest_number() {
        for len in [1, 47, 48, 49, 63, 64, 65, 130] {
            for (body, tail) in [
                ("7", ""),
                ("7-", "$"),
                ("a", " 1"),
                ("-7 ", "$1"),
                ("", "-"),
            ] {
                let s = format!("{}{tail}", body.repeat(len));
                // Behind a no-break space, the same text takes the general path.
                let general = normalize(&format!("{s}\u{a0}"));
                assert_eq!(normalize(&s), general, "{s:?}");
            }
        }
    }

    #[test]
    fn ascii_fast_path_agrees_with_the_general_rules() {
        for ch in (0u8..128).map(char::from) {
            let ascii = normalize(&format!("RB1{ch}2"));
            // The same character behind a non-ASCII one takes the general path.
            let general = normalize(&format!("RB1{ch}2\u{a0}"));
            assert_eq!(ascii, general, "{ch:?}");
            // Wrapping is trimmed alike: the no-break space goes first, then `ch` is at the end.
            let ascii = normalize(&format!("{ch}RB12{ch}"));
            let general = normalize(&format!("{ch}RB12{ch}\u{a0}"));
            assert_eq!(ascii, general, "wrapped in {ch:?}");
            assert_eq!(is_wrapping_ascii(ch as u8), is_wrapping(ch), "{ch:?}");
        }
    }

    #[test]
    fn rejects_what_no_number_contains() {
        assert_eq!(normalize("   "), Err(NormalizeError::Empty));
        assert_eq!(
            normalize("RB12345Ж"),
            Err(NormalizeError::InvalidCharacter { ch: 'Ж', index: 7 })
        );
        assert_eq!(
            normalize(&"1".repeat(MAX_LEN + 1)),
            Err(NormalizeError::TooLong)
        );
        assert_eq!(norm(&"1".repeat(MAX_LEN)).len(), MAX_LEN);
    }
}
