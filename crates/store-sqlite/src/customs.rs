//! The customs desk's tables (`migrations/20250101000007_customs.sql`).
//!
//! Claims are one `UPDATE ... RETURNING` inside a `BEGIN IMMEDIATE` transaction: SQLite has
//! one writer at a time, so two schedulers can never lease the same parcel.

use jiff::Timestamp;
use posylka_core::account::UserId;
use posylka_core::store::StoreError;
use posylka_core::store::customs::{
    AuditEntry, BatchId, BatchSummary, CustomsParcel, CustomsParcelId, CustomsStore,
    DestructionRecord, NewBatch,
};
use posylka_core::store::rows::customs::{
    PARCEL_COLUMNS as COLS, audit_entry, batch as batch_summary, destruction, micros as us, parcel,
    sealed_columns as parts,
};
use posylka_core::store::rows::limit;
use sqlx::Row as _;

use crate::{Cols, SqliteStore as DbStore, backend};

/// SQLite takes `?` placeholders as written.
// Only constant text and [`COLS`] go through it: no value is ever spliced into SQL.
fn sql(text: &str) -> sqlx::AssertSqlSafe<String> {
    sqlx::AssertSqlSafe(text.to_owned())
}

impl CustomsStore for DbStore {
    async fn set_operator(
        &self,
        user: UserId,
        operator: bool,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let query = if operator {
            sqlx::query(sql(
                "INSERT INTO customs_operators (user_id, added_at_us) VALUES (?, ?) \
                 ON CONFLICT (user_id) DO NOTHING",
            ))
            .bind(user.get())
            .bind(now.as_microsecond())
        } else {
            sqlx::query(sql("DELETE FROM customs_operators WHERE user_id = ?")).bind(user.get())
        };
        query.execute(self.pool()).await.map_err(backend)?;
        Ok(())
    }

    async fn is_operator(&self, user: UserId) -> Result<bool, StoreError> {
        let found = sqlx::query(sql("SELECT 1 FROM customs_operators WHERE user_id = ?"))
            .bind(user.get())
            .fetch_optional(self.pool())
            .await
            .map_err(backend)?;
        Ok(found.is_some())
    }

    async fn import_batch(&self, batch: &NewBatch) -> Result<BatchId, StoreError> {
        let mut tx = self.pool().begin().await.map_err(backend)?;
        let row = sqlx::query(sql(
            "INSERT INTO customs_batches (name, created_by, created_at_us) VALUES (?, ?, ?) \
             RETURNING id",
        ))
        .bind(&batch.name)
        .bind(batch.created_by.get())
        .bind(batch.created_at.as_microsecond())
        .fetch_one(&mut *tx)
        .await
        .map_err(backend)?;
        let id: i64 = row.try_get(0).map_err(backend)?;
        for p in &batch.parcels {
            sqlx::query(sql(
                "INSERT INTO customs_parcels (batch_id, record_key, tracking_number, goods, \
                 created_at_us, state, contact_key_id, contact_wrapped, contact_ct) \
                 VALUES (?, ?, ?, ?, ?, 'imported', ?, ?, ?)",
            ))
            .bind(id)
            .bind(&p.record_key)
            .bind(p.tracking_number.as_str())
            .bind(&p.goods)
            .bind(batch.created_at.as_microsecond())
            .bind(&p.contact.key_id)
            .bind(&p.contact.wrapped_key)
            .bind(&p.contact.ciphertext)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        }
        tx.commit().await.map_err(backend)?;
        Ok(BatchId(id))
    }

    async fn batches(&self) -> Result<Vec<BatchSummary>, StoreError> {
        let found = sqlx::query(sql("SELECT b.id, b.name, b.created_by, b.created_at_us, \
             (SELECT COUNT(*) FROM customs_parcels p WHERE p.batch_id = b.id) \
             FROM customs_batches b ORDER BY b.id DESC"))
        .fetch_all(self.pool())
        .await
        .map_err(backend)?;
        found.iter().map(|row| batch_summary(&Cols(row))).collect()
    }

    async fn customs_parcels(&self, batch: BatchId) -> Result<Vec<CustomsParcel>, StoreError> {
        let found = sqlx::query(sql(&format!(
            "SELECT {COLS} FROM customs_parcels WHERE batch_id = ? ORDER BY id"
        )))
        .bind(batch.0)
        .fetch_all(self.pool())
        .await
        .map_err(backend)?;
        found.iter().map(|row| parcel(&Cols(row))).collect()
    }

    async fn customs_parcel(
        &self,
        id: CustomsParcelId,
    ) -> Result<Option<CustomsParcel>, StoreError> {
        let found = sqlx::query(sql(&format!(
            "SELECT {COLS} FROM customs_parcels WHERE id = ?"
        )))
        .bind(id.0)
        .fetch_optional(self.pool())
        .await
        .map_err(backend)?;
        found.as_ref().map(|row| parcel(&Cols(row))).transpose()
    }

    async fn customs_parcel_by_token(
        &self,
        hash: &[u8; 32],
    ) -> Result<Option<CustomsParcel>, StoreError> {
        let found = sqlx::query(sql(&format!(
            "SELECT {COLS} FROM customs_parcels WHERE token_hash = ?"
        )))
        .bind(hash.as_slice())
        .fetch_optional(self.pool())
        .await
        .map_err(backend)?;
        found.as_ref().map(|row| parcel(&Cols(row))).transpose()
    }

