//! `posylka user add`, `posylka token create` and `posylka serve` as a user runs them: the
//! real binary, a temp SQLite file, plain HTTP over loopback, stopped by SIGTERM.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

use common::run_posylka;

fn get(addr: &str, path: &str, token: &str) -> String {
    let mut stream = TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

#[test]
fn a_user_with_a_token_reaches_the_api_and_the_server_stops_on_sigterm() {
    let dir = std::env::temp_dir().join(format!("posylka-serve-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("posylka.db");
    let db = db.to_str().unwrap();

    let added = run_posylka(
        &["user", "add", "Anna", "--db", db],
        b"correct horse\n",
        |_| {},
    );
    assert!(added.status.success(), "{added:?}");
    let short = run_posylka(&["user", "add", "boris", "--db", db], b"short\n", |_| {});
    assert_eq!(short.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&short.stderr).contains("at least 8"));
    let twice = run_posylka(
        &["user", "add", "anna", "--db", db],
        b"correct horse\n",
        |_| {},
    );
    assert!(String::from_utf8_lossy(&twice.stderr).contains("already exists"));

    let created = run_posylka(
        &["token", "create", "--user", "anna", "--db", db],
        b"",
        |_| {},
    );
    assert!(created.status.success(), "{created:?}");
    let token = String::from_utf8(created.stdout).unwrap().trim().to_owned();
    assert!(token.starts_with("psk_"), "{token}");
    let nobody = run_posylka(
        &["token", "create", "--user", "nobody", "--db", db],
        b"",
        |_| {},
    );
    assert!(String::from_utf8_lossy(&nobody.stderr).contains("no user nobody"));

    let mut server = Command::new(env!("CARGO_BIN_EXE_posylka"))
        .arg("serve")
        .env("POSYLKA_LISTEN", "127.0.0.1:0")
        .env("POSYLKA_DATABASE_URL", db)
        .env("POSYLKA_LOG_LEVEL", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(server.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    let addr = line
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_owned();

    let ok = get(&addr, "/api/v1/shipments", &token);
    assert!(ok.starts_with("HTTP/1.1 200"), "{ok}");
    assert!(ok.contains("\"items\":[]"), "{ok}");
    let denied = get(&addr, "/api/v1/shipments", "psk_wrong");
    assert!(denied.starts_with("HTTP/1.1 401"), "{denied}");
    assert!(denied.contains("application/problem+json"), "{denied}");

    let killed = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = server.wait().unwrap();
    assert!(
        status.success(),
        "graceful shutdown exits 0, got {status:?}"
    );
    let mut rest = String::new();
    stderr.read_to_string(&mut rest).unwrap();
    assert!(!rest.contains(&token), "the token never reaches the logs");
    std::fs::remove_dir_all(&dir).unwrap();
}
