//! `/notifications`: the user's channels (e-mail, webhook, Telegram), which findings notify on
//! each, a channel disabled after failures shown so with a button to enable it again, a test
//! message, and a form to add a channel. Every POST checks the CSRF token first.

use askama::Template;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use posylka_core::store::notifications::{Channel, ChannelId, ChannelKind, NotificationStore};
use posylka_watchdog::{FindingCode, Lang};
use secrecy::SecretString;
use serde::Deserialize;

use super::i18n::{self, Tr};
use super::session::Member;
use super::{Chrome, WebError, WebResult, format, html_status};
use crate::notify::channels::{self, ChannelEdit, ChannelFailure, ChannelRequest};
use crate::notify::prefs::ChannelPrefs;
use crate::state::AppState;

/// An option of a `<select>`.
#[derive(Debug, Clone)]
pub(crate) struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// A finding's checkbox.
#[derive(Debug, Clone)]
pub(crate) struct CodeBox {
    pub code: &'static str,
    pub label: String,
    pub checked: bool,
}

/// One channel's card.
#[derive(Debug, Clone)]
pub(crate) struct ChannelCard {
    pub id: i64,
    pub label: String,
    pub kind_label: String,
    pub target: String,
    /// "Disabled after repeated failures on ..." when disabled.
    pub disabled: Option<String>,
    pub failures: i64,
    pub last_error: Option<String>,
    pub all: bool,
    pub findings: Vec<CodeBox>,
    pub severities: Vec<Choice>,
    pub reminders: String,
}

#[derive(Template)]
#[template(path = "notifications.html")]
struct NotificationsPage {
    c: Chrome,
    notice: Option<String>,
    error: Option<String>,
    channels: Vec<ChannelCard>,
    kinds: Vec<Choice>,
    langs: Vec<Choice>,
    severities: Vec<Choice>,
    form_target: String,
    form_label: String,
}

fn severities(tr: Tr, current: &str) -> Vec<Choice> {
    ["info", "warning", "action"]
        .iter()
        .map(|s| Choice {
            value: (*s).to_owned(),
            label: tr.args("severity", &[("severity", s)]),
            selected: *s == current,
        })
        .collect()
}

fn card(tr: Tr, member: &Member, c: &Channel) -> ChannelCard {
    let prefs = ChannelPrefs::from_json(&c.subscription);
    let codes = prefs.as_ref().and_then(|p| p.codes.clone());
    let min = prefs.as_ref().map_or("warning", |p| p.min_severity.key());
    let hours = prefs
        .as_ref()
        .map(|p| p.reminder_hours.clone())
        .unwrap_or_default();
    let disabled = c.health.disabled_at.map(|at| {
        let date = format::date_time(member.visit.lang, &member.me.zone, at);
        // Disabled by its owner: no failures counted and no error kept.
        let key = if c.health.last_error.is_none() && c.health.consecutive_failures == 0 {
            "channel-disabled-by-user"
        } else {
            "channel-disabled"
        };
        tr.args(key, &[("date", &date)])
    });
    ChannelCard {
        id: c.id.get(),
        label: c.label.clone(),
        kind_label: tr.t(&format!("channel-kind-{}", c.kind.key())),
        target: c.target.clone(),
        disabled,
        failures: i64::from(c.health.consecutive_failures),
        last_error: c.health.last_error.clone(),
        all: codes.is_none(),
        findings: FindingCode::ALL
            .iter()
            .map(|code| CodeBox {
                code: code.key(),
                label: tr.t(&format!("finding-{}", code.key())),
                checked: codes.as_ref().is_some_and(|set| set.contains(code.key())),
            })
            .collect(),
        severities: severities(tr, min),
        reminders: if hours.is_empty() {
            tr.t("channel-no-reminders")
        } else {
            let list: Vec<String> = hours.iter().map(u32::to_string).collect();
            tr.args("channel-reminders", &[("hours", &list.join(", "))])
        },
    }
}

/// What the add form had, to show it again after a refusal.
#[derive(Debug, Default)]
struct Filled {
    kind: String,
    target: String,
    label: String,
    lang: Option<String>,
    min_severity: Option<String>,
}

