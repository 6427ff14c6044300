//! The INN (ИНН, taxpayer number): 10 digits for organisations, 12 for individuals, with
//! check digits (python-stdnum's `ru/inn.py`, the FNS algorithm).

use std::fmt;
use std::str::FromStr;

use zeroize::Zeroize as _;

use crate::error::Invalid;

const W10: [u32; 9] = [2, 4, 10, 3, 5, 9, 4, 6, 8];
const W11: [u32; 10] = [7, 2, 4, 10, 3, 5, 9, 4, 6, 8];
const W12: [u32; 11] = [3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8];

/// A valid INN: its check digits match. A person's is 12 digits ([`Inn::is_individual`]).
/// `Debug` hides the digits; the value is zeroized on drop.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Inn {
    /// ASCII digits; the first `len` are used.
    ascii: [u8; 12],
    len: u8,
}

impl Drop for Inn {
    fn drop(&mut self) {
        self.ascii.zeroize();
    }
}

impl fmt::Debug for Inn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Inn({} digits, redacted)", self.len)
    }
}

/// `(Σ dᵢ·wᵢ) mod 11 mod 10` over ASCII digits.
fn check(ascii: &[u8], weights: &[u32]) -> u8 {
    let sum: u32 = ascii
        .iter()
        .zip(weights)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    b'0' + (sum % 11 % 10) as u8
}

impl Inn {
    /// Checks an INN as typed (spaces ignored). The error says which check digit fails.
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let mut ascii = [0u8; 12];
        let mut len = 0usize;
        for c in input.chars().filter(|c| !c.is_whitespace()) {
            if !c.is_ascii_digit() {
                ascii.zeroize();
                return Err(Invalid::InnNotDigits);
            }
            if len < 12 {
                ascii[len] = c as u8;
            }
            len += 1;
        }
        let inn = Self {
            ascii,
            len: len.min(12) as u8,
        };
        match len {
            0 => Err(Invalid::Missing),
            10 if check(&inn.ascii[..9], &W10) != inn.ascii[9] => {
                Err(Invalid::InnCheckDigit { position: 10 })
            }
            12 if check(&inn.ascii[..10], &W11) != inn.ascii[10] => {
                Err(Invalid::InnCheckDigit { position: 11 })
            }
            12 if check(&inn.ascii[..11], &W12) != inn.ascii[11] => {
                Err(Invalid::InnCheckDigit { position: 12 })
            }
            10 | 12 => Ok(inn),
            found => Err(Invalid::InnLength { found }),
        }
    }

    /// A person's INN (12 digits); a 10-digit one is an organisation's.
    pub fn is_individual(&self) -> bool {
        self.len == 12
    }

    /// The digits.
    pub fn as_str(&self) -> &str {
        // Only ASCII digits are ever stored.
        std::str::from_utf8(&self.ascii[..usize::from(self.len)]).unwrap_or("")
    }
}

impl FromStr for Inn {
    type Err = Invalid;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reference_vectors_pass() {
        // identifiers.md §5.2 and Appendix A: stdnum doctests, real numbers, re-verified ones.
        for valid in [
            "123456789047",
            "1234567894",
            "7707083893",
            "7830002293",
            "500100732259",
            "005826107187",
            "0108003670",
            "7709442668",
            "7728127936",
            "7813045547",
            "8906008740",
        ] {
            let inn = Inn::parse(valid).unwrap_or_else(|e| panic!("{valid}: {e}"));
            assert_eq!(inn.as_str(), valid);
            assert_eq!(inn.is_individual(), valid.len() == 12);
        }
    }

    #[test]
    fn the_reference_invalid_numbers_name_the_digit() {
        // 123456789037: digit 11 is 3 where 4 is expected.
        assert_eq!(
            Inn::parse("123456789037"),
            Err(Invalid::InnCheckDigit { position: 11 })
        );
        assert_eq!(
            Inn::parse("1234567895"),
            Err(Invalid::InnCheckDigit { position: 10 })
        );
        // Digit 11 right, digit 12 wrong.
        assert_eq!(
            Inn::parse("123456789048"),
            Err(Invalid::InnCheckDigit { position: 12 })
        );
    }

    #[test]
    fn every_single_digit_typo_in_the_last_place_is_caught() {
        for valid in ["7707083893", "500100732259"] {
            let last = valid.len() - 1;
            for d in b'0'..=b'9' {
                let mut typo = valid.as_bytes().to_vec();
                if typo[last] == d {
                    continue;
                }
                typo[last] = d;
                let typo = String::from_utf8(typo).expect("ascii");
                assert!(Inn::parse(&typo).is_err(), "{typo}");
            }
        }
    }

    #[test]
    fn shapes_are_checked_before_digits() {
        assert_eq!(Inn::parse(""), Err(Invalid::Missing));
        assert_eq!(Inn::parse("   "), Err(Invalid::Missing));
        assert_eq!(Inn::parse("77070838"), Err(Invalid::InnLength { found: 8 }));
        assert_eq!(
            Inn::parse("77070838931"),
            Err(Invalid::InnLength { found: 11 })
        );
        assert_eq!(
            Inn::parse("5001007322591"),
            Err(Invalid::InnLength { found: 13 })
        );
        assert_eq!(Inn::parse("77O7083893"), Err(Invalid::InnNotDigits));
        // Arabic-Indic and full-width digits are digits to Unicode, not to the tax office.
        assert_eq!(Inn::parse("٧٧٠٧٠٨٣٨٩٣"), Err(Invalid::InnNotDigits));
        assert_eq!(
            Inn::parse(" 5001 0073 2259 ").map(|i| i.is_individual()),
            Ok(true)
        );
    }

    #[test]
    fn debug_hides_the_digits() {
        let inn = Inn::parse("500100732259").expect("valid");
        let shown = format!("{inn:?}");
        assert!(!shown.contains("5001"), "{shown}");
        assert!(shown.contains("12 digits"), "{shown}");
    }
}
