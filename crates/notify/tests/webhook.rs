//! Webhook delivery to a real HTTP receiver on loopback.

mod support;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use jiff::{SignedDuration, Timestamp};
use posylka_notify::channel::webhook::{
    self, DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER,
};
use posylka_notify::channel::{Blame, Transport};
use posylka_notify::message::webhook_json;
use posylka_notify::{ChannelHealth, ChannelTarget, DeliveryError, Notifier, NotifierConfig};
use secrecy::SecretString;
use support::{closed_port, fast_retries, notification};

const SECRET: &str = "whsec_test_0123456789";

/// One request as the receiver saw it.
#[derive(Debug, Clone)]
struct Received {
    headers: HeaderMap,
    body: Bytes,
}

/// One scripted answer: status, extra headers, body.
type Answer = (u16, Vec<(&'static str, &'static str)>, &'static str);

/// What the receiver answers, in order; 200 once the script runs out.
#[derive(Clone, Default)]
struct Receiver {
    script: Arc<Mutex<VecDeque<Answer>>>,
    received: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    fn answering(script: Vec<Answer>) -> Self {
        Receiver {
            script: Arc::new(Mutex::new(script.into())),
            received: Arc::default(),
        }
    }

    fn received(&self) -> Vec<Received> {
        self.received.lock().expect("lock").clone()
    }
}

async fn hook(State(rx): State<Receiver>, headers: HeaderMap, body: Bytes) -> Response {
    rx.received
        .lock()
        .expect("lock")
        .push(Received { headers, body });
    let next = rx.script.lock().expect("lock").pop_front();
    let (status, extra, text) = next.unwrap_or((200, Vec::new(), "ok"));
    let mut response = (StatusCode::from_u16(status).expect("status"), text).into_response();
    for (name, value) in extra {
        response
            .headers_mut()
            .insert(name, HeaderValue::from_static(value));
    }
    response
}

/// Starts the receiver; returns the webhook URL.
async fn serve(rx: Receiver) -> String {
    let app = Router::new()
        .route("/hook", post(hook))
        .route("/elsewhere", post(hook))
        .with_state(rx);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        axum::serve(listener, app).await.expect("serve");
    });
    format!("http://{addr}/hook")
}

/// A notifier that may reach the receivers these tests run on loopback.
fn notifier(max_retries: u32, disable_after: u32) -> Notifier {
    Notifier::new(NotifierConfig {
        retry: fast_retries(max_retries),
        disable_after_failures: disable_after,
        allow_private_webhooks: true,
        ..NotifierConfig::default()
    })
    .expect("notifier")
}

fn target(url: &str) -> ChannelTarget {
    ChannelTarget::webhook(url, SecretString::from(SECRET)).expect("target")
}

fn header<'a>(r: &'a Received, name: &str) -> &'a str {
    r.headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .expect(name)
}

/// Checks a request the way a receiver would.
fn assert_signed(r: &Received) {
    let verified = webhook::verify(
        &SecretString::from(SECRET),
        header(r, TIMESTAMP_HEADER),
        header(r, SIGNATURE_HEADER),
        &r.body,
        Timestamp::now(),
        SignedDuration::from_mins(5),
    );
    assert_eq!(verified, Ok(()));
}

