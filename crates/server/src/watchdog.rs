//! The watchdog as the server's [`Assessor`]: `posylka_watchdog::check` on each shipment, its
//! findings and ETA mapped to the API's shapes.

use jiff::Timestamp;
use jiff::tz::TimeZone;
use posylka_store::ShipmentTimeline;
use posylka_watchdog::{Config, EtaBasis, Lang};

use crate::findings::{Assessment, Assessor, EtaView, FindingView};

/// Judges shipments with the watchdog's rules; messages in one language, dates in UTC.
#[derive(Debug, Clone)]
pub struct WatchdogAssessor {
    config: Config,
    lang: Lang,
}

impl WatchdogAssessor {
    /// The watchdog with its built-in rules, messages in English.
    pub fn new() -> Self {
        Self::with(Config::default(), Lang::En)
    }

    /// The watchdog with chosen rules and message language.
    pub fn with(config: Config, lang: Lang) -> Self {
        Self { config, lang }
    }
}

impl Default for WatchdogAssessor {
    fn default() -> Self {
        Self::new()
    }
}

impl Assessor for WatchdogAssessor {
    fn assess(&self, st: &ShipmentTimeline, now: Timestamp) -> Assessment {
        let report = posylka_watchdog::check_stored(st, now, &self.config);
        let tz = TimeZone::UTC;
        Assessment {
            findings: report
                .findings
                .iter()
                .map(|f| FindingView {
                    code: f.code.key().to_owned(),
                    severity: f.severity.key().to_owned(),
                    due_at: f.due_at,
                    message: f.message(self.lang, &tz),
                    draft: f.draft(&tz),
                    facts: serde_json::to_value(&f.facts).unwrap_or_default(),
                })
                .collect(),
            eta: report.eta.map(|e| EtaView {
                earliest: e.earliest,
                likely: e.likely,
                latest: e.latest,
                basis: match e.basis {
                    EtaBasis::Lane { .. } => "lane".to_owned(),
                    EtaBasis::Prior { .. } => "prior".to_owned(),
                },
            }),
        }
    }
}
