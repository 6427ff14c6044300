//! Notifications (`migrations/20250101000006_notifications.sql`): channels, the planner's
//! memory, the outbox and the watchdog's leases. Every write is one `BEGIN IMMEDIATE`
//! transaction: SQLite has one writer at a time, so a lease taken in one is exclusive.

use jiff::Timestamp;
use posylka_core::account::UserId;
use posylka_core::shipment::ShipmentId;
use posylka_core::store::StoreError;
use posylka_core::store::notifications::{
    Channel, ChannelChange, ChannelHealth, ChannelId, ClaimedDelivery, DeliveryFinish,
    DeliveryFinished, DeliveryInfo, NewChannel, NotificationStore, PlanCommit, PlanCommitted,
    PlanContext,
};
use posylka_core::store::rows;
use posylka_core::store::rows::notifications::{
    CHANNEL_COLUMNS, FinishColumns, channel as channel_row, channel_id, claimed_delivery,
    delivery_info, not_applied, stored_record,
};
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};

use crate::{Cols, SqliteStore, backend, get};

fn micros(t: Timestamp) -> i64 {
    t.as_microsecond()
}

async fn channel_in(
    conn: &mut SqliteConnection,
    id: ChannelId,
) -> Result<Option<Channel>, StoreError> {
    let sql = format!("SELECT {CHANNEL_COLUMNS} FROM notify_channels c WHERE c.id = ?");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id.get())
        .fetch_optional(&mut *conn)
        .await
        .map_err(backend)?;
    row.map(|row| channel_row(&Cols(&row), 0)).transpose()
}

async fn channels_in(
    conn: &mut SqliteConnection,
    owner: UserId,
) -> Result<Vec<Channel>, StoreError> {
    let sql = format!(
        "SELECT {CHANNEL_COLUMNS} FROM notify_channels c WHERE c.owner_id = ? ORDER BY c.id"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(owner.get())
        .fetch_all(&mut *conn)
        .await
        .map_err(backend)?
        .iter()
        .map(|row| channel_row(&Cols(row), 0))
        .collect()
}

/// Makes the owner's active shipments due for the watchdog, as a change does.
async fn owner_shipments_due(conn: &mut SqliteConnection, owner: UserId) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE shipments SET next_check_at_us = 0, revision = revision + 1 \
         WHERE id IN (SELECT shipment_id FROM shipment_access \
                      WHERE owner_id = ? AND archived_at_us IS NULL)",
    )
    .bind(owner.get())
    .execute(&mut *conn)
    .await
    .map_err(backend)?;
    Ok(())
}

