//! The watchdog loop: shipments that changed or reached a deadline are checked, the
//! never-twice planner decides what to send to their owner's channels, the deliveries go into
//! the outbox, and the check is recorded with its next deadline (the earlier of the
//! watchdog's and the next reminder).
//!
//! Order of writes, and why it is safe: the plan (records and outbox entries, one
//! transaction, only over the planner memory it read) is stored before `record_checks`. A crash
//! between the two leaves the shipment due; planning it again finds its records updated and
//! its deliveries' keys stored, so nothing is planned twice.

use std::collections::BTreeSet;

use jiff::Timestamp;
use posylka_core::shipment::ShipmentId;
use posylka_core::store::notifications::{
    NewDelivery, NotificationStore, PlanCommit, PlanCommitted, StoredRecord,
};
use posylka_notify::{FindingKey, SentRecord, Severity};
use posylka_store::{CheckRecord, ShipmentTimeline, Store, StoreError};
use posylka_watchdog::Report;
use tokio::sync::watch;

use super::prefs::{ChannelPrefs, planner_channel};
use super::render;
use crate::state::AppState;

/// What one round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Round {
    /// Shipments due.
    pub due: usize,
    /// Shipments checked and recorded by this instance.
    pub checked: usize,
    /// Deliveries put in the outbox.
    pub planned: usize,
}

/// The compact summary stored with each check: the milestone, how many findings, and the most
/// urgent one (code, severity, deadline). The list page may read it instead of re-checking.
pub fn summary(report: &Report) -> String {
    let top = report.findings.first().map(|f| {
        serde_json::json!({
            "code": f.code.key(),
            "severity": f.severity.key(),
            "due_at": f.due_at,
        })
    });
    serde_json::json!({
        "milestone": report.milestone.map(|m| m.key()),
        "findings": report.findings.len(),
        "top": top,
    })
    .to_string()
}

/// One round at `now`: checks up to `notify.batch` due shipments that this instance could
/// lease, plans and records them.
pub async fn check_once(state: &AppState, now: Timestamp) -> Result<Round, StoreError> {
    let rt = state.notify();
    let store = state.store();
    let due = store.due_for_check(now, rt.config().batch.max(1)).await?;
    let mut round = Round {
        due: due.len(),
        ..Round::default()
    };
    if due.is_empty() {
        return Ok(round);
    }
    let ids: Vec<ShipmentId> = due.iter().map(|st| st.shipment.id).collect();
    let until = now.checked_add(rt.lease()).unwrap_or(Timestamp::MAX);
    let mine = store.claim_checks(&ids, rt.instance(), now, until).await?;
    let mut records = Vec::with_capacity(mine.len());
    for st in due.iter().filter(|st| mine.contains(&st.shipment.id)) {
        let report = crate::web::assess::report(st, now);
        match plan_shipment(state, st, &report, now).await {
            Ok(Some((planned, next_reminder))) => {
                round.planned += planned;
                let next = match (report.next_check_at, next_reminder) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
                records.push(CheckRecord {
                    id: st.shipment.id,
                    revision: st.check.revision,
                    checked_at: now,
                    next_check_at: next,
                    summary: summary(&report),
                });
            }
            // Another instance planned it meanwhile, or it was deleted: left due, the next
            // round sees it as it is now.
            Ok(None) => {}
            Err(e) => {
                tracing::warn!(error = %e, shipment = st.shipment.id.get(), "planning notifications failed; the shipment stays due");
            }
        }
    }
    let recorded = store.record_checks(&records).await;
    store.release_checks(&mine, rt.instance()).await?;
    recorded?;
    round.checked = records.len();
    Ok(round)
}

