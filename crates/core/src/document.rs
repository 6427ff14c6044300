//! The shipment document: one parcel's numbers, order and events in one JSON object.
//!
//! It is what `posylka check FILE` and `posylka add --from FILE` read, what the simulator
//! writes and what the HTTP API accepts to create a shipment:
//!
//! ```json
//! {"tracking_numbers": ["RA123456785CN"],
//!  "order": {"number": "8123...", "marketplace": "aliexpress", "placed_at": "...",
//!            "shipped_at": "...", "price": {"amount": 3.2, "currency": "USD"},
//!            "protection_days": 60, "protection_extended_days": 15,
//!            "destination": {"country": "RU", "city": "Kazan", "postcode": "420000"},
//!            "seller_contacted_at": "...", "seller_replied_at": "...", "dispute_opened_at": "..."},
//!  "events": [{"time": "2024-05-01T10:00:00+08:00", "text": "...", "code": "...",
//!              "carrier": "...", "location": "...", "country": "CN"}]}
//! ```
//!
//! Every order field is optional. [`ShipmentDocument`] is the wire form (plain strings, what
//! serde reads); [`ShipmentDocument::parse`] turns it into [`Document`], whose parts are the
//! core's validated types, or names the first field at fault (`order.price.currency`,
//! `events[3].time`).

use serde::{Deserialize, Serialize};

use crate::event_time::EventTime;
use crate::normalize::{Normalizer, RawEvent};
use crate::order::{CountryCode, Currency, Destination, Order, Price, ProtectionExtension};
use crate::shipment::TrackingNumber;
use crate::timeline::{EventRecord, SourceName};

/// The marketplace assumed when a document's order names none.
pub const DEFAULT_MARKETPLACE: &str = "aliexpress";

/// The order number recorded when a document's order names none: the watchdog still needs the
/// order's dates and price, and the number can be filled in later.
pub const UNKNOWN_ORDER_NUMBER: &str = "unknown";

/// The wire form of a shipment document (see the module docs).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ShipmentDocument {
    /// The parcel's numbers, as written; the first is the main one.
    pub tracking_numbers: Vec<String>,
    /// The marketplace order, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<OrderDocument>,
    /// Carrier events, in any order.
    #[serde(default)]
    pub events: Vec<EventDocument>,
}

/// The wire form of an order; every field optional.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OrderDocument {
    /// The marketplace's order number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    /// The marketplace (`aliexpress`, `ozon`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub marketplace: Option<String>,
    /// When the order was placed (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placed_at: Option<String>,
    /// When the seller marked it shipped (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipped_at: Option<String>,
    /// What the buyer paid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<PriceDocument>,
    /// The buyer-protection period in days.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protection_days: Option<u16>,
    /// Days the seller added to the protection period.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protection_extended_days: Option<u16>,
    /// Where the parcel goes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination: Option<DestinationDocument>,
    /// When the buyer wrote to the seller (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seller_contacted_at: Option<String>,
    /// When the seller answered (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seller_replied_at: Option<String>,
    /// When the buyer opened a dispute (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dispute_opened_at: Option<String>,
}

/// A price: an amount (a JSON number or a decimal string) and a currency code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PriceDocument {
    /// The amount in currency units, at most two decimals.
    pub amount: Amount,
    /// ISO 4217 code such as `USD`.
    pub currency: String,
}

/// An amount as JSON gives it: `3.2` or `"3.20"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Amount {
    /// A JSON number.
    Number(f64),
    /// A decimal string.
    Text(String),
}

/// The wire form of a destination.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DestinationDocument {
    /// ISO 3166-1 alpha-2 code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// City, as the buyer wrote it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// Postcode, as the buyer wrote it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postcode: Option<String>,
}

/// The wire form of one carrier event.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EventDocument {
    /// When it happened (RFC 3339 with an offset).
    pub time: String,
    /// The carrier's status text.
    pub text: String,
    /// The carrier's status code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The carrier, in any spelling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carrier: Option<String>,
    /// Where it happened, free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// The country it happened in (ISO code).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

