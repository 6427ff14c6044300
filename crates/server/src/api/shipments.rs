//! Shipments: create (from a number or a shipment document), list with filters, get one with
//! timeline, findings and ETA, update order data, link a number, archive, delete.
//!
//! Every route acts only on the caller's shipments: another user's shipment answers 404, the
//! same as a missing one, so ids reveal nothing.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use posylka_core::Normalizer;
use posylka_core::account::{ArchiveFilter, ShipmentAccess, ShipmentFilter, UserId};
use posylka_core::document::{
    Amount, DestinationDocument, EventDocument, OrderDocument, PriceDocument, ShipmentDocument,
};
use posylka_core::milestone::Milestone;
use posylka_core::number_window::{self, LinkedShipment};
use posylka_core::order::Order;
use posylka_core::shipment::{Leg, NewShipment, ShipmentId, TrackingNumber};
use posylka_core::timeline::{EventRecord, SourceName};
use posylka_store::Store;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{JsonBody, QueryParams};
use super::input::{DestinationInput, EventInput, OrderInput, PriceInput, patch_field};
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult, Problem};
use crate::state::AppState;
use crate::views::{ShipmentDetail, ShipmentView};

/// The routes of this area.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_shipments, create_shipment))
        .routes(routes!(get_shipment, patch_shipment, delete_shipment))
        .routes(routes!(link_number))
        .routes(routes!(archive, unarchive))
}

/// Parses the `{id}` path segment.
pub(crate) fn parse_id(raw: &str) -> ApiResult<ShipmentId> {
    raw.parse()
        .map_err(|_| ApiError::invalid("id", "expected a positive shipment id such as 12"))
}

/// The caller's shipment's access row, or 404 (also when it is someone else's).
pub(crate) async fn owned(
    state: &AppState,
    user: UserId,
    id: ShipmentId,
) -> ApiResult<ShipmentAccess> {
    match state.store().shipment_access(id).await? {
        Some(access) if access.owner == Some(user) => Ok(access),
        _ => Err(ApiError::not_found(format!("you have no shipment {id}"))),
    }
}

/// The shipment's full view at `now`.
pub(crate) async fn detail(
    state: &AppState,
    id: ShipmentId,
    access: ShipmentAccess,
) -> ApiResult<ShipmentDetail> {
    let st = state
        .store()
        .shipment_timeline(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("you have no shipment {id}")))?;
    let assessment = state.assessor().assess(&st, Timestamp::now());
    for finding in &assessment.findings {
        state.metrics().finding(&finding.code);
    }
    Ok(ShipmentDetail::new(&st, access.archived_at, assessment))
}

/// Rejects a number that is a marketplace order number, not a tracking number.
fn not_an_order_number(field: &str, number: &TrackingNumber) -> ApiResult<()> {
    if tracknum::identify(number.as_str()).kind() == tracknum::NumberKind::OrderNumber {
        return Err(ApiError::invalid(
            field,
            format!(
                "{number} is a marketplace order number, not a tracking number; the tracking \
                 number is on the order's page"
            ),
        ));
    }
    Ok(())
}

