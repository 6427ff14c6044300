use std::collections::BTreeSet;

use jiff::{SignedDuration, Timestamp};
use proptest::prelude::*;

use super::*;

const SHIPMENT: &str = "shp-1";

fn ts(text: &str) -> Timestamp {
    text.parse().expect("test timestamp")
}

fn hours(h: i64) -> SignedDuration {
    SignedDuration::from_hours(h)
}

fn secs(s: i64) -> SignedDuration {
    SignedDuration::from_secs(s)
}

fn sub(channel: &str, min: Severity) -> Subscription {
    Subscription {
        channel: ChannelId::new(channel),
        codes: CodeSelection::All,
        min_severity: min,
        reminder_leads: ReminderLeads::default(),
    }
}

fn finding(code: &str, severity: Severity, due_at: Option<Timestamp>) -> FindingKey {
    FindingKey {
        code: code.to_owned(),
        severity,
        due_at,
    }
}

/// Runs the planner the way the server will: each plan's records feed the next.
struct Run {
    subs: Vec<Subscription>,
    records: Vec<SentRecord>,
}

impl Run {
    fn new(subs: Vec<Subscription>) -> Self {
        Run {
            subs,
            records: Vec::new(),
        }
    }

    fn at(&mut self, now: Timestamp, findings: &[FindingKey]) -> Plan {
        let plan = plan(SHIPMENT, now, &self.subs, findings, &self.records);
        self.records = plan.records.clone();
        plan
    }
}

fn kinds(plan: &Plan) -> Vec<(String, String, DeliveryKind)> {
    plan.deliveries
        .iter()
        .map(|d| (d.channel.to_string(), d.code.clone(), d.kind))
        .collect()
}

const DUE: &str = "2026-05-20T12:00:00Z";

#[test]
fn a_new_finding_notifies_once() {
    let now = ts("2026-05-01T00:00:00Z");
    let mut run = Run::new(vec![sub("mail", Severity::Warning)]);
    let f = [finding("stalled", Severity::Warning, None)];
    let first = run.at(now, &f);
    assert_eq!(
        kinds(&first),
        vec![("mail".into(), "stalled".into(), DeliveryKind::Appeared)]
    );
    let d = &first.deliveries[0];
    assert_eq!(
        (d.shipment_id.as_str(), d.severity, d.due_at),
        (SHIPMENT, Severity::Warning, None)
    );
    assert_eq!(first.records.len(), 1);
    assert!(first.records[0].active);
    assert_eq!(first.next_reminder_at, None);

    for later in [now, now + hours(1), now + hours(24 * 30)] {
        let again = run.at(later, &f);
        assert!(again.deliveries.is_empty(), "re-notified at {later}");
        assert_eq!(again.records, first.records);
    }
}

#[test]
fn below_min_severity_is_silent_until_it_rises_to_it() {
    let now = ts("2026-05-01T00:00:00Z");
    let mut run = Run::new(vec![sub("mail", Severity::Warning)]);
    let quiet = run.at(now, &[finding("stalled", Severity::Info, None)]);
    assert!(quiet.deliveries.is_empty());
    assert!(
        quiet.records.is_empty(),
        "no record for an unselected finding"
    );

    let loud = run.at(now, &[finding("stalled", Severity::Warning, None)]);
    assert_eq!(
        kinds(&loud),
        vec![("mail".into(), "stalled".into(), DeliveryKind::Appeared)]
    );
}

#[test]
fn min_severity_is_inclusive() {
    for (min, sev, notifies) in [
        (Severity::Info, Severity::Info, true),
        (Severity::Warning, Severity::Info, false),
        (Severity::Warning, Severity::Warning, true),
        (Severity::Action, Severity::Warning, false),
        (Severity::Action, Severity::Action, true),
    ] {
        let p = plan(
            SHIPMENT,
            ts("2026-05-01T00:00:00Z"),
            &[sub("c", min)],
            &[finding("x", sev, None)],
            &[],
        );
        assert_eq!(
            p.deliveries.len() == 1,
            notifies,
            "min {min}, severity {sev}"
        );
    }
}

