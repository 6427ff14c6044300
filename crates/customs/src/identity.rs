//! The recipient's identity data as the customs register needs it: full name in Cyrillic,
//! document type, series and number, issue date, and the INN (identifiers.md §5, customs.md
//! §4.4). [`IdentityForm`] is what the recipient's page posts; [`IdentityForm::validate`]
//! returns a [`RecipientIdentity`] (valid by construction) or every refused field at once.

use std::fmt;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize as _, Zeroizing};

use crate::document::{self, DocumentType, RuPassport, Warning};
use crate::error::{FieldError, FieldErrors, Invalid};
use crate::inn::Inn;
use crate::name::FullName;

/// What the form asks for, as posted (every field text). Zeroized on drop; `Debug` hides it.
#[derive(Clone, Default, Deserialize)]
pub struct IdentityForm {
    /// Фамилия.
    #[serde(default)]
    pub surname: String,
    /// Имя.
    #[serde(default)]
    pub given_name: String,
    /// Отчество (empty when none).
    #[serde(default)]
    pub patronymic: String,
    /// [`DocumentType::key`] (`ru_passport`).
    #[serde(default)]
    pub document_type: String,
    /// The passport series (`46 03`).
    #[serde(default)]
    pub series: String,
    /// The passport number.
    #[serde(default)]
    pub number: String,
    /// The issue date (`2015-06-01` or `01.06.2015`).
    #[serde(default)]
    pub issued_on: String,
    /// The birth date, when the form asks for it.
    #[serde(default)]
    pub birth_date: String,
    /// The INN.
    #[serde(default)]
    pub inn: String,
}

impl Drop for IdentityForm {
    fn drop(&mut self) {
        for field in [
            &mut self.surname,
            &mut self.given_name,
            &mut self.patronymic,
            &mut self.document_type,
            &mut self.series,
            &mut self.number,
            &mut self.issued_on,
            &mut self.birth_date,
            &mut self.inn,
        ] {
            field.zeroize();
        }
    }
}

impl fmt::Debug for IdentityForm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("IdentityForm(redacted)")
    }
}

/// What a deployment requires besides name, document and issue date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdentityRules {
    /// The INN is required ("lately" asked by express carriers; customs.md §4.4).
    pub inn_required: bool,
    /// The birth date is required (it makes the age checks possible).
    pub birth_date_required: bool,
}

impl Default for IdentityRules {
    fn default() -> Self {
        Self {
            inn_required: true,
            birth_date_required: false,
        }
    }
}

/// One identity document, valid by construction.
#[derive(Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IdentityDocument {
    /// A Russian internal passport.
    RuPassport(RuPassport),
}

impl fmt::Debug for IdentityDocument {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdentityDocument({}, redacted)", self.kind().key())
    }
}

impl IdentityDocument {
    /// Its type.
    pub fn kind(&self) -> DocumentType {
        match self {
            IdentityDocument::RuPassport(_) => DocumentType::RuPassport,
        }
    }

    /// The series.
    pub fn series(&self) -> &str {
        match self {
            IdentityDocument::RuPassport(p) => p.series(),
        }
    }

    /// The number.
    pub fn number(&self) -> &str {
        match self {
            IdentityDocument::RuPassport(p) => p.number(),
        }
    }
}

/// A recipient's identity data, valid by construction: every field's format, and the issue
/// date's rules as of the day it was validated. `Debug` hides everything.
#[derive(Clone, PartialEq, Eq)]
pub struct RecipientIdentity {
    name: FullName,
    document: IdentityDocument,
    issued_on: Date,
    birth_date: Option<Date>,
    inn: Option<Inn>,
}

impl fmt::Debug for RecipientIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "RecipientIdentity({}, redacted)",
            self.document.kind().key()
        )
    }
}

/// A validated identity and the soft findings worth showing the recipient before they
/// confirm (or an operator before filing).
#[derive(Debug, Clone)]
pub struct Validated {
    /// The identity.
    pub identity: RecipientIdentity,
    /// Soft findings (the data are accepted).
    pub warnings: Vec<Warning>,
}

