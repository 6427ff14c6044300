//! PostgreSQL storage for Posylka: one database shared by several server instances.
//!
//! Invariants:
//! - every write is one transaction; a failed batch stores nothing;
//! - concurrent instances stay consistent: linking a number takes a transaction-scoped
//!   advisory lock on the number, and ingest locks the shipments whose status it recomputes
//!   (in id order, so two ingests cannot deadlock);
//! - the schema is versioned by `sqlx migrate` (`migrations/`, embedded); concurrent
//!   migrations are serialised by sqlx's advisory lock.
//!
//! TLS is not compiled in: connect over loopback, a Unix socket or a private network.
//!
//! ```no_run
//! use posylka_core::store::Store;
//! use posylka_store_postgres::PgStore;
//!
//! # async fn demo() -> Result<(), posylka_core::store::StoreError> {
//! let store = PgStore::connect("postgres://postgres@127.0.0.1:5432/posylka").await?;
//! for shipment in store.list_shipments().await? {
//!     println!("{} {:?}", shipment.id, shipment.status.map(|s| s.milestone));
//! }
//! # Ok(())
//! # }
//! ```

use std::collections::HashSet;
use std::str::FromStr;

use jiff::Timestamp;
use posylka_core::account::{
    NewApiToken, NewUser, OwnedShipment, ShipmentAccess, ShipmentFilter, TokenHash, User,
    UserCredentials, UserId, UserName,
};
use posylka_core::number_window;
use posylka_core::order::Order;
use posylka_core::shipment::{Leg, NewShipment, Shipment, ShipmentId, TrackingNumber};
use posylka_core::store::rows::{
    self, CachedStatusRow, CheckRow, EventDecoder, EventRow, EventView, ExtensionRow, NumberRow,
    OrderRow, ShipmentRow, StatusInputRow,
};
use posylka_core::store::{CheckRecord, IngestReport, ShipmentTimeline, Store, StoreError};
use posylka_core::timeline::EventRecord;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPoolOptions, PgRow};
use sqlx::{PgPool, Postgres, Row};

mod accounts;
mod customs;
mod notifications;
mod polling;
mod sessions;

/// The embedded migrations (`crates/store-postgres/migrations`).
pub static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// A Posylka store in a PostgreSQL database.
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
}

fn backend(e: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> StoreError {
    StoreError::Backend(e.into())
}

impl PgStore {
    /// Connects to `postgres://...` and migrates the database.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_with(Self::options(url)?).await
    }

    /// Connects with a `search_path` of `schema`, creating the schema if missing, and migrates
    /// it: one database can hold several independent stores (used by tests).
    pub async fn connect_in_schema(url: &str, schema: &str) -> Result<Self, StoreError> {
        let valid = !schema.is_empty()
            && schema.len() <= 63
            && schema
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !valid {
            return Err(StoreError::InvalidLocation(format!(
                "schema name {schema:?}: expected 1 to 63 of a-z, 0-9, _"
            )));
        }
        let options = Self::options(url)?;
        let admin = PgPoolOptions::new()
            .max_connections(1)
            .connect_with(options.clone())
            .await
            .map_err(backend)?;
        // The name was checked above to be a plain identifier.
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "CREATE SCHEMA IF NOT EXISTS {schema}"
        )))
        .execute(&admin)
        .await
        .map_err(backend)?;
        admin.close().await;
        Self::connect_with(options.options([("search_path", schema)])).await
    }

    fn options(url: &str) -> Result<PgConnectOptions, StoreError> {
        // The message of a parse failure does not repeat the URL, which may hold a password.
        PgConnectOptions::from_str(url)
            .map_err(|e| StoreError::InvalidLocation(format!("not a usable postgres:// URL ({e})")))
    }

    /// Connects with prepared options and migrates the database.
    pub async fn connect_with(options: PgConnectOptions) -> Result<Self, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await
            .map_err(backend)?;
        MIGRATOR.run(&pool).await.map_err(backend)?;
        Ok(Self { pool })
    }

    /// The connection pool (for benchmarks and diagnostics).
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Closes every connection.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

fn get<'r, T>(row: &'r PgRow, index: usize) -> Result<T, StoreError>
where
    T: sqlx::Decode<'r, Postgres> + sqlx::Type<Postgres>,
{
    row.try_get(index).map_err(backend)
}

/// A row read through the engine-neutral decoders of [`rows`].
struct Cols<'a>(&'a PgRow);

