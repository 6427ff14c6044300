//! The Russian Post connector against a local SOAP fake built from `getOperationHistory`'s
//! published shape.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::*;
use posylka_core::timeline::SourceName;
use posylka_core::{Milestone, Normalizer};
use posylka_sources::russianpost::{History, RussianPost, parse_operation_history};
use posylka_sources::{NumberError, Source, SourceError};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn fake() -> (MockServer, Arc<FakeRussianPost>) {
    let server = MockServer::start().await;
    let fake = Arc::new(FakeRussianPost::default());
    Mock::given(method("POST"))
        .and(path("/rtm34"))
        .and(header(
            "content-type",
            "application/soap+xml; charset=utf-8",
        ))
        .respond_with(FakeRussianPostResponder(fake.clone()))
        .mount(&server)
        .await;
    (server, fake)
}

fn history() -> Vec<String> {
    vec![
        rp_record(
            "1",
            "Прием",
            Some(("1", "Единичный")),
            "2024-04-20T14:50:00.000+08:00",
            "518000",
            "Шэньчжэнь",
        ),
        rp_record(
            "10",
            "Экспорт международной почты",
            None,
            "2024-04-22T03:10:00.000+08:00",
            "518000",
            "Шэньчжэнь",
        ),
        rp_record(
            "8",
            "Обработка",
            Some(("13", "Прибыло на территорию РФ")),
            "2024-04-28T09:00:00.000+03:00",
            "102976",
            "Москва АОПП",
        ),
        rp_record(
            "14",
            "Таможенное оформление",
            Some(("1", "Выпущено таможней")),
            "2024-04-29T12:00:00.000+03:00",
            "102976",
            "Москва АОПП &amp; ММПО",
        ),
        rp_record(
            "2",
            "Вручение",
            Some(("1", "Вручение адресату")),
            "2024-05-03T17:20:00.000+03:00",
            "101000",
            "Москва",
        ),
        rp_record(
            "8",
            "Обработка",
            Some(("2", "Прибыло в место вручения")),
            "not a date",
            "101000",
            "Москва",
        ),
    ]
}

#[tokio::test]
async fn history_records_become_coded_events() {
    let (server, fake) = fake().await;
    fake.histories
        .lock()
        .expect("lock")
        .insert("RA123456789CN".into(), history());
    let source = RussianPost::new(russian_post_config(&server.uri())).expect("source");
    let report = source.fetch(&[n("RA123456789CN")]).await.expect("fetch");
    assert!(report.failed.is_empty());
    let (_, tracked) = &report.ok[0];
    assert_eq!(tracked.events.len(), 5);
    assert_eq!(tracked.dropped_events, 1);

    let codes: Vec<_> = tracked.events.iter().map(|e| e.raw.code.clone()).collect();
    assert_eq!(
        codes,
        ["1.1", "10", "8.13", "14.1", "2.1"]
            .map(|c| Some(c.to_owned()))
            .to_vec()
    );
    let first = &tracked.events[0];
    assert_eq!(first.raw.text, "Прием, Единичный");
    assert_eq!(first.raw.location.as_deref(), Some("518000 Шэньчжэнь"));
    assert_eq!(first.raw.carrier.as_deref(), Some("russian-post"));
    assert_eq!(first.raw.destination.as_deref(), Some("RU"));
    assert_eq!(first.at.offset().seconds(), 8 * 3600);
    // Entities are decoded, spaces around them kept.
    assert_eq!(
        tracked.events[3].raw.location.as_deref(),
        Some("102976 Москва АОПП & ММПО")
    );

    let name = SourceName::new("russianpost").expect("name");
    let milestones: Vec<_> = tracked
        .records(&name, &mut Normalizer::new())
        .iter()
        .map(|r| r.milestone)
        .collect();
    assert_eq!(
        milestones,
        vec![
            Milestone::PickedUp,
            Milestone::DepartedOriginCountry,
            Milestone::ArrivedDestinationCountry,
            Milestone::CustomsCleared,
            Milestone::Delivered,
        ]
    );
}

#[tokio::test]
async fn faults_and_failures() {
    let (server, fake) = fake().await;
    let source = RussianPost::new(russian_post_config(&server.uri())).expect("source");

    // Unknown barcode: an OperationHistoryFault concerns the number only.
    let report = source.fetch(&[n("RA000000000RU")]).await.expect("fetch");
    assert!(matches!(
        report.failed.as_slice(),
        [(_, NumberError::Rejected { message, .. })] if message.contains("не найдена")
    ));

    // Wrong credentials: an AuthorizationFault fails the call.
    let mut config = russian_post_config(&server.uri());
    config.password = "wrong".to_owned().into();
    let wrong = RussianPost::new(config).expect("source");
    let e = wrong.fetch(&[n("RA000000000RU")]).await.expect_err("auth");
    assert_eq!(
        e,
        SourceError::Unauthorized {
            source_name: "russianpost"
        }
    );
    assert!(!e.to_string().contains("wrong"));

    fake.down.store(true, std::sync::atomic::Ordering::SeqCst);
    let e = source.fetch(&[n("RA000000000RU")]).await.expect_err("down");
    assert_eq!(
        e,
        SourceError::Status {
            source_name: "russianpost",
            status: 503
        }
    );
    assert_eq!(e.kind(), posylka_sources::FailureKind::Outage);
}

#[tokio::test]
async fn malformed_and_slow_answers() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/html"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string("<html><body>Service unavailable</body></html>"),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/slow"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(3)))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/broken"))
        .respond_with(ResponseTemplate::new(200).set_body_string(
            "<S:Envelope xmlns:S=\"x\"><S:Body><a:OperationHistoryData xmlns:a=\"y\"><a:historyRecord></S:Body>",
        ))
        .mount(&server)
        .await;

    for (suffix, expect_timeout) in [("/html", false), ("/slow", true), ("/broken", false)] {
        let mut config = russian_post_config(&server.uri());
        config.base_url = format!("{}{suffix}", server.uri());
        config.timeout = Duration::from_millis(300);
        let source = RussianPost::new(config).expect("source");
        let e = source.fetch(&[n("RA123456789RU")]).await.expect_err(suffix);
        if expect_timeout {
            assert_eq!(
                e,
                SourceError::Timeout {
                    source_name: "russianpost"
                }
            );
        } else {
            assert!(
                matches!(e, SourceError::Malformed { .. }),
                "{suffix}: {e:?}"
            );
        }
    }
}

#[test]
fn empty_history_is_no_events_and_soap11_faults_are_read() {
    let empty = rp_response(&[]);
    assert_eq!(
        parse_operation_history(empty.as_bytes()).expect("empty"),
        History::Records(vec![])
    );

    let soap11 = r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">
        <soapenv:Body><soapenv:Fault><faultcode>soapenv:Server</faultcode>
        <faultstring>Internal error</faultstring></soapenv:Fault></soapenv:Body></soapenv:Envelope>"#;
    match parse_operation_history(soap11.as_bytes()).expect("fault") {
        History::Fault(f) => {
            assert_eq!(f.code, "soapenv:Server");
            assert_eq!(f.reason, "Internal error");
            assert_eq!(f.detail, None);
        }
        other => panic!("expected a fault, got {other:?}"),
    }

    let e = parse_operation_history(b"<a><b></a>").expect_err("mismatched");
    match e {
        SourceError::Malformed { detail, .. } => assert!(detail.contains("byte"), "{detail}"),
        other => panic!("{other:?}"),
    }
}
