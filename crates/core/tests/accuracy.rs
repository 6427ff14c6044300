//! Accuracy of the normaliser over labelled real carrier strings.
//!
//! `data/events-sample.jsonl` is the project's labelled sample (its `source` fields give the
//! attribution); `data/gathered-events.jsonl` holds strings collected separately from public
//! feeds, docs and fixtures (with sources). Both are run with their codes and text-only.
#![allow(clippy::unwrap_used)]

use posylka_core::{Milestone, RawEvent, normalize};
use serde::Deserialize;

#[derive(Deserialize)]
struct Labelled {
    text: String,
    carrier: Option<String>,
    #[serde(default, deserialize_with = "code")]
    code: Option<String>,
    label: Milestone,
}

fn code<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let v = Option::<serde_json::Value>::deserialize(d)?;
    Ok(v.and_then(|v| match v {
        serde_json::Value::String(s) => Some(s),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }))
}

fn load(src: &str) -> Vec<Labelled> {
    src.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad line {l}: {e}")))
        .collect()
}

fn accuracy(name: &str, rows: &[Labelled], with_codes: bool) -> f64 {
    let mut right = 0;
    for row in rows {
        let event = RawEvent {
            code: if with_codes { row.code.clone() } else { None },
            carrier: row.carrier.clone(),
            ..RawEvent::from_text(row.text.clone())
        };
        let got = normalize(&event).milestone;
        if got == row.label {
            right += 1;
        } else {
            println!(
                "  miss [{name}, codes={with_codes}] {:?} code={:?} -> {got}, want {}",
                row.text, event.code, row.label
            );
        }
    }
    let acc = f64::from(right) / rows.len() as f64;
    println!(
        "{name}: {right}/{} = {:.1}% ({})",
        rows.len(),
        acc * 100.0,
        if with_codes {
            "with codes"
        } else {
            "text only"
        }
    );
    acc
}

#[test]
fn sample_accuracy() {
    let rows = load(include_str!("data/events-sample.jsonl"));
    assert_eq!(rows.len(), 133);
    let with_codes = accuracy("sample", &rows, true);
    let text_only = accuracy("sample", &rows, false);
    assert!(with_codes >= 0.99, "with codes {with_codes}");
    assert!(text_only >= 0.90, "text only {text_only}");
}

#[test]
fn gathered_accuracy() {
    let rows = load(include_str!("data/gathered-events.jsonl"));
    assert!(rows.len() >= 60, "{}", rows.len());
    let with_codes = accuracy("gathered", &rows, true);
    let text_only = accuracy("gathered", &rows, false);
    assert!(with_codes >= 0.90, "with codes {with_codes}");
    assert!(text_only >= 0.85, "text only {text_only}");
}
