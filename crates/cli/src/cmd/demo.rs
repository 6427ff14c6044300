//! `posylka demo`: the server on a fresh SQLite file filled by the simulator, with a login,
//! and parcels that keep moving while it runs.
//!
//! Every watchdog story is there (the simulator's even mix, judged at the real current time),
//! owned by one demo user. A handful of "live" journeys are replayed on top: they start part
//! way and, every few seconds, one of them gets its next carrier event stamped with the wall
//! clock, so the list and the parcel pages change while you look.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use jiff::{SignedDuration, Timestamp};
use posylka_core::Normalizer;
use posylka_core::account::{NewUser, UserId, UserName};
use posylka_core::event_time::EventTime;
use posylka_core::shipment::NewShipment;
use posylka_core::store::StoreError;
use posylka_core::timeline::{EventRecord, SourceName};
use posylka_server::Server;
use posylka_server::config::Config;
use posylka_simulate::{Simulated, Simulation, Story};
use posylka_store::{AnyStore, Store as _};
use secrecy::SecretString;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Where to listen.
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR")]
    listen: std::net::SocketAddr,
    /// How many parcels to simulate (every story in turn).
    #[arg(long, default_value_t = 400, value_name = "N")]
    count: u64,
    /// The seed of the simulation.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Directory for the demo's database (a new one under the system's temporary directory by
    /// default); an existing `posylka-demo.db` in it is replaced.
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
    /// Seconds between live events.
    #[arg(long, default_value_t = 5, value_name = "SECS")]
    tick: u64,
}

/// The demo user's name; the password is made up at each start.
const DEMO_USER: &str = "demo";

/// Journeys replayed live, and the stories they tell.
const LIVE_JOURNEYS: u64 = 12;
const LIVE_STORIES: [Story; 3] = [
    Story::Delivered,
    Story::AvailableForPickup,
    Story::CustomsDataRequired,
];

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    // A directory of its own per run, kept afterwards so the data can be looked at.
    let dir = args.dir.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("posylka-demo-{}", std::process::id()))
    });
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let db = dir.join("posylka-demo.db");
    for suffix in ["", "-wal", "-shm"] {
        let file = PathBuf::from(format!("{}{suffix}", db.display()));
        if file.exists() {
            std::fs::remove_file(&file).with_context(|| format!("removing {}", file.display()))?;
        }
    }
    let mut config = Config::load(None)?;
    config.listen = args.listen;
    config.database_url = Some(db.display().to_string());
    posylka_server::init_logging(&config);

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async move {
        let store = posylka_store::open(&db.display().to_string())
            .await
            .context("creating the demo database")?;
        let password = made_up_password()?;
        let user = store
            .create_user(&NewUser {
                name: UserName::parse(DEMO_USER)?,
                password_hash: Some(posylka_server::auth::hash_password(&SecretString::from(
                    password.clone(),
                ))?),
                created_at: Timestamp::now(),
            })
            .await?;
        let now = Timestamp::now();
        let filled = fill(&store, user, args.seed, args.count, now).await?;
        let mut live = start_live(&store, user, args.seed, now).await?;

        let server = Server::start(config).await?;
        println!("Posylka demo: http://{}/", server.local_addr());
        println!("  log in as {DEMO_USER} / {password}");
        println!(
            "  {filled} simulated parcels in {}; {} more move live every {} s. Ctrl-C to stop.",
            db.display(),
            live.len(),
            args.tick
        );

        let mut ticker = tokio::time::interval(Duration::from_secs(args.tick.max(1)));
        ticker.tick().await;
        let stop = posylka_server::shutdown_signal();
        tokio::pin!(stop);
        let mut next = 0usize;
        loop {
            tokio::select! {
                () = &mut stop => break,
                _ = ticker.tick() => {
                    if let Some(record) = next_live_event(&mut live, &mut next) {
                        store.ingest(&[record]).await?;
                    }
                }
            }
        }
        server.stop().await?;
        store.close().await;
        Ok(ExitCode::SUCCESS)
    })
}

