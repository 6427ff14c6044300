//! Rules on the last mile and the end of the journey: delivered (here or elsewhere), failed
//! attempts, awaiting pickup, returns, loss.

use posylka_core::Milestone;
use posylka_core::timeline::TimelineEvent;

use super::Clock;
use crate::finding::{Facts, Finding, FindingCode, Severity};
use crate::view::{View, add_days};

fn last_event<'a>(v: &View<'a>, m: Milestone) -> Option<&'a TimelineEvent> {
    v.subject
        .timeline
        .events()
        .iter()
        .rfind(|e| e.milestone == m)
}

fn event_facts(v: &View<'_>, e: &TimelineEvent) -> Facts {
    Facts {
        number: v.subject.numbers.first().map(|n| n.as_str().to_owned()),
        order_number: v.subject.order.map(|o| o.order_number().to_owned()),
        since: Some(e.at.instant()),
        days: Some(v.days_since(e.at.instant())),
        location: e.location.clone(),
        carrier: crate::view::reporter(e),
        reason: e.reason,
        protection_ends_at: v.protection_ends_at,
        ..Facts::default()
    }
}

/// `delivered_elsewhere`: the latest delivery or pickup event is in another country than the
/// destination, or names a postcode of another city (the first `postcode_prefix_digits`
/// differ): someone else's parcel, and a "delivered" starts the short protection countdown.
/// Act now; due when protection ends.
pub(crate) fn delivered_elsewhere(v: &View<'_>, _: &mut Clock, out: &mut Vec<Finding>) {
    // Once the parcel is going back, the return is what matters.
    if !matches!(
        v.milestone(),
        Some(Milestone::Delivered | Milestone::AvailableForPickup)
    ) {
        return;
    }
    let Some(place) = v.elsewhere() else { return };
    let dest = v.subject.order.map(|o| &o.destination);
    out.push(
        Finding::new(FindingCode::DeliveredElsewhere, Severity::Action)
            .due(v.protection_ends_at)
            .with(Facts {
                country: place.country.map(|c| c.as_str().to_owned()),
                expected_country: dest.and_then(|d| d.country).map(|c| c.as_str().to_owned()),
                postcode: place.postcode.map(str::to_owned),
                expected_postcode: place.postcode.and(dest.and_then(|d| d.postcode.clone())),
                milestone: Some(place.event.milestone),
                shipped_at: Some(v.shipped),
                ..event_facts(v, place.event)
            }),
    );
}

/// `delivered`: delivered where expected. Confirm receipt and leave feedback, warning others
/// when one of the numbers looked fake; due when the (cut) protection ends, the last moment
/// to dispute if the parcel is not actually in hand.
pub(crate) fn delivered(v: &View<'_>, clock: &mut Clock, out: &mut Vec<Finding>) {
    if !v.delivered() || v.elsewhere().is_some() {
        return;
    }
    if let Some(end) = v.protection_ends_at {
        clock.at(end);
    }
    let Some(event) = last_event(v, Milestone::Delivered) else {
        return;
    };
    let fake_track = v.numbers.iter().enumerate().any(|(i, n)| {
        let number = &v.subject.numbers[i];
        let silent = !v
            .subject
            .timeline
            .events()
            .iter()
            .any(|e| e.sources.iter().any(|r| &r.number == number));
        n.problem.is_some() || n.order_number || (n.international && silent)
    });
    out.push(
        Finding::new(FindingCode::Delivered, Severity::Info)
            .due(v.protection_ends_at.filter(|e| *e > v.now))
            .with(Facts {
                fake_track,
                ..event_facts(v, event)
            }),
    );
}

