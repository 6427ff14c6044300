//! Extraction from realistic e-mails and SMS in English, Russian and Chinese: every number
//! found, nothing found in phone numbers, prices, dates, tax numbers or longer tokens.

use std::path::Path;

use tracknum::{NumberKind, scan};

fn hits(file: &str) -> Vec<(String, NumberKind, String)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/emails")
        .join(file);
    let text = std::fs::read(&path).expect("test e-mail");
    let mut out = Vec::new();
    scan(&text, |hit| {
        let best = hit
            .identification
            .best()
            .map(|c| c.format.id.clone())
            .unwrap_or_default();
        out.push((hit.text.to_owned(), hit.identification.kind(), best));
    });
    out
}

fn texts(h: &[(String, NumberKind, String)]) -> Vec<&str> {
    h.iter().map(|(t, _, _)| t.as_str()).collect()
}

#[test]
fn aliexpress_shipping_notice_in_english() {
    let h = hits("aliexpress_shipped.en.eml");
    assert_eq!(
        texts(&h),
        [
            "8190000000000001",
            "8190000000000001",
            "LP00573419278865",
            "8190000000000001"
        ],
        "{h:?}"
    );
    assert_eq!(h[0].1, NumberKind::OrderNumber);
    assert_eq!(h[2].1, NumberKind::Tracking);
    assert_eq!(h[2].2, "cainiao_lp");
}

#[test]
fn russian_post_notice_with_phones_prices_and_tax_numbers() {
    let h = hits("pochta.ru.eml");
    assert_eq!(
        texts(&h),
        [
            "RA223589016RU",
            "RA223589016RU",
            "62009147017544",
            "РА 1234 5678 5СN",
            "3074935419642839"
        ],
        "{h:?}"
    );
    assert_eq!(h[2].2, "russian_post_14");
    assert_eq!(
        h[3].1,
        NumberKind::Tracking,
        "Cyrillic look-alikes with spaces inside"
    );
    assert_eq!(h[4].1, NumberKind::OrderNumber);
}

#[test]
fn chinese_notice_without_spaces() {
    let h = hits("cainiao.zh.eml");
    assert_eq!(
        texts(&h),
        ["300500490098888", "YT2229521272164446", "ZA123456785LV"],
        "{h:?}"
    );
    assert_eq!(h[0].1, NumberKind::OrderNumber);
    assert_eq!(h[1].2, "yunexpress");
}

#[test]
fn sms_weak_numbers_need_a_tracking_word() {
    let h = hits("sms.ru.txt");
    // CDEK numbers have no check digit; they count only next to "заказ"/"трек" words.
    assert_eq!(
        texts(&h),
        ["1234567890", "1234567890", "0000123456789"],
        "{h:?}"
    );
    assert!(
        h.iter()
            .take(2)
            .all(|(_, k, f)| *k == NumberKind::Tracking && f == "cdek")
    );
}

#[test]
fn no_false_hits_in_ordinary_text() {
    let text = "Call +7 916 123-45-67 or 8 (800) 555-35-35. Price 1 234 567,89 руб., \
        date 2026-11-21 12:30:45, IBAN DE89370400440532013000, card 4276 3800 1234 5678, \
        ИНН 500100732259, build abc1234567890def, version 10.0.19045.3803.";
    let mut found = Vec::new();
    scan(text.as_bytes(), |hit| found.push(hit.text.to_owned()));
    assert!(found.is_empty(), "{found:?}");
}
