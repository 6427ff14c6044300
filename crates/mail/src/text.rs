//! Matching words in a message's text without moving byte offsets.
//!
//! Numbers are found in the original text (the scanner needs its capitals) and words in a
//! lower-cased copy; the two must share byte offsets so a keyword can be paired with the
//! number after it. [`fold`] therefore lower-cases only ASCII and Cyrillic, whose lower and
//! upper cases have the same UTF-8 length, and leaves every other character as it is.

/// `text` with ASCII and Cyrillic capitals lower-cased; byte offsets are unchanged.
pub fn fold(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            'A'..='Z' => c.to_ascii_lowercase(),
            // А..Я -> а..я and Ѐ..Џ (Ё among them) -> ѐ..џ: both ranges stay two bytes long.
            '\u{0410}'..='\u{042F}' => char::from_u32(c as u32 + 0x20).unwrap_or(c),
            '\u{0400}'..='\u{040F}' => char::from_u32(c as u32 + 0x50).unwrap_or(c),
            _ => c,
        })
        .collect()
}

/// A character that belongs to a word for the purpose of word boundaries. CJK characters do
/// not: Chinese has no spaces, so a Chinese keyword matches wherever it stands.
pub fn wordish(c: char) -> bool {
    c.is_ascii_alphanumeric() || ('\u{0400}'..='\u{04FF}').contains(&c)
}

/// The first occurrence of `word` in `lower` at or after `from` that is a whole word (on each
/// side where the word's edge is a letter, the neighbour is none). `word` is lower case.
pub fn find_word(lower: &str, word: &str, from: usize) -> Option<usize> {
    find_from(lower, word, from, true)
}

/// Like [`find_word`] but only the start is a word boundary, so a stem matches its inflected
/// forms (`заказ` in `заказа`, `заказу`). Returns the start and the end of the whole word.
pub fn find_stem(lower: &str, stem: &str, from: usize) -> Option<(usize, usize)> {
    let start = find_from(lower, stem, from, false)?;
    let end = lower[start + stem.len()..]
        .char_indices()
        .find(|(_, c)| !wordish(*c))
        .map_or(lower.len(), |(i, _)| start + stem.len() + i);
    Some((start, end))
}

fn find_from(lower: &str, word: &str, from: usize, whole: bool) -> Option<usize> {
    let mut at = from;
    while let Some(rel) = lower.get(at..)?.find(word) {
        let start = at + rel;
        let end = start + word.len();
        let before_ok = !word.chars().next().is_some_and(wordish)
            || !lower[..start].chars().next_back().is_some_and(wordish);
        let after_ok = !whole
            || !word.chars().next_back().is_some_and(wordish)
            || !lower[end..].chars().next().is_some_and(wordish);
        if before_ok && after_ok {
            return Some(start);
        }
        // Step past the first character of this occurrence.
        at = start + word.chars().next().map_or(1, char::len_utf8);
    }
    None
}

/// The byte index `n` bytes before `at`, moved forward to a character boundary.
pub fn back(text: &str, at: usize, n: usize) -> usize {
    let mut i = at.saturating_sub(n);
    while !text.is_char_boundary(i) {
        i += 1;
    }
    i
}

/// The byte index at most `n` bytes after `at`, moved back to a character boundary.
pub fn ahead(text: &str, at: usize, n: usize) -> usize {
    let mut i = (at + n).min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fold_keeps_offsets() {
        let text = "Ваш ЗАКАЗ Ёлка Order İx 订单";
        let lower = fold(text);
        assert_eq!(lower.len(), text.len());
        assert_eq!(lower, "ваш заказ ёлка order İx 订单");
    }

    #[test]
    fn words_and_stems_respect_boundaries() {
        let lower = "ваше отправление отправлено; reorder, order#1, номер заказа: 5";
        assert_eq!(find_word(lower, "отправлен", 0), None);
        assert_eq!(find_word(lower, "отправлено", 0), lower.find("отправлено;"));
        assert_eq!(find_word(lower, "order", 0), lower.find("order#"));
        let (start, end) = find_stem(lower, "заказ", 0).expect("stem");
        assert_eq!(&lower[start..end], "заказа");
        assert_eq!(find_word("您的订单号", "订单", 0), Some(6));
    }
}
