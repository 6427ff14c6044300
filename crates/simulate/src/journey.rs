//! Lanes and journeys: who carries a parcel from China to its buyer, how long each part takes,
//! and the full, uneventful journey of one parcel, which the stories then cut short, stall or
//! send astray.
//!
//! Times are days since the seller marked the order shipped (`t = 0`); the rendering step turns
//! them into instants once the story has fixed `now`.

use crate::places::{self, City, Country};
use crate::rng::Rng;
use crate::vocab::{Phrase, Step, Voice, phrases, supports};

/// A route from China to the buyer: the carriers on it and its delivery times.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lane {
    /// China Post registered air mail, delivered by Russian Post (one S10 number).
    ChinaPostRussianPost,
    /// AliExpress Standard Shipping (Cainiao), handed to Russian Post with a new number.
    CainiaoRussianPost,
    /// Cainiao to Russia, handed to CDEK.
    CainiaoCdek,
    /// Cainiao to Russia, handed to Boxberry.
    CainiaoBoxberry,
    /// Cainiao to Kazakhstan, handed to Kazpost.
    CainiaoKazpost,
    /// China Post registered air mail to Kazakhstan.
    ChinaPostKazpost,
    /// China Post registered air mail to Belarus.
    ChinaPostBelpost,
    /// YunExpress, tracked end to end.
    YunExpress,
    /// EMS, delivered by Russian Post.
    EmsRussianPost,
    /// EMS, delivered by Kazpost.
    EmsKazpost,
    /// DHL Express.
    Dhl,
    /// Yanwen, tracked end to end.
    Yanwen,
    /// A China Post domestic number: tracked only until export.
    ChinaPostDomestic,
}

impl Lane {
    /// The lane's key.
    pub fn key(self) -> &'static str {
        spec(self).key
    }

    /// The range of days from shipment to delivery on this lane, as the simulator lays
    /// uneventful journeys (EMS at most about two weeks, express 10-20 days, registered air
    /// mail 20-60 days).
    pub fn delivery_days(self) -> (f64, f64) {
        spec(self).days
    }

    /// Every lane.
    pub fn all() -> impl Iterator<Item = Lane> {
        LANES
            .iter()
            .map(|s| s.lane)
            .chain([Lane::ChinaPostDomestic])
    }
}

/// Who gives the parcel its last-mile number at hand-over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LastMile {
    RussianPost,
    Cdek,
    Boxberry,
    Kazpost,
}

/// The lane's main number format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum First {
    ChinaPostS10,
    Ems,
    Cainiao,
    YunExpress,
    Dhl,
    Yanwen,
    ChinaDomestic,
}

/// A lane's carriers and timings.
#[derive(Debug)]
pub(crate) struct Spec {
    pub lane: Lane,
    pub key: &'static str,
    /// How common the lane is, relative to the others.
    pub weight: u32,
    /// Carries the parcel in China and out of it.
    pub origin: Voice,
    /// Reports the arrival in the destination country.
    pub arrival: Voice,
    /// May report import customs (one is picked per parcel).
    pub customs: &'static [Voice],
    /// Asks for the recipient's identity data, on lanes where customs does.
    pub personal_data: Option<Voice>,
    /// Delivers.
    pub last_mile: Voice,
    /// A new number at hand-over to the last mile.
    pub handover: Option<LastMile>,
    pub first: First,
    pub countries: &'static [&'static Country],
    /// Days from shipment to delivery.
    pub days: (f64, f64),
    /// Chance that export customs is reported.
    pub export_customs: f64,
    /// Chance that an "information received" event comes first.
    pub info: f64,
    /// Express timings (EMS, DHL): quick pickup and export, short customs.
    pub express: bool,
}

use places::{BELARUS, KAZAKHSTAN, RUSSIA};

