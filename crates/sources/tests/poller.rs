//! The poller against local fakes: registration, ingestion, partial failures, quotas, a source
//! going down and coming back, abandoned leases, failing ingestion.

mod common;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::*;
use posylka_core::Milestone;
use posylka_core::shipment::TrackingNumber;
use posylka_core::timeline::{EventRecord, SourceName};
use posylka_sources::Source;
use posylka_sources::breaker::{BreakerConfig, BreakerState};
use posylka_sources::event::LinkedNumber;
use posylka_sources::limits::Budget;
use posylka_sources::memory::{MemoryIngest, MemoryWork};
use posylka_sources::poller::{
    BackendError, Ingest, Poller, PollerConfig, RetryConfig, WorkSource,
};
use posylka_sources::russianpost::RussianPost;
use posylka_sources::seventeentrack::SeventeenTrack;
use serde_json::json;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

fn config() -> PollerConfig {
    PollerConfig {
        claim_limit: 100,
        concurrency: 2,
        retry: RetryConfig {
            min_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(5),
            max_retries: 1,
        },
        breaker: BreakerConfig {
            failure_threshold: 2,
            cool_down: Duration::from_secs(30),
            max_cool_down: Duration::from_secs(120),
        },
        after_register: Duration::from_secs(60),
        ..PollerConfig::default()
    }
}

fn budget() -> Budget {
    Budget::new(limits("10000/s"), Duration::from_secs(1))
}

fn events_for(i: usize) -> Vec<serde_json::Value> {
    vec![
        st_event(
            "2024-05-01T08:30:00+03:00",
            &format!("Arrived {i}"),
            "InTransit_Arrival",
            "Arrival",
        ),
        st_event(
            "2024-04-25T18:00:00+08:00",
            &format!("Departed {i}"),
            "InTransit_Departure",
            "Departure",
        ),
    ]
}

async fn seventeen_fake() -> (MockServer, Arc<Fake17>, SeventeenTrack) {
    let server = MockServer::start().await;
    let fake = Fake17::new();
    Mock::given(method("POST"))
        .respond_with(Fake17Responder(fake.clone()))
        .mount(&server)
        .await;
    let source = SeventeenTrack::new(seventeen_config(&server.uri())).expect("source");
    (server, fake, source)
}

fn name(s: &str) -> SourceName {
    SourceName::new(s).expect("name")
}

/// Runs rounds until nothing is claimed (bounded).
async fn drain<S, W, I>(poller: &Poller<S, W, I>) -> usize
where
    S: Source + 'static,
    W: WorkSource + 'static,
    I: Ingest + 'static,
{
    let mut claimed = 0;
    for _ in 0..50 {
        let report = poller.run_once().await.expect("round");
        if report.claimed == 0 {
            break;
        }
        claimed += report.claimed;
    }
    claimed
}

fn fingerprints(records: &[EventRecord]) -> BTreeSet<(String, i64)> {
    records
        .iter()
        .map(|r| (r.number.to_string(), r.fingerprint().0))
        .collect()
}

