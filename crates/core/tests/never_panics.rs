//! Arbitrary input never panics and always yields one of the 18 milestones.
#![allow(clippy::unwrap_used)]

use posylka_core::{Milestone, RawEvent, normalize};
use proptest::prelude::*;

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

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_events_normalise(
        text in prop_oneof![any::<String>(), "\\PC{0,80}", "(Вручение|delivered|返回|возврат|customs|[ ,.]){0,12}"],
        code in code(),
        carrier in carrier(),
        country in proptest::option::of(any::<String>()),
        destination in proptest::option::of("[A-Za-zА-я]{0,12}"),
    ) {
        let event = RawEvent { text, code, carrier, location: None, country, destination };
        let n = normalize(&event);
        prop_assert!(Milestone::ALL.contains(&n.milestone));
        prop_assert!((0.0..=1.0).contains(&n.confidence));
        let json = serde_json::to_string(&n).unwrap();
        prop_assert!(json.contains(n.milestone.key()));
    }
}
