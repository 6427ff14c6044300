//! The poll queue and push receipts (`migrations/20250101000005_polling.sql`).
//!
//! Claims select due rows `FOR UPDATE SKIP LOCKED` and lease them in the same statement:
//! several server instances claim side by side without waiting for each other and never lease
//! the same row; lease tokens come from one sequence.

use std::collections::{HashMap, HashSet};

use jiff::Timestamp;
use posylka_core::shipment::TrackingNumber;
use posylka_core::store::polling::rows::{
    CompletionRow, claim, entry, fresh_pushes, queue_stats, unrouted,
};
use posylka_core::store::polling::{
    Claim, Completion, PollEntry, PollStore, PushReport, PushedEvent, QueueStats, Route,
    UnroutedNumber,
};
use posylka_core::store::rows::{self, limit};
use posylka_core::store::{IngestReport, StoreError};
use posylka_core::timeline::{EventRecord, SourceName};

use crate::{Cols, PgStore, backend, get, insert_events, links_of_numbers, refresh_status};

impl PollStore for PgStore {
    async fn unrouted_numbers(&self, limit_n: usize) -> Result<Vec<UnroutedNumber>, StoreError> {
        let found = sqlx::query(
            "SELECT number, linked_at_us FROM poll_unrouted \
             ORDER BY linked_at_us, number LIMIT $1",
        )
        .bind(limit(limit_n))
        .fetch_all(self.pool())
        .await
        .map_err(backend)?;
        found.iter().map(|row| unrouted(&Cols(row))).collect()
    }

    async fn route_numbers(&self, routes: &[Route], due: Timestamp) -> Result<usize, StoreError> {
        if routes.is_empty() {
            return Ok(0);
        }
        // One row per (source, number), the newest link winning: an upsert may not touch a
        // row twice in one statement.
        let mut entries: HashMap<(&str, &str), i64> = HashMap::new();
        for route in routes {
            for source in &route.sources {
                let since = route.since.as_microsecond();
                entries
                    .entry((source.as_str(), route.number.as_str()))
                    .and_modify(|s| *s = (*s).max(since))
                    .or_insert(since);
            }
        }
        let (mut sources, mut numbers, mut sinces) = (Vec::new(), Vec::new(), Vec::new());
        for ((source, number), since) in entries {
            sources.push(source);
            numbers.push(number);
            sinces.push(since);
        }
        let mut tx = self.pool().begin().await.map_err(backend)?;
        // A newer link (the number reused for another parcel) starts tracking afresh.
        let added = sqlx::query(
            "INSERT INTO poll_queue (source, number, since_us, next_poll_at_us) \
             SELECT s, n, t, $4 FROM UNNEST($1::text[], $2::text[], $3::bigint[]) AS r(s, n, t) \
             ON CONFLICT (source, number) DO UPDATE SET since_us = EXCLUDED.since_us, \
             next_poll_at_us = EXCLUDED.next_poll_at_us, status = NULL, \
             last_event_at_us = NULL, failures = 0, last_error = NULL \
             WHERE poll_queue.since_us < EXCLUDED.since_us",
        )
        .bind(&sources)
        .bind(&numbers)
        .bind(&sinces)
        .bind(due.as_microsecond())
        .execute(&mut *tx)
        .await
        .map_err(backend)?
        .rows_affected();
        // A link made after the caller read the number stays to be routed.
        sqlx::query(
            "DELETE FROM poll_unrouted u USING UNNEST($1::text[], $2::bigint[]) AS r(n, t) \
             WHERE u.number = r.n AND r.t >= u.linked_at_us",
        )
        .bind(routes.iter().map(|r| r.number.as_str()).collect::<Vec<_>>())
        .bind(
            routes
                .iter()
                .map(|r| r.since.as_microsecond())
                .collect::<Vec<_>>(),
        )
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
        tx.commit().await.map_err(backend)?;
        Ok(usize::try_from(added).unwrap_or(usize::MAX))
    }

