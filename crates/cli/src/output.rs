//! Shared output helpers: readable verdict lines and today's date for labels.

use std::fmt::Write as _;

use tracknum::{Identification, NumberKind};

/// Today's (year, month) in the local time zone, to date Russian Post labels.
pub fn today() -> (i32, u8) {
    let now = local_zone().to_datetime(jiff::Timestamp::now());
    (i32::from(now.year()), now.month().unsigned_abs())
}

/// The local time zone. With `TZ` unset that is `/etc/localtime`, read here directly: jiff's
/// lookup would also index the whole time-zone database to name the zone, which costs more
/// than identifying thousands of numbers and changes no date.
fn local_zone() -> jiff::tz::TimeZone {
    if std::env::var_os("TZ").is_none()
        && let Ok(data) = std::fs::read("/etc/localtime")
        && let Ok(zone) = jiff::tz::TimeZone::tzif("Local", &data)
    {
        return zone;
    }
    jiff::tz::TimeZone::system()
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
    #[test]
    fn today_is_the_month_jiff_gives() {
        let month = |z: jiff::Zoned| (i32::from(z.year()), z.month().unsigned_abs());
        let before = month(jiff::Zoned::now());
        let ours = super::today();
        let after = month(jiff::Zoned::now());
        assert!(ours == before || ours == after, "{ours:?} vs {before:?}");
    }
}
