//! Writing instants as RFC 3339 text with a fixed UTC offset, the way carriers report local
//! times (`2025-05-02T14:05:00+08:00`).
//!
//! Formatting millions of event times is the simulator's hottest path, so this is a direct
//! civil-from-days conversion (Howard Hinnant's algorithm) instead of a general formatter; a
//! test checks it against jiff.

use std::fmt::Write as _;

/// Seconds in a day.
pub(crate) const DAY: i64 = 86_400;

/// The proleptic Gregorian (year, month, day) of a day count since 1970-01-01.
pub(crate) fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn push2(out: &mut String, v: u32) {
    out.push(char::from(b'0' + (v / 10 % 10) as u8));
    out.push(char::from(b'0' + (v % 10) as u8));
}

/// Appends `unix_seconds` as local time at `offset_minutes` east of UTC, with the offset
/// (`Z` for UTC): `2025-05-02T14:05:00+08:00`.
pub(crate) fn push_rfc3339(out: &mut String, unix_seconds: i64, offset_minutes: i32) {
    let local = unix_seconds + i64::from(offset_minutes) * 60;
    let (y, m, d) = civil_from_days(local.div_euclid(DAY));
    let secs = local.rem_euclid(DAY) as u32;
    if (0..=9999).contains(&y) {
        let y = y as u32;
        push2(out, y / 100);
        push2(out, y % 100);
    } else {
        // Out of RFC 3339's range; never produced for realistic `now` values.
        let _ = write!(out, "{y:04}");
    }
    out.push('-');
    push2(out, m);
    out.push('-');
    push2(out, d);
    out.push('T');
    push2(out, secs / 3600);
    out.push(':');
    push2(out, secs / 60 % 60);
    out.push(':');
    push2(out, secs % 60);
    if offset_minutes == 0 {
        out.push('Z');
    } else {
        out.push(if offset_minutes < 0 { '-' } else { '+' });
        let abs = offset_minutes.unsigned_abs();
        push2(out, abs / 60);
        out.push(':');
        push2(out, abs % 60);
    }
}

/// [`push_rfc3339`] into a new string.
pub(crate) fn rfc3339(unix_seconds: i64, offset_minutes: i32) -> String {
    let mut s = String::with_capacity(25);
    push_rfc3339(&mut s, unix_seconds, offset_minutes);
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::Timestamp;
    use jiff::tz::{Offset, TimeZone};

    #[test]
    fn agrees_with_jiff() {
        let mut t = -2_000_000_000_i64;
        while t < 4_000_000_000 {
            for offset in [0, 180, 480, -300, 330] {
                let ours = rfc3339(t, offset);
                let ts = Timestamp::from_second(t).expect("in range");
                let tz = TimeZone::fixed(Offset::from_seconds(offset * 60).expect("offset"));
                let zoned = ts.to_zoned(tz);
                let theirs = zoned.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string();
                let theirs = if offset == 0 {
                    theirs.replace("+00:00", "Z")
                } else {
                    theirs
                };
                assert_eq!(ours, theirs, "{t} {offset}");
                // And jiff reads it back to the same instant.
                let back: Timestamp = ours.parse().expect("valid RFC 3339");
                assert_eq!(back, ts);
            }
            t += 7_777_777;
        }
    }
}
