//! Creating, changing and testing a user's channels: the rules the API and the web page share.
//! Every refusal names the field at fault and never quotes an address, URL or secret.

use jiff::Timestamp;
use posylka_core::account::UserId;
use posylka_core::store::notifications::{
    Channel, ChannelChange, ChannelId, ChannelKind, NewChannel, NotificationStore,
};
use posylka_notify::{ChannelTarget, Sent};
use posylka_store::StoreError;
use posylka_watchdog::Lang;
use secrecy::SecretString;

use super::prefs::{ChannelPrefs, PrefsError};
use super::render;
use crate::state::AppState;

/// The most channels one user may have.
pub const MAX_CHANNELS: usize = 20;
/// The longest label, in characters.
pub const MAX_LABEL: usize = 100;
/// The longest target (address, URL, chat id), in bytes.
pub const MAX_TARGET: usize = 2048;

/// A channel to create, as given (API body or form).
#[derive(Debug, Default)]
pub struct ChannelRequest {
    /// `email`, `webhook` or `telegram`.
    pub kind: String,
    /// The address, URL or chat id.
    pub target: String,
    /// The webhook's signing secret.
    pub secret: Option<SecretString>,
    /// A name for it.
    pub label: Option<String>,
    /// Finding codes; `None` for all.
    pub codes: Option<Vec<String>>,
    /// `info`, `warning` (default) or `action`.
    pub min_severity: Option<String>,
    /// Reminder lead times in hours; `None` for the server's default.
    pub reminder_hours: Option<Vec<u32>>,
    /// `en` or `ru`.
    pub lang: Option<String>,
}

/// A change to a channel, as given.
#[derive(Debug, Default)]
pub struct ChannelEdit {
    /// A new label.
    pub label: Option<String>,
    /// New codes: `Some(None)` for all.
    pub codes: Option<Option<Vec<String>>>,
    /// A new lowest severity.
    pub min_severity: Option<String>,
    /// New reminder lead times.
    pub reminder_hours: Option<Vec<u32>>,
    /// A new language.
    pub lang: Option<String>,
    /// Enable again (`true`) or disable (`false`).
    pub enabled: Option<bool>,
}

/// Why a request was refused.
#[derive(Debug, thiserror::Error)]
pub enum ChannelFailure {
    /// A field is not acceptable.
    #[error("{field}: {detail}")]
    Field {
        /// The field.
        field: String,
        /// What is wrong.
        detail: String,
    },
    /// The user has as many channels as allowed.
    #[error("at most {MAX_CHANNELS} channels per user; delete one first")]
    TooMany,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn field(field: impl Into<String>, detail: impl Into<String>) -> ChannelFailure {
    ChannelFailure::Field {
        field: field.into(),
        detail: detail.into(),
    }
}

impl From<PrefsError> for ChannelFailure {
    fn from(e: PrefsError) -> Self {
        field(e.field, e.detail)
    }
}

fn parse_lang(value: Option<&str>) -> Result<Option<Lang>, ChannelFailure> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => v
            .parse::<Lang>()
            .map(Some)
            .map_err(|_| field("lang", "expected en or ru")),
    }
}

fn parse_label(value: Option<&str>) -> Result<Option<String>, ChannelFailure> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) if v.chars().count() > MAX_LABEL || v.chars().any(char::is_control) => Err(field(
            "label",
            format!("at most {MAX_LABEL} characters on one line"),
        )),
        Some(v) => Ok(Some(v.to_owned())),
    }
}

/// Validates a new channel and stores it (the owner's shipments become due, so current
/// findings reach it at the next round).
pub async fn create(
    state: &AppState,
    owner: UserId,
    req: ChannelRequest,
    default_lang: Lang,
) -> Result<Channel, ChannelFailure> {
    let rt = state.notify();
    let kind = ChannelKind::from_key(req.kind.trim())
        .ok_or_else(|| field("kind", "expected email, webhook or telegram"))?;
    let configured = match kind {
        ChannelKind::Email => rt.config().smtp.is_some(),
        ChannelKind::Telegram => rt.config().telegram.is_some(),
        ChannelKind::Webhook => rt.sealer().is_some(),
    };
    if !configured {
        let what = match kind {
            ChannelKind::Email => "e-mail channels need the server's SMTP relay (notify.smtp)",
            ChannelKind::Telegram => "Telegram channels need the server's bot (notify.telegram)",
            ChannelKind::Webhook => {
                "webhook channels need the server's key for their secrets (notify.secret_key)"
            }
        };
        return Err(field("kind", format!("{what}, which is not configured")));
    }
    let raw_target = req.target.trim();
    if raw_target.is_empty() || raw_target.len() > MAX_TARGET {
        return Err(field(
            "target",
            format!("give the address, URL or chat id (at most {MAX_TARGET} bytes)"),
        ));
    }
    let (target, secret_sealed) = match kind {
        ChannelKind::Email => {
            if req.secret.is_some() {
                return Err(field("secret", "only webhooks have a secret"));
            }
            let ChannelTarget::Email(t) =
                ChannelTarget::email(raw_target).map_err(|e| field("target", e.to_string()))?
            else {
                return Err(field("target", "not an e-mail address"));
            };
            (t.address(), None)
        }
        ChannelKind::Telegram => {
            if req.secret.is_some() {
                return Err(field("secret", "only webhooks have a secret"));
            }
            let ChannelTarget::Telegram(t) =
                ChannelTarget::telegram(raw_target).map_err(|e| field("target", e.to_string()))?
            else {
                return Err(field("target", "not a Telegram chat"));
            };
            (t.chat_id().to_owned(), None)
        }
        ChannelKind::Webhook => {
            let secret = req
                .secret
                .ok_or_else(|| field("secret", "a webhook needs a secret to sign with"))?;
            let ChannelTarget::Webhook(t) =
                ChannelTarget::webhook(raw_target, secret).map_err(|e| match e {
                    posylka_notify::TargetError::WebhookSecret { .. } => {
                        field("secret", e.to_string())
                    }
                    other => field("target", other.to_string()),
                })?
            else {
                return Err(field("target", "not a webhook URL"));
            };
            let sealer = rt
                .sealer()
                .ok_or_else(|| field("kind", "webhooks are not configured"))?;
            let sealed = sealer
                .seal(owner, t.secret())
                .map_err(|e| ChannelFailure::Store(StoreError::Backend(Box::new(e))))?;
            (t.url().to_owned(), Some(sealed))
        }
    };
    let prefs = ChannelPrefs::parse(
        req.codes.as_deref(),
        req.min_severity.as_deref(),
        req.reminder_hours.as_deref(),
        &rt.config().reminder_hours,
    )?;
    let lang = parse_lang(req.lang.as_deref())?.unwrap_or(default_lang);
    let label = parse_label(req.label.as_deref())?.unwrap_or_else(|| kind.key().to_owned());
    let store = state.store();
    if store.channels_of(owner).await?.len() >= MAX_CHANNELS {
        return Err(ChannelFailure::TooMany);
    }
    let id = store
        .create_channel(&NewChannel {
            owner,
            kind,
            label,
            target,
            secret_sealed,
            subscription: prefs.to_json(),
            lang: lang.key().to_owned(),
            created_at: Timestamp::now(),
        })
        .await?;
    rt.wake();
    store.channel(id).await?.ok_or_else(|| {
        ChannelFailure::Store(StoreError::Corrupt {
            what: "notify_channels",
            detail: "a created channel is missing".into(),
        })
    })
}