#[tokio::test]
async fn registers_new_numbers_then_ingests_their_events_once() {
    let (_server, fake, source) = seventeen_fake().await;
    let clock = TestClock::at("2024-05-03T12:00:00Z");
    let work = MemoryWork::new();
    let st = name("17track");
    let numbers: Vec<TrackingNumber> = (0..90).map(|i| n(&format!("RA{i:09}CN"))).collect();
    for (i, number) in numbers.iter().enumerate() {
        work.add(&st, number.clone(), clock.now());
        fake.set_events(number.as_str(), events_for(i));
    }
    let poller = Poller::with_clock(
        source,
        work,
        MemoryIngest::new(),
        budget(),
        config(),
        clock.clock(),
    );

    // Round 1: nothing is registered; every number is registered and comes back later.
    let report = poller.run_once().await.expect("round");
    assert_eq!(report.claimed, 90);
    assert_eq!(report.registered, 90);
    assert_eq!(report.records, 0);
    assert_eq!(fake.max_batch_seen.load(Ordering::SeqCst), 40);
    assert_eq!(poller.run_once().await.expect("round").claimed, 0);

    // After `after_register`, they are fetched and ingested.
    clock.advance(Duration::from_secs(61));
    let report = poller.run_once().await.expect("round");
    assert_eq!(report.polled, 90);
    assert_eq!(report.records, 180);
    let ingest = poller.ingest_target();
    assert_eq!(ingest.len(), 180);
    let entry = poller.work().entry(&st, &numbers[0]).expect("entry");
    assert_eq!(entry.status, Some(Milestone::ArrivedDestinationCountry));
    assert_eq!(entry.failures, 0);
    // Arrived in the destination country (2 days ago): due again in 4 h plus the spread.
    let due = entry.due.expect("due");
    let hours = due.duration_since(clock.now()).as_secs_f64() / 3600.0;
    assert!((4.0..=4.4).contains(&hours), "{hours}");

    // "Refresh now" polls again at once; the same events are skipped as duplicates.
    assert!(poller.work().refresh_now(&st, &numbers[0], clock.now()));
    let report = poller.run_once().await.expect("round");
    assert_eq!(report.claimed, 1);
    assert_eq!(ingest.len(), 180);
    assert_eq!(ingest.duplicates(), 2);
}

#[tokio::test]
async fn partial_failures_do_not_hold_back_the_rest() {
    let (_server, fake, source) = seventeen_fake().await;
    let clock = TestClock::at("2024-05-03T12:00:00Z");
    let work = MemoryWork::new();
    let st = name("17track");
    let good = n("RA000000001CN");
    let bad = n("XX123456789");
    for number in [&good, &bad] {
        work.add(&st, number.clone(), clock.now());
    }
    fake.registered
        .lock()
        .expect("lock")
        .insert(good.to_string());
    fake.set_events(good.as_str(), events_for(1));
    fake.undetectable
        .lock()
        .expect("lock")
        .insert(bad.to_string());
    let poller = Poller::with_clock(
        source,
        work,
        MemoryIngest::new(),
        budget(),
        config(),
        clock.clock(),
    );

    let report = poller.run_once().await.expect("round");
    assert_eq!(report.polled, 1);
    assert_eq!(report.records, 2);
    assert_eq!(report.failed, 1);
    let entry = poller.work().entry(&st, &bad).expect("entry");
    assert_eq!(entry.failures, 1);
    assert!(
        entry
            .error
            .as_deref()
            .is_some_and(|e| e.contains("carrier")),
        "{entry:?}"
    );
    // The number's own backoff: 15 minutes after the first failure.
    assert_eq!(
        entry.due.map(|d| d.duration_since(clock.now()).as_secs()),
        Some(15 * 60)
    );
    assert_eq!(poller.health().last_error, None);
    assert_eq!(poller.ingest_target().len(), 2);
}

