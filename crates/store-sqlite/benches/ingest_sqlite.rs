//! Store throughput against SQLite, in one run, reported (not a timed test):
//! - ingest: `Store::ingest` versus a bare batched INSERT of the same rows, in the same batches
//!   and transactions, into a table of the same shape and primary key as `events`;
//! - read: every shipment with its timeline through `Store::timelines_page`, the watchdog's
//!   bulk path.
//!
//! `POSYLKA_BENCH_EVENTS` (default 100000) events over shipments of
//! `POSYLKA_BENCH_PER_SHIPMENT` (default 20) events each, `POSYLKA_BENCH_BATCH` (default
//! 10000) events per ingest call (one transaction each), `POSYLKA_BENCH_PAGE` (default 10000)
//! shipments per page. Run: `POSYLKA_BENCH_EVENTS=1000000 cargo bench -p posylka-store-sqlite`.
#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use posylka_core::store::Store;
use posylka_core::store::rows::EventRow;
use posylka_store_sqlite::SqliteStore;
use sqlx::{QueryBuilder, Sqlite};

#[path = "common/workload.rs"]
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
    let dir = std::env::temp_dir().join(format!("posylka-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let store = SqliteStore::open(dir.join("store.db")).await.unwrap();
    let pool = store.pool();
    // Shipments and their numbers are set-up, not measured: written in two statements.
    sqlx::query(
        "WITH RECURSIVE g (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < ?) \
         INSERT INTO shipments (id, created_at_us) SELECT n, ? FROM g",
    )
    .bind(work.shipments_i64())
    .bind(work.created_us())
    .execute(pool)
    .await
    .unwrap();
    sqlx::query(
        "WITH RECURSIVE g (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < ?) \
         INSERT INTO shipment_numbers (shipment_id, number, leg, linked_at_us) \
         SELECT n, printf('RB%09dCN', n - 1), 'through', ? FROM g",
    )
    .bind(work.shipments_i64())
    .bind(work.created_us())
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
        "CREATE TABLE bare_events (shipment_id INTEGER NOT NULL, fingerprint INTEGER NOT NULL, \
         number TEXT NOT NULL, at_us INTEGER NOT NULL, offset_s INTEGER NOT NULL, \
         source TEXT NOT NULL, text TEXT NOT NULL, code TEXT, location TEXT, country TEXT, \
         milestone TEXT NOT NULL, side TEXT, reason TEXT, \
         PRIMARY KEY (shipment_id, fingerprint)) STRICT, WITHOUT ROWID",
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
        // The store's chunk: 13 columns a row stays below SQLite's parameter limit.
        for part in rows.chunks(1000) {
            let mut qb = QueryBuilder::<Sqlite>::new(
                "INSERT INTO bare_events (shipment_id, fingerprint, number, at_us, offset_s, \
                 source, text, code, location, country, milestone, side, reason) ",
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
                    .push_bind(r.country.as_deref())
                    .push_bind(r.milestone.as_str())
                    .push_bind(r.side.as_deref())
                    .push_bind(r.reason.as_deref());
            });
            qb.build().execute(&mut *tx).await.unwrap();
        }
        tx.commit().await.unwrap();
        bare += start.elapsed();
    }

    let read = workload::read_all(&store, &work).await;
    store.close().await;
    std::fs::remove_dir_all(&dir).unwrap();
    work.report("sqlite", ours, bare, read);
}
