//! Sustained ingest through the poller: 100,000 numbers of an in-process fake source (five
//! Russian Post-coded events each, batches of 40) claimed, fetched, normalised and ingested
//! into the in-memory deduplicating target. Reports events per second (divan's item rate).
//!
//! `cargo bench -p posylka-sources --bench poller`. The fake answers instantly, so this measures
//! the poller's own overhead: claiming, chunking, budget, normalisation, ingest, completion.

use std::time::Duration;

use jiff::Timestamp;
use posylka_core::RawEvent;
use posylka_core::event_time::EventTime;
use posylka_core::shipment::TrackingNumber;
use posylka_core::timeline::SourceName;
use posylka_sources::limits::{Budget, Limits};
use posylka_sources::memory::{MemoryIngest, MemoryWork};
use posylka_sources::poller::{Poller, PollerConfig};
use posylka_sources::{BatchReport, FetchReport, Source, SourceError, SourceEvent, Tracked};

const NUMBERS: usize = 100_000;
const EVENTS_PER_NUMBER: usize = 5;

fn main() {
    divan::main();
}

/// A source that answers every number at once with the same five-step history.
struct FakeSource {
    name: SourceName,
}

const STEPS: [(&str, &str, &str); EVENTS_PER_NUMBER] = [
    ("1.1", "Прием, Единичный", "2024-04-20T14:50:00+08:00"),
    (
        "10",
        "Экспорт международной почты",
        "2024-04-22T03:10:00+08:00",
    ),
    (
        "8.13",
        "Обработка, Прибыло на территорию РФ",
        "2024-04-28T09:00:00+03:00",
    ),
    (
        "14.1",
        "Таможенное оформление, Выпущено таможней",
        "2024-04-29T12:00:00+03:00",
    ),
    (
        "8.15",
        "Обработка, Передано курьеру",
        "2024-05-03T09:00:00+03:00",
    ),
];

impl Source for FakeSource {
    fn name(&self) -> &SourceName {
        &self.name
    }

    fn max_batch(&self) -> usize {
        40
    }

    async fn register(&self, numbers: &[TrackingNumber]) -> Result<BatchReport<()>, SourceError> {
        Ok(BatchReport {
            ok: numbers.iter().map(|n| (n.clone(), ())).collect(),
            failed: Vec::new(),
        })
    }

    async fn fetch(&self, numbers: &[TrackingNumber]) -> Result<FetchReport, SourceError> {
        let ok = numbers
            .iter()
            .map(|n| {
                let events = STEPS
                    .iter()
                    .map(|(code, text, at)| SourceEvent {
                        number: n.clone(),
                        at: at
                            .parse::<EventTime>()
                            .unwrap_or_else(|_| EventTime::utc(Timestamp::UNIX_EPOCH)),
                        raw: RawEvent {
                            text: (*text).to_owned(),
                            code: Some((*code).to_owned()),
                            carrier: Some("russian-post".to_owned()),
                            location: Some("101000 Москва".to_owned()),
                            country: Some("RU".to_owned()),
                            destination: Some("RU".to_owned()),
                        },
                        hint: None,
                    })
                    .collect();
                (
                    n.clone(),
                    Tracked {
                        events,
                        ..Tracked::default()
                    },
                )
            })
            .collect();
        Ok(BatchReport {
            ok,
            failed: Vec::new(),
        })
    }

    async fn stop(&self, numbers: &[TrackingNumber]) -> Result<BatchReport<()>, SourceError> {
        self.register(numbers).await
    }
}

type BenchPoller = Poller<FakeSource, MemoryWork, MemoryIngest>;

fn setup() -> BenchPoller {
    let name = SourceName::new("fake").expect("name");
    let now = Timestamp::now();
    let work = MemoryWork::new();
    for i in 0..NUMBERS {
        let number = TrackingNumber::parse(&format!("RA{i:09}CN")).expect("number");
        work.add(&name, number, now);
    }
    let budget = Budget::new(
        Limits {
            rate: "1000000/s".parse().expect("rate"),
            quota: None,
        },
        Duration::from_millis(10),
    );
    let config = PollerConfig {
        claim_limit: 2000,
        concurrency: 4,
        ..PollerConfig::default()
    };
    Poller::new(
        FakeSource { name },
        work,
        MemoryIngest::new(),
        budget,
        config,
    )
}

#[divan::bench(sample_count = 3, sample_size = 1)]
fn ingest_100k_numbers(bencher: divan::Bencher<'_, '_>) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    bencher
        .counter(divan::counter::ItemsCount::new(NUMBERS * EVENTS_PER_NUMBER))
        .with_inputs(setup)
        .bench_local_values(|poller| {
            runtime.block_on(async {
                loop {
                    let report = poller.run_once().await.expect("round");
                    if report.claimed == 0 {
                        break;
                    }
                }
            });
            assert_eq!(poller.ingest_target().len(), NUMBERS * EVENTS_PER_NUMBER);
            poller
        });
}
