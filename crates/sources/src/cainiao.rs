//! Cainiao global tracking: the JSON detail interface AliExpress buyers' pages use,
//! `GET {base}/global/detail.json?mailNos=...&lang=en-US&language=en-US`.
//!
//! The answer is `{success, module[{mailNo, mailNoSource, originCountry, destCountry, status,
//! copyRealMailNo, realMailNo, destCpInfo{cpName}, detailList[{actionCode, desc,
//! standerdDesc, time, timeStr, timeZone}]}]}`. Each `detailList` entry becomes an event whose
//! code is the `actionCode` (the core normaliser has Cainiao's table) and whose time is `time`
//! (epoch milliseconds) in the `timeZone` offset (`GMT+8`), or `timeStr` in that offset. The
//! last-mile number (`copyRealMailNo`, or the number inside the display text `realMailNo`)
//! becomes a [`LinkedNumber`].
//!
//! This interface is not a documented public API: its shape comes from open-source clients
//! (see the crate docs), so the base URL and the batch size are configurable and the parser
//! tolerates missing fields.

use std::collections::HashSet;

use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::Offset;
use posylka_core::event_time::EventTime;
use posylka_core::shipment::{Leg, TrackingNumber};
use posylka_core::timeline::SourceName;
use posylka_core::{Milestone, RawEvent};
use serde::Deserialize;

use crate::config::CainiaoConfig;
use crate::event::{
    BatchReport, FetchReport, LinkedNumber, NumberError, SourceEvent, SourceStatus, Tracked, number,
};
use crate::http;
use crate::source::{Source, SourceError, accept_all};

/// The source name on records from Cainiao.
pub const NAME: &str = "cainiao";
/// The carrier name put on every event, which selects the normaliser's Cainiao table.
pub const CARRIER: &str = "cainiao";

/// The Cainiao connector.
#[derive(Debug)]
pub struct Cainiao {
    client: reqwest::Client,
    config: CainiaoConfig,
    name: SourceName,
}

impl Cainiao {
    /// A connector for the configuration.
    pub fn new(config: CainiaoConfig) -> Result<Self, SourceError> {
        Ok(Self {
            client: http::client(NAME, config.timeout)?,
            name: SourceName::new(NAME).map_err(|e| SourceError::Config {
                source_name: NAME,
                detail: e.to_string(),
            })?,
            config,
        })
    }

    async fn detail(&self, numbers: &[TrackingNumber]) -> Result<FetchReport, SourceError> {
        let mut url = reqwest::Url::parse(&http::join(&self.config.base_url, "global/detail.json"))
            .map_err(|e| SourceError::Config {
                source_name: NAME,
                detail: format!("base URL: {e}"),
            })?;
        let list = numbers
            .iter()
            .map(TrackingNumber::as_str)
            .collect::<Vec<_>>()
            .join(",");
        url.query_pairs_mut()
            .append_pair("mailNos", &list)
            .append_pair("lang", &self.config.language)
            .append_pair("language", &self.config.language);
        let answer = http::send(NAME, self.client.get(url)).await?;
        if let Some(error) = http::common_status(NAME, &answer) {
            return Err(error);
        }
        if !(200..300).contains(&answer.status) {
            return Err(SourceError::Status {
                source_name: NAME,
                status: answer.status,
            });
        }
        parse_detail_response(numbers, &answer.body)
    }
}

impl Source for Cainiao {
    fn name(&self) -> &SourceName {
        &self.name
    }

    fn max_batch(&self) -> usize {
        self.config.max_batch.max(1)
    }

    async fn register(&self, numbers: &[TrackingNumber]) -> Result<BatchReport<()>, SourceError> {
        Ok(accept_all(numbers))
    }

    async fn fetch(&self, numbers: &[TrackingNumber]) -> Result<FetchReport, SourceError> {
        let mut report = BatchReport::new();
        for chunk in numbers.chunks(self.max_batch()) {
            let part = self.detail(chunk).await?;
            report.ok.extend(part.ok);
            report.failed.extend(part.failed);
        }
        Ok(report)
    }

