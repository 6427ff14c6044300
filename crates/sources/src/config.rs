//! Per-source configuration, read from the environment.
//!
//! | variable | meaning | default |
//! |---|---|---|
//! | `POSYLKA_17TRACK_URL` | 17TRACK API base (methods are appended) | `https://api.17track.net/track/v2.2` |
//! | `POSYLKA_17TRACK_TOKEN` | 17TRACK API key (`17token` header); enables the source | — |
//! | `POSYLKA_17TRACK_PUSH_KEY` | key the webhook `sign` is computed with | the token |
//! | `POSYLKA_17TRACK_RATE` | request rate | `3/s` |
//! | `POSYLKA_17TRACK_QUOTA` | extra request quota, e.g. `1000/day` | none |
//! | `POSYLKA_RUSSIANPOST_URL` | single-access SOAP endpoint | `https://tracking.russianpost.ru/rtm34` |
//! | `POSYLKA_RUSSIANPOST_LOGIN`, `_PASSWORD` | API credentials; both enable the source | — |
//! | `POSYLKA_RUSSIANPOST_LANGUAGE` | `RUS` or `ENG` | `RUS` |
//! | `POSYLKA_RUSSIANPOST_RATE` | request rate | `1/s` |
//! | `POSYLKA_RUSSIANPOST_QUOTA` | request quota | `100/day` |
//! | `POSYLKA_CAINIAO_URL` | Cainiao global site base (`/global/detail.json` is appended) | `https://global.cainiao.com` |
//! | `POSYLKA_CAINIAO_ENABLED` | `true`/`false` | `true` |
//! | `POSYLKA_CAINIAO_BATCH` | numbers per `mailNos` request | `1` |
//! | `POSYLKA_CAINIAO_RATE` | request rate | `1/s` |
//! | `POSYLKA_SOURCE_TIMEOUT_SECS` | timeout of one request, every source | `20` |
//!
//! Keys and passwords are held as [`SecretString`]: `Debug` prints them redacted and nothing in
//! this crate logs them.

use std::time::Duration;

use secrecy::SecretString;

use crate::limits::{Limits, Rate};

/// A configuration value that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{variable}: {problem}")]
pub struct ConfigError {
    /// The environment variable.
    pub variable: &'static str,
    /// What is wrong with it (never its value when it is a secret).
    pub problem: String,
}

/// 17TRACK API v2 settings.
#[derive(Debug, Clone)]
pub struct SeventeenTrackConfig {
    /// Base URL; `register`, `gettrackinfo`, ... are appended.
    pub base_url: String,
    /// The API key.
    pub token: SecretString,
    /// The key the webhook signature is computed with (the API key unless set apart).
    pub push_key: Option<SecretString>,
    /// Request timeout.
    pub timeout: Duration,
    /// Numbers per call (the API's maximum is 40).
    pub max_batch: usize,
    /// Request budget.
    pub limits: Limits,
}

/// Russian Post tracking API (single access) settings.
#[derive(Debug, Clone)]
pub struct RussianPostConfig {
    /// The SOAP endpoint.
    pub base_url: String,
    /// API login.
    pub login: SecretString,
    /// API password.
    pub password: SecretString,
    /// `RUS` or `ENG`: the language of operation names.
    pub language: String,
    /// Request timeout.
    pub timeout: Duration,
    /// Request budget (the service counts requests per day).
    pub limits: Limits,
}

/// Cainiao global tracking settings.
#[derive(Debug, Clone)]
pub struct CainiaoConfig {
    /// Base URL; `/global/detail.json` is appended.
    pub base_url: String,
    /// Numbers per request (comma-separated `mailNos`).
    pub max_batch: usize,
    /// `lang`/`language` query value.
    pub language: String,
    /// Request timeout.
    pub timeout: Duration,
    /// Request budget.
    pub limits: Limits,
}

/// Every source's settings; a source without its credentials is `None` (disabled).
#[derive(Debug, Clone)]
pub struct SourcesConfig {
    /// 17TRACK, when a token is set.
    pub seventeen_track: Option<SeventeenTrackConfig>,
    /// Russian Post, when a login and password are set.
    pub russian_post: Option<RussianPostConfig>,
    /// Cainiao, unless disabled.
    pub cainiao: Option<CainiaoConfig>,
}