#[test]
fn a_rise_notifies_a_fall_and_a_rise_back_do_not() {
    let now = ts("2026-05-01T00:00:00Z");
    let mut run = Run::new(vec![sub("mail", Severity::Info)]);
    let info = run.at(now, &[finding("customs_hold", Severity::Info, None)]);
    let warning = run.at(now, &[finding("customs_hold", Severity::Warning, None)]);
    assert_eq!(
        kinds(&warning),
        vec![(
            "mail".into(),
            "customs_hold".into(),
            DeliveryKind::SeverityRaised {
                from: Severity::Info
            }
        )]
    );
    assert_ne!(
        info.deliveries[0].idempotency_key,
        warning.deliveries[0].idempotency_key
    );

    assert!(
        run.at(now, &[finding("customs_hold", Severity::Info, None)])
            .deliveries
            .is_empty()
    );
    assert!(
        run.at(now, &[finding("customs_hold", Severity::Warning, None)])
            .deliveries
            .is_empty()
    );
    let action = run.at(now, &[finding("customs_hold", Severity::Action, None)]);
    assert_eq!(
        action.deliveries.iter().map(|d| d.kind).collect::<Vec<_>>(),
        vec![DeliveryKind::SeverityRaised {
            from: Severity::Warning
        }]
    );
}

#[test]
fn a_jump_over_a_level_is_one_message() {
    let now = ts("2026-05-01T00:00:00Z");
    let mut run = Run::new(vec![sub("mail", Severity::Info)]);
    run.at(now, &[finding("x", Severity::Info, None)]);
    let p = run.at(now, &[finding("x", Severity::Action, None)]);
    assert_eq!(p.deliveries.len(), 1);
    assert_eq!(p.deliveries[0].severity, Severity::Action);
}

#[test]
fn code_selection_filters() {
    let mut only = sub("tg", Severity::Info);
    only.codes = CodeSelection::Only(BTreeSet::from(["customs_data_required".to_owned()]));
    let p = plan(
        SHIPMENT,
        ts("2026-05-01T00:00:00Z"),
        &[only],
        &[
            finding("stalled", Severity::Action, None),
            finding("customs_data_required", Severity::Action, None),
        ],
        &[],
    );
    assert_eq!(
        kinds(&p),
        vec![(
            "tg".into(),
            "customs_data_required".into(),
            DeliveryKind::Appeared
        )]
    );
}

#[test]
fn each_channel_gets_its_own_message_and_key() {
    let p = plan(
        SHIPMENT,
        ts("2026-05-01T00:00:00Z"),
        &[sub("tg", Severity::Info), sub("mail", Severity::Info)],
        &[finding("lost", Severity::Action, None)],
        &[],
    );
    assert_eq!(
        kinds(&p),
        vec![
            ("mail".into(), "lost".into(), DeliveryKind::Appeared),
            ("tg".into(), "lost".into(), DeliveryKind::Appeared),
        ]
    );
    assert_ne!(
        p.deliveries[0].idempotency_key,
        p.deliveries[1].idempotency_key
    );
}

#[test]
fn keys_differ_by_shipment() {
    let subs = [sub("mail", Severity::Info)];
    let f = [finding("lost", Severity::Action, None)];
    let now = ts("2026-05-01T00:00:00Z");
    let a = plan("shp-a", now, &subs, &f, &[]);
    let b = plan("shp-b", now, &subs, &f, &[]);
    assert_ne!(
        a.deliveries[0].idempotency_key,
        b.deliveries[0].idempotency_key
    );
    // ...and not by time: the same message planned later is the same message.
    let a_later = plan("shp-a", now + hours(5), &subs, &f, &[]);
    assert_eq!(
        a.deliveries[0].idempotency_key,
        a_later.deliveries[0].idempotency_key
    );
}

