//! The operator's desk: `/desk` (web, session login) and `/api/v1/customs/*` (API token).
//! Only operators (`posylka user operator NAME`) get in; others get 404 on the page and 403
//! from the API. An operator sees the desk's parcels, never buyers' private parcels.
//!
//! - import a manifest (CSV or JSON; the page takes a file or pasted text): all or nothing,
//!   errors by line and field;
//! - list parcels with their request status and deadline; mark one arrived at customs (the
//!   flow starts) or cleared (the retention clock starts);
//! - export a batch's register (CSV, XML) with the decrypted identity data: the operator
//!   states why, and every parcel's read is written to the audit log *before* decrypting;
//! - the destruction records and the audit log.

use std::sync::Arc;

use askama::Template;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use jiff::Timestamp;
use posylka_core::account::User;
use posylka_core::store::customs::{
    AuditEntry, BatchId, CustomsParcel, CustomsParcelId, CustomsStore as _, NewBatch,
    NewCustomsParcel,
};
use posylka_customs::manifest::{ManifestFormat, ManifestOptions, parse};
use posylka_customs::register::{Batch, DutySettings, RegisterEntry, to_csv, to_xml};
use posylka_customs::{Ended, ManifestErrors, RecipientIdentity};
use serde::{Deserialize, Serialize};
use serde_json::json;
use zeroize::Zeroizing;

use super::{Contact, Desk, DeskError, Goods, GoodsItem};
use crate::auth::user_for_token;
use crate::state::AppState;
use crate::web::session::Member;
use crate::web::{Chrome, WebError, WebResult, html_status};

fn problem(status: StatusCode, detail: impl Into<String>, extra: serde_json::Value) -> Response {
    let mut body = json!({
        "type": "about:blank",
        "title": status.canonical_reason().unwrap_or("error"),
        "status": status.as_u16(),
        "detail": detail.into(),
    });
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    let mut r = (status, Json(body)).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    r
}

fn desk_error(e: DeskError) -> Response {
    tracing::error!(error = %e, "customs desk failed");
    problem(
        StatusCode::INTERNAL_SERVER_ERROR,
        "the desk failed; it has been logged",
        json!({}),
    )
}

