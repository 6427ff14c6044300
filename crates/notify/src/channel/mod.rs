//! Delivery over e-mail, webhooks and Telegram, with retries and channel health.
//!
//! A [`Notifier`] holds the server-wide parts (the SMTP relay, the Telegram bot,
//! one HTTP client, the retry policy); a [`ChannelTarget`] is one user's channel
//! (an address, a webhook URL and secret, a chat). [`Notifier::deliver`] sends one
//! [`Notification`] and returns the channel's new [`ChannelHealth`], which the
//! caller stores and shows: after `disable_after_failures` consecutive failed
//! deliveries that are the channel's fault, the channel is disabled.
//!
//! Secrets (SMTP password, webhook secrets, the bot token) live in
//! [`SecretString`]s; no `Debug`, `Display` or error text of this module
//! contains them, nor recipients' addresses or chat ids.

mod email;
pub mod reach;
mod telegram;
pub mod webhook;

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use backon::{ExponentialBuilder, Retryable};
use jiff::Timestamp;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use crate::message::Notification;

pub use email::{SmtpConfig, SmtpSecurity};
pub use telegram::{DEFAULT_TELEGRAM_BASE_URL, TelegramConfig};

/// The transports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Transport {
    /// E-mail over SMTP.
    Email,
    /// A signed HTTP POST to the user's URL.
    Webhook,
    /// A message from the server's Telegram bot.
    Telegram,
}

impl fmt::Display for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Transport::Email => "e-mail",
            Transport::Webhook => "webhook",
            Transport::Telegram => "Telegram",
        })
    }
}

/// Why a channel target was refused. Never quotes the value itself: addresses
/// are personal data and URLs may carry tokens.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    /// The e-mail address does not parse.
    #[error("email address: not a valid address ({reason})")]
    Email {
        /// What is wrong.
        reason: String,
    },
    /// The webhook URL does not parse or is not usable.
    #[error("webhook url: {reason}")]
    WebhookUrl {
        /// What is wrong.
        reason: String,
    },
    /// The webhook secret is too short to sign with.
    #[error("webhook secret: at least {min} characters are required")]
    WebhookSecret {
        /// The minimum length.
        min: usize,
    },
    /// The Telegram chat id is neither a number nor an `@username`.
    #[error("telegram chat_id: expected an integer id or @username")]
    TelegramChat,
}

/// The shortest webhook secret accepted.
pub const MIN_WEBHOOK_SECRET_CHARS: usize = 16;

/// One user's channel: where the message goes.
#[derive(Clone)]
pub enum ChannelTarget {
    /// An e-mail address.
    Email(EmailTarget),
    /// A webhook URL with its signing secret.
    Webhook(WebhookTarget),
    /// A Telegram chat the server's bot may write to.
    Telegram(TelegramTarget),
}

/// An e-mail recipient.
#[derive(Clone)]
pub struct EmailTarget {
    to: lettre::message::Mailbox,
}

/// A webhook endpoint.
#[derive(Clone)]
pub struct WebhookTarget {
    url: reqwest::Url,
    secret: SecretString,
}

/// A Telegram chat.
#[derive(Clone)]
pub struct TelegramTarget {
    chat_id: String,
}

impl ChannelTarget {
    /// An e-mail channel; `address` may carry a display name (`Anna <anna@example.org>`).
    pub fn email(address: &str) -> Result<Self, TargetError> {
        let to = address
            .trim()
            .parse::<lettre::message::Mailbox>()
            .map_err(|e| TargetError::Email {
                reason: e.to_string(),
            })?;
        Ok(ChannelTarget::Email(EmailTarget { to }))
    }

