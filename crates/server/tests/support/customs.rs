//! The customs desk's configuration for the tests that run it end to end.

use std::path::Path;

use posylka_notify::{SmtpConfig, SmtpSecurity};
use posylka_server::config::Config;
use posylka_server::customs::sms::SmsConfig;
use posylka_vault::{KeyId, MasterKey};
use secrecy::{ExposeSecret, SecretString};

/// The server's configuration with the desk on: the SQLite file `posylka.db` in `dir`, a new
/// vault key written to `dir/vault-k1.key`, mail to the SMTP receiver on `smtp_port`, SMS to
/// the gateway at `sms_url`, links to `public_url`; the notification scheduler off, data
/// destroyed as soon as a parcel is cleared (0 retention days), the desk's round every second.
pub fn desk_config(dir: &Path, public_url: &str, sms_url: &str, smtp_port: u16) -> Config {
    // The vault key lives next to the database, never in it (as `posylka demo` does).
    let key = MasterKey::generate(KeyId::new("k1").unwrap()).unwrap();
    let key_file = dir.join("vault-k1.key");
    std::fs::write(&key_file, key.to_base64().expose_secret()).unwrap();
    let mut config = Config {
        database_url: Some(dir.join("posylka.db").display().to_string()),
        ..Config::default()
    };
    config.notify.scheduler = false;
    let mut smtp = SmtpConfig::new("127.0.0.1", "Desk <desk@carrier.example>");
    smtp.port = Some(smtp_port);
    smtp.security = SmtpSecurity::None;
    smtp.timeout_secs = 5;
    config.notify.smtp = Some(smtp);
    config.customs.public_url = Some(public_url.to_owned());
    config.customs.carrier = "Posylka Express".into();
    config.customs.vault_key_file = Some(key_file);
    config.customs.sms = Some(SmsConfig {
        url: sms_url.to_owned(),
        token: Some(SecretString::from("sms-secret")),
        timeout_secs: 5,
    });
    config.customs.retention_days = 0;
    config.customs.poll_secs = 1;
    config
}
