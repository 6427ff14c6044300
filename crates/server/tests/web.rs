//! The web page over a real socket, without a browser: login, cookies and their flags, CSRF,
//! one user never reaching another's parcel, logout and expiry, headers; and the session
//! store on both engines (PostgreSQL from `POSYLKA_TEST_POSTGRES_URL`; without it the
//! PostgreSQL part prints SKIPPED and passes, unless `CI=true`).
#![allow(clippy::unwrap_used)]

mod support;

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use jiff::{SignedDuration, Timestamp};
use posylka_core::account::{NewUser, UserId, UserName};
use posylka_core::shipment::{Leg, NewShipment, TrackingNumber};
use posylka_server::auth::{hash_password, hash_token};
use posylka_server::config::Config;
use posylka_server::{AppState, Server};
use posylka_store::{AnyStore, NewSession, PgStore, SessionStore, SqliteStore, Store};
use reqwest::StatusCode;
use reqwest::header::{self, HeaderMap};
use secrecy::SecretString;
use support::db::{drop_schema, postgres_url, unique_schema};
use support::http::{cookie, form_body, hidden};
use support::s10;

static COUNTER: AtomicUsize = AtomicUsize::new(0);

const PASSWORD: &str = "correct horse battery staple";

struct Site {
    server: Server,
    store: AnyStore,
    base: String,
    http: reqwest::Client,
    dir: PathBuf,
}

