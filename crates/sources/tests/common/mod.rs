//! Local fakes of the three sources, built from their published request/response shapes, and
//! helpers shared by the integration tests.

#![allow(dead_code)] // Each test file uses a different part.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jiff::Timestamp;
use posylka_core::shipment::TrackingNumber;
use posylka_sources::config::{CainiaoConfig, RussianPostConfig, SeventeenTrackConfig};
use posylka_sources::limits::Limits;
use serde_json::{Value, json};
use wiremock::{Request, Respond, ResponseTemplate};

pub const TOKEN: &str = "test-token-1234";

pub fn n(s: &str) -> TrackingNumber {
    TrackingNumber::parse(s).expect("number")
}

pub fn limits(rate: &str) -> Limits {
    Limits {
        rate: rate.parse().expect("rate"),
        quota: None,
    }
}

pub fn seventeen_config(base: &str) -> SeventeenTrackConfig {
    SeventeenTrackConfig {
        base_url: format!("{base}/track/v2.2"),
        token: TOKEN.to_owned().into(),
        push_key: None,
        timeout: Duration::from_secs(2),
        max_batch: 40,
        limits: limits("1000/s"),
    }
}

pub fn russian_post_config(base: &str) -> RussianPostConfig {
    RussianPostConfig {
        base_url: format!("{base}/rtm34"),
        login: "rp-login".to_owned().into(),
        password: "rp-p@ss<word>".to_owned().into(),
        language: "RUS".into(),
        timeout: Duration::from_secs(2),
        limits: limits("1000/s"),
    }
}

pub fn cainiao_config(base: &str) -> CainiaoConfig {
    CainiaoConfig {
        base_url: base.to_owned(),
        max_batch: 1,
        language: "en-US".into(),
        timeout: Duration::from_secs(2),
        limits: limits("1000/s"),
    }
}

/// A 17TRACK event in the v2 `track_info.tracking.providers[].events[]` shape.
pub fn st_event(time_iso: &str, description: &str, sub_status: &str, stage: &str) -> Value {
    json!({
        "time_iso": time_iso,
        "time_utc": null,
        "time_raw": {"date": null, "time": null, "timezone": null},
        "description": description,
        "description_translation": null,
        "location": "MOSCOW",
        "stage": stage,
        "sub_status": sub_status,
        "address": {"country": "RU", "state": null, "city": "Moscow", "street": null,
                    "postal_code": null, "coordinates": {"longitude": null, "latitude": null}}
    })
}

/// A `track_info` with one provider and the given events.
pub fn track_info(provider: &str, events: &[Value], local_number: Option<&str>) -> Value {
    json!({
        "shipping_info": {"shipper_address": {"country": "CN"}, "recipient_address": {"country": "RU"}},
        "latest_status": {"status": "InTransit", "sub_status": "InTransit_Arrival", "sub_status_descr": null},
        "latest_event": null,
        "time_metrics": {"days_after_order": 5},
        "milestone": [],
        "misc_info": {"risk_factor": 0, "service_type": null, "local_number": local_number,
                      "local_provider": local_number.map(|_| "Russian Post"), "local_key": 3011},
        "tracking": {"providers_hash": 1, "providers": [{
            "provider": {"key": 3011, "name": provider, "alias": provider, "tel": null,
                         "homepage": null, "country": "RU"},
            "service_type": null, "latest_sync_status": "Success",
            "latest_sync_time": "2024-05-03T10:00:00Z", "events_hash": 1,
            "events": events
        }]}
    })
}

/// A fake 17TRACK API: numbers must be registered before `gettrackinfo` answers for them;
/// it can be switched down (HTTP 503) and counts calls.
#[derive(Default)]
pub struct Fake17 {
    pub registered: Mutex<HashSet<String>>,
    /// Events per number.
    pub events: Mutex<HashMap<String, Vec<Value>>>,
    /// Numbers whose carrier cannot be detected.
    pub undetectable: Mutex<HashSet<String>>,
    pub down: AtomicBool,
    pub calls: AtomicUsize,
    pub register_calls: AtomicUsize,
    /// The largest batch seen.
    pub max_batch_seen: AtomicUsize,
}

