//! Fakes of 17TRACK (API v2.2) and Russian Post (SOAP single access) on loopback, answering in
//! the published request/response shapes (the envelope `{code, data: {accepted, rejected}}`
//! with `track_info.tracking.providers[].events[]`; `getOperationHistoryResponse` with
//! `historyRecord`s and SOAP 1.2 faults). Either can be taken down and brought back: 17TRACK
//! answers 503 while down, Russian Post stops listening (connection refused) and listens again
//! on the same port.

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde_json::{Value, json};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

pub const TOKEN: &str = "fake-17track-token";
pub const RP_LOGIN: &str = "rp-login";
pub const RP_PASSWORD: &str = "rp-password";

/// What the fake 17TRACK knows and saw.
#[derive(Default)]
pub struct Fake17 {
    pub registered: Mutex<HashSet<String>>,
    /// `track_info...events[]` per number.
    pub events: Mutex<HashMap<String, Vec<Value>>>,
    pub down: AtomicBool,
    /// Every call's arrival.
    pub calls: Mutex<Vec<Instant>>,
    pub max_batch: AtomicUsize,
}

/// A 17TRACK event.
pub fn st_event(time_iso: &str, description: &str, sub_status: &str) -> Value {
    json!({
        "time_iso": time_iso, "time_utc": null,
        "time_raw": {"date": null, "time": null, "timezone": null},
        "description": description, "description_translation": null,
        "location": "SHENZHEN", "stage": null, "sub_status": sub_status,
        "address": {"country": "CN", "state": null, "city": null, "street": null,
                    "postal_code": null, "coordinates": {"longitude": null, "latitude": null}}
    })
}

struct Responder17(Arc<Fake17>);

