use super::*;

fn ts(text: &str) -> Timestamp {
    text.parse().expect("test timestamp")
}

fn rejected(blame: Blame) -> DeliveryError {
    DeliveryError::Rejected {
        transport: Transport::Webhook,
        status: Some(410),
        attempts: 1,
        blame,
        detail: "Gone".into(),
    }
}

fn sent() -> Sent {
    Sent {
        transport: Transport::Webhook,
        attempts: 1,
        status: Some(200),
        remote_id: None,
    }
}

#[test]
fn a_channel_is_disabled_after_n_failures_in_a_row() {
    let now = ts("2026-05-01T00:00:00Z");
    let mut health = ChannelHealth::default();
    for i in 1..3 {
        assert!(!health.record(&Err(rejected(Blame::Channel)), now, 3));
        assert_eq!(health.consecutive_failures, i);
        assert!(!health.is_disabled());
    }
    assert_eq!(
        health.last_error.as_deref(),
        Some("webhook refused the message (status 410) after 1 attempt(s): Gone")
    );
    assert!(health.record(&Err(rejected(Blame::Channel)), now, 3));
    assert_eq!(health.disabled_at, Some(now));
    // Further failures do not move the date or report the change again.
    assert!(!health.record(
        &Err(rejected(Blame::Channel)),
        now + jiff::SignedDuration::from_hours(1),
        3
    ));
    assert_eq!(health.disabled_at, Some(now));

    health.enable();
    assert_eq!(health, ChannelHealth::default());
}

#[test]
fn a_success_resets_the_count() {
    let now = ts("2026-05-01T00:00:00Z");
    let mut health = ChannelHealth::default();
    health.record(&Err(rejected(Blame::Channel)), now, 2);
    health.record(&Ok(sent()), now, 2);
    assert_eq!(
        (health.consecutive_failures, health.last_error.as_deref()),
        (0, None)
    );
    assert!(!health.record(&Err(rejected(Blame::Channel)), now, 2));
    assert!(health.record(&Err(rejected(Blame::Channel)), now, 2));
}

#[test]
fn server_side_failures_do_not_count_against_the_channel() {
    let now = ts("2026-05-01T00:00:00Z");
    let mut health = ChannelHealth::default();
    for _ in 0..10 {
        assert!(!health.record(&Err(rejected(Blame::Server)), now, 2));
        assert!(!health.record(
            &Err(DeliveryError::NotConfigured {
                transport: Transport::Email
            }),
            now,
            2
        ));
    }
    assert_eq!(health.consecutive_failures, 0);
    assert!(!health.is_disabled());
    assert!(health.last_error.is_some(), "the failure is still shown");
}

#[test]
fn a_threshold_of_zero_means_one() {
    let mut health = ChannelHealth::default();
    assert!(health.record(
        &Err(rejected(Blame::Channel)),
        ts("2026-05-01T00:00:00Z"),
        0
    ));
}

#[test]
fn targets_are_validated_without_echoing_them() {
    assert!(ChannelTarget::email("Anna <anna@example.org>").is_ok());
    let err = ChannelTarget::email("anna-at-example.org").expect_err("refused");
    assert!(err.to_string().starts_with("email address:"), "{err}");
    assert!(!err.to_string().contains("anna-at-example.org"));

    let secret = || SecretString::from("0123456789abcdef");
    assert!(ChannelTarget::webhook("https://hooks.example.org/p?token=1", secret()).is_ok());
    for bad in [
        "ftp://example.org/",
        "not a url",
        "https://user:pw@example.org/",
    ] {
        let err = ChannelTarget::webhook(bad, secret()).expect_err("refused");
        assert!(err.to_string().starts_with("webhook url:"), "{bad}: {err}");
        assert!(!err.to_string().contains("pw@"), "{err}");
    }
    assert_eq!(
        ChannelTarget::webhook("https://example.org/", SecretString::from("short")).err(),
        Some(TargetError::WebhookSecret {
            min: MIN_WEBHOOK_SECRET_CHARS
        })
    );

    for good in ["123456789", "-1001234567890", "@posylka_bot"] {
        assert!(ChannelTarget::telegram(good).is_ok(), "{good}");
    }
    for bad in ["", "@ab", "@with space", "chat", "12a"] {
        assert_eq!(
            ChannelTarget::telegram(bad).err(),
            Some(TargetError::TelegramChat),
            "{bad}"
        );
    }
}

