//! The poll queue and push receipts (`migrations/20250101000005_polling.sql`).
//!
//! Claims are one `UPDATE ... RETURNING` inside a `BEGIN IMMEDIATE` transaction: SQLite has one
//! writer at a time, so two pollers (two connections of one server) can never lease the same
//! entry.

use std::collections::HashSet;

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
use sqlx::{QueryBuilder, Sqlite};

use crate::{
    Cols, IN_CHUNK, SqliteStore, backend, get, insert_events, links_of_numbers, refresh_status,
};

/// Rows per multi-row statement (at most 7 values each: far below SQLite's 32 766).
const CHUNK: usize = 1000;

impl PollStore for SqliteStore {
    async fn unrouted_numbers(&self, limit_n: usize) -> Result<Vec<UnroutedNumber>, StoreError> {
        let found = sqlx::query(
            "SELECT number, linked_at_us FROM poll_unrouted ORDER BY linked_at_us, number LIMIT ?",
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
        let entries: Vec<(&SourceName, &Route)> = routes
            .iter()
            .flat_map(|r| r.sources.iter().map(move |s| (s, r)))
            .collect();
        let mut tx = self.begin_write().await?;
        let mut added = 0;
        for chunk in entries.chunks(CHUNK) {
            let mut qb = QueryBuilder::<Sqlite>::new(
                "INSERT INTO poll_queue (source, number, since_us, next_poll_at_us) ",
            );
            qb.push_values(chunk, |mut b, (source, route)| {
                b.push_bind(source.as_str())
                    .push_bind(route.number.as_str())
                    .push_bind(route.since.as_microsecond())
                    .push_bind(due.as_microsecond());
            });
            // A newer link (the number reused for another parcel) starts tracking afresh.
            qb.push(
                " ON CONFLICT (source, number) DO UPDATE SET since_us = excluded.since_us, \
                 next_poll_at_us = excluded.next_poll_at_us, status = NULL, \
                 last_event_at_us = NULL, failures = 0, last_error = NULL \
                 WHERE poll_queue.since_us < excluded.since_us",
            );
            added += qb
                .build()
                .execute(&mut *tx)
                .await
                .map_err(backend)?
                .rows_affected();
        }
        for chunk in routes.chunks(CHUNK) {
            let mut qb = QueryBuilder::<Sqlite>::new("WITH r (number, since_us) AS (");
            qb.push_values(chunk, |mut b, route| {
                b.push_bind(route.number.as_str())
                    .push_bind(route.since.as_microsecond());
            });
            // A link made after the caller read the number stays to be routed.
            // Driven by `r` through the primary key (an EXISTS over `r` would scan the table
            // once per row of `r`).
            qb.push(
                ") DELETE FROM poll_unrouted WHERE number IN (SELECT r.number FROM r \
                 JOIN poll_unrouted u ON u.number = r.number WHERE r.since_us >= u.linked_at_us)",
            );
            qb.build().execute(&mut *tx).await.map_err(backend)?;
        }
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
        let mut tx = self.begin_write().await?;
        let token: i64 = get(
            &sqlx::query(
                "UPDATE poll_lease_counter SET last = last + 1 WHERE id = 1 RETURNING last",
            )
            .fetch_one(&mut *tx)
            .await
            .map_err(backend)?,
            0,
        )?;
        // Served by the partial index `poll_queue_due`. A leased entry's due time is its
        // lease's end, so it is not taken again before that.
        let claimed = sqlx::query(
            "UPDATE poll_queue SET lease_token = ?1, next_poll_at_us = ?2 \
             WHERE rowid IN (SELECT rowid FROM poll_queue WHERE source = ?3 \
             AND next_poll_at_us <= ?4 ORDER BY next_poll_at_us LIMIT ?5) \
             RETURNING number, lease_token, status, last_event_at_us, since_us, failures",
        )
        .bind(token)
        .bind(lease_until.as_microsecond())
        .bind(source.as_str())
        .bind(now.as_microsecond())
        .bind(limit(limit_n))
        .fetch_all(&mut *tx)
        .await
        .map_err(backend)?;
        let claims = claimed
            .iter()
            .map(|row| claim(&Cols(row)))
            .collect::<Result<Vec<_>, StoreError>>()?;
        tx.commit().await.map_err(backend)?;
        Ok(claims)
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
        let mut tx = self.begin_write().await?;
        let mut applied = 0;
        for chunk in rows.chunks(CHUNK) {
            let mut qb = QueryBuilder::<Sqlite>::new(
                "WITH u (number, lease, next_at, status, last_at, failures, error) AS (",
            );
            qb.push_values(chunk, |mut b, r| {
                b.push_bind(r.number)
                    .push_bind(r.lease)
                    .push_bind(r.next_poll_at_us)
                    .push_bind(r.status)
                    .push_bind(r.last_event_at_us)
                    .push_bind(r.failures)
                    .push_bind(r.error);
            });
            // Only the holder of the lease may complete; a refresh asked meanwhile makes the
            // entry due at once.
            qb.push(
                ") UPDATE poll_queue SET lease_token = NULL, \
                 next_poll_at_us = CASE WHEN poll_queue.refresh = 1 THEN 0 ELSE u.next_at END, \
                 refresh = 0, status = u.status, last_event_at_us = u.last_at, \
                 failures = u.failures, last_error = u.error, polls = poll_queue.polls + 1 \
                 FROM u WHERE poll_queue.source = ",
            );
            qb.push_bind(source.as_str());
            qb.push(" AND poll_queue.number = u.number AND poll_queue.lease_token = u.lease");
            applied += qb
                .build()
                .execute(&mut *tx)
                .await
                .map_err(backend)?
                .rows_affected();
        }
        tx.commit().await.map_err(backend)?;
        Ok(usize::try_from(applied).unwrap_or(usize::MAX))
    }

    async fn poll_now(
        &self,
        source: &SourceName,
        numbers: &[TrackingNumber],
        now: Timestamp,
    ) -> Result<usize, StoreError> {
        if numbers.is_empty() {
            return Ok(0);
        }
        let mut tx = self.begin_write().await?;
        let mut touched = 0;
        for chunk in numbers.chunks(CHUNK) {
            let mut qb = QueryBuilder::<Sqlite>::new(
                "INSERT INTO poll_queue (source, number, since_us, next_poll_at_us) ",
            );
            qb.push_values(chunk, |mut b, number| {
                b.push_bind(source.as_str())
                    .push_bind(number.as_str())
                    .push_bind(now.as_microsecond())
                    .push_bind(now.as_microsecond());
            });
            // A live lease is kept (its holder is polling right now); the entry is marked to
            // be due again at once when it completes.
            qb.push(
                " ON CONFLICT (source, number) DO UPDATE SET \
                 next_poll_at_us = CASE WHEN poll_queue.lease_token IS NOT NULL \
                 AND poll_queue.next_poll_at_us > excluded.next_poll_at_us \
                 THEN poll_queue.next_poll_at_us ELSE excluded.next_poll_at_us END, \
                 refresh = CASE WHEN poll_queue.lease_token IS NOT NULL \
                 AND poll_queue.next_poll_at_us > excluded.next_poll_at_us \
                 THEN 1 ELSE poll_queue.refresh END",
            );
            touched += qb
                .build()
                .execute(&mut *tx)
                .await
                .map_err(backend)?
                .rows_affected();
        }
        tx.commit().await.map_err(backend)?;
        Ok(usize::try_from(touched).unwrap_or(usize::MAX))
    }

    async fn poll_entries(&self, number: &TrackingNumber) -> Result<Vec<PollEntry>, StoreError> {
        let found = sqlx::query(
            "SELECT source, number, next_poll_at_us, lease_token, status, last_event_at_us, \
             since_us, failures, last_error, polls FROM poll_queue WHERE number = ? \
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
             coalesce(sum(next_poll_at_us IS NOT NULL), 0), \
             coalesce(sum(next_poll_at_us <= ?1), 0), \
             coalesce(sum(lease_token IS NOT NULL AND next_poll_at_us > ?1), 0), \
             coalesce(sum(failures > 0), 0), \
             coalesce(sum(next_poll_at_us IS NULL), 0) \
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
        let mut tx = self.begin_write().await?;
        let mut received = HashSet::new();
        for chunk in events.chunks(IN_CHUNK) {
            let mut qb =
                QueryBuilder::<Sqlite>::new("SELECT event_id FROM push_receipts WHERE source = ");
            qb.push_bind(source.as_str());
            qb.push(" AND event_id IN (");
            let mut list = qb.separated(", ");
            for e in chunk {
                list.push_bind(e.id.as_str());
            }
            qb.push(")");
            for row in qb.build().fetch_all(&mut *tx).await.map_err(backend)? {
                received.insert(get::<String>(&row, 0)?);
            }
        }
        let (fresh, repeated_ids) = fresh_pushes(events, &received);
        let records: Vec<EventRecord> = fresh.iter().map(|e| e.record.clone()).collect();
        let mut ingest = IngestReport {
            received: records.len(),
            ..IngestReport::default()
        };
        if !records.is_empty() {
            // As `Store::ingest`, inside this transaction.
            let links = links_of_numbers(&mut tx, &rows::distinct_numbers(&records)).await?;
            let planned = rows::plan_ingest(&records, &links)?;
            let inserted = insert_events(&mut tx, planned).await?;
            ingest = rows::ingest_report(records.len(), &inserted);
            refresh_status(&mut tx, inserted).await?;
            for chunk in fresh.chunks(CHUNK) {
                let mut qb = QueryBuilder::<Sqlite>::new(
                    "INSERT INTO push_receipts (source, event_id, received_at_us) ",
                );
                qb.push_values(chunk, |mut b, e| {
                    b.push_bind(source.as_str())
                        .push_bind(e.id.as_str())
                        .push_bind(received_at.as_microsecond());
                });
                qb.build().execute(&mut *tx).await.map_err(backend)?;
            }
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
