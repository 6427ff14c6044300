//! The customs desk, wired: operators import manifests and export the register
//! ([`desk`]), recipients give their identity data on `/c/{token}` ([`recipient`]), a
//! background scheduler sends the request flow's SMS and e-mails, returns parcels at the
//! deadline, destroys data after the retention period and re-wraps data keys after a key
//! rotation ([`scheduler`]). The pure rules are `posylka_customs`'; envelope encryption is
//! `posylka_vault`'s.
//!
//! Enabled when a vault key is configured (`[customs] vault_keys`, or
//! `POSYLKA_VAULT_KEY_FILE` / `POSYLKA_VAULT_KEY`); otherwise every desk route answers 404.
//!
//! Invariants: identity data, contacts and link tokens are stored only sealed (a data key per
//! record, the master key outside the database); nothing personal is logged (log fields are
//! parcel ids and outcomes); every decryption of identity data for an operator writes an audit
//! entry first; a recipient's token opens exactly one parcel.

pub mod desk;
pub mod mail;
pub mod recipient;
pub mod scheduler;
pub mod sms;
pub(crate) mod text;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, Ordering};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use posylka_core::store::StoreError;
use posylka_core::store::customs::{CustomsParcel, CustomsStore as _, SealedBlob};
use posylka_customs::manifest::{Item, RecipientName};
use posylka_customs::{
    CodeLimits, CodePolicy, Email, Ended, FlowConfig, ManifestParcel, Phone, RequestFlow, Retention,
};
use posylka_vault::{Binding, KeyId, KeySource, Keyring, Sealed};
use secrecy::{ExposeSecret as _, SecretString};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use zeroize::Zeroizing;

use crate::state::AppState;

/// The desk's configuration (`[customs]` in the TOML file).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CustomsConfig {
    /// The carrier's public base URL (`https://desk.carrier.ru`): links in messages, and the
    /// domain every message tells recipients to check. Defaults to `notify.public_url`.
    pub public_url: Option<String>,
    /// The carrier's name as recipients know it.
    pub carrier: String,
    /// The current master key's id (default: the only key, or `k1`).
    pub vault_current: Option<String>,
    /// Master keys by id: `"file:/etc/posylka/vault-k2.key"` or `"env:POSYLKA_VAULT_KEY"`.
    /// Keep the old keys listed during a rotation until the re-wrap is done.
    pub vault_keys: BTreeMap<String, String>,
    /// A key file (`POSYLKA_VAULT_KEY_FILE`), id `k1`, when `vault_keys` is empty.
    pub vault_key_file: Option<PathBuf>,
    /// The SMS gateway ([`sms`]).
    pub sms: Option<sms::SmsConfig>,
    /// Days the data are kept after the parcel is cleared or returned.
    pub retention_days: u16,
    /// The request schedule.
    pub flow: FlowConfig,
    /// Run the scheduler in this process.
    pub scheduler: bool,
    /// Seconds between the scheduler's rounds when nothing wakes it.
    pub poll_secs: u64,
    /// Days the recipient's link keeps working after the deadline (delivery choice).
    pub link_days_after_deadline: u16,
    /// The recipients' time zone for dates in messages.
    pub time_zone: String,
    /// Messages' language (`ru` or `en`); the page follows the browser.
    pub lang: String,
    /// Pick-up points offered.
    pub pickup_points: Vec<String>,
    /// Parcel lockers offered.
    pub lockers: Vec<String>,
    /// Courier time slots offered.
    pub courier_slots: Vec<String>,
}

impl Default for CustomsConfig {
    fn default() -> Self {
        Self {
            public_url: None,
            carrier: "Posylka".into(),
            vault_current: None,
            vault_keys: BTreeMap::new(),
            vault_key_file: None,
            sms: None,
            retention_days: Retention::default().days,
            flow: FlowConfig::default(),
            scheduler: true,
            poll_secs: 30,
            link_days_after_deadline: 14,
            time_zone: "Europe/Moscow".into(),
            lang: "ru".into(),
            pickup_points: vec![
                "ПВЗ «Тверская, 7» · Pick-up point Tverskaya 7".into(),
                "ПВЗ «Ленинский пр., 30» · Pick-up point Leninsky 30".into(),
            ],
            lockers: vec!["Постамат «Арбат, 12» · Locker Arbat 12".into()],
            courier_slots: vec![
                "10:00–14:00".into(),
                "14:00–18:00".into(),
                "18:00–22:00".into(),
            ],
        }
    }
}

