//! What importing a notification does to the store, decided without touching it.
//!
//! A tracking number the store does not know starts a shipment. A known number updates its
//! shipment's order instead of starting a second shipment: the mail's order number replaces
//! the placeholder [`UNKNOWN_ORDER_NUMBER`], and dates the stored order lacks are filled in,
//! but nothing the store already holds is overwritten (the user may have corrected it). A
//! different order number than the stored one is a conflict, reported and left alone. So
//! importing the same message twice changes nothing the second time.
//!
//! S10 numbers are reused after 12 months ([`posylka_core::number_window`]): a message dated
//! at least that long after every link of its number is about a new parcel.

use jiff::Timestamp;
use posylka_core::document::UNKNOWN_ORDER_NUMBER;
use posylka_core::number_window::{LinkedShipment, check_new_link, resolve};
use posylka_core::order::Order;
use posylka_core::shipment::{Shipment, ShipmentId, TrackingNumber};

/// What to do for one tracking number of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Start a shipment under the number, with the order if the message has one.
    Create {
        /// The order to attach.
        order: Option<Order>,
    },
    /// Replace the shipment's order with this one (the stored one completed from the mail).
    SetOrder {
        /// The shipment.
        shipment: ShipmentId,
        /// Its order after the update.
        order: Order,
    },
    /// The shipment already has everything the message says.
    Unchanged {
        /// The shipment.
        shipment: ShipmentId,
    },
    /// The shipment's order has another number than the message's; nothing is changed.
    Conflict {
        /// The shipment.
        shipment: ShipmentId,
        /// The stored order number.
        stored: String,
        /// The message's order number.
        mail: String,
    },
}

impl Action {
    /// A stable key: `create`, `set_order`, `unchanged` or `conflict`.
    pub fn key(&self) -> &'static str {
        match self {
            Action::Create { .. } => "create",
            Action::SetOrder { .. } => "set_order",
            Action::Unchanged { .. } => "unchanged",
            Action::Conflict { .. } => "conflict",
        }
    }
}

/// Decides what a message's order for `number` does, given the shipments the store has under
/// that number (as `find_by_number` returns them) and the message's date.
///
/// `marketplace_known` tells whether the message named its marketplace: without it the
/// order's marketplace is the document default and must not replace a stored one.
pub fn plan(
    number: &TrackingNumber,
    existing: &[Shipment],
    order: Option<&Order>,
    marketplace_known: bool,
    at: Timestamp,
) -> Action {
    let links: Vec<LinkedShipment> = existing
        .iter()
        .flat_map(|s| {
            s.numbers
                .iter()
                .filter(|l| l.number == *number)
                .map(|l| LinkedShipment {
                    shipment: s.id,
                    linked_at: l.linked_at,
                })
        })
        .collect();
    let reused = check_new_link(&links, at).is_ok() && links.iter().all(|l| l.linked_at < at);
    let target = if reused { None } else { resolve(&links, at) };
    let Some(id) = target else {
        return Action::Create {
            order: order.cloned(),
        };
    };
    let stored = existing
        .iter()
        .find(|s| s.id == id)
        .and_then(|s| s.order.as_ref());
    match (stored, order) {
        (_, None) => Action::Unchanged { shipment: id },
        (None, Some(mail)) => Action::SetOrder {
            shipment: id,
            order: mail.clone(),
        },
        (Some(stored), Some(mail)) => merge(id, stored, mail, marketplace_known),
    }
}

fn merge(id: ShipmentId, stored: &Order, mail: &Order, marketplace_known: bool) -> Action {
    let stored_unknown = stored.order_number() == UNKNOWN_ORDER_NUMBER;
    let mail_unknown = mail.order_number() == UNKNOWN_ORDER_NUMBER;
    if !stored_unknown && !mail_unknown && stored.order_number() != mail.order_number() {
        return Action::Conflict {
            shipment: id,
            stored: stored.order_number().to_owned(),
            mail: mail.order_number().to_owned(),
        };
    }
    let takes_identity = stored_unknown && !mail_unknown;
    let mut merged = if takes_identity {
        let marketplace = if marketplace_known {
            mail.marketplace()
        } else {
            stored.marketplace()
        };
        match Order::new(marketplace, mail.order_number()) {
            Ok(mut order) => {
                copy_details(stored, &mut order);
                order
            }
            // Both parts come from valid orders; keep the stored one if that ever changes.
            Err(_) => stored.clone(),
        }
    } else {
        stored.clone()
    };
    // Fill in what the store lacks; what it has stays (the user may have corrected it).
    merged.placed_at = merged.placed_at.or(mail.placed_at);
    merged.shipped_at = merged.shipped_at.or(mail.shipped_at);
    merged.price = merged.price.or(mail.price);
    if merged == *stored {
        Action::Unchanged { shipment: id }
    } else {
        Action::SetOrder {
            shipment: id,
            order: merged,
        }
    }
}