/// The user's channel `id`, or `None` (also when it is someone else's).
pub async fn owned(
    state: &AppState,
    owner: UserId,
    id: ChannelId,
) -> Result<Option<Channel>, StoreError> {
    Ok(state
        .store()
        .channel(id)
        .await?
        .filter(|c| c.owner == owner))
}

/// Applies an edit to a channel (its owner checked by the caller).
pub async fn edit(
    state: &AppState,
    channel: &Channel,
    edit: ChannelEdit,
) -> Result<Channel, ChannelFailure> {
    let rt = state.notify();
    let current = ChannelPrefs::from_json(&channel.subscription);
    let selection_changed =
        edit.codes.is_some() || edit.min_severity.is_some() || edit.reminder_hours.is_some();
    let subscription = if selection_changed {
        let codes = match &edit.codes {
            Some(codes) => codes.clone(),
            None => current
                .as_ref()
                .and_then(|p| p.codes.as_ref())
                .map(|c| c.iter().cloned().collect()),
        };
        let min = edit
            .min_severity
            .clone()
            .or_else(|| current.as_ref().map(|p| p.min_severity.key().to_owned()));
        let hours = edit
            .reminder_hours
            .clone()
            .or_else(|| current.as_ref().map(|p| p.reminder_hours.clone()));
        Some(
            ChannelPrefs::parse(
                codes.as_deref(),
                min.as_deref(),
                hours.as_deref(),
                &rt.config().reminder_hours,
            )?
            .to_json(),
        )
    } else {
        None
    };
    let change = ChannelChange {
        label: parse_label(edit.label.as_deref())?,
        subscription,
        lang: parse_lang(edit.lang.as_deref())?.map(|l| l.key().to_owned()),
        enabled: edit.enabled,
        at: Timestamp::now(),
    };
    let changed = state
        .store()
        .change_channel(channel.id, &change)
        .await?
        .ok_or_else(|| field("id", "the channel was deleted meanwhile"))?;
    rt.wake();
    Ok(changed)
}

/// What a test message did.
#[derive(Debug)]
pub struct TestOutcome {
    /// The transport's answer, or its error text (scrubbed).
    pub result: Result<Sent, String>,
}

/// Sends a test message to a channel now (not through the outbox; its health is left as it
/// is, so a test cannot disable a channel).
pub async fn send_test(state: &AppState, channel: &Channel) -> TestOutcome {
    let rt = state.notify();
    let target = match channel.kind {
        ChannelKind::Email => ChannelTarget::email(&channel.target).map_err(|e| e.to_string()),
        ChannelKind::Telegram => {
            ChannelTarget::telegram(&channel.target).map_err(|e| e.to_string())
        }
        ChannelKind::Webhook => match (rt.sealer(), channel.secret_sealed.as_deref()) {
            (Some(sealer), Some(sealed)) => sealer
                .open(channel.owner, sealed)
                .map_err(|e| e.to_string())
                .and_then(|s| {
                    ChannelTarget::webhook(&channel.target, s).map_err(|e| e.to_string())
                }),
            _ => Err("the webhook's secret cannot be opened on this server".to_owned()),
        },
    };
    let result = match (target, rt.notifier()) {
        (Err(e), _) => Err(e),
        (Ok(_), None) => Err("notifications are not configured on this server".to_owned()),
        (Ok(target), Some(notifier)) => {
            let message = render::test_message(
                render::lang_of(&channel.lang),
                channel.id.get(),
                Timestamp::now(),
            );
            let sent = notifier.send(&target, &message).await;
            state
                .metrics()
                .notification(channel.kind.key(), sent.is_ok());
            sent.map_err(|e| e.to_string())
        }
    };
    TestOutcome { result }
}
