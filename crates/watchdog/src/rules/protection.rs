//! Rules on the buyer-protection clock: protection ending, when to open a dispute, overdue.

use jiff::{SignedDuration, Timestamp};
use posylka_core::Milestone;

use super::Clock;
use super::tracking::{fake_signs, price_prior, stall, unanswered_contact};
use crate::config::DAY;
use crate::finding::{DisputeReason, Facts, Finding, FindingCode, Severity};
use crate::view::{View, add_days};

/// Whole days from now to `at` (0 if past).
fn days_left(v: &View<'_>, at: Timestamp) -> u32 {
    let secs = at.as_second() - v.now.as_second();
    u32::try_from(secs.max(0) / DAY).unwrap_or(u32::MAX)
}

fn clock_facts(v: &View<'_>) -> Facts {
    let (price, _) = price_prior(v);
    Facts {
        number: v.subject.numbers.first().map(|n| n.as_str().to_owned()),
        order_number: v.subject.order.map(|o| o.order_number().to_owned()),
        shipped_at: Some(v.shipped),
        days: Some(v.days_since(v.shipped)),
        protection_ends_at: v.protection_ends_at,
        protection_assumed: v.protection_assumed,
        protection_days: v.protection_days,
        milestone: v.milestone(),
        since: v.last_event_at,
        price,
        ..Facts::default()
    }
}

/// `protection_ending`: not delivered, no dispute open, and protection ends within
/// `protection_warning_days` (10). Due when it ends.
pub(crate) fn protection_ending(v: &View<'_>, clock: &mut Clock, out: &mut Vec<Finding>) {
    let Some(end) = v.protection_ends_at else {
        return;
    };
    if v.delivered() || v.dispute_open {
        return;
    }
    let from = add_days(end, -i64::from(v.rules.protection_warning_days));
    clock.at(from);
    clock.at(end);
    if v.now >= from && v.now < end {
        out.push(
            Finding::new(FindingCode::ProtectionEnding, Severity::Warning)
                .due(Some(end))
                .with(Facts {
                    days_left: Some(days_left(v, end)),
                    limit_days: Some(u32::from(v.rules.protection_warning_days)),
                    ..clock_facts(v)
                }),
        );
    }
}

/// Why a dispute is due, most specific first: what the carrier says, then what tracking
/// shows, then the seller's silence, then the clock.
fn dispute_reason(v: &View<'_>, seller_silent: bool) -> DisputeReason {
    match v.milestone() {
        Some(Milestone::Lost) => DisputeReason::Lost,
        Some(Milestone::ReturningToSender | Milestone::Returned) => DisputeReason::Returning,
        None => DisputeReason::NoTracking,
        Some(_) if fake_signs(v).is_some() => DisputeReason::FakeTracking,
        Some(_) if stall(v).is_some() => DisputeReason::Stalled,
        Some(_) if seller_silent => DisputeReason::SellerSilent,
        Some(_) => DisputeReason::ProtectionEnding,
    }
}

/// `open_dispute`: not delivered, no dispute open yet, and one of: protection ends within
/// `dispute_warning_days` (7) or ended less than `dispute_after_close_days` (15) ago; the
/// seller was asked `seller_answer_days` (5) or more ago and has not answered; the parcel is
/// returning, returned or lost. Silent once even a late dispute is no longer possible. Due
/// when protection ends (or, once ended, when the late window closes).
pub(crate) fn open_dispute(v: &View<'_>, clock: &mut Clock, out: &mut Vec<Finding>) {
    if v.dispute_open || v.delivered() {
        return;
    }
    let end = v.protection_ends_at;
    let last_chance = end.map(|e| add_days(e, i64::from(v.rules.dispute_after_close_days)));
    if let Some(e) = end {
        clock.at(add_days(e, -i64::from(v.rules.dispute_warning_days)));
        clock.at(e);
    }
    if let Some(l) = last_chance {
        clock.at(l);
        if v.now >= l {
            return;
        }
    }
    let near_end =
        end.is_some_and(|e| v.now >= add_days(e, -i64::from(v.rules.dispute_warning_days)));
    let silent = unanswered_contact(v).is_some_and(|asked| {
        let up = add_days(asked, i64::from(v.rules.seller_answer_days));
        clock.at(up);
        v.now >= up
    });
    let gone = matches!(
        v.milestone(),
        Some(Milestone::ReturningToSender | Milestone::Returned | Milestone::Lost)
    );
    if !(near_end || silent || gone) {
        return;
    }
    let opens = add_days(v.shipped, i64::from(v.rules.dispute_opens_after_days));
    clock.at(opens);
    let ended = end.is_some_and(|e| v.now >= e);
    let due = if ended { last_chance } else { end };
    out.push(
        Finding::new(FindingCode::OpenDispute, Severity::Action)
            .due(due)
            .with(Facts {
                dispute_reason: Some(dispute_reason(v, silent)),
                dispute_from: (opens > v.now).then_some(opens),
                protection_ended: ended,
                days_left: due.map(|d| days_left(v, d)),
                seller_contacted_at: v
                    .subject
                    .order
                    .and_then(|o| o.seller_contacted_at)
                    .map(|t| t.instant()),
                ..clock_facts(v)
            }),
    );
}

