//! What a channel selects: finding codes, the lowest severity, reminder lead times. Stored as
//! the channel's subscription JSON (opaque to the store); read into the planner's
//! [`Subscription`].

use std::collections::BTreeSet;

use jiff::SignedDuration;
use posylka_core::store::notifications::ChannelId;
use posylka_notify::plan::{MAX_REMINDER_LEADS, ReminderLeads};
use posylka_notify::{CodeSelection, Severity, Subscription};
use serde::{Deserialize, Serialize};

/// The longest reminder lead accepted, in hours (the planner's maximum).
pub const MAX_REMINDER_HOURS: u32 = 24 * 90;

/// A channel's selection, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelPrefs {
    /// The finding codes it wants; `None`: every code.
    pub codes: Option<BTreeSet<String>>,
    /// The lowest severity that notifies.
    pub min_severity: Severity,
    /// Reminder lead times before a deadline, in hours, longest first.
    pub reminder_hours: Vec<u32>,
}

/// Why a selection was refused: the field (relative to the selection) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrefsError {
    /// `codes[2]`, `min_severity`, `reminder_hours[0]`...
    pub field: String,
    /// What is wrong.
    pub detail: String,
}

impl ChannelPrefs {
    /// Validates a selection given as text (API or form).
    pub fn parse(
        codes: Option<&[String]>,
        min_severity: Option<&str>,
        reminder_hours: Option<&[u32]>,
        default_hours: &[u32],
    ) -> Result<Self, PrefsError> {
        let err = |field: String, detail: String| PrefsError { field, detail };
        let codes = match codes {
            None => None,
            Some([]) => {
                return Err(err(
                    "codes".into(),
                    "choose at least one finding, or leave codes out for all of them".into(),
                ));
            }
            Some(list) => {
                let mut set = BTreeSet::new();
                for (i, code) in list.iter().enumerate() {
                    let code = code.trim();
                    if !posylka_watchdog::FindingCode::ALL
                        .iter()
                        .any(|c| c.key() == code)
                    {
                        return Err(err(
                            format!("codes[{i}]"),
                            format!(
                                "unknown finding code {:?}; the codes are: {}",
                                code.chars().take(40).collect::<String>(),
                                all_codes().join(", ")
                            ),
                        ));
                    }
                    set.insert(code.to_owned());
                }
                Some(set)
            }
        };
        let min_severity = match min_severity.map(str::trim) {
            None | Some("") => Severity::Warning,
            Some(key) => Severity::from_key(key).ok_or_else(|| {
                err(
                    "min_severity".into(),
                    "expected info, warning or action".into(),
                )
            })?,
        };
        let hours: Vec<u32> = reminder_hours.unwrap_or(default_hours).to_vec();
        for (i, h) in hours.iter().enumerate() {
            if *h == 0 || *h > MAX_REMINDER_HOURS {
                return Err(err(
                    format!("reminder_hours[{i}]"),
                    format!("expected 1 to {MAX_REMINDER_HOURS} hours before the deadline"),
                ));
            }
        }
        let mut distinct: Vec<u32> = hours
            .into_iter()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        if distinct.len() > MAX_REMINDER_LEADS {
            return Err(err(
                "reminder_hours".into(),
                format!("at most {MAX_REMINDER_LEADS} reminder times"),
            ));
        }
        distinct.reverse();
        Ok(Self {
            codes,
            min_severity,
            reminder_hours: distinct,
        })
    }

    /// The stored JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads stored JSON; `None` if it is not a selection.
    pub fn from_json(text: &str) -> Option<Self> {
        serde_json::from_str(text).ok()
    }

    /// The planner's subscription for channel `id`.
    pub fn subscription(&self, id: ChannelId) -> Subscription {
        Subscription {
            channel: planner_channel(id),
            codes: match &self.codes {
                None => CodeSelection::All,
                Some(codes) => CodeSelection::Only(codes.clone()),
            },
            min_severity: self.min_severity,
            // Validated on the way in; a stored list that no longer passes reminds nothing.
            reminder_leads: ReminderLeads::new(
                self.reminder_hours
                    .iter()
                    .map(|h| SignedDuration::from_hours(i64::from(*h))),
            )
            .unwrap_or_else(|_| ReminderLeads::none()),
        }
    }
}

/// The planner's name for a channel: its id as text.
pub fn planner_channel(id: ChannelId) -> posylka_notify::ChannelId {
    posylka_notify::ChannelId::new(id.get().to_string())
}

/// Every finding code, in the watchdog's order.
pub fn all_codes() -> Vec<&'static str> {
    posylka_watchdog::FindingCode::ALL
        .iter()
        .map(|c| c.key())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selections_are_validated_with_the_field_named() {
        let p = ChannelPrefs::parse(None, None, None, &[24, 72, 24]).expect("defaults");
        assert_eq!(p.codes, None);
        assert_eq!(p.min_severity, Severity::Warning);
        assert_eq!(p.reminder_hours, [72, 24]);
        let codes = vec!["stalled".to_owned(), "nonsense".to_owned()];
        let e = ChannelPrefs::parse(Some(&codes), None, None, &[]).expect_err("unknown");
        assert_eq!(e.field, "codes[1]");
        let e = ChannelPrefs::parse(Some(&[]), None, None, &[]).expect_err("empty");
        assert_eq!(e.field, "codes");
        let e = ChannelPrefs::parse(None, Some("urgent"), None, &[]).expect_err("severity");
        assert_eq!(e.field, "min_severity");
        let e = ChannelPrefs::parse(None, None, Some(&[24, 0]), &[]).expect_err("zero");
        assert_eq!(e.field, "reminder_hours[1]");
        let nine: Vec<u32> = (1..=9).collect();
        let e = ChannelPrefs::parse(None, None, Some(&nine), &[]).expect_err("many");
        assert_eq!(e.field, "reminder_hours");
        let ok =
            ChannelPrefs::parse(Some(&codes[..1]), Some("action"), Some(&[]), &[24]).expect("ok");
        assert_eq!(ChannelPrefs::from_json(&ok.to_json()), Some(ok.clone()));
        let sub = ok.subscription(ChannelId::new(7).expect("id"));
        assert_eq!(sub.channel.as_str(), "7");
        assert!(sub.codes.contains("stalled") && !sub.codes.contains("lost"));
        assert!(sub.reminder_leads.as_slice().is_empty());
    }
}
