//! 17TRACK Tracking API v2 (v2.2 wire format): register, gettrackinfo, changecarrier,
//! stoptrack, retrack, and the push webhook.
//!
//! Every call is a `POST {base}/{method}` with a JSON array body (at most 40 numbers) and the
//! API key in the `17token` header. Answers share one envelope, `{code, data: {accepted[],
//! rejected[{number, error: {code, message}}]}}`, so partial success is normal: rejected numbers
//! become per-number [`NumberError`]s, a non-zero top-level `code` fails the whole call.
//!
//! Events come from `track_info.tracking.providers[].events[]`: the description is the raw text,
//! the event's `sub_status` is kept as its code, the provider's name is the carrier, and the
//! sub-status (or the `stage`) becomes a [`Hint`] for the normaliser. `misc_info.local_number`
//! (the last-mile number) becomes a [`LinkedNumber`].
//!
//! Push: `{event: TRACKING_UPDATED | TRACKING_STOPPED, data: {number, carrier, track_info}}`,
//! authenticated by the `sign` header = lower-case hex SHA-256 of `body + "/" + key`.

use std::collections::HashSet;

use posylka_core::event_time::EventTime;
use posylka_core::shipment::{Leg, TrackingNumber};
use posylka_core::timeline::SourceName;
use posylka_core::{Milestone, RawEvent, Reason};
use reqwest::header::CONTENT_TYPE;
use secrecy::ExposeSecret;
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::config::SeventeenTrackConfig;
use crate::event::{
    BatchReport, FetchReport, Hint, LinkedNumber, NumberError, SourceEvent, SourceStatus, Tracked,
    number,
};
use crate::http;
use crate::source::{PushError, PushNotice, Source, SourceError};

/// The source name on records from 17TRACK.
pub const NAME: &str = "17track";
/// The header the push signature comes in.
pub const SIGN_HEADER: &str = "sign";
/// The most numbers one call may carry.
pub const MAX_BATCH: usize = 40;

/// Error codes with a meaning of their own.
pub mod codes {
    /// More than 40 numbers in one call.
    pub const TOO_MANY_NUMBERS: i64 = -18010014;
    /// The number is already registered.
    pub const ALREADY_REGISTERED: i64 = -18019901;
    /// The number is not registered yet.
    pub const NOT_REGISTERED: i64 = -18019902;
    /// The carrier cannot be detected.
    pub const CARRIER_NOT_DETECTED: i64 = -18019903;
    /// Only stopped numbers can be retracked.
    pub const NOT_STOPPED: i64 = -18019904;
    /// A number can be retracked only once.
    pub const RETRACK_ONCE: i64 = -18019905;
    /// The daily limit is exceeded.
    pub const DAILY_LIMIT: i64 = -18019907;
    /// The quota is used up.
    pub const QUOTA_EXHAUSTED: i64 = -18019908;
    /// No tracking information yet.
    pub const NO_INFO_YET: i64 = -18019909;
}

/// A number to register, optionally with a carrier (17TRACK carrier key, e.g. 3011 China Post).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    /// The number.
    pub number: TrackingNumber,
    /// The carrier key, or `None` to let 17TRACK detect it.
    pub carrier: Option<u32>,
}

/// A carrier correction for a registered number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CarrierChange {
    /// The number.
    pub number: TrackingNumber,
    /// The carrier it is registered with now, when known.
    pub carrier_old: Option<u32>,
    /// The right carrier.
    pub carrier_new: u32,
}

/// The 17TRACK connector.
#[derive(Debug)]
pub struct SeventeenTrack {
    client: reqwest::Client,
    config: SeventeenTrackConfig,
    name: SourceName,
}

impl SeventeenTrack {
    /// A connector for the configuration.
    pub fn new(config: SeventeenTrackConfig) -> Result<Self, SourceError> {
        Ok(Self {
            client: http::client(NAME, config.timeout)?,
            name: source_name(),
            config,
        })
    }

    /// The configuration in use.
    pub fn config(&self) -> &SeventeenTrackConfig {
        &self.config
    }

