//! Mail-box intake: shipping notifications from marketplaces and carriers, read into shipment
//! documents.
//!
//! [`extract`] reads one RFC 5322 message (MIME, base64 and quoted-printable, koi8-r,
//! windows-1251, gb2312 and other legacy charsets, HTML-only bodies) and returns what it says
//! about parcels: every tracking number, every order number and which tracking number belongs
//! to which order, the shipping date, the seller and the marketplace (from the sender's domain).
//! [`Extraction::documents`] turns that into one [`ShipmentDocument`] per tracking number.
//! [`import::plan`] decides what a message does to the store (create a shipment, complete its
//! order, nothing) without touching it. [`messages`] reads `.eml` files, maildirs and mbox
//! files from disk; apart from that the crate does no I/O.
//!
//! The [`Extraction`] holds the message id and subject, but no address (From, To, delivery
//! address), no name from the headers and no body text.
//!
//! IMAP is not spoken here: sync the mailbox into a maildir with a standard tool (mbsync,
//! offlineimap, fetchmail with an MDA) and import that.
//!
//! ```
//! let mail = b"From: AliExpress <transaction@notice.aliexpress.com>\r\n\
//! Date: Sat, 21 Nov 2026 09:14:03 +0800\r\n\
//! Subject: Your order 8190000000000001 has been shipped\r\n\
//! Content-Type: text/plain; charset=utf-8\r\n\r\n\
//! Tracking number: LP00573419278865\r\n";
//! let found = posylka_mail::extract(mail).unwrap();
//! assert_eq!(found.marketplace, Some("aliexpress"));
//! let docs = found.documents();
//! assert_eq!(docs[0].tracking_numbers, ["LP00573419278865"]);
//! let order = docs[0].order.as_ref().unwrap();
//! assert_eq!(order.number.as_deref(), Some("8190000000000001"));
//! assert_eq!(order.shipped_at.as_deref(), Some("2026-11-21T09:14:03+08:00"));
//! ```
//!
//! [`ShipmentDocument`]: posylka_core::document::ShipmentDocument

mod dates;
mod extract;
mod html;
pub mod import;
mod marketplace;
mod message;
mod source;
mod text;

pub use extract::{Extraction, OrderFound, TrackingFound};
pub use html::html_to_text;
pub use message::{MAX_MESSAGE_BYTES, MAX_TEXT_BYTES};
pub use source::{Messages, Origin, RawMessage, ReadError, messages};

/// Why a file is not a message that can be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MailError {
    /// The file is empty or only white space.
    #[error("empty: not an e-mail message")]
    Empty,
    /// The file is larger than [`MAX_MESSAGE_BYTES`].
    #[error("{bytes} bytes, more than the {limit} read per message")]
    TooLarge {
        /// The message's size.
        bytes: usize,
        /// The limit.
        limit: usize,
    },
    /// No header field a message has (From, Date, Subject, Message-ID, To, Content-Type,
    /// Received, MIME-Version).
    #[error("no e-mail header fields (From, Date, Subject...): not an e-mail message")]
    NotAMessage,
}

/// Reads one raw message and extracts what it says about parcels.
pub fn extract(raw: &[u8]) -> Result<Extraction, MailError> {
    message::parse(raw).map(extract::extract)
}