    /// A webhook channel: an `http` or `https` URL without user info, and a secret
    /// of at least [`MIN_WEBHOOK_SECRET_CHARS`] characters.
    pub fn webhook(url: &str, secret: SecretString) -> Result<Self, TargetError> {
        let url = reqwest::Url::parse(url.trim()).map_err(|e| TargetError::WebhookUrl {
            reason: e.to_string(),
        })?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(TargetError::WebhookUrl {
                reason: format!("scheme {:?} is not http or https", url.scheme()),
            });
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(TargetError::WebhookUrl {
                reason: "user name or password in the URL; the signature authenticates".into(),
            });
        }
        if url.host_str().is_none() {
            return Err(TargetError::WebhookUrl {
                reason: "no host".into(),
            });
        }
        if secret.expose_secret().chars().count() < MIN_WEBHOOK_SECRET_CHARS {
            return Err(TargetError::WebhookSecret {
                min: MIN_WEBHOOK_SECRET_CHARS,
            });
        }
        Ok(ChannelTarget::Webhook(WebhookTarget { url, secret }))
    }

    /// A Telegram channel: a numeric chat id (negative for groups) or `@channelname`.
    pub fn telegram(chat_id: &str) -> Result<Self, TargetError> {
        let chat_id = chat_id.trim();
        let numeric = chat_id.parse::<i64>().is_ok();
        let username = chat_id.strip_prefix('@').is_some_and(|name| {
            (5..=32).contains(&name.len())
                && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        });
        if !(numeric || username) {
            return Err(TargetError::TelegramChat);
        }
        Ok(ChannelTarget::Telegram(TelegramTarget {
            chat_id: chat_id.to_owned(),
        }))
    }

    /// The transport this target uses.
    pub fn transport(&self) -> Transport {
        match self {
            ChannelTarget::Email(_) => Transport::Email,
            ChannelTarget::Webhook(_) => Transport::Webhook,
            ChannelTarget::Telegram(_) => Transport::Telegram,
        }
    }
}

impl EmailTarget {
    /// The address, for storing (personal data: keep it out of logs).
    pub fn address(&self) -> String {
        self.to.to_string()
    }
}

impl WebhookTarget {
    /// The URL, for storing (may carry tokens: keep it out of logs).
    pub fn url(&self) -> &str {
        self.url.as_str()
    }

    /// The signing secret, for storing encrypted.
    pub fn secret(&self) -> &SecretString {
        &self.secret
    }
}

impl TelegramTarget {
    /// The chat id, for storing.
    pub fn chat_id(&self) -> &str {
        &self.chat_id
    }
}

/// Shows the kind of channel and, for webhooks, only the scheme and host.
impl fmt::Debug for ChannelTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ChannelTarget({self})")
    }
}

/// A description fit for logs: no address, chat id, URL path or secret.
impl fmt::Display for ChannelTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChannelTarget::Email(_) => f.write_str("e-mail"),
            ChannelTarget::Webhook(w) => write!(
                f,
                "webhook to {}://{}",
                w.url.scheme(),
                w.url.host_str().unwrap_or("?")
            ),
            ChannelTarget::Telegram(_) => f.write_str("Telegram chat"),
        }
    }
}

impl fmt::Debug for EmailTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("EmailTarget(..)")
    }
}

impl fmt::Debug for WebhookTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "WebhookTarget({}://{}/..)",
            self.url.scheme(),
            self.url.host_str().unwrap_or("?")
        )
    }
}

impl fmt::Debug for TelegramTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TelegramTarget(..)")
    }
}

/// Whose fault a failed delivery is, which decides whether it counts towards
/// disabling the channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Blame {
    /// The user's end: their webhook fails, their chat blocked the bot, their
    /// mailbox does not exist.
    Channel,
    /// This server's side or a shared service: the SMTP relay or Telegram is down,
    /// the bot token or SMTP login is wrong. Does not disable user channels.
    Server,
}

/// Why a delivery failed. No secret, address, chat id or URL appears in it;
/// remote servers' words are cut and scrubbed of addresses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeliveryError {
    /// The channel is disabled; nothing was sent.
    #[error("channel disabled after repeated failures; nothing sent")]
    Disabled,
    /// The server has no configuration for this transport.
    #[error("{transport} is not configured on this server")]
    NotConfigured {
        /// The transport.
        transport: Transport,
    },
    /// The receiver refused the message; retrying would not help.
    #[error("{transport} refused the message{} after {attempts} attempt(s): {detail}", status_text(*.status))]
    Rejected {
        /// The transport.
        transport: Transport,
        /// The HTTP status or SMTP reply code, if any.
        status: Option<u16>,
        /// Attempts made.
        attempts: u32,
        /// Whose fault it is.
        blame: Blame,
        /// What went wrong, scrubbed.
        detail: String,
    },
    /// Every attempt failed with a temporary error (timeout, 5xx, 429...).
    #[error("{transport} delivery failed{} after {attempts} attempt(s): {detail}", status_text(*.status))]
    Unavailable {
        /// The transport.
        transport: Transport,
        /// The last HTTP status or SMTP reply code, if any.
        status: Option<u16>,
        /// Attempts made.
        attempts: u32,
        /// Whose fault it is.
        blame: Blame,
        /// What went wrong last, scrubbed.
        detail: String,
    },
}