    /// Registers numbers, each with an optional carrier. An already registered number counts
    /// as registered.
    pub async fn register_with(
        &self,
        items: &[Registration],
    ) -> Result<BatchReport<()>, SourceError> {
        let mut report = BatchReport::new();
        for chunk in items.chunks(self.max_batch()) {
            let body: Vec<_> = chunk
                .iter()
                .map(|r| match r.carrier {
                    Some(carrier) => json!({"number": r.number.as_str(), "carrier": carrier}),
                    None => json!({"number": r.number.as_str()}),
                })
                .collect();
            let requested: Vec<_> = chunk.iter().map(|r| r.number.clone()).collect();
            let answer = self.call("register", &body).await?;
            merge(&mut report, unit_report(&requested, answer, true));
        }
        Ok(report)
    }

    /// Corrects the carrier of registered numbers.
    pub async fn change_carrier(
        &self,
        changes: &[CarrierChange],
    ) -> Result<BatchReport<()>, SourceError> {
        let mut report = BatchReport::new();
        for chunk in changes.chunks(self.max_batch()) {
            let body: Vec<_> = chunk
                .iter()
                .map(|c| match c.carrier_old {
                    Some(old) => json!({"number": c.number.as_str(), "carrier_old": old, "carrier_new": c.carrier_new}),
                    None => json!({"number": c.number.as_str(), "carrier_new": c.carrier_new}),
                })
                .collect();
            let requested: Vec<_> = chunk.iter().map(|c| c.number.clone()).collect();
            let answer = self.call("changecarrier", &body).await?;
            merge(&mut report, unit_report(&requested, answer, false));
        }
        Ok(report)
    }

    /// Resumes tracking of stopped numbers (allowed once per number).
    pub async fn retrack(
        &self,
        numbers: &[TrackingNumber],
    ) -> Result<BatchReport<()>, SourceError> {
        self.numbers_call("retrack", numbers).await
    }

    async fn numbers_call(
        &self,
        method: &'static str,
        numbers: &[TrackingNumber],
    ) -> Result<BatchReport<()>, SourceError> {
        let mut report = BatchReport::new();
        for chunk in numbers.chunks(self.max_batch()) {
            let answer = self.call(method, &number_list(chunk)).await?;
            merge(&mut report, unit_report(chunk, answer, false));
        }
        Ok(report)
    }

    async fn call(
        &self,
        method: &'static str,
        body: &[serde_json::Value],
    ) -> Result<Envelope, SourceError> {
        let mut token = reqwest::header::HeaderValue::from_str(self.config.token.expose_secret())
            .map_err(|_| SourceError::Config {
            source_name: NAME,
            detail: "the token has characters a header cannot carry".into(),
        })?;
        // Kept out of any header dump (reqwest's and hyper's debug output).
        token.set_sensitive(true);
        let request = self
            .client
            .post(http::join(&self.config.base_url, method))
            .header("17token", token)
            .header(CONTENT_TYPE, "application/json")
            .body(serde_json::Value::from(body.to_vec()).to_string());
        let answer = http::send(NAME, request).await?;
        if let Some(error) = http::common_status(NAME, &answer) {
            return Err(error);
        }
        if !(200..300).contains(&answer.status) {
            return Err(SourceError::Status {
                source_name: NAME,
                status: answer.status,
            });
        }
        parse_envelope(&answer.body)
    }
}

fn source_name() -> SourceName {
    // A constant, valid name.
    SourceName::new(NAME).unwrap_or_else(|_| unreachable_name())
}

#[cold]
fn unreachable_name() -> SourceName {
    // NAME is 7 printable characters; SourceName::new cannot reject it. Kept panic-free anyway.
    SourceName::new("source").unwrap_or_else(|_| unreachable_name())
}

fn number_list(numbers: &[TrackingNumber]) -> Vec<serde_json::Value> {
    numbers
        .iter()
        .map(|n| json!({"number": n.as_str()}))
        .collect()
}

fn merge<T>(into: &mut BatchReport<T>, from: BatchReport<T>) {
    into.ok.extend(from.ok);
    into.failed.extend(from.failed);
}

impl Source for SeventeenTrack {
    fn name(&self) -> &SourceName {
        &self.name
    }

    fn max_batch(&self) -> usize {
        self.config.max_batch.clamp(1, MAX_BATCH)
    }

    fn needs_registration(&self) -> bool {
        true
    }

