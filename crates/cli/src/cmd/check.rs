//! `posylka check`: what the watchdog says about one shipment, from a shipment document
//! (a file, or `-` for standard input) or from the store (`12` or `#12`).

use std::io::Read as _;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use posylka_core::document::ShipmentDocument;
use posylka_core::event_time::EventTime;
use posylka_core::order::Order;
use posylka_core::shipment::{ShipmentId, TrackingNumber};
use posylka_core::timeline::{SourceName, Timeline};
use posylka_core::{Milestone, Normalizer};
use posylka_store::Store as _;
use posylka_watchdog::messages::{date, label};
use posylka_watchdog::{Config, EtaBasis, Lang, Report, Subject, check};
use serde_json::{Value, json};

use super::db::{self, DbArgs};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A shipment document (JSON; - for standard input), or a stored shipment as 12 or #12.
    target: String,
    /// The instant to judge at, RFC 3339 with an offset [default: now].
    #[arg(long, value_name = "TIME")]
    now: Option<String>,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
    /// Language of the messages: en or ru [default: from LC_ALL, LC_MESSAGES or LANG, else en].
    #[arg(long, value_name = "LANG")]
    lang: Option<String>,
    /// Time zone for dates, e.g. Europe/Moscow [default: the system zone].
    #[arg(long, value_name = "ZONE")]
    tz: Option<String>,
    /// Watchdog settings (TOML) overriding the built-in thresholds.
    #[arg(long, value_name = "FILE")]
    config: Option<std::path::PathBuf>,
    #[command(flatten)]
    db: DbArgs,
}

/// One shipment, owned, whichever way it was read.
struct Loaded {
    /// How to name it to the user.
    name: String,
    numbers: Vec<TrackingNumber>,
    order: Option<Order>,
    timeline: Timeline,
    created_at: Timestamp,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let now = match args.now.as_deref() {
        Some(text) => text
            .parse::<EventTime>()
            .map(|t| t.instant())
            .with_context(|| format!("--now {text:?}"))?,
        None => Timestamp::now(),
    };
    let lang = match args.lang.as_deref() {
        Some(l) => l.parse::<Lang>().context("--lang")?,
        None => lang_from_env(),
    };
    let zone = match args.tz.as_deref() {
        Some(name) => TimeZone::get(name).with_context(|| format!("--tz {name:?}"))?,
        None => TimeZone::system(),
    };
    let config = match &args.config {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            Config::from_toml(&text).with_context(|| path.display().to_string())?
        }
        None => Config::default(),
    };
    let loaded = load(&args, now)?;
    let mut subject = Subject::new(&loaded.numbers, &loaded.timeline, loaded.created_at);
    if let Some(order) = &loaded.order {
        subject = subject.with_order(order);
    }
    let report = check(&subject, now, &config);
    if args.json {
        db::print_json(&report_json(&report, lang, &zone))?;
    } else {
        print_readable(&loaded, &report, lang, &zone);
    }
    Ok(ExitCode::SUCCESS)
}

/// `LC_ALL`, then `LC_MESSAGES`, then `LANG` (POSIX precedence); the first set one decides.
fn lang_from_env() -> Lang {
    ["LC_ALL", "LC_MESSAGES", "LANG"]
        .iter()
        .filter_map(|var| std::env::var(var).ok())
        .find(|v| !v.trim().is_empty())
        .and_then(|v| Lang::from_locale(&v))
        .unwrap_or(Lang::En)
}

/// A stored shipment when the target is `#12`, or digits that name no file; else a document.
fn load(args: &Args, now: Timestamp) -> anyhow::Result<Loaded> {
    let target = args.target.trim();
    let is_id = target.starts_with('#')
        || (!target.is_empty()
            && target.bytes().all(|b| b.is_ascii_digit())
            && !Path::new(target).exists());
    if is_id {
        let id: ShipmentId = target.parse()?;
        let found = args
            .db
            .with_store(|store| async move { Ok(store.shipment_timeline(id).await?) })?;
        let stored = found.with_context(|| format!("shipment {id} does not exist"))?;
        return Ok(Loaded {
            name: id.to_string(),
            numbers: stored
                .shipment
                .numbers
                .iter()
                .map(|n| n.number.clone())
                .collect(),
            order: stored.shipment.order,
            timeline: stored.timeline,
            created_at: stored.shipment.created_at,
        });
    }
    let (name, text) = read_document_text(target)?;
    let document = ShipmentDocument::from_json(&text)
        .and_then(|d| d.parse())
        .with_context(|| format!("{name}: not a valid shipment document"))?;
    let source = SourceName::new("document")?;
    let records = document.records(&mut Normalizer::new(), &source);
    Ok(Loaded {
        name,
        numbers: document.numbers,
        order: document.order,
        timeline: Timeline::build(records),
        // A document is judged as if added now: the order's dates, when present, decide.
        created_at: now,
    })
}

