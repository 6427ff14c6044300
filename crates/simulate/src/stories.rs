//! The stories: each takes an uneventful journey (or none) and makes it the situation the
//! watchdog must recognise, then fixes `now`, the order and the codes the watchdog should
//! report.
//!
//! The thresholds the expectations rely on are the watchdog's documented defaults (issue 4 and
//! `crates/watchdog/data/watchdog.toml`): first events within 10 days of shipment; a fake
//! number stuck 10+ days at its first events; stalls after 20 days in the origin country or
//! on the international leg, 10 in the destination country or at customs, 3 with the courier;
//! protection warnings 10 and 7 days before it ends; a "delivered" cutting protection to 5
//! days; overdue after more than 60 days; seller silent for 5 days; the duty-free limit of
//! EUR 200. Every story keeps at least half a day (usually days) away from each threshold it
//! must not cross, so rounding to the user's time zone cannot flip a finding.

use posylka_core::Side;
use posylka_core::document::{
    Amount, DestinationDocument, EventDocument, OrderDocument, PriceDocument, ShipmentDocument,
};
use posylka_core::shipment::Leg;

use crate::journey::{self, At, Ev, Finish, First, LastMile, Route, Spec};
use crate::numbers::{self, Serials, Slot};
use crate::places::{self, City, Country};
use crate::rng::Rng;
use crate::time::{self, DAY};
use crate::vocab::{Step, Voice, phrases, supports};
use crate::{Code, Intended, Lane, Simulated, Simulation, Story};

/// How often each story happens among real parcels, per mille (roughly: most are in transit
/// or delivered; about one in four AliExpress parcels is not trackable in Russia).
pub(crate) fn realistic_weight(story: Story) -> u32 {
    match story {
        Story::InTransit => 250,
        Story::Delivered => 300,
        Story::AvailableForPickup => 40,
        Story::DeliveryAttemptFailed => 15,
        Story::AwaitingFirstEvent => 60,
        Story::NoTrackingInfo => 30,
        Story::SuspectedFakeTracking => 50,
        Story::OrderNumber => 15,
        Story::InvalidNumber => 10,
        Story::DomesticNumber => 15,
        Story::Stalled => 40,
        Story::Lost => 8,
        Story::ReturningToSender => 12,
        Story::CustomsHold => 10,
        Story::CustomsDataRequired => 15,
        Story::DutyDue => 8,
        Story::DeliveredElsewhere => 8,
        Story::ProtectionEnding => 30,
        Story::OpenDispute => 20,
        Story::Overdue => 20,
    }
}

/// The latest `now`, in days since shipment, at which an undelivered parcel is judged when
/// neither protection nor overdue is the story: far from 60 days (overdue) and, with the
/// protection chosen at least `PROTECTION_MARGIN` days longer, far from its warnings.
const MAX_AGE: f64 = 46.0;
/// Days between `now` and the end of protection when the protection warnings must not fire
/// (they fire from 10 days before).
const PROTECTION_MARGIN: f64 = 12.5;

/// A number as planned; some need the date the story puts them at.
#[derive(Debug, Clone)]
enum Num {
    Ready(String),
    /// A Russian Post 14-digit number, labelled in the month of day `t`.
    RussianPost14(f64),
    /// A YunExpress number, issued in the month of shipment.
    YunExpress,
}

#[derive(Debug, Clone, Copy)]
struct Buyer {
    country: &'static Country,
    city: &'static City,
    postcode: &'static str,
    /// Whether the order gives the postcode.
    with_postcode: bool,
    /// Whether the buyer wrote the city in Latin script.
    latin_city: bool,
}

#[derive(Debug, Clone)]
struct OrderPlan {
    number: String,
    price_cents: i64,
    protection: u16,
    extension: u16,
    with_destination: bool,
    placed_before: f64,
    contacted_ago: Option<f64>,
    replied_ago: Option<f64>,
    dispute_ago: Option<f64>,
}

#[derive(Debug)]
struct Draft {
    lane: Option<Lane>,
    buyer: Buyer,
    /// The Latin city and country the carriers' `{city}` / `{country}` stand for.
    place: (&'static str, &'static str),
    events: Vec<Ev>,
    /// Days from shipment to `now`.
    age: f64,
    numbers: Vec<(Num, Leg)>,
    order: Option<OrderPlan>,
    expect: Vec<Code>,
}

/// One document's generator: its random stream, serials and carriers' language.
struct Gen {
    rng: Rng,
    serials: Serials,
    lang: usize,
    /// `now`, in seconds since the Unix epoch.
    now: i64,
}

/// The EAEU duty-free limit per parcel, in euros, on a day (days since the Unix epoch):
/// EUR 1000 a month until 2018, EUR 500 in 2019, EUR 200 per parcel from 2020, EUR 1000 from
/// 31 March 2022 (Decision No. 35) and EUR 200 again from 1 April 2024
/// (`shared/reference/customs.md` section 4.2).
fn duty_free_limit_eur(day: i64) -> f64 {
    const CHANGES: &[(i64, f64)] = &[
        (17_897, 500.0),  // 2019-01-01
        (18_262, 200.0),  // 2020-01-01
        (19_082, 1000.0), // 2022-03-31
        (19_814, 200.0),  // 2024-04-01
    ];
    CHANGES
        .iter()
        .rev()
        .find(|(from, _)| day >= *from)
        .map_or(1000.0, |(_, limit)| *limit)
}

pub(crate) fn generate(sim: &Simulation, index: u64) -> Simulated {
    let mut rng = Rng::for_document(sim.seed(), index);
    let story = sim.story_for(index, &mut rng);
    let lang = rng.below(2);
    let mut g = Gen {
        rng,
        serials: Serials::new(sim.seed(), index),
        lang,
        now: sim.now().as_second(),
    };
    let draft = match story {
        Story::InTransit => g.in_transit(),
        Story::Delivered => g.delivered(),
        Story::AvailableForPickup => g.available_for_pickup(),
        Story::DeliveryAttemptFailed => g.delivery_attempt_failed(),
        Story::AwaitingFirstEvent => g.no_events(story),
        Story::NoTrackingInfo => g.no_events(story),
        Story::OrderNumber => g.no_events(story),
        Story::InvalidNumber => g.no_events(story),
        Story::SuspectedFakeTracking => g.suspected_fake(),
        Story::DomesticNumber => g.domestic_number(),
        Story::Stalled => g.stalled(),
        Story::Lost => g.lost(),
        Story::ReturningToSender => g.returning(),
        Story::CustomsHold => g.customs_hold(),
        Story::CustomsDataRequired => g.customs_data_required(),
        Story::DutyDue => g.duty_due(),
        Story::DeliveredElsewhere => g.delivered_elsewhere(),
        Story::ProtectionEnding => g.protection(story),
        Story::OpenDispute => g.protection(story),
        Story::Overdue => g.overdue(),
    };
    render(sim, index, story, g.lang, draft, &mut g.rng)
}

