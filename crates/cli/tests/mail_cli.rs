//! `posylka mail import` as a user runs it: a maildir synced by mbsync or offlineimap, imported
//! into a fresh SQLite file, twice; the messages are crates/mail's test notifications.

use std::path::{Path, PathBuf};
use std::process::Output;

mod common;

use serde_json::Value;

/// A maildir and a database file of their own, removed when the test ends.
struct Workspace {
    dir: PathBuf,
}

impl Workspace {
    fn new(test: &str) -> Workspace {
        let dir =
            std::env::temp_dir().join(format!("posylka-mail-cli-{test}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        Workspace { dir }
    }

    fn db(&self) -> String {
        self.dir
            .join("posylka.db")
            .to_str()
            .expect("utf-8")
            .to_owned()
    }

    /// Delivers a test notification into the maildir under `sub` (cur or new).
    fn deliver(&self, sub: &str, name: &str, fixture: &str) -> String {
        let source = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../mail/tests/data")
            .join(fixture);
        let target = self.dir.join("Mail").join(sub).join(name);
        std::fs::create_dir_all(target.parent().expect("parent")).expect("maildir");
        std::fs::copy(&source, &target).expect("copy fixture");
        target.to_str().expect("utf-8").to_owned()
    }

    fn maildir(&self) -> String {
        self.dir.join("Mail").to_str().expect("utf-8").to_owned()
    }

    fn run(&self, args: &[&str]) -> Output {
        let db = self.db();
        common::run_posylka(args, b"", |c| {
            c.args(["--db", &db])
                .env_remove("POSYLKA_DATABASE_URL")
                .env("TZ", "UTC");
        })
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "posylka {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8")
    }

    fn shipments(&self) -> Vec<Value> {
        let text = self.ok(&["list", "--json"]);
        serde_json::from_str::<Value>(&text)
            .expect("json")
            .as_array()
            .cloned()
            .expect("array")
    }
}

impl Drop for Workspace {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn json_lines(out: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect()
}

fn actions(lines: &[Value]) -> Vec<String> {
    lines
        .iter()
        .flat_map(|l| {
            l["tracking_numbers"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .map(|t| {
            format!(
                "{} {}",
                t["number"].as_str().unwrap_or("?"),
                t["action"].as_str().unwrap_or("?")
            )
        })
        .collect()
}

#[test]
fn a_maildir_imported_twice_gives_each_parcel_once() {
    let ws = Workspace::new("twice");
    ws.deliver(
        "cur",
        "1764000001.M1P7.host:2,S",
        "aliexpress_shipped.html.eml",
    );
    ws.deliver("new", "1764000002.M2P7.host", "aliexpress_ru.koi8-r.eml");
    ws.deliver("new", "1764000003.M3P7.host", "cainiao.gb2312.eml");
    ws.deliver("new", "1764000004.M4P7.host", "joom_two_orders.eml");
    ws.deliver("new", "1764000005.M5P7.host", "newsletter_no_numbers.eml");
    ws.deliver("tmp", "1764000006.M6P7.host", "ozon.windows-1251.eml");

    let first = ws.run(&["mail", "import", &ws.maildir(), "--json"]);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let lines = json_lines(&first);
    assert_eq!(lines.len(), 5, "tmp/ is not read");
    assert_eq!(
        actions(&lines),
        [
            "LP00573419278865 create",
            "RA123456785CN create",
            "YT2229521272164446 create",
            "RB123456785GB create",
            "CJ123456785CN create"
        ]
    );
    let stored = ws.shipments();
    assert_eq!(stored.len(), 5);
    let ali = &stored[0];
    assert_eq!(ali["numbers"][0]["number"], "LP00573419278865");
    assert_eq!(ali["order"]["order_number"], "8190000000000001");
    assert_eq!(ali["order"]["marketplace"], "aliexpress");
    assert_eq!(ali["order"]["shipped_at"], "2026-11-21T09:14:03+08:00");
    assert_eq!(
        stored[2]["order"]["shipped_at"],
        "2026-11-20T18:30:00+08:00"
    );
    assert_eq!(stored[3]["order"]["marketplace"], "joom");
    // The message's date is when the number was linked (its reuse window starts there).
    assert_eq!(ali["numbers"][0]["linked_at"], "2026-11-21T01:14:03Z");

    let second = ws.run(&["mail", "import", &ws.maildir(), "--json"]);
    assert!(second.status.success());
    assert!(
        actions(&json_lines(&second))
            .iter()
            .all(|a| a.ends_with(" unchanged"))
    );
    assert_eq!(ws.shipments(), stored, "the second import changes nothing");
}

#[test]
fn a_known_number_gets_the_mails_order_instead_of_a_second_shipment() {
    let ws = Workspace::new("update");
    assert_eq!(ws.ok(&["add", "RA123456785CN"]), "#1\n");
    let file = ws.deliver("cur", "1.eml", "aliexpress_ru.koi8-r.eml");
    let out = ws.ok(&["mail", "import", &file]);
    assert!(
        out.contains("RA123456785CN (order 3074935419642839): updated the order of shipment #1"),
        "{out}"
    );
    let stored = ws.shipments();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0]["order"]["order_number"], "3074935419642839");
    assert_eq!(
        stored[0]["order"]["shipped_at"],
        "2026-11-20T00:00:00+03:00"
    );
    assert!(
        ws.ok(&["mail", "import", &file])
            .contains("already in shipment #1")
    );
}

#[test]
fn bad_files_are_named_and_the_rest_is_imported() {
    let ws = Workspace::new("bad");
    let bad = ws.deliver("cur", "1764000001.M1P7.host:2,", "malformed.eml");
    ws.deliver("cur", "1764000002.M2P7.host:2,", "pochta_arrived.eml");
    let missing = ws.dir.join("no-such.eml");
    let out = ws.run(&[
        "mail",
        "import",
        &ws.maildir(),
        missing.to_str().expect("utf-8"),
    ]);
    assert_eq!(out.status.code(), Some(2), "unreadable input");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("{bad}: no e-mail header fields")),
        "{stderr}"
    );
    assert!(stderr.contains(&missing.display().to_string()), "{stderr}");
    assert!(stderr.contains("2 unreadable"), "{stderr}");
    let stored = ws.shipments();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0]["numbers"][0]["number"], "RA223589016RU");
    assert_eq!(
        stored[0]["order"],
        Value::Null,
        "an arrival notice names no order"
    );
}

#[test]
fn a_dry_run_stores_nothing() {
    let ws = Workspace::new("dry");
    let file = ws.deliver("cur", "1.eml", "ozon.windows-1251.eml");
    let out = ws.ok(&["mail", "import", "--dry-run", "--json", &file]);
    let lines: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    assert_eq!(lines[0]["tracking_numbers"][0]["number"], "42000012345676");
    assert_eq!(
        lines[0]["tracking_numbers"][0]["order_number"],
        "12345678-0001"
    );
    assert!(
        !Path::new(&ws.db()).exists(),
        "the database is not even opened"
    );
}
