//! Every simulated story makes the watchdog report exactly the finding codes it was written
//! to produce, judged at its `now` with the default configuration.

use std::collections::BTreeMap;

use posylka_core::Normalizer;
use posylka_core::document::ShipmentDocument;
use posylka_core::shipment::TrackingNumber;
use posylka_core::timeline::{SourceName, Timeline};
use posylka_simulate::{Mix, Simulated, Simulation, Story};
use posylka_watchdog::{Config, Subject, check};

/// The codes the watchdog reports for a simulated document, as keys in code order.
fn watchdog_codes(doc: &Simulated, normalizer: &mut Normalizer, config: &Config) -> Vec<String> {
    let parsed = ShipmentDocument::parse(&doc.document).expect("simulated documents are valid");
    let source = SourceName::new("document").expect("valid source name");
    let timeline = Timeline::build(parsed.records(normalizer, &source));
    let numbers: Vec<TrackingNumber> = parsed.numbers.clone();
    let created_at = parsed
        .order
        .as_ref()
        .and_then(|o| o.shipped_at)
        .map_or(doc.now, |t| t.instant());
    let mut subject = Subject::new(&numbers, &timeline, created_at);
    if let Some(order) = parsed.order.as_ref() {
        subject = subject.with_order(order);
    }
    let report = check(&subject, doc.now, config);
    let mut codes: Vec<_> = report.codes().collect();
    codes.sort();
    codes.dedup();
    codes.into_iter().map(|c| c.key().to_owned()).collect()
}

/// Mismatches by (story, expected codes, reported codes): how many, and the first document.
type Mismatches = BTreeMap<(Story, Vec<String>, Vec<String>), (usize, u64)>;

fn mismatches(sim: &Simulation, count: u64) -> Mismatches {
    let config = Config::default();
    let mut normalizer = Normalizer::new();
    let mut found = BTreeMap::new();
    for doc in sim.documents(count) {
        let expected: Vec<String> = doc.expect_keys().map(str::to_owned).collect();
        let actual = watchdog_codes(&doc, &mut normalizer, &config);
        if actual != expected {
            let entry = found
                .entry((doc.story, expected, actual))
                .or_insert((0, doc.index));
            entry.0 += 1;
        }
    }
    found
}

fn assert_stories_hold(sim: &Simulation, count: u64) {
    let found = mismatches(sim, count);
    let mut report = String::new();
    for ((story, expected, actual), (n, example)) in &found {
        report.push_str(&format!(
            "{story}: {n} documents expected {expected:?}, watchdog said {actual:?}; e.g. document {example} of seed {}:\n  {}\n",
            sim.seed(),
            serde_json::to_string(&sim.document(*example)).unwrap_or_default()
        ));
    }
    assert!(found.is_empty(), "{report}");
}

#[test]
fn every_story_produces_its_findings() {
    let now = "2025-06-01T09:00:00Z".parse().expect("valid instant");
    for seed in [1, 2] {
        let sim = Simulation::new(seed, now).expect("now in range");
        assert_stories_hold(&sim, 2000);
    }
}

#[test]
fn stories_hold_in_a_realistic_mix_at_another_instant() {
    let now = "2026-02-14T21:30:00+03:00".parse().expect("valid instant");
    let sim = Simulation::new(99, now)
        .expect("now in range")
        .with_mix(Mix::Realistic);
    assert_stories_hold(&sim, 2000);
}
