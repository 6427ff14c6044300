//! Dates written in notification text: `2026-11-20 14:05`, `20.11.2026`, `2026年11月20日`,
//! `Nov 20, 2026`, `20 ноября 2026`.
//!
//! Only forms whose day and month cannot be swapped are read: `11/12/2026` is November in the
//! USA and December elsewhere, so slashes count only with the year first.

use jiff::civil::{Date, DateTime, Time};

/// A date (and time, when written) at the very start of `text`, and the bytes it used.
pub fn parse_at(text: &str) -> Option<(DateTime, usize)> {
    let mut c = Cursor { s: text, i: 0 };
    let date = year_first(&mut c)
        .or_else(|| {
            c.i = 0;
            day_first(&mut c)
        })
        .or_else(|| {
            c.i = 0;
            month_name_first(&mut c)
        })?;
    let after_date = c.i;
    let time = time_after(&mut c);
    let used = if time.is_some() { c.i } else { after_date };
    Some((date.to_datetime(time.unwrap_or(Time::midnight())), used))
}

struct Cursor<'a> {
    s: &'a str,
    i: usize,
}

impl Cursor<'_> {
    fn rest(&self) -> &str {
        &self.s[self.i..]
    }

    /// Up to `max` ASCII digits (at least `min`) as a number.
    fn digits(&mut self, min: usize, max: usize) -> Option<i32> {
        let n = self
            .rest()
            .bytes()
            .take(max + 1)
            .take_while(u8::is_ascii_digit)
            .count();
        if n < min || n > max {
            return None;
        }
        let value = self.rest()[..n].parse().ok()?;
        self.i += n;
        Some(value)
    }

    fn eat(&mut self, options: &[&str]) -> bool {
        for o in options {
            if self.rest().starts_with(o) {
                self.i += o.len();
                return true;
            }
        }
        false
    }

    fn spaces(&mut self) {
        let n = self.rest().len() - self.rest().trim_start_matches([' ', '\u{A0}']).len();
        self.i += n;
    }

    /// A run of letters, lower-cased.
    fn word(&mut self) -> Option<String> {
        let n: usize = self
            .rest()
            .chars()
            .take_while(|c| c.is_alphabetic())
            .map(char::len_utf8)
            .sum();
        if n == 0 {
            return None;
        }
        let w = crate::text::fold(&self.rest()[..n]);
        self.i += n;
        Some(w)
    }
}

fn date(year: i32, month: i32, day: i32) -> Option<Date> {
    if !(2000..=2100).contains(&year) {
        return None;
    }
    Date::new(
        i16::try_from(year).ok()?,
        i8::try_from(month).ok()?,
        i8::try_from(day).ok()?,
    )
    .ok()
}

/// `2026-11-20`, `2026/11/20`, `2026.11.20`, `2026年11月20日`.
fn year_first(c: &mut Cursor<'_>) -> Option<Date> {
    let year = c.digits(4, 4)?;
    if c.eat(&["年"]) {
        let month = c.digits(1, 2)?;
        c.eat(&["月"]).then_some(())?;
        let day = c.digits(1, 2)?;
        c.eat(&["日", "号"]).then_some(())?;
        return date(year, month, day);
    }
    let sep = c
        .rest()
        .chars()
        .next()
        .filter(|s| matches!(s, '-' | '/' | '.'))?;
    c.i += 1;
    let month = c.digits(1, 2)?;
    c.rest().starts_with(sep).then_some(())?;
    c.i += 1;
    let day = c.digits(1, 2)?;
    date(year, month, day)
}

/// `20.11.2026`, `20 ноября 2026`, `20 Nov 2026`.
fn day_first(c: &mut Cursor<'_>) -> Option<Date> {
    let day = c.digits(1, 2)?;
    if c.eat(&["."]) {
        let month = c.digits(1, 2)?;
        c.eat(&["."]).then_some(())?;
        let year = c.digits(4, 4)?;
        return date(year, month, day);
    }
    c.spaces();
    let month = month_number(&c.word()?)?;
    c.eat(&["."]);
    c.spaces();
    let year = c.digits(4, 4)?;
    date(year, month, day)
}