/// The goods of a parcel as stored (no personal data).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Goods {
    pub declared_value: String,
    pub weight_grams: u32,
    pub items: Vec<GoodsItem>,
}

/// A line of goods.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct GoodsItem {
    pub description: String,
    pub quantity: u32,
    pub value: Option<String>,
}

/// The recipient's contacts from the manifest; sealed at rest.
#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct Contact {
    pub name: String,
    pub phone: String,
    pub email: String,
}

impl std::fmt::Debug for Contact {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Contact(redacted)")
    }
}

/// The delivery the recipient chose.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Delivery {
    /// `courier`, `locker`, `pickup`.
    pub kind: String,
    /// The slot, locker or point.
    pub choice: String,
    pub chosen_at: Timestamp,
}

/// Why a desk operation failed.
#[derive(Debug, thiserror::Error)]
pub enum DeskError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Sealing or opening failed (names key ids, never data).
    #[error("vault: {0}")]
    Vault(#[from] posylka_vault::VaultError),
    /// Stored data do not decode.
    #[error("corrupt customs data: {0}")]
    Corrupt(String),
    /// Someone else changed the parcel meanwhile, again and again.
    #[error("the parcel kept changing; try again")]
    Busy,
}

/// The running desk: keys, limits, transports, clock.
pub struct Desk {
    keyring: Keyring,
    config: CustomsConfig,
    public_url: String,
    tz: TimeZone,
    lang: posylka_watchdog::Lang,
    policy: CodePolicy,
    limits: Mutex<CodeLimits>,
    /// Misses of `/c/{token}` per IP: guessing tokens is refused long before it could work.
    token_misses: Mutex<Misses>,
    sms: Option<sms::SmsGateway>,
    mailer: Option<mail::Mailer>,
    /// Seconds added to the wall clock (tests drive time with [`Desk::advance`]).
    offset: AtomicI64,
    /// Wakes the scheduler.
    pub(crate) wake: tokio::sync::Notify,
}

impl std::fmt::Debug for Desk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Desk")
            .field("public_url", &self.public_url)
            .field("keyring", &self.keyring)
            .finish_non_exhaustive()
    }
}

/// Misses of a token allowed per IP and hour.
pub const TOKEN_MISSES_PER_HOUR: u32 = 20;

