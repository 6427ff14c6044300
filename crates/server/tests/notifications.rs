//! Notifications end to end, over real sockets: the server with its scheduler, a local webhook
//! receiver that checks every request's HMAC-SHA256 signature, and an in-process SMTP server.
//!
//! - a finding reaches a webhook and an e-mail channel exactly once; an unrelated event does
//!   not repeat it; a severity rise notifies again;
//! - a failing webhook is retried, then disabled, and the API and the page say so; enabling
//!   it again delivers the message under the same idempotency key;
//! - the channel API's validation names the field, and one user never reaches another's
//!   channel;
//! - two servers with their schedulers on one PostgreSQL database send each message once
//!   (`POSYLKA_TEST_POSTGRES_URL`; without it that test prints SKIPPED and passes, unless
//!   `CI=true`).
#![allow(clippy::unwrap_used)]

mod support;

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode as AxumStatus};
use base64::Engine as _;
use jiff::{SignedDuration, Timestamp};
use posylka_notify::channel::webhook;
use posylka_notify::{RetryPolicy, SmtpConfig, SmtpSecurity};
use posylka_server::config::Config;
use posylka_server::notify::NotifyConfig;
use posylka_server::{AppState, Server};
use posylka_store::{AnyStore, PgStore, SqliteStore};
use reqwest::{Method, StatusCode, header};
use secrecy::SecretString;
use serde_json::{Value, json};
use support::db::{drop_schema, postgres_url, sqlite_path, unique_schema};
use support::http::{cookie_value, form_body, hidden};
use support::smtp::{Smtp, mail_header};
use support::{eventually_within, s10, user_token};
use tokio::net::TcpListener;

const SECRET: &str = "whsec_test_0123456789abcdef";
const PASSWORD: &str = "correct horse battery staple";

// ---------------------------------------------------------------------------------------------
// The webhook receiver.

#[derive(Debug, Clone)]
struct Hit {
    key: String,
    event: String,
    /// Whether the signature and timestamp verified with the channel's secret.
    verified: bool,
    body: Value,
}

#[derive(Clone)]
struct Hook {
    url: String,
    hits: Arc<Mutex<Vec<Hit>>>,
    /// The status the receiver answers with.
    status: Arc<AtomicU16>,
}

impl Hook {
    async fn start() -> Self {
        let hits = Arc::new(Mutex::new(Vec::new()));
        let status = Arc::new(AtomicU16::new(200));
        let app = axum::Router::new()
            .route("/hook", axum::routing::post(receive))
            .with_state((hits.clone(), status.clone()));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { url, hits, status }
    }

    fn hits(&self) -> Vec<Hit> {
        self.hits.lock().unwrap().clone()
    }
}

type HookState = (Arc<Mutex<Vec<Hit>>>, Arc<AtomicU16>);

async fn receive(
    State((hits, status)): State<HookState>,
    headers: HeaderMap,
    body: Bytes,
) -> AxumStatus {
    let text = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let verified = webhook::verify(
        &SecretString::from(SECRET),
        &text(webhook::TIMESTAMP_HEADER),
        &text(webhook::SIGNATURE_HEADER),
        &body,
        Timestamp::now(),
        SignedDuration::from_mins(5),
    )
    .is_ok();
    hits.lock().unwrap().push(Hit {
        key: text(webhook::DELIVERY_HEADER),
        event: text(webhook::EVENT_HEADER),
        verified,
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
    });
    AxumStatus::from_u16(status.load(Ordering::SeqCst)).unwrap()
}

// ---------------------------------------------------------------------------------------------
// The server.

struct Site {
    server: Server,
    base: String,
    http: reqwest::Client,
}

