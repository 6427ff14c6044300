//! Notifications in the server: the background scheduler that runs the watchdog when events
//! arrive and when deadlines come, plans deliveries with `posylka_notify`'s never-twice
//! planner, and sends them from an outbox over e-mail, webhooks and Telegram.
//!
//! - [`NotifyConfig`]: the `[notify]` section of the configuration;
//! - [`NotifyRuntime`]: what the handlers and the scheduler share (the notifier, the secret
//!   sealer, the wake-ups, this instance's lease name);
//! - `scheduler`: `due_for_check` → `posylka_watchdog::check` → plan → outbox, then
//!   `record_checks`; `dispatch`: leased outbox entries → channels, with retry and backoff;
//! - `prefs`: what a channel selects (stored as JSON, opaque to the store); `seal`: webhook
//!   secrets encrypted at rest; `render`: the messages, in the channel's language.
//!
//! Invariants: a message is sent at most once per idempotency key from this side (the outbox
//! key is unique; a lease gives an entry to one sender; a plan is stored only over the
//! planner memory it read); a receiver that saw a retry of a message whose answer was lost can
//! drop it by `X-Posylka-Delivery`. Nothing here logs an address, URL, chat id or secret.

pub(crate) mod channels;
mod dispatch;
pub(crate) mod prefs;
pub(crate) mod render;
mod scheduler;
pub(crate) mod seal;

use std::time::Duration;

use posylka_notify::{Notifier, NotifierConfig, RetryPolicy, SmtpConfig, TelegramConfig};
use secrecy::SecretString;
use serde::Deserialize;
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;

pub use dispatch::dispatch_once;
pub use scheduler::{Round, check_once, summary};

use crate::state::AppState;

/// The `[notify]` section.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotifyConfig {
    /// Runs the background scheduler (the watchdog and the sender) in this instance.
    #[serde(default = "yes")]
    pub scheduler: bool,
    /// 32 random bytes, base64: the key that seals webhook secrets in the database. Without
    /// it, webhook channels cannot be created. Every instance on one database needs the same.
    #[serde(default)]
    pub secret_key: Option<SecretString>,
    /// The server's public address (`https://posylka.example`), for links in messages.
    #[serde(default)]
    pub public_url: Option<String>,
    /// The SMTP relay for e-mail channels.
    #[serde(default)]
    pub smtp: Option<SmtpConfig>,
    /// The Telegram bot for Telegram channels (its `base_url` may name a local Bot API).
    #[serde(default)]
    pub telegram: Option<TelegramConfig>,
    /// Retries within one delivery attempt (exponential backoff with jitter).
    #[serde(default)]
    pub retry: RetryPolicy,
    /// Timeout of one webhook or Telegram request, in seconds.
    #[serde(default = "default_http_timeout")]
    pub http_timeout_secs: u64,
    /// Failed deliveries in a row (the channel's fault) that disable a channel.
    #[serde(default = "default_disable_after")]
    pub disable_after_failures: u32,
    /// Let users' webhooks reach this host and private networks. Off: a webhook URL may only
    /// reach public addresses, so users cannot make the server probe internal services.
    #[serde(default)]
    pub allow_private_webhooks: bool,
    /// Default reminder lead times before a finding's deadline, in hours.
    #[serde(default = "default_reminder_hours")]
    pub reminder_hours: Vec<u32>,
    /// How often an idle scheduler looks for work other instances made due, in seconds.
    #[serde(default = "default_poll")]
    pub poll_secs: u64,
    /// The first wait before an outbox entry is tried again, in milliseconds; doubles per
    /// attempt up to six hours.
    #[serde(default = "default_backoff")]
    pub outbox_backoff_ms: u64,
    /// Attempts per outbox entry before it is given up.
    #[serde(default = "default_attempts")]
    pub max_attempts: u32,
    /// How long a claimed shipment or delivery stays with this instance, in seconds.
    #[serde(default = "default_lease")]
    pub lease_secs: u64,
    /// Shipments checked (and deliveries claimed) per round.
    #[serde(default = "default_batch")]
    pub batch: usize,
}

fn yes() -> bool {
    true
}
fn default_http_timeout() -> u64 {
    10
}
fn default_disable_after() -> u32 {
    5
}
fn default_reminder_hours() -> Vec<u32> {
    vec![72, 24]
}
fn default_poll() -> u64 {
    30
}
fn default_backoff() -> u64 {
    60_000
}
fn default_attempts() -> u32 {
    8
}
fn default_lease() -> u64 {
    300
}
fn default_batch() -> usize {
    100
}

impl Default for NotifyConfig {
    fn default() -> Self {
        Self {
            scheduler: true,
            secret_key: None,
            public_url: None,
            smtp: None,
            telegram: None,
            retry: RetryPolicy::default(),
            http_timeout_secs: default_http_timeout(),
            disable_after_failures: default_disable_after(),
            allow_private_webhooks: false,
            reminder_hours: default_reminder_hours(),
            poll_secs: default_poll(),
            outbox_backoff_ms: default_backoff(),
            max_attempts: default_attempts(),
            lease_secs: default_lease(),
            batch: default_batch(),
        }
    }
}

/// What handlers and the scheduler share.
pub struct NotifyRuntime {
    notifier: Result<Notifier, String>,
    sealer: Result<Option<seal::Sealer>, String>,
    config: NotifyConfig,
    check_wake: Notify,
    dispatch_wake: Notify,
    instance: String,
}

