//! Migrations carry stored data forward: a store written by an older schema reads the same
//! after it is opened by this one.
#![allow(clippy::unwrap_used)]

use posylka_core::event_time::EventTime;
use posylka_core::milestone::{Milestone, Reason, Side};
use posylka_core::shipment::{ShipmentId, TrackingNumber};
use posylka_core::store::Store;
use posylka_core::store::rows::EventRow;
use posylka_core::timeline::{EventRecord, SourceName};
use posylka_store_sqlite::{MIGRATOR, SqliteStore};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};

/// The last schema that kept an event's fields in columns.
const BEFORE_EVENT_RECORDS: i64 = 20250101000007;

fn records(number: &TrackingNumber) -> Vec<EventRecord> {
    let at = |micros: i64, offset: i32| EventTime::from_storage(micros, offset).unwrap();
    let base = EventRecord {
        number: number.clone(),
        at: at(1_748_000_000_000_000, 28_800),
        source: SourceName::new("cainiao").unwrap(),
        text: "航班起飞".into(),
        code: Some("LH_DEPART".into()),
        location: Some("上海国际邮件互换局".into()),
        country: Some("CN".parse().unwrap()),
        milestone: Milestone::DepartedOriginCountry,
        side: None,
        reason: None,
    };
    vec![
        base.clone(),
        // Every optional field absent; quotes, a backslash and a control character to escape.
        EventRecord {
            at: at(1_748_100_000_000_000, 0),
            source: SourceName::new("import").unwrap(),
            text: "Held: \"address\" \\ unclear\u{1}".into(),
            code: None,
            location: None,
            country: None,
            milestone: Milestone::Exception,
            reason: Some(Reason::AddressIssue),
            ..base.clone()
        },
        EventRecord {
            at: at(1_748_200_000_000_000, 10_800),
            source: SourceName::new("russian-post").unwrap(),
            text: "Выпущено таможней".into(),
            code: Some("3.1".into()),
            location: Some("Москва 140981".into()),
            country: Some("RU".parse().unwrap()),
            milestone: Milestone::CustomsCleared,
            side: Some(Side::Import),
            ..base
        },
    ]
}

#[tokio::test]
async fn events_stored_in_columns_read_the_same_as_records() {
    let dir = std::env::temp_dir().join(format!("posylka-sqlite-migration-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("old.db");
    let _ = std::fs::remove_file(&path);
    let number = TrackingNumber::parse("LP00302547898284").unwrap();
    let records = records(&number);

    // A store as the older schema wrote it, events in columns.
    let options = SqliteConnectOptions::new()
        .filename(&path)
        .create_if_missing(true)
        .foreign_keys(true);
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .unwrap();
    MIGRATOR.run_to(BEFORE_EVENT_RECORDS, &pool).await.unwrap();
    sqlx::query("INSERT INTO shipments (id, created_at_us) VALUES (7, 1747000000000000)")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO shipment_numbers (shipment_id, number, leg, linked_at_us) \
         VALUES (7, ?, 'through', 1747000000000000)",
    )
    .bind(number.as_str())
    .execute(&pool)
    .await
    .unwrap();
    let id = ShipmentId::new(7).unwrap();
    for r in records.iter().map(|r| EventRow::new(id, r)) {
        sqlx::query(
            "INSERT INTO events (shipment_id, fingerprint, number, at_us, offset_s, source, \
             text, code, location, country, milestone, side, reason) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(r.shipment_id)
        .bind(r.fingerprint)
        .bind(r.number)
        .bind(r.at_us)
        .bind(r.offset_s)
        .bind(r.source)
        .bind(r.text)
        .bind(r.code)
        .bind(r.location)
        .bind(r.country)
        .bind(r.milestone)
        .bind(r.side)
        .bind(r.reason)
        .execute(&pool)
        .await
        .unwrap();
    }
    pool.close().await;

    // Opened by this version: migrated, every field of every record read back.
    let store = SqliteStore::open(&path).await.unwrap();
    let read = store.shipment_timeline(id).await.unwrap().unwrap();
    let mut stored: Vec<EventRecord> = read
        .timeline
        .events()
        .iter()
        .flat_map(|e| e.sources.iter().cloned())
        .collect();
    stored.sort_by_key(|r| r.at.instant());
    assert_eq!(stored, records);
    let page = store.timelines_page(None, 10).await.unwrap();
    assert_eq!(page.len(), 1);
    assert_eq!(page[0].timeline, read.timeline);

    // The keys survived: the same records again are duplicates, a new one is stored.
    let again = store.ingest(&records).await.unwrap();
    assert_eq!((again.inserted, again.duplicates), (0, records.len()));
    let mut later = records[2].clone();
    later.at = EventTime::from_storage(1_748_300_000_000_000, 10_800).unwrap();
    later.milestone = Milestone::Delivered;
    later.side = None;
    let fresh = store.ingest(&[later]).await.unwrap();
    assert_eq!(fresh.inserted, 1);
    let status = store.shipment(id).await.unwrap().unwrap().status.unwrap();
    assert_eq!(status.milestone, Milestone::Delivered);
    store.close().await;
    std::fs::remove_dir_all(&dir).unwrap();
}
