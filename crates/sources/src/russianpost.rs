//! Russian Post tracking API, single access: SOAP 1.2 `getOperationHistory`.
//!
//! One barcode per request (`OperationHistoryRequest{Barcode, MessageType 0, Language}`), the
//! login and password in the body's `AuthorizationHeader`. Each `historyRecord` becomes one
//! event: `OperType.Id` and `OperAttr.Id` make the code `"T.A"` that the core normaliser's
//! Russian Post table reads (`"T"` when the record has no attribute), the type and attribute
//! names make the text, `OperationAddress` (`Index Description`) the location, `CountryOper`
//! the country and `MailDirect` the destination. The response is read with a streaming XML
//! parser (quick-xml), matching elements by local name so any namespace prefix works.
//!
//! SOAP faults: an `AuthorizationFault` detail is [`SourceError::Unauthorized`]; an
//! `OperationHistoryFault` or `LanguageFault` concerns the barcode and becomes a per-number
//! [`NumberError::Rejected`]; any other fault with a 5xx status is an outage.

use posylka_core::RawEvent;
use posylka_core::event_time::EventTime;
use posylka_core::shipment::TrackingNumber;
use posylka_core::timeline::SourceName;
use quick_xml::Reader;
use quick_xml::escape::{escape, resolve_predefined_entity};
use quick_xml::events::Event;
use reqwest::header::CONTENT_TYPE;
use secrecy::ExposeSecret;

use crate::config::RussianPostConfig;
use crate::event::{BatchReport, FetchReport, NumberError, SourceEvent, Tracked};
use crate::http;
use crate::source::{Source, SourceError, accept_all};

/// The source name on records from Russian Post.
pub const NAME: &str = "russianpost";
/// The carrier name put on every event, which selects the normaliser's Russian Post table.
pub const CARRIER: &str = "russian-post";

/// Deepest element nesting accepted; real answers nest about 8 deep.
const MAX_DEPTH: usize = 64;

/// The Russian Post connector.
#[derive(Debug)]
pub struct RussianPost {
    client: reqwest::Client,
    config: RussianPostConfig,
    name: SourceName,
}

impl RussianPost {
    /// A connector for the configuration.
    pub fn new(config: RussianPostConfig) -> Result<Self, SourceError> {
        Ok(Self {
            client: http::client(NAME, config.timeout)?,
            name: SourceName::new(NAME).map_err(|e| SourceError::Config {
                source_name: NAME,
                detail: e.to_string(),
            })?,
            config,
        })
    }

    async fn history(
        &self,
        barcode: &TrackingNumber,
    ) -> Result<Result<Tracked, NumberError>, SourceError> {
        let body = request_body(
            barcode.as_str(),
            &self.config.language,
            self.config.login.expose_secret(),
            self.config.password.expose_secret(),
        );
        let request = self
            .client
            .post(&self.config.base_url)
            .header(CONTENT_TYPE, "application/soap+xml; charset=utf-8")
            .body(body);
        let answer = http::send(NAME, request).await?;
        if let Some(error) = http::common_status(NAME, &answer) {
            return Err(error);
        }
        // SOAP faults come with status 500, so a 500 body is read before it is judged.
        if !(200..300).contains(&answer.status) && answer.status != 500 {
            return Err(SourceError::Status {
                source_name: NAME,
                status: answer.status,
            });
        }
        let history = match parse_operation_history(&answer.body) {
            Ok(history) => history,
            Err(_) if answer.status == 500 => {
                return Err(SourceError::Status {
                    source_name: NAME,
                    status: 500,
                });
            }
            Err(e) => return Err(e),
        };
        match history {
            History::Records(records) => Ok(Ok(tracked(barcode, records))),
            History::Fault(fault) => fault_outcome(fault, answer.status),
        }
    }
}

impl Source for RussianPost {
    fn name(&self) -> &SourceName {
        &self.name
    }

    fn max_batch(&self) -> usize {
        // Single access answers for one barcode per request.
        1
    }

    async fn register(&self, numbers: &[TrackingNumber]) -> Result<BatchReport<()>, SourceError> {
        Ok(accept_all(numbers))
    }

