//! What every handler shares.

use std::sync::Arc;

use posylka_store::AnyStore;

use crate::auth::TokenCache;
use crate::config::Config;
use crate::findings::{Assessor, NoFindings};
use crate::metrics::Metrics;

/// The server's shared state: cheap to clone (everything behind `Arc`s or pools).
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    store: AnyStore,
    config: Config,
    metrics: Metrics,
    assessor: Box<dyn Assessor>,
    tokens: TokenCache,
    /// The pollers, when sources are configured (set once at start).
    polling: std::sync::OnceLock<Arc<crate::poll::Polling>>,
    notify: Arc<crate::notify::NotifyRuntime>,
    /// The customs desk, when a vault key is configured (set once at start).
    customs: std::sync::OnceLock<Arc<crate::customs::Desk>>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("store", &self.inner.store.engine())
            .field("listen", &self.inner.config.listen)
            .finish_non_exhaustive()
    }
}

impl AppState {
    /// State over an open store, with the default assessor ([`crate::findings::default_assessor`]).
    pub fn new(store: AnyStore, config: Config) -> Self {
        Self::with_assessor(store, config, crate::findings::default_assessor())
    }

    /// State with a chosen assessor (tests, or a watchdog with its own rules).
    pub fn with_assessor(store: AnyStore, config: Config, assessor: Box<dyn Assessor>) -> Self {
        let notify = Arc::new(crate::notify::NotifyRuntime::new(&config.notify));
        Self {
            inner: Arc::new(Inner {
                notify,
                store,
                config,
                metrics: Metrics::new(),
                assessor,
                tokens: TokenCache::default(),
                polling: std::sync::OnceLock::new(),
                customs: std::sync::OnceLock::new(),
            }),
        }
    }

    /// State that reports no findings.
    pub fn without_findings(store: AnyStore, config: Config) -> Self {
        Self::with_assessor(store, config, Box::new(NoFindings))
    }

    /// The store.
    pub fn store(&self) -> &AnyStore {
        &self.inner.store
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The metrics registry.
    pub fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }

    /// What judges a shipment (findings and ETA).
    pub fn assessor(&self) -> &dyn Assessor {
        self.inner.assessor.as_ref()
    }

    /// Notifications: the notifier, the secret sealer, the scheduler's wake-up.
    pub fn notify(&self) -> &Arc<crate::notify::NotifyRuntime> {
        &self.inner.notify
    }

    /// The pollers, if sources are configured and polling started.
    pub fn polling(&self) -> Option<&Arc<crate::poll::Polling>> {
        self.inner.polling.get()
    }

    /// Attaches the pollers (once; a second call is ignored).
    pub fn set_polling(&self, polling: Arc<crate::poll::Polling>) {
        let _ = self.inner.polling.set(polling);
    }

    /// The customs desk, if enabled.
    pub fn customs(&self) -> Option<&Arc<crate::customs::Desk>> {
        self.inner.customs.get()
    }

    /// Attaches the customs desk (once; a second call is ignored).
    pub fn set_customs(&self, desk: Arc<crate::customs::Desk>) {
        let _ = self.inner.customs.set(desk);
    }

    /// Recently checked API tokens (clear it after revoking a token or removing a user).
    pub fn token_cache(&self) -> &TokenCache {
        &self.inner.tokens
    }
}
