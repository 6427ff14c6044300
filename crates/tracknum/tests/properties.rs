//! Property tests: check digits catch every single-digit change, and no input panics.

use proptest::prelude::*;
use tracknum::checksum::{Checksum, s10};
use tracknum::{identify, scan};

const S10_COUNTRIES: &[&str] = &["CN", "RU", "GB", "HK", "SG", "KZ", "BY", "LV", "US", "DE"];

fn s10_number(service: &str, serial: &str, country: &str) -> String {
    format!("{service}{serial}{}{country}", s10(serial.as_bytes()))
}

fn russian_post_check(first13: &str) -> char {
    char::from(
        Checksum::Mod10 {
            evens: 3,
            odds: 1,
            reverse: false,
        }
        .expected(first13.as_bytes()),
    )
}

#[test]
fn s10_collision_example_is_undetectable_by_the_standard() {
    // 00171726: weighted sum 116, remainder 6 -> 5; 20171726: sum 132, remainder 0 -> 5.
    assert_eq!(s10(b"00171726"), 5);
    assert_eq!(s10(b"20171726"), 5);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn generated_s10_numbers_pass(serial in "[0-9]{8}", svc in "R[A-Z]", c in 0..S10_COUNTRIES.len()) {
        let n = s10_number(&svc, &serial, S10_COUNTRIES[c]);
        let id = identify(&n);
        prop_assert!(id.candidates.iter().any(|c| c.format.id == "s10"), "{} not recognised", n);
    }

    /// S10 maps remainders 0 and 6 both to check digit 5, so the standard itself cannot catch a
    /// change that moves the weighted sum between those two remainders. Every other single-digit
    /// change is caught.
    #[test]
    fn any_single_digit_change_breaks_s10_except_the_standards_5_collision(
        serial in "[0-9]{8}", pos in 2usize..11, delta in 1u8..10
    ) {
        let n = s10_number("RA", &serial, "CN");
        let mut bytes = n.clone().into_bytes();
        bytes[pos] = b'0' + (bytes[pos] - b'0' + delta) % 10;
        let changed = String::from_utf8(bytes).unwrap_or_default();
        let passed = identify(&changed).candidates.iter().any(|c| c.format.id == "s10");
        let remainder = |s: &str| -> u32 {
            const W: [u32; 8] = [8, 6, 4, 2, 3, 5, 9, 7];
            s.bytes().zip(W).map(|(b, w)| u32::from(b - b'0') * w).sum::<u32>() % 11
        };
        let collision = pos < 10 && {
            let (a, b) = (remainder(&n[2..10]), remainder(&changed[2..10]));
            (a == 0 && b == 6) || (a == 6 && b == 0)
        };
        prop_assert_eq!(passed, collision, "{} -> {}", n, changed);
    }

    #[test]
    fn generated_russian_post_numbers_pass(first13 in "[1-6][0-9]{12}") {
        let n = format!("{first13}{}", russian_post_check(&first13));
        let id = identify(&n);
        prop_assert_eq!(id.best().map(|c| c.format.id.as_str()), Some("russian_post_14"), "{}", n);
    }

    #[test]
    fn any_single_digit_change_breaks_russian_post(first13 in "[1-6][0-9]{12}", pos in 0usize..14, delta in 1u8..10) {
        let n = format!("{first13}{}", russian_post_check(&first13));
        let mut bytes = n.into_bytes();
        bytes[pos] = b'0' + (bytes[pos] - b'0' + delta) % 10;
        let changed = String::from_utf8(bytes).unwrap_or_default();
        let id = identify(&changed);
        prop_assert!(!id.candidates.iter().any(|c| c.format.id == "russian_post_14"), "{} passed", changed);
    }

    #[test]
    fn identify_never_panics(input in any::<String>()) {
        let id = identify(&input);
        prop_assert!(id.candidates.windows(2).all(|w| w[0].confidence >= w[1].confidence));
    }

    #[test]
    fn identify_never_panics_on_number_like_input(input in "[ A-Za-z0-9АВЕКМНОРСТУХавекмнорстух-]{0,60}") {
        let _ = identify(&input);
    }

    #[test]
    fn scan_never_panics_and_hits_are_in_bounds(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        scan(&bytes, |hit| {
            let start = usize::try_from(hit.offset).unwrap_or(usize::MAX);
            assert!(start + hit.text.len() <= bytes.len());
            assert_eq!(&bytes[start..start + hit.text.len()], hit.text.as_bytes());
        });
    }

    #[test]
    fn scan_finds_a_number_planted_in_any_text(
        before in "[a-zа-я ,.:\n]{0,80}", after in "[a-zа-я ,.:\n]{0,80}", serial in "[0-9]{8}"
    ) {
        let number = s10_number("RA", &serial, "CN");
        let text = format!("{before} {number} {after}");
        let mut found = Vec::new();
        scan(text.as_bytes(), |hit| found.push(hit.text.to_owned()));
        prop_assert!(found.contains(&number), "{:?} in {:?}", found, text);
    }
}
