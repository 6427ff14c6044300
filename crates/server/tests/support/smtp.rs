//! An in-process SMTP receiver: just enough of RFC 5321 for lettre, on a loopback port.

use std::sync::{Arc, Mutex};

use base64::Engine as _;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// Every mail received: the `RCPT` line, then the data as sent (dot-unstuffed).
#[derive(Clone, Default)]
pub struct Smtp {
    mails: Arc<Mutex<Vec<String>>>,
}

impl Smtp {
    /// Listens on a free loopback port; returns the receiver and the port.
    pub async fn start() -> (Self, u16) {
        let smtp = Self::default();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = smtp.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let server = server.clone();
                tokio::spawn(async move { server.session(socket).await });
            }
        });
        (smtp, port)
    }

    pub fn mails(&self) -> Vec<String> {
        self.mails.lock().unwrap().clone()
    }

    /// The first mail that names `address` (in its `RCPT` line or anywhere else).
    pub fn mail_to(&self, address: &str) -> Option<String> {
        self.mails
            .lock()
            .unwrap()
            .iter()
            .find(|m| m.contains(address))
            .cloned()
    }

    async fn session(self, socket: tokio::net::TcpStream) {
        let (read, mut write) = socket.into_split();
        let mut lines = BufReader::new(read);
        if write.write_all(b"220 test.local ESMTP\r\n").await.is_err() {
            return;
        }
        let mut rcpt = String::new();
        loop {
            let mut line = String::new();
            match lines.read_line(&mut line).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            let verb = line
                .split([' ', '\r'])
                .next()
                .unwrap_or("")
                .to_ascii_uppercase();
            let answer = match verb.as_str() {
                "EHLO" => "250-test.local\r\n250 8BITMIME".to_owned(),
                "HELO" | "MAIL" | "RSET" | "NOOP" => "250 ok".to_owned(),
                "RCPT" => {
                    rcpt = line.trim_end().to_owned();
                    "250 ok".to_owned()
                }
                "DATA" => {
                    if write.write_all(b"354 go ahead\r\n").await.is_err() {
                        return;
                    }
                    let mut data = format!("{rcpt}\r\n");
                    loop {
                        let mut l = String::new();
                        match lines.read_line(&mut l).await {
                            Ok(0) | Err(_) => return,
                            Ok(_) => {}
                        }
                        if l == ".\r\n" {
                            break;
                        }
                        data.push_str(l.strip_prefix('.').unwrap_or(&l));
                    }
                    self.mails.lock().unwrap().push(data);
                    "250 queued".to_owned()
                }
                "QUIT" => {
                    let _ = write.write_all(b"221 bye\r\n").await;
                    return;
                }
                _ => "502 unknown".to_owned(),
            };
            if write
                .write_all(format!("{answer}\r\n").as_bytes())
                .await
                .is_err()
            {
                return;
            }
        }
    }
}

/// The decoded text body of a mail (base64, one part).
pub fn mail_body(mail: &str) -> String {
    let body = mail.split("\r\n\r\n").nth(1).unwrap_or_default();
    let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(compact)
        .unwrap_or_default();
    String::from_utf8(bytes).unwrap_or_default()
}

/// A header's value in a mail.
pub fn mail_header(mail: &str, name: &str) -> Option<String> {
    let head = mail.split("\r\n\r\n").next()?;
    head.split("\r\n").find_map(|line| {
        let (k, v) = line.split_once(':')?;
        k.eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
    })
}