fn status_text(status: Option<u16>) -> String {
    status.map(|s| format!(" (status {s})")).unwrap_or_default()
}

impl DeliveryError {
    /// Whether this failure counts towards disabling the channel.
    pub fn blames_channel(&self) -> bool {
        match self {
            DeliveryError::Rejected { blame, .. } | DeliveryError::Unavailable { blame, .. } => {
                *blame == Blame::Channel
            }
            DeliveryError::Disabled | DeliveryError::NotConfigured { .. } => false,
        }
    }

    /// Whether sending the same message later may succeed (the caller may keep it
    /// in its outbox).
    pub fn is_temporary(&self) -> bool {
        matches!(
            self,
            DeliveryError::Unavailable { .. } | DeliveryError::NotConfigured { .. }
        )
    }

    /// Attempts made (0 when nothing was tried).
    pub fn attempts(&self) -> u32 {
        match self {
            DeliveryError::Rejected { attempts, .. }
            | DeliveryError::Unavailable { attempts, .. } => *attempts,
            DeliveryError::Disabled | DeliveryError::NotConfigured { .. } => 0,
        }
    }
}

/// A successful delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    /// The transport used.
    pub transport: Transport,
    /// Attempts it took (1 when the first succeeded).
    pub attempts: u32,
    /// The final HTTP status or SMTP reply code.
    pub status: Option<u16>,
    /// The receiver's id for the message, where it gives one (Telegram's message id).
    pub remote_id: Option<String>,
}

/// One channel's delivery health: stored by the caller, shown on the page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelHealth {
    /// Failed deliveries in a row that were the channel's fault.
    pub consecutive_failures: u32,
    /// When the channel was disabled; `None` while it is enabled.
    pub disabled_at: Option<Timestamp>,
    /// The last failure's text (scrubbed), cleared by a success.
    pub last_error: Option<String>,
}

impl ChannelHealth {
    /// Whether the channel is disabled.
    pub fn is_disabled(&self) -> bool {
        self.disabled_at.is_some()
    }

    /// Updates the health with a delivery's result. Returns `true` when this
    /// result disabled the channel.
    pub fn record(
        &mut self,
        result: &Result<Sent, DeliveryError>,
        now: Timestamp,
        disable_after: u32,
    ) -> bool {
        match result {
            Ok(_) => {
                self.consecutive_failures = 0;
                self.last_error = None;
                false
            }
            Err(DeliveryError::Disabled) => false,
            Err(error) => {
                self.last_error = Some(error.to_string());
                if !error.blames_channel() {
                    return false;
                }
                self.consecutive_failures = self.consecutive_failures.saturating_add(1);
                if self.disabled_at.is_none() && self.consecutive_failures >= disable_after.max(1) {
                    self.disabled_at = Some(now);
                    return true;
                }
                false
            }
        }
    }

    /// The user enabled the channel again (after fixing it): a clean slate.
    pub fn enable(&mut self) {
        *self = ChannelHealth::default();
    }
}

/// Retries of one delivery: exponential backoff with jitter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// The first delay, in milliseconds; each next one doubles.
    pub min_delay_ms: u64,
    /// The longest delay, in milliseconds. A `Retry-After` longer than this ends
    /// the retries (the message stays temporary-failed for the caller's outbox).
    pub max_delay_ms: u64,
    /// Adds a random part to each delay so that many failing deliveries do not
    /// retry in lockstep.
    pub jitter: bool,
}

impl Default for RetryPolicy {
    /// 4 retries from 1 s up to 30 s, with jitter: a receiver restarting gets about
    /// half a minute.
    fn default() -> Self {
        RetryPolicy {
            max_retries: 4,
            min_delay_ms: 1_000,
            max_delay_ms: 30_000,
            jitter: true,
        }
    }
}

impl RetryPolicy {
    fn backoff(&self) -> ExponentialBuilder {
        let builder = ExponentialBuilder::default()
            .with_factor(2.0)
            .with_min_delay(Duration::from_millis(self.min_delay_ms))
            .with_max_delay(Duration::from_millis(
                self.max_delay_ms.max(self.min_delay_ms),
            ))
            .with_max_times(self.max_retries as usize);
        if self.jitter {
            builder.with_jitter()
        } else {
            builder
        }
    }
}

