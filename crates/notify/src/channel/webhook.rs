//! Signed webhooks.
//!
//! Each delivery is a `POST` of [`crate::message::webhook_json`] with:
//! - `X-Posylka-Delivery`: the idempotency key (the same on every retry);
//! - `X-Posylka-Event`: `finding.appeared`, `finding.severity_raised` or `finding.reminder`;
//! - `X-Posylka-Timestamp`: Unix seconds of this attempt;
//! - `X-Posylka-Signature`: `sha256=` + hex HMAC-SHA256, keyed with the channel's
//!   secret, of `"{timestamp}.{body}"`.
//!
//! Signing the timestamp with the body lets a receiver refuse an old request
//! replayed by someone who captured it ([`verify`] with a tolerance of minutes).
//! Any 2xx is success; 408, 429 and 5xx are retried with backoff (honouring
//! `Retry-After`); any other status is a refusal and is not retried.

use hmac::{Hmac, KeyInit, Mac};
use jiff::{SignedDuration, Timestamp};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;

use super::{AttemptError, Blame, DeliveryError, RetryPolicy, Sent, Transport, WebhookTarget};
use crate::message::{Notification, webhook_json};
use crate::redact::remote_text;

/// The header with the idempotency key.
pub const DELIVERY_HEADER: &str = "X-Posylka-Delivery";
/// The header with the event name.
pub const EVENT_HEADER: &str = "X-Posylka-Event";
/// The header with the signed Unix timestamp.
pub const TIMESTAMP_HEADER: &str = "X-Posylka-Timestamp";
/// The header with the signature.
pub const SIGNATURE_HEADER: &str = "X-Posylka-Signature";

type HmacSha256 = Hmac<Sha256>;

fn mac(secret: &SecretString, timestamp: i64, body: &[u8]) -> HmacSha256 {
    // HMAC takes keys of any length; `new_from_slice` cannot fail for it.
    let mut mac = match HmacSha256::new_from_slice(secret.expose_secret().as_bytes()) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC accepts keys of any length"),
    };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// The `X-Posylka-Signature` value for `body` sent at `timestamp` (Unix seconds).
pub fn sign(secret: &SecretString, timestamp: i64, body: &[u8]) -> String {
    format!(
        "sha256={}",
        hex::encode(mac(secret, timestamp, body).finalize().into_bytes())
    )
}

/// Why a received webhook was refused by [`verify`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// The timestamp header is not an integer.
    #[error("X-Posylka-Timestamp: not a Unix timestamp")]
    BadTimestamp,
    /// The timestamp is further from now than the tolerance.
    #[error("X-Posylka-Timestamp: {age_secs} s away from now, more than the tolerance")]
    Stale {
        /// How far the timestamp is from now, in seconds.
        age_secs: i64,
    },
    /// The signature header is not `sha256=<64 hex digits>`.
    #[error("X-Posylka-Signature: expected sha256=<hex>")]
    BadSignatureFormat,
    /// The signature does not match.
    #[error("X-Posylka-Signature: does not match the body")]
    Mismatch,
}

/// Checks a received webhook, as a receiver would: the timestamp within
/// `tolerance` of `now`, and the signature over timestamp and body (compared in
/// constant time).
pub fn verify(
    secret: &SecretString,
    timestamp_header: &str,
    signature_header: &str,
    body: &[u8],
    now: Timestamp,
    tolerance: SignedDuration,
) -> Result<(), VerifyError> {
    let timestamp: i64 = timestamp_header
        .trim()
        .parse()
        .map_err(|_| VerifyError::BadTimestamp)?;
    let age_secs = now.as_second().saturating_sub(timestamp);
    if age_secs.unsigned_abs() > tolerance.as_secs().unsigned_abs() {
        return Err(VerifyError::Stale { age_secs });
    }
    let hex_sig = signature_header
        .trim()
        .strip_prefix("sha256=")
        .ok_or(VerifyError::BadSignatureFormat)?;
    let given = hex::decode(hex_sig).map_err(|_| VerifyError::BadSignatureFormat)?;
    if given.len() != 32 {
        return Err(VerifyError::BadSignatureFormat);
    }
    mac(secret, timestamp, body)
        .verify_slice(&given)
        .map_err(|_| VerifyError::Mismatch)
}

/// Refuses a webhook whose URL names a non-public address literally (names are checked by the
/// client's resolver, [`super::reach::PublicOnly`]). Nothing is sent, and no retry would help.
pub(super) fn check_literal_host(target: &WebhookTarget) -> Result<(), DeliveryError> {
    // An IPv6 literal comes bracketed; a name does not parse as an address.
    let host = target.url.host_str().unwrap_or_default();
    let literal = host.trim_start_matches('[').trim_end_matches(']');
    let Ok(ip) = literal.parse::<std::net::IpAddr>() else {
        return Ok(());
    };
    if super::reach::is_public(ip) {
        return Ok(());
    }
    Err(DeliveryError::Rejected {
        transport: Transport::Webhook,
        status: None,
        attempts: 0,
        blame: Blame::Channel,
        detail: super::reach::NotPublic {
            host: ip.to_string(),
            resolved: false,
        }
        .to_string(),
    })
}

