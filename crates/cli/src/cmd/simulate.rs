//! `posylka simulate`: realistic, seeded parcel journeys for every watchdog story, as JSON
//! Lines (`{"story", "now", "expect", "document"}` per line) or straight into the store.
//!
//! Documents stream: any `--count` runs in constant memory. Into the store each document
//! becomes a shipment (its numbers with their legs, its order) and its events go in batches,
//! one transaction per batch.

use std::io::{BufWriter, Write as _};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context as _, bail};
use jiff::Timestamp;
use posylka_core::Normalizer;
use posylka_core::shipment::NewShipment;
use posylka_core::store::StoreError;
use posylka_core::timeline::{EventRecord, SourceName};
use posylka_simulate::{DEFAULT_NOW, Mix, Simulation, Story};
use posylka_store::Store as _;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// How many documents to generate.
    #[arg(long, default_value_t = 100, value_name = "N")]
    count: u64,
    /// The seed: the same seed, count and options give the same output, byte for byte.
    #[arg(long, default_value_t = 1, value_name = "S")]
    seed: u64,
    /// The instant every document is judged at (RFC 3339); fixed by default so that output
    /// does not change from day to day.
    #[arg(long, value_name = "RFC3339", default_value = DEFAULT_NOW)]
    now: String,
    /// Only this story (repeat for several); every story by default. Stories: in_transit,
    /// delivered, available_for_pickup, delivery_attempt_failed, awaiting_first_event,
    /// no_tracking_info, suspected_fake_tracking, order_number, invalid_number,
    /// domestic_number, stalled, lost, returning_to_sender, customs_hold,
    /// customs_data_required, duty_due, delivered_elsewhere, protection_ending, open_dispute,
    /// overdue.
    #[arg(long = "story", value_name = "NAME", value_parser = parse_story)]
    stories: Vec<Story>,
    /// How stories are drawn: `even` takes them in turn (every story in any run of 20),
    /// `realistic` as often as they happen to real parcels.
    #[arg(long, value_enum, default_value_t = MixArg::Even)]
    mix: MixArg,
    /// Write into this store (a file path, sqlite://PATH or postgres://...) instead of
    /// printing JSON Lines.
    #[arg(long, value_name = "PATH_OR_URL")]
    db: Option<String>,
    /// With --db: events per ingest transaction.
    #[arg(long, default_value_t = 5000, value_name = "N", requires = "db")]
    batch: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum MixArg {
    Even,
    Realistic,
}

fn parse_story(s: &str) -> Result<Story, String> {
    s.parse::<Story>().map_err(|e| e.to_string())
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let now: Timestamp = args.now.parse().with_context(|| {
        format!(
            "--now {:?}: expected RFC 3339 such as 2025-06-01T09:00:00Z",
            args.now
        )
    })?;
    let mix = match args.mix {
        MixArg::Even => Mix::Even,
        MixArg::Realistic => Mix::Realistic,
    };
    let sim = Simulation::new(args.seed, now)
        .context("--now")?
        .with_stories(&args.stories)
        .with_mix(mix);
    match args.db.as_deref().map(str::trim) {
        Some("") => bail!("--db: empty location"),
        Some(location) => into_store(&sim, args.count, location, args.batch.max(1)),
        None => json_lines(&sim, args.count),
    }
}

/// Documents per unit of work handed to a generator thread.
const CHUNK: u64 = 2048;

