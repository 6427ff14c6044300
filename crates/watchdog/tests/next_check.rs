//! `Report::next_check_at` is what lets a server re-evaluate only shipments that changed or hit
//! a deadline. Its promise: until that instant, without a new event, no finding appears,
//! disappears or changes severity or deadline. Checked on random journeys and orders.

use jiff::Timestamp;
use posylka_core::event_time::EventTime;
use posylka_core::order::{Order, ProtectionExtension};
use posylka_core::shipment::TrackingNumber;
use posylka_core::timeline::{EventRecord, SourceName, Timeline};
use posylka_core::{Milestone, Reason, Side};
use posylka_watchdog::{Config, FindingCode, Report, Severity, Subject, check};
use proptest::prelude::*;
use proptest::strategy::ValueTree as _;

const DAY: i64 = 86_400;
const T0: i64 = 1_714_521_600; // 2024-05-01T00:00:00Z

fn at(seconds: i64) -> Timestamp {
    Timestamp::from_second(T0 + seconds).expect("in range")
}

/// What the promise covers: the findings' codes, severities and deadlines.
fn outcome(r: &Report) -> Vec<(FindingCode, Severity, Option<Timestamp>)> {
    r.findings
        .iter()
        .map(|f| (f.code, f.severity, f.due_at))
        .collect()
}

/// Seconds after day 0, milestone, customs side, reason, country.
type StoryEvent = (
    i64,
    Milestone,
    Option<Side>,
    Option<Reason>,
    Option<&'static str>,
);

#[derive(Debug, Clone)]
struct Story {
    numbers: Vec<&'static str>,
    events: Vec<StoryEvent>,
    shipped: Option<i64>,
    protection: Option<u16>,
    extension: u16,
    price: Option<&'static str>,
    contacted: Option<i64>,
    replied: Option<i64>,
    dispute: Option<i64>,
    with_order: bool,
}

fn milestone() -> impl Strategy<Value = Milestone> {
    proptest::sample::select(Milestone::ALL.to_vec())
}

fn story() -> impl Strategy<Value = Story> {
    let event = (
        0i64..90 * DAY,
        milestone(),
        proptest::option::of(proptest::sample::select(vec![Side::Export, Side::Import])),
        proptest::option::of(proptest::sample::select(vec![
            Reason::PaymentDue,
            Reason::AddressIssue,
            Reason::Refused,
        ])),
        proptest::option::of(proptest::sample::select(vec!["RU", "CN", "CA"])),
    );
    (
        proptest::sample::subsequence(
            vec![
                "RA123456785CN",
                "3074935419642839",
                "1234567890",
                "RA123456786CN",
            ],
            1..=2,
        ),
        proptest::collection::vec(event, 0..6),
        proptest::option::of(0i64..5 * DAY),
        proptest::option::of(20u16..=90),
        proptest::sample::select(vec![0u16, 15, 30]),
        proptest::option::of(proptest::sample::select(vec![
            "3.20 USD",
            "12 USD",
            "300 EUR",
            "30000 RUB",
        ])),
        proptest::option::of(5 * DAY..40 * DAY),
        proptest::option::of(5 * DAY..40 * DAY),
        proptest::option::of(10 * DAY..70 * DAY),
        any::<bool>(),
    )
        .prop_map(
            |(
                numbers,
                events,
                shipped,
                protection,
                extension,
                price,
                contacted,
                replied,
                dispute,
                with_order,
            )| {
                Story {
                    numbers,
                    events,
                    shipped,
                    protection,
                    extension,
                    price,
                    contacted,
                    replied,
                    dispute,
                    with_order,
                }
            },
        )
}

struct Built {
    numbers: Vec<TrackingNumber>,
    order: Option<Order>,
    timeline: Timeline,
}

