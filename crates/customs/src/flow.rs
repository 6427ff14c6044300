//! The request flow as the trade runs it (DOMAIN.md, "Customs and the recipient's identity
//! data"): when the parcel reaches customs, an SMS at once and the e-mail with the link
//! (within 24 hours; at once by default, since the SMS says the e-mail was sent); no
//! reaction: a second SMS after 2 days, then the e-mail again; reminders until the deadline
//! (7 days); then the parcel is marked for return to the shop.
//!
//! [`RequestFlow`] is the state the server keeps per parcel; [`RequestFlow::plan`] says, for
//! an instant `now`, which messages are due, what the parcel's status is and when to look
//! again. It is pure: sending is the caller's, which then records it with
//! [`RequestFlow::mark_sent`].
//!
//! - **Never twice.** A message is due once; [`RequestFlow::mark_sent`] refuses a repeat.
//! - **Catching up.** After an outage, only the latest due step per channel is sent: a
//!   recipient never gets the first and the second SMS at once.
//! - **Reactions stop it.** Opening the link stops the messages (the deadline still holds);
//!   submitting ends the flow; refusing ends it with the parcel going back.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

/// Seconds in a day: "N days" are N periods of 24 hours from arrival, as in the watchdog.
const DAY: i64 = 86_400;

/// The most reminders one flow plans (a guard against a tiny `reminder_every`).
const MAX_REMINDERS: u8 = 50;

/// How a message travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// SMS to the phone on file.
    Sms,
    /// E-mail with the link.
    Email,
}

/// Which round a message belongs to. Later rounds sort after earlier ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// When the parcel reaches customs.
    Notice,
    /// No reaction after `repeat_after_days`.
    Repeat,
    /// The n-th reminder (from 1) after the repeat, until the deadline.
    Reminder(u8),
}

/// One message of the flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Message {
    /// SMS or e-mail.
    pub channel: Channel,
    /// The round.
    pub step: Step,
}

impl Message {
    /// A stable key for idempotency and logs: `sms-notice`, `email-repeat`,
    /// `sms-reminder-2`.
    pub fn key(&self) -> String {
        let channel = match self.channel {
            Channel::Sms => "sms",
            Channel::Email => "email",
        };
        match self.step {
            Step::Notice => format!("{channel}-notice"),
            Step::Repeat => format!("{channel}-repeat"),
            Step::Reminder(n) => format!("{channel}-reminder-{n}"),
        }
    }
}

/// The flow's timing. Days are periods of 24 hours from the parcel's arrival at customs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FlowConfig {
    /// Minutes between the first SMS and the first e-mail (at most 1440: "within 24 h").
    pub email_delay_minutes: u16,
    /// Days without a reaction before the second SMS and e-mail.
    pub repeat_after_days: u16,
    /// Days between reminders after the second round.
    pub reminder_every_days: u16,
    /// Days until the parcel goes back to the shop.
    pub deadline_days: u16,
}

impl Default for FlowConfig {
    fn default() -> Self {
        Self {
            email_delay_minutes: 0,
            repeat_after_days: 2,
            reminder_every_days: 2,
            deadline_days: 7,
        }
    }
}

/// A refused configuration, naming the key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("customs flow configuration: {key}: {message}")]
pub struct FlowConfigError {
    /// The key.
    pub key: &'static str,
    /// What is wrong.
    pub message: &'static str,
}

impl FlowConfig {
    /// Checks the timing: the e-mail within 24 h, the repeat before the deadline,
    /// reminders at least a day apart.
    pub fn validate(&self) -> Result<(), FlowConfigError> {
        let err = |key, message| Err(FlowConfigError { key, message });
        if self.email_delay_minutes > 1440 {
            return err("email_delay_minutes", "expected at most 1440 (24 hours)");
        }
        if self.deadline_days == 0 {
            return err("deadline_days", "expected at least 1 day");
        }
        if self.repeat_after_days == 0 || self.repeat_after_days >= self.deadline_days {
            return err(
                "repeat_after_days",
                "expected at least 1 day and fewer days than deadline_days",
            );
        }
        if self.reminder_every_days == 0 {
            return err("reminder_every_days", "expected at least 1 day");
        }
        Ok(())
    }

