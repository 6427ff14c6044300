//! What the store commands share: where the database is, how it is opened, and how stored
//! values print (tables and JSON).
//!
//! The store is async; these commands build a current-thread runtime for the one call they
//! make, so the sync commands (`id`, `scan`, `normalize`) never start one.

use std::future::Future;
use std::path::PathBuf;

use anyhow::Context as _;
use jiff::tz::TimeZone;
use posylka_core::event_time::EventTime;
use posylka_core::order::Order;
use posylka_core::shipment::Shipment;
use posylka_core::store::ShipmentTimeline;
use posylka_core::timeline::{EventRecord, Status};
use posylka_core::{Milestone, Reason, Side};
use posylka_store::AnyStore;
use serde_json::{Value, json};

/// The store location every store command takes.
#[derive(Debug, clap::Args)]
pub struct DbArgs {
    // The env value is hidden from --help: a postgres:// URL may hold a password.
    /// Database: a file path, sqlite://PATH or postgres://... [default: posylka.db in
    /// $XDG_DATA_HOME/posylka or ~/.local/share/posylka]
    #[arg(
        long,
        env = "POSYLKA_DATABASE_URL",
        hide_env_values = true,
        value_name = "PATH_OR_URL"
    )]
    db: Option<String>,
}

impl DbArgs {
    /// The location to open: the one given, or the default file (its directory created).
    fn location(&self) -> anyhow::Result<String> {
        if let Some(db) = self.db.as_deref().filter(|d| !d.trim().is_empty()) {
            return Ok(db.to_owned());
        }
        let dir = data_dir()?;
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("creating the data directory {}", dir.display()))?;
        let file = dir.join("posylka.db");
        file.to_str()
            .map(str::to_owned)
            .with_context(|| format!("the data path {} is not UTF-8", file.display()))
    }

    /// Opens the store and runs `work` against it on a current-thread runtime.
    pub fn with_store<T, F, Fut>(&self, work: F) -> anyhow::Result<T>
    where
        F: FnOnce(AnyStore) -> Fut,
        Fut: Future<Output = anyhow::Result<T>>,
    {
        let location = self.location()?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("starting the async runtime")?;
        runtime.block_on(async {
            // The location is not echoed: a postgres:// URL may hold a password.
            let store = posylka_store::open(&location)
                .await
                .context("opening the database")?;
            let result = work(store.clone()).await;
            store.close().await;
            result
        })
    }
}

/// The database location when none is given: `posylka.db` in the data directory (created).
pub fn default_location() -> anyhow::Result<String> {
    DbArgs { db: None }.location()
}

/// `$XDG_DATA_HOME/posylka`, else `~/.local/share/posylka` (the XDG default).
fn data_dir() -> anyhow::Result<PathBuf> {
    let absolute = |var: &str| {
        std::env::var_os(var)
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
    };
    if let Some(base) = absolute("XDG_DATA_HOME") {
        return Ok(base.join("posylka"));
    }
    let home = absolute("HOME")
        .context("cannot find the data directory: set --db, POSYLKA_DATABASE_URL or HOME")?;
    Ok(home.join(".local/share/posylka"))
}

/// A milestone label in the chosen language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Lang {
    /// English.
    En,
    /// Russian.
    Ru,
}

impl Lang {
    /// The milestone's label in this language.
    pub fn label(self, milestone: Milestone) -> &'static str {
        match self {
            Lang::En => milestone.label_en(),
            Lang::Ru => milestone.label_ru(),
        }
    }
}

/// `2024-05-01 10:00 MSK` in `zone`.
pub fn local_time(at: &EventTime, zone: &TimeZone) -> String {
    at.in_zone(zone).strftime("%Y-%m-%d %H:%M %Z").to_string()
}

fn status_json(status: Option<&Status>) -> Value {
    status.map_or(Value::Null, |s| {
        json!({
            "milestone": s.milestone.key(),
            "side": s.side.map(Side::key),
            "reason": s.reason.map(Reason::key),
            "at": s.at.to_string(),
        })
    })
}

fn order_json(order: &Order) -> Value {
    let time = |t: Option<EventTime>| t.map(|t| t.to_string());
    json!({
        "marketplace": order.marketplace(),
        "order_number": order.order_number(),
        "placed_at": time(order.placed_at),
        "shipped_at": time(order.shipped_at),
        "price": order.price.map(|p| json!({
            "cents": p.cents(),
            "currency": p.currency().as_str(),
        })),
        "protection_days": order.protection_days,
        "total_protection_days": order.total_protection_days(),
        "destination": {
            "country": order.destination.country.map(|c| c.as_str().to_owned()),
            "city": order.destination.city,
            "postcode": order.destination.postcode,
        },
    })
}

/// A shipment as JSON: id, numbers with legs, order, status, event count.
pub fn shipment_json(s: &Shipment) -> Value {
    json!({
        "id": s.id.get(),
        "created_at": s.created_at.to_string(),
        "numbers": s.numbers.iter().map(|n| json!({
            "number": n.number.as_str(),
            "leg": n.leg.as_str(),
            "linked_at": n.linked_at.to_string(),
        })).collect::<Vec<_>>(),
        "order": s.order.as_ref().map(order_json),
        "status": status_json(s.status.as_ref()),
        "event_count": s.event_count,
    })
}

fn record_json(r: &EventRecord) -> Value {
    json!({
        "number": r.number.as_str(),
        "at": r.at.to_string(),
        "source": r.source.as_str(),
        "text": r.text,
        "code": r.code,
        "location": r.location,
        "country": r.country.map(|c| c.as_str().to_owned()),
    })
}

/// A shipment with its merged timeline as JSON; `status` is the timeline's derived status.
pub fn timeline_json(t: &ShipmentTimeline) -> Value {
    json!({
        "shipment": shipment_json(&t.shipment),
        "status": status_json(t.timeline.status().as_ref()),
        "events": t.timeline.events().iter().map(|e| json!({
            "at": e.at.to_string(),
            "milestone": e.milestone.key(),
            "side": e.side.map(Side::key),
            "reason": e.reason.map(Reason::key),
            "location": e.location,
            "country": e.country.map(|c| c.as_str().to_owned()),
            "sources": e.sources.iter().map(record_json).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}

/// Prints a value as one line of JSON.
pub fn print_json(value: &Value) -> anyhow::Result<()> {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    serde_json::to_writer(&mut out, value)?;
    out.write_all(b"\n")?;
    out.flush()?;
    Ok(())
}
