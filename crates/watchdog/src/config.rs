//! The watchdog's thresholds: per marketplace, with dated duty regimes, currency rates and ETA
//! priors. The defaults are `data/watchdog.toml`, embedded at compile time; a deployment's
//! file of the same layout overrides any key ([`Config::from_toml`]).

use std::collections::BTreeMap;

use figment::Figment;
use figment::providers::{Format as _, Toml};
use jiff::civil::Date;
use posylka_core::order::{Currency, Price};
use serde::{Deserialize, Serialize};

/// The embedded defaults.
pub const DEFAULT_TOML: &str = include_str!("../data/watchdog.toml");

/// Seconds in a day: every "N days" threshold is N periods of 24 hours.
pub(crate) const DAY: i64 = 86_400;

/// Why a configuration is refused: the key at fault and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("watchdog configuration: {key}: {message}")]
pub struct ConfigError {
    /// The key, dotted from the root (`marketplace.aliexpress.protection_days`); empty when
    /// the text is not TOML at all.
    pub key: String,
    /// What is wrong (with the line for syntax errors).
    pub message: String,
}

impl ConfigError {
    fn new(key: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            message: message.into(),
        }
    }
}

/// Every threshold the rules use.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Config {
    /// Tracking thresholds, the same for every marketplace.
    pub tracking: TrackingRules,
    /// When a delivery counts as "elsewhere".
    pub delivered_elsewhere: ElsewhereRules,
    /// The price prior for fake tracking.
    pub price_prior: PricePriorRules,
    /// Timers for marketplaces not listed in `marketplaces`.
    pub default_marketplace: MarketplaceRules,
    /// Timers per marketplace, by lower-case name.
    pub marketplaces: Vec<(String, MarketplaceRules)>,
    /// Currency rates.
    pub currency: CurrencyRates,
    /// Duty-free limits.
    pub duty: DutyRules,
    /// ETA priors.
    pub eta: EtaRules,
}

/// Tracking thresholds in days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TrackingRules {
    /// No events for fewer days is normal; from then on `no_tracking_info`.
    pub first_event_days: u16,
    /// Only first events, nothing new for this many days: `suspected_fake_tracking`.
    pub fake_after_days: u16,
    /// The customs identity-data window.
    pub customs_data_days: u16,
    /// How long a pickup point keeps a parcel.
    pub pickup_storage_days: u16,
    /// `stalled` thresholds per stage.
    pub stall_days: StallDays,
}

/// Days without a new event after which a parcel counts as stalled, per stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct StallDays {
    /// The international leg (including origin-country transit after the first scans).
    pub international: u16,
    /// Destination-country transit.
    pub destination: u16,
    /// Destination customs.
    pub customs: u16,
    /// Out for delivery.
    pub out_for_delivery: u16,
}

/// When a delivery counts as "elsewhere".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ElsewhereRules {
    /// Leading postcode digits compared (1 to 6).
    pub postcode_prefix_digits: u8,
}

/// Price limits of the fake-tracking prior, in US dollars.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PricePriorRules {
    /// Cheaper: rarely tracked.
    pub rarely_tracked_below_usd: f64,
    /// Dearer: always tracked.
    pub always_tracked_above_usd: f64,
}

/// A marketplace's buyer-protection and dispute timers, in days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MarketplaceRules {
    /// Protection period when the order does not say.
    pub protection_days: u16,
    /// A "delivered" event leaves at most this many days of protection.
    pub delivered_cut_days: u16,
    /// `protection_ending` at most this many days before the end.
    pub protection_warning_days: u16,
    /// `open_dispute` at most this many days before the end.
    pub dispute_warning_days: u16,
    /// No dispute before this many days after shipment.
    pub dispute_opens_after_days: u16,
    /// `open_dispute` when the seller has not answered for this many days.
    pub seller_answer_days: u16,
    /// Not delivered after more than this many days: `overdue`.
    pub overdue_days: u16,
    /// A dispute can still be opened this many days after the order closed.
    pub dispute_after_close_days: u16,
}