    async fn register(&self, numbers: &[TrackingNumber]) -> Result<BatchReport<()>, SourceError> {
        let items: Vec<_> = numbers
            .iter()
            .map(|n| Registration {
                number: n.clone(),
                carrier: None,
            })
            .collect();
        self.register_with(&items).await
    }

    async fn fetch(&self, numbers: &[TrackingNumber]) -> Result<FetchReport, SourceError> {
        let mut report = BatchReport::new();
        for chunk in numbers.chunks(self.max_batch()) {
            let answer = self.call("gettrackinfo", &number_list(chunk)).await?;
            merge(&mut report, fetch_report(chunk, answer)?);
        }
        Ok(report)
    }

    async fn stop(&self, numbers: &[TrackingNumber]) -> Result<BatchReport<()>, SourceError> {
        self.numbers_call("stoptrack", numbers).await
    }

    fn push_signature_header(&self) -> Option<&'static str> {
        Some(SIGN_HEADER)
    }

    fn parse_push(
        &self,
        signature: Option<&str>,
        body: &[u8],
    ) -> Result<Vec<PushNotice>, PushError> {
        let key = self
            .config
            .push_key
            .as_ref()
            .unwrap_or(&self.config.token)
            .expose_secret();
        if key.is_empty() {
            return Err(PushError::NotConfigured);
        }
        let signature = signature.ok_or(PushError::MissingSignature {
            header: SIGN_HEADER,
        })?;
        verify_signature(body, signature, key)?;
        parse_push_body(body)
    }
}

// ---------------------------------------------------------------------------------------------
// Wire shapes. Unknown fields are ignored; every field the parser does not strictly need is
// optional, so a field 17TRACK leaves out (or sends as null) never fails a whole batch.

