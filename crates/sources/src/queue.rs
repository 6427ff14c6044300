//! [`StoreWork`]: the poller's [`WorkSource`] over the store's poll queue
//! ([`posylka_core::store::polling::PollStore`]), so leases and due times live in the database
//! and several server instances share the work.

use jiff::Timestamp;
use posylka_core::store::polling::PollStore;
use posylka_core::timeline::SourceName;

use crate::poller::{BackendError, Claim, Completion, WorkSource};

/// The store's poll queue as a [`WorkSource`].
#[derive(Debug, Clone)]
pub struct StoreWork<S> {
    store: S,
}

impl<S> StoreWork<S> {
    /// Work from `store`'s poll queue.
    pub fn new(store: S) -> Self {
        Self { store }
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }
}

impl<S: PollStore> WorkSource for StoreWork<S> {
    async fn claim(
        &self,
        source: &SourceName,
        now: Timestamp,
        limit: usize,
        lease_until: Timestamp,
    ) -> Result<Vec<Claim>, BackendError> {
        self.store
            .claim_polls(source, now, limit, lease_until)
            .await
            .map_err(|e| BackendError(Box::new(e)))
    }

    async fn complete(&self, source: &SourceName, done: &[Completion]) -> Result<(), BackendError> {
        self.store
            .complete_polls(source, done)
            .await
            .map(|_| ())
            .map_err(|e| BackendError(Box::new(e)))
    }
}
