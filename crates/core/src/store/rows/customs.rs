//! The customs desk's rows (`migrations/20250101000007_customs.sql`): decoding and the
//! columns a parcel is written back with, shared by both SQL adapters.

use jiff::Timestamp;

use super::{Columns, corrupt, user_id};
use crate::shipment::TrackingNumber;
use crate::store::StoreError;
use crate::store::customs::{
    AuditEntry, BatchId, BatchSummary, CustomsParcel, CustomsParcelId, DestructionRecord,
    SealedBlob,
};

/// The columns of a parcel, in the order [`parcel`] reads them.
pub const PARCEL_COLUMNS: &str = "id, batch_id, record_key, tracking_number, goods, \
    created_at_us, version, state, contact_key_id, contact_wrapped, contact_ct, token_hash, \
    token_key_id, token_wrapped, token_ct, token_expires_at_us, arrived_at_us, flow, \
    next_wake_at_us, lease_until_us, identity_key_id, identity_wrapped, identity_ct, \
    consent_at_us, consent_version, code, delivery, ended_kind, ended_at_us, destroy_at_us, \
    destroyed_at_us";

/// An optional instant as its microseconds column.
pub fn micros(t: Option<Timestamp>) -> Option<i64> {
    t.map(|t| t.as_microsecond())
}

/// A sealed value from its three columns; all or none must be stored.
fn sealed(
    what: &'static str,
    key: Option<String>,
    wrapped: Option<Vec<u8>>,
    ct: Option<Vec<u8>>,
) -> Result<Option<SealedBlob>, StoreError> {
    match (key, wrapped, ct) {
        (None, None, None) => Ok(None),
        (Some(key_id), Some(wrapped_key), Some(ciphertext)) => Ok(Some(SealedBlob {
            key_id,
            wrapped_key,
            ciphertext,
        })),
        _ => Err(corrupt(what, "a sealed value is partly stored")),
    }
}

/// Reads the sealed value whose key id, wrapped key and ciphertext start at column `at`.
fn sealed_at(
    row: &impl Columns,
    what: &'static str,
    at: usize,
) -> Result<Option<SealedBlob>, StoreError> {
    sealed(
        what,
        row.opt_text(at)?,
        row.opt_bytes(at + 1)?,
        row.opt_bytes(at + 2)?,
    )
}

/// A sealed value's three columns: key id, wrapped key, ciphertext.
pub fn sealed_columns(s: Option<&SealedBlob>) -> (Option<&str>, Option<&[u8]>, Option<&[u8]>) {
    match s {
        Some(s) => (
            Some(s.key_id.as_str()),
            Some(s.wrapped_key.as_slice()),
            Some(s.ciphertext.as_slice()),
        ),
        None => (None, None, None),
    }
}

/// Decodes a parcel from its [`PARCEL_COLUMNS`].
pub fn parcel(row: &impl Columns) -> Result<CustomsParcel, StoreError> {
    let number = row.text(3)?;
    let token_hash = row.opt_bytes(11)?;
    Ok(CustomsParcel {
        id: CustomsParcelId(row.int(0)?),
        batch: BatchId(row.int(1)?),
        record_key: row.text(2)?,
        tracking_number: TrackingNumber::parse(&number)
            .map_err(|e| corrupt("customs_parcels.tracking_number", e))?,
        goods: row.text(4)?,
        created_at: row.instant("customs_parcels.created_at_us", 5)?,
        version: row.int(6)?,
        state: row.text(7)?,
        contact: sealed_at(row, "customs_parcels.contact", 8)?,
        token_hash: token_hash
            .map(|h| {
                <[u8; 32]>::try_from(h.as_slice())
                    .map_err(|_| corrupt("customs_parcels.token_hash", "not 32 bytes"))
            })
            .transpose()?,
        token: sealed_at(row, "customs_parcels.token", 12)?,
        token_expires_at: row.opt_instant("customs_parcels.token_expires_at_us", 15)?,
        arrived_at: row.opt_instant("customs_parcels.arrived_at_us", 16)?,
        flow: row.opt_text(17)?,
        next_wake_at: row.opt_instant("customs_parcels.next_wake_at_us", 18)?,
        lease_until: row.opt_instant("customs_parcels.lease_until_us", 19)?,
        identity: sealed_at(row, "customs_parcels.identity", 20)?,
        consent_at: row.opt_instant("customs_parcels.consent_at_us", 23)?,
        consent_version: row.opt_text(24)?,
        code: row.opt_text(25)?,
        delivery: row.opt_text(26)?,
        ended_kind: row.opt_text(27)?,
        ended_at: row.opt_instant("customs_parcels.ended_at_us", 28)?,
        destroy_at: row.opt_instant("customs_parcels.destroy_at_us", 29)?,
        destroyed_at: row.opt_instant("customs_parcels.destroyed_at_us", 30)?,
    })
}

