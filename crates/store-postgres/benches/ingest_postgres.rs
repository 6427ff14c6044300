//! Ingest throughput against PostgreSQL: `Store::ingest` versus a bare batched INSERT of the same
//! rows into a table without constraints, in the same run. Not a timed test: it reports.
//!
//! `POSYLKA_BENCH_EVENTS` (default 100000) events over shipments of 20 events each,
//! `POSYLKA_BENCH_BATCH` (default 10000) events per ingest call (one transaction each).
//! Needs `POSYLKA_BENCH_POSTGRES_URL` (or `POSYLKA_TEST_POSTGRES_URL`); uses a fresh schema, dropped
//! afterwards. Run: `POSYLKA_BENCH_EVENTS=1000000 cargo bench -p posylka-store-postgres`.
#![allow(clippy::unwrap_used)]

use std::time::Instant;

use jiff::{Timestamp, ToSpan};
use posylka_core::event_time::EventTime;
use posylka_core::milestone::Milestone;
use posylka_core::shipment::{Leg, NewShipment, TrackingNumber};
use posylka_core::store::Store;
use posylka_core::store::rows::EventRow;
use posylka_core::timeline::{EventRecord, SourceName};
use posylka_store_postgres::PgStore;

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
    let Some(url) = std::env::var("POSYLKA_BENCH_POSTGRES_URL")
        .or_else(|_| std::env::var("POSYLKA_TEST_POSTGRES_URL"))
        .ok()
    else {
        eprintln!("SKIPPED: POSYLKA_BENCH_POSTGRES_URL not set");
        return;
    };
    let schema = format!("posylka_bench_{}", std::process::id());
    let store = PgStore::connect_in_schema(&url, &schema).await.unwrap();
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
        "CREATE TABLE bare_events (shipment_id BIGINT, fingerprint BIGINT, number TEXT, \
         at_us BIGINT, offset_s INTEGER, source TEXT, text TEXT, code TEXT, location TEXT, \
         milestone TEXT, side TEXT, reason TEXT)",
    )
    .execute(pool)
    .await
    .unwrap();
    let start = Instant::now();
    for chunk in rows.chunks(batch) {
        let mut tx = pool.begin().await.unwrap();
        for part in chunk.chunks(10_000) {
            let col = |f: fn(&EventRow) -> Option<&str>| part.iter().map(f).collect::<Vec<_>>();
            sqlx::query(
                "INSERT INTO bare_events SELECT * FROM UNNEST($1::bigint[], $2::bigint[], \
                 $3::text[], $4::bigint[], $5::int4[], $6::text[], $7::text[], $8::text[], \
                 $9::text[], $10::text[], $11::text[], $12::text[])",
            )
            .bind(part.iter().map(|r| r.shipment_id).collect::<Vec<_>>())
            .bind(part.iter().map(|r| r.fingerprint).collect::<Vec<_>>())
            .bind(col(|r| Some(r.number.as_str())))
            .bind(part.iter().map(|r| r.at_us).collect::<Vec<_>>())
            .bind(part.iter().map(|r| r.offset_s).collect::<Vec<_>>())
            .bind(col(|r| Some(r.source.as_str())))
            .bind(col(|r| Some(r.text.as_str())))
            .bind(col(|r| r.code.as_deref()))
            .bind(col(|r| r.location.as_deref()))
            .bind(col(|r| Some(r.milestone.as_str())))
            .bind(col(|r| r.side.as_deref()))
            .bind(col(|r| r.reason.as_deref()))
            .execute(&mut *tx)
            .await
            .unwrap();
        }
        tx.commit().await.unwrap();
    }
    let bare = start.elapsed();
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
        .execute(pool)
        .await
        .unwrap();
    store.close().await;

    let rate = |d: std::time::Duration| events as f64 / d.as_secs_f64();
    println!("postgres ingest: {events} events, {shipments} shipments, batch {batch}");
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
