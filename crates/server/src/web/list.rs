//! `GET /`: the parcel list, the most urgent first.

use askama::Template;
use axum::extract::{Query, State};
use jiff::Timestamp;
use posylka_core::account::{ArchiveFilter, ShipmentFilter};
use posylka_store::Store;
use posylka_watchdog::Severity;
use serde::Deserialize;

use super::assess::{self, STAGE_GROUPS};
use super::format;
use super::session::Member;
use super::{Chrome, WebResult, html};
use crate::state::AppState;

/// Most parcels the list judges per view (each is judged by the watchdog on every view, so
/// that the order is always today's); beyond it the oldest ones are left out, and said so.
pub(crate) const MAX_JUDGED: usize = 5000;
/// Rows per page.
pub(crate) const PAGE_ROWS: usize = 100;
/// Parcels read from the store at a time.
const STORE_PAGE: usize = 500;

/// The list's filters, all optional.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ListQuery {
    /// A stage group (`moving`, `customs`...).
    stage: Option<String>,
    /// `action` (something to do) or `attention` (to do or to watch).
    need: Option<String>,
    /// A marketplace.
    shop: Option<String>,
    /// `archived` or `all`; active parcels otherwise.
    show: Option<String>,
    /// How many parcels were just added (the notice after "Add parcels").
    added: Option<u32>,
    /// The page of rows, from 1.
    page: Option<usize>,
}

impl ListQuery {
    /// The filters as a query string for the page links (`stage=moving&`), empty without.
    fn filters_query(&self) -> String {
        let mut out = String::new();
        for (key, value) in [
            ("stage", &self.stage),
            ("need", &self.need),
            ("shop", &self.shop),
            ("show", &self.show),
        ] {
            if let Some(v) = value.as_deref().filter(|v| !v.is_empty()) {
                out.push_str(&format!("{key}={}&", super::session::encode_query_value(v)));
            }
        }
        out
    }
}

/// An option of a filter's `<select>`.
#[derive(Debug, Clone)]
pub(crate) struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// The most urgent finding of a parcel, for its row.
#[derive(Debug, Clone)]
pub(crate) struct TopFinding {
    /// `action`, `warning`, `info`.
    pub severity: &'static str,
    /// The severity in words.
    pub severity_label: String,
    /// A short title.
    pub title: String,
    /// The deadline, if any: date and how far.
    pub due: Option<String>,
    /// Whether the deadline has passed.
    pub overdue: bool,
}

/// One parcel's row.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    pub href: String,
    pub number: String,
    pub carrier: Option<String>,
    pub more_numbers: usize,
    pub order: Option<String>,
    /// The stage group's key (for its marker).
    pub group: &'static str,
    /// The current milestone in words.
    pub stage: String,
    /// When the last event happened: date and how long ago.
    pub since: Option<String>,
    pub top: Option<TopFinding>,
    /// Further findings beyond the top one.
    pub more_findings: usize,
    pub archived: bool,
}

#[derive(Template)]
#[template(path = "list.html")]
struct ListPage {
    c: Chrome,
    rows: Vec<Row>,
    total: usize,
    needing_action: usize,
    stages: Vec<Choice>,
    needs: Vec<Choice>,
    shops: Vec<Choice>,
    shows: Vec<Choice>,
    filtered: bool,
    added: Option<String>,
    /// Tracking sources that are not answering now, in words.
    sources_down: Option<String>,
    truncated: bool,
    /// How many pages there are, and which is shown, in words.
    pages: usize,
    page_of: String,
    /// Links to the previous and next pages.
    prev: Option<String>,
    next: Option<String>,
}

fn choices(
    current: Option<&str>,
    all_label: String,
    options: Vec<(String, String)>,
) -> Vec<Choice> {
    let current = current.unwrap_or_default();
    std::iter::once((String::new(), all_label))
        .chain(options)
        .map(|(value, label)| Choice {
            selected: value == current,
            value,
            label,
        })
        .collect()
}

/// `GET /`.
/// The notice naming the tracking sources that are down, if any.
fn sources_down(state: &AppState, tr: super::i18n::Tr) -> Option<String> {
    let down: Vec<String> = state
        .polling()?
        .health()
        .into_iter()
        .filter(|s| !s.up)
        .map(|s| s.name)
        .collect();
    (!down.is_empty()).then(|| tr.args("sources-down-notice", &[("sources", &down.join(", "))]))
}

