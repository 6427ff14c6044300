//! Rules on customs: identity data requested, a hold, the duty over the duty-free limit.

use jiff::tz::TimeZone;
use posylka_core::timeline::TimelineEvent;
use posylka_core::{Milestone, Reason, Side};

use super::Clock;
use crate::finding::{DutyEstimate, Facts, Finding, FindingCode, Severity};
use crate::view::{View, add_days};

/// An event after which customs no longer waits for the recipient: released, or further
/// along (delivery, return, terminal).
fn past_customs(m: Milestone) -> bool {
    use Milestone as M;
    matches!(
        m,
        M::CustomsCleared
            | M::OutForDelivery
            | M::DeliveryAttemptFailed
            | M::AvailableForPickup
            | M::Delivered
            | M::ReturningToSender
            | M::Returned
            | M::Lost
    )
}

fn event_facts(e: &TimelineEvent) -> Facts {
    Facts {
        since: Some(e.at.instant()),
        carrier: crate::view::reporter(e),
        location: e.location.clone(),
        reason: e.reason,
        ..Facts::default()
    }
}

/// `customs_data_required`: the latest identity-data request with nothing after it that
/// shows customs moved on. Due `customs_data_days` (7) after the request.
pub(crate) fn customs_data_required(v: &View<'_>, clock: &mut Clock, out: &mut Vec<Finding>) {
    let events = v.subject.timeline.events();
    let Some(at) = events
        .iter()
        .rposition(|e| e.milestone == Milestone::PersonalDataRequired)
    else {
        return;
    };
    if events[at + 1..].iter().any(|e| past_customs(e.milestone)) {
        return;
    }
    let request = &events[at];
    let limit = v.config.tracking.customs_data_days;
    let due = add_days(request.at.instant(), i64::from(limit));
    clock.at(due);
    out.push(
        Finding::new(FindingCode::CustomsDataRequired, Severity::Action)
            .due(Some(due))
            .with(Facts {
                number: v.subject.numbers.first().map(|n| n.as_str().to_owned()),
                days: Some(v.days_since(request.at.instant())),
                limit_days: Some(u32::from(limit)),
                ..event_facts(request)
            }),
    );
}

/// `customs_hold`: the current status is a customs hold (identity data has its own rule). A
/// hold for payment is an action; others a warning.
pub(crate) fn customs_hold(v: &View<'_>, _: &mut Clock, out: &mut Vec<Finding>) {
    let Some(status) = v.status.filter(|s| s.milestone == Milestone::CustomsHold) else {
        return;
    };
    let Some(event) = v
        .subject
        .timeline
        .events()
        .iter()
        .rfind(|e| e.milestone == Milestone::CustomsHold)
    else {
        return;
    };
    let severity = if status.reason == Some(Reason::PaymentDue) {
        Severity::Action
    } else {
        Severity::Warning
    };
    out.push(
        Finding::new(FindingCode::CustomsHold, severity).with(Facts {
            number: v.subject.numbers.first().map(|n| n.as_str().to_owned()),
            days: Some(v.days_since(event.at.instant())),
            ..event_facts(event)
        }),
    );
}

/// The duty on the order under the regime in force when customs sees the parcel (its first
/// import-customs or arrival event; until then, now), or `None` when under the limit or
/// when the price, destination, rate or regime is unknown.
pub(crate) fn duty_estimate(v: &View<'_>) -> Option<DutyEstimate> {
    let order = v.subject.order?;
    let price = order.price?;
    let country = order.destination.country?;
    let duty = &v.config.duty;
    if !duty.applies_to(country.as_str()) {
        return None;
    }
    let at_customs = v
        .subject
        .timeline
        .events()
        .iter()
        .find(|e| {
            e.milestone == Milestone::ArrivedDestinationCountry
                || (matches!(
                    e.milestone,
                    Milestone::CustomsClearance
                        | Milestone::CustomsHold
                        | Milestone::PersonalDataRequired
                ) && e.side != Some(Side::Export))
        })
        .map_or(v.now, |e| e.at.instant());
    // Customs dates are Moscow-time days in practice; UTC is within hours of them and keeps
    // the rule free of zone data.
    let day = at_customs.to_zoned(TimeZone::UTC).date();
    let regime = duty.regime_on(day)?;
    let value = v.config.currency.eur_cents(price)?;
    // The order carries no weight: by value only.
    let duty_eur_cents = regime.duty_eur_cents(value, None, duty.per_kg_basis)?;
    let duty_order_cents = v
        .config
        .currency
        .per_eur(price.currency())
        .map(|rate| (duty_eur_cents as f64 * rate).round() as i64);
    Some(DutyEstimate {
        value_eur_cents: value,
        limit_eur: regime.limit_eur,
        duty_eur_cents,
        duty_order_cents,
        rate_percent: regime.rate_percent,
        on_whole_value: regime.on_whole_value,
        regime_from: regime.from,
    })
}

