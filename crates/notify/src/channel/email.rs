//! E-mail over SMTP (lettre, rustls with ring).
//!
//! One plain-text part, base64-encoded so any script and line length passes any
//! relay. The idempotency key goes into `Message-ID` (mail clients fold copies
//! with the same id) and `X-Posylka-Delivery`; `Auto-Submitted: auto-generated`
//! keeps vacation responders quiet (RFC 3834).

use std::fmt;
use std::time::Duration;

use lettre::message::header::{ContentTransferEncoding, ContentType, HeaderName, HeaderValue};
use lettre::message::{Mailbox, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use super::{
    AttemptError, Blame, ConfigError, DeliveryError, EmailTarget, RetryPolicy, Sent, Transport,
};
use crate::message::{Notification, email_body, email_subject};
use crate::redact::remote_text;

/// How the connection to the relay is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SmtpSecurity {
    /// TLS from the first byte (port 465).
    ImplicitTls,
    /// Plain connection upgraded with STARTTLS, refused if the relay cannot (port 587).
    #[default]
    Starttls,
    /// No encryption (port 25): only for a relay on this host; no login is sent.
    None,
}

impl SmtpSecurity {
    fn default_port(self) -> u16 {
        match self {
            SmtpSecurity::ImplicitTls => 465,
            SmtpSecurity::Starttls => 587,
            SmtpSecurity::None => 25,
        }
    }
}

/// The server's SMTP relay.
#[derive(Clone, Deserialize)]
pub struct SmtpConfig {
    /// The relay's host name (checked against its certificate).
    pub host: String,
    /// The port; by default the one `security` implies.
    #[serde(default)]
    pub port: Option<u16>,
    /// Connection protection.
    #[serde(default)]
    pub security: SmtpSecurity,
    /// Login name, if the relay wants one.
    #[serde(default)]
    pub username: Option<String>,
    /// Login password.
    #[serde(default)]
    pub password: Option<SecretString>,
    /// The sender, e.g. `Posylka <posylka@example.org>`.
    pub from: String,
    /// Timeout of each SMTP command, in seconds.
    #[serde(default = "default_timeout_secs")]
    pub timeout_secs: u64,
}

fn default_timeout_secs() -> u64 {
    30
}

impl SmtpConfig {
    /// A relay with STARTTLS on 587, no login, 30 s timeouts.
    pub fn new(host: impl Into<String>, from: impl Into<String>) -> Self {
        SmtpConfig {
            host: host.into(),
            port: None,
            security: SmtpSecurity::default(),
            username: None,
            password: None,
            from: from.into(),
            timeout_secs: default_timeout_secs(),
        }
    }

    fn port(&self) -> u16 {
        self.port.unwrap_or_else(|| self.security.default_port())
    }
}

impl fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("host", &self.host)
            .field("port", &self.port())
            .field("security", &self.security)
            .field("username", &self.username.as_ref().map(|_| "[set]"))
            .field("password", &self.password.as_ref().map(|_| "[redacted]"))
            .field("from", &self.from)
            .field("timeout_secs", &self.timeout_secs)
            .finish()
    }
}

impl fmt::Display for SmtpConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let login = if self.username.is_some() {
            ", with login"
        } else {
            ""
        };
        write!(
            f,
            "SMTP {}:{} ({:?}{login})",
            self.host,
            self.port(),
            self.security
        )
    }
}

/// A validated relay, ready to send.
pub(super) struct Smtp {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// The domain of `Message-ID`s: the sender's, so ids are unique to this server.
    id_domain: String,
    describe: String,
}

impl fmt::Debug for Smtp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Smtp({})", self.describe)
    }
}

fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

