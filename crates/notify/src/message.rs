//! The message a caller hands over, and its shape on each transport.
//!
//! Texts (`title`, `body`) are rendered and localised by the caller; here they
//! only get what each transport needs: a one-line e-mail subject, Telegram's
//! HTML escaping and length limit, the webhook's JSON document.

use jiff::Timestamp;
use serde::Serialize;

use crate::model::{IdempotencyKey, Severity};
use crate::plan::{Delivery, DeliveryKind};

/// One message, ready to send on any channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// Stable per message; receivers use it to drop duplicates.
    pub idempotency_key: IdempotencyKey,
    /// Why the message is sent.
    pub kind: DeliveryKind,
    /// The shipment the finding is about.
    pub shipment_id: String,
    /// The watchdog's finding code.
    pub finding_code: String,
    /// The finding's severity.
    pub severity: Severity,
    /// The finding's deadline, if any.
    pub due_at: Option<Timestamp>,
    /// One line: what happened (localised by the caller).
    pub title: String,
    /// What to do, by when (localised by the caller). Plain text; may span lines.
    pub body: String,
    /// A link to the parcel's page, if the server knows its public address.
    pub url: Option<String>,
}

impl Notification {
    /// Builds the message for a planned delivery from texts rendered by the caller.
    pub fn for_delivery(
        delivery: &Delivery,
        title: impl Into<String>,
        body: impl Into<String>,
        url: Option<String>,
    ) -> Self {
        Notification {
            idempotency_key: delivery.idempotency_key.clone(),
            kind: delivery.kind,
            shipment_id: delivery.shipment_id.clone(),
            finding_code: delivery.code.clone(),
            severity: delivery.severity,
            due_at: delivery.due_at,
            title: title.into(),
            body: body.into(),
            url,
        }
    }
}

/// The longest e-mail subject produced, in characters; longer titles are cut.
pub const EMAIL_SUBJECT_MAX_CHARS: usize = 200;

/// Telegram's limit for a message's text, in characters after entity parsing.
pub const TELEGRAM_TEXT_MAX_CHARS: usize = 4096;

/// The e-mail subject: the title on one line (a line break in a header would let
/// the text forge headers), cut to [`EMAIL_SUBJECT_MAX_CHARS`].
pub fn email_subject(n: &Notification) -> String {
    let one_line = one_line(&n.title);
    cut(&one_line, EMAIL_SUBJECT_MAX_CHARS)
}

/// The e-mail's plain-text body: the body, then the link on its own line.
pub fn email_body(n: &Notification) -> String {
    let mut text = n.body.trim_end().to_owned();
    if let Some(url) = &n.url {
        text.push_str("\n\n");
        text.push_str(url);
    }
    text.push('\n');
    text
}

/// The Telegram text, for `parse_mode = "HTML"`: the title in bold, the body, the
/// link. Every piece of caller text is escaped; the body is cut so that the whole
/// stays within [`TELEGRAM_TEXT_MAX_CHARS`] visible characters.
pub fn telegram_html(n: &Notification) -> String {
    let title = cut(&one_line(&n.title), 512);
    let url = n.url.as_deref().map(|u| cut(u, 1024));
    let fixed = title.chars().count() + url.as_ref().map_or(0, |u| u.chars().count() + 2) + 2;
    let body = cut(
        n.body.trim_end(),
        TELEGRAM_TEXT_MAX_CHARS.saturating_sub(fixed),
    );

    let mut text = String::with_capacity(n.body.len() + n.title.len() + 64);
    text.push_str("<b>");
    text.push_str(&escape_html(&title));
    text.push_str("</b>");
    if !body.is_empty() {
        text.push_str("\n\n");
        text.push_str(&escape_html(&body));
    }
    if let Some(url) = url {
        text.push_str("\n\n");
        text.push_str(&escape_html(&url));
    }
    text
}

/// The webhook's JSON document. The same notification always gives the same bytes
/// (they are what the signature covers; retries resend them unchanged).
pub fn webhook_json(n: &Notification) -> Vec<u8> {
    #[derive(Serialize)]
    struct Finding<'a> {
        code: &'a str,
        severity: Severity,
        due_at: Option<Timestamp>,
    }
    #[derive(Serialize)]
    struct Reminder {
        lead_seconds: i64,
    }
    #[derive(Serialize)]
    struct Document<'a> {
        id: &'a str,
        #[serde(rename = "type")]
        event: &'a str,
        shipment_id: &'a str,
        finding: Finding<'a>,
        #[serde(skip_serializing_if = "Option::is_none")]
        reminder: Option<Reminder>,
        #[serde(skip_serializing_if = "Option::is_none")]
        previous_severity: Option<Severity>,
        title: &'a str,
        body: &'a str,
        url: Option<&'a str>,
    }
    let (reminder, previous_severity) = match n.kind {
        DeliveryKind::Appeared => (None, None),
        DeliveryKind::SeverityRaised { from } => (None, Some(from)),
        DeliveryKind::Reminder { lead, .. } => (
            Some(Reminder {
                lead_seconds: lead.as_secs(),
            }),
            None,
        ),
    };
    let doc = Document {
        id: n.idempotency_key.as_str(),
        event: n.kind.event_name(),
        shipment_id: &n.shipment_id,
        finding: Finding {
            code: &n.finding_code,
            severity: n.severity,
            due_at: n.due_at,
        },
        reminder,
        previous_severity,
        title: &n.title,
        body: &n.body,
        url: n.url.as_deref(),
    };
    // Serialising plain strings, numbers and timestamps into memory cannot fail;
    // an empty document would fail loudly at the receiver rather than here.
    serde_json::to_vec(&doc).unwrap_or_default()
}