/// Copies every field but the identity (marketplace, number).
fn copy_details(from: &Order, to: &mut Order) {
    to.placed_at = from.placed_at;
    to.shipped_at = from.shipped_at;
    to.price = from.price;
    to.protection_days = from.protection_days;
    to.protection_extensions = from.protection_extensions.clone();
    to.destination = from.destination.clone();
    to.seller_contacted_at = from.seller_contacted_at;
    to.seller_replied_at = from.seller_replied_at;
    to.dispute_opened_at = from.dispute_opened_at;
}

#[cfg(test)]
mod tests {
    use super::*;
    use posylka_core::shipment::{Leg, NumberLink};

    fn ts(s: &str) -> Timestamp {
        s.parse().expect("timestamp")
    }

    fn number() -> TrackingNumber {
        TrackingNumber::parse("RA123456785CN").expect("valid")
    }

    fn shipment(id: i64, linked: &str, order: Option<Order>) -> Shipment {
        Shipment {
            id: ShipmentId::new(id).expect("positive"),
            created_at: ts(linked),
            numbers: vec![NumberLink {
                number: number(),
                leg: Leg::Through,
                linked_at: ts(linked),
            }],
            order,
            status: None,
            event_count: 0,
        }
    }

    fn order(number: &str, shipped: Option<&str>) -> Order {
        let mut o = Order::new("aliexpress", number).expect("valid");
        o.shipped_at = shipped.map(|s| s.parse().expect("time"));
        o
    }

    const MAIL_AT: &str = "2026-11-21T01:00:00Z";

    #[test]
    fn an_unknown_number_starts_a_shipment() {
        let mail = order("8190000000000001", None);
        assert_eq!(
            plan(&number(), &[], Some(&mail), true, ts(MAIL_AT)),
            Action::Create { order: Some(mail) }
        );
    }

    #[test]
    fn a_known_number_gets_the_order_once() {
        let mail = order("8190000000000001", Some("2026-11-21T09:14:03+08:00"));
        let bare = [shipment(7, "2026-11-10T00:00:00Z", None)];
        let action = plan(&number(), &bare, Some(&mail), true, ts(MAIL_AT));
        assert_eq!(
            action,
            Action::SetOrder {
                shipment: bare[0].id,
                order: mail.clone()
            }
        );
        // The second import of the same message finds the order in place.
        let done = [shipment(7, "2026-11-10T00:00:00Z", Some(mail.clone()))];
        assert_eq!(
            plan(&number(), &done, Some(&mail), true, ts(MAIL_AT)).key(),
            "unchanged"
        );
    }

    #[test]
    fn the_placeholder_number_is_replaced_and_stored_dates_are_kept() {
        let stored = order(UNKNOWN_ORDER_NUMBER, Some("2026-11-19T00:00:00+03:00"));
        let mail = order("8190000000000001", Some("2026-11-21T09:14:03+08:00"));
        let existing = [shipment(7, "2026-11-10T00:00:00Z", Some(stored.clone()))];
        let Action::SetOrder { order: merged, .. } =
            plan(&number(), &existing, Some(&mail), true, ts(MAIL_AT))
        else {
            panic!("expected an update");
        };
        assert_eq!(merged.order_number(), "8190000000000001");
        assert_eq!(merged.shipped_at, stored.shipped_at);
    }

    #[test]
    fn another_order_number_is_a_conflict() {
        let existing = [shipment(
            7,
            "2026-11-10T00:00:00Z",
            Some(order("1111111111111111", None)),
        )];
        let mail = order("8190000000000001", None);
        assert_eq!(
            plan(&number(), &existing, Some(&mail), true, ts(MAIL_AT)).key(),
            "conflict"
        );
    }

    #[test]
    fn a_number_reused_a_year_later_is_a_new_parcel() {
        let existing = [shipment(7, "2025-06-01T00:00:00Z", None)];
        assert_eq!(
            plan(&number(), &existing, None, false, ts(MAIL_AT)),
            Action::Create { order: None }
        );
        let recent = [shipment(7, "2026-06-01T00:00:00Z", None)];
        assert_eq!(
            plan(&number(), &recent, None, false, ts(MAIL_AT)).key(),
            "unchanged"
        );
    }
}
