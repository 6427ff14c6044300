//! One RFC 5322 message: the header fields extraction needs and its readable text.
//!
//! MIME structure, transfer encodings (base64, quoted-printable), encoded words in headers and
//! legacy charsets (koi8-r, windows-1251, gb2312/gbk, big5, shift_jis...) are mail-parser's
//! work. The text is the text/plain parts; when there are none (or they are blank), the HTML
//! parts through [`crate::html::html_to_text`], whose cell and block breaks keep table labels
//! and values apart.

use jiff::Timestamp;
use jiff::tz::Offset;
use mail_parser::{HeaderName, MessageParser, PartType};
use posylka_core::event_time::EventTime;

use crate::MailError;

/// The largest message read; notifications are a few kilobytes, anything near this is a
/// message with attachments whose text is not worth the memory.
pub const MAX_MESSAGE_BYTES: usize = 32 * 1024 * 1024;

/// The most text scanned per message; numbers in notifications are near the top.
pub const MAX_TEXT_BYTES: usize = 1024 * 1024;

/// What extraction reads from a message.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    /// The Message-ID, without angle brackets.
    pub message_id: Option<String>,
    /// The decoded Subject.
    pub subject: Option<String>,
    /// The Date header, with the sender's offset.
    pub date: Option<EventTime>,
    /// The sender's address (used for its domain only; never reported).
    pub sender: Option<String>,
    /// The readable text of the body.
    pub body: String,
}

/// Header fields at least one of which every real message has; a file with none of them is
/// not a message (mail-parser itself accepts any bytes).
const MESSAGE_HEADERS: [HeaderName<'static>; 8] = [
    HeaderName::From,
    HeaderName::Date,
    HeaderName::Subject,
    HeaderName::MessageId,
    HeaderName::To,
    HeaderName::ContentType,
    HeaderName::Received,
    HeaderName::MimeVersion,
];

/// Parses a raw message.
pub fn parse(raw: &[u8]) -> Result<Parsed, MailError> {
    if raw.iter().all(u8::is_ascii_whitespace) {
        return Err(MailError::Empty);
    }
    if raw.len() > MAX_MESSAGE_BYTES {
        return Err(MailError::TooLarge {
            bytes: raw.len(),
            limit: MAX_MESSAGE_BYTES,
        });
    }
    let message = MessageParser::default()
        .parse(raw)
        .ok_or(MailError::NotAMessage)?;
    let headers = message
        .parts
        .first()
        .map(|p| p.headers.as_slice())
        .unwrap_or_default();
    if !headers.iter().any(|h| MESSAGE_HEADERS.contains(&h.name)) {
        return Err(MailError::NotAMessage);
    }
    let sender = message
        .from()
        .and_then(|a| a.first())
        .and_then(|a| a.address())
        .map(str::to_owned);
    let date = message.date().and_then(event_time);
    let mut body = text_of(&message, PartKind::Text);
    if body.trim().is_empty() {
        body = text_of(&message, PartKind::Html);
    }
    truncate(&mut body, MAX_TEXT_BYTES);
    Ok(Parsed {
        message_id: message
            .message_id()
            .map(|id| id.trim().trim_matches(['<', '>']).to_owned())
            .filter(|id| !id.is_empty()),
        subject: message
            .subject()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty()),
        date,
        sender,
        body,
    })
}

#[derive(Clone, Copy, PartialEq)]
enum PartKind {
    Text,
    Html,
}

/// The body's text/plain parts (or HTML parts as text), joined by blank lines.
fn text_of(message: &mail_parser::Message<'_>, kind: PartKind) -> String {
    let ids = match kind {
        PartKind::Text => &message.text_body,
        PartKind::Html => &message.html_body,
    };
    let mut out = String::new();
    for id in ids {
        let Some(part) = usize::try_from(*id).ok().and_then(|i| message.parts.get(i)) else {
            continue;
        };
        let text = match (&part.body, kind) {
            (PartType::Text(t), PartKind::Text) => t.to_string(),
            (PartType::Html(h), PartKind::Html) => crate::html::html_to_text(h),
            _ => continue,
        };
        if !out.is_empty() {
            out.push_str("\n\n");
        }
        out.push_str(&text);
        if out.len() > MAX_TEXT_BYTES {
            break;
        }
    }
    out
}

fn truncate(text: &mut String, max: usize) {
    if text.len() > max {
        let mut cut = max;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
    }
}

/// The Date header as an instant with its offset; `None` for an impossible date.
fn event_time(d: &mail_parser::DateTime) -> Option<EventTime> {
    let date = jiff::civil::Date::new(
        i16::try_from(d.year).ok()?,
        i8::try_from(d.month).ok()?,
        i8::try_from(d.day).ok()?,
    )
    .ok()?;
    let time = jiff::civil::Time::new(
        i8::try_from(d.hour).ok()?,
        i8::try_from(d.minute).ok()?,
        // A leap second (60) is read as the last second of its minute.
        i8::try_from(d.second.min(59)).ok()?,
        0,
    )
    .ok()?;
    let seconds = (i32::from(d.tz_hour) * 60 + i32::from(d.tz_minute)) * 60;
    let seconds = if d.tz_before_gmt { -seconds } else { seconds };
    let offset = Offset::from_seconds(seconds).ok()?;
    let instant: Timestamp = offset.to_timestamp(date.to_datetime(time)).ok()?;
    Some(EventTime::new(instant, offset))
}
