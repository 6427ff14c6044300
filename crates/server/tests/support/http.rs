//! Small HTTP helpers for the pages: form bodies, hidden fields, cookies.

use reqwest::header::{self, HeaderMap};

/// `application/x-www-form-urlencoded` (reqwest is built without its `form` feature).
pub fn form_body(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// A hidden field's value in a page, if the page has the field.
pub fn find_hidden(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker)? + marker.len();
    Some(html[start..].split('"').next()?.to_owned())
}

/// A hidden field's value in a page; panics (showing the page) when it is missing.
pub fn hidden(html: &str, name: &str) -> String {
    find_hidden(html, name).unwrap_or_else(|| panic!("no {name} field in {html}"))
}

/// A `Set-Cookie` of a response: the value and the attributes after it.
pub struct SetCookie {
    pub value: String,
    pub attributes: String,
}

pub fn cookie(headers: &HeaderMap, name: &str) -> Option<SetCookie> {
    headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| {
            let (pair, attributes) = v.split_once(';').unwrap_or((v, ""));
            let (k, value) = pair.split_once('=')?;
            (k == name).then(|| SetCookie {
                value: value.to_owned(),
                attributes: attributes.to_owned(),
            })
        })
}

/// The value of the cookie `name` set by a response; panics when it sets none.
pub fn cookie_value(headers: &HeaderMap, name: &str) -> String {
    cookie(headers, name)
        .unwrap_or_else(|| panic!("no {name} cookie"))
        .value
}