pub(crate) async fn page(
    State(state): State<AppState>,
    member: Member,
    Query(q): Query<ListQuery>,
) -> WebResult {
    let Member { visit, me } = member;
    let tr = super::i18n::Tr(visit.lang);
    let now = Timestamp::now();
    let archive = match q.show.as_deref() {
        Some("archived") => ArchiveFilter::Archived,
        Some("all") => ArchiveFilter::All,
        _ => ArchiveFilter::Active,
    };
    // Newest last in id order: read along the keys, then keep the newest when over the cap.
    let mut owned = Vec::new();
    let mut after = None;
    loop {
        let filter = ShipmentFilter {
            archive,
            after,
            limit: STORE_PAGE,
            ..ShipmentFilter::default()
        };
        let batch = state.store().owned_shipments(me.user.id, &filter).await?;
        let done = batch.len() < STORE_PAGE;
        after = batch.last().map(|o| o.shipment.id);
        owned.extend(batch);
        if done || after.is_none() {
            break;
        }
    }
    let truncated = owned.len() > MAX_JUDGED;
    if truncated {
        owned.drain(..owned.len() - MAX_JUDGED);
    }
    let mut marketplaces: Vec<String> = owned
        .iter()
        .filter_map(|o| {
            o.shipment
                .order
                .as_ref()
                .map(|o| o.marketplace().to_owned())
        })
        .collect();
    marketplaces.sort_unstable();
    marketplaces.dedup();

    let stage = q.stage.as_deref().filter(|s| STAGE_GROUPS.contains(s));
    let shop = q
        .shop
        .as_deref()
        .filter(|s| marketplaces.iter().any(|m| m == s));
    let need = q
        .need
        .as_deref()
        .filter(|n| matches!(*n, "action" | "attention"));

    let mut ranked = Vec::new();
    let mut needing_action = 0;
    for owned in &owned {
        let s = &owned.shipment;
        let milestone = s.status.as_ref().map(|st| st.milestone);
        let group = assess::stage_group(milestone);
        if stage.is_some_and(|g| g != group) {
            continue;
        }
        if shop.is_some_and(|m| s.order.as_ref().is_none_or(|o| o.marketplace() != m)) {
            continue;
        }
        let Some(st) = state.store().shipment_timeline(s.id).await? else {
            // Deleted between the two reads.
            continue;
        };
        let report = assess::report(&st, now);
        let top_severity = report.findings.first().map(|f| f.severity);
        if top_severity == Some(Severity::Action) {
            needing_action += 1;
        }
        let keep = match need {
            Some("action") => top_severity == Some(Severity::Action),
            Some(_) => top_severity >= Some(Severity::Warning),
            None => true,
        };
        if !keep {
            continue;
        }
        let number = s
            .numbers
            .first()
            .map(|l| l.number.as_str().to_owned())
            .unwrap_or_default();
        let top = report.findings.first().map(|f| TopFinding {
            severity: f.severity.key(),
            severity_label: tr.args("severity", &[("severity", f.severity.key())]),
            title: tr.t(&format!("finding-{}", f.code.key())),
            due: f.due_at.map(|due| {
                format!(
                    "{} ({})",
                    format::date(visit.lang, &me.zone, due),
                    format::relative(tr, &me.zone, now, due)
                )
            }),
            overdue: f.due_at.is_some_and(|due| due < now),
        });
        let last = s.status.as_ref().map(|st| st.at.instant());
        let row = Row {
            href: format!("/parcels/{}", s.id.get()),
            carrier: assess::carrier_name(&number),
            number,
            more_numbers: s.numbers.len().saturating_sub(1),
            order: s.order.as_ref().map(|o| {
                format!(
                    "{} {}",
                    assess::marketplace_name(o.marketplace()),
                    o.order_number()
                )
            }),
            group,
            stage: milestone.map_or_else(
                || tr.t("stage-none"),
                |m| assess::milestone_label(visit.lang, m).to_owned(),
            ),
            since: last.map(|at| {
                format!(
                    "{} ({})",
                    format::date_time(visit.lang, &me.zone, at),
                    format::relative(tr, &me.zone, now, at)
                )
            }),
            more_findings: report.findings.len().saturating_sub(1),
            top,
            archived: owned.archived_at.is_some(),
        };
        // Most urgent first; among equals, the most recent movement first, then the newest.
        let key = (
            assess::urgency(&report),
            last.unwrap_or(st.shipment.created_at),
            s.id,
        );
        ranked.push((key, row));
    }
    ranked.sort_by_key(|(key, _)| std::cmp::Reverse(*key));
    let total = ranked.len();
    let pages = total.div_ceil(PAGE_ROWS).max(1);
    let page = q.page.unwrap_or(1).clamp(1, pages);
    let rows: Vec<Row> = ranked
        .into_iter()
        .skip((page - 1) * PAGE_ROWS)
        .take(PAGE_ROWS)
        .map(|(_, row)| row)
        .collect();
    let link = |p: usize| format!("/?{}page={p}", q.filters_query());

    let stages = choices(
        stage,
        tr.t("filter-stage-all"),
        STAGE_GROUPS
            .iter()
            .map(|g| ((*g).to_owned(), tr.t(&format!("group-{g}"))))
            .collect(),
    );
    let needs = choices(
        need,
        tr.t("filter-need-all"),
        ["action", "attention"]
            .iter()
            .map(|n| ((*n).to_owned(), tr.t(&format!("filter-need-{n}"))))
            .collect(),
    );
    let shops = choices(
        shop,
        tr.t("filter-shop-all"),
        marketplaces
            .iter()
            .map(|m| (m.clone(), assess::marketplace_name(m)))
            .collect(),
    );
    let show = q
        .show
        .as_deref()
        .filter(|s| matches!(*s, "archived" | "all"));
    let shows = choices(
        show,
        tr.t("filter-show-active"),
        ["archived", "all"]
            .iter()
            .map(|s| ((*s).to_owned(), tr.t(&format!("filter-show-{s}"))))
            .collect(),
    );
    let page = ListPage {
        c: Chrome::new(&visit, tr.t("list-title"), "list"),
        total,
        rows,
        pages,
        page_of: tr.args(
            "page-of",
            &[("page", &page.to_string()), ("pages", &pages.to_string())],
        ),
        prev: (page > 1).then(|| link(page - 1)),
        next: (page < pages).then(|| link(page + 1)),
        needing_action,
        stages,
        needs,
        shops,
        shows,
        filtered: stage.is_some() || need.is_some() || shop.is_some() || show.is_some(),
        added: q.added.map(|n| tr.count("added-notice", i64::from(n))),
        sources_down: sources_down(&state, tr),
        truncated,
    };
    html(&page)
}