async fn render(
    state: &AppState,
    member: &Member,
    status: StatusCode,
    notice: Option<String>,
    error: Option<String>,
    filled: Filled,
) -> WebResult {
    let lang = member.visit.lang;
    let tr = Tr(lang);
    let channels = state.store().channels_of(member.me.user.id).await?;
    let config = state.notify().config();
    let kinds = ChannelKind::ALL
        .iter()
        .map(|k| {
            let configured = match k {
                ChannelKind::Email => config.smtp.is_some(),
                ChannelKind::Telegram => config.telegram.is_some(),
                ChannelKind::Webhook => state.notify().sealer().is_some(),
            };
            let mut label = tr.t(&format!("channel-kind-{}", k.key()));
            if !configured {
                label = format!("{label} ({})", tr.t("channel-not-configured"));
            }
            Choice {
                value: k.key().to_owned(),
                label,
                selected: filled.kind == k.key(),
            }
        })
        .collect();
    let chosen_lang = filled
        .lang
        .as_deref()
        .and_then(|l| l.parse::<Lang>().ok())
        .unwrap_or(lang);
    let page = NotificationsPage {
        c: Chrome::new(&member.visit, tr.t("channels-title"), "notifications"),
        notice,
        error,
        channels: channels.iter().map(|c| card(tr, member, c)).collect(),
        kinds,
        langs: i18n::LANGS
            .iter()
            .map(|l| Choice {
                value: l.key().to_owned(),
                label: i18n::native_name(*l).to_owned(),
                selected: *l == chosen_lang,
            })
            .collect(),
        severities: severities(tr, filled.min_severity.as_deref().unwrap_or("warning")),
        form_target: filled.target,
        form_label: filled.label,
    };
    html_status(status, &page)
}

/// `?done=` after a change: which notice to show.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Done {
    done: Option<String>,
}

/// `GET /notifications`.
pub(crate) async fn page(
    State(state): State<AppState>,
    member: Member,
    Query(q): Query<Done>,
) -> WebResult {
    let tr = Tr(member.visit.lang);
    let notice = match q.done.as_deref() {
        Some(key @ ("created" | "saved" | "deleted" | "enabled-notice")) => {
            Some(tr.t(&format!("channel-{key}")))
        }
        _ => None,
    };
    render(
        &state,
        &member,
        StatusCode::OK,
        notice,
        None,
        Filled::default(),
    )
    .await
}

/// A form's fields as pairs (checkbox lists repeat a name).
type Pairs = Vec<(String, String)>;

fn first<'a>(pairs: &'a Pairs, name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn form_or_400(form: Result<Form<Pairs>, FormRejection>, lang: Lang) -> WebResult<Pairs> {
    form.map(|Form(p)| p)
        .map_err(|_| WebError::Status(StatusCode::BAD_REQUEST, lang))
}

/// What to tell the visitor about a refusal (the field's problem in words); store failures
/// are the server's and become a 500.
fn refusal(e: &ChannelFailure) -> Result<String, WebError> {
    match e {
        ChannelFailure::Field { detail, .. } => Ok(detail.clone()),
        ChannelFailure::TooMany => Ok(e.to_string()),
        ChannelFailure::Store(_) => Err(WebError::Internal(e.to_string())),
    }
}

/// `POST /notifications`: adds a channel.
pub(crate) async fn create(
    State(state): State<AppState>,
    member: Member,
    form: Result<Form<Pairs>, FormRejection>,
) -> WebResult {
    let lang = member.visit.lang;
    let pairs = form_or_400(form, lang)?;
    member.check_csrf(first(&pairs, "csrf"))?;
    let text = |name: &str| first(&pairs, name).map(str::to_owned);
    let secret = text("secret").filter(|s| !s.trim().is_empty());
    let request = ChannelRequest {
        kind: text("kind").unwrap_or_default(),
        target: text("target").unwrap_or_default(),
        secret: secret.map(SecretString::from),
        label: text("label"),
        codes: None,
        min_severity: text("min_severity"),
        reminder_hours: None,
        lang: text("lang"),
    };
    match channels::create(&state, member.me.user.id, request, lang).await {
        Ok(created) => Ok(Redirect::to(&at_channel("created", created.id)).into_response()),
        Err(e) => {
            let message = Tr(lang).args("channel-error", &[("error", &refusal(&e)?)]);
            let filled = Filled {
                kind: text("kind").unwrap_or_default(),
                target: text("target").unwrap_or_default(),
                label: text("label").unwrap_or_default(),
                lang: text("lang"),
                min_severity: text("min_severity"),
            };
            render(
                &state,
                &member,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                Some(message),
                filled,
            )
            .await
        }
    }
}

