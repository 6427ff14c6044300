//! The estimated delivery window: empirical quantiles of delivered shipments on the same lane
//! when the caller has enough of them, else the trade's priors per service class.

use std::fmt;

use jiff::{SignedDuration, Timestamp};
use posylka_core::order::{CountryCode, Order};
use posylka_core::shipment::TrackingNumber;
use posylka_core::timeline::Timeline;
use serde::Serialize;

#[cfg(test)]
use crate::config::DAY;
use crate::config::EtaRules;
use crate::view::{add_days, number_info};

/// The kind of service a number's format encodes, which sets the delivery-time prior.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ServiceClass {
    /// EMS (S10 `E*`): at most about two weeks.
    Ems,
    /// Paid express: DHL, TNT, FedEx, UPS (10-20 days).
    Express,
    /// Registered or tracked letter post (S10 `R*`, `L*`): 20-60 days.
    Registered,
    /// Parcel post (S10 `C*`, `V*`).
    Parcel,
    /// Anything else: consolidators' numbers, unregistered mail, unknown formats.
    Other,
}

impl ServiceClass {
    /// The stable key.
    pub const fn key(self) -> &'static str {
        match self {
            ServiceClass::Ems => "ems",
            ServiceClass::Express => "express",
            ServiceClass::Registered => "registered",
            ServiceClass::Parcel => "parcel",
            ServiceClass::Other => "other",
        }
    }

    /// The class of a recognised number: its carrier id, format id and S10 service name.
    pub fn of(carrier: &str, format: &str, service: Option<&str>) -> Self {
        if matches!(carrier, "dhl" | "tnt" | "fedex" | "ups") {
            return ServiceClass::Express;
        }
        if format != "s10" {
            return ServiceClass::Other;
        }
        match service {
            Some(s) if s.contains("EMS") => ServiceClass::Ems,
            Some(s) if s.contains("Registered") || s.contains("Tracked") => {
                ServiceClass::Registered
            }
            Some(s) if s.contains("Parcel") => ServiceClass::Parcel,
            _ => ServiceClass::Other,
        }
    }
}

/// What delivery times are grouped by: origin, destination and service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Lane {
    /// Where the parcel comes from (the number's issuing country, else the first event's).
    #[serde(serialize_with = "country_key")]
    pub origin: Option<CountryCode>,
    /// Where it goes (the order's destination).
    #[serde(serialize_with = "country_key")]
    pub destination: Option<CountryCode>,
    /// The service class of the shipment's best-known number.
    pub service: ServiceClass,
}

fn country_key<S: serde::Serializer>(c: &Option<CountryCode>, s: S) -> Result<S::Ok, S::Error> {
    match c {
        Some(c) => s.serialize_str(c.as_str()),
        None => s.serialize_none(),
    }
}

impl fmt::Display for Lane {
    /// `CN-RU/registered`; `??` for an unknown country.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = |c: Option<CountryCode>| c.map_or_else(|| "??".to_owned(), |c| c.to_string());
        write!(
            f,
            "{}-{}/{}",
            c(self.origin),
            c(self.destination),
            self.service.key()
        )
    }
}

/// The lane of a shipment: the first number that names a country and a service decides.
pub fn lane(numbers: &[TrackingNumber], order: Option<&Order>, timeline: &Timeline) -> Lane {
    let infos: Vec<_> = numbers.iter().map(|n| number_info(n.as_str())).collect();
    lane_of(&infos, order, timeline)
}

pub(crate) fn lane_of(
    infos: &[crate::view::NumberInfo],
    order: Option<&Order>,
    timeline: &Timeline,
) -> Lane {
    let origin = infos
        .iter()
        .find_map(|i| i.origin)
        .or_else(|| timeline.events().iter().find_map(|e| e.country));
    let service = infos
        .iter()
        .map(|i| i.service)
        .find(|s| *s != ServiceClass::Other)
        .unwrap_or(ServiceClass::Other);
    Lane {
        origin,
        destination: order.and_then(|o| o.destination.country),
        service,
    }
}

/// Delivery durations (shipped to delivered) of earlier shipments on one lane.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LaneHistory {
    /// Seconds, sorted ascending; never negative.
    seconds: Vec<i64>,
}

impl LaneHistory {
    /// From durations in any order; negative ones (bad data) are dropped.
    pub fn new(durations: impl IntoIterator<Item = SignedDuration>) -> Self {
        let mut seconds: Vec<i64> = durations
            .into_iter()
            .map(|d| d.as_secs())
            .filter(|s| *s >= 0)
            .collect();
        seconds.sort_unstable();
        Self { seconds }
    }

    /// How many deliveries.
    pub fn len(&self) -> usize {
        self.seconds.len()
    }

    /// No deliveries.
    pub fn is_empty(&self) -> bool {
        self.seconds.is_empty()
    }

    /// The `q` quantile (0..=1) by the nearest-rank method, in seconds.
    pub fn quantile(&self, q: f64) -> Option<i64> {
        if self.seconds.is_empty() {
            return None;
        }
        let q = q.clamp(0.0, 1.0);
        let rank = (q * self.seconds.len() as f64).ceil() as usize;
        self.seconds.get(rank.saturating_sub(1)).copied()
    }
}

