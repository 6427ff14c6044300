//! `/add`: paste any text (an e-mail, an SMS, an order page), see the numbers found in it with
//! their carriers and order numbers flagged, confirm, and the parcels are followed.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::extract::rejection::FormRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use jiff::Timestamp;
use posylka_core::account::UserId;
use posylka_core::order::Order;
use posylka_core::shipment::{Leg, NewShipment, ShipmentId, TrackingNumber};
use posylka_store::{Store, StoreError};
use posylka_watchdog::Lang;
use tracknum::{Identification, NumberKind, Problem};

use super::i18n::Tr;
use super::session::Member;
use super::{Chrome, WebError, WebResult, html, html_status};
use crate::state::AppState;

/// Most numbers listed from one text, and created in one confirmation.
pub(crate) const MAX_NUMBERS: usize = 50;

/// A number found in the pasted text.
#[derive(Debug, Clone)]
pub(crate) struct Found {
    /// The canonical number (what a checkbox sends).
    pub number: String,
    /// As written in the text, when it differs (spaces, Cyrillic look-alikes).
    pub written: Option<String>,
    /// `tracking`, `order` or `unknown`.
    pub kind: &'static str,
    /// Who carries it, or for an order number the marketplace.
    pub carrier: Option<String>,
    /// The format's name (`UPU S10 international`).
    pub format: Option<String>,
    /// What is wrong with it, in words.
    pub problem: Option<String>,
    /// The user's parcel already following it.
    pub existing: Option<String>,
    /// Ticked by default: a valid tracking number not yet followed.
    pub checked: bool,
    /// The checkbox's id.
    pub field: String,
}

#[derive(Template)]
#[template(path = "add.html")]
struct AddPage {
    c: Chrome,
    text: String,
    scanned: bool,
    found: Vec<Found>,
    tracking: usize,
    orders: Vec<Found>,
    /// The order number ticked to attach (when exactly one was found).
    order_checked: bool,
    message: Option<String>,
}

impl AddPage {
    fn new(c: Chrome, text: String) -> Self {
        Self {
            c,
            text,
            scanned: false,
            found: Vec::new(),
            tracking: 0,
            orders: Vec::new(),
            order_checked: false,
            message: None,
        }
    }
}

/// `GET /add`.
pub(crate) async fn form(member: Member) -> WebResult {
    let tr = Tr(member.visit.lang);
    let c = Chrome::new(&member.visit, tr.t("add-title"), "add");
    html(&AddPage::new(c, String::new()))
}

/// A problem in words.
fn problem_text(tr: Tr, problem: &Problem) -> Option<String> {
    Some(match problem {
        Problem::CheckDigitMismatch {
            expected, found, ..
        } => tr.args(
            "problem-check-digit",
            &[
                ("expected", expected.encode_utf8(&mut [0; 4])),
                ("found", found.encode_utf8(&mut [0; 4])),
            ],
        ),
        Problem::DomesticOnly { country } => tr.args(
            "problem-domestic",
            &[("country", country.unwrap_or("none"))],
        ),
        Problem::UnknownCountry { code } => {
            tr.args("problem-unknown-country", &[("code", code.as_str())])
        }
        Problem::SuspiciousSerial => tr.t("problem-suspicious-serial"),
        Problem::UnknownFormat => tr.t("problem-unknown-format"),
        // Order numbers are shown as such; unreadable input is never a scan hit.
        Problem::OrderNumber { .. } | Problem::Unreadable(_) => return None,
    })
}

/// The user's parcel that follows `number` today, if any.
async fn followed_by(
    state: &AppState,
    user: UserId,
    number: &TrackingNumber,
) -> Result<Option<ShipmentId>, StoreError> {
    let store = state.store();
    // Newest link first: the first shipment is where today's events go.
    let Some(shipment) = store.find_by_number(number).await?.into_iter().next() else {
        return Ok(None);
    };
    let access = store.shipment_access(shipment.id).await?;
    Ok(access
        .filter(|a| a.owner == Some(user))
        .map(|_| shipment.id))
}

