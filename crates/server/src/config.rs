//! The server's configuration: defaults, then a TOML file, then `POSYLKA_*` variables.
//!
//! ```toml
//! listen = "127.0.0.1:8080"
//! database_url = "/var/lib/posylka/posylka.db"   # or postgres://user@host/db
//! log_format = "json"                            # or "text"
//! log_level = "info"
//! push_token = "..."                             # lets a carrier integration push events
//! secure_cookies = true                          # the web page is reached over https
//!
//! [notify]                                       # notifications (see NotifyConfig)
//! secret_key = "..."                             # 32 random bytes, base64: seals webhook secrets
//! public_url = "https://posylka.example"         # links in messages
//! smtp = { host = "mail.example", from = "Posylka <posylka@mail.example>" }
//! telegram = { bot_token = "123456:ABC..." }
//! ```
//!
//! Each key can be set as `POSYLKA_<KEY>` (`POSYLKA_LISTEN`, `POSYLKA_DATABASE_URL`, ...), which
//! wins over the file; `[notify]` keys as `POSYLKA_NOTIFY_<KEY>`, nested ones joined by `__`
//! (`POSYLKA_NOTIFY_SMTP__HOST`). Secrets are [`SecretString`]s: never printed, not even by `Debug`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

/// The keys read from `POSYLKA_*` variables (others, such as `POSYLKA_TEST_POSTGRES_URL`, are
/// not configuration).
const ENV_KEYS: [&str; 7] = [
    "listen",
    "database_url",
    "log_format",
    "log_level",
    "push_token",
    "max_body_bytes",
    "secure_cookies",
];

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// The server configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Address and port to listen on.
    #[serde(default = "default_listen")]
    pub listen: SocketAddr,
    /// The store: a file path, `sqlite://PATH` or `postgres://...`. `None`: the caller's
    /// default (the command line uses its data directory).
    #[serde(default)]
    pub database_url: Option<String>,
    /// Log line format.
    #[serde(default)]
    pub log_format: LogFormat,
    /// Log filter when `RUST_LOG` is not set (`info`, `debug`, `posylka_server=debug`...).
    #[serde(default = "default_log_level")]
    pub log_level: String,
    /// A shared secret that lets a carrier integration push events for any tracked number
    /// (`POST /api/v1/push/events` with `Authorization: Bearer <push_token>`). Unset: only
    /// users' API tokens may push, for their own parcels.
    #[serde(default)]
    pub push_token: Option<SecretString>,
    /// Largest request body accepted, in bytes.
    #[serde(default = "default_max_body")]
    pub max_body_bytes: usize,
    /// Marks the web page's cookies `Secure` (sent only over https): set it when people reach
    /// the server over https, e.g. behind a TLS-terminating proxy (a proxy's
    /// `X-Forwarded-Proto: https` also does, per request).
    #[serde(default)]
    pub secure_cookies: bool,
    /// Notifications: channels' transports, the background scheduler, retries.
    #[serde(default)]
    pub notify: crate::notify::NotifyConfig,
    /// Shared secrets of push intakes, by source name: `POST /api/v1/intake/{source}` accepts
    /// events signed with `X-Posylka-Signature` (HMAC-SHA256) under that source's secret.
    /// In TOML `[intake_secrets] mycarrier = "..."`; in the environment
    /// `POSYLKA_INTAKE_SECRET_MYCARRIER` (the name lower-cased).
    #[serde(default)]
    pub intake_secrets: std::collections::BTreeMap<String, SecretString>,
    /// The customs desk (`[customs]`; see `crate::customs::CustomsConfig`).
    #[serde(default)]
    pub customs: crate::customs::CustomsConfig,
}

fn default_listen() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 8080))
}

fn default_log_level() -> String {
    "info".to_owned()
}

fn default_max_body() -> usize {
    1 << 20
}

/// The database used when nothing names one: a file in the working directory.
pub const DEFAULT_DATABASE: &str = "posylka.db";

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: default_listen(),
            database_url: None,
            log_format: LogFormat::default(),
            log_level: default_log_level(),
            push_token: None,
            max_body_bytes: default_max_body(),
            secure_cookies: false,
            notify: crate::notify::NotifyConfig::default(),
            intake_secrets: std::collections::BTreeMap::new(),
            customs: crate::customs::CustomsConfig::default(),
        }
    }
}

/// Why the configuration could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file named does not exist.
    #[error("config file {0} does not exist")]
    Missing(PathBuf),
    /// A value is missing, mistyped or unknown; figment names the key and where it came from.
    #[error("invalid configuration: {0}")]
    Invalid(String),
}

