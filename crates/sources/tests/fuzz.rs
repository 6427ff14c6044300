//! The three response parsers (and the push reader) on arbitrary and mutated input: every
//! input yields a value or an error, never a panic. `POSYLKA_FUZZ_CASES` sets the number of
//! cases per property (default 256).

mod common;

use common::*;
use posylka_core::Normalizer;
use posylka_core::timeline::SourceName;
use posylka_sources::cainiao::parse_detail_response;
use posylka_sources::russianpost::{History, parse_operation_history, tracked};
use posylka_sources::seventeentrack::{parse_push_body, parse_track_info_response};
use proptest::prelude::*;
use serde_json::json;

fn cases() -> u32 {
    std::env::var("POSYLKA_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256)
}

fn seventeen_sample() -> Vec<u8> {
    serde_json::to_vec(&json!({
        "code": 0,
        "data": {
            "accepted": [{"number": "RA123456789CN", "carrier": 3011, "track_info": track_info(
                "China Post",
                &[st_event("2024-05-01T08:30:00+03:00", "Arrived", "InTransit_Arrival", "Arrival")],
                Some("80012345678901"))}],
            "rejected": [{"number": "LP00123456789012", "error": {"code": -18019903, "message": "x"}}]
        }
    }))
    .expect("json")
}

fn cainiao_sample() -> Vec<u8> {
    serde_json::to_vec(&json!({
        "success": true,
        "module": [cainiao_module("LP00123456789012",
            &[cainiao_detail("GTMS_SIGNED", "Delivered", 1_714_740_000_000, "GMT+3")],
            Some("RA123456789CN"))]
    }))
    .expect("json")
}

fn russian_post_sample() -> Vec<u8> {
    rp_response(&[rp_record(
        "8",
        "Обработка",
        Some(("13", "Прибыло на территорию РФ")),
        "2024-04-28T09:00:00.000+03:00",
        "102976",
        "Москва",
    )])
    .into_bytes()
}

/// A sample with some bytes replaced and possibly cut short.
fn mutated(sample: Vec<u8>) -> impl Strategy<Value = Vec<u8>> {
    let len = sample.len();
    (
        proptest::collection::vec((0..len, any::<u8>()), 0..8),
        prop_oneof![Just(len), 0..=len],
    )
        .prop_map(move |(flips, cut)| {
            let mut bytes = sample.clone();
            for (at, b) in flips {
                bytes[at] = b;
            }
            bytes.truncate(cut);
            bytes
        })
}

fn parse_all(bytes: &[u8]) {
    let requested = [n("RA123456789CN"), n("LP00123456789012")];
    if let Ok(report) = parse_track_info_response(&requested, bytes) {
        let name = SourceName::new("17track").expect("name");
        for (_, t) in &report.ok {
            let _ = t.records(&name, &mut Normalizer::new());
        }
    }
    let _ = parse_detail_response(&requested, bytes);
    if let Ok(History::Records(records)) = parse_operation_history(bytes) {
        let _ = tracked(&requested[0], records);
    }
    let _ = parse_push_body(bytes);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        parse_all(&bytes);
    }

    #[test]
    fn mutated_17track_answers_never_panic(bytes in mutated(seventeen_sample())) {
        parse_all(&bytes);
    }

    #[test]
    fn mutated_cainiao_answers_never_panic(bytes in mutated(cainiao_sample())) {
        parse_all(&bytes);
    }

    #[test]
    fn mutated_russian_post_answers_never_panic(bytes in mutated(russian_post_sample())) {
        parse_all(&bytes);
    }

    /// Well-formed shapes with arbitrary field values: parsed, normalised, never a panic.
    #[test]
    fn arbitrary_field_values_are_read_or_rejected(
        time in ".{0,40}",
        text in ".{0,80}",
        code in ".{0,20}",
        zone in ".{0,12}",
        millis in any::<i64>(),
        oper in "[0-9]{0,6}",
        attr in "[0-9]{0,6}",
    ) {
        let st = serde_json::to_vec(&json!({"code": 0, "data": {"accepted": [{"number": "RA123456789CN",
            "track_info": track_info(&text, &[st_event(&time, &text, &code, &code)], Some(&code))}]}}))
            .expect("json");
        let report = parse_track_info_response(&[n("RA123456789CN")], &st);
        prop_assert!(report.is_ok(), "{report:?}");
        parse_all(&st);

        let cn = serde_json::to_vec(&json!({"success": true, "module": [cainiao_module(
            "LP00123456789012", &[cainiao_detail(&code, &text, millis, &zone)], Some(&text))]}))
            .expect("json");
        prop_assert!(parse_detail_response(&[n("LP00123456789012")], &cn).is_ok());
        parse_all(&cn);

        let escaped = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
        let rp = rp_response(&[rp_record(&oper, &escaped(&text), Some((&attr, &escaped(&code))),
            &escaped(&time), "101000", &escaped(&text))]);
        let history = parse_operation_history(rp.as_bytes());
        prop_assert!(history.is_ok(), "{history:?}");
        parse_all(rp.as_bytes());
    }
}