/// The document's name for messages and its text; `-` reads standard input.
pub fn read_document_text(target: &str) -> anyhow::Result<(String, String)> {
    if target == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .context("reading standard input")?;
        return Ok(("standard input".to_owned(), text));
    }
    let text = std::fs::read_to_string(target).with_context(|| format!("reading {target}"))?;
    if text.trim().is_empty() {
        bail!("{target}: empty file, expected a shipment document");
    }
    Ok((target.to_owned(), text))
}

/// The ETA's basis in the user's language.
fn basis_text(basis: &EtaBasis, lang: Lang) -> String {
    match basis {
        EtaBasis::Lane { samples } => label(
            lang,
            "ui-eta-basis",
            &[("basis", "lane"), ("samples", &samples.to_string())],
        ),
        EtaBasis::Prior { service } => label(
            lang,
            "ui-eta-basis",
            &[("basis", "prior"), ("service", service.key())],
        ),
    }
}

fn report_json(report: &Report, lang: Lang, zone: &TimeZone) -> Value {
    let time = |t: Option<Timestamp>| t.map(|t| t.to_string());
    let eta = report.eta.map(|e| {
        json!({
            "earliest": e.earliest.to_string(),
            "likely": e.likely.to_string(),
            "latest": e.latest.to_string(),
            "basis": e.basis,
            "basis_text": basis_text(&e.basis, lang),
        })
    });
    let findings: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            let mut object = json!({
                "code": f.code.key(),
                "severity": f.severity.key(),
                "message": f.message(lang, zone),
                "facts": f.facts,
            });
            if let Some(due) = f.due_at {
                object["due_at"] = json!(due.to_string());
            }
            if let Some(draft) = f.draft(zone) {
                object["draft"] = json!(draft);
            }
            object
        })
        .collect();
    json!({
        "milestone": report.milestone.map(Milestone::key),
        "protection_ends_at": time(report.protection_ends_at),
        "eta": eta,
        "findings": findings,
        "next_check_at": time(report.next_check_at),
    })
}

fn print_readable(loaded: &Loaded, report: &Report, lang: Lang, zone: &TimeZone) {
    let numbers: Vec<&str> = loaded.numbers.iter().map(TrackingNumber::as_str).collect();
    println!("{}  {}", loaded.name, numbers.join(", "));
    let status = match (report.milestone, loaded.timeline.status()) {
        (Some(m), Some(s)) => format!(
            "{} ({})",
            match lang {
                Lang::En => m.label_en(),
                Lang::Ru => m.label_ru(),
            },
            db::local_time(&s.at, zone)
        ),
        _ => label(lang, "ui-no-events", &[]),
    };
    println!("{}: {status}", label(lang, "ui-status", &[]));
    if let Some(end) = report.protection_ends_at {
        println!(
            "{}: {}",
            label(lang, "ui-protection-ends", &[]),
            date(lang, zone, end)
        );
    }
    if let Some(eta) = report.eta {
        println!(
            "{}: {} – {}, {} {} ({})",
            label(lang, "ui-eta", &[]),
            date(lang, zone, eta.earliest),
            date(lang, zone, eta.latest),
            label(lang, "ui-eta-likely", &[]),
            date(lang, zone, eta.likely),
            basis_text(&eta.basis, lang),
        );
    }
    println!();
    if report.findings.is_empty() {
        println!("{}", label(lang, "ui-nothing", &[]));
    }
    for f in &report.findings {
        let severity = label(lang, "ui-severity", &[("severity", f.severity.key())]);
        let due = f.due_at.map_or_else(String::new, |d| {
            format!(" ({} {})", label(lang, "ui-due", &[]), date(lang, zone, d))
        });
        println!("{severity} [{}]{due}", f.code);
        println!("  {}", f.message(lang, zone));
        if let Some(draft) = f.draft(zone) {
            println!("  {}:", label(lang, "ui-draft", &[]));
            println!("    {draft}");
        }
        println!();
    }
}
