//! `posylka demo` as the README runs it: the real binary starts the server on a fresh database
//! full of simulated parcels, prints the address and a login that works, and live events keep
//! arriving.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use posylka_store::Store as _;

fn request(addr: &str, head: &str, body: &str) -> String {
    let mut stream = TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "{head}\r\nHost: {addr}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

/// Events stored in the demo's database, read through the store like any other client.
fn stored_events(db: &str) -> u64 {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let store = posylka_store::open(db).await.unwrap();
        let total = store
            .list_shipments()
            .await
            .unwrap()
            .iter()
            .map(|s| s.event_count)
            .sum();
        store.close().await;
        total
    })
}

#[test]
fn the_demo_serves_simulated_parcels_to_its_login_and_keeps_them_moving() {
    let dir = std::env::temp_dir().join(format!("posylka-demo-cli-{}", std::process::id()));
    let mut demo = Command::new(env!("CARGO_BIN_EXE_posylka"))
        .args([
            "demo",
            "--listen",
            "127.0.0.1:0",
            "--count",
            "40",
            "--tick",
            "1",
        ])
        .arg("--dir")
        .arg(&dir)
        .env("POSYLKA_LOG_LEVEL", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(demo.stdout.take().unwrap());
    let mut lines = Vec::new();
    for _ in 0..3 {
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        lines.push(line);
    }
    let addr = lines[0]
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap_or_else(|| panic!("no address in {lines:?}"))
        .to_owned();
    let (user, password) = lines[1]
        .split("log in as ")
        .nth(1)
        .and_then(|rest| rest.trim().split_once(" / "))
        .unwrap_or_else(|| panic!("no login in {lines:?}"));
    assert_eq!(user, "demo");
    assert!(lines[2].contains("40 simulated parcels"), "{lines:?}");

    // The login page is served and the printed password is accepted: the form's CSRF token
    // comes back as a cookie and a hidden field.
    let page = request(&addr, "GET /login HTTP/1.1", "");
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    let cookie = page
        .lines()
        .find_map(|l| l.strip_prefix("set-cookie: "))
        .and_then(|c| c.split(';').next())
        .unwrap_or_else(|| panic!("no cookie in {page}"))
        .to_owned();
    let csrf = page
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("no CSRF field in {page}"));
    let form = format!("csrf={csrf}&name={user}&password={password}");
    let login = request(
        &addr,
        &format!(
            "POST /login HTTP/1.1\r\nCookie: {cookie}\r\nOrigin: http://{addr}\r\nContent-Type: application/x-www-form-urlencoded"
        ),
        &form,
    );
    assert!(login.starts_with("HTTP/1.1 303"), "{login}");
    assert!(
        login.to_ascii_lowercase().contains("location: /"),
        "{login}"
    );

    // Live events arrive while it runs.
    let db = dir.join("posylka-demo.db");
    let db = db.to_str().unwrap();
    let before = stored_events(db);
    assert!(before > 40, "simulated parcels come with events: {before}");
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut after = before;
    while after == before && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(500));
        after = stored_events(db);
    }
    assert!(after > before, "no live event within 30 s");

    Command::new("kill")
        .args(["-TERM", &demo.id().to_string()])
        .status()
        .unwrap();
    assert!(demo.wait().unwrap().success());
    std::fs::remove_dir_all(&dir).unwrap();
}
