//! The HTTP plumbing the connectors share: one client (rustls with ring and the Mozilla roots,
//! timeouts on connect and on the whole request, no redirects), a capped body read, and the
//! translation of transport failures into [`SourceError`]s without URLs or bodies.

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::HeaderMap;

use crate::source::SourceError;

/// The largest response body read; a bigger one is a malformed answer, not a reason to run
/// out of memory. 17TRACK's 40-number `gettrackinfo` answers are well below this.
pub const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

/// Builds the HTTP client a connector uses.
pub(crate) fn client(
    source_name: &'static str,
    timeout: Duration,
) -> Result<reqwest::Client, SourceError> {
    let config = |detail: String| SourceError::Config {
        source_name,
        detail,
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| config(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        // A redirect would carry the key header to wherever it points.
        .redirect(reqwest::redirect::Policy::none())
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(10)))
        .user_agent(concat!("posylka/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| config(e.without_url().to_string()))
}

/// A response whose body was read in full (within [`MAX_BODY_BYTES`]).
#[derive(Debug)]
pub(crate) struct Answer {
    pub status: u16,
    pub retry_after: Option<Duration>,
    pub body: Vec<u8>,
}

/// Sends a request and reads the body. Transport failures become [`SourceError`]s; the status
/// is returned as is for the connector to judge (SOAP faults come with 500).
pub(crate) async fn send(
    source_name: &'static str,
    request: reqwest::RequestBuilder,
) -> Result<Answer, SourceError> {
    let mut response = request
        .send()
        .await
        .map_err(|e| transport(source_name, e))?;
    let status = response.status().as_u16();
    let retry_after = retry_after(response.headers());
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| transport(source_name, e))?
    {
        if body.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(SourceError::Malformed {
                source_name,
                what: "response body",
                detail: format!("larger than {MAX_BODY_BYTES} bytes"),
            });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Answer {
        status,
        retry_after,
        body,
    })
}

/// The errors every connector maps the same way: 401/403 and 429.
pub(crate) fn common_status(source_name: &'static str, answer: &Answer) -> Option<SourceError> {
    match answer.status {
        401 | 403 => Some(SourceError::Unauthorized { source_name }),
        429 => Some(SourceError::RateLimited {
            source_name,
            retry_after: answer.retry_after,
        }),
        _ => None,
    }
}

fn transport(source_name: &'static str, error: reqwest::Error) -> SourceError {
    if error.is_timeout() {
        SourceError::Timeout { source_name }
    } else {
        SourceError::Connect {
            source_name,
            // Without the URL: a Cainiao URL carries the tracking number.
            detail: error.without_url().to_string(),
        }
    }
}

/// `Retry-After` in seconds (the HTTP-date form is not used by these sources).
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let secs: u64 = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    // A source asking for more than an hour is treated as an hour: the poller re-plans anyway.
    Some(Duration::from_secs(secs.min(3600)))
}

/// Joins a base URL and a method path with exactly one slash.
pub(crate) fn join(base: &str, path: &str) -> String {
    format!(
        "{}/{}",
        base.trim_end_matches('/'),
        path.trim_start_matches('/')
    )
}
