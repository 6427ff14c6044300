//! Who is visiting: language, login session, CSRF tokens.
//!
//! - The session cookie holds 32 random bytes (base64url); the store keeps their SHA-256 with
//!   the user, the expiry and the browser's time zone ([`posylka_core::session`]). Cookies are
//!   `HttpOnly`, `SameSite=Lax`, and `Secure` when the site is served over https (the
//!   `secure_cookies` setting, or a proxy's `X-Forwarded-Proto: https`).
//! - Every POST carries a CSRF token in a hidden `csrf` field. Signed in, it is derived from
//!   the session's secret (a synchronizer token the server can recompute, never stored); on
//!   the login form, before any session exists, it is a random value also set in a short-lived
//!   cookie (double submit). A POST whose `Origin` names another site is refused as well.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use posylka_core::account::{TokenHash, User};
use posylka_store::SessionStore;
use posylka_watchdog::Lang;
use sha2::{Digest, Sha256};

use super::{WebError, cookies, i18n};
use crate::auth::hash_token;
use crate::state::AppState;

/// The session cookie.
pub(crate) const SESSION_COOKIE: &str = "posylka_session";
/// The login form's double-submit CSRF cookie.
pub(crate) const LOGIN_COOKIE: &str = "posylka_login";
/// How long a login lasts.
pub(crate) const SESSION_SECONDS: u64 = 30 * 24 * 3600;
/// How long a login form may stay open.
pub(crate) const LOGIN_FORM_SECONDS: u64 = 3600;

/// 32 random bytes as base64url: a session secret or a login form's token.
pub(crate) fn random_token() -> Result<String, WebError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| WebError::Internal(format!("no randomness: {e}")))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// The CSRF token of the session whose secret is `secret`.
pub(crate) fn csrf_of(secret: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"posylka csrf v1\0");
    hasher.update(secret.as_bytes());
    URL_SAFE_NO_PAD.encode(hasher.finalize())
}

/// Whether two secrets are equal, compared as hashes so that the time taken says nothing about
/// how much of one matched.
pub(crate) fn same_secret(a: &str, b: &str) -> bool {
    !a.is_empty() && hash_token(a) == hash_token(b)
}

/// Whether the request's `Origin` (when the browser sends one) is this site.
pub(crate) fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        // Older browsers omit it on same-origin POSTs; the CSRF token still guards them.
        return true;
    };
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let origin_host = origin.split_once("://").map(|(_, rest)| rest);
    matches!((origin_host, host), (Some(o), Some(h)) if o.eq_ignore_ascii_case(h))
}

/// Whether cookies must be `Secure`: configured, or a proxy says the visit came over https.
fn is_secure(state: &AppState, headers: &HeaderMap) -> bool {
    state.config().secure_cookies
        || headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"))
}

/// A local path to go back to after a redirect; anything else (another site, `//host`,
/// control characters) becomes `/`.
pub(crate) fn safe_path(next: Option<&str>) -> String {
    match next {
        Some(p)
            if p.starts_with('/')
                && !p.starts_with("//")
                && !p.starts_with("/\\")
                && p.len() <= 512
                && !p.chars().any(char::is_control) =>
        {
            p.to_owned()
        }
        _ => "/".to_owned(),
    }
}

/// Percent-encodes a path for a query value.
pub(crate) fn encode_query_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Anyone visiting: their language, where they are, and their session if they have one.
#[derive(Debug, Clone)]
pub(crate) struct Visitor {
    /// The page's language.
    pub lang: Lang,
    /// The path and query visited (for the language switcher and the login's way back).
    pub path: String,
    /// Whether cookies must be `Secure`.
    pub secure: bool,
    /// The login session, if valid.
    pub signed_in: Option<SignedIn>,
    /// The login form's CSRF cookie, if set.
    pub login_token: Option<String>,
    /// Whether a POST's `Origin` is this site.
    pub same_origin: bool,
}

