//! The public API as a caller (CLI, server, simulator) uses it: whole reports, their order,
//! the subject's helpers for lane histories.

use jiff::{SignedDuration, Timestamp};
use posylka_core::Milestone;
use posylka_core::document::ShipmentDocument;
use posylka_core::normalize::Normalizer;
use posylka_core::timeline::{SourceName, Timeline};
use posylka_watchdog::{
    Config, EtaBasis, FindingCode, LaneHistory, ServiceClass, Severity, Subject, check,
};

fn ts(s: &str) -> Timestamp {
    s.parse().expect("timestamp")
}

struct Parsed {
    doc: posylka_core::document::Document,
    timeline: Timeline,
}

fn parse(json: &str) -> Parsed {
    let doc = ShipmentDocument::from_json(json)
        .and_then(|d| d.parse())
        .expect("valid document");
    let source = SourceName::new("document").expect("valid");
    let timeline = Timeline::build(doc.records(&mut Normalizer::new(), &source));
    Parsed { doc, timeline }
}

impl Parsed {
    fn subject(&self) -> Subject<'_> {
        let s = Subject::new(
            &self.doc.numbers,
            &self.timeline,
            ts("2024-05-02T00:00:00Z"),
        );
        match &self.doc.order {
            Some(o) => s.with_order(o),
            None => s,
        }
    }
}

const STALLED_NEAR_END: &str = r#"{"tracking_numbers": ["RA123456785CN", "3074935419642839"],
  "order": {"shipped_at": "2024-05-01T00:00:00Z", "protection_days": 40,
            "price": {"amount": 15, "currency": "USD"},
            "destination": {"country": "RU", "postcode": "420000"}},
  "events": [{"time": "2024-05-02T00:00:00Z", "text": "Accepted", "code": "203", "carrier": "china-post"},
             {"time": "2024-05-06T00:00:00Z", "text": "Departed from the origin country", "country": "CN"}]}"#;

#[test]
fn a_report_lists_the_most_urgent_first() {
    let p = parse(STALLED_NEAR_END);
    // Day 35 of 40: the track stalled since day 5, protection ends in 5 days.
    let report = check(&p.subject(), ts("2024-06-05T00:00:00Z"), &Config::default());
    let codes: Vec<FindingCode> = report.codes().collect();
    for expected in [
        FindingCode::OpenDispute,
        FindingCode::ProtectionEnding,
        FindingCode::Stalled,
        FindingCode::OrderNumberNotTracking,
    ] {
        assert!(codes.contains(&expected), "{codes:?}");
    }
    let severities: Vec<Severity> = report.findings.iter().map(|f| f.severity).collect();
    let mut sorted = severities.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(severities, sorted);
    assert_eq!(report.milestone, Some(Milestone::DepartedOriginCountry));
    assert_eq!(report.protection_ends_at, Some(ts("2024-06-10T00:00:00Z")));
    // The order number beside a tracking number that has events is only a note.
    let mixup = report
        .finding(FindingCode::OrderNumberNotTracking)
        .expect("order number");
    assert_eq!(mixup.severity, Severity::Info);
    // The dispute is due when protection ends, and its draft names the stall.
    let dispute = report.finding(FindingCode::OpenDispute).expect("dispute");
    assert_eq!(dispute.due_at, report.protection_ends_at);
    let draft = dispute.draft(&jiff::tz::TimeZone::UTC).expect("draft");
    assert!(
        draft.contains("has not changed since 2024-05-06"),
        "{draft}"
    );
}

#[test]
fn the_subject_tells_its_lane_and_delivery_time() {
    let p = parse(
        r#"{"tracking_numbers": ["EA123456785CN"],
            "order": {"shipped_at": "2024-05-01T00:00:00Z", "destination": {"country": "RU"}},
            "events": [{"time": "2024-05-11T00:00:00Z", "text": "Вручение адресату", "code": "2.1", "carrier": "russian-post"}]}"#,
    );
    let subject = p.subject();
    assert_eq!(subject.lane().to_string(), "CN-RU/ems");
    assert_eq!(subject.shipped_at(), ts("2024-05-01T00:00:00Z"));
    assert_eq!(
        subject.delivery_duration(),
        Some(SignedDuration::from_hours(240))
    );
    // Delivered: no ETA any more.
    let report = check(&subject, ts("2024-05-12T00:00:00Z"), &Config::default());
    assert_eq!(report.eta, None);
    assert_eq!(report.codes().collect::<Vec<_>>(), [FindingCode::Delivered]);
}

#[test]
fn a_lane_history_replaces_the_prior() {
    let p = parse(STALLED_NEAR_END);
    let history = LaneHistory::new((10..40).map(|d| SignedDuration::from_hours(24 * d)));
    let with = p.subject().with_history(&history);
    let now = ts("2024-05-10T00:00:00Z");
    let eta = check(&with, now, &Config::default()).eta.expect("eta");
    assert_eq!(eta.basis, EtaBasis::Lane { samples: 30 });
    // 30 samples, days 10..=39: nearest-rank 10th, 50th and 90th percentiles.
    assert_eq!(eta.earliest, ts("2024-05-13T00:00:00Z"));
    assert_eq!(eta.likely, ts("2024-05-25T00:00:00Z"));
    assert_eq!(eta.latest, ts("2024-06-06T00:00:00Z"));
    let prior = check(&p.subject(), now, &Config::default())
        .eta
        .expect("eta");
    assert_eq!(
        prior.basis,
        EtaBasis::Prior {
            service: ServiceClass::Registered
        }
    );
}

#[test]
fn a_report_serialises_with_stable_keys() {
    let p = parse(STALLED_NEAR_END);
    let report = check(&p.subject(), ts("2024-06-05T00:00:00Z"), &Config::default());
    let json = serde_json::to_value(&report).expect("serialises");
    assert_eq!(json["milestone"], "departed_origin_country");
    assert_eq!(json["findings"][0]["code"], "open_dispute");
    assert_eq!(json["findings"][0]["severity"], "action");
    assert_eq!(json["findings"][0]["facts"]["dispute_reason"], "stalled");
    assert_eq!(json["eta"]["basis"]["kind"], "prior");
}