/// Checks that every record, by its number's links and its time, lands in shipment `id`: a
/// number reused after 12 months belongs to another parcel for other dates, maybe another
/// user's, and a user's write must never reach it.
pub(crate) async fn check_lands_in(
    state: &AppState,
    id: ShipmentId,
    records: &[EventRecord],
) -> ApiResult<()> {
    let mut numbers: Vec<&TrackingNumber> = records.iter().map(|r| &r.number).collect();
    numbers.sort();
    numbers.dedup();
    for number in numbers {
        let links = links_of(state, number).await?;
        for (i, r) in records.iter().enumerate() {
            if &r.number == number && number_window::resolve(&links, r.at.instant()) != Some(id) {
                return Err(ApiError::invalid(
                    format!("events[{i}].time"),
                    format!(
                        "at this time number {number} belongs to another parcel (numbers are \
                         reused after 12 months); the event was not stored"
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// Every link of a number, across shipments.
pub(crate) async fn links_of(
    state: &AppState,
    number: &TrackingNumber,
) -> ApiResult<Vec<LinkedShipment>> {
    Ok(state
        .store()
        .find_by_number(number)
        .await?
        .iter()
        .flat_map(|s| {
            s.numbers
                .iter()
                .filter(|l| &l.number == number)
                .map(|l| LinkedShipment {
                    shipment: s.id,
                    linked_at: l.linked_at,
                })
        })
        .collect())
}

/// The most shipments one list request returns.
const MAX_LIMIT: usize = 500;
/// How many shipments a finding filter examines per request before it returns a cursor.
const FINDING_SCAN: usize = 2000;

/// `list_shipments`' query.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only shipments at this milestone (one of the 18 keys, e.g. `customs_hold`).
    milestone: Option<String>,
    /// Only shipments with a finding of this code (e.g. `protection_ending`).
    finding: Option<String>,
    /// Only shipments whose order is from this marketplace (case-insensitive).
    marketplace: Option<String>,
    /// `false` (default): active ones; `true`: archived ones; `all`: both.
    archived: Option<String>,
    /// Continue after this id (the previous page's `next_after`).
    after: Option<String>,
    /// Page size, 1 to 500 (default 100).
    limit: Option<String>,
}

/// A page of shipments.
#[derive(Debug, Serialize, ToSchema)]
pub struct ShipmentPage {
    /// The shipments, by id.
    pub items: Vec<ShipmentView>,
    /// Pass as `after` for the next page; `null` when there is no more.
    pub next_after: Option<i64>,
}

fn parse_filter(q: &ListQuery) -> ApiResult<ShipmentFilter> {
    let milestone = q
        .milestone
        .as_deref()
        .filter(|m| !m.is_empty())
        .map(|m| m.parse::<Milestone>())
        .transpose()
        .map_err(|e| ApiError::invalid("milestone", e))?;
    let archive = match q.archived.as_deref() {
        None | Some("" | "false") => ArchiveFilter::Active,
        Some("true") => ArchiveFilter::Archived,
        Some("all") => ArchiveFilter::All,
        Some(_) => return Err(ApiError::invalid("archived", "expected false, true or all")),
    };
    let after = q
        .after
        .as_deref()
        .filter(|a| !a.is_empty())
        .map(parse_id)
        .transpose()
        .map_err(|_| ApiError::invalid("after", "expected a shipment id from next_after"))?;
    let limit = match q.limit.as_deref().filter(|l| !l.is_empty()) {
        None => 100,
        Some(l) => l
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_LIMIT).contains(n))
            .ok_or_else(|| ApiError::invalid("limit", format!("expected 1 to {MAX_LIMIT}")))?,
    };
    let marketplace = q
        .marketplace
        .as_deref()
        .map(str::trim)
        .filter(|m| !m.is_empty())
        .map(str::to_owned);
    if marketplace
        .as_ref()
        .is_some_and(|m| m.chars().count() > Order::MAX_MARKETPLACE)
    {
        return Err(ApiError::invalid(
            "marketplace",
            "longer than 64 characters",
        ));
    }
    Ok(ShipmentFilter {
        milestone,
        marketplace,
        archive,
        after,
        limit,
    })
}

/// List your shipments, by id, with optional filters.
#[utoipa::path(
    get,
    path = "/shipments",
    tag = "shipments",
    params(ListQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of shipments", body = ShipmentPage),
        (status = 401, description = "No valid API token", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A filter is invalid; `field` names it", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn list_shipments(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    QueryParams(q): QueryParams<ListQuery>,
) -> ApiResult<axum::Json<ShipmentPage>> {
    let filter = parse_filter(&q)?;
    let finding = q
        .finding
        .as_deref()
        .map(str::trim)
        .filter(|f| !f.is_empty());
    if let Some(code) = finding
        && (code.len() > 64 || !code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'))
    {
        return Err(ApiError::invalid(
            "finding",
            "expected a finding code such as protection_ending",
        ));
    }
    let Some(code) = finding else {
        let page = state.store().owned_shipments(user.id, &filter).await?;
        let next_after = (page.len() == filter.limit)
            .then(|| page.last().map(|s| s.shipment.id.get()))
            .flatten();
        return Ok(axum::Json(ShipmentPage {
            items: page.iter().map(ShipmentView::from).collect(),
            next_after,
        }));
    };
    // Findings are computed, not stored: examine shipments page by page until the page is
    // full or the examination budget is spent, then hand back a cursor.
    let now = Timestamp::now();
    let mut items = Vec::new();
    let mut scanned = 0;
    let mut cursor = filter.after;
    loop {
        let batch = state
            .store()
            .owned_shipments(
                user.id,
                &ShipmentFilter {
                    after: cursor,
                    limit: 200,
                    ..filter.clone()
                },
            )
            .await?;
        let exhausted = batch.len() < 200;
        for owned in &batch {
            scanned += 1;
            cursor = Some(owned.shipment.id);
            let Some(st) = state.store().shipment_timeline(owned.shipment.id).await? else {
                continue;
            };
            let assessment = state.assessor().assess(&st, now);
            if assessment.findings.iter().any(|f| f.code == code) {
                items.push(ShipmentView::new(&st.shipment, owned.archived_at));
                if items.len() == filter.limit {
                    return Ok(axum::Json(ShipmentPage {
                        items,
                        next_after: cursor.map(ShipmentId::get),
                    }));
                }
            }
            if scanned >= FINDING_SCAN {
                return Ok(axum::Json(ShipmentPage {
                    items,
                    next_after: cursor.map(ShipmentId::get),
                }));
            }
        }
        if exhausted {
            return Ok(axum::Json(ShipmentPage {
                items,
                next_after: None,
            }));
        }
    }
}

/// Create a shipment from one number, or from a shipment document (numbers, order, events).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateShipment {
    /// One tracking number (or give `tracking_numbers`).
    #[serde(default)]
    pub number: Option<String>,
    /// The parcel's numbers, the first being the main one (the shipment document's form).
    #[serde(default)]
    pub tracking_numbers: Option<Vec<String>>,
    /// The marketplace order, if known.
    #[serde(default)]
    pub order: Option<OrderInput>,
    /// Carrier events already known, in any order.
    #[serde(default)]
    pub events: Vec<EventInput>,
    /// Source name recorded on the events (default `api`).
    #[serde(default)]
    pub source: Option<String>,
}

/// The source name recorded when a request names none.
pub(crate) const DEFAULT_SOURCE: &str = "api";

/// Most events accepted in one request.
pub(crate) const MAX_EVENTS: usize = 1000;

pub(crate) fn source_name(raw: Option<&str>) -> ApiResult<SourceName> {
    SourceName::new(raw.unwrap_or(DEFAULT_SOURCE)).map_err(|e| ApiError::invalid("source", e))
}

/// Create a shipment for yourself.
#[utoipa::path(
    post,
    path = "/shipments",
    tag = "shipments",
    request_body = CreateShipment,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created; `Location` names it", body = ShipmentDetail),
        (status = 400, description = "Body is not the expected JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid API token", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A number is already followed in another shipment", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid; `field` names it", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn create_shipment(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    JsonBody(req): JsonBody<CreateShipment>,
) -> ApiResult<Response> {
    let from_number = req.number.is_some();
    let tracking_numbers = match (req.number, req.tracking_numbers) {
        (Some(n), None) => vec![n],
        (None, Some(list)) => list,
        (Some(_), Some(_)) => {
            return Err(ApiError::invalid(
                "number",
                "give either number or tracking_numbers, not both",
            ));
        }
        (None, None) => {
            return Err(ApiError::invalid(
                "number",
                "give the tracking number (number) or numbers (tracking_numbers)",
            ));
        }
    };
    if req.events.len() > MAX_EVENTS {
        return Err(ApiError::invalid(
            "events",
            format!("at most {MAX_EVENTS} events per request"),
        ));
    }
    if let Some(i) = req.events.iter().position(|e| e.number.is_some()) {
        return Err(ApiError::invalid(
            format!("events[{i}].number"),
            "a new shipment's events are under its first number; add them later with \
             POST /shipments/{id}/events to name another",
        ));
    }
    let source = source_name(req.source.as_deref())?;
    let doc = ShipmentDocument {
        tracking_numbers,
        order: req.order.map(Into::into),
        events: req.events.iter().map(EventDocument::from).collect(),
    };
    let doc = doc.parse().map_err(|e| {
        let field = if from_number && e.field.starts_with("tracking_numbers") {
            "number".to_owned()
        } else {
            e.field
        };
        ApiError::invalid(field, e.message)
    })?;
    for (i, number) in doc.numbers.iter().enumerate() {
        let field = if from_number {
            "number".to_owned()
        } else {
            format!("tracking_numbers[{i}]")
        };
        not_an_order_number(&field, number)?;
    }
    let legs = doc.numbers.iter().enumerate().map(|(i, n)| {
        let leg = match (doc.numbers.len(), i) {
            (1, _) => Leg::Through,
            (_, 0) => Leg::FirstMile,
            _ => Leg::LastMile,
        };
        (n.clone(), leg)
    });
    let mut new = NewShipment::new(legs.collect(), Timestamp::now())
        .map_err(|e| ApiError::invalid("tracking_numbers", e))?
        .with_owner(user.id);
    if let Some(order) = doc.order.clone() {
        new = new.with_order(order);
    }
    let id = state.store().create_shipment(&new).await?;
    if !doc.events.is_empty() {
        let records = doc.records(&mut Normalizer::new(), &source);
        let stored = async {
            check_lands_in(&state, id, &records).await?;
            let report = state.store().ingest(&records).await?;
            state
                .metrics()
                .ingested(report.inserted, report.duplicates, 0);
            Ok::<(), ApiError>(())
        }
        .await;
        if let Err(e) = stored {
            // All or nothing: the shipment goes with its events.
            if let Err(cleanup) = state.store().delete_shipment(id).await {
                tracing::error!(error = %cleanup, "removing a half-created shipment");
            }
            return Err(e);
        }
    }
    let access = ShipmentAccess {
        owner: Some(user.id),
        archived_at: None,
    };
    let body = detail(&state, id, access).await?;
    let mut response = (StatusCode::CREATED, axum::Json(body)).into_response();
    if let Ok(location) = HeaderValue::from_str(&format!("/api/v1/shipments/{}", id.get())) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

/// Get one of your shipments with its timeline, findings and ETA.
#[utoipa::path(
    get,
    path = "/shipments/{id}",
    tag = "shipments",
    params(("id" = i64, Path, description = "Shipment id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The shipment", body = ShipmentDetail),
        (status = 401, description = "No valid API token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "You have no such shipment", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn get_shipment(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<ShipmentDetail>> {
    let id = parse_id(&id)?;
    let access = owned(&state, user.id, id).await?;
    Ok(axum::Json(detail(&state, id, access).await?))
}

/// Changes to a shipment (JSON merge patch: an absent field is kept, `null` clears it).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShipmentPatch {
    /// Changes to the order; `null` removes the order. A shipment without one gets one.
    #[serde(default, deserialize_with = "patch_field")]
    #[schema(value_type = Option<OrderPatch>)]
    pub order: Option<Option<OrderPatch>>,
}

/// Changes to an order: an absent field is kept, `null` clears it.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderPatch {
    /// The marketplace's order number.
    #[serde(default)]
    pub number: Option<String>,
    /// The marketplace.
    #[serde(default)]
    pub marketplace: Option<String>,
    /// When the order was placed.
    #[serde(default, deserialize_with = "patch_field")]
    #[schema(value_type = Option<String>)]
    pub placed_at: Option<Option<String>>,
    /// When the seller marked it shipped.
    #[serde(default, deserialize_with = "patch_field")]
    #[schema(value_type = Option<String>)]
    pub shipped_at: Option<Option<String>>,
    /// What the buyer paid.
    #[serde(default, deserialize_with = "patch_field")]
    #[schema(value_type = Option<PriceInput>)]
    pub price: Option<Option<PriceInput>>,
    /// Buyer-protection period in days.
    #[serde(default, deserialize_with = "patch_field")]
    #[schema(value_type = Option<u16>)]
    pub protection_days: Option<Option<u16>>,
    /// Days added by the seller (replaces earlier extensions).
    #[serde(default, deserialize_with = "patch_field")]
    #[schema(value_type = Option<u16>)]
    pub protection_extended_days: Option<Option<u16>>,
    /// Where the parcel goes (replaced whole).
    #[serde(default, deserialize_with = "patch_field")]
    #[schema(value_type = Option<DestinationInput>)]
    pub destination: Option<Option<DestinationInput>>,
    /// When you wrote to the seller.
    #[serde(default, deserialize_with = "patch_field")]
    #[schema(value_type = Option<String>)]
    pub seller_contacted_at: Option<Option<String>>,
    /// When the seller answered.
    #[serde(default, deserialize_with = "patch_field")]
    #[schema(value_type = Option<String>)]
    pub seller_replied_at: Option<Option<String>>,
    /// When you opened a dispute.
    #[serde(default, deserialize_with = "patch_field")]
    #[schema(value_type = Option<String>)]
    pub dispute_opened_at: Option<Option<String>>,
}

/// The document form of a stored order, so a patch is validated as a whole document is.
fn order_document(o: &Order) -> OrderDocument {
    let time = |t: &Option<posylka_core::event_time::EventTime>| t.as_ref().map(|t| t.to_string());
    let extended: u32 = o
        .protection_extensions
        .iter()
        .map(|e| u32::from(e.days))
        .sum();
    OrderDocument {
        number: Some(o.order_number().to_owned()),
        marketplace: Some(o.marketplace().to_owned()),
        placed_at: time(&o.placed_at),
        shipped_at: time(&o.shipped_at),
        price: o.price.map(|p| PriceDocument {
            amount: Amount::Text(format!("{}.{:02}", p.cents() / 100, p.cents() % 100)),
            currency: p.currency().to_string(),
        }),
        protection_days: o.protection_days,
        protection_extended_days: u16::try_from(extended).ok(),
        destination: Some(DestinationDocument {
            country: o.destination.country.map(|c| c.to_string()),
            city: o.destination.city.clone(),
            postcode: o.destination.postcode.clone(),
        }),
        seller_contacted_at: time(&o.seller_contacted_at),
        seller_replied_at: time(&o.seller_replied_at),
        dispute_opened_at: time(&o.dispute_opened_at),
    }
}

fn apply<T>(slot: &mut Option<T>, change: Option<Option<T>>) {
    if let Some(value) = change {
        *slot = value;
    }
}

/// The order after `patch`, validated as a shipment document's order would be.
fn patched_order(current: Option<&Order>, patch: OrderPatch) -> ApiResult<Order> {
    let mut doc = current.map(order_document).unwrap_or_default();
    if let Some(number) = patch.number {
        doc.number = Some(number);
    }
    if let Some(marketplace) = patch.marketplace {
        doc.marketplace = Some(marketplace);
    }
    let extensions_changed = patch.protection_extended_days.is_some();
    apply(&mut doc.placed_at, patch.placed_at);
    apply(&mut doc.shipped_at, patch.shipped_at);
    apply(&mut doc.price, patch.price.map(|p| p.map(Into::into)));
    apply(&mut doc.protection_days, patch.protection_days);
    apply(
        &mut doc.protection_extended_days,
        patch.protection_extended_days,
    );
    apply(
        &mut doc.destination,
        patch.destination.map(|d| d.map(Into::into)),
    );
    apply(&mut doc.seller_contacted_at, patch.seller_contacted_at);
    apply(&mut doc.seller_replied_at, patch.seller_replied_at);
    apply(&mut doc.dispute_opened_at, patch.dispute_opened_at);
    let parsed = ShipmentDocument {
        // A placeholder: only the order is read.
        tracking_numbers: vec!["PATCH0000".to_owned()],
        order: Some(doc),
        events: Vec::new(),
    }
    .parse()
    .map_err(|e| ApiError::invalid(e.field, e.message))?;
    let mut order = parsed
        .order
        .ok_or_else(|| ApiError::internal(&"a patched order vanished"))?;
    if !extensions_changed {
        // Keep each extension with its date, not their sum.
        if let Some(current) = current {
            order
                .protection_extensions
                .clone_from(&current.protection_extensions);
        }
    }
    Ok(order)
}

/// Update a shipment's order data (e.g. `seller_contacted_at` when you wrote to the seller).
#[utoipa::path(
    patch,
    path = "/shipments/{id}",
    tag = "shipments",
    params(("id" = i64, Path, description = "Shipment id")),
    request_body = ShipmentPatch,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The updated shipment", body = ShipmentDetail),
        (status = 401, description = "No valid API token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "You have no such shipment", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid; `field` names it", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn patch_shipment(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
    JsonBody(patch): JsonBody<ShipmentPatch>,
) -> ApiResult<axum::Json<ShipmentDetail>> {
    let id = parse_id(&id)?;
    let access = owned(&state, user.id, id).await?;
    if let Some(change) = patch.order {
        let order = match change {
            None => None,
            Some(order_patch) => {
                let shipment = state
                    .store()
                    .shipment(id)
                    .await?
                    .ok_or_else(|| ApiError::not_found(format!("you have no shipment {id}")))?;
                Some(patched_order(shipment.order.as_ref(), order_patch)?)
            }
        };
        state.store().set_order(id, order.as_ref()).await?;
    }
    Ok(axum::Json(detail(&state, id, access).await?))
}

/// Delete one of your shipments with its numbers, order and events.
#[utoipa::path(
    delete,
    path = "/shipments/{id}",
    tag = "shipments",
    params(("id" = i64, Path, description = "Shipment id")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "No valid API token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "You have no such shipment", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn delete_shipment(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let id = parse_id(&id)?;
    owned(&state, user.id, id).await?;
    state.store().delete_shipment(id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A number to attach.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkNumber {
    /// The tracking number.
    pub number: String,
    /// `through`, `first_mile` or `last_mile` (default: `last_mile`, the number a parcel
    /// gets at hand-over).
    #[serde(default)]
    pub leg: Option<String>,
}

/// Attach another tracking number to one of your shipments.
#[utoipa::path(
    post,
    path = "/shipments/{id}/numbers",
    tag = "shipments",
    params(("id" = i64, Path, description = "Shipment id")),
    request_body = LinkNumber,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Linked; the shipment", body = ShipmentDetail),
        (status = 401, description = "No valid API token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "You have no such shipment", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already linked, or followed in another shipment", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid; `field` names it", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn link_number(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
    JsonBody(req): JsonBody<LinkNumber>,
) -> ApiResult<(StatusCode, axum::Json<ShipmentDetail>)> {
    let id = parse_id(&id)?;
    let access = owned(&state, user.id, id).await?;
    let number = TrackingNumber::parse(&req.number).map_err(|e| ApiError::invalid("number", e))?;
    not_an_order_number("number", &number)?;
    let leg = req
        .leg
        .as_deref()
        .map_or(Ok(Leg::LastMile), str::parse)
        .map_err(|e| ApiError::invalid("leg", e))?;
    state
        .store()
        .link_number(id, &number, leg, Timestamp::now())
        .await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(detail(&state, id, access).await?),
    ))
}

/// Archive one of your shipments: it leaves the default list.
#[utoipa::path(
    post,
    path = "/shipments/{id}/archive",
    tag = "shipments",
    params(("id" = i64, Path, description = "Shipment id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Archived; the shipment", body = ShipmentDetail),
        (status = 401, description = "No valid API token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "You have no such shipment", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn archive(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<ShipmentDetail>> {
    set_archived(state, user.id, &id, true).await
}

/// Bring an archived shipment back to the list.
#[utoipa::path(
    delete,
    path = "/shipments/{id}/archive",
    tag = "shipments",
    params(("id" = i64, Path, description = "Shipment id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Active again; the shipment", body = ShipmentDetail),
        (status = 401, description = "No valid API token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "You have no such shipment", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn unarchive(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<ShipmentDetail>> {
    set_archived(state, user.id, &id, false).await
}

async fn set_archived(
    state: AppState,
    user: UserId,
    id: &str,
    archived: bool,
) -> ApiResult<axum::Json<ShipmentDetail>> {
    let id = parse_id(id)?;
    let mut access = owned(&state, user, id).await?;
    if archived != access.archived_at.is_some() {
        access.archived_at = archived.then(Timestamp::now);
        state.store().set_archived(id, access.archived_at).await?;
    }
    Ok(axum::Json(detail(&state, id, access).await?))
}
