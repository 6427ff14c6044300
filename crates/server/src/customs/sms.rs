//! A generic HTTP SMS gateway client.
//!
//! The request, one per message:
//!
//! ```text
//! POST {url}
//! Authorization: Bearer {token}          (when a token is configured)
//! Content-Type: application/json
//! Idempotency-Key: {key}
//!
//! {"to": "+79123456789", "text": "...", "id": "{key}"}
//! ```
//!
//! Any 2xx answer means accepted; other answers and network errors are failures, retried
//! by the scheduler at its next round (the same `id`, so a gateway that deduplicates by it
//! sends once). Most Russian SMS aggregators take such a JSON POST; a small adapter fits the
//! others. Neither the number nor the text is ever logged.

use std::sync::Arc;
use std::time::Duration;

use secrecy::{ExposeSecret as _, SecretString};
use serde::Deserialize;

/// Where the gateway is.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmsConfig {
    /// The endpoint (`POSYLKA_SMS_URL`): `https://...`, or `http://` on loopback.
    pub url: String,
    /// The bearer token (`POSYLKA_SMS_TOKEN`).
    #[serde(default)]
    pub token: Option<SecretString>,
    /// Timeout per request, seconds.
    #[serde(default = "default_timeout")]
    pub timeout_secs: u64,
}

fn default_timeout() -> u64 {
    10
}

/// Why an SMS was not accepted (no number, no text).
#[derive(Debug, thiserror::Error)]
pub enum SmsError {
    /// The configuration is unusable.
    #[error("{0}")]
    Config(String),
    /// The gateway could not be reached.
    #[error("SMS gateway unreachable: {0}")]
    Network(String),
    /// The gateway refused.
    #[error("SMS gateway answered {0}")]
    Status(u16),
}

/// The client.
#[derive(Debug, Clone)]
pub struct SmsGateway {
    url: String,
    token: Option<SecretString>,
    http: reqwest::Client,
}

impl SmsGateway {
    /// A client for `config`.
    pub fn new(config: &SmsConfig) -> Result<Self, SmsError> {
        let url = config.url.trim();
        let local = url.starts_with("http://127.0.0.1") || url.starts_with("http://localhost");
        if !(url.starts_with("https://") || local) {
            return Err(SmsError::Config(
                "url must be https:// (plain http only to 127.0.0.1 or localhost)".into(),
            ));
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut roots = rustls::RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| SmsError::Config(e.to_string()))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let timeout = Duration::from_secs(config.timeout_secs.max(1));
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(timeout)
            .build()
            .map_err(|e| SmsError::Config(e.without_url().to_string()))?;
        Ok(Self {
            url: url.to_owned(),
            token: config.token.clone(),
            http,
        })
    }

    /// Sends `text` to `to` (E.164) with the idempotency key `id`.
    pub async fn send(&self, to: &str, text: &str, id: &str) -> Result<(), SmsError> {
        let mut request = self
            .http
            .post(&self.url)
            .header("Idempotency-Key", id)
            .json(&serde_json::json!({ "to": to, "text": text, "id": id }));
        if let Some(token) = &self.token {
            request = request.bearer_auth(token.expose_secret());
        }
        let response = request
            .send()
            .await
            .map_err(|e| SmsError::Network(e.without_url().to_string()))?;
        if response.status().is_success() {
            Ok(())
        } else {
            Err(SmsError::Status(response.status().as_u16()))
        }
    }
}
