//! Telegram delivery against a fake Bot API on loopback.

mod support;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use posylka_notify::channel::{Blame, Transport};
use posylka_notify::message::telegram_html;
use posylka_notify::{
    ChannelHealth, ChannelTarget, DeliveryError, Notifier, NotifierConfig, TelegramConfig,
};
use secrecy::SecretString;
use serde_json::{Value, json};
use support::{closed_port, fast_retries, notification};

const TOKEN: &str = "123456:AAH-secret_token";

#[derive(Clone, Default)]
struct FakeBotApi {
    /// (status, body) answers, in order; success once the script runs out.
    script: Arc<Mutex<VecDeque<(u16, Value)>>>,
    /// (path segment with the token, JSON request) per call.
    calls: Arc<Mutex<Vec<(String, Value)>>>,
}

impl FakeBotApi {
    fn scripted(script: Vec<(u16, Value)>) -> Self {
        FakeBotApi {
            script: Arc::new(Mutex::new(script.into())),
            calls: Arc::default(),
        }
    }

    fn calls(&self) -> Vec<(String, Value)> {
        self.calls.lock().expect("lock").clone()
    }
}

async fn send_message(
    State(api): State<FakeBotApi>,
    Path(bot): Path<String>,
    Json(request): Json<Value>,
) -> Response {
    api.calls.lock().expect("lock").push((bot, request.clone()));
    let next = api.script.lock().expect("lock").pop_front();
    let (status, body) = next.unwrap_or_else(|| {
        (
            200,
            json!({"ok": true, "result": {"message_id": 4242, "chat": {"id": request["chat_id"]}}}),
        )
    });
    (StatusCode::from_u16(status).expect("status"), Json(body)).into_response()
}

/// Starts the fake under a path prefix (as a reverse proxy would); returns its base URL.
async fn serve(api: FakeBotApi) -> String {
    let app = Router::new()
        .route("/tg/{bot}/sendMessage", post(send_message))
        .with_state(api);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        axum::serve(listener, app).await.expect("serve");
    });
    format!("http://{addr}/tg/")
}

fn notifier(base_url: String, max_retries: u32) -> Notifier {
    Notifier::new(NotifierConfig {
        telegram: Some(TelegramConfig {
            bot_token: SecretString::from(TOKEN),
            base_url,
        }),
        retry: fast_retries(max_retries),
        ..NotifierConfig::default()
    })
    .expect("notifier")
}

#[tokio::test]
async fn send_message_reaches_the_bot_api() {
    let api = FakeBotApi::default();
    let base = serve(api.clone()).await;
    let n = notification();
    let chat = ChannelTarget::telegram("-1001234567890").expect("chat");
    let sent = notifier(base, 0).send(&chat, &n).await.expect("sent");
    assert_eq!(
        (sent.transport, sent.attempts, sent.remote_id.as_deref()),
        (Transport::Telegram, 1, Some("4242"))
    );

    let calls = api.calls();
    assert_eq!(calls.len(), 1);
    let (bot, request) = &calls[0];
    assert_eq!(bot, &format!("bot{TOKEN}"));
    assert_eq!(request["chat_id"], json!(-1001234567890_i64));
    assert_eq!(request["parse_mode"], "HTML");
    assert_eq!(request["link_preview_options"]["is_disabled"], true);
    assert_eq!(request["text"], telegram_html(&n).as_str());
    let text = request["text"].as_str().expect("text");
    assert!(text.starts_with("<b>Таможня просит паспортные данные</b>"));
    assert!(text.contains("&lt;12:00&gt;") && text.contains("ссылку &amp; отправителя"));
}

#[tokio::test]
async fn a_channel_username_is_sent_as_text() {
    let api = FakeBotApi::default();
    let base = serve(api.clone()).await;
    let chat = ChannelTarget::telegram("@posylka_news").expect("chat");
    notifier(base, 0)
        .send(&chat, &notification())
        .await
        .expect("sent");
    assert_eq!(api.calls()[0].1["chat_id"], "@posylka_news");
}

#[tokio::test]
async fn flood_control_is_waited_out() {
    let api = FakeBotApi::scripted(vec![
        (
            429,
            json!({"ok": false, "error_code": 429, "description": "Too Many Requests: retry after 0", "parameters": {"retry_after": 0}}),
        ),
        (
            502,
            json!({"ok": false, "error_code": 502, "description": "Bad Gateway"}),
        ),
    ]);
    let base = serve(api.clone()).await;
    let chat = ChannelTarget::telegram("42").expect("chat");
    let sent = notifier(base, 3)
        .send(&chat, &notification())
        .await
        .expect("sent");
    assert_eq!(sent.attempts, 3);
    assert_eq!(api.calls().len(), 3);
}

#[tokio::test]
async fn a_blocked_bot_counts_against_the_channel() {
    let api = FakeBotApi::scripted(vec![(
        403,
        json!({"ok": false, "error_code": 403, "description": "Forbidden: bot was blocked by the user"}),
    )]);
    let base = serve(api.clone()).await;
    let chat = ChannelTarget::telegram("42").expect("chat");
    let now = support::ts("2026-05-01T00:00:00Z");
    let (result, health) = notifier(base, 3)
        .deliver(&chat, &ChannelHealth::default(), &notification(), now)
        .await;
    let err = result.expect_err("refused");
    assert!(
        matches!(&err, DeliveryError::Rejected { status: Some(403), attempts: 1, blame: Blame::Channel, detail, .. } if detail.contains("blocked")),
        "{err:?}"
    );
    assert_eq!(health.consecutive_failures, 1);
    assert_eq!(api.calls().len(), 1);
}

#[tokio::test]
async fn a_bad_token_is_the_servers_fault_and_never_shown() {
    let api = FakeBotApi::scripted(vec![(
        401,
        json!({"ok": false, "error_code": 401, "description": format!("Unauthorized: {TOKEN}")}),
    )]);
    let base = serve(api.clone()).await;
    let chat = ChannelTarget::telegram("42").expect("chat");
    let err = notifier(base, 3)
        .send(&chat, &notification())
        .await
        .expect_err("refused");
    assert!(
        matches!(
            err,
            DeliveryError::Rejected {
                status: Some(401),
                blame: Blame::Server,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(!err.to_string().contains("AAH-secret_token"), "{err}");
}

#[tokio::test]
async fn an_unreachable_api_never_shows_the_token() {
    let base = format!("http://127.0.0.1:{}", closed_port().await);
    let chat = ChannelTarget::telegram("42").expect("chat");
    let err = notifier(base, 1)
        .send(&chat, &notification())
        .await
        .expect_err("failed");
    assert!(
        matches!(
            err,
            DeliveryError::Unavailable {
                attempts: 2,
                blame: Blame::Server,
                ..
            }
        ),
        "{err:?}"
    );
    let text = format!("{err} {err:?}");
    assert!(
        !text.contains("secret_token") && !text.contains("123456"),
        "{text}"
    );
}
