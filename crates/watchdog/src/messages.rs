//! Findings as text: messages in Russian or English and drafts in English, from the Fluent
//! files under `locales/` (embedded at compile time). Dates are shown in the user's zone.
//!
//! Each finding code is one Fluent message of the same name; drafts are `draft-seller`,
//! `draft-dispute`, `draft-elsewhere` and `draft-overdue`. Optional facts arrive as `"none"`
//! and flags as `"yes"`/`"no"`, so the files pick their wording with selectors.

use std::borrow::Cow;
use std::collections::HashMap;
use std::str::FromStr;

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader as _, langid, static_loader};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use posylka_core::Milestone;
use serde::Serialize;

use crate::finding::{
    DisputeReason, Finding, FindingCode, NumberProblem, PricePrior, Severity, Stage,
};

static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "en-US",
        // Isolation marks around every argument would end up in terminals and e-mails.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

static ENGLISH: LanguageIdentifier = langid!("en-US");
static RUSSIAN: LanguageIdentifier = langid!("ru");

/// The language of messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Lang {
    /// English.
    En,
    /// Russian.
    Ru,
}

/// Not a language the watchdog speaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unsupported language {0:?}: expected en or ru")]
pub struct UnknownLang(pub String);

impl Lang {
    /// The language of a POSIX locale value (`ru_RU.UTF-8`, `en_GB`, `ru`), or `None` for
    /// `C`, `POSIX` and languages without messages.
    pub fn from_locale(locale: &str) -> Option<Self> {
        let language = locale.split(['.', '@']).next()?.split(['_', '-']).next()?;
        language.parse().ok()
    }

    /// The stable key (`en`, `ru`).
    pub const fn key(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ru => "ru",
        }
    }

    fn id(self) -> &'static LanguageIdentifier {
        match self {
            Lang::En => &ENGLISH,
            Lang::Ru => &RUSSIAN,
        }
    }

    fn milestone(self, m: Milestone) -> &'static str {
        match self {
            Lang::En => m.label_en(),
            Lang::Ru => m.label_ru(),
        }
    }
}

impl FromStr for Lang {
    type Err = UnknownLang;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "en" | "english" => Ok(Lang::En),
            "ru" | "russian" => Ok(Lang::Ru),
            _ => Err(UnknownLang(s.chars().take(32).collect())),
        }
    }
}

type Args = HashMap<Cow<'static, str>, FluentValue<'static>>;

struct Builder<'a> {
    args: Args,
    lang: Lang,
    tz: &'a TimeZone,
}

impl Builder<'_> {
    fn text(&mut self, key: &'static str, value: impl Into<String>) {
        self.args
            .insert(Cow::Borrowed(key), FluentValue::from(value.into()));
    }

    fn opt(&mut self, key: &'static str, value: Option<impl Into<String>>) {
        match value {
            Some(v) => self.text(key, v),
            None => self.text(key, "none"),
        }
    }

    fn flag(&mut self, key: &'static str, value: bool) {
        self.text(key, if value { "yes" } else { "no" });
    }

    fn number(&mut self, key: &'static str, value: Option<u32>) {
        self.args
            .insert(Cow::Borrowed(key), FluentValue::from(value.unwrap_or(0)));
    }

    fn date(&mut self, key: &'static str, at: Option<Timestamp>) {
        let text = at.map(|t| date(self.lang, self.tz, t));
        self.opt(key, text);
    }
}

/// A day as the language writes it (`2024-05-14`, `14.05.2024`), in the user's zone.
pub fn date(lang: Lang, tz: &TimeZone, at: Timestamp) -> String {
    at.to_zoned(tz.clone())
        .strftime(day_format(lang))
        .to_string()
}

fn day_format(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "%Y-%m-%d",
        Lang::Ru => "%d.%m.%Y",
    }
}

