//! Fresh databases for a test: a new SQLite file, or a new schema in the PostgreSQL database
//! named by `POSYLKA_TEST_POSTGRES_URL`.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use jiff::Timestamp;

use super::in_ci;

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A path for a new SQLite file in the temp directory's folder `dir` (created if need be),
/// unique to this process and call.
pub fn sqlite_path(dir: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(format!(
        "t-{}-{}-{}.db",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        Timestamp::now().as_nanosecond()
    ))
}

/// A schema name starting with `prefix`, unique to this process and call.
pub fn unique_schema(prefix: &str) -> String {
    format!(
        "{prefix}_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        Timestamp::now().as_nanosecond() % 1_000_000_000
    )
}

/// `POSYLKA_TEST_POSTGRES_URL`; without it, `None` after saying that `what` is skipped,
/// unless `CI=true`: there it fails.
pub fn postgres_url(what: &str) -> Option<String> {
    let Ok(url) = std::env::var("POSYLKA_TEST_POSTGRES_URL") else {
        assert!(
            !in_ci(),
            "POSYLKA_TEST_POSTGRES_URL must be set when CI=true"
        );
        // Written past the test harness's capture, so that a skip is seen.
        let _ = std::io::Write::write_all(
            &mut std::io::stderr(),
            format!("SKIPPED: {what}: POSYLKA_TEST_POSTGRES_URL not set\n").as_bytes(),
        );
        return None;
    };
    Some(url)
}

/// Drops a test's schema and everything in it.
pub async fn drop_schema(url: &str, schema: &str) {
    let pool = sqlx::PgPool::connect(url).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
}
