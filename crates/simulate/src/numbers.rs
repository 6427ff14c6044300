//! Tracking and order numbers: valid ones with correct check digits, and the deliberately
//! wrong ones of the `invalid_number` and `order_number` stories.
//!
//! Serials must not repeat within a run (a store refuses a number already linked to another
//! shipment), so each is a keyed permutation of the document's index and a slot: distinct
//! documents get distinct serials while the run has fewer documents than the serial space
//! holds (10^8 for S10 numbers; after that numbers may repeat).

use tracknum::checksum::Checksum;

use crate::rng::{Rng, mix64};

/// How many numbers of one format a document may draw.
const SLOTS: u64 = 2;

/// Which of a document's numbers a serial is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Slot {
    /// The main (or first-mile) number.
    Main = 0,
    /// The last-mile number.
    LastMile = 1,
}

/// Where a run's serials come from.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Serials {
    key: u64,
    index: u64,
}

impl Serials {
    pub(crate) fn new(seed: u64, index: u64) -> Serials {
        Serials {
            key: mix64(seed ^ 0x7472_6163_6b6e_756d),
            index,
        }
    }

    /// A serial in `0..modulus`, distinct for distinct (index, slot) pairs while
    /// `index * 2 + slot < modulus`.
    pub(crate) fn draw(&self, slot: Slot, modulus: u64, format: u64) -> u64 {
        let x = (self.index.wrapping_mul(SLOTS) + slot as u64) % modulus.max(1);
        permute(x, modulus, mix64(self.key ^ format))
    }
}

/// A bijection of `0..modulus` keyed by `key`: bijective rounds on the smallest power of two
/// covering the range, cycle-walking until the value falls inside.
fn permute(mut x: u64, modulus: u64, key: u64) -> u64 {
    if modulus <= 1 {
        return 0;
    }
    let bits = 64 - (modulus - 1).leading_zeros();
    let mask = if bits >= 64 {
        u64::MAX
    } else {
        (1u64 << bits) - 1
    };
    let half = bits / 2 + 1;
    loop {
        // Each operation is a bijection on `bits`-bit integers: odd multiplication, addition
        // and a right xor-shift, all modulo 2^bits.
        x = (x.wrapping_mul(0x9E37_79B9_7F4A_7C15 | 1).wrapping_add(key)) & mask;
        x ^= x >> half;
        x = x.wrapping_mul(0xD6E8_FEB8_6659_FD93 | 1) & mask;
        x ^= x >> (bits / 3 + 1);
        if x < modulus {
            return x;
        }
    }
}

fn digits_into(out: &mut String, value: u64, width: usize) {
    let s = value.to_string();
    for _ in s.len()..width {
        out.push('0');
    }
    out.push_str(&s);
}

/// The S10 check digit of eight serial digits.
pub(crate) fn s10_check(serial: u64) -> char {
    let mut digits = String::with_capacity(8);
    digits_into(&mut digits, serial, 8);
    char::from(Checksum::S10.expected(digits.as_bytes()))
}

/// A UPU S10 number: two service letters, eight digits, the check digit, the country.
pub(crate) fn s10(service: &str, serial: u64, country: &str) -> String {
    let mut n = String::with_capacity(13);
    n.push_str(service);
    digits_into(&mut n, serial, 8);
    n.push(s10_check(serial));
    n.push_str(country);
    n
}

/// A China Post registered (R), ePacket (L) or parcel (C) service code.
pub(crate) fn china_post_service(rng: &mut Rng) -> String {
    let first = *rng.weighted(&[(70, 'R'), (15, 'L'), (15, 'C')]);
    let second = char::from(b'A' + rng.below(26) as u8);
    format!("{first}{second}")
}

/// An S10 number issued by China Post for `service` letters' first character.
pub(crate) fn china_s10(rng: &mut Rng, serials: &Serials, slot: Slot, first: char) -> String {
    let second = char::from(b'A' + rng.below(26) as u8);
    let serial = serials.draw(slot, 100_000_000, 1);
    s10(&format!("{first}{second}"), serial, "CN")
}

