//! Throughput of the pure `check()` on synthetic shipments (no store): the CPU part of the
//! "1M shipments in under 10 s on 2 cores" goal. Run with `cargo bench -p posylka-watchdog`.

use divan::counter::ItemsCount;
use jiff::Timestamp;
use posylka_core::event_time::EventTime;
use posylka_core::order::Order;
use posylka_core::shipment::TrackingNumber;
use posylka_core::timeline::{EventRecord, SourceName, Timeline};
use posylka_core::{Milestone, Side};
use posylka_watchdog::{Config, Subject, check};

fn main() {
    divan::main();
}

const DAY: i64 = 86_400;
const T0: i64 = 1_714_521_600; // 2024-05-01T00:00:00Z

/// One owned shipment.
struct Owned {
    numbers: Vec<TrackingNumber>,
    order: Order,
    timeline: Timeline,
}

fn at(day: i64) -> Timestamp {
    Timestamp::from_second(T0 + day * DAY).expect("in range")
}

/// The S10 check digit, so every synthetic number is valid.
fn s10(prefix: &str, serial: u32) -> TrackingNumber {
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
    TrackingNumber::parse(&format!("{prefix}{serial:08}{check}CN")).expect("valid")
}

/// A mix of the journeys a server holds: silent, stuck at first events, moving, at customs
/// with a passport request, delivered, stalled.
fn shipment(i: u32) -> Owned {
    let number = s10(
        if i.is_multiple_of(7) { "EA" } else { "RA" },
        10_000_000 + i,
    );
    let mut order = Order::new("aliexpress", "8123456789012345").expect("valid");
    order.shipped_at = Some(EventTime::utc(at(0)));
    order.protection_days = Some(60);
    order.price = "12.00 USD".parse().ok();
    order.destination.country = "RU".parse().ok();
    order.destination.postcode = Some("420000".into());
    let source = SourceName::new("bench").expect("valid");
    let event = |day: i64, milestone: Milestone, side: Option<Side>| EventRecord {
        number: number.clone(),
        at: EventTime::utc(at(day)),
        source: source.clone(),
        text: format!("{milestone}"),
        code: None,
        location: Some("Казань 420000".into()),
        country: None,
        milestone,
        side,
        reason: None,
    };
    use Milestone as M;
    let journey: &[(i64, Milestone, Option<Side>)] = match i % 6 {
        0 => &[],
        1 => &[(1, M::InfoReceived, None), (2, M::PickedUp, None)],
        2 => &[
            (1, M::PickedUp, None),
            (3, M::InTransit, None),
            (5, M::DepartedOriginCountry, None),
        ],
        3 => &[
            (1, M::PickedUp, None),
            (5, M::DepartedOriginCountry, None),
            (15, M::ArrivedDestinationCountry, None),
            (16, M::PersonalDataRequired, Some(Side::Import)),
        ],
        4 => &[
            (1, M::PickedUp, None),
            (5, M::DepartedOriginCountry, None),
            (15, M::ArrivedDestinationCountry, None),
            (17, M::CustomsCleared, Some(Side::Import)),
            (20, M::OutForDelivery, None),
            (21, M::Delivered, None),
        ],
        _ => &[
            (1, M::PickedUp, None),
            (5, M::DepartedOriginCountry, None),
            (15, M::ArrivedDestinationCountry, None),
        ],
    };
    let records = journey.iter().map(|&(d, m, s)| event(d, m, s)).collect();
    Owned {
        numbers: vec![number],
        order,
        timeline: Timeline::build(records),
    }
}

#[divan::bench(args = [1_000, 10_000])]
fn check_mixed(bencher: divan::Bencher<'_, '_>, n: u32) {
    let config = Config::default();
    let shipments: Vec<Owned> = (0..n).map(shipment).collect();
    let now = at(30);
    bencher.counter(ItemsCount::new(n)).bench_local(|| {
        let mut findings = 0usize;
        for s in &shipments {
            let subject = Subject::new(&s.numbers, &s.timeline, at(0)).with_order(&s.order);
            findings += check(&subject, now, &config).findings.len();
        }
        divan::black_box(findings)
    });
}

#[divan::bench]
fn message_and_draft(bencher: divan::Bencher<'_, '_>) {
    let config = Config::default();
    let s = shipment(0);
    let subject = Subject::new(&s.numbers, &s.timeline, at(0)).with_order(&s.order);
    let report = check(&subject, at(30), &config);
    let tz = jiff::tz::TimeZone::UTC;
    bencher.bench_local(|| {
        report
            .findings
            .iter()
            .map(|f| {
                f.message(posylka_watchdog::Lang::Ru, &tz).len()
                    + f.draft(&tz).map_or(0, |d| d.len())
            })
            .sum::<usize>()
    });
}
