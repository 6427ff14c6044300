//! `posylka mail import`: shipping notifications (.eml files, maildirs, mbox files) into
//! shipments.
//!
//! Each message's tracking numbers start shipments or complete known ones (order number,
//! shipping date), as `posylka_mail::import::plan` decides; importing the same mail again
//! changes nothing. A message is read, validated and planned in full before its first write,
//! so a message that cannot be read leaves nothing behind; each write is one store call.
//! Messages that cannot be read are reported with their path and the import goes on.
//!
//! IMAP is not spoken: sync the mailbox into a maildir (mbsync, offlineimap, fetchmail with an
//! MDA) and import the maildir, e.g. from cron after each sync.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use jiff::Timestamp;
use posylka_core::document::Document;
use posylka_core::shipment::{Leg, NewShipment, ShipmentId};
use posylka_core::store::StoreError;
use posylka_mail::Extraction;
use posylka_mail::import::{Action, plan};
use posylka_store::{AnyStore, Store as _};
use serde_json::{Value, json};

use super::db::{self, DbArgs};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Import shipping notifications: every tracking number starts a shipment or completes the
    /// one it belongs to (order number, shipping date). Safe to run again on the same mail.
    Import(ImportArgs),
}

#[derive(Debug, clap::Args)]
struct ImportArgs {
    /// .eml files, maildirs (cur/ and new/ are read), mbox files, or directories of them.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Print one JSON object per message.
    #[arg(long)]
    json: bool,
    /// Only read and report what the messages say; the database is not opened.
    #[arg(long)]
    dry_run: bool,
    #[command(flatten)]
    db: DbArgs,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        Command::Import(args) => import(args),
    }
}

/// Counts for the closing summary.
#[derive(Debug, Default)]
struct Tally {
    messages: usize,
    unreadable: usize,
    without_numbers: usize,
    created: usize,
    updated: usize,
    unchanged: usize,
    conflicts: usize,
}

