//! Where events come from, seen from the API: signed push intake per source
//! (`POST /intake/{source}`) and "refresh now" (`POST /shipments/{id}/refresh`).
//!
//! Intake: a carrier or aggregator integration pushes its events as JSON, signed like
//! Posylka's own webhooks: `X-Posylka-Timestamp` (Unix seconds) and `X-Posylka-Signature:
//! sha256=<hex HMAC-SHA256 of "{timestamp}.{body}">`, keyed with the source's secret from the
//! configuration (`intake_secrets`). A timestamp more than five minutes off is refused, so a
//! captured request cannot be replayed later. Each event carries the sender's id; an id already
//! received from that source is skipped, so a delivery retried any number of times stores its
//! events once. When no intake secret is configured for `17track` but the 17TRACK source is,
//! the path takes 17TRACK's own webhook (`sign` header) instead.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use hmac::{Hmac, KeyInit, Mac};
use jiff::Timestamp;
use posylka_core::number_window;
use posylka_core::shipment::TrackingNumber;
use posylka_core::store::polling::{PollStore, PushedEvent};
use posylka_core::timeline::SourceName;
use posylka_store::{Store, StoreError};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::events::records;
use super::input::EventInput;
use super::shipments::{MAX_EVENTS, links_of, owned, parse_id};
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult, Problem};
use crate::poll::SourcePushError;
use crate::state::AppState;

/// The header with the signed Unix timestamp.
pub const TIMESTAMP_HEADER: &str = "x-posylka-timestamp";
/// The header with the signature.
pub const SIGNATURE_HEADER: &str = "x-posylka-signature";
/// How far a push's timestamp may be from the server's clock.
pub const TOLERANCE_SECS: i64 = 300;

/// The routes of this area.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(intake))
        .routes(routes!(refresh))
}

/// A batch of pushed events.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IntakeBatch {
    /// The events, in any order (at most 1000).
    pub events: Vec<IntakeEvent>,
}

/// One pushed event.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IntakeEvent {
    /// The sender's id for this event, unique per source (1 to 128 printable characters): a
    /// repeated id is skipped.
    pub id: String,
    /// The tracking number it was reported under.
    pub number: String,
    /// When it happened: RFC 3339 with an offset (`2024-05-01T10:00:00+08:00`).
    pub time: String,
    /// The carrier's status text, unchanged.
    pub text: String,
    /// The carrier's status code.
    #[serde(default)]
    pub code: Option<String>,
    /// The carrier, in any spelling (`russian-post`, `Почта России`, `cainiao`).
    #[serde(default)]
    pub carrier: Option<String>,
    /// Where it happened, free text.
    #[serde(default)]
    pub location: Option<String>,
    /// The country it happened in (ISO code).
    #[serde(default)]
    pub country: Option<String>,
}

/// What an intake did.
#[derive(Debug, Serialize, ToSchema)]
pub struct IntakeResult {
    /// Events in the request.
    pub received: usize,
    /// Events newly stored.
    pub inserted: usize,
    /// Events whose id was new but which were stored already (e.g. polled): skipped.
    pub duplicates: usize,
    /// Events whose id had been received before (or repeated in the request): skipped.
    pub repeated_ids: usize,
    /// Events whose number no shipment follows: skipped.
    pub skipped: usize,
    /// The numbers of the skipped events, each once.
    pub skipped_numbers: Vec<String>,
}

/// A source name in a path: lower-case letters, digits, `_` and `-`, 1 to 64 of them.
fn intake_source(raw: &str) -> ApiResult<SourceName> {
    let ok = !raw.is_empty()
        && raw.len() <= SourceName::MAX_LEN
        && raw
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
    if !ok {
        return Err(ApiError::invalid(
            "source",
            "expected a source name of lower-case letters, digits, _ and -",
        ));
    }
    SourceName::new(raw).map_err(|e| ApiError::invalid("source", e))
}

type HmacSha256 = Hmac<Sha256>;

