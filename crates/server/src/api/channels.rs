//! Notification channels: list, create, change which findings notify (or enable a channel
//! disabled after failures), delete, send a test message.
//!
//! Every route acts only on the caller's channels: another user's channel answers 404, the
//! same as a missing one. A webhook's secret is accepted on creation and never shown again.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use posylka_core::store::notifications::{
    Channel, ChannelId, DeliveryInfo, DeliveryState, NotificationStore,
};
use posylka_watchdog::Lang;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::JsonBody;
use super::input::patch_field;
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult, Problem};
use crate::notify::channels::{self, ChannelEdit, ChannelFailure, ChannelRequest};
use crate::notify::prefs::ChannelPrefs;
use crate::state::AppState;

/// Recent deliveries shown with one channel.
const RECENT: usize = 20;

/// The routes of this area.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_channels, create_channel))
        .routes(routes!(get_channel, patch_channel, delete_channel))
        .routes(routes!(test_channel))
}

/// A new channel.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateChannel {
    /// `email`, `webhook` or `telegram`.
    pub kind: String,
    /// The e-mail address, the webhook URL (`https://...`), or the Telegram chat id
    /// (a number, or `@channelname`).
    pub target: String,
    /// Webhooks only: the secret the `X-Posylka-Signature` HMAC-SHA256 is keyed with (at least
    /// 16 characters). Stored sealed; never shown again.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub secret: Option<SecretString>,
    /// A name for it (default: its kind).
    #[serde(default)]
    pub label: Option<String>,
    /// The finding codes that notify (e.g. `["stalled", "customs_hold"]`); absent: all.
    #[serde(default)]
    pub codes: Option<Vec<String>>,
    /// The lowest severity that notifies: `info`, `warning` (default) or `action`.
    #[serde(default)]
    pub min_severity: Option<String>,
    /// Reminders before a finding's deadline, in hours (default: the server's, 72 and 24).
    #[serde(default)]
    pub reminder_hours: Option<Vec<u32>>,
    /// The messages' language: `en` (default) or `ru`.
    #[serde(default)]
    pub lang: Option<String>,
}

/// A change to a channel; absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchChannel {
    /// A new name.
    #[serde(default)]
    pub label: Option<String>,
    /// The finding codes that notify; `null`: all.
    #[serde(default, deserialize_with = "patch_field")]
    #[schema(value_type = Option<Vec<String>>)]
    pub codes: Option<Option<Vec<String>>>,
    /// The lowest severity that notifies.
    #[serde(default)]
    pub min_severity: Option<String>,
    /// Reminders before a deadline, in hours (`[]`: none).
    #[serde(default)]
    pub reminder_hours: Option<Vec<u32>>,
    /// The messages' language.
    #[serde(default)]
    pub lang: Option<String>,
    /// `true` enables a channel disabled after failures (its failures are forgotten and
    /// current findings notify again, except messages it already received); `false`
    /// disables it.
    #[serde(default)]
    pub enabled: Option<bool>,
}

/// A delivery of a channel.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryView {
    /// The idempotency key (`X-Posylka-Delivery`).
    pub key: String,
    /// The shipment it is about.
    pub shipment_id: Option<i64>,
    /// `pending`, `sent`, `failed` or `dropped` (the channel was disabled).
    pub state: String,
    /// Attempts made.
    pub attempts: u32,
    /// When it was planned.
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    /// When it was sent, failed or dropped.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub finished_at: Option<Timestamp>,
    /// The last failure.
    pub last_error: Option<String>,
    /// Its title.
    pub title: Option<String>,
}

