//! One-time codes that confirm a submission from the phone on file: 6 digits, valid 10
//! minutes, at most 5 tries, then locked. Codes are stored only as salted SHA-256 bound to
//! the parcel and the phone, and compared in constant time; changing the phone invalidates
//! the code. Sending is rate-limited per parcel and per IP address by [`RateLimiter`], pure
//! bookkeeping whose state the server holds.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::hash::Hash;
use std::net::IpAddr;

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;
use zeroize::Zeroizing;

use crate::contact::Phone;

/// Digits in a code.
pub const CODE_DIGITS: usize = 6;

/// The code policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CodePolicy {
    /// Minutes a code is valid.
    pub valid_minutes: u16,
    /// Tries per code; the last wrong one locks it.
    pub max_tries: u8,
    /// Codes sent per parcel.
    pub per_parcel: Limit,
    /// Codes sent (and checked) per IP address (IPv6 per /64).
    pub per_ip: Limit,
    /// Seconds before another code can be sent for the same parcel.
    pub resend_after_seconds: u16,
}

impl Default for CodePolicy {
    fn default() -> Self {
        Self {
            valid_minutes: 10,
            max_tries: 5,
            per_parcel: Limit {
                count: 5,
                per_seconds: 3600,
            },
            per_ip: Limit {
                count: 20,
                per_seconds: 3600,
            },
            resend_after_seconds: 60,
        }
    }
}

impl CodePolicy {
    fn validity(&self) -> SignedDuration {
        SignedDuration::from_mins(i64::from(self.valid_minutes))
    }
}

/// At most `count` events per `per_seconds`, over a sliding window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limit {
    /// Events allowed in the window.
    pub count: u32,
    /// The window.
    pub per_seconds: u32,
}

/// A fresh code, to put in the SMS. Zeroized on drop; `Debug` hides it.
pub struct OneTimeCode(Zeroizing<String>);

impl fmt::Debug for OneTimeCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OneTimeCode(redacted)")
    }
}

/// Why no code could be made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    /// The operating system's random generator failed.
    #[error("the operating system's random number generator failed")]
    Random,
}

impl OneTimeCode {
    /// A uniformly random code.
    pub fn generate() -> Result<Self, CodeError> {
        loop {
            let x = getrandom::u32().map_err(|_| CodeError::Random)?;
            if let Some(code) = Self::from_random(x) {
                return Ok(code);
            }
        }
    }

    /// The code for a random `u32`, or `None` for the few values that would bias the
    /// digits (rejection sampling: 4 294 000 000 is the largest multiple of 10⁶ below 2³²).
    pub fn from_random(x: u32) -> Option<Self> {
        const LIMIT: u32 = 4_294_000_000;
        (x < LIMIT).then(|| Self(Zeroizing::new(format!("{:06}", x % 1_000_000))))
    }

    /// The digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What is left of a code after a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CodeState {
    /// Waiting for the right code.
    Pending,
    /// Accepted once; never again.
    Used,
    /// Too many wrong tries.
    Locked,
    /// The phone changed after it was sent.
    Invalidated,
}

/// The answer to a try.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "verdict")]
pub enum Verdict {
    /// The right code, in time: the submission is confirmed.
    Accepted,
    /// A wrong code.
    Wrong {
        /// Tries left (0: the code is now locked).
        tries_left: u8,
    },
    /// Too many wrong tries: ask for a new code.
    Locked,
    /// Too late: ask for a new code.
    Expired,
    /// The phone on file changed since the code was sent: ask for a new code.
    PhoneChanged,
    /// The code was already used.
    AlreadyUsed,
}

/// A code as the server stores it: a salted hash, never the digits. Serialisable.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedCode {
    salt: [u8; 16],
    code_hash: [u8; 32],
    phone_hash: [u8; 32],
    /// When it was sent.
    pub issued_at: Timestamp,
    /// Tries so far.
    pub tries: u8,
    /// Where it stands.
    pub state: CodeState,
}