    async fn fetch(&self, numbers: &[TrackingNumber]) -> Result<FetchReport, SourceError> {
        let mut report = BatchReport::new();
        for n in numbers {
            match self.history(n).await? {
                Ok(tracked) => report.ok.push((n.clone(), tracked)),
                Err(e) => report.failed.push((n.clone(), e)),
            }
        }
        Ok(report)
    }

    async fn stop(&self, numbers: &[TrackingNumber]) -> Result<BatchReport<()>, SourceError> {
        Ok(accept_all(numbers))
    }
}

/// The SOAP request for one barcode. Every value is XML-escaped.
pub fn request_body(barcode: &str, language: &str, login: &str, password: &str) -> String {
    format!(
        concat!(
            r#"<?xml version="1.0" encoding="UTF-8"?>"#,
            r#"<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope" "#,
            r#"xmlns:oper="http://russianpost.org/operationhistory" "#,
            r#"xmlns:data="http://russianpost.org/operationhistory/data" "#,
            r#"xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">"#,
            "<soap:Header/><soap:Body><oper:getOperationHistory>",
            "<data:OperationHistoryRequest><data:Barcode>{barcode}</data:Barcode>",
            "<data:MessageType>0</data:MessageType><data:Language>{language}</data:Language>",
            "</data:OperationHistoryRequest>",
            r#"<data:AuthorizationHeader soapenv:mustUnderstand="1">"#,
            "<data:login>{login}</data:login><data:password>{password}</data:password>",
            "</data:AuthorizationHeader></oper:getOperationHistory></soap:Body></soap:Envelope>"
        ),
        barcode = escape(barcode),
        language = escape(language),
        login = escape(login),
        password = escape(password),
    )
}

/// One `historyRecord`, with the fields the connector uses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HistoryRecord {
    /// `OperationParameters/OperType/Id`.
    pub oper_type: Option<String>,
    /// `OperationParameters/OperType/Name`.
    pub oper_type_name: Option<String>,
    /// `OperationParameters/OperAttr/Id`.
    pub oper_attr: Option<String>,
    /// `OperationParameters/OperAttr/Name`.
    pub oper_attr_name: Option<String>,
    /// `OperationParameters/OperDate`.
    pub oper_date: Option<String>,
    /// `AddressParameters/OperationAddress/Index`.
    pub index: Option<String>,
    /// `AddressParameters/OperationAddress/Description`.
    pub place: Option<String>,
    /// `AddressParameters/CountryOper/Code2A`.
    pub country: Option<String>,
    /// `AddressParameters/MailDirect/Code2A`.
    pub destination: Option<String>,
}

/// A SOAP fault.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SoapFault {
    /// `Code/Value` (SOAP 1.2) or `faultcode` (SOAP 1.1).
    pub code: String,
    /// `Reason/Text` or `faultstring`.
    pub reason: String,
    /// The local name of the first element inside `Detail`, e.g. `AuthorizationFault`.
    pub detail: Option<String>,
}

/// What a `getOperationHistory` answer holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum History {
    /// The records, oldest first as sent.
    Records(Vec<HistoryRecord>),
    /// A SOAP fault.
    Fault(SoapFault),
}