impl IdentityForm {
    /// Checks every field, given today's date (in Moscow or the recipient's zone). All
    /// refused fields are returned together, each naming its field.
    pub fn validate(&self, today: Date, rules: &IdentityRules) -> Result<Validated, FieldErrors> {
        let mut errors = Vec::new();
        let name = FullName::new(&self.surname, &self.given_name, &self.patronymic)
            .map_err(|e| errors.extend(e))
            .ok();
        let kind = self
            .document_type
            .parse::<DocumentType>()
            .map_err(|e| errors.push(FieldError::new("document_type", e)))
            .ok();
        let document = match kind {
            Some(DocumentType::RuPassport) => RuPassport::parse(&self.series, &self.number)
                .map_err(|e| {
                    errors.extend(e.into_iter().map(|(f, i)| FieldError::new(f, i)));
                })
                .ok(),
            None => None,
        };
        let issued_on = document::parse_date(&self.issued_on)
            .map_err(|e| errors.push(FieldError::new("issued_on", e)))
            .ok();
        let birth_date = if self.birth_date.trim().is_empty() && !rules.birth_date_required {
            Some(None)
        } else {
            document::parse_date(&self.birth_date)
                .and_then(|d| document::check_birth_date(d, today).map(|()| d))
                .map(Some)
                .map_err(|e| errors.push(FieldError::new("birth_date", e)))
                .ok()
        };
        let inn = if self.inn.trim().is_empty() && !rules.inn_required {
            Some(None)
        } else {
            match Inn::parse(&self.inn) {
                Ok(inn) if inn.is_individual() => Some(Some(inn)),
                Ok(_) => {
                    errors.push(FieldError::new("inn", Invalid::InnOfOrganisation));
                    None
                }
                Err(e) => {
                    errors.push(FieldError::new("inn", e));
                    None
                }
            }
        };
        let mut warnings = Vec::new();
        if let (Some(passport), Some(issued), Some(birth)) = (&document, issued_on, birth_date) {
            match document::check_issue_date(passport, issued, birth, today) {
                Ok(w) => warnings = w,
                Err((field, invalid)) => errors.push(FieldError::new(field, invalid)),
            }
        }
        match (name, document, issued_on, birth_date, inn) {
            (Some(name), Some(passport), Some(issued_on), Some(birth_date), Some(inn))
                if errors.is_empty() =>
            {
                Ok(Validated {
                    identity: RecipientIdentity {
                        name,
                        document: IdentityDocument::RuPassport(passport),
                        issued_on,
                        birth_date,
                        inn,
                    },
                    warnings,
                })
            }
            _ => Err(FieldErrors(errors)),
        }
    }
}

/// The stored form inside the vault (JSON), version 1.
#[derive(Serialize)]
struct StoredRef<'a> {
    v: u8,
    surname: &'a str,
    given_name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    patronymic: Option<&'a str>,
    document_type: DocumentType,
    series: &'a str,
    number: &'a str,
    issued_on: Date,
    #[serde(skip_serializing_if = "Option::is_none")]
    birth_date: Option<Date>,
    #[serde(skip_serializing_if = "Option::is_none")]
    inn: Option<&'a str>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Stored {
    v: u8,
    surname: String,
    given_name: String,
    #[serde(default)]
    patronymic: Option<String>,
    document_type: DocumentType,
    series: String,
    number: String,
    issued_on: Date,
    #[serde(default)]
    birth_date: Option<Date>,
    #[serde(default)]
    inn: Option<String>,
}

impl Drop for Stored {
    fn drop(&mut self) {
        self.surname.zeroize();
        self.given_name.zeroize();
        self.patronymic.zeroize();
        self.series.zeroize();
        self.number.zeroize();
        self.inn.zeroize();
    }
}

impl RecipientIdentity {
    /// The full name.
    pub fn name(&self) -> &FullName {
        &self.name
    }

    /// The identity document.
    pub fn document(&self) -> &IdentityDocument {
        &self.document
    }

    /// The document's issue date.
    pub fn issued_on(&self) -> Date {
        self.issued_on
    }

    /// The birth date, when given.
    pub fn birth_date(&self) -> Option<Date> {
        self.birth_date
    }

    /// The INN, when given.
    pub fn inn(&self) -> Option<&Inn> {
        self.inn.as_ref()
    }

