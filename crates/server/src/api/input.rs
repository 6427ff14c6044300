//! Request bodies that carry shipment-document parts. They mirror
//! `posylka_core::document` field for field (so the OpenAPI document can describe them) and
//! convert into it, so validation and error paths (`order.price.currency`, `events[1].time`)
//! are the core's.

use posylka_core::document::{
    Amount, DestinationDocument, EventDocument, OrderDocument, PriceDocument,
};
use serde::Deserialize;
use utoipa::ToSchema;

/// An amount: a JSON number (`3.2`) or a decimal string (`"3.20"`).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum AmountInput {
    /// A JSON number.
    Number(f64),
    /// A decimal string.
    Text(String),
}

/// A price.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PriceInput {
    /// The amount, at most two decimals.
    pub amount: AmountInput,
    /// ISO 4217 code such as `USD`.
    pub currency: String,
}

/// Where the parcel goes.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DestinationInput {
    /// ISO 3166-1 alpha-2 code.
    #[serde(default)]
    pub country: Option<String>,
    /// City.
    #[serde(default)]
    pub city: Option<String>,
    /// Postcode.
    #[serde(default)]
    pub postcode: Option<String>,
}

/// A marketplace order; every field optional (dates RFC 3339 with an offset).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderInput {
    /// The marketplace's order number.
    #[serde(default)]
    pub number: Option<String>,
    /// The marketplace (`aliexpress`, `ozon`, ...); `aliexpress` if absent.
    #[serde(default)]
    pub marketplace: Option<String>,
    /// When the order was placed.
    #[serde(default)]
    pub placed_at: Option<String>,
    /// When the seller marked it shipped.
    #[serde(default)]
    pub shipped_at: Option<String>,
    /// What the buyer paid.
    #[serde(default)]
    pub price: Option<PriceInput>,
    /// Buyer-protection period in days.
    #[serde(default)]
    pub protection_days: Option<u16>,
    /// Days the seller added to the protection period.
    #[serde(default)]
    pub protection_extended_days: Option<u16>,
    /// Where the parcel goes.
    #[serde(default)]
    pub destination: Option<DestinationInput>,
    /// When the buyer wrote to the seller.
    #[serde(default)]
    pub seller_contacted_at: Option<String>,
    /// When the seller answered.
    #[serde(default)]
    pub seller_replied_at: Option<String>,
    /// When the buyer opened a dispute.
    #[serde(default)]
    pub dispute_opened_at: Option<String>,
}

/// One carrier event.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EventInput {
    /// The tracking number it was reported under. Optional for a shipment's own events (the
    /// shipment's first number); required for pushes.
    #[serde(default)]
    pub number: Option<String>,
    /// When it happened: RFC 3339 with an offset (`2024-05-01T10:00:00+08:00`).
    pub time: String,
    /// The carrier's status text, unchanged.
    pub text: String,
    /// The carrier's status code.
    #[serde(default)]
    pub code: Option<String>,
    /// The carrier, in any spelling (`russian-post`, `Почта России`, `cainiao`).
    #[serde(default)]
    pub carrier: Option<String>,
    /// Where it happened, free text.
    #[serde(default)]
    pub location: Option<String>,
    /// The country it happened in (ISO code).
    #[serde(default)]
    pub country: Option<String>,
}

impl From<PriceInput> for PriceDocument {
    fn from(p: PriceInput) -> Self {
        Self {
            amount: match p.amount {
                AmountInput::Number(n) => Amount::Number(n),
                AmountInput::Text(t) => Amount::Text(t),
            },
            currency: p.currency,
        }
    }
}

impl From<DestinationInput> for DestinationDocument {
    fn from(d: DestinationInput) -> Self {
        Self {
            country: d.country,
            city: d.city,
            postcode: d.postcode,
        }
    }
}

impl From<OrderInput> for OrderDocument {
    fn from(o: OrderInput) -> Self {
        Self {
            number: o.number,
            marketplace: o.marketplace,
            placed_at: o.placed_at,
            shipped_at: o.shipped_at,
            price: o.price.map(Into::into),
            protection_days: o.protection_days,
            protection_extended_days: o.protection_extended_days,
            destination: o.destination.map(Into::into),
            seller_contacted_at: o.seller_contacted_at,
            seller_replied_at: o.seller_replied_at,
            dispute_opened_at: o.dispute_opened_at,
        }
    }
}

impl From<&EventInput> for EventDocument {
    fn from(e: &EventInput) -> Self {
        Self {
            time: e.time.clone(),
            text: e.text.clone(),
            code: e.code.clone(),
            carrier: e.carrier.clone(),
            location: e.location.clone(),
            country: e.country.clone(),
        }
    }
}

/// Reads a field that may be absent (leave as is), `null` (clear) or a value (set): JSON
/// merge-patch semantics (RFC 7396).
pub fn patch_field<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}
