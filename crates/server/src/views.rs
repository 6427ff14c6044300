//! The API's JSON shapes for stored data, built from the core's types.
//!
//! Times with an original offset (events, order dates) keep it (`2024-05-01T10:00:00+08:00`);
//! store instants are UTC (`...Z`). Keys (milestone, side, reason, leg) are the core's
//! snake_case keys.

use posylka_core::account::OwnedShipment;
use posylka_core::event_time::EventTime;
use posylka_core::order::Order;
use posylka_core::shipment::{NumberLink, Shipment};
use posylka_core::timeline::{EventRecord, Status, TimelineEvent};
use posylka_store::ShipmentTimeline;
use serde::Serialize;
use utoipa::ToSchema;

use crate::findings::{Assessment, EtaView, FindingView};

fn time(t: Option<&EventTime>) -> Option<String> {
    t.map(ToString::to_string)
}

/// A tracking number attached to a shipment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct NumberView {
    /// Canonical number.
    pub number: String,
    /// `through`, `first_mile` or `last_mile`.
    pub leg: String,
    /// When it was attached (UTC).
    pub linked_at: String,
}

impl From<&NumberLink> for NumberView {
    fn from(l: &NumberLink) -> Self {
        Self {
            number: l.number.to_string(),
            leg: l.leg.as_str().to_owned(),
            linked_at: l.linked_at.to_string(),
        }
    }
}

/// A price.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct PriceView {
    /// Decimal amount with two decimals (`"12.34"`).
    pub amount: String,
    /// ISO 4217 code.
    pub currency: String,
}

/// Where the parcel goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct DestinationView {
    /// ISO 3166-1 alpha-2 code.
    pub country: Option<String>,
    /// City.
    pub city: Option<String>,
    /// Postcode.
    pub postcode: Option<String>,
}

/// The marketplace order (same field names as the shipment document's `order`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct OrderView {
    /// The marketplace's order number.
    pub number: String,
    /// The marketplace.
    pub marketplace: String,
    /// When the order was placed.
    pub placed_at: Option<String>,
    /// When the seller marked it shipped.
    pub shipped_at: Option<String>,
    /// What the buyer paid.
    pub price: Option<PriceView>,
    /// The buyer-protection period the seller set, in days.
    pub protection_days: Option<u16>,
    /// Days added by extensions.
    pub protection_extended_days: u32,
    /// Where the parcel goes.
    pub destination: DestinationView,
    /// When the buyer wrote to the seller.
    pub seller_contacted_at: Option<String>,
    /// When the seller answered.
    pub seller_replied_at: Option<String>,
    /// When the buyer opened a dispute.
    pub dispute_opened_at: Option<String>,
}

impl From<&Order> for OrderView {
    fn from(o: &Order) -> Self {
        Self {
            number: o.order_number().to_owned(),
            marketplace: o.marketplace().to_owned(),
            placed_at: time(o.placed_at.as_ref()),
            shipped_at: time(o.shipped_at.as_ref()),
            price: o.price.map(|p| PriceView {
                amount: format!("{}.{:02}", p.cents() / 100, p.cents() % 100),
                currency: p.currency().to_string(),
            }),
            protection_days: o.protection_days,
            protection_extended_days: o
                .protection_extensions
                .iter()
                .map(|e| u32::from(e.days))
                .sum(),
            destination: DestinationView {
                country: o.destination.country.map(|c| c.to_string()),
                city: o.destination.city.clone(),
                postcode: o.destination.postcode.clone(),
            },
            seller_contacted_at: time(o.seller_contacted_at.as_ref()),
            seller_replied_at: time(o.seller_replied_at.as_ref()),
            dispute_opened_at: time(o.dispute_opened_at.as_ref()),
        }
    }
}

/// A shipment's current state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct StatusView {
    /// One of the 18 milestone keys.
    pub milestone: String,
    /// Customs side (`export`, `import`, `transit`), if any.
    pub side: Option<String>,
    /// Exception reason, if any.
    pub reason: Option<String>,
    /// When the event that set it happened (original offset).
    pub at: String,
}