impl rows::Columns for Cols<'_> {
    fn int(&self, at: usize) -> Result<i64, StoreError> {
        get(self.0, at)
    }

    fn opt_int(&self, at: usize) -> Result<Option<i64>, StoreError> {
        get(self.0, at)
    }

    fn text(&self, at: usize) -> Result<String, StoreError> {
        get(self.0, at)
    }

    fn opt_text(&self, at: usize) -> Result<Option<String>, StoreError> {
        get(self.0, at)
    }

    fn opt_bytes(&self, at: usize) -> Result<Option<Vec<u8>>, StoreError> {
        get(self.0, at)
    }
}

fn number_row(row: &PgRow) -> Result<NumberRow, StoreError> {
    Ok(NumberRow {
        shipment_id: get(row, 0)?,
        number: get(row, 1)?,
        leg: get(row, 2)?,
        linked_at_us: get(row, 3)?,
    })
}

async fn links_of_numbers(
    conn: &mut PgConnection,
    numbers: &[&str],
) -> Result<Vec<NumberRow>, StoreError> {
    sqlx::query(
        "SELECT shipment_id, number, leg, linked_at_us FROM shipment_numbers \
         WHERE number = ANY($1)",
    )
    .bind(numbers)
    .fetch_all(&mut *conn)
    .await
    .map_err(backend)?
    .iter()
    .map(number_row)
    .collect()
}

const SHIPMENT_COLUMNS: &str = "SELECT id, created_at_us, status_milestone, status_side, \
     status_reason, status_at_us, status_offset_s, event_count";

fn shipment_row(row: &PgRow) -> Result<ShipmentRow, StoreError> {
    Ok(ShipmentRow {
        id: get(row, 0)?,
        created_at_us: get(row, 1)?,
        status_milestone: get(row, 2)?,
        status_side: get(row, 3)?,
        status_reason: get(row, 4)?,
        status_at_us: get(row, 5)?,
        status_offset_s: get(row, 6)?,
        event_count: get(row, 7)?,
    })
}

/// Which shipments the parts of a read cover.
#[derive(Clone, Copy)]
enum Which<'a> {
    /// Every shipment.
    All,
    /// These ids.
    Ids(&'a [i64]),
    /// Every id from the first to the second, inclusive: a page, read along the keys.
    Range(i64, i64),
}

/// Runs `select` restricted to the shipments of `which` by `column`.
async fn fetch_for(
    conn: &mut PgConnection,
    select: &str,
    column: &str,
    which: Which<'_>,
) -> Result<Vec<PgRow>, StoreError> {
    // The statement text comes from constants in this file; values are bound.
    let query = match which {
        Which::All => sqlx::query(sqlx::AssertSqlSafe(select.to_owned())),
        Which::Ids(ids) => sqlx::query(sqlx::AssertSqlSafe(format!(
            "{select} WHERE {column} = ANY($1)"
        )))
        .bind(ids),
        Which::Range(first, last) => sqlx::query(sqlx::AssertSqlSafe(format!(
            "{select} WHERE {column} BETWEEN $1 AND $2"
        )))
        .bind(first)
        .bind(last),
    };
    query.fetch_all(&mut *conn).await.map_err(backend)
}

async fn load_shipments(
    conn: &mut PgConnection,
    ids: Option<&[i64]>,
) -> Result<Vec<Shipment>, StoreError> {
    let which = ids.map_or(Which::All, Which::Ids);
    let select = format!("{SHIPMENT_COLUMNS} FROM shipments");
    let mut shipments = fetch_for(conn, &select, "id", which)
        .await?
        .iter()
        .map(shipment_row)
        .collect::<Result<Vec<_>, StoreError>>()?;
    shipments.sort_by_key(|s| s.id);
    assemble_with_parts(conn, shipments, which).await
}