pub(crate) static LANES: &[Spec] = &[
    Spec {
        lane: Lane::ChinaPostRussianPost,
        key: "china_post_russian_post",
        weight: 20,
        origin: Voice::ChinaPost,
        arrival: Voice::RussianPost,
        customs: &[Voice::RussianPost],
        personal_data: None,
        last_mile: Voice::RussianPost,
        handover: None,
        first: First::ChinaPostS10,
        countries: &[&RUSSIA],
        days: (20.0, 55.0),
        export_customs: 0.3,
        info: 0.5,
        express: false,
    },
    Spec {
        lane: Lane::CainiaoRussianPost,
        key: "cainiao_russian_post",
        weight: 25,
        origin: Voice::Cainiao,
        arrival: Voice::Cainiao,
        customs: &[Voice::Cainiao],
        personal_data: None,
        last_mile: Voice::RussianPost,
        handover: Some(LastMile::RussianPost),
        first: First::Cainiao,
        countries: &[&RUSSIA],
        days: (12.0, 35.0),
        export_customs: 0.8,
        info: 1.0,
        express: false,
    },
    Spec {
        lane: Lane::CainiaoCdek,
        key: "cainiao_cdek",
        weight: 10,
        origin: Voice::Cainiao,
        arrival: Voice::Cainiao,
        customs: &[Voice::Cdek, Voice::Gbs],
        personal_data: Some(Voice::Gbs),
        last_mile: Voice::Cdek,
        handover: Some(LastMile::Cdek),
        first: First::Cainiao,
        countries: &[&RUSSIA],
        days: (10.0, 22.0),
        export_customs: 0.8,
        info: 1.0,
        express: false,
    },
    Spec {
        lane: Lane::CainiaoBoxberry,
        key: "cainiao_boxberry",
        weight: 8,
        origin: Voice::Cainiao,
        arrival: Voice::Cainiao,
        customs: &[Voice::Gbs],
        personal_data: Some(Voice::Gbs),
        last_mile: Voice::Boxberry,
        handover: Some(LastMile::Boxberry),
        first: First::Cainiao,
        countries: &[&RUSSIA],
        days: (12.0, 25.0),
        export_customs: 0.8,
        info: 1.0,
        express: false,
    },
    Spec {
        lane: Lane::CainiaoKazpost,
        key: "cainiao_kazpost",
        weight: 5,
        origin: Voice::Cainiao,
        arrival: Voice::Cainiao,
        customs: &[Voice::Cainiao],
        personal_data: None,
        last_mile: Voice::Kazpost,
        handover: Some(LastMile::Kazpost),
        first: First::Cainiao,
        countries: &[&KAZAKHSTAN],
        days: (12.0, 30.0),
        export_customs: 0.8,
        info: 1.0,
        express: false,
    },
    Spec {
        lane: Lane::ChinaPostKazpost,
        key: "china_post_kazpost",
        weight: 4,
        origin: Voice::ChinaPost,
        arrival: Voice::Kazpost,
        customs: &[Voice::Kazpost],
        personal_data: None,
        last_mile: Voice::Kazpost,
        handover: None,
        first: First::ChinaPostS10,
        countries: &[&KAZAKHSTAN],
        days: (18.0, 45.0),
        export_customs: 0.3,
        info: 0.5,
        express: false,
    },
    Spec {
        lane: Lane::ChinaPostBelpost,
        key: "china_post_belpost",
        weight: 4,
        origin: Voice::ChinaPost,
        arrival: Voice::Belpost,
        customs: &[Voice::Belpost],
        personal_data: None,
        last_mile: Voice::Belpost,
        handover: None,
        first: First::ChinaPostS10,
        countries: &[&BELARUS],
        days: (18.0, 45.0),
        export_customs: 0.3,
        info: 0.5,
        express: false,
    },
    Spec {
        lane: Lane::YunExpress,
        key: "yunexpress",
        weight: 8,
        origin: Voice::YunExpress,
        arrival: Voice::YunExpress,
        customs: &[Voice::YunExpress],
        personal_data: Some(Voice::YunExpress),
        last_mile: Voice::YunExpress,
        handover: None,
        first: First::YunExpress,
        countries: &[&RUSSIA, &KAZAKHSTAN, &BELARUS],
        days: (10.0, 22.0),
        export_customs: 0.6,
        info: 1.0,
        express: false,
    },
    Spec {
        lane: Lane::EmsRussianPost,
        key: "ems_russian_post",
        weight: 5,
        origin: Voice::ChinaEms,
        arrival: Voice::RussianPost,
        customs: &[Voice::RussianPost],
        personal_data: None,
        last_mile: Voice::RussianPost,
        handover: None,
        first: First::Ems,
        countries: &[&RUSSIA],
        days: (6.0, 14.0),
        export_customs: 0.7,
        info: 0.0,
        express: true,
    },
    Spec {
        lane: Lane::EmsKazpost,
        key: "ems_kazpost",
        weight: 2,
        origin: Voice::ChinaEms,
        arrival: Voice::Kazpost,
        customs: &[Voice::Kazpost],
        personal_data: None,
        last_mile: Voice::Kazpost,
        handover: None,
        first: First::Ems,
        countries: &[&KAZAKHSTAN],
        days: (6.0, 14.0),
        export_customs: 0.7,
        info: 0.0,
        express: true,
    },
    Spec {
        lane: Lane::Dhl,
        key: "dhl",
        weight: 4,
        origin: Voice::Dhl,
        arrival: Voice::Dhl,
        customs: &[Voice::Dhl],
        personal_data: Some(Voice::Dhl),
        last_mile: Voice::Dhl,
        handover: None,
        first: First::Dhl,
        countries: &[&KAZAKHSTAN, &BELARUS],
        days: (7.0, 20.0),
        export_customs: 0.0,
        info: 0.7,
        express: true,
    },
    Spec {
        lane: Lane::Yanwen,
        key: "yanwen",
        weight: 8,
        origin: Voice::Yanwen,
        arrival: Voice::Yanwen,
        customs: &[Voice::Yanwen],
        personal_data: Some(Voice::Yanwen),
        last_mile: Voice::Yanwen,
        handover: None,
        first: First::Yanwen,
        countries: &[&RUSSIA, &KAZAKHSTAN, &BELARUS],
        days: (15.0, 40.0),
        export_customs: 0.7,
        info: 1.0,
        express: false,
    },
];