/// Reads a `getOperationHistory` answer. Anything that is not a SOAP envelope with either
/// `OperationHistoryData` or a `Fault` in its body is [`SourceError::Malformed`], with the
/// parser's position.
pub fn parse_operation_history(body: &[u8]) -> Result<History, SourceError> {
    let malformed = |detail: String| SourceError::Malformed {
        source_name: NAME,
        what: "getOperationHistory response",
        detail,
    };
    // Text is not trimmed by the reader: an entity splits a text into pieces whose spaces
    // matter ("a &amp; b"); each element's whole text is trimmed at its end instead.
    let mut reader = Reader::from_reader(body);
    let mut path: Vec<String> = Vec::new();
    let mut text = String::new();
    let mut records: Vec<HistoryRecord> = Vec::new();
    let mut in_record = false;
    let mut saw_envelope = false;
    let mut saw_data = false;
    let mut fault: Option<SoapFault> = None;

    loop {
        let event = reader
            .read_event()
            .map_err(|e| malformed(format!("at byte {}: {e}", reader.error_position())))?;
        match event {
            Event::Start(start) => {
                let name = local(start.local_name().as_ref());
                if path.len() >= MAX_DEPTH {
                    return Err(malformed(format!(
                        "elements nested deeper than {MAX_DEPTH}"
                    )));
                }
                match name.as_str() {
                    "Envelope" if path.is_empty() => saw_envelope = true,
                    "OperationHistoryData" => saw_data = true,
                    "historyRecord" => {
                        in_record = true;
                        records.push(HistoryRecord::default());
                    }
                    "Fault" => fault = Some(SoapFault::default()),
                    _ => {}
                }
                if let Some(f) = fault.as_mut()
                    && f.detail.is_none()
                    && path
                        .last()
                        .is_some_and(|p| p.eq_ignore_ascii_case("detail"))
                {
                    f.detail = Some(name.clone());
                }
                path.push(name);
                text.clear();
            }
            Event::Empty(empty) => {
                let name = local(empty.local_name().as_ref());
                match name.as_str() {
                    "OperationHistoryData" => saw_data = true,
                    "Envelope" if path.is_empty() => saw_envelope = true,
                    _ => {}
                }
                if let Some(f) = fault.as_mut()
                    && f.detail.is_none()
                    && path
                        .last()
                        .is_some_and(|p| p.eq_ignore_ascii_case("detail"))
                {
                    f.detail = Some(name);
                }
            }
            Event::Text(t) => {
                let decoded = t.decode().map_err(|e| malformed(format!("text: {e}")))?;
                text.push_str(&decoded);
            }
            Event::CData(c) => {
                let decoded = c.decode().map_err(|e| malformed(format!("CDATA: {e}")))?;
                text.push_str(&decoded);
            }
            Event::GeneralRef(r) => {
                if let Some(ch) = r
                    .resolve_char_ref()
                    .map_err(|e| malformed(format!("character reference: {e}")))?
                {
                    text.push(ch);
                } else {
                    let name = r.decode().map_err(|e| malformed(format!("entity: {e}")))?;
                    let value = resolve_predefined_entity(&name)
                        .ok_or_else(|| malformed(format!("unknown entity &{name};")))?;
                    text.push_str(value);
                }
            }
            Event::End(_) => {
                let value = text.trim();
                if in_record && let Some(record) = records.last_mut() {
                    assign(record, &path, value);
                }
                if let Some(f) = fault.as_mut() {
                    assign_fault(f, &path, value);
                }
                if path.last().is_some_and(|p| p == "historyRecord") {
                    in_record = false;
                }
                path.pop();
                text.clear();
            }
            Event::Eof => break,
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => {}
        }
    }
    if !saw_envelope {
        return Err(malformed("not a SOAP envelope".into()));
    }
    if let Some(f) = fault {
        return Ok(History::Fault(f));
    }
    if !saw_data {
        return Err(malformed(
            "neither OperationHistoryData nor a Fault in the body".into(),
        ));
    }
    Ok(History::Records(records))
}

fn local(name: &[u8]) -> String {
    String::from_utf8_lossy(name).into_owned()
}

/// Stores a leaf's text by the last elements of its path.
fn assign(record: &mut HistoryRecord, path: &[String], value: &str) {
    if value.is_empty() {
        return;
    }
    let [.., parent, leaf] = path else {
        return;
    };
    let slot = match (parent.as_str(), leaf.as_str()) {
        ("OperType", "Id") => &mut record.oper_type,
        ("OperType", "Name") => &mut record.oper_type_name,
        ("OperAttr", "Id") => &mut record.oper_attr,
        ("OperAttr", "Name") => &mut record.oper_attr_name,
        ("OperationParameters", "OperDate") => &mut record.oper_date,
        ("OperationAddress", "Index") => &mut record.index,
        ("OperationAddress", "Description") => &mut record.place,
        ("CountryOper", "Code2A") => &mut record.country,
        ("MailDirect", "Code2A") => &mut record.destination,
        _ => return,
    };
    if slot.is_none() {
        *slot = Some(value.to_owned());
    }
}

