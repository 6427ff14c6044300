//! Manifests of arriving parcels, as operators import them: CSV ([`parse_csv`]) or JSON
//! ([`parse_json`]). All or nothing: a manifest with any bad row returns every error (line
//! and field) and no parcel.
//!
//! The fields, in both formats:
//!
//! | field | required | what |
//! |---|---|---|
//! | `tracking_number` | yes | checked with `tracknum` (check digits, order numbers) |
//! | `recipient_name` | yes | as the shop wrote it, any script |
//! | `phone` | yes | for the SMS; normalised to E.164 |
//! | `email` | yes | for the link |
//! | `declared_value`, `currency` | yes | `12.50` or `12,50`; three-letter code |
//! | `weight_kg` | yes | gross, up to grams (`0.350`) |
//! | items | at least one | description, quantity (default 1), value (optional) |
//!
//! CSV has one row per item (`item_description`, `item_quantity`, `item_value`): the rows
//! of one parcel share its tracking number, and its other columns may be left empty after
//! the first row (when filled, they must agree). JSON is an array of parcels, or an object
//! with a `parcels` array, each with an `items` array of `{description, quantity, value}`.
//! Unknown columns and keys are ignored.
//!
//! Error messages never repeat a recipient's name, phone or address (they end up in logs);
//! they name the line and field.

mod from_csv;
mod from_json;

use std::collections::HashMap;
use std::fmt;

use posylka_core::order::{Currency, Price};
use posylka_core::shipment::TrackingNumber;
use serde::{Deserialize, Serialize};

pub use self::from_csv::parse_csv;
pub use self::from_json::parse_json;
use crate::contact::{Email, Phone};
use crate::error::Invalid;

/// A manifest's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ManifestFormat {
    /// Comma, semicolon or tab separated values with a header row.
    Csv,
    /// JSON.
    Json,
}

impl ManifestFormat {
    /// Guesses from the content: JSON starts with `[` or `{` (after a byte-order mark and
    /// whitespace); a CSV header starts with a column name.
    pub fn sniff(bytes: &[u8]) -> Self {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
            Some(b'[' | b'{') => ManifestFormat::Json,
            _ => ManifestFormat::Csv,
        }
    }
}

/// Parses a manifest in `format`.
pub fn parse(
    bytes: &[u8],
    format: ManifestFormat,
    options: &ManifestOptions,
) -> Result<Manifest, ManifestErrors> {
    match format {
        ManifestFormat::Csv => parse_csv(bytes, options),
        ManifestFormat::Json => parse_json(bytes, options),
    }
}

/// At most this many errors are listed; a manifest that bad is the wrong file.
pub const MAX_ERRORS: usize = 1000;

/// The longest recipient name, item description, in characters.
pub const MAX_TEXT: usize = 500;

/// How strict the import is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ManifestOptions {
    /// Accept tracking numbers of no known format (a carrier's own waybills). Numbers that
    /// fit a format with a wrong check digit, and marketplace order numbers, are refused
    /// all the same.
    pub accept_unknown_formats: bool,
}

/// A manifest that imported cleanly.
#[derive(Debug, Clone, PartialEq)]
pub struct Manifest {
    /// The parcels, in the order of the file.
    pub parcels: Vec<ManifestParcel>,
}

/// One arriving parcel.
#[derive(Debug, Clone, PartialEq)]
pub struct ManifestParcel {
    /// The line the parcel starts on.
    pub line: u64,
    /// The tracking number, canonical.
    pub tracking_number: TrackingNumber,
    /// The recipient's name as the shop wrote it.
    pub recipient_name: RecipientName,
    /// The recipient's phone.
    pub phone: Phone,
    /// The recipient's e-mail.
    pub email: Email,
    /// The declared value of the goods.
    pub declared_value: Price,
    /// The gross weight in grams.
    pub weight_grams: u32,
    /// The goods.
    pub items: Vec<Item>,
}

/// A recipient's name from a manifest (any script, 1 to 500 characters, no control
/// characters). `Debug` hides it.
#[derive(Clone, PartialEq, Eq)]
pub struct RecipientName(String);

impl fmt::Debug for RecipientName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RecipientName(redacted)")
    }
}

