//! The page's words in Russian and English: Fluent files under `crates/server/locales/`
//! (embedded at compile time, as the watchdog's), the language from the `posylka_lang` cookie,
//! else the browser's `Accept-Language`, else English.

use std::borrow::Cow;
use std::collections::HashMap;

use axum::http::HeaderMap;
use axum::http::header;
use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader as _, langid, static_loader};
use posylka_watchdog::Lang;

use super::cookies;

static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "en-US",
        // Isolation marks around arguments would show up in copied numbers.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

static ENGLISH: LanguageIdentifier = langid!("en-US");
static RUSSIAN: LanguageIdentifier = langid!("ru");

/// The cookie that keeps the chosen language.
pub(crate) const LANG_COOKIE: &str = "posylka_lang";

/// Every language the page speaks, in the switcher's order.
pub(crate) const LANGS: [Lang; 2] = [Lang::Ru, Lang::En];

/// The language of a request: the cookie, else `Accept-Language`, else English.
pub(crate) fn negotiate(headers: &HeaderMap) -> Lang {
    if let Some(lang) = cookies::get(headers, LANG_COOKIE).and_then(|v| v.parse().ok()) {
        return lang;
    }
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(from_accept_language)
        .unwrap_or(Lang::En)
}

/// The most preferred language the page speaks in an `Accept-Language` value
/// (`ru-RU,ru;q=0.9,en;q=0.8`), by quality then order; `None` if it names neither.
pub(crate) fn from_accept_language(value: &str) -> Option<Lang> {
    let mut best: Option<(f32, Lang)> = None;
    // Bounded: a header of thousands of ranges is not a browser's.
    for range in value.split(',').take(32) {
        let mut parts = range.split(';');
        let tag = parts.next().unwrap_or_default().trim();
        let quality = parts
            .find_map(|p| p.trim().strip_prefix("q="))
            .map_or(Some(1.0), |q| q.trim().parse::<f32>().ok())
            .filter(|q| q.is_finite() && *q > 0.0);
        let (Some(quality), Some(lang)) = (quality, Lang::from_locale(tag)) else {
            continue;
        };
        if best.is_none_or(|(q, _)| quality > q) {
            best = Some((quality, lang));
        }
    }
    best.map(|(_, lang)| lang)
}

fn id(lang: Lang) -> &'static LanguageIdentifier {
    match lang {
        Lang::En => &ENGLISH,
        Lang::Ru => &RUSSIAN,
    }
}

/// The page's words in one language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Tr(pub Lang);

type Args = HashMap<Cow<'static, str>, FluentValue<'static>>;

