//! Test support shared by the integration tests of `posylka-server`: an in-process SMTP
//! receiver, a fake SMS gateway, WebDriver/Chromium helpers, fresh test databases, the
//! customs desk's configuration and small HTTP/API helpers.
//!
//! Each file in `tests/` is its own test binary and includes this module with `mod support;`.
// Each test binary uses a different subset of these helpers; what one binary leaves unused
// would otherwise be reported as dead code there.
#![allow(dead_code)]

pub mod browser;
pub mod customs;
pub mod db;
pub mod http;
pub mod sms;
pub mod smtp;

use std::path::Path;
use std::time::Duration;

use jiff::Timestamp;
use posylka_core::account::{NewApiToken, NewUser, UserId, UserName};
use posylka_server::auth::{hash_password, issue_token};
use posylka_store::{AnyStore, Store};
use secrecy::{ExposeSecret, SecretString};

/// Whether this run is CI (`CI=true`), where skipping for want of a tool is a failure.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// Polls `f` every 100 ms for up to 10 s.
pub async fn eventually<T>(what: &str, f: impl FnMut() -> Option<T>) -> T {
    eventually_within(what, 100, Duration::from_millis(100), f).await
}

/// Polls `f` up to `tries` times, `every` apart; panics naming `what` when it never answers.
pub async fn eventually_within<T>(
    what: &str,
    tries: u32,
    every: Duration,
    mut f: impl FnMut() -> Option<T>,
) -> T {
    for _ in 0..tries {
        if let Some(v) = f() {
            return v;
        }
        tokio::time::sleep(every).await;
    }
    panic!("timed out waiting for {what}");
}

/// A user (with `password`, if any) and an API token of theirs: their id and the token.
pub async fn user_token(store: &AnyStore, name: &str, password: Option<&str>) -> (UserId, String) {
    let id = store
        .create_user(&NewUser {
            name: UserName::parse(name).unwrap(),
            password_hash: password
                .map(|p| hash_password(&SecretString::from(p.to_owned())).unwrap()),
            created_at: Timestamp::now(),
        })
        .await
        .unwrap();
    let issued = issue_token().unwrap();
    store
        .create_api_token(&NewApiToken::new(id, issued.hash, "test", Timestamp::now()).unwrap())
        .await
        .unwrap();
    (id, issued.token.expose_secret().to_owned())
}

/// An S10 number (`RA00000017CN`-style) with its check digit, for `prefix` and `serial`.
pub fn s10(prefix: &str, serial: u32) -> String {
    let digits: Vec<u32> = format!("{serial:08}")
        .bytes()
        .map(|b| u32::from(b - b'0'))
        .collect();
    let sum: u32 = digits
        .iter()
        .zip([8, 6, 4, 2, 3, 5, 9, 7])
        .map(|(d, w)| d * w)
        .sum();
    let check = match 11 - sum % 11 {
        10 => 0,
        11 => 5,
        c => c,
    };
    format!("{prefix}{serial:08}{check}CN")
}

/// The recipient's link (`{base}/c/...`) in an e-mail's text.
pub fn link_in(text: &str, base: &str) -> String {
    let start = text
        .find(&format!("{base}/c/"))
        .unwrap_or_else(|| panic!("no link to {base}/c/ in the e-mail: {text}"));
    text[start..]
        .split(char::is_whitespace)
        .next()
        .unwrap()
        .trim_end_matches(['.', ',', ')'])
        .to_owned()
}

/// The first run of exactly six digits in `text` (a confirmation code).
pub fn six_digits(text: &str) -> Option<String> {
    text.split(|c: char| !c.is_ascii_digit())
        .find(|w| w.len() == 6)
        .map(str::to_owned)
}

/// The raw bytes of the SQLite database files (`posylka.db*`, WAL included) in `dir`.
pub fn raw_database_bytes(dir: &Path) -> Vec<u8> {
    let mut all = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("posylka.db"))
        {
            all.extend(std::fs::read(&path).unwrap());
        }
    }
    all
}

/// Whether `needle`'s bytes occur in `hay`.
pub fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}
