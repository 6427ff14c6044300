//! Errors as RFC 9457 problem details (`application/problem+json`).
//!
//! Every error names what went wrong in `detail`, and, for bad input, the field at fault in
//! the `field` extension as a path from the body's or query's root (`events[2].time`,
//! `milestone`). Store and internal failures answer 500 with a generic detail: their cause is
//! logged (without secrets or personal data), not sent.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use posylka_store::StoreError;
use serde::Serialize;
use utoipa::ToSchema;

/// The media type of a problem body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// A problem details body (RFC 9457), with the `field` extension.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Problem {
    /// A URI reference naming the kind of problem (`/problems/invalid-field`).
    #[serde(rename = "type")]
    pub kind: String,
    /// A short summary of the kind.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// What went wrong in this request.
    pub detail: String,
    /// The field at fault, as a path from the body's or query's root.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// An error a handler returns; becomes a problem response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    title: &'static str,
    detail: String,
    field: Option<String>,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, title: &'static str, detail: String) -> Self {
        Self {
            status,
            code,
            title,
            detail,
            field: None,
        }
    }

    /// 422: a field's value is not acceptable.
    pub fn invalid(field: impl Into<String>, detail: impl ToString) -> Self {
        let mut e = Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid-field",
            "A field is invalid",
            detail.to_string(),
        );
        e.field = Some(field.into());
        e
    }

    /// 400: the body is not JSON of the expected shape (`field` when serde knows where).
    pub fn malformed(field: Option<String>, detail: impl ToString) -> Self {
        let mut e = Self::new(
            StatusCode::BAD_REQUEST,
            "malformed-body",
            "The request body is malformed",
            detail.to_string(),
        );
        e.field = field.filter(|f| !f.is_empty() && f != ".");
        e
    }

    /// 401: no valid credentials.
    pub fn unauthorized(detail: impl ToString) -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Authentication required",
            detail.to_string(),
        )
    }

    /// 404: nothing here for this user (also for another user's shipment).
    pub fn not_found(detail: impl ToString) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not-found",
            "Not found",
            detail.to_string(),
        )
    }

    /// 409: the request conflicts with what is stored.
    pub fn conflict(field: Option<&str>, detail: impl ToString) -> Self {
        let mut e = Self::new(
            StatusCode::CONFLICT,
            "conflict",
            "Conflict with stored data",
            detail.to_string(),
        );
        e.field = field.map(str::to_owned);
        e
    }

    /// 413: the body is larger than `max_body_bytes`.
    pub fn too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body-too-large",
            "The request body is too large",
            format!("the body is larger than {limit} bytes"),
        )
    }

    /// 415: the body is not JSON.
    pub fn unsupported_media_type() -> Self {
        Self::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "Unsupported media type",
            "send the body as application/json".to_owned(),
        )
    }

    /// 500: something failed inside; the cause is logged, not sent.
    pub fn internal(cause: &dyn std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "request failed");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Internal error",
            "the server failed to handle the request; it has been logged".to_owned(),
        )
    }

    /// The status code.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The body.
    pub fn problem(&self) -> Problem {
        Problem {
            kind: format!("/problems/{}", self.code),
            title: self.title.to_owned(),
            status: self.status.as_u16(),
            detail: self.detail.clone(),
            field: self.field.clone(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&self.problem()).unwrap_or_default();
        let mut response = (self.status, body).into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if self.status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

impl From<StoreError> for ApiError {
    /// Store errors that are the caller's doing map to 4xx; the rest are internal.
    fn from(e: StoreError) -> Self {
        match &e {
            StoreError::ShipmentNotFound(_) => ApiError::not_found(e.to_string()),
            StoreError::AlreadyLinked { .. } => ApiError::conflict(Some("number"), e.to_string()),
            // The holder's id is left out: it may be another user's shipment.
            StoreError::NumberInUse { number, .. } => ApiError::conflict(
                Some("number"),
                format!(
                    "tracking number {number} is already followed in another shipment on this \
                     server; a number can be followed again only 12 months after it was added"
                ),
            ),
            StoreError::UserExists(_) => ApiError::conflict(Some("name"), e.to_string()),
            // Checked before ingesting; seen only when a shipment was deleted meanwhile.
            StoreError::UnknownNumber { .. } => ApiError::conflict(
                None,
                "this number's shipment was removed while the request ran; nothing was \
                 stored, send the events again",
            ),
            _ => ApiError::internal(&e),
        }
    }
}

/// A handler's result.
pub type ApiResult<T> = Result<T, ApiError>;
