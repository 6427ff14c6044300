//! The customs desk end to end, over real sockets: a real SMTP exchange with an in-process
//! receiver, a fake SMS gateway on loopback recording what it is sent, the server with its
//! background scheduler on a fresh SQLite file and a vault key file next to it.
//!
//! An operator imports a bad manifest (refused by line, nothing stored) and a good one, marks
//! a parcel arrived; the SMS and the e-mail come (each naming the domain to check and the
//! refusal); the recipient opens the e-mailed link, submits a bad INN (the error sits next to
//! the field), then a good one with the consent, types a wrong code then the SMS's code,
//! chooses a pick-up point; the operator exports the register (CSV, XML) with the data and
//! the reads are audited; the raw database files hold no passport number or INN in clear;
//! with 0 retention days, "cleared" leads to destruction with a record and nothing left.
//! Also: brute force on codes and tokens is refused, a token opens one parcel only, and a
//! non-operator gets 403.
//!
//! The same journey in headless Chromium, through the desk's pages, is `tests/customs_browser.rs`.
#![allow(clippy::unwrap_used)]

mod support;

use std::path::PathBuf;
use std::time::Duration;

use jiff::Timestamp;
use posylka_server::{AppState, Server};
use posylka_store::{AnyStore, CustomsStore, SqliteStore};
use serde_json::Value;
use support::customs::desk_config;
use support::http::find_hidden as hidden;
use support::sms::Gateway;
use support::smtp::{Smtp, mail_body};
use support::{contains, eventually, link_in, raw_database_bytes, user_token};
use tokio::net::TcpListener;

const PASSPORT_NUMBER: &str = "739151";
const GOOD_INN: &str = "500100732259";
const BAD_INN: &str = "500100732258";

const MANIFEST: &str = "tracking_number,recipient_name,phone,email,declared_value,currency,weight_kg,item_description,item_quantity,item_value\n\
RB123456785GB,Иван Петров,8 912 345-67-89,ivan@mail.ru,250.00,EUR,1.250,Phone case,2,10.00\n\
RA123456785CN,Анна Смирнова,+79161234567,anna@example.ru,30.00,EUR,0.3,Socks,3,\n";

const BAD_MANIFEST: &str = "tracking_number,recipient_name,phone,email,declared_value,currency,weight_kg,item_description\n\
RB123456785GB,Иван,8 912 345-67-89,ivan@mail.ru,250.00,EUR,1.2,Case\n\
RA123456785CN,Анна,12345,anna@,12.345,EURO,0,\n";

// ---------------------------------------------------------------------------------------------
// The site.