    async fn claim_polls(
        &self,
        source: &SourceName,
        now: Timestamp,
        limit_n: usize,
        lease_until: Timestamp,
    ) -> Result<Vec<Claim>, StoreError> {
        if limit_n == 0 {
            return Ok(Vec::new());
        }
        let token: i64 = get(
            &sqlx::query("SELECT nextval('poll_lease_seq')")
                .fetch_one(self.pool())
                .await
                .map_err(backend)?,
            0,
        )?;
        // Rows another instance is claiming right now are skipped, not waited for. A leased
        // row's due time is its lease's end, so it is not taken again before that.
        let claimed = sqlx::query(
            "WITH due AS (SELECT source, number FROM poll_queue \
             WHERE source = $1 AND next_poll_at_us <= $2 \
             ORDER BY next_poll_at_us LIMIT $3 FOR UPDATE SKIP LOCKED) \
             UPDATE poll_queue q SET lease_token = $4, next_poll_at_us = $5 \
             FROM due WHERE q.source = due.source AND q.number = due.number \
             RETURNING q.number, q.lease_token, q.status, q.last_event_at_us, q.since_us, \
             q.failures::bigint",
        )
        .bind(source.as_str())
        .bind(now.as_microsecond())
        .bind(limit(limit_n))
        .bind(token)
        .bind(lease_until.as_microsecond())
        .fetch_all(self.pool())
        .await
        .map_err(backend)?;
        claimed.iter().map(|row| claim(&Cols(row))).collect()
    }

