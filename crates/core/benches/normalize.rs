//! Normaliser throughput over the labelled sample; divan reports items (events) per second.

use divan::counter::ItemsCount;
use posylka_core::{Normalizer, RawEvent};

fn main() {
    divan::main();
}

fn events(with_codes: bool) -> Vec<RawEvent> {
    include_str!("../tests/data/events-sample.jsonl")
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .map(|v| RawEvent {
            text: v["text"].as_str().unwrap_or_default().to_owned(),
            code: if with_codes {
                v["code"].as_str().map(str::to_owned)
            } else {
                None
            },
            carrier: v["carrier"].as_str().map(str::to_owned),
            ..RawEvent::default()
        })
        .collect()
}

#[divan::bench(args = [true, false])]
fn normalize_sample(bencher: divan::Bencher<'_, '_>, with_codes: bool) {
    let events = events(with_codes);
    let mut normalizer = Normalizer::new();
    // Build the lazily parsed tables outside the measurement.
    let _ = normalizer.normalize(&events[0]);
    bencher
        .counter(ItemsCount::new(events.len()))
        .bench_local(|| {
            for e in &events {
                divan::black_box(normalizer.normalize(divan::black_box(e)));
            }
        });
}