/// A document whose every part is valid.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// The numbers, canonical, first is the main one; never empty, no repeats.
    pub numbers: Vec<TrackingNumber>,
    /// The order, if the document has one.
    pub order: Option<Order>,
    /// The events in document order.
    pub events: Vec<DocumentEvent>,
}

/// One event of a [`Document`]: its time and the raw report for the normaliser.
#[derive(Debug, Clone, PartialEq)]
pub struct DocumentEvent {
    /// When it happened.
    pub at: EventTime,
    /// The country it happened in, when the document says.
    pub country: Option<CountryCode>,
    /// The report as the carrier gave it (the order's destination country filled in).
    pub raw: RawEvent,
}

/// Why a document is not valid: the field at fault (a JSON path such as `events[2].time`)
/// and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct DocumentError {
    /// The field at fault, as a path from the document's root; empty for the whole document.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

impl DocumentError {
    fn new(field: impl Into<String>, message: impl ToString) -> Self {
        Self {
            field: field.into(),
            message: message.to_string(),
        }
    }
}

/// Longest event text kept; longer carrier texts are refused rather than cut.
pub const MAX_EVENT_TEXT: usize = 4096;

impl ShipmentDocument {
    /// Reads a document from JSON; syntax errors name the line and column.
    pub fn from_json(json: &str) -> Result<Self, DocumentError> {
        serde_json::from_str(json).map_err(|e| {
            let message = e.to_string();
            DocumentError::new(String::new(), message)
        })
    }

    /// Validates every part, or names the first field at fault.
    pub fn parse(&self) -> Result<Document, DocumentError> {
        if self.tracking_numbers.is_empty() {
            return Err(DocumentError::new(
                "tracking_numbers",
                "at least one tracking number is required",
            ));
        }
        let mut numbers: Vec<TrackingNumber> = Vec::with_capacity(self.tracking_numbers.len());
        for (i, raw) in self.tracking_numbers.iter().enumerate() {
            let field = format!("tracking_numbers[{i}]");
            let number = TrackingNumber::parse(raw).map_err(|e| DocumentError::new(&field, e))?;
            if numbers.contains(&number) {
                return Err(DocumentError::new(
                    field,
                    format!("{number} is listed twice"),
                ));
            }
            numbers.push(number);
        }
        let order = self.order.as_ref().map(OrderDocument::parse).transpose()?;
        let destination = order
            .as_ref()
            .and_then(|o| o.destination.country)
            .map(|c| c.as_str().to_owned());
        let events = self
            .events
            .iter()
            .enumerate()
            .map(|(i, e)| e.parse(i, destination.as_deref()))
            .collect::<Result<_, _>>()?;
        Ok(Document {
            numbers,
            order,
            events,
        })
    }
}

fn time(field: &str, value: Option<&String>) -> Result<Option<EventTime>, DocumentError> {
    value
        .map(|v| v.parse().map_err(|e| DocumentError::new(field, e)))
        .transpose()
}

impl OrderDocument {
    fn parse(&self) -> Result<Order, DocumentError> {
        let marketplace = self.marketplace.as_deref().unwrap_or(DEFAULT_MARKETPLACE);
        let number = self.number.as_deref().unwrap_or(UNKNOWN_ORDER_NUMBER);
        let mut order = Order::new(marketplace, number).map_err(|e| {
            let field = if marketplace.trim().is_empty() || marketplace.len() > 64 {
                "order.marketplace"
            } else {
                "order.number"
            };
            DocumentError::new(field, e)
        })?;
        order.placed_at = time("order.placed_at", self.placed_at.as_ref())?;
        order.shipped_at = time("order.shipped_at", self.shipped_at.as_ref())?;
        order.seller_contacted_at = time(
            "order.seller_contacted_at",
            self.seller_contacted_at.as_ref(),
        )?;
        order.seller_replied_at = time("order.seller_replied_at", self.seller_replied_at.as_ref())?;
        order.dispute_opened_at = time("order.dispute_opened_at", self.dispute_opened_at.as_ref())?;
        order.price = self.price.as_ref().map(PriceDocument::parse).transpose()?;
        order.protection_days = self.protection_days;
        if let Some(days) = self.protection_extended_days.filter(|d| *d > 0) {
            order.protection_extensions.push(ProtectionExtension {
                days,
                granted_at: None,
            });
        }
        if let Some(dest) = &self.destination {
            order.destination = Destination {
                country: dest
                    .country
                    .as_deref()
                    .map(|c| c.parse::<CountryCode>())
                    .transpose()
                    .map_err(|e| DocumentError::new("order.destination.country", e))?,
                city: non_empty(dest.city.as_deref()),
                postcode: non_empty(dest.postcode.as_deref()),
            };
        }
        Ok(order)
    }
}