impl Site {
    async fn start(config: Config) -> Self {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let dir = std::env::temp_dir().join(format!(
            "posylka-web-{}-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed),
            Timestamp::now().as_nanosecond()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let store = AnyStore::Sqlite(SqliteStore::open(dir.join("posylka.db")).await.unwrap());
        for name in ["anna", "boris"] {
            store
                .create_user(&NewUser {
                    name: UserName::parse(name).unwrap(),
                    password_hash: Some(hash_password(&SecretString::from(PASSWORD)).unwrap()),
                    created_at: Timestamp::now(),
                })
                .await
                .unwrap();
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let server = Server::serve_on(listener, AppState::new(store.clone(), config)).unwrap();
        let base = format!("http://{}", server.local_addr());
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Self {
            server,
            store,
            base,
            http,
            dir,
        }
    }

    async fn stop(self) {
        self.server.stop().await.unwrap();
        let _ = std::fs::remove_dir_all(&self.dir);
    }

    async fn get(&self, path: &str, cookies: &str) -> (StatusCode, HeaderMap, String) {
        let resp = self
            .http
            .get(format!("{}{path}", self.base))
            .header(header::COOKIE, cookies)
            .send()
            .await
            .unwrap();
        let (status, headers) = (resp.status(), resp.headers().clone());
        (status, headers, resp.text().await.unwrap())
    }

    async fn post(
        &self,
        path: &str,
        cookies: &str,
        fields: &[(&str, &str)],
        extra: &[(&str, &str)],
    ) -> (StatusCode, HeaderMap, String) {
        let mut req = self
            .http
            .post(format!("{}{path}", self.base))
            .header(header::COOKIE, cookies)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(form_body(fields));
        for (k, v) in extra {
            req = req.header(*k, *v);
        }
        let resp = req.send().await.unwrap();
        let (status, headers) = (resp.status(), resp.headers().clone());
        (status, headers, resp.text().await.unwrap())
    }

    /// Logs `name` in; returns the session cookie's value and the page's CSRF token.
    async fn login(&self, name: &str) -> (String, String) {
        let (_, headers, body) = self.get("/login", "").await;
        let login_cookie = cookie(&headers, "posylka_login").unwrap();
        let token = hidden(&body, "csrf");
        let (status, headers, _) = self
            .post(
                "/login",
                &format!("posylka_login={}", login_cookie.value),
                &[
                    ("csrf", &token),
                    ("name", name),
                    ("password", PASSWORD),
                    ("tz", "UTC"),
                ],
                &[],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let session = cookie(&headers, "posylka_session").unwrap().value;
        let (_, _, page) = self.get("/", &format!("posylka_session={session}")).await;
        (session, hidden(&page, "csrf"))
    }

    async fn user_id(&self, name: &str) -> UserId {
        self.store
            .user_by_name(&UserName::parse(name).unwrap())
            .await
            .unwrap()
            .unwrap()
            .user
            .id
    }
}

/// Form fields or extra headers.
type Fields<'a> = &'a [(&'a str, &'a str)];

fn location(headers: &HeaderMap) -> &str {
    headers
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

#[tokio::test]
async fn login_cookies_are_flagged_and_the_session_is_kept_server_side() {
    let site = Site::start(Config::default()).await;
    let (status, headers, body) = site.get("/login", "").await;
    assert_eq!(status, StatusCode::OK);
    let login = cookie(&headers, "posylka_login").unwrap();
    assert_eq!(
        hidden(&body, "csrf"),
        login.value,
        "double submit: form and cookie agree"
    );
    assert!(
        login.attributes.contains("HttpOnly"),
        "{}",
        login.attributes
    );
    assert!(
        login.attributes.contains("SameSite=Lax"),
        "{}",
        login.attributes
    );
    assert!(
        !login.attributes.contains("Secure"),
        "plain http: {}",
        login.attributes
    );
    let login_cookie = format!("posylka_login={}", login.value);

    // Without the form's token, or with another, nothing is checked.
    let (status, headers, _) = site
        .post(
            "/login",
            &login_cookie,
            &[("csrf", "forged"), ("name", "anna"), ("password", PASSWORD)],
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(cookie(&headers, "posylka_session").is_none());
    // A wrong password and an unknown user get the same answer.
    for (name, password) in [("anna", "wrong"), ("nobody", PASSWORD)] {
        let (status, headers, body) = site
            .post(
                "/login",
                &login_cookie,
                &[
                    ("csrf", &login.value),
                    ("name", name),
                    ("password", password),
                ],
                &[],
            )
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{name}");
        assert!(
            body.contains("The user name or the password is wrong."),
            "{body}"
        );
        assert!(cookie(&headers, "posylka_session").is_none());
    }
    // The right password starts a session and goes back where the visitor was going.
    let (status, headers, _) = site
        .post(
            "/login",
            &login_cookie,
            &[
                ("csrf", &login.value),
                ("name", "Anna"),
                ("password", PASSWORD),
                ("tz", "Europe/Moscow"),
                ("next", "/add"),
            ],
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location(&headers), "/add");
    let session = cookie(&headers, "posylka_session").unwrap();
    assert!(
        session.attributes.contains("HttpOnly"),
        "{}",
        session.attributes
    );
    assert!(
        session.attributes.contains("SameSite=Lax"),
        "{}",
        session.attributes
    );
    assert_eq!(session.value.len(), 43, "32 random bytes");
    // The store holds the session under the secret's hash, with the browser's zone.
    let stored = site
        .store
        .session(&hash_token(&session.value), Timestamp::now())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.user.name.as_str(), "anna");
    assert!(stored.expires_at > Timestamp::now() + SignedDuration::from_hours(24 * 29));
    assert_eq!(stored.time_zone.as_deref(), Some("Europe/Moscow"));
    // ... and never the secret itself.
    let mut on_disk = Vec::new();
    for file in ["posylka.db", "posylka.db-wal"] {
        if let Ok(bytes) = std::fs::read(site.dir.join(file)) {
            on_disk.extend(bytes);
        }
    }
    assert!(!on_disk.is_empty());
    assert!(
        !on_disk
            .windows(session.value.len())
            .any(|w| w == session.value.as_bytes()),
        "the session secret is stored in clear"
    );
    // A bad `next` never leads off the site.
    let (_, headers, _) = site
        .post(
            "/login",
            &login_cookie,
            &[
                ("csrf", &login.value),
                ("name", "anna"),
                ("password", PASSWORD),
                ("next", "//evil.example/"),
            ],
            &[],
        )
        .await;
    assert_eq!(location(&headers), "/");
    site.stop().await;
}

#[tokio::test]
async fn cookies_are_secure_over_https() {
    let site = Site::start(Config {
        secure_cookies: true,
        ..Config::default()
    })
    .await;
    let (_, headers, _) = site.get("/login", "").await;
    let login = cookie(&headers, "posylka_login").unwrap();
    assert!(login.attributes.contains("Secure"), "{}", login.attributes);
    site.stop().await;
    // Behind a TLS proxy that says so, without the setting.
    let site = Site::start(Config::default()).await;
    let resp = site
        .http
        .get(format!("{}/lang/ru?back=/login", site.base))
        .header("x-forwarded-proto", "https")
        .send()
        .await
        .unwrap();
    let lang = cookie(resp.headers(), "posylka_lang").unwrap();
    assert_eq!(lang.value, "ru");
    assert!(lang.attributes.contains("Secure"), "{}", lang.attributes);
    site.stop().await;
}

#[tokio::test]
async fn every_post_needs_the_sessions_csrf_token() {
    let site = Site::start(Config::default()).await;
    let (anna, token) = site.login("anna").await;
    let (_, boris_token) = site.login("boris").await;
    let cookies = format!("posylka_session={anna}");
    let number = ("number", "RA123456785CN");
    let attempts: [(Fields<'_>, Fields<'_>); 4] = [
        (&[number], &[]),
        (&[("csrf", "forged"), number], &[]),
        // Another session's token is not this one's.
        (&[("csrf", &boris_token), number], &[]),
        // The right token from another site's page.
        (
            &[("csrf", &token), number],
            &[("origin", "https://evil.example")],
        ),
    ];
    for (fields, extra) in attempts {
        let (status, _, body) = site.post("/add/confirm", &cookies, fields, extra).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{fields:?} {extra:?}");
        assert!(body.contains("This form has expired"), "{body}");
    }
    assert!(
        site.store
            .owned_shipments(site.user_id("anna").await, &Default::default())
            .await
            .unwrap()
            .is_empty(),
        "nothing was created"
    );
    let origin = site.base.clone();
    let (status, headers, _) = site
        .post(
            "/add/confirm",
            &cookies,
            &[("csrf", &token), number],
            &[("origin", &origin)],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location(&headers), "/?added=1");
    // Logging out is a POST too.
    let (status, _, _) = site.post("/logout", &cookies, &[], &[]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = site.get("/", &cookies).await;
    assert_eq!(status, StatusCode::OK, "still signed in");
    site.stop().await;
}

#[tokio::test]
async fn one_user_never_reaches_anothers_parcel() {
    let site = Site::start(Config::default()).await;
    let boris = site.user_id("boris").await;
    let id = site
        .store
        .create_shipment(
            &NewShipment::new(
                vec![(
                    TrackingNumber::parse("RB876543216CN").unwrap(),
                    Leg::Through,
                )],
                Timestamp::now(),
            )
            .unwrap()
            .with_owner(boris),
        )
        .await
        .unwrap();
    let (anna, token) = site.login("anna").await;
    let cookies = format!("posylka_session={anna}");
    let (status, _, list) = site.get("/", &cookies).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!list.contains("RB876543216CN"));
    for path in [
        format!("/parcels/{}", id.get()),
        "/parcels/999".into(),
        "/parcels/x".into(),
    ] {
        let (status, _, body) = site.get(&path, &cookies).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert!(!body.contains("RB876543216CN"));
    }
    let (status, _, _) = site
        .post(
            &format!("/parcels/{}/archive", id.get()),
            &cookies,
            &[("csrf", &token)],
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        site.store
            .shipment_access(id)
            .await
            .unwrap()
            .unwrap()
            .archived_at,
        None
    );
    // Anna pasting Boris's number is told it is followed elsewhere, and gets nothing of his.
    let (status, _, body) = site
        .post(
            "/add/confirm",
            &cookies,
            &[("csrf", &token), ("number", "RB876543216CN")],
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        body.contains("already followed in another account"),
        "{body}"
    );
    assert!(!body.contains(&format!("/parcels/{}", id.get())), "{body}");
    // Boris sees his own.
    let (boris_session, _) = site.login("boris").await;
    let (status, _, page) = site
        .get(
            &format!("/parcels/{}", id.get()),
            &format!("posylka_session={boris_session}"),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("RB876543216CN"));
    site.stop().await;
}

#[tokio::test]
async fn logout_and_expiry_end_sessions() {
    let site = Site::start(Config::default()).await;
    let (anna, token) = site.login("anna").await;
    let cookies = format!("posylka_session={anna}");
    let (status, headers, _) = site
        .post("/logout", &cookies, &[("csrf", &token)], &[])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let cleared = cookie(&headers, "posylka_session").unwrap();
    assert!(cleared.value.is_empty() && cleared.attributes.contains("Max-Age=0"));
    // The old cookie no longer opens anything, even if the browser kept it.
    let (status, headers, _) = site.get("/parcels/1", &cookies).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location(&headers), "/login?next=/parcels/1");
    assert!(
        site.store
            .session(&hash_token(&anna), Timestamp::now())
            .await
            .unwrap()
            .is_none()
    );

    // An expired session is refused and swept at the next login.
    let secret = "an-expired-session-secret-of-some-length-00";
    let now = Timestamp::now();
    site.store
        .create_session(&NewSession {
            hash: hash_token(secret),
            user: site.user_id("anna").await,
            created_at: now - SignedDuration::from_hours(48),
            expires_at: now - SignedDuration::from_hours(1),
            time_zone: None,
        })
        .await
        .unwrap();
    let (status, _, _) = site.get("/", &format!("posylka_session={secret}")).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(site.store.delete_expired_sessions(now).await.unwrap(), 1);
    site.stop().await;
}

#[tokio::test]
async fn pages_speak_the_visitors_language_and_carry_safe_headers() {
    let site = Site::start(Config::default()).await;
    let resp = site
        .http
        .get(format!("{}/login", site.base))
        .header(header::ACCEPT_LANGUAGE, "ru-RU,ru;q=0.9,en;q=0.8")
        .send()
        .await
        .unwrap();
    let headers = resp.headers().clone();
    let body = resp.text().await.unwrap();
    assert!(
        body.contains("<html lang=\"ru\">") && body.contains("Вход"),
        "{body}"
    );
    let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(
        csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert_eq!(headers[header::CACHE_CONTROL], "no-store");
    // The switcher keeps the choice and never redirects off the site.
    let (status, headers, _) = site.get("/lang/en?back=//evil.example/", "").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location(&headers), "/");
    assert_eq!(cookie(&headers, "posylka_lang").unwrap().value, "en");
    let (status, _, _) = site.get("/lang/xx?back=/", "").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // The assets are the binary's own.
    let (status, headers, css) = site.get("/assets/posylka.css", "").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
    assert!(css.contains(":focus-visible"));
    let (status, _, _) = site.get("/assets/../Cargo.toml", "").await;
    assert_ne!(status, StatusCode::OK);
    site.stop().await;
}

#[tokio::test]
async fn the_list_pages_and_filters() {
    let site = Site::start(Config::default()).await;
    let anna = site.user_id("anna").await;
    let now = Timestamp::now();
    for i in 0..105 {
        let number = s10("RA", 20_000_000 + i * 13);
        let id = site
            .store
            .create_shipment(
                &NewShipment::new(
                    vec![(TrackingNumber::parse(&number).unwrap(), Leg::Through)],
                    now,
                )
                .unwrap()
                .with_owner(anna),
            )
            .await
            .unwrap();
        if i < 3 {
            site.store.set_archived(id, Some(now)).await.unwrap();
        }
    }
    let (session, _) = site.login("anna").await;
    let cookies = format!("posylka_session={session}");
    let rows = |html: &str| html.matches("<li class=\"parcel").count();
    let (_, _, first) = site.get("/", &cookies).await;
    assert!(first.contains("102 parcels"), "three are archived");
    assert_eq!(rows(&first), 100);
    assert!(first.contains("href=\"/?page=2\""), "a link to the rest");
    assert!(first.contains("Page 1 of 2"));
    let (_, _, second) = site.get("/?page=2", &cookies).await;
    assert_eq!(rows(&second), 2);
    assert!(second.contains("href=\"/?page=1\""));
    // Filters: the archive, and a stage none of them is at; pages keep the filters.
    let (_, _, archived) = site.get("/?show=archived", &cookies).await;
    assert_eq!(rows(&archived), 3);
    let (_, _, all) = site.get("/?show=all", &cookies).await;
    assert!(
        all.contains("105 parcels") && all.contains("href=\"/?show=all&#38;page=2\""),
        "{all}"
    );
    let (_, _, delivered) = site.get("/?stage=delivered", &cookies).await;
    assert_eq!(rows(&delivered), 0);
    assert!(delivered.contains("No parcels match these filters."));
    let (_, _, waiting) = site.get("/?stage=waiting&page=9", &cookies).await;
    assert_eq!(rows(&waiting), 2, "a page past the end shows the last one");
    site.stop().await;
}

#[tokio::test]
async fn writing_to_the_seller_and_archiving_from_the_parcel_page() {
    use posylka_core::event_time::EventTime;
    use posylka_core::milestone::Milestone;
    use posylka_core::order::Order;
    use posylka_core::timeline::{EventRecord, SourceName};

    let site = Site::start(Config::default()).await;
    let anna = site.user_id("anna").await;
    let number = TrackingNumber::parse("RA123456785CN").unwrap();
    let id = site
        .store
        .create_shipment(
            &NewShipment::new(vec![(number.clone(), Leg::Through)], Timestamp::now())
                .unwrap()
                .with_owner(anna)
                .with_order(Order::new("aliexpress", "8123456789012345").unwrap()),
        )
        .await
        .unwrap();
    // Accepted 16 days ago and nothing since: the number does not move; write to the seller.
    site.store
        .ingest(&[EventRecord {
            number,
            at: EventTime::utc(Timestamp::now() - SignedDuration::from_hours(24 * 16)),
            source: SourceName::new("test").unwrap(),
            text: "Accepted".into(),
            code: None,
            location: None,
            country: None,
            milestone: Milestone::PickedUp,
            side: None,
            reason: None,
        }])
        .await
        .unwrap();
    let (session, token) = site.login("anna").await;
    let cookies = format!("posylka_session={session}");
    let path = format!("/parcels/{}", id.get());
    let (_, _, before) = site.get(&path, &cookies).await;
    assert!(
        before.contains("Hello! The track number RA123456785CN"),
        "a draft to the seller"
    );
    assert!(before.contains("I wrote to the seller today"));

    let (status, headers, _) = site
        .post(
            &format!("{path}/contacted"),
            &cookies,
            &[("csrf", &token)],
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location(&headers), path);
    let order = site
        .store
        .shipment(id)
        .await
        .unwrap()
        .unwrap()
        .order
        .unwrap();
    assert!(order.seller_contacted_at.is_some());
    let (_, _, after) = site.get(&path, &cookies).await;
    assert!(
        !after.contains("Hello! The track number"),
        "no second letter to the seller"
    );
    assert!(!after.contains("I wrote to the seller today"));
    assert!(
        after.contains("You wrote to the seller on"),
        "the advice moves on"
    );

    let (status, _, _) = site
        .post(
            &format!("{path}/archive"),
            &cookies,
            &[("csrf", &token), ("archive", "1")],
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, _, list) = site.get("/", &cookies).await;
    assert!(
        !list.contains("RA123456785CN"),
        "archived parcels leave the list"
    );
    let (_, _, archived) = site.get("/?show=archived", &cookies).await;
    assert!(archived.contains("RA123456785CN"));
    site.post(
        &format!("{path}/archive"),
        &cookies,
        &[("csrf", &token), ("archive", "0")],
        &[],
    )
    .await;
    let (_, _, list) = site.get("/", &cookies).await;
    assert!(list.contains("RA123456785CN"), "and come back");
    site.stop().await;
}

/// The session store's contract, run on one engine.
async fn session_contract(store: &AnyStore) {
    let user = store
        .create_user(&NewUser {
            name: UserName::parse("vera").unwrap(),
            password_hash: None,
            created_at: Timestamp::now(),
        })
        .await
        .unwrap();
    let now = Timestamp::now();
    let live = hash_token("live-secret");
    let old = hash_token("old-secret");
    let session = |hash, expires_at| NewSession {
        hash,
        user,
        created_at: now,
        expires_at,
        time_zone: Some("Asia/Almaty".into()),
    };
    store
        .create_session(&session(live, now + SignedDuration::from_hours(1)))
        .await
        .unwrap();
    store
        .create_session(&session(old, now - SignedDuration::from_secs(1)))
        .await
        .unwrap();
    let found = store.session(&live, now).await.unwrap().unwrap();
    assert_eq!(found.user.id, user);
    assert_eq!(found.time_zone.as_deref(), Some("Asia/Almaty"));
    assert!(store.session(&old, now).await.unwrap().is_none(), "expired");
    assert!(
        store
            .session(&hash_token("unknown"), now)
            .await
            .unwrap()
            .is_none()
    );
    // An unknown user gets no session.
    let mut orphan = session(hash_token("orphan"), now + SignedDuration::from_hours(1));
    orphan.user = UserId::new(user.get() + 1000).unwrap();
    assert!(matches!(
        store.create_session(&orphan).await,
        Err(posylka_store::StoreError::UserNotFound(_))
    ));
    assert_eq!(store.delete_expired_sessions(now).await.unwrap(), 1);
    assert!(store.delete_session(&live).await.unwrap());
    assert!(!store.delete_session(&live).await.unwrap());
    assert!(store.session(&live, now).await.unwrap().is_none());
}

#[tokio::test]
async fn sessions_are_stored_alike_on_both_engines() {
    let dir = std::env::temp_dir().join(format!(
        "posylka-web-sessions-{}-{}",
        std::process::id(),
        Timestamp::now().as_nanosecond()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let sqlite = AnyStore::Sqlite(SqliteStore::open(dir.join("s.db")).await.unwrap());
    session_contract(&sqlite).await;
    sqlite.close().await;
    let _ = std::fs::remove_dir_all(&dir);

    let Some(url) = postgres_url("PostgreSQL sessions") else {
        return;
    };
    let schema = unique_schema("posylka_web");
    let pg = AnyStore::Postgres(PgStore::connect_in_schema(&url, &schema).await.unwrap());
    session_contract(&pg).await;
    pg.close().await;
    drop_schema(&url, &schema).await;
}
