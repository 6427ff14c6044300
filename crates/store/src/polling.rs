//! [`PollStore`] for [`AnyStore`]: the poll queue of the engine it holds.

use jiff::Timestamp;
use posylka_core::shipment::TrackingNumber;
use posylka_core::store::StoreError;
use posylka_core::store::polling::{
    Claim, Completion, PollEntry, PollStore, PushReport, PushedEvent, QueueStats, Route,
    UnroutedNumber,
};
use posylka_core::timeline::SourceName;

use crate::AnyStore;

impl PollStore for AnyStore {
    async fn unrouted_numbers(&self, limit: usize) -> Result<Vec<UnroutedNumber>, StoreError> {
        delegate!(self, s => s.unrouted_numbers(limit))
    }

    async fn route_numbers(&self, routes: &[Route], due: Timestamp) -> Result<usize, StoreError> {
        delegate!(self, s => s.route_numbers(routes, due))
    }

    async fn claim_polls(
        &self,
        source: &SourceName,
        now: Timestamp,
        limit: usize,
        lease_until: Timestamp,
    ) -> Result<Vec<Claim>, StoreError> {
        delegate!(self, s => s.claim_polls(source, now, limit, lease_until))
    }

    async fn complete_polls(
        &self,
        source: &SourceName,
        done: &[Completion],
    ) -> Result<usize, StoreError> {
        delegate!(self, s => s.complete_polls(source, done))
    }

    async fn poll_now(
        &self,
        source: &SourceName,
        numbers: &[TrackingNumber],
        now: Timestamp,
    ) -> Result<usize, StoreError> {
        delegate!(self, s => s.poll_now(source, numbers, now))
    }

    async fn poll_entries(&self, number: &TrackingNumber) -> Result<Vec<PollEntry>, StoreError> {
        delegate!(self, s => s.poll_entries(number))
    }

    async fn queue_stats(
        &self,
        now: Timestamp,
    ) -> Result<Vec<(SourceName, QueueStats)>, StoreError> {
        delegate!(self, s => s.queue_stats(now))
    }

    async fn ingest_pushed(
        &self,
        source: &SourceName,
        events: &[PushedEvent],
        received_at: Timestamp,
    ) -> Result<PushReport, StoreError> {
        delegate!(self, s => s.ingest_pushed(source, events, received_at))
    }

    async fn ping(&self) -> Result<(), StoreError> {
        delegate!(self, s => s.ping())
    }
}