#[test]
fn overlapping_subscriptions_of_one_channel_send_one_message_with_all_leads() {
    let due = ts(DUE);
    let mut early = sub("mail", Severity::Warning);
    early.reminder_leads = ReminderLeads::new([hours(72)]).expect("leads");
    let mut late = sub("mail", Severity::Info);
    late.codes = CodeSelection::Only(BTreeSet::from(["protection_ending".to_owned()]));
    late.reminder_leads = ReminderLeads::new([hours(24)]).expect("leads");
    let mut run = Run::new(vec![early, late]);
    let f = [finding("protection_ending", Severity::Warning, Some(due))];

    let first = run.at(due - hours(24 * 10), &f);
    assert_eq!(first.deliveries.len(), 1);
    assert_eq!(first.next_reminder_at, Some(due - hours(72)));
    let r3 = run.at(due - hours(72), &f);
    let r1 = run.at(due - hours(24), &f);
    assert_eq!(
        (r3.deliveries[0].kind, r1.deliveries[0].kind),
        (
            DeliveryKind::Reminder {
                lead: hours(72),
                due_at: due
            },
            DeliveryKind::Reminder {
                lead: hours(24),
                due_at: due
            }
        )
    );
}

#[test]
fn reminders_fire_at_their_lead_and_not_a_second_before() {
    let due = ts(DUE);
    let mut run = Run::new(vec![sub("mail", Severity::Warning)]);
    let f = [finding("protection_ending", Severity::Warning, Some(due))];

    let appeared = run.at(due - hours(24 * 10), &f);
    assert_eq!(appeared.deliveries[0].kind, DeliveryKind::Appeared);
    assert_eq!(appeared.deliveries[0].due_at, Some(due));
    assert_eq!(appeared.next_reminder_at, Some(due - hours(72)));

    let just_before = run.at(due - hours(72) - secs(1), &f);
    assert!(just_before.deliveries.is_empty());
    assert_eq!(just_before.next_reminder_at, Some(due - hours(72)));

    let three_days = run.at(due - hours(72), &f);
    assert_eq!(
        kinds(&three_days),
        vec![(
            "mail".into(),
            "protection_ending".into(),
            DeliveryKind::Reminder {
                lead: hours(72),
                due_at: due
            }
        )]
    );
    assert_eq!(three_days.next_reminder_at, Some(due - hours(24)));

    assert!(run.at(due - hours(72) + secs(1), &f).deliveries.is_empty());
    let before_one_day = run.at(due - hours(24) - secs(1), &f);
    assert!(before_one_day.deliveries.is_empty());
    assert_eq!(before_one_day.next_reminder_at, Some(due - hours(24)));

    let one_day = run.at(due - hours(24), &f);
    assert_eq!(
        one_day
            .deliveries
            .iter()
            .map(|d| d.kind)
            .collect::<Vec<_>>(),
        vec![DeliveryKind::Reminder {
            lead: hours(24),
            due_at: due
        }]
    );
    assert_ne!(
        three_days.deliveries[0].idempotency_key,
        one_day.deliveries[0].idempotency_key
    );
    assert_eq!(one_day.next_reminder_at, None);

    assert!(run.at(due - secs(1), &f).deliveries.is_empty());
    assert!(run.at(due, &f).deliveries.is_empty());
    assert!(run.at(due + hours(1), &f).deliveries.is_empty());
}

#[test]
fn no_reminder_at_or_after_the_deadline() {
    let due = ts(DUE);
    let f = [finding("protection_ending", Severity::Action, Some(due))];
    let subs = [sub("mail", Severity::Info)];
    let appeared = plan(SHIPMENT, due - hours(100), &subs, &f, &[]);
    let records = appeared.records;
    // The scheduler slept through both reminders and woke at the deadline.
    for now in [due, due + secs(1)] {
        let p = plan(SHIPMENT, now, &subs, &f, &records);
        assert!(p.deliveries.is_empty(), "reminder at {now}");
        assert_eq!(p.next_reminder_at, None);
    }
    let last_second = plan(SHIPMENT, due - secs(1), &subs, &f, &records);
    assert_eq!(
        last_second
            .deliveries
            .iter()
            .map(|d| d.kind)
            .collect::<Vec<_>>(),
        vec![DeliveryKind::Reminder {
            lead: hours(24),
            due_at: due
        }]
    );
}

