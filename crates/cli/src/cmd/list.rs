//! `posylka list`: every shipment with its numbers and current milestone.

use std::process::ExitCode;

use jiff::tz::TimeZone;
use posylka_store::Store as _;
use serde_json::Value;

use super::db::{self, DbArgs};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print a JSON array of shipments.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    db: DbArgs,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let shipments = args
        .db
        .with_store(|store| async move { Ok(store.list_shipments().await?) })?;
    if args.json {
        db::print_json(&Value::Array(
            shipments.iter().map(db::shipment_json).collect(),
        ))?;
        return Ok(ExitCode::SUCCESS);
    }
    let zone = TimeZone::system();
    let rows: Vec<[String; 4]> = shipments
        .iter()
        .map(|s| {
            let numbers: Vec<&str> = s.numbers.iter().map(|n| n.number.as_str()).collect();
            let (milestone, at) = s.status.as_ref().map_or_else(
                || ("-".to_owned(), "-".to_owned()),
                |st| (st.milestone.key().to_owned(), db::local_time(&st.at, &zone)),
            );
            [s.id.to_string(), numbers.join(","), milestone, at]
        })
        .collect();
    let header = ["ID", "NUMBERS", "MILESTONE", "SINCE"].map(str::to_owned);
    print_table(&header, &rows);
    Ok(ExitCode::SUCCESS)
}

/// Left-aligned columns two spaces apart; the last column is not padded.
pub fn print_table<const N: usize>(header: &[String; N], rows: &[[String; N]]) {
    let mut widths = [0usize; N];
    for row in std::iter::once(header).chain(rows) {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    for row in std::iter::once(header).chain(rows) {
        let mut line = String::new();
        for (i, (cell, w)) in row.iter().zip(widths).enumerate() {
            line.push_str(cell);
            if i + 1 < N {
                let pad = w - cell.chars().count() + 2;
                line.extend(std::iter::repeat_n(' ', pad));
            }
        }
        println!("{line}");
    }
}