impl RecipientName {
    /// Checks a name.
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        text(input).map(Self)
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// One line of goods.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// What it is.
    pub description: String,
    /// How many.
    pub quantity: u32,
    /// The value of the line, when given.
    pub value: Option<Price>,
}

/// One refused value, or a refused file: the line, the field when one is at fault, and
/// what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestError {
    /// The line (1-based); for JSON, the line the parcel starts on.
    pub line: u64,
    /// The field (`phone`, `items[1].quantity`), if one is at fault.
    pub field: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ManifestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.field {
            Some(field) => write!(f, "line {}, {}: {}", self.line, field, self.message),
            None => write!(f, "line {}: {}", self.line, self.message),
        }
    }
}

/// Why a manifest was refused: every error found, in line order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ManifestErrors {
    /// The errors (at most [`MAX_ERRORS`]).
    pub errors: Vec<ManifestError>,
    /// Errors past [`MAX_ERRORS`] that were not listed.
    pub more: usize,
}

impl fmt::Display for ManifestErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let total = self.errors.len() + self.more;
        write!(
            f,
            "manifest refused, nothing imported: {total} error{}",
            if total == 1 { "" } else { "s" }
        )?;
        for e in &self.errors {
            write!(f, "\n  {e}")?;
        }
        if self.more > 0 {
            write!(f, "\n  … and {} more", self.more)?;
        }
        Ok(())
    }
}

/// Collects errors up to [`MAX_ERRORS`].
#[derive(Debug, Default)]
pub(crate) struct Errors {
    list: Vec<ManifestError>,
    more: usize,
}

impl Errors {
    pub(crate) fn push(&mut self, line: u64, field: Option<&str>, message: impl Into<String>) {
        if self.list.len() < MAX_ERRORS {
            self.list.push(ManifestError {
                line,
                field: field.map(str::to_owned),
                message: message.into(),
            });
        } else {
            self.more += 1;
        }
    }

    pub(crate) fn invalid(&mut self, line: u64, field: &str, invalid: Invalid) {
        self.push(line, Some(field), invalid.to_string());
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.list.is_empty() && self.more == 0
    }

    pub(crate) fn finish<T>(mut self, ok: T) -> Result<T, ManifestErrors> {
        if self.is_empty() {
            return Ok(ok);
        }
        self.list.sort_by_key(|e| e.line);
        Err(ManifestErrors {
            errors: self.list,
            more: self.more,
        })
    }
}

/// Free text: trimmed, 1 to [`MAX_TEXT`] characters, no control characters.
fn text(input: &str) -> Result<String, Invalid> {
    let t = input.trim();
    if t.is_empty() {
        return Err(Invalid::Missing);
    }
    if t.chars().count() > MAX_TEXT {
        return Err(Invalid::TooLong { max: MAX_TEXT });
    }
    if t.chars().any(char::is_control) {
        return Err(Invalid::ControlCharacter);
    }
    Ok(t.to_owned())
}

/// A checked tracking number, or the reason in words (tracknum's).
pub(crate) fn tracking_number(
    input: &str,
    options: &ManifestOptions,
) -> Result<TrackingNumber, String> {
    let input = input.trim();
    if input.is_empty() {
        return Err(Invalid::Missing.to_string());
    }
    let id = tracknum::identify(input);
    let canonical = |n: &tracknum::Normalized| {
        TrackingNumber::parse(n.as_str()).map_err(|_| "not a tracking number".to_owned())
    };
    match (&id.number, id.kind()) {
        (Some(n), _) if id.is_valid() => canonical(n),
        (Some(_), tracknum::NumberKind::OrderNumber) => Err(id
            .problems
            .iter()
            .find(|p| p.code() == "order_number")
            .map_or_else(
                || "a marketplace order number, not a tracking number".to_owned(),
                |p| p.message(),
            )),
        (Some(n), _)
            if options.accept_unknown_formats
                && id.problems.iter().all(|p| p.code() == "unknown_format") =>
        {
            canonical(n)
        }
        _ => Err(id.problems.first().map_or_else(
            || "no known tracking-number format fits".to_owned(),
            |p| p.message(),
        )),
    }
}

