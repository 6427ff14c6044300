//! Flat row forms shared by the SQL adapters, and the pure steps between rows and domain types.
//!
//! Both engines store the same columns: instants as microseconds since the Unix epoch
//! (`*_at_us`, BIGINT) next to the reported offset in seconds (`*_offset_s`, INTEGER), keys
//! (milestone, side, reason, leg) as their snake_case text. Keeping the conversions here means
//! the adapters only move primitives, and both decode stored data the same way.
//!
//! Row structs deserialize (serde) from a JSON array of their columns in field order, for an
//! adapter that reads rows folded into JSON. (SQLite keeps an event's fields as one such JSON
//! record per row rather than in columns: its migration 8 says why.)

mod columns;
pub mod customs;
pub mod notifications;

pub use columns::{Columns, limit};

use std::collections::HashMap;

use jiff::Timestamp;

use super::{CheckRecord, CheckState, IngestReport, ShipmentTimeline, StoreError};
use crate::account::{User, UserId, UserName};
use crate::event_time::EventTime;
use crate::milestone::{Milestone, Reason, Side};
use crate::number_window::{self, LinkedShipment};
use crate::order::{Destination, Order, Price, ProtectionExtension};
use crate::shipment::{NumberLink, Shipment, ShipmentId, TrackingNumber};
use crate::timeline::{EventRecord, SourceName, Status, Timeline};

/// A [`StoreError::Corrupt`] for a column (`what`) whose stored value does not decode.
pub fn corrupt(what: &'static str, detail: impl ToString) -> StoreError {
    StoreError::Corrupt {
        what,
        detail: detail.to_string(),
    }
}

fn parse_opt<T: std::str::FromStr>(
    what: &'static str,
    value: Option<&str>,
) -> Result<Option<T>, StoreError>
where
    T::Err: ToString,
{
    value
        .map(|v| v.parse::<T>().map_err(|e| corrupt(what, e)))
        .transpose()
}

/// Decodes a stored shipment id.
pub fn shipment_id(what: &'static str, id: i64) -> Result<ShipmentId, StoreError> {
    ShipmentId::new(id).ok_or_else(|| corrupt(what, format!("non-positive id {id}")))
}

/// Decodes a stored user id.
pub fn user_id(what: &'static str, id: i64) -> Result<UserId, StoreError> {
    UserId::new(id).ok_or_else(|| corrupt(what, format!("non-positive id {id}")))
}

/// Decodes a user from its `users` columns: id, name, created_at_us.
pub fn user(id: i64, name: &str, created_at_us: i64) -> Result<User, StoreError> {
    Ok(User {
        id: user_id("users.id", id)?,
        name: UserName::parse(name).map_err(|e| corrupt("users.name", e))?,
        created_at: timestamp("users.created_at_us", created_at_us)?,
    })
}

/// Decodes a stored instant.
pub fn timestamp(what: &'static str, micros: i64) -> Result<Timestamp, StoreError> {
    Timestamp::from_microsecond(micros).map_err(|e| corrupt(what, e))
}

/// Decodes an optional stored (instant, offset) pair; both or neither must be present.
pub fn event_time(
    what: &'static str,
    micros: Option<i64>,
    offset_s: Option<i32>,
) -> Result<Option<EventTime>, StoreError> {
    match (micros, offset_s) {
        (None, None) => Ok(None),
        (Some(us), Some(off)) => EventTime::from_storage(us, off)
            .map(Some)
            .map_err(|e| corrupt(what, e)),
        _ => Err(corrupt(
            what,
            "instant and offset must be both set or both empty",
        )),
    }
}

/// Splits an optional event time into its two columns.
pub fn event_time_columns(t: Option<&EventTime>) -> (Option<i64>, Option<i32>) {
    match t.map(EventTime::to_storage) {
        Some((us, off)) => (Some(us), Some(off)),
        None => (None, None),
    }
}

/// The `shipments` table: identity and cached status.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct ShipmentRow {
    /// `id`.
    pub id: i64,
    /// `created_at_us`.
    pub created_at_us: i64,
    /// `status_milestone`.
    pub status_milestone: Option<String>,
    /// `status_side`.
    pub status_side: Option<String>,
    /// `status_reason`.
    pub status_reason: Option<String>,
    /// `status_at_us`.
    pub status_at_us: Option<i64>,
    /// `status_offset_s`.
    pub status_offset_s: Option<i32>,
    /// `event_count`.
    pub event_count: i64,
}

/// The status columns of `shipments` for a derived status.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StatusColumns {
    /// `status_milestone`.
    pub milestone: Option<&'static str>,
    /// `status_side`.
    pub side: Option<&'static str>,
    /// `status_reason`.
    pub reason: Option<&'static str>,
    /// `status_at_us`.
    pub at_us: Option<i64>,
    /// `status_offset_s`.
    pub offset_s: Option<i32>,
}

impl StatusColumns {
    /// The columns for a status (all empty for `None`).
    pub fn new(status: Option<&Status>) -> Self {
        let (at_us, offset_s) = event_time_columns(status.map(|s| &s.at));
        Self {
            milestone: status.map(|s| s.milestone.key()),
            side: status.and_then(|s| s.side).map(Side::key),
            reason: status.and_then(|s| s.reason).map(Reason::key),
            at_us,
            offset_s,
        }
    }
}

