//! One behaviour suite for the `Store` contract, run against SQLite and PostgreSQL.
//!
//! Each `async fn` below is generic over the trait; `engines!` instantiates every one of them
//! once per engine. PostgreSQL tests use `POSYLKA_TEST_POSTGRES_URL`, each in a fresh schema
//! (dropped afterwards), so they run in parallel and can be repeated. Without the variable
//! they print a loud SKIPPED line and pass - unless `CI=true`, where they fail.
#![allow(clippy::unwrap_used)]

use std::sync::atomic::{AtomicUsize, Ordering};

use jiff::Timestamp;
use posylka_core::milestone::{Milestone, Reason, Side};
use posylka_core::order::{Order, ProtectionExtension};
use posylka_core::shipment::{Leg, NewShipment, ShipmentId, TrackingNumber};
use posylka_core::store::{Store, StoreError};
use posylka_core::timeline::{EventRecord, SourceName};
use posylka_store::{PgStore, SqliteStore};

fn num(s: &str) -> TrackingNumber {
    TrackingNumber::parse(s).unwrap()
}

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn rec(number: &str, at: &str, milestone: Milestone, source: &str, text: &str) -> EventRecord {
    EventRecord {
        number: num(number),
        at: at.parse().unwrap(),
        source: SourceName::new(source).unwrap(),
        text: text.to_owned(),
        code: None,
        location: None,
        milestone,
        side: None,
        reason: None,
    }
}

async fn new_shipment(store: &impl Store, numbers: &[(&str, Leg)], at: &str) -> ShipmentId {
    let numbers = numbers.iter().map(|(n, leg)| (num(n), *leg)).collect();
    store
        .create_shipment(&NewShipment::new(numbers, ts(at)).unwrap())
        .await
        .unwrap()
}

async fn create_and_find(store: &impl Store) {
    let mut order = Order::new("aliexpress", "8191234567890123").unwrap();
    order.placed_at = Some("2024-04-28T21:15:00+08:00".parse().unwrap());
    order.price = Some("4.99 USD".parse().unwrap());
    order.protection_days = Some(60);
    order.protection_extensions = vec![ProtectionExtension {
        days: 15,
        granted_at: Some("2024-06-20T10:00:00+03:00".parse().unwrap()),
    }];
    order.destination.country = Some("RU".parse().unwrap());
    order.destination.postcode = Some("420111".into());
    order.seller_contacted_at = Some("2024-05-20T09:00:00+03:00".parse().unwrap());
    let new = NewShipment::new(
        vec![
            (num("LP00123456789012"), Leg::FirstMile),
            (num("RS123456789CN"), Leg::LastMile),
        ],
        ts("2024-05-01T00:00:00Z"),
    )
    .unwrap()
    .with_order(order.clone());
    let id = store.create_shipment(&new).await.unwrap();
    let other = new_shipment(
        store,
        &[("EE000000001CN", Leg::Through)],
        "2024-05-02T00:00:00Z",
    )
    .await;
    assert_ne!(id, other);

    let got = store.shipment(id).await.unwrap().unwrap();
    assert_eq!(got.order.as_ref(), Some(&order));
    let numbers: Vec<(&str, Leg)> = got
        .numbers
        .iter()
        .map(|l| (l.number.as_str(), l.leg))
        .collect();
    assert_eq!(
        numbers,
        [
            ("LP00123456789012", Leg::FirstMile),
            ("RS123456789CN", Leg::LastMile)
        ]
    );
    assert_eq!(got.status, None);
    assert_eq!(got.event_count, 0);

    let by_number = store.find_by_number(&num("rs 123456789 cn")).await.unwrap();
    assert_eq!(by_number.iter().map(|s| s.id).collect::<Vec<_>>(), [id]);
    assert!(
        store
            .find_by_number(&num("XX999999999CN"))
            .await
            .unwrap()
            .is_empty()
    );
    let listed: Vec<ShipmentId> = store
        .list_shipments()
        .await
        .unwrap()
        .iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(listed, [id, other]);
    assert!(
        store
            .shipment(ShipmentId::new(999_999).unwrap())
            .await
            .unwrap()
            .is_none()
    );
}