#[tokio::test]
async fn source_down_opens_the_breaker_and_recovers_with_nothing_lost_or_doubled() {
    let (_server, fake, source) = seventeen_fake().await;
    let clock = TestClock::at("2024-05-03T12:00:00Z");
    let work = MemoryWork::new();
    let st = name("17track");
    let numbers: Vec<TrackingNumber> = (0..120).map(|i| n(&format!("RB{i:09}CN"))).collect();
    for (i, number) in numbers.iter().enumerate() {
        work.add(&st, number.clone(), clock.now());
        fake.registered
            .lock()
            .expect("lock")
            .insert(number.to_string());
        fake.set_events(number.as_str(), events_for(i));
    }
    let mut cfg = config();
    cfg.concurrency = 1;
    let poller = Poller::with_clock(
        source,
        work,
        MemoryIngest::new(),
        budget(),
        cfg,
        clock.clock(),
    );

    fake.down.store(true, Ordering::SeqCst);
    // Two failing calls (each retried once) open the breaker; the round releases every
    // claimed number for a retry.
    let report = poller.run_once().await.expect("round");
    assert_eq!(report.failed_calls, 2, "{report:?}");
    assert!(matches!(poller.health().breaker, BreakerState::Open { .. }));
    assert!(!poller.health().is_up(clock.now()));
    let calls_when_open = fake.calls.load(Ordering::SeqCst);
    // Open: no calls at all, the round says until when.
    let report = poller.run_once().await.expect("round");
    assert_eq!(report.claimed, 0);
    assert!(report.blocked_until.is_some());
    assert_eq!(fake.calls.load(Ordering::SeqCst), calls_when_open);
    assert!(poller.ingest_target().is_empty());

    // Still down at the first probe: one call for one batch (the 20 numbers never claimed and
    // the 20 released untried when the breaker opened), no retry, and the cool-down doubles.
    clock.advance(Duration::from_secs(31));
    let report = poller.run_once().await.expect("round");
    assert_eq!(report.claimed, 40);
    assert_eq!(fake.calls.load(Ordering::SeqCst), calls_when_open + 1);
    match poller.health().breaker {
        BreakerState::Open { cool_down, .. } => assert_eq!(cool_down, Duration::from_secs(60)),
        other => panic!("expected open, got {other:?}"),
    }

    // The source comes back; the next probe closes the breaker and everything is polled.
    fake.down.store(false, Ordering::SeqCst);
    clock.advance(Duration::from_secs(61));
    let probe = poller.run_once().await.expect("probe");
    assert_eq!(probe.polled, 40);
    assert!(matches!(
        poller.health().breaker,
        BreakerState::Closed { .. }
    ));
    drain(&poller).await;

    let records = poller.ingest_target().records();
    assert_eq!(records.len(), 240, "every event of every number, once");
    let distinct = fingerprints(&records);
    assert_eq!(distinct.len(), 240);
    let polled: BTreeSet<_> = records.iter().map(|r| r.number.clone()).collect();
    assert_eq!(polled.len(), numbers.len());
    assert_eq!(poller.ingest_target().duplicates(), 0);
    assert!(poller.health().last_success_at.is_some());
}

#[tokio::test]
async fn a_daily_limit_pauses_the_source_until_midnight_utc() {
    let server = MockServer::start().await;
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    Mock::given(method("POST"))
        .respond_with(move |_: &wiremock::Request| {
            counter.fetch_add(1, Ordering::SeqCst);
            ResponseTemplate::new(200).set_body_json(json!({
                "code": -18019907, "data": {"errors": [{"code": -18019907, "message": "daily limit"}]}}))
        })
        .mount(&server)
        .await;
    let source = SeventeenTrack::new(seventeen_config(&server.uri())).expect("source");
    let clock = TestClock::at("2024-05-03T12:00:00Z");
    let work = MemoryWork::new();
    let st = name("17track");
    work.add(&st, n("RA000000001CN"), clock.now());
    let poller = Poller::with_clock(
        source,
        work,
        MemoryIngest::new(),
        budget(),
        config(),
        clock.clock(),
    );

    let report = poller.run_once().await.expect("round");
    assert_eq!(report.failed_calls, 1);
    // A quota error is not retried and does not count against the source.
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    let health = poller.health();
    let midnight: jiff::Timestamp = "2024-05-04T00:00:00Z".parse().expect("ts");
    assert_eq!(health.paused_until, Some(midnight));
    assert!(matches!(health.breaker, BreakerState::Closed { .. }));
    assert!(
        health
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("daily limit"))
    );
    let entry = poller
        .work()
        .entry(&st, &n("RA000000001CN"))
        .expect("entry");
    assert_eq!(entry.due, Some(midnight));

    let report = poller.run_once().await.expect("round");
    assert_eq!(report.blocked_until, Some(midnight));
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn an_abandoned_lease_comes_back_after_it_expires() {
    let (_server, fake, source) = seventeen_fake().await;
    let clock = TestClock::at("2024-05-03T12:00:00Z");
    let work = MemoryWork::new();
    let st = name("17track");
    let number = n("RA000000001CN");
    work.add(&st, number.clone(), clock.now());
    fake.registered
        .lock()
        .expect("lock")
        .insert(number.to_string());
    fake.set_events(number.as_str(), events_for(1));
    // Another instance claims the number and crashes before completing.
    let lease_until = clock
        .now()
        .checked_add(Duration::from_secs(600))
        .expect("ts");
    let stolen = work
        .claim(&st, clock.now(), 10, lease_until)
        .await
        .expect("claim");
    assert_eq!(stolen.len(), 1);
    let poller = Poller::with_clock(
        source,
        work,
        MemoryIngest::new(),
        budget(),
        config(),
        clock.clock(),
    );

    assert_eq!(poller.run_once().await.expect("round").claimed, 0);
    clock.advance(Duration::from_secs(601));
    let report = poller.run_once().await.expect("round");
    assert_eq!(report.polled, 1);
    assert_eq!(poller.ingest_target().len(), 2);
    // The crashed instance's late completion is ignored.
    let late = posylka_sources::poller::Completion {
        number: number.clone(),
        lease: stolen[0].lease,
        next_poll_at: Some(clock.now()),
        status: None,
        last_event_at: None,
        failures: 9,
        error: Some("stale".into()),
    };
    poller
        .work()
        .complete(&st, &[late])
        .await
        .expect("complete");
    let entry = poller.work().entry(&st, &number).expect("entry");
    assert_eq!(entry.failures, 0);
    assert_eq!(entry.status, Some(Milestone::ArrivedDestinationCountry));
}

