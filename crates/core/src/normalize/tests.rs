#![allow(clippy::unwrap_used)]

use super::*;
use Milestone as M;

fn text(s: &str) -> Normalized {
    normalize(&RawEvent::from_text(s))
}

fn coded(carrier: &str, code: &str, s: &str) -> Normalized {
    normalize(&RawEvent {
        code: Some(code.into()),
        carrier: Some(carrier.into()),
        ..RawEvent::from_text(s)
    })
}

fn assert_text(cases: &[(&str, Milestone)]) {
    for &(s, want) in cases {
        assert_eq!(text(s).milestone, want, "text {s:?}");
    }
}

#[test]
fn delivered_traps_return_markers_win() {
    assert_text(&[
        ("Delivered, To Original Sender", M::Returned),
        ("Вручение, Вручение отправителю", M::Returned),
        ("Returned by Yanwen, Delivered with signature", M::Returned),
        ("Выдано отправителю через почтомат", M::Returned),
        ("退回卖家签收", M::Returned),
        ("Package was returned to the sender", M::ReturningToSender),
        ("Возврат, Истёк срок хранения", M::ReturningToSender),
        (
            "Failed delivery attempt, returning to the warehouse",
            M::DeliveryAttemptFailed,
        ),
        ("Item returned from customs (import)", M::CustomsCleared),
    ]);
}

#[test]
fn delivered_traps_handover_is_not_delivery() {
    assert_text(&[
        (
            "Delivered by driver to Pickup parcelshop",
            M::AvailableForPickup,
        ),
        (
            "Delivered to local post office for final delivery",
            M::InTransit,
        ),
        (
            "Обработка перевозчиком, Доставлено",
            M::ArrivedDestinationCountry,
        ),
        ("Being delivered.", M::OutForDelivery),
        (
            "The parcel is expected to be delivered during the day.",
            M::OutForDelivery,
        ),
        ("自提点签收", M::AvailableForPickup),
        ("用户签收异常", M::Exception),
        ("The shipment has been delivered.", M::Delivered),
        ("包裹已签收，如有疑问请联系收件人", M::Delivered),
        (
            "The recipient has picked up the shipment from the PACKSTATION",
            M::Delivered,
        ),
        ("Выдано адресату через почтомат", M::Delivered),
    ]);
}

#[test]
fn personal_data_requests_in_three_languages() {
    for s in [
        "Consignee information is required",
        "Требуются паспортные данные получателя",
        "Укажите ИНН получателя для таможенного оформления",
        "Отказ в выпуске. Недействительные ПД.",
        "护照无效",
        "需要进⼀步确认收件⼈信息",
        "Please provide the recipient's passport details for customs clearance",
    ] {
        let n = text(s);
        assert_eq!(n.milestone, M::PersonalDataRequired, "{s}");
        assert_eq!(n.side, Some(Side::Import), "{s}");
    }
}

#[test]
fn customs_family_and_side() {
    let cases = [
        (
            "Export customs clearance started",
            M::CustomsClearance,
            Some(Side::Export),
        ),
        (
            "Import customs clearance complete",
            M::CustomsCleared,
            Some(Side::Import),
        ),
        ("Held by import customs", M::CustomsHold, Some(Side::Import)),
        ("出口海关/放行", M::CustomsCleared, Some(Side::Export)),
        ("送交出口海关", M::CustomsClearance, Some(Side::Export)),
        ("境外进口海关留存待验", M::CustomsHold, Some(Side::Import)),
        ("延期放行", M::CustomsHold, None),
        (
            "Выпуск разрешен. Таможенные платежи уплачены",
            M::CustomsCleared,
            None,
        ),
        (
            "Отказ в выпуске. Таможенные платежи не уплачены",
            M::CustomsHold,
            None,
        ),
        ("Customs duties payment requested", M::CustomsHold, None),
        ("Left from customs", M::CustomsCleared, None),
    ];
    for (s, want, side) in cases {
        let n = text(s);
        assert_eq!((n.milestone, n.side), (want, side), "{s}");
    }
    let n = text("Customs duties payment requested");
    assert_eq!(n.reason, Some(Reason::PaymentDue));
}

#[test]
fn customs_side_defaults_to_import_for_destination_carriers() {
    let n = normalize(&RawEvent {
        carrier: Some("Почта России".into()),
        ..RawEvent::from_text("Таможенное оформление завершено")
    });
    assert_eq!(
        (n.milestone, n.side),
        (M::CustomsCleared, Some(Side::Import))
    );
}

