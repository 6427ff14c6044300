//! Which shipment an event's tracking number belongs to.
//!
//! UPU S10 numbers (`RS123456789CN`) may be reused after 12 calendar months, so a number can
//! belong to several shipments over the years. The rule:
//!
//! 1. Links of one number to different shipments must be at least [`REUSE_MONTHS`] (12)
//!    months apart ([`check_new_link`]); a closer second link is rejected as ambiguous.
//! 2. Each link opens a *window* that starts [`LOOKBACK_MONTHS`] (6) months before the link
//!    time, because tracking usually starts before the buyer adds the number. The oldest link's
//!    window has no start.
//! 3. An event at instant `t` goes to the link with the newest window start `<= t`
//!    ([`resolve`]): the newest shipment whose window covers the event.
//!
//! Because links are 12 months apart and windows reach 6 months back, the older shipment
//! keeps at least the 6 months after its own link.
//! Months are calendar months counted in UTC.

use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};

use crate::shipment::ShipmentId;

/// The S10 no-reuse period: links of one number to two shipments must be this far apart.
pub const REUSE_MONTHS: i64 = 12;

/// How far before its link time a link's window opens.
pub const LOOKBACK_MONTHS: i64 = 6;

/// One shipment a number is linked to, and when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkedShipment {
    /// The shipment.
    pub shipment: ShipmentId,
    /// When the number was linked to it.
    pub linked_at: Timestamp,
}

/// A new link would make a number ambiguous.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooCloseToExisting {
    /// The shipment already holding the number.
    pub existing: LinkedShipment,
}

fn add_months(t: Timestamp, months: i64) -> Timestamp {
    // Out of jiff's range only for absurd inputs; saturate there instead of failing.
    t.to_zoned(TimeZone::UTC)
        .checked_add(months.months())
        .map(|z| z.timestamp())
        .unwrap_or(if months >= 0 {
            Timestamp::MAX
        } else {
            Timestamp::MIN
        })
}

/// Where a link's window starts.
pub fn window_start(linked_at: Timestamp) -> Timestamp {
    add_months(linked_at, -LOOKBACK_MONTHS)
}

/// Checks that linking the number to another shipment at `linked_at` keeps the links at least
/// [`REUSE_MONTHS`] apart from every existing link of the number.
pub fn check_new_link(
    existing: &[LinkedShipment],
    linked_at: Timestamp,
) -> Result<(), TooCloseToExisting> {
    match existing.iter().find(|link| {
        add_months(link.linked_at, REUSE_MONTHS) > linked_at
            && add_months(linked_at, REUSE_MONTHS) > link.linked_at
    }) {
        Some(link) => Err(TooCloseToExisting { existing: *link }),
        None => Ok(()),
    }
}

/// The shipment an event at `at` belongs to among a number's links (in any order), or `None`
/// when the number has no link.
pub fn resolve(links: &[LinkedShipment], at: Timestamp) -> Option<ShipmentId> {
    let oldest = links.iter().min_by_key(|l| (l.linked_at, l.shipment))?;
    links
        .iter()
        .filter(|l| window_start(l.linked_at) <= at)
        .max_by_key(|l| (l.linked_at, l.shipment))
        .or(Some(oldest))
        .map(|l| l.shipment)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().expect("timestamp")
    }

    fn link(id: i64, at: &str) -> LinkedShipment {
        LinkedShipment {
            shipment: ShipmentId::new(id).expect("positive"),
            linked_at: ts(at),
        }
    }

    #[test]
    fn single_link_takes_every_event() {
        let links = [link(1, "2024-03-01T00:00:00Z")];
        for at in [
            "2020-01-01T00:00:00Z",
            "2024-03-01T00:00:00Z",
            "2030-01-01T00:00:00Z",
        ] {
            assert_eq!(resolve(&links, ts(at)), ShipmentId::new(1));
        }
        assert_eq!(resolve(&[], ts("2024-01-01T00:00:00Z")), None);
    }

    #[test]
    fn reused_number_splits_by_window() {
        let links = [
            link(2, "2025-06-01T00:00:00Z"),
            link(1, "2024-03-01T00:00:00Z"),
        ];
        // Old parcel's events, before and after its own link.
        assert_eq!(
            resolve(&links, ts("2024-02-20T00:00:00Z")),
            ShipmentId::new(1)
        );
        assert_eq!(
            resolve(&links, ts("2024-11-30T00:00:00Z")),
            ShipmentId::new(1)
        );
        // The new link's window opens six months before it was linked.
        assert_eq!(
            resolve(&links, ts("2024-12-01T00:00:00Z")),
            ShipmentId::new(2)
        );
        assert_eq!(
            resolve(&links, ts("2025-07-01T00:00:00Z")),
            ShipmentId::new(2)
        );
    }

    #[test]
    fn links_closer_than_twelve_months_are_rejected() {
        let existing = [link(1, "2024-03-01T00:00:00Z")];
        let err = check_new_link(&existing, ts("2025-02-28T23:59:59Z")).expect_err("too close");
        assert_eq!(err.existing, existing[0]);
        assert!(check_new_link(&existing, ts("2025-03-01T00:00:00Z")).is_ok());
        // A backdated link is checked in the other direction too.
        assert!(check_new_link(&existing, ts("2023-06-01T00:00:00Z")).is_err());
        assert!(check_new_link(&existing, ts("2023-03-01T00:00:00Z")).is_ok());
    }
}
