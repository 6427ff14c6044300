//! Every test number of every data file is judged right: a valid number is recognised as its
//! format, an invalid one is not. The files are read from disk here, independently of the
//! embedded catalogue, so a format the catalogue dropped would fail the count check.

use std::path::Path;

use tracknum::{Format, catalog, identify};

fn data_files() -> Vec<(String, serde_json::Value)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    let mut files = Vec::new();
    for dir in ["corridor", "tracking_number_data/couriers"] {
        let mut entries: Vec<_> = std::fs::read_dir(root.join(dir))
            .expect("data directory")
            .map(|e| e.expect("dir entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        entries.sort();
        for path in entries {
            let text = std::fs::read_to_string(&path).expect("readable data file");
            let json = serde_json::from_str(&text).expect("valid JSON");
            let name = format!(
                "{dir}/{}",
                path.file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or_default()
            );
            files.push((name, json));
        }
    }
    files
}

fn formats_of(file: &str) -> Vec<&'static Format> {
    catalog()
        .formats()
        .iter()
        .filter(|f| f.source_file == file)
        .collect()
}

#[test]
fn every_test_number_of_every_data_file_is_judged_right() {
    let mut checked = 0;
    let mut failures = Vec::new();
    let files = data_files();
    assert!(
        files.len() >= 30,
        "expected the jkeen and corridor files, found {}",
        files.len()
    );
    for (file, json) in &files {
        let specs = json["tracking_numbers"]
            .as_array()
            .expect("tracking_numbers array");
        let formats = formats_of(file);
        assert_eq!(
            formats.len(),
            specs.len(),
            "{file}: the catalogue has every format"
        );
        for (spec, format) in specs.iter().zip(formats) {
            let numbers = |key: &str| -> Vec<String> {
                spec["test_numbers"][key]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|v| v.as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default()
            };
            for n in numbers("valid") {
                checked += 1;
                let id = identify(&n);
                if !id.candidates.iter().any(|c| std::ptr::eq(c.format, format)) {
                    failures.push(format!(
                        "{file} {}: valid {n:?} not recognised: {:?}",
                        format.id, id.problems
                    ));
                }
            }
            for n in numbers("invalid") {
                checked += 1;
                let id = identify(&n);
                if id.candidates.iter().any(|c| std::ptr::eq(c.format, format)) {
                    failures.push(format!("{file} {}: invalid {n:?} accepted", format.id));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(checked > 250, "only {checked} test numbers were checked");
    eprintln!("{checked} test numbers judged right");
}

#[test]
fn every_format_and_lookup_compiles() {
    catalog().verify().expect("every data file compiles");
}

#[test]
fn s10_carrier_is_the_issuing_post() {
    for (number, carrier, country) in [
        ("RB123456785GB", "royal-mail", "GB"),
        ("RA223589016RU", "russian-post", "RU"),
        ("CP235611343CN", "china-post", "CN"),
        ("RF198345672SG", "singpost", "SG"),
        ("RR287043775IN", "india-post", "IN"),
    ] {
        let id = identify(number);
        let best = id.best().unwrap_or_else(|| panic!("{number} recognised"));
        assert_eq!(best.format.id, "s10", "{number}");
        assert_eq!(best.carrier.id, carrier, "{number}");
        assert_eq!(best.origin_country, Some(country), "{number}");
        assert!(best.confidence >= 0.99, "{number}");
    }
}

#[test]
fn s10_service_indicator_is_decoded() {
    let service = |n: &str| identify(n).best().and_then(|c| c.service);
    assert_eq!(service("EE123456785RU"), Some("EMS"));
    assert_eq!(service("RA123456785CN"), Some("Letter Post Registered"));
    assert_eq!(service("CP235611343CN"), Some("Parcel Post"));
    assert_eq!(service("LK035658376US"), Some("Letter Post Express"));
}

#[test]
fn s10_unknown_country_is_rejected_with_a_reason() {
    let id = identify("RB123456785XX");
    assert!(!id.is_valid());
    assert_eq!(id.problems[0].code(), "unknown_country");
}

#[test]
fn near_miss_names_the_expected_check_digit() {
    let id = identify("RB123456786GB");
    assert!(!id.is_valid());
    assert_eq!(id.kind(), tracknum::NumberKind::Tracking);
    match &id.problems[0] {
        tracknum::Problem::CheckDigitMismatch {
            expected, found, ..
        } => {
            assert_eq!((*expected, *found), ('5', '6'));
        }
        other => panic!("expected a check-digit problem, got {other:?}"),
    }
    let rp = identify("62009147017545");
    assert!(matches!(
        rp.problems.first(),
        Some(tracknum::Problem::CheckDigitMismatch { expected: '4', .. })
    ));
}

#[test]
fn order_numbers_are_flagged_but_fedex_stays_a_candidate() {
    let id = identify("3074935419642839");
    assert_eq!(id.kind(), tracknum::NumberKind::OrderNumber);
    assert!(
        !id.is_valid(),
        "no tracking format fits 16 digits of this order number"
    );
    assert_eq!(id.problems[0].code(), "order_number");
    // 15 digits that pass the FedEx Ground check: an order number first, FedEx still listed.
    let fedex = identify("041441760228964");
    assert_eq!(fedex.kind(), tracknum::NumberKind::OrderNumber);
    assert!(fedex.is_valid());
    assert!(fedex.candidates.iter().any(|c| c.carrier.id == "fedex"));
}

#[test]
fn corridor_formats_are_recognised() {
    for (number, format, carrier, international) in [
        ("LP00573419278865", "cainiao_lp", "cainiao", true),
        ("AECA0123456789RU2", "cainiao_aeca", "cainiao", true),
        ("YT2229521272164446", "yunexpress", "yunexpress", true),
        ("UB123456789YP", "yanwen_yp", "yanwen", true),
        ("P000000123456", "fourpx_p", "4px", true),
        ("SYLLD12345678", "sunyou", "sunyou", true),
        ("SF1234567890123", "sf_express", "sf-express", true),
        ("JDVA01234567890", "jd_logistics", "jd-logistics", false),
        ("1234567890", "cdek", "cdek", false),
        ("0000123456789", "boxberry_13", "boxberry", false),
        ("RU001234567", "dpd_russia", "dpd-russia", false),
        ("62009147017544", "russian_post_14", "russian-post", false),
        ("9876543210987", "china_post_domestic", "china-post", false),
    ] {
        let id = identify(number);
        let c = id
            .candidates
            .iter()
            .find(|c| c.format.id == format)
            .unwrap_or_else(|| panic!("{number}: no {format} candidate in {:?}", id.candidates));
        assert_eq!(c.carrier.id, carrier, "{number}");
        assert_eq!(c.international(), international, "{number}");
    }
    // Kazpost and Belpost numbers are S10 numbers of their posts.
    assert_eq!(
        identify("RR123456785KZ")
            .best()
            .map(|c| c.carrier.id.as_str()),
        Some("kazpost")
    );
    assert_eq!(
        identify("RR123456785BY")
            .best()
            .map(|c| c.carrier.id.as_str()),
        Some("belpost")
    );
}

#[test]
fn russian_post_number_decodes_office_and_month() {
    let id = identify("10100016000012");
    let label = id
        .best()
        .and_then(|c| c.russian_post)
        .expect("a Russian Post label");
    assert_eq!(label.origin_postcode(), "101000");
    assert_eq!(label.month_code, 16);
    assert_eq!(label.printed_month((2026, 11)), Some((2026, 1)));
}

#[test]
fn candidates_are_ranked_best_first() {
    let id = identify("62009147017544");
    let confidences: Vec<f32> = id.candidates.iter().map(|c| c.confidence).collect();
    assert!(confidences.len() >= 2, "{confidences:?}");
    assert!(
        confidences.windows(2).all(|w| w[0] >= w[1]),
        "{confidences:?}"
    );
    assert_eq!(id.candidates[0].format.id, "russian_post_14");
}

#[test]
fn an_s10_typo_is_invalid_even_when_a_checkless_format_fits() {
    // LX...CN fits DHL eCommerce's check-less shape too; the S10 check decides.
    let id = identify("LX123456786CN");
    assert!(!id.is_valid(), "{:?}", id.candidates);
    assert_eq!(id.problems[0].code(), "check_digit_mismatch");
    // Yanwen's private suffix is no country: not an S10 typo, a Yanwen number.
    let yanwen = identify("UB123456789YP");
    assert!(yanwen.candidates.iter().any(|c| c.format.id == "yanwen_yp"));
}
