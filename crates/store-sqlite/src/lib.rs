//! SQLite storage for Posylka: the embedded default. One file, WAL journal, created and
//! migrated on first open, nothing to set up.
//!
//! Invariants:
//! - every write is one `BEGIN IMMEDIATE` transaction, so a crash loses nothing that was
//!   acknowledged and a failed batch stores nothing;
//! - pragmas on every connection: `journal_mode=WAL`, `synchronous=NORMAL`,
//!   `foreign_keys=ON`, a 5 s busy timeout;
//! - the schema is versioned by `sqlx migrate` (`migrations/`, embedded in the binary);
//! - an event row is its key and one JSON record of its fields (migration 8 says why), written
//!   once at ingest: bulk reads concatenate records, they never build JSON per event.
//!
//! ```
//! use posylka_core::shipment::{Leg, NewShipment, TrackingNumber};
//! use posylka_core::store::Store;
//! use posylka_store_sqlite::SqliteStore;
//!
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let store = SqliteStore::in_memory().await?;
//! let number = TrackingNumber::parse("RS123456789CN")?;
//! let new = NewShipment::new(vec![(number.clone(), Leg::Through)], jiff::Timestamp::now())?;
//! let id = store.create_shipment(&new).await?;
//! assert_eq!(store.find_by_number(&number).await?[0].id, id);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```

use std::borrow::Cow;
use std::collections::HashSet;
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use jiff::Timestamp;
use posylka_core::account::{
    NewApiToken, NewUser, OwnedShipment, ShipmentAccess, ShipmentFilter, TokenHash, User,
    UserCredentials, UserId, UserName,
};
use posylka_core::number_window;
use posylka_core::order::Order;
use posylka_core::shipment::{Leg, NewShipment, Shipment, ShipmentId, TrackingNumber};
use posylka_core::store::rows::{
    self, CachedStatusRow, CheckRow, CheckUpdate, EventDecoder, EventRow, EventView,
    EventsByShipment, ExtensionRow, NumberRow, OrderRow, ShipmentRow, StatusInputRow,
};
use posylka_core::store::{CheckRecord, IngestReport, ShipmentTimeline, Store, StoreError};
use posylka_core::timeline::EventRecord;
use sqlx::migrate::Migrator;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};
use sqlx::{QueryBuilder, Row, Sqlite, SqlitePool};

mod accounts;
mod customs;
mod notifications;
mod polling;
mod sessions;

/// The embedded migrations (`crates/store-sqlite/migrations`).
pub static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// Rows per multi-row INSERT or `VALUES` list: a few columns each stays far below SQLite's
/// 32 766 parameters.
const INSERT_CHUNK: usize = 1000;

/// The most of the database file SQLite maps into memory (`PRAGMA mmap_size`); SQLite's own
/// build-time ceiling (2 GiB by default) applies.
const MMAP_SIZE: u64 = 1 << 31;
/// Values per `IN (...)` list.
const IN_CHUNK: usize = 500;
/// Rows a connection's worker thread may read ahead of the task consuming them.
const ROW_BUFFER: usize = 4096;

/// A Posylka store in one SQLite file.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

fn backend(e: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> StoreError {
    StoreError::Backend(e.into())
}

impl SqliteStore {
    /// Opens (creating if missing) the database file at `path` and migrates it.
    pub async fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true);
        Self::connect(options, 4).await
    }

    /// Opens `sqlite://PATH`, `sqlite:PATH` or `sqlite::memory:`.
    pub async fn open_url(url: &str) -> Result<Self, StoreError> {
        let rest = url
            .strip_prefix("sqlite:")
            .ok_or_else(|| StoreError::InvalidLocation(format!("not a sqlite: URL: {url}")))?;
        if rest == ":memory:" || rest == "//:memory:" {
            return Self::in_memory().await;
        }
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|e| StoreError::InvalidLocation(e.to_string()))?
            .create_if_missing(true);
        Self::connect(options, 4).await
    }

    /// A private in-memory database (one connection), for tests and dry runs.
    pub async fn in_memory() -> Result<Self, StoreError> {
        Self::connect(SqliteConnectOptions::new().in_memory(true), 1).await
    }

    async fn connect(options: SqliteConnectOptions, connections: u32) -> Result<Self, StoreError> {
        let options = options
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5))
            // Reads map the file instead of copying each page through a read(2) call: the bulk
            // reads walk the whole file (a 1M-shipment store is 1.6 GB).
            .pragma("mmap_size", MMAP_SIZE.to_string())
            // Rows come from the connection's worker thread through a bounded channel; sqlx's
            // default of 50 makes a bulk read (a page of timelines) hand over every 50 rows.
            .row_buffer_size(ROW_BUFFER);
        let pool = SqlitePoolOptions::new()
            .max_connections(connections)
            // An in-memory database lives only as long as its connection.
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options)
            .await
            .map_err(backend)?;
        MIGRATOR.run(&pool).await.map_err(backend)?;
        Ok(Self { pool })
    }

    /// The connection pool (for benchmarks and diagnostics).
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Closes every connection, checkpointing the WAL.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, Sqlite>, StoreError> {
        // IMMEDIATE takes the write lock up front, so a second writer waits (busy timeout)
        // instead of failing when it upgrades a read transaction.
        self.pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(backend)
    }
}