#[test]
fn failed_attempts_and_pickup() {
    assert_text(&[
        ("Delivery attempt unsuccessful", M::DeliveryAttemptFailed),
        (
            "We missed you. Your driver won't be back today",
            M::DeliveryAttemptFailed,
        ),
        (
            "Notice Left (No Secure Location Available)",
            M::DeliveryAttemptFailed,
        ),
        (
            "Неудачная попытка вручения, Временное отсутствие адресата",
            M::DeliveryAttemptFailed,
        ),
        ("妥投失败，收件人联系不上", M::DeliveryAttemptFailed),
        ("Consignee Refused To Accept", M::DeliveryAttemptFailed),
        ("Available for pick up", M::AvailableForPickup),
        ("Прибыло в место вручения", M::AvailableForPickup),
        ("Поступило в пункт выдачи", M::AvailableForPickup),
        ("到达待取", M::AvailableForPickup),
        ("Передано курьеру для доставки в ПВЗ", M::InTransit),
        ("Ожидает курьерской доставки", M::InTransit),
    ]);
    assert_eq!(
        text("Consignee Refused To Accept").reason,
        Some(Reason::Refused)
    );
}

#[test]
fn exceptions_carry_reasons() {
    let cases = [
        ("Order cancelled by merchant/shipper", Reason::Cancelled),
        ("Forsendelsen er annulleret", Reason::Cancelled),
        ("Уничтожение", Reason::Destroyed),
        ("Истек срок хранения", Reason::Unclaimed),
        ("Flight/Voyage delay", Reason::Delay),
        ("Уточнение адреса", Reason::AddressIssue),
    ];
    for (s, reason) in cases {
        let n = text(s);
        assert_eq!((n.milestone, n.reason), (M::Exception, Some(reason)), "{s}");
    }
    assert_eq!(
        text("Истекает срок хранения").milestone,
        M::AvailableForPickup
    );
}

#[test]
fn lost_and_damaged() {
    assert_text(&[
        ("Package lost", M::Lost),
        ("Невручение, Утрачено", M::Lost),
        ("包裹丢失", M::Lost),
        ("Delivered, Damaged, delivery completed", M::Damaged),
        ("妥投失败，包裹损坏", M::Damaged),
    ]);
}

#[test]
fn movement_milestones() {
    assert_text(&[
        (
            "Departed from departure country/region",
            M::DepartedOriginCountry,
        ),
        ("航空公司启运", M::DepartedOriginCountry),
        ("已交承运商运输", M::DepartedOriginCountry),
        (
            "Despatch Parcels from Export Facility",
            M::DepartedOriginCountry,
        ),
        ("【上海市国际互换局】已出口直封", M::InTransit),
        (
            "Arrival at inward office of exchange",
            M::ArrivedDestinationCountry,
        ),
        ("Прибыло на территорию РФ", M::ArrivedDestinationCountry),
        ("到达目的地机场/港口", M::ArrivedDestinationCountry),
        ("到达目的国SC", M::InTransit),
        ("Shipment has departed from origin facility.", M::InTransit),
        ("Out for delivery", M::OutForDelivery),
        ("Передано почтальону", M::OutForDelivery),
        ("正在投递", M::OutForDelivery),
        ("Accepted at USPS Origin Facility", M::PickedUp),
        ("中国邮政 已收取邮件", M::PickedUp),
        (
            "Shipping Label Created, USPS Awaiting Item",
            M::InfoReceived,
        ),
        ("Получена электронная регистрация", M::InfoReceived),
        (
            "邮件离开【上海王港邮件处理中心】，正在发往下一站",
            M::InTransit,
        ),
    ]);
}

#[test]
fn direction_dependent_exchange_office() {
    let ev = |text: &str, country: Option<&str>, dest: Option<&str>| RawEvent {
        country: country.map(Into::into),
        destination: dest.map(Into::into),
        carrier: Some("Russian Post".into()),
        ..RawEvent::from_text(text)
    };
    let arrive = "Прибыло в место международного обмена";
    let leave = "Покинуло место международного обмена";
    // CN -> RU (corridor default): import arrival, then domestic leg.
    assert_eq!(
        normalize(&ev(arrive, None, None)).milestone,
        M::ArrivedDestinationCountry
    );
    assert_eq!(
        normalize(&ev(leave, Some("RU"), Some("RU"))).milestone,
        M::InTransit
    );
    // RU -> abroad: export side.
    assert_eq!(
        normalize(&ev(arrive, Some("RU"), Some("DE"))).milestone,
        M::InTransit
    );
    assert_eq!(
        normalize(&ev(leave, None, Some("Germany"))).milestone,
        M::DepartedOriginCountry
    );
    // Same through the code table.
    let coded = |code: &str, dest: &str| RawEvent {
        code: Some(code.into()),
        destination: Some(dest.into()),
        carrier: Some("russian-post".into()),
        ..RawEvent::from_text("")
    };
    assert_eq!(
        normalize(&coded("8.5", "RU")).milestone,
        M::ArrivedDestinationCountry
    );
    assert_eq!(
        normalize(&coded("8.6", "US")).milestone,
        M::DepartedOriginCountry
    );
    let customs = normalize(&coded("14.1", "US"));
    assert_eq!(
        (customs.milestone, customs.side),
        (M::CustomsCleared, Some(Side::Export))
    );
}

