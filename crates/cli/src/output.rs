//! Shared output helpers: readable verdict lines and today's date for labels.

use std::fmt::Write as _;

use tracknum::{Identification, NumberKind};

/// Today's (year, month) in UTC, to date Russian Post labels.
pub fn today() -> (i32, u8) {
    let days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() / 86_400)
        .unwrap_or(0) as i64;
    civil_from_days(days)
}

/// (year, month) of a day count since 1970-01-01 (proleptic Gregorian).
fn civil_from_days(days: i64) -> (i32, u8) {
    // Howard Hinnant's days-to-civil conversion, public-domain arithmetic.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year as i32, month as u8)
}

/// One readable line (plus indented detail lines) for a verdict.
pub fn readable(input: &str, id: &Identification, today: (i32, u8)) -> String {
    let mut out = String::new();
    let number = id.number.map(|n| n.to_string()).unwrap_or_default();
    let verdict = match (id.kind(), id.is_valid()) {
        (NumberKind::OrderNumber, _) => "ORDER NUMBER",
        (NumberKind::Tracking, true) => "ok",
        (NumberKind::Tracking, false) => "INVALID",
        (NumberKind::Unknown, _) => "UNKNOWN",
    };
    let _ = write!(out, "{input}: {verdict}");
    if !number.is_empty() && number != input {
        let _ = write!(out, " ({number})");
    }
    for c in &id.candidates {
        let _ = write!(
            out,
            "\n  {:>3.0}%  {} — {}",
            c.confidence * 100.0,
            c.carrier.name,
            c.format.name
        );
        if let Some(s) = c.service {
            let _ = write!(out, ", {s}");
        }
        if let Some(cc) = c.origin_country {
            let _ = write!(out, ", from {cc}");
        }
        if !c.international() {
            out.push_str(", domestic only");
        }
        if let Some(label) = &c.russian_post {
            let _ = write!(out, ", office {}", label.origin_postcode());
            if let Some((y, m)) = label.printed_month(today) {
                let _ = write!(out, ", label printed {y:04}-{m:02}");
            }
        }
        if let Some(url) = c.tracking_url(&number) {
            let _ = write!(out, "\n        {url}");
        }
    }
    for p in &id.problems {
        let _ = write!(out, "\n  ! {}", p.message());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::civil_from_days;

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1));
        assert_eq!(civil_from_days(20_413), (2025, 11)); // 2025-11-21
        assert_eq!(civil_from_days(11_016), (2000, 3)); // 2000-02-29 is day 11016? -> March 1
    }
}
