//! What a notification says: tracking numbers, order numbers and which goes with which, the
//! shipping date, the seller and the marketplace.
//!
//! The subject and the body are read as one text. Numbers come from `tracknum`'s scanner; an
//! order number is either what the scanner recognises as one (AliExpress's 15-16 digits) or
//! the number written right after the word "order"/"заказ"/"订单" (with "ID", "No.", "№",
//! "номер", "号" and a colon allowed in between), which covers shops whose order numbers have
//! no format of their own (`12345678-0001`). Each tracking number goes with the nearest order
//! number written before it (a mail about several orders lists each order's parcels under it),
//! else the first one after it.

use jiff::tz::Offset;
use posylka_core::document::{OrderDocument, ShipmentDocument};
use posylka_core::event_time::EventTime;
use serde::Serialize;
use tracknum::NumberKind;

use crate::message::Parsed;
use crate::text::{ahead, back, find_stem, find_word, fold, wordish};
use crate::{dates, marketplace};

/// Everything extracted from one message. Holds no address, no name from the headers and no
/// body text; the subject is the sender's wording (some greet the buyer by first name).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Extraction {
    /// The Message-ID, without angle brackets.
    pub message_id: Option<String>,
    /// The decoded subject.
    pub subject: Option<String>,
    /// The Date header (RFC 3339 with the sender's offset).
    #[serde(serialize_with = "optional_time")]
    pub date: Option<EventTime>,
    /// The marketplace, from the sender's domain or else a name in the text.
    pub marketplace: Option<&'static str>,
    /// Whether the message says the parcel was shipped.
    pub shipped: bool,
    /// When it was shipped: a date written after a shipping label, else the Date header of a
    /// message that says "shipped".
    #[serde(serialize_with = "optional_time")]
    pub shipped_at: Option<EventTime>,
    /// The seller or shop, when a "Seller:"/"Продавец:"/"卖家：" line names it.
    pub seller: Option<String>,
    /// Valid tracking numbers, canonical, each once, in text order.
    pub tracking_numbers: Vec<TrackingFound>,
    /// Order numbers, each once, in text order (tracking numbers excluded).
    pub order_numbers: Vec<OrderFound>,
}

/// One tracking number in a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrackingFound {
    /// The number, canonical (`RA123456785CN`).
    pub number: String,
    /// The most likely carrier's id.
    pub carrier: &'static str,
    /// The order it belongs to, when the message has one.
    pub order_number: Option<String>,
}

/// One order number in a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrderFound {
    /// The number as the shop writes it, ASCII letters upper-cased.
    pub number: String,
    /// True when it stands after the word order/заказ/订单; false when only its format says it
    /// is an order number.
    pub by_keyword: bool,
}

fn optional_time<S: serde::Serializer>(t: &Option<EventTime>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.collect_str(t),
        None => s.serialize_none(),
    }
}

impl Extraction {
    /// One shipment document per tracking number, with its order when the message names one
    /// (or, without an order number, when it names the marketplace and the shipping date,
    /// which the buyer-protection clock needs; the number is filled in later).
    pub fn documents(&self) -> Vec<ShipmentDocument> {
        self.tracking_numbers
            .iter()
            .map(|t| {
                let order = (t.order_number.is_some()
                    || (self.marketplace.is_some() && self.shipped_at.is_some()))
                .then(|| OrderDocument {
                    number: t.order_number.clone(),
                    marketplace: self.marketplace.map(str::to_owned),
                    shipped_at: self.shipped_at.map(|s| s.to_string()),
                    ..OrderDocument::default()
                });
                ShipmentDocument {
                    tracking_numbers: vec![t.number.clone()],
                    order,
                    events: Vec::new(),
                }
            })
            .collect()
    }
}

/// A number the scanner found, owned.
struct Found {
    start: usize,
    end: usize,
    kind: NumberKind,
    valid: bool,
    number: String,
    carrier: &'static str,
}

