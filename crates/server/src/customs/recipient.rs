//! The recipient's page, `/c/{token}`: the parcel and why data are needed, the identity form
//! with every field's error beside it, the separate consent, the one-time code by SMS, then
//! the delivery choice and "where is my parcel"; and the explicit refusal (`GET` asks, `POST`
//! refuses: mail scanners open links).
//!
//! The token (256 random bits) is looked up by its SHA-256; an unknown, expired or destroyed
//! token answers 404, and an address that misses [`super::TOKEN_MISSES_PER_HOUR`] times in an
//! hour gets 429 for every token. The page never shows identity data back once stored.
//! POSTs carry a CSRF token bound to a cookie and must come from this site.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

use askama::Template;
use axum::extract::connect_info::ConnectInfo;
use axum::extract::{Form, FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use posylka_core::store::customs::{AuditEntry, CustomsParcel, CustomsStore as _};
use posylka_customs::messages::{MessageContext, RecipientLink, render_code_sms};
use posylka_customs::{Email, IdentityForm, IdentityRules, IssuedCode, Phone, Verdict};
use posylka_watchdog::Lang;
use zeroize::Zeroizing;

use super::text::T;
use super::{Delivery, Desk, DeskError};
use crate::state::AppState;
use crate::web::session::{Visitor, csrf_of, random_token, same_secret};
use crate::web::{Chrome, WebError, WebResult, cookies, html_status, no_store};

/// The cookie the recipient's CSRF tokens are bound to.
const CSRF_COOKIE: &str = "posylka_c";
/// The consent text's version, stored with the consent.
pub const CONSENT_VERSION: &str = "customs-clearance-2025-09-ru-en-1";

/// The client's address (the socket's peer; `0.0.0.0` when unknown, e.g. in-process tests).
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub IpAddr);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0.ip()),
        ))
    }
}

pub(crate) fn desk(state: &AppState, lang: Lang) -> WebResult<Arc<Desk>> {
    state
        .customs()
        .cloned()
        .ok_or(WebError::Status(StatusCode::NOT_FOUND, lang))
}

fn internal(e: DeskError) -> WebError {
    WebError::Internal(e.to_string())
}