impl fmt::Debug for IssuedCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuedCode")
            .field("issued_at", &self.issued_at)
            .field("tries", &self.tries)
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

fn digest(label: &[u8], salt: &[u8; 16], parcel: &str, value: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(label);
    h.update(salt);
    // Length prefixes keep (parcel, value) pairs from running into each other.
    h.update((parcel.len() as u64).to_be_bytes());
    h.update(parcel.as_bytes());
    h.update((value.len() as u64).to_be_bytes());
    h.update(value);
    h.finalize().into()
}

impl IssuedCode {
    /// A fresh code for `parcel` (its stable id) and the phone it goes to: the code for the
    /// SMS, and what to store.
    pub fn issue(
        parcel: &str,
        phone: &Phone,
        now: Timestamp,
    ) -> Result<(OneTimeCode, IssuedCode), CodeError> {
        let code = OneTimeCode::generate()?;
        let mut salt = [0u8; 16];
        getrandom::fill(&mut salt).map_err(|_| CodeError::Random)?;
        let issued = Self::with_salt(&code, salt, parcel, phone, now);
        Ok((code, issued))
    }

    /// The stored form of a given code and salt (deterministic, for tests).
    pub fn with_salt(
        code: &OneTimeCode,
        salt: [u8; 16],
        parcel: &str,
        phone: &Phone,
        now: Timestamp,
    ) -> Self {
        Self {
            salt,
            code_hash: digest(b"posylka-otp/code", &salt, parcel, code.as_str().as_bytes()),
            phone_hash: digest(
                b"posylka-otp/phone",
                &salt,
                parcel,
                phone.as_str().as_bytes(),
            ),
            issued_at: now,
            tries: 0,
            state: CodeState::Pending,
        }
    }

    /// When it stops being valid (the first instant it is refused).
    pub fn expires_at(&self, policy: &CodePolicy) -> Timestamp {
        self.issued_at
            .saturating_add(policy.validity())
            .unwrap_or(Timestamp::MAX)
    }

    /// Checks a try for `parcel`, against the phone on file now. Every try of a pending,
    /// unexpired code counts, whatever was typed; the last allowed wrong try locks it.
    pub fn verify(
        &mut self,
        attempt: &str,
        parcel: &str,
        phone_on_file: &Phone,
        now: Timestamp,
        policy: &CodePolicy,
    ) -> Verdict {
        match self.state {
            CodeState::Used => return Verdict::AlreadyUsed,
            CodeState::Locked => return Verdict::Locked,
            CodeState::Invalidated => return Verdict::PhoneChanged,
            CodeState::Pending => {}
        }
        if now >= self.expires_at(policy) || now < self.issued_at {
            return Verdict::Expired;
        }
        let phone = digest(
            b"posylka-otp/phone",
            &self.salt,
            parcel,
            phone_on_file.as_str().as_bytes(),
        );
        if !bool::from(phone.ct_eq(&self.phone_hash)) {
            self.state = CodeState::Invalidated;
            return Verdict::PhoneChanged;
        }
        self.tries = self.tries.saturating_add(1);
        // Spaces and dashes people type inside a code are dropped; anything else counts as
        // typed, so a malformed try is simply wrong.
        let typed: Zeroizing<String> = Zeroizing::new(
            attempt
                .chars()
                .filter(|c| !matches!(c, ' ' | '-'))
                .collect(),
        );
        let hash = digest(b"posylka-otp/code", &self.salt, parcel, typed.as_bytes());
        if bool::from(hash.ct_eq(&self.code_hash)) {
            self.state = CodeState::Used;
            return Verdict::Accepted;
        }
        let tries_left = policy.max_tries.saturating_sub(self.tries);
        if tries_left == 0 {
            self.state = CodeState::Locked;
        }
        Verdict::Wrong { tries_left }
    }

    /// The phone on file changed: this code is void.
    pub fn invalidate(&mut self) {
        if self.state == CodeState::Pending {
            self.state = CodeState::Invalidated;
        }
    }
}