/// `delivery_attempt_failed`: the current status is a failed attempt. Due when the pickup
/// point would send it back.
pub(crate) fn delivery_attempt_failed(v: &View<'_>, clock: &mut Clock, out: &mut Vec<Finding>) {
    if v.milestone() != Some(Milestone::DeliveryAttemptFailed) {
        return;
    }
    let Some(event) = last_event(v, Milestone::DeliveryAttemptFailed) else {
        return;
    };
    let due = add_days(
        event.at.instant(),
        i64::from(v.config.tracking.pickup_storage_days),
    );
    clock.at(due);
    out.push(
        Finding::new(FindingCode::DeliveryAttemptFailed, Severity::Action)
            .due(Some(due))
            .with(event_facts(v, event)),
    );
}

/// `available_for_pickup`: waiting at a post office, pickup point or locker (in the buyer's
/// city). Due when the storage period ends.
pub(crate) fn available_for_pickup(v: &View<'_>, clock: &mut Clock, out: &mut Vec<Finding>) {
    if v.milestone() != Some(Milestone::AvailableForPickup) || v.elsewhere().is_some() {
        return;
    }
    let Some(event) = last_event(v, Milestone::AvailableForPickup) else {
        return;
    };
    let limit = v.config.tracking.pickup_storage_days;
    let due = add_days(event.at.instant(), i64::from(limit));
    clock.at(due);
    out.push(
        Finding::new(FindingCode::AvailableForPickup, Severity::Action)
            .due(Some(due))
            .with(Facts {
                limit_days: Some(u32::from(limit)),
                ..event_facts(v, event)
            }),
    );
}

/// `returning_to_sender`: the parcel is going back to the seller, or is back.
pub(crate) fn returning_to_sender(v: &View<'_>, _: &mut Clock, out: &mut Vec<Finding>) {
    let m = match v.milestone() {
        Some(m @ (Milestone::ReturningToSender | Milestone::Returned)) => m,
        _ => return,
    };
    let Some(event) = last_event(v, m) else {
        return;
    };
    out.push(
        Finding::new(FindingCode::ReturningToSender, Severity::Action).with(Facts {
            returned: m == Milestone::Returned,
            dispute_open: v.dispute_open,
            ..event_facts(v, event)
        }),
    );
}

/// `lost`: the carrier declared the parcel lost.
pub(crate) fn lost(v: &View<'_>, _: &mut Clock, out: &mut Vec<Finding>) {
    if v.milestone() != Some(Milestone::Lost) {
        return;
    }
    let Some(event) = last_event(v, Milestone::Lost) else {
        return;
    };
    out.push(
        Finding::new(FindingCode::Lost, Severity::Action).with(Facts {
            dispute_open: v.dispute_open,
            ..event_facts(v, event)
        }),
    );
}

#[cfg(test)]
mod tests {
    use posylka_core::{Milestone as M, Reason};

    use super::*;
    use crate::rules::testkit::{Case, day};

    fn delivered_in(country: Option<&str>, location: Option<&str>) -> Case {
        Case::new().moving().event_with(day(25), M::Delivered, |r| {
            r.country = country.and_then(|c| c.parse().ok());
            r.location = location.map(str::to_owned);
        })
    }

    #[test]
    fn delivered_in_another_country_replaces_delivered() {
        let case = delivered_in(Some("CA"), None);
        let f = case.one(delivered_elsewhere, day(26));
        assert_eq!(f.severity, Severity::Action);
        assert_eq!(f.facts.country.as_deref(), Some("CA"));
        // Protection cut to delivered + 5 days.
        assert_eq!(f.due_at, Some(day(30)));
        assert!(case.codes(delivered, day(26)).is_empty());
        let codes: Vec<_> = case.report(day(26)).codes().collect();
        assert!(codes.contains(&FindingCode::DeliveredElsewhere));
        assert!(!codes.contains(&FindingCode::Delivered));
    }