/// Checks the timestamp (within [`TOLERANCE_SECS`] of `now`) and the signature over
/// `"{timestamp}.{body}"`, compared in constant time.
pub fn verify_signature(
    secret: &SecretString,
    headers: &HeaderMap,
    body: &[u8],
    now: Timestamp,
) -> ApiResult<()> {
    let header = |name: &'static str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .ok_or_else(|| ApiError::unauthorized(format!("the push has no {name} header")))
    };
    let timestamp: i64 = header(TIMESTAMP_HEADER)?.parse().map_err(|_| {
        ApiError::unauthorized(format!("{TIMESTAMP_HEADER}: expected Unix seconds"))
    })?;
    let age = (now.as_second() - timestamp).abs();
    if age > TOLERANCE_SECS {
        return Err(ApiError::unauthorized(format!(
            "{TIMESTAMP_HEADER}: {age} s away from the server's clock, more than {TOLERANCE_SECS} s"
        )));
    }
    let signature = header(SIGNATURE_HEADER)?;
    let bytes = signature
        .strip_prefix("sha256=")
        .and_then(|h| hex::decode(h).ok())
        .filter(|b| b.len() == 32)
        .ok_or_else(|| {
            ApiError::unauthorized(format!(
                "{SIGNATURE_HEADER}: expected sha256=<64 hex digits>"
            ))
        })?;
    let mut mac = HmacSha256::new_from_slice(secret.expose_secret().as_bytes())
        .map_err(|_| ApiError::internal(&"HMAC refused the key"))?;
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.verify_slice(&bytes)
        .map_err(|_| ApiError::unauthorized(format!("{SIGNATURE_HEADER}: does not match the body")))
}

/// The `X-Posylka-Signature` value for `body` sent at `timestamp` (for senders and tests).
pub fn sign(secret: &SecretString, timestamp: i64, body: &[u8]) -> String {
    // HMAC takes keys of any length.
    let Ok(mut mac) = HmacSha256::new_from_slice(secret.expose_secret().as_bytes()) else {
        return String::new();
    };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

fn parse_batch(headers: &HeaderMap, body: &[u8]) -> ApiResult<IntakeBatch> {
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"));
    if !json {
        return Err(ApiError::unsupported_media_type());
    }
    let mut de = serde_json::Deserializer::from_slice(body);
    let batch = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let field = e.path().to_string();
        ApiError::malformed(Some(field), e.inner())
    })?;
    de.end()
        .map_err(|e| ApiError::malformed(None, format!("trailing data after the JSON: {e}")))?;
    Ok(batch)
}

