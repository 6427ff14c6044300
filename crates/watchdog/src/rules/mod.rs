//! The rules: each a small pure function over a [`View`] that pushes at most a few findings
//! and tells the [`Clock`] when its result could next change without a new event.
//!
//! Which rule gives way to which is decided here and in the rules' own conditions:
//! - `delivered_elsewhere` replaces `delivered` and `available_for_pickup` for the same event;
//! - `awaiting_first_event` and `no_tracking_info` split on the first-event threshold;
//!   `suspected_fake_tracking` (only first events) and `stalled` (it had moved on) exclude
//!   each other;
//! - with a dispute already open, `open_dispute` and `protection_ending` stay silent (an open
//!   dispute holds the money) and the seller drafts are not offered.

use jiff::Timestamp;

use crate::config::Config;
use crate::finding::Finding;
use crate::view::View;
use crate::{Report, Subject, eta};

pub(crate) mod customs;
pub(crate) mod delivery;
pub(crate) mod numbers;
pub(crate) mod protection;
pub(crate) mod tracking;

#[cfg(test)]
pub(crate) mod testkit;

/// Collects the earliest future instant at which some rule's result changes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Clock {
    now: Timestamp,
    next: Option<Timestamp>,
}

impl Clock {
    pub(crate) fn new(now: Timestamp) -> Self {
        Self { now, next: None }
    }

    /// A rule's result changes at `at` (ignored unless in the future).
    pub(crate) fn at(&mut self, at: Timestamp) {
        if at > self.now {
            self.next = Some(self.next.map_or(at, |n| n.min(at)));
        }
    }

    /// The earliest instant recorded.
    pub(crate) fn next(&self) -> Option<Timestamp> {
        self.next
    }
}

/// A rule: reads the view, pushes findings, records thresholds.
pub(crate) type Rule = fn(&View<'_>, &mut Clock, &mut Vec<Finding>);

/// Every rule, in the order their findings are produced (the report sorts them afterwards).
pub(crate) const RULES: &[Rule] = &[
    numbers::order_number_not_tracking,
    numbers::invalid_number,
    numbers::domestic_number,
    tracking::awaiting_first_event,
    tracking::no_tracking_info,
    tracking::suspected_fake_tracking,
    tracking::stalled,
    delivery::delivered_elsewhere,
    protection::protection_ending,
    protection::open_dispute,
    protection::overdue,
    customs::customs_data_required,
    customs::customs_hold,
    customs::duty_due,
    delivery::delivery_attempt_failed,
    delivery::available_for_pickup,
    delivery::returning_to_sender,
    delivery::lost,
    delivery::delivered,
];

pub(crate) fn run(subject: &Subject<'_>, now: Timestamp, config: &Config) -> Report {
    let view = View::new(subject, now, config);
    let mut clock = Clock::new(now);
    let mut findings = Vec::new();
    for rule in RULES {
        rule(&view, &mut clock, &mut findings);
    }
    // Most severe first, then the earliest deadline, then code order: stable for tests and
    // for the user.
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| match (a.due_at, b.due_at) {
                (Some(x), Some(y)) => x.cmp(&y),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            })
            .then_with(|| a.code.cmp(&b.code))
    });
    let terminal = view
        .milestone()
        .is_some_and(|m| m.is_terminal() || m == posylka_core::Milestone::ReturningToSender);
    let eta = (!terminal).then(|| {
        let lane = eta::lane_of(&view.numbers, subject.order, subject.timeline);
        eta::eta(&lane, view.shipped, subject.history, &config.eta)
    });
    Report {
        milestone: view.milestone(),
        protection_ends_at: view.protection_ends_at,
        eta,
        findings,
        next_check_at: clock.next(),
    }
}