/// Shipments from their rows (all covered by `which`) with their numbers and orders.
async fn assemble_with_parts(
    conn: &mut PgConnection,
    shipments: Vec<ShipmentRow>,
    which: Which<'_>,
) -> Result<Vec<Shipment>, StoreError> {
    let numbers = fetch_for(
        conn,
        "SELECT shipment_id, number, leg, linked_at_us FROM shipment_numbers",
        "shipment_id",
        which,
    )
    .await?
    .iter()
    .map(number_row)
    .collect::<Result<Vec<_>, StoreError>>()?;

    let orders = fetch_for(
        conn,
        "SELECT shipment_id, marketplace, order_number, placed_at_us, placed_offset_s, \
         shipped_at_us, shipped_offset_s, price_cents, currency, protection_days, \
         dest_country, dest_city, dest_postcode, seller_contacted_at_us, \
         seller_contacted_offset_s, seller_replied_at_us, seller_replied_offset_s, \
         dispute_opened_at_us, dispute_opened_offset_s FROM orders",
        "shipment_id",
        which,
    )
    .await?
    .iter()
    .map(|row| {
        Ok(OrderRow {
            shipment_id: get(row, 0)?,
            marketplace: get(row, 1)?,
            order_number: get(row, 2)?,
            placed_at_us: get(row, 3)?,
            placed_offset_s: get(row, 4)?,
            shipped_at_us: get(row, 5)?,
            shipped_offset_s: get(row, 6)?,
            price_cents: get(row, 7)?,
            currency: get(row, 8)?,
            protection_days: get(row, 9)?,
            dest_country: get(row, 10)?,
            dest_city: get(row, 11)?,
            dest_postcode: get(row, 12)?,
            seller_contacted_at_us: get(row, 13)?,
            seller_contacted_offset_s: get(row, 14)?,
            seller_replied_at_us: get(row, 15)?,
            seller_replied_offset_s: get(row, 16)?,
            dispute_opened_at_us: get(row, 17)?,
            dispute_opened_offset_s: get(row, 18)?,
        })
    })
    .collect::<Result<Vec<_>, StoreError>>()?;

    let extensions = fetch_for(
        conn,
        "SELECT shipment_id, seq, days, granted_at_us, granted_offset_s \
         FROM protection_extensions",
        "shipment_id",
        which,
    )
    .await?
    .iter()
    .map(|row| {
        Ok(ExtensionRow {
            shipment_id: get(row, 0)?,
            seq: get(row, 1)?,
            days: get(row, 2)?,
            granted_at_us: get(row, 3)?,
            granted_offset_s: get(row, 4)?,
        })
    })
    .collect::<Result<Vec<_>, StoreError>>()?;

    rows::assemble_shipments(shipments, numbers, orders, extensions)
}

/// Which shipments a timeline read covers.
enum Selection {
    /// After an id, in id order.
    Page { after: i64, limit: i64 },
    /// Due at `now`, earliest first.
    Due { now_us: i64, limit: i64 },
    /// One shipment.
    One(i64),
}

/// The selected shipments with their timelines and check state, in a constant number of
/// queries. The caller's transaction (REPEATABLE READ) makes them one snapshot.
async fn load_timelines(
    conn: &mut PgConnection,
    selection: Selection,
) -> Result<Vec<ShipmentTimeline>, StoreError> {
    let select = format!(
        "{SHIPMENT_COLUMNS}, revision, next_check_at_us, checked_at_us, check_summary \
         FROM shipments"
    );
    let query = match selection {
        Selection::Page { after, limit } => sqlx::query(sqlx::AssertSqlSafe(format!(
            "{select} WHERE id > $1 ORDER BY id LIMIT $2"
        )))
        .bind(after)
        .bind(limit),
        // Served by the partial index `shipments_due`. Several instances sharing the
        // database would each read the same due shipments: claiming them (`FOR UPDATE SKIP
        // LOCKED` and a lease column) is for when instances split the watchdog's work.
        Selection::Due { now_us, limit } => sqlx::query(sqlx::AssertSqlSafe(format!(
            "{select} WHERE next_check_at_us <= $1 ORDER BY next_check_at_us, id LIMIT $2"
        )))
        .bind(now_us)
        .bind(limit),
        Selection::One(id) => {
            sqlx::query(sqlx::AssertSqlSafe(format!("{select} WHERE id = $1"))).bind(id)
        }
    };
    let (mut shipments, mut checks) = (Vec::new(), Vec::new());
    for row in query.fetch_all(&mut *conn).await.map_err(backend)? {
        let shipment = shipment_row(&row)?;
        checks.push(CheckRow {
            id: shipment.id,
            revision: get(&row, 8)?,
            next_check_at_us: get(&row, 9)?,
            checked_at_us: get(&row, 10)?,
            check_summary: get(&row, 11)?,
        });
        shipments.push(shipment);
    }
    let (Some(first), Some(last)) = (shipments.first(), shipments.last()) else {
        return Ok(Vec::new());
    };
    let ids: Vec<i64>;
    let which = match selection {
        // A page is every shipment between its first and last id: read along the keys.
        Selection::Page { .. } | Selection::One(_) => Which::Range(first.id, last.id),
        Selection::Due { .. } => {
            ids = shipments.iter().map(|s| s.id).collect();
            Which::Ids(&ids)
        }
    };
    let events = rows::EventsByShipment::from_records(load_events(conn, which).await?);
    let shipments = assemble_with_parts(conn, shipments, which).await?;
    rows::assemble_timelines(shipments, checks, events)
}

