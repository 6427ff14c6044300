//! The notification tables' rows (`migrations/20250101000006_notifications.sql`), decoded
//! the same way by both SQL adapters.

use super::{Columns, corrupt, shipment_id, user_id};
use crate::store::StoreError;
use crate::store::notifications::{
    Channel, ChannelHealth, ChannelId, ChannelKind, ClaimedDelivery, DeliveryFinished, DeliveryId,
    DeliveryInfo, DeliveryOutcome, DeliveryState, StoredRecord,
};

/// A channel's columns (table alias `c`), in the order [`channel`] reads them.
pub const CHANNEL_COLUMNS: &str = "c.id, c.owner_id, c.kind, c.label, c.target, \
     c.secret_sealed, c.subscription, c.lang, c.created_at_us, c.consecutive_failures, \
     c.disabled_at_us, c.last_error";

/// Decodes a stored channel id.
pub fn channel_id(what: &'static str, id: i64) -> Result<ChannelId, StoreError> {
    ChannelId::new(id).ok_or_else(|| corrupt(what, format!("{id} is not positive")))
}

/// Decodes a stored count that must fit `u32`.
pub fn count(what: &'static str, n: i64) -> Result<u32, StoreError> {
    u32::try_from(n).map_err(|_| corrupt(what, n))
}

/// Decodes a channel from its [`CHANNEL_COLUMNS`] starting at column `at`.
pub fn channel(row: &impl Columns, at: usize) -> Result<Channel, StoreError> {
    let kind = row.text(at + 2)?;
    let failures = row.int(at + 9)?;
    Ok(Channel {
        id: channel_id("notify_channels.id", row.int(at)?)?,
        owner: user_id("notify_channels.owner_id", row.int(at + 1)?)?,
        kind: ChannelKind::from_key(&kind)
            .ok_or_else(|| corrupt("notify_channels.kind", format!("unknown kind {kind:?}")))?,
        label: row.text(at + 3)?,
        target: row.text(at + 4)?,
        secret_sealed: row.opt_bytes(at + 5)?,
        subscription: row.text(at + 6)?,
        lang: row.text(at + 7)?,
        created_at: row.instant("notify_channels.created_at_us", at + 8)?,
        health: ChannelHealth {
            consecutive_failures: count("notify_channels.consecutive_failures", failures)?,
            disabled_at: row.opt_instant("notify_channels.disabled_at_us", at + 10)?,
            last_error: row.opt_text(at + 11)?,
        },
    })
}

/// Decodes an outbox row from `id, key, shipment_id, state, attempts, created_at_us,
/// finished_at_us, last_error, payload`.
pub fn delivery_info(row: &impl Columns) -> Result<DeliveryInfo, StoreError> {
    let state = row.text(3)?;
    Ok(DeliveryInfo {
        id: DeliveryId(row.int(0)?),
        key: row.text(1)?,
        shipment: row
            .opt_int(2)?
            .map(|id| shipment_id("notify_outbox.shipment_id", id))
            .transpose()?,
        state: DeliveryState::from_key(&state)
            .ok_or_else(|| corrupt("notify_outbox.state", format!("unknown {state:?}")))?,
        attempts: count("notify_outbox.attempts", row.int(4)?)?,
        created_at: row.instant("notify_outbox.created_at_us", 5)?,
        finished_at: row.opt_instant("notify_outbox.finished_at_us", 6)?,
        last_error: row.opt_text(7)?,
        payload: row.text(8)?,
    })
}

/// Decodes a stored record from `channel_id, code, record`.
pub fn stored_record(row: &impl Columns) -> Result<StoredRecord, StoreError> {
    Ok(StoredRecord {
        channel: channel_id("notify_records.channel_id", row.int(0)?)?,
        code: row.text(1)?,
        record: row.text(2)?,
    })
}

/// Decodes a leased delivery from `id, idempotency_key, payload, attempts` followed by the
/// channel's [`CHANNEL_COLUMNS`].
pub fn claimed_delivery(row: &impl Columns) -> Result<ClaimedDelivery, StoreError> {
    Ok(ClaimedDelivery {
        id: DeliveryId(row.int(0)?),
        key: row.text(1)?,
        payload: row.text(2)?,
        attempts: count("notify_outbox.attempts", row.int(3)?)?,
        channel: channel(row, 4)?,
    })
}

/// The outbox columns a finished attempt writes, and whether its failure counts against the
/// channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FinishColumns<'a> {
    /// `state`: `sent`, `pending` (to retry) or `failed`.
    pub state: &'static str,
    /// `next_attempt_at_us` for a retry; `None` keeps the stored one.
    pub next_attempt_at_us: Option<i64>,
    /// `last_error`; `None` for a success.
    pub error: Option<&'a str>,
    /// Whether the failure counts towards disabling the channel.
    pub blames_channel: bool,
}

impl<'a> FinishColumns<'a> {
    /// The columns for an outcome.
    pub fn new(outcome: &'a DeliveryOutcome) -> Self {
        let (state, next_attempt_at_us, error, blames_channel) = match outcome {
            DeliveryOutcome::Sent => ("sent", None, None, false),
            DeliveryOutcome::Retry {
                error,
                blames_channel,
                retry_at,
            } => (
                "pending",
                Some(retry_at.as_microsecond()),
                Some(error.as_str()),
                *blames_channel,
            ),
            DeliveryOutcome::Failed {
                error,
                blames_channel,
            } => ("failed", None, Some(error.as_str()), *blames_channel),
        };
        Self {
            state,
            next_attempt_at_us,
            error,
            blames_channel,
        }
    }
}

/// The answer for a finish whose lease was lost (another worker or a sweep took it).
pub fn not_applied() -> DeliveryFinished {
    DeliveryFinished {
        applied: false,
        health: ChannelHealth::default(),
        disabled_now: false,
    }
}

#[cfg(test)]
mod tests {
    use jiff::Timestamp;

    use super::*;

    #[test]
    fn each_outcome_writes_its_state_retry_time_and_blame() {
        let retry_at = Timestamp::from_second(1_700_000_000).expect("in range");
        let retry = DeliveryOutcome::Retry {
            error: "timeout".into(),
            blames_channel: true,
            retry_at,
        };
        assert_eq!(
            FinishColumns::new(&retry),
            FinishColumns {
                state: "pending",
                next_attempt_at_us: Some(1_700_000_000_000_000),
                error: Some("timeout"),
                blames_channel: true,
            }
        );
        let failed = DeliveryOutcome::Failed {
            error: "rejected".into(),
            blames_channel: false,
        };
        assert_eq!(FinishColumns::new(&failed).state, "failed");
        assert_eq!(FinishColumns::new(&failed).next_attempt_at_us, None);
        let sent = FinishColumns::new(&DeliveryOutcome::Sent);
        assert_eq!(
            (sent.state, sent.error, sent.blames_channel),
            ("sent", None, false)
        );
    }
}
