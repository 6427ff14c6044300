//! Identity documents: the Russian internal passport (identifiers.md §5.1) and the rules on
//! its issue date.
//!
//! The reference gives formats for the internal passport only, so it is the one document
//! type accepted; [`DocumentType`] is the place to add others when their formats are known.

use std::fmt;
use std::str::FromStr;

use jiff::civil::{Date, date};
use serde::{Deserialize, Serialize};
use zeroize::Zeroize as _;

use crate::error::Invalid;

/// The kinds of identity document the desk accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum DocumentType {
    /// The internal passport of a citizen of the Russian Federation (паспорт гражданина РФ).
    RuPassport,
}

impl DocumentType {
    /// Every accepted type, in the order a form lists them.
    pub const ALL: [DocumentType; 1] = [DocumentType::RuPassport];

    /// The stable key (`ru_passport`).
    pub fn key(self) -> &'static str {
        match self {
            DocumentType::RuPassport => "ru_passport",
        }
    }

    /// The name in Russian, as the customs register writes it.
    pub fn label_ru(self) -> &'static str {
        match self {
            DocumentType::RuPassport => "Паспорт гражданина Российской Федерации",
        }
    }

    /// The name in English.
    pub fn label_en(self) -> &'static str {
        match self {
            DocumentType::RuPassport => "Passport of a citizen of the Russian Federation",
        }
    }
}

impl FromStr for DocumentType {
    type Err = Invalid;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "" => Err(Invalid::Missing),
            "ru_passport" => Ok(DocumentType::RuPassport),
            _ => Err(Invalid::DocumentType),
        }
    }
}

/// The series and number of a Russian internal passport: `SS SS NNNNNN`. The series is the
/// issuing region's code and the last two digits of the year the blank was printed; there
/// is no check digit. Zeroized on drop; `Debug` hides the digits.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct RuPassport {
    series: [u8; 4],
    number: [u8; 6],
}

impl Drop for RuPassport {
    fn drop(&mut self) {
        self.series.zeroize();
        self.number.zeroize();
    }
}

impl fmt::Debug for RuPassport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RuPassport(redacted)")
    }
}

/// Exactly `N` ASCII digits once spaces are dropped.
fn digits<const N: usize>(input: &str) -> Option<[u8; N]> {
    let mut out = [0u8; N];
    let mut len = 0;
    for c in input.chars().filter(|c| !c.is_whitespace()) {
        if !c.is_ascii_digit() || len == N {
            out.zeroize();
            return None;
        }
        out[len] = c as u8;
        len += 1;
    }
    if len == N {
        Some(out)
    } else {
        out.zeroize();
        None
    }
}

impl RuPassport {
    /// Checks the series (`4603` or `46 03`) and the number (`123456`). The error says which
    /// of the two is wrong ([`Invalid::PassportSeries`] or [`Invalid::PassportNumber`]);
    /// both are reported when both are.
    pub fn parse(series: &str, number: &str) -> Result<Self, Vec<(&'static str, Invalid)>> {
        let mut errors = Vec::new();
        let s = if series.trim().is_empty() {
            errors.push(("series", Invalid::Missing));
            None
        } else {
            let s = digits::<4>(series);
            if s.is_none() {
                errors.push(("series", Invalid::PassportSeries));
            }
            s
        };
        let n = if number.trim().is_empty() {
            errors.push(("number", Invalid::Missing));
            None
        } else {
            let n = digits::<6>(number);
            if n.is_none() {
                errors.push(("number", Invalid::PassportNumber));
            }
            n
        };
        match (s, n) {
            (Some(series), Some(number)) => Ok(Self { series, number }),
            (mut s, mut n) => {
                s.zeroize();
                n.zeroize();
                Err(errors)
            }
        }
    }

    /// The series, 4 digits.
    pub fn series(&self) -> &str {
        std::str::from_utf8(&self.series).unwrap_or("")
    }

    /// The number, 6 digits.
    pub fn number(&self) -> &str {
        std::str::from_utf8(&self.number).unwrap_or("")
    }

