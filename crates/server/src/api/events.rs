//! Events intake: a shipment's own events (`POST /shipments/{id}/events`) and the carrier push
//! keyed by tracking number (`POST /push/events`).
//!
//! Both validate every event as the shipment document does (field paths `events[i].time`),
//! normalise it, and ingest in one all-or-nothing, idempotent batch: sending the same events
//! twice stores them once.

use std::collections::HashMap;

use axum::extract::{Path, State};
use posylka_core::Normalizer;
use posylka_core::document::{EventDocument, ShipmentDocument};
use posylka_core::number_window;
use posylka_core::shipment::{ShipmentId, TrackingNumber};
use posylka_core::timeline::{EventRecord, SourceName};
use posylka_store::Store;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::JsonBody;
use super::input::EventInput;
use super::shipments::{MAX_EVENTS, check_lands_in, links_of, owned, parse_id, source_name};
use crate::auth::{CurrentUser, Pusher};
use crate::error::{ApiError, ApiResult, Problem};
use crate::state::AppState;

/// The routes of this area.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(add_events))
        .routes(routes!(push_events))
}

/// A batch of carrier events.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EventBatch {
    /// Who reports them (`cainiao`, `russianpost`, `my-script`); default `api`.
    #[serde(default)]
    pub source: Option<String>,
    /// The events, in any order (at most 1000).
    pub events: Vec<EventInput>,
}

/// What an intake did.
#[derive(Debug, Serialize, ToSchema)]
pub struct IngestResult {
    /// Events in the request.
    pub received: usize,
    /// Events newly stored.
    pub inserted: usize,
    /// Events already stored (or repeated in the request), skipped.
    pub duplicates: usize,
    /// Events whose number no shipment follows (push only), skipped.
    pub skipped: usize,
    /// The numbers of the skipped events, each once.
    pub skipped_numbers: Vec<String>,
}

fn check_batch_size(batch: &EventBatch) -> ApiResult<()> {
    if batch.events.len() > MAX_EVENTS {
        return Err(ApiError::invalid(
            "events",
            format!("at most {MAX_EVENTS} events per request"),
        ));
    }
    Ok(())
}

/// Validates and normalises the events of a batch, each under its own number.
/// `destination` is the order's destination country, which helps read "delivered" texts.
pub(crate) fn records(
    events: &[EventInput],
    numbers: &[TrackingNumber],
    destination: Option<String>,
    source: &SourceName,
) -> ApiResult<Vec<EventRecord>> {
    let mut order = None;
    if let Some(country) = destination {
        order = Some(posylka_core::document::OrderDocument {
            destination: Some(posylka_core::document::DestinationDocument {
                country: Some(country),
                ..Default::default()
            }),
            ..Default::default()
        });
    }
    let doc = ShipmentDocument {
        // A placeholder: each record gets its own number below.
        tracking_numbers: vec!["EVENTS0000".to_owned()],
        order,
        events: events.iter().map(EventDocument::from).collect(),
    }
    .parse()
    .map_err(|e| ApiError::invalid(e.field, e.message))?;
    let mut records = doc.records(&mut Normalizer::new(), source);
    for (record, number) in records.iter_mut().zip(numbers) {
        record.number = number.clone();
    }
    Ok(records)
}