    async fn complete_polls(
        &self,
        source: &SourceName,
        done: &[Completion],
    ) -> Result<usize, StoreError> {
        if done.is_empty() {
            return Ok(0);
        }
        let rows: Vec<CompletionRow<'_>> = done.iter().map(CompletionRow::new).collect();
        // Only the holder of the lease may complete; a refresh asked meanwhile makes the
        // entry due at once.
        let applied = sqlx::query(
            "UPDATE poll_queue q SET lease_token = NULL, \
             next_poll_at_us = CASE WHEN q.refresh THEN 0 ELSE u.next_at END, \
             refresh = FALSE, status = u.status, last_event_at_us = u.last_at, \
             failures = u.failures, last_error = u.error, polls = q.polls + 1 \
             FROM UNNEST($2::text[], $3::bigint[], $4::bigint[], $5::text[], $6::bigint[], \
             $7::int4[], $8::text[]) AS u(number, lease, next_at, status, last_at, failures, error) \
             WHERE q.source = $1 AND q.number = u.number AND q.lease_token = u.lease",
        )
        .bind(source.as_str())
        .bind(rows.iter().map(|r| r.number).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.lease).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.next_poll_at_us).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.status).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.last_event_at_us).collect::<Vec<_>>())
        .bind(
            rows.iter()
                .map(|r| i32::try_from(r.failures).unwrap_or(i32::MAX))
                .collect::<Vec<_>>(),
        )
        .bind(rows.iter().map(|r| r.error).collect::<Vec<_>>())
        .execute(self.pool())
        .await
        .map_err(backend)?
        .rows_affected();
        Ok(usize::try_from(applied).unwrap_or(usize::MAX))
    }

    async fn poll_now(
        &self,
        source: &SourceName,
        numbers: &[TrackingNumber],
        now: Timestamp,
    ) -> Result<usize, StoreError> {
        let mut distinct: Vec<&str> = numbers.iter().map(TrackingNumber::as_str).collect();
        distinct.sort_unstable();
        distinct.dedup();
        if distinct.is_empty() {
            return Ok(0);
        }
        // A live lease is kept (its holder is polling right now); the entry is marked to be
        // due again at once when it completes.
        let touched = sqlx::query(
            "INSERT INTO poll_queue (source, number, since_us, next_poll_at_us) \
             SELECT $1, n, $3, $3 FROM UNNEST($2::text[]) AS r(n) \
             ON CONFLICT (source, number) DO UPDATE SET \
             next_poll_at_us = CASE WHEN poll_queue.lease_token IS NOT NULL \
             AND poll_queue.next_poll_at_us > EXCLUDED.next_poll_at_us \
             THEN poll_queue.next_poll_at_us ELSE EXCLUDED.next_poll_at_us END, \
             refresh = (poll_queue.lease_token IS NOT NULL \
             AND poll_queue.next_poll_at_us > EXCLUDED.next_poll_at_us) OR poll_queue.refresh",
        )
        .bind(source.as_str())
        .bind(&distinct)
        .bind(now.as_microsecond())
        .execute(self.pool())
        .await
        .map_err(backend)?
        .rows_affected();
        Ok(usize::try_from(touched).unwrap_or(usize::MAX))
    }

    async fn poll_entries(&self, number: &TrackingNumber) -> Result<Vec<PollEntry>, StoreError> {
        let found = sqlx::query(
            "SELECT source, number, next_poll_at_us, lease_token, status, last_event_at_us, \
             since_us, failures::bigint, last_error, polls FROM poll_queue WHERE number = $1 \
             ORDER BY source",
        )
        .bind(number.as_str())
        .fetch_all(self.pool())
        .await
        .map_err(backend)?;
        found.iter().map(|row| entry(&Cols(row))).collect()
    }

    async fn queue_stats(
        &self,
        now: Timestamp,
    ) -> Result<Vec<(SourceName, QueueStats)>, StoreError> {
        let found = sqlx::query(
            "SELECT source, \
             count(*) FILTER (WHERE next_poll_at_us IS NOT NULL), \
             count(*) FILTER (WHERE next_poll_at_us <= $1), \
             count(*) FILTER (WHERE lease_token IS NOT NULL AND next_poll_at_us > $1), \
             count(*) FILTER (WHERE failures > 0), \
             count(*) FILTER (WHERE next_poll_at_us IS NULL) \
             FROM poll_queue GROUP BY source ORDER BY source",
        )
        .bind(now.as_microsecond())
        .fetch_all(self.pool())
        .await
        .map_err(backend)?;
        found.iter().map(|row| queue_stats(&Cols(row))).collect()
    }

    async fn ingest_pushed(
        &self,
        source: &SourceName,
        events: &[PushedEvent],
        received_at: Timestamp,
    ) -> Result<PushReport, StoreError> {
        if events.is_empty() {
            return Ok(PushReport::default());
        }
        let mut tx = self.pool().begin().await.map_err(backend)?;
        let received = sqlx::query(
            "SELECT event_id FROM push_receipts WHERE source = $1 AND event_id = ANY($2)",
        )
        .bind(source.as_str())
        .bind(events.iter().map(|e| e.id.as_str()).collect::<Vec<_>>())
        .fetch_all(&mut *tx)
        .await
        .map_err(backend)?
        .iter()
        .map(|row| get::<String>(row, 0))
        .collect::<Result<HashSet<String>, StoreError>>()?;
        let (fresh, repeated_ids) = fresh_pushes(events, &received);
        let records: Vec<EventRecord> = fresh.iter().map(|e| e.record.clone()).collect();
        let mut ingest = IngestReport {
            received: records.len(),
            ..IngestReport::default()
        };
        if !records.is_empty() {
            // As `Store::ingest`, inside this transaction: the target shipments locked in id
            // order, then the events, then their cached status.
            let links = links_of_numbers(&mut tx, &rows::distinct_numbers(&records)).await?;
            let planned = rows::plan_ingest(&records, &links)?;
            let mut targets: Vec<i64> = planned.iter().map(|r| r.shipment_id).collect();
            targets.sort_unstable();
            targets.dedup();
            let locked =
                sqlx::query("SELECT id FROM shipments WHERE id = ANY($1) ORDER BY id FOR UPDATE")
                    .bind(&targets)
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(backend)?
                    .iter()
                    .map(|row| get::<i64>(row, 0))
                    .collect::<Result<Vec<_>, StoreError>>()?;
            rows::require_all(&targets, &locked)?;
            let inserted = insert_events(&mut tx, planned).await?;
            ingest = rows::ingest_report(records.len(), &inserted);
            refresh_status(&mut tx, inserted).await?;
            // Another instance taking the same push at the same moment stored the same
            // records (the fingerprints made them one); its receipt stands.
            sqlx::query(
                "INSERT INTO push_receipts (source, event_id, received_at_us) \
                 SELECT $1, id, $3 FROM UNNEST($2::text[]) AS r(id) ON CONFLICT DO NOTHING",
            )
            .bind(source.as_str())
            .bind(fresh.iter().map(|e| e.id.as_str()).collect::<Vec<_>>())
            .bind(received_at.as_microsecond())
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        }
        tx.commit().await.map_err(backend)?;
        Ok(PushReport {
            repeated_ids,
            ingest,
        })
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1")
            .execute(self.pool())
            .await
            .map_err(backend)?;
        Ok(())
    }
}
