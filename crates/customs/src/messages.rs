//! The texts recipients get, in Russian or English (Fluent files under `locales/`, embedded
//! at compile time): the SMS and e-mail of each round of the [flow](crate::flow), and the SMS
//! with the one-time code.
//!
//! Every message names the carrier's domain and tells how to check that the link is genuine
//! (the link's domain *is* the one named: [`RecipientLink`] is built from it), and every
//! e-mail offers the explicit refusal. SMS carry no link, only the domain: the link comes by
//! e-mail, as in the trade, so an SMS with a link is a phishing sign the recipient can learn.

use std::borrow::Cow;
use std::collections::HashMap;

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader as _, langid, static_loader};
use jiff::Timestamp;
use jiff::tz::TimeZone;
pub use posylka_watchdog::Lang;

use crate::contact::Email;
use crate::flow::{Channel, Message, Step};
use crate::otp::OneTimeCode;

static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "en-US",
        // Isolation marks around arguments would end up in SMS and e-mails.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

static ENGLISH: LanguageIdentifier = langid!("en-US");
static RUSSIAN: LanguageIdentifier = langid!("ru");

fn lang_id(lang: Lang) -> &'static LanguageIdentifier {
    match lang {
        Lang::En => &ENGLISH,
        Lang::Ru => &RUSSIAN,
    }
}

/// The link to a recipient's page: `https://{domain}/c/{token}`. Built from the carrier's
/// public base URL, so the domain the messages name is the link's own.
#[derive(Clone, PartialEq, Eq)]
pub struct RecipientLink {
    base: String,
    domain: String,
    token: String,
}

impl std::fmt::Debug for RecipientLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The token opens a recipient's page: not for logs.
        f.debug_struct("RecipientLink")
            .field("domain", &self.domain)
            .finish_non_exhaustive()
    }
}

/// Why a link cannot be built.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    /// The base is not `https://host[:port]` (plain `http` only for `localhost` and
    /// `127.0.0.1`, in tests).
    #[error("the public base URL must be https://host (no path, query or user)")]
    Base,
    /// The token has characters a URL path would need to escape, or a silly length.
    #[error("the token must be 16 to 128 characters of A-Z, a-z, 0-9, '-' and '_'")]
    Token,
}

impl RecipientLink {
    /// The link for `token` under the carrier's public base URL (`https://desk.carrier.ru`).
    pub fn new(public_base: &str, token: &str) -> Result<Self, LinkError> {
        let base = public_base.trim().trim_end_matches('/');
        let (scheme, rest) = base.split_once("://").ok_or(LinkError::Base)?;
        let host = rest.split(':').next().unwrap_or("");
        let local = matches!(host, "localhost" | "127.0.0.1");
        let scheme_ok = scheme == "https" || (scheme == "http" && local);
        let host_ok = !host.is_empty()
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
            && rest.split_once(':').is_none_or(|(_, port)| {
                !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit())
            });
        if !scheme_ok || !host_ok {
            return Err(LinkError::Base);
        }
        let token_ok = (16..=128).contains(&token.len())
            && token
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !token_ok {
            return Err(LinkError::Token);
        }
        Ok(Self {
            base: base.to_owned(),
            domain: host.to_ascii_lowercase(),
            token: token.to_owned(),
        })
    }

    /// The domain the messages name (the link's host).
    pub fn domain(&self) -> &str {
        &self.domain
    }

    /// The page: `{base}/c/{token}`.
    pub fn url(&self) -> String {
        format!("{}/c/{}", self.base, self.token)
    }

    /// The refusal page: `{base}/c/{token}/refuse`. It must ask for confirmation on `GET`
    /// and refuse only on `POST`, since mail scanners open links.
    pub fn refuse_url(&self) -> String {
        format!("{}/c/{}/refuse", self.base, self.token)
    }
}

/// What a message is about.
#[derive(Debug, Clone)]
pub struct MessageContext<'a> {
    /// The carrier's name as recipients know it.
    pub carrier: &'a str,
    /// The parcel's tracking number.
    pub tracking_number: &'a str,
    /// The link to the recipient's page.
    pub link: &'a RecipientLink,
    /// The address the e-mail goes to (shown masked in SMS).
    pub email: &'a Email,
    /// When the parcel goes back without data.
    pub deadline: Timestamp,
    /// The recipient's zone for dates (Moscow's by default in Russia).
    pub tz: &'a TimeZone,
    /// Days the data are kept after release or return ([`crate::Retention::days`]).
    pub retention_days: u16,
}