/// Add carrier events to one of your shipments.
#[utoipa::path(
    post,
    path = "/shipments/{id}/events",
    tag = "events",
    params(("id" = i64, Path, description = "Shipment id")),
    request_body = EventBatch,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Stored (idempotent: repeats count as duplicates)", body = IngestResult),
        (status = 400, description = "Body is not the expected JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid API token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "You have no such shipment", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An event is invalid; `field` names it; nothing was stored", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn add_events(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
    JsonBody(batch): JsonBody<EventBatch>,
) -> ApiResult<axum::Json<IngestResult>> {
    let id = parse_id(&id)?;
    owned(&state, user.id, id).await?;
    check_batch_size(&batch)?;
    let source = source_name(batch.source.as_deref())?;
    let shipment = state
        .store()
        .shipment(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("you have no shipment {id}")))?;
    let main = shipment
        .numbers
        .first()
        .map(|l| l.number.clone())
        .ok_or_else(|| ApiError::internal(&"a shipment without numbers"))?;
    let mut numbers = Vec::with_capacity(batch.events.len());
    for (i, event) in batch.events.iter().enumerate() {
        let number = match &event.number {
            None => main.clone(),
            Some(raw) => {
                let field = format!("events[{i}].number");
                let n = TrackingNumber::parse(raw).map_err(|e| ApiError::invalid(&field, e))?;
                if !shipment.numbers.iter().any(|l| l.number == n) {
                    return Err(ApiError::invalid(
                        field,
                        format!("{n} is not one of this shipment's numbers; link it first"),
                    ));
                }
                n
            }
        };
        numbers.push(number);
    }
    let destination = shipment
        .order
        .as_ref()
        .and_then(|o| o.destination.country)
        .map(|c| c.to_string());
    let records = records(&batch.events, &numbers, destination, &source)?;
    check_lands_in(&state, id, &records).await?;
    let report = state.store().ingest(&records).await?;
    state
        .metrics()
        .ingested(report.inserted, report.duplicates, 0);
    Ok(axum::Json(IngestResult {
        received: report.received,
        inserted: report.inserted,
        duplicates: report.duplicates,
        skipped: 0,
        skipped_numbers: Vec::new(),
    }))
}

/// Push carrier events keyed by tracking number. With a user's API token, only events for
/// that user's parcels are stored; with the server's `push_token`, events for any followed
/// number. Events for numbers nobody (or not you) follows are skipped and listed.
#[utoipa::path(
    post,
    path = "/push/events",
    tag = "events",
    request_body = EventBatch,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Stored and skipped counts", body = IngestResult),
        (status = 400, description = "Body is not the expected JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An event is invalid; `field` names it; nothing was stored", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn push_events(
    State(state): State<AppState>,
    pusher: Pusher,
    JsonBody(batch): JsonBody<EventBatch>,
) -> ApiResult<axum::Json<IngestResult>> {
    check_batch_size(&batch)?;
    let source = source_name(batch.source.as_deref())?;
    let mut numbers = Vec::with_capacity(batch.events.len());
    for (i, event) in batch.events.iter().enumerate() {
        let field = format!("events[{i}].number");
        let raw = event
            .number
            .as_deref()
            .ok_or_else(|| ApiError::invalid(&field, "a pushed event needs its number"))?;
        numbers.push(TrackingNumber::parse(raw).map_err(|e| ApiError::invalid(&field, e))?);
    }
    let records = records(&batch.events, &numbers, None, &source)?;

    // Where each event lands; events that land nowhere (or in another user's parcel) are
    // skipped.
    let mut links = HashMap::new();
    let mut allowed: HashMap<ShipmentId, bool> = HashMap::new();
    let mut keep = Vec::with_capacity(records.len());
    let mut skipped_numbers: Vec<String> = Vec::new();
    for record in records {
        if !links.contains_key(&record.number) {
            let found = links_of(&state, &record.number).await?;
            links.insert(record.number.clone(), found);
        }
        let target = links
            .get(&record.number)
            .and_then(|l| number_window::resolve(l, record.at.instant()));
        let ok = match (target, &pusher) {
            (None, _) => false,
            (Some(_), Pusher::Integration) => true,
            (Some(id), Pusher::User(user)) => match allowed.get(&id) {
                Some(ok) => *ok,
                None => {
                    let access = state.store().shipment_access(id).await?;
                    let ok = access.is_some_and(|a| a.owner == Some(user.id));
                    allowed.insert(id, ok);
                    ok
                }
            },
        };
        if ok {
            keep.push(record);
        } else if !skipped_numbers.iter().any(|n| n == record.number.as_str()) {
            skipped_numbers.push(record.number.to_string());
        }
    }
    let received = batch.events.len();
    let skipped = received - keep.len();
    let report = state.store().ingest(&keep).await?;
    state
        .metrics()
        .ingested(report.inserted, report.duplicates, skipped);
    Ok(axum::Json(IngestResult {
        received,
        inserted: report.inserted,
        duplicates: report.duplicates,
        skipped,
        skipped_numbers,
    }))
}