/// A notification channel.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChannelView {
    /// Its id.
    pub id: i64,
    /// `email`, `webhook` or `telegram`.
    pub kind: String,
    /// Its name.
    pub label: String,
    /// The address, URL or chat id.
    pub target: String,
    /// Whether a secret is stored (webhooks).
    pub has_secret: bool,
    /// The finding codes that notify; `null`: all.
    pub codes: Option<Vec<String>>,
    /// The lowest severity that notifies.
    pub min_severity: String,
    /// Reminders before a deadline, in hours.
    pub reminder_hours: Vec<u32>,
    /// The messages' language.
    pub lang: String,
    /// `false` once disabled after repeated failures (or by you).
    pub enabled: bool,
    /// When it was disabled.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub disabled_at: Option<Timestamp>,
    /// Failed deliveries in a row that were its fault.
    pub consecutive_failures: u32,
    /// The last failure.
    pub last_error: Option<String>,
    /// When it was created.
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    /// Its latest deliveries, newest first (only when one channel is asked for).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recent: Option<Vec<DeliveryView>>,
}

/// Your channels.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChannelList {
    /// By id.
    pub items: Vec<ChannelView>,
}

/// What a test message did.
#[derive(Debug, Serialize, ToSchema)]
pub struct TestResult {
    /// Whether the receiver accepted it.
    pub delivered: bool,
    /// Attempts it took.
    pub attempts: Option<u32>,
    /// The HTTP status or SMTP reply code.
    pub status: Option<u16>,
    /// Why it failed.
    pub error: Option<String>,
}

impl ChannelView {
    pub(crate) fn new(c: &Channel) -> Self {
        let prefs = ChannelPrefs::from_json(&c.subscription);
        Self {
            id: c.id.get(),
            kind: c.kind.key().to_owned(),
            label: c.label.clone(),
            target: c.target.clone(),
            has_secret: c.secret_sealed.is_some(),
            codes: prefs
                .as_ref()
                .and_then(|p| p.codes.as_ref())
                .map(|c| c.iter().cloned().collect()),
            min_severity: prefs
                .as_ref()
                .map_or("warning", |p| p.min_severity.key())
                .to_owned(),
            reminder_hours: prefs.map(|p| p.reminder_hours).unwrap_or_default(),
            lang: c.lang.clone(),
            enabled: c.health.disabled_at.is_none(),
            disabled_at: c.health.disabled_at,
            consecutive_failures: c.health.consecutive_failures,
            last_error: c.health.last_error.clone(),
            created_at: c.created_at,
            recent: None,
        }
    }
}

impl DeliveryView {
    fn new(d: &DeliveryInfo) -> Self {
        let title = serde_json::from_str::<crate::notify::render::Payload>(&d.payload)
            .ok()
            .map(|p| p.title);
        Self {
            key: d.key.clone(),
            shipment_id: d.shipment.map(|s| s.get()),
            state: match d.state {
                DeliveryState::Pending => "pending",
                DeliveryState::Sent => "sent",
                DeliveryState::Failed => "failed",
                DeliveryState::Dropped => "dropped",
            }
            .to_owned(),
            attempts: d.attempts,
            created_at: d.created_at,
            finished_at: d.finished_at,
            last_error: d.last_error.clone(),
            title,
        }
    }
}

impl From<ChannelFailure> for ApiError {
    fn from(e: ChannelFailure) -> Self {
        match e {
            ChannelFailure::Field { field, detail } => ApiError::invalid(field, detail),
            ChannelFailure::TooMany => ApiError::conflict(None, e.to_string()),
            ChannelFailure::Store(e) => e.into(),
        }
    }
}

fn parse_channel_id(raw: &str) -> ApiResult<ChannelId> {
    raw.parse::<i64>()
        .ok()
        .and_then(ChannelId::new)
        .ok_or_else(|| ApiError::invalid("id", "expected a positive channel id such as 3"))
}

async fn mine(
    state: &AppState,
    user: &posylka_core::account::User,
    raw: &str,
) -> ApiResult<Channel> {
    let id = parse_channel_id(raw)?;
    channels::owned(state, user.id, id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("you have no channel {}", id.get())))
}