impl Desk {
    /// The desk of `config`, or `None` when no vault key is configured. Errors name the key
    /// file or variable at fault, never key bytes.
    pub fn from_config(config: &crate::config::Config) -> Result<Option<Self>, String> {
        let c = &config.customs;
        let mut keys = c.vault_keys.clone();
        if keys.is_empty() {
            if let Some(file) = &c.vault_key_file {
                keys.insert("k1".into(), format!("file:{}", file.display()));
            } else if std::env::var_os("POSYLKA_VAULT_KEY").is_some() {
                keys.insert("k1".into(), "env:POSYLKA_VAULT_KEY".into());
            } else {
                return Ok(None);
            }
        }
        let mut sources = Vec::new();
        for (id, source) in &keys {
            let id = KeyId::new(id).map_err(|e| format!("customs.vault_keys: {e}"))?;
            let source: KeySource = source
                .parse()
                .map_err(|e| format!("customs.vault_keys.{id}: {e}"))?;
            sources.push((id, source));
        }
        let current = match &c.vault_current {
            Some(id) => id.clone(),
            None if keys.len() == 1 => keys.keys().next().cloned().unwrap_or_default(),
            None => return Err("customs.vault_current: name the current key among several".into()),
        };
        let current = KeyId::new(&current).map_err(|e| format!("customs.vault_current: {e}"))?;
        let keyring = Keyring::load(&current, sources.iter().map(|(i, s)| (i.clone(), s)))
            .map_err(|e| format!("customs vault: {e}"))?;
        let public_url = c
            .public_url
            .clone()
            .or_else(|| config.notify.public_url.clone())
            .unwrap_or_else(|| format!("http://{}", config.listen));
        // The link must be buildable: checked once here rather than at the first message.
        posylka_customs::messages::RecipientLink::new(&public_url, "0123456789abcdef0123")
            .map_err(|e| format!("customs.public_url: {e}"))?;
        c.flow
            .validate()
            .map_err(|e| format!("customs.flow.{}: {}", e.key, e.message))?;
        let tz = TimeZone::get(&c.time_zone)
            .map_err(|e| format!("customs.time_zone {}: {e}", c.time_zone))?;
        let lang = c
            .lang
            .parse()
            .map_err(|_| format!("customs.lang: {} is not ru or en", c.lang))?;
        let sms = c
            .sms
            .as_ref()
            .map(sms::SmsGateway::new)
            .transpose()
            .map_err(|e| format!("customs.sms: {e}"))?;
        let mailer = config
            .notify
            .smtp
            .as_ref()
            .map(mail::Mailer::new)
            .transpose()
            .map_err(|e| format!("notify.smtp (customs e-mail): {e}"))?;
        let policy = CodePolicy::default();
        Ok(Some(Self {
            keyring,
            config: c.clone(),
            public_url,
            tz,
            lang,
            policy,
            limits: Mutex::new(CodeLimits::new(&policy)),
            token_misses: Mutex::new(Misses::default()),
            sms,
            mailer,
            offset: AtomicI64::new(0),
            wake: tokio::sync::Notify::new(),
        }))
    }

    /// Now, by the desk's clock.
    pub fn now(&self) -> Timestamp {
        let offset = SignedDuration::from_secs(self.offset.load(Ordering::Relaxed));
        Timestamp::now()
            .saturating_add(offset)
            .unwrap_or(Timestamp::MAX)
    }

    /// Moves the desk's clock forward (tests: deadlines and retention without waiting).
    pub fn advance(&self, by: SignedDuration) {
        self.offset.fetch_add(by.as_secs(), Ordering::Relaxed);
        self.wake.notify_one();
    }

    pub(crate) fn misses(&self) -> std::sync::MutexGuard<'_, Misses> {
        self.token_misses
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Wakes the scheduler.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// The configuration.
    pub fn config(&self) -> &CustomsConfig {
        &self.config
    }

    /// The public base URL.
    pub fn public_url(&self) -> &str {
        &self.public_url
    }

    /// The domain recipients are told to check.
    pub fn domain(&self) -> String {
        posylka_customs::messages::RecipientLink::new(&self.public_url, "0123456789abcdef0123")
            .map(|l| l.domain().to_owned())
            .unwrap_or_default()
    }

    pub(crate) fn retention(&self) -> Retention {
        Retention {
            days: self.config.retention_days,
        }
    }

    pub(crate) fn seal(
        &self,
        context: &str,
        record: &str,
        plain: &[u8],
    ) -> Result<SealedBlob, DeskError> {
        let sealed = self.keyring.seal(&Binding::new(context, record), plain)?;
        Ok(SealedBlob {
            key_id: sealed.key_id().as_str().to_owned(),
            wrapped_key: sealed.wrapped_key().to_vec(),
            ciphertext: sealed.ciphertext().to_vec(),
        })
    }

    fn sealed(blob: &SealedBlob) -> Result<Sealed, DeskError> {
        let id = KeyId::new(&blob.key_id)?;
        Ok(Sealed::from_parts(
            id,
            &blob.wrapped_key,
            blob.ciphertext.clone(),
        )?)
    }

    pub(crate) fn open(
        &self,
        context: &str,
        record: &str,
        blob: &SealedBlob,
    ) -> Result<Zeroizing<Vec<u8>>, DeskError> {
        let opened = self
            .keyring
            .open(&Binding::new(context, record), &Self::sealed(blob)?)?;
        Ok(Zeroizing::new(opened.expose_secret().to_vec()))
    }