/// Marks a shipment changed (due for the watchdog, next revision) and locks its row; fails if
/// it does not exist. A failure later in the transaction rolls the mark back.
async fn mark_changed(conn: &mut PgConnection, id: ShipmentId) -> Result<(), StoreError> {
    let found = sqlx::query(
        "UPDATE shipments SET next_check_at_us = 0, revision = revision + 1 \
         WHERE id = $1 RETURNING id",
    )
    .bind(id.get())
    .fetch_optional(&mut *conn)
    .await
    .map_err(backend)?;
    found.map(|_| ()).ok_or(StoreError::ShipmentNotFound(id))
}

/// Fails if linking `number` to `id` at `linked_at` is a repeat or makes the number ambiguous.
/// Holds an advisory lock on the number until the transaction ends, so two instances cannot
/// both pass the check.
async fn check_link(
    conn: &mut PgConnection,
    id: Option<ShipmentId>,
    number: &TrackingNumber,
    linked_at: Timestamp,
) -> Result<(), StoreError> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('posylka.number:' || $1))")
        .bind(number.as_str())
        .execute(&mut *conn)
        .await
        .map_err(backend)?;
    let existing = links_of_numbers(conn, &[number.as_str()]).await?;
    let mut others = Vec::new();
    for row in &existing {
        let link = row.to_linked_shipment()?;
        if Some(link.shipment) == id {
            return Err(StoreError::AlreadyLinked {
                number: number.clone(),
                shipment: link.shipment,
            });
        }
        others.push(link);
    }
    number_window::check_new_link(&others, linked_at).map_err(|e| StoreError::NumberInUse {
        number: number.clone(),
        shipment: e.existing.shipment,
        linked_at: e.existing.linked_at,
    })
}

async fn insert_link(
    conn: &mut PgConnection,
    id: ShipmentId,
    number: &TrackingNumber,
    leg: Leg,
    linked_at: Timestamp,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO shipment_numbers (shipment_id, number, leg, linked_at_us) \
         VALUES ($1, $2, $3, $4)",
    )
    .bind(id.get())
    .bind(number.as_str())
    .bind(leg.as_str())
    .bind(linked_at.as_microsecond())
    .execute(&mut *conn)
    .await
    .map_err(backend)?;
    Ok(())
}