impl NotificationStore for SqliteStore {
    async fn create_channel(&self, new: &NewChannel) -> Result<ChannelId, StoreError> {
        let mut tx = self.begin_write().await?;
        let known = sqlx::query("SELECT 1 FROM users WHERE id = ?")
            .bind(new.owner.get())
            .fetch_optional(&mut *tx)
            .await
            .map_err(backend)?;
        if known.is_none() {
            return Err(StoreError::UserNotFound(new.owner));
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO notify_channels \
             (owner_id, kind, label, target, secret_sealed, subscription, lang, created_at_us) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(new.owner.get())
        .bind(new.kind.key())
        .bind(&new.label)
        .bind(&new.target)
        .bind(new.secret_sealed.as_deref())
        .bind(&new.subscription)
        .bind(&new.lang)
        .bind(micros(new.created_at))
        .fetch_one(&mut *tx)
        .await
        .map_err(backend)?;
        owner_shipments_due(&mut tx, new.owner).await?;
        tx.commit().await.map_err(backend)?;
        channel_id("notify_channels.id", id)
    }

    async fn channel(&self, id: ChannelId) -> Result<Option<Channel>, StoreError> {
        let mut conn = self.pool().acquire().await.map_err(backend)?;
        channel_in(&mut conn, id).await
    }

    async fn channels_of(&self, owner: UserId) -> Result<Vec<Channel>, StoreError> {
        let mut conn = self.pool().acquire().await.map_err(backend)?;
        channels_in(&mut conn, owner).await
    }

    async fn change_channel(
        &self,
        id: ChannelId,
        change: &ChannelChange,
    ) -> Result<Option<Channel>, StoreError> {
        let mut tx = self.begin_write().await?;
        let Some(before) = channel_in(&mut tx, id).await? else {
            return Ok(None);
        };
        sqlx::query(
            "UPDATE notify_channels SET label = coalesce(?, label), \
             subscription = coalesce(?, subscription), lang = coalesce(?, lang) WHERE id = ?",
        )
        .bind(change.label.as_deref())
        .bind(change.subscription.as_deref())
        .bind(change.lang.as_deref())
        .bind(id.get())
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
        match change.enabled {
            Some(true) => {
                sqlx::query(
                    "UPDATE notify_channels SET consecutive_failures = 0, disabled_at_us = NULL, \
                     last_error = NULL WHERE id = ?",
                )
                .bind(id.get())
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
                // A clean slate: current findings notify again, except messages it received.
                sqlx::query("DELETE FROM notify_records WHERE channel_id = ?")
                    .bind(id.get())
                    .execute(&mut *tx)
                    .await
                    .map_err(backend)?;
                sqlx::query("DELETE FROM notify_outbox WHERE channel_id = ? AND state <> 'sent'")
                    .bind(id.get())
                    .execute(&mut *tx)
                    .await
                    .map_err(backend)?;
            }
            Some(false) => {
                sqlx::query(
                    "UPDATE notify_channels SET disabled_at_us = coalesce(disabled_at_us, ?) \
                     WHERE id = ?",
                )
                .bind(micros(change.at))
                .bind(id.get())
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
                drop_pending(&mut tx, id, "channel disabled", micros(change.at)).await?;
            }
            None => {}
        }
        if change.subscription.is_some() || change.enabled == Some(true) {
            owner_shipments_due(&mut tx, before.owner).await?;
        }
        let after = channel_in(&mut tx, id).await?;
        tx.commit().await.map_err(backend)?;
        Ok(after)
    }

    async fn delete_channel(&self, id: ChannelId) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query("DELETE FROM notify_channels WHERE id = ?")
            .bind(id.get())
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        tx.commit().await.map_err(backend)?;
        Ok(done.rows_affected() > 0)
    }

    async fn plan_context(&self, shipment: ShipmentId) -> Result<Option<PlanContext>, StoreError> {
        // One read transaction: owner, channels and records from one snapshot.
        let mut tx = self.pool().begin().await.map_err(backend)?;
        let exists = sqlx::query(
            "SELECT a.owner_id, a.archived_at_us, p.version FROM shipments s \
             LEFT JOIN shipment_access a ON a.shipment_id = s.id \
             LEFT JOIN notify_plans p ON p.shipment_id = s.id WHERE s.id = ?",
        )
        .bind(shipment.get())
        .fetch_optional(&mut *tx)
        .await
        .map_err(backend)?;
        let Some(head) = exists else {
            return Ok(None);
        };
        let owner: Option<i64> = get(&head, 0)?;
        let archived: Option<i64> = get(&head, 1)?;
        let version: Option<i64> = get(&head, 2)?;
        let owner = owner
            .map(|id| rows::user_id("shipment_access.owner_id", id))
            .transpose()?;
        let channels = match owner {
            Some(owner) => channels_in(&mut tx, owner).await?,
            None => Vec::new(),
        };
        let records = sqlx::query(
            "SELECT channel_id, code, record FROM notify_records WHERE shipment_id = ? \
             ORDER BY channel_id, code",
        )
        .bind(shipment.get())
        .fetch_all(&mut *tx)
        .await
        .map_err(backend)?
        .iter()
        .map(|row| stored_record(&Cols(row)))
        .collect::<Result<Vec<_>, StoreError>>()?;
        tx.commit().await.map_err(backend)?;
        let version = version.unwrap_or(0);
        Ok(Some(PlanContext {
            owner,
            archived: archived.is_some(),
            channels,
            version: u64::try_from(version)
                .map_err(|_| rows::corrupt("notify_plans.version", version))?,
            records,
        }))
    }

