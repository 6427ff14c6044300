//! `posylka show`: one shipment's merged timeline.

use std::process::ExitCode;

use anyhow::Context as _;
use jiff::tz::TimeZone;
use posylka_core::shipment::ShipmentId;
use posylka_store::Store as _;

use super::db::{self, DbArgs, Lang};
use super::list::print_table;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The shipment, as 12 or #12.
    shipment: ShipmentId,
    /// Language of the milestone labels.
    #[arg(long, value_enum, default_value = "en")]
    lang: Lang,
    /// Time zone for times, e.g. Europe/Moscow [default: the system zone].
    #[arg(long, value_name = "ZONE")]
    tz: Option<String>,
    /// Print the timeline object as JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    db: DbArgs,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let zone = match args.tz.as_deref() {
        Some(name) => TimeZone::get(name).with_context(|| format!("--tz {name:?}"))?,
        None => TimeZone::system(),
    };
    let id = args.shipment;
    let found = args
        .db
        .with_store(|store| async move { Ok(store.shipment_timeline(id).await?) })?;
    let timeline = found.with_context(|| format!("shipment {id} does not exist"))?;
    if args.json {
        db::print_json(&db::timeline_json(&timeline))?;
        return Ok(ExitCode::SUCCESS);
    }
    let shipment = &timeline.shipment;
    let numbers: Vec<String> = shipment
        .numbers
        .iter()
        .map(|n| format!("{} ({})", n.number, n.leg))
        .collect();
    println!("{}  {}", shipment.id, numbers.join(", "));
    if let Some(order) = &shipment.order {
        println!("order {} {}", order.marketplace(), order.order_number());
    }
    match timeline.timeline.status() {
        Some(status) => println!(
            "status: {} ({})",
            args.lang.label(status.milestone),
            db::local_time(&status.at, &zone)
        ),
        None => println!("status: no events yet"),
    }
    let mut rows = Vec::new();
    for event in timeline.timeline.events() {
        for record in &event.sources {
            rows.push([
                db::local_time(&event.at, &zone),
                args.lang.label(event.milestone).to_owned(),
                record.source.to_string(),
                record.text.trim().to_owned(),
            ]);
        }
    }
    if !rows.is_empty() {
        println!();
        let header = ["TIME", "MILESTONE", "SOURCE", "TEXT"].map(str::to_owned);
        print_table(&header, &rows);
    }
    Ok(ExitCode::SUCCESS)
}