#[tokio::test]
async fn signed_delivery_is_retried_after_a_500() {
    let rx = Receiver::answering(vec![(500, vec![], "boom")]);
    let url = serve(rx.clone()).await;
    let n = notification();
    let sent = notifier(3, 5)
        .send(&target(&url), &n)
        .await
        .expect("delivered");
    assert_eq!(
        (sent.transport, sent.attempts, sent.status),
        (Transport::Webhook, 2, Some(200))
    );

    let got = rx.received();
    assert_eq!(got.len(), 2);
    for r in &got {
        assert_signed(r);
        assert_eq!(header(r, DELIVERY_HEADER), n.idempotency_key.as_str());
        assert_eq!(header(r, EVENT_HEADER), "finding.appeared");
        assert_eq!(header(r, header::CONTENT_TYPE.as_str()), "application/json");
        assert_eq!(
            r.body.as_ref(),
            webhook_json(&n).as_slice(),
            "retries resend the same bytes"
        );
    }
    let doc: serde_json::Value = serde_json::from_slice(&got[0].body).expect("json");
    assert_eq!(doc["id"], n.idempotency_key.as_str());
    assert_eq!(doc["finding"]["code"], "customs_data_required");
    assert_eq!(doc["title"], n.title.as_str());

    // A tampered body fails the receiver's check.
    let mut forged = got[0].clone();
    forged.body = Bytes::from(String::from_utf8_lossy(&forged.body).replace("shp-42", "shp-43"));
    assert_eq!(
        webhook::verify(
            &SecretString::from(SECRET),
            header(&forged, TIMESTAMP_HEADER),
            header(&forged, SIGNATURE_HEADER),
            &forged.body,
            Timestamp::now(),
            SignedDuration::from_mins(5),
        ),
        Err(webhook::VerifyError::Mismatch)
    );
}

#[tokio::test]
async fn a_400_is_not_retried() {
    // The receiver echoes the secret in its error page: it must not reach our error.
    let rx = Receiver::answering(vec![(
        400,
        vec![],
        "bad signature for whsec_test_0123456789",
    )]);
    let url = serve(rx.clone()).await;
    let err = notifier(3, 5)
        .send(&target(&url), &notification())
        .await
        .expect_err("refused");
    assert_eq!(rx.received().len(), 1);
    match &err {
        DeliveryError::Rejected {
            status,
            attempts,
            blame,
            detail,
            ..
        } => {
            assert_eq!((*status, *attempts, *blame), (Some(400), 1, Blame::Channel));
            assert!(detail.contains("bad signature"), "{detail}");
        }
        other => panic!("expected a rejection, got {other:?}"),
    }
    assert!(!err.to_string().contains(SECRET), "{err}");
    assert!(!err.to_string().contains("/hook"), "{err}");
}

#[tokio::test]
async fn timeouts_and_rate_limits_are_retried() {
    let rx = Receiver::answering(vec![
        (408, vec![], ""),
        (429, vec![("retry-after", "0")], ""),
        (503, vec![], ""),
    ]);
    let url = serve(rx.clone()).await;
    let sent = notifier(3, 5)
        .send(&target(&url), &notification())
        .await
        .expect("delivered");
    assert_eq!(sent.attempts, 4);
    assert_eq!(rx.received().len(), 4);
    let keys: Vec<String> = rx
        .received()
        .iter()
        .map(|r| header(r, DELIVERY_HEADER).to_owned())
        .collect();
    assert!(
        keys.iter().all(|k| *k == keys[0]),
        "one key for every attempt"
    );
}

