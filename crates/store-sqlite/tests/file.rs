//! SQLite-specific behaviour: the file is created and migrated on first open, uses WAL, and
//! keeps what was acknowledged across a reopen. The engine-neutral contract is tested in
//! `crates/store/tests/suite.rs` against both engines.
#![allow(clippy::unwrap_used)]

use posylka_core::shipment::{Leg, NewShipment, TrackingNumber};
use posylka_core::store::Store;
use posylka_store_sqlite::SqliteStore;
use sqlx::Row;

#[tokio::test]
async fn file_is_created_migrated_and_durable() {
    let dir = std::env::temp_dir().join(format!("posylka-sqlite-file-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("nested-name.db");
    let _ = std::fs::remove_file(&path);

    let store = SqliteStore::open(&path).await.unwrap();
    assert!(path.exists(), "created on first open");
    let mode: String = sqlx::query("PRAGMA journal_mode")
        .fetch_one(store.pool())
        .await
        .unwrap()
        .get(0);
    assert_eq!(mode, "wal");
    let fk: i64 = sqlx::query("PRAGMA foreign_keys")
        .fetch_one(store.pool())
        .await
        .unwrap()
        .get(0);
    assert_eq!(fk, 1);
    let number = TrackingNumber::parse("RS123456789CN").unwrap();
    let new =
        NewShipment::new(vec![(number.clone(), Leg::Through)], jiff::Timestamp::now()).unwrap();
    let id = store.create_shipment(&new).await.unwrap();
    store.close().await;

    // Reopening runs the migrations again (a no-op) and finds the acknowledged shipment.
    let url = format!("sqlite://{}", path.display());
    let reopened = SqliteStore::open_url(&url).await.unwrap();
    let found = reopened.find_by_number(&number).await.unwrap();
    assert_eq!(found.iter().map(|s| s.id).collect::<Vec<_>>(), [id]);
    let applied: i64 = sqlx::query("SELECT count(*) FROM _sqlx_migrations")
        .fetch_one(reopened.pool())
        .await
        .unwrap()
        .get(0);
    // Every embedded migration applied once, none twice.
    let embedded = posylka_store_sqlite::MIGRATOR.iter().count();
    assert_eq!(usize::try_from(applied).unwrap(), embedded);
    reopened.close().await;
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn bad_url_is_a_clear_error() {
    let err = SqliteStore::open_url("postgres://x/y").await.unwrap_err();
    assert!(err.to_string().contains("not a sqlite: URL"), "{err}");
    let mem = SqliteStore::open_url("sqlite::memory:").await.unwrap();
    assert!(mem.list_shipments().await.unwrap().is_empty());
}