    fn days(n: u16) -> SignedDuration {
        SignedDuration::from_secs(i64::from(n) * DAY)
    }
}

/// Where a parcel's request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum Status {
    /// Messages go out; no reaction yet.
    Waiting {
        /// When the parcel goes back without data.
        deadline: Timestamp,
    },
    /// The recipient opened the link: no more messages, the deadline still holds.
    Opened {
        /// When the parcel goes back without data.
        deadline: Timestamp,
    },
    /// The data were submitted in time.
    Submitted {
        /// When.
        at: Timestamp,
    },
    /// The recipient refused to provide data: the parcel goes back to the shop.
    Refused {
        /// When.
        at: Timestamp,
    },
    /// The deadline passed without data: the parcel goes back to the shop.
    Expired {
        /// The deadline.
        deadline: Timestamp,
    },
}

impl Status {
    /// The parcel is to be returned to the shop.
    pub fn returns_to_shop(&self) -> bool {
        matches!(self, Status::Refused { .. } | Status::Expired { .. })
    }

    /// Nothing will change any more.
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            Status::Submitted { .. } | Status::Refused { .. } | Status::Expired { .. }
        )
    }
}

/// What to do now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// Messages to send now, SMS before e-mail, earlier rounds first.
    pub due: Vec<Message>,
    /// The status at `now`.
    pub status: Status,
    /// When to plan again (the next message or the deadline), after `now`; `None` once
    /// final.
    pub next_wake: Option<Timestamp>,
}

/// Why a recorded event was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FlowError {
    /// The message was already sent: the caller must not send it again.
    #[error("message {0:?} was already sent")]
    AlreadySent(Message),
    /// The message is not part of the flow's schedule.
    #[error("message {0:?} is not in the schedule")]
    NotScheduled(Message),
    /// The flow is over (submitted, refused or past the deadline).
    #[error("the request is closed: {0:?}")]
    Closed(Status),
}

/// The state of one parcel's request. Serialise it to keep it (JSON); every field is the
/// record of something that happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestFlow {
    /// When the parcel reached customs (the flow's start).
    pub arrived_at: Timestamp,
    /// Messages sent, with when.
    #[serde(default)]
    pub sent: Vec<(Message, Timestamp)>,
    /// When the recipient first opened the link.
    #[serde(default)]
    pub opened_at: Option<Timestamp>,
    /// When the data were submitted.
    #[serde(default)]
    pub submitted_at: Option<Timestamp>,
    /// When the recipient refused.
    #[serde(default)]
    pub refused_at: Option<Timestamp>,
}

impl RequestFlow {
    /// A flow for a parcel that reached customs at `arrived_at`.
    pub fn new(arrived_at: Timestamp) -> Self {
        Self {
            arrived_at,
            sent: Vec::new(),
            opened_at: None,
            submitted_at: None,
            refused_at: None,
        }
    }

    /// When the parcel goes back without data.
    pub fn deadline(&self, config: &FlowConfig) -> Timestamp {
        self.arrived_at
            .saturating_add(FlowConfig::days(config.deadline_days))
            .unwrap_or(Timestamp::MAX)
    }

    /// Every message of the flow with its time, in time order (SMS first at equal times).
    /// Only messages strictly before the deadline are planned.
    pub fn schedule(&self, config: &FlowConfig) -> Vec<(Message, Timestamp)> {
        let at = |d: SignedDuration| self.arrived_at.saturating_add(d).unwrap_or(Timestamp::MAX);
        let email_delay = SignedDuration::from_mins(i64::from(config.email_delay_minutes));
        let deadline = self.deadline(config);
        let mut out = Vec::new();
        let mut round = |step: Step, offset: SignedDuration| {
            for (channel, t) in [
                (Channel::Sms, at(offset)),
                (Channel::Email, at(offset.saturating_add(email_delay))),
            ] {
                if t < deadline {
                    out.push((Message { channel, step }, t));
                }
            }
        };
        round(Step::Notice, SignedDuration::ZERO);
        let repeat = FlowConfig::days(config.repeat_after_days);
        round(Step::Repeat, repeat);
        let every = FlowConfig::days(config.reminder_every_days.max(1));
        for n in 1..=MAX_REMINDERS {
            let offset = repeat.saturating_add(every.saturating_mul(i32::from(n)));
            if at(offset) >= deadline {
                break;
            }
            round(Step::Reminder(n), offset);
        }
        out.sort_by_key(|(m, t)| (*t, *m));
        out
    }