fn import(args: ImportArgs) -> anyhow::Result<ExitCode> {
    let ImportArgs {
        paths,
        json,
        dry_run,
        db,
    } = args;
    let tally = if dry_run {
        let mut tally = Tally::default();
        for item in posylka_mail::messages(&paths) {
            let outcome = read_one(item).map(|(origin, extraction, documents)| {
                let actions = documents.iter().map(|_| None).collect();
                (origin, extraction, documents, actions)
            });
            report(outcome, json, &mut tally)?;
        }
        tally
    } else {
        db.with_store(|store| async move {
            let mut tally = Tally::default();
            // Each message's store work is done before the next message is read.
            for item in posylka_mail::messages(&paths) {
                let outcome = match read_one(item) {
                    Err(e) => Err(e),
                    Ok((origin, extraction, documents)) => {
                        let actions = apply(&store, &extraction, &documents)
                            .await
                            .with_context(|| format!("{origin}: the import stopped here"))?;
                        Ok((origin, extraction, documents, actions))
                    }
                };
                report(outcome, json, &mut tally)?;
            }
            Ok(tally)
        })?
    };
    summary(&tally, dry_run);
    Ok(if tally.unreadable > 0 {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

/// What one message gave: where it came from, what it says, its documents, and per document
/// the action taken (or a message-level error), or why it could not be read.
type Outcome = Result<(String, Extraction, Vec<Document>, Vec<Option<Done>>), String>;

/// An action taken, with the shipment it concerned.
#[derive(Debug)]
struct Done {
    action: &'static str,
    shipment: Option<ShipmentId>,
    note: Option<String>,
}

/// A message read, extracted and validated, with its origin; or why not, naming the origin.
fn read_one(
    item: Result<posylka_mail::RawMessage, posylka_mail::ReadError>,
) -> Result<(String, Extraction, Vec<Document>), String> {
    let raw = item.map_err(|e| e.to_string())?;
    let origin = raw.origin.to_string();
    let (extraction, documents) = read_message(&raw.bytes).map_err(|e| format!("{origin}: {e}"))?;
    Ok((origin, extraction, documents))
}

/// Extracts and validates a message's documents: all of them or an error.
fn read_message(bytes: &[u8]) -> Result<(Extraction, Vec<Document>), String> {
    let extraction = posylka_mail::extract(bytes).map_err(|e| e.to_string())?;
    let documents = extraction
        .documents()
        .iter()
        .map(|d| d.parse())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("unusable shipment data: {e}"))?;
    Ok((extraction, documents))
}

/// Plans every document of a message, then carries the plans out.
async fn apply(
    store: &AnyStore,
    extraction: &Extraction,
    documents: &[Document],
) -> anyhow::Result<Vec<Option<Done>>> {
    let now = Timestamp::now();
    // The message's date anchors the numbers' reuse windows; a date in the future is a lie.
    let at = extraction
        .date
        .map(|d| d.instant())
        .filter(|d| *d <= now)
        .unwrap_or(now);
    let mut plans = Vec::with_capacity(documents.len());
    for doc in documents {
        let number = &doc.numbers[0];
        let existing = store.find_by_number(number).await?;
        let known = extraction.marketplace.is_some();
        plans.push(plan(number, &existing, doc.order.as_ref(), known, at));
    }
    let mut done = Vec::with_capacity(plans.len());
    for (doc, action) in documents.iter().zip(plans) {
        let key = action.key();
        let result = match action {
            Action::Create { order } => {
                let mut new = NewShipment::new(vec![(doc.numbers[0].clone(), Leg::Through)], at)?;
                if let Some(order) = order {
                    new = new.with_order(order);
                }
                match store.create_shipment(&new).await {
                    Ok(id) => Done {
                        action: key,
                        shipment: Some(id),
                        note: None,
                    },
                    // Linked elsewhere since the plan was made: say so, change nothing.
                    Err(e @ StoreError::NumberInUse { .. }) => Done {
                        action: "conflict",
                        shipment: None,
                        note: Some(e.to_string()),
                    },
                    Err(e) => return Err(e.into()),
                }
            }
            Action::SetOrder { shipment, order } => {
                store.set_order(shipment, Some(&order)).await?;
                Done {
                    action: key,
                    shipment: Some(shipment),
                    note: None,
                }
            }
            Action::Unchanged { shipment } => Done {
                action: key,
                shipment: Some(shipment),
                note: None,
            },
            Action::Conflict {
                shipment,
                stored,
                mail,
            } => Done {
                action: key,
                shipment: Some(shipment),
                note: Some(format!(
                    "the shipment has order {stored}, the message says {mail}; left as it is"
                )),
            },
        };
        done.push(Some(result));
    }
    Ok(done)
}

/// Prints one message's outcome and counts it.
fn report(outcome: Outcome, json: bool, tally: &mut Tally) -> anyhow::Result<()> {
    tally.messages += 1;
    let (origin, extraction, documents, actions) = match outcome {
        Ok(parts) => parts,
        Err(error) => {
            tally.unreadable += 1;
            eprintln!("posylka: {error}");
            if json {
                db::print_json(&json!({ "error": error }))?;
            }
            return Ok(());
        }
    };
    if documents.is_empty() {
        tally.without_numbers += 1;
    }
    for done in actions.iter().flatten() {
        match done.action {
            "create" => tally.created += 1,
            "set_order" => tally.updated += 1,
            "unchanged" => tally.unchanged += 1,
            _ => tally.conflicts += 1,
        }
    }
    if json {
        db::print_json(&message_json(&origin, &extraction, &actions))?;
        return Ok(());
    }
    if extraction.tracking_numbers.is_empty() {
        println!("{origin}: no tracking number");
    }
    for (found, done) in extraction.tracking_numbers.iter().zip(&actions) {
        let order = found
            .order_number
            .as_deref()
            .map(|o| format!(" (order {o})"))
            .unwrap_or_default();
        let what = match done {
            None => "found".to_owned(),
            Some(d) => {
                let id = d.shipment.map(|s| format!(" {s}")).unwrap_or_default();
                let verb = match d.action {
                    "create" => format!("created shipment{id}"),
                    "set_order" => format!("updated the order of shipment{id}"),
                    "unchanged" => format!("already in shipment{id}"),
                    _ => format!("conflict with shipment{id}"),
                };
                match &d.note {
                    Some(note) => format!("{verb}: {note}"),
                    None => verb,
                }
            }
        };
        println!("{origin}: {}{order}: {what}", found.number);
    }
    Ok(())
}

/// One message as JSON: what it says and what was done. The extraction holds no address
/// and no body text.
fn message_json(origin: &str, extraction: &Extraction, actions: &[Option<Done>]) -> Value {
    let mut value = serde_json::to_value(extraction).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut value {
        map.insert("origin".into(), Value::from(origin));
        if let Some(Value::Array(numbers)) = map.get_mut("tracking_numbers") {
            for (number, done) in numbers.iter_mut().zip(actions) {
                if let (Value::Object(n), Some(d)) = (number, done) {
                    n.insert("action".into(), Value::from(d.action));
                    n.insert("shipment".into(), json!(d.shipment.map(ShipmentId::get)));
                    if let Some(note) = &d.note {
                        n.insert("note".into(), Value::from(note.as_str()));
                    }
                }
            }
        }
    }
    value
}

fn summary(t: &Tally, dry_run: bool) {
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    let mut text = format!("{} message{}", t.messages, plural(t.messages));
    if dry_run {
        text.push_str(" read (dry run: nothing stored)");
    } else {
        text.push_str(&format!(
            ": {} shipment{} created, {} updated, {} unchanged, {} conflict{}",
            t.created,
            plural(t.created),
            t.updated,
            t.unchanged,
            t.conflicts,
            plural(t.conflicts)
        ));
    }
    text.push_str(&format!(
        "; {} without tracking numbers; {} unreadable",
        t.without_numbers, t.unreadable
    ));
    eprintln!("posylka: {text}");
}