/// The `shipment_numbers` table.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct NumberRow {
    /// `shipment_id`.
    pub shipment_id: i64,
    /// `number`.
    pub number: String,
    /// `leg`.
    pub leg: String,
    /// `linked_at_us`.
    pub linked_at_us: i64,
}

impl NumberRow {
    /// Decodes the link.
    pub fn to_link(&self) -> Result<NumberLink, StoreError> {
        Ok(NumberLink {
            number: TrackingNumber::parse(&self.number)
                .map_err(|e| corrupt("shipment_numbers.number", e))?,
            leg: self
                .leg
                .parse()
                .map_err(|e| corrupt("shipment_numbers.leg", e))?,
            linked_at: timestamp("shipment_numbers.linked_at_us", self.linked_at_us)?,
        })
    }

    /// The link as the number-window rule sees it.
    pub fn to_linked_shipment(&self) -> Result<LinkedShipment, StoreError> {
        Ok(LinkedShipment {
            shipment: shipment_id("shipment_numbers.shipment_id", self.shipment_id)?,
            linked_at: timestamp("shipment_numbers.linked_at_us", self.linked_at_us)?,
        })
    }
}

/// The `orders` table.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Deserialize)]
#[allow(missing_docs)] // Each field is the column of the same name.
pub struct OrderRow {
    pub shipment_id: i64,
    pub marketplace: String,
    pub order_number: String,
    pub placed_at_us: Option<i64>,
    pub placed_offset_s: Option<i32>,
    pub shipped_at_us: Option<i64>,
    pub shipped_offset_s: Option<i32>,
    pub price_cents: Option<i64>,
    pub currency: Option<String>,
    pub protection_days: Option<i32>,
    pub dest_country: Option<String>,
    pub dest_city: Option<String>,
    pub dest_postcode: Option<String>,
    pub seller_contacted_at_us: Option<i64>,
    pub seller_contacted_offset_s: Option<i32>,
    pub seller_replied_at_us: Option<i64>,
    pub seller_replied_offset_s: Option<i32>,
    pub dispute_opened_at_us: Option<i64>,
    pub dispute_opened_offset_s: Option<i32>,
}

/// The `protection_extensions` table.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct ExtensionRow {
    /// `shipment_id`.
    pub shipment_id: i64,
    /// `seq`: position from 0.
    pub seq: i32,
    /// `days`.
    pub days: i32,
    /// `granted_at_us`.
    pub granted_at_us: Option<i64>,
    /// `granted_offset_s`.
    pub granted_offset_s: Option<i32>,
}

impl OrderRow {
    /// The row and its extension rows for an order.
    pub fn new(shipment: ShipmentId, order: &Order) -> (Self, Vec<ExtensionRow>) {
        let id = shipment.get();
        let (placed_at_us, placed_offset_s) = event_time_columns(order.placed_at.as_ref());
        let (shipped_at_us, shipped_offset_s) = event_time_columns(order.shipped_at.as_ref());
        let (seller_contacted_at_us, seller_contacted_offset_s) =
            event_time_columns(order.seller_contacted_at.as_ref());
        let (seller_replied_at_us, seller_replied_offset_s) =
            event_time_columns(order.seller_replied_at.as_ref());
        let (dispute_opened_at_us, dispute_opened_offset_s) =
            event_time_columns(order.dispute_opened_at.as_ref());
        let row = Self {
            shipment_id: id,
            marketplace: order.marketplace().to_owned(),
            order_number: order.order_number().to_owned(),
            placed_at_us,
            placed_offset_s,
            shipped_at_us,
            shipped_offset_s,
            price_cents: order.price.map(|p| p.cents()),
            currency: order.price.map(|p| p.currency().as_str().to_owned()),
            protection_days: order.protection_days.map(i32::from),
            dest_country: order.destination.country.map(|c| c.as_str().to_owned()),
            dest_city: order.destination.city.clone(),
            dest_postcode: order.destination.postcode.clone(),
            seller_contacted_at_us,
            seller_contacted_offset_s,
            seller_replied_at_us,
            seller_replied_offset_s,
            dispute_opened_at_us,
            dispute_opened_offset_s,
        };
        let extensions = order
            .protection_extensions
            .iter()
            .zip(0..)
            .map(|(e, seq)| {
                let (granted_at_us, granted_offset_s) = event_time_columns(e.granted_at.as_ref());
                ExtensionRow {
                    shipment_id: id,
                    seq,
                    days: i32::from(e.days),
                    granted_at_us,
                    granted_offset_s,
                }
            })
            .collect();
        (row, extensions)
    }