/// The key an IP address is limited under: IPv4 addresses (also when mapped into IPv6)
/// alone, IPv6 addresses by their /64, which one subscriber usually holds whole.
pub fn ip_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let mut seg = v6.segments();
                seg[4..].fill(0);
                IpAddr::V6(seg.into())
            }
        },
    }
}

/// A sliding-window rate limiter over keys (parcel ids, [`ip_key`]s): at most
/// `limit.count` events per `limit.per_seconds` per key. Pure bookkeeping: the caller
/// passes `now` and keeps the limiter (one per limit).
#[derive(Debug, Clone)]
pub struct RateLimiter<K> {
    limit: Limit,
    hits: HashMap<K, VecDeque<Timestamp>>,
}

impl<K: Hash + Eq + Clone> RateLimiter<K> {
    /// A limiter for `limit`.
    pub fn new(limit: Limit) -> Self {
        Self {
            limit,
            hits: HashMap::new(),
        }
    }

    fn window(&self) -> SignedDuration {
        SignedDuration::from_secs(i64::from(self.limit.per_seconds))
    }

    /// Allows and records one event for `key` at `now`, or refuses it with the instant
    /// from which the next one will be allowed.
    pub fn hit(&mut self, key: &K, now: Timestamp) -> Result<(), Timestamp> {
        let window = self.window();
        let count = self.limit.count as usize;
        let hits = self.hits.entry(key.clone()).or_default();
        while hits
            .front()
            .is_some_and(|t| t.saturating_add(window).is_ok_and(|end| end <= now))
        {
            hits.pop_front();
        }
        if hits.len() >= count {
            let oldest = hits.front().copied().unwrap_or(now);
            return Err(oldest.saturating_add(window).unwrap_or(Timestamp::MAX));
        }
        hits.push_back(now);
        Ok(())
    }

    /// Forgets keys with no event in the window at `now`, so memory follows active keys.
    pub fn prune(&mut self, now: Timestamp) {
        let window = self.window();
        self.hits.retain(|_, hits| {
            hits.back()
                .is_some_and(|t| t.saturating_add(window).is_ok_and(|end| end > now))
        });
    }

    /// Keys tracked.
    pub fn len(&self) -> usize {
        self.hits.len()
    }

    /// No key tracked.
    pub fn is_empty(&self) -> bool {
        self.hits.is_empty()
    }
}

/// The per-parcel and per-IP limits of sending codes, together.
#[derive(Debug, Clone)]
pub struct CodeLimits {
    resend: RateLimiter<String>,
    per_parcel: RateLimiter<String>,
    per_ip: RateLimiter<IpAddr>,
}

/// Why a code was not sent (or a try not checked).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Throttled {
    /// A code was sent for this parcel moments ago.
    #[error("a code was just sent; another can be sent from {0}")]
    Resend(Timestamp),
    /// Too many codes for this parcel.
    #[error("too many codes for this parcel; try again from {0}")]
    Parcel(Timestamp),
    /// Too many requests from this address.
    #[error("too many requests from this address; try again from {0}")]
    Ip(Timestamp),
}

impl CodeLimits {
    /// Limits per `policy`.
    pub fn new(policy: &CodePolicy) -> Self {
        Self {
            resend: RateLimiter::new(Limit {
                count: 1,
                per_seconds: u32::from(policy.resend_after_seconds),
            }),
            per_parcel: RateLimiter::new(policy.per_parcel),
            per_ip: RateLimiter::new(policy.per_ip),
        }
    }

    /// May a code be sent for `parcel` to a request from `ip` at `now`? Records it if so.
    /// The IP is counted first, so a client hammering many parcels is stopped by its own
    /// limit.
    pub fn send(&mut self, parcel: &str, ip: IpAddr, now: Timestamp) -> Result<(), Throttled> {
        self.per_ip.hit(&ip_key(ip), now).map_err(Throttled::Ip)?;
        let parcel = parcel.to_owned();
        self.resend.hit(&parcel, now).map_err(Throttled::Resend)?;
        self.per_parcel.hit(&parcel, now).map_err(Throttled::Parcel)
    }