impl Fake17 {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    pub fn set_events(&self, number: &str, events: Vec<Value>) {
        self.events
            .lock()
            .expect("lock")
            .insert(number.to_owned(), events);
    }
}

/// Adapter so one `Arc<Fake17>` can serve as a wiremock responder.
pub struct Fake17Responder(pub Arc<Fake17>);

impl Respond for Fake17Responder {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let fake = &self.0;
        fake.calls.fetch_add(1, Ordering::SeqCst);
        if fake.down.load(Ordering::SeqCst) {
            return ResponseTemplate::new(503).set_body_string("<html>maintenance</html>");
        }
        let token_ok = request.headers.get("17token").and_then(|v| v.to_str().ok()) == Some(TOKEN);
        if !token_ok {
            return ResponseTemplate::new(401);
        }
        let Ok(items) = serde_json::from_slice::<Vec<Value>>(&request.body) else {
            return ResponseTemplate::new(200)
                .set_body_json(json!({"code": -18010001, "data": {"errors": [{"code": -18010001, "message": "bad body"}]}}));
        };
        fake.max_batch_seen.fetch_max(items.len(), Ordering::SeqCst);
        if items.len() > 40 {
            return ResponseTemplate::new(200).set_body_json(json!({"code": 0, "data": {"accepted": [], "rejected": [], "errors": [{"code": -18010014, "message": "too many"}]}}));
        }
        let numbers: Vec<String> = items
            .iter()
            .filter_map(|i| i["number"].as_str().map(str::to_owned))
            .collect();
        let method = request
            .url
            .path()
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_owned();
        let mut accepted = Vec::new();
        let mut rejected = Vec::new();
        match method.as_str() {
            "register" => {
                fake.register_calls.fetch_add(1, Ordering::SeqCst);
                let mut registered = fake.registered.lock().expect("lock");
                for number in numbers {
                    if fake.undetectable.lock().expect("lock").contains(&number) {
                        rejected.push(json!({"number": number, "error": {"code": -18019903, "message": "carrier"}}));
                    } else if registered.insert(number.clone()) {
                        accepted.push(json!({"origin": 1, "number": number, "carrier": 3011}));
                    } else {
                        rejected.push(json!({"number": number, "error": {"code": -18019901, "message": "already"}}));
                    }
                }
            }
            "gettrackinfo" => {
                let registered = fake.registered.lock().expect("lock");
                let events = fake.events.lock().expect("lock");
                for number in numbers {
                    if !registered.contains(&number) {
                        rejected.push(json!({"number": number, "error": {"code": -18019902, "message": "register first"}}));
                        continue;
                    }
                    let evs = events.get(&number).cloned().unwrap_or_default();
                    accepted.push(
                        json!({"number": number, "carrier": 3011, "param": null, "tag": null,
                                         "track_info": track_info("Russian Post", &evs, None)}),
                    );
                }
            }
            _ => {
                for number in numbers {
                    accepted.push(json!({"number": number, "carrier": 3011}));
                }
            }
        }
        ResponseTemplate::new(200)
            .set_body_json(json!({"code": 0, "data": {"accepted": accepted, "rejected": rejected}}))
    }
}