/// Extracts everything from a parsed message.
pub fn extract(parsed: Parsed) -> Extraction {
    let mut text = String::with_capacity(parsed.body.len() + 128);
    if let Some(subject) = &parsed.subject {
        text.push_str(subject);
        text.push_str("\n\n");
    }
    text.push_str(&parsed.body);
    let lower = fold(&text);

    let found = scan(&text);
    let keyword_spots = keyword_orders(&text, &lower, &found);
    // An all-digit number right after "order" is the order's number even when it also fits a
    // carrier's digits-only format ("Order 1012345678" is no CDEK parcel), unless the message
    // also gives it as a tracking number elsewhere (CDEK: "заказ 1234567890 ... трек 1234567890").
    let tracking_elsewhere = |f: &Found| {
        found.iter().any(|g| {
            g.kind == NumberKind::Tracking
                && g.valid
                && g.number == f.number
                && !keyword_spots.iter().any(|(at, _)| *at == g.start)
        })
    };
    let mut tracking: Vec<(usize, TrackingFound)> = Vec::new();
    for f in &found {
        if f.kind == NumberKind::Tracking
            && f.valid
            && tracking_elsewhere(f)
            && !tracking.iter().any(|(_, t)| t.number == f.number)
        {
            tracking.push((
                f.start,
                TrackingFound {
                    number: f.number.clone(),
                    carrier: f.carrier,
                    order_number: None,
                },
            ));
        }
    }

    let is_tracking = |n: &str| tracking.iter().any(|(_, t)| t.number == n);
    let mut orders: Vec<(usize, String, bool)> = keyword_spots
        .into_iter()
        .map(|(at, n)| (at, n, true))
        .chain(
            found
                .iter()
                .filter(|f| f.kind == NumberKind::OrderNumber)
                .map(|f| (f.start, f.number.clone(), false)),
        )
        .filter(|(_, n, _)| !is_tracking(n))
        .collect();
    orders.sort_by_key(|(at, _, by_keyword)| (*at, !*by_keyword));
    // The same number found both ways, or written twice: keep its first, keyword-found entry.
    let mut order_numbers: Vec<OrderFound> = Vec::new();
    for (_, n, by_keyword) in &orders {
        match order_numbers.iter_mut().find(|o| o.number == *n) {
            Some(o) => o.by_keyword |= *by_keyword,
            None => order_numbers.push(OrderFound {
                number: n.clone(),
                by_keyword: *by_keyword,
            }),
        }
    }
    // Orders named as such take precedence over numbers only shaped like orders.
    let any_keyword = orders.iter().any(|(_, _, k)| *k);
    let candidates: Vec<&(usize, String, bool)> = orders
        .iter()
        .filter(|(_, _, by_keyword)| *by_keyword || !any_keyword)
        .collect();
    for (at, t) in &mut tracking {
        let before = candidates.iter().rev().find(|(o, _, _)| *o < *at);
        t.order_number = before
            .or_else(|| candidates.first())
            .map(|(_, n, _)| n.clone());
    }

    let shipped = says_shipped(&lower);
    let offset = parsed.date.map_or(Offset::UTC, |d| d.offset());
    let written = shipping_date(&text, &lower, offset).filter(|w| {
        // A "shipping date" after the message was sent is a promise, not a fact.
        parsed.date.is_none_or(|d| {
            d.instant()
                .checked_add(jiff::SignedDuration::from_hours(24))
                .is_ok_and(|limit| w.instant() <= limit)
        })
    });
    let shipped_at = written.or(if shipped { parsed.date } else { None });

    let marketplace = parsed
        .sender
        .as_deref()
        .and_then(marketplace::from_sender)
        .or_else(|| marketplace::from_text(&lower));

    Extraction {
        message_id: parsed.message_id,
        subject: parsed.subject,
        date: parsed.date,
        marketplace,
        shipped: shipped || written.is_some(),
        shipped_at,
        seller: seller(&text, &lower),
        tracking_numbers: tracking.into_iter().map(|(_, t)| t).collect(),
        order_numbers,
    }
}

fn scan(text: &str) -> Vec<Found> {
    let mut found = Vec::new();
    tracknum::scan(text.as_bytes(), |hit| {
        let id = hit.identification;
        let Some(number) = id.number.filter(|_| found.len() < MAX_NUMBERS) else {
            return;
        };
        let start = usize::try_from(hit.offset).unwrap_or(usize::MAX);
        found.push(Found {
            start,
            end: start.saturating_add(hit.text.len()),
            kind: id.kind(),
            valid: id.is_valid(),
            number: number.as_str().to_owned(),
            carrier: id.best().map_or("", |c| c.carrier.id.as_str()),
        });
    });
    found.retain(|f| f.end <= text.len());
    found
}

