//! Ingest throughput against SQLite: `Store::ingest` versus a bare batched INSERT of the same
//! rows into a table without constraints, in the same run. Not a timed test: it reports.
//!
//! `POSYLKA_BENCH_EVENTS` (default 100000) events over shipments of 20 events each,
//! `POSYLKA_BENCH_BATCH` (default 10000) events per ingest call (one transaction each).
//! Run: `POSYLKA_BENCH_EVENTS=1000000 cargo bench -p posylka-store-sqlite`.
#![allow(clippy::unwrap_used)]

use std::time::Instant;

use jiff::{Timestamp, ToSpan};
use posylka_core::event_time::EventTime;
use posylka_core::milestone::Milestone;
use posylka_core::shipment::{Leg, NewShipment, TrackingNumber};
use posylka_core::store::Store;
use posylka_core::store::rows::EventRow;
use posylka_core::timeline::{EventRecord, SourceName};
use posylka_store_sqlite::SqliteStore;
use sqlx::{QueryBuilder, Sqlite};

const PER_SHIPMENT: usize = 20;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let events = env("POSYLKA_BENCH_EVENTS", 100_000);
    let batch = env("POSYLKA_BENCH_BATCH", 10_000).max(1);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(run(events, batch));
}

async fn run(events: usize, batch: usize) {
    let dir = std::env::temp_dir().join(format!("posylka-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let store = SqliteStore::open(dir.join("store.db")).await.unwrap();
    let shipments = events.div_ceil(PER_SHIPMENT);
    let created = Timestamp::from_second(1_714_521_600).unwrap();
    let milestones = Milestone::ALL;
    let source = SourceName::new("bench").unwrap();
    let mut records = Vec::with_capacity(events);
    let mut ids = Vec::with_capacity(events);
    for s in 0..shipments {
        let number = TrackingNumber::parse(&format!("RB{s:09}CN")).unwrap();
        let new = NewShipment::new(vec![(number.clone(), Leg::Through)], created).unwrap();
        let id = store.create_shipment(&new).await.unwrap();
        for e in 0..PER_SHIPMENT.min(events - records.len()) {
            let at = created.checked_add((e as i64 * 7).hours()).unwrap();
            records.push(EventRecord {
                number: number.clone(),
                at: EventTime::new(at, jiff::tz::Offset::constant(8)),
                source: source.clone(),
                text: format!("Event {e} at the sorting centre"),
                code: Some(format!("C{e}")),
                location: Some("Guangzhou".into()),
                milestone: milestones[e % milestones.len()],
                side: None,
                reason: None,
            });
            ids.push(id);
        }
    }

    let start = Instant::now();
    for chunk in records.chunks(batch) {
        store.ingest(chunk).await.unwrap();
    }
    let ours = start.elapsed();
    let listed = store.list_shipments().await.unwrap();
    assert_eq!(listed.len(), shipments);
    assert_eq!(
        listed.iter().map(|s| s.event_count).sum::<u64>(),
        events as u64
    );

    // The baseline: the same rows, the same batches and transactions, no constraints.
    let rows: Vec<EventRow> = records
        .iter()
        .zip(&ids)
        .map(|(r, id)| EventRow::new(*id, r))
        .collect();
    let pool = store.pool();
    sqlx::query(
        "CREATE TABLE bare_events (shipment_id INTEGER, fingerprint INTEGER, number TEXT, \
         at_us INTEGER, offset_s INTEGER, source TEXT, text TEXT, code TEXT, location TEXT, \
         milestone TEXT, side TEXT, reason TEXT)",
    )
    .execute(pool)
    .await
    .unwrap();
    let start = Instant::now();
    for chunk in rows.chunks(batch) {
        let mut tx = pool.begin().await.unwrap();
        for part in chunk.chunks(1000) {
            let mut qb = QueryBuilder::<Sqlite>::new(
                "INSERT INTO bare_events (shipment_id, fingerprint, number, at_us, offset_s, \
                 source, text, code, location, milestone, side, reason) ",
            );
            qb.push_values(part, |mut b, r| {
                b.push_bind(r.shipment_id)
                    .push_bind(r.fingerprint)
                    .push_bind(r.number.as_str())
                    .push_bind(r.at_us)
                    .push_bind(r.offset_s)
                    .push_bind(r.source.as_str())
                    .push_bind(r.text.as_str())
                    .push_bind(r.code.as_deref())
                    .push_bind(r.location.as_deref())
                    .push_bind(r.milestone.as_str())
                    .push_bind(r.side.as_deref())
                    .push_bind(r.reason.as_deref());
            });
            qb.build().execute(&mut *tx).await.unwrap();
        }
        tx.commit().await.unwrap();
    }
    let bare = start.elapsed();
    store.close().await;
    std::fs::remove_dir_all(&dir).unwrap();

    let rate = |d: std::time::Duration| events as f64 / d.as_secs_f64();
    println!("sqlite ingest: {events} events, {shipments} shipments, batch {batch}");
    println!(
        "  Store::ingest : {:>10.0} events/s ({:.2} s)",
        rate(ours),
        ours.as_secs_f64()
    );
    println!(
        "  bare INSERT   : {:>10.0} events/s ({:.2} s)",
        rate(bare),
        bare.as_secs_f64()
    );
    println!(
        "  ratio         : {:.2}x the bare insert time",
        ours.as_secs_f64() / bare.as_secs_f64()
    );
}
