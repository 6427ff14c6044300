//! Untrusted input never panics: the manifest parsers on arbitrary bytes and on input
//! shaped like a manifest, and every parser of the recipient's form on arbitrary text.
//! `PROPTEST_CASES=100000 cargo test -p posylka-customs --test fuzz` runs longer.

use posylka_customs::manifest::{ManifestOptions, parse_csv, parse_json};
use posylka_customs::{Email, IdentityForm, IdentityRules, Inn, Phone, RuPassport};
use proptest::prelude::*;

const HEADER: &str = "tracking_number,recipient_name,phone,email,declared_value,currency,weight_kg,item_description,item_quantity,item_value";

/// Cells that are sometimes right, sometimes nearly right, sometimes hostile.
fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("RB123456785GB".to_owned()),
        Just("RB123456786GB".to_owned()),
        Just("3074935419642839".to_owned()),
        Just("8 912 345-67-89".to_owned()),
        Just("ivan@mail.ru".to_owned()),
        Just("1 200,50".to_owned()),
        Just("EUR".to_owned()),
        Just("0.350".to_owned()),
        Just("\"quoted, with comma\"".to_owned()),
        Just("\"unterminated".to_owned()),
        Just("=cmd|' /C calc'!A0".to_owned()),
        "[0-9.,]{0,24}",
        "\\PC{0,40}",
        ".{0,40}",
    ]
}

fn csv_text() -> impl Strategy<Value = String> {
    let row = prop::collection::vec(cell(), 0..12).prop_map(|cells| cells.join(","));
    (
        prop_oneof![
            Just(HEADER.to_owned()),
            Just(HEADER.replace(',', ";")),
            ".{0,80}"
        ],
        prop::collection::vec(row, 0..12),
        prop_oneof![Just("\n"), Just("\r\n"), Just("\r")],
    )
        .prop_map(|(header, rows, eol)| {
            let mut text = header;
            for r in rows {
                text.push_str(eol);
                text.push_str(&r);
            }
            text
        })
}

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>().prop_map(serde_json::Value::from),
        cell().prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::from),
            prop::collection::vec(
                (
                    prop_oneof![
                        Just("tracking_number".to_owned()),
                        Just("phone".to_owned()),
                        Just("items".to_owned()),
                        Just("quantity".to_owned()),
                        Just("declared_value".to_owned()),
                        Just("parcels".to_owned()),
                        ".{0,8}",
                    ],
                    inner
                ),
                0..8
            )
            .prop_map(|kv| serde_json::Value::Object(kv.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(512)
    ))]

    #[test]
    fn manifests_of_arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        let o = ManifestOptions::default();
        let _ = parse_csv(&bytes, &o);
        let _ = parse_json(&bytes, &o);
    }

    #[test]
    fn csv_shaped_manifests_never_panic_and_are_all_or_nothing(text in csv_text(), lenient in any::<bool>()) {
        let o = ManifestOptions { accept_unknown_formats: lenient };
        match parse_csv(text.as_bytes(), &o) {
            Ok(m) => prop_assert!(!m.parcels.is_empty() && m.parcels.iter().all(|p| !p.items.is_empty())),
            Err(e) => {
                prop_assert!(!e.errors.is_empty());
                prop_assert!(e.errors.windows(2).all(|w| w[0].line <= w[1].line));
            }
        }
    }

    #[test]
    fn json_shaped_manifests_never_panic(value in json_value(), wrap in any::<bool>()) {
        let value = if wrap { serde_json::json!({ "parcels": value }) } else { value };
        let text = serde_json::to_string_pretty(&value).expect("json");
        let o = ManifestOptions::default();
        if let Err(e) = parse_json(text.as_bytes(), &o) {
            prop_assert!(!e.errors.is_empty());
        }
    }

    #[test]
    fn form_fields_never_panic(a in "\\PC{0,30}", b in "[0-9 ]{0,16}", c in ".{0,20}") {
        let _ = Inn::parse(&a);
        let _ = Inn::parse(&b);
        let _ = Phone::parse(&a);
        let _ = Phone::parse(&b);
        let _ = Email::parse(&c);
        let _ = RuPassport::parse(&b, &a);
        let mut form = IdentityForm::default();
        form.surname = a.clone();
        form.given_name = c.clone();
        form.document_type = "ru_passport".into();
        form.series = b.clone();
        form.number = b.clone();
        form.issued_on = c.clone();
        form.birth_date = a.clone();
        form.inn = b.clone();
        let _ = form.validate(jiff::civil::date(2026, 5, 1), &IdentityRules::default());
    }
}
