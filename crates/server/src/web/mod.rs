//! The web page: server-rendered HTML for people, beside the JSON API.
//!
//! - [`router`]: `/` (the parcel list), `/login`, `/logout`, `/add` (paste any text, confirm
//!   the numbers found), `/parcels/{id}` (timeline, findings with drafts, buyer protection,
//!   ETA), `/notifications` (channels: add, choose findings, enable again after failures,
//!   test), `/lang/{code}` (the language switcher) and `/assets/*` (the one stylesheet and the
//!   one small script, compiled into the binary: nothing is fetched from elsewhere).
//! - Templates are askama files under `crates/server/templates/`, checked at compile time and
//!   HTML-escaped; words come from Fluent files under `crates/server/locales/` ([`i18n`]);
//!   findings' messages and drafts from the watchdog ([`assess`]).
//! - [`session`]: login sessions kept in the store, CSRF tokens on every POST.
//!
//! Invariants: a page shows only the signed-in user's parcels (another's answers 404, as a
//! missing one); every POST checks the CSRF token before doing anything; pages with personal
//! data are `Cache-Control: no-store`; the Content-Security-Policy allows only this site's
//! own stylesheet and script.

mod add;
pub(crate) mod assess;
mod assets;
pub(crate) mod cookies;
pub(crate) mod format;
pub(crate) mod i18n;
mod list;
mod login;
mod notifications;
mod parcel;
pub(crate) mod session;

use askama::Template;
use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use posylka_store::StoreError;
use posylka_watchdog::Lang;

use self::i18n::Tr;
use self::session::Visitor;
use crate::state::AppState;

/// The web page's routes (merged into [`crate::api::app`]).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(list::page))
        .route("/login", get(login::form).post(login::submit))
        .route("/logout", post(login::logout))
        .route("/lang/{code}", get(switch_language))
        .route("/add", get(add::form).post(add::scan))
        .route("/add/confirm", post(add::confirm))
        .route("/parcels/{id}", get(parcel::page))
        .route("/parcels/{id}/archive", post(parcel::archive))
        .route("/parcels/{id}/contacted", post(parcel::contacted))
        .route(
            "/notifications",
            get(notifications::page).post(notifications::create),
        )
        .route(
            "/notifications/{id}/findings",
            post(notifications::findings),
        )
        .route("/notifications/{id}/enable", post(notifications::enable))
        .route("/notifications/{id}/test", post(notifications::test))
        .route("/notifications/{id}/delete", post(notifications::delete))
        .route("/assets/{file}", get(assets::serve))
        .layer(axum::middleware::map_response(security_headers))
}

/// Headers on every page: what the browser may load and run (only this site's stylesheet and
/// script, no framing), no MIME sniffing, no referrer to other sites.
async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    response
}

/// Why a page could not be shown.
#[derive(Debug, thiserror::Error)]
pub(crate) enum WebError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A template failed to render.
    #[error("rendering a page: {0}")]
    Render(#[from] askama::Error),
    /// Something else went wrong inside.
    #[error("{0}")]
    Internal(String),
    /// A status to show the visitor with its page (404, 403, 400), in their language.
    #[error("{0}")]
    Status(StatusCode, Lang),
}

/// The page result of a handler.
pub(crate) type WebResult<T = Response> = Result<T, WebError>;

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    c: Chrome,
    status: u16,
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let (status, lang) = match self {
            WebError::Status(status, lang) => (status, lang),
            other => {
                // The cause goes to the log, not to the visitor; store errors on these paths
                // name no personal data (reads and creations by id).
                tracing::error!(error = %other, "web page failed");
                (StatusCode::INTERNAL_SERVER_ERROR, Lang::En)
            }
        };
        let tr = Tr(lang);
        let key = format!("error-{}", status.as_u16());
        let page = ErrorPage {
            c: Chrome::bare(tr, tr.t(&key)),
            status: status.as_u16(),
        };
        match page.render() {
            Ok(body) => (status, no_store(), Html(body)).into_response(),
            Err(_) => (status, "error").into_response(),
        }
    }
}