/// The same with every key optional: a marketplace's overrides of `default`.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct MarketplaceOverrides {
    protection_days: Option<u16>,
    delivered_cut_days: Option<u16>,
    protection_warning_days: Option<u16>,
    dispute_warning_days: Option<u16>,
    dispute_opens_after_days: Option<u16>,
    seller_answer_days: Option<u16>,
    overdue_days: Option<u16>,
    dispute_after_close_days: Option<u16>,
}

impl MarketplaceOverrides {
    fn over(self, base: MarketplaceRules) -> MarketplaceRules {
        MarketplaceRules {
            protection_days: self.protection_days.unwrap_or(base.protection_days),
            delivered_cut_days: self.delivered_cut_days.unwrap_or(base.delivered_cut_days),
            protection_warning_days: self
                .protection_warning_days
                .unwrap_or(base.protection_warning_days),
            dispute_warning_days: self
                .dispute_warning_days
                .unwrap_or(base.dispute_warning_days),
            dispute_opens_after_days: self
                .dispute_opens_after_days
                .unwrap_or(base.dispute_opens_after_days),
            seller_answer_days: self.seller_answer_days.unwrap_or(base.seller_answer_days),
            overdue_days: self.overdue_days.unwrap_or(base.overdue_days),
            dispute_after_close_days: self
                .dispute_after_close_days
                .unwrap_or(base.dispute_after_close_days),
        }
    }
}

/// Currency rates: units of each currency for one euro.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CurrencyRates {
    /// The day the rates were taken.
    pub as_of: Date,
    /// Units per euro, by ISO code.
    pub per_eur: BTreeMap<String, f64>,
}

impl CurrencyRates {
    /// Units of `currency` per euro, if known.
    pub fn per_eur(&self, currency: Currency) -> Option<f64> {
        self.per_eur.get(currency.as_str()).copied()
    }

    /// The price in euro cents, if the currency's rate is known.
    pub fn eur_cents(&self, price: Price) -> Option<i64> {
        let rate = self.per_eur(price.currency())?;
        Some((price.cents() as f64 / rate).round() as i64)
    }

    /// The price in US dollars, if both rates are known.
    pub fn usd(&self, price: Price) -> Option<f64> {
        let usd = self.per_eur.get("USD").copied()?;
        let rate = self.per_eur(price.currency())?;
        Some(price.cents() as f64 / 100.0 / rate * usd)
    }
}

/// Duty-free limits.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DutyRules {
    /// Destination countries the regimes apply to.
    pub countries: Vec<String>,
    /// Dated regimes, oldest first.
    #[serde(rename = "regime")]
    pub regimes: Vec<DutyRegime>,
    /// What the per-kilogram minimum counts when only the value is over the limit.
    #[serde(default)]
    pub per_kg_basis: PerKgBasis,
}

/// What the per-kilogram minimum duty counts when a parcel is over the value limit but not
/// over the weight limit. Sources disagree (customs brokers read it both ways), so a
/// deployment chooses; when the weight limit is exceeded it is always the excess weight.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PerKgBasis {
    /// Only the kilograms over the weight limit (none when under it).
    #[default]
    ExcessWeight,
    /// The parcel's whole weight.
    WholeWeight,
}

impl DutyRules {
    /// The regime in force on `day`.
    pub fn regime_on(&self, day: Date) -> Option<&DutyRegime> {
        self.regimes.iter().rev().find(|r| r.from <= day)
    }

    /// Whether the regimes apply to parcels for `country`.
    pub fn applies_to(&self, country: &str) -> bool {
        self.countries
            .iter()
            .any(|c| c.eq_ignore_ascii_case(country))
    }
}

/// One dated duty regime.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DutyRegime {
    /// The first day it applies.
    pub from: Date,
    /// The duty-free limit per parcel, in euros.
    pub limit_eur: u32,
    /// The duty rate in percent.
    pub rate_percent: f64,
    /// The minimum duty per kilogram (of the excess weight), in euros.
    pub min_eur_per_kg: f64,
    /// The rate applies to the whole value, not only the excess.
    pub on_whole_value: bool,
    /// The duty-free weight per parcel in kilograms, when the regime has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight_limit_kg: Option<u32>,
}

