//! Test shipments: an AliExpress order shipped at day 0 (2024-05-01T00:00Z) to Kazan, events
//! placed by day, rules run at a chosen day.

use jiff::Timestamp;
use posylka_core::event_time::EventTime;
use posylka_core::order::{Order, Price};
use posylka_core::shipment::TrackingNumber;
use posylka_core::timeline::{EventRecord, SourceName, Timeline};
use posylka_core::{Milestone, Reason, Side};

use super::{Clock, Rule};
use crate::config::DAY;
use crate::finding::{Finding, FindingCode};
use crate::view::View;
use crate::{Config, Report, Subject};

/// Day 0 plus `days` days and `hours` hours.
pub fn day_h(days: i64, hours: i64) -> Timestamp {
    let t0 = Timestamp::from_second(1_714_521_600).expect("2024-05-01T00:00:00Z");
    Timestamp::from_second(t0.as_second() + days * DAY + hours * 3600).expect("in range")
}

/// Day 0 plus `days` days.
pub fn day(days: i64) -> Timestamp {
    day_h(days, 0)
}

#[derive(Debug, Clone)]
pub struct Case {
    pub numbers: Vec<TrackingNumber>,
    pub order: Option<Order>,
    pub records: Vec<EventRecord>,
    pub created_at: Timestamp,
    pub config: Config,
}

impl Case {
    /// RA123456785CN, AliExpress, shipped day 0, 60 days' protection, 12 USD, to RU/Kazan/420000.
    pub fn new() -> Self {
        let mut order = Order::new("aliexpress", "8123456789012345").expect("valid");
        order.shipped_at = Some(EventTime::utc(day(0)));
        order.protection_days = Some(60);
        order.price = "12.00 USD".parse::<Price>().ok();
        order.destination.country = "RU".parse().ok();
        order.destination.city = Some("Kazan".into());
        order.destination.postcode = Some("420000".into());
        Self {
            numbers: vec![TrackingNumber::parse("RA123456785CN").expect("valid")],
            order: Some(order),
            records: Vec::new(),
            created_at: day(1),
            config: Config::default(),
        }
    }

    pub fn numbers(mut self, numbers: &[&str]) -> Self {
        self.numbers = numbers
            .iter()
            .map(|n| TrackingNumber::parse(n).expect("valid"))
            .collect();
        self
    }

    pub fn without_order(mut self) -> Self {
        self.order = None;
        self
    }

    pub fn order(mut self, f: impl FnOnce(&mut Order)) -> Self {
        if let Some(o) = self.order.as_mut() {
            f(o);
        }
        self
    }

    /// An event at `at` with `milestone`, adjusted by `f`.
    pub fn event_with(
        mut self,
        at: Timestamp,
        milestone: Milestone,
        f: impl FnOnce(&mut EventRecord),
    ) -> Self {
        let mut r = EventRecord {
            number: self.numbers[0].clone(),
            at: EventTime::utc(at),
            source: SourceName::new("test-post").expect("valid"),
            text: format!("{milestone} scan"),
            code: None,
            location: None,
            country: None,
            milestone,
            side: None,
            reason: None,
        };
        f(&mut r);
        self.records.push(r);
        self
    }

    pub fn event(self, at: Timestamp, milestone: Milestone) -> Self {
        self.event_with(at, milestone, |_| {})
    }

    pub fn customs(self, at: Timestamp, milestone: Milestone, side: Side) -> Self {
        self.event_with(at, milestone, |r| r.side = Some(side))
    }

    pub fn reason(self, at: Timestamp, milestone: Milestone, reason: Reason) -> Self {
        self.event_with(at, milestone, |r| r.reason = Some(reason))
    }

    /// A genuine journey up to arrival in Russia on day 15.
    pub fn moving(self) -> Self {
        self.event(day(1), Milestone::PickedUp)
            .event(day(3), Milestone::InTransit)
            .event(day(5), Milestone::DepartedOriginCountry)
            .event(day(15), Milestone::ArrivedDestinationCountry)
    }

    pub fn with_config(mut self, toml: &str) -> Self {
        self.config = Config::from_toml(toml).expect("valid config");
        self
    }

    fn timeline(&self) -> Timeline {
        Timeline::build(self.records.clone())
    }

    /// Runs one rule at `now`: its findings and its next-check instant.
    pub fn run(&self, rule: Rule, now: Timestamp) -> (Vec<Finding>, Option<Timestamp>) {
        let timeline = self.timeline();
        let mut subject = Subject::new(&self.numbers, &timeline, self.created_at);
        if let Some(o) = &self.order {
            subject = subject.with_order(o);
        }
        let view = View::new(&subject, now, &self.config);
        let mut clock = Clock::new(now);
        let mut out = Vec::new();
        rule(&view, &mut clock, &mut out);
        (out, clock.next())
    }

    /// The codes one rule gives at `now`.
    pub fn codes(&self, rule: Rule, now: Timestamp) -> Vec<FindingCode> {
        self.run(rule, now).0.iter().map(|f| f.code).collect()
    }

    /// The one finding a rule gives at `now` (panics on none or several).
    pub fn one(&self, rule: Rule, now: Timestamp) -> Finding {
        let (mut found, _) = self.run(rule, now);
        assert_eq!(found.len(), 1, "expected one finding, got {found:#?}");
        found.remove(0)
    }

    /// The whole report at `now`.
    pub fn report(&self, now: Timestamp) -> Report {
        let timeline = self.timeline();
        let mut subject = Subject::new(&self.numbers, &timeline, self.created_at);
        if let Some(o) = &self.order {
            subject = subject.with_order(o);
        }
        crate::check(&subject, now, &self.config)
    }
}