/// `Cache-Control: no-store`: pages with personal data stay out of shared caches and the
/// back-forward history after logout.
pub(crate) fn no_store() -> [(header::HeaderName, HeaderValue); 1] {
    [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))]
}

/// Renders a page.
pub(crate) fn html(page: &impl Template) -> WebResult {
    Ok((no_store(), Html(page.render()?)).into_response())
}

/// Renders a page with a status.
pub(crate) fn html_status(status: StatusCode, page: &impl Template) -> WebResult {
    Ok((status, no_store(), Html(page.render()?)).into_response())
}

/// A link of the language switcher.
#[derive(Debug, Clone)]
pub(crate) struct LangLink {
    /// `ru`, `en`.
    pub code: &'static str,
    /// The language's own name.
    pub name: &'static str,
    /// Where the link goes (`/lang/ru?back=...`).
    pub href: String,
    /// Whether it is the page's language.
    pub current: bool,
}

/// What every page shows around its content: title, navigation, user, language switcher.
#[derive(Debug, Clone)]
pub(crate) struct Chrome {
    /// The words.
    pub tr: Tr,
    /// The page's title.
    pub title: String,
    /// The signed-in user's name.
    pub user: Option<String>,
    /// The session's CSRF token for forms ("" when not signed in).
    pub csrf: String,
    /// The navigation item of this page (`list`, `add`, or "").
    pub nav: &'static str,
    /// The language switcher.
    pub langs: Vec<LangLink>,
    /// Appended to asset URLs so that a new release is not served from an old cache.
    pub version: &'static str,
}

impl Chrome {
    /// The chrome of a page for `visit`.
    pub(crate) fn new(visit: &Visitor, title: String, nav: &'static str) -> Self {
        let mut c = Self::bare(Tr(visit.lang), title);
        c.nav = nav;
        c.langs = i18n::LANGS
            .iter()
            .map(|&lang| LangLink {
                code: lang.key(),
                name: i18n::native_name(lang),
                href: format!(
                    "/lang/{}?back={}",
                    lang.key(),
                    session::encode_query_value(&visit.path)
                ),
                current: lang == visit.lang,
            })
            .collect();
        if let Some(me) = &visit.signed_in {
            c.user = Some(me.user.name.to_string());
            c.csrf = me.csrf.clone();
        }
        c
    }

    /// A page without navigation or switcher (errors).
    fn bare(tr: Tr, title: String) -> Self {
        Self {
            tr,
            title,
            user: None,
            csrf: String::new(),
            nav: "",
            langs: Vec::new(),
            version: env!("CARGO_PKG_VERSION"),
        }
    }

    /// A message in the page's language.
    pub(crate) fn t(&self, key: &str) -> String {
        self.tr.t(key)
    }

    /// Whether `nav` is this page's navigation item.
    pub(crate) fn at(&self, nav: &str) -> bool {
        self.nav == nav
    }
}

#[derive(Debug, serde::Deserialize)]
struct BackQuery {
    back: Option<String>,
}

/// `GET /lang/{code}?back=PATH`: keeps the chosen language in a cookie for a year and goes
/// back. A plain link, so the switcher works without a form or a script.
async fn switch_language(
    visit: Visitor,
    axum::extract::Path(code): axum::extract::Path<String>,
    axum::extract::Query(q): axum::extract::Query<BackQuery>,
) -> Response {
    let back = session::safe_path(q.back.as_deref());
    let Ok(lang) = code.parse::<Lang>() else {
        return WebError::Status(StatusCode::NOT_FOUND, visit.lang).into_response();
    };
    let mut response = Redirect::to(&back).into_response();
    if let Some(cookie) = cookies::set(
        i18n::LANG_COOKIE,
        lang.key(),
        cookies::Lifetime::Seconds(365 * 24 * 3600),
        true,
        visit.secure,
    ) {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}