    /// The issuing region's code (OKATO first level), the series' first two digits.
    pub fn region_code(&self) -> &str {
        &self.series()[..2]
    }

    /// The year the blank was printed: the series' last two digits, 97-99 being 1997-1999
    /// (the passport exists since 1997) and the rest 2000-2096.
    pub fn blank_year(&self) -> i16 {
        let yy = i16::from(self.series[2] - b'0') * 10 + i16::from(self.series[3] - b'0');
        if yy >= 97 { 1900 + yy } else { 2000 + yy }
    }
}

/// The first day a Russian internal passport can have been issued: Presidential Decree
/// No. 232 of 13 March 1997 introduced it (identifiers.md §5.1).
pub const PASSPORT_INTRODUCED: Date = date(1997, 3, 13);

/// A holder must be 14 to be issued a passport.
pub const MIN_AGE: i16 = 14;

/// Ages at which the passport is replaced (Government Decree No. 828).
pub const REPLACEMENT_AGES: [i16; 2] = [20, 45];

/// Things worth a second look that do not make the data invalid (identifiers.md calls them
/// soft checks: the blank's year may differ from the issue year, and the grace period for
/// the replacement at 20 and 45 was not verified).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Warning {
    /// The blank was printed more than 3 years before or after the issue date's year.
    SeriesYearFarFromIssue {
        /// The blank's year.
        blank_year: i16,
        /// The issue year.
        issue_year: i16,
    },
    /// The holder has reached a replacement age since the passport was issued.
    ReplacementDue {
        /// The age (20 or 45).
        age: i16,
    },
}

impl Warning {
    /// A stable key.
    pub fn key(&self) -> &'static str {
        match self {
            Warning::SeriesYearFarFromIssue { .. } => "series_year_far_from_issue",
            Warning::ReplacementDue { .. } => "replacement_due",
        }
    }
}

/// Reads a date as a form sends it (`2015-06-01`) or as people type it (`01.06.2015`).
pub fn parse_date(input: &str) -> Result<Date, Invalid> {
    let input = input.trim();
    if input.is_empty() {
        return Err(Invalid::Missing);
    }
    if let Ok(d) = input.parse::<Date>()
        && input.len() == 10
    {
        return Ok(d);
    }
    let mut parts = input.split('.');
    let (Some(d), Some(m), Some(y), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Invalid::DateFormat);
    };
    let num = |t: &str, len: std::ops::RangeInclusive<usize>| {
        (len.contains(&t.len()) && t.bytes().all(|b| b.is_ascii_digit()))
            .then(|| t.parse::<i16>().ok())
            .flatten()
    };
    match (num(d, 1..=2), num(m, 1..=2), num(y, 4..=4)) {
        (Some(d), Some(m), Some(y)) => {
            Date::new(y, m as i8, d as i8).map_err(|_| Invalid::DateFormat)
        }
        _ => Err(Invalid::DateFormat),
    }
}

/// The birth date rules: not in the future, not more than 130 years ago.
pub fn check_birth_date(birth: Date, today: Date) -> Result<(), Invalid> {
    if birth > today {
        return Err(Invalid::DateInFuture);
    }
    if i32::from(today.year()) - i32::from(birth.year()) > 130 {
        return Err(Invalid::ImplausibleBirthDate);
    }
    Ok(())
}

/// The `age`th birthday (29 February births have theirs on 28 February in other years).
fn birthday(birth: Date, age: i16) -> Date {
    let year = birth.year().saturating_add(age);
    Date::new(year, birth.month(), birth.day())
        .or_else(|_| Date::new(year, birth.month(), birth.day() - 1))
        .unwrap_or(Date::MAX)
}