    fn rewrap_blob(
        &self,
        context: &str,
        record: &str,
        blob: &mut Option<SealedBlob>,
    ) -> Result<bool, DeskError> {
        let Some(b) = blob else { return Ok(false) };
        let sealed = Self::sealed(b)?;
        if !self.keyring.needs_rewrap(&sealed) {
            return Ok(false);
        }
        let new = self
            .keyring
            .rewrap(&Binding::new(context, record), &sealed)?;
        *b = SealedBlob {
            key_id: new.key_id().as_str().to_owned(),
            wrapped_key: new.wrapped_key().to_vec(),
            ciphertext: new.ciphertext().to_vec(),
        };
        Ok(true)
    }

    /// The current master key's id.
    pub fn current_key(&self) -> &str {
        self.keyring.current_id().as_str()
    }

    pub(crate) fn contact(&self, p: &CustomsParcel) -> Result<Option<Contact>, DeskError> {
        let Some(blob) = &p.contact else {
            return Ok(None);
        };
        let bytes = self.open(CONTACT, &p.record_key, blob)?;
        serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|_| DeskError::Corrupt(format!("parcel {}: contact", p.id)))
    }

    pub(crate) fn token(&self, p: &CustomsParcel) -> Result<Option<SecretString>, DeskError> {
        let Some(blob) = &p.token else {
            return Ok(None);
        };
        let bytes = self.open(TOKEN, &p.record_key, blob)?;
        String::from_utf8(bytes.to_vec())
            .map(|s| Some(SecretString::from(s)))
            .map_err(|_| DeskError::Corrupt(format!("parcel {}: token", p.id)))
    }

    pub(crate) fn flow(p: &CustomsParcel) -> Result<Option<RequestFlow>, DeskError> {
        p.flow
            .as_deref()
            .map(serde_json::from_str)
            .transpose()
            .map_err(|_| DeskError::Corrupt(format!("parcel {}: flow", p.id)))
    }

    pub(crate) fn goods(p: &CustomsParcel) -> Result<Goods, DeskError> {
        serde_json::from_str(&p.goods)
            .map_err(|_| DeskError::Corrupt(format!("parcel {}: goods", p.id)))
    }

    /// The manifest's view of a stored parcel (for the register).
    pub(crate) fn manifest_parcel(
        p: &CustomsParcel,
        contact: &Contact,
    ) -> Result<ManifestParcel, DeskError> {
        let goods = Self::goods(p)?;
        let bad = |what: &str| DeskError::Corrupt(format!("parcel {}: {what}", p.id));
        Ok(ManifestParcel {
            line: 0,
            tracking_number: p.tracking_number.clone(),
            recipient_name: RecipientName::parse(&contact.name).map_err(|_| bad("name"))?,
            phone: Phone::parse(&contact.phone).map_err(|_| bad("phone"))?,
            email: Email::parse(&contact.email).map_err(|_| bad("email"))?,
            declared_value: goods.declared_value.parse().map_err(|_| bad("value"))?,
            weight_grams: goods.weight_grams,
            items: goods
                .items
                .iter()
                .map(|i| {
                    Ok(Item {
                        description: i.description.clone(),
                        quantity: i.quantity,
                        value: i
                            .value
                            .as_deref()
                            .map(str::parse)
                            .transpose()
                            .map_err(|_| bad("item value"))?,
                    })
                })
                .collect::<Result<_, DeskError>>()?,
        })
    }

    /// Starts the request flow of a parcel that reached customs: a fresh link token (random
    /// 256 bits, stored hashed and sealed), the flow, due at once.
    pub(crate) fn arrive(&self, p: &mut CustomsParcel, now: Timestamp) -> Result<(), DeskError> {
        let mut bytes = Zeroizing::new([0u8; 32]);
        getrandom::fill(bytes.as_mut())
            .map_err(|e| DeskError::Corrupt(format!("no randomness: {e}")))?;
        let token = Zeroizing::new(URL_SAFE_NO_PAD.encode(bytes.as_ref()));
        let flow = RequestFlow::new(now);
        let deadline = flow.deadline(&self.config.flow);
        p.token_hash = Some(token_hash(&token));
        p.token = Some(self.seal(TOKEN, &p.record_key, token.as_bytes())?);
        p.token_expires_at = deadline
            .saturating_add(SignedDuration::from_hours(
                24 * i64::from(self.config.link_days_after_deadline),
            ))
            .ok();
        p.arrived_at = Some(now);
        p.flow = Some(serde_json::to_string(&flow).unwrap_or_default());
        p.state = "waiting".into();
        p.next_wake_at = Some(now);
        Ok(())
    }

    /// After a change to the flow: the state, the end of the request and when to look again.
    pub(crate) fn settle(&self, p: &mut CustomsParcel, now: Timestamp) -> Result<(), DeskError> {
        let Some(flow) = Self::flow(p)? else {
            return Ok(());
        };
        let plan = flow.plan(now, &self.config.flow);
        use posylka_customs::Status;
        if p.ended_kind.is_none() {
            p.state = match plan.status {
                Status::Waiting { .. } => {
                    if p.state == "pending_code" {
                        "pending_code"
                    } else {
                        "waiting"
                    }
                }
                Status::Opened { .. } => {
                    if p.state == "pending_code" {
                        "pending_code"
                    } else {
                        "opened"
                    }
                }
                Status::Submitted { .. } => "submitted",
                Status::Refused { .. } => "refused",
                Status::Expired { .. } => "expired",
            }
            .into();
            if plan.status.returns_to_shop() {
                let at = match plan.status {
                    Status::Refused { at } => at,
                    Status::Expired { deadline } => deadline,
                    _ => now,
                };
                self.end(p, Ended::Returned(at));
            }
        }
        p.next_wake_at = match (plan.next_wake, p.destroy_at) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        if !plan.due.is_empty() {
            p.next_wake_at = Some(now);
        }
        Ok(())
    }

    /// The request ended: the retention clock starts.
    pub(crate) fn end(&self, p: &mut CustomsParcel, ended: Ended) {
        let (kind, at) = match ended {
            Ended::Cleared(t) => ("cleared", t),
            Ended::Returned(t) => ("returned", t),
        };
        p.ended_kind = Some(kind.into());
        p.ended_at = Some(at);
        p.destroy_at = Some(self.retention().destroy_at(ended));
        p.code = None;
        if kind == "cleared" {
            p.state = "cleared".into();
        }
        p.next_wake_at = p.destroy_at;
    }

    /// Empties a parcel of personal data; the record to keep.
    pub(crate) fn destroy(
        p: &mut CustomsParcel,
        now: Timestamp,
    ) -> posylka_core::store::customs::DestructionRecord {
        let mut categories = Vec::new();
        if p.contact.take().is_some() {
            categories.push("contact");
        }
        if p.identity.take().is_some() {
            categories.push("identity");
        }
        if p.token.take().is_some() {
            categories.push("link_token");
        }
        p.token_hash = None;
        if p.code.take().is_some() {
            categories.push("code");
        }
        if p.delivery.take().is_some() {
            categories.push("delivery");
        }
        p.destroyed_at = Some(now);
        p.next_wake_at = None;
        p.lease_until = None;
        p.state = "destroyed".into();
        posylka_core::store::customs::DestructionRecord {
            parcel: p.id,
            batch: p.batch,
            categories: categories.join(","),
            grounds: p.ended_kind.clone().unwrap_or_else(|| "ended".into()),
            ended_at: p.ended_at.unwrap_or(now),
            destroyed_at: now,
        }
    }

    /// Re-wraps a parcel's data keys under the current master key; whether any changed.
    pub(crate) fn rewrap(&self, p: &mut CustomsParcel) -> Result<bool, DeskError> {
        let key = p.record_key.clone();
        let a = self.rewrap_blob(CONTACT, &key, &mut p.contact)?;
        let b = self.rewrap_blob(TOKEN, &key, &mut p.token)?;
        let c = self.rewrap_blob(IDENTITY, &key, &mut p.identity)?;
        Ok(a || b || c)
    }

    /// Applies `change` to the stored parcel and saves it, reading again when someone else
    /// saved in between (a few times).
    pub(crate) async fn update<T>(
        &self,
        state: &AppState,
        id: posylka_core::store::customs::CustomsParcelId,
        mut change: impl FnMut(&mut CustomsParcel) -> Result<T, DeskError>,
    ) -> Result<Option<T>, DeskError> {
        for _ in 0..5 {
            let Some(mut p) = state.store().customs_parcel(id).await? else {
                return Ok(None);
            };
            let out = change(&mut p)?;
            if state.store().save_customs_parcel(&p, None).await? {
                return Ok(Some(out));
            }
        }
        Err(DeskError::Busy)
    }
}

