//! The watchdog over a stored fleet: a full run (every shipment, page by page) and the
//! incremental path (after new events, only the shipments that changed or whose deadline came).
//!
//! `POSYLKA_BENCH_SHIPMENTS=1000000 cargo bench -p posylka-store --bench watchdog_run`
//! (default 20,000; `POSYLKA_BENCH_DB=postgres://...` for PostgreSQL, a temp SQLite file
//! otherwise). Filling the store is timed apart: only the runs are the watchdog's figures.
#![allow(clippy::unwrap_used)]

use std::time::Instant;

use jiff::{SignedDuration, Timestamp};
use posylka_core::Normalizer;
use posylka_core::event_time::EventTime;
use posylka_core::shipment::{NewShipment, ShipmentId};
use posylka_core::store::{CheckRecord, ShipmentTimeline, Store as _};
use posylka_core::timeline::{EventRecord, SourceName};
use posylka_simulate::Simulation;
use posylka_store::AnyStore;
use posylka_watchdog::{Config, Subject, check};

const PAGE: usize = 2000;

fn evaluate(page: &[ShipmentTimeline], now: Timestamp, config: &Config) -> Vec<CheckRecord> {
    page.iter()
        .map(|st| {
            let numbers: Vec<_> = st
                .shipment
                .numbers
                .iter()
                .map(|n| n.number.clone())
                .collect();
            let mut subject = Subject::new(&numbers, &st.timeline, st.shipment.created_at);
            if let Some(order) = &st.shipment.order {
                subject = subject.with_order(order);
            }
            let report = check(&subject, now, config);
            // The summary the server keeps: the most urgent finding's code.
            let summary = report
                .findings
                .iter()
                .max_by_key(|f| f.severity)
                .map(|f| f.code.key().to_owned())
                .unwrap_or_default();
            CheckRecord {
                id: st.shipment.id,
                revision: st.check.revision,
                checked_at: now,
                next_check_at: report.next_check_at,
                summary,
            }
        })
        .collect()
}

async fn fill(store: &AnyStore, count: u64, now: Timestamp) -> u64 {
    let sim = Simulation::new(7, now).unwrap();
    let source = SourceName::new("simulate").unwrap();
    let mut normalizer = Normalizer::new();
    let mut pending: Vec<EventRecord> = Vec::new();
    let mut stored = 0;
    for doc in sim.documents(count) {
        let parsed = doc.document.parse().unwrap();
        let numbers = parsed
            .numbers
            .iter()
            .cloned()
            .zip(doc.legs.iter().copied())
            .collect();
        let mut new = NewShipment::new(numbers, doc.now).unwrap();
        if let Some(order) = parsed.order.clone() {
            new = new.with_order(order);
        }
        if store.create_shipment(&new).await.is_ok() {
            stored += 1;
            pending.extend(parsed.records(&mut normalizer, &source));
        }
        if pending.len() >= 20_000 {
            store.ingest(&pending).await.unwrap();
            pending.clear();
        }
    }
    store.ingest(&pending).await.unwrap();
    stored
}

async fn full_run(store: &AnyStore, now: Timestamp, config: &Config) -> usize {
    let mut after: Option<ShipmentId> = None;
    let mut seen = 0;
    // Where the time goes: the store's read, the rules, the store's write.
    let (mut read, mut eval, mut write) = (0.0, 0.0, 0.0);
    loop {
        let t = Instant::now();
        let page = store.timelines_page(after, PAGE).await.unwrap();
        read += t.elapsed().as_secs_f64();
        let Some(last) = page.last() else { break };
        after = Some(last.shipment.id);
        seen += page.len();
        let t = Instant::now();
        let records = evaluate(&page, now, config);
        eval += t.elapsed().as_secs_f64();
        let t = Instant::now();
        store.record_checks(&records).await.unwrap();
        write += t.elapsed().as_secs_f64();
    }
    println!("  of which: read {read:.2} s, watchdog {eval:.2} s, record {write:.2} s");
    seen
}

async fn incremental_run(store: &AnyStore, now: Timestamp, config: &Config) -> usize {
    let mut seen = 0;
    loop {
        let page = store.due_for_check(now, PAGE).await.unwrap();
        if page.is_empty() {
            break;
        }
        seen += page.len();
        store
            .record_checks(&evaluate(&page, now, config))
            .await
            .unwrap();
    }
    seen
}

fn main() {
    let count: u64 = std::env::var("POSYLKA_BENCH_SHIPMENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let dir = std::env::temp_dir().join(format!("posylka-watchdog-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let location = std::env::var("POSYLKA_BENCH_DB")
        .unwrap_or_else(|_| dir.join("bench.db").display().to_string());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let store = posylka_store::open(&location).await.unwrap();
        let config = Config::default();
        let now: Timestamp = posylka_simulate::DEFAULT_NOW.parse().unwrap();

        let t = Instant::now();
        let stored = fill(&store, count, now).await;
        println!("fill: {stored} shipments in {:.1} s (not the watchdog's figure)", t.elapsed().as_secs_f64());

        let t = Instant::now();
        let seen = full_run(&store, now, &config).await;
        let secs = t.elapsed().as_secs_f64();
        println!(
            "full run: {seen} shipments in {secs:.2} s = {:.0} shipments/s (1M would take {:.1} s)",
            seen as f64 / secs,
            1e6 * secs / seen.max(1) as f64
        );

        // A day later, 1% of the shipments get a new event.
        let later = now.checked_add(SignedDuration::from_hours(24)).unwrap();
        let source = SourceName::new("bench").unwrap();
        let mut fresh = Vec::new();
        let mut after = None;
        let mut index = 0u64;
        loop {
            let page = store.timelines_page(after, PAGE).await.unwrap();
            let Some(last) = page.last() else { break };
            after = Some(last.shipment.id);
            for st in &page {
                index += 1;
                if index.is_multiple_of(100) {
                    fresh.push(EventRecord {
                        number: st.shipment.numbers[0].number.clone(),
                        at: EventTime::utc(later),
                        source: source.clone(),
                        text: "Sorting center".into(),
                        code: None,
                        location: None,
                        country: None,
                        milestone: posylka_core::Milestone::InTransit,
                        side: None,
                        reason: None,
                    });
                }
            }
        }
        store.ingest(&fresh).await.unwrap();
        let t = Instant::now();
        let again = incremental_run(&store, later, &config).await;
        let secs = t.elapsed().as_secs_f64();
        println!(
            "incremental run a day later: {again} shipments re-evaluated ({} had a new event, the rest hit a deadline) of {seen}, in {secs:.2} s",
            fresh.len()
        );
        store.close().await;
    });
    let _ = std::fs::remove_dir_all(&dir);
}
