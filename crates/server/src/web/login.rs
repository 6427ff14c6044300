//! `/login` and `/logout`.

use std::sync::OnceLock;

use askama::Template;
use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use posylka_core::account::{User, UserCredentials, UserName};
use posylka_store::{NewSession, SessionStore, Store};
use secrecy::SecretString;
use serde::Deserialize;

use super::session::{
    LOGIN_COOKIE, LOGIN_FORM_SECONDS, Member, SESSION_COOKIE, SESSION_SECONDS, Visitor,
    random_token, safe_path, same_secret,
};
use super::{Chrome, WebError, WebResult, cookies, html_status};
use crate::auth::{hash_password, hash_token, verify_password};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    c: Chrome,
    /// The form's CSRF token (also in the login cookie).
    token: String,
    /// Where to go after logging in.
    next: String,
    /// The name typed, kept after a failed attempt.
    name: String,
    /// Whether the last attempt failed.
    failed: bool,
}

/// `GET /login`'s query.
#[derive(Debug, Deserialize)]
pub(crate) struct NextQuery {
    next: Option<String>,
}

/// `GET /login`: the form (or, when already signed in, straight on).
pub(crate) async fn form(visit: Visitor, Query(q): Query<NextQuery>) -> WebResult {
    let next = safe_path(q.next.as_deref());
    if visit.signed_in.is_some() {
        return Ok(Redirect::to(&next).into_response());
    }
    login_page(&visit, next, String::new(), StatusCode::OK)
}

fn login_page(visit: &Visitor, next: String, name: String, status: StatusCode) -> WebResult {
    // One token per browser while it is valid, so two open login tabs both work.
    let token = match visit.login_token.as_deref() {
        Some(t) if t.len() == 43 => t.to_owned(),
        _ => random_token()?,
    };
    let tr = super::i18n::Tr(visit.lang);
    let page = LoginPage {
        c: Chrome::new(visit, tr.t("login-title"), ""),
        token: token.clone(),
        next,
        name,
        failed: status == StatusCode::UNAUTHORIZED,
    };
    let mut response = html_status(status, &page)?;
    if let Some(cookie) = cookies::set(
        LOGIN_COOKIE,
        &token,
        cookies::Lifetime::Seconds(LOGIN_FORM_SECONDS),
        true,
        visit.secure,
    ) {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    Ok(response)
}

/// The login form's fields.
#[derive(Deserialize)]
pub(crate) struct LoginForm {
    csrf: String,
    name: String,
    password: SecretString,
    /// The browser's IANA time zone, filled in by the page's script.
    #[serde(default)]
    tz: Option<String>,
    #[serde(default)]
    next: Option<String>,
}

/// A password hash that matches nothing, checked when the user does not exist so that a
/// wrong name takes as long as a wrong password (no telling which names exist).
fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| {
        let secret = random_token().unwrap_or_else(|_| "posylka decoy".to_owned());
        hash_password(&SecretString::from(secret)).unwrap_or_default()
    })
}

/// The user whose name and password these are, if any.
async fn authenticate(
    state: &AppState,
    name: &str,
    password: SecretString,
) -> Result<Option<User>, WebError> {
    let found = match UserName::parse(name) {
        Ok(name) => state.store().user_by_name(&name).await?,
        Err(_) => None,
    };
    let (user, phc) = match found {
        Some(UserCredentials {
            user,
            password_hash: Some(phc),
        }) => (Some(user), phc),
        _ => (None, decoy_hash().to_owned()),
    };
    // argon2 takes tens of milliseconds of CPU: off the async workers.
    let matches = tokio::task::spawn_blocking(move || verify_password(&password, &phc))
        .await
        .map_err(|e| WebError::Internal(format!("checking a password: {e}")))?;
    Ok(user.filter(|_| matches))
}

/// A time zone the browser named, if it is a real one.
fn checked_zone(tz: Option<&str>) -> Option<String> {
    let tz = tz?.trim();
    (!tz.is_empty() && tz.len() <= NewSession::MAX_TIME_ZONE && TimeZone::get(tz).is_ok())
        .then(|| tz.to_owned())
}

