//! `posylka events import`: store carrier events from JSON Lines, all of a file or none of it.

use std::io::{self, BufRead};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, anyhow};
use posylka_core::event_time::EventTime;
use posylka_core::normalize::country_of;
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
        let record = parse_line(&line, &mut normalizer, &default_source)
            .with_context(|| format!("{name}: line {n}"))?;
        records.push(record);
        lines.push(n);
    }
    Ok((records, lines))
}

/// One line of the import format as a normalised record; no I/O, so it is fuzzed directly.
/// Errors name the field (or the JSON column); the caller adds file and line.
fn parse_line(
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
    let country = match raw.country.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(given) => Some(country_of(given).ok_or_else(|| {
            anyhow!(
                "field \"country\": unknown country {:?}: expected a two-letter ISO code such as RU, KZ or CN",
                given.chars().take(40).collect::<String>()
            )
        })?),
    };
    let normalized = normalizer.normalize(&raw);
    Ok(EventRecord {
        number,
        at,
        source,
        text: raw.text,
        code: raw.code,
        location: raw.location,
        country,
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::{Map, Value};

    /// Cases per property: `POSYLKA_FUZZ_CASES` (default 2000; a fuzzing run sets 1000000).
    fn cases() -> u32 {
        std::env::var("POSYLKA_FUZZ_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(2000)
    }

    fn parse(line: &str) -> anyhow::Result<EventRecord> {
        let source = SourceName::new(DEFAULT_SOURCE).expect("valid");
        parse_line(line, &mut Normalizer::new(), &source)
    }

    /// Any JSON value, nested a little.
    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            any::<String>().prop_map(Value::String),
        ];
        leaf.prop_recursive(3, 16, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                proptest::collection::btree_map("[a-z]{1,8}", inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    /// A field's value: usually plausible, sometimes anything.
    fn field(plausible: impl Strategy<Value = String> + 'static) -> BoxedStrategy<Option<Value>> {
        prop_oneof![
            4 => plausible.prop_map(|s| Some(Value::String(s))),
            1 => Just(None),
            1 => json_value().prop_map(Some),
        ]
        .boxed()
    }

    fn event_object() -> impl Strategy<Value = Map<String, Value>> {
        (
            field(prop_oneof!["RS[0-9]{9}CN", "[A-Z]{2}[0-9 -]{8,14}[A-Z]{0,2}", any::<String>()]),
            field(prop_oneof![
                "20[0-9]{2}-[01][0-9]-[0-3][0-9][T ][0-2][0-9]:[0-5][0-9](:[0-6][0-9](\\.[0-9]{1,9})?)?([+-][0-2][0-9]:?[0-5][0-9]|Z)?",
                any::<String>()
            ]),
            field(prop_oneof!["\\PC{0,60}", any::<String>()]),
            field(prop_oneof!["[0-9]{1,3}(\\.[0-9]{1,3})?", any::<String>()]),
            field(prop_oneof!["[A-Za-z]{2}", "(Россия|China|中国|KAZ|Atlantis| )", any::<String>()]),
            field(any::<String>()),
            field(prop_oneof!["(cainiao|Почта России|CDEK)", any::<String>()]),
            field(any::<String>()),
        )
            .prop_map(|(number, time, text, code, country, location, carrier, source)| {
                let fields = [
                    ("number", number),
                    ("time", time),
                    ("text", text),
                    ("code", code),
                    ("country", country),
                    ("location", location),
                    ("carrier", carrier),
                    ("source", source),
                ];
                fields
                    .into_iter()
                    .filter_map(|(k, v)| v.map(|v| (k.to_owned(), v)))
                    .collect()
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(cases()))]

        #[test]
        fn arbitrary_text_never_panics(line in any::<String>()) {
            let _ = parse(&line);
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
            // Lines reach the parser as UTF-8 (the reader rejects the rest with the line).
            let _ = parse(&String::from_utf8_lossy(&bytes));
        }

        #[test]
        fn event_shaped_lines_never_panic_and_keep_what_they_read(object in event_object()) {
            let line = Value::Object(object.clone()).to_string();
            match parse(&line) {
                Ok(record) => {
                    prop_assert_eq!(Some(record.text.as_str()), object["text"].as_str());
                    let country = object.get("country").and_then(Value::as_str).map(str::trim);
                    prop_assert_eq!(record.country.is_some(), country.is_some_and(|c| !c.is_empty()));
                    if let Some(c) = record.country {
                        prop_assert!(c.as_str().bytes().all(|b| b.is_ascii_uppercase()));
                    }
                }
                Err(e) => {
                    // Every error names what is wrong: a field or the JSON column.
                    let text = format!("{e:#}");
                    prop_assert!(text.contains("field \"") || text.contains("column "), "{}", text);
                }
            }
        }
    }

    #[test]
    fn country_is_read_from_a_code_or_a_known_name() {
        let line = |country: &str| {
            serde_json::json!({
                "number": "RS123456789CN",
                "time": "2024-06-01T10:00:00+06:00",
                "text": "Вручено",
                "country": country,
            })
            .to_string()
        };
        let country = |c: &str| {
            parse(&line(c))
                .expect("valid")
                .country
                .map(|c| c.to_string())
        };
        assert_eq!(country("kz").as_deref(), Some("KZ"));
        assert_eq!(country(" Казахстан ").as_deref(), Some("KZ"));
        assert_eq!(country("中国").as_deref(), Some("CN"));
        assert_eq!(country(""), None);
        let err = parse(&line("Atlantis")).expect_err("unknown name");
        let text = format!("{err:#}");
        assert!(
            text.contains("field \"country\"") && text.contains("Atlantis"),
            "{text}"
        );
    }
}
