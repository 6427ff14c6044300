//! The desk's e-mail over SMTP: the relay of `notify.smtp` (the same [`SmtpConfig`]), one
//! plain-text UTF-8 part. Addresses and texts are never logged.

use std::time::Duration;

use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Mailbox, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport as _, Message, Tokio1Executor};
use posylka_notify::{SmtpConfig, SmtpSecurity};
use secrecy::ExposeSecret as _;

/// A ready relay.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Mailer")
    }
}

impl Mailer {
    /// A mailer for the relay (errors name the field).
    pub fn new(config: &SmtpConfig) -> Result<Self, String> {
        let host = config.host.trim();
        let from: Mailbox = config
            .from
            .trim()
            .parse()
            .map_err(|e: lettre::address::AddressError| format!("from: {e}"))?;
        let builder = match config.security {
            SmtpSecurity::ImplicitTls => AsyncSmtpTransport::<Tokio1Executor>::relay(host)
                .map_err(|e| format!("host: {e}"))?,
            SmtpSecurity::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host)
                .map_err(|e| format!("host: {e}"))?,
            SmtpSecurity::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host),
        };
        let port = config.port.unwrap_or(match config.security {
            SmtpSecurity::ImplicitTls => 465,
            SmtpSecurity::Starttls => 587,
            SmtpSecurity::None => 25,
        });
        let mut builder = builder
            .port(port)
            .timeout(Some(Duration::from_secs(config.timeout_secs.max(1))));
        if let (Some(user), Some(password)) = (&config.username, &config.password) {
            builder = builder.credentials(Credentials::new(
                user.clone(),
                password.expose_secret().to_owned(),
            ));
        }
        Ok(Self {
            transport: builder.build(),
            from,
        })
    }

    /// Sends one message; `id` becomes the `Message-ID` (copies fold in mail clients).
    pub async fn send(&self, to: &str, subject: &str, body: &str, id: &str) -> Result<(), String> {
        let to: Mailbox = to.parse().map_err(|_| "the recipient address".to_owned())?;
        let domain = self.from.email.domain().to_owned();
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .message_id(Some(format!("<{id}@{domain}>")))
            .singlepart(
                SinglePart::builder()
                    .header(ContentType::TEXT_PLAIN)
                    // Any script and line length passes any relay.
                    .header(ContentTransferEncoding::Base64)
                    .body(body.to_owned()),
            )
            .map_err(|e| format!("building the message: {e}"))?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| format!("SMTP: {e}"))
    }
}
