//! Reading messages from disk: single files, maildirs (cur/ and new/, never tmp/), Maildir++
//! folders, mbox files and plain directories, with unreadable paths reported in place.

use std::path::{Path, PathBuf};

use posylka_mail::{RawMessage, messages};

struct TempDir(PathBuf);

impl TempDir {
    fn new(test: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("posylka-mail-{test}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        TempDir(dir)
    }

    fn put(&self, rel: &str, bytes: &[u8]) -> PathBuf {
        let path = self.0.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("dirs");
        }
        std::fs::write(&path, bytes).expect("write");
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data")
            .join(name),
    )
    .expect("fixture")
}

fn subjects(found: &[RawMessage]) -> Vec<String> {
    found
        .iter()
        .map(|m| {
            posylka_mail::extract(&m.bytes)
                .ok()
                .and_then(|e| e.subject)
                .unwrap_or_default()
        })
        .collect()
}

#[test]
fn maildir_reads_cur_and_new_in_delivery_order_and_skips_tmp() {
    let dir = TempDir::new("maildir");
    dir.put(
        "Mail/new/1764000002.M2P1.host",
        &fixture("cainiao.gb2312.eml"),
    );
    dir.put(
        "Mail/cur/1764000001.M1P1.host:2,S",
        &fixture("aliexpress_shipped.html.eml"),
    );
    dir.put("Mail/tmp/1764000003.M3P1.host", b"half-delivered");
    dir.put(
        "Mail/.Orders/cur/1764000004.M4P1.host:2,",
        &fixture("joom_two_orders.eml"),
    );
    dir.put("Mail/dovecot-uidlist", b"3 V1 N4\n");
    let found: Vec<RawMessage> = messages([dir.0.join("Mail")])
        .collect::<Result<_, _>>()
        .expect("all readable");
    assert_eq!(
        subjects(&found),
        [
            "Your order 8190000000000001 has been shipped",
            "您的包裹已发货",
            "Your orders have been shipped"
        ]
    );
    assert!(found.iter().all(|m| m.origin.index.is_none()));
}

#[test]
fn mbox_yields_each_message_with_its_position() {
    let dir = TempDir::new("mbox");
    let mut mbox = Vec::new();
    for name in ["ozon.windows-1251.eml", "pochta_arrived.eml"] {
        mbox.extend_from_slice(b"From MAILER-DAEMON Mon Nov 23 15:40:00 2026\n");
        mbox.extend_from_slice(&fixture(name));
        mbox.extend_from_slice(b"\n");
    }
    let path = dir.put("inbox.mbox", &mbox);
    let found: Vec<RawMessage> = messages([&path])
        .collect::<Result<_, _>>()
        .expect("readable");
    assert_eq!(found.len(), 2);
    assert_eq!(found[1].origin.index, Some(2));
    assert_eq!(found[1].origin.to_string(), format!("{}#2", path.display()));
    assert_eq!(
        subjects(&found),
        [
            "Заказ № 12345678-0001 передан в доставку",
            "Посылка RA223589016RU прибыла в место вручения"
        ]
    );
}

#[test]
fn missing_paths_are_errors_in_place_and_reading_goes_on() {
    let dir = TempDir::new("missing");
    let file = dir.put("one.eml", &fixture("pochta_arrived.eml"));
    dir.put("sub/two.eml", &fixture("ozon.windows-1251.eml"));
    dir.put("sub/.hidden.eml", b"From: x@y\r\n\r\nnot to be read");
    let missing = dir.0.join("nope.eml");
    let items: Vec<_> = messages([missing.clone(), file.clone(), dir.0.join("sub")]).collect();
    assert_eq!(items.len(), 3);
    let err = items[0].as_ref().expect_err("missing file");
    assert_eq!(err.origin.path, missing);
    assert!(err.to_string().starts_with(&missing.display().to_string()));
    assert_eq!(items[1].as_ref().map(|m| &m.origin.path).ok(), Some(&file));
    assert!(items[2].is_ok());
}
