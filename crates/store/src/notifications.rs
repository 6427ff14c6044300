//! [`NotificationStore`] for [`AnyStore`]: delegates to the engine it holds.

use jiff::Timestamp;
use posylka_core::account::UserId;
use posylka_core::shipment::ShipmentId;
use posylka_core::store::StoreError;
use posylka_core::store::notifications::{
    Channel, ChannelChange, ChannelId, ClaimedDelivery, DeliveryFinish, DeliveryFinished,
    DeliveryInfo, NewChannel, NotificationStore, PlanCommit, PlanCommitted, PlanContext,
};

use crate::AnyStore;

impl NotificationStore for AnyStore {
    async fn create_channel(&self, new: &NewChannel) -> Result<ChannelId, StoreError> {
        delegate!(self, s => s.create_channel(new))
    }

    async fn channel(&self, id: ChannelId) -> Result<Option<Channel>, StoreError> {
        delegate!(self, s => s.channel(id))
    }

    async fn channels_of(&self, owner: UserId) -> Result<Vec<Channel>, StoreError> {
        delegate!(self, s => s.channels_of(owner))
    }

    async fn change_channel(
        &self,
        id: ChannelId,
        change: &ChannelChange,
    ) -> Result<Option<Channel>, StoreError> {
        delegate!(self, s => s.change_channel(id, change))
    }

    async fn delete_channel(&self, id: ChannelId) -> Result<bool, StoreError> {
        delegate!(self, s => s.delete_channel(id))
    }

    async fn plan_context(&self, shipment: ShipmentId) -> Result<Option<PlanContext>, StoreError> {
        delegate!(self, s => s.plan_context(shipment))
    }

    async fn commit_plan(&self, commit: &PlanCommit) -> Result<PlanCommitted, StoreError> {
        delegate!(self, s => s.commit_plan(commit))
    }

    async fn claim_deliveries(
        &self,
        owner: &str,
        now: Timestamp,
        until: Timestamp,
        limit: usize,
    ) -> Result<Vec<ClaimedDelivery>, StoreError> {
        delegate!(self, s => s.claim_deliveries(owner, now, until, limit))
    }

    async fn finish_delivery(
        &self,
        finish: &DeliveryFinish,
    ) -> Result<DeliveryFinished, StoreError> {
        delegate!(self, s => s.finish_delivery(finish))
    }

    async fn next_delivery_at(&self) -> Result<Option<Timestamp>, StoreError> {
        delegate!(self, s => s.next_delivery_at())
    }

    async fn deliveries_of(
        &self,
        channel: ChannelId,
        limit: usize,
    ) -> Result<Vec<DeliveryInfo>, StoreError> {
        delegate!(self, s => s.deliveries_of(channel, limit))
    }

    async fn next_check_at(&self) -> Result<Option<Timestamp>, StoreError> {
        delegate!(self, s => s.next_check_at())
    }

    async fn claim_checks(
        &self,
        ids: &[ShipmentId],
        owner: &str,
        now: Timestamp,
        until: Timestamp,
    ) -> Result<Vec<ShipmentId>, StoreError> {
        delegate!(self, s => s.claim_checks(ids, owner, now, until))
    }

    async fn release_checks(&self, ids: &[ShipmentId], owner: &str) -> Result<(), StoreError> {
        delegate!(self, s => s.release_checks(ids, owner))
    }
}
