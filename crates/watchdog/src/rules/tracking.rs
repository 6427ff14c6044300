//! Rules on whether tracking works: no events yet, a number that never moves, a track that
//! stopped.

use jiff::Timestamp;
use posylka_core::{Milestone, Side};

use super::Clock;
use crate::finding::{Facts, Finding, FindingCode, PriceFact, PricePrior, Severity, Stage};
use crate::view::{View, add_days};

/// The price and what it says about tracking (DOMAIN.md's prior), when the order has a price
/// in a currency with a known rate.
pub(crate) fn price_prior(v: &View<'_>) -> (Option<PriceFact>, Option<PricePrior>) {
    let Some(price) = v.subject.order.and_then(|o| o.price) else {
        return (None, None);
    };
    let limits = &v.config.price_prior;
    let prior = v.config.currency.usd(price).map(|usd| {
        if usd < limits.rarely_tracked_below_usd {
            PricePrior::RarelyTracked
        } else if usd > limits.always_tracked_above_usd {
            PricePrior::AlwaysTracked
        } else {
            PricePrior::UsuallyTracked
        }
    });
    (Some(price.into()), prior)
}

/// When the buyer wrote to the seller and has had no answer since.
pub(crate) fn unanswered_contact(v: &View<'_>) -> Option<Timestamp> {
    let order = v.subject.order?;
    let asked = order.seller_contacted_at?.instant();
    let answered = order
        .seller_replied_at
        .is_some_and(|r| r.instant() >= asked);
    (!answered).then_some(asked)
}

/// The next step with the seller, shared by `no_tracking_info` and `suspected_fake_tracking`:
/// write (action, with the draft); or, once written, wait for the answer until the
/// seller's time is up (warning, due then); with a dispute open, only a note.
fn seller_step(v: &View<'_>, clock: &mut Clock, mut finding: Finding) -> Finding {
    let order = v.subject.order;
    if v.dispute_open {
        finding.severity = Severity::Info;
        finding.facts.dispute_open = true;
    } else if let Some(asked) = order.and_then(|o| o.seller_contacted_at) {
        let asked = asked.instant();
        finding.severity = Severity::Warning;
        finding.facts.seller_contacted_at = Some(asked);
        if unanswered_contact(v).is_some() {
            let due = add_days(asked, i64::from(v.rules.seller_answer_days));
            clock.at(due);
            finding.due_at = Some(due);
        }
    } else {
        finding.severity = Severity::Action;
    }
    finding
}

/// Every number is a marketplace order number: nothing can be tracked, and
/// `order_number_not_tracking` says what to do; a letter about "the track" would mislead.
fn only_order_numbers(v: &View<'_>) -> bool {
    !v.numbers.is_empty() && v.numbers.iter().all(|n| n.order_number)
}

fn base_facts(v: &View<'_>, since: Timestamp, limit: u16) -> Facts {
    let (price, price_prior) = price_prior(v);
    Facts {
        number: v.subject.numbers.first().map(|n| n.as_str().to_owned()),
        order_number: v.subject.order.map(|o| o.order_number().to_owned()),
        since: Some(since),
        days: Some(v.days_since(since)),
        limit_days: Some(u32::from(limit)),
        shipped_at: Some(v.shipped),
        price,
        price_prior,
        ..Facts::default()
    }
}

/// `awaiting_first_event`: no events, and fewer than `first_event_days` since shipment:
/// normal. Due when the wait is over.
pub(crate) fn awaiting_first_event(v: &View<'_>, clock: &mut Clock, out: &mut Vec<Finding>) {
    if !v.subject.timeline.is_empty() {
        return;
    }
    let limit = v.config.tracking.first_event_days;
    let due = add_days(v.shipped, i64::from(limit));
    clock.at(due);
    if v.now < due {
        out.push(
            Finding::new(FindingCode::AwaitingFirstEvent, Severity::Info)
                .due(Some(due))
                .with(base_facts(v, v.shipped, limit)),
        );
    }
}