impl Respond for Responder17 {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let fake = &self.0;
        fake.calls.lock().unwrap().push(Instant::now());
        if fake.down.load(Ordering::SeqCst) {
            return ResponseTemplate::new(503).set_body_string("<html>maintenance</html>");
        }
        if request.headers.get("17token").and_then(|v| v.to_str().ok()) != Some(TOKEN) {
            return ResponseTemplate::new(401);
        }
        let Ok(items) = serde_json::from_slice::<Vec<Value>>(&request.body) else {
            return ResponseTemplate::new(200).set_body_json(
                json!({"code": -18010001, "data": {"errors": [{"code": -18010001, "message": "bad body"}]}}),
            );
        };
        fake.max_batch.fetch_max(items.len(), Ordering::SeqCst);
        if items.len() > 40 {
            return ResponseTemplate::new(200).set_body_json(json!({"code": 0, "data": {
                "accepted": [], "rejected": [],
                "errors": [{"code": -18010014, "message": "more than 40 numbers"}]}}));
        }
        let numbers: Vec<String> = items
            .iter()
            .filter_map(|i| i["number"].as_str().map(str::to_owned))
            .collect();
        let method = request.url.path().rsplit('/').next().unwrap_or_default();
        let (mut accepted, mut rejected) = (Vec::new(), Vec::new());
        match method {
            "register" => {
                let mut registered = fake.registered.lock().unwrap();
                for number in numbers {
                    if registered.insert(number.clone()) {
                        accepted.push(json!({"origin": 1, "number": number, "carrier": 3011}));
                    } else {
                        rejected.push(json!({"number": number,
                            "error": {"code": -18019901, "message": "already registered"}}));
                    }
                }
            }
            "gettrackinfo" => {
                let registered = fake.registered.lock().unwrap();
                let events = fake.events.lock().unwrap();
                for number in numbers {
                    if !registered.contains(&number) {
                        rejected.push(json!({"number": number,
                            "error": {"code": -18019902, "message": "register first"}}));
                        continue;
                    }
                    let evs = events.get(&number).cloned().unwrap_or_default();
                    accepted.push(json!({"number": number, "carrier": 3011, "param": null,
                        "tag": null, "track_info": {
                            "shipping_info": {"shipper_address": {"country": "CN"},
                                              "recipient_address": {"country": "RU"}},
                            "latest_status": {"status": "InTransit", "sub_status": "InTransit_Other",
                                              "sub_status_descr": null},
                            "latest_event": null, "time_metrics": null, "milestone": [],
                            "misc_info": {"local_number": null, "local_provider": null},
                            "tracking": {"providers_hash": 1, "providers": [{
                                "provider": {"key": 3011, "name": "China Post", "alias": "China Post",
                                             "tel": null, "homepage": null, "country": "CN"},
                                "service_type": null, "latest_sync_status": "Success",
                                "latest_sync_time": null, "events_hash": 1, "events": evs}]}}}));
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

/// Starts the fake 17TRACK; its base for `POSYLKA_17TRACK_URL` is `{uri}/track/v2.2`.
pub async fn start_17track(fake: Arc<Fake17>) -> MockServer {
    let server = MockServer::builder().start().await;
    Mock::given(wiremock::matchers::method("POST"))
        .respond_with(Responder17(fake))
        .mount(&server)
        .await;
    server
}

/// What the fake Russian Post knows and saw.
#[derive(Default)]
pub struct FakeRussianPost {
    /// `historyRecord` elements per barcode.
    pub histories: Mutex<HashMap<String, Vec<String>>>,
    pub calls: Mutex<Vec<Instant>>,
}

/// One `historyRecord`.
pub fn rp_record(
    oper_type: &str,
    type_name: &str,
    attr: Option<(&str, &str)>,
    date: &str,
) -> String {
    let attr = attr
        .map(|(id, name)| {
            format!("<ns3:OperAttr><ns3:Id>{id}</ns3:Id><ns3:Name>{name}</ns3:Name></ns3:OperAttr>")
        })
        .unwrap_or_default();
    format!(
        "<ns3:historyRecord>\
           <ns3:AddressParameters>\
             <ns3:OperationAddress><ns3:Index>102976</ns3:Index><ns3:Description>Москва АОПП</ns3:Description></ns3:OperationAddress>\
             <ns3:CountryOper><ns3:Id>643</ns3:Id><ns3:Code2A>RU</ns3:Code2A><ns3:Code3A>RUS</ns3:Code3A><ns3:NameRU>Россия</ns3:NameRU><ns3:NameEN>Russian Federation</ns3:NameEN></ns3:CountryOper>\
           </ns3:AddressParameters>\
           <ns3:OperationParameters>\
             <ns3:OperType><ns3:Id>{oper_type}</ns3:Id><ns3:Name>{type_name}</ns3:Name></ns3:OperType>\
             {attr}\
             <ns3:OperDate>{date}</ns3:OperDate>\
           </ns3:OperationParameters>\
           <ns3:UserParameters><ns3:Rcpn>ИВАНОВ И И</ns3:Rcpn></ns3:UserParameters>\
         </ns3:historyRecord>"
    )
}

fn rp_envelope(body: &str) -> String {
    format!(
        "<?xml version='1.0' encoding='UTF-8'?>\
         <S:Envelope xmlns:S=\"http://www.w3.org/2003/05/soap-envelope\"><S:Body>{body}</S:Body></S:Envelope>"
    )
}

fn rp_fault(detail: &str, reason: &str) -> String {
    rp_envelope(&format!(
        "<S:Fault><S:Code><S:Value>S:Receiver</S:Value></S:Code>\
         <S:Reason><S:Text xml:lang=\"ru\">{reason}</S:Text></S:Reason>\
         <S:Detail><ns3:{detail} xmlns:ns3=\"http://russianpost.org/operationhistory/data\">{reason}</ns3:{detail}></S:Detail>\
         </S:Fault>"
    ))
}

struct ResponderRp(Arc<FakeRussianPost>);

impl Respond for ResponderRp {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let fake = &self.0;
        fake.calls.lock().unwrap().push(Instant::now());
        let body = String::from_utf8_lossy(&request.body);
        let between = |open: &str, close: &str| -> Option<String> {
            let start = body.find(open)? + open.len();
            let end = body[start..].find(close)? + start;
            Some(body[start..end].to_owned())
        };
        let login_ok = between("<data:login>", "</data:login>").as_deref() == Some(RP_LOGIN)
            && between("<data:password>", "</data:password>").as_deref() == Some(RP_PASSWORD);
        if !login_ok {
            return ResponseTemplate::new(500)
                .set_body_string(rp_fault("AuthorizationFault", "Неверный логин или пароль"));
        }
        let Some(barcode) = between("<data:Barcode>", "</data:Barcode>") else {
            return ResponseTemplate::new(500)
                .set_body_string(rp_fault("OperationHistoryFault", "no barcode"));
        };
        match fake.histories.lock().unwrap().get(&barcode) {
            Some(records) => ResponseTemplate::new(200).set_body_string(rp_envelope(&format!(
                "<ns7:getOperationHistoryResponse xmlns:ns3=\"http://russianpost.org/operationhistory/data\" \
                 xmlns:ns7=\"http://russianpost.org/operationhistory\">\
                 <ns3:OperationHistoryData>{}</ns3:OperationHistoryData>\
                 </ns7:getOperationHistoryResponse>",
                records.concat()
            ))),
            None => ResponseTemplate::new(500).set_body_string(rp_fault(
                "OperationHistoryFault",
                "По указанному номеру информация не найдена",
            )),
        }
    }
}

/// Starts (or restarts) the fake Russian Post on `addr` (port 0: any); its endpoint for
/// `POSYLKA_RUSSIANPOST_URL` is `{uri}/rtm34`. Dropping the server stops listening.
pub async fn start_russian_post(fake: Arc<FakeRussianPost>, addr: SocketAddr) -> MockServer {
    let listener = std::net::TcpListener::bind(addr).expect("bind the fake Russian Post");
    let server = MockServer::builder().listener(listener).start().await;
    Mock::given(wiremock::matchers::method("POST"))
        .respond_with(ResponderRp(fake))
        .mount(&server)
        .await;
    server
}

/// A valid UPU S10 number: `prefix` + 8 digits + check digit + `country`.
pub fn s10(prefix: &str, serial: u32, country: &str) -> String {
    let digits = format!("{serial:08}");
    let weights = [8, 6, 4, 2, 3, 5, 9, 7];
    let sum: u32 = digits
        .bytes()
        .zip(weights)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    let check = match 11 - sum % 11 {
        10 => 0,
        11 => 5,
        c => c,
    };
    format!("{prefix}{digits}{check}{country}")
}