    async fn stop(&self, numbers: &[TrackingNumber]) -> Result<BatchReport<()>, SourceError> {
        Ok(accept_all(numbers))
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Response {
    #[serde(default)]
    success: Option<bool>,
    #[serde(default)]
    module: Option<Vec<Module>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Module {
    #[serde(default)]
    mail_no: Option<String>,
    #[serde(default)]
    dest_country: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    copy_real_mail_no: Option<String>,
    #[serde(default)]
    real_mail_no: Option<String>,
    #[serde(default)]
    dest_cp_info: Option<CpInfo>,
    #[serde(default)]
    detail_list: Option<Vec<Detail>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CpInfo {
    #[serde(default)]
    cp_name: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Detail {
    #[serde(default)]
    action_code: Option<String>,
    #[serde(default)]
    desc: Option<String>,
    #[serde(default)]
    standerd_desc: Option<String>,
    #[serde(default)]
    time: Option<serde_json::Value>,
    #[serde(default)]
    time_str: Option<String>,
    #[serde(default)]
    time_zone: Option<String>,
}

/// Reads a `detail.json` answer for the numbers asked for (one the answer leaves out is
/// reported as not found).
pub fn parse_detail_response(
    requested: &[TrackingNumber],
    body: &[u8],
) -> Result<FetchReport, SourceError> {
    let response: Response = serde_json::from_slice(body).map_err(|e| SourceError::Malformed {
        source_name: NAME,
        what: "detail.json response",
        detail: e.to_string(),
    })?;
    if response.success == Some(false) {
        return Err(SourceError::Refused {
            source_name: NAME,
            code: "success=false".into(),
            message: "the detail interface refused the query".into(),
        });
    }
    let modules = response.module.ok_or_else(|| SourceError::Malformed {
        source_name: NAME,
        what: "detail.json response",
        detail: "no module list".into(),
    })?;
    let mut report = BatchReport::new();
    let mut seen = HashSet::new();
    for module in modules {
        let Some(n) = module.mail_no.as_deref().and_then(number) else {
            continue;
        };
        if !seen.insert(n.clone()) {
            continue;
        }
        let t = tracked(&n, module);
        report.ok.push((n, t));
    }
    for n in requested {
        if !seen.contains(n) {
            report.failed.push((n.clone(), NumberError::NotFound));
        }
    }
    Ok(report)
}

fn tracked(n: &TrackingNumber, module: Module) -> Tracked {
    let destination = module.dest_country.filter(|c| !c.trim().is_empty());
    let mut out = Tracked::default();
    for detail in module.detail_list.unwrap_or_default() {
        match event(n, detail, destination.as_deref()) {
            Some(e) => out.events.push(e),
            None => out.dropped_events += 1,
        }
    }
    if out.dropped_events > 0 {
        tracing::warn!(
            source = NAME,
            dropped = out.dropped_events,
            "events without a readable time were dropped"
        );
    }
    let last_mile = module
        .copy_real_mail_no
        .as_deref()
        .and_then(number)
        .or_else(|| module.real_mail_no.as_deref().and_then(embedded_number));
    if let Some(real) = last_mile
        && &real != n
    {
        out.linked.push(LinkedNumber {
            number: real,
            leg: Leg::LastMile,
            carrier: module
                .dest_cp_info
                .and_then(|c| c.cp_name)
                .filter(|c| !c.trim().is_empty()),
        });
    }
    if let Some(status) = module.status.filter(|s| !s.trim().is_empty()) {
        out.status = Some(SourceStatus {
            milestone: status_milestone(&status),
            raw: status,
        });
    }
    out
}

fn event(n: &TrackingNumber, detail: Detail, destination: Option<&str>) -> Option<SourceEvent> {
    let offset = detail.time_zone.as_deref().and_then(parse_offset);
    let at = epoch_millis(detail.time.as_ref())
        .map(|instant| EventTime::new(instant, offset.unwrap_or(Offset::UTC)))
        .or_else(|| {
            let local: DateTime = detail.time_str.as_deref()?.trim().parse().ok()?;
            let offset = offset?;
            let instant = offset.to_timestamp(local).ok()?;
            Some(EventTime::new(instant, offset))
        })?;
    let text = detail
        .desc
        .filter(|d| !d.trim().is_empty())
        .or(detail.standerd_desc)
        .unwrap_or_default();
    Some(SourceEvent {
        number: n.clone(),
        at,
        raw: RawEvent {
            text,
            code: detail.action_code.filter(|c| !c.trim().is_empty()),
            carrier: Some(CARRIER.to_owned()),
            location: None,
            country: None,
            destination: destination.map(str::to_owned),
        },
        hint: None,
    })
}

fn epoch_millis(value: Option<&serde_json::Value>) -> Option<Timestamp> {
    let millis = match value? {
        serde_json::Value::Number(n) => n.as_i64()?,
        serde_json::Value::String(s) => s.trim().parse().ok()?,
        _ => return None,
    };
    Timestamp::from_millisecond(millis).ok()
}

/// `GMT+8`, `GMT-03:00`, `UTC+5:30`, `+08:00` as an offset.
pub fn parse_offset(zone: &str) -> Option<Offset> {
    let z = zone.trim();
    let z = z
        .strip_prefix("GMT")
        .or_else(|| z.strip_prefix("UTC"))
        .unwrap_or(z);
    if z.is_empty() {
        return Some(Offset::UTC);
    }
    let (sign, rest) = match z.as_bytes().first()? {
        b'+' => (1, &z[1..]),
        b'-' => (-1, &z[1..]),
        _ => return None,
    };
    let (hours, minutes) = match rest.split_once(':') {
        Some((h, m)) => (h.parse::<i32>().ok()?, m.parse::<i32>().ok()?),
        None => (rest.parse::<i32>().ok()?, 0),
    };
    if !(0..=18).contains(&hours) || !(0..60).contains(&minutes) {
        return None;
    }
    Offset::from_seconds(sign * (hours * 3600 + minutes * 60)).ok()
}

/// The tracking number inside a display text such as `"PostNL 3SDFC0123456789"`: the longest
/// whole token of 8 to 30 letters and digits that has a digit.
fn embedded_number(text: &str) -> Option<TrackingNumber> {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|t| (8..=30).contains(&t.len()) && t.bytes().any(|b| b.is_ascii_digit()))
        .max_by_key(|t| t.len())
        .and_then(number)
}

/// Module-level status values as milestones. The value list comes from an unverified
/// third-party mapping (see the crate docs); unknown values map to `None`.
pub fn status_milestone(status: &str) -> Option<Milestone> {
    use Milestone as M;
    match status.trim().to_ascii_uppercase().as_str() {
        "WAIT_ACCEPT" => Some(M::InfoReceived),
        "ACCEPTED" => Some(M::PickedUp),
        "TRANSITING" | "TRANSPORTING" => Some(M::InTransit),
        "CLEAR_CUSTOMS" => Some(M::CustomsClearance),
        "DELIVERING" => Some(M::OutForDelivery),
        "DELIVERED" | "SIGN" => Some(M::Delivered),
        "FAILED" => Some(M::DeliveryAttemptFailed),
        "RETURN" => Some(M::ReturningToSender),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets() {
        assert_eq!(parse_offset("GMT+8").map(|o| o.seconds()), Some(8 * 3600));
        assert_eq!(
            parse_offset("GMT-03:00").map(|o| o.seconds()),
            Some(-3 * 3600)
        );
        assert_eq!(parse_offset("UTC+5:30").map(|o| o.seconds()), Some(19_800));
        assert_eq!(parse_offset("GMT").map(|o| o.seconds()), Some(0));
        assert_eq!(parse_offset("Moscow"), None);
        assert_eq!(parse_offset("GMT+99"), None);
    }

    #[test]
    fn embedded_numbers() {
        assert_eq!(
            embedded_number("Latest Tracking Number:\tCNG00839881455575").map(|n| n.to_string()),
            Some("CNG00839881455575".into())
        );
        assert_eq!(embedded_number("PostNL"), None);
    }
}