impl Tr {
    /// The language key for `<html lang>` (`en`, `ru`).
    pub(crate) fn code(self) -> &'static str {
        self.0.key()
    }

    /// A message without arguments; its id if missing (a test checks none is).
    pub(crate) fn t(self, key: &str) -> String {
        self.lookup(key, &Args::new())
    }

    /// A message with text arguments.
    pub(crate) fn args(self, key: &str, args: &[(&'static str, &str)]) -> String {
        let args: Args = args
            .iter()
            .map(|(k, v)| (Cow::Borrowed(*k), FluentValue::from((*v).to_owned())))
            .collect();
        self.lookup(key, &args)
    }

    /// A message with one number argument `$n` (for plurals). Takes the number or a reference
    /// to it: templates pass references.
    pub(crate) fn count(self, key: &str, n: impl std::borrow::Borrow<i64>) -> String {
        let mut args = Args::new();
        args.insert(Cow::Borrowed("n"), FluentValue::from(*n.borrow()));
        self.lookup(key, &args)
    }

    fn lookup(self, key: &str, args: &Args) -> String {
        LOCALES
            .try_lookup_with_args(id(self.0), key, args)
            .unwrap_or_else(|| key.to_owned())
    }
}

/// The language's own name, for the switcher.
pub(crate) fn native_name(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "English",
        Lang::Ru => "Русский",
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    #[test]
    fn accept_language_picks_the_best_spoken_language() {
        assert_eq!(
            from_accept_language("ru-RU,ru;q=0.9,en;q=0.8"),
            Some(Lang::Ru)
        );
        assert_eq!(
            from_accept_language("de-DE, en;q=0.5, ru;q=0.7"),
            Some(Lang::Ru)
        );
        assert_eq!(from_accept_language("en-GB,en;q=0.9"), Some(Lang::En));
        assert_eq!(from_accept_language("de, fr;q=0.9"), None);
        assert_eq!(from_accept_language("ru;q=0, en;q=0.1"), Some(Lang::En));
        assert_eq!(from_accept_language("ru;q=bad"), None);
        assert_eq!(from_accept_language(""), None);
    }

    #[test]
    fn the_cookie_beats_the_browser() {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT_LANGUAGE, HeaderValue::from_static("ru"));
        assert_eq!(negotiate(&headers), Lang::Ru);
        headers.insert(header::COOKIE, HeaderValue::from_static("posylka_lang=en"));
        assert_eq!(negotiate(&headers), Lang::En);
        headers.insert(header::COOKIE, HeaderValue::from_static("posylka_lang=xx"));
        assert_eq!(negotiate(&headers), Lang::Ru);
        assert_eq!(negotiate(&HeaderMap::new()), Lang::En);
    }

    /// The message ids a Fluent file defines.
    fn ids(ftl: &str) -> std::collections::BTreeSet<&str> {
        ftl.lines()
            .filter_map(|l| l.split_once(" ="))
            .map(|(id, _)| id)
            .filter(|id| {
                !id.is_empty()
                    && id.bytes().all(|b| {
                        b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_'
                    })
            })
            .collect()
    }

    /// The literal keys passed to the lookups in `source` (`.t("..")`, `.count("..")`,
    /// `.args("..")`, `fail("..")`).
    fn used(source: &str) -> Vec<&str> {
        let mut keys = Vec::new();
        for call in [".t(\"", ".count(\"", ".args(\"", " fail(\"", "(fail(\""] {
            let mut rest = source;
            while let Some(at) = rest.find(call) {
                let tail = &rest[at + call.len()..];
                let end = tail.find('"').unwrap_or(0);
                keys.push(&tail[..end]);
                rest = &tail[end..];
            }
        }
        keys
    }

    #[test]
    fn every_key_used_exists_in_both_languages() {
        let en = ids(include_str!("../../locales/en-US/web.ftl"));
        let ru = ids(include_str!("../../locales/ru/web.ftl"));
        assert_eq!(en, ru, "both languages define the same messages");
        let sources = [
            include_str!("../../templates/base.html"),
            include_str!("../../templates/login.html"),
            include_str!("../../templates/error.html"),
            include_str!("../../templates/list.html"),
            include_str!("../../templates/add.html"),
            include_str!("../../templates/added.html"),
            include_str!("../../templates/parcel.html"),
            include_str!("../../templates/notifications.html"),
            include_str!("notifications.rs"),
            include_str!("../notify/render.rs"),
            include_str!("mod.rs"),
            include_str!("list.rs"),
            include_str!("add.rs"),
            include_str!("login.rs"),
            include_str!("parcel.rs"),
            include_str!("format.rs"),
        ];
        let mut keys: Vec<String> = sources
            .iter()
            .flat_map(|s| used(s))
            .filter(|k| !k.is_empty() && *k != "no-such-message")
            .map(str::to_owned)
            .collect();
        assert!(
            keys.len() > 100,
            "the scan finds the lookups ({} found)",
            keys.len()
        );
        // Keys built at run time.
        keys.extend(
            posylka_watchdog::FindingCode::ALL
                .iter()
                .map(|c| format!("finding-{}", c.key())),
        );
        keys.extend(
            super::super::assess::STAGE_GROUPS
                .iter()
                .map(|g| format!("group-{g}")),
        );
        keys.extend(["action", "attention"].map(|n| format!("filter-need-{n}")));
        keys.extend(["archived", "all"].map(|s| format!("filter-show-{s}")));
        keys.extend([400, 403, 404, 500].map(|s| format!("error-{s}")));
        keys.extend(["leg-through", "leg-first-mile", "leg-last-mile"].map(str::to_owned));
        keys.extend(["email", "webhook", "telegram"].map(|k| format!("channel-kind-{k}")));
        keys.extend(
            ["created", "saved", "deleted", "enabled-notice"].map(|k| format!("channel-{k}")),
        );
        for key in &keys {
            assert!(en.contains(key.as_str()), "{key} is used but not defined");
        }
    }

    #[test]
    fn russian_plurals_and_fallbacks() {
        let ru = Tr(Lang::Ru);
        assert_eq!(ru.count("days-left", 1), "остался 1 день");
        assert_eq!(ru.count("days-left", 3), "осталось 3 дня");
        assert_eq!(ru.count("days-left", 11), "осталось 11 дней");
        assert_eq!(Tr(Lang::En).count("days-left", 1), "1 day left");
        assert_eq!(ru.t("no-such-message"), "no-such-message");
    }
}