fn get<'r, T>(row: &'r SqliteRow, index: usize) -> Result<T, StoreError>
where
    T: sqlx::Decode<'r, Sqlite> + sqlx::Type<Sqlite>,
{
    row.try_get(index).map_err(backend)
}

/// A row read through the engine-neutral decoders of [`rows`].
struct Cols<'a>(&'a SqliteRow);

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

async fn links_of_numbers(
    conn: &mut SqliteConnection,
    numbers: &[&str],
) -> Result<Vec<NumberRow>, StoreError> {
    let mut out = Vec::new();
    for chunk in numbers.chunks(IN_CHUNK) {
        let mut qb = QueryBuilder::<Sqlite>::new(
            "SELECT shipment_id, number, leg, linked_at_us FROM shipment_numbers WHERE number IN (",
        );
        let mut list = qb.separated(", ");
        for n in chunk {
            list.push_bind(*n);
        }
        qb.push(")");
        for row in qb.build().fetch_all(&mut *conn).await.map_err(backend)? {
            out.push(number_row(&row)?);
        }
    }
    Ok(out)
}

fn number_row(row: &SqliteRow) -> Result<NumberRow, StoreError> {
    Ok(NumberRow {
        shipment_id: get(row, 0)?,
        number: get(row, 1)?,
        leg: get(row, 2)?,
        linked_at_us: get(row, 3)?,
    })
}