/// China Post with a domestic number: the parcel is tracked until the export office only.
pub(crate) static DOMESTIC: Spec = Spec {
    lane: Lane::ChinaPostDomestic,
    key: "china_post_domestic",
    weight: 0,
    origin: Voice::ChinaPost,
    arrival: Voice::RussianPost,
    customs: &[Voice::RussianPost],
    personal_data: None,
    last_mile: Voice::RussianPost,
    handover: None,
    first: First::ChinaDomestic,
    countries: &[&RUSSIA, &KAZAKHSTAN, &BELARUS],
    days: (20.0, 60.0),
    export_customs: 0.0,
    info: 0.0,
    express: false,
};

pub(crate) fn spec(lane: Lane) -> &'static Spec {
    LANES.iter().find(|s| s.lane == lane).unwrap_or(&DOMESTIC)
}

/// A lane drawn by weight among those `fits` accepts (all lanes if none does).
pub(crate) fn pick_lane(rng: &mut Rng, fits: impl Fn(&Spec) -> bool) -> &'static Spec {
    let candidates: Vec<(u32, &'static Spec)> = LANES
        .iter()
        .filter(|s| fits(s))
        .map(|s| (s.weight, s))
        .collect();
    if candidates.is_empty() {
        return &LANES[0];
    }
    let chosen: &&'static Spec = rng.weighted(&candidates);
    chosen
}

/// Where the destination leg goes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Route {
    pub spec: &'static Spec,
    pub country: &'static Country,
    /// The city the parcel is delivered in (the buyer's, or another for a wrong delivery).
    pub city: &'static City,
    /// The postcode of the office that delivers or holds it.
    pub office: &'static str,
    /// Who reports import customs.
    pub customs: Voice,
    /// The carriers' language or text form (0 or 1).
    pub lang: usize,
    /// The Chinese city the parcel starts from: (Chinese, Latin).
    pub origin_hub: (&'static str, &'static str),
    /// The outward office of exchange it leaves China through.
    pub origin_exchange: (&'static str, &'static str),
    /// The inward office of exchange it enters the destination through.
    pub dest_exchange: (&'static str, i32),
}

/// How the parcel reaches the buyer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Finish {
    /// Out for delivery, then delivered at the door.
    Courier,
    /// At a post office, pickup point or locker, then collected.
    Pickup,
}

/// One event of a journey, before it becomes a document event.
#[derive(Debug, Clone)]
pub(crate) struct Ev {
    /// Days since shipment.
    pub t: f64,
    pub step: Step,
    pub voice: Voice,
    pub phrase: &'static Phrase,
    /// ISO country it happened in.
    pub country: &'static str,
    pub location: String,
    /// Minutes east of UTC the carrier reports the time in.
    pub offset: i32,
}

/// Where on the route an event happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum At {
    OriginHub,
    OriginExchange,
    DestExchange,
    DestHub,
    CitySorting,
    Office,
}

fn cyrillic(voice: Voice) -> bool {
    matches!(
        voice,
        Voice::RussianPost
            | Voice::Cdek
            | Voice::Boxberry
            | Voice::Gbs
            | Voice::Kazpost
            | Voice::Belpost
    )
}