    /// The status at `now`.
    pub fn status(&self, now: Timestamp, config: &FlowConfig) -> Status {
        let deadline = self.deadline(config);
        if let Some(at) = self.submitted_at {
            return Status::Submitted { at };
        }
        if let Some(at) = self.refused_at {
            return Status::Refused { at };
        }
        if now >= deadline {
            return Status::Expired { deadline };
        }
        if self.opened_at.is_some_and(|t| t <= now) {
            return Status::Opened { deadline };
        }
        Status::Waiting { deadline }
    }

    fn was_sent(&self, message: Message) -> bool {
        self.sent.iter().any(|(m, _)| *m == message)
    }

    /// What is due at `now`, the status, and when to plan again.
    pub fn plan(&self, now: Timestamp, config: &FlowConfig) -> Plan {
        let status = self.status(now, config);
        let deadline = self.deadline(config);
        match status {
            Status::Waiting { .. } => {}
            Status::Opened { .. } => {
                return Plan {
                    due: Vec::new(),
                    status,
                    next_wake: Some(deadline),
                };
            }
            _ => {
                return Plan {
                    due: Vec::new(),
                    status,
                    next_wake: None,
                };
            }
        }
        let schedule = self.schedule(config);
        let mut due = Vec::new();
        for channel in [Channel::Sms, Channel::Email] {
            // The latest step of this channel whose time has come, unless it or a later
            // step was sent: earlier unsent steps are superseded, never sent late.
            let latest_due = schedule
                .iter()
                .filter(|(m, t)| m.channel == channel && *t <= now)
                .map(|(m, _)| *m)
                .max_by_key(|m| m.step);
            let latest_sent = self
                .sent
                .iter()
                .filter(|(m, _)| m.channel == channel)
                .map(|(m, _)| m.step)
                .max();
            if let Some(m) = latest_due
                && latest_sent.is_none_or(|s| s < m.step)
            {
                due.push(m);
            }
        }
        due.sort_by_key(|m| (m.step, m.channel));
        let next_message = schedule
            .iter()
            .filter(|(m, t)| *t > now && !self.was_sent(*m))
            .map(|(_, t)| *t)
            .min();
        let next_wake = Some(next_message.map_or(deadline, |t| t.min(deadline)));
        Plan {
            due,
            status,
            next_wake,
        }
    }

    /// Records a message as sent at `at`. Refuses one sent before, one not in the
    /// schedule, and any message once the flow is over or the link was opened.
    pub fn mark_sent(
        &mut self,
        message: Message,
        at: Timestamp,
        config: &FlowConfig,
    ) -> Result<(), FlowError> {
        if self.was_sent(message) {
            return Err(FlowError::AlreadySent(message));
        }
        if !self.schedule(config).iter().any(|(m, _)| *m == message) {
            return Err(FlowError::NotScheduled(message));
        }
        let status = self.status(at, config);
        if status
            != (Status::Waiting {
                deadline: self.deadline(config),
            })
        {
            return Err(FlowError::Closed(status));
        }
        self.sent.push((message, at));
        Ok(())
    }

    /// The recipient opened the link (the first time counts). Harmless after the end.
    pub fn opened(&mut self, at: Timestamp) {
        if self.opened_at.is_none() {
            self.opened_at = Some(at);
        }
    }

    /// The recipient submitted the data. Refused after the deadline or a refusal.
    pub fn submitted(&mut self, at: Timestamp, config: &FlowConfig) -> Result<(), FlowError> {
        let status = self.status(at, config);
        if status.is_final() {
            return Err(FlowError::Closed(status));
        }
        self.opened(at);
        self.submitted_at = Some(at);
        Ok(())
    }