    /// Decodes the order; `extensions` are this order's rows in `seq` order.
    pub fn to_order(&self, extensions: &[ExtensionRow]) -> Result<Order, StoreError> {
        let mut order = Order::new(&self.marketplace, &self.order_number)
            .map_err(|e| corrupt("orders.marketplace/order_number", e))?;
        order.placed_at = event_time("orders.placed_at", self.placed_at_us, self.placed_offset_s)?;
        order.shipped_at = event_time(
            "orders.shipped_at",
            self.shipped_at_us,
            self.shipped_offset_s,
        )?;
        order.price = match (self.price_cents, &self.currency) {
            (None, None) => None,
            (Some(cents), Some(currency)) => {
                let currency = currency
                    .parse()
                    .map_err(|e| corrupt("orders.currency", e))?;
                Some(
                    Price::new(cents, currency)
                        .ok_or_else(|| corrupt("orders.price_cents", "negative price"))?,
                )
            }
            _ => {
                return Err(corrupt(
                    "orders.price",
                    "amount and currency must be both set",
                ));
            }
        };
        order.protection_days = self
            .protection_days
            .map(u16::try_from)
            .transpose()
            .map_err(|e| corrupt("orders.protection_days", e))?;
        order.destination = Destination {
            country: parse_opt("orders.dest_country", self.dest_country.as_deref())?,
            city: self.dest_city.clone(),
            postcode: self.dest_postcode.clone(),
        };
        order.seller_contacted_at = event_time(
            "orders.seller_contacted_at",
            self.seller_contacted_at_us,
            self.seller_contacted_offset_s,
        )?;
        order.seller_replied_at = event_time(
            "orders.seller_replied_at",
            self.seller_replied_at_us,
            self.seller_replied_offset_s,
        )?;
        order.dispute_opened_at = event_time(
            "orders.dispute_opened_at",
            self.dispute_opened_at_us,
            self.dispute_opened_offset_s,
        )?;
        order.protection_extensions = extensions
            .iter()
            .map(|e| {
                Ok(ProtectionExtension {
                    days: u16::try_from(e.days)
                        .map_err(|err| corrupt("protection_extensions.days", err))?,
                    granted_at: event_time(
                        "protection_extensions.granted_at",
                        e.granted_at_us,
                        e.granted_offset_s,
                    )?,
                })
            })
            .collect::<Result<_, StoreError>>()?;
        Ok(order)
    }
}

/// Builds shipments from their rows (any order); the result follows `shipments`' order.
pub fn assemble_shipments(
    shipments: Vec<ShipmentRow>,
    numbers: Vec<NumberRow>,
    orders: Vec<OrderRow>,
    mut extensions: Vec<ExtensionRow>,
) -> Result<Vec<Shipment>, StoreError> {
    let mut links: HashMap<i64, Vec<(i64, NumberLink)>> = HashMap::new();
    for row in &numbers {
        links
            .entry(row.shipment_id)
            .or_default()
            .push((row.linked_at_us, row.to_link()?));
    }
    extensions.sort_by_key(|e| (e.shipment_id, e.seq));
    // Grouped once: a page or a full list holds many orders, so no scan per order.
    let own_extensions: HashMap<i64, &[ExtensionRow]> = extensions
        .chunk_by(|a, b| a.shipment_id == b.shipment_id)
        .map(|group| (group[0].shipment_id, group))
        .collect();
    let mut orders: HashMap<i64, Order> = orders
        .iter()
        .map(|o| {
            let own = own_extensions.get(&o.shipment_id).copied().unwrap_or(&[]);
            Ok((o.shipment_id, o.to_order(own)?))
        })
        .collect::<Result<_, StoreError>>()?;
    shipments
        .into_iter()
        .map(|row| {
            let mut numbers = links.remove(&row.id).unwrap_or_default();
            numbers.sort_by(|a, b| (a.0, &a.1.number).cmp(&(b.0, &b.1.number)));
            let status = match &row.status_milestone {
                None => None,
                Some(m) => Some(Status {
                    milestone: m
                        .parse::<Milestone>()
                        .map_err(|e| corrupt("shipments.status_milestone", e))?,
                    side: parse_opt("shipments.status_side", row.status_side.as_deref())?,
                    reason: parse_opt("shipments.status_reason", row.status_reason.as_deref())?,
                    at: event_time("shipments.status_at", row.status_at_us, row.status_offset_s)?
                        .ok_or_else(|| corrupt("shipments.status_at", "missing"))?,
                }),
            };
            Ok(Shipment {
                id: shipment_id("shipments.id", row.id)?,
                created_at: timestamp("shipments.created_at_us", row.created_at_us)?,
                numbers: numbers.into_iter().map(|(_, link)| link).collect(),
                order: orders.remove(&row.id),
                status,
                event_count: u64::try_from(row.event_count)
                    .map_err(|e| corrupt("shipments.event_count", e))?,
            })
        })
        .collect()
}

/// The watchdog columns of `shipments`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct CheckRow {
    /// `id`.
    pub id: i64,
    /// `revision`.
    pub revision: i64,
    /// `next_check_at_us`.
    pub next_check_at_us: Option<i64>,
    /// `checked_at_us`.
    pub checked_at_us: Option<i64>,
    /// `check_summary`.
    pub check_summary: Option<String>,
}

impl CheckRow {
    /// Decodes the check state.
    pub fn to_state(&self) -> Result<CheckState, StoreError> {
        Ok(CheckState {
            revision: u64::try_from(self.revision).map_err(|e| corrupt("shipments.revision", e))?,
            checked_at: self
                .checked_at_us
                .map(|us| timestamp("shipments.checked_at_us", us))
                .transpose()?,
            next_check_at: self
                .next_check_at_us
                .map(|us| timestamp("shipments.next_check_at_us", us))
                .transpose()?,
            summary: self.check_summary.clone(),
        })
    }
}

