//! Sustained ingest through the poller, reported (not a timed test): `POSYLKA_BENCH_NUMBERS`
//! (default 100000) numbers in a SQLite file, polled through the real 17TRACK HTTP connector
//! against a fake 17TRACK on loopback that answers five events per number, with the store's
//! poll queue ([`StoreWork`]: leased claims, completions) and [`StoreIngest`] (one idempotent
//! transaction per call of 40 numbers). In the same run, the baseline: the very same records
//! stored with bare `Store::ingest` calls of the same size into a copy of the same database,
//! without the poller, the HTTP round trip or parsing. Only the same-run ratio counts: the
//! machine is shared.
//!
//! `cargo bench -p posylka-server --bench poll_ingest`
//! (`POSYLKA_BENCH_NUMBERS=10000` for a quick look).
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use jiff::Timestamp;
use posylka_core::shipment::ShipmentId;
use posylka_core::store::polling::{PollStore, Route};
use posylka_core::timeline::{EventRecord, SourceName};
use posylka_sources::config::SeventeenTrackConfig;
use posylka_sources::limits::{Budget, Limits};
use posylka_sources::memory::StoreIngest;
use posylka_sources::poller::{Poller, PollerConfig};
use posylka_sources::queue::StoreWork;
use posylka_sources::seventeentrack::SeventeenTrack;
use posylka_store::{SqliteStore, Store};
use serde_json::{Value, json};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const EVENTS_PER_NUMBER: usize = 5;
/// Numbers per 17TRACK call, the API's maximum.
const BATCH: usize = 40;

fn main() {
    let numbers: usize = std::env::var("POSYLKA_BENCH_NUMBERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(run(numbers));
}

/// A 17TRACK that knows every number (registered already) and answers five events for each.
struct Fake;

const STEPS: [(&str, &str, &str); EVENTS_PER_NUMBER] = [
    (
        "2024-04-20T14:50:00+08:00",
        "Acceptance",
        "InTransit_PickedUp",
    ),
    (
        "2024-04-22T03:10:00+08:00",
        "Departed from the country of origin",
        "InTransit_Departure",
    ),
    (
        "2024-04-28T09:00:00+03:00",
        "Arrival at the destination country",
        "InTransit_Arrival",
    ),
    (
        "2024-04-29T12:00:00+03:00",
        "Customs clearance completed",
        "InTransit_CustomsReleased",
    ),
    (
        "2024-05-03T09:00:00+03:00",
        "Out for delivery",
        "OutForDelivery_Other",
    ),
];

impl Respond for Fake {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let items: Vec<Value> = serde_json::from_slice(&request.body).unwrap_or_default();
        let events: Vec<Value> = STEPS
            .iter()
            .map(|(at, text, sub)| {
                json!({"time_iso": at, "time_utc": null, "description": text,
                       "location": "MOSCOW", "stage": null, "sub_status": sub,
                       "address": {"country": "RU"}})
            })
            .collect();
        let accepted: Vec<Value> = items
            .iter()
            .map(|i| {
                json!({"number": i["number"], "carrier": 3011, "track_info": {
                    "latest_status": {"status": "InTransit", "sub_status": "InTransit_Other"},
                    "misc_info": {"local_number": null},
                    "tracking": {"providers": [{"provider": {"key": 3011, "name": "China Post"},
                                                "events": events}]}}})
            })
            .collect();
        ResponseTemplate::new(200)
            .set_body_json(json!({"code": 0, "data": {"accepted": accepted, "rejected": []}}))
    }
}

/// A SQLite file with `n` shipments of one number each (`RB{i:09}CN`), filled in two
/// statements: set-up, not measured.
async fn fill(path: &std::path::Path, n: usize) {
    let store = SqliteStore::open(path).await.unwrap();
    let n = i64::try_from(n).unwrap();
    let created = Timestamp::from_second(1_713_000_000)
        .unwrap()
        .as_microsecond();
    for sql in [
        "WITH RECURSIVE g (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < ?) \
         INSERT INTO shipments (id, created_at_us) SELECT n, ? FROM g",
        "WITH RECURSIVE g (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < ?) \
         INSERT INTO shipment_numbers (shipment_id, number, leg, linked_at_us) \
         SELECT n, printf('RB%09dCN', n - 1), 'through', ? FROM g",
    ] {
        sqlx::query(sql)
            .bind(n)
            .bind(created)
            .execute(store.pool())
            .await
            .unwrap();
    }
    store.close().await;
}

async fn event_count(store: &SqliteStore) -> usize {
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM events")
        .fetch_one(store.pool())
        .await
        .unwrap();
    usize::try_from(n).unwrap()
}