    /// May a try from `ip` be checked at `now`? Records it if so.
    pub fn check(&mut self, ip: IpAddr, now: Timestamp) -> Result<(), Throttled> {
        self.per_ip.hit(&ip_key(ip), now).map_err(Throttled::Ip)
    }

    /// Forgets idle keys.
    pub fn prune(&mut self, now: Timestamp) {
        self.resend.prune(now);
        self.per_parcel.prune(now);
        self.per_ip.prune(now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(secs: i64) -> Timestamp {
        Timestamp::from_second(1_780_000_000 + secs).expect("ts")
    }

    fn phone() -> Phone {
        Phone::parse("+79123456789").expect("phone")
    }

    fn issued(code: &str) -> IssuedCode {
        let code = OneTimeCode(Zeroizing::new(code.to_owned()));
        IssuedCode::with_salt(&code, [7; 16], "parcel:1", &phone(), t(0))
    }

    fn try_code(c: &mut IssuedCode, attempt: &str, at: Timestamp) -> Verdict {
        c.verify(attempt, "parcel:1", &phone(), at, &CodePolicy::default())
    }

    #[test]
    fn codes_are_six_uniform_digits() {
        assert_eq!(
            OneTimeCode::from_random(0).map(|c| c.as_str().to_owned()),
            Some("000000".into())
        );
        assert_eq!(
            OneTimeCode::from_random(4_293_999_999).map(|c| c.as_str().to_owned()),
            Some("999999".into())
        );
        // The top of the range would favour low codes: refused.
        assert!(OneTimeCode::from_random(4_294_000_000).is_none());
        assert!(OneTimeCode::from_random(u32::MAX).is_none());
        let c = OneTimeCode::generate().expect("random");
        assert_eq!(c.as_str().len(), CODE_DIGITS);
        assert!(c.as_str().bytes().all(|b| b.is_ascii_digit()));
        assert_eq!(format!("{c:?}"), "OneTimeCode(redacted)");
    }

    #[test]
    fn the_right_code_is_accepted_once() {
        let mut c = issued("123456");
        assert_eq!(try_code(&mut c, "123 456", t(1)), Verdict::Accepted);
        assert_eq!(try_code(&mut c, "123456", t(2)), Verdict::AlreadyUsed);
        // Only hashes are stored.
        let stored = serde_json::to_string(&c).expect("json");
        assert!(!stored.contains("123456"), "{stored}");
        assert!(!format!("{c:?}").contains("hash"), "{c:?}");
    }

    #[test]
    fn the_fifth_try_counts_and_the_sixth_is_refused() {
        let mut c = issued("123456");
        for left in (1..=4).rev() {
            assert_eq!(
                try_code(&mut c, "000000", t(1)),
                Verdict::Wrong { tries_left: left }
            );
        }
        // The 5th try may still be right.
        let mut fifth_right = c.clone();
        assert_eq!(
            try_code(&mut fifth_right, "123456", t(1)),
            Verdict::Accepted
        );
        // A 5th wrong try locks; the 6th is refused even when right.
        assert_eq!(
            try_code(&mut c, "999999", t(1)),
            Verdict::Wrong { tries_left: 0 }
        );
        assert_eq!(c.state, CodeState::Locked);
        assert_eq!(try_code(&mut c, "123456", t(2)), Verdict::Locked);
        // Malformed tries count too.
        let mut junk = issued("123456");
        for _ in 0..5 {
            try_code(&mut junk, "abc", t(1));
        }
        assert_eq!(try_code(&mut junk, "123456", t(1)), Verdict::Locked);
    }

    #[test]
    fn a_code_is_valid_for_ten_minutes() {
        let mut c = issued("123456");
        assert_eq!(c.expires_at(&CodePolicy::default()), t(600));
        let mut late = c.clone();
        assert_eq!(try_code(&mut late, "123456", t(600)), Verdict::Expired);
        // Expired tries do not count against the code.
        assert_eq!(late.tries, 0);
        assert_eq!(try_code(&mut c, "123456", t(599)), Verdict::Accepted);
        // A clock that went backwards does not accept either.
        let mut early = issued("123456");
        assert_eq!(try_code(&mut early, "123456", t(-1)), Verdict::Expired);
    }

    #[test]
    fn changing_the_phone_invalidates_the_code() {
        let mut c = issued("123456");
        let other = Phone::parse("+79990001122").expect("phone");
        let v = c.verify("123456", "parcel:1", &other, t(1), &CodePolicy::default());
        assert_eq!(v, Verdict::PhoneChanged);
        // Even with the old phone back, the code stays void.
        assert_eq!(try_code(&mut c, "123456", t(2)), Verdict::PhoneChanged);
        let mut d = issued("123456");
        d.invalidate();
        assert_eq!(try_code(&mut d, "123456", t(1)), Verdict::PhoneChanged);
    }

    #[test]
    fn a_code_is_bound_to_its_parcel() {
        let mut c = issued("123456");
        let v = c.verify("123456", "parcel:2", &phone(), t(1), &CodePolicy::default());
        // The phone hash is per parcel too, so another parcel's code is void for this one.
        assert_eq!(v, Verdict::PhoneChanged);
    }

    #[test]
    fn sliding_windows_limit_and_say_when_to_retry() {
        let mut r = RateLimiter::new(Limit {
            count: 2,
            per_seconds: 60,
        });
        assert_eq!(r.hit(&"a", t(0)), Ok(()));
        assert_eq!(r.hit(&"a", t(10)), Ok(()));
        assert_eq!(r.hit(&"a", t(59)), Err(t(60)));
        assert_eq!(r.hit(&"b", t(59)), Ok(()));
        assert_eq!(r.hit(&"a", t(60)), Ok(()));
        assert_eq!(r.hit(&"a", t(61)), Err(t(70)));
        r.prune(t(118));
        assert_eq!(r.len(), 2);
        // "b"'s only event (at 59) leaves the window at 119.
        r.prune(t(119));
        assert_eq!(r.len(), 1);
        r.prune(t(200));
        assert!(r.is_empty());
    }

    #[test]
    fn sends_are_limited_per_parcel_and_per_ip() {
        let policy = CodePolicy::default();
        let mut limits = CodeLimits::new(&policy);
        let ip: IpAddr = "203.0.113.5".parse().expect("ip");
        assert_eq!(limits.send("p1", ip, t(0)), Ok(()));
        assert_eq!(limits.send("p1", ip, t(30)), Err(Throttled::Resend(t(60))));
        for i in 1..5 {
            assert_eq!(limits.send("p1", ip, t(i * 60)), Ok(()), "send {i}");
        }
        // The 6th code within the hour for one parcel is refused.
        assert_eq!(
            limits.send("p1", ip, t(300)),
            Err(Throttled::Parcel(t(3600)))
        );
        // One address over many parcels hits its own limit.
        let mut limits = CodeLimits::new(&policy);
        for i in 0..20 {
            assert_eq!(limits.send(&format!("p{i}"), ip, t(i)), Ok(()));
        }
        assert!(matches!(
            limits.send("p99", ip, t(21)),
            Err(Throttled::Ip(_))
        ));
        // IPv6 neighbours in one /64 share a limit; another /64 does not.
        let mut limits = CodeLimits::new(&CodePolicy {
            per_ip: Limit {
                count: 1,
                per_seconds: 60,
            },
            ..policy
        });
        let a: IpAddr = "2001:db8:1:2::1".parse().expect("ip");
        let b: IpAddr = "2001:db8:1:2:ffff::9".parse().expect("ip");
        let c: IpAddr = "2001:db8:1:3::1".parse().expect("ip");
        assert_eq!(limits.check(a, t(0)), Ok(()));
        assert!(limits.check(b, t(1)).is_err());
        assert_eq!(limits.check(c, t(1)), Ok(()));
        let mapped: IpAddr = "::ffff:203.0.113.5".parse().expect("ip");
        assert_eq!(ip_key(mapped), ip);
    }
}
