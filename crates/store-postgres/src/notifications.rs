//! Notifications (`migrations/20250101000006_notifications.sql`): channels, the planner's
//! memory, the outbox and the watchdog's leases, for several instances on one database:
//! deliveries are leased with `FOR UPDATE SKIP LOCKED`, a plan is stored under a row lock on
//! the shipment's planner version, and shipments are locked in id order (as ingest does) so
//! that marking them due cannot deadlock with an ingest.

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
use sqlx::postgres::PgConnection;

use crate::{Cols, PgStore, backend, get};

fn micros(t: Timestamp) -> i64 {
    t.as_microsecond()
}

async fn channel_in(conn: &mut PgConnection, id: ChannelId) -> Result<Option<Channel>, StoreError> {
    let sql = format!("SELECT {CHANNEL_COLUMNS} FROM notify_channels c WHERE c.id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id.get())
        .fetch_optional(&mut *conn)
        .await
        .map_err(backend)?;
    row.map(|row| channel_row(&Cols(&row), 0)).transpose()
}

async fn channels_in(conn: &mut PgConnection, owner: UserId) -> Result<Vec<Channel>, StoreError> {
    let sql = format!(
        "SELECT {CHANNEL_COLUMNS} FROM notify_channels c WHERE c.owner_id = $1 ORDER BY c.id"
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

/// Makes the owner's active shipments due for the watchdog, as a change does. Locked in id
/// order (as ingest does) and without the key lock, which plans and leases that reference a
/// shipment would wait on.
async fn owner_shipments_due(conn: &mut PgConnection, owner: UserId) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE shipments SET next_check_at_us = 0, revision = revision + 1 \
         WHERE id IN (SELECT s.id FROM shipments s \
                      JOIN shipment_access a ON a.shipment_id = s.id \
                      WHERE a.owner_id = $1 AND a.archived_at_us IS NULL \
                      ORDER BY s.id FOR NO KEY UPDATE OF s)",
    )
    .bind(owner.get())
    .execute(&mut *conn)
    .await
    .map_err(backend)?;
    Ok(())
}

impl NotificationStore for PgStore {
    async fn create_channel(&self, new: &NewChannel) -> Result<ChannelId, StoreError> {
        let mut tx = self.pool().begin().await.map_err(backend)?;
        let known = sqlx::query("SELECT 1 FROM users WHERE id = $1")
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
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
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
        let mut tx = self.pool().begin().await.map_err(backend)?;
        let locked = sqlx::query("SELECT 1 FROM notify_channels WHERE id = $1 FOR NO KEY UPDATE")
            .bind(id.get())
            .fetch_optional(&mut *tx)
            .await
            .map_err(backend)?;
        if locked.is_none() {
            return Ok(None);
        }
        let Some(before) = channel_in(&mut tx, id).await? else {
            return Ok(None);
        };
        sqlx::query(
            "UPDATE notify_channels SET label = coalesce($1, label), \
             subscription = coalesce($2, subscription), lang = coalesce($3, lang) WHERE id = $4",
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
                     last_error = NULL WHERE id = $1",
                )
                .bind(id.get())
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
                // A clean slate: current findings notify again, except messages it received.
                sqlx::query("DELETE FROM notify_records WHERE channel_id = $1")
                    .bind(id.get())
                    .execute(&mut *tx)
                    .await
                    .map_err(backend)?;
                sqlx::query("DELETE FROM notify_outbox WHERE channel_id = $1 AND state <> 'sent'")
                    .bind(id.get())
                    .execute(&mut *tx)
                    .await
                    .map_err(backend)?;
            }
            Some(false) => {
                sqlx::query(
                    "UPDATE notify_channels SET disabled_at_us = coalesce(disabled_at_us, $1) \
                     WHERE id = $2",
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
        let mut tx = self.pool().begin().await.map_err(backend)?;
        let done = sqlx::query("DELETE FROM notify_channels WHERE id = $1")
            .bind(id.get())
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        tx.commit().await.map_err(backend)?;
        Ok(done.rows_affected() > 0)
    }

    async fn plan_context(&self, shipment: ShipmentId) -> Result<Option<PlanContext>, StoreError> {
        // One snapshot: owner, channels and records as of the same instant.
        let mut tx = self
            .pool()
            .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .await
            .map_err(backend)?;
        let exists = sqlx::query(
            "SELECT a.owner_id, a.archived_at_us, p.version FROM shipments s \
             LEFT JOIN shipment_access a ON a.shipment_id = s.id \
             LEFT JOIN notify_plans p ON p.shipment_id = s.id WHERE s.id = $1",
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
            "SELECT channel_id, code, record FROM notify_records WHERE shipment_id = $1 \
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
        let mut tx = self.pool().begin().await.map_err(backend)?;
        let id = commit.shipment.get();
        let exists = sqlx::query("SELECT 1 FROM shipments WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(backend)?;
        if exists.is_none() {
            return Err(StoreError::ShipmentNotFound(commit.shipment));
        }
        // The version row is the plan's lock: created if missing (a concurrent creator waits
        // on the key, then finds it), then locked until commit.
        sqlx::query(
            "INSERT INTO notify_plans (shipment_id, version) VALUES ($1, 0) \
             ON CONFLICT (shipment_id) DO NOTHING",
        )
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
        let version: i64 = sqlx::query_scalar(
            "SELECT version FROM notify_plans WHERE shipment_id = $1 FOR UPDATE",
        )
        .bind(id)
        .fetch_one(&mut *tx)
        .await
        .map_err(backend)?;
        let expected = i64::try_from(commit.expected_version).unwrap_or(i64::MAX);
        if version != expected {
            return Ok(PlanCommitted::Stale);
        }
        sqlx::query("UPDATE notify_plans SET version = $1 WHERE shipment_id = $2")
            .bind(expected.saturating_add(1))
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        sqlx::query("DELETE FROM notify_records WHERE shipment_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        // Records and deliveries of a channel deleted meanwhile are left out (it is gone, and
        // so is everything planned for it).
        for r in &commit.records {
            sqlx::query(
                "INSERT INTO notify_records (shipment_id, channel_id, code, record) \
                 SELECT $1, id, $2, $3 FROM notify_channels WHERE id = $4",
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
                 SELECT $1, id, $2, $3, 'pending', $4, $5 FROM notify_channels WHERE id = $6 \
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
        let mut tx = self.pool().begin().await.map_err(backend)?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "WITH picked AS (SELECT o.id FROM notify_outbox o \
                 JOIN notify_channels c ON c.id = o.channel_id \
                 WHERE o.state = 'pending' AND o.next_attempt_at_us <= $3 \
                 AND (o.lease_until_us IS NULL OR o.lease_until_us <= $3) \
                 AND c.disabled_at_us IS NULL \
                 ORDER BY o.next_attempt_at_us, o.id LIMIT $4 \
                 FOR UPDATE OF o SKIP LOCKED), \
             leased AS (UPDATE notify_outbox o SET lease_owner = $1, lease_until_us = $2, \
                 attempts = o.attempts + 1 FROM picked WHERE o.id = picked.id \
                 RETURNING o.id, o.idempotency_key, o.payload, o.attempts, o.channel_id, \
                     o.next_attempt_at_us) \
             SELECT o.id, o.idempotency_key, o.payload, o.attempts, {CHANNEL_COLUMNS} \
             FROM leased o JOIN notify_channels c ON c.id = o.channel_id \
             ORDER BY o.next_attempt_at_us, o.id"
        )))
        .bind(owner)
        .bind(micros(until))
        .bind(micros(now))
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&mut *tx)
        .await
        .map_err(backend)?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            out.push(claimed_delivery(&Cols(&row))?);
        }
        tx.commit().await.map_err(backend)?;
        Ok(out)
    }

    async fn finish_delivery(
        &self,
        finish: &DeliveryFinish,
    ) -> Result<DeliveryFinished, StoreError> {
        let mut tx = self.pool().begin().await.map_err(backend)?;
        let now = micros(finish.at);
        let FinishColumns {
            state,
            next_attempt_at_us: next,
            error,
            blames_channel: blames,
        } = FinishColumns::new(&finish.outcome);
        let channel: Option<i64> = sqlx::query_scalar(
            "UPDATE notify_outbox SET state = $1, \
             next_attempt_at_us = coalesce($2, next_attempt_at_us), \
             finished_at_us = CASE WHEN $3 = 'pending' THEN NULL ELSE $4 END, \
             last_error = $5, lease_owner = NULL, lease_until_us = NULL \
             WHERE id = $6 AND state = 'pending' AND lease_owner = $7 RETURNING channel_id",
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
        // Locked first: two deliveries of one channel finishing at once count both failures.
        // NO KEY UPDATE: plans that reference the channel (a key share) are not blocked.
        sqlx::query("SELECT 1 FROM notify_channels WHERE id = $1 FOR NO KEY UPDATE")
            .bind(channel.get())
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        let (before_disabled, _) = health_in(&mut tx, channel).await?;
        match (error, blames) {
            (None, _) => {
                sqlx::query(
                    "UPDATE notify_channels SET consecutive_failures = 0, last_error = NULL \
                     WHERE id = $1",
                )
                .bind(channel.get())
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
            }
            (Some(error), false) => {
                sqlx::query("UPDATE notify_channels SET last_error = $1 WHERE id = $2")
                    .bind(error)
                    .bind(channel.get())
                    .execute(&mut *tx)
                    .await
                    .map_err(backend)?;
            }
            (Some(error), true) => {
                sqlx::query(
                    "UPDATE notify_channels SET last_error = $1, \
                     consecutive_failures = consecutive_failures + 1, \
                     disabled_at_us = CASE WHEN disabled_at_us IS NULL \
                         AND consecutive_failures + 1 >= $2 THEN $3 ELSE disabled_at_us END \
                     WHERE id = $4",
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
            "SELECT min(greatest(o.next_attempt_at_us, coalesce(o.lease_until_us, 0))) \
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
             finished_at_us, last_error, payload FROM notify_outbox WHERE channel_id = $1 \
             ORDER BY id DESC LIMIT $2",
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
        let wanted: Vec<i64> = ids.iter().map(|id| id.get()).collect();
        // In id order, as ingest locks shipments, so that two claims cannot deadlock.
        let claimed: Vec<i64> = sqlx::query_scalar(
            "INSERT INTO watchdog_leases (shipment_id, owner, lease_until_us) \
             SELECT id, $1, $2 FROM shipments WHERE id = ANY($3) ORDER BY id \
             ON CONFLICT (shipment_id) DO UPDATE SET owner = excluded.owner, \
                 lease_until_us = excluded.lease_until_us \
             WHERE watchdog_leases.lease_until_us <= $4 OR watchdog_leases.owner = excluded.owner \
             RETURNING shipment_id",
        )
        .bind(owner)
        .bind(micros(until))
        .bind(&wanted)
        .bind(micros(now))
        .fetch_all(self.pool())
        .await
        .map_err(backend)?;
        Ok(ids
            .iter()
            .filter(|id| claimed.contains(&id.get()))
            .copied()
            .collect())
    }

    async fn release_checks(&self, ids: &[ShipmentId], owner: &str) -> Result<(), StoreError> {
        if ids.is_empty() {
            return Ok(());
        }
        let ids: Vec<i64> = ids.iter().map(|id| id.get()).collect();
        sqlx::query("DELETE FROM watchdog_leases WHERE owner = $1 AND shipment_id = ANY($2)")
            .bind(owner)
            .bind(&ids)
            .execute(self.pool())
            .await
            .map_err(backend)?;
        Ok(())
    }
}

/// Whether the channel is disabled, and its health.
async fn health_in(
    conn: &mut PgConnection,
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
    conn: &mut PgConnection,
    id: ChannelId,
    why: &str,
    at_us: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE notify_outbox SET state = 'dropped', last_error = coalesce(last_error, $1), \
         finished_at_us = $2, lease_owner = NULL, \
         lease_until_us = NULL WHERE channel_id = $3 AND state = 'pending'",
    )
    .bind(why)
    .bind(at_us)
    .bind(id.get())
    .execute(&mut *conn)
    .await
    .map_err(backend)?;
    Ok(())
}