/// The columns [`crate::store::Store::record_checks`] writes for one evaluation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckUpdate<'a> {
    /// `id`.
    pub id: i64,
    /// The revision the evaluation read (compared with `revision`).
    pub revision: i64,
    /// `checked_at_us`.
    pub checked_at_us: i64,
    /// `next_check_at_us`, applied only if the revision still matches.
    pub next_check_at_us: Option<i64>,
    /// `check_summary`.
    pub summary: &'a str,
}

impl<'a> CheckUpdate<'a> {
    /// The columns for an evaluation.
    pub fn new(record: &'a CheckRecord) -> Self {
        Self {
            id: record.id.get(),
            // A revision beyond i64 was never handed out, so it must not match any row.
            revision: i64::try_from(record.revision).unwrap_or(-1),
            checked_at_us: record.checked_at.as_microsecond(),
            next_check_at_us: record.next_check_at.map(Timestamp::as_microsecond),
            summary: &record.summary,
        }
    }
}

/// The columns to write for a batch of evaluations: one per shipment, a later record for the
/// same shipment replacing an earlier one (so no engine has to pick among duplicates).
pub fn last_check_per_shipment(results: &[CheckRecord]) -> Vec<CheckUpdate<'_>> {
    let mut position: HashMap<i64, usize> = HashMap::with_capacity(results.len());
    let mut updates: Vec<CheckUpdate<'_>> = Vec::with_capacity(results.len());
    for record in results {
        let update = CheckUpdate::new(record);
        match position.get(&update.id) {
            Some(&at) => updates[at] = update,
            None => {
                position.insert(update.id, updates.len());
                updates.push(update);
            }
        }
    }
    updates
}

/// The ids of `wanted` that `found` lacks, as the error for the first one; `Ok` if none.
pub fn require_all(wanted: &[i64], found: &[i64]) -> Result<(), StoreError> {
    let found: std::collections::HashSet<i64> = found.iter().copied().collect();
    match wanted.iter().find(|id| !found.contains(id)) {
        None => Ok(()),
        Some(&id) => Err(StoreError::ShipmentNotFound(shipment_id(
            "shipments.id",
            id,
        )?)),
    }
}

/// The events of a read, grouped by shipment, in ascending shipment ids: each shipment's
/// records in one vector of their own, so building its timeline moves them and a page never
/// holds every record in one vector (a page of 2,000 shipments has ~15,000 records).
#[derive(Debug, Default)]
pub struct EventsByShipment(Vec<(i64, Vec<EventRecord>)>);

impl EventsByShipment {
    /// From groups in any order; the groups of one shipment are joined.
    pub fn from_groups(mut groups: Vec<(i64, Vec<EventRecord>)>) -> Self {
        // Reads along the key hand groups over in order: sorting is then only a check.
        if !groups.is_sorted_by_key(|(id, _)| *id) {
            groups.sort_by_key(|(id, _)| *id);
        }
        groups.dedup_by(|later, kept| {
            let same = later.0 == kept.0;
            if same {
                kept.1.append(&mut later.1);
            }
            same
        });
        Self(groups)
    }

    /// From (shipment id, record) pairs in any order: runs of one shipment become groups,
    /// which [`Self::from_groups`] orders and joins.
    pub fn from_records(records: Vec<(i64, EventRecord)>) -> Self {
        let mut groups: Vec<(i64, Vec<EventRecord>)> = Vec::new();
        for (id, record) in records {
            match groups.last_mut() {
                Some((last, own)) if *last == id => own.push(record),
                _ => groups.push((id, vec![record])),
            }
        }
        Self::from_groups(groups)
    }

    /// Takes the records of shipment `id` (none if it has none, or they were taken).
    fn take(&mut self, id: i64) -> Vec<EventRecord> {
        match self.0.binary_search_by_key(&id, |(own, _)| *own) {
            Ok(at) => std::mem::take(&mut self.0[at].1),
            Err(_) => Vec::new(),
        }
    }
}

/// Builds timelines: `shipments` in the order wanted, the check rows of those shipments (in
/// any order) and every event of those shipments.
pub fn assemble_timelines(
    shipments: Vec<Shipment>,
    checks: Vec<CheckRow>,
    mut events: EventsByShipment,
) -> Result<Vec<ShipmentTimeline>, StoreError> {
    let mut checks: HashMap<i64, CheckRow> = checks.into_iter().map(|c| (c.id, c)).collect();
    shipments
        .into_iter()
        .map(|shipment| {
            let id = shipment.id.get();
            let check = checks
                .remove(&id)
                .ok_or_else(|| corrupt("shipments", format!("shipment {id} vanished while read")))?
                .to_state()?;
            let timeline = Timeline::build(events.take(id));
            Ok(ShipmentTimeline {
                shipment,
                timeline,
                check,
            })
        })
        .collect()
}