#[test]
fn codes_win_over_text_and_weak_codes_yield() {
    // Exact code: the code decides even against misleading text.
    assert_eq!(
        coded("Russian Post", "31.21", "Доставлено").milestone,
        M::ArrivedDestinationCountry
    );
    assert_eq!(
        coded("Yanwen", "LM70", "").milestone,
        M::PersonalDataRequired
    );
    assert_eq!(
        coded("Cainiao", "GTMS_STA_SIGNED", "签收").milestone,
        M::AvailableForPickup
    );
    assert_eq!(
        coded("UPU EMSEVT", "EMD", "").milestone,
        M::ArrivedDestinationCountry
    );
    assert_eq!(
        coded("China Post", "EXA", "").milestone,
        M::CustomsClearance
    );
    assert_eq!(
        coded("China Post", "404", "").milestone,
        M::DepartedOriginCountry
    );
    assert_eq!(
        coded("China Post EMS", "51", "").milestone,
        M::OutForDelivery
    );
    assert_eq!(
        coded("CDEK", "TAKEN_BY_COURIER", "").milestone,
        M::OutForDelivery
    );
    assert_eq!(
        coded("Boxberry", "Возвращено в ИМ", "").milestone,
        M::Returned
    );
    assert_eq!(coded("GBS", "HBA45", "").milestone, M::PersonalDataRequired);
    // Bare OperType 2 says "handed over"; the text names the sender.
    assert_eq!(
        coded("Почта России", "2", "Вручение отправителю").milestone,
        M::Returned
    );
    assert_eq!(coded("Почта России", "2", "").milestone, M::Delivered);
    // CDEK reuses 11 as a reason code: a return in the text wins over "out for delivery".
    assert_eq!(
        coded("CDEK", "11", "Возврат, отказ от получения: Без объяснения").milestone,
        M::ReturningToSender
    );
    // Unknown code: text decides.
    assert_eq!(
        coded("fedex", "DE", "Customer not available").milestone,
        M::DeliveryAttemptFailed
    );
    let exact = coded("Russian Post", "8.13", "");
    assert!((exact.confidence - 0.95).abs() < 1e-9);
}

#[test]
fn boxberry_status_names_work_as_text_codes() {
    let n = normalize(&RawEvent {
        carrier: Some("Boxberry".into()),
        ..RawEvent::from_text("Выдано")
    });
    assert_eq!(n.milestone, M::Delivered);
}

#[test]
fn fallback_is_low_confidence_in_transit() {
    for s in ["", "   ", "Иное", "Carrier update", "xyzzy", "12345"] {
        let n = text(s);
        assert_eq!(n.milestone, M::InTransit, "{s:?}");
        assert!(n.confidence <= 0.3, "{s:?} {}", n.confidence);
    }
}

#[test]
fn raw_event_deserialisation() {
    let ev: RawEvent = serde_json::from_str(
        r#"{"text":"x","code":8,"carrier":null,"extra":{"ignored":true},"country":"RU"}"#,
    )
    .unwrap();
    assert_eq!(ev.code.as_deref(), Some("8"));
    assert_eq!(ev.carrier, None);
    assert_eq!(ev.country.as_deref(), Some("RU"));
    assert!(
        serde_json::from_str::<RawEvent>(r#"{"code":"1"}"#).is_err(),
        "text is required"
    );
}

#[test]
fn normalized_serialises_to_the_cli_shape() {
    let n = Normalized {
        milestone: M::Exception,
        side: None,
        reason: Some(Reason::Delay),
        confidence: 0.75,
    };
    assert_eq!(
        serde_json::to_string(&n).unwrap(),
        r#"{"milestone":"exception","reason":"delay","confidence":0.75}"#
    );
    let line = n.to_string();
    assert!(line.starts_with("exception "), "{line}");
    assert!(line.contains("delay") && line.contains("0.75"), "{line}");
}