async fn mine(state: &AppState, member: &Member, raw: &str) -> WebResult<Channel> {
    let not_found = || WebError::Status(StatusCode::NOT_FOUND, member.visit.lang);
    let id = raw
        .parse::<i64>()
        .ok()
        .and_then(ChannelId::new)
        .ok_or_else(not_found)?;
    channels::owned(state, member.me.user.id, id)
        .await?
        .ok_or_else(not_found)
}

/// A posted form about one of the member's channels: the fields (CSRF checked) and the
/// channel, or 400/403/404.
async fn posted(
    state: &AppState,
    member: &Member,
    raw: &str,
    form: Result<Form<Pairs>, FormRejection>,
) -> WebResult<(Pairs, Channel)> {
    let pairs = form_or_400(form, member.visit.lang)?;
    member.check_csrf(first(&pairs, "csrf"))?;
    let channel = mine(state, member, raw).await?;
    Ok((pairs, channel))
}

/// The notifications page scrolled to a channel, with a `done` notice.
fn at_channel(done: &str, id: ChannelId) -> String {
    format!("/notifications?done={done}#channel-{}", id.get())
}

/// `POST /notifications/{id}/findings`: which findings notify, from what severity.
pub(crate) async fn findings(
    State(state): State<AppState>,
    member: Member,
    Path(raw): Path<String>,
    form: Result<Form<Pairs>, FormRejection>,
) -> WebResult {
    let lang = member.visit.lang;
    let (pairs, channel) = posted(&state, &member, &raw, form).await?;
    let all = first(&pairs, "all").is_some();
    let codes: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| k == "code")
        .map(|(_, v)| v.clone())
        .collect();
    let edit = ChannelEdit {
        codes: Some(if all { None } else { Some(codes) }),
        min_severity: first(&pairs, "min_severity").map(str::to_owned),
        ..ChannelEdit::default()
    };
    match channels::edit(&state, &channel, edit).await {
        Ok(_) => Ok(Redirect::to(&at_channel("saved", channel.id)).into_response()),
        Err(e) => {
            let message = Tr(lang).args("channel-error", &[("error", &refusal(&e)?)]);
            render(
                &state,
                &member,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                Some(message),
                Filled::default(),
            )
            .await
        }
    }
}

/// `POST /notifications/{id}/enable`: enables a channel disabled after failures.
pub(crate) async fn enable(
    State(state): State<AppState>,
    member: Member,
    Path(raw): Path<String>,
    form: Result<Form<Pairs>, FormRejection>,
) -> WebResult {
    let (_, channel) = posted(&state, &member, &raw, form).await?;
    let edit = ChannelEdit {
        enabled: Some(true),
        ..ChannelEdit::default()
    };
    channels::edit(&state, &channel, edit)
        .await
        .map_err(|e| WebError::Internal(e.to_string()))?;
    Ok(Redirect::to(&at_channel("enabled-notice", channel.id)).into_response())
}

/// `POST /notifications/{id}/delete`.
pub(crate) async fn delete(
    State(state): State<AppState>,
    member: Member,
    Path(raw): Path<String>,
    form: Result<Form<Pairs>, FormRejection>,
) -> WebResult {
    let (_, channel) = posted(&state, &member, &raw, form).await?;
    state.store().delete_channel(channel.id).await?;
    Ok(Redirect::to("/notifications?done=deleted").into_response())
}

/// `POST /notifications/{id}/test`: sends a test message and says how it went.
pub(crate) async fn test(
    State(state): State<AppState>,
    member: Member,
    Path(raw): Path<String>,
    form: Result<Form<Pairs>, FormRejection>,
) -> WebResult {
    let lang = member.visit.lang;
    let (_, channel) = posted(&state, &member, &raw, form).await?;
    let tr = Tr(lang);
    let (notice, error) = match channels::send_test(&state, &channel).await.result {
        Ok(_) => (Some(tr.t("channel-test-ok")), None),
        Err(e) => (None, Some(tr.args("channel-test-failed", &[("error", &e)]))),
    };
    // The outcome is shown as it is: the test changes nothing.
    render(
        &state,
        &member,
        StatusCode::OK,
        notice,
        error,
        Filled::default(),
    )
    .await
}