#[test]
fn missed_reminders_collapse_into_the_most_urgent_one() {
    let due = ts(DUE);
    let mut run = Run::new(vec![sub("mail", Severity::Info)]);
    let f = [finding("protection_ending", Severity::Action, Some(due))];
    run.at(due - hours(24 * 5), &f);
    let late = run.at(due - hours(12), &f);
    assert_eq!(
        late.deliveries.iter().map(|d| d.kind).collect::<Vec<_>>(),
        vec![DeliveryKind::Reminder {
            lead: hours(24),
            due_at: due
        }]
    );
    assert_eq!(late.records[0].reminded, vec![hours(72), hours(24)]);
    assert!(run.at(due - hours(11), &f).deliveries.is_empty());
}

#[test]
fn a_finding_that_appears_close_to_its_deadline_is_one_message() {
    let due = ts(DUE);
    let mut run = Run::new(vec![sub("mail", Severity::Info)]);
    let f = [finding(
        "customs_data_required",
        Severity::Action,
        Some(due),
    )];
    let p = run.at(due - hours(12), &f);
    assert_eq!(
        p.deliveries.iter().map(|d| d.kind).collect::<Vec<_>>(),
        vec![DeliveryKind::Appeared]
    );
    assert_eq!(p.next_reminder_at, None);
    assert!(run.at(due - hours(1), &f).deliveries.is_empty());

    // Between the leads: the 3-day reminder is folded in, the 1-day one still comes.
    let mut run = Run::new(vec![sub("mail", Severity::Info)]);
    let p = run.at(due - hours(48), &f);
    assert_eq!(p.deliveries.len(), 1);
    assert_eq!(p.next_reminder_at, Some(due - hours(24)));
    assert_eq!(run.at(due - hours(24), &f).deliveries.len(), 1);
}

#[test]
fn a_severity_rise_absorbs_a_reminder_due_at_the_same_time() {
    let due = ts(DUE);
    let mut run = Run::new(vec![sub("mail", Severity::Info)]);
    run.at(
        due - hours(24 * 9),
        &[finding("protection_ending", Severity::Warning, Some(due))],
    );
    let p = run.at(
        due - hours(72),
        &[finding("protection_ending", Severity::Action, Some(due))],
    );
    assert_eq!(
        p.deliveries.iter().map(|d| d.kind).collect::<Vec<_>>(),
        vec![DeliveryKind::SeverityRaised {
            from: Severity::Warning
        }]
    );
    assert_eq!(p.next_reminder_at, Some(due - hours(24)));
}

#[test]
fn a_moved_deadline_re_arms_the_reminders() {
    let due = ts(DUE);
    let extended = due + hours(24 * 15);
    let mut run = Run::new(vec![sub("mail", Severity::Info)]);
    run.at(
        due - hours(24 * 10),
        &[finding("protection_ending", Severity::Warning, Some(due))],
    );
    let old = run.at(
        due - hours(72),
        &[finding("protection_ending", Severity::Warning, Some(due))],
    );
    assert_eq!(old.deliveries.len(), 1);

    // The seller extended protection: no message for the extension itself...
    let moved = run.at(
        due - hours(70),
        &[finding(
            "protection_ending",
            Severity::Warning,
            Some(extended),
        )],
    );
    assert!(moved.deliveries.is_empty());
    assert_eq!(moved.next_reminder_at, Some(extended - hours(72)));
    // ...but the new deadline gets its own reminders, with keys of their own.
    let new = run.at(
        extended - hours(72),
        &[finding(
            "protection_ending",
            Severity::Warning,
            Some(extended),
        )],
    );
    assert_eq!(
        new.deliveries.iter().map(|d| d.kind).collect::<Vec<_>>(),
        vec![DeliveryKind::Reminder {
            lead: hours(72),
            due_at: extended
        }]
    );
    assert_ne!(
        old.deliveries[0].idempotency_key,
        new.deliveries[0].idempotency_key
    );
}

