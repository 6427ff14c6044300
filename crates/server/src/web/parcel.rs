//! `/parcels/{id}`: one parcel's stage, findings with their drafts, buyer protection, ETA and
//! timeline; archiving it, and noting that the seller was written to.

use askama::Template;
use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use jiff::Timestamp;
use posylka_core::event_time::EventTime;
use posylka_core::shipment::{Leg, ShipmentId};
use posylka_store::{ShipmentTimeline, Store};
use posylka_watchdog::EtaBasis;
use posylka_watchdog::messages::label;
use serde::Deserialize;

use super::assess;
use super::format;
use super::i18n::Tr;
use super::session::Member;
use super::{Chrome, WebError, WebResult, html};
use crate::state::AppState;

/// One of the parcel's numbers.
#[derive(Debug, Clone)]
pub(crate) struct NumberLine {
    pub number: String,
    pub carrier: Option<String>,
    /// The leg in words (the whole way, origin side, destination side).
    pub leg: String,
}

/// The marketplace order.
#[derive(Debug, Clone)]
pub(crate) struct OrderLine {
    pub marketplace: String,
    pub number: String,
    /// When the user wrote to the seller.
    pub contacted: Option<String>,
}

/// Buyer protection's end.
#[derive(Debug, Clone)]
pub(crate) struct Countdown {
    /// The date.
    pub ends: String,
    /// How far ("in 12 days").
    pub rel: String,
    /// Whole days left (negative once ended).
    pub days_left: i64,
    /// Whether it has ended.
    pub ended: bool,
    /// Ten days or fewer left.
    pub soon: bool,
}

/// The arrival window.
#[derive(Debug, Clone)]
pub(crate) struct EtaLine {
    pub earliest: String,
    pub latest: String,
    pub likely: String,
    pub basis: String,
}

/// A finding as the page shows it.
#[derive(Debug, Clone)]
pub(crate) struct FindingBox {
    /// Element id prefix (`f0`).
    pub id: String,
    pub severity: &'static str,
    pub severity_label: String,
    pub title: String,
    pub message: String,
    pub due: Option<String>,
    pub overdue: bool,
    /// The text to send to the seller or the marketplace (English), if any.
    pub draft: Option<String>,
    /// Customs asks for identity data: link to the checklist (`/customs/checklist`).
    pub customs_checklist: bool,
}

/// One source's report of an event: the carrier's own words.
#[derive(Debug, Clone)]
pub(crate) struct SourceLine {
    pub text: String,
    pub code: Option<String>,
    pub source: String,
    pub number: String,
}

/// One event of the timeline.
#[derive(Debug, Clone)]
pub(crate) struct EventLine {
    /// Day and time in the user's zone.
    pub when: String,
    /// Machine-readable instant for `<time datetime>`.
    pub datetime: String,
    /// The milestone in plain words.
    pub milestone: String,
    /// Its stage group (for its marker).
    pub group: &'static str,
    pub location: Option<String>,
    pub sources: Vec<SourceLine>,
}

#[derive(Template)]
#[template(path = "parcel.html")]
struct ParcelPage {
    c: Chrome,
    id: i64,
    number: String,
    carrier: Option<String>,
    numbers: Vec<NumberLine>,
    order: Option<OrderLine>,
    stage: String,
    group: &'static str,
    stage_since: Option<String>,
    archived: bool,
    protection: Option<Countdown>,
    eta: Option<EtaLine>,
    findings: Vec<FindingBox>,
    events: Vec<EventLine>,
    can_mark_contacted: bool,
    zone: String,
}

/// The signed-in user's shipment `raw`, or 404 (also when it is someone else's).
async fn owned(state: &AppState, member: &Member, raw: &str) -> Result<ShipmentId, WebError> {
    let not_found = || WebError::Status(StatusCode::NOT_FOUND, member.visit.lang);
    let id: ShipmentId = raw.parse().map_err(|_| not_found())?;
    match state.store().shipment_access(id).await? {
        Some(access) if access.owner == Some(member.me.user.id) => Ok(id),
        _ => Err(not_found()),
    }
}

fn leg_key(leg: Leg) -> &'static str {
    match leg {
        Leg::Through => "leg-through",
        Leg::FirstMile => "leg-first-mile",
        Leg::LastMile => "leg-last-mile",
    }
}

