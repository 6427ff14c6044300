//! [`CustomsStore`] for [`AnyStore`]: the customs desk's tables of the engine it holds.

use jiff::Timestamp;
use posylka_core::account::UserId;
use posylka_core::store::StoreError;
use posylka_core::store::customs::{
    AuditEntry, BatchId, BatchSummary, CustomsParcel, CustomsParcelId, CustomsStore,
    DestructionRecord, NewBatch,
};

use crate::AnyStore;

impl CustomsStore for AnyStore {
    async fn set_operator(
        &self,
        user: UserId,
        operator: bool,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        delegate!(self, s => s.set_operator(user, operator, now))
    }

    async fn is_operator(&self, user: UserId) -> Result<bool, StoreError> {
        delegate!(self, s => s.is_operator(user))
    }

    async fn import_batch(&self, batch: &NewBatch) -> Result<BatchId, StoreError> {
        delegate!(self, s => s.import_batch(batch))
    }

    async fn batches(&self) -> Result<Vec<BatchSummary>, StoreError> {
        delegate!(self, s => s.batches())
    }

    async fn customs_parcels(&self, batch: BatchId) -> Result<Vec<CustomsParcel>, StoreError> {
        delegate!(self, s => s.customs_parcels(batch))
    }

    async fn customs_parcel(
        &self,
        id: CustomsParcelId,
    ) -> Result<Option<CustomsParcel>, StoreError> {
        delegate!(self, s => s.customs_parcel(id))
    }

    async fn customs_parcel_by_token(
        &self,
        hash: &[u8; 32],
    ) -> Result<Option<CustomsParcel>, StoreError> {
        delegate!(self, s => s.customs_parcel_by_token(hash))
    }

    async fn save_customs_parcel(
        &self,
        parcel: &CustomsParcel,
        destruction: Option<&DestructionRecord>,
    ) -> Result<bool, StoreError> {
        delegate!(self, s => s.save_customs_parcel(parcel, destruction))
    }

    async fn claim_customs_parcels(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        limit: usize,
    ) -> Result<Vec<CustomsParcel>, StoreError> {
        delegate!(self, s => s.claim_customs_parcels(now, lease_until, limit))
    }

    async fn customs_parcels_to_rewrap(
        &self,
        current: &str,
        limit: usize,
    ) -> Result<Vec<CustomsParcel>, StoreError> {
        delegate!(self, s => s.customs_parcels_to_rewrap(current, limit))
    }

    async fn append_audit(&self, entries: &[AuditEntry]) -> Result<(), StoreError> {
        delegate!(self, s => s.append_audit(entries))
    }

    async fn audit_log(&self, limit: usize) -> Result<Vec<AuditEntry>, StoreError> {
        delegate!(self, s => s.audit_log(limit))
    }

    async fn destructions(&self) -> Result<Vec<DestructionRecord>, StoreError> {
        delegate!(self, s => s.destructions())
    }
}
