//! `posylka check` on shipment documents and stored shipments, and `posylka add --from`, run
//! as a user runs them.

use std::path::PathBuf;
use std::process::Output;

mod common;

use serde_json::Value;

/// A directory of its own (documents, database), removed when the test ends.
struct Dir {
    path: PathBuf,
}

impl Dir {
    fn new(test: &str) -> Dir {
        let path =
            std::env::temp_dir().join(format!("posylka-check-{test}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("temp dir");
        Dir { path }
    }

    fn file(&self, name: &str, text: &str) -> String {
        let file = self.path.join(name);
        std::fs::write(&file, text).expect("write");
        file.to_str().expect("utf-8 temp path").to_owned()
    }

    fn db(&self) -> String {
        self.path
            .join("posylka.db")
            .to_str()
            .expect("utf-8")
            .to_owned()
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// Runs `posylka ARGS` in UTC, English unless the arguments say otherwise.
fn run(args: &[&str], stdin: &str) -> Output {
    common::run_posylka(args, stdin.as_bytes(), |c| {
        c.env_remove("POSYLKA_DATABASE_URL")
            .env_remove("LC_ALL")
            .env_remove("LC_MESSAGES")
            .env("LANG", "C")
            .env("TZ", "UTC");
    })
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn json(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON output")
}

fn codes(report: &Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["code"].as_str().expect("code").to_owned())
        .collect()
}

/// A 3.20 USD order shipped 2024-05-01 whose number showed two first scans and nothing since.
const FAKE: &str = r#"{"tracking_numbers": ["RS123456785CN"],
 "order": {"number": "8123456789012345", "marketplace": "aliexpress",
           "shipped_at": "2024-05-01T10:00:00+08:00",
           "price": {"amount": 3.2, "currency": "USD"}, "protection_days": 60,
           "destination": {"country": "RU", "city": "Kazan", "postcode": "420000"}},
 "events": [{"time": "2024-05-02T10:00:00+08:00", "text": "Electronic information submitted by shipper", "country": "CN"},
            {"time": "2024-05-03T11:00:00+08:00", "text": "收寄", "code": "203", "carrier": "China Post", "country": "CN"}]}"#;

/// Delivered in Canada while the order goes to Kazan.
const ELSEWHERE: &str = r#"{"tracking_numbers": ["RA123456785CN"],
 "order": {"shipped_at": "2024-05-01T10:00:00+08:00", "protection_days": 60,
           "destination": {"country": "RU", "postcode": "420000"}},
 "events": [{"time": "2024-05-02T10:00:00+08:00", "text": "收寄", "country": "CN"},
            {"time": "2024-05-30T10:00:00-05:00", "text": "Delivered, In/At Mailbox", "country": "CA"}]}"#;

#[test]
fn json_report_has_the_documented_shape() {
    let dir = Dir::new("shape");
    let file = dir.file("fake.json", FAKE);
    let report = json(&run(
        &[
            "check",
            &file,
            "--now",
            "2024-05-20T12:00:00+03:00",
            "--json",
        ],
        "",
    ));
    assert_eq!(report["milestone"], "picked_up");
    assert_eq!(report["protection_ends_at"], "2024-06-30T02:00:00Z");
    for key in ["earliest", "likely", "latest", "basis"] {
        assert!(
            report["eta"][key].is_string() || report["eta"][key].is_object(),
            "{key}"
        );
    }
    assert_eq!(codes(&report), ["suspected_fake_tracking"]);
    let finding = &report["findings"][0];
    assert_eq!(finding["severity"], "action");
    let message = finding["message"].as_str().expect("message");
    assert!(
        message.contains("RS123456785CN") && message.contains("3.20 USD"),
        "{message}"
    );
    assert!(
        finding["draft"]
            .as_str()
            .is_some_and(|d| d.starts_with("Hello! The track number RS123456785CN")),
        "{finding}"
    );
    // Ten days after the last scan (3 May) the finding appears: the next check is then for
    // the earlier day, and the finding is absent before it.
    let early = json(&run(
        &[
            "check",
            &file,
            "--now",
            "2024-05-12T12:00:00+03:00",
            "--json",
        ],
        "",
    ));
    assert!(codes(&early).is_empty(), "{early}");
    assert_eq!(early["next_check_at"], "2024-05-13T03:00:00Z");
}

#[test]
fn delivered_elsewhere_replaces_delivered_and_carries_the_dispute_text() {
    let dir = Dir::new("elsewhere");
    let file = dir.file("elsewhere.json", ELSEWHERE);
    let report = json(&run(
        &["check", &file, "--now", "2024-05-31T12:00:00Z", "--json"],
        "",
    ));
    assert_eq!(codes(&report), ["delivered_elsewhere"]);
    // "Delivered" on 30 May 15:00 UTC cuts protection to 5 days.
    assert_eq!(report["protection_ends_at"], "2024-06-04T15:00:00Z");
    assert_eq!(report["findings"][0]["due_at"], "2024-06-04T15:00:00Z");
    assert!(report["eta"].is_null());
    let draft = report["findings"][0]["draft"].as_str().expect("draft");
    assert!(
        draft.contains("delivered in CA") && draft.is_ascii(),
        "{draft}"
    );
}

#[test]
fn language_and_zone_come_from_flags_or_the_locale() {
    let dir = Dir::new("lang");
    let file = dir.file("elsewhere.json", ELSEWHERE);
    let ru = run(
        &[
            "check",
            &file,
            "--now",
            "2024-05-31T12:00:00Z",
            "--lang",
            "ru",
            "--tz",
            "Asia/Vladivostok",
        ],
        "",
    );
    let text = stdout(&ru);
    assert!(ru.status.success());
    // 15:00 UTC on 4 June is already 5 June in Vladivostok (UTC+10).
    assert!(
        text.contains("СДЕЛАТЬ [delivered_elsewhere]") && text.contains("05.06.2024"),
        "{text}"
    );
    // The draft stays English.
    assert!(text.contains("I ask for a full refund"), "{text}");

    let from_locale = common::run_posylka(
        &["check", &file, "--now", "2024-05-31T12:00:00Z"],
        b"",
        |c| {
            c.env("LC_ALL", "ru_RU.UTF-8").env("TZ", "UTC");
        },
    );
    assert!(
        stdout(&from_locale).contains("Статус"),
        "{}",
        stdout(&from_locale)
    );
    let english = run(&["check", &file, "--now", "2024-05-31T12:00:00Z"], "");
    assert!(stdout(&english).contains("ACTION [delivered_elsewhere]"));
}

#[test]
fn a_document_on_standard_input_and_a_custom_config() {
    let dir = Dir::new("config");
    // Without events, 12 days after shipment: no tracking info...
    let silent = r#"{"tracking_numbers": ["RA123456785CN"],
        "order": {"shipped_at": "2024-05-01T00:00:00Z"}}"#;
    let report = json(&run(
        &["check", "-", "--now", "2024-05-13T00:00:00Z", "--json"],
        silent,
    ));
    assert_eq!(codes(&report), ["no_tracking_info"]);
    // ...but a deployment that waits 14 days says it is early.
    let config = dir.file("watchdog.toml", "[tracking]\nfirst_event_days = 14\n");
    let patient = json(&run(
        &[
            "check",
            "-",
            "--now",
            "2024-05-13T00:00:00Z",
            "--json",
            "--config",
            &config,
        ],
        silent,
    ));
    assert_eq!(codes(&patient), ["awaiting_first_event"]);
    let bad = dir.file("bad.toml", "[tracking]\nfirst_event_days = \"soon\"\n");
    let refused = run(&["check", "-", "--config", &bad], silent);
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("tracking.first_event_days"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
}

#[test]
fn bad_documents_exit_2_naming_the_field() {
    for (doc, field) in [
        (r#"{"tracking_numbers": []}"#, "tracking_numbers"),
        (
            r#"{"tracking_numbers": ["RA123456785CN"], "events": [{"time": "soon", "text": "x"}]}"#,
            "events[0].time",
        ),
        (
            r#"{"tracking_numbers": ["RA123456785CN"], "order": {"price": {"amount": 1, "currency": "dollars"}}}"#,
            "order.price.currency",
        ),
        ("{\"tracking_numbers\": [", "line"),
    ] {
        let out = run(&["check", "-"], doc);
        assert_eq!(out.status.code(), Some(2), "{doc}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("standard input") && err.contains(field),
            "{doc}: {err}"
        );
    }
    let missing = run(&["check", "/nonexistent/doc.json"], "");
    assert_eq!(missing.status.code(), Some(2));
}

#[test]
fn add_from_a_document_then_check_the_stored_shipment() {
    let dir = Dir::new("stored");
    let db = dir.db();
    let file = dir.file("elsewhere.json", ELSEWHERE);
    let added = json(&run(&["add", "--from", &file, "--json", "--db", &db], ""));
    let id = added["id"].as_i64().expect("id");
    assert_eq!(added["event_count"], 2);
    assert_eq!(added["status"]["milestone"], "delivered");
    assert_eq!(added["order"]["destination"]["postcode"], "420000");

    // The stored shipment gives the same verdict as the document, by id or #id.
    for target in [id.to_string(), format!("#{id}")] {
        let report = json(&run(
            &[
                "check",
                &target,
                "--now",
                "2024-05-31T12:00:00Z",
                "--json",
                "--db",
                &db,
            ],
            "",
        ));
        assert_eq!(codes(&report), ["delivered_elsewhere"], "{target}");
    }
    let unknown = run(&["check", "#999", "--db", &db], "");
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("#999"));

    // A number and --from together make no sense.
    let both = run(&["add", "RA123456785CN", "--from", &file, "--db", &db], "");
    assert_eq!(both.status.code(), Some(2));
}