/// Where an ETA comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum EtaBasis {
    /// The 10th, 50th and 90th percentiles of deliveries on the lane.
    Lane {
        /// How many deliveries.
        samples: u32,
    },
    /// The trade's prior for the service class.
    Prior {
        /// The class.
        service: ServiceClass,
    },
}

/// An estimated delivery window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Eta {
    /// Not before.
    pub earliest: Timestamp,
    /// Most likely.
    pub likely: Timestamp,
    /// Not after, barring trouble.
    pub latest: Timestamp,
    /// How it was estimated.
    pub basis: EtaBasis,
}

/// The window for a parcel shipped at `shipped` on `lane`: the lane's 10/50/90th percentiles
/// when `history` has at least `rules.min_samples` deliveries, else the prior.
pub fn eta(
    lane: &Lane,
    shipped: Timestamp,
    history: Option<&LaneHistory>,
    rules: &EtaRules,
) -> Eta {
    if let Some(h) = history.filter(|h| h.len() >= rules.min_samples as usize)
        && let (Some(a), Some(b), Some(c)) = (h.quantile(0.1), h.quantile(0.5), h.quantile(0.9))
    {
        let at = |s: i64| {
            Timestamp::from_second(shipped.as_second().saturating_add(s)).unwrap_or(Timestamp::MAX)
        };
        return Eta {
            earliest: at(a),
            likely: at(b),
            latest: at(c),
            basis: EtaBasis::Lane {
                samples: u32::try_from(h.len()).unwrap_or(u32::MAX),
            },
        };
    }
    let p = &rules.prior_days;
    let [a, b, c] = match lane.service {
        ServiceClass::Ems => p.ems,
        ServiceClass::Express => p.express,
        ServiceClass::Registered => p.registered,
        ServiceClass::Parcel => p.parcel,
        ServiceClass::Other => p.other,
    };
    let at = |d: u16| add_days(shipped, i64::from(d));
    Eta {
        earliest: at(a),
        likely: at(b),
        latest: at(c),
        basis: EtaBasis::Prior {
            service: lane.service,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Config;

    /// Days between two instants, rounded down.
    fn whole_days(from: Timestamp, to: Timestamp) -> i64 {
        (to.as_second() - from.as_second()).div_euclid(DAY)
    }

    fn ts(s: &str) -> Timestamp {
        s.parse().expect("timestamp")
    }

    #[test]
    fn priors_follow_the_service() {
        let rules = Config::default().eta;
        let shipped = ts("2024-05-01T00:00:00Z");
        let lane = |service| Lane {
            origin: None,
            destination: None,
            service,
        };
        let ems = eta(&lane(ServiceClass::Ems), shipped, None, &rules);
        assert_eq!(ems.latest, ts("2024-05-15T00:00:00Z"));
        assert_eq!(whole_days(shipped, ems.latest), 14);
        let express = eta(&lane(ServiceClass::Express), shipped, None, &rules);
        assert_eq!(
            (
                whole_days(shipped, express.earliest),
                whole_days(shipped, express.latest)
            ),
            (10, 20)
        );
        let mail = eta(&lane(ServiceClass::Registered), shipped, None, &rules);
        assert_eq!(
            (
                whole_days(shipped, mail.earliest),
                whole_days(shipped, mail.latest)
            ),
            (20, 60)
        );
        assert_eq!(
            mail.basis,
            EtaBasis::Prior {
                service: ServiceClass::Registered
            }
        );
    }

    #[test]
    fn enough_deliveries_replace_the_prior_with_quantiles() {
        let rules = Config::default().eta;
        let shipped = ts("2024-05-01T00:00:00Z");
        let lane = Lane {
            origin: None,
            destination: None,
            service: ServiceClass::Registered,
        };
        // 1..=20 days: nearest-rank 10th = 2, 50th = 10, 90th = 18.
        let days = |n: i64| SignedDuration::from_secs(n * DAY);
        let history = LaneHistory::new((1..=20).rev().map(days));
        let e = eta(&lane, shipped, Some(&history), &rules);
        assert_eq!(e.basis, EtaBasis::Lane { samples: 20 });
        assert_eq!(
            [e.earliest, e.likely, e.latest].map(|t| whole_days(shipped, t)),
            [2, 10, 18]
        );
        // One fewer than min_samples: the prior again.
        let few = LaneHistory::new((1..=19).map(days));
        assert!(matches!(
            eta(&lane, shipped, Some(&few), &rules).basis,
            EtaBasis::Prior { .. }
        ));
    }

    #[test]
    fn negative_durations_are_dropped_and_empty_has_no_quantile() {
        let h = LaneHistory::new([SignedDuration::from_secs(-5), SignedDuration::from_secs(7)]);
        assert_eq!(h.len(), 1);
        assert_eq!(h.quantile(0.5), Some(7));
        assert_eq!(LaneHistory::default().quantile(0.5), None);
    }

    #[test]
    fn the_lane_comes_from_the_number_and_the_order() {
        let numbers = [TrackingNumber::parse("EA123456785CN").expect("valid")];
        let mut order = Order::new("aliexpress", "1").expect("valid");
        order.destination.country = "RU".parse().ok();
        let l = lane(&numbers, Some(&order), &Timeline::default());
        assert_eq!(l.to_string(), "CN-RU/ems");
    }
}
