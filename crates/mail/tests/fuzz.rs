//! Untrusted mail never panics the reader: arbitrary bytes, message-shaped bytes (headers,
//! MIME boundaries, encodings, charsets, HTML in pieces) and mutated real notifications all
//! give an extraction or an error, and what comes out keeps its invariants.
//!
//! Cheap by default; `POSYLKA_FUZZ_CASES=200000 cargo test --release -p posylka-mail --test
//! fuzz` runs many more inputs.

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

fn cases() -> u32 {
    std::env::var("POSYLKA_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000)
}

fn runner() -> TestRunner {
    TestRunner::new(Config {
        cases: cases(),
        failure_persistence: None,
        max_shrink_iters: 2000,
        ..Config::default()
    })
}

/// Checks what every extraction promises: documents parse, numbers are canonical, each
/// tracking number once, and no order number is also a tracking number.
fn check(bytes: &[u8]) -> Result<(), TestCaseError> {
    let Ok(e) = posylka_mail::extract(bytes) else {
        return Ok(());
    };
    for (i, t) in e.tracking_numbers.iter().enumerate() {
        prop_assert!(
            t.number
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        );
        prop_assert!(
            !e.tracking_numbers[..i].iter().any(|u| u.number == t.number),
            "{} twice",
            t.number
        );
        prop_assert!(!e.order_numbers.iter().any(|o| o.number == t.number));
    }
    for doc in e.documents() {
        prop_assert!(doc.parse().is_ok(), "{doc:?}");
    }
    Ok(())
}

/// Pieces e-mails are made of, including broken ones.
fn piece() -> impl Strategy<Value = Vec<u8>> {
    let fixed: Vec<&'static [u8]> = vec![
        b"From: a@aliexpress.com\r\n",
        b"Subject: =?koi8-r?B?+sHLwdogMzA3NDkzNTQxOTY0MjgzOQ==?=\r\n",
        b"Subject: =?gb2312?Q?=C4=FA=B5=C4?=\r\n",
        b"Subject: =?utf-8?B?broken base64!?=\r\n",
        b"Date: Sat, 21 Nov 2026 09:14:03 +0800\r\n",
        b"Date: Mon, 31 Feb 1999 99:99:99 +9999\r\n",
        b"Content-Type: multipart/alternative; boundary=\"b\"\r\n",
        b"Content-Type: multipart/mixed; boundary=b\r\n",
        b"Content-Type: text/html; charset=windows-1251\r\n",
        b"Content-Type: text/plain; charset=x-unknown-charset\r\n",
        b"Content-Type: message/rfc822\r\n",
        b"Content-Transfer-Encoding: base64\r\n",
        b"Content-Transfer-Encoding: quoted-printable\r\n",
        b"\r\n",
        b"--b\r\n",
        b"--b--\r\n",
        b"=D0=97=D0=B0=D0=BA=D0=B0=D0=B7 =\r\n",
        b"0J/QvtGB0YvQu9C60LA=\r\n",
        b"<table><tr><td>Order ID</td><td>8190000000000001</td>",
        b"<td>Tracking number:</td><td><b>LP00573419278865</b>",
        b"<!-- unterminated comment",
        b"<a title=\"unterminated",
        b"&#x110000; &#0; &#99999999999; &nbsp",
        b"Order #A77-123456 Tracking number: RB 1234 5678 5GB\r\n",
        b"\xd0\x97\xd0\xb0\xd0\xba\xd0\xb0\xd0\xb7 \xe2\x84\x96 12345678-0001 ",
        b"\xe8\xae\xa2\xe5\x8d\x95\xe5\x8f\xb7\xef\xbc\x9a300500490098888 ",
        b"\xe5\x8f\x91\xe8\xb4\xa7\xe6\x97\xb6\xe9\x97\xb4\xef\xbc\x9a2026-11-20 18:30",
        b"Shipped on: Nov 20, 2026 Seller: X\r\n",
        b"\xff\xfe\x00\xd0",
    ];
    prop_oneof![
        4 => prop::sample::select(fixed).prop_map(<[u8]>::to_vec),
        1 => prop::collection::vec(any::<u8>(), 0..40),
    ]
}

#[test]
fn arbitrary_bytes_never_panic() {
    runner()
        .run(&prop::collection::vec(any::<u8>(), 0..2000), |bytes| {
            check(&bytes)
        })
        .expect("no panic, invariants hold");
}

#[test]
fn message_shaped_bytes_never_panic() {
    runner()
        .run(&prop::collection::vec(piece(), 0..40), |pieces| {
            check(&pieces.concat())
        })
        .expect("no panic, invariants hold");
}

#[test]
fn mutated_notifications_never_panic() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let mut seeds: Vec<Vec<u8>> = std::fs::read_dir(&dir)
        .expect("fixtures")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "eml"))
        .filter_map(|p| std::fs::read(p).ok())
        .collect();
    seeds.sort();
    assert!(seeds.len() >= 7, "the fixtures are there");
    let strategy = (
        prop::sample::select(seeds),
        prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..12),
    );
    runner()
        .run(&strategy, |(mut bytes, edits)| {
            for (at, byte, op) in edits {
                if bytes.is_empty() {
                    break;
                }
                let i = at.index(bytes.len());
                match op {
                    0 => bytes[i] = byte,
                    1 => bytes.insert(i, byte),
                    _ => {
                        bytes.remove(i);
                    }
                }
            }
            check(&bytes)
        })
        .expect("no panic, invariants hold");
}
