//! The HTTP API over a real socket, against SQLite (a temp file) and PostgreSQL
//! (`POSYLKA_TEST_POSTGRES_URL`, a fresh schema per test, dropped afterwards).
//!
//! Each `async fn` is one scenario; `engines!` runs each on both engines. Without the
//! PostgreSQL variable the PostgreSQL runs print SKIPPED and pass, unless `CI=true`.
#![allow(clippy::unwrap_used)]

mod support;

use jiff::Timestamp;
use posylka_server::config::Config;
use posylka_server::{AppState, Server};
use posylka_store::{AnyStore, PgStore, SqliteStore};
use reqwest::{Method, StatusCode};
use secrecy::SecretString;
use serde_json::{Value, json};
use support::db::{postgres_url, sqlite_path, unique_schema};
use support::user_token;

/// The server's push token in these tests.
const PUSH_TOKEN: &str = "test-push-token-0123456789";

struct Api {
    server: Server,
    base: String,
    http: reqwest::Client,
}

impl Api {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Option<String>, Value) {
        let mut req = self.http.request(method, self.url(path));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        if let Some(body) = body {
            req = req.json(&body);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let ctype = resp
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned());
        let text = resp.text().await.unwrap();
        let value = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        (status, ctype, value)
    }

    async fn user(&self, name: &str) -> String {
        user_token(self.server.state().store(), name, None).await.1
    }
}

/// The source with a configured intake secret in these tests.
const INTAKE_SOURCE: &str = "mycarrier";
const INTAKE_SECRET: &str = "intake-secret-for-tests";

fn config() -> Config {
    Config {
        push_token: Some(SecretString::from(PUSH_TOKEN)),
        intake_secrets: [(INTAKE_SOURCE.to_owned(), SecretString::from(INTAKE_SECRET))].into(),
        ..Config::default()
    }
}

async fn start(store: AnyStore) -> Api {
    // reqwest is built without a default TLS provider; the tests speak plain HTTP, but the
    // client still wants one installed. A second install in this process is refused: fine.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let server = Server::serve_on(listener, AppState::new(store, config())).unwrap();
    let base = format!("http://{}", server.local_addr());
    Api {
        server,
        base,
        http: reqwest::Client::builder().no_proxy().build().unwrap(),
    }
}

async fn sqlite_api() -> (Api, std::path::PathBuf) {
    let path = sqlite_path("posylka-server-tests");
    let store = SqliteStore::open(&path).await.unwrap();
    (start(AnyStore::Sqlite(store)).await, path)
}

async fn pg_api() -> Option<(Api, String)> {
    let url = postgres_url("PostgreSQL API tests")?;
    let schema = unique_schema("posylka_api");
    let store = PgStore::connect_in_schema(&url, &schema).await.unwrap();
    Some((start(AnyStore::Postgres(store)).await, schema))
}

async fn drop_schema(schema: &str) {
    let url = std::env::var("POSYLKA_TEST_POSTGRES_URL").unwrap();
    support::db::drop_schema(&url, schema).await;
}

fn assert_problem(
    (status, ctype, body): &(StatusCode, Option<String>, Value),
    want: StatusCode,
    field: Option<&str>,
) {
    assert_eq!(*status, want, "{body}");
    assert_eq!(ctype.as_deref(), Some("application/problem+json"), "{body}");
    assert_eq!(body["status"], want.as_u16(), "{body}");
    assert!(body["type"].as_str().unwrap().starts_with("/problems/"));
    assert!(!body["detail"].as_str().unwrap().is_empty());
    assert_eq!(body["field"].as_str(), field, "{body}");
}