/// Unknown tokens asked for, per address, over the last hour.
#[derive(Debug, Default)]
pub(crate) struct Misses {
    by_ip: std::collections::HashMap<std::net::IpAddr, Vec<Timestamp>>,
}

impl Misses {
    fn window_start(now: Timestamp) -> Timestamp {
        now.saturating_sub(SignedDuration::from_hours(1))
            .unwrap_or(Timestamp::MIN)
    }

    /// Whether `ip` missed too often in the last hour.
    pub(crate) fn blocked(&mut self, ip: std::net::IpAddr, now: Timestamp) -> bool {
        let start = Self::window_start(now);
        match self.by_ip.get_mut(&ip) {
            Some(hits) => {
                hits.retain(|t| *t > start);
                hits.len() >= TOKEN_MISSES_PER_HOUR as usize
            }
            None => false,
        }
    }

    /// Counts a miss (and forgets idle addresses now and then, so the map stays small).
    pub(crate) fn record(&mut self, ip: std::net::IpAddr, now: Timestamp) {
        if self.by_ip.len() > 100_000 {
            let start = Self::window_start(now);
            self.by_ip.retain(|_, hits| hits.iter().any(|t| *t > start));
        }
        self.by_ip.entry(ip).or_default().push(now);
    }
}

/// Vault contexts: a sealed value opens only under its own context and record.
pub(crate) const CONTACT: &str = "customs.contact";
pub(crate) const TOKEN: &str = "customs.token";
pub(crate) const IDENTITY: &str = "customs.identity";

