//! The customs desk's journey in headless Chromium (Debian's, driven over WebDriver by
//! chromedriver on a free loopback port), with a real SMTP exchange to an in-process
//! receiver, a fake SMS gateway on loopback, and the server on a fresh SQLite file with its
//! vault key file next to it.
//!
//! The operator logs in on `/desk`, pastes a bad manifest (refused by line, nothing stored),
//! uploads a good one as a file, marks a parcel arrived; the SMS and the e-mail come; the
//! browser opens the e-mailed link, submits a bad INN (the error sits next to the INN field),
//! fixes it, gives the consent, types a wrong code then the SMS's code, picks a pick-up point
//! and sees it confirmed; the operator downloads the register (it holds the passport number)
//! while the raw database files do not; with 0 retention days, "Cleared" on the desk leads to
//! the destruction, recorded on the desk page, and the link is dead. Every control of the
//! recipient's form and of the desk is labelled, and the form fits a 390px phone.
//!
//! `tests/customs.rs` covers the same flow over plain HTTP plus the brute-force limits; the
//! SMTP receiver, the SMS gateway and the WebDriver helpers are shared with it and
//! `tests/browser.rs` in `tests/support/`. `POSYLKA_SCREENSHOTS=1`
//! writes `docs/screenshots/customs-*.png`. Without Chromium or chromedriver the test prints
//! SKIPPED and passes, unless `CI=true`: there it fails.
#![allow(clippy::unwrap_used)]

mod support;

use std::path::PathBuf;
use std::time::Duration;

use fantoccini::{Client, Locator};
use jiff::Timestamp;
use posylka_server::{AppState, Server};
use posylka_store::{AnyStore, CustomsStore, SqliteStore};
use serde_json::json;
use support::browser::{
    assert_fits_width, assert_labelled, browser, click, open_browser, screenshot, scroll_to,
    start_driver, text_of, type_into, viewport, wait_for,
};
use support::customs::desk_config;
use support::sms::Gateway;
use support::smtp::{Smtp, mail_body};
use support::{contains, eventually, link_in, raw_database_bytes, six_digits, user_token};
use tokio::net::TcpListener;

const OPERATOR: &str = "desk-operator";
const PASSWORD: &str = "customs desk password 7";
const IVAN: &str = "RB123456785GB";
const IVAN_PHONE: &str = "+79123456789";
const PASSPORT_NUMBER: &str = "739151";
const GOOD_INN: &str = "500100732259";
const BAD_INN: &str = "500100732258";
const POINT: &str = "Tverskaya 7";

const MANIFEST: &str = "tracking_number,recipient_name,phone,email,declared_value,currency,weight_kg,item_description,item_quantity,item_value\n\
RB123456785GB,Иван Петров,8 912 345-67-89,ivan@mail.ru,250.00,EUR,1.250,Phone case,2,10.00\n\
RA123456785CN,Анна Смирнова,+79161234567,anna@example.ru,30.00,EUR,0.3,Socks,3,\n";

const BAD_MANIFEST: &str = "tracking_number,recipient_name,phone,email,declared_value,currency,weight_kg,item_description\n\
RB123456785GB,Ivan,8 912 345-67-89,ivan@mail.ru,250.00,EUR,1.2,Case\n\
RA123456785CN,Anna,12345,anna@,12.345,EURO,0,\n";

// ---------------------------------------------------------------------------------------------
// The site: the server with the desk configured, an operator with a password (for the pages)
// and an API token (to run the scheduler's round at once).

struct Site {
    server: Server,
    base: String,
    dir: PathBuf,
    operator_token: String,
}

