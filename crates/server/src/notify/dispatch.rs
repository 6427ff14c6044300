//! The sender: leases due outbox entries, sends each over its channel (the transport retries
//! a few times within seconds), and records the result with the channel's health. A failure
//! that may pass (a receiver down, a timeout) puts the entry back with exponential backoff
//! and jitter, up to `notify.max_attempts`; repeated failures that are the channel's fault
//! disable it (and drop its other pending entries) until its owner enables it again.

use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use posylka_core::store::notifications::{
    ChannelKind, ClaimedDelivery, DeliveryFinish, DeliveryOutcome, NotificationStore,
};
use posylka_notify::{ChannelTarget, IdempotencyKey, Notification};
use posylka_store::StoreError;
use tokio::sync::watch;
use tokio::task::JoinSet;

use super::render::Payload;
use crate::state::AppState;

/// The most entries one instance sends at once.
const IN_FLIGHT: usize = 16;
/// The longest wait between two attempts of an entry.
const MAX_BACKOFF: SignedDuration = SignedDuration::from_hours(6);

/// One round at `now`: leases and sends what is due; returns how many entries it sent or
/// failed.
pub async fn dispatch_once(state: &AppState, now: Timestamp) -> Result<usize, StoreError> {
    let rt = state.notify();
    let until = now.checked_add(rt.lease()).unwrap_or(Timestamp::MAX);
    let limit = rt.config().batch.clamp(1, IN_FLIGHT);
    let batch = state
        .store()
        .claim_deliveries(rt.instance(), now, until, limit)
        .await?;
    let count = batch.len();
    let mut sending = JoinSet::new();
    for delivery in batch {
        let state = state.clone();
        sending.spawn(async move { send_one(&state, delivery).await });
    }
    while let Some(done) = sending.join_next().await {
        match done {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                tracing::error!(error = %e, "recording a delivery failed; its lease will lapse and it is sent again")
            }
            Err(e) => tracing::error!(error = %e, "a delivery task failed"),
        }
    }
    Ok(count)
}

/// The channel target and the message of an entry, or why it cannot be sent (and whether
/// that is the channel's fault).
fn prepare(
    state: &AppState,
    d: &ClaimedDelivery,
) -> Result<(ChannelTarget, Notification), (String, bool)> {
    let channel = &d.channel;
    let target = match channel.kind {
        ChannelKind::Email => {
            ChannelTarget::email(&channel.target).map_err(|e| (e.to_string(), true))?
        }
        ChannelKind::Telegram => {
            ChannelTarget::telegram(&channel.target).map_err(|e| (e.to_string(), true))?
        }
        ChannelKind::Webhook => {
            let sealer = state.notify().sealer().ok_or_else(|| {
                (
                    "this server has no notify.secret_key to open webhook secrets with".to_owned(),
                    false,
                )
            })?;
            let sealed = channel
                .secret_sealed
                .as_deref()
                .ok_or_else(|| ("the webhook has no stored secret".to_owned(), true))?;
            let secret = sealer
                .open(channel.owner, sealed)
                .map_err(|e| (e.to_string(), false))?;
            ChannelTarget::webhook(&channel.target, secret).map_err(|e| (e.to_string(), true))?
        }
    };
    let payload: Payload = serde_json::from_str(&d.payload)
        .map_err(|e| (format!("the stored message does not read: {e}"), false))?;
    let key = IdempotencyKey::parse(&d.key)
        .ok_or_else(|| ("the stored idempotency key is malformed".to_owned(), false))?;
    Ok((target, payload.notification(key)))
}