/// `POST /login`: checks the password, starts a session, goes on to `next`.
pub(crate) async fn submit(
    State(state): State<AppState>,
    visit: Visitor,
    form: Result<Form<LoginForm>, FormRejection>,
) -> WebResult {
    let Ok(Form(form)) = form else {
        return Err(WebError::Status(StatusCode::BAD_REQUEST, visit.lang));
    };
    let token_ok = visit.same_origin
        && visit
            .login_token
            .as_deref()
            .is_some_and(|cookie| same_secret(cookie, &form.csrf));
    if !token_ok {
        return Err(WebError::Status(StatusCode::FORBIDDEN, visit.lang));
    }
    let next = safe_path(form.next.as_deref());
    let Some(user) = authenticate(&state, &form.name, form.password).await? else {
        tracing::info!("web login failed");
        let name: String = form.name.trim().chars().take(UserName::MAX_LEN).collect();
        return login_page(&visit, next, name, StatusCode::UNAUTHORIZED);
    };
    let now = Timestamp::now();
    let secret = random_token()?;
    let seconds = i64::try_from(SESSION_SECONDS).unwrap_or(i64::MAX);
    let expires_at = now
        .checked_add(SignedDuration::from_secs(seconds))
        .map_err(|e| WebError::Internal(e.to_string()))?;
    let store = state.store();
    // Housekeeping on the rare path: logins are few, expired rows need no timer.
    store.delete_expired_sessions(now).await?;
    store
        .create_session(&NewSession {
            hash: hash_token(&secret),
            user: user.id,
            created_at: now,
            expires_at,
            time_zone: checked_zone(form.tz.as_deref()),
        })
        .await?;
    // A new login replaces the browser's old session rather than leaving it open.
    if let Some(old) = &visit.signed_in {
        store.delete_session(&old.session_hash).await?;
    }
    tracing::info!(user = user.id.get(), "web login");
    let mut response = Redirect::to(&next).into_response();
    let headers = response.headers_mut();
    let session = cookies::set(
        SESSION_COOKIE,
        &secret,
        cookies::Lifetime::Seconds(SESSION_SECONDS),
        true,
        visit.secure,
    );
    let spent = cookies::set(
        LOGIN_COOKIE,
        "",
        cookies::Lifetime::Expired,
        true,
        visit.secure,
    );
    for cookie in [session, spent].into_iter().flatten() {
        headers.append(header::SET_COOKIE, cookie);
    }
    Ok(response)
}

/// The logout form's fields.
#[derive(Debug, Deserialize)]
pub(crate) struct CsrfForm {
    csrf: Option<String>,
}

/// `POST /logout`: ends the session in the store and in the browser.
pub(crate) async fn logout(
    State(state): State<AppState>,
    member: Member,
    form: Result<Form<CsrfForm>, FormRejection>,
) -> WebResult<Response> {
    let token = form.ok().and_then(|Form(f)| f.csrf);
    member.check_csrf(token.as_deref())?;
    state
        .store()
        .delete_session(&member.me.session_hash)
        .await?;
    let mut response = Redirect::to("/login").into_response();
    if let Some(cookie) = cookies::set(
        SESSION_COOKIE,
        "",
        cookies::Lifetime::Expired,
        true,
        member.visit.secure,
    ) {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_real_time_zones_are_kept() {
        assert_eq!(checked_zone(Some("UTC")), Some("UTC".to_owned()));
        assert_eq!(checked_zone(Some("Mars/Olympus")), None);
        assert_eq!(checked_zone(Some("")), None);
        assert_eq!(checked_zone(None), None);
        assert_eq!(checked_zone(Some(&"A".repeat(100))), None);
    }

    #[test]
    fn the_decoy_matches_nothing() {
        let decoy = decoy_hash();
        assert!(decoy.starts_with("$argon2id$"));
        assert!(!verify_password(&SecretString::from(""), decoy));
        assert!(!verify_password(
            &SecretString::from("posylka decoy"),
            decoy
        ));
    }
}
