//! The delivery planner: what to send now, so that no message is ever sent twice.
//!
//! Pure and deterministic: the same subscriptions, findings, record and `now` give
//! the same plan, whatever order the inputs come in.
//!
//! Rules, per (channel, finding code) of one shipment:
//! - a finding that a subscription selects notifies once when it appears (for that
//!   channel) and once each time its severity rises above the highest severity
//!   already notified; a fall and a rise back notify nothing;
//! - a finding that disappears and later comes back is a new *episode* and notifies
//!   again (a parcel that stalls, moves, and stalls again);
//! - deadline reminders fire at the configured lead times before `due_at`
//!   (inclusive), never at or after `due_at`. When several leads are due at once
//!   (the scheduler was down, or the deadline moved closer) only the most urgent is
//!   sent; when the finding is notified anyway in this plan, the due reminders are
//!   folded into that message. A moved deadline re-arms the reminders;
//! - every delivery carries an [`IdempotencyKey`] derived from (shipment, channel,
//!   code, episode, severity) or (..., reminder lead, deadline).
//!
//! The intended flow: plan, then in one transaction insert the deliveries into an
//! outbox whose unique key is the idempotency key and replace the shipment's
//! records with [`Plan::records`]; a worker sends the outbox with retries.

use std::collections::{BTreeMap, BTreeSet};

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::model::{ChannelId, IdempotencyKey, Severity};

/// The longest reminder lead accepted: reminders are about days, not seasons.
pub const MAX_REMINDER_LEAD: SignedDuration = SignedDuration::from_hours(24 * 90);

/// The most reminder leads one subscription may have.
pub const MAX_REMINDER_LEADS: usize = 8;

/// What the planner needs to know of one current finding of the shipment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingKey {
    /// The watchdog's stable finding code (`stalled`, `protection_ending`...).
    pub code: String,
    /// The finding's current severity.
    pub severity: Severity,
    /// The deadline the finding is about, if any; reminders count back from it.
    pub due_at: Option<Timestamp>,
}

/// Which finding codes a subscription selects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CodeSelection {
    /// Every code.
    All,
    /// Only these codes.
    Only(BTreeSet<String>),
}

impl CodeSelection {
    /// Whether `code` is selected.
    pub fn contains(&self, code: &str) -> bool {
        match self {
            CodeSelection::All => true,
            CodeSelection::Only(codes) => codes.contains(code),
        }
    }
}

/// Why a reminder lead list was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LeadError {
    /// A lead of zero or less would remind at or after the deadline.
    #[error("reminder lead {lead} must be positive")]
    NotPositive {
        /// The refused lead.
        lead: SignedDuration,
    },
    /// A lead longer than [`MAX_REMINDER_LEAD`].
    #[error("reminder lead {lead} is longer than the maximum of {max}")]
    TooLong {
        /// The refused lead.
        lead: SignedDuration,
        /// The maximum.
        max: SignedDuration,
    },
    /// More than [`MAX_REMINDER_LEADS`] distinct leads.
    #[error("{count} reminder leads given; at most {max} are allowed")]
    TooMany {
        /// How many distinct leads were given.
        count: usize,
        /// The maximum.
        max: usize,
    },
}

/// How long before a deadline reminders go out: distinct, positive, at most
/// [`MAX_REMINDER_LEAD`], longest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<SignedDuration>", into = "Vec<SignedDuration>")]
pub struct ReminderLeads(Vec<SignedDuration>);

impl ReminderLeads {
    /// Validates and orders the leads; duplicates collapse.
    pub fn new(leads: impl IntoIterator<Item = SignedDuration>) -> Result<Self, LeadError> {
        let mut sorted = BTreeSet::new();
        for lead in leads {
            if lead <= SignedDuration::ZERO {
                return Err(LeadError::NotPositive { lead });
            }
            if lead > MAX_REMINDER_LEAD {
                return Err(LeadError::TooLong {
                    lead,
                    max: MAX_REMINDER_LEAD,
                });
            }
            sorted.insert(lead);
        }
        if sorted.len() > MAX_REMINDER_LEADS {
            return Err(LeadError::TooMany {
                count: sorted.len(),
                max: MAX_REMINDER_LEADS,
            });
        }
        Ok(ReminderLeads(sorted.into_iter().rev().collect()))
    }

    /// No reminders at all.
    pub fn none() -> Self {
        ReminderLeads(Vec::new())
    }

    /// The leads, longest first.
    pub fn as_slice(&self) -> &[SignedDuration] {
        &self.0
    }
}

impl Default for ReminderLeads {
    /// Three days and one day before the deadline: time to act, and a last call.
    fn default() -> Self {
        ReminderLeads(vec![
            SignedDuration::from_hours(72),
            SignedDuration::from_hours(24),
        ])
    }
}

impl TryFrom<Vec<SignedDuration>> for ReminderLeads {
    type Error = LeadError;

