//! The 17TRACK connector against a local fake built from the v2.2 shapes.

mod common;

use std::time::Duration;

use common::*;
use posylka_core::Milestone;
use posylka_core::Normalizer;
use posylka_core::shipment::Leg;
use posylka_core::timeline::SourceName;
use posylka_sources::seventeentrack::{
    CarrierChange, Registration, SeventeenTrack, push_signature,
};
use posylka_sources::{NumberError, PushError, PushNotice, Source, SourceError};
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn server() -> MockServer {
    MockServer::start().await
}

#[tokio::test]
async fn fetch_maps_events_links_and_partial_rejections() {
    let server = server().await;
    let events = vec![
        st_event(
            "2024-05-03T10:00:00+03:00",
            "Вручение адресату",
            "Delivered_Other",
            "Delivered",
        ),
        st_event(
            "2024-05-01T08:30:00+03:00",
            "Arrived at destination country",
            "InTransit_Arrival",
            "Arrival",
        ),
        st_event(
            "2024-04-25T18:00:00+08:00",
            "Departed from origin",
            "",
            "Departure",
        ),
        json!({"time_iso": "garbage", "time_utc": null, "description": "no time"}),
    ];
    Mock::given(method("POST"))
        .and(path("/track/v2.2/gettrackinfo"))
        .and(header("17token", TOKEN))
        .and(body_json(json!([{"number": "RA123456789CN"}, {"number": "LP00123456789012"}])))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "code": 0,
            "data": {
                "accepted": [{"number": "RA123456789CN", "carrier": 3011, "param": null, "tag": null,
                              "track_info": track_info("China Post", &events, Some("80012345678901"))}],
                "rejected": [{"number": "LP00123456789012",
                              "error": {"code": -18019903, "message": "The carrier cannot be detected."}}]
            }
        })))
        .expect(1)
        .mount(&server)
        .await;
    let source = SeventeenTrack::new(seventeen_config(&server.uri())).expect("source");
    let report = source
        .fetch(&[n("RA123456789CN"), n("LP00123456789012")])
        .await
        .expect("fetch");

    assert_eq!(
        report.failed,
        vec![(n("LP00123456789012"), NumberError::CarrierNotDetected)]
    );
    let (number, tracked) = &report.ok[0];
    assert_eq!(number, &n("RA123456789CN"));
    assert_eq!(tracked.events.len(), 3);
    assert_eq!(tracked.dropped_events, 1);
    assert_eq!(tracked.linked.len(), 1);
    assert_eq!(tracked.linked[0].number, n("80012345678901"));
    assert_eq!(tracked.linked[0].leg, Leg::LastMile);
    assert_eq!(tracked.linked[0].carrier.as_deref(), Some("Russian Post"));
    let status = tracked.status.as_ref().expect("status");
    assert_eq!(status.raw, "InTransit/InTransit_Arrival");
    assert_eq!(status.milestone, Some(Milestone::ArrivedDestinationCountry));

    let name = SourceName::new("17track").expect("name");
    let records = tracked.records(&name, &mut Normalizer::new());
    let milestones: Vec<_> = records.iter().map(|r| r.milestone).collect();
    assert_eq!(
        milestones,
        vec![
            Milestone::Delivered,
            Milestone::ArrivedDestinationCountry,
            Milestone::DepartedOriginCountry
        ]
    );
    // Raw text, code, carrier and offset are kept as received.
    assert_eq!(records[0].text, "Вручение адресату");
    assert_eq!(records[0].code.as_deref(), Some("Delivered_Other"));
    assert_eq!(records[2].code, None);
    assert_eq!(records[2].at.offset().seconds(), 8 * 3600);
    assert_eq!(records[0].source.as_str(), "17track");
}

#[tokio::test]
async fn register_splits_into_batches_of_40_and_accepts_already_registered() {
    let server = server().await;
    let fake = Fake17::new();
    fake.registered
        .lock()
        .expect("lock")
        .insert("RA000000000CN".into());
    Mock::given(method("POST"))
        .respond_with(Fake17Responder(fake.clone()))
        .mount(&server)
        .await;
    let source = SeventeenTrack::new(seventeen_config(&server.uri())).expect("source");
    let numbers: Vec<_> = (0..41).map(|i| n(&format!("RA{i:09}CN"))).collect();
    let report = source.register(&numbers).await.expect("register");
    assert_eq!(report.ok.len(), 41);
    assert!(report.failed.is_empty());
    assert_eq!(
        fake.register_calls
            .load(std::sync::atomic::Ordering::SeqCst),
        2
    );
    assert_eq!(
        fake.max_batch_seen
            .load(std::sync::atomic::Ordering::SeqCst),
        40
    );
}