async fn write_order(
    conn: &mut PgConnection,
    id: ShipmentId,
    order: Option<&Order>,
) -> Result<(), StoreError> {
    for sql in [
        "DELETE FROM protection_extensions WHERE shipment_id = $1",
        "DELETE FROM orders WHERE shipment_id = $1",
    ] {
        sqlx::query(sql)
            .bind(id.get())
            .execute(&mut *conn)
            .await
            .map_err(backend)?;
    }
    let Some(order) = order else { return Ok(()) };
    let (o, extensions) = OrderRow::new(id, order);
    sqlx::query(
        "INSERT INTO orders (shipment_id, marketplace, order_number, placed_at_us, \
         placed_offset_s, shipped_at_us, shipped_offset_s, price_cents, currency, \
         protection_days, dest_country, dest_city, dest_postcode, seller_contacted_at_us, \
         seller_contacted_offset_s, seller_replied_at_us, seller_replied_offset_s, \
         dispute_opened_at_us, dispute_opened_offset_s) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, \
         $18, $19)",
    )
    .bind(o.shipment_id)
    .bind(o.marketplace)
    .bind(o.order_number)
    .bind(o.placed_at_us)
    .bind(o.placed_offset_s)
    .bind(o.shipped_at_us)
    .bind(o.shipped_offset_s)
    .bind(o.price_cents)
    .bind(o.currency)
    .bind(o.protection_days)
    .bind(o.dest_country)
    .bind(o.dest_city)
    .bind(o.dest_postcode)
    .bind(o.seller_contacted_at_us)
    .bind(o.seller_contacted_offset_s)
    .bind(o.seller_replied_at_us)
    .bind(o.seller_replied_offset_s)
    .bind(o.dispute_opened_at_us)
    .bind(o.dispute_opened_offset_s)
    .execute(&mut *conn)
    .await
    .map_err(backend)?;
    for e in extensions {
        sqlx::query(
            "INSERT INTO protection_extensions \
             (shipment_id, seq, days, granted_at_us, granted_offset_s) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(e.shipment_id)
        .bind(e.seq)
        .bind(e.days)
        .bind(e.granted_at_us)
        .bind(e.granted_offset_s)
        .execute(&mut *conn)
        .await
        .map_err(backend)?;
    }
    Ok(())
}

/// Every event of the shipments of `which`, as (shipment id, record), in no particular order.
/// Text columns are decoded borrowed from the result rows: only the record's own fields are
/// allocated (a page of timelines decodes hundreds of thousands of rows).
async fn load_events(
    conn: &mut PgConnection,
    which: Which<'_>,
) -> Result<Vec<(i64, EventRecord)>, StoreError> {
    let mut decoder = EventDecoder::default();
    fetch_for(
        conn,
        "SELECT shipment_id, number, at_us, offset_s, source, text, code, location, country, \
         milestone, side, reason FROM events",
        "shipment_id",
        which,
    )
    .await?
    .iter()
    .map(|row| {
        let view = EventView {
            number: get(row, 1)?,
            at_us: get(row, 2)?,
            offset_s: get(row, 3)?,
            source: get(row, 4)?,
            text: get(row, 5)?,
            code: get(row, 6)?,
            location: get(row, 7)?,
            country: get(row, 8)?,
            milestone: get(row, 9)?,
            side: get(row, 10)?,
            reason: get(row, 11)?,
        };
        Ok((get(row, 0)?, decoder.decode(&view)?))
    })
    .collect()
}

fn status_input(row: &PgRow, from: usize) -> Result<StatusInputRow, StoreError> {
    Ok(StatusInputRow {
        at_us: get(row, from)?,
        offset_s: get(row, from + 1)?,
        milestone: get(row, from + 2)?,
        side: get(row, from + 3)?,
        reason: get(row, from + 4)?,
    })
}

/// Brings the cached status of the shipments that just received `inserted` rows up to date.
/// The caller holds row locks on those shipments.
async fn refresh_status(
    conn: &mut PgConnection,
    inserted: Vec<(i64, StatusInputRow)>,
) -> Result<(), StoreError> {
    let mut ids: Vec<i64> = inserted.iter().map(|(id, _)| *id).collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(());
    }
    let cached = sqlx::query(
        "SELECT id, status_milestone, status_side, status_reason, status_at_us, \
         status_offset_s, last_event_at_us, event_count FROM shipments WHERE id = ANY($1)",
    )
    .bind(&ids)
    .fetch_all(&mut *conn)
    .await
    .map_err(backend)?
    .iter()
    .map(|row| {
        Ok(CachedStatusRow {
            id: get(row, 0)?,
            status_milestone: get(row, 1)?,
            status_side: get(row, 2)?,
            status_reason: get(row, 3)?,
            status_at_us: get(row, 4)?,
            status_offset_s: get(row, 5)?,
            last_event_at_us: get(row, 6)?,
            event_count: get(row, 7)?,
        })
    })
    .collect::<Result<Vec<_>, StoreError>>()?;
    let (mut updates, reread) = rows::incremental_status_updates(&cached, inserted)?;
    if !reread.is_empty() {
        let fetched = sqlx::query(
            "SELECT shipment_id, at_us, offset_s, milestone, side, reason FROM events \
             WHERE shipment_id = ANY($1) ORDER BY shipment_id",
        )
        .bind(&reread)
        .fetch_all(&mut *conn)
        .await
        .map_err(backend)?;
        let mut groups: Vec<(i64, Vec<StatusInputRow>)> = Vec::new();
        for row in &fetched {
            let id: i64 = get(row, 0)?;
            let input = status_input(row, 1)?;
            match groups.last_mut() {
                Some((last, inputs)) if *last == id => inputs.push(input),
                _ => groups.push((id, vec![input])),
            }
        }
        for (id, inputs) in groups {
            updates.push(rows::full_status_update(id, &inputs)?);
        }
    }
    sqlx::query(
        "UPDATE shipments AS s SET status_milestone = u.milestone, status_side = u.side, \
         status_reason = u.reason, status_at_us = u.at_us, status_offset_s = u.offset_s, \
         last_event_at_us = u.last_at_us, event_count = u.event_count, \
         next_check_at_us = 0, revision = s.revision + 1 \
         FROM UNNEST($1::bigint[], $2::text[], $3::text[], $4::text[], $5::bigint[], \
         $6::int4[], $7::bigint[], $8::bigint[]) \
         AS u(id, milestone, side, reason, at_us, offset_s, last_at_us, event_count) \
         WHERE s.id = u.id",
    )
    .bind(updates.iter().map(|u| u.id).collect::<Vec<_>>())
    .bind(
        updates
            .iter()
            .map(|u| u.columns.milestone)
            .collect::<Vec<_>>(),
    )
    .bind(updates.iter().map(|u| u.columns.side).collect::<Vec<_>>())
    .bind(updates.iter().map(|u| u.columns.reason).collect::<Vec<_>>())
    .bind(updates.iter().map(|u| u.columns.at_us).collect::<Vec<_>>())
    .bind(
        updates
            .iter()
            .map(|u| u.columns.offset_s)
            .collect::<Vec<_>>(),
    )
    .bind(
        updates
            .iter()
            .map(|u| u.last_event_at_us)
            .collect::<Vec<_>>(),
    )
    .bind(updates.iter().map(|u| u.event_count).collect::<Vec<_>>())
    .execute(&mut *conn)
    .await
    .map_err(backend)?;
    Ok(())
}

