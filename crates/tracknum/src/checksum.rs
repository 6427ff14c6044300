//! Check-digit algorithms named by the data files (`validation.checksum.name`).
//!
//! Each algorithm computes the *expected* check character from the serial, so a near miss can
//! say which character would have made the number valid. Semantics follow the data files'
//! reference definitions (jkeen/tracking_number_data `CHECKSUM_ALGORITHMS.md`); S10 and the
//! Russian Post 14-digit check are cross-checked against the UPU and Russian Post test vectors.

use crate::spec::ChecksumSpec;

/// A compiled checksum algorithm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Checksum {
    /// UPU S10: weights 8 6 4 2 3 5 9 7, mod 11; remainder 0 -> 5, remainder 1 -> 0.
    S10,
    /// The serial as a number, mod 7 (DHL Express).
    Mod7,
    /// Weighted digit sum, mod 10. Letters count as `(ascii - 3) mod 10`. Indexes are 0-based
    /// after the optional reversal: odd indexes take `odds`, even ones `evens`.
    Mod10 {
        evens: u32,
        odds: u32,
        reverse: bool,
    },
    /// Luhn, with the check digit appended to the serial.
    Luhn,
    /// Sum of digit x weight, then `mod m1 mod m2` (FedEx).
    SumProduct { weights: Vec<u32>, m1: u32, m2: u32 },
    /// ISO 7064 hybrid mod 37/36 (DPD); the check may be a letter.
    Mod37_36,
}

/// The data file named a checksum this crate does not know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownChecksum(pub String);

impl Checksum {
    pub(crate) fn from_spec(spec: &ChecksumSpec) -> Result<Self, UnknownChecksum> {
        Ok(match spec.name.as_str() {
            "s10" => Checksum::S10,
            "mod7" => Checksum::Mod7,
            "mod10" => Checksum::Mod10 {
                evens: spec.evens_multiplier.unwrap_or(1),
                odds: spec.odds_multiplier.unwrap_or(1),
                reverse: spec.reverse,
            },
            "luhn" => Checksum::Luhn,
            "sum_product_with_weightings_and_modulo" => Checksum::SumProduct {
                weights: spec.weightings.clone().unwrap_or_default(),
                m1: spec.modulo1.unwrap_or(11).max(1),
                m2: spec.modulo2.unwrap_or(10).max(1),
            },
            "mod_37_36" => Checksum::Mod37_36,
            other => return Err(UnknownChecksum(other.to_owned())),
        })
    }

    /// The check character (ASCII) this serial should carry. `serial` is normalised ASCII
    /// (digits and uppercase letters).
    pub fn expected(&self, serial: &[u8]) -> u8 {
        match self {
            Checksum::S10 => digit_char(s10(serial)),
            Checksum::Mod7 => {
                let rem = serial
                    .iter()
                    .fold(0u32, |acc, &b| (acc * 10 + u32::from(digit_value(b))) % 7);
                digit_char(rem)
            }
            Checksum::Mod10 {
                evens,
                odds,
                reverse,
            } => {
                let weigh = |(i, &b): (usize, &u8)| {
                    let x = if b.is_ascii_digit() {
                        u32::from(b - b'0')
                    } else {
                        (u32::from(b).wrapping_sub(3)) % 10
                    };
                    x * if i % 2 == 1 { *odds } else { *evens }
                };
                let total: u32 = if *reverse {
                    serial.iter().rev().enumerate().map(weigh).sum()
                } else {
                    serial.iter().enumerate().map(weigh).sum()
                };
                digit_char((10 - total % 10) % 10)
            }
            Checksum::Luhn => {
                // The check digit will be appended, so the rightmost serial digit is doubled.
                let total: u32 = serial
                    .iter()
                    .rev()
                    .enumerate()
                    .map(|(i, &b)| {
                        let x = u32::from(digit_value(b));
                        if i % 2 == 0 {
                            let d = x * 2;
                            if d > 9 { d - 9 } else { d }
                        } else {
                            x
                        }
                    })
                    .sum();
                digit_char((10 - total % 10) % 10)
            }
            Checksum::SumProduct { weights, m1, m2 } => {
                let total: u32 = serial
                    .iter()
                    .zip(weights)
                    .map(|(&b, &w)| u32::from(digit_value(b)) * w)
                    .sum();
                digit_char(total % m1 % m2)
            }
            Checksum::Mod37_36 => {
                const MOD: u32 = 36;
                let mut cd = MOD;
                for &b in serial {
                    let v = if b.is_ascii_uppercase() {
                        u32::from(b - b'A') + 10
                    } else {
                        u32::from(digit_value(b))
                    };
                    cd += v;
                    if cd > MOD {
                        cd -= MOD;
                    }
                    cd *= 2;
                    if cd > MOD {
                        cd -= MOD + 1;
                    }
                }
                let mut check = MOD + 1 - cd;
                if check == MOD {
                    check = 0;
                }
                if check < 10 {
                    digit_char(check)
                } else {
                    b'A' + (check - 10) as u8
                }
            }
        }
    }
}

/// The UPU S10 check digit of an 8-digit serial.
pub fn s10(serial: &[u8]) -> u32 {
    const WEIGHTS: [u32; 8] = [8, 6, 4, 2, 3, 5, 9, 7];
    let sum: u32 = serial
        .iter()
        .zip(WEIGHTS)
        .map(|(&b, w)| u32::from(digit_value(b)) * w)
        .sum();
    match sum % 11 {
        0 => 5,
        1 => 0,
        r => 11 - r,
    }
}

/// The numeric value of a digit; anything else counts as 0, as the reference definitions do.
fn digit_value(b: u8) -> u8 {
    if b.is_ascii_digit() { b - b'0' } else { 0 }
}

fn digit_char(d: u32) -> u8 {
    b'0' + (d % 10) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s10_matches_the_standard_examples() {
        assert_eq!(s10(b"47312482"), 9);
        assert_eq!(s10(b"12345678"), 5);
        assert_eq!(s10(b"00000000"), 5, "remainder 0 maps to 5");
        assert_eq!(s10(b"00031676"), 0, "remainder 1 maps to 0");
    }

    #[test]
    fn russian_post_14_is_mod10_with_weights_3_1() {
        let rp = Checksum::Mod10 {
            evens: 3,
            odds: 1,
            reverse: false,
        };
        assert_eq!(rp.expected(b"6200914701754"), b'4');
        assert_eq!(rp.expected(b"1010001600005"), b'0');
        assert_eq!(rp.expected(b"6030009512345"), b'8');
    }

    #[test]
    fn mod7_uses_the_whole_serial() {
        assert_eq!(Checksum::Mod7.expected(b"331881002"), b'5');
        assert_eq!(Checksum::Mod7.expected(b"7389105114"), b'6');
    }

    #[test]
    fn luhn_appends_the_check_digit() {
        // 7992739871 -> 3 is the textbook Luhn example.
        assert_eq!(Checksum::Luhn.expected(b"7992739871"), b'3');
    }

    #[test]
    fn mod_37_36_can_yield_a_letter() {
        // DPD vectors re-verified in the reference notes.
        assert_eq!(Checksum::Mod37_36.expected(b"09980000020033"), b'F');
        assert_eq!(Checksum::Mod37_36.expected(b"09980000020034"), b'D');
    }
}