#[test]
fn debug_and_display_never_show_secrets_or_personal_data() {
    const PASSWORD: &str = "smtp-pass-Zq9xV";
    const TOKEN: &str = "123456:AAbbCCddEEffGG";
    const HOOK_SECRET: &str = "whsec_Kx7Yq2Lm9Np4Rt6V";
    let mut smtp = SmtpConfig::new("mail.example.org", "Posylka <posylka@example.org>");
    smtp.username = Some("login-name@example.org".into());
    smtp.password = Some(SecretString::from(PASSWORD));
    let config = NotifierConfig {
        smtp: Some(smtp.clone()),
        telegram: Some(TelegramConfig::new(SecretString::from(TOKEN))),
        ..NotifierConfig::default()
    };
    let notifier = Notifier::new(config.clone()).expect("valid config");
    let hook = ChannelTarget::webhook(
        "https://hooks.example.org/hidden/path?key=abc",
        SecretString::from(HOOK_SECRET),
    )
    .expect("webhook");
    let mail = ChannelTarget::email("anna.ivanova@example.org").expect("email");
    let chat = ChannelTarget::telegram("987654321").expect("chat");

    let texts = [
        format!("{config:?}"),
        format!("{config:#?}"),
        format!("{smtp}"),
        format!("{smtp:?}"),
        format!("{}", config.telegram.as_ref().expect("tg")),
        format!("{:?}", config.telegram.as_ref().expect("tg")),
        format!("{notifier:?}"),
        format!("{hook:?} {hook}"),
        format!("{mail:?} {mail}"),
        format!("{chat:?} {chat}"),
    ];
    for text in &texts {
        for secret in [
            PASSWORD,
            TOKEN,
            HOOK_SECRET,
            "login-name",
            "anna.ivanova",
            "987654321",
            "hidden",
            "key=abc",
        ] {
            assert!(!text.contains(secret), "{secret:?} shown in {text}");
        }
    }
    // What is shown still helps: the relay, the webhook host.
    assert!(texts[2].contains("mail.example.org:587"));
    assert!(texts[7].contains("hooks.example.org"));
}

#[test]
fn config_reads_from_toml_like_data() {
    let json = r#"{
        "smtp": {"host": "mail.example.org", "from": "p@example.org", "security": "implicit_tls",
                 "username": "u", "password": "pw-123"},
        "telegram": {"bot_token": "1:abc"},
        "retry": {"max_retries": 2},
        "disable_after_failures": 3
    }"#;
    let config: NotifierConfig = serde_json::from_str(json).expect("parse");
    let smtp = config.smtp.as_ref().expect("smtp");
    assert_eq!(
        (smtp.security, smtp.port, smtp.timeout_secs),
        (SmtpSecurity::ImplicitTls, None, 30)
    );
    assert_eq!(
        config.telegram.as_ref().map(|t| t.base_url.as_str()),
        Some(DEFAULT_TELEGRAM_BASE_URL)
    );
    assert_eq!(
        (config.retry.max_retries, config.retry.min_delay_ms),
        (2, 1_000)
    );
    assert_eq!(
        (config.disable_after_failures, config.http_timeout_secs),
        (3, 10)
    );
    assert_eq!(
        Notifier::new(config).map(|n| n.disable_after()).ok(),
        Some(3)
    );
}

#[test]
fn bad_telegram_settings_name_the_field() {
    let mut tg = TelegramConfig::new(SecretString::from("123:abc/../x"));
    let config = |tg: &TelegramConfig| NotifierConfig {
        telegram: Some(tg.clone()),
        ..NotifierConfig::default()
    };
    let err = Notifier::new(config(&tg)).err().map(|e| e.to_string());
    assert!(
        err.as_deref()
            .is_some_and(|e| e.starts_with("telegram.bot_token:") && !e.contains("abc")),
        "{err:?}"
    );
    tg.bot_token = SecretString::from("123:abc");
    tg.base_url = "ftp://x".into();
    let err = Notifier::new(config(&tg)).err().map(|e| e.to_string());
    assert!(
        err.as_deref()
            .is_some_and(|e| e.starts_with("telegram.base_url:")),
        "{err:?}"
    );
}

#[tokio::test]
async fn disabled_channels_are_not_tried_and_unconfigured_transports_say_so() {
    let notifier = Notifier::new(NotifierConfig::default()).expect("notifier");
    let n = crate::message::Notification {
        idempotency_key: crate::IdempotencyKey::derive(&["k"]),
        kind: crate::DeliveryKind::Appeared,
        shipment_id: "s".into(),
        finding_code: "lost".into(),
        severity: crate::Severity::Action,
        due_at: None,
        title: "t".into(),
        body: "b".into(),
        url: None,
    };
    let now = ts("2026-05-01T00:00:00Z");
    let mail = ChannelTarget::email("a@example.org").expect("email");
    let (result, health) = notifier
        .deliver(&mail, &ChannelHealth::default(), &n, now)
        .await;
    assert_eq!(
        result.err(),
        Some(DeliveryError::NotConfigured {
            transport: Transport::Email
        })
    );
    assert_eq!(health.consecutive_failures, 0);

    let disabled = ChannelHealth {
        consecutive_failures: 5,
        disabled_at: Some(now),
        last_error: Some("x".into()),
    };
    // An address nobody listens on: were it tried, the error would differ.
    let hook = ChannelTarget::webhook(
        "http://127.0.0.1:9/",
        SecretString::from("0123456789abcdef"),
    )
    .expect("hook");
    let (result, health) = notifier.deliver(&hook, &disabled, &n, now).await;
    assert_eq!(result.err(), Some(DeliveryError::Disabled));
    assert_eq!(health, disabled);
}