    /// The recipient refused to provide data. Refused after the deadline or a submission.
    pub fn refused(&mut self, at: Timestamp, config: &FlowConfig) -> Result<(), FlowError> {
        let status = self.status(at, config);
        if status.is_final() {
            return Err(FlowError::Closed(status));
        }
        self.opened(at);
        self.refused_at = Some(at);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: &str = "2026-03-02T09:00:00Z";

    fn t0() -> Timestamp {
        T0.parse().expect("ts")
    }

    fn at(days: i64, secs: i64) -> Timestamp {
        t0() + SignedDuration::from_secs(days * DAY + secs)
    }

    fn sms(step: Step) -> Message {
        Message {
            channel: Channel::Sms,
            step,
        }
    }

    fn email(step: Step) -> Message {
        Message {
            channel: Channel::Email,
            step,
        }
    }

    /// Plans at `now`, sends everything due, returns what was sent.
    fn run(flow: &mut RequestFlow, now: Timestamp, c: &FlowConfig) -> Vec<Message> {
        let plan = flow.plan(now, c);
        for m in &plan.due {
            flow.mark_sent(*m, now, c)
                .expect("due messages can be sent");
        }
        plan.due
    }

    #[test]
    fn the_default_schedule_is_the_trades() {
        let c = FlowConfig::default();
        c.validate().expect("valid");
        let flow = RequestFlow::new(t0());
        let keys: Vec<_> = flow
            .schedule(&c)
            .iter()
            .map(|(m, t)| (m.key(), t.duration_since(t0()).as_secs() / 3600))
            .collect();
        assert_eq!(
            keys,
            [
                ("sms-notice".to_owned(), 0),
                ("email-notice".to_owned(), 0),
                ("sms-repeat".to_owned(), 48),
                ("email-repeat".to_owned(), 48),
                ("sms-reminder-1".to_owned(), 96),
                ("email-reminder-1".to_owned(), 96),
                ("sms-reminder-2".to_owned(), 144),
                ("email-reminder-2".to_owned(), 144),
            ]
        );
        assert_eq!(flow.deadline(&c), at(7, 0));
    }

    #[test]
    fn sms_and_email_at_once_then_nothing_until_day_2() {
        let c = FlowConfig::default();
        let mut flow = RequestFlow::new(t0());
        assert_eq!(
            run(&mut flow, t0(), &c),
            [sms(Step::Notice), email(Step::Notice)]
        );
        // Never twice: the same instant again gives nothing.
        assert!(run(&mut flow, t0(), &c).is_empty());
        let plan = flow.plan(at(0, 1), &c);
        assert_eq!((plan.due.len(), plan.next_wake), (0, Some(at(2, 0))));
        // One second before two days: nothing; at two days: the second round.
        assert!(flow.plan(at(2, -1), &c).due.is_empty());
        assert_eq!(
            run(&mut flow, at(2, 0), &c),
            [sms(Step::Repeat), email(Step::Repeat)]
        );
        // Day 3 brings nothing new; the next wake-up is the first reminder on day 4.
        let day3 = flow.plan(at(3, 0), &c);
        assert!(day3.due.is_empty());
        assert_eq!(day3.next_wake, Some(at(4, 0)));
    }

    #[test]
    fn the_email_follows_within_its_delay() {
        let c = FlowConfig {
            email_delay_minutes: 24 * 60,
            ..FlowConfig::default()
        };
        c.validate().expect("24 h is allowed");
        let mut flow = RequestFlow::new(t0());
        assert_eq!(run(&mut flow, t0(), &c), [sms(Step::Notice)]);
        assert_eq!(flow.plan(t0(), &c).next_wake, Some(at(1, 0)));
        assert_eq!(run(&mut flow, at(1, 0), &c), [email(Step::Notice)]);
        assert!(
            FlowConfig {
                email_delay_minutes: 24 * 60 + 1,
                ..c
            }
            .validate()
            .is_err()
        );
    }

    #[test]
    fn the_deadline_marks_the_parcel_for_return() {
        let c = FlowConfig::default();
        let mut flow = RequestFlow::new(t0());
        for d in 0..7 {
            run(&mut flow, at(d, 0), &c);
        }
        assert_eq!(flow.sent.len(), 8);
        let before = flow.plan(at(7, -1), &c);
        assert_eq!(before.status, Status::Waiting { deadline: at(7, 0) });
        assert_eq!(before.next_wake, Some(at(7, 0)));
        let after = flow.plan(at(7, 0), &c);
        assert_eq!(after.status, Status::Expired { deadline: at(7, 0) });
        assert!(after.status.returns_to_shop());
        assert_eq!((after.due.len(), after.next_wake), (0, None));
        // Too late to submit.
        assert!(matches!(
            flow.submitted(at(7, 0), &c),
            Err(FlowError::Closed(Status::Expired { .. }))
        ));
        assert!(flow.submitted(at(7, -1), &c).is_ok());
    }

    #[test]
    fn a_configurable_deadline_moves_reminders_and_return() {
        let c = FlowConfig {
            deadline_days: 10,
            reminder_every_days: 3,
            ..FlowConfig::default()
        };
        let flow = RequestFlow::new(t0());
        let reminders: Vec<_> = flow
            .schedule(&c)
            .into_iter()
            .filter(|(m, _)| m.channel == Channel::Sms && matches!(m.step, Step::Reminder(_)))
            .map(|(_, t)| t)
            .collect();
        assert_eq!(reminders, [at(5, 0), at(8, 0)]);
        assert_eq!(
            flow.plan(at(9, 0), &c).status,
            Status::Waiting {
                deadline: at(10, 0)
            }
        );
        assert!(
            FlowConfig {
                repeat_after_days: 10,
                ..c
            }
            .validate()
            .is_err()
        );
    }

    #[test]
    fn reactions_stop_the_messages() {
        let c = FlowConfig::default();
        let mut flow = RequestFlow::new(t0());
        run(&mut flow, t0(), &c);
        flow.opened(at(1, 0));
        let plan = flow.plan(at(2, 0), &c);
        assert!(plan.due.is_empty());
        assert_eq!(plan.status, Status::Opened { deadline: at(7, 0) });
        assert_eq!(plan.next_wake, Some(at(7, 0)));
        // Opened but never submitted: still back to the shop at the deadline.
        assert!(flow.plan(at(7, 0), &c).status.returns_to_shop());
        assert!(matches!(
            flow.mark_sent(sms(Step::Repeat), at(2, 0), &c),
            Err(FlowError::Closed(_))
        ));

        let mut submitted = RequestFlow::new(t0());
        submitted.submitted(at(1, 0), &c).expect("in time");
        let plan = submitted.plan(at(2, 0), &c);
        assert_eq!((plan.due.len(), plan.next_wake), (0, None));
        assert_eq!(plan.status, Status::Submitted { at: at(1, 0) });
        // Submitted stays submitted after the deadline, and cannot be refused after.
        assert_eq!(
            submitted.status(at(8, 0), &c),
            Status::Submitted { at: at(1, 0) }
        );
        assert!(submitted.refused(at(1, 1), &c).is_err());

        let mut refused = RequestFlow::new(t0());
        refused.refused(at(0, 60), &c).expect("refusal");
        let status = refused.plan(at(0, 61), &c).status;
        assert!(status.returns_to_shop() && status.is_final());
        assert!(refused.submitted(at(0, 62), &c).is_err());
    }

    #[test]
    fn after_an_outage_only_the_latest_round_goes_out() {
        let c = FlowConfig::default();
        let mut flow = RequestFlow::new(t0());
        // Nothing was sent until day 4: the reminder, not the notice and the repeat too.
        assert_eq!(
            run(&mut flow, at(4, 5), &c),
            [sms(Step::Reminder(1)), email(Step::Reminder(1))]
        );
        assert!(run(&mut flow, at(5, 0), &c).is_empty());
        // Superseded messages are never offered later, and cannot be sent twice.
        assert!(matches!(
            flow.mark_sent(sms(Step::Reminder(1)), at(5, 0), &c),
            Err(FlowError::AlreadySent(_))
        ));
        assert!(matches!(
            flow.mark_sent(sms(Step::Reminder(9)), at(5, 0), &c),
            Err(FlowError::NotScheduled(_))
        ));
    }

    #[test]
    fn the_state_round_trips_as_json() {
        let c = FlowConfig::default();
        let mut flow = RequestFlow::new(t0());
        run(&mut flow, t0(), &c);
        flow.opened(at(1, 0));
        let json = serde_json::to_string(&flow).expect("json");
        let back: RequestFlow = serde_json::from_str(&json).expect("back");
        assert_eq!(back, flow);
        let config: FlowConfig = serde_json::from_str("{\"deadline_days\": 9}").expect("config");
        assert_eq!((config.deadline_days, config.repeat_after_days), (9, 2));
    }
}