/// A message ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// The e-mail's subject (`None` for SMS).
    pub subject: Option<String>,
    /// The text.
    pub body: String,
}

type Args = HashMap<Cow<'static, str>, FluentValue<'static>>;

fn lookup(lang: Lang, id: &str, args: &Args) -> String {
    LOCALES
        .try_lookup_with_args(lang_id(lang), id, args)
        .unwrap_or_else(|| id.to_owned())
}

/// Date and time as the language writes them, with the zone's abbreviation.
fn when(lang: Lang, tz: &TimeZone, at: Timestamp) -> String {
    let format = match lang {
        Lang::En => "%Y-%m-%d %H:%M %Z",
        Lang::Ru => "%d.%m.%Y %H:%M %Z",
    };
    at.to_zoned(tz.clone()).strftime(format).to_string()
}

fn base_args(lang: Lang, ctx: &MessageContext<'_>) -> Args {
    let mut args = Args::new();
    let mut text = |k: &'static str, v: String| {
        args.insert(Cow::Borrowed(k), FluentValue::from(v));
    };
    text("carrier", ctx.carrier.to_owned());
    text("number", ctx.tracking_number.to_owned());
    text("domain", ctx.link.domain().to_owned());
    text("link", ctx.link.url());
    text("refuse_link", ctx.link.refuse_url());
    text("email", ctx.email.masked());
    text("deadline", when(lang, ctx.tz, ctx.deadline));
    args.insert(
        Cow::Borrowed("retention_days"),
        FluentValue::from(ctx.retention_days),
    );
    args
}

/// The text of one flow message at `now` (which sets the days left in reminders).
pub fn render(message: Message, lang: Lang, ctx: &MessageContext<'_>, now: Timestamp) -> Rendered {
    let mut args = base_args(lang, ctx);
    let step = match message.step {
        Step::Notice => "notice",
        Step::Repeat => "repeat",
        Step::Reminder(_) => "reminder",
    };
    args.insert(Cow::Borrowed("step"), FluentValue::from(step));
    // Whole days left, rounded up: 1 day and 2 hours left is "2 days".
    let secs = ctx.deadline.duration_since(now).as_secs().max(0);
    let days_left = (secs + 86_399) / 86_400;
    args.insert(Cow::Borrowed("days_left"), FluentValue::from(days_left));
    match message.channel {
        Channel::Sms => Rendered {
            subject: None,
            body: lookup(lang, "sms", &args),
        },
        Channel::Email => Rendered {
            subject: Some(lookup(lang, "email-subject", &args)),
            body: lookup(lang, "email-body", &args),
        },
    }
}