impl DutyRegime {
    /// The duty in euro cents on one parcel worth `value_eur_cents` and weighing
    /// `weight_grams` (when known), or `None` within both limits.
    ///
    /// `rate_percent` of the value over the limit (of the whole value when
    /// `on_whole_value`), but at least `min_eur_per_kg` per kilogram: of the weight over the
    /// weight limit, of the whole weight when `on_whole_value`, and per `basis` when only
    /// the value is over. Without a weight only the value counts.
    pub fn duty_eur_cents(
        &self,
        value_eur_cents: i64,
        weight_grams: Option<u64>,
        basis: PerKgBasis,
    ) -> Option<i64> {
        let limit = i64::from(self.limit_eur) * 100;
        let over_value = value_eur_cents > limit;
        let excess_grams = match (weight_grams, self.weight_limit_kg) {
            (Some(w), Some(kg)) => w.saturating_sub(u64::from(kg) * 1000),
            _ => 0,
        };
        if !over_value && excess_grams == 0 {
            return None;
        }
        let by_value = if over_value {
            let base = if self.on_whole_value {
                value_eur_cents
            } else {
                value_eur_cents - limit
            };
            base as f64 * self.rate_percent / 100.0
        } else {
            0.0
        };
        let counted_grams = match weight_grams {
            None => 0,
            Some(w) if self.on_whole_value => w,
            Some(w) if over_value && excess_grams == 0 && basis == PerKgBasis::WholeWeight => w,
            Some(_) => excess_grams,
        };
        let by_weight = self.min_eur_per_kg * 100.0 * counted_grams as f64 / 1000.0;
        Some(by_value.max(by_weight).round() as i64)
    }
}

/// ETA settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct EtaRules {
    /// Deliveries on a lane needed before its quantiles are used.
    pub min_samples: u32,
    /// Priors per service class.
    pub prior_days: PriorDays,
}

/// `[earliest, likely, latest]` days from shipment, per service class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PriorDays {
    /// EMS.
    pub ems: [u16; 3],
    /// Paid express (DHL, TNT, FedEx, UPS).
    pub express: [u16; 3],
    /// Registered air mail and tracked packets.
    pub registered: [u16; 3],
    /// Parcels.
    pub parcel: [u16; 3],
    /// Everything else.
    pub other: [u16; 3],
}

/// The file's shape, before marketplaces inherit from `default` and values are checked.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    tracking: TrackingRules,
    delivered_elsewhere: ElsewhereRules,
    price_prior: PricePriorRules,
    marketplace: BTreeMap<String, MarketplaceOverrides>,
    currency: CurrencyRates,
    duty: DutyRules,
    eta: EtaRules,
}

impl Default for Config {
    /// The embedded defaults (`data/watchdog.toml`).
    fn default() -> Self {
        static DEFAULT: std::sync::OnceLock<Config> = std::sync::OnceLock::new();
        DEFAULT
            .get_or_init(|| match Config::parse(DEFAULT_TOML, None) {
                Ok(config) => config,
                // The embedded file is checked by a unit test; a broken build must not ship.
                Err(e) => panic!("embedded data/watchdog.toml is invalid: {e}"),
            })
            .clone()
    }
}

impl Config {
    /// The defaults with the keys `toml` sets replaced: a deployment's file holds only what
    /// it changes. Errors name the key at fault.
    pub fn from_toml(toml: &str) -> Result<Self, ConfigError> {
        Self::parse(DEFAULT_TOML, Some(toml))
    }

    fn parse(defaults: &str, overrides: Option<&str>) -> Result<Self, ConfigError> {
        let mut figment = Figment::new().merge(Toml::string(defaults));
        if let Some(text) = overrides {
            // Checked alone first, so a syntax error is reported with the user's line.
            toml_syntax(text)?;
            figment = figment.merge(Toml::string(text));
        }
        let raw: RawConfig = figment.extract().map_err(|e| {
            let key = e.path.join(".");
            ConfigError::new(key, e.kind.to_string())
        })?;
        Self::validate(raw)
    }

