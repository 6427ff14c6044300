//! Which marketplace a notification comes from: the sender's domain first, the text second.
//!
//! Marketplace ids are the ones orders are stored under (`aliexpress`, `ozon`, ...). Carriers'
//! domains (cainiao.com, pochta.ru) name no marketplace; their mails often do in the text
//! ("您在速卖通购买的商品", "заказ с AliExpress"), and so does a notification a buyer forwards
//! from a personal address.

/// Sender domains (the domain itself or any subdomain) and the marketplace they belong to.
const DOMAINS: &[(&str, &str)] = &[
    ("aliexpress.com", "aliexpress"),
    ("aliexpress.ru", "aliexpress"),
    ("aliexpress.us", "aliexpress"),
    ("aliexpress-media.com", "aliexpress"),
    ("ozon.ru", "ozon"),
    ("ozon.com", "ozon"),
    ("wildberries.ru", "wildberries"),
    ("wildberries.by", "wildberries"),
    ("wildberries.kz", "wildberries"),
    ("wb.ru", "wildberries"),
    ("joom.com", "joom"),
    ("joom.ru", "joom"),
    ("temu.com", "temu"),
    ("shein.com", "shein"),
    ("market.yandex.ru", "yandex-market"),
    ("megamarket.ru", "megamarket"),
    ("sbermegamarket.ru", "megamarket"),
    ("lamoda.ru", "lamoda"),
    ("taobao.com", "taobao"),
    ("tmall.com", "tmall"),
    ("jd.com", "jd"),
    ("banggood.com", "banggood"),
    ("ebay.com", "ebay"),
    ("amazon.com", "amazon"),
];

/// Names in text (matched on the lower-cased text as whole words) and their marketplace.
const MENTIONS: &[(&str, &str)] = &[
    ("aliexpress", "aliexpress"),
    ("алиэкспресс", "aliexpress"),
    ("алиэкспрес", "aliexpress"),
    ("速卖通", "aliexpress"),
    ("ozon", "ozon"),
    ("озон", "ozon"),
    ("wildberries", "wildberries"),
    ("вайлдберриз", "wildberries"),
    ("joom", "joom"),
    ("temu", "temu"),
    ("shein", "shein"),
    ("淘宝", "taobao"),
    ("天猫", "tmall"),
];

/// The marketplace a sender's address belongs to, from its domain.
pub fn from_sender(address: &str) -> Option<&'static str> {
    let domain = address.rsplit_once('@').map_or(address, |(_, d)| d);
    let domain = domain
        .trim()
        .trim_end_matches(['>', '.'])
        .to_ascii_lowercase();
    DOMAINS
        .iter()
        .find(|(known, _)| {
            domain == *known
                || domain
                    .strip_suffix(known)
                    .is_some_and(|head| head.ends_with('.'))
        })
        .map(|(_, id)| *id)
}

/// The first marketplace named in `lower` (text lower-cased by [`crate::text::fold`]).
pub fn from_text(lower: &str) -> Option<&'static str> {
    MENTIONS
        .iter()
        .filter_map(|(name, id)| crate::text::find_word(lower, name, 0).map(|at| (at, *id)))
        .min_by_key(|(at, _)| *at)
        .map(|(_, id)| id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subdomains_count_lookalikes_do_not() {
        assert_eq!(
            from_sender("transaction@notice.aliexpress.com"),
            Some("aliexpress")
        );
        assert_eq!(from_sender("noreply@ozon.ru"), Some("ozon"));
        assert_eq!(from_sender("info@news.wildberries.ru"), Some("wildberries"));
        assert_eq!(from_sender("x@notozon.ru"), None);
        assert_eq!(from_sender("x@ozon.ru.evil.example"), None);
        assert_eq!(from_sender("service@cainiao.com"), None);
    }

    #[test]
    fn the_earliest_mention_wins() {
        assert_eq!(from_text("您在速卖通购买的商品已发货"), Some("aliexpress"));
        assert_eq!(
            from_text("заказ с озон, не с aliexpress"),
            Some("ozon"),
            "the first name in the text"
        );
        assert_eq!(from_text("ozonation"), None);
    }
}
