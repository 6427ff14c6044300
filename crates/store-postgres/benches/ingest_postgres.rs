//! Store throughput against PostgreSQL, in one run, reported (not a timed test):
//! - ingest: `Store::ingest` versus a bare batched INSERT of the same rows, in the same batches
//!   and transactions, into a table of the same shape and primary key as `events`;
//! - read: every shipment with its timeline through `Store::timelines_page`, the watchdog's
//!   bulk path.
//!
//! `POSYLKA_BENCH_EVENTS` (default 100000) events over shipments of
//! `POSYLKA_BENCH_PER_SHIPMENT` (default 20) events each, `POSYLKA_BENCH_BATCH` (default
//! 10000) events per ingest call (one transaction each), `POSYLKA_BENCH_PAGE` (default 10000)
//! shipments per page. Needs `POSYLKA_BENCH_POSTGRES_URL` (or `POSYLKA_TEST_POSTGRES_URL`);
//! uses a fresh schema, dropped afterwards.
//! Run: `POSYLKA_BENCH_EVENTS=1000000 cargo bench -p posylka-store-postgres`.
#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use posylka_core::store::Store;
use posylka_core::store::rows::EventRow;
use posylka_store_postgres::PgStore;

#[path = "../../store-sqlite/benches/common/workload.rs"]
mod workload;

use workload::Workload;

fn main() {
    let work = Workload::from_env();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(run(work));
}

async fn run(work: Workload) {
    let Some(url) = std::env::var("POSYLKA_BENCH_POSTGRES_URL")
        .or_else(|_| std::env::var("POSYLKA_TEST_POSTGRES_URL"))
        .ok()
    else {
        eprintln!("SKIPPED: POSYLKA_BENCH_POSTGRES_URL not set");
        return;
    };
    let schema = format!("posylka_bench_{}", std::process::id());
    let store = PgStore::connect_in_schema(&url, &schema).await.unwrap();
    let pool = store.pool();
    // Shipments and their numbers are set-up, not measured: written in two statements.
    sqlx::query(
        "INSERT INTO shipments (id, created_at_us) \
         SELECT g, $1 FROM generate_series(1, $2::bigint) AS g",
    )
    .bind(work.created_us())
    .bind(work.shipments_i64())
    .execute(pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO shipment_numbers (shipment_id, number, leg, linked_at_us) \
         SELECT g, 'RB' || lpad((g - 1)::text, 9, '0') || 'CN', 'through', $1 \
         FROM generate_series(1, $2::bigint) AS g",
    )
    .bind(work.created_us())
    .bind(work.shipments_i64())
    .execute(pool)
    .await
    .unwrap();

    let mut ours = Duration::ZERO;
    for batch in work.batches() {
        let records = work.records(batch);
        let start = Instant::now();
        store.ingest(&records).await.unwrap();
        ours += start.elapsed();
    }

    sqlx::query(
        "CREATE TABLE bare_events (shipment_id BIGINT NOT NULL, fingerprint BIGINT NOT NULL, \
         number TEXT NOT NULL, at_us BIGINT NOT NULL, offset_s INTEGER NOT NULL, \
         source TEXT NOT NULL, text TEXT NOT NULL, code TEXT, location TEXT, country TEXT, \
         milestone TEXT NOT NULL, side TEXT, reason TEXT, \
         PRIMARY KEY (shipment_id, fingerprint))",
    )
    .execute(pool)
    .await
    .unwrap();
    let mut bare = Duration::ZERO;
    for batch in work.batches() {
        let rows: Vec<EventRow> = work
            .records(batch.clone())
            .iter()
            .zip(work.shipment_ids(batch))
            .map(|(r, id)| EventRow::new(id, r))
            .collect();
        let start = Instant::now();
        let mut tx = pool.begin().await.unwrap();
        let col = |f: fn(&EventRow) -> Option<&str>| rows.iter().map(f).collect::<Vec<_>>();
        sqlx::query(
            "INSERT INTO bare_events SELECT * FROM UNNEST($1::bigint[], $2::bigint[], \
             $3::text[], $4::bigint[], $5::int4[], $6::text[], $7::text[], $8::text[], \
             $9::text[], $10::text[], $11::text[], $12::text[], $13::text[])",
        )
        .bind(rows.iter().map(|r| r.shipment_id).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.fingerprint).collect::<Vec<_>>())
        .bind(col(|r| Some(r.number.as_str())))
        .bind(rows.iter().map(|r| r.at_us).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.offset_s).collect::<Vec<_>>())
        .bind(col(|r| Some(r.source.as_str())))
        .bind(col(|r| Some(r.text.as_str())))
        .bind(col(|r| r.code.as_deref()))
        .bind(col(|r| r.location.as_deref()))
        .bind(col(|r| r.country.as_deref()))
        .bind(col(|r| Some(r.milestone.as_str())))
        .bind(col(|r| r.side.as_deref()))
        .bind(col(|r| r.reason.as_deref()))
        .execute(&mut *tx)
        .await
        .unwrap();
        tx.commit().await.unwrap();
        bare += start.elapsed();
    }

    let read = workload::read_all(&store, &work).await;
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
        .execute(pool)
        .await
        .unwrap();
    store.close().await;
    work.report("postgres", ours, bare, read);
}
