//! The messages: made when a delivery is planned, in the channel's language (words from the
//! web page's Fluent files, the finding's message from the watchdog), and stored in the outbox
//! as they will be sent, so that every retry sends the same text.

use jiff::Timestamp;
use jiff::tz::TimeZone;
use posylka_notify::{Delivery, DeliveryKind, IdempotencyKey, Notification, Severity};
use posylka_watchdog::Lang;
use serde::{Deserialize, Serialize};

use crate::web::format;
use crate::web::i18n::Tr;

/// An outbox entry's message, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payload {
    /// Why it is sent.
    pub kind: DeliveryKind,
    /// The shipment.
    pub shipment_id: String,
    /// The finding code.
    pub code: String,
    /// The finding's severity.
    pub severity: Severity,
    /// Its deadline.
    pub due_at: Option<Timestamp>,
    /// One line.
    pub title: String,
    /// What it is about and what to do.
    pub body: String,
    /// The parcel's page.
    pub url: Option<String>,
}

impl Payload {
    /// The notification to send under `key`.
    pub fn notification(&self, key: IdempotencyKey) -> Notification {
        Notification {
            idempotency_key: key,
            kind: self.kind,
            shipment_id: self.shipment_id.clone(),
            finding_code: self.code.clone(),
            severity: self.severity,
            due_at: self.due_at,
            title: self.title.clone(),
            body: self.body.clone(),
            url: self.url.clone(),
        }
    }

    /// The stored JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// The language of a stored channel (`ru`, else English).
pub fn lang_of(key: &str) -> Lang {
    key.parse().unwrap_or(Lang::En)
}

/// The link to a parcel's page, when the server knows its public address.
pub fn parcel_url(public_url: Option<&str>, shipment_id: &str) -> Option<String> {
    let base = public_url?.trim().trim_end_matches('/');
    (!base.is_empty()).then(|| format!("{base}/parcels/{shipment_id}"))
}

/// The message for a planned delivery. `finding` is the watchdog's finding it is about
/// (for its full message); `number` the shipment's main tracking number.
pub fn payload(
    delivery: &Delivery,
    finding: Option<&posylka_watchdog::Finding>,
    number: &str,
    lang: Lang,
    public_url: Option<&str>,
) -> Payload {
    let tr = Tr(lang);
    let utc = TimeZone::UTC;
    let name = tr.t(&format!("finding-{}", delivery.code));
    let severity = tr.args("severity", &[("severity", delivery.severity.key())]);
    let title = match delivery.kind {
        DeliveryKind::Appeared => tr.args(
            "notify-title-appeared",
            &[("number", number), ("finding", &name)],
        ),
        DeliveryKind::SeverityRaised { .. } => tr.args(
            "notify-title-raised",
            &[
                ("number", number),
                ("finding", &name),
                ("severity", &severity),
            ],
        ),
        DeliveryKind::Reminder { due_at, .. } => tr.args(
            "notify-title-reminder",
            &[
                ("number", number),
                ("finding", &name),
                ("due", &format::date(lang, &utc, due_at)),
            ],
        ),
    };
    let mut body = finding.map_or_else(|| name.clone(), |f| f.message(lang, &utc));
    if let Some(due) = delivery.due_at {
        body.push_str("\n\n");
        body.push_str(&tr.args(
            "notify-due",
            &[("due", &format::date_time(lang, &utc, due))],
        ));
    }
    Payload {
        kind: delivery.kind,
        shipment_id: delivery.shipment_id.clone(),
        code: delivery.code.clone(),
        severity: delivery.severity,
        due_at: delivery.due_at,
        title,
        body,
        url: parcel_url(public_url, &delivery.shipment_id),
    }
}

/// A test message for a channel (not planned, not stored).
pub fn test_message(lang: Lang, channel: i64, now: Timestamp) -> Notification {
    let tr = Tr(lang);
    let stamp = now.as_nanosecond().to_string();
    Notification {
        idempotency_key: IdempotencyKey::derive(&["test", &channel.to_string(), &stamp]),
        kind: DeliveryKind::Appeared,
        shipment_id: String::new(),
        finding_code: "test".to_owned(),
        severity: Severity::Info,
        due_at: None,
        title: tr.t("notify-test-title"),
        body: tr.t("notify-test-body"),
        url: None,
    }
}

#[cfg(test)]
mod tests {
    use posylka_notify::ChannelId;

    use super::*;

    fn delivery(kind: DeliveryKind) -> Delivery {
        Delivery {
            channel: ChannelId::new("3"),
            shipment_id: "12".into(),
            code: "customs_hold".into(),
            severity: Severity::Action,
            due_at: Some("2026-05-20T12:00:00Z".parse().expect("ts")),
            kind,
            idempotency_key: IdempotencyKey::derive(&["x"]),
        }
    }

    #[test]
    fn messages_speak_the_channels_language() {
        let d = delivery(DeliveryKind::SeverityRaised {
            from: Severity::Warning,
        });
        let ru = payload(
            &d,
            None,
            "RS123456785CN",
            Lang::Ru,
            Some("https://p.example/"),
        );
        assert!(ru.title.starts_with("RS123456785CN: "), "{}", ru.title);
        assert!(ru.title.contains("Нужно действие"), "{}", ru.title);
        assert!(ru.body.contains("20"), "{}", ru.body);
        assert_eq!(ru.url.as_deref(), Some("https://p.example/parcels/12"));
        let en = payload(&d, None, "RS123456785CN", Lang::En, None);
        assert!(en.title.contains("Held by customs"), "{}", en.title);
        assert_eq!(en.url, None);
        let back: Payload = serde_json::from_str(&en.to_json()).expect("json");
        assert_eq!(back, en);
        let reminder = payload(
            &delivery(DeliveryKind::Reminder {
                lead: jiff::SignedDuration::from_hours(24),
                due_at: d.due_at.expect("due"),
            }),
            None,
            "RS123456785CN",
            Lang::En,
            None,
        );
        assert_ne!(reminder.title, en.title);
    }
}
