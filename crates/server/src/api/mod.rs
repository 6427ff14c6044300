//! The HTTP routes: `/healthz`, `/metrics`, and the JSON API under `/api/v1` with its OpenAPI
//! document at `/api/v1/openapi.json`.
//!
//! Each area has its own module and router; adding an area (notification channels, the web
//! page's session login) is one more `.merge(...)` in [`app`].

pub mod channels;
pub mod events;
pub mod extract;
pub mod identify;
pub mod input;
pub mod intake;
pub mod shipments;

use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::TraceLayer;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;

use crate::error::ApiError;
use crate::state::AppState;

/// The API's path prefix.
pub const API_PREFIX: &str = "/api/v1";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Posylka API",
        description = "Follow cross-border parcels: recognise numbers, keep shipments with \
                       their timelines, findings and ETA. Errors are RFC 9457 problem+json \
                       with the field at fault in `field`. Authenticate with \
                       `Authorization: Bearer <token>` (`posylka token create`)."
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "recognition", description = "Tracking-number recognition"),
        (name = "shipments", description = "Your shipments"),
        (name = "events", description = "Carrier events intake"),
        (name = "notifications", description = "Notification channels: e-mail, signed webhooks, Telegram"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

/// The API routes with their OpenAPI document (paths include the `/api/v1` prefix).
pub fn api() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let routes = OpenApiRouter::new()
        .merge(identify::router())
        .merge(shipments::router())
        .merge(events::router())
        .merge(intake::router())
        .merge(channels::router());
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .nest(API_PREFIX, routes)
        .split_for_parts()
}

/// The OpenAPI document as served.
pub fn openapi() -> utoipa::openapi::OpenApi {
    api().1
}

/// The whole application: API, health, metrics, OpenAPI, with logging, metrics, body limit
/// and panic recovery around every route.
pub fn app(state: AppState) -> Router {
    let (api, doc) = api();
    let doc: Arc<str> = doc.to_json().unwrap_or_else(|_| "{}".to_owned()).into();
    let max_body = state.config().max_body_bytes;
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(crate::metrics::serve_metrics))
        .route(
            "/api/v1/openapi.json",
            get(move || {
                let doc = Arc::clone(&doc);
                async move {
                    let mut response = doc.to_string().into_response();
                    response.headers_mut().insert(
                        header::CONTENT_TYPE,
                        HeaderValue::from_static("application/json"),
                    );
                    response
                }
            }),
        )
        .merge(api)
        // The web page for people (login, parcel list, add, parcel page).
        .merge(crate::web::router())
        // The customs desk (operators, the recipient's page /c/{token}).
        .merge(crate::customs::router())
        .fallback(not_found)
        // A successful write (events, shipments, channels) wakes the notification scheduler.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::notify::wake_on_write,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::metrics::track,
        ))
        .layer(
            // The span names the route template, never the path or query: they can hold
            // tracking numbers.
            TraceLayer::new_for_http().make_span_with(|req: &Request| {
                let route = req
                    .extensions()
                    .get::<MatchedPath>()
                    .map_or("unmatched", MatchedPath::as_str);
                tracing::info_span!("request", method = %req.method(), route)
            }),
        )
        .layer(DefaultBodyLimit::max(max_body))
        .layer(CatchPanicLayer::custom(
            |_: Box<dyn std::any::Any + Send>| {
                ApiError::internal(&"a handler panicked").into_response()
            },
        ))
        .with_state(state)
}

/// What `/healthz` answers.
#[derive(Debug, serde::Serialize)]
struct Health {
    /// `ok`; `degraded` when a tracking source is down (the server still works: the other
    /// sources keep polling); `down` when the database does not answer.
    status: &'static str,
    /// `ok` or `down`.
    store: &'static str,
    /// Each configured tracking source (none when no source is configured).
    sources: Vec<crate::poll::SourceStatusView>,
}

/// `GET /healthz`: JSON health. 200 while the database answers (a source that is down makes it
/// `degraded`, not failing: a load balancer must not pull a server because a carrier is
/// down); 503 when the database does not answer within two seconds.
async fn healthz(State(state): State<AppState>) -> Response {
    use posylka_store::PollStore as _;
    let store_ok = matches!(
        tokio::time::timeout(std::time::Duration::from_secs(2), state.store().ping()).await,
        Ok(Ok(()))
    );
    let sources = state.polling().map(|p| p.health()).unwrap_or_default();
    let (status, code) = if !store_ok {
        ("down", axum::http::StatusCode::SERVICE_UNAVAILABLE)
    } else if sources.iter().any(|s| !s.up) {
        ("degraded", axum::http::StatusCode::OK)
    } else {
        ("ok", axum::http::StatusCode::OK)
    };
    let body = Health {
        status,
        store: if store_ok { "ok" } else { "down" },
        sources,
    };
    (code, axum::Json(body)).into_response()
}

async fn not_found() -> Response {
    ApiError::not_found("no such route; the API is under /api/v1 (see /api/v1/openapi.json)")
        .into_response()
}