/// The response envelope.
#[derive(Debug, Deserialize)]
pub struct Envelope {
    code: i64,
    #[serde(default)]
    data: Option<EnvelopeData>,
    /// Some top-level errors carry a message next to the code.
    #[serde(default)]
    message: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct EnvelopeData {
    #[serde(default, deserialize_with = "null_as_default")]
    accepted: Vec<Accepted>,
    #[serde(default, deserialize_with = "null_as_default")]
    rejected: Vec<Rejected>,
    /// Top-level errors are reported as `data.errors[{code, message}]`.
    #[serde(default, deserialize_with = "null_as_default")]
    errors: Vec<ErrorBody>,
}

#[derive(Debug, Deserialize)]
struct Accepted {
    number: String,
    #[serde(default)]
    track_info: Option<TrackInfo>,
}

#[derive(Debug, Deserialize)]
struct Rejected {
    number: String,
    #[serde(default)]
    error: Option<ErrorBody>,
}

#[derive(Debug, Deserialize)]
struct ErrorBody {
    code: i64,
    #[serde(default)]
    message: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct TrackInfo {
    #[serde(default)]
    shipping_info: Option<ShippingInfo>,
    #[serde(default)]
    latest_status: Option<LatestStatus>,
    #[serde(default)]
    misc_info: Option<MiscInfo>,
    #[serde(default)]
    tracking: Option<TrackingData>,
}

#[derive(Debug, Default, Deserialize)]
struct ShippingInfo {
    #[serde(default)]
    recipient_address: Option<Address>,
}

#[derive(Debug, Default, Deserialize)]
struct Address {
    #[serde(default)]
    country: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct LatestStatus {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    sub_status: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct MiscInfo {
    #[serde(default)]
    local_number: Option<String>,
    #[serde(default)]
    local_provider: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct TrackingData {
    #[serde(default, deserialize_with = "null_as_default")]
    providers: Vec<ProviderTrack>,
}

#[derive(Debug, Default, Deserialize)]
struct ProviderTrack {
    #[serde(default)]
    provider: Option<Provider>,
    #[serde(default, deserialize_with = "null_as_default")]
    events: Vec<WireEvent>,
}

#[derive(Debug, Default, Deserialize)]
struct Provider {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    alias: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct WireEvent {
    #[serde(default)]
    time_iso: Option<String>,
    #[serde(default)]
    time_utc: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    location: Option<String>,
    #[serde(default)]
    stage: Option<String>,
    #[serde(default)]
    sub_status: Option<String>,
    #[serde(default)]
    address: Option<Address>,
}

#[derive(Debug, Deserialize)]
struct PushBody {
    event: String,
    data: PushData,
}

#[derive(Debug, Deserialize)]
struct PushData {
    number: String,
    #[serde(default)]
    track_info: Option<TrackInfo>,
    #[serde(default)]
    stop_track_reason: Option<String>,
}

fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

// ---------------------------------------------------------------------------------------------
// Parsing.

/// Reads a response envelope; a non-zero top-level `code` is the whole call's error.
pub fn parse_envelope(body: &[u8]) -> Result<Envelope, SourceError> {
    let envelope: Envelope = serde_json::from_slice(body).map_err(|e| SourceError::Malformed {
        source_name: NAME,
        what: "response envelope",
        detail: e.to_string(),
    })?;
    if envelope.code != 0 {
        let data_error = envelope
            .data
            .as_ref()
            .and_then(|d| d.errors.first())
            .map(|e| (e.code, e.message.clone()));
        let (code, message) = match data_error {
            Some((code, message)) => (code, message),
            None => (envelope.code, envelope.message.clone()),
        };
        return Err(whole_call_error(code, message));
    }
    Ok(envelope)
}

fn whole_call_error(code: i64, message: Option<String>) -> SourceError {
    match code {
        codes::DAILY_LIMIT => SourceError::DailyLimit { source_name: NAME },
        codes::QUOTA_EXHAUSTED => SourceError::QuotaExhausted { source_name: NAME },
        _ => SourceError::Refused {
            source_name: NAME,
            code: code.to_string(),
            message: message.unwrap_or_default().chars().take(200).collect(),
        },
    }
}

/// What a rejected number's error code means.
pub fn number_error(code: i64, message: Option<&str>) -> NumberError {
    match code {
        codes::NOT_REGISTERED => NumberError::NotRegistered,
        codes::CARRIER_NOT_DETECTED => NumberError::CarrierNotDetected,
        codes::DAILY_LIMIT => NumberError::DailyLimit,
        codes::QUOTA_EXHAUSTED => NumberError::QuotaExhausted,
        codes::NO_INFO_YET => NumberError::NotFound,
        _ => NumberError::Rejected {
            code,
            message: message.unwrap_or_default().chars().take(200).collect(),
        },
    }
}

/// Reads a `gettrackinfo` answer for a batch (`requested` are the numbers asked for; one the
/// answer leaves out is reported as not found).
pub fn parse_track_info_response(
    requested: &[TrackingNumber],
    body: &[u8],
) -> Result<FetchReport, SourceError> {
    fetch_report(requested, parse_envelope(body)?)
}

fn fetch_report(
    requested: &[TrackingNumber],
    envelope: Envelope,
) -> Result<FetchReport, SourceError> {
    let data = envelope.data.unwrap_or_default();
    let mut report = BatchReport::new();
    let mut seen = HashSet::new();
    for accepted in data.accepted {
        let Some(n) = number(&accepted.number) else {
            continue;
        };
        seen.insert(n.clone());
        let tracked = accepted
            .track_info
            .map(|info| tracked(&n, info))
            .unwrap_or_default();
        report.ok.push((n, tracked));
    }
    for rejected in data.rejected {
        let Some(n) = number(&rejected.number) else {
            continue;
        };
        seen.insert(n.clone());
        let error = match rejected.error {
            Some(e) => number_error(e.code, e.message.as_deref()),
            None => NumberError::Rejected {
                code: 0,
                message: "rejected without an error".into(),
            },
        };
        report.failed.push((n, error));
    }
    for n in requested {
        if !seen.contains(n) {
            report.failed.push((n.clone(), NumberError::NotFound));
        }
    }
    Ok(report)
}

/// Reads the answer of register/stoptrack/retrack/changecarrier.
fn unit_report(
    requested: &[TrackingNumber],
    envelope: Envelope,
    already_registered_is_ok: bool,
) -> BatchReport<()> {
    let data = envelope.data.unwrap_or_default();
    let mut report = BatchReport::new();
    let mut seen = HashSet::new();
    for accepted in data.accepted {
        if let Some(n) = number(&accepted.number) {
            seen.insert(n.clone());
            report.ok.push((n, ()));
        }
    }
    for rejected in data.rejected {
        let Some(n) = number(&rejected.number) else {
            continue;
        };
        seen.insert(n.clone());
        match rejected.error {
            Some(e) if already_registered_is_ok && e.code == codes::ALREADY_REGISTERED => {
                report.ok.push((n, ()));
            }
            Some(e) => report
                .failed
                .push((n, number_error(e.code, e.message.as_deref()))),
            None => report.failed.push((
                n,
                NumberError::Rejected {
                    code: 0,
                    message: "rejected without an error".into(),
                },
            )),
        }
    }
    for n in requested {
        if !seen.contains(n) {
            report.failed.push((
                n.clone(),
                NumberError::Rejected {
                    code: 0,
                    message: "the source did not answer for this number".into(),
                },
            ));
        }
    }
    report
}

fn tracked(n: &TrackingNumber, info: TrackInfo) -> Tracked {
    let destination = info
        .shipping_info
        .and_then(|s| s.recipient_address)
        .and_then(|a| a.country)
        .filter(|c| !c.trim().is_empty());
    let mut out = Tracked::default();
    for provider in info.tracking.map(|t| t.providers).unwrap_or_default() {
        let carrier = provider
            .provider
            .and_then(|p| p.name.or(p.alias))
            .filter(|c| !c.trim().is_empty());
        for event in provider.events {
            match source_event(n, event, carrier.as_deref(), destination.as_deref()) {
                Some(e) => out.events.push(e),
                None => out.dropped_events += 1,
            }
        }
    }
    if out.dropped_events > 0 {
        tracing::warn!(
            source = NAME,
            dropped = out.dropped_events,
            "events without a readable time were dropped"
        );
    }
    if let Some(misc) = info.misc_info
        && let Some(local) = misc.local_number.as_deref().and_then(number)
        && &local != n
    {
        out.linked.push(LinkedNumber {
            number: local,
            leg: Leg::LastMile,
            carrier: misc.local_provider.filter(|p| !p.trim().is_empty()),
        });
    }
    if let Some(latest) = info.latest_status {
        let main = latest.status.unwrap_or_default();
        let sub = latest.sub_status.unwrap_or_default();
        if !main.is_empty() || !sub.is_empty() {
            out.status = Some(SourceStatus {
                milestone: status_milestone(&main, &sub),
                raw: if sub.is_empty() {
                    main
                } else {
                    format!("{main}/{sub}")
                },
            });
        }
    }
    out
}

fn source_event(
    n: &TrackingNumber,
    event: WireEvent,
    carrier: Option<&str>,
    destination: Option<&str>,
) -> Option<SourceEvent> {
    let at = event_time(event.time_iso.as_deref(), event.time_utc.as_deref())?;
    let sub_status = event.sub_status.filter(|s| !s.trim().is_empty());
    let hint = sub_status
        .as_deref()
        .and_then(sub_status_hint)
        .or_else(|| event.stage.as_deref().and_then(stage_hint));
    Some(SourceEvent {
        number: n.clone(),
        at,
        raw: RawEvent {
            text: event.description.unwrap_or_default(),
            code: sub_status,
            carrier: carrier.map(str::to_owned),
            location: event.location.filter(|l| !l.trim().is_empty()),
            country: event
                .address
                .and_then(|a| a.country)
                .filter(|c| !c.trim().is_empty()),
            destination: destination.map(str::to_owned),
        },
        hint,
    })
}

/// The event time: `time_iso` with its offset when it has one, else `time_utc`.
fn event_time(iso: Option<&str>, utc: Option<&str>) -> Option<EventTime> {
    iso.and_then(|t| t.parse().ok())
        .or_else(|| utc.and_then(|t| t.parse().ok()))
}

const fn hint(milestone: Milestone, reason: Option<Reason>, confidence: f64) -> Option<Hint> {
    Some(Hint {
        milestone,
        reason,
        confidence,
    })
}

/// 17TRACK's per-event sub-status as a hint. `_Other` sub-statuses that say little get a low
/// confidence so the normaliser's reading of the text wins; specific ones rank just below a
/// carrier code-table hit.
pub fn sub_status_hint(sub_status: &str) -> Option<Hint> {
    use Milestone as M;
    match sub_status.trim() {
        "InfoReceived" => hint(M::InfoReceived, None, 0.9),
        "InTransit_PickedUp" => hint(M::PickedUp, None, 0.9),
        "InTransit_Other" => hint(M::InTransit, None, 0.5),
        "InTransit_Departure" => hint(M::DepartedOriginCountry, None, 0.9),
        "InTransit_Arrival" => hint(M::ArrivedDestinationCountry, None, 0.9),
        "InTransit_CustomsProcessing" => hint(M::CustomsClearance, None, 0.85),
        "InTransit_CustomsReleased" => hint(M::CustomsCleared, None, 0.9),
        // The text often says what is needed (passport data, payment): let it refine.
        "InTransit_CustomsRequiringInformation" => hint(M::CustomsHold, None, 0.8),
        "AvailableForPickup_Other" => hint(M::AvailableForPickup, None, 0.9),
        "OutForDelivery_Other" => hint(M::OutForDelivery, None, 0.9),
        "DeliveryFailure_Other" | "DeliveryFailure_NoBody" | "DeliveryFailure_Security" => {
            hint(M::DeliveryAttemptFailed, None, 0.9)
        }
        "DeliveryFailure_Rejected" => hint(M::DeliveryAttemptFailed, Some(Reason::Refused), 0.9),
        "DeliveryFailure_InvalidAddress" => {
            hint(M::DeliveryAttemptFailed, Some(Reason::AddressIssue), 0.9)
        }
        "Delivered_Other" => hint(M::Delivered, None, 0.9),
        "Exception_Other" => hint(M::Exception, None, 0.6),
        "Exception_Returning" => hint(M::ReturningToSender, None, 0.9),
        "Exception_Returned" => hint(M::Returned, None, 0.9),
        "Exception_NoBody" => hint(M::Exception, Some(Reason::AddressIssue), 0.8),
        "Exception_Security" => hint(M::Exception, None, 0.7),
        "Exception_Damage" => hint(M::Damaged, None, 0.9),
        "Exception_Rejected" => hint(M::Exception, Some(Reason::Refused), 0.85),
        "Exception_Delayed" => hint(M::Exception, Some(Reason::Delay), 0.85),
        "Exception_Lost" => hint(M::Lost, None, 0.9),
        "Exception_Destroyed" => hint(M::Exception, Some(Reason::Destroyed), 0.9),
        "Exception_Cancel" => hint(M::Exception, Some(Reason::Cancelled), 0.9),
        // NotFound_* and Expired_* describe the number, not an event.
        _ => None,
    }
}

/// 17TRACK's per-event `stage` (its milestone key) as a hint, used when an event has no
/// sub-status. The stage names are not in the corpus's official excerpt (see the crate docs).
pub fn stage_hint(stage: &str) -> Option<Hint> {
    use Milestone as M;
    match stage.trim() {
        "InfoReceived" => hint(M::InfoReceived, None, 0.85),
        "PickedUp" => hint(M::PickedUp, None, 0.85),
        "Departure" => hint(M::DepartedOriginCountry, None, 0.85),
        "Arrival" => hint(M::ArrivedDestinationCountry, None, 0.85),
        "AvailableForPickup" => hint(M::AvailableForPickup, None, 0.85),
        "OutForDelivery" => hint(M::OutForDelivery, None, 0.85),
        "Delivered" => hint(M::Delivered, None, 0.85),
        "Returning" => hint(M::ReturningToSender, None, 0.85),
        "Returned" => hint(M::Returned, None, 0.85),
        _ => None,
    }
}

/// A number's main status and sub-status as a milestone (for the summary status).
pub fn status_milestone(main: &str, sub: &str) -> Option<Milestone> {
    if let Some(h) = sub_status_hint(sub) {
        return Some(h.milestone);
    }
    use Milestone as M;
    match main.trim() {
        "InfoReceived" => Some(M::InfoReceived),
        "InTransit" => Some(M::InTransit),
        "AvailableForPickup" => Some(M::AvailableForPickup),
        "OutForDelivery" => Some(M::OutForDelivery),
        "DeliveryFailure" => Some(M::DeliveryAttemptFailed),
        "Delivered" => Some(M::Delivered),
        "Exception" => Some(M::Exception),
        // NotFound and Expired (no news for long) are not milestones.
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// Push.

/// The `sign` a push with this body carries: lower-case hex SHA-256 of `body + "/" + key`.
pub fn push_signature(body: &[u8], key: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(body);
    hasher.update(b"/");
    hasher.update(key.as_bytes());
    hex::encode(hasher.finalize())
}

/// Checks a push signature in constant time (hex in either case).
pub fn verify_signature(body: &[u8], signature: &str, key: &str) -> Result<(), PushError> {
    let expected = push_signature(body, key);
    let given = signature.trim().to_ascii_lowercase();
    if given.len() != expected.len() {
        return Err(PushError::BadSignature);
    }
    let diff = given
        .bytes()
        .zip(expected.bytes())
        .fold(0u8, |acc, (a, b)| acc | (a ^ b));
    if diff == 0 {
        Ok(())
    } else {
        Err(PushError::BadSignature)
    }
}

/// Reads a verified push body. An event type this version does not know yields no notice
/// (17TRACK may add types; they are not errors).
pub fn parse_push_body(body: &[u8]) -> Result<Vec<PushNotice>, PushError> {
    let push: PushBody =
        serde_json::from_slice(body).map_err(|e| PushError::Malformed(e.to_string()))?;
    let n = number(&push.data.number)
        .ok_or_else(|| PushError::Malformed("data.number is not a tracking number".into()))?;
    Ok(match push.event.as_str() {
        "TRACKING_UPDATED" => vec![PushNotice::Updated {
            tracked: push
                .data
                .track_info
                .map(|info| tracked(&n, info))
                .unwrap_or_default(),
            number: n,
        }],
        "TRACKING_STOPPED" => vec![PushNotice::Stopped {
            number: n,
            reason: push.data.stop_track_reason,
        }],
        _ => Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> TrackingNumber {
        TrackingNumber::parse(s).expect("number")
    }

    #[test]
    fn signature_is_sha256_of_body_slash_key() {
        // Expected values computed independently with coreutils `sha256sum`.
        assert_eq!(
            push_signature(b"{}", "key"),
            "461a224c100d7b686157238995a9c7bd82a226ec5c8e51a4aa00518eb432f61f"
        );
        let body = br#"{"event":"TRACKING_UPDATED"}"#;
        let sign = "6A34BEFF39CC0243A80947178530264173118BEF1BCB860EAE681BFE9D0552BD";
        assert_eq!(verify_signature(body, sign, "k3y"), Ok(()));
        assert_eq!(
            verify_signature(body, sign, "other"),
            Err(PushError::BadSignature)
        );
        assert_eq!(
            verify_signature(body, "abc", "k3y"),
            Err(PushError::BadSignature)
        );
    }

    #[test]
    fn rejected_codes_are_typed() {
        let body = br#"{"code":0,"data":{"accepted":[],"rejected":[
            {"number":"RR123456789CN","error":{"code":-18019903,"message":"carrier"}},
            {"number":"RR123456780CN","error":{"code":-18019908,"message":"quota"}},
            {"number":"RR123456781CN","error":{"code":-18019907,"message":"daily"}},
            {"number":"RR123456782CN","error":{"code":-18019902,"message":"register first"}}]}}"#;
        let requested = [
            n("RR123456789CN"),
            n("RR123456780CN"),
            n("RR123456781CN"),
            n("RR123456782CN"),
            n("RR123456783CN"),
        ];
        let report = parse_track_info_response(&requested, body).expect("report");
        let errors: Vec<_> = report.failed.iter().map(|(_, e)| e.clone()).collect();
        assert_eq!(
            errors,
            vec![
                NumberError::CarrierNotDetected,
                NumberError::QuotaExhausted,
                NumberError::DailyLimit,
                NumberError::NotRegistered,
                NumberError::NotFound,
            ]
        );
    }

    #[test]
    fn top_level_quota_codes_fail_the_call() {
        let e = parse_envelope(
            br#"{"code":-18019908,"data":{"errors":[{"code":-18019908,"message":"x"}]}}"#,
        )
        .expect_err("quota");
        assert_eq!(e, SourceError::QuotaExhausted { source_name: NAME });
        let e = parse_envelope(br#"{"code":-18019907,"data":null}"#).expect_err("daily");
        assert_eq!(e, SourceError::DailyLimit { source_name: NAME });
    }
}