/// Generates on every core (documents are independent), writes in index order.
fn json_lines(sim: &Simulation, count: u64) -> anyhow::Result<ExitCode> {
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8) as u64;
    let chunks = count.div_ceil(CHUNK);
    let mut out = BufWriter::with_capacity(1 << 20, std::io::stdout().lock());
    std::thread::scope(|scope| -> anyhow::Result<()> {
        let mut receivers = Vec::new();
        for worker in 0..workers {
            // Two chunks in flight per thread bound the memory whatever the count.
            let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<u8>>(2);
            receivers.push(rx);
            scope.spawn(move || {
                let mut chunk = worker;
                while chunk < chunks {
                    let start = chunk * CHUNK;
                    let mut buf = Vec::with_capacity(CHUNK as usize * 2048);
                    for index in start..(start + CHUNK).min(count) {
                        if serde_json::to_writer(&mut buf, &sim.document(index)).is_err() {
                            // Cannot happen for these types; the writer reports the gap.
                            return;
                        }
                        buf.push(b'\n');
                    }
                    // The writer is gone (output closed): stop quietly.
                    if tx.send(buf).is_err() {
                        return;
                    }
                    chunk += workers;
                }
            });
        }
        for chunk in 0..chunks {
            let buf = receivers[(chunk % workers) as usize]
                .recv()
                .with_context(|| format!("generating documents from {}", chunk * CHUNK))?;
            // Written as io::Error so that a closed pipe (`| head`) ends the run quietly.
            out.write_all(&buf)?;
        }
        Ok(())
    })?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn into_store(
    sim: &Simulation,
    count: u64,
    location: &str,
    batch: usize,
) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    // PostgreSQL takes several writers at once; SQLite has a single writer.
    let writers: u64 = if location.starts_with("postgres") {
        8
    } else {
        1
    };
    let started = Instant::now();
    let totals = runtime.block_on(async {
        // The location is not echoed: a postgres:// URL may hold a password.
        let store = posylka_store::open(location)
            .await
            .context("opening the database")?;
        let mut tasks = tokio::task::JoinSet::new();
        for writer in 0..writers {
            let (store, sim) = (store.clone(), sim.clone());
            tasks.spawn(
                async move { write_share(&store, &sim, count, writer, writers, batch).await },
            );
        }
        let mut totals = Totals::default();
        let mut failure = None;
        while let Some(joined) = tasks.join_next().await {
            match joined.context("a writer task stopped") {
                Ok(Ok(t)) => totals.add(t),
                Ok(Err(e)) | Err(e) => {
                    failure.get_or_insert(e);
                }
            }
        }
        store.close().await;
        failure.map_or(Ok(totals), Err)
    })?;
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "posylka: simulate: {} shipments with {} events stored in {secs:.1} s ({:.0} shipments/s)",
        totals.shipments,
        totals.events,
        totals.shipments as f64 / secs.max(1e-9)
    );
    if totals.skipped > 0 {
        eprintln!(
            "posylka: simulate: {} documents skipped: their numbers are already in the store (the same seed run twice?)",
            totals.skipped
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// What a writer stored.
#[derive(Debug, Clone, Copy, Default)]
struct Totals {
    shipments: u64,
    events: u64,
    skipped: u64,
}

impl Totals {
    fn add(&mut self, other: Totals) {
        self.shipments += other.shipments;
        self.events += other.events;
        self.skipped += other.skipped;
    }
}

/// Stores documents `writer`, `writer + writers`, ... below `count`: each as a shipment, its
/// events in batches.
async fn write_share(
    store: &posylka_store::AnyStore,
    sim: &Simulation,
    count: u64,
    writer: u64,
    writers: u64,
    batch: usize,
) -> anyhow::Result<Totals> {
    let source = SourceName::new("simulate").context("source name")?;
    let mut normalizer = Normalizer::new();
    let mut pending: Vec<EventRecord> = Vec::with_capacity(batch + 64);
    let mut totals = Totals::default();
    for index in (writer..count).step_by(usize::try_from(writers).unwrap_or(1)) {
        let doc = sim.document(index);
        let parsed = doc
            .document
            .parse()
            .with_context(|| format!("simulated document {index}"))?;
        let numbers = parsed
            .numbers
            .iter()
            .cloned()
            .zip(doc.legs.iter().copied())
            .collect();
        // The buyer adds the parcel when the seller ships it.
        let created_at = parsed
            .order
            .as_ref()
            .and_then(|o| o.shipped_at)
            .map_or(sim.now(), |t| t.instant());
        let mut new = NewShipment::new(numbers, created_at)
            .with_context(|| format!("simulated document {index}"))?;
        if let Some(order) = parsed.order.clone() {
            new = new.with_order(order);
        }
        match store.create_shipment(&new).await {
            Ok(_) => totals.shipments += 1,
            Err(StoreError::NumberInUse { .. }) => {
                totals.skipped += 1;
                continue;
            }
            Err(e) => {
                return Err(e).with_context(|| format!("storing simulated document {index}"));
            }
        }
        pending.extend(parsed.records(&mut normalizer, &source));
        if pending.len() >= batch {
            totals.events += flush(store, &mut pending).await?;
        }
    }
    totals.events += flush(store, &mut pending).await?;
    Ok(totals)
}

async fn flush(
    store: &posylka_store::AnyStore,
    pending: &mut Vec<EventRecord>,
) -> anyhow::Result<u64> {
    if pending.is_empty() {
        return Ok(0);
    }
    let report = store.ingest(pending).await.context("storing events")?;
    pending.clear();
    Ok(report.inserted as u64)
}