fn describe(tr: Tr, number: &str, written: &str, id: &Identification) -> Found {
    let kind = match id.kind() {
        NumberKind::Tracking => "tracking",
        NumberKind::OrderNumber => "order",
        NumberKind::Unknown => "unknown",
    };
    let best = id.best();
    let compact: String = written.chars().filter(|c| !c.is_whitespace()).collect();
    Found {
        number: number.to_owned(),
        written: (compact != number).then(|| written.trim().to_owned()),
        kind,
        carrier: best.map(|c| c.carrier.name.clone()),
        format: best.map(|c| c.format.name.clone()),
        problem: id.problems.iter().find_map(|p| problem_text(tr, p)),
        existing: None,
        checked: kind == "tracking" && id.is_valid(),
        field: String::new(),
    }
}

/// The add form's fields.
#[derive(Debug, serde::Deserialize)]
pub(crate) struct ScanForm {
    csrf: Option<String>,
    #[serde(default)]
    text: String,
}

/// `POST /add`: finds the numbers in the text and lists them to confirm.
pub(crate) async fn scan(
    State(state): State<AppState>,
    member: Member,
    form: Result<Form<ScanForm>, FormRejection>,
) -> WebResult {
    let lang = member.visit.lang;
    let Ok(Form(form)) = form else {
        return Err(WebError::Status(StatusCode::BAD_REQUEST, lang));
    };
    member.check_csrf(form.csrf.as_deref())?;
    let tr = Tr(lang);
    let mut found: Vec<Found> = Vec::new();
    tracknum::scan(form.text.as_bytes(), |hit| {
        let Some(number) = hit
            .identification
            .number
            .as_ref()
            .map(|n| n.as_str().to_owned())
        else {
            return;
        };
        if found.len() < MAX_NUMBERS && !found.iter().any(|f| f.number == number) {
            found.push(describe(tr, &number, hit.text, hit.identification));
        }
    });
    for (i, f) in found.iter_mut().enumerate() {
        f.field = format!("n{i}");
        if f.kind == "order" {
            continue;
        }
        if let Ok(number) = TrackingNumber::parse(&f.number)
            && let Some(id) = followed_by(&state, member.me.user.id, &number).await?
        {
            f.existing = Some(format!("/parcels/{}", id.get()));
            f.checked = false;
        }
    }
    let (orders, found): (Vec<Found>, Vec<Found>) =
        found.into_iter().partition(|f| f.kind == "order");
    let mut page = AddPage::new(
        Chrome::new(&member.visit, tr.t("add-title"), "add"),
        form.text,
    );
    page.scanned = true;
    page.tracking = found.iter().filter(|f| f.checked).count();
    page.order_checked = orders.len() == 1;
    if found.is_empty() && orders.is_empty() {
        page.message = Some(tr.t("add-none-found"));
    }
    page.found = found;
    page.orders = orders;
    html(&page)
}

/// What happened to one number on confirmation.
#[derive(Debug, Clone)]
pub(crate) struct Outcome {
    pub number: String,
    /// The parcel's page, when it was created or already followed.
    pub href: Option<String>,
    /// What went wrong, in words.
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "added.html")]
struct AddedPage {
    c: Chrome,
    outcomes: Vec<Outcome>,
    created: usize,
}

/// The order to attach, from its number alone: re-identified here, never trusted from the form.
fn order_of(number: &str) -> Option<Order> {
    let id = tracknum::identify(number);
    if id.kind() != NumberKind::OrderNumber {
        return None;
    }
    let marketplace = id.best()?.carrier.id.clone();
    let canonical = id.number.as_ref()?.as_str().to_owned();
    Order::new(&marketplace, &canonical).ok()
}

