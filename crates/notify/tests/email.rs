//! E-mail delivery to an in-process SMTP server on loopback.
//!
//! The server speaks just enough SMTP (RFC 5321) for a client: EHLO/HELO, AUTH
//! PLAIN, MAIL, RCPT, DATA (with dot-unstuffing), RSET, NOOP, QUIT; replies can
//! be scripted per command to test refusals and retries.

mod support;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use posylka_notify::channel::{Blame, Transport};
use posylka_notify::message::email_body;
use posylka_notify::{
    ChannelHealth, ChannelTarget, DeliveryError, Notifier, NotifierConfig, SmtpConfig, SmtpSecurity,
};
use secrecy::SecretString;
use support::{closed_port, fast_retries, notification};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// One accepted message.
#[derive(Debug, Clone, Default)]
struct Mail {
    auth: Option<String>,
    from: String,
    rcpt: Vec<String>,
    data: String,
}

#[derive(Clone, Default)]
struct SmtpServer {
    /// (command verb, reply) pairs used instead of the normal reply, in order.
    script: Arc<Mutex<VecDeque<(&'static str, &'static str)>>>,
    mails: Arc<Mutex<Vec<Mail>>>,
    connections: Arc<Mutex<u32>>,
}

impl SmtpServer {
    fn scripted(script: Vec<(&'static str, &'static str)>) -> Self {
        SmtpServer {
            script: Arc::new(Mutex::new(script.into())),
            ..SmtpServer::default()
        }
    }

    fn mails(&self) -> Vec<Mail> {
        self.mails.lock().expect("lock").clone()
    }

    /// A scripted reply for this verb, if the next scripted one is for it.
    fn override_for(&self, verb: &str) -> Option<&'static str> {
        let mut script = self.script.lock().expect("lock");
        if script.front().is_some_and(|(v, _)| *v == verb) {
            script.pop_front().map(|(_, reply)| reply)
        } else {
            None
        }
    }

    async fn start(self) -> u16 {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                *self.connections.lock().expect("lock") += 1;
                let server = self.clone();
                tokio::spawn(async move { server.session(socket).await });
            }
        });
        port
    }

    async fn session(self, socket: tokio::net::TcpStream) {
        let (read, mut write) = socket.into_split();
        let mut lines = BufReader::new(read);
        let mut mail = Mail::default();
        let mut auth = None;
        let reply = |text: &str| format!("{text}\r\n");
        if write
            .write_all(reply("220 test.local ESMTP ready").as_bytes())
            .await
            .is_err()
        {
            return;
        }
        loop {
            let mut line = String::new();
            match lines.read_line(&mut line).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            let command = line.trim_end_matches(['\r', '\n']);
            let verb = command.split(' ').next().unwrap_or("").to_ascii_uppercase();
            let scripted = self.override_for(&verb);
            let answer = match verb.as_str() {
                _ if scripted.is_some() => scripted.map(str::to_owned).expect("scripted"),
                "EHLO" => "250-test.local\r\n250-8BITMIME\r\n250 AUTH PLAIN".to_owned(),
                "HELO" => "250 test.local".to_owned(),
                "AUTH" => {
                    let encoded = command.split(' ').nth(2).unwrap_or("");
                    auth = B64
                        .decode(encoded)
                        .ok()
                        .map(|b| String::from_utf8_lossy(&b).into_owned());
                    "235 2.7.0 accepted".to_owned()
                }
                "MAIL" => {
                    mail = Mail {
                        auth: auth.clone(),
                        from: command.to_owned(),
                        ..Mail::default()
                    };
                    "250 2.1.0 ok".to_owned()
                }
                "RCPT" => {
                    mail.rcpt.push(command.to_owned());
                    "250 2.1.5 ok".to_owned()
                }
                "DATA" => {
                    if write
                        .write_all(reply("354 go ahead").as_bytes())
                        .await
                        .is_err()
                    {
                        return;
                    }
                    let mut data = String::new();
                    loop {
                        let mut l = String::new();
                        match lines.read_line(&mut l).await {
                            Ok(0) | Err(_) => return,
                            Ok(_) => {}
                        }
                        if l == ".\r\n" {
                            break;
                        }
                        // Dot-unstuffing (RFC 5321 4.5.2).
                        data.push_str(l.strip_prefix('.').unwrap_or(&l));
                    }
                    match self.override_for("DATA-END") {
                        Some(r) => r.to_owned(),
                        None => {
                            mail.data = data;
                            self.mails
                                .lock()
                                .expect("lock")
                                .push(std::mem::take(&mut mail));
                            "250 2.0.0 queued as 1".to_owned()
                        }
                    }
                }
                "RSET" => {
                    mail = Mail::default();
                    "250 ok".to_owned()
                }
                "NOOP" => "250 ok".to_owned(),
                "QUIT" => {
                    let _ = write.write_all(reply("221 bye").as_bytes()).await;
                    return;
                }
                _ => "502 5.5.2 unknown command".to_owned(),
            };
            if write.write_all(reply(&answer).as_bytes()).await.is_err() {
                return;
            }
        }
    }
}

fn notifier(port: u16, max_retries: u32) -> Notifier {
    let mut smtp = SmtpConfig::new("127.0.0.1", "Posylka <posylka@example.org>");
    smtp.port = Some(port);
    smtp.security = SmtpSecurity::None;
    smtp.username = Some("posylka".into());
    smtp.password = Some(SecretString::from("relay-password-1"));
    smtp.timeout_secs = 5;
    Notifier::new(NotifierConfig {
        smtp: Some(smtp),
        retry: fast_retries(max_retries),
        ..NotifierConfig::default()
    })
    .expect("notifier")
}