/// List your notification channels.
#[utoipa::path(
    get,
    path = "/channels",
    tag = "notifications",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Your channels, by id", body = ChannelList),
        (status = 401, description = "No valid API token", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn list_channels(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> ApiResult<axum::Json<ChannelList>> {
    let items = state
        .store()
        .channels_of(user.id)
        .await?
        .iter()
        .map(ChannelView::new)
        .collect();
    Ok(axum::Json(ChannelList { items }))
}

/// Add a channel: e-mail, a signed webhook, or a Telegram chat. Current findings of your
/// parcels that it selects notify at the scheduler's next round.
#[utoipa::path(
    post,
    path = "/channels",
    tag = "notifications",
    request_body = CreateChannel,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created; `Location` names it", body = ChannelView),
        (status = 400, description = "Body is not the expected JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid API token", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "You have as many channels as allowed", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid (or the kind is not configured on this server); `field` names it", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn create_channel(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    JsonBody(req): JsonBody<CreateChannel>,
) -> ApiResult<Response> {
    let channel = channels::create(
        &state,
        user.id,
        ChannelRequest {
            kind: req.kind,
            target: req.target,
            secret: req.secret,
            label: req.label,
            codes: req.codes,
            min_severity: req.min_severity,
            reminder_hours: req.reminder_hours,
            lang: req.lang,
        },
        Lang::En,
    )
    .await?;
    let mut response =
        (StatusCode::CREATED, axum::Json(ChannelView::new(&channel))).into_response();
    if let Ok(location) = HeaderValue::from_str(&format!("/api/v1/channels/{}", channel.id.get())) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

/// One of your channels, with its latest deliveries.
#[utoipa::path(
    get,
    path = "/channels/{id}",
    tag = "notifications",
    params(("id" = i64, Path, description = "Channel id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The channel", body = ChannelView),
        (status = 401, description = "No valid API token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "You have no such channel", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn get_channel(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<ChannelView>> {
    let channel = mine(&state, &user, &id).await?;
    let mut view = ChannelView::new(&channel);
    view.recent = Some(
        state
            .store()
            .deliveries_of(channel.id, RECENT)
            .await?
            .iter()
            .map(DeliveryView::new)
            .collect(),
    );
    Ok(axum::Json(view))
}

/// Change which findings notify on a channel, its name or language; enable it again after
/// failures (`"enabled": true`) or disable it.
#[utoipa::path(
    patch,
    path = "/channels/{id}",
    tag = "notifications",
    params(("id" = i64, Path, description = "Channel id")),
    request_body = PatchChannel,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Changed; the channel", body = ChannelView),
        (status = 400, description = "Body is not the expected JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid API token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "You have no such channel", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid; `field` names it", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn patch_channel(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
    JsonBody(req): JsonBody<PatchChannel>,
) -> ApiResult<axum::Json<ChannelView>> {
    let channel = mine(&state, &user, &id).await?;
    let changed = channels::edit(
        &state,
        &channel,
        ChannelEdit {
            label: req.label,
            codes: req.codes,
            min_severity: req.min_severity,
            reminder_hours: req.reminder_hours,
            lang: req.lang,
            enabled: req.enabled,
        },
    )
    .await?;
    Ok(axum::Json(ChannelView::new(&changed)))
}

/// Delete one of your channels with its delivery history.
#[utoipa::path(
    delete,
    path = "/channels/{id}",
    tag = "notifications",
    params(("id" = i64, Path, description = "Channel id")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "No valid API token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "You have no such channel", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn delete_channel(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let channel = mine(&state, &user, &id).await?;
    state.store().delete_channel(channel.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Send a test message to a channel now. The answer says whether it arrived; a failed test
/// does not count towards disabling the channel.
#[utoipa::path(
    post,
    path = "/channels/{id}/test",
    tag = "notifications",
    params(("id" = i64, Path, description = "Channel id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Tried; `delivered` says how it went", body = TestResult),
        (status = 401, description = "No valid API token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "You have no such channel", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn test_channel(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<TestResult>> {
    let channel = mine(&state, &user, &id).await?;
    let outcome = channels::send_test(&state, &channel).await;
    Ok(axum::Json(match outcome.result {
        Ok(sent) => TestResult {
            delivered: true,
            attempts: Some(sent.attempts),
            status: sent.status,
            error: None,
        },
        Err(error) => TestResult {
            delivered: false,
            attempts: None,
            status: None,
            error: Some(error),
        },
    }))
}