struct Site {
    server: Server,
    base: String,
    http: reqwest::Client,
    dir: PathBuf,
    operator: String,
    buyer: String,
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "posylka-customs-{name}-{}-{}",
        std::process::id(),
        Timestamp::now().as_nanosecond()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

impl Site {
    async fn start(name: &str, sms_url: &str, smtp_port: u16) -> Self {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let dir = temp_dir(name);
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let config = desk_config(&dir, &format!("http://{addr}"), sms_url, smtp_port);
        let store = AnyStore::Sqlite(
            SqliteStore::open(&dir.join("posylka.db").display().to_string())
                .await
                .unwrap(),
        );
        let (op, operator) = user_token(&store, "operator", None).await;
        store
            .set_operator(op, true, Timestamp::now())
            .await
            .unwrap();
        let (_, buyer) = user_token(&store, "buyer", None).await;
        let state = AppState::without_findings(store, config);
        let server = Server::serve_on(listener, state).unwrap();
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Self {
            base: format!("http://{addr}"),
            server,
            http,
            dir,
            operator,
            buyer,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn api(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&str>,
    ) -> reqwest::Response {
        let mut r = self
            .http
            .request(method, self.url(path))
            .bearer_auth(&self.operator);
        if let Some(b) = body {
            r = r.body(b.to_owned());
        }
        r.send().await.unwrap()
    }

    async fn json(&self, path: &str) -> Value {
        self.api(reqwest::Method::GET, path, None)
            .await
            .json()
            .await
            .unwrap()
    }
}

/// A recipient's browser: the CSRF cookie and the form token of the last page.
struct Browser {
    cookie: String,
    csrf: String,
}

/// `application/x-www-form-urlencoded`, as a browser sends a form.
fn urlencode(fields: &[(&str, &str)]) -> String {
    let enc = |s: &str| {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => {
                    char::from(b).to_string()
                }
                b' ' => "+".to_owned(),
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

impl Browser {
    async fn get(site: &Site, url: &str) -> (u16, String, Option<Self>) {
        let r = site
            .http
            .get(url)
            .header("accept-language", "en")
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let cookie = r
            .headers()
            .get("set-cookie")
            .and_then(|v| v.to_str().ok())
            .map(|c| c.split(';').next().unwrap_or_default().to_owned());
        let html = r.text().await.unwrap();
        let me = cookie
            .zip(hidden(&html, "csrf"))
            .map(|(cookie, csrf)| Self { cookie, csrf });
        (status, html, me)
    }

    async fn post(&mut self, site: &Site, url: &str, fields: &[(&str, &str)]) -> (u16, String) {
        let mut form: Vec<(&str, &str)> = vec![("csrf", self.csrf.as_str())];
        form.extend_from_slice(fields);
        let r = site
            .http
            .post(url)
            .header("cookie", &self.cookie)
            .header("origin", &site.base)
            .header("accept-language", "en")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(urlencode(&form))
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let html = r.text().await.unwrap();
        if let Some(csrf) = hidden(&html, "csrf") {
            self.csrf = csrf;
        }
        (status, html)
    }
}

fn identity(inn: &'static str) -> Vec<(&'static str, &'static str)> {
    vec![
        ("surname", "Петров"),
        ("given_name", "Иван"),
        ("patronymic", "Сергеевич"),
        ("document_type", "ru_passport"),
        ("series", "46 03"),
        ("number", PASSPORT_NUMBER),
        ("issued_on", "15.06.2005"),
        ("inn", inn),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_desk_end_to_end() {
    let (gateway, sms_url) = Gateway::start().await;
    let (smtp, smtp_port) = Smtp::start().await;
    let site = Site::start("e2e", &sms_url, smtp_port).await;

    // A buyer is not an operator.
    let r = site
        .http
        .get(site.url("/api/v1/customs/batches"))
        .bearer_auth(&site.buyer)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);

    // A bad manifest: every error by line, nothing stored.
    let r = site
        .api(
            reqwest::Method::POST,
            "/api/v1/customs/manifests?name=bad",
            Some(BAD_MANIFEST),
        )
        .await;
    assert_eq!(r.status(), 422);
    let problem: Value = r.json().await.unwrap();
    let errors = problem["errors"].as_array().unwrap();
    assert!(errors.iter().all(|e| e["line"] == 3), "{problem}");
    assert!(errors.iter().any(|e| e["field"] == "phone"), "{problem}");
    assert!(
        !problem.to_string().contains("12345,"),
        "values are not echoed"
    );
    assert_eq!(
        site.json("/api/v1/customs/batches").await,
        serde_json::json!([])
    );

    // The good one.
    let r = site
        .api(
            reqwest::Method::POST,
            "/api/v1/customs/manifests?name=march",
            Some(MANIFEST),
        )
        .await;
    assert_eq!(r.status(), 201);
    let imported: Value = r.json().await.unwrap();
    assert_eq!(imported["parcels"], 2);
    let batch = imported["batch"].as_i64().unwrap();
    let parcels = site
        .json(&format!("/api/v1/customs/batches/{batch}/parcels"))
        .await;
    let ivan = parcels[0]["id"].as_i64().unwrap();
    let anna = parcels[1]["id"].as_i64().unwrap();
    assert_eq!(parcels[0]["state"], "imported");

    // Both reach customs: the scheduler sends the SMS and the e-mail at once.
    for id in [ivan, anna] {
        let r = site
            .api(
                reqwest::Method::POST,
                &format!("/api/v1/customs/parcels/{id}/arrived"),
                None,
            )
            .await;
        assert_eq!(r.status(), 204);
    }
    let sms = eventually("Ivan's SMS", || gateway.texts_to("+79123456789").pop()).await;
    assert!(sms.contains("127.0.0.1"), "the SMS names the domain: {sms}");
    assert!(!sms.contains("/c/"), "the SMS carries no link: {sms}");
    assert_eq!(gateway.hits.lock().unwrap()[0].0, "Bearer sms-secret");
    let mail = eventually("Ivan's e-mail", || {
        smtp.mails()
            .into_iter()
            .find(|m| m.contains("ivan@mail.ru"))
    })
    .await;
    let body = mail_body(&mail);
    assert!(
        body.contains("/refuse"),
        "the e-mail offers the refusal: {body}"
    );
    let link = link_in(&body, &site.base);
    let anna_mail = eventually("Anna's e-mail", || {
        smtp.mails()
            .into_iter()
            .find(|m| m.contains("anna@example.ru"))
    })
    .await;
    let anna_link = link_in(&mail_body(&anna_mail), &site.base);
    assert_ne!(link, anna_link);

    // The recipient opens the link: the parcel, why, the domain to check; not Anna's parcel.
    let (status, html, browser) = Browser::get(&site, &link).await;
    assert_eq!(status, 200);
    assert!(html.contains("RB123456785GB"));
    assert!(!html.contains("RA123456785CN"), "one parcel per link");
    assert!(html.contains("customs clearance"));
    assert!(html.contains("https://127.0.0.1"));
    let mut browser = browser.expect("a form with a CSRF token and its cookie");

    // A POST without the CSRF token is refused.
    let r = site
        .http
        .post(&link)
        .header("cookie", &browser.cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(urlencode(&identity(GOOD_INN)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);

    // A bad INN: a clear error next to the field, nothing stored.
    let mut fields = identity(BAD_INN);
    fields.push(("consent", "1"));
    let (status, html) = browser.post(&site, &link, &fields).await;
    assert_eq!(status, 422);
    assert!(html.contains("id=\"e-inn\""), "{html}");
    assert!(html.contains("check digit does not match"), "{html}");
    assert!(!html.contains("id=\"e-number\""));

    // A good INN without the consent: refused, with the consent's own error.
    let (status, html) = browser.post(&site, &link, &identity(GOOD_INN)).await;
    assert_eq!(status, 422);
    assert!(html.contains("id=\"e-consent\""));

    // With consent: a code by SMS.
    let mut fields = identity(GOOD_INN);
    fields.push(("consent", "1"));
    let (status, html) = browser.post(&site, &link, &fields).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("code-form"));
    let code_sms = eventually("the code SMS", || {
        gateway.texts_to("+79123456789").into_iter().find(|t| {
            t.chars().filter(char::is_ascii_digit).count() >= 6 && t.contains("код")
                || t.to_lowercase().contains("code")
        })
    })
    .await;
    let code: String = code_sms
        .split(|c: char| !c.is_ascii_digit())
        .find(|w| w.len() == 6)
        .expect("a 6-digit code")
        .to_owned();
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let code_url = format!("{link}/code");
    let (status, html) = browser.post(&site, &code_url, &[("code", wrong)]).await;
    assert_eq!(status, 422);
    assert!(html.contains("Tries left: 4"), "{html}");
    let (status, html) = browser.post(&site, &code_url, &[("code", &code)]).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("delivery-form"));

    // The delivery choice, and "where is my parcel" for its own number only.
    let point = "ПВЗ «Тверская, 7» · Pick-up point Tverskaya 7";
    let choice = format!("pickup|{point}");
    let (status, html) = browser
        .post(&site, &format!("{link}/delivery"), &[("choice", &choice)])
        .await;
    assert_eq!(status, 200);
    assert!(html.contains("Tverskaya 7"));
    let (_, html, _) = Browser::get(&site, &format!("{link}/where?number=RB 1234 5678 5GB")).await;
    assert!(html.contains("data received"), "{html}");
    let (_, html, _) = Browser::get(&site, &format!("{link}/where?number=RA123456785CN")).await;
    assert!(html.contains("not for a parcel with that number"), "{html}");
    assert!(!html.contains("waiting for data"));

    // Anna refuses: GET only asks, POST refuses.
    let (status, html, b) = Browser::get(&site, &format!("{anna_link}/refuse")).await;
    assert_eq!(status, 200);
    assert!(html.contains("refuse-confirm"));
    let parcels = site
        .json(&format!("/api/v1/customs/batches/{batch}/parcels"))
        .await;
    assert_ne!(parcels[1]["state"], "refused");
    let mut anna_browser = b.unwrap();
    let (status, _) = anna_browser
        .post(&site, &format!("{anna_link}/refuse"), &[])
        .await;
    assert_eq!(status, 200);

    // The register, with the data; the reads are audited with the reason.
    let r = site
        .api(
            reqwest::Method::GET,
            &format!("/api/v1/customs/batches/{batch}/register"),
            None,
        )
        .await;
    assert_eq!(r.status(), 422, "a reason is required");
    let csv = site
        .api(
            reqwest::Method::GET,
            &format!(
                "/api/v1/customs/batches/{batch}/register?format=csv&reason=FCS%20register%20batch"
            ),
            None,
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(csv.contains(PASSPORT_NUMBER), "{csv}");
    assert!(csv.contains(GOOD_INN));
    assert!(csv.contains("Петров"));
    assert!(
        !csv.contains("RA123456785CN"),
        "Anna refused: not in the register"
    );
    let xml = site
        .api(
            reqwest::Method::GET,
            &format!("/api/v1/customs/batches/{batch}/register?format=xml&reason=check"),
            None,
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(xml.contains(PASSPORT_NUMBER));
    let audit = site.json("/api/v1/customs/audit").await;
    assert!(
        audit
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["actor"] == "user:operator"
                && a["action"] == "read_identity"
                && a["reason"] == "FCS register batch"
                && a["parcel"] == ivan),
        "{audit}"
    );

    // The raw database never holds the passport number, the INN or the name in clear.
    let raw = raw_database_bytes(&site.dir);
    assert!(!raw.is_empty());
    for secret in [
        PASSPORT_NUMBER,
        GOOD_INN,
        "Петров",
        "ivan@mail.ru",
        "+79123456789",
    ] {
        assert!(!contains(&raw, secret), "{secret} in the database file");
    }

    // Cleared; with 0 retention days the data go at once, with a record of it.
    let r = site
        .api(
            reqwest::Method::POST,
            &format!("/api/v1/customs/parcels/{ivan}/cleared"),
            None,
        )
        .await;
    assert_eq!(r.status(), 204);
    site.api(reqwest::Method::POST, "/api/v1/customs/run", None)
        .await;
    let mut destructions = Value::Null;
    for _ in 0..100 {
        destructions = site.json("/api/v1/customs/destructions").await;
        if destructions.as_array().map_or(0, Vec::len) >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let text = destructions.to_string();
    assert!(text.contains("identity"), "{text}");
    assert!(
        text.contains("cleared") && text.contains("returned"),
        "{text}"
    );
    assert!(!text.contains("Петров") && !text.contains(PASSPORT_NUMBER));
    let parcels = site
        .json(&format!("/api/v1/customs/batches/{batch}/parcels"))
        .await;
    assert_eq!(parcels[0]["state"], "destroyed");
    assert_eq!(parcels[0]["has_identity"], false);
    // The link is dead, and the register has nothing left to show.
    let (status, _, _) = Browser::get(&site, &link).await;
    assert_eq!(status, 404);
    let csv = site
        .api(
            reqwest::Method::GET,
            &format!("/api/v1/customs/batches/{batch}/register?reason=after"),
            None,
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(!csv.contains(PASSPORT_NUMBER));

    let dir = site.dir.clone();
    site.server.stop().await.unwrap();
    let raw = raw_database_bytes(&dir);
    assert!(!contains(&raw, PASSPORT_NUMBER));
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn brute_force_on_codes_and_tokens_is_refused() {
    let (gateway, sms_url) = Gateway::start().await;
    let (_smtp, smtp_port) = Smtp::start().await;
    let site = Site::start("brute", &sms_url, smtp_port).await;
    let r = site
        .api(
            reqwest::Method::POST,
            "/api/v1/customs/manifests",
            Some(MANIFEST),
        )
        .await;
    let batch = r.json::<Value>().await.unwrap()["batch"].as_i64().unwrap();
    let parcels = site
        .json(&format!("/api/v1/customs/batches/{batch}/parcels"))
        .await;
    let ivan = parcels[0]["id"].as_i64().unwrap();
    site.api(
        reqwest::Method::POST,
        &format!("/api/v1/customs/parcels/{ivan}/arrived"),
        None,
    )
    .await;
    site.api(reqwest::Method::POST, "/api/v1/customs/run", None)
        .await;

    // The real link, from the sealed token (as the e-mail would carry it).
    let state = site.server.state();
    let desk = state.customs().unwrap();
    let p = state
        .store()
        .customs_parcel(posylka_core::store::customs::CustomsParcelId(ivan))
        .await
        .unwrap()
        .unwrap();
    assert!(p.token_hash.is_some());
    let _ = desk;

    // Five wrong codes lock the code: even the right one is then refused.
    let link = eventually("a link in an e-mail", || {
        _smtp
            .mails()
            .into_iter()
            .find(|m| m.contains("ivan@mail.ru"))
            .map(|m| link_in(&mail_body(&m), &site.base))
    })
    .await;
    let (_, _, b) = Browser::get(&site, &link).await;
    let mut browser = b.unwrap();
    let mut fields = identity(GOOD_INN);
    fields.push(("consent", "1"));
    let (status, _) = browser.post(&site, &link, &fields).await;
    assert_eq!(status, 200);
    let code_sms = eventually("the code SMS", || {
        gateway
            .texts_to("+79123456789")
            .into_iter()
            .find(|t| t.split(|c: char| !c.is_ascii_digit()).any(|w| w.len() == 6))
    })
    .await;
    let code: String = code_sms
        .split(|c: char| !c.is_ascii_digit())
        .find(|w| w.len() == 6)
        .unwrap()
        .to_owned();
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let code_url = format!("{link}/code");
    for left in (0..5).rev() {
        let (status, html) = browser.post(&site, &code_url, &[("code", wrong)]).await;
        assert_eq!(status, 422);
        if left > 0 {
            assert!(html.contains(&format!("Tries left: {left}")), "{html}");
        }
    }
    let (status, _) = browser.post(&site, &code_url, &[("code", &code)]).await;
    assert_ne!(status, 200, "a locked code never opens");
    let parcels = site
        .json(&format!("/api/v1/customs/batches/{batch}/parcels"))
        .await;
    assert_ne!(parcels[0]["state"], "submitted");
    assert_eq!(
        parcels[0]["has_identity"], false,
        "the unconfirmed data were dropped"
    );

    // Guessing tokens: 404s, then 429 for this address, even for the right token.
    for i in 0..posylka_server::customs::TOKEN_MISSES_PER_HOUR {
        let (status, _, _) = Browser::get(&site, &site.url(&format!("/c/guess{i:0>30}"))).await;
        assert_eq!(status, 404);
    }
    let (status, _, _) = Browser::get(&site, &site.url("/c/guessagain0000000000000000000")).await;
    assert_eq!(status, 429);
    let (status, _, _) = Browser::get(&site, &link).await;
    assert_eq!(status, 429);
    site.server.stop().await.unwrap();
}