/// `Nov 20, 2026`, `November 20 2026`.
fn month_name_first(c: &mut Cursor<'_>) -> Option<Date> {
    let month = month_number(&c.word()?)?;
    c.eat(&["."]);
    c.spaces();
    let day = c.digits(1, 2)?;
    c.eat(&["st", "nd", "rd", "th"]);
    c.eat(&[","]);
    c.spaces();
    let year = c.digits(4, 4)?;
    date(year, month, day)
}

/// ` 14:05`, `T14:05:09`, ` 14:05:09`: a time of day after the date, if written.
fn time_after(c: &mut Cursor<'_>) -> Option<Time> {
    let start = c.i;
    let parsed = (|| {
        if !c.eat(&["T", " ", ", "]) {
            return None;
        }
        c.spaces();
        let hour = c.digits(1, 2)?;
        c.eat(&[":"]).then_some(())?;
        let minute = c.digits(2, 2)?;
        let second = if c.eat(&[":"]) { c.digits(2, 2)? } else { 0 };
        Time::new(
            i8::try_from(hour).ok()?,
            i8::try_from(minute).ok()?,
            i8::try_from(second).ok()?,
            0,
        )
        .ok()
    })();
    if parsed.is_none() {
        c.i = start;
    }
    parsed
}

/// A month's number from its English name or abbreviation, or its Russian name in the
/// genitive (as dates are written: "20 ноября").
fn month_number(word: &str) -> Option<i32> {
    const NAMES: [[&str; 3]; 12] = [
        ["jan", "january", "января"],
        ["feb", "february", "февраля"],
        ["mar", "march", "марта"],
        ["apr", "april", "апреля"],
        ["may", "may", "мая"],
        ["jun", "june", "июня"],
        ["jul", "july", "июля"],
        ["aug", "august", "августа"],
        ["sep", "september", "сентября"],
        ["oct", "october", "октября"],
        ["nov", "november", "ноября"],
        ["dec", "december", "декабря"],
    ];
    let word = if word == "sept" { "sep" } else { word };
    NAMES
        .iter()
        .position(|names| names.contains(&word))
        .and_then(|i| i32::try_from(i + 1).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Option<String> {
        parse_at(text).map(|(dt, _)| dt.to_string())
    }

    #[test]
    fn the_written_forms_parse() {
        assert_eq!(
            at("2026-11-20 14:05 UTC").as_deref(),
            Some("2026-11-20T14:05:00")
        );
        assert_eq!(at("2026/11/20.").as_deref(), Some("2026-11-20T00:00:00"));
        assert_eq!(
            at("20.11.2026 г. 09:30").as_deref(),
            Some("2026-11-20T00:00:00")
        );
        assert_eq!(
            at("20.11.2026 09:30:15").as_deref(),
            Some("2026-11-20T09:30:15")
        );
        assert_eq!(
            at("2026年11月20日 8:00").as_deref(),
            Some("2026-11-20T08:00:00")
        );
        assert_eq!(
            at("20 ноября 2026 года").as_deref(),
            Some("2026-11-20T00:00:00")
        );
        assert_eq!(at("Nov 20, 2026").as_deref(), Some("2026-11-20T00:00:00"));
        assert_eq!(at("3rd").as_deref(), None);
    }

    #[test]
    fn impossible_and_ambiguous_dates_do_not() {
        assert_eq!(at("2026-13-01"), None);
        assert_eq!(at("31.02.2026"), None);
        assert_eq!(at("11/12/2026"), None);
        assert_eq!(at("1899-01-01"), None);
        assert_eq!(at("20 bananas 2026"), None);
    }
}
