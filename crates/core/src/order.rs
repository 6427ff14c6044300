//! The marketplace order a shipment belongs to: what was bought, where, for how much, and the
//! buyer-protection clock (with the seller-contact and dispute dates the watchdog needs).
//!
//! Text fields are validated on construction: marketplace and order number are non-empty,
//! currencies are three upper-case letters, countries two.

use std::fmt;
use std::str::FromStr;

use crate::event_time::EventTime;

/// Why an order field is invalid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrderError {
    /// A required text is empty or too long.
    #[error("{field} must be 1 to {max} characters, got {len}")]
    BadText {
        /// Which field.
        field: &'static str,
        /// The longest allowed.
        max: usize,
        /// The length given.
        len: usize,
    },
    /// Not an ISO 4217-style currency code.
    #[error("invalid currency {0:?}: expected three letters such as USD or RUB")]
    BadCurrency(String),
    /// Not an ISO 3166-1 alpha-2-style country code.
    #[error("invalid country {0:?}: expected two letters such as RU or CN")]
    BadCountry(String),
    /// Not a price.
    #[error("invalid price {0:?}: expected an amount and a currency such as \"12.34 USD\"")]
    BadPrice(String),
}

fn bounded_text(field: &'static str, value: &str, max: usize) -> Result<String, OrderError> {
    let value = value.trim();
    let len = value.chars().count();
    if (1..=max).contains(&len) {
        Ok(value.to_owned())
    } else {
        Err(OrderError::BadText { field, max, len })
    }
}

fn letters<const N: usize>(value: &str) -> Option<[u8; N]> {
    let bytes: [u8; N] = value.trim().as_bytes().try_into().ok()?;
    bytes
        .iter()
        .all(u8::is_ascii_alphabetic)
        .then(|| bytes.map(|b| b.to_ascii_uppercase()))
}

/// A three-letter currency code, upper case (`USD`, `RUB`, `CNY`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Currency([u8; 3]);

impl Currency {
    /// The code.
    pub fn as_str(&self) -> &str {
        // Only ASCII letters are ever stored.
        std::str::from_utf8(&self.0).unwrap_or("???")
    }
}

impl FromStr for Currency {
    type Err = OrderError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        letters(s)
            .map(Self)
            .ok_or_else(|| OrderError::BadCurrency(s.to_owned()))
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A two-letter country code, upper case (`RU`, `CN`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CountryCode([u8; 2]);

impl CountryCode {
    /// The code.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("??")
    }
}

impl FromStr for CountryCode {
    type Err = OrderError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        letters(s)
            .map(Self)
            .ok_or_else(|| OrderError::BadCountry(s.to_owned()))
    }
}

impl fmt::Display for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A price in hundredths of the currency unit (cents, kopecks, fen), whatever the currency's
/// own minor unit: exact, and enough for the price-based fake-track prior.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Price {
    /// The amount in hundredths of a unit; never negative.
    cents: i64,
    /// The currency.
    currency: Currency,
}

impl Price {
    /// A price; `None` if negative.
    pub fn new(cents: i64, currency: Currency) -> Option<Self> {
        (cents >= 0).then_some(Self { cents, currency })
    }

    /// The amount in hundredths.
    pub fn cents(&self) -> i64 {
        self.cents
    }

    /// The currency.
    pub fn currency(&self) -> Currency {
        self.currency
    }
}

impl FromStr for Price {
    type Err = OrderError;

    /// Parses `12.34 USD`, `12 usd` or `0.5 RUB`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || OrderError::BadPrice(s.to_owned());
        let (amount, currency) = s.trim().split_once(char::is_whitespace).ok_or_else(bad)?;
        let currency: Currency = currency.parse().map_err(|_| bad())?;
        let (units, frac) = amount.split_once('.').unwrap_or((amount, ""));
        let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
        if !digits(units) || !(frac.is_empty() || (frac.len() <= 2 && digits(frac))) {
            return Err(bad());
        }
        let units: i64 = units.parse().map_err(|_| bad())?;
        let frac: i64 = format!("{frac:0<2}").parse().map_err(|_| bad())?;
        let cents = units
            .checked_mul(100)
            .and_then(|c| c.checked_add(frac))
            .ok_or_else(bad)?;
        Price::new(cents, currency).ok_or_else(bad)
    }
}

impl fmt::Display for Price {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}.{:02} {}",
            self.cents / 100,
            self.cents % 100,
            self.currency
        )
    }
}