impl Smtp {
    pub(super) fn new(config: &SmtpConfig) -> Result<Self, ConfigError> {
        let err = |field: &'static str, reason: String| ConfigError::Smtp { field, reason };
        let host = config.host.trim();
        if host.is_empty() {
            return Err(err("host", "empty".into()));
        }
        let from: Mailbox = config
            .from
            .trim()
            .parse()
            .map_err(|e: lettre::address::AddressError| err("from", e.to_string()))?;
        let credentials = match (&config.username, &config.password) {
            (Some(user), Some(password)) => Some(Credentials::new(
                user.clone(),
                password.expose_secret().to_owned(),
            )),
            (None, None) => None,
            (Some(_), None) => return Err(err("password", "a username needs a password".into())),
            (None, Some(_)) => return Err(err("username", "a password needs a username".into())),
        };
        if credentials.is_some() && config.security == SmtpSecurity::None && !is_loopback(host) {
            return Err(err(
                "security",
                "a login over an unencrypted connection is only allowed to a relay on this host"
                    .into(),
            ));
        }
        let builder = match config.security {
            SmtpSecurity::ImplicitTls => AsyncSmtpTransport::<Tokio1Executor>::relay(host)
                .map_err(|e| err("host", e.to_string()))?,
            SmtpSecurity::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host)
                .map_err(|e| err("host", e.to_string()))?,
            SmtpSecurity::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host),
        };
        let mut builder = builder
            .port(config.port())
            .timeout(Some(Duration::from_secs(config.timeout_secs.max(1))));
        if let Some(credentials) = credentials {
            builder = builder.credentials(credentials);
        }
        Ok(Smtp {
            transport: builder.build(),
            id_domain: from.email.domain().to_owned(),
            from,
            describe: config.to_string(),
        })
    }

    fn message(&self, to: &EmailTarget, n: &Notification) -> Result<Message, DeliveryError> {
        let key = n.idempotency_key.as_str();
        let header = |name: &'static str, value: String| {
            HeaderValue::new(HeaderName::new_from_ascii_str(name), value)
        };
        let part = SinglePart::builder()
            .header(ContentType::TEXT_PLAIN)
            .header(ContentTransferEncoding::Base64)
            .body(email_body(n));
        Message::builder()
            .from(self.from.clone())
            .to(to.to.clone())
            .subject(email_subject(n))
            .message_id(Some(format!("<{key}@{}>", self.id_domain)))
            .raw_header(header("Auto-Submitted", "auto-generated".into()))
            .raw_header(header("X-Posylka-Delivery", key.to_owned()))
            .raw_header(header("X-Posylka-Event", n.kind.event_name().to_owned()))
            .singlepart(part)
            .map_err(|e| DeliveryError::Rejected {
                transport: Transport::Email,
                status: None,
                attempts: 0,
                // The recipient was validated when the target was made; a message
                // that still cannot be built is this server's problem.
                blame: Blame::Server,
                detail: remote_text(&e.to_string(), &[]),
            })
    }

    pub(super) async fn send(
        &self,
        to: &EmailTarget,
        notification: &Notification,
        policy: &RetryPolicy,
    ) -> Result<Sent, DeliveryError> {
        let message = self.message(to, notification)?;
        let (code, attempts) = super::with_retries(Transport::Email, policy, || {
            let message = message.clone();
            async move {
                match self.transport.send(message).await {
                    Ok(response) => Ok(response.code().to_string().parse::<u16>().ok()),
                    Err(e) => Err(attempt_error(&e)),
                }
            }
        })
        .await?;
        Ok(Sent {
            transport: Transport::Email,
            attempts,
            status: code,
            remote_id: None,
        })
    }
}

fn attempt_error(e: &lettre::transport::smtp::Error) -> AttemptError {
    let status = e.status().and_then(|c| c.to_string().parse::<u16>().ok());
    // 550/551/553: no such mailbox or address refused; 552: mailbox full. Those
    // are the recipient's; every other refusal (auth, policy) is this server's.
    let blame = match status {
        Some(550..=553) => Blame::Channel,
        _ => Blame::Server,
    };
    let temporary = !e.is_permanent() && !e.is_client();
    AttemptError {
        temporary,
        status,
        blame,
        detail: remote_text(&e.to_string(), &[]),
        retry_after: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts() {
        for host in ["localhost", "127.0.0.1", "127.5.0.1", "::1", "[::1]"] {
            assert!(is_loopback(host), "{host}");
        }
        for host in ["mail.example.org", "10.0.0.1", "localhost.example.org"] {
            assert!(!is_loopback(host), "{host}");
        }
    }

    #[test]
    fn config_is_validated_with_the_field_named() {
        let password = || Some(SecretString::from("hunter2-hunter2"));
        let mut c = SmtpConfig::new("mail.example.org", "not an address");
        assert!(matches!(
            Smtp::new(&c),
            Err(ConfigError::Smtp { field: "from", .. })
        ));
        c.from = "Posylka <posylka@example.org>".into();
        assert!(Smtp::new(&c).is_ok());
        c.password = password();
        assert!(matches!(
            Smtp::new(&c),
            Err(ConfigError::Smtp {
                field: "username",
                ..
            })
        ));
        c.username = Some("posylka".into());
        c.security = SmtpSecurity::None;
        assert!(matches!(
            Smtp::new(&c),
            Err(ConfigError::Smtp {
                field: "security",
                ..
            })
        ));
        c.host = "127.0.0.1".into();
        assert!(Smtp::new(&c).is_ok());
        c.host = " ".into();
        assert!(matches!(
            Smtp::new(&c),
            Err(ConfigError::Smtp { field: "host", .. })
        ));
    }
}
