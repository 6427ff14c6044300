//! When to poll a number next: a pure function of its milestone, its last event and the time.
//!
//! Often where things change by the hour (out for delivery, at a pickup point, a failed
//! attempt: every hour; customs: every two), rarely on the long international leg (every
//! twelve), and less the longer a parcel has been silent (the interval doubles for every
//! `quiet_after` of silence, up to `max_interval`). Polling stops after a terminal milestone
//! (delivered, returned, lost) plus a grace period (a "delivered" may still turn into a return)
//! or after `stop_after_silence` without any event. "Refresh now" is not a cadence: the work
//! source makes the number due at once (see [`crate::poller::WorkSource`]).

use std::time::Duration;

use jiff::Timestamp;
use posylka_core::Milestone;

/// Polling intervals and stop rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CadenceConfig {
    /// Out for delivery, available for pickup, a failed attempt.
    pub last_mile: Duration,
    /// Customs in progress, held, or personal data required.
    pub customs: Duration,
    /// Arrived in the destination country, released by customs, an exception, a return on
    /// its way.
    pub destination: Duration,
    /// Label created or picked up, not yet exported; and numbers with no events yet.
    pub origin: Duration,
    /// Departed the origin country or moving without a more specific milestone.
    pub international: Duration,
    /// Silence after which the interval doubles (and doubles again for each further period).
    pub quiet_after: Duration,
    /// The longest interval silence can stretch to.
    pub max_interval: Duration,
    /// How long to keep polling after a terminal milestone.
    pub terminal_grace: Duration,
    /// Interval during that grace period.
    pub after_terminal: Duration,
    /// Stop polling after this long without any event.
    pub stop_after_silence: Duration,
}

const HOUR: u64 = 3600;
const DAY: u64 = 24 * HOUR;

impl Default for CadenceConfig {
    fn default() -> Self {
        Self {
            last_mile: Duration::from_secs(HOUR),
            customs: Duration::from_secs(2 * HOUR),
            destination: Duration::from_secs(4 * HOUR),
            origin: Duration::from_secs(6 * HOUR),
            international: Duration::from_secs(12 * HOUR),
            quiet_after: Duration::from_secs(14 * DAY),
            max_interval: Duration::from_secs(DAY),
            terminal_grace: Duration::from_secs(3 * DAY),
            after_terminal: Duration::from_secs(12 * HOUR),
            stop_after_silence: Duration::from_secs(60 * DAY),
        }
    }
}

/// The base interval for a milestone (`None`: no events yet).
pub fn interval_for(status: Option<Milestone>, config: &CadenceConfig) -> Duration {
    use Milestone as M;
    match status {
        None | Some(M::InfoReceived | M::PickedUp) => config.origin,
        Some(M::OutForDelivery | M::AvailableForPickup | M::DeliveryAttemptFailed) => {
            config.last_mile
        }
        Some(M::CustomsClearance | M::CustomsHold | M::PersonalDataRequired) => config.customs,
        Some(
            M::ArrivedDestinationCountry
            | M::CustomsCleared
            | M::Exception
            | M::Damaged
            | M::ReturningToSender,
        ) => config.destination,
        Some(M::InTransit | M::DepartedOriginCountry) => config.international,
        // Terminal milestones are handled by the grace rule; this is the grace interval.
        Some(M::Delivered | M::Returned | M::Lost) => config.after_terminal,
    }
}

/// When to poll next, or `None` to stop polling.
///
/// `last_event_at` is the newest event's instant; for a number without events pass when
/// tracking started, so that a number that never shows up stops after `stop_after_silence`.
pub fn next_poll_at(
    status: Option<Milestone>,
    last_event_at: Option<Timestamp>,
    now: Timestamp,
    config: &CadenceConfig,
) -> Option<Timestamp> {
    let silence = match last_event_at {
        Some(t) if t <= now => now.duration_since(t).unsigned_abs(),
        _ => Duration::ZERO,
    };
    if matches!(
        status,
        Some(Milestone::Delivered | Milestone::Returned | Milestone::Lost)
    ) {
        let end = add(last_event_at?, config.terminal_grace);
        if now >= end {
            return None;
        }
        return Some(add(now, config.after_terminal).min(end));
    }
    if silence >= config.stop_after_silence {
        return None;
    }
    let base = interval_for(status, config);
    let doublings = if config.quiet_after.is_zero() {
        0
    } else {
        (silence.as_secs() / config.quiet_after.as_secs().max(1)).min(16) as u32
    };
    let stretched = base
        .checked_mul(1u32 << doublings)
        .unwrap_or(config.max_interval)
        .min(config.max_interval.max(base));
    Some(add(now, stretched))
}