/// The message's headers (unfolded) and its body.
fn split(data: &str) -> (Vec<(String, String)>, String) {
    let (head, body) = data.split_once("\r\n\r\n").expect("header/body separator");
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in head.split("\r\n") {
        if line.starts_with([' ', '\t']) {
            if let Some(last) = headers.last_mut() {
                last.1.push_str(line);
            }
        } else if let Some((name, value)) = line.split_once(':') {
            headers.push((name.to_owned(), value.trim().to_owned()));
        }
    }
    (headers, body.to_owned())
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> &'a str {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("no {name} header in {headers:?}"))
}

/// Decodes a header of RFC 2047 `=?utf-8?b?...?=` words (or plain text).
fn decode_words(value: &str) -> String {
    let mut out = String::new();
    for word in value.split_whitespace() {
        let lower = word.to_ascii_lowercase();
        if lower.starts_with("=?utf-8?b?") && word.ends_with("?=") {
            let bytes = B64.decode(&word[10..word.len() - 2]).expect("base64 word");
            out.push_str(&String::from_utf8(bytes).expect("utf-8 word"));
        } else {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(word);
        }
    }
    out
}

#[tokio::test]
async fn a_message_arrives_with_its_headers_and_body() {
    let server = SmtpServer::default();
    let port = server.clone().start().await;
    let n = notification();
    let to = ChannelTarget::email("Анна <anna@example.org>").expect("address");
    let sent = notifier(port, 0).send(&to, &n).await.expect("sent");
    assert_eq!(
        (sent.transport, sent.attempts, sent.status),
        (Transport::Email, 1, Some(250))
    );

    let mails = server.mails();
    assert_eq!(mails.len(), 1);
    let mail = &mails[0];
    assert_eq!(mail.auth.as_deref(), Some("\0posylka\0relay-password-1"));
    assert_eq!(mail.from, "MAIL FROM:<posylka@example.org>");
    assert_eq!(mail.rcpt, vec!["RCPT TO:<anna@example.org>".to_owned()]);

    let (headers, body) = split(&mail.data);
    assert_eq!(decode_words(header(&headers, "Subject")), n.title);
    assert!(header(&headers, "From").contains("<posylka@example.org>"));
    assert!(header(&headers, "To").contains("<anna@example.org>"));
    assert_eq!(
        header(&headers, "Message-ID"),
        format!("<{}@example.org>", n.idempotency_key)
    );
    assert_eq!(
        header(&headers, "X-Posylka-Delivery"),
        n.idempotency_key.as_str()
    );
    assert_eq!(header(&headers, "X-Posylka-Event"), "finding.appeared");
    assert_eq!(header(&headers, "Auto-Submitted"), "auto-generated");
    assert!(header(&headers, "Content-Type").starts_with("text/plain; charset=utf-8"));
    assert_eq!(header(&headers, "Content-Transfer-Encoding"), "base64");
    let _ = header(&headers, "Date");

    let decoded = B64
        .decode(body.split_whitespace().collect::<String>())
        .expect("base64 body");
    let text = String::from_utf8(decoded).expect("utf-8 body");
    assert_eq!(text, email_body(&n).replace('\n', "\r\n"));
    assert!(text.contains("<12:00>"), "plain text is not escaped");
}

#[tokio::test]
async fn an_unknown_mailbox_is_refused_once_and_blamed_on_the_channel() {
    let server = SmtpServer::scripted(vec![("RCPT", "550 5.1.1 <anna@example.org>: no such user")]);
    let port = server.clone().start().await;
    let to = ChannelTarget::email("anna@example.org").expect("address");
    let err = notifier(port, 3)
        .send(&to, &notification())
        .await
        .expect_err("refused");
    assert!(
        matches!(
            err,
            DeliveryError::Rejected {
                status: Some(550),
                attempts: 1,
                blame: Blame::Channel,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.blames_channel());
    assert!(!err.to_string().contains("anna@"), "{err}");
    assert!(server.mails().is_empty());
    assert_eq!(*server.connections.lock().expect("lock"), 1);
}

#[tokio::test]
async fn a_temporary_refusal_is_retried() {
    let server = SmtpServer::scripted(vec![("MAIL", "451 4.3.0 try again later")]);
    let port = server.clone().start().await;
    let to = ChannelTarget::email("anna@example.org").expect("address");
    let sent = notifier(port, 2)
        .send(&to, &notification())
        .await
        .expect("sent");
    assert_eq!(sent.attempts, 2);
    assert_eq!(server.mails().len(), 1);
}

#[tokio::test]
async fn a_refused_login_is_the_servers_fault() {
    let server = SmtpServer::scripted(vec![("AUTH", "535 5.7.8 authentication failed")]);
    let port = server.clone().start().await;
    let to = ChannelTarget::email("anna@example.org").expect("address");
    let notifier = notifier(port, 2);
    let now = support::ts("2026-05-01T00:00:00Z");
    let (result, health) = notifier
        .deliver(&to, &ChannelHealth::default(), &notification(), now)
        .await;
    let err = result.expect_err("refused");
    assert!(!err.blames_channel(), "{err:?}");
    assert!(!err.to_string().contains("relay-password-1"), "{err}");
    assert_eq!(health.consecutive_failures, 0);
}

#[tokio::test]
async fn a_relay_that_is_down_is_retried_then_reported() {
    let port = closed_port().await;
    let to = ChannelTarget::email("anna@example.org").expect("address");
    let err = notifier(port, 2)
        .send(&to, &notification())
        .await
        .expect_err("failed");
    assert!(
        matches!(
            err,
            DeliveryError::Unavailable {
                attempts: 3,
                blame: Blame::Server,
                ..
            }
        ),
        "{err:?}"
    );
}