/// Push a source's events, signed with the source's shared secret.
#[utoipa::path(
    post,
    path = "/intake/{source}",
    tag = "events",
    request_body = IntakeBatch,
    params(
        ("source" = String, Path, description = "The source's name, as configured in `intake_secrets`"),
        ("X-Posylka-Timestamp" = i64, Header, description = "Unix seconds when the push was signed (within 5 minutes of the server's clock)"),
        ("X-Posylka-Signature" = String, Header, description = "`sha256=` + hex HMAC-SHA256 of `{timestamp}.{body}` under the source's secret"),
    ),
    responses(
        (status = 200, description = "Stored; repeated ids and unknown numbers skipped", body = IntakeResult),
        (status = 400, description = "Body is not the expected JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing, stale or wrong signature", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No intake is configured for this source", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body is not application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An event is invalid; `field` names it; nothing was stored", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn intake(
    State(state): State<AppState>,
    Path(source): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<axum::Json<IntakeResult>> {
    let limit = state.config().max_body_bytes;
    let body = body.map_err(|e| match e {
        BytesRejection::FailedToBufferBody(_) => ApiError::too_large(limit),
        other => ApiError::malformed(None, other.body_text()),
    })?;
    let source = intake_source(&source)?;
    let Some(secret) = state.config().intake_secrets.get(source.as_str()) else {
        return source_push(&state, &source, &headers, &body).await;
    };
    verify_signature(secret, &headers, &body, Timestamp::now())?;
    let batch = parse_batch(&headers, &body)?;
    if batch.events.len() > MAX_EVENTS {
        return Err(ApiError::invalid(
            "events",
            format!("at most {MAX_EVENTS} events per request"),
        ));
    }
    let mut numbers = Vec::with_capacity(batch.events.len());
    let mut inputs = Vec::with_capacity(batch.events.len());
    for (i, e) in batch.events.iter().enumerate() {
        let id_ok = !e.id.trim().is_empty()
            && e.id.len() <= PushedEvent::MAX_ID_LEN
            && !e.id.chars().any(char::is_control);
        if !id_ok {
            return Err(ApiError::invalid(
                format!("events[{i}].id"),
                format!(
                    "expected 1 to {} bytes of printable text",
                    PushedEvent::MAX_ID_LEN
                ),
            ));
        }
        numbers.push(
            TrackingNumber::parse(&e.number)
                .map_err(|err| ApiError::invalid(format!("events[{i}].number"), err))?,
        );
        inputs.push(EventInput {
            number: Some(e.number.clone()),
            time: e.time.clone(),
            text: e.text.clone(),
            code: e.code.clone(),
            carrier: e.carrier.clone(),
            location: e.location.clone(),
            country: e.country.clone(),
        });
    }
    let records = records(&inputs, &numbers, None, &source)?;

    // Events for numbers nobody follows are skipped and listed, as for `/push/events`.
    let mut links = std::collections::HashMap::new();
    let mut pushed = Vec::with_capacity(records.len());
    let mut skipped_numbers: Vec<String> = Vec::new();
    for (record, event) in records.into_iter().zip(&batch.events) {
        if !links.contains_key(&record.number) {
            let found = links_of(&state, &record.number).await?;
            links.insert(record.number.clone(), found);
        }
        let lands = links
            .get(&record.number)
            .and_then(|l| number_window::resolve(l, record.at.instant()))
            .is_some();
        if lands {
            pushed.push(PushedEvent {
                id: event.id.clone(),
                record,
            });
        } else if !skipped_numbers.iter().any(|n| n == record.number.as_str()) {
            skipped_numbers.push(record.number.to_string());
        }
    }
    let received = batch.events.len();
    let mut skipped = received - pushed.len();
    // A shipment deleted meanwhile: drop its number and store the rest (bounded: one number
    // per retry).
    let report = loop {
        match state
            .store()
            .ingest_pushed(&source, &pushed, Timestamp::now())
            .await
        {
            Ok(report) => break report,
            Err(StoreError::UnknownNumber { number, .. }) => {
                let before = pushed.len();
                pushed.retain(|p| p.record.number != number);
                skipped += before - pushed.len();
                if !skipped_numbers.iter().any(|n| n == number.as_str()) {
                    skipped_numbers.push(number.to_string());
                }
            }
            Err(e) => return Err(e.into()),
        }
    };
    state
        .metrics()
        .ingested(report.ingest.inserted, report.ingest.duplicates, skipped);
    Ok(axum::Json(IntakeResult {
        received,
        inserted: report.ingest.inserted,
        duplicates: report.ingest.duplicates,
        repeated_ids: report.repeated_ids,
        skipped,
        skipped_numbers,
    }))
}

/// A source's own push format (17TRACK's webhook), when no intake secret names the source.
async fn source_push(
    state: &AppState,
    source: &SourceName,
    headers: &HeaderMap,
    body: &[u8],
) -> ApiResult<axum::Json<IntakeResult>> {
    let not_configured = || {
        ApiError::not_found(format!(
            "no intake is configured for source {source}; set intake_secrets.{source}"
        ))
    };
    let polling = state.polling().ok_or_else(not_configured)?;
    let header = |name: &'static str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    match polling.source_push(source.as_str(), header, body).await {
        None => Err(not_configured()),
        Some(Ok(records)) => Ok(axum::Json(IntakeResult {
            received: records,
            inserted: 0,
            duplicates: 0,
            repeated_ids: 0,
            skipped: 0,
            skipped_numbers: Vec::new(),
        })),
        Some(Err(SourcePushError::Refused(e))) => Err(match e {
            posylka_sources::PushError::Malformed(_) => ApiError::malformed(None, e),
            _ => ApiError::unauthorized(e),
        }),
        Some(Err(e @ SourcePushError::Store(_))) => Err(ApiError::internal(&e)),
    }
}

/// Which sources a refresh asked.
#[derive(Debug, Serialize, ToSchema)]
pub struct RefreshResult {
    /// Per source, how many of the shipment's numbers it will poll as soon as its limits
    /// allow.
    pub sources: Vec<RefreshedSource>,
}

/// One source asked to refresh.
#[derive(Debug, Serialize, ToSchema)]
pub struct RefreshedSource {
    /// The source.
    pub source: String,
    /// Numbers it will poll.
    pub numbers: usize,
}

/// Refresh now: poll one of your shipments' numbers with every configured source that can
/// track them, as soon as each source's rate limits allow (not waiting for the cadence).
#[utoipa::path(
    post,
    path = "/shipments/{id}/refresh",
    tag = "shipments",
    params(("id" = i64, Path, description = "Shipment id")),
    security(("bearer" = [])),
    responses(
        (status = 202, description = "Queued; new events appear in the timeline when the sources answer", body = RefreshResult),
        (status = 401, description = "No valid API token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "You have no such shipment", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "No tracking source is configured on this server", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn refresh(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<(StatusCode, axum::Json<RefreshResult>)> {
    let id = parse_id(&id)?;
    owned(&state, user.id, id).await?;
    let polling = state.polling().ok_or_else(|| {
        ApiError::conflict(
            None,
            "no tracking source is configured on this server (POSYLKA_17TRACK_TOKEN, \
             POSYLKA_RUSSIANPOST_LOGIN/_PASSWORD or Cainiao)",
        )
    })?;
    let shipment = state
        .store()
        .shipment(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("you have no shipment {id}")))?;
    let numbers: Vec<TrackingNumber> = shipment.numbers.iter().map(|l| l.number.clone()).collect();
    let asked = polling.refresh(&numbers).await?;
    Ok((
        StatusCode::ACCEPTED,
        axum::Json(RefreshResult {
            sources: asked
                .into_iter()
                .map(|(s, n)| RefreshedSource {
                    source: s.as_str().to_owned(),
                    numbers: n,
                })
                .collect(),
        }),
    ))
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(ts: i64, signature: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            TIMESTAMP_HEADER,
            HeaderValue::from_str(&ts.to_string()).unwrap_or(HeaderValue::from_static("x")),
        );
        h.insert(
            SIGNATURE_HEADER,
            HeaderValue::from_str(signature).unwrap_or(HeaderValue::from_static("x")),
        );
        h
    }

    #[test]
    fn signatures_cover_timestamp_and_body() {
        let secret = SecretString::from("s3cret".to_owned());
        let now: Timestamp = "2024-05-01T00:00:00Z".parse().expect("ts");
        let ts = now.as_second();
        let body = br#"{"events":[]}"#;
        let good = sign(&secret, ts, body);
        assert!(verify_signature(&secret, &headers(ts, &good), body, now).is_ok());
        // Another body, another time, another key, a stale time: refused.
        assert!(verify_signature(&secret, &headers(ts, &good), b"{}", now).is_err());
        assert!(verify_signature(&secret, &headers(ts + 1, &good), body, now).is_err());
        let other = SecretString::from("other".to_owned());
        assert!(verify_signature(&other, &headers(ts, &good), body, now).is_err());
        let old = ts - TOLERANCE_SECS - 1;
        let stale = sign(&secret, old, body);
        let err = verify_signature(&secret, &headers(old, &stale), body, now).expect_err("stale");
        assert!(
            format!("{err:?}").contains("away from the server's clock"),
            "{err:?}"
        );
        assert!(verify_signature(&secret, &headers(ts, "sha256=zz"), body, now).is_err());
        assert!(verify_signature(&secret, &HeaderMap::new(), body, now).is_err());
    }

    #[test]
    fn source_names_in_paths_are_plain() {
        assert!(intake_source("mycarrier").is_ok());
        assert!(intake_source("17track").is_ok());
        assert!(intake_source("My Carrier").is_err());
        assert!(intake_source("").is_err());
        assert!(intake_source(&"a".repeat(65)).is_err());
    }
}