#[test]
fn a_deadline_moved_closer_reminds_at_once() {
    let due = ts(DUE);
    let mut run = Run::new(vec![sub("mail", Severity::Info)]);
    run.at(
        due - hours(24 * 10),
        &[finding("x", Severity::Warning, Some(due))],
    );
    let closer = due - hours(24 * 8);
    let p = run.at(
        due - hours(24 * 9),
        &[finding("x", Severity::Warning, Some(closer))],
    );
    assert_eq!(
        p.deliveries.iter().map(|d| d.kind).collect::<Vec<_>>(),
        vec![DeliveryKind::Reminder {
            lead: hours(24),
            due_at: closer
        }]
    );
}

#[test]
fn a_finding_that_goes_and_comes_back_notifies_again() {
    let now = ts("2026-05-01T00:00:00Z");
    let mut run = Run::new(vec![sub("mail", Severity::Warning)]);
    let stalled = [finding("stalled", Severity::Warning, None)];
    let first = run.at(now, &stalled);
    let gone = run.at(now + hours(24), &[]);
    assert!(gone.deliveries.is_empty());
    assert_eq!(gone.records.len(), 1);
    assert!(!gone.records[0].active);
    assert!(run.at(now + hours(25), &[]).deliveries.is_empty());

    let back = run.at(now + hours(24 * 20), &stalled);
    assert_eq!(
        back.deliveries.iter().map(|d| d.kind).collect::<Vec<_>>(),
        vec![DeliveryKind::Appeared]
    );
    assert_ne!(
        first.deliveries[0].idempotency_key,
        back.deliveries[0].idempotency_key
    );
    assert_eq!(back.records[0].episode, 1);
    assert!(run.at(now + hours(24 * 21), &stalled).deliveries.is_empty());
}

#[test]
fn records_of_other_channels_are_kept_and_end_their_episode() {
    let now = ts("2026-05-01T00:00:00Z");
    let f = [finding("lost", Severity::Action, None)];
    let old = plan(SHIPMENT, now, &[sub("gone", Severity::Info)], &f, &[]).records;
    let p = plan(SHIPMENT, now, &[sub("mail", Severity::Info)], &f, &old);
    assert_eq!(
        kinds(&p),
        vec![("mail".into(), "lost".into(), DeliveryKind::Appeared)]
    );
    assert_eq!(p.records.len(), 2);
    assert_eq!(p.records[0], old[0]);

    let cleared = plan(SHIPMENT, now, &[], &[], &p.records);
    assert!(cleared.records.iter().all(|r| !r.active));
}

#[test]
fn a_re_subscribed_channel_does_not_repeat_what_it_had() {
    let now = ts("2026-05-01T00:00:00Z");
    let f = [finding("lost", Severity::Action, None)];
    let subs = [sub("mail", Severity::Info)];
    let first = plan(SHIPMENT, now, &subs, &f, &[]);
    let paused = plan(SHIPMENT, now + hours(1), &[], &f, &first.records);
    let back = plan(SHIPMENT, now + hours(2), &subs, &f, &paused.records);
    assert!(back.deliveries.is_empty());
}

#[test]
fn duplicate_codes_count_once_at_their_worst() {
    let due = ts(DUE);
    let p = plan(
        SHIPMENT,
        due - hours(24 * 10),
        &[sub("mail", Severity::Info)],
        &[
            finding("stalled", Severity::Warning, None),
            finding("stalled", Severity::Action, Some(due + hours(1))),
            finding("stalled", Severity::Action, Some(due)),
            finding("stalled", Severity::Info, Some(due - hours(1))),
        ],
        &[],
    );
    assert_eq!(p.deliveries.len(), 1);
    assert_eq!(
        (p.deliveries[0].severity, p.deliveries[0].due_at),
        (Severity::Action, Some(due))
    );
}

