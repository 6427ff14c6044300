//! `GET /identify` and `POST /scan`: tracking-number recognition over HTTP, in the same JSON
//! shape as `posylka id --json` and `posylka scan --json` (`tracknum::json`).

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tracknum::json::Verdict;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{JsonBody, QueryParams};
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult, Problem};
use crate::state::AppState;

/// The routes of this area.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(identify))
        .routes(routes!(scan))
}

/// Longest number accepted by `identify`, in bytes (a pasted number, not a document).
const MAX_NUMBER: usize = 256;

/// `identify`'s query.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct IdentifyQuery {
    /// The number as typed or pasted (spaces, hyphens and Cyrillic look-alikes are fine).
    number: Option<String>,
}

fn today() -> (i32, u8) {
    let d = jiff::Zoned::now().date();
    (i32::from(d.year()), d.month().unsigned_abs())
}

fn json(body: Vec<u8>) -> Response {
    let mut response = body.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// Identify one tracking or order number: carrier, service, origin, check digit, problems.
#[utoipa::path(
    get,
    path = "/identify",
    tag = "recognition",
    params(IdentifyQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The verdict, as `posylka id --json` prints it", body = Object),
        (status = 401, description = "No valid API token", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`number` missing or too long", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn identify(
    _user: CurrentUser,
    QueryParams(q): QueryParams<IdentifyQuery>,
) -> ApiResult<Response> {
    let number = q
        .number
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| ApiError::invalid("number", "give the number to identify: ?number=..."))?;
    if number.len() > MAX_NUMBER {
        return Err(ApiError::invalid(
            "number",
            format!("longer than {MAX_NUMBER} bytes; to find numbers in text use POST /scan"),
        ));
    }
    let identification = tracknum::identify(&number);
    let mut out = Vec::with_capacity(512);
    Verdict {
        input: &number,
        identification: &identification,
        offset: None,
        today: Some(today()),
    }
    .write(&mut out);
    Ok(json(out))
}

/// `scan`'s body.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ScanRequest {
    /// Any text: an e-mail, an SMS, a pasted order page.
    text: String,
}

/// Find every tracking and order number in text.
#[utoipa::path(
    post,
    path = "/scan",
    tag = "recognition",
    request_body = ScanRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "`{\"hits\": [verdict, ...]}`, each verdict with its byte `offset`, as `posylka scan --json` prints them", body = Object),
        (status = 400, description = "Body is not the expected JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid API token", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn scan(_user: CurrentUser, JsonBody(req): JsonBody<ScanRequest>) -> ApiResult<Response> {
    let today = today();
    let mut out = Vec::with_capacity(64 + req.text.len() / 4);
    out.extend_from_slice(b"{\"hits\":[");
    let mut first = true;
    tracknum::scan(req.text.as_bytes(), |hit| {
        if !first {
            out.push(b',');
        }
        first = false;
        Verdict {
            input: hit.text,
            identification: hit.identification,
            offset: Some(hit.offset),
            today: Some(today),
        }
        .write(&mut out);
    });
    out.extend_from_slice(b"]}");
    Ok(json(out))
}