/// The wait before attempt `attempts + 1`: doubling from `notify.outbox_backoff_ms`, at most
/// six hours, scattered by ±20% so that entries failed together do not retry together.
fn backoff(base_ms: u64, attempts: u32) -> SignedDuration {
    let doubled = base_ms.saturating_mul(1u64 << attempts.saturating_sub(1).min(30));
    let capped = doubled.min(u64::try_from(MAX_BACKOFF.as_millis()).unwrap_or(u64::MAX));
    let mut noise = [0u8; 2];
    let _ = getrandom::fill(&mut noise);
    let spread = f64::from(u16::from_le_bytes(noise)) / f64::from(u16::MAX); // 0..=1
    let factor = 0.8 + 0.4 * spread;
    // Millisecond waits fit an f64 exactly far beyond six hours.
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    let ms = ((capped as f64) * factor) as u64;
    SignedDuration::from_millis(i64::try_from(ms).unwrap_or(i64::MAX))
}

async fn send_one(state: &AppState, d: ClaimedDelivery) -> Result<(), StoreError> {
    let rt = state.notify();
    let kind = d.channel.kind.key();
    let outcome = match (rt.notifier(), prepare(state, &d)) {
        (_, Err((error, blames_channel))) => {
            state.metrics().notification(kind, false);
            DeliveryOutcome::Failed {
                error,
                blames_channel,
            }
        }
        // The server refuses to start without a notifier; kept for completeness.
        (None, Ok(_)) => DeliveryOutcome::Retry {
            error: "notifications are not configured on this server".to_owned(),
            blames_channel: false,
            retry_at: Timestamp::now() + backoff(rt.config().outbox_backoff_ms, d.attempts),
        },
        (Some(notifier), Ok((target, notification))) => {
            let result = notifier.send(&target, &notification).await;
            state.metrics().notification(kind, result.is_ok());
            match result {
                Ok(_) => DeliveryOutcome::Sent,
                Err(e) if e.is_temporary() && d.attempts < rt.config().max_attempts.max(1) => {
                    DeliveryOutcome::Retry {
                        error: e.to_string(),
                        blames_channel: e.blames_channel(),
                        retry_at: Timestamp::now()
                            + backoff(rt.config().outbox_backoff_ms, d.attempts),
                    }
                }
                Err(e) => DeliveryOutcome::Failed {
                    error: e.to_string(),
                    blames_channel: e.blames_channel(),
                },
            }
        }
    };
    let finished = state
        .store()
        .finish_delivery(&DeliveryFinish {
            id: d.id,
            lease_owner: rt.instance().to_owned(),
            outcome,
            at: Timestamp::now(),
            disable_after: rt.config().disable_after_failures,
        })
        .await?;
    if finished.disabled_now {
        tracing::warn!(
            channel = d.channel.id.get(),
            kind,
            failures = finished.health.consecutive_failures,
            "notification channel disabled after repeated failures"
        );
    }
    Ok(())
}

/// The loop: a round, then wait for new entries (a wake-up from the planner), the next retry,
/// or the poll interval, until stopped.
pub(super) async fn run(state: AppState, mut stopped: watch::Receiver<bool>) {
    let rt = state.notify().clone();
    loop {
        if *stopped.borrow() {
            return;
        }
        let wait = match dispatch_once(&state, Timestamp::now()).await {
            Ok(n) if n > 0 => continue,
            Ok(_) => {
                let next = state.store().next_delivery_at().await.unwrap_or(None);
                super::until(Timestamp::now(), next, Duration::from_millis(5), rt.poll())
            }
            Err(e) => {
                tracing::error!(error = %e, "sending notifications failed; retrying");
                Duration::from_secs(5).min(rt.poll())
            }
        };
        if super::idle(&rt.dispatch_wake, &mut stopped, wait).await {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        for attempts in 1..6u32 {
            let b = backoff(1_000, attempts).as_millis();
            let nominal = 1_000i128 << (attempts - 1);
            assert!(
                b >= nominal * 8 / 10 && b <= nominal * 12 / 10,
                "{attempts}: {b}"
            );
        }
        assert!(backoff(60_000, 40) <= SignedDuration::from_hours(6) * 12 / 10);
    }
}