    fn validate(raw: RawConfig) -> Result<Self, ConfigError> {
        let mut overrides = raw.marketplace;
        let base = overrides
            .remove("default")
            .ok_or_else(|| ConfigError::new("marketplace.default", "missing"))?;
        let default_marketplace = complete(base)?;
        let mut marketplaces = Vec::new();
        for (name, o) in overrides {
            let rules = o.over(default_marketplace);
            check_marketplace(&format!("marketplace.{name}"), &rules)?;
            marketplaces.push((name.to_ascii_lowercase(), rules));
        }
        check_marketplace("marketplace.default", &default_marketplace)?;

        let t = &raw.tracking;
        positive("tracking.first_event_days", t.first_event_days)?;
        positive("tracking.fake_after_days", t.fake_after_days)?;
        positive("tracking.customs_data_days", t.customs_data_days)?;
        positive("tracking.pickup_storage_days", t.pickup_storage_days)?;
        positive(
            "tracking.stall_days.international",
            t.stall_days.international,
        )?;
        positive("tracking.stall_days.destination", t.stall_days.destination)?;
        positive("tracking.stall_days.customs", t.stall_days.customs)?;
        positive(
            "tracking.stall_days.out_for_delivery",
            t.stall_days.out_for_delivery,
        )?;
        if !(1..=6).contains(&raw.delivered_elsewhere.postcode_prefix_digits) {
            return Err(ConfigError::new(
                "delivered_elsewhere.postcode_prefix_digits",
                "expected 1 to 6",
            ));
        }
        let p = raw.price_prior;
        if !(p.rarely_tracked_below_usd.is_finite()
            && p.rarely_tracked_below_usd >= 0.0
            && p.always_tracked_above_usd.is_finite()
            && p.always_tracked_above_usd >= p.rarely_tracked_below_usd)
        {
            return Err(ConfigError::new(
                "price_prior",
                "expected 0 <= rarely_tracked_below_usd <= always_tracked_above_usd",
            ));
        }
        for (code, rate) in &raw.currency.per_eur {
            if code.parse::<Currency>().is_err() {
                return Err(ConfigError::new(
                    format!("currency.per_eur.{code}"),
                    "expected a three-letter currency code",
                ));
            }
            if !(rate.is_finite() && *rate > 0.0) {
                return Err(ConfigError::new(
                    format!("currency.per_eur.{code}"),
                    "expected a positive rate",
                ));
            }
        }
        if !raw.currency.per_eur.contains_key("USD") {
            return Err(ConfigError::new(
                "currency.per_eur.USD",
                "missing: the price prior is in US dollars",
            ));
        }
        for (i, r) in raw.duty.regimes.iter().enumerate() {
            let key = |k: &str| format!("duty.regime[{i}].{k}");
            if i > 0 && raw.duty.regimes[i - 1].from >= r.from {
                return Err(ConfigError::new(
                    key("from"),
                    "regimes must be oldest first",
                ));
            }
            if !(r.rate_percent.is_finite() && (0.0..=100.0).contains(&r.rate_percent)) {
                return Err(ConfigError::new(key("rate_percent"), "expected 0 to 100"));
            }
            if !(r.min_eur_per_kg.is_finite() && r.min_eur_per_kg >= 0.0) {
                return Err(ConfigError::new(key("min_eur_per_kg"), "expected >= 0"));
            }
        }
        for (i, c) in raw.duty.countries.iter().enumerate() {
            if c.parse::<posylka_core::order::CountryCode>().is_err() {
                return Err(ConfigError::new(
                    format!("duty.countries[{i}]"),
                    "expected a two-letter country code",
                ));
            }
        }
        let priors = raw.eta.prior_days;
        for (name, [a, b, c]) in [
            ("ems", priors.ems),
            ("express", priors.express),
            ("registered", priors.registered),
            ("parcel", priors.parcel),
            ("other", priors.other),
        ] {
            if !(a <= b && b <= c && c > 0) {
                return Err(ConfigError::new(
                    format!("eta.prior_days.{name}"),
                    "expected [earliest, likely, latest] in increasing order",
                ));
            }
        }
        if raw.eta.min_samples == 0 {
            return Err(ConfigError::new("eta.min_samples", "expected at least 1"));
        }
        Ok(Self {
            tracking: raw.tracking,
            delivered_elsewhere: raw.delivered_elsewhere,
            price_prior: raw.price_prior,
            default_marketplace,
            marketplaces,
            currency: raw.currency,
            duty: raw.duty,
            eta: raw.eta,
        })
    }