/// The issue date rules for a Russian passport, given today's date (in the recipient's
/// zone, or Moscow's) and, when known, the holder's birth date:
///
/// - not after today, not before the passport existed ([`PASSPORT_INTRODUCED`]);
/// - the series' year not after next year (blanks are printed ahead, not years ahead);
/// - not before the holder's 14th birthday.
///
/// Errors name the field: `issued_on` or `series`. Soft findings come back as warnings.
pub fn check_issue_date(
    passport: &RuPassport,
    issued_on: Date,
    birth_date: Option<Date>,
    today: Date,
) -> Result<Vec<Warning>, (&'static str, Invalid)> {
    if passport.blank_year() > today.year() + 1 {
        return Err(("series", Invalid::SeriesYearInFuture));
    }
    if issued_on > today {
        return Err(("issued_on", Invalid::DateInFuture));
    }
    if issued_on < PASSPORT_INTRODUCED {
        return Err(("issued_on", Invalid::BeforePassportExisted));
    }
    let mut warnings = Vec::new();
    if let Some(birth) = birth_date {
        if issued_on < birthday(birth, MIN_AGE) {
            return Err(("issued_on", Invalid::BeforeAge14));
        }
        // The latest replacement age reached today but not when the passport was issued.
        if let Some(age) = REPLACEMENT_AGES
            .iter()
            .rev()
            .find(|age| today >= birthday(birth, **age) && issued_on < birthday(birth, **age))
        {
            warnings.push(Warning::ReplacementDue { age: *age });
        }
    }
    let (blank, issue) = (passport.blank_year(), issued_on.year());
    if (blank - issue).abs() > 3 {
        warnings.push(Warning::SeriesYearFarFromIssue {
            blank_year: blank,
            issue_year: issue,
        });
    }
    Ok(warnings)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn passport(series: &str) -> RuPassport {
        RuPassport::parse(series, "123456").expect("valid")
    }

    #[test]
    fn series_and_number_are_4_and_6_digits() {
        let p = RuPassport::parse("46 03", " 123456 ").expect("valid");
        assert_eq!(
            (p.series(), p.number(), p.region_code()),
            ("4603", "123456", "46")
        );
        assert_eq!(p.blank_year(), 2003);
        assert_eq!(passport("4597").blank_year(), 1997);
        assert_eq!(passport("4596").blank_year(), 2096);
        assert_eq!(
            RuPassport::parse("460", "12345"),
            Err(vec![
                ("series", Invalid::PassportSeries),
                ("number", Invalid::PassportNumber)
            ])
        );
        assert_eq!(
            RuPassport::parse("46031", "1234567"),
            Err(vec![
                ("series", Invalid::PassportSeries),
                ("number", Invalid::PassportNumber)
            ])
        );
        // Letters: the foreign-passport or Soviet formats are not this document.
        assert_eq!(
            RuPassport::parse("IV", "123456"),
            Err(vec![("series", Invalid::PassportSeries)])
        );
        assert_eq!(
            RuPassport::parse("", ""),
            Err(vec![
                ("series", Invalid::Missing),
                ("number", Invalid::Missing)
            ])
        );
        assert!(!format!("{p:?}").contains("4603"));
    }

    #[test]
    fn dates_are_read_in_both_forms() {
        assert_eq!(parse_date("2015-06-01"), Ok(date(2015, 6, 1)));
        assert_eq!(parse_date(" 01.06.2015 "), Ok(date(2015, 6, 1)));
        assert_eq!(parse_date("1.6.2015"), Ok(date(2015, 6, 1)));
        assert_eq!(parse_date("31.02.2015"), Err(Invalid::DateFormat));
        assert_eq!(parse_date("01.06.15"), Err(Invalid::DateFormat));
        assert_eq!(parse_date("2015-6-1"), Err(Invalid::DateFormat));
        assert_eq!(parse_date("+01.06.2015"), Err(Invalid::DateFormat));
        assert_eq!(parse_date(""), Err(Invalid::Missing));
    }

    #[test]
    fn the_issue_date_is_neither_in_the_future_nor_before_1997() {
        let today = date(2026, 5, 10);
        let p = passport("4525");
        assert_eq!(check_issue_date(&p, today, None, today), Ok(vec![]));
        assert_eq!(
            check_issue_date(&p, date(2026, 5, 11), None, today),
            Err(("issued_on", Invalid::DateInFuture))
        );
        let old = passport("4597");
        assert!(check_issue_date(&old, PASSPORT_INTRODUCED, None, today).is_ok());
        assert_eq!(
            check_issue_date(&old, date(1997, 3, 12), None, today),
            Err(("issued_on", Invalid::BeforePassportExisted))
        );
    }

    #[test]
    fn the_series_year_may_be_next_year_but_not_later() {
        let today = date(2026, 12, 20);
        // Blanks for next year are printed ahead: a soft finding only if far from the issue.
        assert!(check_issue_date(&passport("4527"), today, None, today).is_ok());
        assert_eq!(
            check_issue_date(&passport("4528"), today, None, today),
            Err(("series", Invalid::SeriesYearInFuture))
        );
        // Up to 3 years between the blank and the issue is usual; more is worth a look.
        assert_eq!(
            check_issue_date(&passport("4510"), date(2013, 12, 31), None, today),
            Ok(vec![])
        );
        assert_eq!(
            check_issue_date(&passport("4510"), date(2014, 1, 1), None, today),
            Ok(vec![Warning::SeriesYearFarFromIssue {
                blank_year: 2010,
                issue_year: 2014
            }])
        );
    }

    #[test]
    fn a_passport_is_issued_from_the_14th_birthday() {
        let today = date(2026, 5, 10);
        let birth = date(2000, 3, 15);
        let p = passport("4514");
        assert!(check_issue_date(&p, date(2014, 3, 15), Some(birth), today).is_ok());
        assert_eq!(
            check_issue_date(&p, date(2014, 3, 14), Some(birth), today),
            Err(("issued_on", Invalid::BeforeAge14))
        );
        // 29 February: the birthday is 28 February in common years.
        let leap = date(2004, 2, 29);
        let p18 = passport("4518");
        assert!(check_issue_date(&p18, date(2018, 2, 28), Some(leap), today).is_ok());
        assert_eq!(
            check_issue_date(&p18, date(2018, 2, 27), Some(leap), today),
            Err(("issued_on", Invalid::BeforeAge14))
        );
    }

    #[test]
    fn a_holder_past_20_or_45_with_an_older_passport_is_flagged() {
        let birth = date(2000, 3, 15);
        let p = passport("4514");
        let issued = date(2014, 4, 1);
        // The day before the 20th birthday: fine; on it: replacement due.
        assert_eq!(
            check_issue_date(&p, issued, Some(birth), date(2020, 3, 14)),
            Ok(vec![])
        );
        assert_eq!(
            check_issue_date(&p, issued, Some(birth), date(2020, 3, 15)),
            Ok(vec![Warning::ReplacementDue { age: 20 }])
        );
        // Replaced at 20: fine until 45.
        let p20 = passport("4520");
        let renewed = date(2020, 4, 1);
        assert_eq!(
            check_issue_date(&p20, renewed, Some(birth), date(2044, 1, 1)),
            Ok(vec![])
        );
        let p20_far = check_issue_date(&p20, renewed, Some(birth), date(2045, 3, 15));
        assert_eq!(p20_far, Ok(vec![Warning::ReplacementDue { age: 45 }]));
    }

    #[test]
    fn birth_dates_are_plausible() {
        let today = date(2026, 5, 10);
        assert!(check_birth_date(date(1990, 1, 1), today).is_ok());
        assert_eq!(
            check_birth_date(date(2026, 5, 11), today),
            Err(Invalid::DateInFuture)
        );
        assert_eq!(
            check_birth_date(date(1890, 1, 1), today),
            Err(Invalid::ImplausibleBirthDate)
        );
    }

    #[test]
    fn document_types_have_keys_and_labels() {
        for t in DocumentType::ALL {
            assert_eq!(t.key().parse::<DocumentType>(), Ok(t));
            assert!(!t.label_ru().is_empty() && !t.label_en().is_empty());
        }
        assert_eq!(
            "passport".parse::<DocumentType>(),
            Err(Invalid::DocumentType)
        );
        assert_eq!("".parse::<DocumentType>(), Err(Invalid::Missing));
    }
}
