//! Times as people read them: in the user's time zone, the language's date order, and how far
//! away in calendar days ("yesterday", "in 3 days").

use jiff::Timestamp;
use jiff::tz::TimeZone;
use posylka_watchdog::Lang;

use super::i18n::Tr;

/// A day (`2024-05-14`, `14.05.2024`) in `zone`.
pub(crate) fn date(lang: Lang, zone: &TimeZone, at: Timestamp) -> String {
    posylka_watchdog::messages::date(lang, zone, at)
}

/// A day and a time of day (`2024-05-14 09:30`, `14.05.2024 09:30`) in `zone`.
pub(crate) fn date_time(lang: Lang, zone: &TimeZone, at: Timestamp) -> String {
    let format = match lang {
        Lang::En => "%Y-%m-%d %H:%M",
        Lang::Ru => "%d.%m.%Y %H:%M",
    };
    at.to_zoned(zone.clone()).strftime(format).to_string()
}

/// Calendar days from `now` to `at` in `zone` (negative: in the past).
pub(crate) fn days_between(zone: &TimeZone, now: Timestamp, at: Timestamp) -> i64 {
    let today = now.to_zoned(zone.clone()).date();
    let day = at.to_zoned(zone.clone()).date();
    today
        .until(day)
        .map_or(0, |span| i64::from(span.get_days()))
}

/// How far `at` is from `now` in calendar days: "today", "3 days ago", "in 2 days".
pub(crate) fn relative(tr: Tr, zone: &TimeZone, now: Timestamp, at: Timestamp) -> String {
    match days_between(zone, now, at) {
        0 => tr.t("rel-today"),
        -1 => tr.t("rel-yesterday"),
        1 => tr.t("rel-tomorrow"),
        d if d < 0 => tr.count("rel-days-ago", -d),
        d => tr.count("rel-in-days", d),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().expect("timestamp")
    }

    #[test]
    fn days_are_counted_in_the_users_zone() {
        let now = ts("2024-05-20T20:00:00Z");
        let moscow = TimeZone::get("Europe/Moscow").unwrap_or(TimeZone::fixed(
            jiff::tz::Offset::from_seconds(3 * 3600).expect("offset"),
        ));
        // 22:30 UTC is tomorrow in Moscow (UTC+3) but still today in UTC... and 20:00 UTC
        // "now" is already 23:00 in Moscow.
        let later = ts("2024-05-20T22:30:00Z");
        assert_eq!(days_between(&TimeZone::UTC, now, later), 0);
        assert_eq!(days_between(&moscow, now, later), 1);
        assert_eq!(
            days_between(&TimeZone::UTC, now, ts("2024-05-17T01:00:00Z")),
            -3
        );
        let en = Tr(Lang::En);
        assert_eq!(relative(en, &TimeZone::UTC, now, later), "today");
        assert_eq!(relative(en, &moscow, now, later), "tomorrow");
        assert_eq!(
            relative(en, &TimeZone::UTC, now, ts("2024-05-17T01:00:00Z")),
            "3 days ago"
        );
        assert_eq!(
            relative(en, &TimeZone::UTC, now, ts("2024-06-01T00:00:00Z")),
            "in 12 days"
        );
        let ru = Tr(Lang::Ru);
        assert_eq!(
            relative(ru, &TimeZone::UTC, now, ts("2024-05-19T00:00:00Z")),
            "вчера"
        );
        assert_eq!(
            relative(ru, &TimeZone::UTC, now, ts("2024-05-15T00:00:00Z")),
            "5 дней назад"
        );
        assert_eq!(
            relative(ru, &TimeZone::UTC, now, ts("2024-05-22T00:00:00Z")),
            "через 2 дня"
        );
    }

    #[test]
    fn dates_follow_the_language() {
        let at = ts("2024-05-20T21:30:00Z");
        assert_eq!(date_time(Lang::En, &TimeZone::UTC, at), "2024-05-20 21:30");
        assert_eq!(date_time(Lang::Ru, &TimeZone::UTC, at), "20.05.2024 21:30");
        assert_eq!(date(Lang::Ru, &TimeZone::UTC, at), "20.05.2024");
    }
}