/// Inserts the rows not stored yet; returns the shipment id and status columns of each new
/// row. Exact because the caller holds row locks on the target shipments, which every ingest
/// takes. The stored keys are probed by the planned keys (work in proportion to the batch, not
/// to the shipments' history), then the fresh rows go in by `COPY`: no conflict handling is
/// left for the server to do, and COPY is its cheapest way in.
async fn insert_events(
    conn: &mut PgConnection,
    planned: Vec<EventRow>,
) -> Result<Vec<(i64, StatusInputRow)>, StoreError> {
    let stored = sqlx::query(
        "SELECT e.shipment_id, e.fingerprint \
         FROM UNNEST($1::bigint[], $2::bigint[]) AS k (shipment_id, fingerprint) \
         JOIN events AS e ON e.shipment_id = k.shipment_id AND e.fingerprint = k.fingerprint",
    )
    .bind(planned.iter().map(|r| r.shipment_id).collect::<Vec<_>>())
    .bind(planned.iter().map(|r| r.fingerprint).collect::<Vec<_>>())
    .fetch_all(&mut *conn)
    .await
    .map_err(backend)?
    .iter()
    .map(|row| Ok((get(row, 0)?, get(row, 1)?)))
    .collect::<Result<HashSet<(i64, i64)>, StoreError>>()?;
    let (fresh, inputs) = rows::unstored_rows(planned, &stored);
    if fresh.is_empty() {
        return Ok(inputs);
    }
    let mut copy = conn
        .copy_in_raw(
            "COPY events (shipment_id, fingerprint, number, at_us, offset_s, source, text, \
             code, location, country, milestone, side, reason) FROM STDIN",
        )
        .await
        .map_err(backend)?;
    let mut buffer = Vec::with_capacity(COPY_BUFFER + 4096);
    for row in &fresh {
        copy_row(&mut buffer, row);
        if buffer.len() >= COPY_BUFFER {
            copy.send(std::mem::take(&mut buffer))
                .await
                .map_err(backend)?;
            buffer.reserve(COPY_BUFFER + 4096);
        }
    }
    if !buffer.is_empty() {
        copy.send(buffer).await.map_err(backend)?;
    }
    copy.finish().await.map_err(backend)?;
    Ok(inputs)
}

/// Bytes of COPY data sent at a time.
const COPY_BUFFER: usize = 1 << 20;

/// Appends one row in COPY's text format: tab-separated, `\N` for NULL, newline-terminated.
fn copy_row(out: &mut Vec<u8>, row: &EventRow) {
    use std::io::Write as _;
    // Writing into a Vec cannot fail.
    let _ = write!(out, "{}\t{}\t", row.shipment_id, row.fingerprint);
    copy_text(out, Some(&row.number));
    let _ = write!(out, "\t{}\t{}\t", row.at_us, row.offset_s);
    for (i, text) in [
        Some(row.source.as_str()),
        Some(row.text.as_str()),
        row.code.as_deref(),
        row.location.as_deref(),
        row.country.as_deref(),
        Some(row.milestone.as_str()),
        row.side.as_deref(),
        row.reason.as_deref(),
    ]
    .into_iter()
    .enumerate()
    {
        if i > 0 {
            out.push(b'\t');
        }
        copy_text(out, text);
    }
    out.push(b'\n');
}

/// A text field in COPY's text format: the backslash, and the tab, newline and carriage
/// return that would end the field or row, are escaped; anything else goes as is.
fn copy_text(out: &mut Vec<u8>, text: Option<&str>) {
    let Some(text) = text else {
        out.extend_from_slice(b"\\N");
        return;
    };
    for &b in text.as_bytes() {
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            _ => out.push(b),
        }
    }
}