    fn try_from(leads: Vec<SignedDuration>) -> Result<Self, LeadError> {
        ReminderLeads::new(leads)
    }
}

impl From<ReminderLeads> for Vec<SignedDuration> {
    fn from(leads: ReminderLeads) -> Self {
        leads.0
    }
}

/// A user's choice: these findings notify on this channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subscription {
    /// The channel to notify. Pass only subscriptions of channels that are enabled:
    /// a disabled channel's findings then notify once it is enabled again.
    pub channel: ChannelId,
    /// Which finding codes.
    pub codes: CodeSelection,
    /// The lowest severity that notifies.
    pub min_severity: Severity,
    /// When deadline reminders go out.
    #[serde(default)]
    pub reminder_leads: ReminderLeads,
}

impl Subscription {
    /// Whether this subscription selects the finding as it is now.
    pub fn selects(&self, finding: &FindingKey) -> bool {
        finding.severity >= self.min_severity && self.codes.contains(&finding.code)
    }
}

/// What has been planned so far for one (shipment, channel, code): the caller
/// stores these per shipment and hands them back to the next plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SentRecord {
    /// The channel.
    pub channel: ChannelId,
    /// The finding code.
    pub code: String,
    /// Counts the finding's appearances on this channel, from 0; part of every key.
    pub episode: u32,
    /// Whether the finding was present at the last plan.
    pub active: bool,
    /// The highest severity notified in this episode.
    pub severity: Severity,
    /// The deadline the reminders below refer to.
    pub due_at: Option<Timestamp>,
    /// The leads already reminded (or folded into a notification) for `due_at`.
    pub reminded: Vec<SignedDuration>,
}

/// Why a delivery is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum DeliveryKind {
    /// The finding appeared (or came back, or first matched this channel).
    Appeared,
    /// The finding's severity rose above what was notified before.
    SeverityRaised {
        /// The highest severity notified before.
        from: Severity,
    },
    /// A deadline is `lead` away.
    Reminder {
        /// How long before the deadline this reminder is planned.
        lead: SignedDuration,
        /// The deadline.
        due_at: Timestamp,
    },
}

impl DeliveryKind {
    /// The event name used in webhooks: `finding.appeared`, `finding.severity_raised`,
    /// `finding.reminder`.
    pub fn event_name(&self) -> &'static str {
        match self {
            DeliveryKind::Appeared => "finding.appeared",
            DeliveryKind::SeverityRaised { .. } => "finding.severity_raised",
            DeliveryKind::Reminder { .. } => "finding.reminder",
        }
    }
}

/// One message to send now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    /// Where to.
    pub channel: ChannelId,
    /// The shipment the finding is about.
    pub shipment_id: String,
    /// The finding code.
    pub code: String,
    /// The finding's current severity.
    pub severity: Severity,
    /// The finding's deadline, if any.
    pub due_at: Option<Timestamp>,
    /// Why it is sent.
    pub kind: DeliveryKind,
    /// The same for the same message, always.
    pub idempotency_key: IdempotencyKey,
}

/// The planner's answer.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Plan {
    /// What to send now, ordered by channel then code.
    pub deliveries: Vec<Delivery>,
    /// The shipment's complete new record (every record given, updated, plus new
    /// ones), ordered by channel then code. Store it with the deliveries.
    pub records: Vec<SentRecord>,
    /// The earliest instant after `now` at which a reminder becomes due: plan again
    /// then (unless findings change before).
    pub next_reminder_at: Option<Timestamp>,
}

/// Plans the deliveries for one shipment at `now`.
pub fn plan(
    shipment_id: &str,
    now: Timestamp,
    subscriptions: &[Subscription],
    findings: &[FindingKey],
    sent: &[SentRecord],
) -> Plan {
    let findings = dedup_findings(findings);
    let mut records: BTreeMap<(ChannelId, String), SentRecord> = sent
        .iter()
        .map(|r| ((r.channel.clone(), r.code.clone()), r.clone()))
        .collect();

    let mut by_channel: BTreeMap<&ChannelId, Vec<&Subscription>> = BTreeMap::new();
    for sub in subscriptions {
        by_channel.entry(&sub.channel).or_default().push(sub);
    }

    let mut plan = Plan::default();
    for (channel, subs) in by_channel {
        for finding in findings.values() {
            let matching: Vec<&Subscription> = subs
                .iter()
                .copied()
                .filter(|s| s.selects(finding))
                .collect();
            if matching.is_empty() {
                continue;
            }
            let leads: BTreeSet<SignedDuration> = matching
                .iter()
                .flat_map(|s| s.reminder_leads.as_slice().iter().copied())
                .collect();
            let key = (channel.clone(), finding.code.clone());
            let step = step(
                shipment_id,
                now,
                channel,
                finding,
                &leads,
                records.get(&key),
            );
            plan.deliveries.extend(step.delivery);
            plan.next_reminder_at = earliest(plan.next_reminder_at, step.next_reminder_at);
            records.insert(key, step.record);
        }
    }

    // A finding that is gone ends its episode, on every channel, subscribed or not,
    // so that its return notifies again.
    for record in records.values_mut() {
        if record.active && !findings.contains_key(record.code.as_str()) {
            record.active = false;
        }
    }
    plan.records = records.into_values().collect();
    plan
}

