//! Pure core of Posylka: domain types and the rules that interpret carrier data.
//!
//! Nothing in this crate performs I/O or async work; every function is deterministic.
//! Invariants:
//! - a [`Milestone`] is always one of the 18 keys of the taxonomy (valid by construction);
//! - [`normalize()`] maps *any* input, however malformed, to exactly one milestone and never panics.
//!
//! ```
//! use posylka_core::{normalize, Milestone, RawEvent};
//!
//! let event = RawEvent::from_text("Вручение, Вручение отправителю");
//! let result = normalize(&event);
//! assert_eq!(result.milestone, Milestone::Returned);
//! assert!(result.milestone.is_terminal());
//!
//! let coded = RawEvent { code: Some("8.13".into()), carrier: Some("Почта России".into()),
//!                        ..RawEvent::from_text("") };
//! assert_eq!(normalize(&coded).milestone, Milestone::ArrivedDestinationCountry);
//! ```

pub mod milestone;
pub mod normalize;

pub use milestone::{Milestone, ParseKeyError, Reason, Side};
pub use normalize::{CarrierId, Normalized, Normalizer, RawEvent, normalize};

// Shipments, timelines and the storage interface.
pub mod account;
pub mod document;
pub mod event_time;
pub mod number_window;
pub mod order;
pub mod session;
pub mod shipment;
pub mod store;
pub mod timeline;