/// A Cainiao AliExpress Standard Shipping number: `LP` and 14 digits (no check digit).
pub(crate) fn cainiao_lp(serials: &Serials) -> String {
    let mut n = String::from("LP00");
    digits_into(&mut n, serials.draw(Slot::Main, 1_000_000_000_000, 2), 12);
    n
}

/// Russian Post sorting centres that register incoming consolidated parcels: their postcodes
/// start the 14-digit numbers.
const RU_INTAKE_POSTCODES: &[&str] = &[
    "140980", "140961", "102976", "111960", "190960", "620960", "630960", "420960", "443960",
    "344960", "350960", "603960", "450960", "614960", "394960", "644960",
];

/// A Russian Post 14-digit domestic number: the accepting office's postcode, the label's month
/// code (months since January 2000, cycling every 99), five serial digits, the check digit.
pub(crate) fn russian_post_14(serials: &Serials, year: i64, month: u32) -> String {
    let space = RU_INTAKE_POSTCODES.len() as u64 * 100_000;
    let k = serials.draw(Slot::LastMile, space, 3);
    let postcode = RU_INTAKE_POSTCODES[(k / 100_000) as usize];
    let months = (year - 2000) * 12 + i64::from(month) - 1;
    let code = months.rem_euclid(99) + 1;
    let mut n = String::with_capacity(14);
    n.push_str(postcode);
    digits_into(&mut n, code as u64, 2);
    digits_into(&mut n, k % 100_000, 5);
    let check = Checksum::Mod10 {
        evens: 3,
        odds: 1,
        reverse: false,
    }
    .expected(n.as_bytes());
    n.push(char::from(check));
    n
}

/// A Russian Post international number for a parcel taken over from a consolidator.
pub(crate) fn russian_post_s10(rng: &mut Rng, serials: &Serials) -> String {
    let service = *rng.pick(&["RA", "RB", "RR", "ZA", "ZB"]);
    s10(service, serials.draw(Slot::LastMile, 100_000_000, 4), "RU")
}

/// A Kazpost number for a parcel taken over from a consolidator.
pub(crate) fn kazpost_s10(rng: &mut Rng, serials: &Serials) -> String {
    let service = *rng.pick(&["RR", "RB", "CC"]);
    s10(service, serials.draw(Slot::LastMile, 100_000_000, 5), "KZ")
}

/// A CDEK order number: ten digits starting with 1.
pub(crate) fn cdek(serials: &Serials) -> String {
    let mut n = String::from("1");
    digits_into(&mut n, serials.draw(Slot::LastMile, 1_000_000_000, 6), 9);
    n
}

/// A Boxberry number: a partner prefix and nine digits, or `0000` and nine digits.
pub(crate) fn boxberry(rng: &mut Rng, serials: &Serials) -> String {
    let prefix = *rng.pick(&["AFOX", "ABR", "0000"]);
    let mut n = String::from(prefix);
    digits_into(&mut n, serials.draw(Slot::LastMile, 1_000_000_000, 7), 9);
    n
}

/// A YunExpress number: `YT`, the year and month, twelve digits.
pub(crate) fn yunexpress(serials: &Serials, year: i64, month: u32) -> String {
    let mut n = String::from("YT");
    digits_into(&mut n, (year.rem_euclid(100)) as u64, 2);
    digits_into(&mut n, u64::from(month), 2);
    digits_into(&mut n, serials.draw(Slot::Main, 1_000_000_000_000, 8), 12);
    n
}

/// A DHL Express waybill: ten digits, the last the serial modulo 7. The first digit is never
/// 1, which CDEK's numbers use.
pub(crate) fn dhl(serials: &Serials) -> String {
    let serial = 200_000_000 + serials.draw(Slot::Main, 800_000_000, 9);
    let mut n = serial.to_string();
    n.push(char::from(Checksum::Mod7.expected(n.as_bytes())));
    n
}

/// A Yanwen number: an S10-like `UB123456789YP` or `YD123456789YW`.
pub(crate) fn yanwen(rng: &mut Rng, serials: &Serials) -> String {
    let serial = serials.draw(Slot::Main, 1_000_000_000, 10);
    let mut n = String::with_capacity(13);
    if rng.chance(0.8) {
        let service: &&str = rng.pick(&["UB", "UD", "UG", "UR", "VR"]);
        n.push_str(service);
        digits_into(&mut n, serial, 9);
        n.push_str("YP");
    } else {
        n.push_str("YD");
        digits_into(&mut n, serial, 9);
        n.push_str("YW");
    }
    n
}