/// The parcel of a token, or 404 (and a counted miss), or 429 after too many misses.
async fn parcel_of(
    state: &AppState,
    desk: &Desk,
    token: &str,
    ip: IpAddr,
    lang: Lang,
) -> WebResult<CustomsParcel> {
    let now = desk.now();
    let ip = posylka_customs::otp::ip_key(ip);
    let found = if token.len() > 128 {
        None
    } else {
        state
            .store()
            .customs_parcel_by_token(&super::token_hash(token))
            .await?
    };
    let valid =
        found.filter(|p| p.destroyed_at.is_none() && p.token_expires_at.is_some_and(|t| t > now));
    // An address that guessed too often is refused even a right token for a while.
    if desk.misses().blocked(ip, now) {
        return Err(WebError::Status(StatusCode::TOO_MANY_REQUESTS, lang));
    }
    match valid {
        Some(p) => Ok(p),
        None => {
            desk.misses().record(ip, now);
            Err(WebError::Status(StatusCode::NOT_FOUND, lang))
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct FieldView {
    name: &'static str,
    label: String,
    value: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "customs_recipient.html")]
struct Page {
    c: Chrome,
    t: T,
    stage: &'static str,
    token: String,
    csrf: String,
    tracking: String,
    goods: Vec<String>,
    value: String,
    deadline: Option<String>,
    status: String,
    domain: String,
    notice: Option<String>,
    error: Option<String>,
    fields: Vec<FieldView>,
    consent: bool,
    consent_error: Option<String>,
    phone: String,
    delivery: Option<String>,
    pickup_points: Vec<String>,
    lockers: Vec<String>,
    slots: Vec<String>,
    where_result: Option<String>,
}

#[derive(Template)]
#[template(path = "customs_refuse.html")]
struct RefusePage {
    c: Chrome,
    t: T,
    token: String,
    csrf: String,
    tracking: String,
}

#[derive(Template)]
#[template(path = "customs_checklist.html")]
struct ChecklistPage {
    c: Chrome,
    t: T,
}

const FIELDS: [&str; 8] = [
    "surname",
    "given_name",
    "patronymic",
    "series",
    "number",
    "issued_on",
    "birth_date",
    "inn",
];

/// The visitor's CSRF secret (from the cookie, or a new one to set).
fn csrf_secret(headers: &HeaderMap) -> WebResult<(String, bool)> {
    match cookies::get(headers, CSRF_COOKIE).filter(|s| s.len() >= 32) {
        Some(s) => Ok((s.to_owned(), false)),
        None => Ok((random_token()?, true)),
    }
}

fn check_csrf(visit: &Visitor, headers: &HeaderMap, sent: Option<&str>) -> WebResult<()> {
    let ok = visit.same_origin
        && cookies::get(headers, CSRF_COOKIE)
            .zip(sent)
            .is_some_and(|(secret, sent)| same_secret(sent, &csrf_of(secret)));
    if ok {
        Ok(())
    } else {
        Err(WebError::Status(StatusCode::FORBIDDEN, visit.lang))
    }
}

struct View<'a> {
    visit: &'a Visitor,
    desk: &'a Desk,
    token: &'a str,
    secret: String,
    set_cookie: bool,
}

impl<'a> View<'a> {
    /// The view of one request, with the visitor's CSRF secret (a new one to set if absent).
    fn new(
        visit: &'a Visitor,
        desk: &'a Desk,
        token: &'a str,
        headers: &HeaderMap,
    ) -> WebResult<Self> {
        let (secret, set_cookie) = csrf_secret(headers)?;
        Ok(Self {
            visit,
            desk,
            token,
            secret,
            set_cookie,
        })
    }

    fn page(&self, p: &CustomsParcel, stage: &'static str) -> WebResult<Page> {
        let t = T(self.visit.lang);
        let goods = Desk::goods(p).map_err(internal)?;
        let flow = Desk::flow(p).map_err(internal)?;
        let deadline = flow.map(|f| {
            f.deadline(&self.desk.config().flow)
                .to_zoned(self.desk.tz.clone())
                .strftime("%d.%m.%Y %H:%M")
                .to_string()
        });
        let delivery = p
            .delivery
            .as_deref()
            .and_then(|d| serde_json::from_str::<Delivery>(d).ok())
            .map(|d| format!("{} — {}", t.t(&d.kind), d.choice));
        let phone = self
            .desk
            .contact(p)
            .map_err(internal)?
            .and_then(|c| Phone::parse(&c.phone).ok())
            .map(|ph| ph.masked())
            .unwrap_or_default();
        Ok(Page {
            c: Chrome::new(self.visit, t.t("title"), ""),
            t,
            stage,
            token: self.token.to_owned(),
            csrf: csrf_of(&self.secret),
            tracking: p.tracking_number.as_str().to_owned(),
            goods: goods
                .items
                .iter()
                .map(|i| format!("{} × {}", i.description, i.quantity))
                .collect(),
            value: goods.declared_value,
            deadline,
            status: t.t(&format!("state-{}", p.state)),
            domain: self.desk.domain(),
            notice: None,
            error: None,
            fields: FIELDS
                .iter()
                .map(|&name| FieldView {
                    name,
                    label: t.t(name),
                    value: String::new(),
                    error: None,
                })
                .collect(),
            consent: false,
            consent_error: None,
            phone,
            delivery,
            pickup_points: self.desk.config().pickup_points.clone(),
            lockers: self.desk.config().lockers.clone(),
            slots: self.desk.config().courier_slots.clone(),
            where_result: None,
        })
    }

    fn respond(&self, status: StatusCode, page: &impl Template) -> WebResult {
        let mut response = html_status(status, page)?;
        if self.set_cookie
            && let Some(cookie) = cookies::set(
                CSRF_COOKIE,
                &self.secret,
                cookies::Lifetime::Seconds(24 * 3600),
                true,
                self.visit.secure,
            )
        {
            response.headers_mut().append(header::SET_COOKIE, cookie);
        }
        Ok(response)
    }
}

fn stage_of(p: &CustomsParcel) -> &'static str {
    match p.state.as_str() {
        "waiting" | "opened" => "form",
        "pending_code" => "code",
        "submitted" | "cleared" => "done",
        _ => "closed",
    }
}

