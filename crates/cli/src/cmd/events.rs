//! `posylka events import`: store carrier events from JSON Lines, all of a file or none of it.

use std::io::{self, BufRead};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, anyhow};
use posylka_core::event_time::EventTime;
use posylka_core::shipment::TrackingNumber;
use posylka_core::store::{IngestReport, StoreError};
use posylka_core::timeline::{EventRecord, SourceName};
use posylka_core::{Normalizer, RawEvent};
use posylka_store::Store as _;
use serde::Deserialize;
use serde_json::json;

use super::db::{self, DbArgs};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Import events from JSON Lines, one {"number", "time", "text", "code"?, "carrier"?,
    /// "location"?, "country"?, "source"?} per line; all lines or none are stored.
    Import(ImportArgs),
}

#[derive(Debug, clap::Args)]
struct ImportArgs {
    /// The JSON Lines file; - for standard input.
    file: PathBuf,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    db: DbArgs,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        Command::Import(args) => import(args),
    }
}

/// Source name of records whose line names none.
const DEFAULT_SOURCE: &str = "import";

/// The fields of a line beyond the raw event's (which [`RawEvent`] reads from the same line).
#[derive(Deserialize)]
struct Envelope {
    number: String,
    time: String,
    #[serde(default)]
    source: Option<String>,
}

fn import(args: ImportArgs) -> anyhow::Result<ExitCode> {
    let name = if args.file.as_os_str() == "-" {
        "standard input".to_owned()
    } else {
        args.file.display().to_string()
    };
    let (records, lines) = read_records(&args.file, &name)?;
    let result = args
        .db
        .with_store(|store| async move { Ok(store.ingest(&records).await) })?;
    let report = result.map_err(|e| match e {
        // The store counts records; the user counts lines.
        StoreError::UnknownNumber { number, index } => {
            let line = lines.get(index).copied().unwrap_or(index + 1);
            anyhow!(
                "{name}: line {line}: tracking number {number} belongs to no shipment; nothing was imported (add it with `posylka add` or `posylka link` first)"
            )
        }
        other => anyhow::Error::new(other).context(format!("{name}: nothing was imported")),
    })?;
    print_report(&report, args.json)?;
    Ok(ExitCode::SUCCESS)
}

/// Every record of the file with the line it came from; the first bad line is an error.
fn read_records(file: &PathBuf, name: &str) -> anyhow::Result<(Vec<EventRecord>, Vec<usize>)> {
    let reader: Box<dyn BufRead> = if file.as_os_str() == "-" {
        Box::new(io::stdin().lock())
    } else {
        let f = std::fs::File::open(file).with_context(|| format!("opening {name}"))?;
        Box::new(io::BufReader::new(f))
    };
    let default_source = SourceName::new(DEFAULT_SOURCE).context("the default source name")?;
    let mut normalizer = Normalizer::new();
    let (mut records, mut lines) = (Vec::new(), Vec::new());
    for (index, line) in reader.lines().enumerate() {
        let n = index + 1;
        let line = line.with_context(|| format!("{name}: line {n} is not readable UTF-8"))?;
        if line.trim().is_empty() {
            continue;
        }
        let record = record(&line, &mut normalizer, &default_source)
            .with_context(|| format!("{name}: line {n}"))?;
        records.push(record);
        lines.push(n);
    }
    Ok((records, lines))
}

fn record(
    line: &str,
    normalizer: &mut Normalizer,
    default_source: &SourceName,
) -> anyhow::Result<EventRecord> {
    let envelope: Envelope = serde_json::from_str(line).map_err(not_an_event)?;
    let raw: RawEvent = serde_json::from_str(line).map_err(not_an_event)?;
    let number = TrackingNumber::parse(&envelope.number).context("field \"number\"")?;
    let at: EventTime = envelope.time.parse().context("field \"time\"")?;
    let source = match envelope.source.as_deref() {
        Some(s) => SourceName::new(s).context("field \"source\"")?,
        None => default_source.clone(),
    };
    let normalized = normalizer.normalize(&raw);
    Ok(EventRecord {
        number,
        at,
        source,
        text: raw.text,
        code: raw.code,
        location: raw.location,
        milestone: normalized.milestone,
        side: normalized.side,
        reason: normalized.reason,
    })
}

/// A JSON error for one line: the column, not serde's "line 1" (the file line is added by the
/// caller).
fn not_an_event(e: serde_json::Error) -> anyhow::Error {
    let text = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    let what = text.strip_suffix(&suffix).unwrap_or(&text);
    anyhow!(
        "column {}: not an event object {{\"number\", \"time\", \"text\", ...}}: {what}",
        e.column()
    )
}

fn print_report(report: &IngestReport, json: bool) -> anyhow::Result<()> {
    if json {
        db::print_json(&json!({
            "received": report.received,
            "inserted": report.inserted,
            "duplicates": report.duplicates,
            "shipments_changed": report.shipments_changed,
        }))
    } else {
        println!(
            "received {}, inserted {}, duplicates {}, shipments changed {}",
            report.received, report.inserted, report.duplicates, report.shipments_changed
        );
        Ok(())
    }
}