fn notify_config(smtp_port: Option<u16>) -> NotifyConfig {
    let smtp = smtp_port.map(|port| {
        let mut smtp = SmtpConfig::new("127.0.0.1", "Posylka <posylka@example.org>");
        smtp.port = Some(port);
        smtp.security = SmtpSecurity::None;
        smtp.timeout_secs = 5;
        smtp
    });
    NotifyConfig {
        secret_key: Some(SecretString::from(
            base64::engine::general_purpose::STANDARD.encode([42u8; 32]),
        )),
        public_url: Some("https://posylka.example".into()),
        smtp,
        retry: RetryPolicy {
            max_retries: 1,
            min_delay_ms: 5,
            max_delay_ms: 20,
            jitter: true,
        },
        disable_after_failures: 3,
        // The test's webhook receivers listen on loopback.
        allow_private_webhooks: true,
        outbox_backoff_ms: 50,
        poll_secs: 1,
        ..NotifyConfig::default()
    }
}

impl Site {
    async fn start(store: AnyStore, notify: NotifyConfig) -> Self {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let config = Config {
            notify,
            ..Config::default()
        };
        let server = Server::serve_on(listener, AppState::new(store, config)).unwrap();
        let base = format!("http://{}", server.local_addr());
        let http = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Self { server, base, http }
    }

