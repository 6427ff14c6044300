//! The simulator's own promises: reproducible bytes, every story, valid numbers (except the
//! deliberately wrong ones), events the normaliser reads as intended, plausible timings.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use jiff::Timestamp;
use posylka_core::document::ShipmentDocument;
use posylka_core::shipment::Leg;
use posylka_core::{Milestone, Normalizer, RawEvent};
use posylka_simulate::{Lane, Mix, Simulated, Simulation, Step, Story, Voice, phrases};
use tracknum::{NumberKind, Problem};

const DAY: i64 = 86_400;

fn now() -> Timestamp {
    "2025-06-01T09:00:00Z".parse().expect("valid instant")
}

fn sim(seed: u64) -> Simulation {
    Simulation::new(seed, now()).expect("now in range")
}

fn json_lines(sim: &Simulation, count: u64) -> Vec<u8> {
    let mut out = Vec::new();
    for doc in sim.documents(count) {
        serde_json::to_writer(&mut out, &doc).expect("serialisable");
        out.push(b'\n');
    }
    out
}

fn at(time: &str) -> Timestamp {
    time.parse()
        .unwrap_or_else(|e| panic!("{time:?} is not RFC 3339: {e}"))
}

#[test]
fn same_seed_and_count_give_the_same_bytes() {
    let a = json_lines(&sim(7), 500);
    let b = json_lines(&sim(7), 500);
    assert_eq!(a, b);
    assert_ne!(a, json_lines(&sim(8), 500));
    // A document does not depend on how many come after it.
    let first: Vec<u8> = json_lines(&sim(7), 100);
    assert!(a.starts_with(&first));
    let realistic = sim(7).with_mix(Mix::Realistic);
    assert_eq!(json_lines(&realistic, 300), json_lines(&realistic, 300));
    assert_ne!(json_lines(&realistic, 300), json_lines(&sim(7), 300));
}

#[test]
fn each_line_is_story_now_expect_document() {
    let line = json_lines(&sim(3), 1);
    let value: serde_json::Value = serde_json::from_slice(&line).expect("one JSON object");
    let keys: Vec<&str> = value
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["document", "expect", "now", "story"]);
    assert_eq!(value["now"], "2025-06-01T09:00:00Z");
    let document = serde_json::to_string(&value["document"]).expect("serialisable");
    ShipmentDocument::from_json(&document)
        .and_then(|d| d.parse())
        .expect("the document reads back");
}

#[test]
fn every_story_appears_in_any_mix() {
    let even: BTreeSet<Story> = sim(1)
        .documents(Story::ALL.len() as u64)
        .map(|d| d.story)
        .collect();
    assert_eq!(even.len(), Story::ALL.len());
    let realistic: BTreeMap<Story, usize> =
        sim(1)
            .with_mix(Mix::Realistic)
            .documents(5000)
            .fold(BTreeMap::new(), |mut m, d| {
                *m.entry(d.story).or_default() += 1;
                m
            });
    assert_eq!(realistic.len(), Story::ALL.len(), "{realistic:?}");
    // Realistic: most parcels are simply delivered or on their way.
    let common = realistic[&Story::Delivered] + realistic[&Story::InTransit];
    assert!(common > 2000, "{realistic:?}");
    let only = sim(1).with_stories(&[Story::Lost, Story::Lost]);
    assert!(only.documents(50).all(|d| d.story == Story::Lost));
}

#[test]
fn every_expected_code_is_produced_by_some_story() {
    let codes: BTreeSet<&str> = sim(2)
        .documents(2000)
        .flat_map(|d| d.expect_keys().collect::<Vec<_>>())
        .collect();
    for code in posylka_simulate::Code::ALL {
        assert!(codes.contains(code.key()), "no story expects {code}");
    }
}