    /// The bytes to seal in the vault (JSON), in a buffer zeroized on drop and sized up
    /// front so that no reallocation leaves a copy behind.
    pub fn to_vault_bytes(&self) -> Zeroizing<Vec<u8>> {
        let stored = StoredRef {
            v: 1,
            surname: self.name.surname(),
            given_name: self.name.given(),
            patronymic: self.name.patronymic(),
            document_type: self.document.kind(),
            series: self.document.series(),
            number: self.document.number(),
            issued_on: self.issued_on,
            birth_date: self.birth_date,
            inn: self.inn.as_ref().map(Inn::as_str),
        };
        // Names are at most 3 × 64 characters of 2 bytes; the rest is under 300 bytes.
        let mut out = Zeroizing::new(Vec::with_capacity(2048));
        // Writing plain strings and dates into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut *out, &stored);
        out
    }

    /// Reads what [`RecipientIdentity::to_vault_bytes`] wrote, checking every format again
    /// (not the date rules, which held on the day of submission). Errors name the field,
    /// never the value.
    pub fn from_vault_bytes(bytes: &[u8]) -> Result<Self, FieldErrors> {
        let stored: Stored = serde_json::from_slice(bytes)
            .map_err(|_| FieldErrors(vec![FieldError::new("identity", Invalid::Unreadable)]))?;
        if stored.v != 1 {
            return Err(FieldErrors(vec![FieldError::new("v", Invalid::Unreadable)]));
        }
        let mut errors = Vec::new();
        let name = FullName::new(
            &stored.surname,
            &stored.given_name,
            stored.patronymic.as_deref().unwrap_or(""),
        )
        .map_err(|e| errors.extend(e))
        .ok();
        let document = match stored.document_type {
            DocumentType::RuPassport => RuPassport::parse(&stored.series, &stored.number)
                .map(IdentityDocument::RuPassport)
                .map_err(|e| errors.extend(e.into_iter().map(|(f, i)| FieldError::new(f, i))))
                .ok(),
        };
        let inn = match stored.inn.as_deref().map(Inn::parse) {
            None => Some(None),
            Some(Ok(inn)) => Some(Some(inn)),
            Some(Err(e)) => {
                errors.push(FieldError::new("inn", e));
                None
            }
        };
        match (name, document, inn) {
            (Some(name), Some(document), Some(inn)) if errors.is_empty() => Ok(Self {
                name,
                document,
                issued_on: stored.issued_on,
                birth_date: stored.birth_date,
                inn,
            }),
            _ => Err(FieldErrors(errors)),
        }
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    fn form() -> IdentityForm {
        IdentityForm {
            surname: "Иванов".into(),
            given_name: "Иван".into(),
            patronymic: "Иванович".into(),
            document_type: "ru_passport".into(),
            series: "46 03".into(),
            number: "123456".into(),
            issued_on: "15.06.2005".into(),
            birth_date: "".into(),
            inn: "500100732259".into(),
        }
    }

    const TODAY: Date = date(2026, 5, 10);

    #[test]
    fn a_good_form_validates_and_survives_the_vault_round_trip() {
        let v = form()
            .validate(TODAY, &IdentityRules::default())
            .expect("valid");
        let id = &v.identity;
        assert_eq!(id.name().full(), "Иванов Иван Иванович");
        assert_eq!(
            (id.document().series(), id.document().number()),
            ("4603", "123456")
        );
        assert_eq!(id.issued_on(), date(2005, 6, 15));
        assert_eq!(id.inn().map(Inn::as_str), Some("500100732259"));
        // Blank of 2003 issued in 2005: within 3 years, no warning.
        assert!(v.warnings.is_empty());

        let bytes = id.to_vault_bytes();
        let back = RecipientIdentity::from_vault_bytes(&bytes).expect("round trip");
        assert_eq!(&back, id);
        let shown = format!("{id:?} {back:?} {:?}", form());
        for secret in ["Иван", "4603", "123456", "500100732259"] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
    }

    #[test]
    fn every_bad_field_is_named_at_once() {
        let bad = {
            let mut f = form();
            f.surname = "Ivanov".into();
            f.series = "46O3".into();
            f.number = "12345".into();
            f.issued_on = "2030-01-01".into();
            f.inn = "123456789037".into();
            f
        };
        let errors = bad
            .validate(TODAY, &IdentityRules::default())
            .expect_err("bad");
        let fields: Vec<_> = errors
            .0
            .iter()
            .map(|e| (e.field.as_str(), e.invalid))
            .collect();
        assert_eq!(
            fields,
            [
                ("surname", Invalid::LatinInName),
                ("series", Invalid::PassportSeries),
                ("number", Invalid::PassportNumber),
                ("inn", Invalid::InnCheckDigit { position: 11 }),
            ]
        );
        // The issue date is checked once the passport itself is readable.
        let future = {
            let mut f = form();
            f.issued_on = "2030-01-01".into();
            f
        };
        let errors = future
            .validate(TODAY, &IdentityRules::default())
            .expect_err("future");
        assert_eq!(
            errors.get("issued_on").map(|e| e.invalid),
            Some(Invalid::DateInFuture)
        );
        // The message names the field, not the value.
        let text = errors.to_string();
        assert!(text.starts_with("issued_on: "), "{text}");
        assert!(!text.contains("2030"), "{text}");
    }

    #[test]
    fn a_bad_inn_gets_a_clear_error_and_an_organisations_inn_is_refused() {
        let bad = {
            let mut f = form();
            f.inn = "500100732258".into();
            f
        };
        let e = bad
            .validate(TODAY, &IdentityRules::default())
            .expect_err("bad");
        assert_eq!(
            e.0,
            [FieldError::new(
                "inn",
                Invalid::InnCheckDigit { position: 12 }
            )]
        );
        assert_eq!(
            e.to_string(),
            "inn: check digit 12 does not match: check the INN for a typo"
        );
        let org = {
            let mut f = form();
            f.inn = "7707083893".into();
            f
        };
        let e = org
            .validate(TODAY, &IdentityRules::default())
            .expect_err("org");
        assert_eq!(e.0, [FieldError::new("inn", Invalid::InnOfOrganisation)]);
    }

    #[test]
    fn the_rules_decide_what_is_optional() {
        let no_inn = {
            let mut f = form();
            f.inn = " ".into();
            f
        };
        let required = no_inn
            .validate(TODAY, &IdentityRules::default())
            .expect_err("required");
        assert_eq!(required.0, [FieldError::new("inn", Invalid::Missing)]);
        let relaxed = IdentityRules {
            inn_required: false,
            birth_date_required: true,
        };
        let e = no_inn
            .validate(TODAY, &relaxed)
            .expect_err("birth date required");
        assert_eq!(e.0, [FieldError::new("birth_date", Invalid::Missing)]);
        let with_birth = {
            let mut f = form();
            f.birth_date = "1990-01-20".into();
            f.inn = "".into();
            f
        };
        let v = with_birth.validate(TODAY, &relaxed).expect("valid");
        assert_eq!(v.identity.inn(), None);
        assert_eq!(v.identity.birth_date(), Some(date(1990, 1, 20)));
        // Issued at 15, renewed never: past 20 (and not yet 45), so a replacement warning.
        assert_eq!(v.warnings, [Warning::ReplacementDue { age: 20 }]);
        let back = RecipientIdentity::from_vault_bytes(&v.identity.to_vault_bytes()).expect("rt");
        assert_eq!(back, v.identity);
    }

    #[test]
    fn a_passport_before_the_14th_birthday_is_refused() {
        let young = {
            let mut f = form();
            f.birth_date = "2000-01-01".into();
            f.issued_on = "2013-12-31".into();
            f.series = "4613".into();
            f
        };
        let e = young
            .validate(TODAY, &IdentityRules::default())
            .expect_err("13");
        assert_eq!(e.0, [FieldError::new("issued_on", Invalid::BeforeAge14)]);
    }

    #[test]
    fn corrupt_vault_bytes_are_refused_without_echoing_them() {
        assert!(RecipientIdentity::from_vault_bytes(b"not json").is_err());
        let tampered = String::from_utf8(
            form()
                .validate(TODAY, &IdentityRules::default())
                .expect("valid")
                .identity
                .to_vault_bytes()
                .to_vec(),
        )
        .expect("utf-8")
        .replace("500100732259", "500100732258");
        let e = RecipientIdentity::from_vault_bytes(tampered.as_bytes()).expect_err("inn");
        assert_eq!(
            e.0,
            [FieldError::new(
                "inn",
                Invalid::InnCheckDigit { position: 12 }
            )]
        );
        assert!(!e.to_string().contains("5001"));
    }
}
