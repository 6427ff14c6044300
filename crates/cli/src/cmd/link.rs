//! `posylka link`: attach another tracking number to a shipment (typically the last-mile
//! number the destination carrier gives the parcel at hand-over).

use std::process::ExitCode;

use anyhow::Context as _;
use jiff::Timestamp;
use posylka_core::shipment::{Leg, ShipmentId, TrackingNumber};
use posylka_store::Store as _;

use super::db::{self, DbArgs};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The shipment, as 12 or #12.
    shipment: ShipmentId,
    /// The number to attach (spaces and hyphens are ignored).
    number: TrackingNumber,
    /// The part of the route the number covers: through, first_mile or last_mile.
    #[arg(long, default_value = "last_mile")]
    leg: Leg,
    /// Print the updated shipment as JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    db: DbArgs,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let Args {
        shipment: id,
        number,
        leg,
        ..
    } = &args;
    let shipment = args.db.with_store(|store| async move {
        store
            .link_number(*id, number, *leg, Timestamp::now())
            .await?;
        store
            .shipment(*id)
            .await?
            .with_context(|| format!("shipment {id} vanished right after the link"))
    })?;
    if args.json {
        db::print_json(&db::shipment_json(&shipment))?;
    } else {
        println!("{} {} linked to {}", args.number, args.leg, shipment.id);
    }
    Ok(ExitCode::SUCCESS)
}