#[test]
fn numbers_are_valid_except_the_deliberately_wrong_ones() {
    let mut seen = HashSet::new();
    let mut handovers = 0;
    for doc in sim(4).documents(6000) {
        let numbers = &doc.document.tracking_numbers;
        assert_eq!(numbers.len(), doc.legs.len());
        for number in numbers {
            assert!(seen.insert(number.clone()), "{number} repeats in one run");
            let id = tracknum::identify(number);
            match doc.story {
                Story::OrderNumber => assert_eq!(id.kind(), NumberKind::OrderNumber, "{number}"),
                Story::InvalidNumber => {
                    assert!(!id.is_valid(), "{number} should be invalid");
                    assert!(
                        id.problems.iter().any(|p| matches!(
                            p,
                            Problem::CheckDigitMismatch { .. } | Problem::UnknownFormat
                        )),
                        "{number}: {:?}",
                        id.problems
                    );
                }
                _ => {
                    assert!(id.is_valid(), "{number} ({:?}) is not valid", doc.lane);
                    assert_eq!(id.kind(), NumberKind::Tracking, "{number}");
                }
            }
        }
        if numbers.len() == 2 {
            handovers += 1;
            assert_eq!(doc.legs, [Leg::FirstMile, Leg::LastMile]);
            assert!(numbers[0].starts_with("LP"), "{numbers:?}");
            // The hand-over event is there and names the new number.
            let handover = doc.intended.iter().position(|i| i.step == Step::Handover);
            let text = &doc.document.events[handover.expect("a hand-over event")].text;
            assert!(text.contains(numbers[1].as_str()), "{text:?} {numbers:?}");
        } else {
            assert_eq!(doc.legs, [Leg::Through]);
        }
    }
    assert!(handovers > 300, "{handovers} hand-overs");
}

#[test]
fn last_mile_numbers_include_russian_post_s10_and_14_digits() {
    let mut s10 = 0;
    let mut digits14 = 0;
    for doc in sim(5).with_stories(&[Story::Delivered]).documents(3000) {
        if let Some(last) = doc.document.tracking_numbers.get(1) {
            let id = tracknum::identify(last);
            let format = id.best().map(|c| c.format.id.as_str()).unwrap_or_default();
            match format {
                "s10" if last.ends_with("RU") => s10 += 1,
                "russian_post_14" => {
                    digits14 += 1;
                    // The label's month is the hand-over month, not in the future.
                    let label = id.best().and_then(|c| c.russian_post).expect("label");
                    let printed = label.printed_month((2025, 6)).expect("a month");
                    assert!(
                        ((2025, 2)..=(2025, 6)).contains(&printed),
                        "{last} {printed:?}"
                    );
                }
                _ => {}
            }
        }
    }
    assert!(s10 > 20 && digits14 > 50, "s10 {s10}, 14-digit {digits14}");
}

#[test]
fn every_event_normalises_to_the_intended_milestone() {
    let mut normalizer = Normalizer::new();
    let mut checked = 0;
    for seed in [6, 7] {
        for doc in sim(seed).with_mix(Mix::Realistic).documents(4000) {
            let dest = doc
                .document
                .order
                .as_ref()
                .and_then(|o| o.destination.as_ref())
                .and_then(|d| d.country.clone());
            assert_eq!(doc.document.events.len(), doc.intended.len());
            for (e, intended) in doc.document.events.iter().zip(&doc.intended) {
                let raw = RawEvent {
                    text: e.text.clone(),
                    code: e.code.clone(),
                    carrier: e.carrier.clone(),
                    location: e.location.clone(),
                    country: e.country.clone(),
                    destination: dest.clone(),
                };
                let got = normalizer.normalize(&raw);
                assert_eq!(
                    got.milestone, intended.milestone,
                    "{e:?} meant {intended:?}"
                );
                if let (Some(side), Some(meant)) = (got.side, intended.side) {
                    assert_eq!(side, meant, "{e:?}");
                }
                checked += 1;
            }
        }
    }
    assert!(checked > 30_000, "{checked}");
}