/// Which shipments to load.
enum Which<'a> {
    All,
    /// Few ids, bound one by one (at most [`IN_CHUNK`]).
    Ids(&'a [i64]),
    /// Every id from the first to the second, inclusive: a page, read along the keys.
    Range(i64, i64),
    /// Any number of ids as one JSON array bound once: one query whatever the count.
    IdsJson(&'a str),
}

fn push_filter(qb: &mut QueryBuilder<Sqlite>, column: &str, which: &Which<'_>) {
    match which {
        Which::All => {}
        Which::Ids(ids) => {
            qb.push(format_args!(" WHERE {column} IN ("));
            let mut list = qb.separated(", ");
            for id in *ids {
                list.push_bind(*id);
            }
            qb.push(")");
        }
        Which::Range(first, last) => {
            qb.push(format_args!(" WHERE {column} BETWEEN "));
            qb.push_bind(*first);
            qb.push(" AND ");
            qb.push_bind(*last);
        }
        Which::IdsJson(json) => {
            qb.push(format_args!(
                " WHERE {column} IN (SELECT value FROM json_each("
            ));
            qb.push_bind(*json);
            qb.push("))");
        }
    }
}

const SHIPMENT_COLUMNS: &str = "SELECT id, created_at_us, status_milestone, status_side, \
     status_reason, status_at_us, status_offset_s, event_count";

fn shipment_row(row: &SqliteRow) -> Result<ShipmentRow, StoreError> {
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

async fn load_shipments(
    conn: &mut SqliteConnection,
    which: Which<'_>,
) -> Result<Vec<Shipment>, StoreError> {
    let chunks: Vec<Which<'_>> = match which {
        Which::All => vec![Which::All],
        Which::Ids(ids) => ids.chunks(IN_CHUNK).map(Which::Ids).collect(),
        other => vec![other],
    };
    let mut out = Vec::new();
    for which in chunks {
        let mut qb = QueryBuilder::<Sqlite>::new(SHIPMENT_COLUMNS);
        qb.push(" FROM shipments");
        push_filter(&mut qb, "id", &which);
        qb.push(" ORDER BY id");
        let mut shipments = Vec::new();
        for row in qb.build().fetch_all(&mut *conn).await.map_err(backend)? {
            shipments.push(shipment_row(&row)?);
        }
        out.extend(assemble_with_parts(conn, shipments, &which).await?);
    }
    Ok(out)
}

/// Shipments from their rows (all covered by `which`) with their numbers and orders.
async fn assemble_with_parts(
    conn: &mut SqliteConnection,
    shipments: Vec<ShipmentRow>,
    which: &Which<'_>,
) -> Result<Vec<Shipment>, StoreError> {
    let numbers: Vec<NumberRow> = fetch_folded(
        conn,
        "SELECT json_group_array(json_array(shipment_id, number, leg, linked_at_us)) \
         FROM shipment_numbers",
        ("shipment_numbers", "shipment_id"),
        which,
    )
    .await?;
    let orders: Vec<OrderRow> = fetch_folded(
        conn,
        "SELECT json_group_array(json_array(shipment_id, marketplace, order_number, \
         placed_at_us, placed_offset_s, shipped_at_us, shipped_offset_s, price_cents, currency, \
         protection_days, dest_country, dest_city, dest_postcode, seller_contacted_at_us, \
         seller_contacted_offset_s, seller_replied_at_us, seller_replied_offset_s, \
         dispute_opened_at_us, dispute_opened_offset_s)) FROM orders",
        ("orders", "shipment_id"),
        which,
    )
    .await?;
    let extensions: Vec<ExtensionRow> = fetch_folded(
        conn,
        "SELECT json_group_array(json_array(shipment_id, seq, days, granted_at_us, \
         granted_offset_s)) FROM protection_extensions",
        ("protection_extensions", "shipment_id"),
        which,
    )
    .await?;
    rows::assemble_shipments(shipments, numbers, orders, extensions)
}

/// Rows folded into JSON: `select` is a `json_group_array(json_array(...))` of a table's
/// columns in the order of `T`'s fields, restricted here to the shipments of `which` by
/// `column`; `table` names the data in errors.
///
/// Why: sqlx hands each result row over from the connection's worker thread, copying every
/// column into its own allocation; for bulk reads (pages of 10 000 shipments) that cost
/// several times SQLite's own work. One JSON text per block of 1024 shipment ids bounds each
/// text while keeping the rows few.
async fn fetch_folded<T: serde::de::DeserializeOwned>(
    conn: &mut SqliteConnection,
    select: &str,
    (table, column): (&'static str, &str),
    which: &Which<'_>,
) -> Result<Vec<T>, StoreError> {
    let mut out = Vec::new();
    for mut qb in folded_queries(select, column, which, 10) {
        for row in qb.build().fetch_all(&mut *conn).await.map_err(backend)? {
            let json: &str = get(&row, 0)?;
            let mut part: Vec<T> =
                serde_json::from_str(json).map_err(|e| rows::corrupt(table, e))?;
            out.append(&mut part);
        }
    }
    Ok(out)
}

/// The queries that fold `select` (a `json_group_array` aggregate) over the shipments of
/// `which`, one JSON text per block of `1 << shift` shipment ids in `column`.
///
/// A range of ids (a page) is read as one plain aggregate per block of keys: it walks the
/// primary key in order, whereas `GROUP BY column >> shift` sends every row through a
/// temporary B-tree first, which doubles SQLite's time for a page. Other selections, whose
/// ids are scattered, are grouped that way in one query.
fn folded_queries(
    select: &str,
    column: &str,
    which: &Which<'_>,
    shift: u32,
) -> Vec<QueryBuilder<Sqlite>> {
    match *which {
        Which::Range(first, last) => {
            let mut queries = Vec::new();
            let mut low = first;
            while low <= last {
                let high = low.saturating_add((1 << shift) - 1).min(last);
                let mut qb = QueryBuilder::<Sqlite>::new(select);
                push_filter(&mut qb, column, &Which::Range(low, high));
                queries.push(qb);
                let Some(next) = high.checked_add(1) else {
                    break;
                };
                low = next;
            }
            queries
        }
        _ => {
            let mut qb = QueryBuilder::<Sqlite>::new(select);
            push_filter(&mut qb, column, which);
            qb.push(format_args!(" GROUP BY {column} >> {shift}"));
            vec![qb]
        }
    }
}

/// A shipment row and its check columns in one flat JSON array: nesting a `json_array` in
/// another makes SQLite read the inner one's JSON text again (a tenth of the folds'
/// `json_array` time, about 1% of a bulk read).
#[derive(serde::Deserialize)]
struct ShipmentCheckJson {
    id: i64,
    created_at_us: i64,
    status_milestone: Option<String>,
    status_side: Option<String>,
    status_reason: Option<String>,
    status_at_us: Option<i64>,
    status_offset_s: Option<i32>,
    event_count: i64,
    revision: i64,
    next_check_at_us: Option<i64>,
    checked_at_us: Option<i64>,
    check_summary: Option<String>,
}

impl ShipmentCheckJson {
    fn split(self) -> (ShipmentRow, CheckRow) {
        let shipment = ShipmentRow {
            id: self.id,
            created_at_us: self.created_at_us,
            status_milestone: self.status_milestone,
            status_side: self.status_side,
            status_reason: self.status_reason,
            status_at_us: self.status_at_us,
            status_offset_s: self.status_offset_s,
            event_count: self.event_count,
        };
        let check = CheckRow {
            id: self.id,
            revision: self.revision,
            next_check_at_us: self.next_check_at_us,
            checked_at_us: self.checked_at_us,
            check_summary: self.check_summary,
        };
        (shipment, check)
    }
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
/// queries. The caller's transaction makes them one snapshot.
async fn load_timelines(
    conn: &mut SqliteConnection,
    selection: Selection,
) -> Result<Vec<ShipmentTimeline>, StoreError> {
    // Folded into JSON like the parts (see `fetch_folded`): a shipment row and its check
    // columns, one flat array each (`ShipmentCheckJson`).
    let mut qb = QueryBuilder::<Sqlite>::new(
        "SELECT json_group_array(json_array(id, created_at_us, status_milestone, status_side, \
         status_reason, status_at_us, status_offset_s, event_count, revision, \
         next_check_at_us, checked_at_us, check_summary)) FROM (SELECT * FROM shipments",
    );
    match selection {
        Selection::Page { after, limit } => {
            qb.push(" WHERE id > ");
            qb.push_bind(after);
            qb.push(" ORDER BY id LIMIT ");
            qb.push_bind(limit);
        }
        Selection::Due { now_us, limit } => {
            // Served by the partial index `shipments_due`.
            qb.push(" WHERE next_check_at_us <= ");
            qb.push_bind(now_us);
            qb.push(" ORDER BY next_check_at_us, id LIMIT ");
            qb.push_bind(limit);
        }
        Selection::One(id) => {
            qb.push(" WHERE id = ");
            qb.push_bind(id);
        }
    }
    // One aggregate over the whole selection (bounded by its limit): grouping by `id >> 10`
    // sent every selected row through a temporary B-tree, since SQLite cannot tell that the
    // expression follows the subquery's order.
    qb.push(")");
    let mut selected: Vec<(ShipmentRow, CheckRow)> = Vec::new();
    for row in qb.build().fetch_all(&mut *conn).await.map_err(backend)? {
        let json: &str = get(&row, 0)?;
        let part: Vec<ShipmentCheckJson> =
            serde_json::from_str(json).map_err(|e| rows::corrupt("shipments", e))?;
        selected.extend(part.into_iter().map(ShipmentCheckJson::split));
    }
    // An aggregate need not keep the subquery's order: restore it.
    match selection {
        Selection::Due { .. } => selected.sort_by_key(|(s, c)| (c.next_check_at_us, s.id)),
        Selection::Page { .. } | Selection::One(_) => selected.sort_by_key(|(s, _)| s.id),
    }
    let (shipments, checks): (Vec<ShipmentRow>, Vec<CheckRow>) = selected.into_iter().unzip();
    let (Some(first), Some(last)) = (shipments.first(), shipments.last()) else {
        return Ok(Vec::new());
    };
    let json;
    let which = match selection {
        // A page is every shipment between its first and last id: read along the keys.
        Selection::Page { .. } | Selection::One(_) => Which::Range(first.id, last.id),
        Selection::Due { .. } => {
            json = id_array(shipments.iter().map(|s| s.id));
            Which::IdsJson(&json)
        }
    };
    let events = load_events(conn, &which).await?;
    let shipments = assemble_with_parts(conn, shipments, &which).await?;
    rows::assemble_timelines(shipments, checks, events)
}

/// `[1,2,3]`.
fn id_array(ids: impl Iterator<Item = i64>) -> String {
    let mut json = String::from("[");
    for (i, id) in ids.enumerate() {
        if i > 0 {
            json.push(',');
        }
        json.push_str(&id.to_string());
    }
    json.push(']');
    json
}

/// Marks a shipment changed (due for the watchdog, next revision); fails if it does not
/// exist. A failure later in the transaction rolls the mark back with everything else.
async fn mark_changed(conn: &mut SqliteConnection, id: ShipmentId) -> Result<(), StoreError> {
    let found = sqlx::query(
        "UPDATE shipments SET next_check_at_us = 0, revision = revision + 1 \
         WHERE id = ? RETURNING id",
    )
    .bind(id.get())
    .fetch_optional(&mut *conn)
    .await
    .map_err(backend)?;
    found.map(|_| ()).ok_or(StoreError::ShipmentNotFound(id))
}

/// Fails if linking `number` to `id` at `linked_at` is a repeat or makes the number ambiguous.
async fn check_link(
    conn: &mut SqliteConnection,
    id: Option<ShipmentId>,
    number: &TrackingNumber,
    linked_at: Timestamp,
) -> Result<(), StoreError> {
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
    conn: &mut SqliteConnection,
    id: ShipmentId,
    number: &TrackingNumber,
    leg: Leg,
    linked_at: Timestamp,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO shipment_numbers (shipment_id, number, leg, linked_at_us) VALUES (?, ?, ?, ?)",
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
    conn: &mut SqliteConnection,
    id: ShipmentId,
    order: Option<&Order>,
) -> Result<(), StoreError> {
    for sql in [
        "DELETE FROM protection_extensions WHERE shipment_id = ?",
        "DELETE FROM orders WHERE shipment_id = ?",
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
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
             (shipment_id, seq, days, granted_at_us, granted_offset_s) VALUES (?, ?, ?, ?, ?)",
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

/// An event's stored record (the `record` column of `events`): a JSON array of the fields in
/// this order, written once at ingest ([`record_json`]) and read back by bulk reads, which
/// only concatenate the records (see migration 8 for why). Text without escapes is borrowed
/// from the JSON when read.
#[derive(serde::Deserialize)]
struct EventJson<'a> {
    shipment_id: i64,
    #[serde(borrow)]
    number: Cow<'a, str>,
    at_us: i64,
    offset_s: i32,
    #[serde(borrow)]
    source: Cow<'a, str>,
    #[serde(borrow)]
    text: Cow<'a, str>,
    #[serde(borrow)]
    code: Option<Text<'a>>,
    #[serde(borrow)]
    location: Option<Text<'a>>,
    #[serde(borrow)]
    country: Option<Text<'a>>,
    #[serde(borrow)]
    milestone: Cow<'a, str>,
    #[serde(borrow)]
    side: Option<Text<'a>>,
    #[serde(borrow)]
    reason: Option<Text<'a>>,
}

/// Text borrowed from the JSON when it has no escapes. serde borrows a `Cow<str>` field only
/// when it is the field's whole type: an `Option<Cow<str>>` would allocate every value.
#[derive(serde::Deserialize)]
#[serde(transparent)]
struct Text<'a>(#[serde(borrow)] Cow<'a, str>);

impl Text<'_> {
    fn get<'t>(text: &'t Option<Text<'_>>) -> Option<&'t str> {
        text.as_ref().map(|t| t.0.as_ref())
    }

    fn owned(text: Option<Text<'_>>) -> Option<String> {
        text.map(|t| t.0.into_owned())
    }
}

impl EventJson<'_> {
    fn view(&self) -> EventView<'_> {
        EventView {
            number: &self.number,
            at_us: self.at_us,
            offset_s: self.offset_s,
            source: &self.source,
            text: &self.text,
            code: Text::get(&self.code),
            location: Text::get(&self.location),
            country: Text::get(&self.country),
            milestone: &self.milestone,
            side: Text::get(&self.side),
            reason: Text::get(&self.reason),
        }
    }
}