/// A deterministic spread of up to `fraction` of `interval`, from a key (the number), so that
/// numbers added together do not stay in lock-step.
pub fn spread(key: &str, interval: Duration, fraction: f64) -> Duration {
    // FNV-1a: stable across runs and platforms.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in key.bytes() {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    let unit = (hash % 10_000) as f64 / 10_000.0;
    interval.mul_f64(fraction.clamp(0.0, 1.0) * unit)
}

fn add(t: Timestamp, d: Duration) -> Timestamp {
    t.checked_add(d).unwrap_or(Timestamp::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().expect("timestamp")
    }

    fn hours(t: Option<Timestamp>, now: Timestamp) -> Option<i64> {
        t.map(|t| t.duration_since(now).as_secs() / 3600)
    }

    #[test]
    fn out_for_delivery_is_hourly_international_twice_a_day() {
        let c = CadenceConfig::default();
        let now = ts("2024-05-10T12:00:00Z");
        let recent = Some(ts("2024-05-10T08:00:00Z"));
        assert_eq!(
            hours(
                next_poll_at(Some(Milestone::OutForDelivery), recent, now, &c),
                now
            ),
            Some(1)
        );
        assert_eq!(
            hours(
                next_poll_at(Some(Milestone::CustomsHold), recent, now, &c),
                now
            ),
            Some(2)
        );
        assert_eq!(
            hours(
                next_poll_at(Some(Milestone::DepartedOriginCountry), recent, now, &c),
                now
            ),
            Some(12)
        );
        assert_eq!(hours(next_poll_at(None, recent, now, &c), now), Some(6));
    }

    #[test]
    fn silence_stretches_then_stops() {
        let c = CadenceConfig::default();
        let now = ts("2024-05-30T12:00:00Z");
        let quiet = Some(ts("2024-05-10T12:00:00Z")); // 20 days: one doubling
        assert_eq!(
            hours(
                next_poll_at(Some(Milestone::CustomsHold), quiet, now, &c),
                now
            ),
            Some(4)
        );
        // The stretch is capped at a day.
        assert_eq!(
            hours(
                next_poll_at(Some(Milestone::InTransit), quiet, now, &c),
                now
            ),
            Some(24)
        );
        let gone = Some(ts("2024-03-01T12:00:00Z"));
        assert_eq!(
            next_poll_at(Some(Milestone::InTransit), gone, now, &c),
            None
        );
    }

    #[test]
    fn delivered_polls_through_the_grace_period_then_stops() {
        let c = CadenceConfig::default();
        let delivered = ts("2024-05-10T12:00:00Z");
        let now = ts("2024-05-11T12:00:00Z");
        assert_eq!(
            hours(
                next_poll_at(Some(Milestone::Delivered), Some(delivered), now, &c),
                now
            ),
            Some(12)
        );
        let late = ts("2024-05-13T06:00:00Z");
        // The last poll lands exactly at the end of the grace period.
        assert_eq!(
            next_poll_at(Some(Milestone::Delivered), Some(delivered), late, &c),
            Some(ts("2024-05-13T12:00:00Z"))
        );
        let after = ts("2024-05-13T12:00:00Z");
        assert_eq!(
            next_poll_at(Some(Milestone::Returned), Some(delivered), after, &c),
            None
        );
    }

    #[test]
    fn spread_is_stable_and_bounded() {
        let i = Duration::from_secs(3600);
        let a = spread("RA123456789CN", i, 0.1);
        assert_eq!(a, spread("RA123456789CN", i, 0.1));
        assert!(a <= Duration::from_secs(360));
        assert_ne!(a, spread("RA123456780CN", i, 0.1));
    }
}
