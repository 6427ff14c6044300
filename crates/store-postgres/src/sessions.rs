//! Web sessions (`migrations/20250101000004_web_sessions.sql`).

use jiff::Timestamp;
use posylka_core::account::TokenHash;
use posylka_core::session::{NewSession, Session, SessionStore};
use posylka_core::store::StoreError;
use posylka_core::store::rows;
use sqlx::postgres::PgRow;

use crate::{PgStore, backend, get};

/// Columns: user id, name, created; session created, expires, time zone.
fn session_row(row: &PgRow) -> Result<Session, StoreError> {
    let name: String = get(row, 1)?;
    Ok(Session {
        user: rows::user(get(row, 0)?, &name, get(row, 2)?)?,
        created_at: rows::timestamp("web_sessions.created_at_us", get(row, 3)?)?,
        expires_at: rows::timestamp("web_sessions.expires_at_us", get(row, 4)?)?,
        time_zone: get(row, 5)?,
    })
}

impl SessionStore for PgStore {
    async fn create_session(&self, new: &NewSession) -> Result<(), StoreError> {
        let mut tx = self.pool().begin().await.map_err(backend)?;
        let known = sqlx::query("SELECT 1 FROM users WHERE id = $1")
            .bind(new.user.get())
            .fetch_optional(&mut *tx)
            .await
            .map_err(backend)?;
        if known.is_none() {
            return Err(StoreError::UserNotFound(new.user));
        }
        sqlx::query(
            "INSERT INTO web_sessions \
             (secret_sha256, user_id, created_at_us, expires_at_us, time_zone) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&new.hash.0[..])
        .bind(new.user.get())
        .bind(new.created_at.as_microsecond())
        .bind(new.expires_at.as_microsecond())
        .bind(new.time_zone.as_deref())
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
        tx.commit().await.map_err(backend)
    }

    async fn session(
        &self,
        hash: &TokenHash,
        now: Timestamp,
    ) -> Result<Option<Session>, StoreError> {
        let row = sqlx::query(
            "SELECT u.id, u.name, u.created_at_us, s.created_at_us, s.expires_at_us, s.time_zone \
             FROM web_sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.secret_sha256 = $1 AND s.expires_at_us > $2",
        )
        .bind(&hash.0[..])
        .bind(now.as_microsecond())
        .fetch_optional(self.pool())
        .await
        .map_err(backend)?;
        row.map(|row| session_row(&row)).transpose()
    }

    async fn delete_session(&self, hash: &TokenHash) -> Result<bool, StoreError> {
        let mut tx = self.pool().begin().await.map_err(backend)?;
        let done = sqlx::query("DELETE FROM web_sessions WHERE secret_sha256 = $1")
            .bind(&hash.0[..])
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        tx.commit().await.map_err(backend)?;
        Ok(done.rows_affected() > 0)
    }

    async fn delete_expired_sessions(&self, now: Timestamp) -> Result<u64, StoreError> {
        let mut tx = self.pool().begin().await.map_err(backend)?;
        let done = sqlx::query("DELETE FROM web_sessions WHERE expires_at_us <= $1")
            .bind(now.as_microsecond())
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        tx.commit().await.map_err(backend)?;
        Ok(done.rows_affected())
    }
}
