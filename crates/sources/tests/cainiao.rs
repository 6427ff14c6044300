//! The Cainiao connector against a local fake of `global/detail.json`.

mod common;

use std::time::Duration;

use common::*;
use posylka_core::shipment::Leg;
use posylka_core::timeline::SourceName;
use posylka_core::{Milestone, Normalizer};
use posylka_sources::cainiao::Cainiao;
use posylka_sources::{NumberError, Source, SourceError};
use serde_json::json;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn details_become_events_and_the_real_mail_number_is_linked() {
    let server = MockServer::start().await;
    let details = vec![
        cainiao_detail("GTMS_SIGNED", "Delivered", 1_714_740_000_000, "GMT+3"),
        cainiao_detail(
            "CC_IM_SUCCESS",
            "Import customs clearance complete",
            1_714_400_000_000,
            "GMT+3",
        ),
        cainiao_detail(
            "LH_HO_AIRLINE",
            "Leaving from departure country",
            1_713_900_000_000,
            "GMT+8",
        ),
        cainiao_detail(
            "PU_PICKUP_SUCCESS",
            "Received by logistics company",
            1_713_600_000_000,
            "GMT+8",
        ),
        json!({"actionCode": "SC_INBOUND_SUCCESS", "desc": "no time at all"}),
    ];
    Mock::given(method("GET"))
        .and(path("/global/detail.json"))
        .and(query_param("mailNos", "LP00123456789012"))
        .and(query_param("lang", "en-US"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "success": true,
            "module": [cainiao_module("LP00123456789012", &details, Some("RA123456789CN"))]
        })))
        .expect(1)
        .mount(&server)
        .await;
    let source = Cainiao::new(cainiao_config(&server.uri())).expect("source");
    let report = source.fetch(&[n("LP00123456789012")]).await.expect("fetch");
    let (_, tracked) = &report.ok[0];
    assert_eq!(tracked.events.len(), 4);
    assert_eq!(tracked.dropped_events, 1);
    assert_eq!(tracked.linked.len(), 1);
    assert_eq!(tracked.linked[0].number, n("RA123456789CN"));
    assert_eq!(tracked.linked[0].leg, Leg::LastMile);
    assert_eq!(tracked.linked[0].carrier.as_deref(), Some("Russian Post"));
    let first = &tracked.events[0];
    assert_eq!(first.raw.code.as_deref(), Some("GTMS_SIGNED"));
    assert_eq!(first.at.offset().seconds(), 3 * 3600);
    assert_eq!(first.at.instant().as_millisecond(), 1_714_740_000_000);
    assert_eq!(
        tracked.status.as_ref().and_then(|s| s.milestone),
        Some(Milestone::InTransit)
    );

    let name = SourceName::new("cainiao").expect("name");
    let milestones: Vec<_> = tracked
        .records(&name, &mut Normalizer::new())
        .iter()
        .map(|r| r.milestone)
        .collect();
    assert_eq!(
        milestones,
        vec![
            Milestone::Delivered,
            Milestone::CustomsCleared,
            Milestone::DepartedOriginCountry,
            Milestone::PickedUp
        ]
    );
}

#[tokio::test]
async fn missing_numbers_refusals_and_bad_answers() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(query_param("mailNos", "LP00000000000001"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"success": true, "module": []})),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(query_param("mailNos", "LP00000000000002"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"success": false})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(query_param("mailNos", "LP00000000000003"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string("<!doctype html><title>slide to verify</title>"),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(query_param("mailNos", "LP00000000000004"))
        .respond_with(ResponseTemplate::new(502))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(query_param("mailNos", "LP00000000000005"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(3)))
        .mount(&server)
        .await;
    let mut config = cainiao_config(&server.uri());
    config.timeout = Duration::from_millis(300);
    let source = Cainiao::new(config).expect("source");

    let report = source.fetch(&[n("LP00000000000001")]).await.expect("empty");
    assert_eq!(
        report.failed,
        vec![(n("LP00000000000001"), NumberError::NotFound)]
    );
    assert!(matches!(
        source.fetch(&[n("LP00000000000002")]).await,
        Err(SourceError::Refused { .. })
    ));
    assert!(matches!(
        source.fetch(&[n("LP00000000000003")]).await,
        Err(SourceError::Malformed { .. })
    ));
    assert_eq!(
        source.fetch(&[n("LP00000000000004")]).await,
        Err(SourceError::Status {
            source_name: "cainiao",
            status: 502
        })
    );
    assert_eq!(
        source.fetch(&[n("LP00000000000005")]).await,
        Err(SourceError::Timeout {
            source_name: "cainiao"
        })
    );
}

#[tokio::test]
async fn several_numbers_per_request_when_configured() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(query_param("mailNos", "LP00000000000001,LP00000000000002"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "success": true,
            "module": [
                cainiao_module("LP00000000000001", &[cainiao_detail("GTMS_SIGNED", "Delivered", 1_714_740_000_000, "GMT+3")], None),
                cainiao_module("LP00000000000002", &[], None)
            ]
        })))
        .expect(1)
        .mount(&server)
        .await;
    let mut config = cainiao_config(&server.uri());
    config.max_batch = 2;
    let source = Cainiao::new(config).expect("source");
    let report = source
        .fetch(&[n("LP00000000000001"), n("LP00000000000002")])
        .await
        .expect("fetch");
    assert_eq!(report.ok.len(), 2);
    assert_eq!(report.ok[0].1.events.len(), 1);
    assert!(report.ok[1].1.events.is_empty());
}