/// The most numbers read from one message. A notification has a handful; a crafted message
/// with thousands must not make the pairing of orders and parcels (quadratic) expensive.
const MAX_NUMBERS: usize = 256;

/// Words that may stand between "order" and its number.
const ORDER_LABEL_WORDS: [&str; 16] = [
    "id",
    "no",
    "nr",
    "num",
    "number",
    "is",
    "ref",
    "code",
    "номер",
    "в",
    "магазине",
    "на",
    "сайте",
    "号",
    "编号",
    "码",
];

/// Order numbers written after the word order/заказ/订单, with their offsets.
fn keyword_orders(text: &str, lower: &str, found: &[Found]) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut ends = Vec::new();
    for word in ["order", "订单"] {
        let mut from = 0;
        while let Some(at) = find_word(lower, word, from) {
            ends.push(at + word.len());
            from = at + word.len();
        }
    }
    let mut from = 0;
    while let Some((_, end)) = find_stem(lower, "заказ", from) {
        ends.push(end);
        from = end;
    }
    for end in ends {
        if let Some(hit) = number_after(text, lower, end, found) {
            out.push(hit);
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The order number after a keyword ending at `at`: label words, `#`, `№`, colons and white
/// space (at most two line breaks, as in a table) skipped, then a token with at least five
/// digits that is neither a date nor a tracking number.
fn number_after(
    text: &str,
    lower: &str,
    mut at: usize,
    found: &[Found],
) -> Option<(usize, String)> {
    let mut line_breaks = 0;
    for _ in 0..32 {
        let rest = &lower[at..];
        let c = rest.chars().next()?;
        if c == '\n' {
            line_breaks += 1;
            if line_breaks > 2 {
                return None;
            }
        }
        if c.is_whitespace() || matches!(c, ':' | '：' | '#' | '№' | '.') {
            at += c.len_utf8();
            continue;
        }
        let label = ORDER_LABEL_WORDS.iter().find(|w| {
            rest.starts_with(**w)
                && !(w.chars().all(wordish) && rest[w.len()..].chars().next().is_some_and(wordish))
        });
        match label {
            Some(label) => at += label.len(),
            None => break,
        }
    }
    let rest = &text[at..];
    let len = rest
        .char_indices()
        .find(|&(i, c)| {
            !(c.is_ascii_alphanumeric()
                || (c == '-'
                    && i > 0
                    && rest[i + 1..].starts_with(|n: char| n.is_ascii_alphanumeric())))
        })
        .map_or(rest.len(), |(i, _)| i);
    let token = &rest[..len];
    let digits = token.bytes().filter(u8::is_ascii_digit).count();
    if digits < 5 || len > 40 {
        return None;
    }
    if dates::parse_at(token).is_some_and(|(_, used)| used == len) {
        return None;
    }
    // A number the scanner found here is taken as it read it; one with letters in it is a
    // carrier's ("Заказ RA123456785CN отправлен"), never an order number.
    match found.iter().find(|f| f.start <= at && at < f.end) {
        Some(f) if f.start != at => None,
        Some(f)
            if f.kind == NumberKind::Tracking
                && f.number.bytes().any(|b| b.is_ascii_alphabetic()) =>
        {
            None
        }
        Some(f) => Some((at, f.number.clone())),
        None => Some((at, token.to_ascii_uppercase())),
    }
}

/// Wording that says the parcel has left the seller.
const SHIPPED: [&str; 16] = [
    "shipped",
    "dispatched",
    "on its way",
    "has been sent",
    "отправлен",
    "отправлена",
    "отправлено",
    "отправлены",
    "отгружен",
    "передан в доставку",
    "передан в службу доставки",
    "передана в службу доставки",
    "передан перевозчику",
    "已发货",
    "已发出",
    "已寄出",
];

/// Words that turn "shipped" into its opposite or a promise when they come just before it.
const NEGATIONS: [&str; 8] = ["not", "never", "will", "yet", "не", "будет", "ещё", "еще"];

fn says_shipped(lower: &str) -> bool {
    SHIPPED.iter().any(|word| {
        let mut from = 0;
        while let Some(at) = find_word(lower, word, from) {
            if !negated(lower, at) {
                return true;
            }
            from = at + word.len();
        }
        false
    })
}

/// Whether one of the three words before `at` negates or defers what follows.
fn negated(lower: &str, at: usize) -> bool {
    let window = &lower[back(lower, at, 32)..at];
    if window.ends_with('未') || window.ends_with('没') || window.ends_with("尚未") {
        return true;
    }
    window
        .split(|c: char| !wordish(c) && c != '\'')
        .filter(|w| !w.is_empty())
        .rev()
        .take(3)
        .any(|w| NEGATIONS.contains(&w) || w.ends_with("n't"))
}

/// Labels after which a shipping date is written.
const SHIPPING_DATE_LABELS: [&str; 15] = [
    "shipped on",
    "shipped",
    "ship date",
    "shipping date",
    "date shipped",
    "dispatched on",
    "dispatch date",
    "дата отправки",
    "дата отгрузки",
    "отправлен",
    "отправлена",
    "отправлено",
    "发货时间",
    "发货日期",
    "已发货",
];

/// The first date written right after a shipping label, in `offset` (the sender's).
fn shipping_date(text: &str, lower: &str, offset: Offset) -> Option<EventTime> {
    let mut best: Option<(usize, EventTime)> = None;
    for label in SHIPPING_DATE_LABELS {
        let mut from = 0;
        while let Some(at) = find_word(lower, label, from) {
            from = at + label.len();
            let start = from
                + text[from..ahead(text, from, 16)]
                    .find(|c: char| c.is_ascii_alphanumeric())
                    .unwrap_or(0);
            let gap = &text[from..start];
            if !gap
                .chars()
                .all(|c| c.is_whitespace() || matches!(c, ':' | '：' | '-' | '—' | ','))
                || negated(lower, at)
            {
                continue;
            }
            // "Shipped on Nov 20" reads the month name; "отправлено 20.11.2026" the digits.
            let start = if lower[start..].starts_with("on ") {
                start + 3
            } else {
                start
            };
            let Some((civil, _)) = dates::parse_at(&text[start..]) else {
                continue;
            };
            let Ok(instant) = offset.to_timestamp(civil) else {
                continue;
            };
            if best.is_none_or(|(b, _)| at < b) {
                best = Some((at, EventTime::new(instant, offset)));
            }
            break;
        }
    }
    best.map(|(_, t)| t)
}

/// Labels before a seller's or shop's name; all but "sold by" need a colon.
const SELLER_LABELS: [(&str, bool); 10] = [
    ("seller", true),
    ("store", true),
    ("shop", true),
    ("store name", true),
    ("sold by", false),
    ("продавец", true),
    ("магазин", true),
    ("卖家", true),
    ("店铺", true),
    ("店铺名称", true),
];

/// The longest seller name kept.
const MAX_SELLER_CHARS: usize = 80;

fn seller(text: &str, lower: &str) -> Option<String> {
    let mut best: Option<(usize, String)> = None;
    for (label, needs_colon) in SELLER_LABELS {
        let mut from = 0;
        while let Some(at) = find_word(lower, label, from) {
            from = at + label.len();
            let mut rest = text[from..].trim_start_matches([' ', '\u{A0}']);
            match rest.strip_prefix([':', '：']) {
                Some(after) => rest = after,
                None if needs_colon => continue,
                None => {}
            }
            let rest = rest.trim_start_matches([' ', '\t', '\u{A0}']);
            // In a table the name may be in the next cell or on the next line.
            let rest = if rest.starts_with(['\n', '\r']) {
                rest.trim_start()
            } else {
                rest
            };
            let line = rest
                .split(['\n', '\r', '\t', '|'])
                .next()
                .unwrap_or_default();
            let name: String = line.trim().chars().take(MAX_SELLER_CHARS).collect();
            let name = name.trim_end_matches(['.', ',', ';', '。', '，']).trim();
            let plausible = name.chars().any(char::is_alphabetic)
                && !name.contains('@')
                && !name.to_ascii_lowercase().contains("http");
            if plausible && best.as_ref().is_none_or(|(b, _)| at < *b) {
                best = Some((at, name.to_owned()));
            }
            if plausible {
                break;
            }
        }
    }
    best.map(|(_, n)| n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(subject: &str, body: &str) -> Parsed {
        Parsed {
            message_id: None,
            subject: Some(subject.to_owned()).filter(|s| !s.is_empty()),
            date: "2026-11-21T09:14:03+08:00".parse().ok(),
            sender: None,
            body: body.to_owned(),
        }
    }

    #[test]
    fn order_numbers_after_keywords_in_three_languages() {
        let e = extract(parsed(
            "",
            "Номер заказа в магазине: 12345678-0001\nOrder #A77-123456\n订单号：300500490098888",
        ));
        let numbers: Vec<&str> = e.order_numbers.iter().map(|o| o.number.as_str()).collect();
        assert_eq!(numbers, ["12345678-0001", "A77-123456", "300500490098888"]);
        assert!(e.order_numbers.iter().all(|o| o.by_keyword));
    }

    #[test]
    fn dates_totals_and_tracking_numbers_are_not_orders() {
        let e = extract(parsed(
            "",
            "Order date: 2026-11-02\nOrder total: 12345 RUB\nЗаказ RA123456785CN отправлен",
        ));
        assert!(e.order_numbers.is_empty(), "{:?}", e.order_numbers);
        assert_eq!(e.tracking_numbers.len(), 1);
    }

    #[test]
    fn each_parcel_goes_with_the_order_written_before_it() {
        let e = extract(parsed(
            "",
            "Order 1111122222: tracking number RA123456785CN\n\
             Order 3333344444: tracking number LP00573419278865",
        ));
        let pairs: Vec<(&str, Option<&str>)> = e
            .tracking_numbers
            .iter()
            .map(|t| (t.number.as_str(), t.order_number.as_deref()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("RA123456785CN", Some("1111122222")),
                ("LP00573419278865", Some("3333344444"))
            ]
        );
    }

    #[test]
    fn shipped_wording_and_its_negations() {
        assert!(says_shipped(&fold("Your order has been shipped!")));
        assert!(says_shipped(&fold("Ваш заказ отправлен.")));
        assert!(says_shipped("您的包裹已发货"));
        assert!(!says_shipped(&fold("Your order has not been shipped yet")));
        assert!(!says_shipped(&fold("Заказ ещё не отправлен")));
        assert!(!says_shipped(&fold("Заказ будет отправлен завтра")));
        assert!(!says_shipped(&fold("Ваше отправление прибыло")));
        assert!(!says_shipped("您的包裹尚未发货"));
    }

    #[test]
    fn a_written_shipping_date_beats_the_date_header() {
        let e = extract(parsed(
            "",
            "Shipped on: Nov 20, 2026\nTracking: RA123456785CN",
        ));
        assert_eq!(
            e.shipped_at.map(|t| t.to_string()).as_deref(),
            Some("2026-11-20T00:00:00+08:00")
        );
        let e = extract(parsed("", "Заказ отправлен. Трек-номер RA123456785CN"));
        assert_eq!(e.shipped_at, e.date);
        let e = extract(parsed("", "Трек-номер RA123456785CN, прибыл в Казань"));
        assert_eq!(e.shipped_at, None);
        // Later than the message itself: an estimate.
        let e = extract(parsed("", "Дата отправки: 30.11.2026"));
        assert_eq!(e.shipped_at, None);
    }

    #[test]
    fn sellers_are_read_from_labelled_lines_only() {
        assert_eq!(
            seller(
                "Seller:\tXiaomi Official Store\tOrder",
                "seller:\txiaomi official store\torder"
            )
            .as_deref(),
            Some("Xiaomi Official Store")
        );
        let text = "Продавец также указал номер\nМагазин: «Мир чехлов».";
        assert_eq!(seller(text, &fold(text)).as_deref(), Some("«Мир чехлов»"));
        let text = "Store: support@shop.example";
        assert_eq!(seller(text, &fold(text)), None);
        assert_eq!(
            seller("卖家：深圳好物店\n", "卖家：深圳好物店\n").as_deref(),
            Some("深圳好物店")
        );
    }
}