impl From<&Status> for StatusView {
    fn from(s: &Status) -> Self {
        Self {
            milestone: s.milestone.key().to_owned(),
            side: s.side.map(|x| x.key().to_owned()),
            reason: s.reason.map(|x| x.key().to_owned()),
            at: s.at.to_string(),
        }
    }
}

/// A shipment as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ShipmentView {
    /// The id.
    pub id: i64,
    /// When it was created (UTC).
    pub created_at: String,
    /// When it was archived, if it is.
    pub archived_at: Option<String>,
    /// Its numbers, oldest link first.
    pub numbers: Vec<NumberView>,
    /// The order, if known.
    pub order: Option<OrderView>,
    /// The current state; `null` before the first event.
    pub status: Option<StatusView>,
    /// Source records stored (before merging).
    pub event_count: u64,
}

impl ShipmentView {
    /// The view of a shipment and its archive time.
    pub fn new(s: &Shipment, archived_at: Option<jiff::Timestamp>) -> Self {
        Self {
            id: s.id.get(),
            created_at: s.created_at.to_string(),
            archived_at: archived_at.map(|t| t.to_string()),
            numbers: s.numbers.iter().map(NumberView::from).collect(),
            order: s.order.as_ref().map(OrderView::from),
            status: s.status.as_ref().map(StatusView::from),
            event_count: s.event_count,
        }
    }
}

impl From<&OwnedShipment> for ShipmentView {
    fn from(o: &OwnedShipment) -> Self {
        Self::new(&o.shipment, o.archived_at)
    }
}

/// One source's report of an event, as received.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct SourceView {
    /// Who reported it.
    pub source: String,
    /// The number it was reported under.
    pub number: String,
    /// The carrier's text, unchanged.
    pub text: String,
    /// The carrier's code.
    pub code: Option<String>,
    /// Where, as the source wrote it.
    pub location: Option<String>,
    /// Country code, if the source gave one.
    pub country: Option<String>,
}

impl From<&EventRecord> for SourceView {
    fn from(r: &EventRecord) -> Self {
        Self {
            source: r.source.to_string(),
            number: r.number.to_string(),
            text: r.text.clone(),
            code: r.code.clone(),
            location: r.location.clone(),
            country: r.country.map(|c| c.to_string()),
        }
    }
}

/// One event on the timeline: one instant and meaning, one or more source reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct EventView {
    /// When (original offset of the first source).
    pub at: String,
    /// The plain milestone key.
    pub milestone: String,
    /// Customs side, if any.
    pub side: Option<String>,
    /// Exception reason, if any.
    pub reason: Option<String>,
    /// Where.
    pub location: Option<String>,
    /// Country code.
    pub country: Option<String>,
    /// Every source's report.
    pub sources: Vec<SourceView>,
}

impl From<&TimelineEvent> for EventView {
    fn from(e: &TimelineEvent) -> Self {
        Self {
            at: e.at.to_string(),
            milestone: e.milestone.key().to_owned(),
            side: e.side.map(|x| x.key().to_owned()),
            reason: e.reason.map(|x| x.key().to_owned()),
            location: e.location.clone(),
            country: e.country.map(|c| c.to_string()),
            sources: e.sources.iter().map(SourceView::from).collect(),
        }
    }
}

/// A shipment with its timeline, findings and ETA.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ShipmentDetail {
    /// The shipment.
    #[serde(flatten)]
    pub shipment: ShipmentView,
    /// Its events, oldest first.
    pub timeline: Vec<EventView>,
    /// What needs attention, the most urgent first.
    pub findings: Vec<FindingView>,
    /// When it should arrive, if that can be told.
    pub eta: Option<EtaView>,
}

impl ShipmentDetail {
    /// The detail view.
    pub fn new(
        st: &ShipmentTimeline,
        archived_at: Option<jiff::Timestamp>,
        assessment: Assessment,
    ) -> Self {
        Self {
            shipment: ShipmentView::new(&st.shipment, archived_at),
            timeline: st.timeline.events().iter().map(EventView::from).collect(),
            findings: assessment.findings,
            eta: assessment.eta,
        }
    }
}