/// Fails the first `fail` ingests, then stores like [`MemoryIngest`].
struct FlakyIngest {
    fail: AtomicUsize,
    inner: MemoryIngest,
}

impl Ingest for FlakyIngest {
    async fn ingest(
        &self,
        records: Vec<EventRecord>,
        linked: Vec<(TrackingNumber, LinkedNumber)>,
    ) -> Result<(), BackendError> {
        if self
            .fail
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |f| f.checked_sub(1))
            .is_ok()
        {
            return Err(BackendError("database is locked".into()));
        }
        self.inner.ingest(records, linked).await
    }
}

#[tokio::test]
async fn a_failed_ingest_loses_nothing() {
    let (_server, fake, source) = seventeen_fake().await;
    let clock = TestClock::at("2024-05-03T12:00:00Z");
    let work = MemoryWork::new();
    let st = name("17track");
    for i in 0..3 {
        let number = n(&format!("RA{i:09}CN"));
        work.add(&st, number.clone(), clock.now());
        fake.registered
            .lock()
            .expect("lock")
            .insert(number.to_string());
        fake.set_events(number.as_str(), events_for(i));
    }
    let ingest = FlakyIngest {
        fail: AtomicUsize::new(1),
        inner: MemoryIngest::new(),
    };
    let poller = Poller::with_clock(source, work, ingest, budget(), config(), clock.clock());
    let report = poller.run_once().await.expect("round");
    assert_eq!(report.failed, 3);
    assert!(poller.ingest_target().inner.is_empty());
    let entry = poller
        .work()
        .entry(&st, &n("RA000000000CN"))
        .expect("entry");
    assert!(
        entry
            .error
            .as_deref()
            .is_some_and(|e| e.contains("database is locked"))
    );

    clock.advance(Duration::from_secs(61));
    let report = poller.run_once().await.expect("round");
    assert_eq!(report.records, 6);
    assert_eq!(poller.ingest_target().inner.len(), 6);
}

