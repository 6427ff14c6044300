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
//! | `POSYLKA_CAINIAO_ENABLED` | `true`/`false` (opt-in: an undocumented endpoint, no key of the user's) | `false`, `true` if `POSYLKA_CAINIAO_URL` is set |
//! | `POSYLKA_CAINIAO_BATCH` | numbers per `mailNos` request | `1` |
//! | `POSYLKA_CAINIAO_RATE` | request rate | `1/s` |
//! | `POSYLKA_SOURCE_TIMEOUT_SECS` | timeout of one request, every source | `20` |
//!
//! The poller's timing, shared by every source (durations as `500ms`, `30s`, `10min`, `2h`):
//!
//! | variable | meaning | default |
//! |---|---|---|
//! | `POSYLKA_POLL_IDLE` | sleep when nothing is due | `10s` |
//! | `POSYLKA_POLL_LEASE` | how long a claimed number is held before another instance may take it | `10min` |
//! | `POSYLKA_POLL_RETRY` | when numbers are tried again after the source was down | `60s` |
//! | `POSYLKA_POLL_AFTER_REGISTER` | wait between registering a number (17TRACK) and fetching it | `10min` |
//! | `POSYLKA_POLL_CALL_RETRIES` | retries of one call, with jittered backoff | `3` |
//! | `POSYLKA_POLL_BREAKER_FAILURES` | consecutive failed calls that mark a source down | `5` |
//! | `POSYLKA_POLL_BREAKER_COOLDOWN` | first wait before probing a source marked down | `30s` |
//! | `POSYLKA_POLL_CONCURRENCY` | calls in flight per source | `2` |
//!
//! Keys and passwords are held as [`SecretString`]: `Debug` prints them redacted and nothing in
//! this crate logs them.

use std::time::Duration;

use secrecy::SecretString;

use crate::limits::{Limits, Rate};
use crate::poller::PollerConfig;

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
    /// The poller's timing (shared by every source).
    pub poller: PollerConfig,
}

impl SourcesConfig {
    /// Whether any source is enabled.
    pub fn any(&self) -> bool {
        self.seventeen_track.is_some() || self.russian_post.is_some() || self.cainiao.is_some()
    }
}

/// Parses `500ms`, `30s`, `10min`, `2h` or `1d` (a bare number is seconds).
pub fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (count, unit) = text.split_at(split);
    let count: u64 = count.parse().ok()?;
    let unit_ms: u64 = match unit.trim() {
        "ms" => 1,
        "" | "s" | "sec" => 1000,
        "m" | "min" => 60_000,
        "h" => 3_600_000,
        "d" | "day" => 86_400_000,
        _ => return None,
    };
    count.checked_mul(unit_ms).map(Duration::from_millis)
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

        // Opt-in: Cainiao's page is no published API and needs no key of the user's, so a
        // plain `posylka serve` must not start calling it; naming its URL is opting in.
        let cainiao_enabled = match get("POSYLKA_CAINIAO_ENABLED").as_deref().map(str::trim) {
            None => get("POSYLKA_CAINIAO_URL").is_some(),
            Some("true" | "1" | "yes") => true,
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

        let duration = |variable: &'static str,
                        default: Duration|
         -> Result<Duration, ConfigError> {
            match get(variable) {
                None => Ok(default),
                Some(v) => match parse_duration(&v) {
                    Some(d) if d <= Duration::from_secs(7 * 86_400) => Ok(d),
                    _ => Err(ConfigError {
                        variable,
                        problem: format!(
                            "expected a duration up to 7 days such as 500ms, 30s, 10min or 2h, got {v:?}"
                        ),
                    }),
                },
            }
        };
        let count = |variable: &'static str, default: u32, max: u32| -> Result<u32, ConfigError> {
            match get(variable) {
                None => Ok(default),
                Some(v) => match v.trim().parse::<u32>() {
                    Ok(n) if n <= max => Ok(n),
                    _ => Err(ConfigError {
                        variable,
                        problem: format!("expected a whole number from 0 to {max}, got {v:?}"),
                    }),
                },
            }
        };
        let defaults = PollerConfig::default();
        let mut poller = PollerConfig {
            idle_wait: duration("POSYLKA_POLL_IDLE", defaults.idle_wait)?,
            lease: duration("POSYLKA_POLL_LEASE", defaults.lease)?,
            outage_retry: duration("POSYLKA_POLL_RETRY", defaults.outage_retry)?,
            after_register: duration("POSYLKA_POLL_AFTER_REGISTER", defaults.after_register)?,
            concurrency: count("POSYLKA_POLL_CONCURRENCY", 2, 64)?.max(1) as usize,
            ..defaults
        };
        poller.retry.max_retries = count("POSYLKA_POLL_CALL_RETRIES", 3, 10)? as usize;
        poller.breaker.failure_threshold = count("POSYLKA_POLL_BREAKER_FAILURES", 5, 1000)?.max(1);
        poller.breaker.cool_down =
            duration("POSYLKA_POLL_BREAKER_COOLDOWN", defaults.breaker.cool_down)?;
        poller.breaker.max_cool_down = poller.breaker.max_cool_down.max(poller.breaker.cool_down);
        if poller.lease < Duration::from_secs(1) {
            return Err(ConfigError {
                variable: "POSYLKA_POLL_LEASE",
                problem: "a lease shorter than a second would expire while the numbers are polled"
                    .into(),
            });
        }

        Ok(Self {
            seventeen_track,
            russian_post,
            cainiao,
            poller,
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
        assert!(c.cainiao.is_none(), "Cainiao is opt-in");
        assert!(
            config(&[("POSYLKA_CAINIAO_ENABLED", "true")])
                .expect("config")
                .cainiao
                .is_some()
        );
        assert!(
            config(&[("POSYLKA_CAINIAO_URL", "http://127.0.0.1:9")])
                .expect("config")
                .cainiao
                .is_some()
        );

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
        let e = config(&[("POSYLKA_POLL_RETRY", "soon")]).expect_err("duration");
        assert_eq!(e.variable, "POSYLKA_POLL_RETRY");
        let e = config(&[("POSYLKA_POLL_LEASE", "10ms")]).expect_err("lease");
        assert_eq!(e.variable, "POSYLKA_POLL_LEASE");
    }

    #[test]
    fn poller_timing_comes_from_the_environment() {
        let c = config(&[
            ("POSYLKA_POLL_IDLE", "250ms"),
            ("POSYLKA_POLL_RETRY", "2s"),
            ("POSYLKA_POLL_AFTER_REGISTER", "0"),
            ("POSYLKA_POLL_BREAKER_FAILURES", "2"),
            ("POSYLKA_POLL_BREAKER_COOLDOWN", "1s"),
        ])
        .expect("config");
        assert_eq!(c.poller.idle_wait, Duration::from_millis(250));
        assert_eq!(c.poller.outage_retry, Duration::from_secs(2));
        assert_eq!(c.poller.after_register, Duration::ZERO);
        assert_eq!(c.poller.breaker.failure_threshold, 2);
        assert_eq!(c.poller.breaker.cool_down, Duration::from_secs(1));
        assert_eq!(c.poller.lease, PollerConfig::default().lease);
        assert_eq!(parse_duration("10min"), Some(Duration::from_secs(600)));
        assert_eq!(parse_duration("1d"), Some(Duration::from_secs(86_400)));
        assert_eq!(parse_duration("ms"), None);
        assert_eq!(parse_duration("-1s"), None);
    }
}
