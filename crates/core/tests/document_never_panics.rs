//! The shipment document parser (what `check`, `add --from` and the API read from strangers)
//! never panics: arbitrary text, and document-shaped JSON with arbitrary values, either parse
//! into core types or fail naming a field.
//!
//! Cases per property: `POSYLKA_FUZZ_CASES` (default 2000); a fuzzing run sets it to 1000000.
#![allow(clippy::unwrap_used)]

use posylka_core::Normalizer;
use posylka_core::document::ShipmentDocument;
use posylka_core::timeline::SourceName;
use proptest::prelude::*;

fn cases() -> u32 {
    std::env::var("POSYLKA_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000)
}

/// A JSON value of any kind, small.
fn value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f)
            .map_or(serde_json::Value::Null, serde_json::Value::Number)),
        any::<i64>().prop_map(serde_json::Value::from),
        ".{0,40}".prop_map(serde_json::Value::from),
        "(RA123456785CN|LP00123456789012|2024-05-01T10:00:00\\+08:00|RU|USD|3\\.20|-1|)"
            .prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(2, 16, 4, |inner| {
        prop::collection::vec(inner, 0..4).prop_map(serde_json::Value::from)
    })
}

fn check(doc: &ShipmentDocument) {
    match doc.parse() {
        Ok(parsed) => {
            assert!(!parsed.numbers.is_empty());
            let source = SourceName::new("fuzz").unwrap();
            let records = parsed.records(&mut Normalizer::new(), &source);
            assert_eq!(records.len(), parsed.events.len());
        }
        Err(e) => assert!(!e.message.is_empty()),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn arbitrary_text_is_an_error_or_a_document(text in ".{0,200}") {
        if let Ok(doc) = ShipmentDocument::from_json(&text) {
            check(&doc);
        }
    }

    #[test]
    fn document_shaped_json_with_any_values_never_panics(
        numbers in prop::collection::vec(value(), 0..3),
        order in prop::collection::btree_map(
            "(number|marketplace|placed_at|shipped_at|price|protection_days|protection_extended_days|destination|seller_contacted_at|seller_replied_at|dispute_opened_at)",
            value(), 0..6),
        price in prop::collection::btree_map("(amount|currency)", value(), 0..3),
        destination in prop::collection::btree_map("(country|city|postcode)", value(), 0..3),
        events in prop::collection::vec(
            prop::collection::btree_map("(time|text|code|carrier|location|country)", value(), 0..6),
            0..4),
    ) {
        let mut order: serde_json::Map<String, serde_json::Value> = order.into_iter().collect();
        order.insert("price".into(), serde_json::Value::Object(price.into_iter().collect()));
        order.insert(
            "destination".into(),
            serde_json::Value::Object(destination.into_iter().collect()),
        );
        let json = serde_json::json!({
            "tracking_numbers": numbers,
            "order": order,
            "events": events
                .into_iter()
                .map(|e| serde_json::Value::Object(e.into_iter().collect()))
                .collect::<Vec<_>>(),
        });
        if let Ok(doc) = ShipmentDocument::from_json(&json.to_string()) {
            check(&doc);
        }
    }
}
