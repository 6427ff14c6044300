//! Where events come from, end to end: the real `posylka serve` binary polls a fake 17TRACK and
//! a fake Russian Post on loopback (published request/response shapes, `tests/fakes`), picks
//! up numbers added while it runs, stays within the configured request rates, stores events
//! with the right milestones, reports both sources down in `/healthz` while they are (the
//! server itself stays up), is killed with SIGKILL in the middle of the outage and restarted,
//! and once the fakes are back has every event exactly once.
#![allow(clippy::unwrap_used)]

mod common;
mod fakes;

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::run_posylka;
use fakes::{Fake17, FakeRussianPost, rp_record, s10, st_event};
use serde_json::{Value, json};

/// A running `posylka serve`, its stderr collected by a thread.
struct Serve {
    child: Child,
    addr: String,
    log: Arc<Mutex<String>>,
}

impl Serve {
    fn start(db: &str, env: &[(String, String)]) -> Self {
        let mut command = Command::new(env!("CARGO_BIN_EXE_posylka"));
        command
            .arg("serve")
            .env("POSYLKA_LISTEN", "127.0.0.1:0")
            .env("POSYLKA_DATABASE_URL", db)
            .env("POSYLKA_LOG_LEVEL", "info")
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = command.spawn().unwrap();
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let log = Arc::new(Mutex::new(String::new()));
        let mut addr = None;
        let mut line = String::new();
        while addr.is_none() {
            line.clear();
            assert!(
                stderr.read_line(&mut line).unwrap() > 0,
                "serve ended early: {}",
                log.lock().unwrap()
            );
            log.lock().unwrap().push_str(&line);
            addr = line
                .split("serving on http://")
                .nth(1)
                .and_then(|rest| rest.split_whitespace().next())
                .map(str::to_owned);
        }
        let sink = Arc::clone(&log);
        std::thread::spawn(move || {
            let mut rest = String::new();
            let mut line = String::new();
            while stderr.read_line(&mut line).unwrap_or(0) > 0 {
                sink.lock().unwrap().push_str(&line);
                rest.clear();
                line.clear();
            }
        });
        Self {
            child,
            addr: addr.unwrap(),
            log,
        }
    }

    fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> (u16, Value) {
        let mut stream = TcpStream::connect(&self.addr).unwrap();
        let body = body.map(Value::to_string).unwrap_or_default();
        let auth = token
            .map(|t| format!("Authorization: Bearer {t}\r\n"))
            .unwrap_or_default();
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: {}\r\n{auth}Content-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.addr,
            body.len()
        )
        .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        let status = response
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let payload = response.split_once("\r\n\r\n").map_or("", |(_, b)| b);
        let value = serde_json::from_str(payload).unwrap_or(Value::String(payload.to_owned()));
        (status, value)
    }

    fn kill(&mut self, signal: &str) -> std::process::ExitStatus {
        let sent = Command::new("kill")
            .args([signal, &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
        self.child.wait().unwrap()
    }
}

/// Polls `probe` until it returns `Some`, or fails naming `what` after `limit`.
fn wait_for<T>(what: &str, limit: Duration, mut probe: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = probe() {
            return v;
        }
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Every record in a shipment's timeline as (source, text, time, milestone).
fn records(detail: &Value) -> Vec<(String, String, String, String)> {
    let mut out = Vec::new();
    for event in detail["timeline"].as_array().into_iter().flatten() {
        for s in event["sources"].as_array().into_iter().flatten() {
            out.push((
                s["source"].as_str().unwrap_or_default().to_owned(),
                s["text"].as_str().unwrap_or_default().to_owned(),
                event["at"].as_str().unwrap_or_default().to_owned(),
                event["milestone"].as_str().unwrap_or_default().to_owned(),
            ));
        }
    }
    out
}

/// Most calls in any window of `window` among `calls`.
fn busiest(calls: &[Instant], window: Duration) -> usize {
    let mut sorted = calls.to_vec();
    sorted.sort();
    (0..sorted.len())
        .map(|i| {
            sorted[i..]
                .iter()
                .take_while(|t| **t - sorted[i] < window)
                .count()
        })
        .max()
        .unwrap_or(0)
}

#[test]
fn serve_polls_fake_sources_within_limits_and_survives_their_outage_and_a_crash() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let f17 = Arc::new(Fake17::default());
    let frp = Arc::new(FakeRussianPost::default());
    let a = s10("RA", 12_345_678, "CN");
    let b = s10("RR", 87_654_321, "RU");
    f17.events.lock().unwrap().insert(
        a.clone(),
        vec![
            st_event(
                "2024-04-20T14:50:00+08:00",
                "Acceptance",
                "InTransit_PickedUp",
            ),
            st_event(
                "2024-04-22T03:10:00+08:00",
                "Departed from the country of origin",
                "InTransit_Departure",
            ),
        ],
    );
    frp.histories.lock().unwrap().insert(
        a.clone(),
        vec![
            rp_record(
                "8",
                "Обработка",
                Some(("13", "Прибыло на территорию РФ")),
                "2024-04-28T09:00:00.000+03:00",
            ),
            rp_record(
                "14",
                "Таможенное оформление",
                Some(("1", "Выпущено таможней")),
                "2024-04-29T12:00:00.000+03:00",
            ),
        ],
    );
    frp.histories.lock().unwrap().insert(
        b.clone(),
        vec![rp_record(
            "8",
            "Обработка",
            Some(("2", "Прибыло в место вручения")),
            "2024-05-06T10:00:00.000+03:00",
        )],
    );
    let st_server = runtime.block_on(fakes::start_17track(Arc::clone(&f17)));
    let any: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let rp_server = runtime.block_on(fakes::start_russian_post(Arc::clone(&frp), any));
    let rp_addr = *rp_server.address();

    let dir = std::env::temp_dir().join(format!("posylka-poller-e2e-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("posylka.db");
    let db = db.to_str().unwrap();
    let added = run_posylka(
        &["user", "add", "anna", "--db", db],
        b"correct horse\n",
        |_| {},
    );
    assert!(added.status.success(), "{added:?}");
    let created = run_posylka(
        &["token", "create", "--user", "anna", "--db", db],
        b"",
        |_| {},
    );
    let token = String::from_utf8(created.stdout).unwrap().trim().to_owned();

    let env: Vec<(String, String)> = [
        ("POSYLKA_17TRACK_TOKEN", fakes::TOKEN.to_owned()),
        (
            "POSYLKA_17TRACK_URL",
            format!("{}/track/v2.2", st_server.uri()),
        ),
        ("POSYLKA_17TRACK_RATE", "5/s".to_owned()),
        ("POSYLKA_RUSSIANPOST_LOGIN", fakes::RP_LOGIN.to_owned()),
        (
            "POSYLKA_RUSSIANPOST_PASSWORD",
            fakes::RP_PASSWORD.to_owned(),
        ),
        ("POSYLKA_RUSSIANPOST_URL", format!("http://{rp_addr}/rtm34")),
        ("POSYLKA_RUSSIANPOST_RATE", "10/s".to_owned()),
        ("POSYLKA_RUSSIANPOST_QUOTA", "10000/day".to_owned()),
        ("POSYLKA_CAINIAO_ENABLED", "false".to_owned()),
        ("POSYLKA_SOURCE_TIMEOUT_SECS", "2".to_owned()),
        ("POSYLKA_POLL_IDLE", "200ms".to_owned()),
        ("POSYLKA_POLL_RETRY", "1s".to_owned()),
        ("POSYLKA_POLL_AFTER_REGISTER", "1s".to_owned()),
        ("POSYLKA_POLL_LEASE", "3s".to_owned()),
        ("POSYLKA_POLL_CALL_RETRIES", "1".to_owned()),
        ("POSYLKA_POLL_BREAKER_FAILURES", "2".to_owned()),
        ("POSYLKA_POLL_BREAKER_COOLDOWN", "1s".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let mut serve = Serve::start(db, &env);

    let (status, health) = serve.call("GET", "/healthz", None, None);
    assert_eq!(status, 200, "{health}");
    assert_eq!(health["status"], "ok", "{health}");
    let names: Vec<&str> = health["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["17track", "russianpost"]);

    // Numbers are added while the server runs: A, then forty more to load the limits.
    let create = |serve: &Serve, number: &str| -> i64 {
        let (status, body) = serve.call(
            "POST",
            "/api/v1/shipments",
            Some(&token),
            Some(&json!({"number": number})),
        );
        assert_eq!(status, 201, "{body}");
        body["id"].as_i64().unwrap()
    };
    let a_id = create(&serve, &a);
    for i in 0..40 {
        create(&serve, &s10("RA", 20_000_000 + i, "CN"));
    }
    let shipment = |serve: &Serve, id: i64| {
        serve
            .call(
                "GET",
                &format!("/api/v1/shipments/{id}"),
                Some(&token),
                None,
            )
            .1
    };
    let first = wait_for(
        "A's events from both sources",
        Duration::from_secs(60),
        || {
            let detail = shipment(&serve, a_id);
            (records(&detail).len() == 4).then_some(detail)
        },
    );
    let mut milestones: Vec<(String, String)> = records(&first)
        .into_iter()
        .map(|(source, _, _, milestone)| (source, milestone))
        .collect();
    milestones.sort();
    assert_eq!(
        milestones,
        [
            ("17track".to_owned(), "departed_origin_country".to_owned()),
            ("17track".to_owned(), "picked_up".to_owned()),
            (
                "russianpost".to_owned(),
                "arrived_destination_country".to_owned()
            ),
            ("russianpost".to_owned(), "customs_cleared".to_owned()),
        ]
    );
    assert_eq!(first["status"]["milestone"], "customs_cleared", "{first}");

    // A number added later is picked up too.
    let b_id = create(&serve, &b);
    let b_detail = wait_for("B's event", Duration::from_secs(30), || {
        let detail = shipment(&serve, b_id);
        (!records(&detail).is_empty()).then_some(detail)
    });
    assert_eq!(
        b_detail["status"]["milestone"], "available_for_pickup",
        "{b_detail}"
    );

    // Within the limits: 17TRACK got at most 40 numbers a call (43 numbers, so batches),
    // Russian Post (one number a call) never more than its burst plus a second's rate.
    wait_for(
        "Russian Post to be asked about every number",
        Duration::from_secs(30),
        || (frp.calls.lock().unwrap().len() >= 42).then_some(()),
    );
    let max_batch = f17.max_batch.load(Ordering::SeqCst);
    assert!(
        (2..=40).contains(&max_batch),
        "17TRACK batch of {max_batch}"
    );
    let rp_calls = frp.calls.lock().unwrap().clone();
    let busiest_rp = busiest(&rp_calls, Duration::from_secs(1));
    assert!(
        busiest_rp <= 20,
        "{busiest_rp} Russian Post calls within one second at 10/s"
    );
    assert!(busiest(&f17.calls.lock().unwrap(), Duration::from_secs(1)) <= 10);

    // Both sources go down: 17TRACK answers 503, Russian Post refuses connections. Meanwhile
    // the parcel moves on.
    f17.down.store(true, Ordering::SeqCst);
    runtime.block_on(async move { drop(rp_server) });
    f17.events
        .lock()
        .unwrap()
        .get_mut(&a)
        .unwrap()
        .push(st_event(
            "2024-05-03T09:00:00+03:00",
            "Out for delivery",
            "OutForDelivery_Other",
        ));
    frp.histories
        .lock()
        .unwrap()
        .get_mut(&a)
        .unwrap()
        .push(rp_record(
            "2",
            "Вручение",
            Some(("1", "Вручение адресату")),
            "2024-05-03T17:20:00.000+03:00",
        ));
    let (status, refreshed) = serve.call(
        "POST",
        &format!("/api/v1/shipments/{a_id}/refresh"),
        Some(&token),
        None,
    );
    assert_eq!(status, 202, "{refreshed}");
    assert_eq!(
        refreshed,
        json!({"sources": [{"source": "17track", "numbers": 1}, {"source": "russianpost", "numbers": 1}]})
    );
    let down = wait_for(
        "/healthz to show both sources down",
        Duration::from_secs(60),
        || {
            let (status, health) = serve.call("GET", "/healthz", None, None);
            assert_eq!(
                status, 200,
                "a source being down is not the server being down: {health}"
            );
            let all_down = health["sources"]
                .as_array()?
                .iter()
                .all(|s| s["up"] == false);
            (health["status"] == "degraded" && all_down).then_some(health)
        },
    );
    for source in down["sources"].as_array().unwrap() {
        assert!(source["last_error"].is_string(), "{down}");
        let text = source.to_string();
        assert!(
            !text.contains(fakes::TOKEN) && !text.contains(fakes::RP_PASSWORD),
            "{text}"
        );
    }
    assert_eq!(records(&shipment(&serve, a_id)).len(), 4);

    // The server dies without warning in the middle of the outage, and starts again.
    let killed = serve.kill("-KILL");
    assert!(!killed.success());
    serve = Serve::start(db, &env);

    // The sources come back (Russian Post on the same address).
    let calls_before = f17.calls.lock().unwrap().len();
    f17.down.store(false, Ordering::SeqCst);
    let rp_server = runtime.block_on(fakes::start_russian_post(Arc::clone(&frp), rp_addr));
    let last = wait_for(
        "A's events after the outage",
        Duration::from_secs(90),
        || {
            let detail = shipment(&serve, a_id);
            (records(&detail).len() >= 6 && detail["status"]["milestone"] == "delivered")
                .then_some(detail)
        },
    );
    // Every event exactly once, though both sources answered with their whole history again.
    let all = records(&last);
    let distinct: HashSet<_> = all.iter().collect();
    assert_eq!((all.len(), distinct.len()), (6, 6), "{last}");
    assert!(all.contains(&(
        "17track".to_owned(),
        "Out for delivery".to_owned(),
        "2024-05-03T09:00:00+03:00".to_owned(),
        "out_for_delivery".to_owned()
    )));
    assert_eq!(last["event_count"], 6, "{last}");
    assert!(f17.calls.lock().unwrap().len() > calls_before);
    let recovered = wait_for("/healthz to recover", Duration::from_secs(60), || {
        let (_, health) = serve.call("GET", "/healthz", None, None);
        (health["status"] == "ok").then_some(health)
    });
    assert!(
        recovered["sources"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["up"] == true)
    );
    // B kept its one event through it all.
    assert_eq!(records(&shipment(&serve, b_id)).len(), 1);

    let (_, metrics) = serve.call("GET", "/metrics", None, None);
    let metrics = metrics.as_str().unwrap_or_default().to_owned();
    for needle in [
        "posylka_source_numbers_total{source=\"russianpost\",state=\"polled\"}",
        "posylka_source_ingested_total{source=\"17track\",state=\"inserted\"}",
        "posylka_source_up{source=\"17track\"} 1",
    ] {
        assert!(metrics.contains(needle), "{needle} missing from\n{metrics}");
    }

    let stopped = serve.kill("-TERM");
    assert!(
        stopped.success(),
        "graceful shutdown exits 0, got {stopped:?}"
    );
    std::thread::sleep(Duration::from_millis(100));
    let log = serve.log.lock().unwrap().clone();
    assert!(
        !log.contains(fakes::TOKEN),
        "the 17TRACK key never reaches the logs"
    );
    assert!(
        !log.contains(fakes::RP_PASSWORD),
        "the Russian Post password never reaches the logs"
    );
    assert!(!log.contains(&a), "tracking numbers never reach the logs");
    drop(rp_server);
    drop(st_server);
    let _ = std::fs::remove_dir_all(&dir);
}
