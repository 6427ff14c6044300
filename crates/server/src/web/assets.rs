//! The page's stylesheet and script, compiled into the binary (`crates/server/assets/`).

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// The stylesheet.
const CSS: &str = include_str!("../../assets/posylka.css");
/// The script: the copy buttons and the login's time zone; every page works without it.
const JS: &str = include_str!("../../assets/posylka.js");

/// `GET /assets/{file}`.
pub(crate) async fn serve(Path(file): Path<String>) -> Response {
    let (body, kind) = match file.as_str() {
        "posylka.css" => (CSS, "text/css; charset=utf-8"),
        "posylka.js" => (JS, "text/javascript; charset=utf-8"),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(kind)),
            // URLs carry the release (`?v=`), so a day's caching never serves a stale file
            // after an upgrade.
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=86400"),
            ),
        ],
        body,
    )
        .into_response()
}