/// The server-wide notification settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct NotifierConfig {
    /// The SMTP relay; e-mail channels fail with `NotConfigured` without it.
    pub smtp: Option<SmtpConfig>,
    /// The Telegram bot; Telegram channels fail with `NotConfigured` without it.
    pub telegram: Option<TelegramConfig>,
    /// Retries per delivery.
    pub retry: RetryPolicy,
    /// Timeout of one HTTP request (webhook, Telegram), in seconds.
    pub http_timeout_secs: u64,
    /// Consecutive failed deliveries (the channel's fault) that disable a channel.
    pub disable_after_failures: u32,
    /// Let webhooks reach this host and private networks. Off by default: webhook URLs come
    /// from users, who could otherwise make the server probe internal services (see
    /// [`reach`]). Turn it on for a receiver on the local network, or in tests.
    pub allow_private_webhooks: bool,
}

impl Default for NotifierConfig {
    fn default() -> Self {
        NotifierConfig {
            smtp: None,
            telegram: None,
            retry: RetryPolicy::default(),
            http_timeout_secs: 10,
            disable_after_failures: 5,
            allow_private_webhooks: false,
        }
    }
}

/// Why the notifier could not be built from its configuration.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// An SMTP setting is wrong.
    #[error("smtp.{field}: {reason}")]
    Smtp {
        /// The setting.
        field: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// A Telegram setting is wrong.
    #[error("telegram.{field}: {reason}")]
    Telegram {
        /// The setting.
        field: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// The HTTP client could not be built.
    #[error("http client: {0}")]
    Http(String),
}

/// Sends notifications. Cheap to share (`Arc` inside); build one per server.
#[derive(Clone)]
pub struct Notifier {
    inner: Arc<Inner>,
}

struct Inner {
    /// For the operator's services (the Telegram API).
    http: reqwest::Client,
    /// For users' webhooks: reaches public addresses only, unless private ones are allowed.
    webhooks: reqwest::Client,
    allow_private_webhooks: bool,
    smtp: Option<email::Smtp>,
    telegram: Option<telegram::Bot>,
    retry: RetryPolicy,
    disable_after: u32,
}

impl fmt::Debug for Notifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Notifier")
            .field("smtp", &self.inner.smtp)
            .field("telegram", &self.inner.telegram)
            .field("retry", &self.inner.retry)
            .field("disable_after", &self.inner.disable_after)
            .finish_non_exhaustive()
    }
}

impl Notifier {
    /// Builds the notifier: validates the settings and prepares the HTTP client
    /// (rustls with ring and the Mozilla roots; redirects are not followed, so a
    /// webhook cannot bounce the signed body elsewhere) and the SMTP transport.
    pub fn new(config: NotifierConfig) -> Result<Self, ConfigError> {
        let timeout = Duration::from_secs(config.http_timeout_secs.max(1));
        let http = http_client(timeout, false)?;
        let webhooks = http_client(timeout, !config.allow_private_webhooks)?;
        let smtp = config.smtp.as_ref().map(email::Smtp::new).transpose()?;
        let telegram = config
            .telegram
            .as_ref()
            .map(telegram::Bot::new)
            .transpose()?;
        Ok(Notifier {
            inner: Arc::new(Inner {
                http,
                webhooks,
                allow_private_webhooks: config.allow_private_webhooks,
                smtp,
                telegram,
                retry: config.retry,
                disable_after: config.disable_after_failures,
            }),
        })
    }

    /// Consecutive failures that disable a channel.
    pub fn disable_after(&self) -> u32 {
        self.inner.disable_after
    }

    /// Sends one notification to one target, with retries. Does not look at health.
    pub async fn send(
        &self,
        target: &ChannelTarget,
        notification: &Notification,
    ) -> Result<Sent, DeliveryError> {
        let inner = &self.inner;
        match target {
            ChannelTarget::Email(to) => {
                let smtp = inner.smtp.as_ref().ok_or(DeliveryError::NotConfigured {
                    transport: Transport::Email,
                })?;
                smtp.send(to, notification, &inner.retry).await
            }
            ChannelTarget::Webhook(hook) => {
                if !inner.allow_private_webhooks {
                    webhook::check_literal_host(hook)?;
                }
                webhook::send(&inner.webhooks, hook, notification, &inner.retry).await
            }
            ChannelTarget::Telegram(chat) => {
                let bot = inner
                    .telegram
                    .as_ref()
                    .ok_or(DeliveryError::NotConfigured {
                        transport: Transport::Telegram,
                    })?;
                bot.send(&inner.http, chat, notification, &inner.retry)
                    .await
            }
        }
    }

