//! The watchdog's verdict on a stored shipment, for the page: findings whose messages and
//! drafts are made in the visitor's language and time zone (the API's [`crate::findings`]
//! shapes carry one language's text, so the page asks the watchdog itself).

use std::sync::OnceLock;

use jiff::Timestamp;
use posylka_core::Milestone;
use posylka_store::ShipmentTimeline;
use posylka_watchdog::{Config, Lang, Report, Severity, check_stored};

/// The watchdog's rules: the embedded defaults, read once.
fn rules() -> &'static Config {
    static RULES: OnceLock<Config> = OnceLock::new();
    RULES.get_or_init(Config::default)
}

/// What the watchdog says about `st` at `now`.
pub(crate) fn report(st: &ShipmentTimeline, now: Timestamp) -> Report {
    check_stored(st, now, rules())
}

/// How urgent a report is, for sorting the list: the most severe finding's severity (none
/// lowest), then its deadline (sooner first, none last).
pub(crate) fn urgency(report: &Report) -> (u8, std::cmp::Reverse<Option<Timestamp>>) {
    let top = report.findings.first();
    let rank = top.map_or(0, |f| match f.severity {
        Severity::Info => 1,
        Severity::Warning => 2,
        Severity::Action => 3,
    });
    // `None` sorts before `Some` in `Option`; a finding without a deadline is less pressing
    // than one with, so map it past every instant.
    let due = top.map(|f| f.due_at.unwrap_or(Timestamp::MAX));
    (rank, std::cmp::Reverse(due))
}

/// A milestone in plain words.
pub(crate) fn milestone_label(lang: Lang, m: Milestone) -> &'static str {
    match lang {
        Lang::En => m.label_en(),
        Lang::Ru => m.label_ru(),
    }
}

/// The stage groups the list filters by, in the filter's order.
pub(crate) const STAGE_GROUPS: [&str; 6] = [
    "waiting",
    "moving",
    "customs",
    "collect",
    "delivered",
    "trouble",
];

/// The stage group of a current milestone (`None`: no events yet).
pub(crate) fn stage_group(m: Option<Milestone>) -> &'static str {
    use Milestone as M;
    match m {
        None | Some(M::InfoReceived) => "waiting",
        Some(
            M::PickedUp | M::InTransit | M::DepartedOriginCountry | M::ArrivedDestinationCountry,
        ) => "moving",
        Some(
            M::CustomsClearance | M::CustomsHold | M::PersonalDataRequired | M::CustomsCleared,
        ) => "customs",
        Some(M::OutForDelivery | M::DeliveryAttemptFailed | M::AvailableForPickup) => "collect",
        Some(M::Delivered) => "delivered",
        Some(M::ReturningToSender | M::Returned | M::Exception | M::Lost | M::Damaged) => "trouble",
    }
}

/// A marketplace's name as people write it (`aliexpress` -> `AliExpress`), from the order
/// formats of the recognition catalogue; the stored key when none matches.
pub(crate) fn marketplace_name(key: &str) -> String {
    tracknum::catalog()
        .formats()
        .iter()
        .find(|f| f.kind == tracknum::Kind::OrderNumber && f.carrier.id.eq_ignore_ascii_case(key))
        .map_or_else(|| key.to_owned(), |f| f.carrier.name.clone())
}

/// The carrier a number's best interpretation names (`China Post`), if it is recognised.
pub(crate) fn carrier_name(number: &str) -> Option<String> {
    tracknum::identify(number)
        .best()
        .map(|c| c.carrier.name.clone())
}

#[cfg(test)]
mod tests {
    use posylka_watchdog::{Finding, FindingCode};

    use super::*;

    fn report_with(findings: Vec<Finding>) -> Report {
        Report {
            milestone: None,
            protection_ends_at: None,
            eta: None,
            findings,
            next_check_at: None,
        }
    }

    #[test]
    fn marketplaces_are_named_as_people_write_them() {
        assert_eq!(marketplace_name("aliexpress"), "AliExpress");
        assert_eq!(marketplace_name("my-shop"), "my-shop");
    }

    #[test]
    fn action_before_warning_and_sooner_before_later() {
        let soon: Timestamp = "2024-05-01T00:00:00Z".parse().expect("ts");
        let later: Timestamp = "2024-06-01T00:00:00Z".parse().expect("ts");
        let action_later = report_with(vec![
            Finding::new(FindingCode::Stalled, Severity::Action).due(Some(later)),
        ]);
        let action_soon = report_with(vec![
            Finding::new(FindingCode::Stalled, Severity::Action).due(Some(soon)),
        ]);
        let action_undated = report_with(vec![Finding::new(FindingCode::Lost, Severity::Action)]);
        let warning = report_with(vec![
            Finding::new(FindingCode::Stalled, Severity::Warning).due(Some(soon)),
        ]);
        let nothing = report_with(vec![]);
        let mut all = [
            &nothing,
            &warning,
            &action_undated,
            &action_later,
            &action_soon,
        ];
        all.sort_by_key(|r| std::cmp::Reverse(urgency(r)));
        assert_eq!(
            all.map(|r| (urgency(r).0, r.findings.first().and_then(|f| f.due_at))),
            [
                (3, Some(soon)),
                (3, Some(later)),
                (3, None),
                (2, Some(soon)),
                (0, None),
            ]
        );
    }
}
