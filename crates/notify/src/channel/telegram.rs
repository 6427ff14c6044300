//! Telegram Bot API: `sendMessage` from the server's bot.
//!
//! Telegram has no idempotency key: a retry after a timeout whose request did
//! arrive can show the message twice. Only errors before an answer (connect,
//! timeout), 429 and 5xx are retried.

use std::fmt;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use super::{
    AttemptError, Blame, ConfigError, DeliveryError, RetryPolicy, Sent, TelegramTarget, Transport,
};
use crate::message::{Notification, telegram_html};
use crate::redact::remote_text;

/// Telegram's public Bot API.
pub const DEFAULT_TELEGRAM_BASE_URL: &str = "https://api.telegram.org";

/// The server's Telegram bot.
#[derive(Clone, Deserialize)]
pub struct TelegramConfig {
    /// The token from @BotFather (`123456:ABC...`).
    pub bot_token: SecretString,
    /// The Bot API's address: Telegram's own, or a local Bot API server.
    #[serde(default = "default_base_url")]
    pub base_url: String,
}

fn default_base_url() -> String {
    DEFAULT_TELEGRAM_BASE_URL.to_owned()
}

impl TelegramConfig {
    /// A bot on Telegram's public API.
    pub fn new(bot_token: SecretString) -> Self {
        TelegramConfig {
            bot_token,
            base_url: default_base_url(),
        }
    }
}

impl fmt::Debug for TelegramConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TelegramConfig")
            .field("bot_token", &"[redacted]")
            .field("base_url", &self.base_url)
            .finish()
    }
}

impl fmt::Display for TelegramConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Telegram bot via {}", self.base_url)
    }
}

/// A validated bot: where `sendMessage` lives.
pub(super) struct Bot {
    base_url: String,
    token: SecretString,
}

impl fmt::Debug for Bot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Bot({})", self.base_url)
    }
}

#[derive(Serialize)]
struct SendMessage<'a> {
    chat_id: ChatId<'a>,
    text: &'a str,
    parse_mode: &'static str,
    link_preview_options: LinkPreview,
}

#[derive(Serialize)]
#[serde(untagged)]
enum ChatId<'a> {
    Id(i64),
    Username(&'a str),
}

#[derive(Serialize)]
struct LinkPreview {
    is_disabled: bool,
}

#[derive(Deserialize)]
struct Answer {
    ok: bool,
    #[serde(default)]
    result: Option<Message>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    parameters: Option<Parameters>,
}

#[derive(Deserialize)]
struct Message {
    message_id: i64,
}

#[derive(Deserialize)]
struct Parameters {
    #[serde(default)]
    retry_after: Option<u64>,
}

impl Bot {
    pub(super) fn new(config: &TelegramConfig) -> Result<Self, ConfigError> {
        let token = config.bot_token.expose_secret();
        // The token becomes part of the URL path: nothing in it may change the path.
        let token_ok = !token.is_empty()
            && token
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b':' | b'_' | b'-'));
        if !token_ok {
            return Err(ConfigError::Telegram {
                field: "bot_token",
                reason: "expected the token from @BotFather (digits, a colon, letters)".into(),
            });
        }
        let url =
            reqwest::Url::parse(config.base_url.trim()).map_err(|e| ConfigError::Telegram {
                field: "base_url",
                reason: e.to_string(),
            })?;
        if !matches!(url.scheme(), "http" | "https") || url.query().is_some() {
            return Err(ConfigError::Telegram {
                field: "base_url",
                reason: "expected an http(s) URL without a query".into(),
            });
        }
        Ok(Bot {
            base_url: url.as_str().trim_end_matches('/').to_owned(),
            token: config.bot_token.clone(),
        })
    }

    pub(super) async fn send(
        &self,
        client: &reqwest::Client,
        chat: &TelegramTarget,
        notification: &Notification,
        policy: &RetryPolicy,
    ) -> Result<Sent, DeliveryError> {
        let text = telegram_html(notification);
        let chat_id = match chat.chat_id.parse::<i64>() {
            Ok(id) => ChatId::Id(id),
            Err(_) => ChatId::Username(&chat.chat_id),
        };
        let request = SendMessage {
            chat_id,
            text: &text,
            parse_mode: "HTML",
            link_preview_options: LinkPreview { is_disabled: true },
        };
        let body = serde_json::to_vec(&request).unwrap_or_default();
        let url = format!(
            "{}/bot{}/sendMessage",
            self.base_url,
            self.token.expose_secret()
        );
        let token = self.token.expose_secret();
        let ((status, message_id), attempts) =
            super::with_retries(Transport::Telegram, policy, || {
                let body = body.clone();
                let url = url.as_str();
                async move {
                    let response = client
                        .post(url)
                        .header(reqwest::header::CONTENT_TYPE, "application/json")
                        .body(body)
                        .send()
                        .await
                        // Telegram unreachable is not the user's fault.
                        .map_err(|e| super::http_attempt_error(e, Blame::Server))?;
                    let status = response.status();
                    let header_retry_after = super::retry_after(response.headers());
                    let text = response.text().await.unwrap_or_default();
                    let answer: Option<Answer> = serde_json::from_str(&text).ok();
                    if status.is_success() && answer.as_ref().is_some_and(|a| a.ok) {
                        let id = answer.and_then(|a| a.result).map(|m| m.message_id);
                        return Ok((status.as_u16(), id));
                    }
                    let code = status.as_u16();
                    let retry_after = answer
                        .as_ref()
                        .and_then(|a| a.parameters.as_ref())
                        .and_then(|p| p.retry_after)
                        .map(Duration::from_secs)
                        .or(header_retry_after);
                    let description = answer
                        .and_then(|a| a.description)
                        .unwrap_or_else(|| status.canonical_reason().unwrap_or("error").to_owned());
                    Err(AttemptError {
                        temporary: code == 429 || status.is_server_error(),
                        status: Some(code),
                        // 400 (chat not found) and 403 (blocked by the user) are about
                        // the chat; 401/404 mean our token is wrong; the rest is Telegram's.
                        blame: if matches!(code, 400 | 403) {
                            Blame::Channel
                        } else {
                            Blame::Server
                        },
                        detail: remote_text(&description, &[token]),
                        retry_after,
                    })
                }
            })
            .await?;
        Ok(Sent {
            transport: Transport::Telegram,
            attempts,
            status: Some(status),
            remote_id: message_id.map(|id| id.to_string()),
        })
    }
}
