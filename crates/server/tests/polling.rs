//! Polling inside the server, in process: a stop does not wait for a source that hangs (the
//! round is cut short and its lease left to expire, so nothing is lost), and polled events of a
//! number whose shipment was deleted meanwhile do not hold back the rest.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use jiff::Timestamp;
use posylka_core::milestone::Milestone;
use posylka_core::shipment::{Leg, NewShipment, TrackingNumber};
use posylka_core::timeline::{EventRecord, SourceName};
use posylka_server::Server;
use posylka_server::config::Config;
use posylka_sources::config::SourcesConfig;
use posylka_sources::memory::StoreIngest;
use posylka_sources::poller::Ingest;
use posylka_store::{PollStore, SqliteStore, Store};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn num(s: &str) -> TrackingNumber {
    TrackingNumber::parse(s).unwrap()
}

fn temp_db(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join("posylka-server-polling-tests");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{name}-{}.db", std::process::id()));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopping_does_not_wait_for_a_hanging_source_and_loses_nothing() {
    let path = temp_db("hanging");
    let store = SqliteStore::open(&path).await.unwrap();
    let number = num("RA123456785CN");
    store
        .create_shipment(
            &NewShipment::new(vec![(number.clone(), Leg::Through)], Timestamp::now()).unwrap(),
        )
        .await
        .unwrap();
    store.close().await;

    // A 17TRACK that takes a minute to answer.
    let fake = MockServer::start().await;
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&calls);
    Mock::given(wiremock::matchers::method("POST"))
        .respond_with(move |_: &wiremock::Request| {
            seen.fetch_add(1, Ordering::SeqCst);
            ResponseTemplate::new(503).set_delay(Duration::from_secs(60))
        })
        .mount(&fake)
        .await;
    let env = [
        ("POSYLKA_17TRACK_TOKEN", "token".to_owned()),
        ("POSYLKA_17TRACK_URL", format!("{}/track/v2.2", fake.uri())),
        ("POSYLKA_CAINIAO_ENABLED", "false".to_owned()),
        ("POSYLKA_SOURCE_TIMEOUT_SECS", "120".to_owned()),
        ("POSYLKA_POLL_IDLE", "100ms".to_owned()),
    ];
    let sources = SourcesConfig::from_lookup(|k| {
        env.iter()
            .find(|(name, _)| *name == k)
            .map(|(_, v)| v.clone())
    })
    .unwrap();
    let config = Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        database_url: Some(path.display().to_string()),
        ..Config::default()
    };
    let server = Server::start_with_sources(config, Some(sources))
        .await
        .unwrap();
    let health = server.state().polling().unwrap().health();
    assert_eq!(health.len(), 1);
    assert_eq!(health[0].name, "17track");
    let deadline = Instant::now() + Duration::from_secs(20);
    while calls.load(Ordering::SeqCst) == 0 {
        assert!(Instant::now() < deadline, "the new number was never polled");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    let stopping = Instant::now();
    server.stop().await.unwrap();
    assert!(
        stopping.elapsed() < Duration::from_secs(15),
        "stop waited {:?} for a hanging source",
        stopping.elapsed()
    );
    // The claim cut short is still leased, and due again when its lease ends.
    let store = SqliteStore::open(&path).await.unwrap();
    let entries = store.poll_entries(&number).await.unwrap();
    assert_eq!(entries.len(), 1);
    assert!(entries[0].leased, "{entries:?}");
    let due = entries[0].next_poll_at.unwrap();
    assert!(due > Timestamp::now(), "{entries:?}");
    assert!(
        due <= Timestamp::now() + Duration::from_secs(10 * 60 + 5),
        "{entries:?}"
    );
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn polled_events_of_a_deleted_shipment_do_not_hold_back_the_rest() {
    let store = SqliteStore::in_memory().await.unwrap();
    let (kept, gone) = (num("RA123456785CN"), num("RB123456785CN"));
    let now = Timestamp::now();
    let kept_id = store
        .create_shipment(&NewShipment::new(vec![(kept.clone(), Leg::Through)], now).unwrap())
        .await
        .unwrap();
    let gone_id = store
        .create_shipment(&NewShipment::new(vec![(gone.clone(), Leg::Through)], now).unwrap())
        .await
        .unwrap();
    store.delete_shipment(gone_id).await.unwrap();
    let record = |number: &TrackingNumber| EventRecord {
        number: number.clone(),
        at: "2024-05-01T10:00:00+08:00".parse().unwrap(),
        source: SourceName::new("17track").unwrap(),
        text: "Accepted".into(),
        code: None,
        location: None,
        country: None,
        milestone: Milestone::PickedUp,
        side: None,
        reason: None,
    };
    let inserted = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&inserted);
    let ingest = StoreIngest::new(store.clone()).with_observer(Arc::new(move |report| {
        counted.fetch_add(report.inserted, Ordering::SeqCst);
    }));
    ingest
        .ingest(vec![record(&gone), record(&kept)], Vec::new())
        .await
        .unwrap();
    assert_eq!(inserted.load(Ordering::SeqCst), 1);
    let st = store.shipment_timeline(kept_id).await.unwrap().unwrap();
    assert_eq!(st.shipment.event_count, 1);
}
