//! The watchdog over a stored fleet: a full run (every shipment, page by page) and the
//! incremental path (after new events, only the shipments that changed or whose deadline came).
//!
//! `POSYLKA_BENCH_SHIPMENTS=1000000 cargo bench -p posylka-store --bench watchdog_run`
//! (default 20,000; `POSYLKA_BENCH_DB=postgres://...` for PostgreSQL, a temp SQLite file
//! otherwise; a filled `POSYLKA_BENCH_DB` is reused as it is). Filling the store is timed apart:
//! only the runs are the watchdog's figures. `POSYLKA_BENCH_LANES` (default 4: two per core
//! here, since each lane alternates between SQLite's thread and its own decoding; with one lane
//! per core 1.5-1.8 of the 2 cores were busy, with two 1.9) sets how many readers split the
//! full run; `POSYLKA_BENCH_FULL_ONLY=1` stops after it.
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
use posylka_watchdog::{Config, check_stored};

// The allocator of the `posylka` binary (crates/cli/src/main.rs), so the figures are the
// product's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const PAGE: usize = 2000;

fn evaluate(page: &[ShipmentTimeline], now: Timestamp, config: &Config) -> Vec<CheckRecord> {
    page.iter()
        .map(|st| {
            let report = check_stored(st, now, config);
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

/// Evaluations are written in batches this large: one transaction per batch, so the pages of
/// the due-time index that a batch moves are written once (small batches rewrite them again
/// and again: 3x the time on a 1M-shipment SQLite store).
const WRITE_BATCH: usize = 50_000;

/// Every shipment, evaluated and recorded. The id range is split into `lanes` that read and
/// evaluate their pages side by side (one store connection each), while one writer records
/// the results in large batches: the read, the rules and the write overlap on every core.
async fn full_run(store: &AnyStore, now: Timestamp, config: &Config, lanes: u64) -> usize {
    let Some((first, last)) = store.shipment_id_range().await.unwrap() else {
        return 0;
    };
    let (first, last) = (first.get(), last.get());
    let lanes_i = lanes as i64;
    let span = (last - first + lanes_i) / lanes_i;
    // Room for a whole write batch and then some: the readers go on while the writer records
    // one (with room for only a few pages they waited on every batch).
    let (send, mut receive) =
        tokio::sync::mpsc::channel::<Vec<CheckRecord>>(WRITE_BATCH / PAGE + 2 * lanes as usize);
    let mut readers = Vec::new();
    for lane in 0..lanes_i {
        // Lane `lane` owns ids `(after, until]`.
        let after = first - 1 + lane * span;
        let until = (after + span).min(last);
        if after >= until {
            continue;
        }
        let (store, config, send) = (store.clone(), config.clone(), send.clone());
        readers.push(tokio::spawn(async move {
            let (mut read, mut eval) = (0.0, 0.0);
            let mut cursor = ShipmentId::new(after);
            loop {
                let t = Instant::now();
                let mut page = store.timelines_page(cursor, PAGE).await.unwrap();
                read += t.elapsed().as_secs_f64();
                page.retain(|st| st.shipment.id.get() <= until);
                let Some(tail) = page.last() else { break };
                cursor = Some(tail.shipment.id);
                let t = Instant::now();
                let records = evaluate(&page, now, &config);
                eval += t.elapsed().as_secs_f64();
                send.send(records).await.unwrap();
                if page.len() < PAGE {
                    break;
                }
            }
            (read, eval)
        }));
    }
    drop(send);
    let writer = {
        let store = store.clone();
        tokio::spawn(async move {
            let (mut seen, mut write) = (0, 0.0);
            let mut batch: Vec<CheckRecord> = Vec::with_capacity(WRITE_BATCH + PAGE);
            loop {
                let next = receive.recv().await;
                let done = next.is_none();
                if let Some(records) = next {
                    seen += records.len();
                    batch.extend(records);
                }
                if batch.len() >= WRITE_BATCH || (done && !batch.is_empty()) {
                    let t = Instant::now();
                    store.record_checks(&batch).await.unwrap();
                    write += t.elapsed().as_secs_f64();
                    batch.clear();
                }
                if done {
                    break (seen, write);
                }
            }
        })
    };
    let (mut read, mut eval) = (0.0, 0.0);
    for reader in readers {
        let (r, e) = reader.await.unwrap();
        read += r;
        eval += e;
    }
    let (seen, write) = writer.await.unwrap();
    // Busy time summed over the lanes: it overlaps, so it adds up to more than the wall time.
    println!(
        "  busy time over {lanes} lanes: read {read:.2} s, watchdog {eval:.2} s; writer: record {write:.2} s"
    );
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

/// User plus system CPU time of this process so far, from `/proc/self/stat` (Linux; `None`
/// elsewhere). Clock ticks are taken as 100 per second, the Linux default.
fn process_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split(' ').collect();
    // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name.
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(ticks as f64 / 100.0)
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

        // A store named by `POSYLKA_BENCH_DB` that is already filled is run as it is, so one
        // slow fill of 1M shipments serves many runs.
        let filled = !store.timelines_page(None, 1).await.unwrap().is_empty();
        if filled && std::env::var_os("POSYLKA_BENCH_DB").is_some() {
            println!("fill: reusing the shipments already in {location}");
        } else {
            let t = Instant::now();
            let stored = fill(&store, count, now).await;
            println!("fill: {stored} shipments in {:.1} s (not the watchdog's figure)", t.elapsed().as_secs_f64());
        }

        let lanes: u64 = std::env::var("POSYLKA_BENCH_LANES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(4);
        let t = Instant::now();
        let cpu = process_cpu_seconds();
        let seen = full_run(&store, now, &config, lanes).await;
        let secs = t.elapsed().as_secs_f64();
        let cpu = process_cpu_seconds().zip(cpu).map(|(after, before)| after - before);
        println!(
            "full run: {seen} shipments in {secs:.2} s = {:.0} shipments/s (1M would take {:.1} s)",
            seen as f64 / secs,
            1e6 * secs / seen.max(1) as f64
        );
        if let Some(cpu) = cpu {
            println!(
                "  CPU time of the whole process (every thread, SQLite's included): {cpu:.2} s = {:.2} cores busy",
                cpu / secs
            );
        }
        if std::env::var_os("POSYLKA_BENCH_FULL_ONLY").is_some() {
            store.close().await;
            return;
        }

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