impl PgStore {
    async fn read_timelines(
        &self,
        selection: Selection,
    ) -> Result<Vec<ShipmentTimeline>, StoreError> {
        // REPEATABLE READ: shipments, numbers, orders and events come from one snapshot.
        let mut tx = self
            .pool
            .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .await
            .map_err(backend)?;
        let found = load_timelines(&mut tx, selection).await?;
        tx.commit().await.map_err(backend)?;
        Ok(found)
    }
}

impl Store for PgStore {
    async fn create_shipment(&self, new: &NewShipment) -> Result<ShipmentId, StoreError> {
        let mut tx = self.pool.begin().await.map_err(backend)?;
        for (number, _) in new.numbers() {
            check_link(&mut tx, None, number, new.created_at()).await?;
        }
        let row = sqlx::query("INSERT INTO shipments (created_at_us) VALUES ($1) RETURNING id")
            .bind(new.created_at().as_microsecond())
            .fetch_one(&mut *tx)
            .await
            .map_err(backend)?;
        let id = rows::shipment_id("shipments.id", get(&row, 0)?)?;
        for (number, leg) in new.numbers() {
            insert_link(&mut tx, id, number, *leg, new.created_at()).await?;
        }
        if let Some(order) = new.order() {
            write_order(&mut tx, id, Some(order)).await?;
        }
        accounts::set_owner(&mut tx, id, new.owner()).await?;
        tx.commit().await.map_err(backend)?;
        Ok(id)
    }

    async fn link_number(
        &self,
        id: ShipmentId,
        number: &TrackingNumber,
        leg: Leg,
        linked_at: Timestamp,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await.map_err(backend)?;
        mark_changed(&mut tx, id).await?;
        check_link(&mut tx, Some(id), number, linked_at).await?;
        insert_link(&mut tx, id, number, leg, linked_at).await?;
        tx.commit().await.map_err(backend)
    }

