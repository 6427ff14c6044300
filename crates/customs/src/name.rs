//! Names in Cyrillic, as the passport writes them (the customs register wants the full name
//! in Russian).

use std::fmt;

use zeroize::Zeroize as _;

use crate::error::{FieldError, Invalid};

/// One part of a name (surname, given name or patronymic) in Cyrillic: letters, and single
/// spaces, hyphens or apostrophes between them (`Мамин-Сибиряк`, `Алиевич оглы`). Whitespace
/// is trimmed and collapsed, `е`/`и` with a combining mark become `ё`/`й`, typographic
/// apostrophes become `'`. Zeroized on drop; `Debug` hides it.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct CyrillicName(String);

impl Drop for CyrillicName {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl fmt::Debug for CyrillicName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CyrillicName(redacted)")
    }
}

fn is_cyrillic_letter(c: char) -> bool {
    // The Cyrillic block and its supplement: Russian, and the letters of the republics'
    // languages that some names keep.
    matches!(c, '\u{0400}'..='\u{0481}' | '\u{048A}'..='\u{052F}') && c.is_alphabetic()
}

impl CyrillicName {
    /// The longest part, in characters.
    pub const MAX_CHARS: usize = 64;

    /// Checks one part of a name.
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let mut out = String::with_capacity(input.len());
        let mut pending_space = false;
        for c in input.trim().chars() {
            if c.is_whitespace() {
                pending_space = !out.is_empty();
                continue;
            }
            if pending_space {
                out.push(' ');
                pending_space = false;
            }
            match c {
                // Combining breve and diaeresis compose with the letter before them.
                '\u{0306}' | '\u{0308}' => {
                    let composed = match (out.chars().last(), c) {
                        (Some('и'), '\u{0306}') => 'й',
                        (Some('И'), '\u{0306}') => 'Й',
                        (Some('е'), '\u{0308}') => 'ё',
                        (Some('Е'), '\u{0308}') => 'Ё',
                        _ => {
                            out.zeroize();
                            return Err(Invalid::NotCyrillic);
                        }
                    };
                    out.pop();
                    out.push(composed);
                }
                '\u{2019}' | '\u{02BC}' | '`' | '\'' => out.push('\''),
                '\u{2010}' | '\u{2011}' | '-' => out.push('-'),
                c if is_cyrillic_letter(c) => out.push(c),
                c => {
                    out.zeroize();
                    return Err(if c.is_ascii_alphabetic() {
                        Invalid::LatinInName
                    } else {
                        Invalid::NotCyrillic
                    });
                }
            }
        }
        let chars = out.chars().count();
        let result = if chars == 0 {
            Err(Invalid::Missing)
        } else if chars > Self::MAX_CHARS {
            Err(Invalid::TooLong {
                max: Self::MAX_CHARS,
            })
        } else if !out.chars().next().is_some_and(is_cyrillic_letter)
            || !out.chars().last().is_some_and(is_cyrillic_letter)
            || out.contains("--")
            || out.contains("''")
            || out.contains(" -")
            || out.contains("- ")
        {
            Err(Invalid::NameShape)
        } else {
            return Ok(Self(out));
        };
        out.zeroize();
        result
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A full name in Cyrillic: surname, given name, and the patronymic when the person has one.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct FullName {
    surname: CyrillicName,
    given: CyrillicName,
    patronymic: Option<CyrillicName>,
}

impl fmt::Debug for FullName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FullName(redacted)")
    }
}