/// A China Post domestic number: 13 digits starting with 1, 8 or 9.
pub(crate) fn china_post_domestic(rng: &mut Rng, serials: &Serials) -> String {
    let mut n = String::from(*rng.pick(&["1", "9", "8"]));
    digits_into(&mut n, serials.draw(Slot::Main, 1_000_000_000_000, 11), 12);
    n
}

/// An AliExpress order number: 16 digits starting with 8 (or 30 for older orders).
pub(crate) fn aliexpress_order(rng: &mut Rng, serials: &Serials) -> String {
    if rng.chance(0.85) {
        let mut n = String::from("8");
        digits_into(
            &mut n,
            serials.draw(Slot::Main, 1_000_000_000_000_000, 12),
            15,
        );
        n
    } else {
        let mut n = String::from("30");
        digits_into(
            &mut n,
            serials.draw(Slot::Main, 100_000_000_000_000, 12),
            14,
        );
        n
    }
}

/// A number that looks like a tracking number but is not one: an S10 with a mistyped check
/// digit or two swapped digits, or a Cainiao number missing a digit.
pub(crate) fn invalid(rng: &mut Rng, serials: &Serials) -> String {
    let serial = serials.draw(Slot::Main, 100_000_000, 13);
    let service = china_post_service(rng);
    match rng.below(10) {
        0..=5 => {
            let correct = s10_check(serial);
            let digit = correct.to_digit(10).unwrap_or(0);
            let wrong = (digit + 1 + rng.below(9) as u32) % 10;
            let mut n = String::with_capacity(13);
            n.push_str(&service);
            digits_into(&mut n, serial, 8);
            n.push(char::from_digit(wrong, 10).unwrap_or('0'));
            n.push_str("CN");
            n
        }
        6..=7 => {
            let mut digits = String::with_capacity(8);
            digits_into(&mut digits, serial, 8);
            let correct = s10_check(serial);
            let mut bytes = digits.into_bytes();
            // Swap the first adjacent pair of different digits; keep it only if the check
            // digit no longer fits (S10 maps two remainders to 5, so a swap can survive).
            if let Some(i) = (0..7).find(|&i| bytes[i] != bytes[i + 1]) {
                bytes.swap(i, i + 1);
            }
            let swapped = String::from_utf8(bytes).unwrap_or_default();
            let still_valid = char::from(Checksum::S10.expected(swapped.as_bytes())) == correct;
            let check = if still_valid {
                char::from_digit((correct.to_digit(10).unwrap_or(0) + 3) % 10, 10).unwrap_or('0')
            } else {
                correct
            };
            format!("{service}{swapped}{check}CN")
        }
        _ => {
            let mut n = String::from("LP00");
            digits_into(&mut n, serials.draw(Slot::Main, 100_000_000_000, 14), 11);
            n
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn permutation_is_a_bijection() {
        for modulus in [1u64, 2, 7, 10, 1000, 1600] {
            let seen: HashSet<u64> = (0..modulus).map(|x| permute(x, modulus, 42)).collect();
            assert_eq!(seen.len() as u64, modulus, "modulus {modulus}");
            assert!(seen.iter().all(|&v| v < modulus));
        }
    }

    #[test]
    fn serials_do_not_repeat_across_documents() {
        let mut seen = HashSet::new();
        for index in 0..20_000 {
            let s = Serials::new(5, index);
            assert!(seen.insert(s.draw(Slot::Main, 100_000_000, 1)));
            assert!(seen.insert(s.draw(Slot::LastMile, 100_000_000, 1)));
        }
    }

    #[test]
    fn known_check_digits() {
        // The UPU's own example and a Russian Post label from the recogniser's test data.
        assert_eq!(s10("RA", 12_345_678, "CN"), "RA123456785CN");
        let n = russian_post_14(&Serials::new(0, 0), 2020, 5);
        assert_eq!(&n[6..8], "47", "{n}");
    }
}