/// The `events` table: one row per source record.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(missing_docs)] // Each field is the column of the same name.
pub struct EventRow {
    pub shipment_id: i64,
    pub fingerprint: i64,
    pub number: String,
    pub at_us: i64,
    pub offset_s: i32,
    pub source: String,
    pub text: String,
    pub code: Option<String>,
    pub location: Option<String>,
    pub country: Option<String>,
    pub milestone: String,
    pub side: Option<String>,
    pub reason: Option<String>,
}

impl EventRow {
    /// The row for a record attached to a shipment.
    pub fn new(shipment: ShipmentId, record: &EventRecord) -> Self {
        let (at_us, offset_s) = record.at.to_storage();
        Self {
            shipment_id: shipment.get(),
            fingerprint: record.fingerprint().0,
            number: record.number.as_str().to_owned(),
            at_us,
            offset_s,
            source: record.source.as_str().to_owned(),
            text: record.text.clone(),
            code: record.code.clone(),
            location: record.location.clone(),
            country: record.country.map(|c| c.as_str().to_owned()),
            milestone: record.milestone.key().to_owned(),
            side: record.side.map(|s| s.key().to_owned()),
            reason: record.reason.map(|r| r.key().to_owned()),
        }
    }

    /// Decodes the record.
    pub fn to_record(&self) -> Result<EventRecord, StoreError> {
        EventView {
            number: &self.number,
            at_us: self.at_us,
            offset_s: self.offset_s,
            source: &self.source,
            text: &self.text,
            code: self.code.as_deref(),
            location: self.location.as_deref(),
            country: self.country.as_deref(),
            milestone: &self.milestone,
            side: self.side.as_deref(),
            reason: self.reason.as_deref(),
        }
        .to_record()
    }
}

/// The columns of an `events` row borrowed from a query result: decoding from it allocates
/// only what the record owns (a bulk read decodes millions of rows).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)] // Each field is the column of the same name.
pub struct EventView<'a> {
    pub number: &'a str,
    pub at_us: i64,
    pub offset_s: i32,
    pub source: &'a str,
    pub text: &'a str,
    pub code: Option<&'a str>,
    pub location: Option<&'a str>,
    pub country: Option<&'a str>,
    pub milestone: &'a str,
    pub side: Option<&'a str>,
    pub reason: Option<&'a str>,
}

impl EventView<'_> {
    /// Decodes the record.
    pub fn to_record(&self) -> Result<EventRecord, StoreError> {
        self.into_record(
            TrackingNumber::parse(self.number).map_err(|e| corrupt("events.number", e))?,
            SourceName::new(self.source).map_err(|e| corrupt("events.source", e))?,
        )
    }

    /// Decodes the record with its number and source already decoded.
    fn into_record(
        self,
        number: TrackingNumber,
        source: SourceName,
    ) -> Result<EventRecord, StoreError> {
        Ok(EventRecord {
            number,
            at: EventTime::from_storage(self.at_us, self.offset_s)
                .map_err(|e| corrupt("events.at", e))?,
            source,
            text: self.text.to_owned(),
            code: self.code.map(str::to_owned),
            location: self.location.map(str::to_owned),
            country: parse_opt("events.country", self.country)?,
            milestone: self
                .milestone
                .parse()
                .map_err(|e| corrupt("events.milestone", e))?,
            side: parse_opt("events.side", self.side)?,
            reason: parse_opt("events.reason", self.reason)?,
        })
    }
}

/// Decodes many [`EventView`]s, sharing each run of equal numbers and source names (a
/// shipment's events mostly repeat them) instead of validating and allocating every one.
#[derive(Debug, Default)]
pub struct EventDecoder {
    number: Option<TrackingNumber>,
    source: Option<SourceName>,
}

impl EventDecoder {
    /// Decodes the record, as [`EventView::to_record`] does.
    pub fn decode(&mut self, view: &EventView<'_>) -> Result<EventRecord, StoreError> {
        let number = match &self.number {
            Some(n) if n.as_str() == view.number => n.clone(),
            _ => {
                let n =
                    TrackingNumber::parse(view.number).map_err(|e| corrupt("events.number", e))?;
                self.number.insert(n).clone()
            }
        };
        let source = match &self.source {
            Some(s) if s.as_str() == view.source => s.clone(),
            _ => {
                let s = SourceName::new(view.source).map_err(|e| corrupt("events.source", e))?;
                self.source.insert(s).clone()
            }
        };
        view.into_record(number, source)
    }
}

/// The columns [`status_of`] needs from each of a shipment's events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusInputRow {
    /// `at_us`.
    pub at_us: i64,
    /// `offset_s`.
    pub offset_s: i32,
    /// `milestone`.
    pub milestone: String,
    /// `side`.
    pub side: Option<String>,
    /// `reason`.
    pub reason: Option<String>,
}

impl From<&EventRow> for StatusInputRow {
    fn from(row: &EventRow) -> Self {
        Self {
            at_us: row.at_us,
            offset_s: row.offset_s,
            milestone: row.milestone.clone(),
            side: row.side.clone(),
            reason: row.reason.clone(),
        }
    }
}

