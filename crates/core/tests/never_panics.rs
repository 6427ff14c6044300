//! Arbitrary input never panics and always yields one of the 18 milestones.
//!
//! Cases per property: `POSYLKA_FUZZ_CASES` (default 2000); a fuzzing run sets it to 1000000.
#![allow(clippy::unwrap_used)]

use posylka_core::normalize::country_of;
use posylka_core::{Milestone, Normalizer, RawEvent, normalize};
use proptest::prelude::*;
use serde_json::Value;

fn cases() -> u32 {
    std::env::var("POSYLKA_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000)
}

fn carrier() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        Just(None),
        Just(Some("Russian Post".to_owned())),
        Just(Some("Почта России via Cainiao".to_owned())),
        Just(Some("china-post".to_owned())),
        Just(Some("CDEK".to_owned())),
        Just(Some("Boxberry".to_owned())),
        Just(Some("cainiao".to_owned())),
        Just(Some("yanwen".to_owned())),
        Just(Some("upu".to_owned())),
        any::<String>().prop_map(Some),
    ]
}

fn code() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        Just(None),
        "[0-9]{1,4}([.,-][0-9]{0,5})?".prop_map(Some),
        "[A-Z_＿]{1,24}".prop_map(Some),
        any::<String>().prop_map(Some),
    ]
}

/// Any JSON value, nested a little: what a field of an event object may hold.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        any::<String>().prop_map(Value::String),
        "\\PC{0,40}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map("[a-z]{1,12}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn check(event: &RawEvent, normalizer: &mut Normalizer) -> Result<(), TestCaseError> {
    let n = normalize(event);
    prop_assert!(Milestone::ALL.contains(&n.milestone));
    prop_assert!((0.0..=1.0).contains(&n.confidence));
    // A reused normaliser agrees with the per-thread one.
    prop_assert_eq!(normalizer.normalize(event), n);
    let json = serde_json::to_string(&n).unwrap();
    prop_assert!(json.contains(n.milestone.key()));
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn arbitrary_events_normalise(
        text in prop_oneof![any::<String>(), "\\PC{0,80}", "(Вручение|delivered|返回|возврат|customs|[ ,.]){0,12}"],
        code in code(),
        carrier in carrier(),
        location in proptest::option::of(any::<String>()),
        country in proptest::option::of(any::<String>()),
        destination in proptest::option::of("[A-Za-zА-я]{0,12}"),
    ) {
        let event = RawEvent { text, code, carrier, location, country, destination };
        check(&event, &mut Normalizer::new())?;
    }

    /// The event parser: arbitrary bytes as a JSON event never panic, and what parses
    /// normalises.
    #[test]
    fn arbitrary_bytes_parse_or_fail_cleanly(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        if let Ok(event) = serde_json::from_slice::<RawEvent>(&bytes) {
            check(&event, &mut Normalizer::new())?;
        }
    }

    /// Event-shaped objects with any JSON in each field: the parser accepts exactly the
    /// well-typed ones (a code may be a number) and never panics.
    #[test]
    fn event_objects_parse_or_fail_cleanly(
        fields in proptest::collection::btree_map(
            prop_oneof![
                Just("text".to_owned()), Just("code".to_owned()), Just("carrier".to_owned()),
                Just("location".to_owned()), Just("country".to_owned()),
                Just("destination".to_owned()), "[a-z]{1,8}",
            ],
            json_value(),
            0..8,
        ),
    ) {
        let object = Value::Object(fields.clone().into_iter().collect());
        match serde_json::from_value::<RawEvent>(object) {
            Ok(event) => {
                prop_assert_eq!(Some(event.text.as_str()), fields.get("text").and_then(Value::as_str));
                check(&event, &mut Normalizer::new())?;
            }
            Err(_) => {
                let text_ok = fields.get("text").is_some_and(Value::is_string);
                let others_ok = ["carrier", "location", "country", "destination"]
                    .iter()
                    .all(|k| fields.get(*k).is_none_or(|v| v.is_string() || v.is_null()));
                let code_ok = fields.get("code").is_none_or(|v| v.is_string() || v.is_number() || v.is_null());
                prop_assert!(!(text_ok && others_ok && code_ok), "rejected a well-typed event: {:?}", fields);
            }
        }
    }

    #[test]
    fn country_names_never_panic(name in prop_oneof![any::<String>(), "[A-Za-zА-я ]{0,4}"]) {
        if let Some(code) = country_of(&name) {
            prop_assert!(code.as_str().len() == 2 && code.as_str().bytes().all(|b| b.is_ascii_uppercase()));
        }
    }
}