/// How long a parcel may rest at a step with nothing new and still look healthy: well under
/// the watchdog's stall thresholds (and under 10 days for a first event, where a fake number
/// is suspected).
fn healthy_rest(step: Step) -> f64 {
    match step {
        Step::Info | Step::PickedUp => 4.0,
        Step::OriginScan | Step::ExportCustoms | Step::ExportCleared => 7.0,
        Step::Departed => 14.0,
        Step::Arrived
        | Step::ImportCustoms
        | Step::ImportCleared
        | Step::ClearedWithDuty
        | Step::Handover
        | Step::LeftExchange
        | Step::DestScan => 6.5,
        Step::OutForDelivery => 1.2,
        _ => 3.0,
    }
}

/// The watchdog's stall threshold for a parcel resting at `step`, if it has one.
fn stall_limit(step: Step) -> Option<f64> {
    match step {
        Step::OriginScan | Step::Departed => Some(20.0),
        Step::Arrived
        | Step::ImportCustoms
        | Step::ImportCleared
        | Step::Handover
        | Step::LeftExchange
        | Step::DestScan => Some(10.0),
        Step::OutForDelivery => Some(3.0),
        _ => None,
    }
}

fn index_of(evs: &[Ev], step: Step) -> Option<usize> {
    evs.iter().position(|e| e.step == step)
}

impl Gen {
    fn buyer(&mut self, spec: &Spec) -> Buyer {
        let country = *self.rng.pick(spec.countries);
        let city = self.rng.pick(country.cities);
        Buyer {
            country,
            city,
            postcode: pick_str(&mut self.rng, city.postcodes),
            with_postcode: self.rng.chance(0.92),
            latin_city: self.rng.chance(0.4),
        }
    }

