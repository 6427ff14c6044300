//! Headless Chromium driven over WebDriver (chromedriver on a free loopback port), and the
//! page checks the browser tests share. `POSYLKA_CHROMIUM` and `POSYLKA_CHROMEDRIVER`
//! override `/usr/bin/chromium` and `/usr/bin/chromedriver`.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

use super::in_ci;

fn program(var: &str, default: &str) -> PathBuf {
    std::env::var_os(var).map_or_else(|| PathBuf::from(default), PathBuf::from)
}

/// Chromium and chromedriver, or `None` (after saying why `test` is skipped) when absent
/// outside CI; with `CI=true` their absence fails the test.
pub fn browser(test: &str) -> Option<(PathBuf, PathBuf)> {
    let chromium = program("POSYLKA_CHROMIUM", "/usr/bin/chromium");
    let driver = program("POSYLKA_CHROMEDRIVER", "/usr/bin/chromedriver");
    let missing: Vec<String> = [&chromium, &driver]
        .iter()
        .filter(|p| !p.is_file())
        .map(|p| p.display().to_string())
        .collect();
    if missing.is_empty() {
        return Some((chromium, driver));
    }
    let why = format!(
        "{} not found (apt-get install chromium chromium-driver)",
        missing.join(" and ")
    );
    assert!(!in_ci(), "CI=true: the browser test must run, but {why}");
    // Written past the test harness's capture, so that a skip is seen.
    let _ = std::io::Write::write_all(
        &mut std::io::stderr(),
        format!("SKIPPED: {test}: {why}\n").as_bytes(),
    );
    None
}

/// chromedriver, stopped when dropped.
pub struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub async fn start_driver(driver: &Path) -> Driver {
    let port = free_port();
    let child = Command::new(driver)
        .arg(format!("--port={port}"))
        // The browser inherits it: the page must show times in the browser's zone.
        .env("TZ", "Europe/Moscow")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("starting {}: {e}", driver.display()));
    let url = format!("http://127.0.0.1:{port}");
    let driver = Driver { child, url };
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return driver;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not listen on port {port} within 10 s");
}

/// Headless Chromium in English at 1280x900; with `downloads`, saving downloads there
/// without asking.
pub async fn open_browser(driver: &Driver, chromium: &Path, downloads: Option<&Path>) -> Client {
    let mut prefs = json!({ "intl.accept_languages": "en-US,en" });
    if let Some(downloads) = downloads {
        prefs["download.default_directory"] = json!(downloads.display().to_string());
        prefs["download.prompt_for_download"] = json!(false);
    }
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": chromium.display().to_string(),
            "args": [
                "--headless=new",
                // The test may run as root in a container, where the sandbox cannot start.
                "--no-sandbox",
                "--disable-dev-shm-usage",
                "--disable-gpu",
                "--window-size=1280,900",
                "--force-device-scale-factor=1",
                "--hide-scrollbars",
                "--lang=en-US",
            ],
            "prefs": prefs,
        }),
    );
    ClientBuilder::new(HttpConnector::new())
        .capabilities(caps)
        .connect(&driver.url)
        .await
        .unwrap_or_else(|e| panic!("starting Chromium through chromedriver: {e}"))
}

pub async fn text_of(client: &Client, css: &str) -> String {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no element {css}: {e}"))
        .text()
        .await
        .unwrap()
}

pub async fn texts_of(client: &Client, css: &str) -> Vec<String> {
    let mut out = Vec::new();
    for e in client.find_all(Locator::Css(css)).await.unwrap() {
        out.push(e.text().await.unwrap());
    }
    out
}

pub async fn click(client: &Client, css: &str) {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no element {css}: {e}"))
        .click()
        .await
        .unwrap();
}

pub async fn type_into(client: &Client, css: &str, text: &str) {
    let e = client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no element {css}: {e}"));
    e.clear().await.unwrap();
    e.send_keys(text).await.unwrap();
}

pub async fn wait_for(client: &Client, css: &str) {
    client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("waiting for {css}: {e}"));
}

pub async fn scroll_to(client: &Client, css: &str) {
    client
        .execute(
            "document.querySelector(arguments[0]).scrollIntoView({block: 'start'});",
            vec![json!(css)],
        )
        .await
        .unwrap();
}

/// The current URL's path and query.
pub async fn path_of(client: &Client) -> String {
    let url = client.current_url().await.unwrap();
    match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_owned(),
    }
}

/// Every visible form control has a label (or an accessible name of its own).
pub async fn assert_labelled(client: &Client, page: &str) {
    let unlabelled = client
        .execute(
            "return [...document.querySelectorAll('input:not([type=hidden]), select, textarea, button')]
               .filter(e => !e.hidden)
               .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')
                            && !(e.tagName === 'BUTTON' && e.textContent.trim()))
               .map(e => e.outerHTML);",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(unlabelled, json!([]), "unlabelled controls on {page}");
}

/// Nothing sticks out sideways (no horizontal scrolling on a phone).
pub async fn assert_fits_width(client: &Client, page: &str) {
    let sizes = client
        .execute(
            "return [document.documentElement.scrollWidth, window.innerWidth];",
            vec![],
        )
        .await
        .unwrap();
    let (scroll, inner) = (sizes[0].as_u64().unwrap(), sizes[1].as_u64().unwrap());
    assert!(
        scroll <= inner,
        "{page} is {scroll}px wide in a {inner}px window"
    );
}

/// Sets the viewport (not the window) to `width` x `height`.
pub async fn viewport(client: &Client, width: u32, height: u32) {
    client.set_window_size(width, height).await.unwrap();
    // Headless windows have no frame, but check rather than assume.
    let inner = client
        .execute("return [window.innerWidth, window.innerHeight];", vec![])
        .await
        .unwrap();
    let (w, h) = (inner[0].as_u64().unwrap(), inner[1].as_u64().unwrap());
    if (w, h) != (u64::from(width), u64::from(height)) {
        let dw = u32::try_from(u64::from(width).abs_diff(w)).unwrap();
        let dh = u32::try_from(u64::from(height).abs_diff(h)).unwrap();
        client
            .set_window_size(width + dw, height + dh)
            .await
            .unwrap();
    }
    let inner = client
        .execute("return window.innerWidth;", vec![])
        .await
        .unwrap();
    assert_eq!(inner, json!(width), "viewport width");
}

/// With `POSYLKA_SCREENSHOTS=1`, saves the page as `docs/screenshots/{name}.png`.
pub async fn screenshot(client: &Client, name: &str) {
    if std::env::var("POSYLKA_SCREENSHOTS").is_ok_and(|v| v == "1") {
        let png = client.screenshot().await.unwrap();
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
    }
}
