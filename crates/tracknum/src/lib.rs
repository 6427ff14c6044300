//! Recognise parcel tracking numbers and marketplace order numbers, and find them in text.
//!
//! `tracknum` is the recognition engine of Posylka, usable on its own. It does no I/O.
//!
//! * [`normalize`] turns what a person pasted into the canonical number: separators removed,
//!   uppercased, Cyrillic look-alike letters and full-width forms mapped to ASCII.
//! * [`identify`] returns every format the number fits as a ranked list of [`Candidate`]s, with
//!   [`Problem`]s to tell the user (a wrong check digit and the expected one, an order number
//!   pasted instead of a tracking number, a domestic-only number...).
//! * [`scan`] finds every tracking and order number in arbitrary text (e-mails, SMS, pasted
//!   pages in Russian, Chinese or English), including numbers written with spaces inside.
//!
//! The formats are data: the files of `jkeen/tracking_number_data` (MIT) and Posylka's own
//! China -> CIS corridor formats in the same schema, embedded at compile time and compiled once
//! into a single multi-pattern automaton, so identification is one pass whatever the number of
//! formats.
//!
//! ```
//! use tracknum::{identify, NumberKind};
//!
//! let id = identify("RA123456785CN");
//! assert_eq!(id.kind(), NumberKind::Tracking);
//! assert_eq!(id.best().unwrap().carrier.id, "china-post");
//!
//! // A typo is a near miss, with the digit that was expected.
//! let typo = identify("RA123456786CN");
//! assert!(!typo.is_valid());
//! assert_eq!(typo.problems[0].code(), "check_digit_mismatch");
//!
//! // An AliExpress order number is recognised as such.
//! assert_eq!(identify("3074935419642839").kind(), NumberKind::OrderNumber);
//! ```

mod catalog;
pub mod checksum;
mod data_files;
mod format_set;
mod identify;
pub mod json;
mod lookahead;
mod normalize;
mod pattern;
mod recent;
mod scan;
mod spec;

pub use catalog::{Carrier, Catalog, DataError, Format, Kind, PostalOperator, catalog};
pub use identify::{
    Candidate, Identification, NumberKind, Problem, RussianPostLabel, identify, identify_into,
    identify_normalized_into,
};
pub use normalize::{MAX_LEN, NormalizeError, Normalized, normalize};
pub use scan::{Hit, Scanner, scan};