/// Decodes a batch from `id, name, created_by, created_at_us, <parcel count>`.
pub fn batch(row: &impl Columns) -> Result<BatchSummary, StoreError> {
    let count = row.int(4)?;
    Ok(BatchSummary {
        id: BatchId(row.int(0)?),
        name: row.text(1)?,
        created_by: user_id("customs_batches.created_by", row.int(2)?)?,
        created_at: row.instant("customs_batches.created_at_us", 3)?,
        parcels: u32::try_from(count).unwrap_or(u32::MAX),
    })
}

/// Decodes an audit entry from `parcel_id, actor, action, reason, at_us`.
pub fn audit_entry(row: &impl Columns) -> Result<AuditEntry, StoreError> {
    Ok(AuditEntry {
        parcel: CustomsParcelId(row.int(0)?),
        actor: row.text(1)?,
        action: row.text(2)?,
        reason: row.text(3)?,
        at: row.instant("customs_audit.at_us", 4)?,
    })
}

/// Decodes a destruction from `parcel_id, batch_id, categories, grounds, ended_at_us,
/// destroyed_at_us`.
pub fn destruction(row: &impl Columns) -> Result<DestructionRecord, StoreError> {
    Ok(DestructionRecord {
        parcel: CustomsParcelId(row.int(0)?),
        batch: BatchId(row.int(1)?),
        categories: row.text(2)?,
        grounds: row.text(3)?,
        ended_at: row.instant("customs_destructions.ended_at_us", 4)?,
        destroyed_at: row.instant("customs_destructions.destroyed_at_us", 5)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A row of plain values, as an adapter would read them.
    enum V {
        Int(Option<i64>),
        Text(Option<&'static str>),
        Bytes(Option<Vec<u8>>),
    }

    struct Row(Vec<V>);

    impl Columns for Row {
        fn int(&self, at: usize) -> Result<i64, StoreError> {
            self.opt_int(at)?.ok_or_else(|| corrupt("test", "null"))
        }
        fn opt_int(&self, at: usize) -> Result<Option<i64>, StoreError> {
            match &self.0[at] {
                V::Int(v) => Ok(*v),
                _ => Err(corrupt("test", format!("column {at} is not an integer"))),
            }
        }
        fn text(&self, at: usize) -> Result<String, StoreError> {
            self.opt_text(at)?.ok_or_else(|| corrupt("test", "null"))
        }
        fn opt_text(&self, at: usize) -> Result<Option<String>, StoreError> {
            match &self.0[at] {
                V::Text(v) => Ok(v.map(str::to_owned)),
                _ => Err(corrupt("test", format!("column {at} is not text"))),
            }
        }
        fn opt_bytes(&self, at: usize) -> Result<Option<Vec<u8>>, StoreError> {
            match &self.0[at] {
                V::Bytes(v) => Ok(v.clone()),
                _ => Err(corrupt("test", format!("column {at} is not binary"))),
            }
        }
    }

    /// A parcel row in [`PARCEL_COLUMNS`] order: contact sealed, the rest empty.
    fn parcel_row() -> Vec<V> {
        use V::{Bytes, Int, Text};
        let mut row = vec![
            Int(Some(7)),
            Int(Some(3)),
            Text(Some("r-1")),
            Text(Some("RR123456785CN")),
            Text(Some("[]")),
            Int(Some(1_700_000_000_000_000)),
            Int(Some(2)),
            Text(Some("imported")),
            Text(Some("k1")),
            Bytes(Some(vec![1])),
            Bytes(Some(vec![2])),
            Bytes(None),
            Text(None),
            Bytes(None),
            Bytes(None),
            Int(None),
            Int(None),
            Text(None),
            Int(None),
            Int(None),
            Text(None),
            Bytes(None),
            Bytes(None),
            Int(None),
        ];
        row.extend((0..4).map(|_| Text(None)));
        row.extend((0..3).map(|_| Int(None)));
        row
    }

    #[test]
    fn a_parcel_row_decodes_and_writes_back_the_same_sealed_columns() {
        let p = parcel(&Row(parcel_row())).expect("a valid row decodes");
        assert_eq!(p.id, CustomsParcelId(7));
        assert_eq!(p.tracking_number.as_str(), "RR123456785CN");
        let contact = p.contact.as_ref().expect("the contact is stored");
        assert_eq!(contact.key_id, "k1");
        assert_eq!(
            sealed_columns(Some(contact)),
            (Some("k1"), Some(&[1u8][..]), Some(&[2u8][..]))
        );
        assert_eq!(p.token, None);
        assert_eq!(p.destroyed_at, None);
    }

    #[test]
    fn a_partly_stored_sealed_value_or_a_short_token_hash_is_corrupt() {
        let mut row = parcel_row();
        row[10] = V::Bytes(None);
        let err = parcel(&Row(row)).expect_err("a corrupt row is refused");
        assert!(err.to_string().contains("customs_parcels.contact"), "{err}");
        let mut row = parcel_row();
        row[11] = V::Bytes(Some(vec![0; 31]));
        let err = parcel(&Row(row)).expect_err("a corrupt row is refused");
        assert!(
            err.to_string().contains("customs_parcels.token_hash"),
            "{err}"
        );
    }
}
