//! The server's configuration: defaults, then a TOML file, then `POSYLKA_*` variables.
//!
//! ```toml
//! listen = "127.0.0.1:8080"
//! database_url = "/var/lib/posylka/posylka.db"   # or postgres://user@host/db
//! log_format = "json"                            # or "text"
//! log_level = "info"
//! push_token = "..."                             # lets a carrier integration push events
//! secure_cookies = true                          # the web page is reached over https
//! ```
//!
//! Each key can be set as `POSYLKA_<KEY>` (`POSYLKA_LISTEN`, `POSYLKA_DATABASE_URL`, ...), which
//! wins over the file. Secrets are [`SecretString`]s: never printed, not even by `Debug`.

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
    fn defaults_without_a_file() {
        figment::Jail::expect_with(|_| {
            let c = Config::load(None).map_err(|e| e.to_string())?;
            assert_eq!(c.listen, default_listen());
            assert_eq!(c.database_url(), DEFAULT_DATABASE);
            Ok(())
        });
    }
}
