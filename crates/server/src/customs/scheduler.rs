//! The desk's background work: each round leases the parcels that are due (a message of the
//! flow, the deadline, the destruction of their data), works on them and saves them with the
//! lease released; then re-wraps data keys still under an old master key.
//!
//! Leases make it safe to run several server instances on one database: a parcel is worked
//! on by one scheduler at a time. A message is recorded as sent in the flow right after the
//! gateway accepted it; the flow never plans a recorded message again, and the message's key
//! (`Message::key`, per parcel) goes to the gateway and into the e-mail's `Message-ID`, so a
//! crash between sending and saving repeats at most that one message, recognisably.

use std::sync::Arc;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use posylka_core::store::customs::{AuditEntry, CustomsParcel, CustomsStore as _};
use posylka_customs::messages::{MessageContext, RecipientLink, render};
use posylka_customs::{Channel, Email};
use secrecy::ExposeSecret as _;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::{Desk, DeskError};
use crate::state::AppState;

/// How long a claim holds a parcel.
const LEASE: SignedDuration = SignedDuration::from_secs(120);
/// Parcels per claim.
const BATCH: usize = 50;

/// What a round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct RoundReport {
    /// Parcels worked on.
    pub claimed: usize,
    /// Messages accepted by the gateway or relay.
    pub sent: usize,
    /// Messages that failed (retried next round).
    pub failed: usize,
    /// Parcels whose data were destroyed.
    pub destroyed: usize,
    /// Parcels re-wrapped under the current key.
    pub rewrapped: usize,
}

/// The running scheduler.
#[derive(Debug)]
pub struct Scheduler {
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

impl Scheduler {
    /// Starts the loop: a round at once, then when woken or every `poll_secs`.
    pub fn start(state: AppState, desk: Arc<Desk>) -> Self {
        let (stop, mut stopped) = oneshot::channel();
        let every = Duration::from_secs(desk.config().poll_secs.max(1));
        let task = tokio::spawn(async move {
            loop {
                match run_round(&state, &desk, desk.now()).await {
                    Ok(r) if r != RoundReport::default() => {
                        tracing::info!(
                            claimed = r.claimed,
                            sent = r.sent,
                            failed = r.failed,
                            destroyed = r.destroyed,
                            rewrapped = r.rewrapped,
                            "customs round"
                        );
                    }
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "customs round failed"),
                }
                tokio::select! {
                    _ = &mut stopped => return,
                    () = desk.wake.notified() => {}
                    () = tokio::time::sleep(every) => {}
                }
            }
        });
        Self { stop, task }
    }

    /// Stops after the round in flight.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
    }
}

/// One round at `now` (also `POST /api/v1/customs/run`).
pub async fn run_round(
    state: &AppState,
    desk: &Desk,
    now: Timestamp,
) -> Result<RoundReport, DeskError> {
    let mut report = RoundReport::default();
    let lease_until = now.saturating_add(LEASE).unwrap_or(Timestamp::MAX);
    loop {
        let claimed = state
            .store()
            .claim_customs_parcels(now, lease_until, BATCH)
            .await?;
        if claimed.is_empty() {
            break;
        }
        report.claimed += claimed.len();
        for parcel in claimed {
            let id = parcel.id;
            if let Err(e) = work(state, desk, parcel, now, &mut report).await {
                tracing::warn!(parcel = %id, error = %e, "customs parcel failed");
            }
        }
        if report.claimed >= 10 * BATCH {
            // Enough for one round; the rest is due at the next.
            break;
        }
    }
    // Key rotation: move data keys to the current master key, a batch per round.
    for mut p in state
        .store()
        .customs_parcels_to_rewrap(desk.current_key(), BATCH)
        .await?
    {
        if desk.rewrap(&mut p)? && state.store().save_customs_parcel(&p, None).await? {
            report.rewrapped += 1;
        }
    }
    Ok(report)
}