/// Plans one shipment's deliveries and stores them; `None` when the plan is stale or the
/// shipment is gone. Returns the deliveries inserted and the next reminder instant.
async fn plan_shipment(
    state: &AppState,
    st: &ShipmentTimeline,
    report: &Report,
    now: Timestamp,
) -> Result<Option<(usize, Option<Timestamp>)>, StoreError> {
    let store = state.store();
    let id = st.shipment.id;
    let Some(ctx) = store.plan_context(id).await? else {
        return Ok(None);
    };
    let mut subscriptions = Vec::new();
    if !ctx.archived {
        for channel in ctx
            .channels
            .iter()
            .filter(|c| c.health.disabled_at.is_none())
        {
            match ChannelPrefs::from_json(&channel.subscription) {
                Some(prefs) => subscriptions.push(prefs.subscription(channel.id)),
                None => tracing::warn!(
                    channel = channel.id.get(),
                    "a channel's stored selection does not read; it is skipped"
                ),
            }
        }
    }
    let mut sent = Vec::with_capacity(ctx.records.len());
    for r in &ctx.records {
        match serde_json::from_str::<SentRecord>(&r.record) {
            Ok(record) => sent.push(record),
            // A record that does not read is dropped: at worst its finding notifies again.
            Err(e) => {
                tracing::warn!(error = %e, shipment = id.get(), "a planner record does not read; dropped")
            }
        }
    }
    let findings: Vec<FindingKey> = report
        .findings
        .iter()
        .filter_map(|f| {
            Some(FindingKey {
                code: f.code.key().to_owned(),
                severity: Severity::from_key(f.severity.key())?,
                due_at: f.due_at,
            })
        })
        .collect();
    let shipment_key = id.get().to_string();
    let plan = posylka_notify::plan(&shipment_key, now, &subscriptions, &findings, &sent);
    if plan.deliveries.is_empty() && same_records(&plan.records, &sent) {
        // Nothing to send and nothing new to remember: no write.
        return Ok(Some((0, plan.next_reminder_at)));
    }
    let number = st
        .shipment
        .numbers
        .first()
        .map(|l| l.number.as_str().to_owned())
        .unwrap_or_default();
    let public_url = state.notify().config().public_url.clone();
    let mut deliveries = Vec::with_capacity(plan.deliveries.len());
    for d in &plan.deliveries {
        let Some(channel) = ctx
            .channels
            .iter()
            .find(|c| planner_channel(c.id) == d.channel)
        else {
            continue;
        };
        let finding = report.findings.iter().find(|f| f.code.key() == d.code);
        let payload = render::payload(
            d,
            finding,
            &number,
            render::lang_of(&channel.lang),
            public_url.as_deref(),
        );
        deliveries.push(NewDelivery {
            key: d.idempotency_key.as_str().to_owned(),
            channel: channel.id,
            payload: payload.to_json(),
        });
    }
    let records = plan
        .records
        .iter()
        .filter_map(|r| {
            let channel = ctx
                .channels
                .iter()
                .find(|c| planner_channel(c.id) == r.channel)?;
            Some(StoredRecord {
                channel: channel.id,
                code: r.code.clone(),
                record: serde_json::to_string(r).ok()?,
            })
        })
        .collect();
    let committed = store
        .commit_plan(&PlanCommit {
            shipment: id,
            expected_version: ctx.version,
            records,
            deliveries,
            at: now,
        })
        .await;
    match committed {
        Ok(PlanCommitted::Stored { inserted }) => Ok(Some((inserted, plan.next_reminder_at))),
        Ok(PlanCommitted::Stale) | Err(StoreError::ShipmentNotFound(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

fn same_records(a: &[SentRecord], b: &[SentRecord]) -> bool {
    let key = |r: &SentRecord| (r.channel.clone(), r.code.clone());
    let a: BTreeSet<_> = a
        .iter()
        .map(|r| (key(r), serde_json::to_string(r).ok()))
        .collect();
    let b: BTreeSet<_> = b
        .iter()
        .map(|r| (key(r), serde_json::to_string(r).ok()))
        .collect();
    a == b
}

/// The loop: a round, then wait for a wake-up (events arrived), the next deadline or the
/// poll interval (other instances' changes), until stopped.
pub(super) async fn run(state: AppState, mut stopped: watch::Receiver<bool>) {
    let rt = state.notify().clone();
    loop {
        if *stopped.borrow() {
            return;
        }
        let now = Timestamp::now();
        let wait = match check_once(&state, now).await {
            Ok(round) => {
                if round.planned > 0 {
                    rt.wake_dispatch();
                }
                if round.checked > 0 && round.due >= rt.config().batch.max(1) {
                    // A full batch: more may be due.
                    continue;
                }
                let next = state.store().next_check_at().await.unwrap_or(None);
                // Due but not checked here (leased by another instance, or a stale plan):
                // look again shortly rather than spin.
                let floor = if round.checked < round.due {
                    std::time::Duration::from_millis(500)
                } else {
                    std::time::Duration::from_millis(10)
                };
                super::until(Timestamp::now(), next, floor, rt.poll())
            }
            Err(e) => {
                tracing::error!(error = %e, "watchdog round failed; retrying");
                std::time::Duration::from_secs(5).min(rt.poll())
            }
        };
        if super::idle(&rt.check_wake, &mut stopped, wait).await {
            return;
        }
    }
}