impl Config {
    /// Reads defaults, then `file` (if given; it must exist), then `POSYLKA_*` variables.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        Self::load_from(file, Env::prefixed("POSYLKA_").only(&ENV_KEYS))
    }

    fn load_from(file: Option<&Path>, env: Env) -> Result<Self, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Defaults::default()));
        if let Some(file) = file {
            if !file.is_file() {
                return Err(ConfigError::Missing(file.to_owned()));
            }
            figment = figment.merge(Toml::file(file));
        }
        figment
            .merge(env)
            // The names are the sources' (`POSYLKA_INTAKE_SECRET_MYCARRIER` -> `mycarrier`).
            // Notifications, nested with `__`: `POSYLKA_NOTIFY_SECRET_KEY` -> `notify.secret_key`,
            // `POSYLKA_NOTIFY_SMTP__HOST` -> `notify.smtp.host`.
            .merge(
                Env::prefixed("POSYLKA_NOTIFY_")
                    .map(|name| format!("notify.{}", name.as_str().replace("__", ".")).into()),
            )
            .merge(
                Env::prefixed("POSYLKA_INTAKE_SECRET_")
                    .map(|name| format!("intake_secrets.{name}").into()),
            )
            // The customs desk's usual variables (the key itself stays in its variable, read
            // by the vault: POSYLKA_VAULT_KEY).
            .merge(
                Env::raw()
                    .only(&[
                        "POSYLKA_VAULT_KEY_FILE",
                        "POSYLKA_SMS_URL",
                        "POSYLKA_SMS_TOKEN",
                    ])
                    .map(|name| {
                        match name.as_str() {
                            "posylka_vault_key_file" => "customs.vault_key_file",
                            "posylka_sms_url" => "customs.sms.url",
                            _ => "customs.sms.token",
                        }
                        .into()
                    }),
            )
            .extract()
            // figment's message names the key and its source, never a secret's value.
            .map_err(|e| ConfigError::Invalid(e.to_string()))
    }

    /// The store location: the configured one, or [`DEFAULT_DATABASE`].
    pub fn database_url(&self) -> &str {
        self.database_url
            .as_deref()
            .filter(|u| !u.trim().is_empty())
            .unwrap_or(DEFAULT_DATABASE)
    }
}

/// The serialisable defaults figment starts from (secrets have none).
#[derive(Serialize)]
struct Defaults {
    listen: SocketAddr,
    log_format: LogFormat,
    log_level: String,
    max_body_bytes: usize,
}

impl Default for Defaults {
    fn default() -> Self {
        let c = Config::default();
        Self {
            listen: c.listen,
            log_format: c.log_format,
            log_level: c.log_level,
            max_body_bytes: c.max_body_bytes,
        }
    }
}

#[cfg(test)]
// figment's Jail returns its own large error type; it is the test harness's, not ours.
#[allow(clippy::result_large_err)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn file_then_environment() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "posylka.toml",
                "listen = \"127.0.0.1:9000\"\ndatabase_url = \"/tmp/a.db\"\npush_token = \"s3cret\"\n",
            )?;
            jail.set_env("POSYLKA_DATABASE_URL", "postgres://db/posylka");
            jail.set_env("POSYLKA_TEST_POSTGRES_URL", "ignored: not a config key");
            let c = Config::load(Some(Path::new("posylka.toml"))).map_err(|e| e.to_string())?;
            assert_eq!(c.listen.port(), 9000);
            assert_eq!(c.database_url(), "postgres://db/posylka");
            assert_eq!(
                c.push_token.as_ref().map(|t| t.expose_secret()),
                Some("s3cret")
            );
            assert!(!format!("{c:?}").contains("s3cret"));
            Ok(())
        });
    }

    #[test]
    fn unknown_keys_and_bad_values_are_named() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("bad.toml", "lisen = \"127.0.0.1:1\"\n")?;
            let err = Config::load(Some(Path::new("bad.toml"))).expect_err("unknown key");
            assert!(err.to_string().contains("lisen"), "{err}");
            jail.create_file("port.toml", "listen = \"localhost\"\n")?;
            let err = Config::load(Some(Path::new("port.toml"))).expect_err("no port");
            assert!(err.to_string().contains("listen"), "{err}");
            let missing = Config::load(Some(Path::new("nope.toml"))).expect_err("missing");
            assert!(matches!(missing, ConfigError::Missing(_)));
            Ok(())
        });
    }

    #[test]
    fn intake_secrets_from_the_file_and_the_environment() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("i.toml", "[intake_secrets]\nmycarrier = \"from-file\"\n")?;
            jail.set_env("POSYLKA_INTAKE_SECRET_OTHER_POST", "from-env");
            let c = Config::load(Some(Path::new("i.toml"))).map_err(|e| e.to_string())?;
            let secret = |name: &str| {
                c.intake_secrets
                    .get(name)
                    .map(|s| s.expose_secret().to_owned())
            };
            assert_eq!(secret("mycarrier").as_deref(), Some("from-file"));
            assert_eq!(secret("other_post").as_deref(), Some("from-env"));
            assert!(!format!("{c:?}").contains("from-env"));
            Ok(())
        });
    }

    #[test]
    fn notification_settings_from_the_environment() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "n.toml",
                "[notify]\npublic_url = \"https://file.example\"\n",
            )?;
            jail.set_env("POSYLKA_NOTIFY_PUBLIC_URL", "https://env.example");
            jail.set_env("POSYLKA_NOTIFY_SMTP__HOST", "mail.example");
            jail.set_env("POSYLKA_NOTIFY_SMTP__FROM", "Posylka <p@mail.example>");
            jail.set_env("POSYLKA_NOTIFY_POLL_SECS", "7");
            let c = Config::load(Some(Path::new("n.toml"))).map_err(|e| e.to_string())?;
            assert_eq!(c.notify.public_url.as_deref(), Some("https://env.example"));
            assert_eq!(c.notify.poll_secs, 7);
            let smtp = c.notify.smtp.as_ref().expect("smtp from the environment");
            assert_eq!(smtp.host, "mail.example");
            assert_eq!(smtp.from, "Posylka <p@mail.example>");
            Ok(())
        });
    }

    #[test]
    fn defaults_without_a_file() {
        figment::Jail::expect_with(|_| {
            let c = Config::load(None).map_err(|e| e.to_string())?;
            assert_eq!(c.listen, default_listen());
            assert_eq!(c.database_url(), DEFAULT_DATABASE);
            Ok(())
        });
    }
}