async fn work(
    state: &AppState,
    desk: &Desk,
    mut p: CustomsParcel,
    now: Timestamp,
    report: &mut RoundReport,
) -> Result<(), DeskError> {
    // The data's time is up: destroy, with the record, in one transaction.
    if p.destroy_at.is_some_and(|t| t <= now) {
        let record = Desk::destroy(&mut p, now);
        if state.store().save_customs_parcel(&p, Some(&record)).await? {
            state
                .store()
                .append_audit(&[AuditEntry {
                    parcel: p.id,
                    actor: "system".into(),
                    action: "destroy".into(),
                    reason: format!("retention of {} days ended", desk.config().retention_days),
                    at: now,
                }])
                .await?;
            report.destroyed += 1;
        }
        return Ok(());
    }
    let Some(mut flow) = Desk::flow(&p)? else {
        p.lease_until = None;
        p.next_wake_at = p.destroy_at;
        state.store().save_customs_parcel(&p, None).await?;
        return Ok(());
    };
    let cfg = desk.config().flow;
    let plan = flow.plan(now, &cfg);
    let mut failed = false;
    if !plan.due.is_empty() {
        let contact = desk.contact(&p)?;
        let token = desk.token(&p)?;
        if let (Some(contact), Some(token)) = (contact, token) {
            let link = RecipientLink::new(desk.public_url(), token.expose_secret())
                .map_err(|e| DeskError::Corrupt(e.to_string()))?;
            let email = Email::parse(&contact.email)
                .map_err(|_| DeskError::Corrupt(format!("parcel {}: email", p.id)))?;
            let ctx = MessageContext {
                carrier: &desk.config().carrier,
                tracking_number: p.tracking_number.as_str(),
                link: &link,
                email: &email,
                deadline: flow.deadline(&cfg),
                tz: &desk.tz,
                retention_days: desk.config().retention_days,
            };
            for message in plan.due {
                let text = render(message, desk.lang, &ctx, now);
                let key = format!("customs-{}-{}", p.record_key, message.key());
                let sent = match message.channel {
                    Channel::Sms => match &desk.sms {
                        Some(sms) => sms
                            .send(&contact.phone, &text.body, &key)
                            .await
                            .map_err(|e| e.to_string()),
                        None => Err("no SMS gateway configured".into()),
                    },
                    Channel::Email => match &desk.mailer {
                        Some(m) => {
                            m.send(
                                &contact.email,
                                text.subject.as_deref().unwrap_or_default(),
                                &text.body,
                                &key,
                            )
                            .await
                        }
                        None => Err("no SMTP relay configured".into()),
                    },
                };
                match sent {
                    Ok(()) => {
                        let _ = flow.mark_sent(message, now, &cfg);
                        report.sent += 1;
                    }
                    Err(e) => {
                        tracing::warn!(parcel = %p.id, channel = ?message.channel, error = %e, "customs message failed");
                        report.failed += 1;
                        failed = true;
                    }
                }
            }
        }
    }
    // Save what was sent, over the version claimed; if the recipient acted meanwhile, read
    // again and record the same messages on the fresh copy.
    let sent = flow.sent.clone();
    let mut current = p;
    for _ in 0..5 {
        let mut f = Desk::flow(&current)?.unwrap_or_else(|| flow.clone());
        for (m, at) in &sent {
            if !f.sent.iter().any(|(x, _)| x == m) {
                f.sent.push((*m, *at));
            }
        }
        current.flow = Some(serde_json::to_string(&f).unwrap_or_default());
        current.lease_until = None;
        desk.settle(&mut current, now)?;
        if failed {
            let retry = now
                .saturating_add(SignedDuration::from_secs(60))
                .unwrap_or(now);
            current.next_wake_at = Some(current.next_wake_at.map_or(retry, |t| t.max(retry)));
        }
        if state.store().save_customs_parcel(&current, None).await? {
            return Ok(());
        }
        match state.store().customs_parcel(current.id).await? {
            Some(fresh) => current = fresh,
            None => return Ok(()),
        }
    }
    Err(DeskError::Busy)
}