#[tokio::test]
async fn register_with_carrier_and_change_carrier_send_the_published_bodies() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/track/v2.2/register"))
        .and(body_json(json!([{"number": "RA123456789CN", "carrier": 3011}, {"number": "YT1234567890123456"}])))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "code": 0, "data": {"accepted": [{"number": "RA123456789CN"}],
            "rejected": [{"number": "YT1234567890123456", "error": {"code": -18019908, "message": "quota"}}]}})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/track/v2.2/changecarrier"))
        .and(body_json(json!([{"number": "RA123456789CN", "carrier_old": 3011, "carrier_new": 3013}])))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "code": 0, "data": {"accepted": [{"number": "RA123456789CN", "carrier": 3013}], "rejected": []}})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/track/v2.2/stoptrack"))
        .and(body_json(json!([{"number": "RA123456789CN"}])))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "code": 0, "data": {"accepted": [{"number": "RA123456789CN", "carrier": 3013}], "rejected": []}})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/track/v2.2/retrack"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "code": 0, "data": {"accepted": [], "rejected": [{"number": "RA123456789CN",
              "error": {"code": -18019905, "message": "Retrack is allowed only once."}}]}})))
        .expect(1)
        .mount(&server)
        .await;

    let source = SeventeenTrack::new(seventeen_config(&server.uri())).expect("source");
    let report = source
        .register_with(&[
            Registration {
                number: n("RA123456789CN"),
                carrier: Some(3011),
            },
            Registration {
                number: n("YT1234567890123456"),
                carrier: None,
            },
        ])
        .await
        .expect("register");
    assert_eq!(report.ok.len(), 1);
    assert_eq!(
        report.failed,
        vec![(n("YT1234567890123456"), NumberError::QuotaExhausted)]
    );

    let changed = source
        .change_carrier(&[CarrierChange {
            number: n("RA123456789CN"),
            carrier_old: Some(3011),
            carrier_new: 3013,
        }])
        .await
        .expect("change");
    assert_eq!(changed.ok.len(), 1);
    let stopped = source.stop(&[n("RA123456789CN")]).await.expect("stop");
    assert_eq!(stopped.ok.len(), 1);
    let retracked = source
        .retrack(&[n("RA123456789CN")])
        .await
        .expect("retrack");
    assert!(matches!(
        retracked.failed.as_slice(),
        [(
            _,
            NumberError::Rejected {
                code: -18019905,
                ..
            }
        )]
    ));
}

#[tokio::test]
async fn quota_and_limit_codes_are_typed_errors() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/track/v2.2/gettrackinfo"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "code": -18019907, "data": {"errors": [{"code": -18019907, "message": "daily limit"}]}})))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/track/v2.2/register"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "code": -18019908, "data": {"errors": [{"code": -18019908, "message": "quota"}]}})))
        .mount(&server)
        .await;
    let source = SeventeenTrack::new(seventeen_config(&server.uri())).expect("source");
    let e = source
        .fetch(&[n("RA123456789CN")])
        .await
        .expect_err("daily");
    assert_eq!(
        e,
        SourceError::DailyLimit {
            source_name: "17track"
        }
    );
    let e = source
        .register(&[n("RA123456789CN")])
        .await
        .expect_err("quota");
    assert_eq!(
        e,
        SourceError::QuotaExhausted {
            source_name: "17track"
        }
    );
    assert!(e.to_string().contains("quota"));
}

