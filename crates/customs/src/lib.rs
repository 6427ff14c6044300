//! The customs desk, pure: what a small carrier, shop or broker needs to collect recipients'
//! identity data for the customs register (DOMAIN.md, "Customs and the recipient's identity
//! data"), with no I/O. The server wires it to the store, the vault, SMS and e-mail.
//!
//! - **Identity data valid by construction** ([`identity`]): [`Inn`] (10 and 12 digits,
//!   check digits), [`RuPassport`] series and number with the issue-date rules
//!   ([`document`]), [`CyrillicName`] / [`FullName`], [`Phone`] (E.164, every Russian
//!   spelling), [`Email`]. [`IdentityForm::validate`] names every refused field at once;
//!   [`RecipientIdentity`] serialises for the vault. `Debug` of personal data is redacted.
//! - **Manifests** ([`manifest`]): CSV and JSON, tracking numbers checked by `tracknum`, all
//!   or nothing with every error by line and field.
//! - **The request flow** ([`flow`]): SMS and e-mail rounds, reminders, the deadline, as a
//!   pure schedule that never sends a message twice.
//! - **One-time codes** ([`otp`]): 6 digits, 10 minutes, 5 tries, hashed, constant-time,
//!   void on a phone change; rate limits per parcel and IP as pure bookkeeping.
//! - **Messages** ([`messages`]): SMS and e-mail in Russian and English that show how to
//!   check the link and offer the refusal.
//! - **The register** ([`register`]): CSV and XML per batch, with the duty estimate from the
//!   watchdog's dated table.
//! - **Retention** ([`retention`]): when the data must be destroyed.
//!
//! ```
//! use jiff::Timestamp;
//! use posylka_customs::manifest::{parse, ManifestFormat, ManifestOptions};
//! use posylka_customs::{FlowConfig, IdentityForm, IdentityRules, IssuedCode, RequestFlow, Verdict};
//!
//! let csv = "tracking_number,recipient_name,phone,email,declared_value,currency,weight_kg,item_description\n\
//!            RB123456785GB,Иван Петров,8 912 345-67-89,ivan@mail.ru,250,EUR,1.2,Phone case\n";
//! let manifest = parse(csv.as_bytes(), ManifestFormat::sniff(csv.as_bytes()), &ManifestOptions::default())
//!     .expect("clean manifest");
//! let parcel = &manifest.parcels[0];
//!
//! // The parcel reaches customs: the SMS and the e-mail are due at once.
//! let arrived: Timestamp = "2026-03-02T09:00:00Z".parse().unwrap();
//! let config = FlowConfig::default();
//! let mut flow = RequestFlow::new(arrived);
//! let plan = flow.plan(arrived, &config);
//! for message in &plan.due {
//!     // ... render with `messages::render` and send, then:
//!     flow.mark_sent(*message, arrived, &config).unwrap();
//! }
//! assert_eq!(plan.due.len(), 2);
//!
//! // The recipient fills in the form, then confirms with the code sent to the phone on file.
//! let mut form = IdentityForm::default();
//! form.surname = "Петров".into();
//! form.given_name = "Иван".into();
//! form.document_type = "ru_passport".into();
//! form.series = "46 03".into();
//! form.number = "123456".into();
//! form.issued_on = "15.06.2005".into();
//! form.inn = "500100732259".into();
//! let identity = form.validate(jiff::civil::date(2026, 3, 3), &IdentityRules::default())
//!     .expect("valid").identity;
//! let now: Timestamp = "2026-03-03T10:00:00Z".parse().unwrap();
//! let (code, mut issued) = IssuedCode::issue("parcel:1", &parcel.phone, now).unwrap();
//! let verdict = issued.verify(code.as_str(), "parcel:1", &parcel.phone, now, &Default::default());
//! assert_eq!(verdict, Verdict::Accepted);
//! flow.submitted(now, &config).unwrap();
//! // `identity.to_vault_bytes()` goes to the vault; the flow is over.
//! assert!(flow.plan(now, &config).status.is_final());
//! # drop(identity);
//! ```

pub mod contact;
pub mod document;
pub mod error;
pub mod flow;
pub mod identity;
pub mod inn;
pub mod manifest;
pub mod messages;
pub mod name;
pub mod otp;
pub mod register;
pub mod retention;

pub use contact::{Email, Phone};
pub use document::{DocumentType, RuPassport, Warning};
pub use error::{FieldError, FieldErrors, Invalid};
pub use flow::{Channel, FlowConfig, Message, Plan, RequestFlow, Status, Step};
pub use identity::{IdentityDocument, IdentityForm, IdentityRules, RecipientIdentity, Validated};
pub use inn::Inn;
pub use manifest::{Manifest, ManifestErrors, ManifestFormat, ManifestOptions, ManifestParcel};
pub use name::{CyrillicName, FullName};
pub use otp::{CodeLimits, CodePolicy, IssuedCode, OneTimeCode, RateLimiter, Verdict};
pub use retention::{Ended, Retention};