/// A password for this run only: 12 characters from an unambiguous alphabet.
fn made_up_password() -> anyhow::Result<String> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut bytes = [0u8; 12];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    Ok(bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect())
}

/// Stores one simulated parcel for `owner` with the given events; `false` if its numbers are
/// taken.
async fn store_parcel(
    store: &AnyStore,
    owner: UserId,
    doc: &Simulated,
    records: &[EventRecord],
) -> anyhow::Result<bool> {
    let parsed = doc.document.parse()?;
    let numbers = parsed
        .numbers
        .iter()
        .cloned()
        .zip(doc.legs.iter().copied())
        .collect();
    let created_at = parsed
        .order
        .as_ref()
        .and_then(|o| o.shipped_at)
        .map_or(doc.now, |t| t.instant());
    let mut new = NewShipment::new(numbers, created_at)?.with_owner(owner);
    if let Some(order) = parsed.order {
        new = new.with_order(order);
    }
    match store.create_shipment(&new).await {
        Ok(_) => {}
        Err(StoreError::NumberInUse { .. }) => return Ok(false),
        Err(e) => return Err(e.into()),
    }
    store.ingest(records).await?;
    Ok(true)
}

/// Every story in turn, judged at `now`.
async fn fill(
    store: &AnyStore,
    owner: UserId,
    seed: u64,
    count: u64,
    now: Timestamp,
) -> anyhow::Result<u64> {
    let sim = Simulation::new(seed, now)?;
    let source = SourceName::new("simulate")?;
    let mut normalizer = Normalizer::new();
    let mut stored = 0;
    for doc in sim.documents(count) {
        let records = doc.document.parse()?.records(&mut normalizer, &source);
        if store_parcel(store, owner, &doc, &records).await? {
            stored += 1;
        }
    }
    Ok(stored)
}

/// A journey being replayed: the events still to come.
#[derive(Debug)]
struct LiveJourney {
    pending: std::collections::VecDeque<EventRecord>,
}

/// Stores the live journeys with their first part, shifted so that the last event shown
/// happened an hour ago; the rest waits in order.
async fn start_live(
    store: &AnyStore,
    owner: UserId,
    seed: u64,
    now: Timestamp,
) -> anyhow::Result<Vec<LiveJourney>> {
    let sim = Simulation::new(seed.wrapping_add(1), now)?.with_stories(&LIVE_STORIES);
    let source = SourceName::new("carrier")?;
    let mut normalizer = Normalizer::new();
    let mut live = Vec::new();
    for (i, doc) in sim.documents(LIVE_JOURNEYS).enumerate() {
        let mut records = doc.document.parse()?.records(&mut normalizer, &source);
        records.sort_by_key(|r| r.at.instant());
        if records.len() < 2 {
            continue;
        }
        // Staggered: journeys start from their first to their last third.
        let shown = (records.len() * (1 + i % 3) / 4).clamp(1, records.len() - 1);
        let shift = now
            .checked_sub(SignedDuration::from_hours(1))?
            .duration_since(records[shown - 1].at.instant());
        for record in &mut records[..shown] {
            record.at = EventTime::new(record.at.instant().checked_add(shift)?, record.at.offset());
        }
        let rest = records.split_off(shown);
        if store_parcel(store, owner, &doc, &records).await? {
            live.push(LiveJourney {
                pending: rest.into(),
            });
        }
    }
    Ok(live)
}

/// The next journey's next event, stamped now; `None` when every journey has arrived.
fn next_live_event(live: &mut [LiveJourney], next: &mut usize) -> Option<EventRecord> {
    for _ in 0..live.len() {
        let journey = &mut live[*next % live.len()];
        *next = next.wrapping_add(1);
        if let Some(mut record) = journey.pending.pop_front() {
            record.at = EventTime::new(Timestamp::now(), record.at.offset());
            return Some(record);
        }
    }
    None
}