fn assign_fault(fault: &mut SoapFault, path: &[String], value: &str) {
    if value.is_empty() {
        return;
    }
    let [.., parent, leaf] = path else {
        return;
    };
    match (parent.as_str(), leaf.as_str()) {
        // The first Code/Value is the main code; a Subcode's Value nests deeper.
        ("Code", "Value") | (_, "faultcode") if fault.code.is_empty() => {
            fault.code = value.to_owned();
        }
        ("Reason", "Text") | (_, "faultstring") if fault.reason.is_empty() => {
            fault.reason = value.chars().take(300).collect();
        }
        _ => {}
    }
}

fn fault_outcome(
    fault: SoapFault,
    status: u16,
) -> Result<Result<Tracked, NumberError>, SourceError> {
    match fault.detail.as_deref() {
        Some("AuthorizationFault") => Err(SourceError::Unauthorized { source_name: NAME }),
        Some("OperationHistoryFault" | "LanguageFault") => Ok(Err(NumberError::Rejected {
            code: 0,
            message: fault.reason,
        })),
        _ if status >= 500
            || fault.code.ends_with("Receiver")
            || fault.code.ends_with("Server") =>
        {
            Err(SourceError::Status {
                source_name: NAME,
                status: status.max(500),
            })
        }
        _ => Err(SourceError::Refused {
            source_name: NAME,
            code: fault.code,
            message: fault.reason,
        }),
    }
}

/// Turns the records of one barcode into events; a record without a readable date is dropped
/// (and counted).
pub fn tracked(barcode: &TrackingNumber, records: Vec<HistoryRecord>) -> Tracked {
    let mut out = Tracked::default();
    for record in records {
        match event(barcode, record) {
            Some(e) => out.events.push(e),
            None => out.dropped_events += 1,
        }
    }
    if out.dropped_events > 0 {
        tracing::warn!(
            source = NAME,
            dropped = out.dropped_events,
            "history records without a readable date were dropped"
        );
    }
    out
}

fn event(barcode: &TrackingNumber, record: HistoryRecord) -> Option<SourceEvent> {
    let at: EventTime = record.oper_date.as_deref()?.parse().ok()?;
    let code = record
        .oper_type
        .as_deref()
        .map(|t| match record.oper_attr.as_deref() {
            Some(a) => format!("{t}.{a}"),
            None => t.to_owned(),
        });
    let text = [record.oper_type_name, record.oper_attr_name]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ");
    let location = [record.index, record.place]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    Some(SourceEvent {
        number: barcode.clone(),
        at,
        raw: RawEvent {
            text,
            code,
            carrier: Some(CARRIER.to_owned()),
            location: (!location.is_empty()).then_some(location),
            country: record.country,
            destination: record.destination,
        },
        hint: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_escapes_credentials() {
        let body = request_body("RA123456789RU", "RUS", "lo<g>in", "p&ss\"word");
        assert!(body.contains("<data:login>lo&lt;g&gt;in</data:login>"));
        assert!(body.contains("<data:password>p&amp;ss&quot;word</data:password>"));
        assert!(matches!(
            parse_request_barcode(&body).as_deref(),
            Some("RA123456789RU")
        ));
    }

    /// The barcode a request asks for, read back with the same parser the fake uses.
    fn parse_request_barcode(body: &str) -> Option<String> {
        let start = body.find("<data:Barcode>")? + "<data:Barcode>".len();
        let end = body[start..].find('<')? + start;
        Some(body[start..end].to_owned())
    }

    #[test]
    fn fault_kinds() {
        let auth = SoapFault {
            code: "S:Sender".into(),
            reason: "bad login".into(),
            detail: Some("AuthorizationFault".into()),
        };
        assert_eq!(
            fault_outcome(auth, 500),
            Err(SourceError::Unauthorized { source_name: NAME })
        );
        let history = SoapFault {
            code: "S:Receiver".into(),
            reason: "barcode".into(),
            detail: Some("OperationHistoryFault".into()),
        };
        assert!(matches!(
            fault_outcome(history, 500),
            Ok(Err(NumberError::Rejected { .. }))
        ));
        let other = SoapFault {
            code: "S:Receiver".into(),
            reason: "internal".into(),
            detail: None,
        };
        assert_eq!(
            fault_outcome(other, 500),
            Err(SourceError::Status {
                source_name: NAME,
                status: 500
            })
        );
    }
}