impl std::fmt::Debug for NotifyRuntime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NotifyRuntime")
            .field("instance", &self.instance)
            .finish_non_exhaustive()
    }
}

impl NotifyRuntime {
    /// Builds the notifier and the sealer from the configuration; a problem is kept and
    /// reported by [`NotifyRuntime::problem`] (the server refuses to start with one).
    pub fn new(config: &NotifyConfig) -> Self {
        let notifier = Notifier::new(NotifierConfig {
            smtp: config.smtp.clone(),
            telegram: config.telegram.clone(),
            retry: config.retry.clone(),
            http_timeout_secs: config.http_timeout_secs,
            disable_after_failures: config.disable_after_failures,
            allow_private_webhooks: config.allow_private_webhooks,
        })
        .map_err(|e| format!("notify.{e}"));
        let sealer = config
            .secret_key
            .as_ref()
            .map(seal::Sealer::from_base64)
            .transpose()
            .map_err(|e| format!("notify.secret_key: {e}"));
        let mut id = [0u8; 8];
        // A name for this instance's leases; unique enough across restarts and hosts.
        let _ = getrandom::fill(&mut id);
        let instance = format!(
            "{}-{}",
            std::process::id(),
            id.iter().map(|b| format!("{b:02x}")).collect::<String>()
        );
        Self {
            notifier,
            sealer,
            config: config.clone(),
            check_wake: Notify::new(),
            dispatch_wake: Notify::new(),
            instance,
        }
    }

    /// What is wrong with the `[notify]` configuration, if anything.
    pub fn problem(&self) -> Option<String> {
        let reminders = posylka_notify::plan::ReminderLeads::new(
            self.config
                .reminder_hours
                .iter()
                .map(|h| jiff::SignedDuration::from_hours(i64::from(*h))),
        )
        .err()
        .map(|e| format!("notify.reminder_hours: {e}"));
        self.notifier
            .as_ref()
            .err()
            .cloned()
            .or_else(|| self.sealer.as_ref().err().cloned())
            .or(reminders)
    }

    /// The configuration.
    pub fn config(&self) -> &NotifyConfig {
        &self.config
    }

    /// The notifier, if the configuration built one.
    pub(crate) fn notifier(&self) -> Option<&Notifier> {
        self.notifier.as_ref().ok()
    }

    /// The sealer of webhook secrets, if a key is configured.
    pub(crate) fn sealer(&self) -> Option<&seal::Sealer> {
        self.sealer.as_ref().ok().and_then(Option::as_ref)
    }

    /// This instance's lease name.
    pub(crate) fn instance(&self) -> &str {
        &self.instance
    }

    /// Wakes the scheduler: something changed (events arrived, a channel was added).
    pub fn wake(&self) {
        self.check_wake.notify_one();
    }

    fn wake_dispatch(&self) {
        self.dispatch_wake.notify_one();
    }

    fn lease(&self) -> jiff::SignedDuration {
        jiff::SignedDuration::from_secs(i64::try_from(self.config.lease_secs.max(1)).unwrap_or(300))
    }

    fn poll(&self) -> Duration {
        Duration::from_secs(self.config.poll_secs.max(1))
    }
}

/// The running scheduler tasks; [`Scheduler::stop`] ends them.
#[derive(Debug)]
pub struct Scheduler {
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl Scheduler {
    /// Starts the watchdog loop and the sender on `state`.
    pub fn start(state: AppState) -> Self {
        let (stop, stopped) = watch::channel(false);
        let tasks = vec![
            tokio::spawn(scheduler::run(state.clone(), stopped.clone())),
            tokio::spawn(dispatch::run(state, stopped)),
        ];
        tracing::info!("notification scheduler started");
        Self { stop, tasks }
    }

    /// Asks the tasks to stop and waits for them: a round in progress finishes (up to ten
    /// seconds; then it is cut short and its leases lapse for another instance to take).
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        for mut task in self.tasks {
            if tokio::time::timeout(Duration::from_secs(10), &mut task)
                .await
                .is_err()
            {
                task.abort();
                let _ = task.await;
            }
        }
    }
}

/// Waits until `deadline`, a wake-up, or the stop signal; true when stopping.
async fn idle(wake: &Notify, stopped: &mut watch::Receiver<bool>, wait: Duration) -> bool {
    if *stopped.borrow() {
        return true;
    }
    tokio::select! {
        () = tokio::time::sleep(wait) => false,
        () = wake.notified() => false,
        changed = stopped.changed() => changed.is_err() || *stopped.borrow(),
    }
}

/// How long from `now` until `at`, at least `floor`, at most `ceiling`.
fn until(
    now: jiff::Timestamp,
    at: Option<jiff::Timestamp>,
    floor: Duration,
    ceiling: Duration,
) -> Duration {
    let Some(at) = at else {
        return ceiling;
    };
    let wait = Duration::try_from(at.duration_since(now)).unwrap_or(Duration::ZERO);
    wait.clamp(floor, ceiling)
}

/// Middleware: a successful write over HTTP (events, a shipment, an order, a channel) wakes
/// the scheduler, which then finds the shipments it made due.
pub async fn wake_on_write(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let write = !matches!(
        *request.method(),
        axum::http::Method::GET | axum::http::Method::HEAD | axum::http::Method::OPTIONS
    );
    let response = next.run(request).await;
    if write && (response.status().is_success() || response.status().is_redirection()) {
        state.notify().wake();
    }
    response
}
