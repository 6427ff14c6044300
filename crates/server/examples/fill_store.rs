//! Fills a store with many shipments for the load test (`bench/load.sh`): one user owns them
//! all, each has an order and a few carrier events. Prints the user's API token on stdout
//! and progress on stderr.
//!
//! ```text
//! cargo run --release -p posylka-server --example fill_store -- DB_URL SHIPMENTS [EVENTS_EACH]
//! ```
//!
//! Goes through the store API (the same transactions the server uses), several writers at a
//! time on PostgreSQL, one on SQLite (a single-writer engine).

use std::time::Instant;

use jiff::{Timestamp, ToSpan};
use posylka_core::account::{NewApiToken, NewUser, UserId, UserName};
use posylka_core::event_time::EventTime;
use posylka_core::milestone::Milestone;
use posylka_core::order::Order;
use posylka_core::shipment::{Leg, NewShipment, TrackingNumber};
use posylka_core::timeline::{EventRecord, SourceName};
use posylka_store::{AnyStore, Store};
use secrecy::ExposeSecret;

type Error = Box<dyn std::error::Error + Send + Sync>;

/// The milestones a bench parcel walks through, with a carrier text each.
const STEPS: [(Milestone, &str); 6] = [
    (Milestone::InfoReceived, "Electronic information received"),
    (Milestone::PickedUp, "Accepted by carrier"),
    (Milestone::InTransit, "Arrived at sorting center"),
    (
        Milestone::DepartedOriginCountry,
        "Departed from country of origin",
    ),
    (
        Milestone::ArrivedDestinationCountry,
        "Прибыло в место международного обмена",
    ),
    (Milestone::InTransit, "Покинуло сортировочный центр"),
];

fn number(i: u64) -> Result<TrackingNumber, Error> {
    Ok(TrackingNumber::parse(&format!("LP{i:014}"))?)
}

async fn create_range(
    store: AnyStore,
    owner: UserId,
    from: u64,
    to: u64,
    events_each: usize,
    start: Timestamp,
) -> Result<(), Error> {
    let source = SourceName::new("bench")?;
    let mut records = Vec::new();
    for i in from..to {
        let n = number(i)?;
        let mut order = Order::new("aliexpress", &format!("81{i:014}"))?;
        order.price = Some(format!("{}.{:02} USD", 1 + i % 50, i % 100).parse()?);
        order.protection_days = Some(60);
        let created = start.checked_add(((i % 86_400) as i64).seconds())?;
        let new = NewShipment::new(vec![(n.clone(), Leg::Through)], created)?
            .with_owner(owner)
            .with_order(order);
        store.create_shipment(&new).await?;
        for (k, (milestone, text)) in STEPS.iter().cycle().take(events_each).enumerate() {
            records.push(EventRecord {
                number: n.clone(),
                at: EventTime::utc(created.checked_add((k as i64 * 20).hours())?),
                source: source.clone(),
                text: (*text).to_owned(),
                code: None,
                location: Some("Shenzhen".to_owned()),
                country: None,
                milestone: *milestone,
                side: None,
                reason: None,
            });
        }
        if records.len() >= 5000 {
            store.ingest(&records).await?;
            records.clear();
        }
    }
    store.ingest(&records).await?;
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: fill_store DB_URL SHIPMENTS [EVENTS_EACH]";
    let url = args.next().ok_or(usage)?;
    let total: u64 = args.next().ok_or(usage)?.parse()?;
    let events_each: usize = args.next().map_or(Ok(5), |e| e.parse())?;
    let store = posylka_store::open(&url).await?;
    let name = UserName::parse(&format!("bench{}", Timestamp::now().as_second()))?;
    let owner = store
        .create_user(&NewUser {
            name,
            password_hash: None,
            created_at: Timestamp::now(),
        })
        .await?;
    let issued = posylka_server::auth::issue_token()?;
    store
        .create_api_token(&NewApiToken::new(
            owner,
            issued.hash,
            "load test",
            Timestamp::now(),
        )?)
        .await?;

    let writers: u64 = if store.engine() == "postgres" { 8 } else { 1 };
    let started = Instant::now();
    let start: Timestamp = "2026-01-10T00:00:00Z".parse()?;
    // Chunks of 10,000 so progress shows and writers stay balanced.
    let chunk = 10_000u64;
    let mut next = 0u64;
    while next < total {
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..writers {
            if next >= total {
                break;
            }
            let to = (next + chunk).min(total);
            tasks.spawn(create_range(
                store.clone(),
                owner,
                next,
                to,
                events_each,
                start,
            ));
            next = to;
        }
        while let Some(done) = tasks.join_next().await {
            done??;
        }
        eprintln!(
            "{next}/{total} shipments, {:.0} s",
            started.elapsed().as_secs_f64()
        );
    }
    store.close().await;
    println!("{}", issued.token.expose_secret());
    Ok(())
}