/// The stored record of a row, in [`EventJson`]'s field order.
fn record_json(r: &EventRow) -> Result<String, StoreError> {
    let fields = (
        r.shipment_id,
        &r.number,
        r.at_us,
        r.offset_s,
        &r.source,
        &r.text,
        &r.code,
        &r.location,
        &r.country,
        &r.milestone,
        &r.side,
        &r.reason,
    );
    serde_json::to_string(&fields).map_err(backend)
}

/// The records of many events as one text per result row, separated by spaces: handing a row
/// over from sqlx's worker thread copies every column into its own allocation, which made a
/// bulk read (200 000 events a page) cost several times SQLite's own scan. Grouping by blocks
/// of 256 shipment ids bounds each text by the events of 256 shipments. `NULL` when a block
/// has none.
const EVENT_RECORDS: &str = "SELECT group_concat(record, ' ') FROM events";

/// Every event of the shipments of `which`, grouped by shipment.
async fn load_events(
    conn: &mut SqliteConnection,
    which: &Which<'_>,
) -> Result<EventsByShipment, StoreError> {
    let mut groups = Vec::new();
    let mut decoder = EventDecoder::default();
    // One shipment's records at a time: each shipment's vector is then allocated once, at its
    // size. Concatenated along the key, a block's records come grouped by shipment (and
    // `EventsByShipment` joins a shipment met twice, should a plan ever differ).
    let mut own: Vec<(i64, EventRecord)> = Vec::new();
    let mut close = |own: &mut Vec<(i64, EventRecord)>| {
        if let Some(&(id, _)) = own.first() {
            groups.push((id, own.drain(..).map(|(_, r)| r).collect::<Vec<_>>()));
        }
    };
    for mut qb in folded_queries(EVENT_RECORDS, "shipment_id", which, 8) {
        for row in qb.build().fetch_all(&mut *conn).await.map_err(backend)? {
            let Some(records) = get::<Option<&str>>(&row, 0)? else {
                continue;
            };
            for event in serde_json::Deserializer::from_str(records).into_iter::<EventJson<'_>>() {
                let event = event.map_err(|e| rows::corrupt("events", e))?;
                if own.first().is_some_and(|&(id, _)| id != event.shipment_id) {
                    close(&mut own);
                }
                own.push((event.shipment_id, decoder.decode(&event.view())?));
            }
            close(&mut own);
        }
    }
    Ok(EventsByShipment::from_groups(groups))
}