/// `no_tracking_info`: no events `first_event_days` or more after shipment: write to the
/// seller (draft).
pub(crate) fn no_tracking_info(v: &View<'_>, clock: &mut Clock, out: &mut Vec<Finding>) {
    if !v.subject.timeline.is_empty() {
        return;
    }
    let limit = v.config.tracking.first_event_days;
    if v.passed(v.shipped, limit) {
        let finding = Finding::new(FindingCode::NoTrackingInfo, Severity::Action)
            .with(base_facts(v, v.shipped, limit));
        if only_order_numbers(v) {
            // Nothing to ask the seller about "the track" yet: the step is to find the
            // tracking number (`order_number_not_tracking`), so this is only a note.
            out.push(Finding {
                severity: Severity::Info,
                ..finding
            });
        } else {
            out.push(seller_step(v, clock, finding));
        }
    }
}

/// Whether the number never got past its first events and nothing new came for
/// `fake_after_days`; the instant of the last event.
pub(crate) fn fake_signs(v: &View<'_>) -> Option<Timestamp> {
    let last = v.last_event_at?;
    (v.only_first_events && v.passed(last, v.config.tracking.fake_after_days)).then_some(last)
}

/// `suspected_fake_tracking`: only "info received" / "accepted" events, the last one
/// `fake_after_days` or more ago. The price prior goes into the facts.
pub(crate) fn suspected_fake_tracking(v: &View<'_>, clock: &mut Clock, out: &mut Vec<Finding>) {
    let Some(last) = v.last_event_at.filter(|_| v.only_first_events) else {
        return;
    };
    let limit = v.config.tracking.fake_after_days;
    clock.at(add_days(last, i64::from(limit)));
    if fake_signs(v).is_some() {
        let finding = Finding::new(FindingCode::SuspectedFakeTracking, Severity::Action)
            .with(base_facts(v, last, limit));
        out.push(seller_step(v, clock, finding));
    }
}

/// The stage a parcel whose current milestone is `m` is at, for the stall thresholds; `None`
/// where another rule speaks (first events, awaiting pickup, terminal, returning, identity
/// data requested).
pub(crate) fn stage(v: &View<'_>) -> Option<Stage> {
    use Milestone as M;
    let status = v.status?;
    if v.only_first_events {
        return None;
    }
    Some(match status.milestone {
        M::InfoReceived | M::PickedUp | M::InTransit | M::DepartedOriginCountry => {
            if v.arrived {
                Stage::Destination
            } else {
                Stage::International
            }
        }
        M::Exception | M::Damaged => {
            if v.arrived {
                Stage::Destination
            } else {
                Stage::International
            }
        }
        M::ArrivedDestinationCountry | M::CustomsCleared => Stage::Destination,
        M::CustomsClearance | M::CustomsHold => match status.side {
            Some(Side::Export) => Stage::International,
            Some(Side::Import) => Stage::Customs,
            _ if v.arrived => Stage::Customs,
            _ => Stage::International,
        },
        M::OutForDelivery => Stage::OutForDelivery,
        M::PersonalDataRequired
        | M::DeliveryAttemptFailed
        | M::AvailableForPickup
        | M::Delivered
        | M::ReturningToSender
        | M::Returned
        | M::Lost => return None,
    })
}

/// The stall threshold of a stage, in days.
pub(crate) fn stall_limit(v: &View<'_>, stage: Stage) -> u16 {
    let d = &v.config.tracking.stall_days;
    match stage {
        Stage::International => d.international,
        Stage::Destination => d.destination,
        Stage::Customs => d.customs,
        Stage::OutForDelivery => d.out_for_delivery,
    }
}

/// Whether the parcel is stalled now: its stage and the last event's instant.
pub(crate) fn stall(v: &View<'_>) -> Option<(Stage, Timestamp)> {
    let stage = stage(v)?;
    let last = v.last_event_at?;
    v.passed(last, stall_limit(v, stage))
        .then_some((stage, last))
}

/// `stalled`: it had moved on, then no new event for its stage's limit (20 days on the
/// international leg, 10 in destination transit or customs, 3 out for delivery). Due when a
/// dispute should be opened at the latest.
pub(crate) fn stalled(v: &View<'_>, clock: &mut Clock, out: &mut Vec<Finding>) {
    let (Some(stage), Some(last)) = (stage(v), v.last_event_at) else {
        return;
    };
    let limit = stall_limit(v, stage);
    clock.at(add_days(last, i64::from(limit)));
    if !v.passed(last, limit) {
        return;
    }
    let due = v
        .protection_ends_at
        .map(|end| add_days(end, -i64::from(v.rules.dispute_warning_days)));
    out.push(
        Finding::new(FindingCode::Stalled, Severity::Warning)
            .due(due)
            .with(Facts {
                stage: Some(stage),
                protection_ends_at: v.protection_ends_at,
                protection_assumed: v.protection_assumed,
                ..base_facts(v, last, limit)
            }),
    );
}