    async fn commit_plan(&self, commit: &PlanCommit) -> Result<PlanCommitted, StoreError> {
        let mut tx = self.begin_write().await?;
        let id = commit.shipment.get();
        let exists = sqlx::query("SELECT 1 FROM shipments WHERE id = ?")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(backend)?;
        if exists.is_none() {
            return Err(StoreError::ShipmentNotFound(commit.shipment));
        }
        let version: Option<i64> =
            sqlx::query_scalar("SELECT version FROM notify_plans WHERE shipment_id = ?")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(backend)?;
        let expected = i64::try_from(commit.expected_version).unwrap_or(i64::MAX);
        if version.unwrap_or(0) != expected {
            return Ok(PlanCommitted::Stale);
        }
        sqlx::query(
            "INSERT INTO notify_plans (shipment_id, version) VALUES (?, ?) \
             ON CONFLICT (shipment_id) DO UPDATE SET version = excluded.version",
        )
        .bind(id)
        .bind(expected.saturating_add(1))
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
        sqlx::query("DELETE FROM notify_records WHERE shipment_id = ?")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        // Records and deliveries of a channel deleted meanwhile are left out (it is gone, and
        // so is everything planned for it).
        for r in &commit.records {
            sqlx::query(
                "INSERT INTO notify_records (shipment_id, channel_id, code, record) \
                 SELECT ?, id, ?, ? FROM notify_channels WHERE id = ?",
            )
            .bind(id)
            .bind(&r.code)
            .bind(&r.record)
            .bind(r.channel.get())
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        }
        let mut inserted = 0;
        for d in &commit.deliveries {
            let done = sqlx::query(
                "INSERT INTO notify_outbox (idempotency_key, channel_id, shipment_id, payload, \
                 state, created_at_us, next_attempt_at_us) \
                 SELECT ?, id, ?, ?, 'pending', ?, ? FROM notify_channels WHERE id = ? \
                 ON CONFLICT (idempotency_key) DO NOTHING",
            )
            .bind(&d.key)
            .bind(id)
            .bind(&d.payload)
            .bind(micros(commit.at))
            .bind(micros(commit.at))
            .bind(d.channel.get())
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
            inserted += usize::try_from(done.rows_affected()).unwrap_or(0);
        }
        tx.commit().await.map_err(backend)?;
        Ok(PlanCommitted::Stored { inserted })
    }