/// The planned rows that are not stored yet, given the stored `(shipment_id, fingerprint)`
/// keys of the target shipments, with the status columns of each new row.
pub fn unstored_rows(
    planned: Vec<EventRow>,
    stored: &std::collections::HashSet<(i64, i64)>,
) -> (Vec<EventRow>, Vec<(i64, StatusInputRow)>) {
    let fresh: Vec<EventRow> = planned
        .into_iter()
        .filter(|r| !stored.contains(&(r.shipment_id, r.fingerprint)))
        .collect();
    let inputs = fresh
        .iter()
        .map(|r| (r.shipment_id, StatusInputRow::from(r)))
        .collect();
    (fresh, inputs)
}

/// A shipment's status from its events' rows (see [`crate::timeline::derive_status`]).
pub fn status_of(rows: &[StatusInputRow]) -> Result<Option<Status>, StoreError> {
    Ok(crate::timeline::derive_status(decode_status(rows)?))
}

/// What `shipments` holds about a shipment's status before an ingest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedStatusRow {
    /// `id`.
    pub id: i64,
    /// `status_milestone`.
    pub status_milestone: Option<String>,
    /// `status_side`.
    pub status_side: Option<String>,
    /// `status_reason`.
    pub status_reason: Option<String>,
    /// `status_at_us`.
    pub status_at_us: Option<i64>,
    /// `status_offset_s`.
    pub status_offset_s: Option<i32>,
    /// `last_event_at_us`.
    pub last_event_at_us: Option<i64>,
    /// `event_count`.
    pub event_count: i64,
}

/// New values for a shipment's cached status columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusUpdate {
    /// `id`.
    pub id: i64,
    /// The status columns.
    pub columns: StatusColumns,
    /// `last_event_at_us`.
    pub last_event_at_us: Option<i64>,
    /// `event_count`.
    pub event_count: i64,
}

fn decode_status(rows: &[StatusInputRow]) -> Result<Vec<Status>, StoreError> {
    rows.iter()
        .map(|r| {
            Ok(Status {
                milestone: r
                    .milestone
                    .parse()
                    .map_err(|e| corrupt("events.milestone", e))?,
                side: parse_opt("events.side", r.side.as_deref())?,
                reason: parse_opt("events.reason", r.reason.as_deref())?,
                at: EventTime::from_storage(r.at_us, r.offset_s)
                    .map_err(|e| corrupt("events.at", e))?,
            })
        })
        .collect()
}