/// The SMS that carries a one-time code.
pub fn render_code_sms(lang: Lang, code: &OneTimeCode, ctx: &MessageContext<'_>) -> String {
    let mut args = base_args(lang, ctx);
    args.insert(
        Cow::Borrowed("code"),
        FluentValue::from(code.as_str().to_owned()),
    );
    lookup(lang, "sms-code", &args)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "Zx3_k9-QpL0aaaaaaaaaaaaaaaa";

    fn link() -> RecipientLink {
        RecipientLink::new("https://desk.posylka-express.ru/", TOKEN).expect("link")
    }

    fn with_ctx<T>(f: impl FnOnce(&MessageContext<'_>) -> T) -> T {
        let link = link();
        let email = Email::parse("ivan.petrov@mail.ru").expect("email");
        let tz = TimeZone::get("Europe/Moscow").unwrap_or(TimeZone::fixed(jiff::tz::offset(3)));
        let ctx = MessageContext {
            carrier: "Posylka Express",
            tracking_number: "RB123456785GB",
            link: &link,
            email: &email,
            deadline: "2026-03-09T09:00:00Z".parse().expect("ts"),
            tz: &tz,
            retention_days: 30,
        };
        f(&ctx)
    }

    fn now(days_before_deadline: i64) -> Timestamp {
        let deadline: Timestamp = "2026-03-09T09:00:00Z".parse().expect("ts");
        deadline - jiff::SignedDuration::from_hours(24 * days_before_deadline)
    }

    fn msg(channel: Channel, step: Step) -> Message {
        Message { channel, step }
    }

    #[test]
    fn links_are_built_from_the_carriers_https_base() {
        let l = link();
        assert_eq!(l.domain(), "desk.posylka-express.ru");
        assert_eq!(
            l.url(),
            format!("https://desk.posylka-express.ru/c/{TOKEN}")
        );
        assert_eq!(
            l.refuse_url(),
            format!("https://desk.posylka-express.ru/c/{TOKEN}/refuse")
        );
        assert!(!format!("{l:?}").contains(TOKEN));
        assert!(RecipientLink::new("http://127.0.0.1:8080", TOKEN).is_ok());
        for bad in [
            "http://desk.example.ru",
            "https://desk.example.ru/path",
            "https://user@desk.example.ru",
            "desk.example.ru",
            "https://",
            "https://desk.example.ru:",
        ] {
            assert_eq!(
                RecipientLink::new(bad, TOKEN),
                Err(LinkError::Base),
                "{bad}"
            );
        }
        assert_eq!(
            RecipientLink::new("https://a.ru", "short"),
            Err(LinkError::Token)
        );
        assert_eq!(
            RecipientLink::new("https://a.ru", "aaaaaaaaaaaaaaaa/../x"),
            Err(LinkError::Token)
        );
    }

    #[test]
    fn every_message_names_the_domain_and_emails_offer_refusal() {
        with_ctx(|ctx| {
            for lang in [Lang::Ru, Lang::En] {
                for step in [Step::Notice, Step::Repeat, Step::Reminder(1)] {
                    let sms = render(msg(Channel::Sms, step), lang, ctx, now(3));
                    assert!(sms.subject.is_none());
                    assert!(sms.body.contains("desk.posylka-express.ru"), "{}", sms.body);
                    assert!(sms.body.contains("RB123456785GB"), "{}", sms.body);
                    // The SMS has the masked address and no link.
                    assert!(sms.body.contains("i***@mail.ru"), "{}", sms.body);
                    assert!(!sms.body.contains("ivan.petrov"), "{}", sms.body);
                    assert!(!sms.body.contains(TOKEN), "{}", sms.body);
                    assert!(!sms.body.contains('{'), "unresolved: {}", sms.body);

                    let email = render(msg(Channel::Email, step), lang, ctx, now(3));
                    let body = &email.body;
                    assert!(email.subject.is_some_and(|s| s.contains("RB123456785GB")));
                    assert!(body.contains(&link().url()), "{body}");
                    assert!(body.contains(&link().refuse_url()), "{body}");
                    assert!(body.contains("https://desk.posylka-express.ru/"), "{body}");
                    assert!(!body.contains('{') && !body.contains('\u{2068}'), "{body}");
                }
            }
        });
    }

    #[test]
    fn russian_texts_are_russian_with_plural_days() {
        with_ctx(|ctx| {
            let notice = render(msg(Channel::Email, Step::Notice), Lang::Ru, ctx, now(7));
            assert!(notice.body.contains("отказаться"), "{}", notice.body);
            assert!(
                notice.body.contains("прибыла на таможню"),
                "{}",
                notice.body
            );
            // 12:00 in Moscow is 09:00 UTC.
            assert!(notice.body.contains("09.03.2026 12:00"), "{}", notice.body);
            assert!(
                notice.body.contains("удаляются через 30 дней"),
                "{}",
                notice.body
            );
            let sms = |days| {
                render(
                    msg(Channel::Sms, Step::Reminder(1)),
                    Lang::Ru,
                    ctx,
                    now(days),
                )
                .body
            };
            assert!(sms(1).contains("осталось 1 день"), "{}", sms(1));
            assert!(sms(3).contains("осталось 3 дня"), "{}", sms(3));
            assert!(sms(5).contains("осталось 5 дней"), "{}", sms(5));
            let en = render(msg(Channel::Sms, Step::Reminder(2)), Lang::En, ctx, now(1)).body;
            assert!(en.contains("1 day left"), "{en}");
        });
    }

    #[test]
    fn the_code_sms_has_the_code_and_the_domain() {
        with_ctx(|ctx| {
            let code = OneTimeCode::from_random(42).expect("code");
            let ru = render_code_sms(Lang::Ru, &code, ctx);
            assert!(
                ru.contains("000042") && ru.contains("desk.posylka-express.ru"),
                "{ru}"
            );
            let en = render_code_sms(Lang::En, &code, ctx);
            assert!(en.contains("Code 000042"), "{en}");
        });
    }
}
