//! `posylka simulate` as a user runs it: JSON Lines on stdout, reproducible, or into a store.

use std::process::Output;

mod common;

use serde_json::Value;

fn simulate(args: &[&str]) -> Output {
    common::run_posylka(args, b"", |c| {
        c.env_remove("POSYLKA_DATABASE_URL");
    })
}

fn stdout_ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).expect("UTF-8 output")
}

#[test]
fn prints_one_reproducible_document_per_line() {
    let args = ["simulate", "--count", "45", "--seed", "3"];
    let first = stdout_ok(&simulate(&args));
    assert_eq!(first, stdout_ok(&simulate(&args)));
    let lines: Vec<Value> = first
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON object per line"))
        .collect();
    assert_eq!(lines.len(), 45);
    // Stories in turn: the first 20 lines tell every story once.
    let stories: std::collections::BTreeSet<&str> = lines[..20]
        .iter()
        .filter_map(|l| l["story"].as_str())
        .collect();
    assert_eq!(stories.len(), 20);
    for line in &lines {
        assert_eq!(line["now"], "2025-06-01T09:00:00Z");
        assert!(line["expect"].is_array());
        assert!(line["document"]["tracking_numbers"][0].is_string());
    }
    let other_seed = stdout_ok(&simulate(&["simulate", "--count", "45", "--seed", "4"]));
    assert_ne!(first, other_seed);
}

#[test]
fn story_now_and_mix_options() {
    let out = stdout_ok(&simulate(&[
        "simulate",
        "--count",
        "6",
        "--story",
        "lost",
        "--story",
        "duty_due",
        "--now",
        "2026-03-01T12:00:00+03:00",
        "--mix",
        "realistic",
    ]));
    for line in out.lines() {
        let v: Value = serde_json::from_str(line).expect("JSON");
        assert!(
            matches!(v["story"].as_str(), Some("lost" | "duty_due")),
            "{line}"
        );
        assert_eq!(v["now"], "2026-03-01T09:00:00Z");
    }
    let bad = simulate(&["simulate", "--story", "teleported"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unknown story \"teleported\""));
    let bad_now = simulate(&["simulate", "--now", "tomorrow"]);
    assert_eq!(bad_now.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad_now.stderr).contains("--now"));
}

#[test]
fn writes_shipments_with_their_events_into_a_store() {
    let dir = std::env::temp_dir().join(format!("posylka-cli-simulate-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let db = dir.join("sim.db").to_str().expect("UTF-8 path").to_owned();
    let out = simulate(&["simulate", "--count", "40", "--seed", "2", "--db", &db]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty());
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(log.contains("40 shipments"), "{log}");
    let list = common::run_posylka(&["list", "--json", "--db", &db], b"", |c| {
        c.env_remove("POSYLKA_DATABASE_URL");
    });
    let listed: Value = serde_json::from_str(&stdout_ok(&list)).expect("a JSON array");
    let shipments = listed.as_array().expect("array");
    assert_eq!(shipments.len(), 40);
    let with_events = shipments
        .iter()
        .filter(|s| s["event_count"].as_u64().unwrap_or(0) > 0)
        .count();
    // Only the stories without events (too early, no tracking, order number, typo) have none.
    assert!(
        (25..40).contains(&with_events),
        "{with_events} of 40 have events"
    );
    let two_numbers = shipments
        .iter()
        .filter(|s| s["numbers"].as_array().is_some_and(|n| n.len() == 2))
        .count();
    assert!(two_numbers > 0, "no hand-over with a last-mile number");
    // The same seed again: every number is taken, nothing is stored twice.
    let again = simulate(&["simulate", "--count", "40", "--seed", "2", "--db", &db]);
    assert!(again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("40 documents skipped"));
    let _ = std::fs::remove_dir_all(&dir);
}