#[test]
fn input_order_does_not_change_the_plan() {
    let due = ts(DUE);
    let mut subs = vec![
        sub("tg", Severity::Info),
        sub("mail", Severity::Warning),
        sub("hook", Severity::Action),
    ];
    let mut findings = vec![
        finding("a", Severity::Action, Some(due)),
        finding("b", Severity::Warning, None),
        finding("c", Severity::Info, Some(due - hours(30))),
    ];
    let now = due - hours(24 * 4);
    let forward = plan(SHIPMENT, now, &subs, &findings, &[]);
    subs.reverse();
    findings.reverse();
    let backward = plan(SHIPMENT, now, &subs, &findings, &[]);
    assert_eq!(forward, backward);
    assert_eq!(forward.deliveries.len(), 3 + 2 + 1);
    assert_eq!(forward.next_reminder_at, Some(due - hours(72)));
}

#[test]
fn next_reminder_is_the_earliest_over_channels_and_findings() {
    let due = ts(DUE);
    let mut short = sub("tg", Severity::Info);
    short.reminder_leads = ReminderLeads::new([hours(2)]).expect("leads");
    let subs = [short, sub("mail", Severity::Info)];
    let now = due - hours(24 * 10);
    let p = plan(
        SHIPMENT,
        now,
        &subs,
        &[
            finding("a", Severity::Action, Some(due)),
            finding("b", Severity::Action, Some(due - hours(24 * 4))),
        ],
        &[],
    );
    assert_eq!(p.next_reminder_at, Some(due - hours(24 * 4) - hours(72)));
}

#[test]
fn no_leads_and_no_deadline_mean_no_reminders() {
    let due = ts(DUE);
    let mut quiet = sub("mail", Severity::Info);
    quiet.reminder_leads = ReminderLeads::none();
    let mut run = Run::new(vec![quiet]);
    let f = [finding("x", Severity::Action, Some(due))];
    assert_eq!(run.at(due - hours(24 * 10), &f).next_reminder_at, None);
    assert!(run.at(due - hours(1), &f).deliveries.is_empty());

    let mut run = Run::new(vec![sub("mail", Severity::Info)]);
    let f = [finding("x", Severity::Action, None)];
    assert_eq!(run.at(due - hours(24 * 10), &f).next_reminder_at, None);
    assert!(run.at(due - hours(1), &f).deliveries.is_empty());
}

#[test]
fn deadlines_at_the_edge_of_time_do_not_panic() {
    let subs = [sub("mail", Severity::Info)];
    for due in [Timestamp::MIN, Timestamp::MIN + secs(10), Timestamp::MAX] {
        let f = [finding("x", Severity::Action, Some(due))];
        let p = plan(SHIPMENT, ts("2026-05-01T00:00:00Z"), &subs, &f, &[]);
        assert_eq!(p.deliveries.len(), 1, "due {due}");
    }
}

