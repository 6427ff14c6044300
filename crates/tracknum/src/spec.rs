//! The courier data files: the schema of `jkeen/tracking_number_data`, plus Posylka's extensions.
//!
//! These types mirror the JSON one to one; [`crate::catalog`] turns them into compiled formats.
//! Extensions (all optional, so jkeen's files parse unchanged): `carrier`, `carrier_name`,
//! `international`, `origin_country`, `confidence`, `kind`, `source`.

use serde::Deserialize;

/// One courier file: a courier and its number formats.
#[derive(Debug, Deserialize)]
pub(crate) struct CourierFile {
    pub name: String,
    pub courier_code: String,
    pub tracking_numbers: Vec<FormatSpec>,
}

/// One number format of a courier.
#[derive(Debug, Deserialize)]
pub(crate) struct FormatSpec {
    pub id: Option<String>,
    pub name: String,
    pub regex: RegexSource,
    #[serde(default)]
    pub validation: Validation,
    pub tracking_url: Option<String>,
    #[serde(default)]
    pub additional: Vec<Additional>,
    pub test_numbers: Option<TestNumbers>,
    // Posylka extensions.
    pub carrier: Option<String>,
    pub carrier_name: Option<String>,
    pub international: Option<bool>,
    pub origin_country: Option<String>,
    pub confidence: Option<f32>,
    #[serde(default)]
    pub kind: SpecKind,
}

/// jkeen writes long regexes as arrays of pieces to be concatenated.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(crate) enum RegexSource {
    One(String),
    Pieces(Vec<String>),
}

impl RegexSource {
    pub fn joined(&self) -> String {
        match self {
            RegexSource::One(s) => s.clone(),
            RegexSource::Pieces(p) => p.concat(),
        }
    }
}

/// What kind of number a format describes.
#[derive(Debug, Default, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub(crate) enum SpecKind {
    #[default]
    Tracking,
    OrderNumber,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct Validation {
    pub checksum: Option<ChecksumSpec>,
    pub serial_number_format: Option<SerialNumberFormat>,
    pub additional: Option<AdditionalValidation>,
}

/// A checksum as the data files describe it; see [`crate::checksum`] for the algorithms.
#[derive(Debug, Deserialize)]
pub(crate) struct ChecksumSpec {
    pub name: String,
    pub evens_multiplier: Option<u32>,
    pub odds_multiplier: Option<u32>,
    #[serde(default)]
    pub reverse: bool,
    pub weightings: Option<Vec<u32>>,
    pub modulo1: Option<u32>,
    pub modulo2: Option<u32>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct SerialNumberFormat {
    pub prepend_if: Option<PrependIf>,
}

/// "If the serial number matches this regex, put this content in front of it before the checksum."
#[derive(Debug, Deserialize)]
pub(crate) struct PrependIf {
    pub matches_regex: String,
    pub content: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct AdditionalValidation {
    #[serde(default)]
    pub exists: Vec<String>,
}

/// A lookup table on one named group, e.g. the S10 service indicator or country code.
#[derive(Debug, Deserialize)]
pub(crate) struct Additional {
    pub name: String,
    pub regex_group_name: String,
    pub lookup: Vec<LookupEntry>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct LookupEntry {
    pub matches: Option<String>,
    pub matches_regex: Option<String>,
    pub name: Option<String>,
    pub courier: Option<String>,
    pub country: Option<String>,
}

/// Test vectors shipped with each format.
#[derive(Debug, Deserialize)]
pub(crate) struct TestNumbers {
    #[serde(default)]
    pub valid: Vec<String>,
    #[serde(default)]
    pub invalid: Vec<String>,
}