/// The operator behind an API request.
async fn api_operator(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<(User, Arc<Desk>), Response> {
    let Some(desk) = state.customs().cloned() else {
        return Err(problem(
            StatusCode::NOT_FOUND,
            "the customs desk is not enabled (configure a vault key)",
            json!({}),
        ));
    };
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .ok_or_else(|| {
            problem(
                StatusCode::UNAUTHORIZED,
                "send an API token: Authorization: Bearer <token>",
                json!({}),
            )
        })?;
    let user = user_for_token(state, token)
        .await
        .map_err(IntoResponse::into_response)?
        .ok_or_else(|| {
            problem(
                StatusCode::UNAUTHORIZED,
                "the API token is not valid",
                json!({}),
            )
        })?;
    let operator = state
        .store()
        .is_operator(user.id)
        .await
        .map_err(|e| desk_error(e.into()))?;
    if !operator {
        return Err(problem(
            StatusCode::FORBIDDEN,
            "only customs operators may use the desk (posylka user operator NAME)",
            json!({}),
        ));
    }
    Ok((user, desk))
}

/// The operator behind a page.
async fn web_operator(state: &AppState, member: &Member) -> WebResult<Arc<Desk>> {
    let lang = member.visit.lang;
    let desk = super::recipient::desk(state, lang)?;
    if !state.store().is_operator(member.me.user.id).await? {
        return Err(WebError::Status(StatusCode::NOT_FOUND, lang));
    }
    Ok(desk)
}

/// What an import did.
#[derive(Debug, Serialize)]
pub struct Imported {
    /// The new batch.
    pub batch: i64,
    /// Its parcels.
    pub parcels: usize,
}

fn manifest_errors(e: &ManifestErrors) -> Response {
    let errors: Vec<_> = e
        .errors
        .iter()
        .map(|e| json!({"line": e.line, "field": e.field, "message": e.message}))
        .collect();
    problem(
        StatusCode::UNPROCESSABLE_ENTITY,
        e.to_string(),
        json!({ "errors": errors, "more": e.more }),
    )
}

/// Parses and stores a manifest: all or nothing.
async fn import(
    state: &AppState,
    desk: &Desk,
    user: &User,
    name: &str,
    bytes: &[u8],
) -> Result<Result<Imported, ManifestErrors>, DeskError> {
    let manifest = match parse(
        bytes,
        ManifestFormat::sniff(bytes),
        &ManifestOptions::default(),
    ) {
        Ok(m) => m,
        Err(e) => return Ok(Err(e)),
    };
    let mut parcels = Vec::with_capacity(manifest.parcels.len());
    for p in &manifest.parcels {
        let record_key = super::record_key()?;
        let contact = Contact {
            name: p.recipient_name.as_str().to_owned(),
            phone: p.phone.as_str().to_owned(),
            email: p.email.as_str().to_owned(),
        };
        let plain = Zeroizing::new(serde_json::to_vec(&contact).unwrap_or_default());
        let goods = Goods {
            declared_value: p.declared_value.to_string(),
            weight_grams: p.weight_grams,
            items: p
                .items
                .iter()
                .map(|i| GoodsItem {
                    description: i.description.clone(),
                    quantity: i.quantity,
                    value: i.value.map(|v| v.to_string()),
                })
                .collect(),
        };
        parcels.push(NewCustomsParcel {
            contact: desk.seal(super::CONTACT, &record_key, &plain)?,
            record_key,
            tracking_number: p.tracking_number.clone(),
            goods: serde_json::to_string(&goods).unwrap_or_default(),
        });
    }
    let count = parcels.len();
    let batch = state
        .store()
        .import_batch(&NewBatch {
            name: name.chars().take(200).collect(),
            created_by: user.id,
            created_at: desk.now(),
            parcels,
        })
        .await?;
    tracing::info!(batch = %batch, parcels = count, "customs manifest imported");
    Ok(Ok(Imported {
        batch: batch.0,
        parcels: count,
    }))
}

#[derive(Debug, Deserialize)]
pub(crate) struct NameQuery {
    name: Option<String>,
}

/// `POST /api/v1/customs/manifests?name=...`: the body is the CSV or JSON file. 201 with the
/// batch; 422 with `errors: [{line, field, message}]` and nothing stored.
pub(crate) async fn import_api(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<NameQuery>,
    body: Bytes,
) -> Response {
    let (user, desk) = match api_operator(&state, &headers).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let name = q.name.unwrap_or_else(|| "manifest".into());
    match import(&state, &desk, &user, &name, &body).await {
        Ok(Ok(done)) => (StatusCode::CREATED, Json(done)).into_response(),
        Ok(Err(e)) => manifest_errors(&e),
        Err(e) => desk_error(e),
    }
}

/// A parcel as the desk lists it (no personal data).
#[derive(Debug, Serialize)]
pub struct ParcelView {
    /// Its id.
    pub id: i64,
    /// Tracking number.
    pub tracking_number: String,
    /// The request's state.
    pub state: String,
    /// When it reached customs.
    pub arrived_at: Option<Timestamp>,
    /// When it goes back without data.
    pub deadline: Option<Timestamp>,
    /// Whether identity data are stored.
    pub has_identity: bool,
    /// Whether a delivery was chosen.
    pub delivery: Option<String>,
    /// When the data will be destroyed.
    pub destroy_at: Option<Timestamp>,
    /// When they were.
    pub destroyed_at: Option<Timestamp>,
}

fn view(desk: &Desk, p: &CustomsParcel) -> ParcelView {
    let deadline = Desk::flow(p)
        .ok()
        .flatten()
        .map(|f| f.deadline(&desk.config().flow));
    ParcelView {
        id: p.id.0,
        tracking_number: p.tracking_number.as_str().to_owned(),
        state: p.state.clone(),
        arrived_at: p.arrived_at,
        deadline,
        has_identity: p.identity.is_some(),
        delivery: p
            .delivery
            .as_deref()
            .and_then(|d| serde_json::from_str::<super::Delivery>(d).ok())
            .map(|d| format!("{}: {}", d.kind, d.choice)),
        destroy_at: p.destroy_at,
        destroyed_at: p.destroyed_at,
    }
}

/// `GET /api/v1/customs/batches`.
pub(crate) async fn batches_api(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Err(r) = api_operator(&state, &headers).await {
        return r;
    }
    match state.store().batches().await {
        Ok(b) => Json(
            b.iter()
                .map(|b| json!({"id": b.id.0, "name": b.name, "created_at": b.created_at, "parcels": b.parcels}))
                .collect::<Vec<_>>(),
        )
        .into_response(),
        Err(e) => desk_error(e.into()),
    }
}

/// `GET /api/v1/customs/batches/{id}/parcels`.
pub(crate) async fn parcels_api(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Response {
    let (_, desk) = match api_operator(&state, &headers).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    match state.store().customs_parcels(BatchId(id)).await {
        Ok(list) => Json(list.iter().map(|p| view(&desk, p)).collect::<Vec<_>>()).into_response(),
        Err(e) => desk_error(e.into()),
    }
}

async fn mark_arrived(state: &AppState, desk: &Desk, id: i64) -> Result<Option<bool>, DeskError> {
    let now = desk.now();
    let done = desk
        .update(state, CustomsParcelId(id), |p| {
            if p.arrived_at.is_some() || p.destroyed_at.is_some() {
                return Ok(false);
            }
            desk.arrive(p, now)?;
            Ok(true)
        })
        .await?;
    if done == Some(true) {
        tracing::info!(parcel = id, "customs parcel arrived");
        desk.wake();
    }
    Ok(done)
}

async fn mark_cleared(state: &AppState, desk: &Desk, id: i64) -> Result<Option<bool>, DeskError> {
    let now = desk.now();
    let done = desk
        .update(state, CustomsParcelId(id), |p| {
            if p.ended_kind.is_some() || p.destroyed_at.is_some() {
                return Ok(false);
            }
            desk.end(p, Ended::Cleared(now));
            p.lease_until = None;
            Ok(true)
        })
        .await?;
    if done == Some(true) {
        desk.wake();
    }
    Ok(done)
}

fn changed(r: Result<Option<bool>, DeskError>) -> Response {
    match r {
        Ok(Some(true)) => StatusCode::NO_CONTENT.into_response(),
        Ok(Some(false)) => problem(
            StatusCode::CONFLICT,
            "the parcel is not in a state for this",
            json!({}),
        ),
        Ok(None) => problem(StatusCode::NOT_FOUND, "no such parcel", json!({})),
        Err(e) => desk_error(e),
    }
}

/// `POST /api/v1/customs/parcels/{id}/arrived`: the parcel reached customs; the flow starts.
pub(crate) async fn arrived_api(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Response {
    match api_operator(&state, &headers).await {
        Ok((_, desk)) => changed(mark_arrived(&state, &desk, id).await),
        Err(r) => r,
    }
}

/// `POST /api/v1/customs/parcels/{id}/cleared`: customs released it; retention starts.
pub(crate) async fn cleared_api(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Response {
    match api_operator(&state, &headers).await {
        Ok((_, desk)) => changed(mark_cleared(&state, &desk, id).await),
        Err(r) => r,
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct RegisterQuery {
    format: Option<String>,
    reason: Option<String>,
}

/// The register of a batch, audited: `Ok(None)` when the batch has no parcel.
async fn register(
    state: &AppState,
    desk: &Desk,
    user: &User,
    batch: i64,
    xml: bool,
    reason: &str,
) -> Result<Option<Vec<u8>>, DeskError> {
    let parcels = state.store().customs_parcels(BatchId(batch)).await?;
    if parcels.is_empty() {
        return Ok(None);
    }
    let now = desk.now();
    let ready: Vec<&CustomsParcel> = parcels
        .iter()
        .filter(|p| p.identity.is_some() && matches!(p.state.as_str(), "submitted" | "cleared"))
        .collect();
    // Written before anything is decrypted: a read that is not in the log does not happen.
    let audit: Vec<AuditEntry> = ready
        .iter()
        .map(|p| AuditEntry {
            parcel: p.id,
            actor: format!("user:{}", user.name),
            action: "read_identity".into(),
            reason: reason.to_owned(),
            at: now,
        })
        .collect();
    state.store().append_audit(&audit).await?;
    let mut rows = Vec::new();
    for p in &ready {
        let (Some(contact), Some(sealed), Some(arrived)) =
            (desk.contact(p)?, p.identity.as_ref(), p.arrived_at)
        else {
            continue;
        };
        let bytes = desk.open(super::IDENTITY, &p.record_key, sealed)?;
        let identity = RecipientIdentity::from_vault_bytes(&bytes)
            .map_err(|_| DeskError::Corrupt(format!("parcel {}: identity", p.id)))?;
        rows.push((Desk::manifest_parcel(p, &contact)?, identity, arrived));
    }
    let batch_id = batch.to_string();
    let register = Batch {
        id: &batch_id,
        created_at: now,
        entries: rows
            .iter()
            .map(|(parcel, identity, arrived_at)| RegisterEntry {
                parcel,
                identity,
                arrived_at: *arrived_at,
            })
            .collect(),
    };
    let watchdog = posylka_watchdog::Config::default();
    let settings = DutySettings::from_config(&watchdog, "RU");
    let out = if xml {
        to_xml(&register, &settings)
    } else {
        to_csv(&register, &settings)
    }
    .map_err(|e| DeskError::Corrupt(e.to_string()))?;
    tracing::info!(
        batch,
        parcels = rows.len(),
        operator = %user.name,
        "customs register exported"
    );
    Ok(Some(out))
}

fn download(bytes: Vec<u8>, xml: bool, batch: i64) -> Response {
    let (mime, ext) = if xml {
        ("application/xml; charset=utf-8", "xml")
    } else {
        ("text/csv; charset=utf-8", "csv")
    };
    let mut r = bytes.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    if let Ok(v) =
        HeaderValue::from_str(&format!("attachment; filename=\"register-{batch}.{ext}\""))
    {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// `GET /api/v1/customs/batches/{id}/register?format=csv|xml&reason=...`: the reason is
/// required and goes to the audit log with each parcel read.
pub(crate) async fn register_api(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Query(q): Query<RegisterQuery>,
) -> Response {
    let (user, desk) = match api_operator(&state, &headers).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(reason) = q.reason.filter(|r| !r.trim().is_empty()) else {
        return problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            "say why the data are read: reason=... (it goes to the audit log)",
            json!({"field": "reason"}),
        );
    };
    let xml = match q.format.as_deref() {
        None | Some("csv") => false,
        Some("xml") => true,
        Some(_) => {
            return problem(
                StatusCode::UNPROCESSABLE_ENTITY,
                "format is csv or xml",
                json!({"field": "format"}),
            );
        }
    };
    match register(&state, &desk, &user, id, xml, reason.trim()).await {
        Ok(Some(bytes)) => download(bytes, xml, id),
        Ok(None) => problem(StatusCode::NOT_FOUND, "no such batch", json!({})),
        Err(e) => desk_error(e),
    }
}

/// `GET /api/v1/customs/destructions`.
pub(crate) async fn destructions_api(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = api_operator(&state, &headers).await {
        return r;
    }
    match state.store().destructions().await {
        Ok(list) => Json(
            list.iter()
                .map(|d| {
                    json!({"parcel": d.parcel.0, "batch": d.batch.0, "categories": d.categories,
                           "grounds": d.grounds, "ended_at": d.ended_at, "destroyed_at": d.destroyed_at})
                })
                .collect::<Vec<_>>(),
        )
        .into_response(),
        Err(e) => desk_error(e.into()),
    }
}

/// `GET /api/v1/customs/audit`: the newest 500 entries.
pub(crate) async fn audit_api(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Err(r) = api_operator(&state, &headers).await {
        return r;
    }
    match state.store().audit_log(500).await {
        Ok(list) => Json(
            list.iter()
                .map(|a| {
                    json!({"parcel": a.parcel.0, "actor": a.actor, "action": a.action,
                           "reason": a.reason, "at": a.at})
                })
                .collect::<Vec<_>>(),
        )
        .into_response(),
        Err(e) => desk_error(e.into()),
    }
}

/// `POST /api/v1/customs/run`: one scheduler round now (messages, deadlines, destruction,
/// re-wrapping); answers what it did.
pub(crate) async fn run_api(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let desk = match api_operator(&state, &headers).await {
        Ok((_, d)) => d,
        Err(r) => return r,
    };
    match super::scheduler::run_round(&state, &desk, desk.now()).await {
        Ok(report) => Json(report).into_response(),
        Err(e) => desk_error(e),
    }
}

// ---------------------------------------------------------------------------------------------
// The page.

struct BatchRow {
    id: i64,
    name: String,
    parcels: Vec<ParcelView>,
}

#[derive(Template)]
#[template(path = "customs_desk.html")]
struct DeskPage {
    c: Chrome,
    batches: Vec<BatchRow>,
    errors: Vec<String>,
    notice: Option<String>,
    destructions: Vec<String>,
    audit: Vec<String>,
    tz: jiff::tz::TimeZone,
}

impl DeskPage {
    /// A time in the desk's zone, to the minute: the API keeps the exact instants.
    fn when(&self, at: &Timestamp) -> String {
        short_time(*at, &self.tz)
    }
}

fn short_time(at: Timestamp, tz: &jiff::tz::TimeZone) -> String {
    at.to_zoned(tz.clone())
        .strftime("%d.%m.%Y %H:%M")
        .to_string()
}

async fn render_desk(
    state: &AppState,
    desk: &Desk,
    member: &Member,
    status: StatusCode,
    errors: Vec<String>,
    notice: Option<String>,
) -> WebResult {
    let mut batches = Vec::new();
    for b in state.store().batches().await? {
        let parcels = state.store().customs_parcels(b.id).await?;
        batches.push(BatchRow {
            id: b.id.0,
            name: b.name,
            parcels: parcels.iter().map(|p| view(desk, p)).collect(),
        });
    }
    let destructions = state
        .store()
        .destructions()
        .await?
        .iter()
        .map(|d| {
            format!(
                "parcel {} (batch {}): {} destroyed {} — {} {}",
                d.parcel,
                d.batch,
                d.categories,
                short_time(d.destroyed_at, &desk.tz),
                d.grounds,
                short_time(d.ended_at, &desk.tz)
            )
        })
        .collect();
    let audit = state
        .store()
        .audit_log(50)
        .await?
        .iter()
        .map(|a| {
            format!(
                "{} · parcel {} · {} · {} · {}",
                short_time(a.at, &desk.tz),
                a.parcel,
                a.actor,
                a.action,
                a.reason
            )
        })
        .collect();
    let page = DeskPage {
        c: Chrome::new(&member.visit, "Customs desk".into(), ""),
        batches,
        errors,
        notice,
        destructions,
        audit,
        tz: desk.tz.clone(),
    };
    html_status(status, &page)
}

/// `GET /desk`.
pub(crate) async fn page(State(state): State<AppState>, member: Member) -> WebResult {
    let desk = web_operator(&state, &member).await?;
    render_desk(&state, &desk, &member, StatusCode::OK, Vec::new(), None).await
}

/// The fields of a urlencoded or multipart/form-data body (files as their bytes).
fn form_fields(headers: &HeaderMap, body: &[u8]) -> Vec<(String, Vec<u8>)> {
    let ctype = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if let Some(boundary) = ctype
        .split(';')
        .map(str::trim)
        .find_map(|p| p.strip_prefix("boundary="))
    {
        let boundary = format!("--{}", boundary.trim_matches('"'));
        let mut out = Vec::new();
        for part in split_bytes(body, boundary.as_bytes()).into_iter().skip(1) {
            let Some(head_end) = find(part, b"\r\n\r\n") else {
                continue;
            };
            let head = String::from_utf8_lossy(&part[..head_end]);
            let Some(name) = head.split(';').map(str::trim).find_map(|p| {
                p.strip_prefix("name=\"")
                    .and_then(|n| n.split('"').next())
                    .map(str::to_owned)
            }) else {
                continue;
            };
            let mut value = &part[head_end + 4..];
            value = value.strip_suffix(b"\r\n").unwrap_or(value);
            out.push((name, value.to_vec()));
        }
        return out;
    }
    body.split(|b| *b == b'&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (k, v) = match pair.iter().position(|b| *b == b'=') {
                Some(i) => (&pair[..i], &pair[i + 1..]),
                None => (pair, &b""[..]),
            };
            (
                String::from_utf8_lossy(&percent_decode(k)).into_owned(),
                percent_decode(v),
            )
        })
        .collect()
}

/// `application/x-www-form-urlencoded` decoding: `+` is a space, `%XX` a byte.
fn percent_decode(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        match input[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < input.len() => {
                match std::str::from_utf8(&input[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    out
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn split_bytes<'a>(mut hay: &'a [u8], sep: &[u8]) -> Vec<&'a [u8]> {
    let mut out = Vec::new();
    while let Some(i) = find(hay, sep) {
        out.push(&hay[..i]);
        hay = &hay[i + sep.len()..];
    }
    out.push(hay);
    out
}

fn field<'a>(fields: &'a [(String, Vec<u8>)], name: &str) -> Option<&'a [u8]> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_slice())
}

fn field_text(fields: &[(String, Vec<u8>)], name: &str) -> Option<String> {
    field(fields, name).map(|v| String::from_utf8_lossy(v).into_owned())
}

/// `POST /desk/import`: a file (`manifest_file`) or pasted text (`manifest_text`).
pub(crate) async fn import_form(
    State(state): State<AppState>,
    member: Member,
    headers: HeaderMap,
    body: Bytes,
) -> WebResult {
    let desk = web_operator(&state, &member).await?;
    let fields = form_fields(&headers, &body);
    member.check_csrf(field_text(&fields, "csrf").as_deref())?;
    let bytes = field(&fields, "manifest_file")
        .filter(|b| !b.is_empty())
        .or_else(|| field(&fields, "manifest_text"))
        .unwrap_or_default();
    let name = field_text(&fields, "name")
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| "manifest".into());
    match import(&state, &desk, &member.me.user, &name, bytes).await {
        Ok(Ok(done)) => {
            let notice = format!(
                "Imported batch {} with {} parcels.",
                done.batch, done.parcels
            );
            render_desk(
                &state,
                &desk,
                &member,
                StatusCode::OK,
                Vec::new(),
                Some(notice),
            )
            .await
        }
        Ok(Err(e)) => {
            let mut errors: Vec<String> = e.errors.iter().map(ToString::to_string).collect();
            if e.more > 0 {
                errors.push(format!("… and {} more", e.more));
            }
            errors.insert(0, "Nothing was imported.".into());
            render_desk(
                &state,
                &desk,
                &member,
                StatusCode::UNPROCESSABLE_ENTITY,
                errors,
                None,
            )
            .await
        }
        Err(e) => Err(WebError::Internal(e.to_string())),
    }
}

/// A parcel step the desk's forms mark.
#[derive(Clone, Copy)]
enum Mark {
    Arrived,
    Cleared,
}

/// A desk form marking a parcel: the operator and CSRF checks, the step, back to the desk.
async fn mark_form(
    state: &AppState,
    member: &Member,
    headers: &HeaderMap,
    body: &Bytes,
    mark: Mark,
    id: i64,
) -> WebResult {
    let desk = web_operator(state, member).await?;
    member.check_csrf(field_text(&form_fields(headers, body), "csrf").as_deref())?;
    match mark {
        Mark::Arrived => mark_arrived(state, &desk, id).await,
        Mark::Cleared => mark_cleared(state, &desk, id).await,
    }
    .map_err(|e| WebError::Internal(e.to_string()))?;
    Ok(Redirect::to("/desk").into_response())
}

/// `POST /desk/parcels/{id}/arrived`.
pub(crate) async fn arrived_form(
    State(state): State<AppState>,
    member: Member,
    Path(id): Path<i64>,
    headers: HeaderMap,
    body: Bytes,
) -> WebResult {
    mark_form(&state, &member, &headers, &body, Mark::Arrived, id).await
}

/// `POST /desk/parcels/{id}/cleared`.
pub(crate) async fn cleared_form(
    State(state): State<AppState>,
    member: Member,
    Path(id): Path<i64>,
    headers: HeaderMap,
    body: Bytes,
) -> WebResult {
    mark_form(&state, &member, &headers, &body, Mark::Cleared, id).await
}

/// `POST /desk/batches/{id}/register`: `format`, `reason` (required).
pub(crate) async fn register_form(
    State(state): State<AppState>,
    member: Member,
    Path(id): Path<i64>,
    headers: HeaderMap,
    body: Bytes,
) -> WebResult {
    let desk = web_operator(&state, &member).await?;
    let fields = form_fields(&headers, &body);
    member.check_csrf(field_text(&fields, "csrf").as_deref())?;
    let Some(reason) = field_text(&fields, "reason").filter(|r| !r.trim().is_empty()) else {
        return render_desk(
            &state,
            &desk,
            &member,
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["Say why the data are read (the reason goes to the audit log).".into()],
            None,
        )
        .await;
    };
    let xml = field_text(&fields, "format").as_deref() == Some("xml");
    match register(&state, &desk, &member.me.user, id, xml, reason.trim()).await {
        Ok(Some(bytes)) => Ok(download(bytes, xml, id)),
        Ok(None) => Err(WebError::Status(StatusCode::NOT_FOUND, member.visit.lang)),
        Err(e) => Err(WebError::Internal(e.to_string())),
    }
}