/// Escapes the three characters Telegram's HTML mode reserves.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

/// Line breaks and other control characters become spaces; runs of whitespace one space.
fn one_line(text: &str) -> String {
    let spaced: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    spaced.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Cuts to at most `max` characters, ending with `…` when something was cut.
fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    if max == 0 {
        return String::new();
    }
    let mut out: String = text.chars().take(max - 1).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use jiff::SignedDuration;

    use super::*;

    fn notification() -> Notification {
        Notification {
            idempotency_key: IdempotencyKey::derive(&["s", "c"]),
            kind: DeliveryKind::Appeared,
            shipment_id: "shp-1".into(),
            finding_code: "customs_data_required".into(),
            severity: Severity::Action,
            due_at: Some("2026-05-20T12:00:00Z".parse().expect("ts")),
            title: "Таможня просит паспортные данные".into(),
            body: "Ответьте до 20 мая.\nПроверьте ссылку <до> ввода & не раньше.".into(),
            url: Some("https://posylka.example/s/1?a=1&b=2".into()),
        }
    }

    #[test]
    fn subject_is_one_line_and_bounded() {
        let mut n = notification();
        n.title = "Line one\r\nBcc: victim@example.com\tand more".into();
        assert_eq!(
            email_subject(&n),
            "Line one Bcc: victim@example.com and more"
        );
        n.title = "я".repeat(500);
        let subject = email_subject(&n);
        assert_eq!(subject.chars().count(), EMAIL_SUBJECT_MAX_CHARS);
        assert!(subject.ends_with('…'));
    }

    #[test]
    fn email_body_ends_with_the_link() {
        let body = email_body(&notification());
        assert!(body.starts_with("Ответьте до 20 мая.\n"));
        assert!(body.ends_with("\n\nhttps://posylka.example/s/1?a=1&b=2\n"));
        let mut n = notification();
        n.url = None;
        assert!(email_body(&n).ends_with("не раньше.\n"));
    }

    #[test]
    fn telegram_text_is_escaped() {
        let text = telegram_html(&notification());
        assert_eq!(
            text,
            "<b>Таможня просит паспортные данные</b>\n\nОтветьте до 20 мая.\n\
             Проверьте ссылку &lt;до&gt; ввода &amp; не раньше.\n\n\
             https://posylka.example/s/1?a=1&amp;b=2"
        );
        let mut n = notification();
        n.title = "<i>x</i>".into();
        assert!(telegram_html(&n).starts_with("<b>&lt;i&gt;x&lt;/i&gt;</b>"));
    }

    #[test]
    fn telegram_text_stays_within_the_limit() {
        let mut n = notification();
        n.body = "<&>".repeat(3000);
        let text = telegram_html(&n);
        // Count what Telegram counts: the text after entities are parsed.
        let visible = text
            .replace("<b>", "")
            .replace("</b>", "")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&");
        assert_eq!(visible.chars().count(), TELEGRAM_TEXT_MAX_CHARS);
        assert!(visible.contains('…'));
        assert!(visible.ends_with("https://posylka.example/s/1?a=1&b=2"));
    }

    #[test]
    fn webhook_json_has_the_documented_shape() {
        let mut n = notification();
        n.kind = DeliveryKind::Reminder {
            lead: SignedDuration::from_hours(24),
            due_at: n.due_at.expect("due"),
        };
        let bytes = webhook_json(&n);
        assert_eq!(bytes, webhook_json(&n), "same message, same bytes");
        let doc: serde_json::Value = serde_json::from_slice(&bytes).expect("json");
        assert_eq!(doc["id"], n.idempotency_key.as_str());
        assert_eq!(doc["type"], "finding.reminder");
        assert_eq!(doc["shipment_id"], "shp-1");
        assert_eq!(doc["finding"]["code"], "customs_data_required");
        assert_eq!(doc["finding"]["severity"], "action");
        assert_eq!(doc["finding"]["due_at"], "2026-05-20T12:00:00Z");
        assert_eq!(doc["reminder"]["lead_seconds"], 86400);
        assert!(doc.get("previous_severity").is_none());
        assert_eq!(doc["title"], n.title.as_str());
        assert_eq!(doc["body"], n.body.as_str());
        assert_eq!(doc["url"], "https://posylka.example/s/1?a=1&b=2");

        n.kind = DeliveryKind::SeverityRaised {
            from: Severity::Warning,
        };
        n.url = None;
        let doc: serde_json::Value = serde_json::from_slice(&webhook_json(&n)).expect("json");
        assert_eq!(doc["type"], "finding.severity_raised");
        assert_eq!(doc["previous_severity"], "warning");
        assert!(doc.get("reminder").is_none());
        assert!(doc["url"].is_null());
    }

    #[test]
    fn for_delivery_copies_the_plan() {
        let d = Delivery {
            channel: crate::ChannelId::new("c"),
            shipment_id: "shp-9".into(),
            code: "lost".into(),
            severity: Severity::Action,
            due_at: None,
            kind: DeliveryKind::Appeared,
            idempotency_key: IdempotencyKey::derive(&["x"]),
        };
        let n = Notification::for_delivery(&d, "t", "b", None);
        assert_eq!(
            (
                n.idempotency_key,
                n.shipment_id.as_str(),
                n.finding_code.as_str(),
                n.severity
            ),
            (d.idempotency_key.clone(), "shp-9", "lost", Severity::Action)
        );
    }
}