/// A decimal amount with at most `scale` decimals (`.` or `,`; spaces as thousands
/// separators), as an integer of 10^-scale units.
fn decimal(input: &str, scale: u32) -> Option<i64> {
    let cleaned: String = input
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{00A0}' | '\u{202F}'))
        .collect();
    let (units, frac) = match cleaned.split_once(['.', ',']) {
        Some((_, "")) => return None,
        Some((u, f)) => (u, f),
        None => (cleaned.as_str(), ""),
    };
    let all_digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    if units.is_empty() || !all_digits(units) || !all_digits(frac) || frac.len() > scale as usize {
        return None;
    }
    let units: i64 = units.parse().ok()?;
    let mut frac_value: i64 = if frac.is_empty() {
        0
    } else {
        frac.parse().ok()?
    };
    for _ in frac.len()..scale as usize {
        frac_value *= 10;
    }
    units.checked_mul(10i64.pow(scale))?.checked_add(frac_value)
}

/// An amount in hundredths, reporting a bad one under `field`.
fn amount(input: &str, field: &str, errors: &mut Errors, line: u64) -> Option<i64> {
    match decimal(input, 2) {
        Some(cents) => Some(cents),
        None if input.trim().is_empty() => {
            errors.invalid(line, field, Invalid::Missing);
            None
        }
        None => {
            errors.push(
                line,
                Some(field),
                "expected an amount such as 12.50 (at most 2 decimals)",
            );
            None
        }
    }
}

/// The parcel fields as read from the file, before checking.
#[derive(Debug, Default, Clone)]
pub(crate) struct RawParcel {
    pub(crate) tracking_number: String,
    pub(crate) recipient_name: String,
    pub(crate) phone: String,
    pub(crate) email: String,
    pub(crate) declared_value: String,
    pub(crate) currency: String,
    pub(crate) weight_kg: String,
}

/// One item as read from the file.
#[derive(Debug, Default, Clone)]
pub(crate) struct RawItem {
    pub(crate) description: String,
    pub(crate) quantity: String,
    pub(crate) value: String,
}

/// The checked parcel fields (without items).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ParcelFields {
    pub(crate) tracking_number: TrackingNumber,
    pub(crate) recipient_name: RecipientName,
    pub(crate) phone: Phone,
    pub(crate) email: Email,
    pub(crate) declared_value: Price,
    pub(crate) weight_grams: u32,
}

/// The heaviest parcel accepted, in grams (1 tonne: a typo guard, not a customs rule).
const MAX_GRAMS: i64 = 1_000_000;

impl RawParcel {
    /// Checks every field, reporting each bad one. `prefix` goes before field names (JSON
    /// gives none; CSV columns are the names).
    pub(crate) fn check(
        &self,
        line: u64,
        options: &ManifestOptions,
        errors: &mut Errors,
    ) -> Option<ParcelFields> {
        let tracking_number = tracking_number(&self.tracking_number, options)
            .map_err(|m| errors.push(line, Some("tracking_number"), m))
            .ok();
        let recipient_name = RecipientName::parse(&self.recipient_name)
            .map_err(|e| errors.invalid(line, "recipient_name", e))
            .ok();
        let phone = Phone::parse(&self.phone)
            .map_err(|e| errors.invalid(line, "phone", e))
            .ok();
        let email = Email::parse(&self.email)
            .map_err(|e| errors.invalid(line, "email", e))
            .ok();
        let currency = currency(&self.currency, line, errors);
        let cents = amount(&self.declared_value, "declared_value", errors, line);
        let declared_value = currency.zip(cents).and_then(|(c, v)| Price::new(v, c));
        let weight_grams = match decimal(&self.weight_kg, 3) {
            Some(g) if (1..=MAX_GRAMS).contains(&g) => Some(g as u32),
            _ if self.weight_kg.trim().is_empty() => {
                errors.invalid(line, "weight_kg", Invalid::Missing);
                None
            }
            _ => {
                errors.push(
                    line,
                    Some("weight_kg"),
                    "expected kilograms such as 0.350 (more than 0, at most 1000, up to grams)",
                );
                None
            }
        };
        Some(ParcelFields {
            tracking_number: tracking_number?,
            recipient_name: recipient_name?,
            phone: phone?,
            email: email?,
            declared_value: declared_value?,
            weight_grams: weight_grams?,
        })
    }
}

