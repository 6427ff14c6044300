//! `posylka add`: start following a parcel under a tracking number, optionally with its order.

use std::process::ExitCode;

use anyhow::{Context as _, bail};
use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use posylka_core::Normalizer;
use posylka_core::document::ShipmentDocument;
use posylka_core::event_time::EventTime;
use posylka_core::order::{CountryCode, Destination, Order, Price};
use posylka_core::shipment::{Leg, NewShipment, TrackingNumber};
use posylka_core::timeline::{EventRecord, SourceName};
use posylka_store::Store as _;
use tracknum::{NumberKind, Problem};

use super::db::{self, DbArgs};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The tracking number (spaces and hyphens are ignored).
    #[arg(required_unless_present = "from")]
    number: Option<String>,
    /// Add from a shipment document (JSON; - for standard input): its numbers, order and
    /// events.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["number", "order_number"])]
    from: Option<String>,
    /// The marketplace's order number.
    #[arg(long, value_name = "N")]
    order_number: Option<String>,
    /// The marketplace (with --order-number).
    #[arg(long, default_value = "aliexpress", requires = "order_number")]
    marketplace: String,
    /// When the seller shipped: RFC 3339 (2024-05-01T10:00:00+08:00) or a date (2024-05-01,
    /// midnight in the system zone).
    #[arg(long, value_name = "TIME", requires = "order_number")]
    shipped: Option<String>,
    /// What was paid, e.g. 3.20USD or "3.20 USD".
    #[arg(long, requires = "order_number")]
    price: Option<String>,
    /// The buyer-protection period in days.
    #[arg(long, value_name = "DAYS", requires = "order_number")]
    protection_days: Option<u16>,
    /// Destination as COUNTRY[/CITY[/POSTCODE]], e.g. RU/Kazan/420000.
    #[arg(long, requires = "order_number")]
    dest: Option<String>,
    /// Print the new shipment as JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    db: DbArgs,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let (new, records) = match (&args.from, &args.number) {
        (Some(from), _) => from_document(from)?,
        (None, Some(number)) => {
            let number = checked_number(number)?;
            let mut new = NewShipment::new(vec![(number, Leg::Through)], Timestamp::now())?;
            if let Some(order) = order(&args)? {
                new = new.with_order(order);
            }
            (new, Vec::new())
        }
        (None, None) => bail!("give a tracking number or --from FILE"),
    };
    let shipment = args.db.with_store(|store| async move {
        let id = store.create_shipment(&new).await?;
        if !records.is_empty() {
            store.ingest(&records).await.with_context(|| {
                format!("shipment {id} was created, but its events were not stored")
            })?;
        }
        store
            .shipment(id)
            .await?
            .with_context(|| format!("shipment {id} vanished right after it was created"))
    })?;
    if args.json {
        db::print_json(&db::shipment_json(&shipment))?;
    } else {
        println!("{}", shipment.id);
    }
    Ok(ExitCode::SUCCESS)
}

/// A new shipment and its events from a shipment document. One number covers the whole
/// route; with several, the first is the seller's (first mile) and the others were given on
/// the way (last mile).
fn from_document(target: &str) -> anyhow::Result<(NewShipment, Vec<EventRecord>)> {
    let (name, text) = super::check::read_document_text(target)?;
    let document = ShipmentDocument::from_json(&text)
        .and_then(|d| d.parse())
        .with_context(|| format!("{name}: not a valid shipment document"))?;
    for number in &document.numbers {
        // Only for its warnings: the document's numbers are already canonical.
        checked_number(number.as_str())?;
    }
    let single = document.numbers.len() == 1;
    let legs = document
        .numbers
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let leg = match (single, i) {
                (true, _) => Leg::Through,
                (false, 0) => Leg::FirstMile,
                (false, _) => Leg::LastMile,
            };
            (n.clone(), leg)
        })
        .collect();
    let mut new = NewShipment::new(legs, Timestamp::now())?;
    if let Some(order) = document.order.clone() {
        new = new.with_order(order);
    }
    let source = SourceName::new("document")?;
    let records = document.records(&mut Normalizer::new(), &source);
    Ok((new, records))
}

/// The number in storage form, after asking the recogniser: nothing usable is refused, an
/// order number or a failed check digit is only warned about (the user may know better).
fn checked_number(input: &str) -> anyhow::Result<TrackingNumber> {
    let id = tracknum::identify(input);
    let Some(normalised) = id.number else {
        let why = id
            .problems
            .first()
            .map_or_else(|| "not a number".to_owned(), Problem::message);
        bail!("{input:?} is not a tracking number: {why}");
    };
    let mut warned = false;
    for problem in &id.problems {
        if matches!(
            problem,
            Problem::OrderNumber { .. } | Problem::CheckDigitMismatch { .. }
        ) {
            eprintln!("posylka: warning: {normalised}: {}", problem.message());
            warned = true;
        }
    }
    if !warned && id.kind() == NumberKind::OrderNumber {
        eprintln!(
            "posylka: warning: {normalised} looks like an order number, not a tracking number"
        );
    }
    Ok(TrackingNumber::parse(normalised.as_str())?)
}

fn order(args: &Args) -> anyhow::Result<Option<Order>> {
    let Some(order_number) = args.order_number.as_deref() else {
        return Ok(None);
    };
    let mut order = Order::new(&args.marketplace, order_number).context("--order-number")?;
    order.shipped_at = args.shipped.as_deref().map(shipped).transpose()?;
    order.price = args.price.as_deref().map(price).transpose()?;
    order.protection_days = args.protection_days;
    if let Some(dest) = args.dest.as_deref() {
        order.destination = destination(dest)?;
    }
    Ok(Some(order))
}

fn shipped(text: &str) -> anyhow::Result<EventTime> {
    if let Ok(t) = text.parse::<EventTime>() {
        return Ok(t);
    }
    let date: Date = text.trim().parse().with_context(|| {
        format!("--shipped {text:?}: expected RFC 3339 with an offset or a date YYYY-MM-DD")
    })?;
    let zoned = date
        .to_zoned(TimeZone::system())
        .with_context(|| format!("--shipped {text:?}"))?;
    Ok(EventTime::from_zoned(&zoned))
}

/// Accepts `3.20USD` as well as the core's `3.20 USD`.
fn price(text: &str) -> anyhow::Result<Price> {
    let text = text.trim();
    let split = text
        .find(|c: char| c.is_ascii_alphabetic())
        .unwrap_or(text.len());
    let (amount, currency) = text.split_at(split);
    format!("{} {}", amount.trim(), currency.trim())
        .parse::<Price>()
        .with_context(|| format!("--price {text:?}"))
}

fn destination(text: &str) -> anyhow::Result<Destination> {
    let mut parts = text.split('/').map(str::trim);
    let country = parts
        .next()
        .filter(|c| !c.is_empty())
        .map(str::parse::<CountryCode>)
        .transpose()
        .with_context(|| format!("--dest {text:?}"))?;
    let mut part = || parts.next().filter(|p| !p.is_empty()).map(str::to_owned);
    let (city, postcode) = (part(), part());
    if parts.next().is_some() {
        bail!("--dest {text:?}: expected COUNTRY[/CITY[/POSTCODE]]");
    }
    Ok(Destination {
        country,
        city,
        postcode,
    })
}