fn build(s: &Story) -> Built {
    let numbers: Vec<TrackingNumber> = s
        .numbers
        .iter()
        .map(|n| TrackingNumber::parse(n).expect("valid"))
        .collect();
    let source = SourceName::new("test-post").expect("valid");
    let records = s
        .events
        .iter()
        .map(|&(t, milestone, side, reason, country)| EventRecord {
            number: numbers[0].clone(),
            at: EventTime::utc(at(t)),
            source: source.clone(),
            text: milestone.key().to_owned(),
            code: None,
            location: Some("Казань 420000".into()),
            country: country.and_then(|c| c.parse().ok()),
            milestone,
            side,
            reason,
        })
        .collect();
    let order = s.with_order.then(|| {
        let mut o = Order::new("aliexpress", "8123456789012345").expect("valid");
        let time = |d: Option<i64>| d.map(|d| EventTime::utc(at(d)));
        o.shipped_at = time(s.shipped);
        o.protection_days = s.protection;
        if s.extension > 0 {
            o.protection_extensions.push(ProtectionExtension {
                days: s.extension,
                granted_at: None,
            });
        }
        o.price = s.price.and_then(|p| p.parse().ok());
        o.destination.country = "RU".parse().ok();
        o.destination.postcode = Some("420000".into());
        o.seller_contacted_at = time(s.contacted);
        o.seller_replied_at = time(s.replied);
        o.dispute_opened_at = time(s.dispute);
        o
    });
    Built {
        numbers,
        order,
        timeline: Timeline::build(records),
    }
}

fn report(b: &Built, now: Timestamp, config: &Config) -> Report {
    let mut subject = Subject::new(&b.numbers, &b.timeline, at(DAY));
    if let Some(o) = &b.order {
        subject = subject.with_order(o);
    }
    check(&subject, now, config)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn nothing_changes_before_next_check_at(s in story(), now in 0i64..120 * DAY, frac in 0.0f64..1.0) {
        let config = Config::default();
        let built = build(&s);
        let now = at(now);
        let first = report(&built, now, &config);
        // Without a next check, look a year ahead.
        let until = first
            .next_check_at
            .unwrap_or_else(|| now.checked_add(jiff::SignedDuration::from_secs(365 * DAY)).expect("in range"));
        prop_assert!(until > now);
        let span = until.as_second() - now.as_second();
        let last = Timestamp::from_second(until.as_second() - 1).expect("in range");
        let middle = Timestamp::from_second(now.as_second() + (span as f64 * frac) as i64)
            .expect("in range");
        for t in [middle, last] {
            let later = report(&built, t, &config);
            prop_assert_eq!(outcome(&first), outcome(&later), "at {} (next check {:?})", t, first.next_check_at);
        }
    }

    #[test]
    fn check_is_deterministic(s in story(), now in 0i64..120 * DAY) {
        let config = Config::default();
        let built = build(&s);
        prop_assert_eq!(report(&built, at(now), &config), report(&built, at(now), &config));
    }
}

#[test]
fn every_finding_has_text_on_random_stories() {
    // Messages and drafts never fail and never leak a Fluent placeholder, whatever the facts.
    let config = Config::default();
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let tz = jiff::tz::TimeZone::UTC;
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..400 {
        let s = story().new_tree(&mut runner).expect("story").current();
        let built = build(&s);
        for day in [3, 12, 25, 55, 62, 80] {
            for f in report(&built, at(day * DAY), &config).findings {
                seen.insert(f.code);
                for lang in [posylka_watchdog::Lang::En, posylka_watchdog::Lang::Ru] {
                    let m = f.message(lang, &tz);
                    assert!(!m.contains('{') && !m.contains("none"), "{}: {m}", f.code);
                }
                if let Some(d) = f.draft(&tz) {
                    assert!(!d.contains('{') && !d.contains("none"), "{}: {d}", f.code);
                }
            }
        }
    }
    // The random stories reach (nearly) every rule, so the check above means something.
    assert!(seen.len() >= 15, "only {seen:?}");
}
