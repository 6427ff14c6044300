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
        Self {
            inner: Arc::new(Inner {
                store,
                config,
                metrics: Metrics::new(),
                assessor,
                tokens: TokenCache::default(),
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

    /// Recently checked API tokens (clear it after revoking a token or removing a user).
    pub fn token_cache(&self) -> &TokenCache {
        &self.inner.tokens
    }
}