    async fn claim_deliveries(
        &self,
        owner: &str,
        now: Timestamp,
        until: Timestamp,
        limit: usize,
    ) -> Result<Vec<ClaimedDelivery>, StoreError> {
        let mut tx = self.begin_write().await?;
        let ids: Vec<i64> = sqlx::query_scalar(
            "UPDATE notify_outbox SET lease_owner = ?, lease_until_us = ?, attempts = attempts + 1 \
             WHERE id IN (SELECT o.id FROM notify_outbox o \
                 JOIN notify_channels c ON c.id = o.channel_id \
                 WHERE o.state = 'pending' AND o.next_attempt_at_us <= ? \
                 AND (o.lease_until_us IS NULL OR o.lease_until_us <= ?) \
                 AND c.disabled_at_us IS NULL \
                 ORDER BY o.next_attempt_at_us, o.id LIMIT ?) \
             RETURNING id",
        )
        .bind(owner)
        .bind(micros(until))
        .bind(micros(now))
        .bind(micros(now))
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&mut *tx)
        .await
        .map_err(backend)?;
        let mut out = Vec::with_capacity(ids.len());
        if !ids.is_empty() {
            let mut qb = QueryBuilder::<Sqlite>::new(format!(
                "SELECT o.id, o.idempotency_key, o.payload, o.attempts, {CHANNEL_COLUMNS} \
                 FROM notify_outbox o JOIN notify_channels c ON c.id = o.channel_id \
                 WHERE o.id IN ("
            ));
            let mut list = qb.separated(", ");
            for id in &ids {
                list.push_bind(*id);
            }
            qb.push(") ORDER BY o.next_attempt_at_us, o.id");
            for row in qb.build().fetch_all(&mut *tx).await.map_err(backend)? {
                out.push(claimed_delivery(&Cols(&row))?);
            }
        }
        tx.commit().await.map_err(backend)?;
        Ok(out)
    }

    async fn finish_delivery(
        &self,
        finish: &DeliveryFinish,
    ) -> Result<DeliveryFinished, StoreError> {
        let mut tx = self.begin_write().await?;
        let now = micros(finish.at);
        let FinishColumns {
            state,
            next_attempt_at_us: next,
            error,
            blames_channel: blames,
        } = FinishColumns::new(&finish.outcome);
        let channel: Option<i64> = sqlx::query_scalar(
            "UPDATE notify_outbox SET state = ?, \
             next_attempt_at_us = coalesce(?, next_attempt_at_us), \
             finished_at_us = CASE WHEN ? = 'pending' THEN NULL ELSE ? END, \
             last_error = ?, lease_owner = NULL, lease_until_us = NULL \
             WHERE id = ? AND state = 'pending' AND lease_owner = ? RETURNING channel_id",
        )
        .bind(state)
        .bind(next)
        .bind(state)
        .bind(now)
        .bind(error)
        .bind(finish.id.0)
        .bind(&finish.lease_owner)
        .fetch_optional(&mut *tx)
        .await
        .map_err(backend)?;
        let Some(channel) = channel else {
            return Ok(not_applied());
        };
        let channel = channel_id("notify_outbox.channel_id", channel)?;
        let (before_disabled, _) = health_in(&mut tx, channel).await?;
        match (error, blames) {
            (None, _) => {
                sqlx::query(
                    "UPDATE notify_channels SET consecutive_failures = 0, last_error = NULL \
                     WHERE id = ?",
                )
                .bind(channel.get())
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
            }
            (Some(error), false) => {
                sqlx::query("UPDATE notify_channels SET last_error = ? WHERE id = ?")
                    .bind(error)
                    .bind(channel.get())
                    .execute(&mut *tx)
                    .await
                    .map_err(backend)?;
            }
            (Some(error), true) => {
                sqlx::query(
                    "UPDATE notify_channels SET last_error = ?, \
                     consecutive_failures = consecutive_failures + 1, \
                     disabled_at_us = CASE WHEN disabled_at_us IS NULL \
                         AND consecutive_failures + 1 >= ? THEN ? ELSE disabled_at_us END \
                     WHERE id = ?",
                )
                .bind(error)
                .bind(i64::from(finish.disable_after.max(1)))
                .bind(now)
                .bind(channel.get())
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
            }
        }
        let (after_disabled, health) = health_in(&mut tx, channel).await?;
        let disabled_now = !before_disabled && after_disabled;
        if disabled_now {
            drop_pending(
                &mut tx,
                channel,
                "channel disabled after repeated failures",
                now,
            )
            .await?;
        }
        tx.commit().await.map_err(backend)?;
        Ok(DeliveryFinished {
            applied: true,
            health,
            disabled_now,
        })
    }

    async fn next_delivery_at(&self) -> Result<Option<Timestamp>, StoreError> {
        let next: Option<i64> = sqlx::query_scalar(
            "SELECT min(max(o.next_attempt_at_us, coalesce(o.lease_until_us, 0))) \
             FROM notify_outbox o JOIN notify_channels c ON c.id = o.channel_id \
             WHERE o.state = 'pending' AND c.disabled_at_us IS NULL",
        )
        .fetch_one(self.pool())
        .await
        .map_err(backend)?;
        next.map(|us| rows::timestamp("notify_outbox.next_attempt_at_us", us))
            .transpose()
    }

    async fn deliveries_of(
        &self,
        channel: ChannelId,
        limit: usize,
    ) -> Result<Vec<DeliveryInfo>, StoreError> {
        sqlx::query(
            "SELECT id, idempotency_key, shipment_id, state, attempts, created_at_us, \
             finished_at_us, last_error, payload FROM notify_outbox WHERE channel_id = ? \
             ORDER BY id DESC LIMIT ?",
        )
        .bind(channel.get())
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(self.pool())
        .await
        .map_err(backend)?
        .iter()
        .map(|row| delivery_info(&Cols(row)))
        .collect()
    }

    async fn next_check_at(&self) -> Result<Option<Timestamp>, StoreError> {
        let next: Option<i64> = sqlx::query_scalar(
            "SELECT min(next_check_at_us) FROM shipments WHERE next_check_at_us IS NOT NULL",
        )
        .fetch_one(self.pool())
        .await
        .map_err(backend)?;
        next.map(|us| rows::timestamp("shipments.next_check_at_us", us))
            .transpose()
    }

    async fn claim_checks(
        &self,
        ids: &[ShipmentId],
        owner: &str,
        now: Timestamp,
        until: Timestamp,
    ) -> Result<Vec<ShipmentId>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut tx = self.begin_write().await?;
        let mut got = Vec::with_capacity(ids.len());
        for id in ids {
            let claimed: Option<i64> = sqlx::query_scalar(
                "INSERT INTO watchdog_leases (shipment_id, owner, lease_until_us) \
                 SELECT id, ?, ? FROM shipments WHERE id = ? \
                 ON CONFLICT (shipment_id) DO UPDATE SET owner = excluded.owner, \
                     lease_until_us = excluded.lease_until_us \
                 WHERE watchdog_leases.lease_until_us <= ? OR watchdog_leases.owner = excluded.owner \
                 RETURNING shipment_id",
            )
            .bind(owner)
            .bind(micros(until))
            .bind(id.get())
            .bind(micros(now))
            .fetch_optional(&mut *tx)
            .await
            .map_err(backend)?;
            if claimed.is_some() {
                got.push(*id);
            }
        }
        tx.commit().await.map_err(backend)?;
        Ok(got)
    }

    async fn release_checks(&self, ids: &[ShipmentId], owner: &str) -> Result<(), StoreError> {
        if ids.is_empty() {
            return Ok(());
        }
        let mut tx = self.begin_write().await?;
        for chunk in ids.chunks(500) {
            let mut qb = QueryBuilder::<Sqlite>::new("DELETE FROM watchdog_leases WHERE owner = ");
            qb.push_bind(owner);
            qb.push(" AND shipment_id IN (");
            let mut list = qb.separated(", ");
            for id in chunk {
                list.push_bind(id.get());
            }
            qb.push(")");
            qb.build().execute(&mut *tx).await.map_err(backend)?;
        }
        tx.commit().await.map_err(backend)
    }
}

/// Whether the channel is disabled, and its health.
async fn health_in(
    conn: &mut SqliteConnection,
    id: ChannelId,
) -> Result<(bool, ChannelHealth), StoreError> {
    let health = channel_in(conn, id)
        .await?
        .map(|c| c.health)
        .unwrap_or_default();
    Ok((health.disabled_at.is_some(), health))
}

/// Drops a channel's pending deliveries (it was disabled).
async fn drop_pending(
    conn: &mut SqliteConnection,
    id: ChannelId,
    why: &str,
    at_us: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE notify_outbox SET state = 'dropped', last_error = coalesce(last_error, ?), \
         finished_at_us = ?, lease_owner = NULL, \
         lease_until_us = NULL WHERE channel_id = ? AND state = 'pending'",
    )
    .bind(why)
    .bind(at_us)
    .bind(id.get())
    .execute(&mut *conn)
    .await
    .map_err(backend)?;
    Ok(())
}