/// `GET /c/{token}`.
pub(crate) async fn page(
    State(state): State<AppState>,
    visit: Visitor,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> WebResult {
    let desk = desk(&state, visit.lang)?;
    let p = parcel_of(&state, &desk, &token, ip, visit.lang).await?;
    let now = desk.now();
    // The first visit stops the reminders (the flow's "opened").
    let p = if p.state == "waiting" {
        let id = p.id;
        desk.update(&state, id, |p| {
            if let Some(mut flow) = Desk::flow(p)? {
                flow.opened(now);
                p.flow = Some(serde_json::to_string(&flow).unwrap_or_default());
            }
            desk.settle(p, now)?;
            Ok(())
        })
        .await
        .map_err(internal)?;
        state.store().customs_parcel(id).await?.unwrap_or(p)
    } else {
        p
    };
    let view = View::new(&visit, &desk, &token, &headers)?;
    let mut page = view.page(&p, stage_of(&p))?;
    if page.stage == "closed" {
        page.notice = Some(page.t.t(if p.state == "refused" {
            "refused"
        } else {
            "closed"
        }));
    }
    if page.stage == "done" {
        page.notice = Some(page.t.t("thanks"));
    }
    view.respond(StatusCode::OK, &page)
}

type Pairs = Vec<(String, String)>;

fn first<'a>(pairs: &'a Pairs, name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// `POST /c/{token}`: the identity form and the consent.
pub(crate) async fn submit(
    State(state): State<AppState>,
    visit: Visitor,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Path(token): Path<String>,
    Form(pairs): Form<Pairs>,
) -> WebResult {
    let desk = desk(&state, visit.lang)?;
    check_csrf(&visit, &headers, first(&pairs, "csrf"))?;
    let p = parcel_of(&state, &desk, &token, ip, visit.lang).await?;
    let t = T(visit.lang);
    let view = View::new(&visit, &desk, &token, &headers)?;
    if !matches!(stage_of(&p), "form" | "code") {
        return Err(WebError::Status(StatusCode::CONFLICT, visit.lang));
    }
    let now = desk.now();
    let mut form = IdentityForm::default();
    let value = |name: &str| first(&pairs, name).unwrap_or_default().to_owned();
    form.surname = value("surname");
    form.given_name = value("given_name");
    form.patronymic = value("patronymic");
    form.document_type = "ru_passport".into();
    form.series = value("series");
    form.number = value("number");
    form.issued_on = value("issued_on");
    form.birth_date = value("birth_date");
    form.inn = value("inn");
    let consent = first(&pairs, "consent") == Some("1");
    let today = now.to_zoned(desk.tz.clone()).date();
    let validated = form.validate(today, &IdentityRules::default());
    if validated.is_err() || !consent {
        let mut page = view.page(&p, "form")?;
        page.error = Some(t.t("fix-errors"));
        page.consent = consent;
        if !consent {
            page.consent_error = Some(t.t("consent-missing"));
        }
        for f in &mut page.fields {
            f.value = value(f.name);
            if let Err(errors) = &validated
                && let Some(e) = errors.get(f.name)
            {
                f.error = Some(t.invalid(e.invalid.key()));
            }
        }
        // Only the fields' names and reasons: never the values.
        if let Err(errors) = &validated {
            let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
            tracing::info!(parcel = %p.id, fields = ?fields, "customs form refused");
        }
        return view.respond(StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    let Ok(validated) = validated else {
        return Err(WebError::Internal("unreachable".into()));
    };
    let sealed = desk
        .seal(
            super::IDENTITY,
            &p.record_key,
            &validated.identity.to_vault_bytes(),
        )
        .map_err(internal)?;
    let contact = desk
        .contact(&p)
        .map_err(internal)?
        .ok_or(WebError::Status(StatusCode::GONE, visit.lang))?;
    let phone = Phone::parse(&contact.phone).map_err(|_| WebError::Internal("phone".into()))?;
    let otp_key = format!("customs:{}", p.record_key);
    let throttled = desk
        .limits
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .send(&otp_key, ip, now);
    if throttled.is_err() {
        let mut page = view.page(&p, stage_of(&p))?;
        page.error = Some(t.t("throttled"));
        return view.respond(StatusCode::TOO_MANY_REQUESTS, &page);
    }
    let (code, issued) =
        IssuedCode::issue(&otp_key, &phone, now).map_err(|e| WebError::Internal(e.to_string()))?;
    let code_json =
        serde_json::to_string(&issued).map_err(|e| WebError::Internal(e.to_string()))?;
    let saved = desk
        .update(&state, p.id, |q| {
            q.identity = Some(sealed.clone());
            q.consent_at = Some(now);
            q.consent_version = Some(CONSENT_VERSION.into());
            q.code = Some(code_json.clone());
            q.state = "pending_code".into();
            Ok(())
        })
        .await
        .map_err(internal)?;
    if saved.is_none() {
        return Err(WebError::Status(StatusCode::NOT_FOUND, visit.lang));
    }
    state
        .store()
        .append_audit(&[AuditEntry {
            parcel: p.id,
            actor: "recipient".into(),
            action: "write_identity".into(),
            reason: format!("submitted with consent {CONSENT_VERSION}, awaiting the code"),
            at: now,
        }])
        .await?;
    // The code goes to the phone on file.
    let sms_text = {
        let link = RecipientLink::new(desk.public_url(), &token)
            .map_err(|e| WebError::Internal(e.to_string()))?;
        let email = Email::parse(&contact.email).map_err(|_| WebError::Internal("email".into()))?;
        let flow = Desk::flow(&p).map_err(internal)?;
        let ctx = MessageContext {
            carrier: &desk.config().carrier,
            tracking_number: p.tracking_number.as_str(),
            link: &link,
            email: &email,
            deadline: flow.map_or(now, |f| f.deadline(&desk.config().flow)),
            tz: &desk.tz,
            retention_days: desk.config().retention_days,
        };
        Zeroizing::new(render_code_sms(desk.lang, &code, &ctx))
    };
    let mut page_error = None;
    match &desk.sms {
        Some(sms) => {
            let key = format!("customs-{}-code-{}", p.record_key, now.as_second());
            if let Err(e) = sms.send(phone.as_str(), &sms_text, &key).await {
                tracing::warn!(parcel = %p.id, error = %e, "customs code SMS failed");
                page_error = Some(t.t("throttled"));
            }
        }
        None => tracing::warn!(parcel = %p.id, "customs code: no SMS gateway configured"),
    }
    let p = state.store().customs_parcel(p.id).await?.unwrap_or(p);
    let mut page = view.page(&p, "code")?;
    page.error = page_error;
    view.respond(StatusCode::OK, &page)
}

/// `POST /c/{token}/code`.
pub(crate) async fn code(
    State(state): State<AppState>,
    visit: Visitor,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Path(token): Path<String>,
    Form(pairs): Form<Pairs>,
) -> WebResult {
    let desk = desk(&state, visit.lang)?;
    check_csrf(&visit, &headers, first(&pairs, "csrf"))?;
    let p = parcel_of(&state, &desk, &token, ip, visit.lang).await?;
    let t = T(visit.lang);
    let view = View::new(&visit, &desk, &token, &headers)?;
    if p.state != "pending_code" {
        return Err(WebError::Status(StatusCode::CONFLICT, visit.lang));
    }
    let now = desk.now();
    if desk
        .limits
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .check(ip, now)
        .is_err()
    {
        let mut page = view.page(&p, "code")?;
        page.error = Some(t.t("throttled"));
        return view.respond(StatusCode::TOO_MANY_REQUESTS, &page);
    }
    let attempt = Zeroizing::new(first(&pairs, "code").unwrap_or_default().to_owned());
    let otp_key = format!("customs:{}", p.record_key);
    let cfg = desk.config().flow;
    let verdict = desk
        .update(&state, p.id, |q| {
            let contact = desk
                .contact(q)?
                .ok_or_else(|| DeskError::Corrupt("no contact".into()))?;
            let phone = Phone::parse(&contact.phone)
                .map_err(|_| DeskError::Corrupt(format!("parcel {}: phone", q.id)))?;
            let Some(mut issued) = q
                .code
                .as_deref()
                .and_then(|c| serde_json::from_str::<IssuedCode>(c).ok())
            else {
                return Ok(Verdict::Expired);
            };
            let verdict = issued.verify(&attempt, &otp_key, &phone, now, &desk.policy);
            q.code = Some(serde_json::to_string(&issued).unwrap_or_default());
            match verdict {
                Verdict::Accepted => {
                    let mut flow =
                        Desk::flow(q)?.ok_or_else(|| DeskError::Corrupt("no flow".into()))?;
                    if flow.submitted(now, &cfg).is_err() {
                        return Ok(Verdict::Expired);
                    }
                    q.flow = Some(serde_json::to_string(&flow).unwrap_or_default());
                    q.code = None;
                    q.state = "submitted".into();
                    desk.settle(q, now)?;
                }
                Verdict::Wrong { tries_left: 0 } | Verdict::Locked | Verdict::Expired => {
                    // Back to the form: a new code comes with a new submission.
                    q.state = "opened".into();
                    q.identity = None;
                    q.code = None;
                }
                _ => {}
            }
            Ok(verdict)
        })
        .await
        .map_err(internal)?
        .ok_or(WebError::Status(StatusCode::NOT_FOUND, visit.lang))?;
    tracing::info!(parcel = %p.id, verdict = ?verdict, "customs code checked");
    let p = state.store().customs_parcel(p.id).await?.unwrap_or(p);
    let status = match verdict {
        Verdict::Accepted => {
            state
                .store()
                .append_audit(&[AuditEntry {
                    parcel: p.id,
                    actor: "recipient".into(),
                    action: "confirm_identity".into(),
                    reason: "confirmed by the one-time code to the phone on file".into(),
                    at: now,
                }])
                .await?;
            let mut page = view.page(&p, "done")?;
            page.notice = Some(t.t("thanks"));
            return view.respond(StatusCode::OK, &page);
        }
        Verdict::Wrong { tries_left } if tries_left > 0 => {
            let mut page = view.page(&p, "code")?;
            page.error = Some(format!("{} {tries_left}", t.t("code-wrong")));
            return view.respond(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    };
    let mut page = view.page(&p, stage_of(&p))?;
    page.error = Some(t.t("code-expired"));
    view.respond(status, &page)
}

/// `POST /c/{token}/delivery`: `choice=pickup|<point>` (or `locker|`, `courier|`).
pub(crate) async fn delivery(
    State(state): State<AppState>,
    visit: Visitor,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Path(token): Path<String>,
    Form(pairs): Form<Pairs>,
) -> WebResult {
    let desk = desk(&state, visit.lang)?;
    check_csrf(&visit, &headers, first(&pairs, "csrf"))?;
    let p = parcel_of(&state, &desk, &token, ip, visit.lang).await?;
    if stage_of(&p) != "done" {
        return Err(WebError::Status(StatusCode::CONFLICT, visit.lang));
    }
    let (kind, choice) = first(&pairs, "choice")
        .and_then(|c| c.split_once('|'))
        .ok_or(WebError::Status(StatusCode::BAD_REQUEST, visit.lang))?;
    let c = desk.config();
    let offered = match kind {
        "pickup" => &c.pickup_points,
        "locker" => &c.lockers,
        "courier" => &c.courier_slots,
        _ => return Err(WebError::Status(StatusCode::BAD_REQUEST, visit.lang)),
    };
    if !offered.iter().any(|o| o == choice) {
        return Err(WebError::Status(StatusCode::BAD_REQUEST, visit.lang));
    }
    let now = desk.now();
    let d = Delivery {
        kind: kind.to_owned(),
        choice: choice.to_owned(),
        chosen_at: now,
    };
    let json = serde_json::to_string(&d).map_err(|e| WebError::Internal(e.to_string()))?;
    desk.update(&state, p.id, |q| {
        q.delivery = Some(json.clone());
        Ok(())
    })
    .await
    .map_err(internal)?;
    tracing::info!(parcel = %p.id, kind, "customs delivery chosen");
    let view = View::new(&visit, &desk, &token, &headers)?;
    let p = state.store().customs_parcel(p.id).await?.unwrap_or(p);
    let mut page = view.page(&p, "done")?;
    page.notice = Some(T(visit.lang).t("thanks"));
    view.respond(StatusCode::OK, &page)
}

#[derive(Debug, serde::Deserialize)]
pub(crate) struct WhereQuery {
    number: Option<String>,
}

/// `GET /c/{token}/where?number=`: this parcel's status when the number is its own; the
/// link never tells anything about another parcel.
pub(crate) async fn where_is(
    State(state): State<AppState>,
    visit: Visitor,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Path(token): Path<String>,
    Query(q): Query<WhereQuery>,
) -> WebResult {
    let desk = desk(&state, visit.lang)?;
    let p = parcel_of(&state, &desk, &token, ip, visit.lang).await?;
    let t = T(visit.lang);
    let view = View::new(&visit, &desk, &token, &headers)?;
    let mut page = view.page(&p, stage_of(&p))?;
    let asked = q.number.unwrap_or_default();
    let norm = |s: &str| -> String {
        s.chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .map(|c| c.to_ascii_uppercase())
            .collect()
    };
    page.where_result = Some(if norm(&asked) == norm(p.tracking_number.as_str()) {
        format!(
            "{} {}: {}",
            t.t("parcel"),
            p.tracking_number.as_str(),
            t.t(&format!("state-{}", p.state))
        )
    } else {
        t.t("where-none")
    });
    view.respond(StatusCode::OK, &page)
}

/// `GET /c/{token}/refuse`: asks; refuses nothing.
pub(crate) async fn refuse_page(
    State(state): State<AppState>,
    visit: Visitor,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> WebResult {
    let desk = desk(&state, visit.lang)?;
    let p = parcel_of(&state, &desk, &token, ip, visit.lang).await?;
    let view = View::new(&visit, &desk, &token, &headers)?;
    let t = T(visit.lang);
    let page = RefusePage {
        c: Chrome::new(&visit, t.t("refuse-title"), ""),
        t,
        token: token.clone(),
        csrf: csrf_of(&view.secret),
        tracking: p.tracking_number.as_str().to_owned(),
    };
    view.respond(StatusCode::OK, &page)
}

/// `POST /c/{token}/refuse`: the recipient refuses; the parcel goes back to the shop.
pub(crate) async fn refuse(
    State(state): State<AppState>,
    visit: Visitor,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Path(token): Path<String>,
    Form(pairs): Form<Pairs>,
) -> WebResult {
    let desk = desk(&state, visit.lang)?;
    check_csrf(&visit, &headers, first(&pairs, "csrf"))?;
    let p = parcel_of(&state, &desk, &token, ip, visit.lang).await?;
    let now = desk.now();
    let cfg = desk.config().flow;
    desk.update(&state, p.id, |q| {
        if let Some(mut flow) = Desk::flow(q)?
            && flow.refused(now, &cfg).is_ok()
        {
            q.flow = Some(serde_json::to_string(&flow).unwrap_or_default());
            q.identity = None;
            q.code = None;
            desk.settle(q, now)?;
        }
        Ok(())
    })
    .await
    .map_err(internal)?;
    tracing::info!(parcel = %p.id, "customs request refused by the recipient");
    desk.wake();
    let p = state.store().customs_parcel(p.id).await?.unwrap_or(p);
    let view = View::new(&visit, &desk, &token, &headers)?;
    let mut page = view.page(&p, "closed")?;
    page.notice = Some(T(visit.lang).t("refused"));
    view.respond(StatusCode::OK, &page)
}

/// `GET /customs/checklist`: for buyers whose parcel needs customs data.
pub(crate) async fn checklist(visit: Visitor) -> Response {
    let t = T(visit.lang);
    let page = ChecklistPage {
        c: Chrome::new(&visit, t.t("checklist-title"), ""),
        t,
    };
    match page.render() {
        Ok(body) => (no_store(), axum::response::Html(body)).into_response(),
        Err(e) => WebError::Render(e).into_response(),
    }
}