    async fn save_customs_parcel(
        &self,
        p: &CustomsParcel,
        destruction: Option<&DestructionRecord>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool().begin().await.map_err(backend)?;
        let (ck, cw, cc) = parts(p.contact.as_ref());
        let (tk, tw, tc) = parts(p.token.as_ref());
        let (ik, iw, ic) = parts(p.identity.as_ref());
        let done = sqlx::query(sql(
            "UPDATE customs_parcels SET version = version + 1, state = ?, \
             contact_key_id = ?, contact_wrapped = ?, contact_ct = ?, token_hash = ?, \
             token_key_id = ?, token_wrapped = ?, token_ct = ?, token_expires_at_us = ?, \
             arrived_at_us = ?, flow = ?, next_wake_at_us = ?, lease_until_us = ?, \
             identity_key_id = ?, identity_wrapped = ?, identity_ct = ?, consent_at_us = ?, \
             consent_version = ?, code = ?, delivery = ?, ended_kind = ?, ended_at_us = ?, \
             destroy_at_us = ?, destroyed_at_us = ? WHERE id = ? AND version = ?",
        ))
        .bind(&p.state)
        .bind(ck)
        .bind(cw)
        .bind(cc)
        .bind(p.token_hash.as_ref().map(|h| h.as_slice()))
        .bind(tk)
        .bind(tw)
        .bind(tc)
        .bind(us(p.token_expires_at))
        .bind(us(p.arrived_at))
        .bind(p.flow.as_deref())
        .bind(us(p.next_wake_at))
        .bind(us(p.lease_until))
        .bind(ik)
        .bind(iw)
        .bind(ic)
        .bind(us(p.consent_at))
        .bind(p.consent_version.as_deref())
        .bind(p.code.as_deref())
        .bind(p.delivery.as_deref())
        .bind(p.ended_kind.as_deref())
        .bind(us(p.ended_at))
        .bind(us(p.destroy_at))
        .bind(us(p.destroyed_at))
        .bind(p.id.0)
        .bind(p.version)
        .execute(&mut *tx)
        .await
        .map_err(backend)?
        .rows_affected();
        if done != 1 {
            return Ok(false);
        }
        if let Some(d) = destruction {
            sqlx::query(sql(
                "INSERT INTO customs_destructions (parcel_id, batch_id, categories, grounds, \
                 ended_at_us, destroyed_at_us) VALUES (?, ?, ?, ?, ?, ?)",
            ))
            .bind(d.parcel.0)
            .bind(d.batch.0)
            .bind(&d.categories)
            .bind(&d.grounds)
            .bind(d.ended_at.as_microsecond())
            .bind(d.destroyed_at.as_microsecond())
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        }
        tx.commit().await.map_err(backend)?;
        Ok(true)
    }

    async fn claim_customs_parcels(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        limit_n: usize,
    ) -> Result<Vec<CustomsParcel>, StoreError> {
        let mut tx = self.begin_write().await?;
        let found = sqlx::query(sql(&format!(
            "UPDATE customs_parcels SET version = version + 1, lease_until_us = ? \
             WHERE id IN (SELECT id FROM customs_parcels WHERE destroyed_at_us IS NULL \
               AND (lease_until_us IS NULL OR lease_until_us <= ?) \
               AND (next_wake_at_us <= ? OR destroy_at_us <= ?) ORDER BY id LIMIT ?) \
             RETURNING {COLS}"
        )))
        .bind(lease_until.as_microsecond())
        .bind(now.as_microsecond())
        .bind(now.as_microsecond())
        .bind(now.as_microsecond())
        .bind(limit(limit_n))
        .fetch_all(&mut *tx)
        .await
        .map_err(backend)?;
        tx.commit().await.map_err(backend)?;
        found.iter().map(|row| parcel(&Cols(row))).collect()
    }

    async fn customs_parcels_to_rewrap(
        &self,
        current: &str,
        limit_n: usize,
    ) -> Result<Vec<CustomsParcel>, StoreError> {
        let found = sqlx::query(sql(&format!(
            "SELECT {COLS} FROM customs_parcels WHERE destroyed_at_us IS NULL AND \
             (contact_key_id <> ? OR token_key_id <> ? OR identity_key_id <> ?) \
             ORDER BY id LIMIT ?"
        )))
        .bind(current)
        .bind(current)
        .bind(current)
        .bind(limit(limit_n))
        .fetch_all(self.pool())
        .await
        .map_err(backend)?;
        found.iter().map(|row| parcel(&Cols(row))).collect()
    }

    async fn append_audit(&self, entries: &[AuditEntry]) -> Result<(), StoreError> {
        let mut tx = self.pool().begin().await.map_err(backend)?;
        for e in entries {
            sqlx::query(sql(
                "INSERT INTO customs_audit (parcel_id, actor, action, reason, at_us) \
                 VALUES (?, ?, ?, ?, ?)",
            ))
            .bind(e.parcel.0)
            .bind(&e.actor)
            .bind(&e.action)
            .bind(&e.reason)
            .bind(e.at.as_microsecond())
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        }
        tx.commit().await.map_err(backend)?;
        Ok(())
    }

    async fn audit_log(&self, limit_n: usize) -> Result<Vec<AuditEntry>, StoreError> {
        let found = sqlx::query(sql(
            "SELECT parcel_id, actor, action, reason, at_us FROM customs_audit \
             ORDER BY id DESC LIMIT ?",
        ))
        .bind(limit(limit_n))
        .fetch_all(self.pool())
        .await
        .map_err(backend)?;
        found.iter().map(|row| audit_entry(&Cols(row))).collect()
    }

    async fn destructions(&self) -> Result<Vec<DestructionRecord>, StoreError> {
        let found = sqlx::query(sql(
            "SELECT parcel_id, batch_id, categories, grounds, ended_at_us, destroyed_at_us \
             FROM customs_destructions ORDER BY id DESC",
        ))
        .fetch_all(self.pool())
        .await
        .map_err(backend)?;
        found.iter().map(|row| destruction(&Cols(row))).collect()
    }
}