/// A seller's extension of the buyer-protection period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProtectionExtension {
    /// Days added.
    pub days: u16,
    /// When the extension was granted, if known.
    pub granted_at: Option<EventTime>,
}

/// Where the parcel is going.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Destination {
    /// Country, if known.
    pub country: Option<CountryCode>,
    /// City, as the buyer wrote it.
    pub city: Option<String>,
    /// Postcode, as the buyer wrote it.
    pub postcode: Option<String>,
}

/// A marketplace order. Only marketplace and order number are required.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    marketplace: String,
    order_number: String,
    /// When the order was placed.
    pub placed_at: Option<EventTime>,
    /// When the seller marked it shipped.
    pub shipped_at: Option<EventTime>,
    /// What the buyer paid.
    pub price: Option<Price>,
    /// The buyer-protection period the seller set, in days (usually 60).
    pub protection_days: Option<u16>,
    /// Extensions granted so far, oldest first.
    pub protection_extensions: Vec<ProtectionExtension>,
    /// Where the parcel goes.
    pub destination: Destination,
    /// When the buyer first wrote to the seller about the parcel.
    pub seller_contacted_at: Option<EventTime>,
    /// When the seller answered.
    pub seller_replied_at: Option<EventTime>,
    /// When the buyer opened a dispute.
    pub dispute_opened_at: Option<EventTime>,
}

impl Order {
    /// Longest marketplace name.
    pub const MAX_MARKETPLACE: usize = 64;
    /// Longest order number.
    pub const MAX_ORDER_NUMBER: usize = 64;

    /// An order with only its identity; set the public fields for the rest.
    pub fn new(marketplace: &str, order_number: &str) -> Result<Self, OrderError> {
        Ok(Self {
            marketplace: bounded_text("marketplace", marketplace, Self::MAX_MARKETPLACE)?,
            order_number: bounded_text("order number", order_number, Self::MAX_ORDER_NUMBER)?,
            placed_at: None,
            shipped_at: None,
            price: None,
            protection_days: None,
            protection_extensions: Vec::new(),
            destination: Destination::default(),
            seller_contacted_at: None,
            seller_replied_at: None,
            dispute_opened_at: None,
        })
    }

    /// The marketplace (e.g. `aliexpress`).
    pub fn marketplace(&self) -> &str {
        &self.marketplace
    }

    /// The marketplace's order number.
    pub fn order_number(&self) -> &str {
        &self.order_number
    }

    /// The protection period with every extension, in days.
    pub fn total_protection_days(&self) -> Option<u32> {
        self.protection_days.map(|base| {
            u32::from(base)
                + self
                    .protection_extensions
                    .iter()
                    .map(|e| u32::from(e.days))
                    .sum::<u32>()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_parse_exactly() {
        let p: Price = "12.34 usd".parse().expect("valid");
        assert_eq!((p.cents(), p.currency().as_str()), (1234, "USD"));
        assert_eq!("0.5 RUB".parse::<Price>().expect("valid").cents(), 50);
        assert_eq!(
            "7 CNY".parse::<Price>().expect("valid").to_string(),
            "7.00 CNY"
        );
        for bad in [
            "12.345 USD",
            "-1 USD",
            "12 US",
            "USD",
            "1,5 EUR",
            ". USD",
            "99999999999999999999 USD",
        ] {
            assert!(bad.parse::<Price>().is_err(), "{bad}");
        }
    }

    #[test]
    fn codes_are_upper_case_letters() {
        assert_eq!("ru".parse::<CountryCode>().expect("valid").as_str(), "RU");
        assert!("R1".parse::<CountryCode>().is_err());
        assert!("RUS".parse::<CountryCode>().is_err());
        assert!("руб".parse::<Currency>().is_err());
    }

    #[test]
    fn order_needs_identity_and_sums_extensions() {
        assert!(Order::new(" ", "123").is_err());
        assert!(Order::new("aliexpress", "").is_err());
        let mut order = Order::new("aliexpress", "8123456789012345").expect("valid");
        assert_eq!(order.total_protection_days(), None);
        order.protection_days = Some(60);
        order.protection_extensions = vec![
            ProtectionExtension {
                days: 15,
                granted_at: None,
            },
            ProtectionExtension {
                days: 30,
                granted_at: None,
            },
        ];
        assert_eq!(order.total_protection_days(), Some(105));
    }

    proptest::proptest! {
        #[test]
        fn price_parse_never_panics(s in ".{0,30}") {
            let _ = s.parse::<Price>();
        }
    }
}