async fn run(numbers: usize) {
    let dir = std::env::temp_dir().join(format!("posylka-poll-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let (polled_db, direct_db) = (dir.join("polled.db"), dir.join("direct.db"));
    fill(&polled_db, numbers).await;
    fill(&direct_db, numbers).await;
    let events = numbers * EVENTS_PER_NUMBER;

    // Route every number to 17TRACK (what the server's router does as numbers are linked).
    let store = SqliteStore::open(&polled_db).await.unwrap();
    let source = SourceName::new("17track").unwrap();
    let routing = Instant::now();
    loop {
        let batch = store.unrouted_numbers(10_000).await.unwrap();
        if batch.is_empty() {
            break;
        }
        let routes: Vec<Route> = batch
            .into_iter()
            .map(|u| Route {
                number: u.number,
                sources: vec![source.clone()],
                since: u.linked_at,
            })
            .collect();
        store
            .route_numbers(&routes, Timestamp::now())
            .await
            .unwrap();
    }
    let routing = routing.elapsed();

    let server = MockServer::builder()
        .disable_request_recording()
        .start()
        .await;
    Mock::given(wiremock::matchers::method("POST"))
        .respond_with(Fake)
        .mount(&server)
        .await;
    let unlimited = Limits {
        rate: "1000000/s".parse().unwrap(),
        quota: None,
    };
    let connector = SeventeenTrack::new(SeventeenTrackConfig {
        base_url: format!("{}/track/v2.2", server.uri()),
        token: "bench-token".to_owned().into(),
        push_key: None,
        timeout: Duration::from_secs(30),
        max_batch: BATCH,
        limits: unlimited,
    })
    .unwrap();
    let inserted = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = Arc::clone(&inserted);
    let ingest = StoreIngest::new(store.clone()).with_observer(Arc::new(move |report| {
        counted.fetch_add(report.inserted, std::sync::atomic::Ordering::Relaxed);
    }));
    let config = PollerConfig {
        claim_limit: 2000,
        concurrency: 4,
        ..PollerConfig::default()
    };
    let poller = Poller::new(
        connector,
        StoreWork::new(store.clone()),
        ingest,
        Budget::new(unlimited, Duration::from_millis(10)),
        config,
    );
    let start = Instant::now();
    let mut rounds = 0;
    loop {
        let report = poller.run_once().await.unwrap();
        if report.claimed == 0 {
            break;
        }
        assert_eq!(report.failed, 0, "{report:?}");
        rounds += 1;
    }
    let polled = start.elapsed();
    assert_eq!(event_count(&store).await, events, "every event stored once");
    assert_eq!(inserted.load(std::sync::atomic::Ordering::Relaxed), events);

    // The same records, read back (not measured), stored directly in calls of the same size.
    let mut records: Vec<EventRecord> = Vec::with_capacity(events);
    let mut after: Option<ShipmentId> = None;
    loop {
        let page = store.timelines_page(after, 10_000).await.unwrap();
        let Some(last) = page.last() else { break };
        after = Some(last.shipment.id);
        for st in &page {
            for event in st.timeline.events() {
                records.extend(event.sources.iter().cloned());
            }
        }
    }
    assert_eq!(records.len(), events);
    store.close().await;
    let direct = SqliteStore::open(&direct_db).await.unwrap();
    let start = Instant::now();
    for chunk in records.chunks(BATCH * EVENTS_PER_NUMBER) {
        direct.ingest(chunk).await.unwrap();
    }
    let bare = start.elapsed();
    assert_eq!(event_count(&direct).await, events);
    direct.close().await;

    let rate = |d: Duration| events as f64 / d.as_secs_f64();
    println!(
        "poll_ingest (SQLite file): {numbers} numbers, {events} events, {BATCH} numbers per call, {rounds} rounds"
    );
    println!(
        "  routing to sources     : {:>9.0} numbers/s ({:.2} s, set-up)",
        numbers as f64 / routing.as_secs_f64(),
        routing.as_secs_f64()
    );
    println!(
        "  poller (HTTP fake, claim, fetch, parse, normalise, ingest, complete): {:>9.0} events/s ({:.2} s)",
        rate(polled),
        polled.as_secs_f64()
    );
    println!(
        "  bare Store::ingest of the same records, same call size:            {:>9.0} events/s ({:.2} s)",
        rate(bare),
        bare.as_secs_f64()
    );
    println!(
        "  ratio: the poller takes {:.2}x the bare ingest time",
        polled.as_secs_f64() / bare.as_secs_f64()
    );
    let _ = std::fs::remove_dir_all(&dir);
}