#[tokio::test]
async fn a_retry_after_beyond_the_policy_stops_retrying() {
    let rx = Receiver::answering(vec![(429, vec![("retry-after", "3600")], "slow down")]);
    let url = serve(rx.clone()).await;
    let err = notifier(3, 5)
        .send(&target(&url), &notification())
        .await
        .expect_err("failed");
    assert_eq!(rx.received().len(), 1);
    assert!(
        matches!(
            err,
            DeliveryError::Unavailable {
                status: Some(429),
                attempts: 1,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.is_temporary());
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let rx = Receiver::answering(vec![(307, vec![("location", "/elsewhere")], "")]);
    let url = serve(rx.clone()).await;
    let err = notifier(3, 5)
        .send(&target(&url), &notification())
        .await
        .expect_err("refused");
    assert_eq!(rx.received().len(), 1, "the signed body went nowhere else");
    assert!(
        matches!(
            err,
            DeliveryError::Rejected {
                status: Some(307),
                ..
            }
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_failing_endpoint_is_disabled_after_n_deliveries() {
    let rx = Receiver::answering((0..100).map(|_| (500, vec![], "down")).collect());
    let url = serve(rx.clone()).await;
    let notifier = notifier(1, 2);
    let hook = target(&url);
    let n = notification();
    let now = support::ts("2026-05-01T00:00:00Z");

    let (first, health) = notifier
        .deliver(&hook, &ChannelHealth::default(), &n, now)
        .await;
    assert!(
        matches!(first, Err(DeliveryError::Unavailable { attempts: 2, .. })),
        "{first:?}"
    );
    assert_eq!(
        (health.consecutive_failures, health.is_disabled()),
        (1, false)
    );
    assert!(
        health
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("status 500"))
    );

    let (_, health) = notifier.deliver(&hook, &health, &n, now).await;
    assert_eq!(health.disabled_at, Some(now));
    assert_eq!(rx.received().len(), 4);

    let (third, after) = notifier.deliver(&hook, &health, &n, now).await;
    assert_eq!(third.err(), Some(DeliveryError::Disabled));
    assert_eq!(after, health);
    assert_eq!(rx.received().len(), 4, "a disabled channel is not tried");
}

#[tokio::test]
async fn an_endpoint_that_is_down_is_retried_then_reported() {
    let url = format!("http://127.0.0.1:{}/hook/private-path", closed_port().await);
    let err = notifier(2, 5)
        .send(&target(&url), &notification())
        .await
        .expect_err("failed");
    assert!(
        matches!(
            err,
            DeliveryError::Unavailable {
                attempts: 3,
                blame: Blame::Channel,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(!err.to_string().contains("private-path"), "{err}");
}

#[tokio::test]
async fn https_endpoints_are_reached_over_tls() {
    // A listener that records the first bytes and hangs up: enough to see that the
    // client opened a TLS handshake (record type 0x16) with its ring-backed config.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let first = tokio::spawn(async move {
        use tokio::io::AsyncReadExt;
        let (mut socket, _) = listener.accept().await.expect("accept");
        let mut buf = [0u8; 3];
        socket.read_exact(&mut buf).await.expect("read");
        buf
    });
    let url = format!("https://127.0.0.1:{port}/hook");
    let err = notifier(0, 5)
        .send(&target(&url), &notification())
        .await
        .expect_err("no TLS server");
    assert!(
        matches!(err, DeliveryError::Unavailable { attempts: 1, .. }),
        "{err:?}"
    );
    let bytes = first.await.expect("listener");
    assert_eq!(bytes[0], 0x16, "TLS handshake record");
    assert_eq!(bytes[1], 0x03, "TLS major version");
}

#[tokio::test]
async fn by_default_a_webhook_on_this_host_is_refused_before_anything_is_sent() {
    let rx = Receiver::default();
    let url = serve(rx.clone()).await;
    let port = url
        .trim_start_matches("http://127.0.0.1:")
        .trim_end_matches("/hook");
    let guarded = Notifier::new(NotifierConfig {
        retry: fast_retries(3),
        ..NotifierConfig::default()
    })
    .expect("notifier");
    let n = notification();
    for (url, attempts) in [
        // An address literal: refused without a connection attempt.
        (url.clone(), 0),
        (format!("http://[::ffff:127.0.0.1]:{port}/hook"), 0),
        // A name resolving to loopback: the resolver drops the address; not retried.
        (format!("http://localhost:{port}/hook"), 1),
    ] {
        match guarded.send(&target(&url), &n).await {
            Err(DeliveryError::Rejected {
                attempts: made,
                blame,
                detail,
                ..
            }) => {
                assert_eq!(made, attempts, "{url}");
                assert_eq!(blame, Blame::Channel, "{url}");
                assert!(detail.contains("not a public address"), "{url}: {detail}");
            }
            other => panic!("{url}: {other:?}"),
        }
    }
    assert!(rx.received().is_empty(), "a request reached the receiver");
    // The same receiver is reached when the operator allows private targets.
    notifier(0, 5)
        .send(&target(&url), &n)
        .await
        .expect("delivered when allowed");
    assert_eq!(rx.received().len(), 1);
}