fn currency(input: &str, line: u64, errors: &mut Errors) -> Option<Currency> {
    if input.trim().is_empty() {
        errors.invalid(line, "currency", Invalid::Missing);
        return None;
    }
    input
        .parse::<Currency>()
        .map_err(|_| {
            errors.push(
                line,
                Some("currency"),
                "expected a three-letter currency code such as EUR or RUB",
            );
        })
        .ok()
}

/// The most pieces in one line of goods.
const MAX_QUANTITY: u32 = 100_000;

impl RawItem {
    /// Checks an item; `field` is the item's name in errors (`items[0]`, or the CSV's
    /// `item` columns), `currency` the parcel's.
    pub(crate) fn check(
        &self,
        line: u64,
        field: &str,
        currency: Option<Currency>,
        errors: &mut Errors,
    ) -> Option<Item> {
        let name = |part: &str| {
            if field.ends_with(']') {
                format!("{field}.{part}")
            } else {
                format!("{field}_{part}")
            }
        };
        let description = text(&self.description)
            .map_err(|e| errors.invalid(line, &name("description"), e))
            .ok();
        let quantity = if self.quantity.trim().is_empty() {
            Some(1)
        } else {
            match self.quantity.trim().parse::<u32>() {
                Ok(q) if (1..=MAX_QUANTITY).contains(&q) => Some(q),
                _ => {
                    errors.push(
                        line,
                        Some(&name("quantity")),
                        format!("expected a whole number from 1 to {MAX_QUANTITY}"),
                    );
                    None
                }
            }
        };
        let value = if self.value.trim().is_empty() {
            Some(None)
        } else {
            let cents = amount(&self.value, &name("value"), errors, line);
            // Without a valid parcel currency the parcel's own error says so.
            match (currency, cents) {
                (Some(c), Some(v)) => Some(Price::new(v, c)),
                _ => None,
            }
        };
        Some(Item {
            description: description?,
            quantity: quantity?,
            value: value?,
        })
    }
}

/// Keeps the first line of each tracking number, to refuse duplicates.
#[derive(Debug, Default)]
pub(crate) struct Seen(HashMap<TrackingNumber, u64>);

impl Seen {
    /// The first line with this number, or `None` (and records `line`).
    pub(crate) fn first(&mut self, number: &TrackingNumber, line: u64) -> Option<u64> {
        match self.0.get(number) {
            Some(first) => Some(*first),
            None => {
                self.0.insert(number.clone(), line);
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_accept_dots_commas_and_spaces() {
        assert_eq!(decimal("12.5", 2), Some(1250));
        assert_eq!(decimal("12,50", 2), Some(1250));
        assert_eq!(decimal("1 234,5", 2), Some(123_450));
        assert_eq!(decimal("0.350", 3), Some(350));
        assert_eq!(decimal("2", 3), Some(2000));
        for bad in [
            "", ".5", "12.", "1.2.3", "12.345", "-1", "1e3", "12 EUR", "９",
        ] {
            assert_eq!(decimal(bad, 2), None, "{bad}");
        }
        assert_eq!(decimal("12.", 2), None);
        assert_eq!(decimal("99999999999999999999", 2), None);
    }

    #[test]
    fn tracking_numbers_are_checked_by_tracknum() {
        let o = ManifestOptions::default();
        assert_eq!(
            tracking_number(" rb 1234 5678 5gb ", &o).map(|n| n.as_str().to_owned()),
            Ok("RB123456785GB".to_owned())
        );
        let typo = tracking_number("RB123456786GB", &o).expect_err("check digit");
        assert!(typo.contains("check digit"), "{typo}");
        let order = tracking_number("3074935419642839", &o).expect_err("order number");
        assert!(order.contains("order"), "{order}");
        assert!(tracking_number("ZZ-QQ", &o).is_err());
        let lenient = ManifestOptions {
            accept_unknown_formats: true,
        };
        assert!(tracking_number("SPSRQQ1234", &lenient).is_ok());
        assert!(tracking_number("SPSRQQ1234", &o).is_err());
        // Lenient still refuses a wrong check digit.
        assert!(tracking_number("RB123456786GB", &lenient).is_err());
    }
}