    /// Sends one notification unless the channel is disabled, and returns the
    /// result with the channel's new health (store it; show `disabled_at`).
    pub async fn deliver(
        &self,
        target: &ChannelTarget,
        health: &ChannelHealth,
        notification: &Notification,
        now: Timestamp,
    ) -> (Result<Sent, DeliveryError>, ChannelHealth) {
        if health.is_disabled() {
            return (Err(DeliveryError::Disabled), health.clone());
        }
        let result = self.send(target, notification).await;
        let mut next = health.clone();
        if next.record(&result, now, self.inner.disable_after) {
            tracing::warn!(
                channel = %target,
                failures = next.consecutive_failures,
                "notification channel disabled after repeated failures"
            );
        }
        (result, next)
    }
}

/// The HTTP client; with `public_only`, host names resolve to public addresses only.
fn http_client(timeout: Duration, public_only: bool) -> Result<reqwest::Client, ConfigError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ConfigError::Http(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let mut builder = reqwest::Client::builder();
    if public_only {
        builder = builder.dns_resolver(reach::PublicOnly);
    }
    builder
        .tls_backend_preconfigured(tls)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(5)))
        .user_agent(concat!("posylka/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| ConfigError::Http(e.without_url().to_string()))
}

/// One failed attempt, as the retry loop sees it.
#[derive(Debug)]
struct AttemptError {
    temporary: bool,
    status: Option<u16>,
    blame: Blame,
    detail: String,
    /// The receiver's `Retry-After` (or Telegram's `retry_after`).
    retry_after: Option<Duration>,
}

/// Runs `attempt` with the policy's retries while its errors are temporary.
async fn with_retries<T, F, Fut>(
    transport: Transport,
    policy: &RetryPolicy,
    mut attempt: F,
) -> Result<(T, u32), DeliveryError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, AttemptError>>,
{
    let attempts = AtomicU32::new(0);
    let max_delay = Duration::from_millis(policy.max_delay_ms.max(policy.min_delay_ms));
    let result = (|| {
        attempts.fetch_add(1, Ordering::Relaxed);
        attempt()
    })
    .retry(policy.backoff())
    .when(|e: &AttemptError| e.temporary)
    .adjust(|e: &AttemptError, planned: Option<Duration>| match (planned, e.retry_after) {
        // The receiver asked for more patience than we have: stop now.
        (Some(_), Some(asked)) if asked > max_delay => None,
        (Some(planned), Some(asked)) => Some(planned.max(asked)),
        (planned, _) => planned,
    })
    .notify(|e: &AttemptError, delay: Duration| {
        tracing::debug!(%transport, status = ?e.status, ?delay, detail = %e.detail, "delivery attempt failed; retrying");
    })
    .await;
    let attempts = attempts.load(Ordering::Relaxed);
    match result {
        Ok(value) => Ok((value, attempts)),
        Err(e) if e.temporary => Err(DeliveryError::Unavailable {
            transport,
            status: e.status,
            attempts,
            blame: e.blame,
            detail: e.detail,
        }),
        Err(e) => Err(DeliveryError::Rejected {
            transport,
            status: e.status,
            attempts,
            blame: e.blame,
            detail: e.detail,
        }),
    }
}

/// Classifies a reqwest error of one attempt (no URL in the text).
fn http_attempt_error(error: reqwest::Error, blame: Blame) -> AttemptError {
    // A host that resolves only to private addresses: permanent, and the reason is the user's
    // to read.
    let mut source = std::error::Error::source(&error);
    while let Some(e) = source {
        if let Some(refused) = e.downcast_ref::<reach::NotPublic>() {
            return AttemptError {
                temporary: false,
                status: None,
                blame,
                detail: refused.to_string(),
                retry_after: None,
            };
        }
        source = e.source();
    }
    let temporary =
        error.is_timeout() || error.is_connect() || error.is_request() || error.is_body();
    let status = error.status().map(|s| s.as_u16());
    let detail = if error.is_timeout() {
        "timed out".to_owned()
    } else if error.is_connect() {
        "could not connect".to_owned()
    } else {
        crate::redact::remote_text(&error.without_url().to_string(), &[])
    };
    AttemptError {
        temporary,
        status,
        blame,
        detail,
        retry_after: None,
    }
}

/// Reads a `Retry-After` given in seconds (the HTTP-date form is rare for APIs
/// and falls back to the backoff).
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
}

#[cfg(test)]
mod tests;
