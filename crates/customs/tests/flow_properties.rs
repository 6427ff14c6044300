//! The request flow on random timelines: however often and whenever the server wakes up,
//! and whatever the recipient does, no message goes out twice, none after a reaction or the
//! deadline, rounds go out in order per channel, and the next wake-up is in the future.

use jiff::{SignedDuration, Timestamp};
use posylka_customs::flow::{Channel, FlowConfig, RequestFlow, Status};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Event {
    Wake(u32),
    Open(u32),
    Submit(u32),
    Refuse(u32),
}

fn event() -> impl Strategy<Value = Event> {
    // Minutes after arrival, up to 9 days.
    let t = 0u32..(9 * 24 * 60);
    prop_oneof![
        8 => t.clone().prop_map(Event::Wake),
        1 => t.clone().prop_map(Event::Open),
        1 => t.clone().prop_map(Event::Submit),
        1 => t.prop_map(Event::Refuse),
    ]
}

fn config() -> impl Strategy<Value = FlowConfig> {
    (0u16..=1440, 1u16..5, 1u16..4, 5u16..12).prop_map(|(e, r, every, d)| FlowConfig {
        email_delay_minutes: e,
        repeat_after_days: r,
        reminder_every_days: every,
        deadline_days: d,
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn never_twice_never_late_never_after_a_reaction(
        config in config(),
        mut events in prop::collection::vec(event(), 1..40),
    ) {
        prop_assume!(config.validate().is_ok());
        let t0: Timestamp = "2026-03-02T09:00:00Z".parse().expect("ts");
        let at = |m: u32| t0 + SignedDuration::from_mins(i64::from(m));
        events.sort_by_key(|e| match e { Event::Wake(m) | Event::Open(m) | Event::Submit(m) | Event::Refuse(m) => *m });
        let mut flow = RequestFlow::new(t0);
        let deadline = flow.deadline(&config);
        let mut reacted: Option<Timestamp> = None;
        for e in events {
            match e {
                Event::Wake(m) => {
                    let now = at(m);
                    let plan = flow.plan(now, &config);
                    if let Some(next) = plan.next_wake {
                        prop_assert!(next > now, "next wake {next} not after {now}");
                    } else {
                        prop_assert!(plan.status.is_final());
                    }
                    if now >= deadline || reacted.is_some() {
                        prop_assert!(plan.due.is_empty(), "{plan:?}");
                    }
                    for m in plan.due {
                        flow.mark_sent(m, now, &config).expect("a due message can be sent once");
                        prop_assert!(flow.mark_sent(m, now, &config).is_err());
                    }
                    if now >= deadline && flow.submitted_at.is_none() {
                        prop_assert!(plan.status.returns_to_shop());
                    }
                }
                Event::Open(m) => {
                    flow.opened(at(m));
                    reacted.get_or_insert(at(m));
                }
                Event::Submit(m) => {
                    let open = flow.refused_at.is_none() && flow.submitted_at.is_none();
                    let ok = flow.submitted(at(m), &config).is_ok();
                    prop_assert_eq!(ok, at(m) < deadline && open);
                    if ok { reacted.get_or_insert(at(m)); }
                }
                Event::Refuse(m) => {
                    if flow.refused(at(m), &config).is_ok() {
                        reacted.get_or_insert(at(m));
                    }
                }
            }
        }
        // No message twice, none after the deadline or the first reaction, and per channel
        // the rounds in increasing order.
        for (i, (m, t)) in flow.sent.iter().enumerate() {
            prop_assert!(flow.sent[..i].iter().all(|(n, _)| n != m), "{m:?} twice");
            prop_assert!(*t < deadline);
            prop_assert!(reacted.is_none_or(|r| *t <= r), "{m:?} after the reaction");
        }
        for channel in [Channel::Sms, Channel::Email] {
            let steps: Vec<_> = flow.sent.iter().filter(|(m, _)| m.channel == channel).map(|(m, _)| m.step).collect();
            prop_assert!(steps.windows(2).all(|w| w[0] < w[1]), "{steps:?}");
        }
        if let Some(at) = flow.submitted_at {
            prop_assert_eq!(flow.status(deadline, &config), Status::Submitted { at });
        }
    }
}
