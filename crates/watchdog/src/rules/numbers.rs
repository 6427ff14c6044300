//! Rules on the numbers themselves, judged by the recogniser (`tracknum`).

use super::Clock;
use crate::finding::{Facts, Finding, FindingCode, NumberProblem, Severity};
use crate::view::View;

/// Whether any event was reported under the shipment's `index`-th number: a number a carrier
/// reports on is real, whatever its format says.
fn has_events(v: &View<'_>, index: usize) -> bool {
    let number = &v.subject.numbers[index];
    v.subject
        .timeline
        .events()
        .iter()
        .any(|e| e.sources.iter().any(|r| &r.number == number))
}

fn number_facts(v: &View<'_>, index: usize) -> Facts {
    Facts {
        number: Some(v.subject.numbers[index].as_str().to_owned()),
        order_number: v.subject.order.map(|o| o.order_number().to_owned()),
        ..Facts::default()
    }
}

/// `order_number_not_tracking`: a "tracking number" is the marketplace order number. An action
/// while nothing is tracked; only a note once another number brings events.
pub(crate) fn order_number_not_tracking(v: &View<'_>, _: &mut Clock, out: &mut Vec<Finding>) {
    for (i, info) in v.numbers.iter().enumerate() {
        if info.order_number && !has_events(v, i) {
            let severity = if v.subject.timeline.is_empty() {
                Severity::Action
            } else {
                Severity::Info
            };
            out.push(
                Finding::new(FindingCode::OrderNumberNotTracking, severity)
                    .with(number_facts(v, i)),
            );
        }
    }
}

/// `invalid_number`: no format fits, the check digit is wrong, or the serial is one never
/// used. Silent for a number the carrier reports on. A wrong check digit or a never-used
/// serial is an action (a typo to correct, or an invented number); an unknown format only a
/// warning (the recogniser does not know every carrier).
pub(crate) fn invalid_number(v: &View<'_>, _: &mut Clock, out: &mut Vec<Finding>) {
    for (i, info) in v.numbers.iter().enumerate() {
        let Some(problem) = info.problem else {
            continue;
        };
        if has_events(v, i) {
            continue;
        }
        let severity = match problem {
            NumberProblem::UnknownFormat => Severity::Warning,
            _ => Severity::Action,
        };
        out.push(
            Finding::new(FindingCode::InvalidNumber, severity).with(Facts {
                number_problem: Some(problem),
                ..number_facts(v, i)
            }),
        );
    }
}

/// `domestic_number`: a number tracked only in its origin country. Silent when the country is
/// the destination (the last-mile number, tracked where it matters) or when another number of
/// the shipment is tracked across borders.
pub(crate) fn domestic_number(v: &View<'_>, _: &mut Clock, out: &mut Vec<Finding>) {
    if v.numbers.iter().any(|n| n.international) {
        return;
    }
    let destination = v.destination_country();
    for (i, info) in v.numbers.iter().enumerate() {
        let Some(country) = info.domestic else {
            continue;
        };
        if country.is_some() && country == destination {
            continue;
        }
        out.push(
            Finding::new(FindingCode::DomesticNumber, Severity::Info).with(Facts {
                country: country.map(|c| c.as_str().to_owned()),
                expected_country: destination.map(|c| c.as_str().to_owned()),
                ..number_facts(v, i)
            }),
        );
    }
}

#[cfg(test)]
mod tests {
    use posylka_core::Milestone;

    use super::*;
    use crate::rules::testkit::{Case, day};

    #[test]
    fn an_order_number_is_flagged_until_another_number_tracks() {
        let case = Case::new().numbers(&["3074935419642839"]);
        let f = case.one(order_number_not_tracking, day(3));
        assert_eq!(f.severity, Severity::Action);
        assert_eq!(f.facts.number.as_deref(), Some("3074935419642839"));
        // A real number was added and tracks: the mix-up is only a note.
        let tracked = Case::new()
            .numbers(&["RA123456785CN", "3074935419642839"])
            .event(day(2), Milestone::PickedUp);
        assert_eq!(
            tracked.one(order_number_not_tracking, day(3)).severity,
            Severity::Info
        );
        // A genuine tracking number is not one.
        assert!(
            Case::new()
                .codes(order_number_not_tracking, day(3))
                .is_empty()
        );
    }

    #[test]
    fn a_check_digit_typo_is_an_action_naming_the_expected_digit() {
        let f = Case::new()
            .numbers(&["RA123456786CN"])
            .one(invalid_number, day(3));
        assert_eq!(f.severity, Severity::Action);
        assert_eq!(
            f.facts.number_problem,
            Some(NumberProblem::CheckDigit {
                expected: '5',
                found: '6'
            })
        );
    }

    #[test]
    fn unknown_formats_warn_and_serial_zero_is_suspect() {
        let unknown = Case::new().numbers(&["YT1234567890123"]);
        let f = unknown.one(invalid_number, day(3));
        assert_eq!(
            (f.severity, f.facts.number_problem),
            (Severity::Warning, Some(NumberProblem::UnknownFormat))
        );
        let zero = Case::new()
            .numbers(&["RS000000005CN"])
            .one(invalid_number, day(3));
        assert_eq!(
            zero.facts.number_problem,
            Some(NumberProblem::SuspiciousSerial)
        );
        // A number the carrier reports on is real, whatever its format.
        let reported = Case::new()
            .numbers(&["YT1234567890123"])
            .event(day(2), Milestone::PickedUp);
        assert!(reported.codes(invalid_number, day(3)).is_empty());
        assert!(Case::new().codes(invalid_number, day(3)).is_empty());
    }

    #[test]
    fn a_domestic_number_of_the_origin_is_flagged_but_not_one_of_the_destination() {
        // A CDEK (Russian) number on a parcel to Kazakhstan goes dark at the Russian border.
        let abroad = Case::new()
            .numbers(&["1234567890"])
            .order(|o| o.destination.country = "KZ".parse().ok());
        let f = abroad.one(domestic_number, day(3));
        assert_eq!(f.facts.country.as_deref(), Some("RU"));
        // The same number for a parcel to Russia is its last-mile number.
        assert!(
            Case::new()
                .numbers(&["1234567890"])
                .codes(domestic_number, day(3))
                .is_empty()
        );
        // With an international number beside it, tracking goes on under that one.
        assert!(
            Case::new()
                .numbers(&["RA123456785CN", "1234567890"])
                .order(|o| o.destination.country = "KZ".parse().ok())
                .codes(domestic_number, day(3))
                .is_empty()
        );
    }
}
