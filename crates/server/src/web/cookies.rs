//! Reading and writing cookies: the few this page uses, without a cookie jar.

use axum::http::header::{self, HeaderMap, HeaderValue};

/// The value of cookie `name` in the request's `Cookie` headers, if present.
pub(crate) fn get<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim().trim_matches('"'))
}

/// How long a cookie lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lifetime {
    /// `Max-Age` in seconds.
    Seconds(u64),
    /// Remove it now.
    Expired,
}

/// A `Set-Cookie` value: `Path=/`, `SameSite=Lax`, `HttpOnly` unless the page's script must
/// read it, `Secure` when the site is served over https.
pub(crate) fn set(
    name: &str,
    value: &str,
    lifetime: Lifetime,
    http_only: bool,
    secure: bool,
) -> Option<HeaderValue> {
    let max_age = match lifetime {
        Lifetime::Seconds(s) => s,
        Lifetime::Expired => 0,
    };
    let mut text = format!("{name}={value}; Path=/; Max-Age={max_age}; SameSite=Lax");
    if http_only {
        text.push_str("; HttpOnly");
    }
    if secure {
        text.push_str("; Secure");
    }
    // Values are our own base64url or language keys; a bad one is dropped, never sent broken.
    HeaderValue::from_str(&text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_cookie_among_several_headers() {
        let mut headers = HeaderMap::new();
        headers.append(
            header::COOKIE,
            HeaderValue::from_static("a=1; posylka_lang=ru"),
        );
        headers.append(header::COOKIE, HeaderValue::from_static("b=\"2\""));
        assert_eq!(get(&headers, "posylka_lang"), Some("ru"));
        assert_eq!(get(&headers, "b"), Some("2"));
        assert_eq!(get(&headers, "posylka"), None);
        assert_eq!(get(&HeaderMap::new(), "a"), None);
    }

    #[test]
    fn flags_follow_the_arguments() {
        let v = set("s", "x", Lifetime::Seconds(60), true, true).expect("valid");
        assert_eq!(
            v.to_str().expect("ascii"),
            "s=x; Path=/; Max-Age=60; SameSite=Lax; HttpOnly; Secure"
        );
        let v = set("s", "", Lifetime::Expired, false, false).expect("valid");
        assert_eq!(
            v.to_str().expect("ascii"),
            "s=; Path=/; Max-Age=0; SameSite=Lax"
        );
        assert!(set("s", "a\nb", Lifetime::Expired, true, false).is_none());
    }
}