#[tokio::test]
async fn http_errors_timeouts_and_malformed_bodies() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/track/v2.2/gettrackinfo"))
        .and(body_json(json!([{"number": "RA000000001CN"}])))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "7"))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/track/v2.2/gettrackinfo"))
        .and(body_json(json!([{"number": "RA000000002CN"}])))
        .respond_with(ResponseTemplate::new(200).set_body_string("<html>gateway</html>"))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/track/v2.2/gettrackinfo"))
        .and(body_json(json!([{"number": "RA000000003CN"}])))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(3)))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/track/v2.2/gettrackinfo"))
        .and(body_json(json!([{"number": "RA000000004CN"}])))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/track/v2.2/gettrackinfo"))
        .and(body_json(json!([{"number": "RA000000005CN"}])))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"code": 0, "data": {"accepted": [{"number": 5}]}})),
        )
        .mount(&server)
        .await;
    let mut config = seventeen_config(&server.uri());
    config.timeout = Duration::from_millis(300);
    let source = SeventeenTrack::new(config).expect("source");

    let e = source.fetch(&[n("RA000000001CN")]).await.expect_err("429");
    assert_eq!(e.retry_after(), Some(Duration::from_secs(7)));
    assert_eq!(e.kind(), posylka_sources::FailureKind::Throttled);
    let e = source.fetch(&[n("RA000000002CN")]).await.expect_err("html");
    assert!(matches!(e, SourceError::Malformed { .. }), "{e:?}");
    let e = source
        .fetch(&[n("RA000000003CN")])
        .await
        .expect_err("timeout");
    assert_eq!(
        e,
        SourceError::Timeout {
            source_name: "17track"
        }
    );
    let e = source.fetch(&[n("RA000000004CN")]).await.expect_err("401");
    assert_eq!(
        e,
        SourceError::Unauthorized {
            source_name: "17track"
        }
    );
    let e = source
        .fetch(&[n("RA000000005CN")])
        .await
        .expect_err("wrong type");
    match e {
        SourceError::Malformed { detail, .. } => assert!(detail.contains("line 1"), "{detail}"),
        other => panic!("expected malformed, got {other:?}"),
    }
    // No error message carries the key.
    for e in [
        source.fetch(&[n("RA000000004CN")]).await.expect_err("401"),
        source.fetch(&[n("RA000000002CN")]).await.expect_err("html"),
    ] {
        assert!(!e.to_string().contains(TOKEN));
    }
}

#[tokio::test]
async fn push_signature_valid_invalid_and_missing() {
    let source = SeventeenTrack::new(seventeen_config("http://127.0.0.1:9")).expect("source");
    let body = serde_json::to_vec(&json!({
        "event": "TRACKING_UPDATED",
        "data": {"number": "RA123456789CN", "carrier": 3011, "param": null, "tag": null,
                 "track_info": track_info("China Post",
                     &[st_event("2024-05-03T10:00:00+03:00", "Delivered", "Delivered_Other", "Delivered")],
                     None)}
    }))
    .expect("json");
    let sign = push_signature(&body, TOKEN);
    assert_eq!(source.push_signature_header(), Some("sign"));

    let notices = source.parse_push(Some(&sign), &body).expect("valid push");
    match notices.as_slice() {
        [PushNotice::Updated { number, tracked }] => {
            assert_eq!(number, &n("RA123456789CN"));
            assert_eq!(tracked.events.len(), 1);
        }
        other => panic!("unexpected {other:?}"),
    }
    // Upper-case hex is the same signature.
    assert!(source.parse_push(Some(&sign.to_uppercase()), &body).is_ok());

    let mut tampered = body.clone();
    tampered[10] ^= 1;
    assert_eq!(
        source.parse_push(Some(&sign), &tampered),
        Err(PushError::BadSignature)
    );
    assert_eq!(
        source.parse_push(Some(&push_signature(&body, "wrong-key")), &body),
        Err(PushError::BadSignature)
    );
    assert_eq!(
        source.parse_push(None, &body),
        Err(PushError::MissingSignature { header: "sign" })
    );

    let stopped = br#"{"event":"TRACKING_STOPPED","data":{"number":"RA123456789CN","carrier":3011,"param":null,"tag":null}}"#;
    let notices = source
        .parse_push(Some(&push_signature(stopped, TOKEN)), stopped)
        .expect("stopped");
    assert_eq!(
        notices,
        vec![PushNotice::Stopped {
            number: n("RA123456789CN"),
            reason: None
        }]
    );

    let garbage = b"not json";
    assert!(matches!(
        source.parse_push(Some(&push_signature(garbage, TOKEN)), garbage),
        Err(PushError::Malformed(_))
    ));
}

#[tokio::test]
async fn a_separate_push_key_is_used_when_configured() {
    let mut config = seventeen_config("http://127.0.0.1:9");
    config.push_key = Some("push-key".to_owned().into());
    let source = SeventeenTrack::new(config).expect("source");
    let body = br#"{"event":"TRACKING_STOPPED","data":{"number":"RA123456789CN"}}"#;
    assert!(
        source
            .parse_push(Some(&push_signature(body, "push-key")), body)
            .is_ok()
    );
    assert_eq!(
        source.parse_push(Some(&push_signature(body, TOKEN)), body),
        Err(PushError::BadSignature)
    );
}