    async fn call(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(token);
        if let Some(body) = body {
            req = req.json(&body);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let text = resp.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// A user with a password and an API token; returns the token.
    async fn user(&self, name: &str) -> String {
        user_token(self.server.state().store(), name, Some(PASSWORD))
            .await
            .1
    }

    /// Logs in on the web page; returns the session cookie header and the CSRF token.
    async fn login(&self, name: &str) -> (String, String) {
        let resp = self
            .http
            .get(format!("{}/login", self.base))
            .send()
            .await
            .unwrap();
        let login_cookie = cookie_value(resp.headers(), "posylka_login");
        let page = resp.text().await.unwrap();
        let csrf = hidden(&page, "csrf");
        let resp = self
            .http
            .post(format!("{}/login", self.base))
            .header(header::COOKIE, format!("posylka_login={login_cookie}"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(form_body(&[
                ("csrf", csrf.as_str()),
                ("name", name),
                ("password", PASSWORD),
                ("tz", "UTC"),
            ]))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::SEE_OTHER);
        let session = format!(
            "posylka_session={}",
            cookie_value(resp.headers(), "posylka_session")
        );
        let (_, page) = self.page("/notifications", &session).await;
        (session.clone(), hidden(&page, "csrf"))
    }

    async fn page(&self, path: &str, cookies: &str) -> (StatusCode, String) {
        let resp = self
            .http
            .get(format!("{}{path}", self.base))
            .header(header::COOKIE, cookies)
            .header(header::ACCEPT_LANGUAGE, "en")
            .send()
            .await
            .unwrap();
        (resp.status(), resp.text().await.unwrap())
    }

    async fn post_form(
        &self,
        path: &str,
        cookies: &str,
        fields: &[(&str, &str)],
    ) -> (StatusCode, String) {
        let resp = self
            .http
            .post(format!("{}{path}", self.base))
            .header(header::COOKIE, cookies)
            .header(header::ACCEPT_LANGUAGE, "en")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(form_body(fields))
            .send()
            .await
            .unwrap();
        (resp.status(), resp.text().await.unwrap())
    }

    /// Creates a shipment with events; returns its id.
    async fn shipment(&self, token: &str, number: &str, events: Value) -> i64 {
        let (status, body) = self
            .call(
                Method::POST,
                "/api/v1/shipments",
                token,
                Some(json!({"tracking_numbers": [number], "events": events})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["id"].as_i64().unwrap()
    }

    async fn add_events(&self, token: &str, id: i64, events: Value) {
        let (status, body) = self
            .call(
                Method::POST,
                &format!("/api/v1/shipments/{id}/events"),
                token,
                Some(json!({"events": events})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(body["inserted"].as_u64().unwrap() > 0, "{body}");
    }

    /// Waits until the scheduler has looked at every shipment that is due.
    async fn settled(&self) {
        use posylka_core::store::notifications::NotificationStore;
        let store = self.server.state().store();
        for _ in 0..200 {
            let next = store.next_check_at().await.unwrap();
            if next.is_none_or(|at| at > Timestamp::now()) {
                // And the sender has nothing due either.
                let send = store.next_delivery_at().await.unwrap();
                if send.is_none_or(|at| at > Timestamp::now() + SignedDuration::from_secs(5)) {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the scheduler did not settle");
    }
}

/// Polls `check` every 50 ms for up to 20 s.
async fn eventually<T>(what: &str, check: impl FnMut() -> Option<T>) -> T {
    eventually_within(what, 400, Duration::from_millis(50), check).await
}

fn ago(hours: i64) -> String {
    (Timestamp::now() - SignedDuration::from_hours(hours))
        .strftime("%Y-%m-%dT%H:%M:%S+00:00")
        .to_string()
}

/// Accepted four days ago, held by customs an hour ago: a `customs_hold` warning.
fn held_by_customs() -> Value {
    json!([
        {"time": ago(96), "text": "Accepted by carrier", "country": "CN"},
        {"time": ago(1), "text": "Held by customs", "country": "RU"},
    ])
}

async fn sqlite_store() -> AnyStore {
    let path = sqlite_path("posylka-notify-tests");
    AnyStore::Sqlite(SqliteStore::open(&path).await.unwrap())
}

// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_finding_notifies_once_and_again_when_it_gets_worse() {
    let hook = Hook::start().await;
    let (smtp, smtp_port) = Smtp::start().await;
    let site = Site::start(sqlite_store().await, notify_config(Some(smtp_port))).await;
    let anna = site.user("anna").await;

    let (status, created) = site
        .call(
            Method::POST,
            "/api/v1/channels",
            &anna,
            Some(json!({
                "kind": "webhook", "target": hook.url, "secret": SECRET,
                "codes": ["customs_hold"], "label": "My hook"
            })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["has_secret"], true);
    assert!(created.get("secret").is_none(), "the secret is never shown");
    assert_eq!(created["codes"], json!(["customs_hold"]));
    assert_eq!(
        (created["enabled"].clone(), created["min_severity"].clone()),
        (json!(true), json!("warning"))
    );
    let hook_id = created["id"].as_i64().unwrap();
    let (status, mail) = site
        .call(
            Method::POST,
            "/api/v1/channels",
            &anna,
            Some(json!({"kind": "email", "target": "anna@example.org", "codes": ["customs_hold"], "lang": "ru"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{mail}");

    let id = site
        .shipment(&anna, &s10("RS", 12_345_678), held_by_customs())
        .await;
    let first = eventually("the webhook delivery", || {
        let hits = hook.hits();
        (!hits.is_empty()).then(|| hits[0].clone())
    })
    .await;
    assert!(first.verified, "signature checks out: {first:?}");
    assert_eq!(first.event, "finding.appeared");
    assert_eq!(first.body["id"], first.key.as_str());
    assert_eq!(first.body["shipment_id"], id.to_string());
    assert_eq!(first.body["finding"]["code"], "customs_hold");
    assert_eq!(first.body["finding"]["severity"], "warning");
    assert_eq!(
        first.body["url"],
        format!("https://posylka.example/parcels/{id}")
    );
    assert!(
        first.body["title"]
            .as_str()
            .unwrap()
            .contains("Held by customs"),
        "{}",
        first.body
    );
    let mails = eventually("the e-mail", || {
        let mails = smtp.mails();
        (!mails.is_empty()).then_some(mails)
    })
    .await;
    assert!(mails[0].contains("anna@example.org"), "{}", mails[0]);
    let mail_key = mail_header(&mails[0], "X-Posylka-Delivery").unwrap();
    assert_eq!(mail_key.len(), 32);
    assert_ne!(mail_key, first.key, "one key per channel");

    // An unrelated event (an older scan): checked again, nothing new to say.
    site.add_events(
        &anna,
        id,
        json!([{"time": ago(90), "text": "Departed from sorting center"}]),
    )
    .await;
    site.settled().await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(hook.hits().len(), 1, "{:?}", hook.hits());
    assert_eq!(smtp.mails().len(), 1);

    // Customs now wants the duty paid: the same finding, more severe: notified again.
    site.add_events(
        &anna,
        id,
        json!([{"time": ago(0), "text": "Customs duty payment required", "country": "RU"}]),
    )
    .await;
    let second = eventually("the severity rise", || {
        let hits = hook.hits();
        (hits.len() >= 2).then(|| hits[1].clone())
    })
    .await;
    assert!(second.verified);
    assert_eq!(second.event, "finding.severity_raised");
    assert_eq!(second.body["finding"]["severity"], "action");
    assert_eq!(second.body["previous_severity"], "warning");
    assert_ne!(second.key, first.key);
    eventually("the second e-mail", || {
        (smtp.mails().len() >= 2).then_some(())
    })
    .await;
    site.settled().await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(hook.hits().len(), 2);
    assert_eq!(smtp.mails().len(), 2);

    // The API shows the deliveries; the metrics count them.
    let (_, view) = site
        .call(
            Method::GET,
            &format!("/api/v1/channels/{hook_id}"),
            &anna,
            None,
        )
        .await;
    let recent = view["recent"].as_array().unwrap();
    assert_eq!(recent.len(), 2, "{view}");
    assert!(
        recent
            .iter()
            .all(|d| d["state"] == "sent" && d["attempts"] == 1),
        "{view}"
    );
    let metrics = site
        .http
        .get(format!("{}/metrics", site.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("posylka_notifications_total{channel=\"webhook\",outcome=\"sent\"} 2"),
        "{metrics}"
    );
    assert!(metrics.contains("posylka_notifications_total{channel=\"email\",outcome=\"sent\"} 2"));
    site.server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_webhook_is_retried_then_disabled_and_shown_so() {
    let hook = Hook::start().await;
    hook.status.store(500, Ordering::SeqCst);
    let site = Site::start(sqlite_store().await, notify_config(None)).await;
    let anna = site.user("anna").await;
    let (status, created) = site
        .call(
            Method::POST,
            "/api/v1/channels",
            &anna,
            Some(json!({"kind": "webhook", "target": hook.url, "secret": SECRET, "codes": ["customs_hold"]})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let hook_id = created["id"].as_i64().unwrap();
    site.shipment(&anna, &s10("RS", 22_345_678), held_by_customs())
        .await;

    let view = {
        let mut view = Value::Null;
        for _ in 0..400 {
            view = site
                .call(
                    Method::GET,
                    &format!("/api/v1/channels/{hook_id}"),
                    &anna,
                    None,
                )
                .await
                .1;
            if view["enabled"] == false {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        view
    };
    assert_eq!(view["enabled"], false, "{view}");
    assert_eq!(view["consecutive_failures"], 3, "{view}");
    assert!(
        view["last_error"].as_str().unwrap().contains("500"),
        "{view}"
    );
    assert!(view["disabled_at"].is_string());
    let recent = view["recent"].as_array().unwrap();
    assert_eq!(recent.len(), 1, "{view}");
    assert_eq!(
        (recent[0]["state"].clone(), recent[0]["attempts"].clone()),
        (json!("dropped"), json!(3))
    );
    // Three attempts from the outbox, each retried once by the transport: six requests, one key.
    let hits = hook.hits();
    assert_eq!(hits.len(), 6, "{hits:?}");
    assert!(hits.iter().all(|h| h.verified && h.key == hits[0].key));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(hook.hits().len(), 6, "a disabled channel gets nothing");

    // The page says so, with a button to enable it again (behind CSRF).
    let (cookies, csrf) = site.login("anna").await;
    let (status, page) = site.page("/notifications", &cookies).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Disabled after repeated failures"), "{page}");
    assert!(page.contains(&format!("action=\"/notifications/{hook_id}/enable\"")));
    let (status, _) = site
        .post_form(
            &format!("/notifications/{hook_id}/enable"),
            &cookies,
            &[("csrf", "forged")],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    hook.status.store(200, Ordering::SeqCst);
    let (status, _) = site
        .post_form(
            &format!("/notifications/{hook_id}/enable"),
            &cookies,
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let delivered = eventually("the delivery after enabling", || {
        let hits = hook.hits();
        (hits.len() >= 7).then(|| hits[6].clone())
    })
    .await;
    assert_eq!(delivered.key, hits[0].key, "the same message, the same key");
    let (_, view) = site
        .call(
            Method::GET,
            &format!("/api/v1/channels/{hook_id}"),
            &anna,
            None,
        )
        .await;
    assert_eq!(
        (
            view["enabled"].clone(),
            view["consecutive_failures"].clone()
        ),
        (json!(true), json!(0))
    );
    let (_, page) = site.page("/notifications", &cookies).await;
    assert!(!page.contains("Disabled after repeated failures"));
    site.server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn channels_are_validated_and_private() {
    let hook = Hook::start().await;
    let site = Site::start(sqlite_store().await, notify_config(None)).await;
    let anna = site.user("anna").await;
    let boris = site.user("boris").await;
    let problem = |(status, body): (StatusCode, Value), field: &str| {
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["field"], field, "{body}");
        assert!(!body["detail"].as_str().unwrap().is_empty());
    };
    let create = |body: Value| site.call(Method::POST, "/api/v1/channels", &anna, Some(body));
    problem(
        create(json!({"kind": "pigeon", "target": "x"})).await,
        "kind",
    );
    // No SMTP relay on this server: e-mail channels are refused, saying why.
    problem(
        create(json!({"kind": "email", "target": "anna@example.org"})).await,
        "kind",
    );
    problem(
        create(json!({"kind": "webhook", "target": hook.url, "secret": "short"})).await,
        "secret",
    );
    problem(
        create(json!({"kind": "webhook", "target": hook.url})).await,
        "secret",
    );
    problem(
        create(json!({"kind": "webhook", "target": "ftp://h/x", "secret": SECRET})).await,
        "target",
    );
    problem(
        create(json!({"kind": "webhook", "target": hook.url, "secret": SECRET, "codes": ["stalled", "nope"]}))
            .await,
        "codes[1]",
    );
    problem(
        create(json!({"kind": "webhook", "target": hook.url, "secret": SECRET, "min_severity": "urgent"})).await,
        "min_severity",
    );
    let (status, body) =
        create(json!({"kind": "webhook", "target": hook.url, "secret": SECRET, "colour": 1})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["field"], "colour");
    let (status, created) =
        create(json!({"kind": "webhook", "target": hook.url, "secret": SECRET})).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_i64().unwrap();

    // Another user's channel is not there for them.
    let path = format!("/api/v1/channels/{id}");
    for (method, body) in [
        (Method::GET, None),
        (Method::PATCH, Some(json!({"enabled": false}))),
        (Method::DELETE, None),
    ] {
        let (status, body) = site.call(method, &path, &boris, body).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    }
    let (status, _) = site
        .call(Method::POST, &format!("{path}/test"), &boris, None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, list) = site
        .call(Method::GET, "/api/v1/channels", &boris, None)
        .await;
    assert_eq!(list, json!({"items": []}));

    // Changing which findings notify; a test message arrives signed.
    let (status, changed) = site
        .call(
            Method::PATCH,
            &path,
            &anna,
            Some(json!({"codes": ["lost", "stalled"], "min_severity": "action"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(changed["codes"], json!(["lost", "stalled"]));
    assert_eq!(changed["min_severity"], "action");
    let (status, changed) = site
        .call(Method::PATCH, &path, &anna, Some(json!({"codes": null})))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(changed["codes"], Value::Null);
    assert_eq!(changed["min_severity"], "action", "untouched");
    problem(
        site.call(Method::PATCH, &path, &anna, Some(json!({"codes": ["x"]})))
            .await,
        "codes[0]",
    );
    let (status, test) = site
        .call(Method::POST, &format!("{path}/test"), &anna, None)
        .await;
    assert_eq!(status, StatusCode::OK, "{test}");
    assert_eq!(test["delivered"], true, "{test}");
    let hits = hook.hits();
    assert_eq!(hits.len(), 1);
    assert!(hits[0].verified);
    let (status, _) = site.call(Method::DELETE, &path, &anna, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = site.call(Method::GET, &path, &anna, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The page: add a webhook through the form (CSRF checked), a refusal says why.
    let (cookies, csrf) = site.login("anna").await;
    let add = |fields: Vec<(&'static str, String)>| {
        let cookies = cookies.clone();
        let site = &site;
        async move {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            site.post_form("/notifications", &cookies, &fields).await
        }
    };
    let (status, page) = add(vec![
        ("csrf", csrf.clone()),
        ("kind", "webhook".into()),
        ("target", hook.url.clone()),
        ("secret", "short".into()),
    ])
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("at least 16 characters"), "{page}");
    let (status, _) = add(vec![
        ("kind", "webhook".into()),
        ("target", hook.url.clone()),
        ("secret", SECRET.into()),
    ])
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = add(vec![
        ("csrf", csrf.clone()),
        ("kind", "webhook".into()),
        ("target", hook.url.clone()),
        ("secret", SECRET.into()),
        ("label", "From the page".into()),
    ])
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, list) = site
        .call(Method::GET, "/api/v1/channels", &anna, None)
        .await;
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{list}");
    assert_eq!(items[0]["label"], "From the page");
    let new_id = items[0]["id"].as_i64().unwrap();
    let (status, _) = site
        .post_form(
            &format!("/notifications/{new_id}/findings"),
            &cookies,
            &[
                ("csrf", &csrf),
                ("code", "stalled"),
                ("code", "lost"),
                ("min_severity", "info"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, one) = site
        .call(
            Method::GET,
            &format!("/api/v1/channels/{new_id}"),
            &anna,
            None,
        )
        .await;
    assert_eq!(one["codes"], json!(["lost", "stalled"]));
    assert_eq!(one["min_severity"], "info");
    let (status, page) = site.page("/notifications", &cookies).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("From the page") && page.contains("value=\"stalled\" checked"),
        "{page}"
    );
    assert!(!page.contains(SECRET), "the secret is never shown");
    site.server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_schedulers_on_one_postgres_send_each_message_once() {
    let Some(url) = postgres_url("two schedulers on PostgreSQL") else {
        return;
    };
    let schema = unique_schema("posylka_notify");
    let hook = Hook::start().await;
    let one = Site::start(
        AnyStore::Postgres(PgStore::connect_in_schema(&url, &schema).await.unwrap()),
        notify_config(None),
    )
    .await;
    let two = Site::start(
        AnyStore::Postgres(PgStore::connect_in_schema(&url, &schema).await.unwrap()),
        notify_config(None),
    )
    .await;
    let anna = one.user("anna").await;
    let (status, created) = two
        .call(
            Method::POST,
            "/api/v1/channels",
            &anna,
            Some(json!({"kind": "webhook", "target": hook.url, "secret": SECRET, "codes": ["customs_hold"]})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    // Shipments added through both servers, so both schedulers are woken and race.
    let shipments = 12;
    let mut ids = BTreeSet::new();
    for i in 0..shipments {
        let site = if i % 2 == 0 { &one } else { &two };
        ids.insert(
            site.shipment(&anna, &s10("RS", 30_000_000 + i), held_by_customs())
                .await
                .to_string(),
        );
    }
    eventually("every delivery", || {
        (hook.hits().len() >= ids.len()).then_some(())
    })
    .await;
    // Both keep running a while: nothing more may arrive.
    one.settled().await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let hits = hook.hits();
    assert_eq!(hits.len(), ids.len(), "{hits:?}");
    let keys: BTreeSet<&str> = hits.iter().map(|h| h.key.as_str()).collect();
    assert_eq!(keys.len(), hits.len(), "no key twice");
    let about: BTreeSet<String> = hits
        .iter()
        .map(|h| h.body["shipment_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(about, ids, "one per shipment");
    assert!(hits.iter().all(|h| h.verified));
    one.server.stop().await.unwrap();
    two.server.stop().await.unwrap();
    drop_schema(&url, &schema).await;
}