/// `duty_due`: the order's value is over the duty-free limit of the destination's regime;
/// the estimate goes in the facts. Silent once the parcel is delivered, returning or lost.
pub(crate) fn duty_due(v: &View<'_>, clock: &mut Clock, out: &mut Vec<Finding>) {
    if v.milestone()
        .is_some_and(|m| m.is_terminal() || m == Milestone::ReturningToSender)
    {
        return;
    }
    // Before customs the regime is the one in force now: the next regime's first day may
    // change the estimate.
    if let Some(next) = v
        .config
        .duty
        .regimes
        .iter()
        .map(|r| r.from)
        .find(|d| *d > v.now.to_zoned(TimeZone::UTC).date())
        && let Ok(t) = next.to_zoned(TimeZone::UTC)
    {
        clock.at(t.timestamp());
    }
    let Some(duty) = duty_estimate(v) else {
        return;
    };
    let price = v.subject.order.and_then(|o| o.price).map(Into::into);
    out.push(
        Finding::new(FindingCode::DutyDue, Severity::Warning).with(Facts {
            duty: Some(duty),
            price,
            expected_country: v.destination_country().map(|c| c.as_str().to_owned()),
            ..Facts::default()
        }),
    );
}

#[cfg(test)]
mod tests {
    use posylka_core::Milestone as M;

    use super::*;
    use crate::rules::testkit::{Case, day, day_h};

    #[test]
    fn identity_data_is_due_7_days_after_the_request() {
        let case = Case::new()
            .moving()
            .customs(day(16), M::PersonalDataRequired, Side::Import);
        let (found, next) = case.run(customs_data_required, day(17));
        assert_eq!(found[0].due_at, Some(day(23)));
        assert_eq!(next, Some(day(23)));
        assert_eq!(found[0].facts.carrier.as_deref(), Some("test-post"));
        // Still an action after the window, with the same deadline.
        assert_eq!(
            case.one(customs_data_required, day(24)).due_at,
            Some(day(23))
        );
        // Released: done.
        let released = case.clone().event(day(18), M::CustomsCleared);
        assert!(released.codes(customs_data_required, day(19)).is_empty());
        // A hold after the request does not mean the data was given.
        let held = case.customs(day(18), M::CustomsHold, Side::Import);
        assert_eq!(held.codes(customs_data_required, day_h(18, 1)).len(), 1);
    }

    #[test]
    fn a_customs_hold_for_payment_is_an_action() {
        let plain = Case::new()
            .moving()
            .customs(day(16), M::CustomsHold, Side::Import);
        assert_eq!(plain.one(customs_hold, day(17)).severity, Severity::Warning);
        let pay = Case::new()
            .moving()
            .reason(day(16), M::CustomsHold, Reason::PaymentDue);
        let f = pay.one(customs_hold, day(17));
        assert_eq!(
            (f.severity, f.facts.reason),
            (Severity::Action, Some(Reason::PaymentDue))
        );
        assert!(Case::new().moving().codes(customs_hold, day(17)).is_empty());
    }

    #[test]
    fn duty_is_15_percent_of_the_excess_over_200_euros() {
        // 300 EUR on 2024-05-16 (arrival): the EUR 200 regime, 15% of 100 = 15 EUR.
        let case = Case::new()
            .moving()
            .order(|o| o.price = "300.00 EUR".parse().ok());
        let f = case.one(duty_due, day(17));
        let duty = f.facts.duty.expect("estimate");
        assert_eq!((duty.limit_eur, duty.duty_eur_cents), (200, 1500));
        assert_eq!(duty.duty_order_cents, Some(1500));
        // Exactly at the limit: no duty.
        let at_limit = Case::new()
            .moving()
            .order(|o| o.price = "200.00 EUR".parse().ok());
        assert!(at_limit.codes(duty_due, day(17)).is_empty());
        // Other destinations have other rules.
        let de = case
            .clone()
            .order(|o| o.destination.country = "DE".parse().ok());
        assert!(de.codes(duty_due, day(17)).is_empty());
        // Delivered: too late to matter.
        assert!(
            case.event(day(20), M::Delivered)
                .codes(duty_due, day(21))
                .is_empty()
        );
    }

    #[test]
    fn the_regime_is_the_one_in_force_when_customs_sees_the_parcel() {
        // In 2023 the temporary EUR 1000 limit applied: 300 EUR was duty-free.
        let case = Case::new()
            .order(|o| o.price = "300.00 EUR".parse().ok())
            .event(
                "2023-06-01T00:00:00Z".parse().expect("ts"),
                M::ArrivedDestinationCountry,
            );
        assert!(case.codes(duty_due, day(0)).is_empty());
        // From July 2026, 5% of the whole value: 250 EUR -> 12.50 EUR.
        let ecommerce = Case::new()
            .order(|o| o.price = "250.00 EUR".parse().ok())
            .event(
                "2026-07-02T00:00:00Z".parse().expect("ts"),
                M::ArrivedDestinationCountry,
            );
        let duty = ecommerce
            .one(duty_due, "2026-07-03T00:00:00Z".parse().expect("ts"))
            .facts
            .duty
            .expect("estimate");
        assert!(duty.on_whole_value);
        assert_eq!(duty.duty_eur_cents, 1250);
    }

    #[test]
    fn prices_are_converted_and_the_next_regime_is_a_check_point() {
        // 30000 RUB at 92 RUB/EUR = 326.09 EUR: duty 15% of 126.09 = 18.91 EUR, in roubles.
        let rub = Case::new()
            .moving()
            .order(|o| o.price = "30000 RUB".parse().ok());
        let duty = rub.one(duty_due, day(17)).facts.duty.expect("estimate");
        assert_eq!(duty.value_eur_cents, 32609);
        assert_eq!(duty.duty_eur_cents, 1891);
        assert_eq!(duty.duty_order_cents, Some(173972));
        let (_, next) = Case::new().run(duty_due, day(1));
        assert_eq!(next, "2026-07-01T00:00:00Z".parse().ok());
    }
}
