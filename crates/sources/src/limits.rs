//! Per-source request budgets: a token bucket for the rate (`3/s`) and, optionally, a second
//! one for a quota (`100/day`), both with `governor`.
//!
//! The poller asks [`Budget::acquire`] before every call. A short wait (up to
//! [`Budget::max_wait`]) is slept; a longer one (the quota is spent) is returned so the poller
//! can release its claims and come back when the budget refills, instead of holding leases.

use std::fmt;
use std::num::NonZeroU32;
use std::str::FromStr;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::middleware::NoOpMiddleware;
use governor::state::{InMemoryState, NotKeyed};
use governor::{Quota, RateLimiter};

/// `N` requests per period, e.g. `3/s`, `60/min`, `100/day`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    /// Requests per period (at least 1).
    pub count: NonZeroU32,
    /// The period.
    pub period: Duration,
}

/// A rate that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid rate {0:?}: expected N/s, N/min, N/h or N/day with N >= 1 (e.g. 3/s)")]
pub struct InvalidRate(pub String);

impl Rate {
    /// `count` requests per second.
    pub fn per_second(count: NonZeroU32) -> Self {
        Self {
            count,
            period: Duration::from_secs(1),
        }
    }

    fn quota(self) -> Quota {
        // The replenish interval of one token; at least a nanosecond.
        let nanos = (self.period.as_nanos() / u128::from(self.count.get())).max(1);
        let per_token = Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX));
        Quota::with_period(per_token)
            .unwrap_or_else(|| Quota::per_second(self.count))
            .allow_burst(self.count)
    }
}

impl FromStr for Rate {
    type Err = InvalidRate;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || InvalidRate(s.chars().take(40).collect());
        let (count, unit) = s.trim().split_once('/').ok_or_else(err)?;
        let count: u32 = count.trim().parse().map_err(|_| err())?;
        let count = NonZeroU32::new(count).ok_or_else(err)?;
        let period = match unit.trim() {
            "s" | "sec" | "second" => Duration::from_secs(1),
            "min" | "minute" => Duration::from_secs(60),
            "h" | "hour" => Duration::from_secs(3600),
            "day" | "d" => Duration::from_secs(86_400),
            _ => return Err(err()),
        };
        Ok(Self { count, period })
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit = match self.period.as_secs() {
            1 => "s",
            60 => "min",
            3600 => "h",
            86_400 => "day",
            _ => return write!(f, "{}/{}ms", self.count, self.period.as_millis()),
        };
        write!(f, "{}/{unit}", self.count)
    }
}

/// A source's limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Request rate (token bucket; bursts up to the count).
    pub rate: Rate,
    /// Request quota over a longer period, if the source has one.
    pub quota: Option<Rate>,
}

type Bucket = RateLimiter<NotKeyed, InMemoryState, DefaultClock, NoOpMiddleware>;

/// The live budget of one source.
pub struct Budget {
    rate: Bucket,
    quota: Option<Bucket>,
    limits: Limits,
    max_wait: Duration,
}

impl fmt::Debug for Budget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Budget")
            .field("limits", &self.limits)
            .field("max_wait", &self.max_wait)
            .finish_non_exhaustive()
    }
}

impl Budget {
    /// A budget for the limits; waits up to `max_wait` are slept by [`Budget::acquire`].
    pub fn new(limits: Limits, max_wait: Duration) -> Self {
        Self {
            rate: RateLimiter::direct(limits.rate.quota()),
            quota: limits.quota.map(|q| RateLimiter::direct(q.quota())),
            limits,
            max_wait,
        }
    }

    /// The configured limits.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Longest wait that [`Budget::acquire`] sleeps through.
    pub fn max_wait(&self) -> Duration {
        self.max_wait
    }

    /// Takes one request from the budget, sleeping if the wait is short. `Err(wait)`: the
    /// budget is spent for `wait`; nothing was taken.
    pub async fn acquire(&self) -> Result<(), Duration> {
        loop {
            match self.try_acquire() {
                Ok(()) => return Ok(()),
                Err(wait) if wait <= self.max_wait => tokio::time::sleep(wait).await,
                Err(wait) => return Err(wait),
            }
        }
    }

    /// Takes one request if both buckets allow it now; otherwise how long until they would.
    pub fn try_acquire(&self) -> Result<(), Duration> {
        let clock = DefaultClock::default();
        let wait = |not_until: governor::NotUntil<_>| not_until.wait_time_from(clock.now());
        // Rate first: a throttled attempt must not burn quota. A spent quota costs one rate
        // token per attempt, which refills within the rate's period.
        self.rate.check().map_err(wait)?;
        match &self.quota {
            Some(quota) => quota.check().map_err(wait),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_parse_and_print() {
        let r: Rate = "3/s".parse().expect("rate");
        assert_eq!(r.count.get(), 3);
        assert_eq!(r.period, Duration::from_secs(1));
        assert_eq!(r.to_string(), "3/s");
        assert_eq!(
            "100/day".parse::<Rate>().expect("rate").period,
            Duration::from_secs(86_400)
        );
        assert!("0/s".parse::<Rate>().is_err());
        assert!("3 per second".parse::<Rate>().is_err());
        assert!("3/fortnight".parse::<Rate>().is_err());
    }

    #[test]
    fn quota_stops_after_its_count() {
        let limits = Limits {
            rate: "1000/s".parse().expect("rate"),
            quota: Some("3/day".parse().expect("rate")),
        };
        let budget = Budget::new(limits, Duration::ZERO);
        for _ in 0..3 {
            assert!(budget.try_acquire().is_ok());
        }
        let wait = budget.try_acquire().expect_err("quota spent");
        // One of three per day refills after about 8 hours.
        assert!(wait > Duration::from_secs(7 * 3600), "{wait:?}");
    }

    #[test]
    fn rate_allows_a_burst_then_waits() {
        let limits = Limits {
            rate: "2/s".parse().expect("rate"),
            quota: None,
        };
        let budget = Budget::new(limits, Duration::ZERO);
        assert!(budget.try_acquire().is_ok());
        assert!(budget.try_acquire().is_ok());
        let wait = budget.try_acquire().expect_err("burst spent");
        assert!(wait <= Duration::from_millis(500), "{wait:?}");
    }
}