/// A front end's label (the `ui-*` messages: `ui-status`, `ui-eta`, `ui-severity`...) in
/// `lang`, with text arguments.
pub fn label(lang: Lang, id: &str, args: &[(&'static str, &str)]) -> String {
    let args: Args = args
        .iter()
        .map(|(k, v)| (Cow::Borrowed(*k), FluentValue::from((*v).to_owned())))
        .collect();
    lookup(lang, id, &args)
}

fn cents(c: i64) -> String {
    format!("{}.{:02}", c / 100, (c % 100).abs())
}

fn args(f: &Finding, lang: Lang, tz: &TimeZone) -> Args {
    let x = &f.facts;
    let mut b = Builder {
        args: HashMap::new(),
        lang,
        tz,
    };
    b.opt("number", x.number.clone());
    b.opt("order_number", x.order_number.clone());
    b.date("since", x.since);
    b.date("due", f.due_at);
    b.date("ends", x.protection_ends_at);
    b.date("shipped", x.shipped_at);
    b.date("contacted_at", x.seller_contacted_at);
    b.date("dispute_from", x.dispute_from);
    b.number("days", x.days);
    b.number("days_left", x.days_left);
    b.number("limit", x.limit_days);
    b.number("protection_days", x.protection_days);
    b.opt("country", x.country.clone());
    b.opt("expected_country", x.expected_country.clone());
    b.opt("postcode", x.postcode.clone());
    b.opt("expected_postcode", x.expected_postcode.clone());
    b.text(
        "where",
        if x.country.is_some() {
            "country"
        } else {
            "postcode"
        },
    );
    b.opt("location", x.location.clone());
    b.opt("carrier", x.carrier.clone());
    b.opt("price", x.price.map(|p| p.to_string()));
    b.opt(
        "prior",
        x.price_prior.map(|p| match p {
            PricePrior::RarelyTracked => "rarely",
            PricePrior::UsuallyTracked => "usually",
            PricePrior::AlwaysTracked => "always",
        }),
    );
    b.opt(
        "stage",
        x.stage.map(|s| match s {
            Stage::International => "international",
            Stage::Destination => "destination",
            Stage::Customs => "customs",
            Stage::OutForDelivery => "out_for_delivery",
        }),
    );
    b.opt("status", x.milestone.map(|m| m.key()));
    b.opt(
        "reason",
        x.dispute_reason
            .map(dispute_key)
            .or(x.reason.map(|r| r.key())),
    );
    match x.number_problem {
        Some(NumberProblem::CheckDigit { expected, found }) => {
            b.text("problem", "check_digit");
            b.text("expected", expected);
            b.text("found", found);
        }
        Some(NumberProblem::UnknownCountry) => b.text("problem", "unknown_country"),
        Some(NumberProblem::SuspiciousSerial) => b.text("problem", "suspicious_serial"),
        Some(NumberProblem::UnknownFormat) | None => b.text("problem", "unknown_format"),
    }
    b.flag("assumed", x.protection_assumed);
    b.flag("ended", x.protection_ended);
    b.flag("dispute_open", x.dispute_open);
    b.flag("returned", x.returned);
    b.flag("fake", x.fake_track);
    b.flag(
        "late",
        x.days.zip(x.limit_days).is_some_and(|(d, l)| d >= l),
    );
    b.text(
        "step",
        if x.dispute_open {
            "dispute_open"
        } else if x.seller_contacted_at.is_some() {
            "asked"
        } else if f.severity == Severity::Action {
            "write"
        } else {
            "find_number"
        },
    );
    if let Some(d) = x.duty {
        b.text("value_eur", cents(d.value_eur_cents));
        b.text("limit_eur", d.limit_eur.to_string());
        b.text("duty_eur", cents(d.duty_eur_cents));
        b.opt(
            "duty_local",
            d.duty_order_cents
                .zip(x.price)
                .filter(|(_, p)| p.currency.as_str() != "EUR")
                .map(|(c, p)| format!("{} {}", cents(c), p.currency)),
        );
        b.text("rate", format!("{}", d.rate_percent));
        b.flag("whole", d.on_whole_value);
        let from = d.regime_from.strftime(day_format(lang)).to_string();
        b.text("regime_from", from);
    }
    // The draft's status is always English; the message's follows the language.
    if f.code != FindingCode::DeliveredElsewhere {
        b.opt("status", x.milestone.map(|m| lang.milestone(m)));
    }
    b.args
}

fn dispute_key(r: DisputeReason) -> &'static str {
    match r {
        DisputeReason::NoTracking => "no_tracking",
        DisputeReason::FakeTracking => "fake_tracking",
        DisputeReason::Stalled => "stalled",
        DisputeReason::SellerSilent => "seller_silent",
        DisputeReason::ProtectionEnding => "protection_ending",
        DisputeReason::Returning => "returning",
        DisputeReason::Lost => "lost",
        DisputeReason::Overdue => "overdue",
    }
}

fn lookup(lang: Lang, id: &str, args: &Args) -> String {
    LOCALES
        .try_lookup_with_args(lang.id(), id, args)
        .unwrap_or_else(|| id.to_owned())
}

impl Finding {
    /// The message for the user in `lang`, dates in `tz`.
    pub fn message(&self, lang: Lang, tz: &TimeZone) -> String {
        lookup(lang, self.code.key(), &args(self, lang, tz))
    }

    /// The ready text to send, in English as marketplaces require, dates in `tz`: to the
    /// seller (`no_tracking_info`, `suspected_fake_tracking` while writing to the seller is
    /// the step, i.e. severity `action`) or
    /// for the dispute (`open_dispute`, `delivered_elsewhere`, `overdue` without an open
    /// dispute). `None` for the other codes.
    pub fn draft(&self, tz: &TimeZone) -> Option<String> {
        let x = &self.facts;
        let (id, extra) = match self.code {
            // Action means "write to the seller" here (see the rules' seller step).
            FindingCode::NoTrackingInfo | FindingCode::SuspectedFakeTracking
                if self.severity == Severity::Action =>
            {
                let kind = if self.code == FindingCode::SuspectedFakeTracking {
                    "fake"
                } else {
                    "none"
                };
                ("draft-seller", Some(kind))
            }
            FindingCode::OpenDispute => ("draft-dispute", None),
            FindingCode::DeliveredElsewhere => ("draft-elsewhere", None),
            FindingCode::Overdue if !x.dispute_open && self.severity == Severity::Action => {
                ("draft-overdue", None)
            }
            _ => return None,
        };
        let mut args = args(self, Lang::En, tz);
        if let Some(kind) = extra {
            args.insert(Cow::Borrowed("kind"), FluentValue::from(kind));
        }
        Some(lookup(Lang::En, id, &args))
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;
    use crate::finding::{DutyEstimate, Facts, PriceFact};

    fn every_finding() -> Vec<Finding> {
        let t: Timestamp = "2024-05-20T21:30:00Z".parse().expect("ts");
        let facts = Facts {
            number: Some("RA123456785CN".into()),
            order_number: Some("8123456789012345".into()),
            since: Some(t),
            days: Some(12),
            days_left: Some(3),
            limit_days: Some(10),
            stage: Some(Stage::Destination),
            country: Some("CA".into()),
            expected_country: Some("RU".into()),
            location: Some("Kazan 420000".into()),
            carrier: Some("russianpost".into()),
            protection_ends_at: Some(t),
            price: Some(PriceFact {
                cents: 30000,
                currency: "RUB".parse().expect("currency"),
            }),
            price_prior: Some(PricePrior::AlwaysTracked),
            dispute_reason: Some(DisputeReason::Stalled),
            milestone: Some(Milestone::InTransit),
            shipped_at: Some(t),
            duty: Some(DutyEstimate {
                value_eur_cents: 32609,
                limit_eur: 200,
                duty_eur_cents: 1891,
                duty_order_cents: Some(173972),
                rate_percent: 15.0,
                on_whole_value: false,
                regime_from: date(2024, 4, 1),
            }),
            ..Facts::default()
        };
        FindingCode::ALL
            .iter()
            .map(|&code| {
                Finding::new(code, Severity::Action)
                    .due(Some(t))
                    .with(facts.clone())
            })
            .collect()
    }

    #[test]
    fn every_code_has_a_complete_message_in_both_languages() {
        let sparse = every_finding().into_iter().map(|mut f| {
            // Optional facts absent: the files must word around them.
            f.facts.carrier = None;
            f.facts.location = None;
            f.facts.price_prior = None;
            // These rules always set a deadline; the others may not.
            let always_due = [
                FindingCode::AwaitingFirstEvent,
                FindingCode::ProtectionEnding,
                FindingCode::CustomsDataRequired,
                FindingCode::DeliveryAttemptFailed,
                FindingCode::AvailableForPickup,
            ];
            if !always_due.contains(&f.code) {
                f.due_at = None;
            }
            f
        });
        for f in every_finding().into_iter().chain(sparse) {
            for lang in [Lang::En, Lang::Ru] {
                let m = f.message(lang, &TimeZone::UTC);
                assert_ne!(m, f.code.key(), "{lang:?} has no message for {}", f.code);
                assert!(
                    !m.contains('{') && !m.contains('}'),
                    "{lang:?} {}: {m}",
                    f.code
                );
                assert!(!m.contains("none"), "{lang:?} {}: {m}", f.code);
                assert!(!m.contains('\u{2068}'), "isolation marks in {m}");
            }
        }
    }

    #[test]
    fn messages_speak_the_language_and_the_users_time_zone() {
        let f = every_finding()
            .into_iter()
            .find(|f| f.code == FindingCode::Stalled)
            .expect("stalled");
        let en = f.message(Lang::En, &TimeZone::UTC);
        assert!(en.contains("12 days") && en.contains("2024-05-20"), "{en}");
        let moscow = TimeZone::get("Europe/Moscow").expect("zone");
        let ru = f.message(Lang::Ru, &moscow);
        // 21:30 UTC is past midnight in Moscow.
        assert!(ru.contains("12 дней") && ru.contains("21.05.2024"), "{ru}");
    }

    #[test]
    fn russian_plurals_follow_russian_rules() {
        let mut f = every_finding()
            .into_iter()
            .find(|f| f.code == FindingCode::ProtectionEnding)
            .expect("protection_ending");
        for (n, word) in [(1, "1 день"), (3, "3 дня"), (5, "5 дней"), (21, "21 день")]
        {
            f.facts.days_left = Some(n);
            let ru = f.message(Lang::Ru, &TimeZone::UTC);
            assert!(ru.contains(word), "{ru}");
        }
    }

    #[test]
    fn drafts_are_english_and_only_where_useful() {
        let all = every_finding();
        let with_draft: Vec<FindingCode> = all
            .iter()
            .filter(|f| f.draft(&TimeZone::UTC).is_some())
            .map(|f| f.code)
            .collect();
        assert_eq!(
            with_draft,
            [
                FindingCode::NoTrackingInfo,
                FindingCode::SuspectedFakeTracking,
                FindingCode::DeliveredElsewhere,
                FindingCode::OpenDispute,
                FindingCode::Overdue,
            ]
        );
        for f in all.iter().filter(|f| f.draft(&TimeZone::UTC).is_some()) {
            let d = f.draft(&TimeZone::UTC).unwrap_or_default();
            assert!(d.contains("RA123456785CN"), "{}: {d}", f.code);
            assert!(d.is_ascii(), "{}: {d}", f.code);
            assert!(!d.contains('{') && !d.contains("none"), "{}: {d}", f.code);
        }
        let seller = all[4].draft(&TimeZone::UTC).unwrap_or_default();
        assert!(
            seller.starts_with("Hello! The track number RA123456785CN"),
            "{seller}"
        );
        // Once the seller was asked, no second letter.
        let mut asked = all[4].clone();
        asked.facts.seller_contacted_at = asked.facts.since;
        asked.severity = Severity::Warning;
        assert_eq!(asked.draft(&TimeZone::UTC), None);
    }

    #[test]
    fn labels_exist_in_both_languages() {
        for lang in [Lang::En, Lang::Ru] {
            for id in [
                "ui-status",
                "ui-eta",
                "ui-draft",
                "ui-protection-ends",
                "ui-nothing",
            ] {
                let text = label(lang, id, &[]);
                assert!(text != id && !text.contains('{'), "{lang:?} {id}: {text}");
            }
            let basis = label(
                lang,
                "ui-eta-basis",
                &[("basis", "lane"), ("samples", "40")],
            );
            assert!(basis.contains("40"), "{basis}");
        }
        assert_eq!(
            label(Lang::Ru, "ui-severity", &[("severity", "action")]),
            "СДЕЛАТЬ"
        );
    }

    #[test]
    fn locales_are_read_from_posix_values() {
        assert_eq!(Lang::from_locale("ru_RU.UTF-8"), Some(Lang::Ru));
        assert_eq!(Lang::from_locale("en_GB"), Some(Lang::En));
        assert_eq!(Lang::from_locale("C"), None);
        assert_eq!(Lang::from_locale("de_DE.UTF-8"), None);
        assert_eq!(Lang::from_locale(""), None);
        assert!("fr".parse::<Lang>().is_err());
    }
}
