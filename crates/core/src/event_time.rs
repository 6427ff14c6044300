//! Event times: an instant together with the UTC offset the source reported it in.
//!
//! Carriers report local wall-clock times ("2024-05-01 10:00 +08:00" at a Chinese sorting
//! centre, "+03:00" at a Moscow hub). Ordering needs the instant; showing the user where and
//! when a scan happened needs the original offset. [`EventTime`] keeps both.
//!
//! Invariant: the instant has microsecond precision (the finest both SQL engines keep), so a
//! value survives a round trip through [`EventTime::to_storage`] / [`EventTime::from_storage`]
//! unchanged.

use std::fmt;
use std::str::FromStr;

use jiff::fmt::temporal::Pieces;
use jiff::tz::{Offset, TimeZone};
use jiff::{Timestamp, Zoned};

/// An instant plus the offset it was originally reported with.
///
/// Equality and ordering look at the instant first, then the offset, so two reports of one
/// instant in different offsets are distinct values but sort next to each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EventTime {
    instant: Timestamp,
    offset: Offset,
}

/// Why a string or a stored value is not an [`EventTime`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventTimeError {
    /// The text is not an RFC 3339 / ISO 8601 date-time with a numeric offset or `Z`.
    #[error("invalid event time {input:?}: {reason}")]
    Parse {
        /// The text that was rejected.
        input: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Stored microseconds or offset seconds are out of range.
    #[error("stored event time out of range: {micros} us at offset {offset_seconds} s")]
    OutOfRange {
        /// Microseconds since the Unix epoch.
        micros: i64,
        /// Offset from UTC in seconds.
        offset_seconds: i32,
    },
}

impl EventTime {
    /// Builds an event time, truncating the instant to whole microseconds.
    pub fn new(instant: Timestamp, offset: Offset) -> Self {
        let micros = instant.as_microsecond();
        // Truncating an in-range timestamp to microseconds cannot leave the range.
        let instant = Timestamp::from_microsecond(micros).unwrap_or(instant);
        Self { instant, offset }
    }

    /// Keeps the instant and the offset in force for a zoned date-time.
    pub fn from_zoned(zoned: &Zoned) -> Self {
        Self::new(zoned.timestamp(), zoned.offset())
    }

    /// An instant reported in UTC.
    pub fn utc(instant: Timestamp) -> Self {
        Self::new(instant, Offset::UTC)
    }

    /// The instant, for ordering and arithmetic.
    pub fn instant(&self) -> Timestamp {
        self.instant
    }

    /// The offset the source reported the time in.
    pub fn offset(&self) -> Offset {
        self.offset
    }

    /// The time as the source saw it: its original offset.
    pub fn original(&self) -> Zoned {
        self.instant.to_zoned(TimeZone::fixed(self.offset))
    }

    /// The time in the user's zone, for display.
    pub fn in_zone(&self, zone: &TimeZone) -> Zoned {
        self.instant.to_zoned(zone.clone())
    }

    /// The storage form: microseconds since the Unix epoch and offset seconds east of UTC.
    pub fn to_storage(&self) -> (i64, i32) {
        (self.instant.as_microsecond(), self.offset.seconds())
    }

    /// Rebuilds a value from [`EventTime::to_storage`]'s form.
    pub fn from_storage(micros: i64, offset_seconds: i32) -> Result<Self, EventTimeError> {
        let out_of_range = || EventTimeError::OutOfRange {
            micros,
            offset_seconds,
        };
        let instant = Timestamp::from_microsecond(micros).map_err(|_| out_of_range())?;
        let offset = Offset::from_seconds(offset_seconds).map_err(|_| out_of_range())?;
        Ok(Self { instant, offset })
    }
}

impl FromStr for EventTime {
    type Err = EventTimeError;

    /// Parses `2024-05-01T10:00:00+08:00` (or `...Z`); a time without an offset is rejected
    /// because its instant would be a guess.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = |reason: String| EventTimeError::Parse {
            input: s.to_owned(),
            reason,
        };
        let pieces = Pieces::parse(s.trim()).map_err(|e| err(e.to_string()))?;
        let time = pieces
            .time()
            .ok_or_else(|| err("a time of day is required".to_owned()))?;
        let offset = pieces
            .to_numeric_offset()
            .ok_or_else(|| err("a UTC offset (such as +03:00 or Z) is required".to_owned()))?;
        let instant = offset
            .to_timestamp(pieces.date().to_datetime(time))
            .map_err(|e| err(e.to_string()))?;
        Ok(Self::new(instant, offset))
    }
}

impl fmt::Display for EventTime {
    /// RFC 3339 in the original offset, e.g. `2024-05-01T10:00:00+08:00`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pieces = Pieces::from((self.instant, self.offset));
        write!(f, "{pieces}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_keeps_instant_and_offset() {
        let t: EventTime = "2024-05-01T10:00:00+08:00".parse().expect("valid");
        assert_eq!(t.instant(), "2024-05-01T02:00:00Z".parse().expect("ts"));
        assert_eq!(t.offset().seconds(), 8 * 3600);
        assert_eq!(t.to_string(), "2024-05-01T10:00:00+08:00");
    }

    #[test]
    fn storage_round_trip_is_exact() {
        let t: EventTime = "2023-12-31T23:59:59.123456789-05:30"
            .parse()
            .expect("valid");
        let (us, off) = t.to_storage();
        assert_eq!(EventTime::from_storage(us, off).expect("in range"), t);
        assert_eq!(t.instant().subsec_nanosecond(), 123_456_000);
    }

    #[test]
    fn time_without_offset_is_rejected() {
        let err = "2024-05-01T10:00:00"
            .parse::<EventTime>()
            .expect_err("no offset");
        assert!(err.to_string().contains("UTC offset"), "{err}");
        assert!("2024-05-01".parse::<EventTime>().is_err());
        assert!("yesterday".parse::<EventTime>().is_err());
    }

    #[test]
    fn shown_in_users_zone() {
        let t: EventTime = "2024-05-01T10:00:00+08:00".parse().expect("valid");
        let moscow = TimeZone::fixed(Offset::from_seconds(3 * 3600).expect("offset"));
        assert_eq!(t.in_zone(&moscow).hour(), 5);
        assert_eq!(t.original().hour(), 10);
    }

    #[test]
    fn out_of_range_storage_is_an_error() {
        assert!(EventTime::from_storage(i64::MAX, 0).is_err());
        assert!(EventTime::from_storage(0, 200_000).is_err());
    }

    proptest::proptest! {
        #[test]
        fn parse_never_panics(s in ".{0,40}") {
            let _ = s.parse::<EventTime>();
        }
    }
}
