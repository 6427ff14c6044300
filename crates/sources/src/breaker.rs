//! A circuit breaker per source, as a pure state machine over explicit instants.
//!
//! Closed: calls go through; `failure_threshold` consecutive outage failures open it. Open:
//! no calls until `cool_down` has passed; then it is half-open and lets exactly one probe
//! call through. The probe's success closes it; its failure opens it again for another
//! cool-down (doubled each time, up to `max_cool_down`, so a long outage is probed rarely).

use std::time::Duration;

use jiff::Timestamp;

/// Breaker settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BreakerConfig {
    /// Consecutive failures that open the breaker.
    pub failure_threshold: u32,
    /// First wait before a probe.
    pub cool_down: Duration,
    /// Longest wait before a probe.
    pub max_cool_down: Duration,
}

impl Default for BreakerConfig {
    fn default() -> Self {
        Self {
            failure_threshold: 5,
            cool_down: Duration::from_secs(30),
            max_cool_down: Duration::from_secs(15 * 60),
        }
    }
}

/// Where the breaker is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakerState {
    /// Calls go through.
    Closed {
        /// Consecutive failures so far.
        failures: u32,
    },
    /// Calls are refused until `until`.
    Open {
        /// When a probe may go.
        until: Timestamp,
        /// The cool-down that set `until` (doubles on each failed probe).
        cool_down: Duration,
    },
    /// One probe is out; other calls are refused until it reports.
    HalfOpen {
        /// The cool-down before this probe.
        cool_down: Duration,
    },
}

/// What the breaker says to a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Go ahead.
    Allowed,
    /// Go ahead as the probe: report its outcome before anything else is tried.
    Probe,
    /// Do not call before this instant.
    Refused {
        /// When to ask again.
        until: Timestamp,
    },
}

/// The breaker.
#[derive(Debug, Clone)]
pub struct CircuitBreaker {
    config: BreakerConfig,
    state: BreakerState,
}

impl CircuitBreaker {
    /// A closed breaker.
    pub fn new(config: BreakerConfig) -> Self {
        Self {
            config,
            state: BreakerState::Closed { failures: 0 },
        }
    }

    /// The current state.
    pub fn state(&self) -> BreakerState {
        self.state
    }

    /// Whether a call may go now.
    pub fn admit(&mut self, now: Timestamp) -> Admission {
        match self.state {
            BreakerState::Closed { .. } => Admission::Allowed,
            BreakerState::Open { until, cool_down } if now >= until => {
                self.state = BreakerState::HalfOpen { cool_down };
                Admission::Probe
            }
            BreakerState::Open { until, .. } => Admission::Refused { until },
            // The probe has not reported; ask again shortly.
            BreakerState::HalfOpen { .. } => Admission::Refused {
                until: add(now, Duration::from_secs(1)),
            },
        }
    }

    /// A call succeeded (the source answered, whatever it said about single numbers).
    pub fn record_success(&mut self) {
        self.state = BreakerState::Closed { failures: 0 };
    }

    /// A call failed in a way that suggests the source is down.
    pub fn record_failure(&mut self, now: Timestamp) {
        self.state = match self.state {
            BreakerState::Closed { failures } => {
                let failures = failures.saturating_add(1);
                if failures >= self.config.failure_threshold.max(1) {
                    self.open(now, self.config.cool_down)
                } else {
                    BreakerState::Closed { failures }
                }
            }
            BreakerState::HalfOpen { cool_down } => {
                let longer = cool_down
                    .saturating_mul(2)
                    .min(self.config.max_cool_down.max(self.config.cool_down));
                self.open(now, longer)
            }
            // A failure reported by a call admitted before the breaker opened.
            open @ BreakerState::Open { .. } => open,
        };
    }

    /// A probe ended without telling anything about the source (e.g. the budget refused it):
    /// back to open, due for a probe at once.
    pub fn release_probe(&mut self, now: Timestamp) {
        if let BreakerState::HalfOpen { cool_down } = self.state {
            self.state = BreakerState::Open {
                until: now,
                cool_down,
            };
        }
    }

    fn open(&self, now: Timestamp, cool_down: Duration) -> BreakerState {
        BreakerState::Open {
            until: add(now, cool_down),
            cool_down,
        }
    }
}

fn add(t: Timestamp, d: Duration) -> Timestamp {
    t.checked_add(d).unwrap_or(Timestamp::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64) -> Timestamp {
        Timestamp::from_second(1_700_000_000 + secs).expect("ts")
    }

    fn breaker() -> CircuitBreaker {
        CircuitBreaker::new(BreakerConfig {
            failure_threshold: 3,
            cool_down: Duration::from_secs(10),
            max_cool_down: Duration::from_secs(25),
        })
    }

    #[test]
    fn opens_after_threshold_and_probes_after_cool_down() {
        let mut b = breaker();
        for _ in 0..2 {
            b.record_failure(at(0));
            assert_eq!(b.admit(at(0)), Admission::Allowed);
        }
        b.record_failure(at(0));
        assert_eq!(b.admit(at(5)), Admission::Refused { until: at(10) });
        assert_eq!(b.admit(at(10)), Admission::Probe);
        // Only one probe at a time.
        assert!(matches!(b.admit(at(10)), Admission::Refused { .. }));
        b.record_success();
        assert_eq!(b.admit(at(11)), Admission::Allowed);
        assert_eq!(b.state(), BreakerState::Closed { failures: 0 });
    }

    #[test]
    fn failed_probe_doubles_the_cool_down_up_to_the_cap() {
        let mut b = breaker();
        for _ in 0..3 {
            b.record_failure(at(0));
        }
        assert_eq!(b.admit(at(10)), Admission::Probe);
        b.record_failure(at(10));
        assert_eq!(b.admit(at(29)), Admission::Refused { until: at(30) });
        assert_eq!(b.admit(at(30)), Admission::Probe);
        b.record_failure(at(30));
        // 40 s would exceed the 25 s cap.
        assert_eq!(b.admit(at(31)), Admission::Refused { until: at(55) });
    }

    #[test]
    fn success_resets_the_count() {
        let mut b = breaker();
        b.record_failure(at(0));
        b.record_failure(at(0));
        b.record_success();
        b.record_failure(at(0));
        b.record_failure(at(0));
        assert_eq!(b.admit(at(0)), Admission::Allowed);
    }
}