    /// The timers for `marketplace` (case-insensitive), or the default ones.
    pub fn marketplace(&self, marketplace: &str) -> &MarketplaceRules {
        self.marketplaces
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(marketplace))
            .map_or(&self.default_marketplace, |(_, rules)| rules)
    }
}

fn toml_syntax(text: &str) -> Result<(), ConfigError> {
    Figment::from(Toml::string(text))
        .extract::<figment::value::Dict>()
        .map(|_| ())
        .map_err(|e| ConfigError::new(e.path.join("."), e.kind.to_string()))
}

fn complete(o: MarketplaceOverrides) -> Result<MarketplaceRules, ConfigError> {
    let need = |v: Option<u16>, k: &str| {
        v.ok_or_else(|| ConfigError::new(format!("marketplace.default.{k}"), "missing"))
    };
    Ok(MarketplaceRules {
        protection_days: need(o.protection_days, "protection_days")?,
        delivered_cut_days: need(o.delivered_cut_days, "delivered_cut_days")?,
        protection_warning_days: need(o.protection_warning_days, "protection_warning_days")?,
        dispute_warning_days: need(o.dispute_warning_days, "dispute_warning_days")?,
        dispute_opens_after_days: need(o.dispute_opens_after_days, "dispute_opens_after_days")?,
        seller_answer_days: need(o.seller_answer_days, "seller_answer_days")?,
        overdue_days: need(o.overdue_days, "overdue_days")?,
        dispute_after_close_days: need(o.dispute_after_close_days, "dispute_after_close_days")?,
    })
}

fn positive(key: &str, value: u16) -> Result<(), ConfigError> {
    if value == 0 {
        Err(ConfigError::new(key, "expected at least 1 day"))
    } else {
        Ok(())
    }
}