/// One finding per code: the most severe, then the earliest deadline (no deadline last).
fn dedup_findings(findings: &[FindingKey]) -> BTreeMap<&str, &FindingKey> {
    let mut by_code: BTreeMap<&str, &FindingKey> = BTreeMap::new();
    for finding in findings {
        let entry = by_code.entry(finding.code.as_str()).or_insert(finding);
        let better = finding.severity > entry.severity
            || (finding.severity == entry.severity
                && deadline_rank(finding) < deadline_rank(entry));
        if better {
            *entry = finding;
        }
    }
    by_code
}

fn deadline_rank(finding: &FindingKey) -> (bool, Option<Timestamp>) {
    (finding.due_at.is_none(), finding.due_at)
}

fn earliest(a: Option<Timestamp>, b: Option<Timestamp>) -> Option<Timestamp> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, None) => a,
        (None, b) => b,
    }
}

struct Step {
    record: SentRecord,
    delivery: Option<Delivery>,
    next_reminder_at: Option<Timestamp>,
}

/// One (channel, finding) that the channel's subscriptions select.
fn step(
    shipment_id: &str,
    now: Timestamp,
    channel: &ChannelId,
    finding: &FindingKey,
    leads: &BTreeSet<SignedDuration>,
    previous: Option<&SentRecord>,
) -> Step {
    let fresh = |episode: u32| SentRecord {
        channel: channel.clone(),
        code: finding.code.clone(),
        episode,
        active: true,
        severity: finding.severity,
        due_at: None,
        reminded: Vec::new(),
    };
    let (mut record, mut kind) = match previous {
        None => (fresh(0), Some(DeliveryKind::Appeared)),
        Some(prev) if !prev.active => (
            fresh(prev.episode.saturating_add(1)),
            Some(DeliveryKind::Appeared),
        ),
        Some(prev) if finding.severity > prev.severity => {
            let mut record = prev.clone();
            record.severity = finding.severity;
            (
                record,
                Some(DeliveryKind::SeverityRaised {
                    from: prev.severity,
                }),
            )
        }
        Some(prev) => (prev.clone(), None),
    };

    if record.due_at != finding.due_at {
        record.due_at = finding.due_at;
        record.reminded.clear();
    }

    let mut next_reminder_at = None;
    if let Some(due_at) = finding.due_at {
        let reminder_at = |lead: SignedDuration| {
            // Only absurd deadlines near the calendar's start underflow; such a
            // reminder instant lies before any `now`.
            due_at.checked_sub(lead).unwrap_or(Timestamp::MIN)
        };
        let due_now: Vec<SignedDuration> = leads
            .iter()
            .copied()
            .filter(|lead| !record.reminded.contains(lead))
            .filter(|&lead| reminder_at(lead) <= now && now < due_at)
            .collect();
        if let Some(&most_urgent) = due_now.iter().min() {
            record.reminded.extend(&due_now);
            record.reminded.sort_unstable_by(|a, b| b.cmp(a));
            if kind.is_none() {
                kind = Some(DeliveryKind::Reminder {
                    lead: most_urgent,
                    due_at,
                });
            }
        }
        next_reminder_at = leads
            .iter()
            .copied()
            .filter(|lead| !record.reminded.contains(lead))
            .map(reminder_at)
            .filter(|&at| at > now)
            .min();
    }

    let delivery = kind.map(|kind| Delivery {
        channel: channel.clone(),
        shipment_id: shipment_id.to_owned(),
        code: finding.code.clone(),
        severity: finding.severity,
        due_at: finding.due_at,
        idempotency_key: delivery_key(shipment_id, channel, &finding.code, &record, kind),
        kind,
    });
    Step {
        record,
        delivery,
        next_reminder_at,
    }
}

fn delivery_key(
    shipment_id: &str,
    channel: &ChannelId,
    code: &str,
    record: &SentRecord,
    kind: DeliveryKind,
) -> IdempotencyKey {
    let episode = record.episode.to_string();
    let head = [shipment_id, channel.as_str(), code, episode.as_str()];
    match kind {
        // Appearing and rising share one form: "severity S was notified in episode E".
        DeliveryKind::Appeared | DeliveryKind::SeverityRaised { .. } => {
            IdempotencyKey::derive(&[&head[..], &["severity", record.severity.key()]].concat())
        }
        DeliveryKind::Reminder { lead, due_at } => {
            let lead = lead.as_secs().to_string();
            let due = due_at.as_second().to_string();
            IdempotencyKey::derive(
                &[&head[..], &["reminder", lead.as_str(), due.as_str()]].concat(),
            )
        }
    }
}

#[cfg(test)]
mod tests;