impl Site {
    async fn start(sms_url: &str, smtp_port: u16) -> Self {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let dir = std::env::temp_dir().join(format!(
            "posylka-customs-browser-{}-{}",
            std::process::id(),
            Timestamp::now().as_nanosecond()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let config = desk_config(&dir, &format!("http://{addr}"), sms_url, smtp_port);
        let db = dir.join("posylka.db").display().to_string();
        let store = AnyStore::Sqlite(SqliteStore::open(&db).await.unwrap());
        let (operator, operator_token) = user_token(&store, OPERATOR, Some(PASSWORD)).await;
        store
            .set_operator(operator, true, Timestamp::now())
            .await
            .unwrap();
        let server = Server::serve_on(listener, AppState::without_findings(store, config)).unwrap();
        Self {
            server,
            base: format!("http://{addr}"),
            dir,
            operator_token,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The operator's API, for what the pages have no button for (running a round now).
    async fn api(&self, method: reqwest::Method, path: &str) -> reqwest::Response {
        reqwest::Client::new()
            .request(method, self.url(path))
            .bearer_auth(&self.operator_token)
            .send()
            .await
            .unwrap()
    }
}

// ---------------------------------------------------------------------------------------------
// The desk's page (the generic WebDriver helpers are in `support::browser`).

/// The desk's row of a parcel, by tracking number: its state cell's text.
async fn desk_state(client: &Client, number: &str) -> String {
    client
        .find(Locator::XPath(&format!(
            "//tr[td[@class='number' and normalize-space()='{number}']]/td[@class='state']"
        )))
        .await
        .unwrap_or_else(|e| panic!("no desk row for {number}: {e}"))
        .text()
        .await
        .unwrap()
}

async fn desk_button(client: &Client, number: &str, action: &str) {
    client
        .find(Locator::XPath(&format!(
            "//tr[td[@class='number' and normalize-space()='{number}']]\
             //form[contains(@action, '/{action}')]//button"
        )))
        .await
        .unwrap_or_else(|e| panic!("no {action} button for {number}: {e}"))
        .click()
        .await
        .unwrap();
}

/// Opens `/desk`, which sends to the login page and back.
async fn operator_login(client: &Client, site: &Site) {
    client.goto(&site.url("/desk")).await.unwrap();
    wait_for(client, "#password").await;
    type_into(client, "#name", OPERATOR).await;
    type_into(client, "#password", PASSWORD).await;
    click(client, "form[action='/login'] button[type=submit]").await;
    wait_for(client, "#import-form").await;
    assert_eq!(client.current_url().await.unwrap().path(), "/desk");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_desk_journey_in_chromium() {
    let Some((chromium, driver_path)) = browser("customs browser test") else {
        return;
    };
    let (gateway, sms_url) = Gateway::start().await;
    let (smtp, smtp_port) = Smtp::start().await;
    let site = Site::start(&sms_url, smtp_port).await;
    let downloads = site.dir.join("downloads");
    std::fs::create_dir_all(&downloads).unwrap();
    let driver = start_driver(&driver_path).await;
    let client = open_browser(&driver, &chromium, Some(&downloads)).await;
    viewport(&client, 1280, 900).await;

    // The operator: the desk asks for a login first, then comes back to it.
    operator_login(&client, &site).await;
    assert_labelled(&client, "the desk").await;

    // A bad manifest pasted: every error by line, nothing imported.
    type_into(&client, "#f-text", BAD_MANIFEST).await;
    click(&client, "#import-form button[type=submit]").await;
    wait_for(&client, "#errors").await;
    let errors = text_of(&client, "#errors").await;
    assert!(errors.contains("Nothing was imported."), "{errors}");
    assert!(errors.contains("line 3"), "{errors}");
    assert!(!errors.contains("line 2"), "{errors}");
    assert!(
        client
            .find_all(Locator::Css("table.parcels"))
            .await
            .unwrap()
            .is_empty(),
        "no batch after a refused manifest"
    );

    // The good one, uploaded as a file (chromedriver hands the local path to the input).
    let manifest_file = site.dir.join("march.csv");
    std::fs::write(&manifest_file, MANIFEST).unwrap();
    type_into(&client, "#f-name", "march").await;
    client
        .find(Locator::Css("#f-file"))
        .await
        .unwrap()
        .send_keys(&manifest_file.display().to_string())
        .await
        .unwrap();
    click(&client, "#import-form button[type=submit]").await;
    wait_for(&client, "#notice").await;
    let notice = text_of(&client, "#notice").await;
    assert!(notice.contains("with 2 parcels"), "{notice}");
    assert_eq!(desk_state(&client, IVAN).await, "imported");
    let batch: i64 = client
        .find(Locator::Css("input[id^='reason-']"))
        .await
        .unwrap()
        .attr("id")
        .await
        .unwrap()
        .and_then(|id| id.strip_prefix("reason-")?.parse().ok())
        .expect("the batch's id in its register form");

    // Ivan's parcel reaches customs: the SMS (no link, the domain to check) and the e-mail.
    desk_button(&client, IVAN, "arrived").await;
    wait_for(&client, "#import-form").await;
    let sms = eventually("the arrival SMS", || gateway.texts_to(IVAN_PHONE).pop()).await;
    assert!(sms.contains("127.0.0.1"), "the SMS names the domain: {sms}");
    assert!(!sms.contains("/c/"), "the SMS carries no link: {sms}");
    let mail = eventually("the e-mail", || smtp.mail_to("ivan@mail.ru")).await;
    let body = mail_body(&mail);
    assert!(body.contains("/refuse"), "the e-mail offers the refusal");
    let link = link_in(&body, &site.base);
    client.refresh().await.unwrap();
    assert_ne!(desk_state(&client, IVAN).await, "imported");
    screenshot(&client, "customs-desk-desktop").await;
    viewport(&client, 390, 844).await;
    assert_fits_width(&client, "the desk").await;
    viewport(&client, 1280, 900).await;

    // The recipient (no session of the operator's: cookies gone) opens the e-mailed link:
    // their parcel, why, the domain to check.
    client.delete_all_cookies().await.unwrap();
    client.goto(&link).await.unwrap();
    wait_for(&client, "#identity-form").await;
    assert_eq!(text_of(&client, "#tracking").await, IVAN);
    assert!(text_of(&client, "#domain").await.contains("127.0.0.1"));
    assert!(text_of(&client, "main").await.contains("customs clearance"));
    assert_labelled(&client, "the recipient's form").await;
    screenshot(&client, "customs-recipient-desktop").await;
    viewport(&client, 390, 844).await;
    assert_fits_width(&client, "the recipient's form").await;
    screenshot(&client, "customs-recipient-phone").await;
    viewport(&client, 1280, 900).await;

    // A bad INN: a clear error next to the INN field, the other fields kept.
    for (field, value) in [
        ("surname", "Петров"),
        ("given_name", "Иван"),
        ("patronymic", "Сергеевич"),
        ("series", "46 03"),
        ("number", PASSPORT_NUMBER),
        ("issued_on", "15.06.2005"),
        ("inn", BAD_INN),
    ] {
        type_into(&client, &format!("#f-{field}"), value).await;
    }
    click(&client, "#f-consent").await;
    click(&client, "#submit").await;
    wait_for(&client, "#e-inn").await;
    let inn_error = text_of(&client, "#e-inn").await;
    assert!(
        inn_error.contains("check digit does not match"),
        "{inn_error}"
    );
    let next_to = client
        .execute(
            "const e = document.getElementById('e-inn'), f = document.getElementById('f-inn');
             return [e.parentElement === f.parentElement,
                     f.getAttribute('aria-describedby'), f.getAttribute('aria-invalid'),
                     document.querySelectorAll('.field-error').length,
                     getComputedStyle(e).color !== getComputedStyle(document.body).color];",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        next_to,
        json!([true, "e-inn", "true", 1, true]),
        "the one error sits by the INN field, describes it, and stands out"
    );
    let kept = client
        .find(Locator::Css("#f-surname"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(
        kept.as_deref(),
        Some("Петров"),
        "the form keeps what was typed"
    );
    assert_labelled(&client, "the form with an error").await;
    scroll_to(&client, "#identity-form").await;
    screenshot(&client, "customs-recipient-error-desktop").await;

    // Fixed, with the consent (kept, or ticked again): a code goes to the phone on file.
    type_into(&client, "#f-inn", GOOD_INN).await;
    let consent = client.find(Locator::Css("#f-consent")).await.unwrap();
    if !consent.is_selected().await.unwrap() {
        consent.click().await.unwrap();
    }
    click(&client, "#submit").await;
    wait_for(&client, "#code-form").await;
    assert_labelled(&client, "the code form").await;
    let code = eventually("the code SMS", || {
        gateway
            .texts_to(IVAN_PHONE)
            .iter()
            .find_map(|t| six_digits(t))
    })
    .await;

    // A wrong code, then the right one.
    let wrong = if code == "000000" { "111111" } else { "000000" };
    type_into(&client, "#f-code", wrong).await;
    click(&client, "#confirm").await;
    wait_for(&client, "#error").await;
    let error = text_of(&client, "#error").await;
    assert!(error.contains("Tries left: 4"), "{error}");
    type_into(&client, "#f-code", &code).await;
    click(&client, "#confirm").await;
    wait_for(&client, "#delivery-form").await;
    assert_labelled(&client, "the delivery choice").await;

    // A pick-up point, confirmed on the page.
    client
        .find(Locator::XPath(&format!(
            "//input[@name='choice' and starts-with(@value, 'pickup|') and contains(@value, '{POINT}')]"
        )))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    click(&client, "#choose").await;
    wait_for(&client, "#delivery").await;
    let chosen = text_of(&client, "#delivery").await;
    assert!(chosen.contains(POINT), "{chosen}");
    screenshot(&client, "customs-recipient-done-desktop").await;
    viewport(&client, 390, 844).await;
    assert_fits_width(&client, "the delivery choice").await;
    viewport(&client, 1280, 900).await;

    // The operator, logged in again, downloads the register: it holds the passport number
    // and the INN.
    client.delete_all_cookies().await.unwrap();
    operator_login(&client, &site).await;
    let delivery = text_of(&client, "tr:has(td.number) td:nth-child(4)").await;
    assert!(
        delivery.contains(POINT),
        "the desk shows the choice: {delivery}"
    );
    type_into(&client, "input[id^='reason-']", "FCS register, March batch").await;
    click(&client, "form[action$='/register'] button[type=submit]").await;
    let register = eventually("the downloaded register", || {
        std::fs::read_dir(&downloads)
            .unwrap()
            .filter_map(Result::ok)
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|x| x == "csv"))
            .and_then(|p| std::fs::read_to_string(p).ok())
    })
    .await;
    assert!(register.contains(PASSPORT_NUMBER), "{register}");
    assert!(register.contains(GOOD_INN));
    assert!(register.contains(IVAN));
    client.refresh().await.unwrap();
    let audit = text_of(&client, "#audit").await;
    assert!(
        audit.contains("read_identity") && audit.contains("FCS register, March batch"),
        "the read is audited with its reason: {audit}"
    );

    // The raw database files never hold the passport number (or the INN) in clear.
    let raw = raw_database_bytes(&site.dir);
    assert!(!raw.is_empty());
    for secret in [PASSPORT_NUMBER, GOOD_INN, "Петров"] {
        assert!(!contains(&raw, secret), "{secret} in the database file");
    }

    // Cleared: with 0 retention days the next round destroys the data, with a record.
    desk_button(&client, IVAN, "cleared").await;
    wait_for(&client, "#import-form").await;
    let r = site.api(reqwest::Method::POST, "/api/v1/customs/run").await;
    assert!(r.status().is_success(), "{}", r.status());
    let mut records = String::new();
    for _ in 0..100 {
        client.refresh().await.unwrap();
        records = text_of(&client, "#destructions").await;
        if records.contains("identity") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        records.contains("identity") && records.contains("cleared"),
        "the destruction is recorded: {records}"
    );
    assert!(!records.contains(PASSPORT_NUMBER) && !records.contains("Петров"));
    assert_eq!(desk_state(&client, IVAN).await, "destroyed");
    scroll_to(&client, "#destr-h").await;
    screenshot(&client, "customs-desk-destroyed-desktop").await;

    // The data are gone: the register has nothing left, the link is dead.
    let csv = site
        .api(
            reqwest::Method::GET,
            &format!("/api/v1/customs/batches/{batch}/register?reason=after%20destruction"),
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(!csv.contains(PASSPORT_NUMBER), "{csv}");
    let parcel = site
        .server
        .state()
        .store()
        .customs_parcels(posylka_core::store::customs::BatchId(batch))
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.tracking_number.as_str() == IVAN)
        .unwrap();
    assert!(parcel.identity.is_none(), "the sealed identity is deleted");
    client.goto(&link).await.unwrap();
    assert!(
        client
            .find_all(Locator::Css("#identity-form, #delivery-form"))
            .await
            .unwrap()
            .is_empty(),
        "the link no longer opens the parcel"
    );

    client.close().await.unwrap();
    drop(driver);
    let dir = site.dir.clone();
    site.server.stop().await.unwrap();
    assert!(!contains(&raw_database_bytes(&dir), PASSPORT_NUMBER));
    let _ = std::fs::remove_dir_all(dir);
}