/// `overdue`: not delivered more than `overdue_days` (60) after shipment: the marketplace
/// refunds in full. With a dispute open it is a note for that dispute.
pub(crate) fn overdue(v: &View<'_>, clock: &mut Clock, out: &mut Vec<Finding>) {
    if v.delivered() {
        return;
    }
    let limit = v.rules.overdue_days;
    // "More than N days": the first instant past the N-th day.
    let from = add_days(v.shipped, i64::from(limit))
        .checked_add(SignedDuration::from_secs(1))
        .unwrap_or(Timestamp::MAX);
    clock.at(from);
    if v.now < from {
        return;
    }
    let severity = if v.dispute_open {
        Severity::Info
    } else {
        Severity::Action
    };
    let due = v.protection_ends_at.filter(|e| *e > v.now);
    if let Some(end) = v.protection_ends_at {
        clock.at(end);
    }
    out.push(
        Finding::new(FindingCode::Overdue, severity)
            .due(due)
            .with(Facts {
                limit_days: Some(u32::from(limit)),
                dispute_open: v.dispute_open,
                ..clock_facts(v)
            }),
    );
}

#[cfg(test)]
mod tests {
    use posylka_core::Milestone as M;
    use posylka_core::event_time::EventTime;

    use super::*;
    use crate::rules::testkit::{Case, day, day_h};

    #[test]
    fn protection_ending_starts_10_days_before_the_end() {
        // Shipped day 0, 60 days: ends day 60.
        let case = Case::new().moving();
        let (found, next) = case.run(protection_ending, day_h(49, 23));
        assert!(found.is_empty());
        assert_eq!(next, Some(day(50)));
        let f = case.one(protection_ending, day(50));
        assert_eq!(f.due_at, Some(day(60)));
        assert_eq!(f.facts.days_left, Some(10));
        assert!(case.codes(protection_ending, day(60)).is_empty());
    }

    #[test]
    fn extensions_move_the_end_and_a_missing_period_is_assumed() {
        let extended = Case::new().moving().order(|o| {
            o.protection_extensions
                .push(posylka_core::order::ProtectionExtension {
                    days: 15,
                    granted_at: None,
                });
        });
        // Without the extension day 60 would be the end; now 15 days are left.
        assert!(extended.codes(protection_ending, day(60)).is_empty());
        assert_eq!(
            extended.one(protection_ending, day(65)).due_at,
            Some(day(75))
        );
        let assumed = Case::new().moving().order(|o| o.protection_days = None);
        let f = assumed.one(protection_ending, day(55));
        assert!(f.facts.protection_assumed);
        assert_eq!(f.due_at, Some(day(60)));
    }

    #[test]
    fn thresholds_come_from_the_orders_marketplace() {
        let toml = "[marketplace.joom]\nprotection_warning_days = 3\ndispute_warning_days = 2\n";
        let joom = Case::new()
            .moving()
            .order(|o| *o = rename(o, "Joom"))
            .with_config(toml);
        assert!(joom.codes(protection_ending, day(56)).is_empty());
        assert_eq!(joom.codes(protection_ending, day(57)).len(), 1);
        // AliExpress keeps the defaults under the same file.
        let ali = Case::new().moving().with_config(toml);
        assert_eq!(ali.codes(protection_ending, day(50)).len(), 1);
    }

    fn rename(o: &posylka_core::order::Order, marketplace: &str) -> posylka_core::order::Order {
        let mut renamed =
            posylka_core::order::Order::new(marketplace, o.order_number()).expect("valid");
        renamed.shipped_at = o.shipped_at;
        renamed.protection_days = o.protection_days;
        renamed.destination = o.destination.clone();
        renamed
    }