fn build(member: &Member, st: &ShipmentTimeline, archived: bool, now: Timestamp) -> ParcelPage {
    let lang = member.visit.lang;
    let tr = Tr(lang);
    let zone = &member.me.zone;
    let s = &st.shipment;
    let report = assess::report(st, now);
    let number = s
        .numbers
        .first()
        .map(|l| l.number.as_str().to_owned())
        .unwrap_or_default();
    let milestone = s.status.as_ref().map(|x| x.milestone);
    let protection = report.protection_ends_at.map(|ends| {
        let days_left = format::days_between(zone, now, ends);
        Countdown {
            ends: format::date(lang, zone, ends),
            rel: format::relative(tr, zone, now, ends),
            days_left,
            ended: ends <= now,
            soon: ends > now && days_left <= 10,
        }
    });
    let eta = report.eta.map(|e| EtaLine {
        earliest: format::date(lang, zone, e.earliest),
        latest: format::date(lang, zone, e.latest),
        likely: format::date(lang, zone, e.likely),
        basis: match e.basis {
            EtaBasis::Lane { samples } => label(
                lang,
                "ui-eta-basis",
                &[("basis", "lane"), ("samples", &samples.to_string())],
            ),
            EtaBasis::Prior { service } => label(
                lang,
                "ui-eta-basis",
                &[("basis", "prior"), ("service", service.key())],
            ),
        },
    });
    let findings = report
        .findings
        .iter()
        .enumerate()
        .map(|(i, f)| FindingBox {
            id: format!("f{i}"),
            severity: f.severity.key(),
            severity_label: tr.args("severity", &[("severity", f.severity.key())]),
            title: tr.t(&format!("finding-{}", f.code.key())),
            customs_checklist: f.code.key() == "customs_data_required",
            message: f.message(lang, zone),
            due: f.due_at.map(|due| {
                format!(
                    "{} ({})",
                    format::date(lang, zone, due),
                    format::relative(tr, zone, now, due)
                )
            }),
            overdue: f.due_at.is_some_and(|due| due < now),
            draft: f.draft(zone),
        })
        .collect();
    // Newest first: what happened last is what people look for.
    let events = st
        .timeline
        .events()
        .iter()
        .rev()
        .map(|e| EventLine {
            when: format::date_time(lang, zone, e.at.instant()),
            datetime: e.at.to_string(),
            milestone: assess::milestone_label(lang, e.milestone).to_owned(),
            group: assess::stage_group(Some(e.milestone)),
            location: e
                .location
                .clone()
                .or_else(|| e.country.map(|c| c.to_string())),
            sources: e
                .sources
                .iter()
                .map(|r| SourceLine {
                    text: r.text.clone(),
                    code: r.code.clone(),
                    source: r.source.to_string(),
                    number: r.number.to_string(),
                })
                .collect(),
        })
        .collect();
    let order = s.order.as_ref().map(|o| OrderLine {
        marketplace: assess::marketplace_name(o.marketplace()),
        number: o.order_number().to_owned(),
        contacted: o
            .seller_contacted_at
            .map(|t| format::date(lang, zone, t.instant())),
    });
    ParcelPage {
        c: Chrome::new(&member.visit, number.clone(), "list"),
        id: s.id.get(),
        carrier: assess::carrier_name(&number),
        numbers: s
            .numbers
            .iter()
            .map(|l| NumberLine {
                number: l.number.to_string(),
                carrier: assess::carrier_name(l.number.as_str()),
                leg: tr.t(leg_key(l.leg)),
            })
            .collect(),
        number,
        can_mark_contacted: order.as_ref().is_some_and(|o| o.contacted.is_none()),
        order,
        stage: milestone.map_or_else(
            || tr.t("stage-none"),
            |m| assess::milestone_label(lang, m).to_owned(),
        ),
        group: assess::stage_group(milestone),
        stage_since: s.status.as_ref().map(|x| {
            let at = x.at.instant();
            format!(
                "{} ({})",
                format::date_time(lang, zone, at),
                format::relative(tr, zone, now, at)
            )
        }),
        archived,
        protection,
        eta,
        findings,
        events,
        zone: zone.iana_name().unwrap_or("UTC").to_owned(),
    }
}

/// `GET /parcels/{id}`.
pub(crate) async fn page(
    State(state): State<AppState>,
    member: Member,
    Path(raw): Path<String>,
) -> WebResult {
    let id = owned(&state, &member, &raw).await?;
    let lang = member.visit.lang;
    let access = state.store().shipment_access(id).await?;
    let st = state
        .store()
        .shipment_timeline(id)
        .await?
        .ok_or(WebError::Status(StatusCode::NOT_FOUND, lang))?;
    let archived = access.is_some_and(|a| a.archived_at.is_some());
    html(&build(&member, &st, archived, Timestamp::now()))
}

/// The archive form's fields.
#[derive(Debug, Deserialize)]
pub(crate) struct ArchiveForm {
    csrf: Option<String>,
    /// `1` to archive, `0` to bring back.
    archive: Option<String>,
}

/// `POST /parcels/{id}/archive`: archives the parcel or brings it back.
pub(crate) async fn archive(
    State(state): State<AppState>,
    member: Member,
    Path(raw): Path<String>,
    form: Result<Form<ArchiveForm>, FormRejection>,
) -> WebResult {
    let lang = member.visit.lang;
    let Ok(Form(form)) = form else {
        return Err(WebError::Status(StatusCode::BAD_REQUEST, lang));
    };
    member.check_csrf(form.csrf.as_deref())?;
    let id = owned(&state, &member, &raw).await?;
    let when = (form.archive.as_deref() != Some("0")).then(Timestamp::now);
    state.store().set_archived(id, when).await?;
    Ok(Redirect::to(&format!("/parcels/{}", id.get())).into_response())
}

/// The "I wrote to the seller" form's fields.
#[derive(Debug, Deserialize)]
pub(crate) struct ContactedForm {
    csrf: Option<String>,
}

/// `POST /parcels/{id}/contacted`: notes that the user wrote to the seller today, which moves
/// the watchdog's advice on (wait for the answer, then dispute).
pub(crate) async fn contacted(
    State(state): State<AppState>,
    member: Member,
    Path(raw): Path<String>,
    form: Result<Form<ContactedForm>, FormRejection>,
) -> WebResult {
    let lang = member.visit.lang;
    let Ok(Form(form)) = form else {
        return Err(WebError::Status(StatusCode::BAD_REQUEST, lang));
    };
    member.check_csrf(form.csrf.as_deref())?;
    let id = owned(&state, &member, &raw).await?;
    let shipment = state
        .store()
        .shipment(id)
        .await?
        .ok_or(WebError::Status(StatusCode::NOT_FOUND, lang))?;
    let Some(mut order) = shipment.order else {
        return Err(WebError::Status(StatusCode::BAD_REQUEST, lang));
    };
    if order.seller_contacted_at.is_none() {
        let now = Timestamp::now().to_zoned(member.me.zone.clone());
        order.seller_contacted_at = Some(EventTime::from_zoned(&now));
        state.store().set_order(id, Some(&order)).await?;
    }
    Ok(Redirect::to(&format!("/parcels/{}", id.get())).into_response())
}