/// A signed-in visitor.
#[derive(Debug, Clone)]
pub(crate) struct SignedIn {
    /// The user.
    pub user: User,
    /// Where times are shown: the browser's zone at login, else UTC.
    pub zone: TimeZone,
    /// The CSRF token every form of this session carries.
    pub csrf: String,
    /// The stored hash of the session's secret (to log out).
    pub session_hash: TokenHash,
}

impl FromRequestParts<AppState> for Visitor {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, WebError> {
        let headers = &parts.headers;
        let lang = i18n::negotiate(headers);
        let path = parts
            .uri
            .path_and_query()
            .map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned());
        let mut signed_in = None;
        if let Some(secret) = cookies::get(headers, SESSION_COOKIE).filter(|s| !s.is_empty()) {
            let hash = hash_token(secret);
            if let Some(session) = state.store().session(&hash, Timestamp::now()).await? {
                let zone = session
                    .time_zone
                    .as_deref()
                    .and_then(|name| TimeZone::get(name).ok())
                    .unwrap_or(TimeZone::UTC);
                signed_in = Some(SignedIn {
                    user: session.user,
                    zone,
                    csrf: csrf_of(secret),
                    session_hash: hash,
                });
            }
        }
        Ok(Self {
            lang,
            path,
            secure: is_secure(state, headers),
            signed_in,
            login_token: cookies::get(headers, LOGIN_COOKIE).map(str::to_owned),
            same_origin: same_origin(headers),
        })
    }
}

/// A visitor who must be signed in: others are sent to the login page, and back afterwards.
#[derive(Debug, Clone)]
pub(crate) struct Member {
    /// The visit.
    pub visit: Visitor,
    /// The session.
    pub me: SignedIn,
}

impl Member {
    /// Refuses a POST whose CSRF token is not this session's or that comes from another site.
    pub(crate) fn check_csrf(&self, token: Option<&str>) -> Result<(), WebError> {
        let ok = self.visit.same_origin && token.is_some_and(|t| same_secret(t, &self.me.csrf));
        if ok {
            Ok(())
        } else {
            Err(WebError::Status(StatusCode::FORBIDDEN, self.visit.lang))
        }
    }
}

impl FromRequestParts<AppState> for Member {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let visit = Visitor::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        match visit.signed_in.clone() {
            Some(me) => Ok(Self { visit, me }),
            None => {
                let back = if parts.method == axum::http::Method::GET {
                    visit.path.as_str()
                } else {
                    "/"
                };
                let to = if back == "/" {
                    "/login".to_owned()
                } else {
                    format!("/login?next={}", encode_query_value(back))
                };
                Err(Redirect::to(&to).into_response())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(safe_path(Some("/parcels/3?x=1")), "/parcels/3?x=1");
        assert_eq!(safe_path(Some("//evil.example/")), "/");
        assert_eq!(safe_path(Some("/\\evil.example")), "/");
        assert_eq!(safe_path(Some("https://evil.example/")), "/");
        assert_eq!(safe_path(Some("/a\nb")), "/");
        assert_eq!(safe_path(None), "/");
        assert_eq!(
            encode_query_value("/parcels/3?a=b&c"),
            "/parcels/3%3Fa%3Db%26c"
        );
    }

    #[test]
    fn csrf_tokens_belong_to_their_session() {
        let a = random_token().expect("random");
        let b = random_token().expect("random");
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(csrf_of(&a), csrf_of(&a));
        assert_ne!(csrf_of(&a), csrf_of(&b));
        // The token does not reveal the secret it is derived from.
        assert!(!csrf_of(&a).contains(&a));
        assert!(same_secret(&csrf_of(&a), &csrf_of(&a)));
        assert!(!same_secret(&csrf_of(&a), &csrf_of(&b)));
        assert!(!same_secret("", ""));
    }

    #[test]
    fn origins_of_other_sites_are_refused() {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8080"));
        assert!(same_origin(&headers));
        headers.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://127.0.0.1:8080"),
        );
        assert!(same_origin(&headers));
        headers.insert(
            header::ORIGIN,
            HeaderValue::from_static("https://evil.example"),
        );
        assert!(!same_origin(&headers));
        headers.insert(header::ORIGIN, HeaderValue::from_static("null"));
        assert!(!same_origin(&headers));
    }
}