#[tokio::test]
async fn russian_post_through_the_poller_within_its_quota() {
    let server = MockServer::start().await;
    let fake = Arc::new(FakeRussianPost::default());
    Mock::given(method("POST"))
        .respond_with(FakeRussianPostResponder(fake.clone()))
        .mount(&server)
        .await;
    let numbers: Vec<TrackingNumber> = (0..5).map(|i| n(&format!("RA{i:09}RU"))).collect();
    for number in &numbers {
        fake.histories.lock().expect("lock").insert(
            number.to_string(),
            vec![
                rp_record(
                    "8",
                    "Обработка",
                    Some(("13", "Прибыло на территорию РФ")),
                    "2024-04-28T09:00:00.000+03:00",
                    "102976",
                    "Москва",
                ),
                rp_record(
                    "8",
                    "Обработка",
                    Some(("15", "Передано курьеру")),
                    "2024-05-03T09:00:00.000+03:00",
                    "101000",
                    "Москва",
                ),
            ],
        );
    }
    let source = RussianPost::new(russian_post_config(&server.uri())).expect("source");
    let clock = TestClock::at("2024-05-03T12:00:00Z");
    let work = MemoryWork::new();
    let rp = name("russianpost");
    for number in &numbers {
        work.add(&rp, number.clone(), clock.now());
    }
    // Three requests a day: the rest waits for the quota, without a call.
    let budget = Budget::new(
        posylka_sources::limits::Limits {
            rate: "1000/s".parse().expect("rate"),
            quota: Some("3/day".parse().expect("rate")),
        },
        Duration::from_millis(100),
    );
    let mut cfg = config();
    cfg.concurrency = 1;
    let poller = Poller::with_clock(
        source,
        work,
        MemoryIngest::new(),
        budget,
        cfg,
        clock.clock(),
    );
    let report = poller.run_once().await.expect("round");
    assert_eq!(report.polled, 3, "{report:?}");
    assert_eq!(fake.calls.load(Ordering::SeqCst), 3);
    assert!(report.blocked_until.is_some());
    assert!(poller.health().paused_until.is_some());
    let records = poller.ingest_target().records();
    assert_eq!(records.len(), 6);
    assert!(
        records
            .iter()
            .any(|r| r.milestone == Milestone::OutForDelivery)
    );
    // Out for delivery: polled again within the hour (plus the spread).
    let entry = poller.work().entry(&rp, &numbers[0]).expect("entry");
    assert_eq!(entry.status, Some(Milestone::OutForDelivery));
    let minutes = entry
        .due
        .expect("due")
        .duration_since(clock.now())
        .as_secs()
        / 60;
    assert!((60..=66).contains(&minutes), "{minutes}");
}