/// Sends one notification to a webhook, with retries.
pub(super) async fn send(
    client: &reqwest::Client,
    target: &WebhookTarget,
    notification: &Notification,
    policy: &RetryPolicy,
) -> Result<Sent, DeliveryError> {
    let body = webhook_json(notification);
    let event = notification.kind.event_name();
    let key = notification.idempotency_key.as_str();
    let (status, attempts) = super::with_retries(Transport::Webhook, policy, || {
        let body = body.clone();
        async move {
            // Signed afresh per attempt: a retry minutes later must still pass the
            // receiver's freshness check.
            let timestamp = Timestamp::now().as_second();
            let signature = sign(&target.secret, timestamp, &body);
            let response = client
                .post(target.url.clone())
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .header(DELIVERY_HEADER, key)
                .header(EVENT_HEADER, event)
                .header(TIMESTAMP_HEADER, timestamp.to_string())
                .header(SIGNATURE_HEADER, signature)
                .body(body)
                .send()
                .await
                .map_err(|e| super::http_attempt_error(e, Blame::Channel))?;
            let status = response.status();
            if status.is_success() {
                return Ok(status.as_u16());
            }
            let retry_after = super::retry_after(response.headers());
            let code = status.as_u16();
            let temporary = code == 408 || code == 429 || status.is_server_error();
            // The receiver's words help the user fix their endpoint; keep a scrubbed line.
            let text = response.text().await.unwrap_or_default();
            let detail = if status.is_redirection() {
                "redirects are not followed; give the final URL".to_owned()
            } else if text.trim().is_empty() {
                status.canonical_reason().unwrap_or("error").to_owned()
            } else {
                remote_text(&text, &[target.secret.expose_secret()])
            };
            Err(AttemptError {
                temporary,
                status: Some(code),
                blame: Blame::Channel,
                detail,
                retry_after,
            })
        }
    })
    .await?;
    Ok(Sent {
        transport: Transport::Webhook,
        attempts,
        status: Some(status),
        remote_id: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret() -> SecretString {
        SecretString::from("whsec_0123456789abcdef")
    }

    #[test]
    fn signature_covers_timestamp_and_body() {
        let now: Timestamp = "2026-05-01T00:00:00Z".parse().expect("ts");
        let t = now.as_second();
        let body = br#"{"id":"x"}"#;
        let sig = sign(&secret(), t, body);
        assert!(sig.starts_with("sha256="));
        assert_eq!(sig.len(), "sha256=".len() + 64);
        let tol = SignedDuration::from_mins(5);
        let ts = t.to_string();
        assert_eq!(verify(&secret(), &ts, &sig, body, now, tol), Ok(()));
        assert_eq!(
            verify(&secret(), &ts, &sig, br#"{"id":"y"}"#, now, tol),
            Err(VerifyError::Mismatch)
        );
        // The same body under another timestamp: a replay with a fresh header fails.
        let later = (t + 600).to_string();
        assert_eq!(
            verify(
                &secret(),
                &later,
                &sig,
                body,
                now + SignedDuration::from_secs(600),
                tol
            ),
            Err(VerifyError::Mismatch)
        );
        let other = SecretString::from("whsec_fedcba9876543210");
        assert_eq!(
            verify(&other, &ts, &sig, body, now, tol),
            Err(VerifyError::Mismatch)
        );
    }

    #[test]
    fn verify_checks_freshness_and_format() {
        let now: Timestamp = "2026-05-01T00:00:00Z".parse().expect("ts");
        let t = now.as_second();
        let body = b"{}";
        let tol = SignedDuration::from_mins(5);
        let at = |secs: i64| {
            verify(
                &secret(),
                &(t + secs).to_string(),
                &sign(&secret(), t + secs, body),
                body,
                now,
                tol,
            )
        };
        assert_eq!(at(-300), Ok(()));
        assert_eq!(at(300), Ok(()));
        assert_eq!(at(-301), Err(VerifyError::Stale { age_secs: 301 }));
        assert_eq!(at(301), Err(VerifyError::Stale { age_secs: -301 }));
        let sig = sign(&secret(), t, body);
        assert_eq!(
            verify(&secret(), "soon", &sig, body, now, tol),
            Err(VerifyError::BadTimestamp)
        );
        assert_eq!(
            verify(
                &secret(),
                &t.to_string(),
                &sig.replace("sha256=", "sha1="),
                body,
                now,
                tol
            ),
            Err(VerifyError::BadSignatureFormat)
        );
        assert_eq!(
            verify(&secret(), &t.to_string(), "sha256=abcd", body, now, tol),
            Err(VerifyError::BadSignatureFormat)
        );
    }

    #[test]
    fn known_answer() {
        // The primitive first gives the published value for this key and message
        // (Wikipedia's HMAC example), then signs "0.<body>" as `sign` must.
        let body = b"The quick brown fox jumps over the lazy dog";
        let mut reference = HmacSha256::new_from_slice(b"key").expect("key");
        reference.update(b"0.");
        reference.update(body);
        let expected = format!("sha256={}", hex::encode(reference.finalize().into_bytes()));
        assert_eq!(sign(&SecretString::from("key"), 0, body), expected);

        let mut plain = HmacSha256::new_from_slice(b"key").expect("key");
        plain.update(body);
        assert_eq!(
            hex::encode(plain.finalize().into_bytes()),
            "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
        );
    }
}