/// One Russian Post `historyRecord`, as the service sends it.
pub fn rp_record(
    oper_type: &str,
    type_name: &str,
    attr: Option<(&str, &str)>,
    date: &str,
    index: &str,
    place: &str,
) -> String {
    let attr = attr
        .map(|(id, name)| {
            format!("<ns3:OperAttr><ns3:Id>{id}</ns3:Id><ns3:Name>{name}</ns3:Name></ns3:OperAttr>")
        })
        .unwrap_or_default();
    format!(
        "<ns3:historyRecord>\
           <ns3:AddressParameters>\
             <ns3:DestinationAddress><ns3:Index>101000</ns3:Index><ns3:Description>Москва</ns3:Description></ns3:DestinationAddress>\
             <ns3:OperationAddress><ns3:Index>{index}</ns3:Index><ns3:Description>{place}</ns3:Description></ns3:OperationAddress>\
             <ns3:MailDirect><ns3:Id>643</ns3:Id><ns3:Code2A>RU</ns3:Code2A><ns3:Code3A>RUS</ns3:Code3A><ns3:NameRU>Россия</ns3:NameRU><ns3:NameEN>Russian Federation</ns3:NameEN></ns3:MailDirect>\
             <ns3:CountryFrom><ns3:Id>156</ns3:Id><ns3:Code2A>CN</ns3:Code2A><ns3:Code3A>CHN</ns3:Code3A><ns3:NameRU>Китай</ns3:NameRU><ns3:NameEN>China</ns3:NameEN></ns3:CountryFrom>\
             <ns3:CountryOper><ns3:Id>643</ns3:Id><ns3:Code2A>RU</ns3:Code2A><ns3:Code3A>RUS</ns3:Code3A><ns3:NameRU>Россия</ns3:NameRU><ns3:NameEN>Russian Federation</ns3:NameEN></ns3:CountryOper>\
           </ns3:AddressParameters>\
           <ns3:FinanceParameters><ns3:Payment>0</ns3:Payment><ns3:Value>0</ns3:Value></ns3:FinanceParameters>\
           <ns3:ItemParameters><ns3:Barcode>RA123456789CN</ns3:Barcode><ns3:ValidRuType>false</ns3:ValidRuType><ns3:ValidEnType>true</ns3:ValidEnType><ns3:ComplexItemName>Мелкий пакет</ns3:ComplexItemName><ns3:Mass>120</ns3:Mass></ns3:ItemParameters>\
           <ns3:OperationParameters>\
             <ns3:OperType><ns3:Id>{oper_type}</ns3:Id><ns3:Name>{type_name}</ns3:Name></ns3:OperType>\
             {attr}\
             <ns3:OperDate>{date}</ns3:OperDate>\
           </ns3:OperationParameters>\
           <ns3:UserParameters><ns3:SendCtg><ns3:Id>1</ns3:Id><ns3:Name>Физическое лицо</ns3:Name></ns3:SendCtg><ns3:Sndr>SENDER NAME</ns3:Sndr><ns3:Rcpn>ИВАНОВ И И</ns3:Rcpn></ns3:UserParameters>\
         </ns3:historyRecord>"
    )
}

/// A `getOperationHistoryResponse` envelope around records.
pub fn rp_response(records: &[String]) -> String {
    format!(
        "<?xml version='1.0' encoding='UTF-8'?>\
         <S:Envelope xmlns:S=\"http://www.w3.org/2003/05/soap-envelope\">\
           <S:Body>\
             <ns7:getOperationHistoryResponse xmlns:ns2=\"http://russianpost.org/operationhistory/data\" xmlns:ns3=\"http://russianpost.org/operationhistory/data\" xmlns:ns7=\"http://russianpost.org/operationhistory\">\
               <ns3:OperationHistoryData>{}</ns3:OperationHistoryData>\
             </ns7:getOperationHistoryResponse>\
           </S:Body>\
         </S:Envelope>",
        records.concat()
    )
}

/// A SOAP 1.2 fault with a detail element.
pub fn rp_fault(detail: &str, reason: &str) -> String {
    format!(
        "<?xml version='1.0' encoding='UTF-8'?>\
         <S:Envelope xmlns:S=\"http://www.w3.org/2003/05/soap-envelope\">\
           <S:Body><S:Fault>\
             <S:Code><S:Value>S:Receiver</S:Value></S:Code>\
             <S:Reason><S:Text xml:lang=\"ru\">{reason}</S:Text></S:Reason>\
             <S:Detail><ns3:{detail} xmlns:ns3=\"http://russianpost.org/operationhistory/data\">{reason}</ns3:{detail}></S:Detail>\
           </S:Fault></S:Body>\
         </S:Envelope>"
    )
}