#[cfg(test)]
mod tests {
    use posylka_core::event_time::EventTime;
    use posylka_core::{Milestone as M, Side};

    use super::*;
    use crate::rules::testkit::{Case, day, day_h};

    #[test]
    fn no_events_is_normal_until_day_10() {
        let case = Case::new();
        let (found, next) = case.run(awaiting_first_event, day_h(9, 23));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].due_at, Some(day(10)));
        assert_eq!(next, Some(day(10)));
        assert!(case.codes(awaiting_first_event, day(10)).is_empty());

        assert!(case.codes(no_tracking_info, day_h(9, 23)).is_empty());
        let f = case.one(no_tracking_info, day(10));
        assert_eq!((f.severity, f.facts.days), (Severity::Action, Some(10)));
    }

    #[test]
    fn an_order_number_alone_gets_no_letter_to_the_seller() {
        let case = Case::new().numbers(&["3074935419642839"]);
        let f = case.one(no_tracking_info, day(20));
        assert_eq!(f.severity, Severity::Info);
        assert_eq!(f.draft(&jiff::tz::TimeZone::UTC), None);
        let with_real = Case::new().numbers(&["3074935419642839", "RA123456785CN"]);
        let f = with_real.one(no_tracking_info, day(20));
        assert_eq!(f.severity, Severity::Action);
        assert!(f.draft(&jiff::tz::TimeZone::UTC).is_some());
    }

    #[test]
    fn events_end_the_wait() {
        let case = Case::new().event(day(2), M::InfoReceived);
        assert!(case.codes(awaiting_first_event, day(3)).is_empty());
        assert!(case.codes(no_tracking_info, day(30)).is_empty());
    }

    #[test]
    fn without_a_shipped_date_the_clock_starts_when_the_shipment_was_added() {
        // Added on day 1, no order: day 10 is still the wait, day 11 is not.
        let case = Case::new().without_order();
        assert_eq!(case.codes(awaiting_first_event, day(10)).len(), 1);
        assert_eq!(case.codes(no_tracking_info, day(11)).len(), 1);
        // The order's placed date stands in for the shipped date.
        let placed = Case::new().order(|o| {
            o.shipped_at = None;
            o.placed_at = Some(EventTime::utc(day(-2)));
        });
        assert_eq!(placed.codes(no_tracking_info, day(8)).len(), 1);
    }

    #[test]
    fn once_the_seller_is_asked_the_finding_waits_for_the_answer() {
        let asked = Case::new().order(|o| o.seller_contacted_at = Some(EventTime::utc(day(11))));
        let (found, next) = asked.run(no_tracking_info, day(12));
        assert_eq!(found[0].severity, Severity::Warning);
        assert_eq!(found[0].due_at, Some(day(16)));
        assert_eq!(next, Some(day(16)));
        let disputed = Case::new().order(|o| o.dispute_opened_at = Some(EventTime::utc(day(12))));
        assert_eq!(
            disputed.one(no_tracking_info, day(13)).severity,
            Severity::Info
        );
    }

    #[test]
    fn a_number_stuck_at_its_first_events_is_suspect_after_10_days() {
        let case = Case::new()
            .event(day(1), M::InfoReceived)
            .event(day(2), M::PickedUp);
        let (found, next) = case.run(suspected_fake_tracking, day_h(11, 23));
        assert!(found.is_empty());
        assert_eq!(next, Some(day(12)));
        let f = case.one(suspected_fake_tracking, day(12));
        assert_eq!(f.facts.since, Some(day(2)));
        assert_eq!(f.facts.days, Some(10));
        // 12 USD: a real parcel at this price is always tracked.
        assert_eq!(f.facts.price_prior, Some(PricePrior::AlwaysTracked));
        // A number that moved on is not suspect, however long it has been.
        let moved = case.clone().event(day(4), M::InTransit);
        assert!(moved.codes(suspected_fake_tracking, day(40)).is_empty());
    }

    #[test]
    fn the_latest_event_decides_whether_the_number_moved() {
        // A label scan the normaliser could only call "in transit", then the acceptance:
        // still stuck at the first events.
        let early = Case::new()
            .event(day(1), M::InTransit)
            .event(day(2), M::PickedUp);
        assert_eq!(early.codes(suspected_fake_tracking, day(12)).len(), 1);
        assert!(early.codes(stalled, day(40)).is_empty());
        // A parcel that left China is real, even if a stray "accepted" scan comes last.
        let left = Case::new()
            .event(day(1), M::PickedUp)
            .event(day(3), M::DepartedOriginCountry)
            .event(day(4), M::PickedUp);
        assert!(left.codes(suspected_fake_tracking, day(30)).is_empty());
        assert_eq!(left.codes(stalled, day(24)).len(), 1);
    }

    #[test]
    fn the_price_prior_has_its_limits() {
        let prior = |price: &str| {
            Case::new()
                .event(day(1), M::InfoReceived)
                .order(|o| o.price = price.parse().ok())
                .one(suspected_fake_tracking, day(20))
                .facts
                .price_prior
        };
        assert_eq!(prior("4.99 USD"), Some(PricePrior::RarelyTracked));
        assert_eq!(prior("5.00 USD"), Some(PricePrior::UsuallyTracked));
        assert_eq!(prior("10.00 USD"), Some(PricePrior::UsuallyTracked));
        assert_eq!(prior("10.01 USD"), Some(PricePrior::AlwaysTracked));
        // 3000 RUB is about 33 USD at the default rates.
        assert_eq!(prior("3000 RUB"), Some(PricePrior::AlwaysTracked));
        // An unknown currency gives no prior but keeps the price.
        let odd = Case::new()
            .event(day(1), M::InfoReceived)
            .order(|o| o.price = "7 XYZ".parse().ok())
            .one(suspected_fake_tracking, day(20));
        assert_eq!(odd.facts.price_prior, None);
        assert!(odd.facts.price.is_some());
    }

    #[test]
    fn stall_limits_follow_the_stage() {
        // Left China on day 5, nothing since: the international leg allows 20 days.
        let intl = Case::new()
            .event(day(1), M::PickedUp)
            .event(day(5), M::DepartedOriginCountry);
        assert!(intl.codes(stalled, day_h(24, 23)).is_empty());
        let f = intl.one(stalled, day(25));
        assert_eq!(f.facts.stage, Some(Stage::International));
        assert_eq!(f.facts.limit_days, Some(20));
        // Due 7 days before protection ends (day 60).
        assert_eq!(f.due_at, Some(day(53)));

        // Arrived in Russia on day 15: 10 days.
        let dest = Case::new().moving();
        assert!(dest.codes(stalled, day_h(24, 23)).is_empty());
        assert_eq!(
            dest.one(stalled, day(25)).facts.stage,
            Some(Stage::Destination)
        );

        // Import customs: 10 days.
        let customs = Case::new()
            .moving()
            .customs(day(16), M::CustomsClearance, Side::Import);
        assert_eq!(
            customs.one(stalled, day(26)).facts.stage,
            Some(Stage::Customs)
        );
        assert!(customs.codes(stalled, day_h(25, 23)).is_empty());

        // Out for delivery: 3 days.
        let courier = Case::new().moving().event(day(20), M::OutForDelivery);
        assert!(courier.codes(stalled, day_h(22, 23)).is_empty());
        let (found, _) = courier.run(stalled, day(23));
        assert_eq!(found[0].facts.stage, Some(Stage::OutForDelivery));
    }

    #[test]
    fn export_customs_is_the_international_leg_and_the_next_check_is_the_limit() {
        let case = Case::new().event(day(1), M::PickedUp).customs(
            day(3),
            M::CustomsClearance,
            Side::Export,
        );
        let (found, next) = case.run(stalled, day(10));
        assert!(found.is_empty());
        assert_eq!(next, Some(day(23)));
    }

    #[test]
    fn stalled_stays_silent_where_other_rules_speak() {
        for m in [
            M::Delivered,
            M::AvailableForPickup,
            M::ReturningToSender,
            M::Lost,
            M::PersonalDataRequired,
        ] {
            let case = Case::new().moving().event(day(16), m);
            assert!(case.codes(stalled, day(50)).is_empty(), "{m}");
        }
        // Only first events: the fake rule's business.
        let first = Case::new().event(day(1), M::InfoReceived);
        assert!(first.codes(stalled, day(50)).is_empty());
    }
}