async fn ingest_builds_timeline_and_status(store: &impl Store) {
    let id = new_shipment(
        store,
        &[("RS123456789CN", Leg::Through)],
        "2024-05-01T00:00:00Z",
    )
    .await;
    let mut customs = rec(
        "RS123456789CN",
        "2024-05-10T08:00:00+03:00",
        Milestone::CustomsClearance,
        "russianpost",
        "Таможенное оформление",
    );
    customs.code = Some("14".into());
    customs.side = Some(Side::Import);
    customs.location = Some("Москва".into());
    let batch = vec![
        rec(
            "RS123456789CN",
            "2024-05-02T10:00:00+08:00",
            Milestone::PickedUp,
            "cainiao",
            "Accepted by carrier",
        ),
        customs.clone(),
        rec(
            "RS123456789CN",
            "2024-05-05T01:00:00+08:00",
            Milestone::DepartedOriginCountry,
            "cainiao",
            "Departed from country of origin",
        ),
    ];
    let report = store.ingest(&batch).await.unwrap();
    assert_eq!(
        (
            report.received,
            report.inserted,
            report.duplicates,
            report.shipments_changed
        ),
        (3, 3, 0, 1)
    );

    let st = store.shipment_timeline(id).await.unwrap().unwrap();
    let milestones: Vec<Milestone> = st.timeline.events().iter().map(|e| e.milestone).collect();
    assert_eq!(
        milestones,
        [
            Milestone::PickedUp,
            Milestone::DepartedOriginCountry,
            Milestone::CustomsClearance
        ]
    );
    let last = &st.timeline.events()[2];
    assert_eq!(last.sources, [customs.clone()]);
    // The original offset survives the round trip.
    assert_eq!(last.at.to_string(), "2024-05-10T08:00:00+03:00");
    let status = st.shipment.status.unwrap();
    assert_eq!(
        (status.milestone, status.side),
        (Milestone::CustomsClearance, Some(Side::Import))
    );
    assert_eq!(st.shipment.event_count, 3);
    // The list shows the same cached status.
    let listed = store.list_shipments().await.unwrap();
    assert_eq!(listed[0].status, Some(status));
}

async fn ingest_is_idempotent(store: &impl Store) {
    let id = new_shipment(
        store,
        &[("RS123456789CN", Leg::Through)],
        "2024-05-01T00:00:00Z",
    )
    .await;
    let batch: Vec<EventRecord> = (0..50)
        .map(|i| {
            rec(
                "RS123456789CN",
                &format!("2024-05-02T{:02}:{:02}:00Z", i / 60, i % 60),
                Milestone::InTransit,
                "cainiao",
                &format!("scan {i}"),
            )
        })
        .collect();
    let first = store.ingest(&batch).await.unwrap();
    assert_eq!((first.inserted, first.duplicates), (50, 0));
    let before = store.shipment_timeline(id).await.unwrap().unwrap();
    let second = store.ingest(&batch).await.unwrap();
    assert_eq!(
        (second.inserted, second.duplicates, second.shipments_changed),
        (0, 50, 0)
    );
    // Repeats inside one batch count as duplicates too.
    let mut doubled = batch[..3].to_vec();
    doubled.extend_from_slice(&batch[..3]);
    let third = store.ingest(&doubled).await.unwrap();
    assert_eq!((third.inserted, third.duplicates), (0, 6));
    assert_eq!(store.shipment_timeline(id).await.unwrap().unwrap(), before);
    assert_eq!(before.shipment.event_count, 50);
}