/// Brings the cached status of the shipments that just received `inserted` rows up to date.
async fn refresh_status(
    conn: &mut SqliteConnection,
    inserted: Vec<(i64, StatusInputRow)>,
) -> Result<(), StoreError> {
    let mut ids: Vec<i64> = inserted.iter().map(|(id, _)| *id).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut cached = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(IN_CHUNK) {
        let mut qb = QueryBuilder::<Sqlite>::new(
            "SELECT id, status_milestone, status_side, status_reason, status_at_us, \
             status_offset_s, last_event_at_us, event_count FROM shipments",
        );
        push_filter(&mut qb, "id", &Which::Ids(chunk));
        for row in qb.build().fetch_all(&mut *conn).await.map_err(backend)? {
            cached.push(CachedStatusRow {
                id: get(&row, 0)?,
                status_milestone: get(&row, 1)?,
                status_side: get(&row, 2)?,
                status_reason: get(&row, 3)?,
                status_at_us: get(&row, 4)?,
                status_offset_s: get(&row, 5)?,
                last_event_at_us: get(&row, 6)?,
                event_count: get(&row, 7)?,
            });
        }
    }
    let (mut updates, reread) = rows::incremental_status_updates(&cached, inserted)?;
    for chunk in reread.chunks(IN_CHUNK) {
        let mut qb = QueryBuilder::<Sqlite>::new("SELECT record FROM events");
        push_filter(&mut qb, "shipment_id", &Which::Ids(chunk));
        qb.push(" ORDER BY shipment_id");
        let fetched = qb.build().fetch_all(&mut *conn).await.map_err(backend)?;
        let mut groups: Vec<(i64, Vec<StatusInputRow>)> = Vec::new();
        for row in &fetched {
            let record: EventJson<'_> = serde_json::from_str(get(row, 0)?)
                .map_err(|e| rows::corrupt("events.record", e))?;
            let id = record.shipment_id;
            let input = StatusInputRow {
                at_us: record.at_us,
                offset_s: record.offset_s,
                milestone: record.milestone.into_owned(),
                side: Text::owned(record.side),
                reason: Text::owned(record.reason),
            };
            match groups.last_mut() {
                Some((last, inputs)) if *last == id => inputs.push(input),
                _ => groups.push((id, vec![input])),
            }
        }
        for (id, inputs) in groups {
            updates.push(rows::full_status_update(id, &inputs)?);
        }
    }
    for chunk in updates.chunks(IN_CHUNK) {
        let mut qb = QueryBuilder::<Sqlite>::new(
            "WITH u (id, milestone, side, reason, at_us, offset_s, last_at_us, event_count) AS (",
        );
        qb.push_values(chunk, |mut b, u| {
            b.push_bind(u.id)
                .push_bind(u.columns.milestone)
                .push_bind(u.columns.side)
                .push_bind(u.columns.reason)
                .push_bind(u.columns.at_us)
                .push_bind(u.columns.offset_s)
                .push_bind(u.last_event_at_us)
                .push_bind(u.event_count);
        });
        qb.push(
            ") UPDATE shipments SET status_milestone = u.milestone, status_side = u.side, \
             status_reason = u.reason, status_at_us = u.at_us, status_offset_s = u.offset_s, \
             last_event_at_us = u.last_at_us, event_count = u.event_count, \
             next_check_at_us = 0, revision = revision + 1 \
             FROM u WHERE shipments.id = u.id",
        );
        qb.build().execute(&mut *conn).await.map_err(backend)?;
    }
    Ok(())
}