    #[test]
    fn a_delivered_event_cuts_protection_to_5_days() {
        let case = Case::new().moving().event(day(20), M::Delivered);
        let report = case.report(day(21));
        assert_eq!(report.protection_ends_at, Some(day(25)));
        // A delivery near the end does not lengthen it.
        let late = Case::new().moving().event(day(58), M::Delivered);
        assert_eq!(late.report(day(58)).protection_ends_at, Some(day(60)));
        // Delivered: no protection warning.
        assert!(case.codes(protection_ending, day(21)).is_empty());
    }

    #[test]
    fn open_dispute_at_7_days_left_not_8() {
        let case = Case::new().moving();
        assert!(case.codes(open_dispute, day(52)).is_empty());
        let (found, next) = case.run(open_dispute, day_h(52, 12));
        assert!(found.is_empty());
        assert_eq!(next, Some(day(53)));
        let f = case.one(open_dispute, day(53));
        assert_eq!(f.due_at, Some(day(60)));
        assert_eq!(f.facts.days_left, Some(7));
        // Arrived day 15, nothing since: the track stalled.
        assert_eq!(f.facts.dispute_reason, Some(DisputeReason::Stalled));
    }

    #[test]
    fn an_open_dispute_suppresses_open_dispute_and_protection_ending() {
        let case = Case::new()
            .moving()
            .order(|o| o.dispute_opened_at = Some(EventTime::utc(day(40))));
        assert!(case.codes(open_dispute, day(55)).is_empty());
        assert!(case.codes(protection_ending, day(55)).is_empty());
        let gone = case.clone().event(day(41), M::Lost);
        assert!(gone.codes(open_dispute, day(42)).is_empty());
    }

    #[test]
    fn a_silent_seller_for_5_days_means_a_dispute() {
        let asked = Case::new().order(|o| o.seller_contacted_at = Some(EventTime::utc(day(12))));
        let (found, next) = asked.run(open_dispute, day_h(16, 23));
        assert!(found.is_empty());
        assert_eq!(next, Some(day(17)));
        let f = asked.one(open_dispute, day(17));
        // No events at all: the draft says the number is not tracked.
        assert_eq!(f.facts.dispute_reason, Some(DisputeReason::NoTracking));
        // The seller answered: no dispute on that ground.
        let answered = asked
            .clone()
            .order(|o| o.seller_replied_at = Some(EventTime::utc(day(13))));
        assert!(answered.codes(open_dispute, day(20)).is_empty());
    }

    #[test]
    fn returning_returned_and_lost_parcels_call_for_a_dispute() {
        for (m, reason) in [
            (M::ReturningToSender, DisputeReason::Returning),
            (M::Returned, DisputeReason::Returning),
            (M::Lost, DisputeReason::Lost),
        ] {
            let f = Case::new()
                .moving()
                .event(day(20), m)
                .one(open_dispute, day(21));
            assert_eq!(f.facts.dispute_reason, Some(reason), "{m}");
        }
        // Before day 10 the marketplace does not take disputes yet: say from when.
        let early = Case::new().event(day(2), M::Lost).one(open_dispute, day(3));
        assert_eq!(early.facts.dispute_from, Some(day(10)));
    }

    #[test]
    fn a_late_dispute_is_possible_for_15_days_after_protection_ends() {
        let case = Case::new().moving();
        let f = case.one(open_dispute, day(61));
        assert!(f.facts.protection_ended);
        assert_eq!(f.due_at, Some(day(75)));
        assert!(case.codes(open_dispute, day(75)).is_empty());
    }

    #[test]
    fn fake_tracking_is_the_dispute_reason_when_the_number_never_moved() {
        let f = Case::new()
            .event(day(1), M::InfoReceived)
            .one(open_dispute, day(54));
        assert_eq!(f.facts.dispute_reason, Some(DisputeReason::FakeTracking));
    }

    #[test]
    fn overdue_after_more_than_60_days() {
        let case = Case::new().moving();
        let (found, next) = case.run(overdue, day(60));
        assert!(found.is_empty());
        assert_eq!(next, day(60).checked_add(SignedDuration::from_secs(1)).ok());
        assert_eq!(case.one(overdue, day(61)).facts.days, Some(61));
        let delivered = case.clone().event(day(59), M::Delivered);
        assert!(delivered.codes(overdue, day(70)).is_empty());
        let disputed = case.order(|o| o.dispute_opened_at = Some(EventTime::utc(day(50))));
        assert_eq!(disputed.one(overdue, day(61)).severity, Severity::Info);
    }
}