    /// The delivering office: the buyer's own postcode, or another office of the same city.
    fn office(&mut self, buyer: &Buyer) -> &'static str {
        if self.rng.chance(0.7) {
            return buyer.postcode;
        }
        let same_area: Vec<&'static str> = buyer
            .city
            .postcodes
            .iter()
            .copied()
            .filter(|p| p[..3] == buyer.postcode[..3])
            .collect();
        pick_str(&mut self.rng, &same_area)
    }

    fn route(&mut self, spec: &'static Spec, buyer: &Buyer, customs_step: Option<Step>) -> Route {
        let fitting: Vec<Voice> = spec
            .customs
            .iter()
            .copied()
            .filter(|v| customs_step.is_none_or(|s| supports(*v, s)))
            .collect();
        let customs = if fitting.is_empty() {
            spec.customs[0]
        } else {
            *self.rng.pick(&fitting)
        };
        Route {
            spec,
            country: buyer.country,
            city: buyer.city,
            office: self.office(buyer),
            customs,
            lang: self.lang,
            origin_hub: *self.rng.pick(places::ORIGIN_HUBS),
            origin_exchange: *self.rng.pick(places::ORIGIN_EXCHANGES),
            dest_exchange: *self.rng.pick(buyer.country.exchanges),
        }
    }

    /// A delivery time on the lane, within `min..cap` days where the lane allows.
    fn total(&mut self, spec: &Spec, min: f64, cap: f64) -> f64 {
        let lo = spec.days.0.max(min);
        self.rng.range(lo, spec.days.1.min(cap).max(lo + 0.5))
    }

    fn finish(&mut self, spec: &Spec) -> Finish {
        let can_pickup =
            supports(spec.last_mile, Step::Pickup) && supports(spec.last_mile, Step::Collected);
        if can_pickup && self.rng.chance(0.55) {
            Finish::Pickup
        } else {
            Finish::Courier
        }
    }

    fn main_number(&mut self, spec: &Spec) -> Num {
        let s = &self.serials;
        Num::Ready(match spec.first {
            First::ChinaPostS10 => {
                let first = *self.rng.weighted(&[(70, 'R'), (15, 'L'), (15, 'C')]);
                numbers::china_s10(&mut self.rng, s, Slot::Main, first)
            }
            First::Ems => numbers::china_s10(&mut self.rng, s, Slot::Main, 'E'),
            First::Cainiao => numbers::cainiao_lp(s),
            First::YunExpress => return Num::YunExpress,
            First::Dhl => numbers::dhl(s),
            First::Yanwen => numbers::yanwen(&mut self.rng, s),
            First::ChinaDomestic => numbers::china_post_domestic(&mut self.rng, s),
        })
    }

    /// The document's numbers: the main one, and the last-mile one once the hand-over event
    /// is among the events (the buyer cannot know it before).
    fn numbers(&mut self, spec: &Spec, evs: &[Ev]) -> Vec<(Num, Leg)> {
        let main = self.main_number(spec);
        let handover = evs.iter().find(|e| e.step == Step::Handover).map(|e| e.t);
        match (spec.handover, handover) {
            (Some(kind), Some(t)) => {
                let s = &self.serials;
                let last = match kind {
                    LastMile::RussianPost if self.rng.chance(0.7) => Num::RussianPost14(t),
                    LastMile::RussianPost => {
                        Num::Ready(numbers::russian_post_s10(&mut self.rng, s))
                    }
                    LastMile::Cdek => Num::Ready(numbers::cdek(s)),
                    LastMile::Boxberry => Num::Ready(numbers::boxberry(&mut self.rng, s)),
                    LastMile::Kazpost => Num::Ready(numbers::kazpost_s10(&mut self.rng, s)),
                };
                vec![(main, Leg::FirstMile), (last, Leg::LastMile)]
            }
            _ => vec![(main, Leg::Through)],
        }
    }

    fn price_cents(&mut self, class: Price) -> i64 {
        let usd = match class {
            Price::Normal => match self.rng.below(20) {
                0..=6 => self.rng.range(0.5, 4.99),
                7..=14 => self.rng.range(5.0, 20.0),
                _ => self.rng.range(20.0, 150.0),
            },
            Price::Cheap => {
                if self.rng.chance(0.75) {
                    self.rng.range(0.3, 4.99)
                } else {
                    self.rng.range(5.0, 9.99)
                }
            }
            Price::OverDutyLimit => {
                // Customs sees the parcel within the last weeks: over the limit of any day
                // since then, in dollars at a rate well above any recent one.
                let today = self.now.div_euclid(DAY);
                let limit = duty_free_limit_eur(today).max(duty_free_limit_eur(today - 50));
                self.rng.range(1.5, 4.5) * limit * 1.2
            }
        };
        (usd * 100.0).round() as i64
    }

    /// Protection of at least `min_total` days in all: the seller's period and any extension.
    fn protection_at_least(&mut self, min_total: f64) -> (u16, u16) {
        let base = *self
            .rng
            .weighted(&[(60, 60u16), (15, 90), (8, 45), (7, 40), (10, 30)]);
        let extension = if self.rng.chance(0.15) {
            *self.rng.pick(&[15u16, 30])
        } else {
            0
        };
        let need = min_total.ceil().max(0.0) as u16;
        if base + extension >= need {
            return (base, extension);
        }
        let base = if need <= 60 { 60 } else { 90 };
        // Sellers extend by whole weeks or half months; round up to 5 days.
        let extension = need.saturating_sub(base).div_ceil(5) * 5;
        (base, extension)
    }

    fn order(&mut self, price: Price, protection: (u16, u16)) -> OrderPlan {
        let number = numbers::aliexpress_order(&mut self.rng, &self.serials);
        OrderPlan {
            number,
            price_cents: self.price_cents(price),
            protection: protection.0,
            extension: protection.1,
            with_destination: self.rng.chance(0.95),
            placed_before: self.rng.range(0.5, 6.0),
            contacted_ago: None,
            replied_ago: None,
            dispute_ago: None,
        }
    }

    /// Whether and when the buyer wrote to the seller. Returns true when the seller has been
    /// silent for 5+ days (only when `allow_silent`: it calls for a dispute).
    fn contact(&mut self, o: &mut OrderPlan, age: f64, allow_silent: bool) -> bool {
        let r = self.rng.unit();
        // Buyers write after 10 days without news.
        let room = age - 10.2;
        if allow_silent && room >= 5.8 && r < 0.25 {
            o.contacted_ago = Some(self.rng.range(5.6, room.min(12.0)));
            return true;
        }
        if room >= 0.5 && r < 0.40 {
            o.contacted_ago = Some(self.rng.range(0.2, room.min(4.4)));
        } else if room >= 1.0 && r < 0.55 {
            let ago = self.rng.range(1.0, room.min(12.0));
            o.contacted_ago = Some(ago);
            o.replied_ago = Some(ago - self.rng.range(0.05, (ago - 0.02).min(3.0)));
        }
        false
    }

    /// Whether the buyer has already opened a dispute (possible from day 10).
    fn dispute(&mut self, o: &mut OrderPlan, age: f64, chance: f64) -> bool {
        let room = age - 10.5;
        if room >= 0.3 && self.rng.chance(chance) {
            o.dispute_ago = Some(self.rng.range(0.2, room.min(10.0)));
            return true;
        }
        false
    }

    /// A healthy moment of the journey in `lo..hi` days: the last event is at an `allowed`
    /// step and rested there for less than [`healthy_rest`]. Returns (last event, age).
    fn moment(
        &mut self,
        evs: &[Ev],
        lo: f64,
        hi: f64,
        allowed: impl Fn(usize, Step) -> bool,
    ) -> Option<(usize, f64)> {
        let windows: Vec<(usize, f64, f64)> = evs
            .iter()
            .enumerate()
            .filter(|(k, e)| allowed(*k, e.step))
            .filter_map(|(k, e)| {
                let next = evs.get(k + 1).map_or(f64::INFINITY, |n| n.t - 0.02);
                let a = e.t.max(lo);
                let b = (e.t + healthy_rest(e.step)).min(hi).min(next);
                (b - a > 0.05).then_some((k, a, b))
            })
            .collect();
        if windows.is_empty() {
            return None;
        }
        let (k, a, b) = *self.rng.pick(&windows);
        Some((k, self.rng.range(a, b)))
    }

    /// A journey on a lane `fits` accepts, ending as it may, `total` at most `cap` days.
    fn journey(
        &mut self,
        fits: &dyn Fn(&Spec) -> bool,
        finish: Option<Finish>,
        (min, cap): (f64, f64),
        customs_step: Option<Step>,
        duty: bool,
    ) -> (Route, Buyer, Vec<Ev>) {
        let spec = journey::pick_lane(&mut self.rng, |s| fits(s) && s.days.1 >= min);
        let buyer = self.buyer(spec);
        let route = self.route(spec, &buyer, customs_step);
        let finish = finish.unwrap_or_else(|| self.finish(spec));
        let total = self.total(spec, min, cap);
        let evs = journey::nominal(&mut self.rng, &route, finish, total, duty);
        (route, buyer, evs)
    }

    /// A journey cut at a healthy moment in `lo..hi` days (see [`Gen::moment`]): journeys are
    /// drawn, longer each time, until one is still under way then.
    fn journey_at(
        &mut self,
        fits: &dyn Fn(&Spec) -> bool,
        (lo, hi): (f64, f64),
        duty: bool,
        allowed: &dyn Fn(&[Ev], usize, Step) -> bool,
    ) -> (Route, Buyer, Vec<Ev>, f64) {
        let mut attempt = 0.0;
        loop {
            let min = lo + 4.0 + 5.0 * attempt;
            let (route, buyer, mut evs) = self.journey(&fits, None, (min, 60.0), None, duty);
            let found = self.moment(&evs, lo, hi, |k, s| allowed(&evs, k, s));
            if let Some((k, age)) = found {
                evs.truncate(k + 1);
                return (route, buyer, evs, age);
            }
            attempt += 1.0;
            if attempt > 8.0 {
                // Not reached with the lanes' timings; keep the function total anyway.
                let k = evs.iter().rposition(|e| !e.step.is_final()).unwrap_or(0);
                evs.truncate(k + 1);
                let age = (evs[k].t + 0.3).max(0.0);
                return (route, buyer, evs, age);
            }
        }
    }

    fn draft(&mut self, route: &Route, buyer: Buyer, evs: Vec<Ev>, age: f64) -> Draft {
        let numbers = self.numbers(route.spec, &evs);
        Draft {
            lane: Some(route.spec.lane),
            buyer,
            place: (route.city.latin, route.country.latin),
            events: evs,
            age,
            numbers,
            order: None,
            expect: Vec::new(),
        }
    }

    fn in_transit(&mut self) -> Draft {
        let (route, buyer, evs, age) =
            self.journey_at(&|_| true, (0.5, MAX_AGE), false, &|_, _, s| !s.is_final());
        let mut d = self.draft(&route, buyer, evs, age);
        if self.rng.chance(0.9) {
            let protection = self.protection_at_least(age + PROTECTION_MARGIN);
            let mut o = self.order(Price::Normal, protection);
            self.contact(&mut o, age, false);
            d.order = Some(o);
        }
        d
    }

    fn delivered(&mut self) -> Draft {
        let (route, buyer, evs) = self.journey(&|_| true, None, (0.0, 55.0), None, false);
        let end = evs.last().map_or(0.0, |e| e.t);
        let age = end + self.rng.range(0.05, 4.0);
        let mut d = self.draft(&route, buyer, evs, age);
        if self.rng.chance(0.9) {
            let protection = self.protection_at_least(end + 1.0);
            let mut o = self.order(Price::Normal, protection);
            self.contact(&mut o, age, false);
            d.order = Some(o);
        }
        d.expect = vec![Code::Delivered];
        d
    }

    fn ordered(&mut self, d: &Draft, price: Price) -> OrderPlan {
        let protection = self.protection_at_least(d.age + PROTECTION_MARGIN);
        self.order(price, protection)
    }

    fn available_for_pickup(&mut self) -> Draft {
        let fits = |s: &Spec| supports(s.last_mile, Step::Pickup);
        let (route, buyer, mut evs) =
            self.journey(&fits, Some(Finish::Pickup), (0.0, 38.0), None, false);
        let k = index_of(&evs, Step::Pickup).unwrap_or(evs.len() - 1);
        evs.truncate(k + 1);
        let age = evs[k].t + self.rng.range(0.1, 5.0);
        let mut d = self.draft(&route, buyer, evs, age);
        let mut o = self.ordered(&d, Price::Normal);
        self.contact(&mut o, age, false);
        d.order = Some(o);
        d.expect = vec![Code::AvailableForPickup];
        d
    }

    fn delivery_attempt_failed(&mut self) -> Draft {
        let fits = |s: &Spec| {
            supports(s.last_mile, Step::AttemptFailed)
                && supports(s.last_mile, Step::OutForDelivery)
        };
        let (route, buyer, mut evs) =
            self.journey(&fits, Some(Finish::Courier), (0.0, 40.0), None, false);
        let k = index_of(&evs, Step::OutForDelivery).unwrap_or(evs.len() - 1);
        evs.truncate(k + 1);
        let t = evs[k].t + self.rng.range(0.15, 0.45);
        route.push(
            &mut evs,
            &mut self.rng,
            t,
            Step::AttemptFailed,
            route.spec.last_mile,
            At::Office,
        );
        let age = t + self.rng.range(0.1, 2.0);
        let mut d = self.draft(&route, buyer, evs, age);
        let mut o = self.ordered(&d, Price::Normal);
        self.contact(&mut o, age, false);
        d.order = Some(o);
        d.expect = vec![Code::DeliveryAttemptFailed];
        d
    }

    /// The stories without any event: too early, no tracking, an order number, a typo.
    fn no_events(&mut self, story: Story) -> Draft {
        let spec = journey::pick_lane(&mut self.rng, |_| true);
        let buyer = self.buyer(spec);
        let age = match story {
            Story::AwaitingFirstEvent => self.rng.range(0.3, 9.3),
            Story::NoTrackingInfo => self.rng.range(10.7, 40.0),
            _ => self.rng.range(10.7, 30.0),
        };
        let numbers = match story {
            Story::OrderNumber => vec![(Num::Ready(String::new()), Leg::Through)],
            Story::InvalidNumber => vec![(
                Num::Ready(numbers::invalid(&mut self.rng, &self.serials)),
                Leg::Through,
            )],
            _ => vec![(self.main_number(spec), Leg::Through)],
        };
        let mut d = Draft {
            lane: (!matches!(story, Story::OrderNumber | Story::InvalidNumber))
                .then_some(spec.lane),
            buyer,
            place: (buyer.city.latin, buyer.country.latin),
            events: Vec::new(),
            age,
            numbers,
            order: None,
            expect: Vec::new(),
        };
        let mut o = self.ordered(&d, Price::Normal);
        if story == Story::OrderNumber {
            // The buyer pasted the order number where the tracking number goes.
            d.numbers = vec![(Num::Ready(o.number.clone()), Leg::Through)];
        }
        let early = story == Story::AwaitingFirstEvent;
        let silent = !early && self.contact(&mut o, age, true);
        let disputed = !early && self.dispute(&mut o, age, 0.15);
        d.order = Some(o);
        d.expect = match story {
            Story::AwaitingFirstEvent => vec![Code::AwaitingFirstEvent],
            Story::NoTrackingInfo => vec![Code::NoTrackingInfo],
            Story::OrderNumber => vec![Code::OrderNumberNotTracking, Code::NoTrackingInfo],
            _ => vec![Code::InvalidNumber, Code::NoTrackingInfo],
        };
        if silent && !disputed {
            d.expect.push(Code::OpenDispute);
        }
        d
    }

    fn suspected_fake(&mut self) -> Draft {
        let spec = journey::pick_lane(&mut self.rng, |s| supports(s.origin, Step::Info));
        let buyer = self.buyer(spec);
        let route = self.route(spec, &buyer, None);
        let mut evs = Vec::new();
        let t0 = self.rng.range(-0.8, 1.5);
        route.push(
            &mut evs,
            &mut self.rng,
            t0,
            Step::Info,
            spec.origin,
            At::OriginHub,
        );
        if self.rng.chance(0.4) {
            let t = t0 + self.rng.range(0.2, 1.5);
            route.push(
                &mut evs,
                &mut self.rng,
                t,
                Step::PickedUp,
                spec.origin,
                At::OriginHub,
            );
        }
        let last = evs.last().map_or(0.0, |e| e.t).max(0.0);
        let age = (last + self.rng.range(10.8, 35.0)).min(MAX_AGE - self.rng.range(0.0, 2.0));
        let mut d = self.draft(&route, buyer, evs, age);
        let mut o = self.ordered(&d, Price::Cheap);
        let silent = self.contact(&mut o, age, true);
        let disputed = self.dispute(&mut o, age, 0.15);
        d.order = Some(o);
        d.expect = vec![Code::SuspectedFakeTracking];
        if silent && !disputed {
            d.expect.push(Code::OpenDispute);
        }
        d
    }

    fn domestic_number(&mut self) -> Draft {
        let spec = &journey::DOMESTIC;
        let buyer = self.buyer(spec);
        let route = self.route(spec, &buyer, None);
        let mut evs = Vec::new();
        let mut t = self.rng.range(0.3, 2.0);
        route.push(
            &mut evs,
            &mut self.rng,
            t,
            Step::PickedUp,
            spec.origin,
            At::OriginHub,
        );
        let scans = self.rng.int(2, 4);
        for i in 0..scans {
            t += self.rng.range(0.3, 1.5);
            let at = if i + 1 == scans {
                At::OriginExchange
            } else {
                At::OriginHub
            };
            route.push(
                &mut evs,
                &mut self.rng,
                t,
                Step::OriginScan,
                spec.origin,
                at,
            );
        }
        let age = t + self.rng.range(0.5, 7.5);
        let mut d = self.draft(&route, buyer, evs, age);
        let mut o = self.ordered(&d, Price::Normal);
        self.contact(&mut o, age, false);
        d.order = Some(o);
        d.expect = vec![Code::DomesticNumber];
        d
    }

    fn stalled(&mut self) -> Draft {
        let (route, buyer, mut evs) =
            self.journey(&|s| s.lane != Lane::Dhl, None, (0.0, 55.0), None, false);
        let feasible: Vec<usize> = evs
            .iter()
            .enumerate()
            .filter(|(_, e)| stall_limit(e.step).is_some_and(|l| e.t + l + 1.2 <= MAX_AGE))
            .map(|(k, _)| k)
            .collect();
        let k = if feasible.is_empty() {
            0
        } else {
            *self.rng.pick(&feasible)
        };
        let limit = stall_limit(evs[k].step).unwrap_or(20.0);
        let over = if evs[k].step == Step::OutForDelivery {
            self.rng.range(1.0, 4.0)
        } else {
            self.rng.range(1.2, 10.0)
        };
        let age = (evs[k].t + limit + over)
            .min(MAX_AGE - self.rng.range(0.0, 2.0))
            .max(evs[k].t + limit + 1.0);
        evs.truncate(k + 1);
        let mut d = self.draft(&route, buyer, evs, age);
        let mut o = self.ordered(&d, Price::Normal);
        let silent = self.contact(&mut o, age, true);
        let disputed = self.dispute(&mut o, age, 0.15);
        d.order = Some(o);
        d.expect = vec![Code::Stalled];
        if silent && !disputed {
            d.expect.push(Code::OpenDispute);
        }
        d
    }

    /// The codes of a parcel that is returning, returned or lost: the dispute, unless open.
    fn dispute_codes(&mut self, d: &mut Draft, code: Code) {
        let mut o = self.ordered(d, Price::Normal);
        self.contact(&mut o, d.age, false);
        let disputed = self.dispute(&mut o, d.age, 0.25);
        d.order = Some(o);
        d.expect = vec![code];
        if !disputed {
            d.expect.push(Code::OpenDispute);
        }
    }

    fn lost(&mut self) -> Draft {
        let fits = |s: &Spec| supports(s.last_mile, Step::Lost);
        let (route, buyer, mut evs) = self.journey(&fits, None, (0.0, 55.0), None, false);
        let last_mile = route.spec.last_mile;
        let first_own = evs.iter().position(|e| e.voice == last_mile).unwrap_or(0);
        let feasible: Vec<usize> = evs
            .iter()
            .enumerate()
            .filter(|(k, e)| {
                *k >= first_own
                    && matches!(
                        e.step,
                        Step::Departed
                            | Step::Arrived
                            | Step::ImportCleared
                            | Step::LeftExchange
                            | Step::DestScan
                    )
                    && e.t + 6.6 <= MAX_AGE
            })
            .map(|(k, _)| k)
            .collect();
        let k = if feasible.is_empty() {
            first_own
        } else {
            *self.rng.pick(&feasible)
        };
        evs.truncate(k + 1);
        let t = evs[k].t
            + self
                .rng
                .range(6.0, 20.0)
                .min((MAX_AGE - 0.6 - evs[k].t).max(0.5));
        route.push(
            &mut evs,
            &mut self.rng,
            t,
            Step::Lost,
            last_mile,
            At::DestHub,
        );
        let age = (t + self.rng.range(0.3, 6.0))
            .min(MAX_AGE - self.rng.range(0.0, 2.0))
            .max(t + 0.3);
        let mut d = self.draft(&route, buyer, evs, age);
        self.dispute_codes(&mut d, Code::Lost);
        d
    }

    fn returning(&mut self) -> Draft {
        let variant = self.rng.below(20);
        let (route, buyer, evs, t) = if variant < 6 {
            // Customs refused release: held, then sent back.
            let fits = |s: &Spec| {
                s.customs.iter().any(|v| supports(*v, Step::CustomsHold))
                    && supports(returner(s, s.customs[0]), Step::ReturnCustoms)
            };
            let (route, buyer, mut evs) =
                self.journey(&fits, None, (0.0, 45.0), Some(Step::CustomsHold), false);
            let k = index_of(&evs, Step::ImportCustoms).unwrap_or(evs.len() - 1);
            evs.truncate(k + 1);
            let hold = evs[k].t + self.rng.range(0.5, 3.0);
            route.push(
                &mut evs,
                &mut self.rng,
                hold,
                Step::CustomsHold,
                route.customs,
                At::DestExchange,
            );
            let back = hold + self.rng.range(1.5, 7.0);
            let who = returner(route.spec, route.customs);
            route.push(
                &mut evs,
                &mut self.rng,
                back,
                Step::ReturnCustoms,
                who,
                At::DestExchange,
            );
            (route, buyer, evs, back)
        } else if variant < 12 {
            // Not collected from the pickup point in time.
            let fits = |s: &Spec| {
                supports(s.last_mile, Step::Pickup) && supports(s.last_mile, Step::ReturnUnclaimed)
            };
            let (route, buyer, mut evs) =
                self.journey(&fits, Some(Finish::Pickup), (0.0, 28.0), None, false);
            let k = index_of(&evs, Step::Pickup).unwrap_or(evs.len() - 1);
            evs.truncate(k + 1);
            let storage = self.rng.range(7.0, 30.0).min((40.0 - evs[k].t).max(7.0));
            let back = evs[k].t + storage;
            route.push(
                &mut evs,
                &mut self.rng,
                back,
                Step::ReturnUnclaimed,
                route.spec.last_mile,
                At::Office,
            );
            (route, buyer, evs, back)
        } else {
            // Refused at the door (or after a failed attempt).
            let fits = |s: &Spec| {
                supports(s.last_mile, Step::ReturnRefused)
                    && supports(s.last_mile, Step::OutForDelivery)
            };
            let (route, buyer, mut evs) =
                self.journey(&fits, Some(Finish::Courier), (0.0, 40.0), None, false);
            let k = index_of(&evs, Step::OutForDelivery).unwrap_or(evs.len() - 1);
            evs.truncate(k + 1);
            let mut t = evs[k].t;
            if self.rng.chance(0.5) {
                t += self.rng.range(0.15, 0.45);
                route.push(
                    &mut evs,
                    &mut self.rng,
                    t,
                    Step::AttemptFailed,
                    route.spec.last_mile,
                    At::Office,
                );
            }
            let back = t + self.rng.range(0.3, 3.0);
            route.push(
                &mut evs,
                &mut self.rng,
                back,
                Step::ReturnRefused,
                route.spec.last_mile,
                At::Office,
            );
            (route, buyer, evs, back)
        };
        let age = (t + self.rng.range(0.2, 5.0))
            .min(MAX_AGE - self.rng.range(0.0, 2.0))
            .max(t + 0.2);
        let mut d = self.draft(&route, buyer, evs, age);
        self.dispute_codes(&mut d, Code::ReturningToSender);
        d
    }

    fn customs_hold(&mut self) -> Draft {
        let fits = |s: &Spec| s.customs.iter().any(|v| supports(*v, Step::CustomsHold));
        let (route, buyer, mut evs) =
            self.journey(&fits, None, (0.0, 45.0), Some(Step::CustomsHold), false);
        let k = index_of(&evs, Step::ImportCustoms).unwrap_or(evs.len() - 1);
        evs.truncate(k + 1);
        let t = evs[k].t + self.rng.range(0.3, 2.5);
        route.push(
            &mut evs,
            &mut self.rng,
            t,
            Step::CustomsHold,
            route.customs,
            At::DestExchange,
        );
        let age = t + self.rng.range(0.2, 6.0);
        let mut d = self.draft(&route, buyer, evs, age);
        let mut o = self.ordered(&d, Price::Normal);
        self.contact(&mut o, age, false);
        d.order = Some(o);
        d.expect = vec![Code::CustomsHold];
        d
    }

    fn customs_data_required(&mut self) -> Draft {
        let (route, buyer, mut evs) = self.journey(
            &|s| s.personal_data.is_some(),
            None,
            (0.0, 45.0),
            None,
            false,
        );
        let asker = route.spec.personal_data.unwrap_or(route.customs);
        let at = if self.rng.chance(0.5) {
            Step::ImportCustoms
        } else {
            Step::Arrived
        };
        let k = index_of(&evs, at).unwrap_or(evs.len() - 1);
        evs.truncate(k + 1);
        let first = evs[k].t + self.rng.range(0.2, 2.0);
        route.push(
            &mut evs,
            &mut self.rng,
            first,
            Step::PersonalData,
            asker,
            At::DestExchange,
        );
        let age = first + self.rng.range(0.1, 5.0);
        if self.rng.chance(0.3) && age - first > 1.2 {
            // The reminder: a second request a day or two later.
            let t = first + self.rng.range(1.0, age - first - 0.1);
            route.push(
                &mut evs,
                &mut self.rng,
                t,
                Step::PersonalData,
                asker,
                At::DestExchange,
            );
        }
        let mut d = self.draft(&route, buyer, evs, age);
        let mut o = self.ordered(&d, Price::Normal);
        self.contact(&mut o, age, false);
        d.order = Some(o);
        d.expect = vec![Code::CustomsDataRequired];
        d
    }

    fn duty_due(&mut self) -> Draft {
        let at_customs = |evs: &[Ev], k: usize, s: Step| {
            !s.is_final() && index_of(evs, Step::ImportCustoms).is_some_and(|c| k >= c)
        };
        let (route, buyer, evs, age) =
            self.journey_at(&|_| true, (0.5, MAX_AGE), true, &at_customs);
        let mut d = self.draft(&route, buyer, evs, age);
        let mut o = self.ordered(&d, Price::OverDutyLimit);
        // The duty-free limit depends on where it goes.
        o.with_destination = true;
        self.contact(&mut o, age, false);
        d.order = Some(o);
        d.expect = vec![Code::DutyDue];
        d
    }

    fn delivered_elsewhere(&mut self) -> Draft {
        let (route, buyer, evs) = if self.rng.chance(0.6) {
            self.wrong_city()
        } else {
            self.wrong_country()
        };
        let last = evs.last().map_or(0.0, |e| e.t);
        let age = last + self.rng.range(0.15, 2.4);
        let mut d = self.draft(&route, buyer, evs, age);
        d.buyer.with_postcode = true;
        let mut o = self.ordered(&d, Price::Normal);
        o.with_destination = true;
        self.contact(&mut o, age, false);
        self.dispute(&mut o, age, 0.2);
        d.order = Some(o);
        // Only `delivered_elsewhere`, whether delivered or waiting there: for the timeline the
        // parcel is delivered (a "delivered" also cuts protection to 5 days), and the finding
        // itself carries the deadline and the dispute draft.
        d.expect = vec![Code::DeliveredElsewhere];
        d
    }

    /// Delivered (or waiting) in another city of the buyer's country.
    fn wrong_city(&mut self) -> (Route, Buyer, Vec<Ev>) {
        let spec = journey::pick_lane(&mut self.rng, |_| true);
        let buyer = self.buyer(spec);
        let others: Vec<&'static City> = buyer
            .country
            .cities
            .iter()
            .filter(|c| {
                c.ru != buyer.city.ru && c.postcodes.iter().all(|p| p[..3] != buyer.postcode[..3])
            })
            .collect();
        let city = *self.rng.pick(&others);
        let mut route = self.route(spec, &buyer, None);
        route.city = city;
        route.office = pick_str(&mut self.rng, city.postcodes);
        let finish = self.finish(spec);
        let total = self.total(spec, 0.0, 40.0);
        let mut evs = journey::nominal(&mut self.rng, &route, finish, total, false);
        if finish == Finish::Pickup && self.rng.chance(0.4) {
            let k = index_of(&evs, Step::Pickup).unwrap_or(evs.len() - 1);
            evs.truncate(k + 1);
        }
        (route, buyer, evs)
    }

    /// Exported from China, then delivered (or waiting) in another country.
    fn wrong_country(&mut self) -> (Route, Buyer, Vec<Ev>) {
        let spec = journey::pick_lane(&mut self.rng, |s| s.origin == Voice::ChinaPost);
        let buyer = self.buyer(spec);
        let route = self.route(spec, &buyer, None);
        let total = self.total(spec, 0.0, 40.0);
        let mut evs = journey::nominal(&mut self.rng, &route, Finish::Courier, total, false);
        let k = index_of(&evs, Step::Departed).unwrap_or(evs.len() - 1);
        evs.truncate(k + 1);
        // Someone else's parcel: in Canada or the USA, or a neighbouring EAEU country.
        let (voice, iso, location, offset) = if self.rng.chance(0.6) {
            let (iso, location, offset) = *self.rng.pick(places::ELSEWHERE_ABROAD);
            let voice = if iso == "CA" {
                Voice::CanadaPost
            } else {
                Voice::Usps
            };
            (voice, iso, location.to_owned(), offset)
        } else if buyer.country.iso == "RU" {
            let city = self.rng.pick(places::KAZAKHSTAN.cities);
            let postcode = self.rng.pick(city.postcodes);
            (
                Voice::Kazpost,
                "KZ",
                format!("{postcode}, {}", city.ru),
                city.offset,
            )
        } else {
            let city = self.rng.pick(&places::RUSSIA.cities[2..]);
            let postcode = self.rng.pick(city.postcodes);
            (
                Voice::RussianPost,
                "RU",
                format!("{postcode}, {}", city.ru),
                city.offset,
            )
        };
        let mut t = evs[k].t + self.rng.range(3.0, 12.0);
        let scans = self.rng.int(1, 2);
        for _ in 0..scans {
            push_explicit(
                &mut evs,
                &mut self.rng,
                t,
                Step::DestScan,
                voice,
                iso,
                &location,
                offset,
            );
            t += self.rng.range(0.5, 2.5);
        }
        if self.rng.chance(0.3) {
            push_explicit(
                &mut evs,
                &mut self.rng,
                t,
                Step::Pickup,
                voice,
                iso,
                &location,
                offset,
            );
        } else {
            push_explicit(
                &mut evs,
                &mut self.rng,
                t,
                Step::OutForDelivery,
                voice,
                iso,
                &location,
                offset,
            );
            t += self.rng.range(0.05, 0.3);
            push_explicit(
                &mut evs,
                &mut self.rng,
                t,
                Step::Delivered,
                voice,
                iso,
                &location,
                offset,
            );
        }
        (route, buyer, evs)
    }

    /// Protection about to end: 8-10 days left (`protection_ending`), or under a week
    /// (`open_dispute` too); or, for `open_dispute`, a seller silent for 5+ days.
    fn protection(&mut self, story: Story) -> Draft {
        let silent_seller = story == Story::OpenDispute && self.rng.chance(0.35);
        // From day 20: a protection period shorter than 20 days is not offered.
        let (lo, hi) = if silent_seller {
            (16.5, MAX_AGE)
        } else {
            (20.0, 57.5)
        };
        let (route, buyer, evs, age) =
            self.journey_at(&|_| true, (lo, hi), false, &|_, _, s| !s.is_final());
        let mut d = self.draft(&route, buyer, evs, age);
        let week = story == Story::OpenDispute;
        let o = if silent_seller {
            let mut o = self.ordered(&d, Price::Normal);
            o.contacted_ago = Some(self.rng.range(5.6, (age - 10.2).min(12.0)));
            o
        } else {
            // Days left when judged: 1.2-6.6 within the week, else 7.6-9.4.
            let (left_lo, left_hi) = if week { (1.2, 6.6) } else { (7.6, 9.4) };
            let first = (age + left_lo).ceil() as u32;
            let last = (age + left_hi).floor() as u32;
            let total = self.rng.int(first, last.max(first));
            let protection = protection_exact(total);
            let mut o = self.order(Price::Normal, protection);
            self.contact(&mut o, age, false);
            o
        };
        d.order = Some(o);
        d.expect = if silent_seller {
            vec![Code::OpenDispute]
        } else if week {
            vec![Code::ProtectionEnding, Code::OpenDispute]
        } else {
            vec![Code::ProtectionEnding]
        };
        d
    }

    fn overdue(&mut self) -> Draft {
        let slow = |s: &Spec| {
            matches!(
                s.lane,
                Lane::ChinaPostRussianPost
                    | Lane::CainiaoRussianPost
                    | Lane::ChinaPostKazpost
                    | Lane::ChinaPostBelpost
                    | Lane::Yanwen
            )
        };
        let spec = journey::pick_lane(&mut self.rng, slow);
        let buyer = self.buyer(spec);
        let route = self.route(spec, &buyer, None);
        let finish = self.finish(spec);
        let total = self.rng.range(72.0, 100.0);
        let mut evs = journey::nominal(&mut self.rng, &route, finish, total, false);
        let (k, age) = self
            .moment(&evs, 61.6, 85.0, |_, s| !s.is_final())
            .unwrap_or((evs.len().saturating_sub(3), 62.0));
        evs.truncate(k + 1);
        let mut d = self.draft(&route, buyer, evs, age);
        let need = (age + PROTECTION_MARGIN).ceil() as u16;
        // Russia's usual 90 days, extended by the seller in half months.
        let extension = need.saturating_sub(90).div_ceil(15) * 15;
        let mut o = self.order(Price::Normal, (90, extension));
        self.contact(&mut o, age, false);
        d.order = Some(o);
        d.expect = vec![Code::Overdue];
        d
    }
}