async fn same_event_from_two_sources_is_merged(store: &impl Store) {
    let id = new_shipment(
        store,
        &[("RS123456789CN", Leg::Through)],
        "2024-05-01T00:00:00Z",
    )
    .await;
    let mut post = rec(
        "RS123456789CN",
        "2024-05-20T12:30:00+03:00",
        Milestone::Delivered,
        "russianpost",
        "Вручение адресату",
    );
    post.code = Some("2.1".into());
    let mut tracker = rec(
        "RS123456789CN",
        "2024-05-20T17:30:00+08:00",
        Milestone::Delivered,
        "17track",
        "Delivered",
    );
    tracker.code = Some("Delivered_Other".into());
    store.ingest(&[post.clone()]).await.unwrap();
    let report = store.ingest(&[tracker.clone()]).await.unwrap();
    assert_eq!(report.inserted, 1, "a second source's report is kept");
    let st = store.shipment_timeline(id).await.unwrap().unwrap();
    assert_eq!(st.timeline.len(), 1);
    let mut codes: Vec<Option<&str>> = st.timeline.events()[0]
        .sources
        .iter()
        .map(|r| r.code.as_deref())
        .collect();
    codes.sort_unstable();
    assert_eq!(codes, [Some("2.1"), Some("Delivered_Other")]);
    assert_eq!(st.shipment.event_count, 2);
}

async fn out_of_order_ingest_keeps_terminal_status(store: &impl Store) {
    let a = new_shipment(
        store,
        &[("RS111111111CN", Leg::Through)],
        "2024-05-01T00:00:00Z",
    )
    .await;
    let b = new_shipment(
        store,
        &[("RS222222222CN", Leg::Through)],
        "2024-05-01T00:00:00Z",
    )
    .await;
    let events = |n: &str| {
        vec![
            rec(
                n,
                "2024-05-02T00:00:00Z",
                Milestone::PickedUp,
                "s",
                "accepted",
            ),
            rec(
                n,
                "2024-05-20T00:00:00Z",
                Milestone::Delivered,
                "s",
                "delivered",
            ),
            // A stale scan reported with a later time than the delivery.
            rec(
                n,
                "2024-05-21T00:00:00Z",
                Milestone::InTransit,
                "t",
                "arrived at hub",
            ),
            rec(
                n,
                "2024-05-10T00:00:00Z",
                Milestone::ArrivedDestinationCountry,
                "s",
                "arrived",
            ),
        ]
    };
    // One shipment gets its events newest first, one at a time; the other in one batch.
    for e in events("RS111111111CN").into_iter().rev() {
        store.ingest(&[e]).await.unwrap();
    }
    store.ingest(&events("RS222222222CN")).await.unwrap();
    let ta = store.shipment_timeline(a).await.unwrap().unwrap();
    let tb = store.shipment_timeline(b).await.unwrap().unwrap();
    let shape = |t: &posylka_core::store::ShipmentTimeline| {
        t.timeline
            .events()
            .iter()
            .map(|e| (e.at, e.milestone))
            .collect::<Vec<_>>()
    };
    assert_eq!(shape(&ta), shape(&tb));
    for t in [&ta, &tb] {
        assert_eq!(t.shipment.status.unwrap().milestone, Milestone::Delivered);
    }
    // A later return after "delivered" is shown.
    let mut back = rec(
        "RS111111111CN",
        "2024-05-25T00:00:00Z",
        Milestone::ReturningToSender,
        "s",
        "Возврат",
    );
    back.reason = Some(Reason::Refused);
    store.ingest(&[back]).await.unwrap();
    let status = store.shipment(a).await.unwrap().unwrap().status.unwrap();
    assert_eq!(
        (status.milestone, status.reason),
        (Milestone::ReturningToSender, Some(Reason::Refused))
    );
}