/// The stored hash of a link token.
pub(crate) fn token_hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// A random record key for vault bindings.
pub(crate) fn record_key() -> Result<String, DeskError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| DeskError::Corrupt(format!("no randomness: {e}")))?;
    Ok(hex::encode(bytes))
}

/// The desk's routes: the operator's desk and API, the recipient's page, the buyer's
/// checklist.
pub fn router() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/desk", get(desk::page))
        .route("/desk/import", post(desk::import_form))
        .route("/desk/parcels/{id}/arrived", post(desk::arrived_form))
        .route("/desk/parcels/{id}/cleared", post(desk::cleared_form))
        .route("/desk/batches/{id}/register", post(desk::register_form))
        .route("/api/v1/customs/manifests", post(desk::import_api))
        .route("/api/v1/customs/batches", get(desk::batches_api))
        .route(
            "/api/v1/customs/batches/{id}/parcels",
            get(desk::parcels_api),
        )
        .route(
            "/api/v1/customs/parcels/{id}/arrived",
            post(desk::arrived_api),
        )
        .route(
            "/api/v1/customs/parcels/{id}/cleared",
            post(desk::cleared_api),
        )
        .route(
            "/api/v1/customs/batches/{id}/register",
            get(desk::register_api),
        )
        .route("/api/v1/customs/destructions", get(desk::destructions_api))
        .route("/api/v1/customs/audit", get(desk::audit_api))
        .route("/api/v1/customs/run", post(desk::run_api))
        .route("/c/{token}", get(recipient::page).post(recipient::submit))
        .route("/c/{token}/code", post(recipient::code))
        .route("/c/{token}/delivery", post(recipient::delivery))
        .route("/c/{token}/where", get(recipient::where_is))
        .route(
            "/c/{token}/refuse",
            get(recipient::refuse_page).post(recipient::refuse),
        )
        .route("/customs/checklist", get(recipient::checklist))
}