#[test]
fn reminder_leads_are_validated_and_ordered() {
    let leads = ReminderLeads::new([hours(24), hours(72), hours(24)]).expect("valid");
    assert_eq!(leads.as_slice(), &[hours(72), hours(24)]);
    assert_eq!(
        ReminderLeads::new([]).expect("empty is fine"),
        ReminderLeads::none()
    );
    assert_eq!(
        ReminderLeads::new([hours(1), SignedDuration::ZERO]),
        Err(LeadError::NotPositive {
            lead: SignedDuration::ZERO
        })
    );
    assert!(matches!(
        ReminderLeads::new([secs(-5)]),
        Err(LeadError::NotPositive { .. })
    ));
    assert!(ReminderLeads::new([MAX_REMINDER_LEAD]).is_ok());
    assert!(matches!(
        ReminderLeads::new([MAX_REMINDER_LEAD + secs(1)]),
        Err(LeadError::TooLong { .. })
    ));
    assert!(ReminderLeads::new((1..=8).map(hours)).is_ok());
    assert_eq!(
        ReminderLeads::new((1..=9).map(hours)),
        Err(LeadError::TooMany { count: 9, max: 8 })
    );
    let json = serde_json::to_string(&leads).expect("serialise");
    assert_eq!(
        serde_json::from_str::<ReminderLeads>(&json).ok(),
        Some(leads)
    );
    // Configuration files write leads the friendly way.
    let friendly: ReminderLeads =
        serde_json::from_str(r#"["24h", "72h", "PT2H"]"#).expect("friendly");
    assert_eq!(friendly.as_slice(), &[hours(72), hours(24), hours(2)]);
    let zero = serde_json::to_string(&vec![SignedDuration::ZERO]).expect("serialise");
    let refused = serde_json::from_str::<ReminderLeads>(&zero).map_err(|e| e.to_string());
    assert!(
        matches!(&refused, Err(e) if e.contains("must be positive")),
        "{refused:?}"
    );
}

#[test]
fn records_round_trip_through_json() {
    let due = ts(DUE);
    let p = plan(
        SHIPMENT,
        due - hours(30),
        &[sub("mail", Severity::Info)],
        &[finding("x", Severity::Warning, Some(due))],
        &[],
    );
    let json = serde_json::to_string(&p.records).expect("serialise");
    let back: Vec<SentRecord> = serde_json::from_str(&json).expect("parse");
    assert_eq!(back, p.records);
}

#[derive(Debug, Clone)]
struct Step {
    advance_hours: i64,
    findings: Vec<(usize, Severity, Option<i64>)>,
}

fn step_strategy() -> impl Strategy<Value = Step> {
    let severity = prop_oneof![
        Just(Severity::Info),
        Just(Severity::Warning),
        Just(Severity::Action)
    ];
    let finding = (0usize..3, severity, proptest::option::of(0i64..24 * 12));
    (0i64..48, proptest::collection::vec(finding, 0..4)).prop_map(|(advance_hours, findings)| {
        Step {
            advance_hours,
            findings,
        }
    })
}

proptest! {
    /// Whatever happens to the findings, no key is ever planned twice, and a
    /// finding that newly reaches a channel's threshold is always announced.
    #[test]
    fn never_the_same_message_twice(steps in proptest::collection::vec(step_strategy(), 1..40)) {
        let codes = ["stalled", "protection_ending", "customs_hold"];
        let start = ts("2026-05-01T00:00:00Z");
        let mut run = Run::new(vec![sub("mail", Severity::Warning), sub("tg", Severity::Info)]);
        let mut seen = BTreeSet::new();
        let mut now = start;
        let mut previous: Vec<FindingKey> = Vec::new();
        for step in steps {
            now += hours(step.advance_hours);
            let findings: Vec<FindingKey> = step
                .findings
                .iter()
                .map(|&(code, severity, due)| finding(codes[code], severity, due.map(|h| start + hours(h))))
                .collect();
            let p = run.at(now, &findings);
            for d in &p.deliveries {
                prop_assert!(seen.insert(d.idempotency_key.clone()), "key planned twice: {d:?}");
            }
            if let Some(next) = p.next_reminder_at {
                prop_assert!(next > now);
            }
            let worst = |list: &[FindingKey], code: &str| {
                list.iter().filter(|f| f.code == code).map(|f| f.severity).max()
            };
            for code in codes {
                if let (None, Some(sev)) = (worst(&previous, code), worst(&findings, code)) {
                    let expected = usize::from(sev >= Severity::Warning) + 1;
                    let got = p.deliveries.iter().filter(|d| d.code == code).count();
                    prop_assert_eq!(got, expected, "new finding {} at {:?}", code, sev);
                }
            }
            previous = findings;
        }
    }
}
