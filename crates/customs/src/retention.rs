//! When identity data must be destroyed: N days (30 by default) after the parcel is cleared
//! or returned (152-FZ art. 21: destroy within 30 days once the purpose is achieved;
//! customs.md §6.1). The destruction itself, and its record, are the store's.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

/// How the processing ended: the start of the retention clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "ended", content = "at")]
pub enum Ended {
    /// Customs released the parcel.
    Cleared(Timestamp),
    /// The parcel went back to the shop (refusal, deadline, or customs' decision).
    Returned(Timestamp),
}

impl Ended {
    /// When.
    pub fn at(&self) -> Timestamp {
        match self {
            Ended::Cleared(t) | Ended::Returned(t) => *t,
        }
    }
}

/// The retention period, in days of 24 hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Retention {
    /// Days the data are kept after the end (0: at once).
    pub days: u16,
}

impl Default for Retention {
    fn default() -> Self {
        Self { days: 30 }
    }
}

impl Retention {
    /// When the data of a parcel that ended so must be destroyed.
    pub fn destroy_at(&self, ended: Ended) -> Timestamp {
        ended
            .at()
            .saturating_add(SignedDuration::from_secs(i64::from(self.days) * 86_400))
            .unwrap_or(Timestamp::MAX)
    }

    /// Whether they must be destroyed at `now`.
    pub fn is_due(&self, ended: Ended, now: Timestamp) -> bool {
        now >= self.destroy_at(ended)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_go_30_days_after_the_end_to_the_second() {
        let cleared: Timestamp = "2026-03-10T15:30:00Z".parse().expect("ts");
        let r = Retention::default();
        let at = r.destroy_at(Ended::Cleared(cleared));
        assert_eq!(at, "2026-04-09T15:30:00Z".parse().expect("ts"));
        assert!(!r.is_due(Ended::Cleared(cleared), at - SignedDuration::from_secs(1)));
        assert!(r.is_due(Ended::Cleared(cleared), at));
        // Returned parcels the same; a shorter period is a deployment's choice.
        let week = Retention { days: 7 };
        assert_eq!(
            week.destroy_at(Ended::Returned(cleared)),
            "2026-03-17T15:30:00Z".parse().expect("ts")
        );
        let now = Retention { days: 0 };
        assert!(now.is_due(Ended::Returned(cleared), cleared));
        let json = serde_json::to_string(&Ended::Returned(cleared)).expect("json");
        assert_eq!(json, r#"{"ended":"returned","at":"2026-03-10T15:30:00Z"}"#);
    }
}