impl FullName {
    /// Checks the three fields of a form (`surname`, `given_name`, `patronymic`); an empty
    /// patronymic means none. Every refused field is reported.
    pub fn new(surname: &str, given: &str, patronymic: &str) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut part = |field: &'static str, value: &str| match CyrillicName::parse(value) {
            Ok(name) => Some(name),
            Err(e) => {
                errors.push(FieldError::new(field, e));
                None
            }
        };
        let surname = part("surname", surname);
        let given = part("given_name", given);
        let patronymic = if patronymic.trim().is_empty() {
            Some(None)
        } else {
            part("patronymic", patronymic).map(Some)
        };
        match (surname, given, patronymic) {
            (Some(surname), Some(given), Some(patronymic)) => Ok(Self {
                surname,
                given,
                patronymic,
            }),
            _ => Err(errors),
        }
    }

    /// The surname.
    pub fn surname(&self) -> &str {
        self.surname.as_str()
    }

    /// The given name.
    pub fn given(&self) -> &str {
        self.given.as_str()
    }

    /// The patronymic, if any.
    pub fn patronymic(&self) -> Option<&str> {
        self.patronymic.as_ref().map(CyrillicName::as_str)
    }

    /// `Surname Given Patronymic`, as the register writes it.
    pub fn full(&self) -> String {
        let mut s = format!("{} {}", self.surname(), self.given());
        if let Some(p) = self.patronymic() {
            s.push(' ');
            s.push_str(p);
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cyrillic_names_are_accepted_and_tidied() {
        let ok = |s: &str| CyrillicName::parse(s).map(|n| n.as_str().to_owned());
        assert_eq!(ok("  Иванов "), Ok("Иванов".into()));
        assert_eq!(ok("Мамин-Сибиряк"), Ok("Мамин-Сибиряк".into()));
        assert_eq!(ok("Алиевич   оглы"), Ok("Алиевич оглы".into()));
        assert_eq!(ok("Д’Артаньян"), Ok("Д'Артаньян".into()));
        assert_eq!(ok("Пётр"), Ok("Пётр".into()));
        // Decomposed ё and й compose.
        assert_eq!(ok("Пе\u{0308}тр"), Ok("Пётр".into()));
        assert_eq!(ok("Андреи\u{0306}"), Ok("Андрей".into()));
        assert_eq!(ok("ГАБДУЛЛА ӘХМӘТОВ"), Ok("ГАБДУЛЛА ӘХМӘТОВ".into()));
    }

    #[test]
    fn other_scripts_and_shapes_are_refused() {
        let err = |s: &str| CyrillicName::parse(s).map(|_| ()).expect_err(s);
        assert_eq!(err("Ivanov"), Invalid::LatinInName);
        // A Latin "o" among Cyrillic letters: the wrong keyboard layout.
        assert_eq!(err("Ивaнов"), Invalid::LatinInName);
        assert_eq!(err("Иванов2"), Invalid::NotCyrillic);
        assert_eq!(err("Иванов!"), Invalid::NotCyrillic);
        assert_eq!(err("\u{0308}Иванов"), Invalid::NotCyrillic);
        assert_eq!(err("   "), Invalid::Missing);
        assert_eq!(err("-Иванов"), Invalid::NameShape);
        assert_eq!(err("Иванов-"), Invalid::NameShape);
        assert_eq!(err("Мамин--Сибиряк"), Invalid::NameShape);
        assert_eq!(err("Мамин - Сибиряк"), Invalid::NameShape);
        assert_eq!(err(&"Я".repeat(65)), Invalid::TooLong { max: 64 });
        assert!(CyrillicName::parse(&"Я".repeat(64)).is_ok());
    }

    #[test]
    fn a_full_name_reports_every_bad_part() {
        let n = FullName::new("Иванов", "Иван", "").expect("no patronymic is fine");
        assert_eq!((n.patronymic(), n.full()), (None, "Иванов Иван".into()));
        let n = FullName::new("Иванов", "Иван", "Иванович").expect("valid");
        assert_eq!(n.full(), "Иванов Иван Иванович");
        assert!(!format!("{n:?}").contains("Иван"));
        let errors = FullName::new("Ivanov", "", "Иванович1").expect_err("three errors");
        let fields: Vec<_> = errors
            .iter()
            .map(|e| (e.field.as_str(), e.invalid))
            .collect();
        assert_eq!(
            fields,
            [
                ("surname", Invalid::LatinInName),
                ("given_name", Invalid::Missing),
                ("patronymic", Invalid::NotCyrillic)
            ]
        );
    }
}