/// Default 17TRACK base URL.
pub const SEVENTEEN_TRACK_URL: &str = "https://api.17track.net/track/v2.2";
/// Default Russian Post single-access endpoint.
pub const RUSSIAN_POST_URL: &str = "https://tracking.russianpost.ru/rtm34";
/// Default Cainiao base URL.
pub const CAINIAO_URL: &str = "https://global.cainiao.com";

impl SourcesConfig {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup` (the environment, or a map in tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let timeout = match get("POSYLKA_SOURCE_TIMEOUT_SECS") {
            None => Duration::from_secs(20),
            Some(v) => match v.trim().parse::<u64>() {
                Ok(secs) if (1..=600).contains(&secs) => Duration::from_secs(secs),
                _ => {
                    return Err(ConfigError {
                        variable: "POSYLKA_SOURCE_TIMEOUT_SECS",
                        problem: format!("expected whole seconds from 1 to 600, got {v:?}"),
                    });
                }
            },
        };
        let rate = |variable: &'static str, default: &str| -> Result<Rate, ConfigError> {
            let text = get(variable).unwrap_or_else(|| default.to_owned());
            text.parse()
                .map_err(|e: crate::limits::InvalidRate| ConfigError {
                    variable,
                    problem: e.to_string(),
                })
        };
        let optional_rate = |variable: &'static str| -> Result<Option<Rate>, ConfigError> {
            get(variable)
                .map(|text| {
                    text.parse()
                        .map_err(|e: crate::limits::InvalidRate| ConfigError {
                            variable,
                            problem: e.to_string(),
                        })
                })
                .transpose()
        };
        let url = |variable: &'static str, default: &str| -> Result<String, ConfigError> {
            let text = get(variable).unwrap_or_else(|| default.to_owned());
            let parsed = reqwest::Url::parse(text.trim()).map_err(|e| ConfigError {
                variable,
                problem: format!("not a URL: {e}"),
            })?;
            if !matches!(parsed.scheme(), "http" | "https") {
                return Err(ConfigError {
                    variable,
                    problem: "expected an http or https URL".into(),
                });
            }
            Ok(text.trim().trim_end_matches('/').to_owned())
        };
        let secret = |name: &str| get(name).map(|v| SecretString::from(v.trim().to_owned()));

        let seventeen_track = match secret("POSYLKA_17TRACK_TOKEN") {
            None => None,
            Some(token) => Some(SeventeenTrackConfig {
                base_url: url("POSYLKA_17TRACK_URL", SEVENTEEN_TRACK_URL)?,
                token,
                push_key: secret("POSYLKA_17TRACK_PUSH_KEY"),
                timeout,
                max_batch: 40,
                limits: Limits {
                    rate: rate("POSYLKA_17TRACK_RATE", "3/s")?,
                    quota: optional_rate("POSYLKA_17TRACK_QUOTA")?,
                },
            }),
        };

        let login = secret("POSYLKA_RUSSIANPOST_LOGIN");
        let password = secret("POSYLKA_RUSSIANPOST_PASSWORD");
        let russian_post = match (login, password) {
            (None, None) => None,
            (Some(login), Some(password)) => {
                let language = get("POSYLKA_RUSSIANPOST_LANGUAGE")
                    .unwrap_or_else(|| "RUS".into())
                    .trim()
                    .to_ascii_uppercase();
                if !matches!(language.as_str(), "RUS" | "ENG") {
                    return Err(ConfigError {
                        variable: "POSYLKA_RUSSIANPOST_LANGUAGE",
                        problem: format!("expected RUS or ENG, got {language:?}"),
                    });
                }
                Some(RussianPostConfig {
                    base_url: url("POSYLKA_RUSSIANPOST_URL", RUSSIAN_POST_URL)?,
                    login,
                    password,
                    language,
                    timeout,
                    limits: Limits {
                        rate: rate("POSYLKA_RUSSIANPOST_RATE", "1/s")?,
                        quota: Some(rate("POSYLKA_RUSSIANPOST_QUOTA", "100/day")?),
                    },
                })
            }
            (Some(_), None) => {
                return Err(ConfigError {
                    variable: "POSYLKA_RUSSIANPOST_PASSWORD",
                    problem: "missing while POSYLKA_RUSSIANPOST_LOGIN is set".into(),
                });
            }
            (None, Some(_)) => {
                return Err(ConfigError {
                    variable: "POSYLKA_RUSSIANPOST_LOGIN",
                    problem: "missing while POSYLKA_RUSSIANPOST_PASSWORD is set".into(),
                });
            }
        };

        let cainiao_enabled = match get("POSYLKA_CAINIAO_ENABLED").as_deref().map(str::trim) {
            None | Some("true" | "1" | "yes") => true,
            Some("false" | "0" | "no") => false,
            Some(other) => {
                return Err(ConfigError {
                    variable: "POSYLKA_CAINIAO_ENABLED",
                    problem: format!("expected true or false, got {other:?}"),
                });
            }
        };
        let cainiao = if cainiao_enabled {
            let max_batch = match get("POSYLKA_CAINIAO_BATCH") {
                None => 1,
                Some(v) => match v.trim().parse::<usize>() {
                    Ok(n) if (1..=50).contains(&n) => n,
                    _ => {
                        return Err(ConfigError {
                            variable: "POSYLKA_CAINIAO_BATCH",
                            problem: format!("expected a number from 1 to 50, got {v:?}"),
                        });
                    }
                },
            };
            Some(CainiaoConfig {
                base_url: url("POSYLKA_CAINIAO_URL", CAINIAO_URL)?,
                max_batch,
                language: "en-US".into(),
                timeout,
                limits: Limits {
                    rate: rate("POSYLKA_CAINIAO_RATE", "1/s")?,
                    quota: None,
                },
            })
        } else {
            None
        };

        Ok(Self {
            seventeen_track,
            russian_post,
            cainiao,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use secrecy::ExposeSecret;

    use super::*;

    fn config(pairs: &[(&str, &str)]) -> Result<SourcesConfig, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        SourcesConfig::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn sources_are_enabled_by_their_credentials() {
        let c = config(&[]).expect("config");
        assert!(c.seventeen_track.is_none());
        assert!(c.russian_post.is_none());
        assert!(c.cainiao.is_some());

        let c = config(&[
            ("POSYLKA_17TRACK_TOKEN", "tok-123"),
            ("POSYLKA_17TRACK_URL", "http://127.0.0.1:9/track/v2.2/"),
            ("POSYLKA_RUSSIANPOST_LOGIN", "login"),
            ("POSYLKA_RUSSIANPOST_PASSWORD", "pw"),
            ("POSYLKA_CAINIAO_ENABLED", "false"),
        ])
        .expect("config");
        let st = c.seventeen_track.expect("17track");
        assert_eq!(st.base_url, "http://127.0.0.1:9/track/v2.2");
        assert_eq!(st.token.expose_secret(), "tok-123");
        assert_eq!(st.limits.rate.to_string(), "3/s");
        let rp = c.russian_post.expect("russian post");
        assert_eq!(
            rp.limits.quota.map(|q| q.to_string()).as_deref(),
            Some("100/day")
        );
        assert!(c.cainiao.is_none());
    }

    #[test]
    fn secrets_never_show_in_debug() {
        let c = config(&[
            ("POSYLKA_17TRACK_TOKEN", "tok-very-secret"),
            ("POSYLKA_RUSSIANPOST_LOGIN", "login-secret"),
            ("POSYLKA_RUSSIANPOST_PASSWORD", "pw-secret"),
        ])
        .expect("config");
        let debug = format!("{c:?}");
        for secret in ["tok-very-secret", "login-secret", "pw-secret"] {
            assert!(!debug.contains(secret), "{secret} leaked in {debug}");
        }
    }

    #[test]
    fn bad_values_name_the_variable() {
        let e = config(&[("POSYLKA_RUSSIANPOST_LOGIN", "x")]).expect_err("half");
        assert_eq!(e.variable, "POSYLKA_RUSSIANPOST_PASSWORD");
        let e = config(&[
            ("POSYLKA_17TRACK_TOKEN", "t"),
            ("POSYLKA_17TRACK_RATE", "fast"),
        ])
        .expect_err("rate");
        assert_eq!(e.variable, "POSYLKA_17TRACK_RATE");
        let e = config(&[("POSYLKA_CAINIAO_URL", "ftp://x")]).expect_err("scheme");
        assert_eq!(e.variable, "POSYLKA_CAINIAO_URL");
        let e = config(&[("POSYLKA_SOURCE_TIMEOUT_SECS", "0")]).expect_err("timeout");
        assert_eq!(e.variable, "POSYLKA_SOURCE_TIMEOUT_SECS");
    }
}