fn count(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// The cached columns for a shipment from all of its events' rows.
pub fn full_status_update(id: i64, all: &[StatusInputRow]) -> Result<StatusUpdate, StoreError> {
    let status = crate::timeline::derive_status(decode_status(all)?);
    Ok(StatusUpdate {
        id,
        columns: StatusColumns::new(status.as_ref()),
        last_event_at_us: all.iter().map(|r| r.at_us).max(),
        event_count: count(all.len()),
    })
}

/// Updates cached statuses from the rows an ingest just inserted, without re-reading events
/// where that gives the same answer as [`full_status_update`]: when every new event of a
/// shipment is strictly later than its newest stored event, the status fold simply continues
/// from the cached status. Returns the updates and the ids that need a full re-read (an event
/// at or before the newest stored one: out-of-order arrival).
pub fn incremental_status_updates(
    cached: &[CachedStatusRow],
    mut inserted: Vec<(i64, StatusInputRow)>,
) -> Result<(Vec<StatusUpdate>, Vec<i64>), StoreError> {
    inserted.sort_by_key(|(id, _)| *id);
    let cached: HashMap<i64, &CachedStatusRow> = cached.iter().map(|c| (c.id, c)).collect();
    let mut updates = Vec::new();
    let mut full = Vec::new();
    for group in inserted.chunk_by(|a, b| a.0 == b.0) {
        let id = group[0].0;
        let c = cached
            .get(&id)
            .ok_or_else(|| corrupt("shipments", format!("shipment {id} vanished during ingest")))?;
        let new: Vec<StatusInputRow> = group.iter().map(|(_, r)| r.clone()).collect();
        let first_new = new.iter().map(|r| r.at_us).min();
        let appends = match (c.last_event_at_us, first_new) {
            (None, _) => c.event_count == 0,
            (Some(last), Some(first)) => first > last,
            (Some(_), None) => true,
        };
        if !appends {
            full.push(id);
            continue;
        }
        let seed = match &c.status_milestone {
            None => None,
            Some(m) => Some(StatusInputRow {
                at_us: c
                    .status_at_us
                    .ok_or_else(|| corrupt("shipments.status_at_us", "missing"))?,
                offset_s: c
                    .status_offset_s
                    .ok_or_else(|| corrupt("shipments.status_offset_s", "missing"))?,
                milestone: m.clone(),
                side: c.status_side.clone(),
                reason: c.status_reason.clone(),
            }),
        };
        let inputs: Vec<StatusInputRow> = seed.into_iter().chain(new.iter().cloned()).collect();
        let status = crate::timeline::derive_status(decode_status(&inputs)?);
        updates.push(StatusUpdate {
            id,
            columns: StatusColumns::new(status.as_ref()),
            last_event_at_us: new.iter().map(|r| r.at_us).chain(c.last_event_at_us).max(),
            event_count: c.event_count.saturating_add(count(new.len())),
        });
    }
    Ok((updates, full))
}

/// Attaches each record of a batch to its shipment by the number-window rule.
///
/// `links` holds every stored link of the batch's numbers. The first record whose number has
/// no link fails the whole batch with [`StoreError::UnknownNumber`]. Records are returned as
/// rows in batch order, with exact repeats inside the batch dropped.
pub fn plan_ingest(
    records: &[EventRecord],
    links: &[NumberRow],
) -> Result<Vec<EventRow>, StoreError> {
    let mut by_number: HashMap<&str, Vec<LinkedShipment>> = HashMap::new();
    for row in links {
        by_number
            .entry(row.number.as_str())
            .or_default()
            .push(row.to_linked_shipment()?);
    }
    let mut seen = std::collections::HashSet::new();
    let mut rows = Vec::with_capacity(records.len());
    for (index, record) in records.iter().enumerate() {
        let shipment = by_number
            .get(record.number.as_str())
            .and_then(|l| number_window::resolve(l, record.at.instant()))
            .ok_or_else(|| StoreError::UnknownNumber {
                number: record.number.clone(),
                index,
            })?;
        let row = EventRow::new(shipment, record);
        if seen.insert((row.shipment_id, row.fingerprint)) {
            rows.push(row);
        }
    }
    Ok(rows)
}

/// The batch's distinct numbers, to look their links up.
pub fn distinct_numbers(records: &[EventRecord]) -> Vec<&str> {
    let mut numbers: Vec<&str> = records.iter().map(|r| r.number.as_str()).collect();
    numbers.sort_unstable();
    numbers.dedup();
    numbers
}

/// The report of an ingest of `received` records of which `inserted` (shipment id, row) were
/// new; the rest were already stored.
pub fn ingest_report(received: usize, inserted: &[(i64, StatusInputRow)]) -> IngestReport {
    let mut changed: Vec<i64> = inserted.iter().map(|(id, _)| *id).collect();
    changed.sort_unstable();
    changed.dedup();
    IngestReport {
        received,
        inserted: inserted.len(),
        duplicates: received.saturating_sub(inserted.len()),
        shipments_changed: changed.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::order::CountryCode;

    #[test]
    fn order_round_trips_through_rows() {
        let mut order = Order::new("aliexpress", "8100000000000001").expect("valid");
        order.placed_at = Some("2024-05-01T10:00:00+08:00".parse().expect("time"));
        order.price = Some("3.99 USD".parse().expect("price"));
        order.protection_days = Some(60);
        order.protection_extensions = vec![ProtectionExtension {
            days: 15,
            granted_at: Some("2024-06-20T09:00:00+03:00".parse().expect("time")),
        }];
        order.destination.country = Some("RU".parse::<CountryCode>().expect("country"));
        order.destination.city = Some("Казань".into());
        order.dispute_opened_at = Some("2024-07-01T12:00:00+03:00".parse().expect("time"));
        let id = ShipmentId::new(3).expect("positive");
        let (row, ext) = OrderRow::new(id, &order);
        assert_eq!(row.to_order(&ext).expect("decodes"), order);
    }

    #[test]
    fn half_set_columns_are_corrupt() {
        assert!(event_time("x", Some(1), None).is_err());
        let row = OrderRow {
            marketplace: "m".into(),
            order_number: "1".into(),
            price_cents: Some(5),
            ..OrderRow::default()
        };
        assert!(matches!(row.to_order(&[]), Err(StoreError::Corrupt { .. })));
    }

    #[test]
    fn incremental_status_matches_a_full_recompute() {
        use Milestone as M;
        let row = |h: i64, m: Milestone| StatusInputRow {
            at_us: h * 3_600_000_000,
            offset_s: 3600,
            milestone: m.key().to_owned(),
            side: None,
            reason: None,
        };
        let old = vec![
            row(1, M::PickedUp),
            row(5, M::Delivered),
            row(3, M::InTransit),
        ];
        let cases = [
            vec![row(6, M::InTransit)],
            vec![row(7, M::ReturningToSender), row(6, M::OutForDelivery)],
            vec![row(9, M::Lost)],
        ];
        for new in cases {
            let before = full_status_update(1, &old).expect("valid");
            let cached = CachedStatusRow {
                id: 1,
                status_milestone: before.columns.milestone.map(str::to_owned),
                status_side: None,
                status_reason: None,
                status_at_us: before.columns.at_us,
                status_offset_s: before.columns.offset_s,
                last_event_at_us: before.last_event_at_us,
                event_count: before.event_count,
            };
            let inserted = new.iter().map(|r| (1, r.clone())).collect();
            let (updates, full) = incremental_status_updates(&[cached], inserted).expect("valid");
            assert!(full.is_empty());
            let all: Vec<StatusInputRow> = old.iter().chain(&new).cloned().collect();
            assert_eq!(updates, [full_status_update(1, &all).expect("valid")]);
        }
        // An event at or before the newest stored one needs a re-read.
        let before = full_status_update(1, &old).expect("valid");
        let cached = CachedStatusRow {
            id: 1,
            status_milestone: None,
            status_side: None,
            status_reason: None,
            status_at_us: None,
            status_offset_s: None,
            last_event_at_us: before.last_event_at_us,
            event_count: 3,
        };
        let (updates, full) =
            incremental_status_updates(&[cached], vec![(1, row(4, M::InTransit))]).expect("ok");
        assert!(updates.is_empty());
        assert_eq!(full, [1]);
    }

    #[test]
    fn a_later_check_of_the_same_shipment_wins() {
        let id = |n| ShipmentId::new(n).expect("positive");
        let at: Timestamp = "2024-06-10T00:00:00Z".parse().expect("time");
        let record = |n, summary: &str| CheckRecord {
            id: id(n),
            revision: 3,
            checked_at: at,
            next_check_at: None,
            summary: summary.to_owned(),
        };
        let results = [record(1, "a"), record(2, "b"), record(1, "c")];
        let updates = last_check_per_shipment(&results);
        let got: Vec<(i64, &str)> = updates.iter().map(|u| (u.id, u.summary)).collect();
        assert_eq!(got, [(1, "c"), (2, "b")]);
        assert_eq!(updates[0].checked_at_us, at.as_microsecond());
        // A revision no row can have never matches one.
        let mut huge = record(3, "x");
        huge.revision = u64::MAX;
        assert_eq!(CheckUpdate::new(&huge).revision, -1);
    }

    #[test]
    fn missing_shipments_are_named() {
        assert!(require_all(&[1, 2], &[2, 1]).is_ok());
        let err = require_all(&[1, 2, 3], &[1]).expect_err("2 and 3 are missing");
        assert!(
            matches!(err, StoreError::ShipmentNotFound(id) if id.get() == 2),
            "{err}"
        );
    }

    #[test]
    fn check_rows_decode_or_are_corrupt() {
        let row = CheckRow {
            id: 1,
            revision: 4,
            next_check_at_us: Some(0),
            checked_at_us: None,
            check_summary: None,
        };
        let state = row.to_state().expect("valid");
        assert_eq!(state.next_check_at, Some(crate::store::DUE_NOW));
        assert_eq!((state.revision, state.checked_at), (4, None));
        let negative = CheckRow {
            revision: -1,
            ..row
        };
        assert!(matches!(
            negative.to_state(),
            Err(StoreError::Corrupt { .. })
        ));
    }

    #[test]
    fn event_rows_round_trip_with_country() {
        let mut record = EventRecord {
            number: TrackingNumber::parse("RS123456789CN").expect("valid"),
            at: "2024-06-01T10:00:00+06:00".parse().expect("time"),
            source: SourceName::new("post").expect("valid"),
            text: "Вручено".into(),
            code: Some("2".into()),
            location: Some("Алматы".into()),
            country: Some("KZ".parse().expect("code")),
            milestone: Milestone::Delivered,
            side: None,
            reason: None,
        };
        let id = ShipmentId::new(5).expect("positive");
        assert_eq!(
            EventRow::new(id, &record).to_record().expect("decodes"),
            record
        );
        record.country = None;
        let row = EventRow::new(id, &record);
        assert_eq!(row.to_record().expect("decodes"), record);
        let bad = EventRow {
            country: Some("K1".into()),
            ..row
        };
        assert!(matches!(
            bad.to_record(),
            Err(StoreError::Corrupt {
                what: "events.country",
                ..
            })
        ));
    }

    #[test]
    fn unknown_number_names_the_number_and_position() {
        let record = EventRecord {
            number: TrackingNumber::parse("LK000000001CN").expect("valid"),
            ..record_at("x")
        };
        let links = [NumberRow {
            shipment_id: 1,
            number: "RS123456789CN".into(),
            leg: "through".into(),
            linked_at_us: 0,
        }];
        let err = plan_ingest(&[record], &links).expect_err("unknown");
        assert!(err.to_string().contains("LK000000001CN"), "{err}");
        assert!(matches!(err, StoreError::UnknownNumber { index: 0, .. }));
    }

    fn record_at(text: &str) -> EventRecord {
        EventRecord {
            number: TrackingNumber::parse("RS123456789CN").expect("valid"),
            at: "2024-06-01T10:00:00Z".parse().expect("time"),
            source: SourceName::new("post").expect("valid"),
            text: text.into(),
            code: None,
            location: None,
            country: None,
            milestone: Milestone::InTransit,
            side: None,
            reason: None,
        }
    }

    fn texts(records: &[EventRecord]) -> Vec<&str> {
        records.iter().map(|r| r.text.as_str()).collect()
    }

    #[test]
    fn events_by_shipment_group_in_any_order() {
        // Groups out of order, shipment 2 split in two: sorted and joined, nothing lost.
        let mut events = EventsByShipment::from_groups(vec![
            (2, vec![record_at("b1")]),
            (1, vec![record_at("a1"), record_at("a2")]),
            (2, vec![record_at("b2")]),
        ]);
        assert_eq!(texts(&events.take(1)), ["a1", "a2"]);
        assert_eq!(texts(&events.take(2)), ["b1", "b2"]);
        // Taken once; a shipment without events has none.
        assert!(events.take(2).is_empty());
        assert!(events.take(3).is_empty());

        let mut events = EventsByShipment::from_records(vec![
            (9, record_at("c1")),
            (4, record_at("d1")),
            (9, record_at("c2")),
        ]);
        assert_eq!(texts(&events.take(9)), ["c1", "c2"]);
        assert_eq!(texts(&events.take(4)), ["d1"]);
    }
}