#[tokio::test]
async fn run_polls_in_the_background_until_shut_down() {
    let (_server, fake, source) = seventeen_fake().await;
    let work = MemoryWork::new();
    let st = name("17track");
    for i in 0..50 {
        let number = n(&format!("RC{i:09}CN"));
        work.add(&st, number.clone(), jiff::Timestamp::now());
        fake.registered
            .lock()
            .expect("lock")
            .insert(number.to_string());
        fake.set_events(number.as_str(), events_for(i));
    }
    let poller = Poller::new(source, work, MemoryIngest::new(), budget(), config());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = {
        let poller = poller.clone();
        tokio::spawn(async move {
            poller
                .run(async {
                    let _ = stopped.await;
                })
                .await;
        })
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while poller.ingest_target().len() < 100 && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(poller.ingest_target().len(), 100);
    stop.send(()).expect("send");
    tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("stops promptly")
        .expect("task");
}

#[tokio::test]
async fn a_wake_ends_the_idle_wait_and_rounds_are_observed() {
    let (_server, fake, source) = seventeen_fake().await;
    let st = name("17track");
    let poller = Poller::new(
        source,
        MemoryWork::new(),
        MemoryIngest::new(),
        budget(),
        PollerConfig {
            // Without a wake, nothing added later would be polled within the test.
            idle_wait: Duration::from_secs(3600),
            ..config()
        },
    );
    let rounds = Arc::new(AtomicUsize::new(0));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = {
        let poller = poller.clone();
        let rounds = Arc::clone(&rounds);
        tokio::spawn(async move {
            poller
                .run_observed(
                    async {
                        let _ = stopped.await;
                    },
                    move |_| {
                        rounds.fetch_add(1, Ordering::SeqCst);
                    },
                )
                .await;
        })
    };
    // The first (empty) round has run; the poller now sleeps for an hour.
    while rounds.load(Ordering::SeqCst) == 0 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let number = n("RC000000001CN");
    fake.registered
        .lock()
        .expect("lock")
        .insert(number.to_string());
    fake.set_events(number.as_str(), events_for(1));
    poller
        .work()
        .add(&st, number.clone(), jiff::Timestamp::now());
    poller.wake();
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while poller.ingest_target().len() < 2 && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(
        poller.ingest_target().len(),
        2,
        "woken, it polled the new number"
    );
    assert!(rounds.load(Ordering::SeqCst) >= 2);
    stop.send(()).expect("send");
    tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("stops promptly")
        .expect("task");
}

#[tokio::test]
async fn pushes_and_polls_make_the_same_records() {
    let (_server, fake, source) = seventeen_fake().await;
    let clock = TestClock::at("2024-05-03T12:00:00Z");
    let work = MemoryWork::new();
    let st = name("17track");
    let number = n("RA000000007CN");
    work.add(&st, number.clone(), clock.now());
    fake.registered
        .lock()
        .expect("lock")
        .insert(number.to_string());
    fake.set_events(number.as_str(), events_for(7));
    let body = serde_json::to_vec(&json!({"event": "TRACKING_UPDATED", "data": {
        "number": number.as_str(), "carrier": 3011,
        "track_info": track_info("Russian Post", &events_for(7), None)}}))
    .expect("json");
    let sign = posylka_sources::seventeentrack::push_signature(&body, TOKEN);
    let notices = source.parse_push(Some(&sign), &body).expect("push");
    let poller = Poller::with_clock(
        source,
        work,
        MemoryIngest::new(),
        budget(),
        config(),
        clock.clock(),
    );
    assert_eq!(poller.accept_push(&notices).await.expect("push"), 2);
    poller.run_once().await.expect("round");
    assert_eq!(poller.ingest_target().len(), 2);
    assert_eq!(poller.ingest_target().duplicates(), 2);
}

#[tokio::test]
async fn timeouts_are_retried_with_backoff_then_released() {
    let server = MockServer::start().await;
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    Mock::given(method("POST"))
        .respond_with(move |_: &wiremock::Request| {
            counter.fetch_add(1, Ordering::SeqCst);
            ResponseTemplate::new(200).set_delay(Duration::from_secs(2))
        })
        .mount(&server)
        .await;
    let mut st_config = seventeen_config(&server.uri());
    st_config.timeout = Duration::from_millis(200);
    let source = SeventeenTrack::new(st_config).expect("source");
    let clock = TestClock::at("2024-05-03T12:00:00Z");
    let work = MemoryWork::new();
    let st = name("17track");
    let number = n("RA000000001CN");
    work.add(&st, number.clone(), clock.now());
    let mut cfg = config();
    cfg.retry.max_retries = 2;
    let poller = Poller::with_clock(
        source,
        work,
        MemoryIngest::new(),
        budget(),
        cfg,
        clock.clock(),
    );

    let report = poller.run_once().await.expect("round");
    assert_eq!(report.failed_calls, 1);
    assert_eq!(
        calls.load(Ordering::SeqCst),
        3,
        "one attempt and two retries"
    );
    let entry = poller.work().entry(&st, &number).expect("entry");
    assert_eq!(entry.lease, None, "released, not left to expire");
    assert_eq!(
        entry.due.map(|d| d.duration_since(clock.now()).as_secs()),
        Some(60)
    );
    assert!(
        entry
            .error
            .as_deref()
            .is_some_and(|e| e.contains("timeout"))
    );
    assert!(poller.health().last_error.is_some());
}
