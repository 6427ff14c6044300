//! Which sources poll a number: a pure function of the number (its recognised formats) and the
//! sources that are configured.
//!
//! - **17TRACK** is an aggregator that detects the carrier itself: every tracking number.
//! - **Russian Post** answers for its own 14-digit numbers and for UPU S10 numbers (an
//!   international item is scanned under its S10 number once it enters Russia).
//! - **Cainiao** follows parcels handed over in China: numbers issued there (S10 `..CN`,
//!   Cainiao's own LP/AE/AP formats, Chinese couriers' formats).
//!
//! A number recognised only as a marketplace order number goes nowhere: no source tracks it.

use posylka_core::shipment::TrackingNumber;
use posylka_core::timeline::SourceName;
use posylka_sources::{cainiao, russianpost, seventeentrack};
use tracknum::NumberKind;

/// Which sources are configured.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Enabled {
    /// 17TRACK.
    pub seventeen_track: bool,
    /// Russian Post.
    pub russian_post: bool,
    /// Cainiao.
    pub cainiao: bool,
}

/// The sources that should poll `number`, in a fixed order.
pub fn sources_for(number: &TrackingNumber, enabled: Enabled) -> Vec<SourceName> {
    let id = tracknum::identify(number.as_str());
    if id.kind() == NumberKind::OrderNumber {
        return Vec::new();
    }
    let mut russian_post = false;
    let mut china = false;
    for c in &id.candidates {
        if c.format.is_s10() || c.format.id == "russian_post_14" || c.carrier.id == "russian-post" {
            russian_post = true;
        }
        if c.origin_country == Some("CN") || c.carrier.id.starts_with("cainiao") {
            china = true;
        }
    }
    let mut out = Vec::new();
    let mut push = |yes: bool, name: &str| {
        if yes && let Ok(n) = SourceName::new(name) {
            out.push(n);
        }
    };
    push(enabled.seventeen_track, seventeentrack::NAME);
    push(enabled.russian_post && russian_post, russianpost::NAME);
    push(enabled.cainiao && china, cainiao::NAME);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: Enabled = Enabled {
        seventeen_track: true,
        russian_post: true,
        cainiao: true,
    };

    fn names(number: &str, enabled: Enabled) -> Vec<String> {
        let n = TrackingNumber::parse(number).expect("number");
        sources_for(&n, enabled)
            .iter()
            .map(|s| s.as_str().to_owned())
            .collect()
    }

    #[test]
    fn china_post_s10_goes_to_every_source() {
        assert_eq!(
            names("RA123456785CN", ALL),
            ["17track", "russianpost", "cainiao"]
        );
    }

    #[test]
    fn a_russian_domestic_number_is_not_asked_of_cainiao() {
        // A 14-digit Russian Post number (office 620091, from tracknum's test numbers).
        let sources = names("62009147017544", ALL);
        assert!(sources.contains(&"russianpost".to_owned()), "{sources:?}");
        assert!(!sources.contains(&"cainiao".to_owned()), "{sources:?}");
    }

    #[test]
    fn only_configured_sources_are_named() {
        let only_rp = Enabled {
            russian_post: true,
            ..Enabled::default()
        };
        assert_eq!(names("RA123456785CN", only_rp), ["russianpost"]);
        assert!(names("RA123456785CN", Enabled::default()).is_empty());
    }

    #[test]
    fn order_numbers_go_nowhere() {
        assert!(names("3074935419642839", ALL).is_empty());
    }
}