/// Inserts the rows not stored yet; returns the shipment id and status columns of each new
/// row. Exact because the write transaction is exclusive (`BEGIN IMMEDIATE`); reading the
/// stored keys first is much cheaper than a `RETURNING` row per insert.
async fn insert_events(
    conn: &mut SqliteConnection,
    planned: Vec<EventRow>,
) -> Result<Vec<(i64, StatusInputRow)>, StoreError> {
    let mut targets: Vec<i64> = planned.iter().map(|r| r.shipment_id).collect();
    targets.sort_unstable();
    targets.dedup();
    let mut stored = HashSet::new();
    for chunk in targets.chunks(IN_CHUNK) {
        let mut qb = QueryBuilder::<Sqlite>::new("SELECT shipment_id, fingerprint FROM events");
        push_filter(&mut qb, "shipment_id", &Which::Ids(chunk));
        for row in qb.build().fetch_all(&mut *conn).await.map_err(backend)? {
            stored.insert((get(&row, 0)?, get(&row, 1)?));
        }
    }
    let (fresh, inputs) = rows::unstored_rows(planned, &stored);
    for chunk in fresh.chunks(INSERT_CHUNK) {
        let records = chunk
            .iter()
            .map(record_json)
            .collect::<Result<Vec<_>, _>>()?;
        let mut qb =
            QueryBuilder::<Sqlite>::new("INSERT INTO events (shipment_id, fingerprint, record) ");
        qb.push_values(chunk.iter().zip(records), |mut b, (r, record)| {
            b.push_bind(r.shipment_id)
                .push_bind(r.fingerprint)
                .push_bind(record);
        });
        qb.build().execute(&mut *conn).await.map_err(backend)?;
    }
    Ok(inputs)
}