    #[test]
    fn delivered_at_another_citys_postcode_is_elsewhere_but_the_same_city_is_not() {
        // Kazan is 420xxx; 630xxx is Novosibirsk.
        let far = delivered_in(None, Some("Новосибирск 630099"));
        let f = far.one(delivered_elsewhere, day(26));
        assert_eq!(f.facts.postcode.as_deref(), Some("630099"));
        assert_eq!(f.facts.expected_postcode.as_deref(), Some("420000"));
        // Another post office in Kazan: delivered here.
        let near = delivered_in(Some("RU"), Some("Казань 420015"));
        assert!(near.codes(delivered_elsewhere, day(26)).is_empty());
        assert_eq!(near.codes(delivered, day(26)), [FindingCode::Delivered]);
        // The postcode may be in the event text instead of the location.
        let text = Case::new().moving().event_with(day(25), M::Delivered, |r| {
            r.text = "Вручение адресату 191025".into();
        });
        assert_eq!(text.codes(delivered_elsewhere, day(26)).len(), 1);
        // Without a destination postcode, a postcode proves nothing.
        let unknown = far.order(|o| o.destination.postcode = None);
        assert!(unknown.codes(delivered_elsewhere, day(26)).is_empty());
    }

    #[test]
    fn a_pickup_point_elsewhere_counts_too() {
        let case = Case::new()
            .moving()
            .event_with(day(25), M::AvailableForPickup, |r| {
                r.country = "BY".parse().ok();
            });
        assert_eq!(case.codes(delivered_elsewhere, day(26)).len(), 1);
        assert!(case.codes(available_for_pickup, day(26)).is_empty());
        // Its protection is not cut: no delivered event.
        assert_eq!(case.report(day(26)).protection_ends_at, Some(day(60)));
    }

    #[test]
    fn delivered_here_is_info_due_when_the_cut_protection_ends() {
        let case = delivered_in(Some("RU"), Some("Казань 420000"));
        let f = case.one(delivered, day(26));
        assert_eq!((f.severity, f.due_at), (Severity::Info, Some(day(30))));
        assert!(!f.facts.fake_track);
        assert_eq!(case.one(delivered, day(31)).due_at, None);
    }

    #[test]
    fn delivered_mentions_a_fake_number_among_the_shipments() {
        // The seller's RS number never showed anything; the parcel came under a real one.
        let case = Case::new()
            .numbers(&["RA123456785CN", "RS123456785CN"])
            .moving()
            .event(day(25), M::Delivered);
        assert!(case.one(delivered, day(26)).facts.fake_track);
    }

    #[test]
    fn last_mile_states_come_with_their_deadlines() {
        let failed =
            Case::new()
                .moving()
                .reason(day(20), M::DeliveryAttemptFailed, Reason::AddressIssue);
        let (found, next) = failed.run(delivery_attempt_failed, day(21));
        assert_eq!(found[0].facts.reason, Some(Reason::AddressIssue));
        assert_eq!(found[0].due_at, Some(day(50)));
        assert_eq!(next, Some(day(50)));

        let pickup = Case::new().moving().event(day(20), M::AvailableForPickup);
        let f = pickup.one(available_for_pickup, day(21));
        assert_eq!((f.due_at, f.facts.limit_days), (Some(day(50)), Some(30)));
        // Collected: no longer waiting.
        let collected = pickup.event(day(22), M::Delivered);
        assert!(collected.codes(available_for_pickup, day(23)).is_empty());
    }

    #[test]
    fn returns_and_losses_are_reported_as_the_timeline_says() {
        let back = Case::new().moving().event(day(20), M::ReturningToSender);
        assert!(!back.one(returning_to_sender, day(21)).facts.returned);
        let home = back.event(day(40), M::Returned);
        assert!(home.one(returning_to_sender, day(41)).facts.returned);
        // A return after a "delivered" is a return, not a delivery.
        let refused = Case::new()
            .moving()
            .event(day(20), M::Delivered)
            .event(day(22), M::ReturningToSender);
        assert_eq!(refused.codes(returning_to_sender, day(23)).len(), 1);
        assert!(refused.codes(delivered, day(23)).is_empty());
        let lost_case = Case::new().moving().event(day(30), M::Lost);
        assert_eq!(lost_case.codes(lost, day(31)), [FindingCode::Lost]);
    }
}
