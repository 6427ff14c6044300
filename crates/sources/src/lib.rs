//! Where Posylka's events come from: connectors for 17TRACK, Russian Post and Cainiao, and the
//! polite poller that drives them.
//!
//! # Shape
//!
//! - [`Source`]: the interface every connector implements (register, fetch, stop, and where the
//!   source supports it, verify and read a push). Connectors return raw events
//!   ([`SourceEvent`]: the core's [`posylka_core::RawEvent`] plus time, number and an optional
//!   [`Hint`]) so every event goes through the core normaliser; linked numbers (17TRACK's
//!   last-mile number, Cainiao's `realMailNo`) come back as [`LinkedNumber`]s. Per-number
//!   failures ([`NumberError`]) travel inside a successful [`BatchReport`]; a [`SourceError`]
//!   fails the whole call and says how the poller should react ([`FailureKind`]).
//! - [`config`]: per-source settings from the environment; keys are `secrecy` secrets.
//! - [`cadence::next_poll_at`] (pure): when a number is due again, by milestone and silence.
//! - [`breaker::CircuitBreaker`] (pure) and [`limits::Budget`] (`governor` token buckets).
//! - [`poller::Poller`]: claims due numbers from a [`poller::WorkSource`] with a lease, fetches
//!   within the budget with `backon` retries, ingests through a [`poller::Ingest`] *before*
//!   releasing the lease, so a crash never loses an event and idempotent ingestion (the store's
//!   fingerprints) never doubles one. [`memory`] has in-memory implementations and
//!   [`memory::StoreIngest`] over the core `Store`; [`queue::StoreWork`] is the work source
//!   over the store's poll queue (`posylka_core::store::polling::PollStore`: leases in the
//!   database, `FOR UPDATE SKIP LOCKED` on PostgreSQL, so several instances share the work).
//!
//! # What could not be confirmed, and how it is configurable
//!
//! The connectors follow published shapes as far as the project's reference material and
//! public code show them; these parts are unconfirmed against the live services:
//!
//! - **17TRACK**: the envelope (`code`, `data.accepted[]`, `data.rejected[].error{code,
//!   message}`), the 40-number limit, the `17token` header and the error codes are from the
//!   official v2.2 documentation. The `track_info` field names (`tracking.providers[].events[]`
//!   with `time_iso`, `time_utc`, `description`, `location`, `stage`, `sub_status`, `address`;
//!   `misc_info.local_number`/`local_provider`; `latest_status`) come from third-party typed
//!   clients. The webhook signature recipe (`sign` header = hex SHA-256 of
//!   `body + "/" + key`) comes from one third-party implementation, not the official text;
//!   the key is the API token unless `POSYLKA_17TRACK_PUSH_KEY` sets another. The per-event
//!   `stage` names are used only when an event has no `sub_status`. Whether `gettrackinfo`
//!   consumes quota and the per-key rate (3 req/s, a third-party figure) are unconfirmed: the
//!   rate is `POSYLKA_17TRACK_RATE`, an extra quota `POSYLKA_17TRACK_QUOTA`; `-18019907` and
//!   `-18019908` pause the source whatever the local budget says. Base URL:
//!   `POSYLKA_17TRACK_URL` (e.g. a v2.4 endpoint, whose wire format is a superset).
//! - **Russian Post**: the request (SOAP 1.2 `getOperationHistory`, namespaces
//!   `http://russianpost.org/operationhistory[/data]`, credentials in `AuthorizationHeader`)
//!   and the `historyRecord` elements follow many public clients and the reference notes; the
//!   fault detail names (`AuthorizationFault`, `OperationHistoryFault`, `LanguageFault`) and
//!   the default daily limit (100 requests, `POSYLKA_RUSSIANPOST_QUOTA`) are unconfirmed. The
//!   batch interface (`getTicket`/`getResponseByTicket` at `/fc`, up to 3,000 barcodes per
//!   ticket) is **not implemented**: its answer format (attributes, local date format without
//!   offset) could not be confirmed; the single interface is used one barcode per call.
//!   Endpoint: `POSYLKA_RUSSIANPOST_URL`.
//! - **Cainiao**: `global/detail.json` is not a documented API. The field names come from
//!   open-source clients; whether `mailNos` accepts several numbers is unconfirmed (batch size
//!   `POSYLKA_CAINIAO_BATCH`, default 1); the module-level `status` values come from one
//!   unverified third-party mapping (used only for the summary status, never for events).
//!   `realMailNo` is display text; the machine-readable `copyRealMailNo` is preferred. Base URL:
//!   `POSYLKA_CAINIAO_URL`; the source is opt-in (`POSYLKA_CAINIAO_ENABLED=true`, or naming its URL).
//!
//! - **Which numbers each source answers for** (the server's router, `posylka_server::poll`):
//!   that Russian Post's single interface answers for foreign S10 items once they are in Russia
//!   and Cainiao's page for numbers issued in China follows from the reference notes and
//!   public clients, not from the services' documentation; 17TRACK is asked about every
//!   number. A source is switched off by leaving out its credentials
//!   (Cainiao, which has none, is off unless `POSYLKA_CAINIAO_ENABLED=true`).
//! - **Timing**: the cadence by stage (`cadence.rs`) and the poller's retry, lease and breaker
//!   settings are Posylka's choices, not the services' published rules; the poller's are
//!   `POSYLKA_POLL_*` (see [`config`]).
//!
//! Every response parser turns any input into a value or a [`SourceError::Malformed`] naming
//! what and where; none panics (property tests feed them arbitrary bytes and mutated shapes;
//! `POSYLKA_FUZZ_CASES` scales the case count).

pub mod breaker;
pub mod cadence;
pub mod cainiao;
pub mod config;
pub mod event;
mod http;
pub mod limits;
pub mod memory;
pub mod poller;
pub mod queue;
pub mod russianpost;
pub mod seventeentrack;
pub mod source;

pub use event::{
    BatchReport, FetchReport, Hint, LinkedNumber, NumberError, SourceEvent, SourceStatus, Tracked,
};
pub use http::MAX_BODY_BYTES;
pub use source::{FailureKind, PushError, PushNotice, Source, SourceError};