fn non_empty(value: Option<&str>) -> Option<String> {
    value
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

impl PriceDocument {
    fn parse(&self) -> Result<Price, DocumentError> {
        let currency: Currency = self
            .currency
            .parse()
            .map_err(|e| DocumentError::new("order.price.currency", e))?;
        let bad = |why: &str| DocumentError::new("order.price.amount", why);
        let cents = match &self.amount {
            Amount::Number(n) => {
                if !n.is_finite() || *n < 0.0 || *n > 1e15 {
                    return Err(bad("expected a non-negative amount"));
                }
                // f64 has ample precision for two decimals at these magnitudes.
                (n * 100.0).round() as i64
            }
            Amount::Text(t) => format!("{} {currency}", t.trim())
                .parse::<Price>()
                .map_err(|_| bad("expected a decimal amount such as 12.34"))?
                .cents(),
        };
        Price::new(cents, currency).ok_or_else(|| bad("expected a non-negative amount"))
    }
}

impl EventDocument {
    fn parse(
        &self,
        index: usize,
        destination: Option<&str>,
    ) -> Result<DocumentEvent, DocumentError> {
        let field = |name: &str| format!("events[{index}].{name}");
        let at = self
            .time
            .parse()
            .map_err(|e| DocumentError::new(field("time"), e))?;
        if self.text.len() > MAX_EVENT_TEXT {
            return Err(DocumentError::new(
                field("text"),
                format!("longer than {MAX_EVENT_TEXT} bytes"),
            ));
        }
        let country = self
            .country
            .as_deref()
            .map(|c| c.parse::<CountryCode>())
            .transpose()
            .map_err(|e| DocumentError::new(field("country"), e))?;
        Ok(DocumentEvent {
            at,
            country,
            raw: RawEvent {
                text: self.text.clone(),
                code: non_empty(self.code.as_deref()),
                carrier: non_empty(self.carrier.as_deref()),
                location: non_empty(self.location.as_deref()),
                country: country.map(|c| c.as_str().to_owned()),
                destination: destination.map(str::to_owned),
            },
        })
    }
}

impl Document {
    /// The events as normalised records under the main number, from `source`.
    pub fn records(&self, normalizer: &mut Normalizer, source: &SourceName) -> Vec<EventRecord> {
        let number = &self.numbers[0];
        self.events
            .iter()
            .map(|e| {
                let n = normalizer.normalize(&e.raw);
                EventRecord {
                    number: number.clone(),
                    at: e.at,
                    source: source.clone(),
                    text: e.raw.text.clone(),
                    code: e.raw.code.clone(),
                    location: e.raw.location.clone(),
                    country: e.country,
                    milestone: n.milestone,
                    side: n.side,
                    reason: n.reason,
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Milestone;

    const FULL: &str = r#"{
      "tracking_numbers": ["ra 1234 5678 5cn", "LP00123456789012"],
      "order": {"number": "8123456789012345", "marketplace": "aliexpress",
                "shipped_at": "2024-05-01T10:00:00+08:00",
                "price": {"amount": 3.2, "currency": "usd"},
                "protection_days": 60, "protection_extended_days": 15,
                "destination": {"country": "RU", "city": "Kazan", "postcode": "420000"}},
      "events": [{"time": "2024-05-02T10:00:00+08:00", "text": "已出口直封", "country": "CN"},
                 {"time": "2024-06-01T09:00:00+03:00", "text": "Вручение адресату",
                  "code": "2.1", "carrier": "russian-post", "location": "Казань 420000"}]
    }"#;

    #[test]
    fn a_full_document_parses_into_core_types() {
        let doc = ShipmentDocument::from_json(FULL)
            .and_then(|d| d.parse())
            .expect("valid document");
        assert_eq!(doc.numbers[0].as_str(), "RA123456785CN");
        let order = doc.order.as_ref().expect("order");
        assert_eq!(order.order_number(), "8123456789012345");
        assert_eq!(order.price.map(|p| p.cents()), Some(320));
        assert_eq!(order.total_protection_days(), Some(75));
        assert_eq!(order.destination.postcode.as_deref(), Some("420000"));
        assert_eq!(
            doc.events[0].country.map(|c| c.to_string()),
            Some("CN".into())
        );
        assert_eq!(doc.events[1].raw.destination.as_deref(), Some("RU"));

        let source = SourceName::new("document").expect("valid source");
        let records = doc.records(&mut Normalizer::new(), &source);
        assert_eq!(records.len(), 2);
        assert_eq!(records[1].milestone, Milestone::Delivered);
        assert!(records.iter().all(|r| r.number == doc.numbers[0]));
    }

    #[test]
    fn every_order_field_is_optional() {
        let doc =
            ShipmentDocument::from_json(r#"{"tracking_numbers":["RA123456785CN"],"order":{}}"#)
                .and_then(|d| d.parse())
                .expect("valid");
        let order = doc.order.expect("order");
        assert_eq!(order.marketplace(), DEFAULT_MARKETPLACE);
        assert_eq!(order.order_number(), UNKNOWN_ORDER_NUMBER);
        assert!(doc.events.is_empty());
    }

    #[test]
    fn string_amounts_are_exact() {
        let price = PriceDocument {
            amount: Amount::Text("12.34".into()),
            currency: "RUB".into(),
        };
        assert_eq!(price.parse().map(|p| p.cents()), Ok(1234));
    }

    fn error_of(json: &str) -> DocumentError {
        match ShipmentDocument::from_json(json).and_then(|d| d.parse()) {
            Ok(doc) => panic!("expected an error, got {doc:?}"),
            Err(e) => e,
        }
    }

    #[test]
    fn errors_name_the_field_at_fault() {
        assert_eq!(
            error_of(r#"{"tracking_numbers":[]}"#).field,
            "tracking_numbers"
        );
        assert_eq!(
            error_of(r#"{"tracking_numbers":["RA123456785CN","ra123456785cn"]}"#).field,
            "tracking_numbers[1]"
        );
        assert_eq!(
            error_of(r#"{"tracking_numbers":["R!"]}"#).field,
            "tracking_numbers[0]"
        );
        assert_eq!(
            error_of(
                r#"{"tracking_numbers":["RA123456785CN"],"events":[
                {"time":"2024-05-02T10:00:00Z","text":"a"},{"time":"yesterday","text":"b"}]}"#
            )
            .field,
            "events[1].time"
        );
        assert_eq!(
            error_of(
                r#"{"tracking_numbers":["RA123456785CN"],"order":{"price":{"amount":-1,"currency":"USD"}}}"#
            )
            .field,
            "order.price.amount"
        );
        assert_eq!(
            error_of(
                r#"{"tracking_numbers":["RA123456785CN"],"order":{"destination":{"country":"Russia"}}}"#
            )
            .field,
            "order.destination.country"
        );
        assert_eq!(
            error_of(
                r#"{"tracking_numbers":["RA123456785CN"],"order":{"shipped_at":"2024-05-01"}}"#
            )
            .field,
            "order.shipped_at"
        );
        let syntax = error_of("{\n  \"tracking_numbers\": [\"RA123456785CN\"\n");
        assert!(syntax.message.contains("line"), "{syntax}");
    }

    #[test]
    fn a_document_round_trips_through_json() {
        let doc = ShipmentDocument::from_json(FULL).expect("valid");
        let json = serde_json::to_string(&doc).expect("serialises");
        assert_eq!(ShipmentDocument::from_json(&json), Ok(doc));
    }
}