/// Every phrase of every carrier, in both forms, as the carrier reports it in its own country.
#[test]
fn every_phrase_in_the_vocabulary_normalises_to_its_milestone() {
    const VOICES: &[Voice] = &[
        Voice::ChinaPost,
        Voice::ChinaEms,
        Voice::Cainiao,
        Voice::Yanwen,
        Voice::YunExpress,
        Voice::Dhl,
        Voice::RussianPost,
        Voice::Cdek,
        Voice::Boxberry,
        Voice::Gbs,
        Voice::Kazpost,
        Voice::Belpost,
        Voice::CanadaPost,
        Voice::Usps,
    ];
    const STEPS: &[Step] = &[
        Step::Info,
        Step::PickedUp,
        Step::OriginScan,
        Step::ExportCustoms,
        Step::ExportCleared,
        Step::Departed,
        Step::Arrived,
        Step::ImportCustoms,
        Step::ImportCleared,
        Step::ClearedWithDuty,
        Step::CustomsHold,
        Step::PersonalData,
        Step::Handover,
        Step::LeftExchange,
        Step::DestScan,
        Step::OutForDelivery,
        Step::AttemptFailed,
        Step::Pickup,
        Step::Delivered,
        Step::Collected,
        Step::ReturnRefused,
        Step::ReturnUnclaimed,
        Step::ReturnCustoms,
        Step::Lost,
    ];
    let carrier = |v: Voice| match v {
        Voice::ChinaPost => "China Post",
        Voice::ChinaEms => "China EMS",
        Voice::Cainiao => "Cainiao",
        Voice::Yanwen => "Yanwen",
        Voice::YunExpress => "YunExpress",
        Voice::Dhl => "DHL Express",
        Voice::RussianPost => "Почта России",
        Voice::Cdek => "СДЭК",
        Voice::Boxberry => "Boxberry",
        Voice::Gbs => "GBS-broker",
        Voice::Kazpost => "Казпочта",
        Voice::Belpost => "Белпочта",
        Voice::CanadaPost => "Canada Post",
        Voice::Usps => "USPS",
    };
    let mut checked = 0;
    for &voice in VOICES {
        for &step in STEPS {
            let origin = matches!(
                step,
                Step::Info
                    | Step::PickedUp
                    | Step::OriginScan
                    | Step::ExportCustoms
                    | Step::ExportCleared
                    | Step::Departed
            );
            let (country, destination) = match voice {
                _ if origin => ("CN", "RU"),
                Voice::Kazpost => ("KZ", "KZ"),
                Voice::Belpost => ("BY", "BY"),
                Voice::Dhl => ("KZ", "KZ"),
                Voice::CanadaPost => ("CA", "RU"),
                Voice::Usps => ("US", "RU"),
                _ => ("RU", "RU"),
            };
            for phrase in phrases(voice, step) {
                for text in phrase.text {
                    let text = text
                        .replace("{n}", "80097510123459")
                        .replace("{city}", "ALMATY")
                        .replace("{country}", "KAZAKHSTAN");
                    let code = phrase.code.filter(|_| voice != Voice::Boxberry);
                    let raw = RawEvent {
                        text: text.clone(),
                        code: code.map(str::to_owned),
                        carrier: Some(carrier(voice).to_owned()),
                        location: None,
                        country: Some(country.to_owned()),
                        destination: Some(destination.to_owned()),
                    };
                    let got = posylka_core::normalize(&raw).milestone;
                    assert_eq!(
                        got, phrase.milestone,
                        "{voice:?} {step:?} {code:?} {text:?}"
                    );
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 300, "{checked}");
}

fn check_timings(doc: &Simulated) {
    let now = doc.now;
    let times: Vec<Timestamp> = doc.document.events.iter().map(|e| at(&e.time)).collect();
    for pair in times.windows(2) {
        assert!(
            pair[0] < pair[1],
            "events out of order in {:?}",
            doc.document
        );
    }
    if let Some(last) = times.last() {
        assert!(*last < now, "an event after now: {:?}", doc.document);
    }
    let Some(order) = doc.document.order.as_ref() else {
        return;
    };
    let shipped = at(order
        .shipped_at
        .as_deref()
        .expect("orders say when they shipped"));
    let placed = at(order
        .placed_at
        .as_deref()
        .expect("and when they were placed"));
    assert!(placed < shipped);
    let age_days = (now.as_second() - shipped.as_second()) as f64 / DAY as f64;
    if let Some(first) = times.first() {
        // A label may exist a day or two before the "shipped" notice, no more.
        assert!(
            shipped.as_second() - first.as_second() < 2 * DAY,
            "{:?}",
            doc.document
        );
    }
    for contact in [
        &order.seller_contacted_at,
        &order.seller_replied_at,
        &order.dispute_opened_at,
    ]
    .into_iter()
    .flatten()
    {
        let t = at(contact);
        assert!(t > shipped && t < now, "{contact} in {:?}", doc.document);
    }
    if let (Some(asked), Some(answered)) = (&order.seller_contacted_at, &order.seller_replied_at) {
        assert!(at(asked) < at(answered));
    }
    match doc.story {
        Story::Overdue => assert!(age_days > 60.5 && age_days < 86.0, "{age_days}"),
        Story::AwaitingFirstEvent => assert!(age_days < 9.5, "{age_days}"),
        Story::Delivered => {
            let lane = doc.lane.expect("delivered parcels travel a lane");
            let (lo, hi) = lane.delivery_days();
            let delivered = times.last().expect("a delivered event");
            let took = (delivered.as_second() - shipped.as_second()) as f64 / DAY as f64;
            // The planner stretches a journey by at most a few days when its parts do not fit.
            assert!(
                took >= lo - 1.0 && took <= hi + 4.0,
                "{lane:?} took {took:.1} days"
            );
            if matches!(lane, Lane::EmsRussianPost | Lane::EmsKazpost) {
                assert!(took <= 15.0, "EMS took {took:.1} days");
            }
        }
        _ => assert!(age_days <= 58.0, "{:?} at {age_days} days", doc.story),
    }
}

#[test]
fn timings_are_plausible() {
    for doc in sim(8).documents(8000) {
        check_timings(&doc);
    }
    for doc in sim(9).with_mix(Mix::Realistic).documents(4000) {
        check_timings(&doc);
    }
}

#[test]
fn delivered_parcels_take_their_lanes_time() {
    // Median delivery times per lane sit inside the lane's published range.
    let mut took: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    for doc in sim(10).with_stories(&[Story::Delivered]).documents(4000) {
        let Some(order) = doc.document.order.as_ref() else {
            continue;
        };
        let shipped = at(order.shipped_at.as_deref().unwrap_or_default());
        let last = at(&doc.document.events.last().expect("events").time);
        let lane = doc.lane.expect("lane");
        took.entry(lane.key())
            .or_default()
            .push((last.as_second() - shipped.as_second()) as f64 / DAY as f64);
    }
    assert!(took.len() >= 10, "{:?}", took.keys());
    for (lane, mut days) in took {
        days.sort_by(f64::total_cmp);
        let median = days[days.len() / 2];
        let spec = Lane::all().find(|l| l.key() == lane).expect("known lane");
        let (lo, hi) = spec.delivery_days();
        assert!(
            median > lo && median < hi,
            "{lane}: median {median:.1} not in {lo}..{hi}"
        );
    }
}

#[test]
fn stories_keep_their_shape() {
    for doc in sim(11).documents(4000) {
        let events = &doc.intended;
        let last = events.last().map(|i| i.milestone);
        match doc.story {
            Story::AwaitingFirstEvent
            | Story::NoTrackingInfo
            | Story::OrderNumber
            | Story::InvalidNumber => assert!(events.is_empty()),
            Story::SuspectedFakeTracking => assert!(
                events
                    .iter()
                    .all(|i| matches!(i.milestone, Milestone::InfoReceived | Milestone::PickedUp))
            ),
            Story::Delivered => assert_eq!(last, Some(Milestone::Delivered)),
            Story::AvailableForPickup => assert_eq!(last, Some(Milestone::AvailableForPickup)),
            Story::DeliveryAttemptFailed => {
                assert_eq!(last, Some(Milestone::DeliveryAttemptFailed));
            }
            Story::Lost => assert_eq!(last, Some(Milestone::Lost)),
            Story::ReturningToSender => assert_eq!(last, Some(Milestone::ReturningToSender)),
            Story::CustomsHold => assert_eq!(last, Some(Milestone::CustomsHold)),
            Story::CustomsDataRequired => {
                assert_eq!(last, Some(Milestone::PersonalDataRequired));
            }
            Story::DomesticNumber => {
                assert!(events.iter().all(|i| i.voice == Voice::ChinaPost));
                assert!(
                    doc.document
                        .events
                        .iter()
                        .all(|e| e.country.as_deref() == Some("CN"))
                );
            }
            Story::DeliveredElsewhere => assert!(matches!(
                last,
                Some(Milestone::Delivered | Milestone::AvailableForPickup)
            )),
            Story::DutyDue => {
                let price = doc.document.order.as_ref().and_then(|o| o.price.as_ref());
                let amount = match price.map(|p| &p.amount) {
                    Some(posylka_core::document::Amount::Number(n)) => *n,
                    other => panic!("{other:?}"),
                };
                assert!(amount > 250.0, "{amount}");
            }
            Story::InTransit
            | Story::Stalled
            | Story::ProtectionEnding
            | Story::OpenDispute
            | Story::Overdue => assert!(
                !events.iter().any(|i| i.step.is_final()),
                "{:?} ends {last:?}",
                doc.story
            ),
        }
        if doc.story != Story::DutyDue
            && let Some(posylka_core::document::Amount::Number(n)) = doc
                .document
                .order
                .as_ref()
                .and_then(|o| o.price.as_ref())
                .map(|p| &p.amount)
        {
            // Under the EUR 200 duty-free limit at any plausible rate.
            assert!(*n <= 150.0, "{n}");
        }
    }
}

#[test]
fn events_speak_each_carriers_language() {
    let mut scripts: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    let docs: Vec<Simulated> = sim(12).documents(3000).collect();
    for doc in &docs {
        for e in &doc.document.events {
            let script = if e
                .text
                .chars()
                .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
            {
                "zh"
            } else if e
                .text
                .chars()
                .any(|c| ('а'..='я').contains(&c.to_lowercase().next().unwrap_or(c)))
            {
                "ru"
            } else {
                "en"
            };
            scripts
                .entry(script)
                .or_default()
                .insert(e.carrier.as_deref().unwrap_or("?"));
        }
    }
    assert_eq!(scripts.len(), 3, "{scripts:?}");
    assert!(scripts["ru"].contains("Почта России") || scripts["ru"].contains("Russian Post"));
    // Codes where the carriers have them: Russian Post OperType.OperAttr, Cainiao action codes.
    let codes: BTreeSet<&str> = docs
        .iter()
        .flat_map(|d| d.document.events.iter().filter_map(|e| e.code.as_deref()))
        .collect();
    assert!(
        codes.contains("8.13") || codes.contains("33.2"),
        "{codes:?}"
    );
    assert!(
        codes
            .iter()
            .any(|c| c.starts_with("GTMS_") || c.starts_with("LH_"))
    );
    assert!(codes.contains("LM70") || codes.contains("ASF4") || codes.contains("CI"));
}

#[test]
fn now_must_be_plausible() {
    assert!(Simulation::new(1, Timestamp::UNIX_EPOCH).is_err());
    assert!(Simulation::new(1, "2230-01-01T00:00:00Z".parse().expect("instant")).is_err());
    assert!("no_such_story".parse::<Story>().is_err());
    assert_eq!(
        "delivered_elsewhere".parse::<Story>(),
        Ok(Story::DeliveredElsewhere)
    );
}