    async fn set_order(&self, id: ShipmentId, order: Option<&Order>) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await.map_err(backend)?;
        mark_changed(&mut tx, id).await?;
        write_order(&mut tx, id, order).await?;
        tx.commit().await.map_err(backend)
    }

    async fn shipment(&self, id: ShipmentId) -> Result<Option<Shipment>, StoreError> {
        let mut tx = self.pool.begin().await.map_err(backend)?;
        let mut found = load_shipments(&mut tx, Some(&[id.get()])).await?;
        tx.commit().await.map_err(backend)?;
        Ok(found.pop())
    }

    async fn find_by_number(&self, number: &TrackingNumber) -> Result<Vec<Shipment>, StoreError> {
        let mut tx = self.pool.begin().await.map_err(backend)?;
        let mut links = links_of_numbers(&mut tx, &[number.as_str()]).await?;
        links.sort_by_key(|l| std::cmp::Reverse((l.linked_at_us, l.shipment_id)));
        let ids: Vec<i64> = links.iter().map(|l| l.shipment_id).collect();
        let mut found = load_shipments(&mut tx, Some(&ids)).await?;
        tx.commit().await.map_err(backend)?;
        found.sort_by_key(|s| ids.iter().position(|id| *id == s.id.get()));
        Ok(found)
    }

    async fn list_shipments(&self) -> Result<Vec<Shipment>, StoreError> {
        let mut tx = self.pool.begin().await.map_err(backend)?;
        let all = load_shipments(&mut tx, None).await?;
        tx.commit().await.map_err(backend)?;
        Ok(all)
    }

    async fn ingest(&self, records: &[EventRecord]) -> Result<IngestReport, StoreError> {
        if records.is_empty() {
            return Ok(IngestReport::default());
        }
        let mut tx = self.pool.begin().await.map_err(backend)?;
        let links = links_of_numbers(&mut tx, &rows::distinct_numbers(records)).await?;
        // Fails before any write when a number is unknown; dropping `tx` rolls back.
        let planned = rows::plan_ingest(records, &links)?;
        // Lock the target shipments (in id order, so concurrent ingests cannot deadlock) before
        // inserting: a concurrent ingest into the same shipments waits for this one to
        // commit, so its status recomputation sees these events.
        let mut targets: Vec<i64> = planned.iter().map(|r| r.shipment_id).collect();
        targets.sort_unstable();
        targets.dedup();
        // `events` has no foreign key (see migration 2): these locks are what keep the
        // shipments, so every one must be found.
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
        let report = rows::ingest_report(records.len(), &inserted);
        refresh_status(&mut tx, inserted).await?;
        tx.commit().await.map_err(backend)?;

        Ok(report)
    }

    async fn shipment_timeline(
        &self,
        id: ShipmentId,
    ) -> Result<Option<ShipmentTimeline>, StoreError> {
        let found = self.read_timelines(Selection::One(id.get())).await?;
        Ok(found.into_iter().next())
    }

    async fn timelines_page(
        &self,
        after: Option<ShipmentId>,
        limit: usize,
    ) -> Result<Vec<ShipmentTimeline>, StoreError> {
        self.read_timelines(Selection::Page {
            after: after.map_or(0, ShipmentId::get),
            limit: i64::try_from(limit).unwrap_or(i64::MAX),
        })
        .await
    }

    async fn shipment_id_range(&self) -> Result<Option<(ShipmentId, ShipmentId)>, StoreError> {
        let row = sqlx::query("SELECT min(id), max(id) FROM shipments")
            .fetch_one(&self.pool)
            .await
            .map_err(backend)?;
        match (get::<Option<i64>>(&row, 0)?, get::<Option<i64>>(&row, 1)?) {
            (Some(first), Some(last)) => Ok(Some((
                rows::shipment_id("shipments.id", first)?,
                rows::shipment_id("shipments.id", last)?,
            ))),
            _ => Ok(None),
        }
    }

    async fn due_for_check(
        &self,
        now: Timestamp,
        limit: usize,
    ) -> Result<Vec<ShipmentTimeline>, StoreError> {
        self.read_timelines(Selection::Due {
            now_us: now.as_microsecond(),
            limit: i64::try_from(limit).unwrap_or(i64::MAX),
        })
        .await
    }

    async fn record_checks(&self, results: &[CheckRecord]) -> Result<(), StoreError> {
        let updates = rows::last_check_per_shipment(results);
        if updates.is_empty() {
            return Ok(());
        }
        let mut tx = self.pool.begin().await.map_err(backend)?;
        // One statement for the batch. A shipment changed since it was read keeps its due
        // mark; the row lock the UPDATE takes orders it against a concurrent ingest.
        let found = sqlx::query(
            "UPDATE shipments AS s SET checked_at_us = u.checked_at_us, \
             check_summary = u.summary, next_check_at_us = CASE \
             WHEN s.revision = u.revision THEN u.next_check_at_us ELSE s.next_check_at_us END \
             FROM UNNEST($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], $5::text[]) \
             AS u(id, revision, checked_at_us, next_check_at_us, summary) \
             WHERE s.id = u.id RETURNING s.id",
        )
        .bind(updates.iter().map(|u| u.id).collect::<Vec<_>>())
        .bind(updates.iter().map(|u| u.revision).collect::<Vec<_>>())
        .bind(updates.iter().map(|u| u.checked_at_us).collect::<Vec<_>>())
        .bind(
            updates
                .iter()
                .map(|u| u.next_check_at_us)
                .collect::<Vec<_>>(),
        )
        .bind(updates.iter().map(|u| u.summary).collect::<Vec<_>>())
        .fetch_all(&mut *tx)
        .await
        .map_err(backend)?
        .iter()
        .map(|row| get::<i64>(row, 0))
        .collect::<Result<Vec<_>, StoreError>>()?;
        // Dropping `tx` on error rolls the whole batch back.
        rows::require_all(&updates.iter().map(|u| u.id).collect::<Vec<_>>(), &found)?;
        tx.commit().await.map_err(backend)
    }

    // Accounts: implemented in `accounts.rs`.

    async fn create_user(&self, new: &NewUser) -> Result<UserId, StoreError> {
        self.create_user_impl(new).await
    }

    async fn user_by_name(&self, name: &UserName) -> Result<Option<UserCredentials>, StoreError> {
        self.user_by_name_impl(name).await
    }

    async fn create_api_token(&self, token: &NewApiToken) -> Result<(), StoreError> {
        self.create_api_token_impl(token).await
    }

    async fn user_by_token(&self, hash: &TokenHash) -> Result<Option<User>, StoreError> {
        self.user_by_token_impl(hash).await
    }

    async fn shipment_access(&self, id: ShipmentId) -> Result<Option<ShipmentAccess>, StoreError> {
        self.shipment_access_impl(id).await
    }

    async fn set_archived(
        &self,
        id: ShipmentId,
        archived_at: Option<Timestamp>,
    ) -> Result<(), StoreError> {
        self.set_archived_impl(id, archived_at).await
    }

    async fn delete_shipment(&self, id: ShipmentId) -> Result<(), StoreError> {
        self.delete_shipment_impl(id).await
    }

    async fn owned_shipments(
        &self,
        owner: UserId,
        filter: &ShipmentFilter,
    ) -> Result<Vec<OwnedShipment>, StoreError> {
        self.owned_shipments_impl(owner, filter).await
    }
}
