//! Helpers shared by the delivery tests.

#![allow(dead_code)]

use jiff::Timestamp;
use posylka_notify::{DeliveryKind, IdempotencyKey, Notification, RetryPolicy, Severity};

/// Retries that take milliseconds, so the tests exercise them without waiting.
pub fn fast_retries(max_retries: u32) -> RetryPolicy {
    RetryPolicy {
        max_retries,
        min_delay_ms: 1,
        max_delay_ms: 20,
        jitter: true,
    }
}

/// A message with Cyrillic, markup-like characters and a link.
pub fn notification() -> Notification {
    Notification {
        idempotency_key: IdempotencyKey::derive(&[
            "shp-42",
            "chan-1",
            "customs_data_required",
            "0",
        ]),
        kind: DeliveryKind::Appeared,
        shipment_id: "shp-42".into(),
        finding_code: "customs_data_required".into(),
        severity: Severity::Action,
        due_at: Some(ts("2026-05-20T12:00:00Z")),
        title: "Таможня просит паспортные данные".into(),
        body: "Заполните форму до 20 мая <12:00>, проверьте ссылку & отправителя.".into(),
        url: Some("https://posylka.example/s/42".into()),
    }
}

pub fn ts(text: &str) -> Timestamp {
    text.parse().expect("test timestamp")
}

/// A loopback port with nothing listening (bound, then released).
pub async fn closed_port() -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    port
}
