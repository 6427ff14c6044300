//! The synthetic workload both engines' store benchmarks run (included by path from the
//! PostgreSQL bench too): shipment `s` (id `s + 1`) has the number `RB{s:09}CN` and events
//! 7 hours apart, generated batch by batch so a large run does not hold them all in memory.

use std::ops::Range;
use std::time::{Duration, Instant};

use jiff::{Timestamp, ToSpan};
use posylka_core::event_time::EventTime;
use posylka_core::milestone::Milestone;
use posylka_core::order::CountryCode;
use posylka_core::shipment::{ShipmentId, TrackingNumber};
use posylka_core::store::Store;
use posylka_core::timeline::{EventRecord, SourceName};

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Sizes of a run.
pub struct Workload {
    pub events: usize,
    pub per_shipment: usize,
    pub batch: usize,
    pub page: usize,
    created: Timestamp,
    source: SourceName,
    country: CountryCode,
}

impl Workload {
    pub fn from_env() -> Self {
        Self {
            events: env("POSYLKA_BENCH_EVENTS", 100_000),
            per_shipment: env("POSYLKA_BENCH_PER_SHIPMENT", 20).max(1),
            batch: env("POSYLKA_BENCH_BATCH", 10_000).max(1),
            page: env("POSYLKA_BENCH_PAGE", 10_000).max(1),
            created: Timestamp::from_second(1_714_521_600).unwrap(),
            source: SourceName::new("bench").unwrap(),
            country: "CN".parse().unwrap(),
        }
    }

    pub fn shipments(&self) -> usize {
        self.events.div_ceil(self.per_shipment)
    }

    pub fn shipments_i64(&self) -> i64 {
        i64::try_from(self.shipments()).unwrap()
    }

    pub fn created_us(&self) -> i64 {
        self.created.as_microsecond()
    }

    /// Event index ranges, one per ingest call.
    pub fn batches(&self) -> impl Iterator<Item = Range<usize>> + use<> {
        let (events, batch) = (self.events, self.batch);
        (0..events)
            .step_by(batch)
            .map(move |start| start..(start + batch).min(events))
    }

    /// The events of a range.
    pub fn records(&self, range: Range<usize>) -> Vec<EventRecord> {
        let milestones = Milestone::ALL;
        range
            .map(|k| {
                let (s, e) = (k / self.per_shipment, k % self.per_shipment);
                let at = self.created.checked_add((e as i64 * 7).hours()).unwrap();
                EventRecord {
                    number: TrackingNumber::parse(&format!("RB{s:09}CN")).unwrap(),
                    at: EventTime::new(at, jiff::tz::Offset::constant(8)),
                    source: self.source.clone(),
                    text: format!("Event {e} at the sorting centre"),
                    code: Some(format!("C{e}")),
                    location: Some("Guangzhou".into()),
                    country: Some(self.country),
                    milestone: milestones[e % milestones.len()],
                    side: None,
                    reason: None,
                }
            })
            .collect()
    }

    /// The shipment of each event of a range.
    pub fn shipment_ids(&self, range: Range<usize>) -> impl Iterator<Item = ShipmentId> + use<> {
        let per = self.per_shipment;
        range.map(move |k| ShipmentId::new(i64::try_from(k / per + 1).unwrap()).unwrap())
    }

    pub fn report(&self, engine: &str, ours: Duration, bare: Duration, read: Duration) {
        let rate = |n: usize, d: Duration| n as f64 / d.as_secs_f64();
        let (events, shipments) = (self.events, self.shipments());
        println!(
            "{engine}: {events} events, {shipments} shipments, batch {}, page {}",
            self.batch, self.page
        );
        println!(
            "  Store::ingest         : {:>10.0} events/s ({:.2} s)",
            rate(events, ours),
            ours.as_secs_f64()
        );
        println!(
            "  bare keyed INSERT     : {:>10.0} events/s ({:.2} s)",
            rate(events, bare),
            bare.as_secs_f64()
        );
        println!(
            "  ratio                 : {:.2}x the bare insert time",
            ours.as_secs_f64() / bare.as_secs_f64()
        );
        println!(
            "  Store::timelines_page : {:>10.0} shipments/s, {:.0} events/s ({:.2} s)",
            rate(shipments, read),
            rate(events, read),
            read.as_secs_f64()
        );
    }
}

/// Reads every shipment with its timeline, page by page; checks that all came back.
pub async fn read_all(store: &impl Store, work: &Workload) -> Duration {
    let start = Instant::now();
    let (mut shipments, mut records, mut after) = (0, 0, None);
    loop {
        let page = store.timelines_page(after, work.page).await.unwrap();
        let Some(last) = page.last() else { break };
        after = Some(last.shipment.id);
        shipments += page.len();
        records += page
            .iter()
            .flat_map(|t| t.timeline.events())
            .map(|e| e.sources.len())
            .sum::<usize>();
    }
    let elapsed = start.elapsed();
    assert_eq!((shipments, records), (work.shipments(), work.events));
    elapsed
}