async fn follow(
    state: &AppState,
    user: UserId,
    lang: Lang,
    raw: &str,
    order: Option<&Order>,
    now: Timestamp,
) -> Result<Outcome, WebError> {
    let tr = Tr(lang);
    let fail = |key: &str| Outcome {
        number: raw.to_owned(),
        href: None,
        error: Some(tr.t(key)),
    };
    let Ok(number) = TrackingNumber::parse(raw) else {
        return Ok(fail("add-error-invalid"));
    };
    if tracknum::identify(number.as_str()).kind() == NumberKind::OrderNumber {
        return Ok(fail("add-error-order-number"));
    }
    let Ok(mut new) = NewShipment::new(vec![(number.clone(), Leg::Through)], now) else {
        return Ok(fail("add-error-invalid"));
    };
    new = new.with_owner(user);
    if let Some(order) = order {
        new = new.with_order(order.clone());
    }
    match state.store().create_shipment(&new).await {
        Ok(id) => Ok(Outcome {
            number: number.to_string(),
            href: Some(format!("/parcels/{}", id.get())),
            error: None,
        }),
        Err(
            StoreError::NumberInUse { shipment, .. } | StoreError::AlreadyLinked { shipment, .. },
        ) => {
            let mine = state
                .store()
                .shipment_access(shipment)
                .await?
                .is_some_and(|a| a.owner == Some(user));
            Ok(if mine {
                Outcome {
                    number: number.to_string(),
                    href: Some(format!("/parcels/{}", shipment.get())),
                    error: Some(tr.t("add-error-followed")),
                }
            } else {
                fail("add-error-in-use")
            })
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /add/confirm`: follows each ticked number (one parcel each), with the ticked order.
pub(crate) async fn confirm(
    State(state): State<AppState>,
    member: Member,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> WebResult {
    let lang = member.visit.lang;
    let Ok(Form(fields)) = form else {
        return Err(WebError::Status(StatusCode::BAD_REQUEST, lang));
    };
    let csrf = fields
        .iter()
        .find(|(k, _)| k == "csrf")
        .map(|(_, v)| v.as_str());
    member.check_csrf(csrf)?;
    let mut numbers: Vec<&str> = fields
        .iter()
        .filter(|(k, _)| k == "number")
        .map(|(_, v)| v.as_str())
        .collect();
    let mut seen = std::collections::HashSet::new();
    numbers.retain(|n| seen.insert(*n));
    let order = fields
        .iter()
        .find(|(k, _)| k == "order")
        .and_then(|(_, v)| order_of(v));
    let tr = Tr(lang);
    if numbers.is_empty() || numbers.len() > MAX_NUMBERS {
        let mut page = AddPage::new(
            Chrome::new(&member.visit, tr.t("add-title"), "add"),
            String::new(),
        );
        page.message = Some(tr.t("add-choose"));
        return html_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    let now = Timestamp::now();
    let mut outcomes = Vec::with_capacity(numbers.len());
    for raw in numbers {
        outcomes.push(follow(&state, member.me.user.id, lang, raw, order.as_ref(), now).await?);
    }
    let created = outcomes.iter().filter(|o| o.error.is_none()).count();
    if created == outcomes.len() {
        return Ok(Redirect::to(&format!("/?added={created}")).into_response());
    }
    let page = AddedPage {
        c: Chrome::new(&member.visit, tr.t("added-title"), "add"),
        outcomes,
        created,
    };
    html(&page)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_order_is_attached_only_for_an_order_number() {
        let order = order_of("3074935419642839").expect("an AliExpress order number");
        assert_eq!(order.marketplace(), "aliexpress");
        assert_eq!(order.order_number(), "3074935419642839");
        assert!(order_of("RA123456785CN").is_none());
        assert!(order_of("not a number").is_none());
    }

    #[test]
    fn found_numbers_are_described_in_the_language() {
        let id = tracknum::identify("RA123456786CN");
        // Cyrillic look-alike letters: shown as written, so the user sees what was read.
        let f = describe(Tr(Lang::En), "RA123456786CN", "РА 123 456 786 CN", &id);
        assert_eq!(f.kind, "tracking");
        assert!(!f.checked, "a check-digit error is not ticked");
        assert_eq!(f.written.as_deref(), Some("РА 123 456 786 CN"));
        // Spaces alone are not worth repeating.
        let spaced = describe(Tr(Lang::En), "RA123456786CN", "RA 123 456 786 CN", &id);
        assert_eq!(spaced.written, None);
        let problem = f.problem.expect("a problem");
        assert!(problem.contains('5') && problem.contains('6'), "{problem}");
        let ok = tracknum::identify("RA123456785CN");
        let f = describe(Tr(Lang::Ru), "RA123456785CN", "RA123456785CN", &ok);
        assert!(f.checked && f.written.is_none() && f.problem.is_none());
        assert_eq!(f.carrier.as_deref(), Some("China Post"));
    }
}