async fn auth_is_required(api: &Api) {
    let token = api.user("anna").await;
    let (status, _, body) = api.call(Method::GET, "/healthz", None, None).await;
    // No source configured in these tests: nothing can be degraded.
    assert_eq!(
        (status, body),
        (
            StatusCode::OK,
            json!({"status": "ok", "store": "ok", "sources": []})
        )
    );

    let anonymous = api.call(Method::GET, "/api/v1/shipments", None, None).await;
    assert_problem(&anonymous, StatusCode::UNAUTHORIZED, None);
    let resp = api
        .http
        .get(api.url("/api/v1/shipments"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["www-authenticate"], "Bearer");
    let forged = api
        .call(
            Method::GET,
            "/api/v1/shipments",
            Some("psk_not-a-token"),
            None,
        )
        .await;
    assert_problem(&forged, StatusCode::UNAUTHORIZED, None);
    // The push token is for pushing only.
    let push = api
        .call(Method::GET, "/api/v1/shipments", Some(PUSH_TOKEN), None)
        .await;
    assert_problem(&push, StatusCode::UNAUTHORIZED, None);

    let (status, _, body) = api
        .call(Method::GET, "/api/v1/shipments", Some(&token), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, json!({"items": [], "next_after": null}));

    let (status, _, body) = api
        .call(
            Method::GET,
            "/api/v1/identify?number=RA123456785CN",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["number"], "RA123456785CN");
    assert_eq!(body["valid"], true);
    assert_eq!(body["candidates"][0]["carrier"], "china-post");

    let (status, _, body) = api
        .call(
            Method::POST,
            "/api/v1/scan",
            Some(&token),
            Some(json!({"text": "Заказ 3074935419642839 отправлен, трек RA 1234 5678 5CN."})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let kinds: Vec<&str> = body["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["order_number", "tracking"]);

    // Metrics count the requests above by route template, never by path.
    let (status, _, metrics) = api.call(Method::GET, "/metrics", None, None).await;
    assert_eq!(status, StatusCode::OK);
    let metrics = metrics.as_str().unwrap();
    assert!(
        metrics.contains(
            "posylka_http_requests_total{method=\"GET\",route=\"/api/v1/shipments\",status=\"401\"} 4"
        ),
        "{metrics}"
    );
    assert!(metrics.contains("posylka_http_request_duration_seconds_bucket"));
    assert!(!metrics.contains("RA123456785CN"));
}

async fn create_one(api: &Api, token: &str, body: Value) -> Value {
    let (status, _, created) = api
        .call(Method::POST, "/api/v1/shipments", Some(token), Some(body))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    created
}

const DOCUMENT: &str = r#"{
  "tracking_numbers": ["RA123456785CN"],
  "order": {"number": "8123456789012345", "marketplace": "AliExpress",
            "price": {"amount": 3.2, "currency": "usd"}, "protection_days": 60,
            "destination": {"country": "RU", "city": "Kazan", "postcode": "420000"}},
  "events": [{"time": "2024-05-02T10:00:00+08:00", "text": "已出口直封", "country": "CN"},
             {"time": "2024-06-01T09:00:00+03:00", "text": "Вручение адресату",
              "code": "2.1", "carrier": "russian-post", "location": "Казань 420000"}]
}"#;

async fn create_get_list_archive_delete(api: &Api) {
    let token = api.user("anna").await;
    let doc: Value = serde_json::from_str(DOCUMENT).unwrap();
    let created = create_one(api, &token, doc).await;
    let id = created["id"].as_i64().unwrap();
    assert_eq!(created["status"]["milestone"], "delivered");
    assert_eq!(created["timeline"].as_array().unwrap().len(), 2);
    assert_eq!(
        created["timeline"][1]["sources"][0]["text"],
        "Вручение адресату"
    );
    assert_eq!(created["timeline"][1]["at"], "2024-06-01T09:00:00+03:00");
    assert_eq!(created["order"]["price"]["amount"], "3.20");
    assert_eq!(created["numbers"][0]["leg"], "through");
    assert!(created["findings"].is_array());

    let plain = create_one(api, &token, json!({"number": "rb 1234 5678 5gb"})).await;
    let plain_id = plain["id"].as_i64().unwrap();
    assert_eq!(plain["numbers"][0]["number"], "RB123456785GB");
    assert_eq!(plain["status"], Value::Null);

    let (status, _, got) = api
        .call(
            Method::GET,
            &format!("/api/v1/shipments/{id}"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(got, created);

    let list = |query: &'static str| {
        let token = token.clone();
        async move {
            let (status, _, body) = api
                .call(
                    Method::GET,
                    &format!("/api/v1/shipments{query}"),
                    Some(&token),
                    None,
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{body}");
            body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["id"].as_i64().unwrap())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(list("").await, [id, plain_id]);
    assert_eq!(list("?milestone=delivered").await, [id]);
    assert_eq!(list("?marketplace=aliexpress").await, [id]);
    assert_eq!(list("?marketplace=ozon").await, Vec::<i64>::new());
    // Findings come from the watchdog: a parcel added today without events awaits its first
    // scan; the delivered one does not.
    let codes = |s: &Value| {
        s["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["code"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert!(codes(&plain).contains(&"awaiting_first_event".to_owned()));
    assert!(!codes(&created).contains(&"awaiting_first_event".to_owned()));
    assert_eq!(list("?finding=awaiting_first_event").await, [plain_id]);
    // Keyset paging.
    let (_, _, page) = api
        .call(Method::GET, "/api/v1/shipments?limit=1", Some(&token), None)
        .await;
    assert_eq!(page["next_after"], id);
    assert_eq!(list("?after=").await.len(), 2);

    // Seller contacted: a patch keeps what it does not name.
    let (status, _, patched) = api
        .call(
            Method::PATCH,
            &format!("/api/v1/shipments/{id}"),
            Some(&token),
            Some(json!({"order": {"seller_contacted_at": "2024-06-10T12:00:00+03:00"}})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{patched}");
    assert_eq!(
        patched["order"]["seller_contacted_at"],
        "2024-06-10T12:00:00+03:00"
    );
    assert_eq!(patched["order"]["price"]["amount"], "3.20");
    assert_eq!(patched["order"]["destination"]["city"], "Kazan");
    let (_, _, cleared) = api
        .call(
            Method::PATCH,
            &format!("/api/v1/shipments/{id}"),
            Some(&token),
            Some(json!({"order": {"price": null}})),
        )
        .await;
    assert_eq!(cleared["order"]["price"], Value::Null);
    assert_eq!(
        cleared["order"]["seller_contacted_at"],
        "2024-06-10T12:00:00+03:00"
    );

    // A last-mile number given at hand-over.
    let (status, _, linked) = api
        .call(
            Method::POST,
            &format!("/api/v1/shipments/{plain_id}/numbers"),
            Some(&token),
            Some(json!({"number": "80080012345678"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{linked}");
    assert_eq!(linked["numbers"][1]["leg"], "last_mile");
    let again = api
        .call(
            Method::POST,
            &format!("/api/v1/shipments/{plain_id}/numbers"),
            Some(&token),
            Some(json!({"number": "80080012345678"})),
        )
        .await;
    assert_problem(&again, StatusCode::CONFLICT, Some("number"));

    // Archive: out of the default list, in the archived one, and back.
    let (status, _, archived) = api
        .call(
            Method::POST,
            &format!("/api/v1/shipments/{id}/archive"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(archived["archived_at"].is_string());
    assert_eq!(list("").await, [plain_id]);
    assert_eq!(list("?archived=true").await, [id]);
    assert_eq!(list("?archived=all").await, [id, plain_id]);
    api.call(
        Method::DELETE,
        &format!("/api/v1/shipments/{id}/archive"),
        Some(&token),
        None,
    )
    .await;
    assert_eq!(list("").await, [id, plain_id]);

    let (status, _, _) = api
        .call(
            Method::DELETE,
            &format!("/api/v1/shipments/{id}"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let gone = api
        .call(
            Method::GET,
            &format!("/api/v1/shipments/{id}"),
            Some(&token),
            None,
        )
        .await;
    assert_problem(&gone, StatusCode::NOT_FOUND, None);
    assert_eq!(list("?archived=all").await, [plain_id]);
}

async fn users_see_only_their_parcels(api: &Api) {
    let anna = api.user("anna").await;
    let boris = api.user("boris").await;
    let created = create_one(api, &anna, json!({"number": "RA123456785CN"})).await;
    let id = created["id"].as_i64().unwrap();
    let path = format!("/api/v1/shipments/{id}");

    for (method, suffix, body) in [
        (Method::GET, "", None),
        (Method::PATCH, "", Some(json!({"order": {"number": "1"}}))),
        (Method::DELETE, "", None),
        (Method::POST, "/archive", None),
        (
            Method::POST,
            "/numbers",
            Some(json!({"number": "RB123456785GB"})),
        ),
        (
            Method::POST,
            "/events",
            Some(json!({"events": [{"time": "2024-05-01T00:00:00Z", "text": "x"}]})),
        ),
    ] {
        let answer = api
            .call(
                method.clone(),
                &format!("{path}{suffix}"),
                Some(&boris),
                body,
            )
            .await;
        assert_problem(&answer, StatusCode::NOT_FOUND, None);
    }
    let (_, _, list) = api
        .call(
            Method::GET,
            "/api/v1/shipments?archived=all",
            Some(&boris),
            None,
        )
        .await;
    assert_eq!(list["items"], json!([]));
    // Boris cannot push into Anna's parcel with his token: the event is skipped.
    let (status, _, pushed) = api
        .call(
            Method::POST,
            "/api/v1/push/events",
            Some(&boris),
            Some(json!({"events": [{"number": "RA123456785CN",
                                    "time": "2024-05-02T10:00:00+08:00", "text": "Accepted"}]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{pushed}");
    assert_eq!(
        (pushed["inserted"].as_u64(), pushed["skipped"].as_u64()),
        (Some(0), Some(1))
    );
    // Boris adding the same number is refused without naming Anna's shipment.
    let taken = api
        .call(
            Method::POST,
            "/api/v1/shipments",
            Some(&boris),
            Some(json!({"number": "RA123456785CN"})),
        )
        .await;
    assert_problem(&taken, StatusCode::CONFLICT, Some("number"));
    assert!(
        !taken.2["detail"]
            .as_str()
            .unwrap()
            .contains(&format!("#{id}"))
    );

    // Nothing Boris did changed Anna's parcel.
    let (_, _, after) = api.call(Method::GET, &path, Some(&anna), None).await;
    assert_eq!(after, created);
}

async fn events_intake_is_idempotent(api: &Api) {
    let token = api.user("anna").await;
    let created = create_one(api, &token, json!({"number": "RA123456785CN"})).await;
    let id = created["id"].as_i64().unwrap();
    let batch = json!({"source": "cainiao", "events": [
        {"time": "2024-05-02T10:00:00+08:00", "text": "Accepted by carrier"},
        {"time": "2024-05-05T01:00:00+08:00", "text": "Departed from country of origin",
         "number": "ra 123456785 cn"},
        {"time": "2024-05-10T08:00:00+03:00", "text": "Прибыло в место международного обмена",
         "carrier": "russian-post", "code": "8.13", "country": "RU"}
    ]});
    let path = format!("/api/v1/shipments/{id}/events");
    let (status, _, first) = api
        .call(Method::POST, &path, Some(&token), Some(batch.clone()))
        .await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!(
        (first["inserted"].as_u64(), first["duplicates"].as_u64()),
        (Some(3), Some(0))
    );
    let (_, _, before) = api
        .call(
            Method::GET,
            &format!("/api/v1/shipments/{id}"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(before["timeline"].as_array().unwrap().len(), 3);
    assert_eq!(before["status"]["milestone"], "arrived_destination_country");

    let (_, _, second) = api
        .call(Method::POST, &path, Some(&token), Some(batch))
        .await;
    assert_eq!(
        (second["inserted"].as_u64(), second["duplicates"].as_u64()),
        (Some(0), Some(3))
    );
    let (_, _, after) = api
        .call(
            Method::GET,
            &format!("/api/v1/shipments/{id}"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(before, after);

    // The carrier push, keyed by number: one new event, one repeat, one number nobody follows.
    let push = json!({"source": "russianpost", "events": [
        {"number": "RA123456785CN", "time": "2024-05-20T12:30:00+03:00",
         "text": "Вручение адресату", "code": "2.1", "carrier": "russian-post"},
        {"number": "RA123456785CN", "time": "2024-05-20T12:30:00+03:00",
         "text": "Вручение адресату", "code": "2.1", "carrier": "russian-post"},
        {"number": "RB123456785GB", "time": "2024-05-20T12:30:00+03:00", "text": "x"}
    ]});
    let (status, _, pushed) = api
        .call(
            Method::POST,
            "/api/v1/push/events",
            Some(PUSH_TOKEN),
            Some(push.clone()),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{pushed}");
    assert_eq!(
        (
            pushed["inserted"].as_u64(),
            pushed["duplicates"].as_u64(),
            pushed["skipped"].as_u64()
        ),
        (Some(1), Some(1), Some(1))
    );
    assert_eq!(pushed["skipped_numbers"], json!(["RB123456785GB"]));
    let (_, _, pushed_again) = api
        .call(
            Method::POST,
            "/api/v1/push/events",
            Some(PUSH_TOKEN),
            Some(push),
        )
        .await;
    assert_eq!(pushed_again["inserted"].as_u64(), Some(0));
    let (_, _, delivered) = api
        .call(
            Method::GET,
            &format!("/api/v1/shipments/{id}"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(delivered["status"]["milestone"], "delivered");
    assert_eq!(delivered["event_count"], 4);

    let (_, _, metrics) = api.call(Method::GET, "/metrics", None, None).await;
    let metrics = metrics.as_str().unwrap();
    assert!(
        metrics.contains("posylka_ingest_records_total{outcome=\"inserted\"} 4"),
        "{metrics}"
    );
    // The repeated push skipped the unfollowed number again.
    assert!(metrics.contains("posylka_ingest_records_total{outcome=\"skipped\"} 2"));
}

async fn bad_input_is_problem_json_naming_the_field(api: &Api) {
    let token = api.user("anna").await;
    let t = Some(token.as_str());
    let post = |body: Value| api.call(Method::POST, "/api/v1/shipments", t, Some(body));

    let cases: Vec<(Value, StatusCode, &str)> = vec![
        (
            json!({"number": "R!"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "number",
        ),
        (
            json!({"number": "3074935419642839"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "number",
        ),
        (json!({}), StatusCode::UNPROCESSABLE_ENTITY, "number"),
        (
            json!({"tracking_numbers": ["RA123456785CN"], "events": [
                {"time": "2024-05-02T10:00:00Z", "text": "ok"},
                {"time": "yesterday", "text": "bad"}]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "events[1].time",
        ),
        (
            json!({"number": "RA123456785CN", "order": {"price": {"amount": 1, "currency": "dollars"}}}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "order.price.currency",
        ),
        (
            json!({"number": "RA123456785CN", "events": [{"time": 5, "text": "x"}]}),
            StatusCode::BAD_REQUEST,
            "events[0].time",
        ),
        (
            json!({"number": "RA123456785CN", "colour": "red"}),
            StatusCode::BAD_REQUEST,
            "colour",
        ),
    ];
    for (body, status, field) in cases {
        let answer = post(body.clone()).await;
        assert_problem(&answer, status, Some(field));
    }
    // Not JSON at all: the line and column are in the detail.
    let resp = api
        .http
        .post(api.url("/api/v1/shipments"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{\"number\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let problem: Value = resp.json().await.unwrap();
    assert!(
        problem["detail"].as_str().unwrap().contains("line 1"),
        "{problem}"
    );
    let resp = api
        .http
        .post(api.url("/api/v1/shipments"))
        .bearer_auth(&token)
        .body("number=RA123456785CN")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);

    let answer = api
        .call(
            Method::GET,
            "/api/v1/shipments?milestone=teleported",
            t,
            None,
        )
        .await;
    assert_problem(&answer, StatusCode::UNPROCESSABLE_ENTITY, Some("milestone"));
    let answer = api
        .call(Method::GET, "/api/v1/shipments?limit=0", t, None)
        .await;
    assert_problem(&answer, StatusCode::UNPROCESSABLE_ENTITY, Some("limit"));
    let answer = api.call(Method::GET, "/api/v1/identify", t, None).await;
    assert_problem(&answer, StatusCode::UNPROCESSABLE_ENTITY, Some("number"));
    let answer = api
        .call(Method::GET, "/api/v1/shipments/abc", t, None)
        .await;
    assert_problem(&answer, StatusCode::UNPROCESSABLE_ENTITY, Some("id"));

    let created = create_one(api, &token, json!({"number": "RA123456785CN"})).await;
    let id = created["id"].as_i64().unwrap();
    let answer = api
        .call(
            Method::PATCH,
            &format!("/api/v1/shipments/{id}"),
            t,
            Some(json!({"order": {"seller_contacted_at": "last tuesday"}})),
        )
        .await;
    assert_problem(
        &answer,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("order.seller_contacted_at"),
    );
    let answer = api
        .call(
            Method::POST,
            &format!("/api/v1/shipments/{id}/events"),
            t,
            Some(
                json!({"events": [{"time": "2024-05-02T10:00:00Z", "text": "x",
                                    "number": "RB123456785GB"}]}),
            ),
        )
        .await;
    assert_problem(
        &answer,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("events[0].number"),
    );
    let answer = api
        .call(
            Method::POST,
            "/api/v1/push/events",
            Some(PUSH_TOKEN),
            Some(json!({"events": [{"time": "2024-05-02T10:00:00Z", "text": "x"}]})),
        )
        .await;
    assert_problem(
        &answer,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("events[0].number"),
    );
    // A failed request stored nothing.
    let (_, _, same) = api
        .call(Method::GET, &format!("/api/v1/shipments/{id}"), t, None)
        .await;
    assert_eq!(same, created);
    let answer = api.call(Method::GET, "/nowhere", t, None).await;
    assert_problem(&answer, StatusCode::NOT_FOUND, None);
}

/// Every route of the API, as (method, OpenAPI path).
const ROUTES: &[(&str, &str)] = &[
    ("get", "/api/v1/identify"),
    ("post", "/api/v1/scan"),
    ("get", "/api/v1/shipments"),
    ("post", "/api/v1/shipments"),
    ("get", "/api/v1/shipments/{id}"),
    ("patch", "/api/v1/shipments/{id}"),
    ("delete", "/api/v1/shipments/{id}"),
    ("post", "/api/v1/shipments/{id}/numbers"),
    ("post", "/api/v1/shipments/{id}/archive"),
    ("delete", "/api/v1/shipments/{id}/archive"),
    ("post", "/api/v1/shipments/{id}/events"),
    ("post", "/api/v1/push/events"),
    ("post", "/api/v1/intake/{source}"),
    ("post", "/api/v1/shipments/{id}/refresh"),
    ("get", "/api/v1/channels"),
    ("post", "/api/v1/channels"),
    ("get", "/api/v1/channels/{id}"),
    ("patch", "/api/v1/channels/{id}"),
    ("delete", "/api/v1/channels/{id}"),
    ("post", "/api/v1/channels/{id}/test"),
];

async fn openapi_lists_every_route(api: &Api) {
    let (status, ctype, doc) = api
        .call(Method::GET, "/api/v1/openapi.json", None, None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ctype.as_deref(), Some("application/json"));
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let mut documented: Vec<(String, String)> = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            if ["get", "post", "patch", "put", "delete"].contains(&method.as_str()) {
                documented.push((method.clone(), path.clone()));
            }
        }
    }
    documented.sort();
    let mut expected: Vec<(String, String)> = ROUTES
        .iter()
        .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    expected.sort();
    assert_eq!(documented, expected);
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    assert!(doc["components"]["schemas"]["Problem"].is_object());
    // Every documented route is served: without a token it answers 401, not 404 or 405.
    for (method, path) in &documented {
        let path = path.replace("{id}", "1").replace("{source}", INTAKE_SOURCE);
        let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let (status, _, body) = api.call(method.clone(), &path, None, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{method} {path}: {body}");
    }
}

/// Pushes `body` to the intake of `source`, signed with `secret` at `timestamp`.
async fn intake(
    api: &Api,
    source: &str,
    secret: &str,
    timestamp: i64,
    body: &Value,
) -> (StatusCode, Value) {
    let body = serde_json::to_vec(body).unwrap();
    let signature =
        posylka_server::api::intake::sign(&SecretString::from(secret.to_owned()), timestamp, &body);
    let resp = api
        .http
        .post(api.url(&format!("/api/v1/intake/{source}")))
        .header("content-type", "application/json")
        .header("x-posylka-timestamp", timestamp.to_string())
        .header("x-posylka-signature", signature)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = resp.status();
    (status, resp.json().await.unwrap())
}

async fn signed_intake_is_idempotent_by_event_id(api: &Api) {
    let token = api.user("anna").await;
    let created = create_one(api, &token, json!({"number": "RA123456785CN"})).await;
    let id = created["id"].as_i64().unwrap();
    let now = Timestamp::now().as_second();
    let batch = json!({"events": [
        {"id": "evt-1", "number": "RA123456785CN", "time": "2024-05-02T10:00:00+08:00",
         "text": "Accepted by carrier"},
        {"id": "evt-2", "number": "ra 123456785 cn", "time": "2024-05-05T01:00:00+08:00",
         "text": "Departed from country of origin"},
        {"id": "evt-3", "number": "RB000000000CN", "time": "2024-05-05T01:00:00+08:00",
         "text": "Departed from country of origin"}
    ]});
    let (status, first) = intake(api, INTAKE_SOURCE, INTAKE_SECRET, now, &batch).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!(
        (
            &first["inserted"],
            &first["repeated_ids"],
            &first["skipped"]
        ),
        (&json!(2), &json!(0), &json!(1)),
        "{first}"
    );
    assert_eq!(first["skipped_numbers"], json!(["RB000000000CN"]));
    // The same delivery again, and an id seen before with changed text: stored once.
    let again = json!({"events": [
        {"id": "evt-1", "number": "RA123456785CN", "time": "2024-05-02T10:00:00+08:00",
         "text": "Accepted by carrier (corrected)"},
        {"id": "evt-4", "number": "RA123456785CN", "time": "2024-05-10T08:00:00+03:00",
         "text": "Прибыло в место международного обмена", "carrier": "russian-post",
         "code": "8.13"}
    ]});
    let (status, second) = intake(api, INTAKE_SOURCE, INTAKE_SECRET, now, &again).await;
    assert_eq!(status, StatusCode::OK, "{second}");
    assert_eq!(
        (&second["inserted"], &second["repeated_ids"]),
        (&json!(1), &json!(1)),
        "{second}"
    );
    let (_, _, shipment) = api
        .call(
            Method::GET,
            &format!("/api/v1/shipments/{id}"),
            Some(&token),
            None,
        )
        .await;
    let timeline = shipment["timeline"].as_array().unwrap();
    assert_eq!(timeline.len(), 3, "{shipment}");
    assert_eq!(
        shipment["status"]["milestone"],
        "arrived_destination_country"
    );

    // Refused: a wrong secret, a stale timestamp, an unknown source, a bad event.
    let (status, body) = intake(api, INTAKE_SOURCE, "wrong", now, &batch).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert!(
        body["detail"].as_str().unwrap().contains("does not match"),
        "{body}"
    );
    let (status, body) = intake(api, INTAKE_SOURCE, INTAKE_SECRET, now - 3600, &batch).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    let (status, body) = intake(api, "nobody", INTAKE_SECRET, now, &batch).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert!(!body.to_string().contains(INTAKE_SECRET));
    let bad = json!({"events": [
        {"id": "", "number": "RA123456785CN", "time": "2024-05-02T10:00:00+08:00", "text": "x"}
    ]});
    let (status, body) = intake(api, INTAKE_SOURCE, INTAKE_SECRET, now, &bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["field"], "events[0].id");
    let bad = json!({"events": [
        {"id": "e", "number": "RA123456785CN", "time": "yesterday", "text": "x"}
    ]});
    let (status, body) = intake(api, INTAKE_SOURCE, INTAKE_SECRET, now, &bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["field"], "events[0].time");

    // The signing headers are documented with the route.
    let (_, _, doc) = api
        .call(Method::GET, "/api/v1/openapi.json", None, None)
        .await;
    let params = &doc["paths"]["/api/v1/intake/{source}"]["post"]["parameters"];
    let names: Vec<&str> = params
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["source", "X-Posylka-Timestamp", "X-Posylka-Signature"],
        "{params}"
    );

    // No source is configured here: a refresh says so.
    let (status, _, body) = api
        .call(
            Method::POST,
            &format!("/api/v1/shipments/{id}/refresh"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
}

macro_rules! engines {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let (api, path) = super::sqlite_api().await;
                    super::$name(&api).await;
                    api.server.stop().await.unwrap();
                    for suffix in ["", "-wal", "-shm"] {
                        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                    }
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some((api, schema)) = super::pg_api().await else { return };
                    super::$name(&api).await;
                    api.server.stop().await.unwrap();
                    super::drop_schema(&schema).await;
                }
            )*
        }
    };
}

engines!(
    auth_is_required,
    create_get_list_archive_delete,
    users_see_only_their_parcels,
    events_intake_is_idempotent,
    bad_input_is_problem_json_naming_the_field,
    openapi_lists_every_route,
    signed_intake_is_idempotent_by_event_id,
);