/// One of `items`, uniformly.
fn pick_str(rng: &mut Rng, items: &[&'static str]) -> &'static str {
    items[rng.below(items.len())]
}

/// Who reports a return after customs refused a parcel: the carrier that holds the number
/// the buyer follows at that point.
fn returner(spec: &Spec, customs: Voice) -> Voice {
    if spec.handover.is_some() {
        spec.origin
    } else if supports(spec.last_mile, Step::ReturnCustoms) {
        spec.last_mile
    } else {
        customs
    }
}

/// Price classes.
#[derive(Debug, Clone, Copy)]
enum Price {
    /// Cheap to pricier everyday goods, all under the duty-free limit.
    Normal,
    /// Under $10, mostly under $5: what untracked "free shipping" parcels hold.
    Cheap,
    /// Over the duty-free limit in force (EUR 200 since April 2024).
    OverDutyLimit,
}

/// A protection period of exactly `total` days: the seller's period and an extension.
fn protection_exact(total: u32) -> (u16, u16) {
    let total = u16::try_from(total).unwrap_or(u16::MAX);
    let base = [90u16, 60, 45, 40, 30, 20]
        .into_iter()
        .find(|b| *b <= total)
        .unwrap_or(total);
    (base, total - base)
}

#[allow(clippy::too_many_arguments)]
fn push_explicit(
    evs: &mut Vec<Ev>,
    rng: &mut Rng,
    t: f64,
    step: Step,
    voice: Voice,
    country: &'static str,
    location: &str,
    offset: i32,
) {
    let options = phrases(voice, step);
    if options.is_empty() {
        return;
    }
    evs.push(Ev {
        t,
        step,
        voice,
        phrase: rng.pick(options),
        country,
        location: location.to_owned(),
        offset,
    });
}

fn side_of(step: Step) -> Option<Side> {
    match step {
        Step::ExportCustoms | Step::ExportCleared => Some(Side::Export),
        Step::ImportCustoms
        | Step::ImportCleared
        | Step::ClearedWithDuty
        | Step::CustomsHold
        | Step::PersonalData => Some(Side::Import),
        _ => None,
    }
}

fn title_case(upper: &str) -> String {
    let mut out = String::with_capacity(upper.len());
    let mut start = true;
    for c in upper.chars() {
        if start {
            out.push(c);
        } else {
            out.extend(c.to_lowercase());
        }
        start = c == ' ' || c == '-';
    }
    out
}

/// Local delivery rounds happen in the daytime: move final-mile events out of the night.
fn daytime(step: Step) -> bool {
    matches!(
        step,
        Step::OutForDelivery
            | Step::AttemptFailed
            | Step::Pickup
            | Step::Delivered
            | Step::Collected
            | Step::ReturnRefused
    )
}

fn render(
    sim: &Simulation,
    index: u64,
    story: Story,
    lang: usize,
    d: Draft,
    rng: &mut Rng,
) -> Simulated {
    let now = sim.now().as_second();
    let day = DAY as f64;
    let shipped = now - (d.age * day).round() as i64;
    let at = |t: f64| shipped + (t * day).round() as i64;

    // Numbers first: the hand-over texts name the new one.
    let serials = Serials::new(sim.seed(), index);
    let mut tracking_numbers = Vec::with_capacity(d.numbers.len());
    let mut legs = Vec::with_capacity(d.numbers.len());
    for (num, leg) in &d.numbers {
        let n = match num {
            Num::Ready(n) => n.clone(),
            Num::RussianPost14(t) => {
                let (y, m, _) = time::civil_from_days((at(*t) + 3 * 3600).div_euclid(DAY));
                numbers::russian_post_14(&serials, y, m)
            }
            Num::YunExpress => {
                let (y, m, _) = time::civil_from_days((shipped + 8 * 3600).div_euclid(DAY));
                numbers::yunexpress(&serials, y, m)
            }
        };
        tracking_numbers.push(n);
        legs.push(*leg);
    }
    let new_number = tracking_numbers.get(1).cloned().unwrap_or_default();

    // Event instants: daytime for the final mile, strictly increasing, all before `now`.
    let mut secs: Vec<i64> = d.events.iter().map(|e| at(e.t)).collect();
    for (s, e) in secs.iter_mut().zip(&d.events) {
        if daytime(e.step) {
            let hour = (*s + i64::from(e.offset) * 60).rem_euclid(DAY) / 3600;
            if hour < 8 {
                *s += (8 - hour) * 3600 + rng.below(3 * 3600) as i64;
            } else if hour >= 21 {
                *s -= (hour - 19) * 3600 + rng.below(3600) as i64;
            }
        }
    }
    for i in 1..secs.len() {
        if secs[i] <= secs[i - 1] {
            secs[i] = secs[i - 1] + 60 * (3 + rng.below(57) as i64);
        }
    }
    if let Some(&last) = secs.last() {
        let latest = now - 300 - rng.below(3000) as i64;
        if last > latest {
            let shift = last - latest;
            secs.iter_mut().for_each(|s| *s -= shift);
        }
    }

    let spelling = rng.below(3);
    let (city, country) = d.place;
    let mut events = Vec::with_capacity(d.events.len());
    let mut intended = Vec::with_capacity(d.events.len());
    for (e, s) in d.events.iter().zip(&secs) {
        let names = e.voice.names();
        let raw = e.phrase.text[lang];
        let text = if raw.contains('{') {
            raw.replace("{n}", &new_number)
                .replace("{city}", city)
                .replace("{country}", country)
        } else {
            raw.to_owned()
        };
        let code = if e.voice.text_is_code() {
            None
        } else {
            e.phrase.code.map(str::to_owned)
        };
        events.push(EventDocument {
            time: time::rfc3339(*s, e.offset),
            text,
            code,
            carrier: Some(names[spelling % names.len()].to_owned()),
            location: Some(e.location.clone()),
            country: Some(e.country.to_owned()),
        });
        intended.push(Intended {
            step: e.step,
            voice: e.voice,
            milestone: e.phrase.milestone,
            side: side_of(e.step),
        });
    }

    let buyer = d.buyer;
    let buyer_offset = buyer.city.offset;
    let ago = |days: f64| time::rfc3339(now - (days * day).round() as i64, buyer_offset);
    let order = d.order.map(|o| OrderDocument {
        number: Some(o.number),
        marketplace: Some("aliexpress".to_owned()),
        placed_at: Some(time::rfc3339(
            shipped - (o.placed_before * day).round() as i64,
            buyer_offset,
        )),
        shipped_at: Some(time::rfc3339(shipped, places::CHINA_OFFSET)),
        price: Some(PriceDocument {
            amount: Amount::Number(o.price_cents as f64 / 100.0),
            currency: "USD".to_owned(),
        }),
        protection_days: Some(o.protection),
        protection_extended_days: (o.extension > 0).then_some(o.extension),
        destination: o.with_destination.then(|| DestinationDocument {
            country: Some(buyer.country.iso.to_owned()),
            city: Some(if buyer.latin_city {
                title_case(buyer.city.latin)
            } else {
                buyer.city.ru.to_owned()
            }),
            postcode: buyer.with_postcode.then(|| buyer.postcode.to_owned()),
        }),
        seller_contacted_at: o.contacted_ago.map(ago),
        seller_replied_at: o.replied_ago.map(ago),
        dispute_opened_at: o.dispute_ago.map(ago),
    });

    let mut expect = d.expect;
    expect.sort();
    expect.dedup();
    Simulated {
        story,
        now: sim.now(),
        expect,
        document: ShipmentDocument {
            tracking_numbers,
            order,
            events,
        },
        intended,
        legs,
        lane: d.lane,
        index,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(date: &str) -> i64 {
        let d: jiff::civil::Date = date.parse().expect("a date");
        d.to_zoned(jiff::tz::TimeZone::UTC)
            .expect("in range")
            .timestamp()
            .as_second()
            .div_euclid(DAY)
    }

    #[test]
    fn duty_free_limit_follows_the_eaeu_regimes() {
        assert_eq!(duty_free_limit_eur(day("2018-12-31")), 1000.0);
        assert_eq!(duty_free_limit_eur(day("2019-01-01")), 500.0);
        assert_eq!(duty_free_limit_eur(day("2021-06-01")), 200.0);
        assert_eq!(duty_free_limit_eur(day("2022-03-30")), 200.0);
        assert_eq!(duty_free_limit_eur(day("2022-03-31")), 1000.0);
        assert_eq!(duty_free_limit_eur(day("2024-03-31")), 1000.0);
        assert_eq!(duty_free_limit_eur(day("2024-04-01")), 200.0);
        assert_eq!(duty_free_limit_eur(day("2026-07-01")), 200.0);
    }

    #[test]
    fn exact_protection_splits_into_a_usual_period_and_an_extension() {
        assert_eq!(protection_exact(60), (60, 0));
        assert_eq!(protection_exact(67), (60, 7));
        assert_eq!(protection_exact(95), (90, 5));
        assert_eq!(protection_exact(33), (30, 3));
        assert_eq!(protection_exact(12), (12, 0));
    }

    #[test]
    fn a_healthy_rest_stays_under_every_stall_limit() {
        for step in [
            Step::OriginScan,
            Step::Departed,
            Step::Arrived,
            Step::ImportCustoms,
            Step::ImportCleared,
            Step::Handover,
            Step::LeftExchange,
            Step::DestScan,
            Step::OutForDelivery,
        ] {
            let limit = stall_limit(step).expect("a stage with a limit");
            assert!(healthy_rest(step) + 1.0 < limit, "{step:?}");
        }
        // Before a parcel moves, a rest under 10 days is no sign of a fake number.
        assert!(healthy_rest(Step::Info) < 9.0 && healthy_rest(Step::PickedUp) < 9.0);
    }
}