fn check_marketplace(prefix: &str, r: &MarketplaceRules) -> Result<(), ConfigError> {
    positive(&format!("{prefix}.protection_days"), r.protection_days)?;
    positive(&format!("{prefix}.overdue_days"), r.overdue_days)?;
    if r.dispute_warning_days > r.protection_warning_days {
        return Err(ConfigError::new(
            format!("{prefix}.dispute_warning_days"),
            "expected at most protection_warning_days",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_defaults_are_valid_and_match_the_trade() {
        let c = Config::default();
        assert_eq!(c.tracking.first_event_days, 10);
        assert_eq!(c.tracking.stall_days.international, 20);
        assert_eq!(c.tracking.stall_days.out_for_delivery, 3);
        let ali = c.marketplace("AliExpress");
        assert_eq!(ali.protection_days, 60);
        assert_eq!(ali.delivered_cut_days, 5);
        assert_eq!(c.marketplace("unknown-shop"), &c.default_marketplace);
    }

    #[test]
    fn overrides_change_only_their_keys_and_marketplaces_inherit_default() {
        let c = Config::from_toml(
            "[tracking]\nfirst_event_days = 14\n[marketplace.ozon]\nprotection_days = 30\n",
        )
        .expect("valid");
        assert_eq!(c.tracking.first_event_days, 14);
        assert_eq!(c.tracking.fake_after_days, 10);
        let ozon = c.marketplace("ozon");
        assert_eq!(ozon.protection_days, 30);
        assert_eq!(ozon.delivered_cut_days, 5);
    }

    #[test]
    fn errors_name_the_key() {
        let bad_type = Config::from_toml("[tracking]\nfirst_event_days = \"ten\"\n")
            .expect_err("a string is no day count");
        assert_eq!(bad_type.key, "tracking.first_event_days");

        let unknown = Config::from_toml("[marketplace.ozon]\nprotection_dayz = 30\n")
            .expect_err("unknown key");
        assert!(unknown.key.starts_with("marketplace"), "{unknown}");
        assert!(unknown.message.contains("protection_dayz"), "{unknown}");

        let zero = Config::from_toml("[tracking.stall_days]\ncustoms = 0\n").expect_err("zero");
        assert_eq!(zero.key, "tracking.stall_days.customs");

        let syntax = Config::from_toml("[tracking\nfirst_event_days = 1\n").expect_err("syntax");
        assert!(syntax.message.contains("line 1"), "{syntax}");

        let rate = Config::from_toml("[currency.per_eur]\nUSD = -1.0\n").expect_err("rate");
        assert_eq!(rate.key, "currency.per_eur.USD");
    }

    #[test]
    fn duty_follows_the_worked_examples() {
        let regime = |limit_eur, rate_percent, min_eur_per_kg| DutyRegime {
            from: "2020-01-01".parse().expect("date"),
            limit_eur,
            rate_percent,
            min_eur_per_kg,
            on_whole_value: false,
            weight_limit_kg: Some(31),
        };
        let kg = |k: u64| Some(k * 1000);
        let excess = PerKgBasis::ExcessWeight;
        let now = regime(200, 15.0, 2.0);
        // EUR 300 / 31 kg -> EUR 15; 35 kg under the value limit -> the 4 kg over, EUR 8.
        assert_eq!(now.duty_eur_cents(30_000, kg(31), excess), Some(1500));
        assert_eq!(now.duty_eur_cents(10_000, kg(35), excess), Some(800));
        // Within both limits, at each limit exactly: no duty.
        assert_eq!(now.duty_eur_cents(20_000, kg(31), excess), None);
        assert_eq!(now.duty_eur_cents(20_001, kg(31), excess), Some(0));
        // Without a weight, the value alone.
        assert_eq!(now.duty_eur_cents(30_000, None, excess), Some(1500));
        // The older 30% / EUR 4 regime: 34 kg at EUR 500 -> 12; 20 kg at EUR 1400 -> 120.
        let old = regime(1000, 30.0, 4.0);
        assert_eq!(old.duty_eur_cents(50_000, kg(34), excess), Some(1200));
        assert_eq!(old.duty_eur_cents(140_000, kg(20), excess), Some(12_000));
        // Both over: the larger. EUR 210 (1.50 by value) and 40 kg (18 by weight).
        assert_eq!(now.duty_eur_cents(21_000, kg(40), excess), Some(1800));
        // The whole-weight reading when only the value is over: EUR 210, 10 kg -> EUR 20.
        let whole = PerKgBasis::WholeWeight;
        assert_eq!(now.duty_eur_cents(21_000, kg(10), excess), Some(150));
        assert_eq!(now.duty_eur_cents(21_000, kg(10), whole), Some(2000));
        // 2026 e-commerce: max(5% of the whole value, EUR 1 per kg of the whole weight).
        let ecommerce = DutyRegime {
            on_whole_value: true,
            weight_limit_kg: None,
            ..regime(200, 5.0, 1.0)
        };
        assert_eq!(ecommerce.duty_eur_cents(25_000, kg(2), excess), Some(1250));
        assert_eq!(ecommerce.duty_eur_cents(25_000, kg(20), excess), Some(2000));
        assert_eq!(ecommerce.duty_eur_cents(20_000, kg(50), excess), None);
    }

    #[test]
    fn the_duty_regime_is_the_latest_in_force() {
        let c = Config::default();
        let on = |d: &str| {
            c.duty
                .regime_on(d.parse().expect("date"))
                .map(|r| r.limit_eur)
        };
        assert_eq!(on("2018-06-01"), None);
        assert_eq!(on("2021-06-01"), Some(200));
        assert_eq!(on("2022-03-30"), Some(200));
        assert_eq!(on("2022-03-31"), Some(1000));
        assert_eq!(on("2024-03-31"), Some(1000));
        assert_eq!(on("2024-04-01"), Some(200));
        let ecommerce = c.duty.regime_on("2026-07-01".parse().expect("date"));
        assert_eq!(ecommerce.map(|r| r.on_whole_value), Some(true));
        assert_eq!(ecommerce.and_then(|r| r.weight_limit_kg), None);
        let on = |d: &str| c.duty.regime_on(d.parse().expect("date"));
        assert_eq!(on("2024-04-01").and_then(|r| r.weight_limit_kg), Some(31));
        assert_eq!(c.duty.per_kg_basis, PerKgBasis::ExcessWeight);
    }
}
