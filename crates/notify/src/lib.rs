//! Posylka's notifications.
//!
//! Two halves that meet in the server:
//! - [`mod@plan`]: pure and deterministic. From a user's subscriptions, a shipment's
//!   current findings and what was already planned, decides what to send now, so
//!   that a finding notifies once when it appears or its severity rises, deadline
//!   reminders go out at the configured lead times, and no message is ever sent
//!   twice (each delivery has a stable [`IdempotencyKey`]).
//! - [`channel`]: async delivery over e-mail (SMTP), signed webhooks and the
//!   Telegram Bot API, with retries, and the per-channel health that disables a
//!   channel after repeated failures.
//!
//! Message texts are localised by the caller; this crate only shapes them for
//! each transport ([`message`]).

pub mod channel;
pub mod message;
pub mod model;
pub mod plan;
mod redact;

pub use channel::{
    Blame, ChannelHealth, ChannelTarget, ConfigError, DeliveryError, Notifier, NotifierConfig,
    RetryPolicy, Sent, SmtpConfig, SmtpSecurity, TargetError, TelegramConfig, Transport,
};
pub use message::Notification;
pub use model::{ChannelId, IdempotencyKey, Severity};
pub use plan::{
    CodeSelection, Delivery, DeliveryKind, FindingKey, Plan, ReminderLeads, SentRecord,
    Subscription, plan,
};