fn reports_in_china_time(voice: Voice) -> bool {
    matches!(
        voice,
        Voice::ChinaPost | Voice::ChinaEms | Voice::Cainiao | Voice::Yanwen | Voice::YunExpress
    )
}

impl Route {
    /// Appends `step` as `voice` says it at `t`, at place `at`; nothing if the voice does not
    /// report that step.
    pub(crate) fn push(
        &self,
        evs: &mut Vec<Ev>,
        rng: &mut Rng,
        t: f64,
        step: Step,
        voice: Voice,
        at: At,
    ) {
        let options = phrases(voice, step);
        if options.is_empty() {
            return;
        }
        let phrase = rng.pick(options);
        let (location, country, offset) = self.place(rng, voice, at, phrase);
        evs.push(Ev {
            t,
            step,
            voice,
            phrase,
            country,
            location,
            offset,
        });
    }

    fn place(
        &self,
        rng: &mut Rng,
        voice: Voice,
        at: At,
        phrase: &Phrase,
    ) -> (String, &'static str, i32) {
        let chinese = matches!(voice, Voice::ChinaPost | Voice::ChinaEms)
            || (self.lang == 1 && matches!(voice, Voice::Cainiao | Voice::Yanwen));
        let latin = !chinese && !cyrillic(voice);
        let city = self.city;
        let country = self.country;
        let (location, iso, offset) = match at {
            At::OriginHub | At::OriginExchange => {
                let (zh, en) = if at == At::OriginHub {
                    self.origin_hub
                } else {
                    self.origin_exchange
                };
                let iso = if voice == Voice::Dhl && phrase.text[0].contains("HONG KONG") {
                    "HK"
                } else {
                    "CN"
                };
                let name = if voice == Voice::Dhl {
                    // DHL's texts name the facility; the location repeats it.
                    if iso == "HK" { "HONG KONG" } else { "SHENZHEN" }.to_owned()
                } else if chinese {
                    zh.to_owned()
                } else {
                    en.to_owned()
                };
                (name, iso, places::CHINA_OFFSET)
            }
            At::DestExchange => {
                let (name, offset) = self.dest_exchange;
                let name = if latin {
                    format!("{} {}", country.cities[0].latin, country.latin)
                } else if chinese {
                    country.latin.to_owned()
                } else {
                    name.to_owned()
                };
                (name, country.iso, offset)
            }
            At::DestHub => {
                let (name, offset) = *rng.pick(country.hubs);
                let name = if cyrillic(voice) {
                    name.to_owned()
                } else {
                    country.cities[0].latin.to_owned()
                };
                (name, country.iso, offset)
            }
            At::CitySorting => {
                let name = if cyrillic(voice) {
                    format!("{} СЦ", city.ru)
                } else {
                    city.latin.to_owned()
                };
                (name, country.iso, city.offset)
            }
            At::Office => {
                let name = if cyrillic(voice) {
                    format!("{}, {}", self.office, city.ru)
                } else {
                    format!("{} {}", city.latin, self.office)
                };
                (name, country.iso, city.offset)
            }
        };
        let offset = match voice {
            v if reports_in_china_time(v) => places::CHINA_OFFSET,
            Voice::Boxberry | Voice::Gbs => 180,
            _ => offset,
        };
        (location, iso, offset)
    }
}