impl Store for SqliteStore {
    async fn create_shipment(&self, new: &NewShipment) -> Result<ShipmentId, StoreError> {
        let mut tx = self.begin_write().await?;
        for (number, _) in new.numbers() {
            check_link(&mut tx, None, number, new.created_at()).await?;
        }
        let row = sqlx::query("INSERT INTO shipments (created_at_us) VALUES (?) RETURNING id")
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
        let mut tx = self.begin_write().await?;
        mark_changed(&mut tx, id).await?;
        check_link(&mut tx, Some(id), number, linked_at).await?;
        insert_link(&mut tx, id, number, leg, linked_at).await?;
        tx.commit().await.map_err(backend)
    }

    async fn set_order(&self, id: ShipmentId, order: Option<&Order>) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        mark_changed(&mut tx, id).await?;
        write_order(&mut tx, id, order).await?;
        tx.commit().await.map_err(backend)
    }

    async fn shipment(&self, id: ShipmentId) -> Result<Option<Shipment>, StoreError> {
        let mut tx = self.pool.begin().await.map_err(backend)?;
        let mut found = load_shipments(&mut tx, Which::Ids(&[id.get()])).await?;
        tx.commit().await.map_err(backend)?;
        Ok(found.pop())
    }

    async fn find_by_number(&self, number: &TrackingNumber) -> Result<Vec<Shipment>, StoreError> {
        let mut tx = self.pool.begin().await.map_err(backend)?;
        let mut links = links_of_numbers(&mut tx, &[number.as_str()]).await?;
        links.sort_by_key(|l| std::cmp::Reverse((l.linked_at_us, l.shipment_id)));
        let ids: Vec<i64> = links.iter().map(|l| l.shipment_id).collect();
        let mut found = load_shipments(&mut tx, Which::Ids(&ids)).await?;
        tx.commit().await.map_err(backend)?;
        found.sort_by_key(|s| ids.iter().position(|id| *id == s.id.get()));
        Ok(found)
    }

    async fn list_shipments(&self) -> Result<Vec<Shipment>, StoreError> {
        let mut tx = self.pool.begin().await.map_err(backend)?;
        let all = load_shipments(&mut tx, Which::All).await?;
        tx.commit().await.map_err(backend)?;
        Ok(all)
    }

    async fn ingest(&self, records: &[EventRecord]) -> Result<IngestReport, StoreError> {
        if records.is_empty() {
            return Ok(IngestReport::default());
        }
        let mut tx = self.begin_write().await?;
        let links = links_of_numbers(&mut tx, &rows::distinct_numbers(records)).await?;
        // Fails before any write when a number is unknown; dropping `tx` rolls back.
        let planned = rows::plan_ingest(records, &links)?;
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
        let mut tx = self.pool.begin().await.map_err(backend)?;
        let found = load_timelines(&mut tx, Selection::One(id.get())).await?;
        tx.commit().await.map_err(backend)?;
        Ok(found.into_iter().next())
    }

    async fn timelines_page(
        &self,
        after: Option<ShipmentId>,
        limit: usize,
    ) -> Result<Vec<ShipmentTimeline>, StoreError> {
        let selection = Selection::Page {
            after: after.map_or(0, ShipmentId::get),
            limit: i64::try_from(limit).unwrap_or(i64::MAX),
        };
        let mut tx = self.pool.begin().await.map_err(backend)?;
        let page = load_timelines(&mut tx, selection).await?;
        tx.commit().await.map_err(backend)?;
        Ok(page)
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
        let selection = Selection::Due {
            now_us: now.as_microsecond(),
            limit: i64::try_from(limit).unwrap_or(i64::MAX),
        };
        let mut tx = self.pool.begin().await.map_err(backend)?;
        let due = load_timelines(&mut tx, selection).await?;
        tx.commit().await.map_err(backend)?;
        Ok(due)
    }

    async fn record_checks(&self, results: &[CheckRecord]) -> Result<(), StoreError> {
        let updates = rows::last_check_per_shipment(results);
        if updates.is_empty() {
            return Ok(());
        }
        let mut tx = self.begin_write().await?;
        for chunk in updates.chunks(INSERT_CHUNK) {
            let mut qb = QueryBuilder::<Sqlite>::new("WITH u (id, checked_at_us, summary) AS (");
            qb.push_values(chunk, |mut b, u: &CheckUpdate<'_>| {
                b.push_bind(u.id)
                    .push_bind(u.checked_at_us)
                    .push_bind(u.summary);
            });
            qb.push(
                ") UPDATE shipments SET checked_at_us = u.checked_at_us, \
                 check_summary = u.summary FROM u WHERE shipments.id = u.id",
            );
            let updated = qb.build().execute(&mut *tx).await.map_err(backend)?;
            // The ids are distinct, so every shipment exists when as many rows changed; the
            // missing one is looked up only when fewer did. A row per id handed back through
            // sqlx (`RETURNING`) cost a bulk run 3% of its instructions.
            if updated.rows_affected() != chunk.len() as u64 {
                let ids: Vec<i64> = chunk.iter().map(|u| u.id).collect();
                let mut qb = QueryBuilder::<Sqlite>::new("SELECT id FROM shipments");
                push_filter(&mut qb, "id", &Which::Ids(&ids));
                let mut found = Vec::with_capacity(ids.len());
                for row in qb.build().fetch_all(&mut *tx).await.map_err(backend)? {
                    found.push(get::<i64>(&row, 0)?);
                }
                // Dropping `tx` rolls the whole batch back.
                rows::require_all(&ids, &found)?;
            }
        }
        // The due time apart, and only where it changes: SQLite rewrites an index entry for
        // every row whose indexed column is SET, even to the same value, and `shipments_due`
        // entries land at random places (a 10x slower batch on a 1M-shipment store). In key
        // order, consecutive rows share index pages. A shipment changed since it was read
        // keeps its due mark.
        let mut moved: Vec<&CheckUpdate<'_>> = updates.iter().collect();
        moved.sort_by_key(|u| (u.next_check_at_us, u.id));
        for chunk in moved.chunks(INSERT_CHUNK) {
            let mut qb =
                QueryBuilder::<Sqlite>::new("WITH u (id, revision, next_check_at_us) AS (");
            qb.push_values(chunk, |mut b, u: &&CheckUpdate<'_>| {
                b.push_bind(u.id)
                    .push_bind(u.revision)
                    .push_bind(u.next_check_at_us);
            });
            qb.push(
                ") UPDATE shipments SET next_check_at_us = u.next_check_at_us FROM u \
                 WHERE shipments.id = u.id AND shipments.revision = u.revision \
                 AND shipments.next_check_at_us IS NOT u.next_check_at_us",
            );
            qb.build().execute(&mut *tx).await.map_err(backend)?;
        }
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
