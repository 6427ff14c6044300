//! Refusals that name the field at fault and say what is wrong, never repeating the value:
//! the values are personal data and errors end up in logs.

use std::fmt;

/// What is wrong with a value. [`Invalid::key`] is a stable key for translated form
/// messages; `Display` is plain English.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Invalid {
    /// A required value is empty.
    Missing,
    /// Longer than allowed.
    TooLong {
        /// The most characters allowed.
        max: usize,
    },
    /// An INN holds something besides digits.
    InnNotDigits,
    /// An INN is neither 10 nor 12 digits.
    InnLength {
        /// The number of digits given.
        found: usize,
    },
    /// An INN's check digit does not match.
    InnCheckDigit {
        /// Which digit (1-based: 10 for 10-digit INNs, 11 or 12 for 12-digit ones).
        position: u8,
    },
    /// A 10-digit (organisation's) INN where a person's 12-digit one is needed.
    InnOfOrganisation,
    /// A passport series that is not 4 digits.
    PassportSeries,
    /// A passport number that is not 6 digits.
    PassportNumber,
    /// The series names a blank printed after next year.
    SeriesYearInFuture,
    /// Not a document type the desk accepts.
    DocumentType,
    /// Not a date (`2015-06-01` or `01.06.2015`).
    DateFormat,
    /// A date after today.
    DateInFuture,
    /// An issue date before the passport existed (Presidential Decree No. 232 of 13 Mar 1997).
    BeforePassportExisted,
    /// An issue date before the holder's 14th birthday.
    BeforeAge14,
    /// A birth date more than 130 years ago.
    ImplausibleBirthDate,
    /// A name with characters other than Cyrillic letters, spaces, hyphens and apostrophes.
    NotCyrillic,
    /// A name with Latin letters (often look-alikes typed on the wrong layout).
    LatinInName,
    /// A name that does not start and end with a letter.
    NameShape,
    /// Not a phone number.
    Phone,
    /// Not an e-mail address.
    Email,
    /// Stored data that cannot be read back (corrupt or of an unknown version).
    Unreadable,
    /// Text with control characters (line breaks, tabs) where one line is expected.
    ControlCharacter,
}

impl Invalid {
    /// A stable key (`inn_check_digit`), for translated messages.
    pub fn key(&self) -> &'static str {
        match self {
            Invalid::Missing => "missing",
            Invalid::TooLong { .. } => "too_long",
            Invalid::InnNotDigits => "inn_not_digits",
            Invalid::InnLength { .. } => "inn_length",
            Invalid::InnCheckDigit { .. } => "inn_check_digit",
            Invalid::InnOfOrganisation => "inn_of_organisation",
            Invalid::PassportSeries => "passport_series",
            Invalid::PassportNumber => "passport_number",
            Invalid::SeriesYearInFuture => "series_year_in_future",
            Invalid::DocumentType => "document_type",
            Invalid::DateFormat => "date_format",
            Invalid::DateInFuture => "date_in_future",
            Invalid::BeforePassportExisted => "before_passport_existed",
            Invalid::BeforeAge14 => "before_age_14",
            Invalid::ImplausibleBirthDate => "implausible_birth_date",
            Invalid::NotCyrillic => "not_cyrillic",
            Invalid::LatinInName => "latin_in_name",
            Invalid::NameShape => "name_shape",
            Invalid::Phone => "phone",
            Invalid::Email => "email",
            Invalid::Unreadable => "unreadable",
            Invalid::ControlCharacter => "control_character",
        }
    }
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Invalid::Missing => f.write_str("required"),
            Invalid::TooLong { max } => write!(f, "longer than {max} characters"),
            Invalid::InnNotDigits => f.write_str("an INN has only digits"),
            Invalid::InnLength { found } => {
                write!(
                    f,
                    "an INN has 12 digits (10 for organisations), got {found}"
                )
            }
            Invalid::InnCheckDigit { position } => write!(
                f,
                "check digit {position} does not match: check the INN for a typo"
            ),
            Invalid::InnOfOrganisation => {
                f.write_str("a 10-digit INN belongs to an organisation; a person's has 12 digits")
            }
            Invalid::PassportSeries => f.write_str("a passport series is 4 digits, e.g. 46 03"),
            Invalid::PassportNumber => f.write_str("a passport number is 6 digits"),
            Invalid::SeriesYearInFuture => {
                f.write_str("the last two digits of the series are a year to come")
            }
            Invalid::DocumentType => f.write_str("not an accepted identity document"),
            Invalid::DateFormat => f.write_str("expected a date such as 2015-06-01 or 01.06.2015"),
            Invalid::DateInFuture => f.write_str("the date is in the future"),
            Invalid::BeforePassportExisted => {
                f.write_str("Russian passports of this kind exist only since 13 March 1997")
            }
            Invalid::BeforeAge14 => f.write_str("a passport is issued from the age of 14"),
            Invalid::ImplausibleBirthDate => f.write_str("the birth date is implausibly early"),
            Invalid::NotCyrillic => {
                f.write_str("only Cyrillic letters, spaces, hyphens and apostrophes")
            }
            Invalid::LatinInName => {
                f.write_str("Latin letters in the name: write it in Cyrillic as in the passport")
            }
            Invalid::NameShape => f.write_str("a name starts and ends with a letter"),
            Invalid::Phone => f.write_str("expected a phone number such as +7 912 345-67-89"),
            Invalid::Email => f.write_str("expected an e-mail address such as name@example.ru"),
            Invalid::Unreadable => f.write_str("stored data cannot be read back"),
            Invalid::ControlCharacter => {
                f.write_str("line breaks and other control characters are not allowed")
            }
        }
    }
}

/// A refused value: the field (`inn`, `series`, `items[2].quantity`) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {invalid}")]
pub struct FieldError {
    /// The field, as the form or file names it.
    pub field: String,
    /// What is wrong.
    pub invalid: Invalid,
}

impl FieldError {
    /// A refusal of `field`.
    pub fn new(field: impl Into<String>, invalid: Invalid) -> Self {
        Self {
            field: field.into(),
            invalid,
        }
    }
}

/// Every field refused at once, so a form shows all its errors together.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", display_all(.0))]
pub struct FieldErrors(pub Vec<FieldError>);

fn display_all(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

impl FieldErrors {
    /// The error for `field`, if any.
    pub fn get(&self, field: &str) -> Option<&FieldError> {
        self.0.iter().find(|e| e.field == field)
    }
}