async fn unknown_number_rejects_the_whole_batch(store: &impl Store) {
    let id = new_shipment(
        store,
        &[("RS123456789CN", Leg::Through)],
        "2024-05-01T00:00:00Z",
    )
    .await;
    let batch = vec![
        rec(
            "RS123456789CN",
            "2024-05-02T00:00:00Z",
            Milestone::PickedUp,
            "s",
            "ok",
        ),
        rec(
            "LK000000000CN",
            "2024-05-02T00:00:00Z",
            Milestone::PickedUp,
            "s",
            "orphan",
        ),
    ];
    let err = store.ingest(&batch).await.unwrap_err();
    assert!(
        matches!(err, StoreError::UnknownNumber { index: 1, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("LK000000000CN"), "{err}");
    let st = store.shipment_timeline(id).await.unwrap().unwrap();
    assert!(st.timeline.is_empty());
    assert_eq!(st.shipment.event_count, 0);
    assert!(store.ingest(&[]).await.unwrap().received == 0);
}

async fn numbers_linked_later_and_reused(store: &impl Store) {
    let id = new_shipment(
        store,
        &[("LP00123456789012", Leg::FirstMile)],
        "2024-05-01T00:00:00Z",
    )
    .await;
    store
        .ingest(&[rec(
            "LP00123456789012",
            "2024-05-02T00:00:00Z",
            Milestone::PickedUp,
            "cainiao",
            "picked up",
        )])
        .await
        .unwrap();
    // The last-mile number is handed over later.
    store
        .link_number(
            id,
            &num("RS123456789CN"),
            Leg::LastMile,
            ts("2024-05-12T00:00:00Z"),
        )
        .await
        .unwrap();
    store
        .ingest(&[rec(
            "RS123456789CN",
            "2024-05-15T00:00:00Z",
            Milestone::ArrivedDestinationCountry,
            "russianpost",
            "arrived",
        )])
        .await
        .unwrap();
    let st = store.shipment_timeline(id).await.unwrap().unwrap();
    assert_eq!(st.timeline.len(), 2);
    assert_eq!(st.shipment.numbers.len(), 2);

    let again = store
        .link_number(
            id,
            &num("RS123456789CN"),
            Leg::LastMile,
            ts("2024-05-13T00:00:00Z"),
        )
        .await;
    assert!(
        matches!(again, Err(StoreError::AlreadyLinked { .. })),
        "{again:?}"
    );
    // Another shipment may not take the number within 12 months...
    let taken = store
        .create_shipment(
            &NewShipment::new(
                vec![(num("RS123456789CN"), Leg::Through)],
                ts("2025-01-01T00:00:00Z"),
            )
            .unwrap(),
        )
        .await;
    match taken {
        Err(StoreError::NumberInUse { shipment, .. }) => assert_eq!(shipment, id),
        other => panic!("expected NumberInUse, got {other:?}"),
    }
    let missing = store
        .link_number(
            ShipmentId::new(999_999).unwrap(),
            &num("EE1234567890"),
            Leg::Through,
            ts("2024-05-01T00:00:00Z"),
        )
        .await;
    assert!(
        matches!(missing, Err(StoreError::ShipmentNotFound(_))),
        "{missing:?}"
    );
    // ...but may after 12 months, and then events split by time.
    let reused = new_shipment(
        store,
        &[("RS123456789CN", Leg::Through)],
        "2025-06-01T00:00:00Z",
    )
    .await;
    store
        .ingest(&[
            rec(
                "RS123456789CN",
                "2024-05-16T00:00:00Z",
                Milestone::CustomsCleared,
                "russianpost",
                "old parcel",
            ),
            rec(
                "RS123456789CN",
                "2025-05-20T00:00:00Z",
                Milestone::PickedUp,
                "russianpost",
                "new parcel",
            ),
        ])
        .await
        .unwrap();
    let old = store.shipment_timeline(id).await.unwrap().unwrap();
    let new = store.shipment_timeline(reused).await.unwrap().unwrap();
    assert_eq!(old.timeline.len(), 3);
    assert_eq!(
        old.shipment.status.unwrap().milestone,
        Milestone::CustomsCleared
    );
    assert_eq!(new.timeline.len(), 1);
    assert_eq!(new.timeline.events()[0].sources[0].text, "new parcel");
    let found: Vec<ShipmentId> = store
        .find_by_number(&num("RS123456789CN"))
        .await
        .unwrap()
        .iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(found, [reused, id], "newest link first");
}

async fn order_can_be_replaced_and_removed(store: &impl Store) {
    let id = new_shipment(
        store,
        &[("RS123456789CN", Leg::Through)],
        "2024-05-01T00:00:00Z",
    )
    .await;
    let mut order = Order::new("aliexpress", "1").unwrap();
    order.protection_extensions = vec![ProtectionExtension {
        days: 30,
        granted_at: None,
    }];
    store.set_order(id, Some(&order)).await.unwrap();
    order.protection_extensions.clear();
    order.dispute_opened_at = Some("2024-07-01T12:00:00+03:00".parse().unwrap());
    store.set_order(id, Some(&order)).await.unwrap();
    assert_eq!(
        store.shipment(id).await.unwrap().unwrap().order,
        Some(order)
    );
    store.set_order(id, None).await.unwrap();
    assert_eq!(store.shipment(id).await.unwrap().unwrap().order, None);
    let missing = store
        .set_order(ShipmentId::new(999_999).unwrap(), None)
        .await;
    assert!(
        matches!(missing, Err(StoreError::ShipmentNotFound(_))),
        "{missing:?}"
    );
}

async fn concurrent_ingests_keep_status_consistent(store: &(impl Store + Clone + 'static)) {
    let id = new_shipment(
        store,
        &[("RS123456789CN", Leg::Through)],
        "2024-05-01T00:00:00Z",
    )
    .await;
    let mut tasks = Vec::new();
    for i in 0..8u32 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let batch: Vec<EventRecord> = (0..20u32)
                .map(|j| {
                    rec(
                        "RS123456789CN",
                        &format!("2024-05-{:02}T{:02}:00:00Z", 2 + i, j),
                        Milestone::InTransit,
                        "s",
                        &format!("{i}/{j}"),
                    )
                })
                .collect();
            store.ingest(&batch).await.unwrap()
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap().inserted, 20);
    }
    let st = store.shipment_timeline(id).await.unwrap().unwrap();
    assert_eq!(st.shipment.event_count, 160);
    assert_eq!(
        st.shipment.status,
        st.timeline.status(),
        "cached status matches the timeline"
    );
    assert_eq!(
        st.shipment.status.unwrap().at.to_string(),
        "2024-05-09T19:00:00+00:00"
    );
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

async fn sqlite_store() -> (SqliteStore, std::path::PathBuf) {
    let dir = std::env::temp_dir().join("posylka-store-tests");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!(
        "t-{}-{}-{}.db",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        Timestamp::now().as_nanosecond()
    ));
    (SqliteStore::open(&path).await.unwrap(), path)
}

/// A store in a fresh schema, or `None` (after a loud notice) when no server is configured.
async fn pg_store() -> Option<(PgStore, String, String)> {
    let Ok(url) = std::env::var("POSYLKA_TEST_POSTGRES_URL") else {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("POSYLKA_TEST_POSTGRES_URL must be set when CI=true");
        }
        // Written to the stderr handle directly: the test harness captures `eprintln!`.
        let _ = std::io::Write::write_all(
            &mut std::io::stderr(),
            b"SKIPPED: POSYLKA_TEST_POSTGRES_URL not set\n",
        );
        return None;
    };
    let schema = format!(
        "posylka_test_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        Timestamp::now().as_nanosecond() % 1_000_000_000
    );
    let store = PgStore::connect_in_schema(&url, &schema).await.unwrap();
    Some((store, url, schema))
}

async fn drop_schema(store: PgStore, schema: &str) {
    store.close().await;
    let url = std::env::var("POSYLKA_TEST_POSTGRES_URL").unwrap();
    let pool = sqlx::PgPool::connect(&url).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
}

macro_rules! engines {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let (store, path) = super::sqlite_store().await;
                    super::$name(&store).await;
                    store.close().await;
                    std::fs::remove_file(&path).unwrap();
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some((store, _url, schema)) = super::pg_store().await else { return };
                    super::$name(&store).await;
                    super::drop_schema(store, &schema).await;
                }
            )*
        }
    };
}

engines!(
    create_and_find,
    ingest_builds_timeline_and_status,
    ingest_is_idempotent,
    same_event_from_two_sources_is_merged,
    out_of_order_ingest_keeps_terminal_status,
    unknown_number_rejects_the_whole_batch,
    numbers_linked_later_and_reused,
    order_can_be_replaced_and_removed,
    concurrent_ingests_keep_status_consistent,
);