/// The uneventful journey: shipment to delivery in `total` days (the planner may stretch it
/// when the parts do not fit), ending as `finish` says. `duty`: customs releases it with
/// duties to pay, where the carrier reports that.
pub(crate) fn nominal(rng: &mut Rng, r: &Route, finish: Finish, total: f64, duty: bool) -> Vec<Ev> {
    let s = r.spec;
    let mut evs = Vec::with_capacity(20);
    let express = s.express;
    let t_pick = if express {
        rng.range(0.1, 1.0)
    } else {
        rng.range(0.3, 2.5)
    };
    if rng.chance(s.info) {
        let t = t_pick - rng.range(0.2, 1.8);
        r.push(&mut evs, rng, t, Step::Info, s.origin, At::OriginHub);
    }
    r.push(
        &mut evs,
        rng,
        t_pick,
        Step::PickedUp,
        s.origin,
        At::OriginHub,
    );
    let t_dep = t_pick
        + if express {
            rng.range(0.6, 2.0)
        } else {
            rng.range(1.5, 5.0)
        };
    let export = rng.chance(s.export_customs) && supports(s.origin, Step::ExportCustoms);
    let scans_end = if export { t_dep - 1.3 } else { t_dep - 0.3 };
    let scans = if express { 1 } else { rng.int(1, 3) };
    for i in 1..=scans {
        let t = t_pick + (scans_end - t_pick) * f64::from(i) / f64::from(scans + 1);
        if t > t_pick {
            r.push(&mut evs, rng, t, Step::OriginScan, s.origin, At::OriginHub);
        }
    }
    if export {
        let (t1, t2) = (t_dep - rng.range(0.7, 1.2), t_dep - rng.range(0.1, 0.6));
        r.push(
            &mut evs,
            rng,
            t1,
            Step::ExportCustoms,
            s.origin,
            At::OriginExchange,
        );
        r.push(
            &mut evs,
            rng,
            t2,
            Step::ExportCleared,
            s.origin,
            At::OriginExchange,
        );
    }
    r.push(
        &mut evs,
        rng,
        t_dep,
        Step::Departed,
        s.origin,
        At::OriginExchange,
    );

    let dest_span = (total * rng.range(0.25, 0.45)).clamp(
        if express { 2.0 } else { 4.0 },
        if express { 6.0 } else { 20.0 },
    );
    let min_flight = if express { 0.5 } else { 2.0 };
    let t_arr = (total - dest_span).max(t_dep + min_flight + rng.range(0.0, 1.0));
    let mut end = t_arr + dest_span;
    r.push(
        &mut evs,
        rng,
        t_arr,
        Step::Arrived,
        s.arrival,
        At::DestExchange,
    );
    let c1 = t_arr
        + if express {
            rng.range(0.1, 0.5)
        } else {
            rng.range(0.2, 1.5)
        };
    let c2 = c1
        + if express {
            rng.range(0.2, 1.0)
        } else {
            rng.range(0.3, 2.5)
        };
    r.push(
        &mut evs,
        rng,
        c1,
        Step::ImportCustoms,
        r.customs,
        At::DestExchange,
    );
    let cleared = if duty && supports(r.customs, Step::ClearedWithDuty) {
        Step::ClearedWithDuty
    } else {
        Step::ImportCleared
    };
    r.push(&mut evs, rng, c2, cleared, r.customs, At::DestExchange);
    let mut t = c2;
    if s.handover.is_some() {
        t += rng.range(0.3, 1.5);
        r.push(&mut evs, rng, t, Step::Handover, s.origin, At::DestExchange);
    }
    if supports(s.last_mile, Step::LeftExchange) {
        t += rng.range(0.1, 0.8);
        r.push(
            &mut evs,
            rng,
            t,
            Step::LeftExchange,
            s.last_mile,
            At::DestExchange,
        );
    }

    let mut first_final = match finish {
        Finish::Courier => end - rng.range(0.05, 0.35),
        Finish::Pickup => end - rng.range(0.3, 5.0),
    };
    if first_final < t + 0.6 {
        first_final = t + 0.6 + rng.range(0.0, 0.5);
    }
    if end <= first_final {
        end = first_final + rng.range(0.05, 0.35);
    }
    push_dest_scans(&mut evs, rng, r, t, first_final - 0.2);
    match finish {
        Finish::Courier => {
            r.push(
                &mut evs,
                rng,
                first_final,
                Step::OutForDelivery,
                s.last_mile,
                At::Office,
            );
            r.push(&mut evs, rng, end, Step::Delivered, s.last_mile, At::Office);
        }
        Finish::Pickup => {
            r.push(
                &mut evs,
                rng,
                first_final,
                Step::Pickup,
                s.last_mile,
                At::Office,
            );
            r.push(&mut evs, rng, end, Step::Collected, s.last_mile, At::Office);
        }
    }
    evs
}

/// Sorting scans in the destination country between `from` and `to`, at most about 3.5 days
/// apart (a real parcel is scanned at each sorting centre on its way), the last in the
/// delivery city.
pub(crate) fn push_dest_scans(evs: &mut Vec<Ev>, rng: &mut Rng, r: &Route, from: f64, to: f64) {
    let span = (to - from).max(0.2);
    let n = ((span / 3.5).ceil() as u32).clamp(1, 12);
    for i in 1..=n {
        let spacing = span / f64::from(n + 1);
        let t = from + spacing * f64::from(i) + rng.range(-0.2, 0.2) * spacing;
        let at = if i == n { At::CitySorting } else { At::DestHub };
        r.push(evs, rng, t, Step::DestScan, r.spec.last_mile, at);
    }
}