/// A fake Russian Post endpoint: answers `getOperationHistory` for the barcode in the
/// request, checks the credentials, and can be switched down.
#[derive(Default)]
pub struct FakeRussianPost {
    pub histories: Mutex<HashMap<String, Vec<String>>>,
    pub down: AtomicBool,
    pub calls: AtomicUsize,
}

pub struct FakeRussianPostResponder(pub Arc<FakeRussianPost>);

impl Respond for FakeRussianPostResponder {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let fake = &self.0;
        fake.calls.fetch_add(1, Ordering::SeqCst);
        if fake.down.load(Ordering::SeqCst) {
            return ResponseTemplate::new(503);
        }
        let body = String::from_utf8_lossy(&request.body);
        let between = |open: &str, close: &str| -> Option<String> {
            let start = body.find(open)? + open.len();
            let end = body[start..].find(close)? + start;
            Some(body[start..end].to_owned())
        };
        let login_ok = between("<data:login>", "</data:login>").as_deref() == Some("rp-login")
            && between("<data:password>", "</data:password>").as_deref()
                == Some("rp-p@ss&lt;word&gt;");
        if !login_ok {
            return ResponseTemplate::new(500)
                .set_body_string(rp_fault("AuthorizationFault", "Неверный логин или пароль"));
        }
        let Some(barcode) = between("<data:Barcode>", "</data:Barcode>") else {
            return ResponseTemplate::new(500)
                .set_body_string(rp_fault("OperationHistoryFault", "no barcode"));
        };
        match fake.histories.lock().expect("lock").get(&barcode) {
            Some(records) => ResponseTemplate::new(200).set_body_string(rp_response(records)),
            None => ResponseTemplate::new(500).set_body_string(rp_fault(
                "OperationHistoryFault",
                "По указанному номеру информация не найдена",
            )),
        }
    }
}

/// A Cainiao `detail.json` module.
pub fn cainiao_module(mail_no: &str, details: &[Value], real: Option<&str>) -> Value {
    json!({
        "mailNo": mail_no,
        "mailNoSource": "AE",
        "originCountry": "China",
        "destCountry": "Russia",
        "status": "TRANSITING",
        "statusDesc": "In transit",
        "daysNumber": "12",
        "copyRealMailNo": real,
        "realMailNo": real.map(|r| format!("Latest Tracking Number:\t{r}")),
        "destCpInfo": {"cpName": "Russian Post", "cpCode": "RUPOST"},
        "latestTrace": null,
        "processInfo": null,
        "globalCombinedLogisticsTraceDTO": null,
        "detailList": details
    })
}

/// A Cainiao `detailList` entry.
pub fn cainiao_detail(code: &str, desc: &str, millis: i64, zone: &str) -> Value {
    json!({
        "actionCode": code,
        "desc": desc,
        "descTitle": desc,
        "standerdDesc": desc,
        "time": millis,
        "timeStr": "",
        "timeZone": zone,
        "group": null
    })
}

/// A clock the test moves by hand.
#[derive(Clone)]
pub struct TestClock(pub Arc<AtomicI64>);

impl TestClock {
    pub fn at(ts: &str) -> Self {
        let t: Timestamp = ts.parse().expect("timestamp");
        Self(Arc::new(AtomicI64::new(t.as_millisecond())))
    }

    pub fn now(&self) -> Timestamp {
        Timestamp::from_millisecond(self.0.load(Ordering::SeqCst)).expect("ms")
    }

    pub fn advance(&self, d: Duration) {
        self.0
            .fetch_add(i64::try_from(d.as_millis()).expect("ms"), Ordering::SeqCst);
    }

    pub fn clock(&self) -> posylka_sources::poller::Clock {
        let me = self.clone();
        Arc::new(move || me.now())
    }
}
