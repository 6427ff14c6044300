//! Extraction from realistic notifications (tests/data, written by make_fixtures.py): one test
//! per message, asserting every field the importer uses.

use std::path::PathBuf;

use posylka_mail::{Extraction, MailError, extract};

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn read(name: &str) -> Extraction {
    let bytes = std::fs::read(data(name)).expect("fixture");
    extract(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn numbers(e: &Extraction) -> Vec<(&str, Option<&str>)> {
    e.tracking_numbers
        .iter()
        .map(|t| (t.number.as_str(), t.order_number.as_deref()))
        .collect()
}

fn time(t: Option<posylka_core::event_time::EventTime>) -> Option<String> {
    t.map(|t| t.to_string())
}

#[test]
fn html_only_aliexpress_notice() {
    let e = read("aliexpress_shipped.html.eml");
    assert_eq!(
        e.message_id.as_deref(),
        Some("20261121011403.8190000000000001@notice.aliexpress.com")
    );
    assert_eq!(
        e.subject.as_deref(),
        Some("Your order 8190000000000001 has been shipped")
    );
    assert_eq!(e.marketplace, Some("aliexpress"));
    assert_eq!(
        numbers(&e),
        [("LP00573419278865", Some("8190000000000001"))]
    );
    assert_eq!(e.tracking_numbers[0].carrier, "cainiao");
    assert!(e.shipped);
    // No date is written after a shipping label: the message's own date stands in.
    assert_eq!(
        time(e.shipped_at).as_deref(),
        Some("2026-11-21T09:14:03+08:00")
    );
    assert_eq!(e.seller.as_deref(), Some("Xiaomi Official Store"));
    // The order date, the phone numbers and the comment's id are none of these.
    assert_eq!(e.order_numbers.len(), 1);

    let docs = e.documents();
    assert_eq!(docs.len(), 1);
    let doc = docs[0].parse().expect("a valid shipment document");
    let order = doc.order.expect("order");
    assert_eq!(order.marketplace(), "aliexpress");
    assert_eq!(order.order_number(), "8190000000000001");
}

#[test]
fn the_report_holds_no_personal_data() {
    for name in [
        "aliexpress_shipped.html.eml",
        "aliexpress_ru.koi8-r.eml",
        "ozon.windows-1251.eml",
    ] {
        let json = serde_json::to_string(&read(name)).expect("serialises");
        for personal in [
            "Ivan",
            "Иван",
            "ivan",
            "example.ru",
            "Baumana",
            "Баумана",
            "Kazan",
            "Казань",
            "916",
            "*1234",
        ] {
            assert!(!json.contains(personal), "{name}: {personal} in {json}");
        }
    }
}

#[test]
fn koi8_r_text_wins_over_windows_1251_html() {
    let e = read("aliexpress_ru.koi8-r.eml");
    assert_eq!(
        e.subject.as_deref(),
        Some("Заказ 3074935419642839 отправлен")
    );
    assert_eq!(e.marketplace, Some("aliexpress"));
    assert_eq!(numbers(&e), [("RA123456785CN", Some("3074935419642839"))]);
    assert_eq!(e.seller.as_deref(), Some("Мир чехлов"));
    // The written date, at midnight in the sender's offset.
    assert_eq!(
        time(e.shipped_at).as_deref(),
        Some("2026-11-20T00:00:00+03:00")
    );
    let order = e.order_numbers.first().expect("order");
    assert!(order.by_keyword);
}

#[test]
fn windows_1251_ozon_notice_with_an_order_number_of_its_own() {
    let e = read("ozon.windows-1251.eml");
    assert_eq!(e.marketplace, Some("ozon"));
    assert_eq!(numbers(&e), [("42000012345676", Some("12345678-0001"))]);
    assert_eq!(e.tracking_numbers[0].carrier, "russian-post");
    assert_eq!(e.seller.as_deref(), Some("ТехноМир"));
    assert!(e.shipped, "передан в службу доставки");
    assert_eq!(
        time(e.shipped_at).as_deref(),
        Some("2026-11-23T15:40:00+03:00")
    );
    let doc = e.documents().remove(0).parse().expect("valid");
    let order = doc.order.expect("order");
    assert_eq!(order.marketplace(), "ozon");
    assert_eq!(order.order_number(), "12345678-0001");
}

#[test]
fn gb2312_cainiao_notice() {
    let e = read("cainiao.gb2312.eml");
    assert_eq!(e.subject.as_deref(), Some("您的包裹已发货"));
    // cainiao.com is a carrier; the text names the marketplace (速卖通).
    assert_eq!(e.marketplace, Some("aliexpress"));
    assert_eq!(
        numbers(&e),
        [("YT2229521272164446", Some("300500490098888"))]
    );
    assert_eq!(
        time(e.shipped_at).as_deref(),
        Some("2026-11-20T18:30:00+08:00")
    );
    assert_eq!(e.seller.as_deref(), Some("深圳好物店"));
}

#[test]
fn two_orders_two_parcels_and_an_attachment_not_read() {
    let e = read("joom_two_orders.eml");
    assert_eq!(e.marketplace, Some("joom"));
    assert_eq!(
        numbers(&e),
        [
            ("RB123456785GB", Some("A77-123456")),
            ("CJ123456785CN", Some("A77-654321"))
        ]
    );
    assert_eq!(e.seller.as_deref(), Some("Gadget World"));
    let docs = e.documents();
    assert_eq!(docs.len(), 2);
    assert!(docs.iter().all(|d| d.parse().is_ok()));
}

#[test]
fn arrival_notice_is_no_shipping_notice() {
    let e = read("pochta_arrived.eml");
    assert_eq!(numbers(&e), [("RA223589016RU", None)]);
    assert!(!e.shipped);
    assert_eq!(e.shipped_at, None);
    assert_eq!(e.marketplace, None);
    let docs = e.documents();
    assert_eq!(docs[0].order, None);
}

#[test]
fn newsletter_has_no_numbers() {
    let e = read("newsletter_no_numbers.eml");
    assert!(e.tracking_numbers.is_empty(), "{:?}", e.tracking_numbers);
    assert!(e.order_numbers.is_empty(), "{:?}", e.order_numbers);
    assert!(e.documents().is_empty());
    assert_eq!(e.marketplace, Some("ozon"));
}

#[test]
fn malformed_file_is_refused() {
    let bytes = std::fs::read(data("malformed.eml")).expect("fixture");
    assert_eq!(extract(&bytes).err(), Some(MailError::NotAMessage));
    assert_eq!(extract(b" \r\n").err(), Some(MailError::Empty));
    assert_eq!(
        extract(b"just some words: and a colon\n\nRA123456785CN").err(),
        Some(MailError::NotAMessage)
    );
}
