//! The store commands (`add`, `link`, `events import`, `list`, `show`) run as a user runs
//! them, against a fresh SQLite file per test.

use std::path::PathBuf;
use std::process::Output;

mod common;

use serde_json::Value;

/// A database file of its own, removed when the test ends.
struct Db {
    dir: PathBuf,
}

impl Db {
    fn new(test: &str) -> Db {
        let dir = std::env::temp_dir().join(format!("posylka-cli-{test}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        Db { dir }
    }

    fn path(&self) -> String {
        self.dir
            .join("posylka.db")
            .to_str()
            .expect("utf-8 temp path")
            .to_owned()
    }

    /// Runs `posylka ARGS --db FILE` with `stdin`.
    fn run(&self, args: &[&str], stdin: &str) -> Output {
        let db = self.path();
        common::run_posylka(args, stdin.as_bytes(), |c| {
            c.args(["--db", &db])
                .env_remove("POSYLKA_DATABASE_URL")
                .env("TZ", "UTC");
        })
    }

    /// Runs and expects success; returns standard output.
    fn ok(&self, args: &[&str], stdin: &str) -> String {
        let out = self.run(args, stdin);
        assert!(
            out.status.success(),
            "posylka {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8 output")
    }

    fn json(&self, args: &[&str], stdin: &str) -> Value {
        let text = self.ok(args, stdin);
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{text:?}: {e}"))
    }

    fn write(&self, name: &str, text: &str) -> String {
        let path = self.dir.join(name);
        std::fs::write(&path, text).expect("write input file");
        path.to_str().expect("utf-8 temp path").to_owned()
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn event(number: &str, time: &str, text: &str) -> String {
    serde_json::json!({"number": number, "time": time, "text": text}).to_string() + "\n"
}

fn milestones(timeline: &Value) -> Vec<String> {
    timeline["events"]
        .as_array()
        .expect("events array")
        .iter()
        .map(|e| e["milestone"].as_str().expect("milestone").to_owned())
        .collect()
}

#[test]
fn add_list_import_show() {
    let db = Db::new("flow");
    assert_eq!(
        db.ok(
            &[
                "add",
                "rs 1234 5678 5cn",
                "--order-number",
                "8123456789012345",
                "--price",
                "3.20USD",
                "--protection-days",
                "60",
                "--dest",
                "RU/Kazan/420000",
                "--shipped",
                "2024-05-01",
            ],
            ""
        ),
        "#1\n"
    );
    let listed = db.json(&["list", "--json"], "");
    assert_eq!(listed.as_array().map(Vec::len), Some(1));
    assert_eq!(listed[0]["id"], 1);
    assert_eq!(listed[0]["numbers"][0]["number"], "RS123456785CN");
    assert_eq!(listed[0]["order"]["price"]["cents"], 320);
    assert_eq!(listed[0]["order"]["destination"]["city"], "Kazan");
    assert_eq!(listed[0]["status"], Value::Null);

    // Delivered comes first in the file, the acceptance is given twice.
    let file = [
        event(
            "RS123456785CN",
            "2024-05-20T12:00:00+03:00",
            "Вручение адресату",
        ),
        event(
            "RS123456785CN",
            "2024-05-01T10:00:00+08:00",
            "Принято в отделении связи",
        ),
        event(
            "RS123456785CN",
            "2024-05-01T10:00:00+08:00",
            "Принято в отделении связи",
        ),
    ]
    .concat();
    let path = db.write("events.jsonl", &file);
    let report = db.json(&["events", "import", &path, "--json"], "");
    assert_eq!(
        (
            &report["received"],
            &report["inserted"],
            &report["duplicates"]
        ),
        (&Value::from(3), &Value::from(2), &Value::from(1))
    );
    // Importing the same file again stores nothing new.
    let again = db.json(&["events", "import", &path, "--json"], "");
    assert_eq!(
        (&again["inserted"], &again["duplicates"]),
        (&Value::from(0), &Value::from(3))
    );

    let timeline = db.json(&["show", "#1", "--json"], "");
    assert_eq!(milestones(&timeline), ["picked_up", "delivered"]);
    assert_eq!(timeline["status"]["milestone"], "delivered");
    assert_eq!(timeline["shipment"]["event_count"], 2);
    assert_eq!(
        timeline["events"][1]["sources"][0]["text"],
        "Вручение адресату"
    );

    let table = db.ok(&["list"], "");
    assert!(
        table.contains("RS123456785CN") && table.contains("delivered"),
        "{table}"
    );
    let shown = db.ok(&["show", "1", "--lang", "ru", "--tz", "Europe/Moscow"], "");
    assert!(shown.contains("2024-05-20 12:00"), "{shown}");
    assert!(shown.contains("Вручение адресату"), "{shown}");
}

#[test]
fn a_bad_line_rejects_the_whole_file() {
    let db = Db::new("bad-line");
    db.ok(&["add", "RS123456785CN"], "");
    let good = event("RS123456785CN", "2024-05-01T10:00:00+08:00", "Принято");
    for (bad, says) in [
        ("{\"number\": \"RS123456785CN\",", "line 2"),
        (
            "{\"number\": \"RS123456785CN\", \"text\": \"x\"}",
            "missing field `time`",
        ),
        (
            "{\"number\": \"RS123456785CN\", \"time\": \"2024-05-01T10:00\", \"text\": \"x\"}",
            "field \"time\"",
        ),
        (
            "{\"number\": \"RB123456785GB\", \"time\": \"2024-05-01T10:00Z\", \"text\": \"x\"}",
            "RB123456785GB belongs to no shipment",
        ),
        (
            "{\"number\": \"RS123456785CN\", \"time\": \"2024-05-01T10:00Z\", \"text\": \"x\", \"country\": \"Atlantis\"}",
            "field \"country\": unknown country \"Atlantis\"",
        ),
    ] {
        let path = db.write("bad.jsonl", &format!("{good}{bad}\n"));
        let out = db.run(&["events", "import", &path], "");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{bad}: {err}");
        assert!(err.contains(&format!("{path}: line 2")), "{bad}: {err}");
        assert!(err.contains(says), "{bad}: {err}");
        let timeline = db.json(&["show", "1", "--json"], "");
        assert_eq!(
            timeline["events"],
            serde_json::json!([]),
            "{bad}: nothing written"
        );
    }
}

#[test]
fn event_country_is_imported_and_shown() {
    let db = Db::new("country");
    db.ok(&["add", "RS123456785CN"], "");
    let line = |time: &str, country: &str| {
        serde_json::json!({
            "number": "RS123456785CN", "time": time, "text": "Вручение адресату",
            "country": country,
        })
        .to_string()
            + "\n"
    };
    let file = [
        line("2024-06-01T09:00:00+06:00", "kz"),
        line("2024-05-01T09:00:00+08:00", "中国"),
    ]
    .concat();
    let report = db.json(&["events", "import", "-", "--json"], &file);
    assert_eq!(report["inserted"], 2);
    let timeline = db.json(&["show", "1", "--json"], "");
    let countries: Vec<&Value> = timeline["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| &e["country"])
        .collect();
    assert_eq!(countries, [&Value::from("CN"), &Value::from("KZ")]);
    assert_eq!(timeline["events"][1]["sources"][0]["country"], "KZ");
}

#[test]
fn events_reach_a_shipment_through_a_linked_number() {
    let db = Db::new("link");
    db.ok(&["add", "LP00123456789012"], "");
    let import = event(
        "RS123456785CN",
        "2024-06-01T09:00:00+03:00",
        "Вручение адресату",
    );
    let refused = db.run(&["events", "import", "-"], &import);
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("standard input: line 1"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );

    let linked = db.json(&["link", "#1", "RS123456785CN", "--json"], "");
    assert_eq!(linked["numbers"][1]["number"], "RS123456785CN");
    assert_eq!(linked["numbers"][1]["leg"], "last_mile");
    let report = db.json(&["events", "import", "-", "--json"], &import);
    assert_eq!(report["inserted"], 1);
    let timeline = db.json(&["show", "1", "--json"], "");
    assert_eq!(milestones(&timeline), ["delivered"]);
    assert_eq!(
        timeline["events"][0]["sources"][0]["number"],
        "RS123456785CN"
    );
}

#[test]
fn add_refuses_what_is_not_a_number_and_warns_on_doubtful_ones() {
    let db = Db::new("add-check");
    let out = db.run(&["add", "посылка"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a tracking number"));
    assert_eq!(db.json(&["list", "--json"], ""), serde_json::json!([]));

    // A wrong check digit (5 is right) is stored, with a warning.
    let out = db.run(&["add", "RS123456784CN"], "");
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout), "#1\n");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("check digit"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = db.run(&["show", "7"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("#7 does not exist"));
}
